//! Vacant units (V-1..V-6) through the HTTP API.

mod common;

use chrono::{Datelike, Utc};
use common::{spawn, TestApp};
use mall_service::auth::Role::{self, *};
use reqwest::Method;
use serde_json::{json, Value};

async fn unit(app: &TestApp, code: &str, building: &str, floor: &str, room: &str) -> Value {
    let res = app
        .post(Supervisor, "/api/v1/vacant-units", json!({"unit": code, "building": building, "floor": floor, "room": room, "taken_over_on": "2026-03-01", "finish": "fine"}))
        .await;
    res.assert(201);
    res.body.clone()
}

fn care(at: &str, tasks: Value) -> Value {
    json!({"performed_at": at, "tasks": tasks, "notes": "门窗完好"})
}

#[tokio::test]
async fn v1_a_supervisor_registers_vacant_units() {
    let app = spawn().await;
    let u = unit(&app, "A栋1203", "A栋", "12", "03").await;
    assert_eq!(u["finish"], "fine");
    assert!(u["sold_on"].is_null());
    unit(&app, "A栋0201", "A栋", "02", "01").await;
    let dup = app.post(Supervisor, "/api/v1/vacant-units", json!({"unit": "A栋1203", "building": "A栋", "floor": "12", "room": "03", "taken_over_on": "2026-03-01", "finish": "fine"})).await;
    dup.assert(409);
    assert_eq!(dup.error_fields(), vec!["unit"]);
    app.post(DeputySupervisor, "/api/v1/vacant-units", json!({"unit": "X", "building": "A栋", "floor": "1", "room": "1", "taken_over_on": "2026-03-01", "finish": "fine"})).await.assert(403);
    let bad = app.post(Supervisor, "/api/v1/vacant-units", json!({"unit": "X", "building": "A栋", "floor": "1", "room": "1", "taken_over_on": "2026-03-01", "finish": "luxury"})).await;
    bad.assert(422);
    assert_eq!(bad.error_fields(), vec!["finish"]);
    let list = app.get(Staff, "/api/v1/vacant-units").await;
    let units: Vec<&str> = list.body["items"].as_array().unwrap().iter().map(|u| u["unit"].as_str().unwrap()).collect();
    assert_eq!(units, vec!["A栋0201", "A栋1203"]);
    assert_eq!(app.audit_count("vacant_unit.create").await, 2);
}

#[tokio::test]
async fn v4_care_records_take_tasks_from_the_fixed_set_only() {
    let app = spawn().await;
    let u = unit(&app, "A栋1203", "A栋", "12", "03").await;
    let path = format!("/api/v1/vacant-units/{}/care-records", u["id"]);
    let res = app.post(Staff, &path, care("2026-11-20T02:00:00Z", json!(["ventilation", "painting"]))).await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["tasks[1]"]);
    assert!(res.body["errors"][0]["message"].as_str().unwrap().contains("painting"));
    app.post(Staff, &path, care("2026-11-20T02:00:00Z", json!([]))).await.assert(422);
    let dup = app.post(Staff, &path, care("2026-11-20T02:00:00Z", json!(["patrol", "patrol"]))).await;
    dup.assert(422);
    assert_eq!(dup.error_fields(), vec!["tasks[1]"]);
    let ok = app.post(Staff, &path, care("2026-11-20T02:00:00Z", json!(["ventilation", "drying", "hardware_oiling", "sun_protection", "damp_protection", "appliance_test", "cleaning_request", "waxing", "patrol"]))).await;
    ok.assert(201);
    assert_eq!(ok.body["tasks"].as_array().unwrap().len(), 9);
    assert_eq!(ok.body["performed_by"], app.user_id(Staff));
    let list = app.get(Staff, &path).await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["tasks"][8], "patrol");
    app.post(Staff, "/api/v1/vacant-units/999999/care-records", care("2026-11-20T02:00:00Z", json!(["patrol"]))).await.assert(404);
}

#[tokio::test]
async fn v5_an_anomaly_stays_open_until_a_supervisor_closes_it() {
    let app = spawn().await;
    let u = unit(&app, "A栋1203", "A栋", "12", "03").await;
    let mut body = care("2026-11-20T02:00:00Z", json!(["patrol"]));
    body["anomaly"] = json!({"description": "卫生间渗水"});
    let rec = app.post(Staff, &format!("/api/v1/vacant-units/{}/care-records", u["id"]), body).await;
    rec.assert(201);
    assert_eq!(rec.body["anomaly"]["status"], "open");
    let aid = rec.body["anomaly"]["id"].as_i64().unwrap();
    let open = app.get(Supervisor, "/api/v1/vacant-unit-anomalies?status=open").await;
    assert_eq!(open.body["total"], 1);
    assert_eq!(open.body["items"][0]["description"], "卫生间渗水");
    let path = format!("/api/v1/vacant-unit-anomalies/{aid}/close");
    app.post(DeputySupervisor, &path, json!({"action": "x"})).await.assert(403);
    app.post(Supervisor, &path, json!({"action": ""})).await.assert(422);
    let closed = app.post(Supervisor, &path, json!({"action": "已通知工程部维修"})).await;
    closed.assert(200);
    assert_eq!(closed.body["status"], "closed");
    assert_eq!(closed.body["closed_by"], app.user_id(Supervisor));
    app.post(Supervisor, &path, json!({"action": "again"})).await.assert(409);
    assert_eq!(app.get(Supervisor, "/api/v1/vacant-unit-anomalies?status=open").await.body["total"], 0);
}

