//! The `seed` tool fills every register consistently (benchmark volume at scale 1.0).

mod common;

use mall_service::auth::Role::*;

#[tokio::test]
async fn seed_fills_every_register_with_consistent_data() {
    let app = common::spawn().await;
    let tz = app.state.settings.timezone;
    let report = app.state.db(move |c| mall_service::seed::seed(c, 0.002, tz)).await.unwrap();
    assert_eq!(report.customer_files, 200);
    assert_eq!(report.service_records, 200);
    assert_eq!(report.keys, 20);
    assert_eq!(report.key_loans, 20);
    assert_eq!(report.vacant_units, 10);
    assert_eq!(report.care_records, 40);
    assert_eq!(report.duty_log_entries, 9);
    assert_eq!(app.get(Staff, "/api/v1/customer-files?per_page=1").await.body["total"], 200);
    assert_eq!(app.get(Staff, "/api/v1/keys?per_page=1").await.body["total"], 20);
    assert_eq!(app.get(Staff, "/api/v1/key-loans?open=true&per_page=1").await.body["total"], 10);
    let verify = app.get(DeputySupervisor, "/api/v1/duty/log-entries/verify").await;
    assert_eq!(verify.body["valid"], true);
    assert_eq!(verify.body["entries_checked"], 9);
    let month = chrono::Utc::now().with_timezone(&tz).format("%Y-%m").to_string();
    app.get(Supervisor, &format!("/api/v1/follow-ups/stats?month={month}")).await.assert(200);
    app.get(Manager, "/api/v1/agenda").await.assert(200);
    // The seeded accounts can log in.
    let login = app
        .raw(reqwest::Method::POST, "/api/v1/auth/login", None, Some(&serde_json::json!({"username": "seed-staff", "password": mall_service::seed::SEED_PASSWORD})), &[])
        .await;
    login.assert(200);
}