#[tokio::test]
async fn v2_the_monthly_table_is_a_frozen_snapshot_once_per_month() {
    let app = spawn().await;
    let a = unit(&app, "A栋1203", "A栋", "12", "03").await;
    unit(&app, "B栋0101", "B栋", "01", "01").await;
    let now_local = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai);
    let month = format!("{:04}-{:02}", now_local.year(), now_local.month());
    let res = app.post(Staff, "/api/v1/vacant-units/status-tables", json!({"month": month})).await;
    res.assert(201);
    assert_eq!(res.body["late"], now_local.day() >= 25, "late from the 25th of the month");
    assert_eq!(res.body["rows"].as_array().unwrap().len(), 2);
    assert_eq!(res.body["rows"][0]["state"], "vacant");
    // Later changes to the units do not alter the submitted table.
    app.post(Supervisor, &format!("/api/v1/vacant-units/{}/sold", a["id"]), json!({"sold_on": now_local.format("%Y-%m-%d").to_string()})).await.assert(200);
    let again = app.get(Staff, &format!("/api/v1/vacant-units/status-tables/{month}")).await;
    again.assert(200);
    assert_eq!(again.body["rows"], res.body["rows"]);
    app.post(Staff, "/api/v1/vacant-units/status-tables", json!({"month": month})).await.assert(409);
    // A past month is late by now.
    let past = app.post(Staff, "/api/v1/vacant-units/status-tables", json!({"month": "2026-01"})).await;
    past.assert(201);
    assert_eq!(past.body["late"], true);
    let future = app.post(Staff, "/api/v1/vacant-units/status-tables", json!({"month": format!("{}-01", now_local.year() + 1)})).await;
    future.assert(422);
    assert_eq!(future.error_fields(), vec!["month"]);
    app.post(Staff, "/api/v1/vacant-units/status-tables", json!({"month": "2026-13"})).await.assert(422);
    app.get(Staff, "/api/v1/vacant-units/status-tables/2025-05").await.assert(404);
}

#[tokio::test]
async fn v3_the_plan_moves_draft_submitted_reviewed_approved_in_order() {
    let app = spawn().await;
    let next_year = Utc::now().year() + 1;
    let items = json!([{"item": "精装房打蜡", "frequency": "每季度", "measures": "木地板打蜡", "budget_cents": 1200000}]);
    app.post(Staff, "/api/v1/maintenance-plans", json!({"year": next_year, "items": items})).await.assert(403);
    let neg = app.post(Supervisor, "/api/v1/maintenance-plans", json!({"year": next_year, "items": [{"item": "x", "frequency": "y", "measures": "z", "budget_cents": -1}]})).await;
    neg.assert(422);
    assert_eq!(neg.error_fields(), vec!["items[0].budget_cents"]);
    let plan = app.post(Supervisor, "/api/v1/maintenance-plans", json!({"year": next_year, "items": items})).await;
    plan.assert(201);
    assert_eq!(plan.body["status"], "draft");
    let id = plan.id();
    app.post(Supervisor, "/api/v1/maintenance-plans", json!({"year": next_year, "items": []})).await.assert(409);
    app.post(Manager, &format!("/api/v1/maintenance-plans/{id}/approve"), json!({"approved_by": "陈总"})).await.assert(409);
    app.post(Manager, &format!("/api/v1/maintenance-plans/{id}/review"), json!({})).await.assert(409);
    let more = json!({"items": [{"item": "通风", "frequency": "每周", "measures": "开窗", "budget_cents": 0}, {"item": "防潮", "frequency": "雨季每周", "measures": "除湿", "budget_cents": 50000}]});
    let edited = app.raw(Method::PUT, &format!("/api/v1/maintenance-plans/{id}/items"), Some(app.token(Supervisor)), Some(&more), &[]).await;
    edited.assert(200);
    assert_eq!(edited.body["total_budget_cents"], 50000);
    let submitted = app.post(Supervisor, &format!("/api/v1/maintenance-plans/{id}/submit"), json!({})).await;
    submitted.assert(200);
    assert_eq!(submitted.body["status"], "submitted");
    assert_eq!(submitted.body["late"], false, "submitted before 31 December of the year before");
    app.raw(Method::PUT, &format!("/api/v1/maintenance-plans/{id}/items"), Some(app.token(Supervisor)), Some(&more), &[]).await.assert(409);
    app.post(Supervisor, &format!("/api/v1/maintenance-plans/{id}/submit"), json!({})).await.assert(409);
    app.post(Supervisor, &format!("/api/v1/maintenance-plans/{id}/review"), json!({})).await.assert(403);
    let reviewed = app.post(Manager, &format!("/api/v1/maintenance-plans/{id}/review"), json!({})).await;
    reviewed.assert(200);
    assert_eq!(reviewed.body["reviewed_by"], app.user_id(Manager));
    app.post(Manager, &format!("/api/v1/maintenance-plans/{id}/approve"), json!({"approved_by": " "})).await.assert(422);
    let approved = app.post(Manager, &format!("/api/v1/maintenance-plans/{id}/approve"), json!({"approved_by": "陈总经理"})).await;
    approved.assert(200);
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(approved.body["approved_by"], "陈总经理");
    // This year's plan submitted now is late.
    let this_year = app.post(Supervisor, "/api/v1/maintenance-plans", json!({"year": Utc::now().year(), "items": items})).await;
    let late = app.post(Supervisor, &format!("/api/v1/maintenance-plans/{}/submit", this_year.id()), json!({})).await;
    assert_eq!(late.body["late"], true);
    assert_eq!(app.get(Staff, "/api/v1/maintenance-plans").await.body["total"], 2);
}

#[tokio::test]
async fn v6_the_half_year_summary_counts_tasks_per_unit() {
    let app = spawn().await;
    let a = unit(&app, "A栋1203", "A栋", "12", "03").await;
    let b = unit(&app, "B栋0101", "B栋", "01", "01").await;
    for (u, at, tasks) in [
        (&a, "2026-07-01T01:00:00Z", json!(["ventilation", "patrol"])),
        (&a, "2026-09-01T01:00:00Z", json!(["ventilation"])),
        (&b, "2026-10-01T01:00:00Z", json!(["waxing"])),
        (&a, "2026-06-30T15:00:00Z", json!(["ventilation"])), // 23:00 on 30 June in Shanghai: H1
    ] {
        app.post(Staff, &format!("/api/v1/vacant-units/{}/care-records", u["id"]), care(at, tasks)).await.assert(201);
    }
    let res = app.get(Staff, "/api/v1/vacant-units/care-summary?half=2026-H2").await;
    res.assert(200);
    let lines: Vec<(String, String, i64)> = res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["unit"].as_str().unwrap().to_string(), l["task"].as_str().unwrap().to_string(), l["count"].as_i64().unwrap()))
        .collect();
    assert!(lines.contains(&("A栋1203".into(), "ventilation".into(), 2)), "{lines:?}");
    assert!(lines.contains(&("A栋1203".into(), "patrol".into(), 1)));
    assert!(lines.contains(&("B栋0101".into(), "waxing".into(), 1)));
    assert_eq!(res.body["total"], 3);
    let h1 = app.get(Staff, "/api/v1/vacant-units/care-summary?half=2026-H1").await;
    assert_eq!(h1.body["total"], 1);
    app.get(Staff, "/api/v1/vacant-units/care-summary?half=2026-H3").await.assert(422);
    app.get(Staff, "/api/v1/vacant-units/care-summary").await.assert(422);
}

#[tokio::test]
async fn v6_a_sold_unit_is_kept_until_a_year_after_the_sale() {
    let app = spawn().await;
    let u = unit(&app, "A栋1203", "A栋", "12", "03").await;
    let path = format!("/api/v1/vacant-units/{}/sold", u["id"]);
    app.post(Supervisor, &path, json!({"sold_on": "2026-02-01"})).await.assert(422);
    app.post(Staff, &path, json!({"sold_on": "2026-11-20"})).await.assert(403);
    let sold = app.post(Supervisor, &path, json!({"sold_on": "2026-11-20"})).await;
    sold.assert(200);
    assert_eq!(sold.body["retain_until"], "2027-11-20");
    app.post(Supervisor, &path, json!({"sold_on": "2026-11-21"})).await.assert(409);
    app.post(Staff, &format!("/api/v1/vacant-units/{}/care-records", u["id"]), care("2026-11-25T01:00:00Z", json!(["patrol"]))).await.assert(409);
    assert_eq!(app.get(Staff, "/api/v1/vacant-units?sold=true").await.body["total"], 1);
    assert_eq!(app.get(Staff, "/api/v1/vacant-units?sold=false").await.body["total"], 0);
}

#[tokio::test]
async fn the_permission_table_of_the_vacant_unit_routes_holds() {
    let app = spawn().await;
    let u = unit(&app, "A栋1203", "A栋", "12", "03").await;
    let reads = [
        "/api/v1/vacant-units".to_string(),
        format!("/api/v1/vacant-units/{}", u["id"]),
        format!("/api/v1/vacant-units/{}/care-records", u["id"]),
        "/api/v1/vacant-unit-anomalies".into(),
        "/api/v1/vacant-units/care-summary?half=2026-H2".into(),
        "/api/v1/maintenance-plans".into(),
    ];
    for path in reads {
        for role in Role::ALL {
            app.get(*role, &path).await.assert(200);
        }
        app.raw(Method::GET, &path, None, None, &[]).await.assert(401);
    }
}
