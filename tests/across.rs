//! Across registers: agenda, performance (P-1), audit trail and retention report.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{spawn, TestApp};
use mall_service::auth::Role::*;
use serde_json::{json, Value};

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true).replace('+', "%2B")
}

async fn agenda(app: &TestApp, token: &str, at: Option<DateTime<Utc>>) -> Vec<Value> {
    let path = match at {
        Some(t) => format!("/api/v1/agenda?at={}", ts(t)),
        None => "/api/v1/agenda".into(),
    };
    let res = app.get_as(token, &path).await;
    res.assert(200);
    res.body["items"].as_array().unwrap().clone()
}

fn kinds(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["kind"].as_str().unwrap().to_string()).collect()
}

async fn shift(app: &TestApp, staff: i64, start: DateTime<Utc>, hours: i64) -> i64 {
    let res = app
        .post(DeputySupervisor, "/api/v1/duty/shifts", json!({"staff_id": staff, "post": "服务台", "starts_at": ts(start).replace("%2B", "+"), "ends_at": ts(start + Duration::hours(hours)).replace("%2B", "+")}))
        .await;
    res.assert(201);
    res.id()
}

#[tokio::test]
async fn agenda_overdue_key_loans_appear_after_72_hours_and_go_when_returned() {
    let app = spawn().await;
    let k = app.post(DeputySupervisor, "/api/v1/keys", json!({"key_no": "A-1", "unit": "A栋0101", "source": "developer", "quantity": 1})).await;
    let loan = app
        .post(Staff, "/api/v1/key-loans", json!({"key_id": k.id(), "quantity": 1, "expected_return_at": ts(Utc::now() + Duration::days(1)).replace("%2B", "+"), "reason": "维修", "borrower_name": "王师傅", "borrower_phone": "139", "borrower_signature": "王"}))
        .await;
    loan.assert(201);
    assert!(!kinds(&agenda(&app, app.token(Staff), None).await).contains(&"key_loan_overdue".to_string()));
    let later = agenda(&app, app.token(Staff), Some(Utc::now() + Duration::hours(73))).await;
    let item = later.iter().find(|i| i["kind"] == "key_loan_overdue").expect("overdue loan on the agenda");
    assert_eq!(item["overdue"], true);
    assert_eq!(item["link"], format!("/api/v1/key-loans/{}", loan.id()));
    let odd = app.get(Staff, "/api/v1/agenda?at=0594-05-09T18%3A11%3A40-02%3A38").await;
    odd.assert(422);
    assert_eq!(odd.error_fields(), vec!["at"]);
    app.post(Staff, &format!("/api/v1/key-loans/{}/return", loan.id()), json!({"returned_quantity": 1})).await.assert(200);
    assert!(!kinds(&agenda(&app, app.token(Staff), Some(Utc::now() + Duration::hours(73))).await).contains(&"key_loan_overdue".to_string()));
}

#[tokio::test]
async fn agenda_follow_ups_reach_their_assignees_and_supervisors() {
    let app = spawn().await;
    let r = app.post(Staff, "/api/v1/service-records", json!({"kind": "complaint", "category": "噪音", "description": "x", "completed_at": ts(Utc::now() - Duration::days(1)).replace("%2B", "+")})).await;
    let f = app.post(Supervisor, "/api/v1/follow-ups", json!({"service_record_id": r.id(), "assignee_ids": [app.user_id(Staff)]})).await;
    f.assert(201);
    let (_, other) = app.create_user(Staff, "not-assigned").await;
    assert!(kinds(&agenda(&app, app.token(Staff), None).await).contains(&"follow_up".to_string()));
    assert!(!kinds(&agenda(&app, &other, None).await).contains(&"follow_up".to_string()));
    assert!(kinds(&agenda(&app, app.token(Supervisor), None).await).contains(&"follow_up".to_string()));
    app.post(Staff, &format!("/api/v1/follow-ups/{}/sign-out", f.id()), json!({})).await.assert(200);
    let visit = json!({"visited_at": ts(Utc::now()).replace("%2B", "+"), "method": "phone", "quality_rating": 4, "effect_rating": 4, "satisfaction": "satisfied", "customer_signed_by": "张"});
    app.post(Staff, &format!("/api/v1/follow-ups/{}/result", f.id()), visit).await.assert(200);
    assert!(!kinds(&agenda(&app, app.token(Staff), None).await).contains(&"follow_up".to_string()));
    let sup = kinds(&agenda(&app, app.token(Supervisor), None).await);
    assert!(sup.contains(&"follow_up_review".to_string()) && !sup.contains(&"follow_up".to_string()));
}

#[tokio::test]
async fn agenda_unsigned_duty_days_reach_deputy_supervisors_until_signed() {
    let app = spawn().await;
    let s = shift(&app, app.user_id(Staff), Utc::now() - Duration::hours(1), 8).await;
    let e = app.post(Staff, "/api/v1/duty/log-entries", json!({"shift_id": s, "content": "巡查"})).await;
    e.assert(201);
    let date = e.body["log_date"].as_str().unwrap().to_string();
    assert!(kinds(&agenda(&app, app.token(DeputySupervisor), None).await).contains(&"duty_review".to_string()));
    assert!(!kinds(&agenda(&app, app.token(Staff), None).await).contains(&"duty_review".to_string()));
    app.post(DeputySupervisor, "/api/v1/duty/reviews", json!({"date": date})).await.assert(201);
    assert!(!kinds(&agenda(&app, app.token(DeputySupervisor), None).await).contains(&"duty_review".to_string()));
}

#[tokio::test]
async fn agenda_handovers_and_vacant_anomalies_reach_the_right_people() {
    let app = spawn().await;
    let (incoming, in_token) = app.create_user(Staff, "incoming").await;
    let from = shift(&app, app.user_id(Staff), Utc::now() - Duration::hours(12), 8).await;
    let to = shift(&app, incoming, Utc::now() - Duration::hours(4), 8).await;
    let h = app.post(Staff, "/api/v1/duty/handovers", json!({"from_shift_id": from, "to_shift_id": to, "summary": "交班", "pending_items": []})).await;
    h.assert(201);
    let items = agenda(&app, &in_token, None).await;
    let item = items.iter().find(|i| i["kind"] == "handover_acceptance").expect("handover on the incoming agenda");
    assert_eq!(item["overdue"], true, "the incoming shift has started");
    assert!(!kinds(&agenda(&app, app.token(Staff), None).await).contains(&"handover_acceptance".to_string()));
    app.post_as(&in_token, &format!("/api/v1/duty/handovers/{}/accept", h.id()), json!({"arrived_at": ts(Utc::now()).replace("%2B", "+")})).await.assert(200);
    assert!(!kinds(&agenda(&app, &in_token, None).await).contains(&"handover_acceptance".to_string()));

    let u = app.post(Supervisor, "/api/v1/vacant-units", json!({"unit": "A1", "building": "A", "floor": "1", "room": "1", "taken_over_on": "2026-01-01", "finish": "fine"})).await;
    let care = app
        .post(Staff, &format!("/api/v1/vacant-units/{}/care-records", u.id()), json!({"performed_at": ts(Utc::now()).replace("%2B", "+"), "tasks": ["patrol"], "anomaly": {"description": "渗水"}}))
        .await;
    care.assert(201);
    assert!(kinds(&agenda(&app, app.token(Supervisor), None).await).contains(&"vacant_anomaly".to_string()));
    assert!(!kinds(&agenda(&app, app.token(Staff), None).await).contains(&"vacant_anomaly".to_string()));
    app.post(Supervisor, &format!("/api/v1/vacant-unit-anomalies/{}/close", care.body["anomaly"]["id"]), json!({"action": "已维修"})).await.assert(200);
    assert!(!kinds(&agenda(&app, app.token(Supervisor), None).await).contains(&"vacant_anomaly".to_string()));
    // The agenda is sorted by due_at.
    let items = agenda(&app, app.token(Manager), None).await;
    let due: Vec<&str> = items.iter().map(|i| i["due_at"].as_str().unwrap()).collect();
    let mut sorted = due.clone();
    sorted.sort();
    assert_eq!(due, sorted);
}

#[tokio::test]
async fn agenda_arrears_come_due_every_15_days() {
    let app = spawn().await;
    let f = app
        .post(DeputySupervisor, "/api/v1/customer-files", json!({"file_no": "F1", "customer_name": "张三", "building": "A", "floor": "1", "room": "1", "move_in_date": "2025-01-01", "page_count": 1}))
        .await;
    let since = (Utc::now() - Duration::days(70)).format("%Y-%m-%d").to_string();
    let a = app.post(Staff, "/api/v1/arrears", json!({"customer_file_id": f.id(), "fee_type": "management", "amount_cents": 1000, "overdue_since": since})).await;
    a.assert(201);
    let items = agenda(&app, app.token(Staff), None).await;
    let item = items.iter().find(|i| i["kind"] == "arrears_follow_up").expect("arrears on the agenda");
    assert!(item["title"].as_str().unwrap().contains("张三"));
    app.post(Staff, &format!("/api/v1/arrears/{}/follow-ups", a.id()), json!({"contacted_at": ts(Utc::now()).replace("%2B", "+"), "method": "phone", "outcome": "已提醒"})).await.assert(201);
    assert!(!kinds(&agenda(&app, app.token(Staff), None).await).contains(&"arrears_follow_up".to_string()));
}

#[tokio::test]
async fn p1_performance_counts_what_each_staff_member_did() {
    let app = spawn().await;
    let staff = app.user_id(Staff);
    let s = shift(&app, staff, Utc::now() - Duration::hours(1), 8).await;
    app.post(Staff, "/api/v1/duty/log-entries", json!({"shift_id": s, "content": "一"})).await.assert(201);
    app.post(Staff, "/api/v1/duty/log-entries", json!({"shift_id": s, "content": "二"})).await.assert(201);
    let k = app.post(DeputySupervisor, "/api/v1/keys", json!({"key_no": "A-1", "unit": "A", "source": "developer", "quantity": 2})).await;
    let loan = app
        .post(Staff, "/api/v1/key-loans", json!({"key_id": k.id(), "quantity": 1, "expected_return_at": ts(Utc::now() + Duration::days(1)).replace("%2B", "+"), "reason": "维修", "borrower_name": "王", "borrower_phone": "139", "borrower_signature": "王"}))
        .await;
    app.post(Staff, &format!("/api/v1/key-loans/{}/chases", loan.id()), json!({"note": "提醒"})).await.assert(201);
    let u = app.post(Supervisor, "/api/v1/vacant-units", json!({"unit": "A1", "building": "A", "floor": "1", "room": "1", "taken_over_on": "2026-01-01", "finish": "fine"})).await;
    app.post(Staff, &format!("/api/v1/vacant-units/{}/care-records", u.id()), json!({"performed_at": ts(Utc::now()).replace("%2B", "+"), "tasks": ["patrol"], "anomaly": {"description": "渗水"}}))
        .await
        .assert(201);
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let (from, to) = (today - Duration::days(1), today + Duration::days(1));
    app.get(Staff, &format!("/api/v1/performance?from={from}&to={to}")).await.assert(403);
    app.get(Supervisor, &format!("/api/v1/performance?from={to}&to={from}")).await.assert(422);
    let res = app.get(Supervisor, &format!("/api/v1/performance?from={from}&to={to}&staff_id={staff}")).await;
    res.assert(200);
    let me = &res.body["staff"][0];
    assert_eq!(me["staff_id"], staff);
    assert_eq!(
        (me["log_entries"].as_i64(), me["keys_lent"].as_i64(), me["chases"].as_i64(), me["care_records"].as_i64(), me["anomalies_reported"].as_i64()),
        (Some(2), Some(1), Some(1), Some(1), Some(1))
    );
    let all = app.get(Supervisor, &format!("/api/v1/performance?from={from}&to={to}")).await;
    assert_eq!(all.body["staff"].as_array().unwrap().len(), 4, "every active account appears");
    let past = app.get(Supervisor, &format!("/api/v1/performance?from=2020-01-01&to=2020-01-31&staff_id={staff}")).await;
    assert_eq!(past.body["staff"][0]["log_entries"], 0);
}

#[tokio::test]
async fn the_audit_trail_is_filtered_by_entity_actor_and_dates() {
    let app = spawn().await;
    app.post(DeputySupervisor, "/api/v1/keys", json!({"key_no": "A-1", "unit": "A", "source": "developer", "quantity": 1})).await.assert(201);
    app.post(Supervisor, "/api/v1/vacant-units", json!({"unit": "A1", "building": "A", "floor": "1", "room": "1", "taken_over_on": "2026-01-01", "finish": "fine"})).await.assert(201);
    app.get(Supervisor, "/api/v1/audit-events").await.assert(403);
    let keys = app.get(Manager, "/api/v1/audit-events?entity=key").await;
    keys.assert(200);
    assert_eq!(keys.body["total"], 1);
    assert_eq!(keys.body["items"][0]["action"], "key.create");
    assert_eq!(keys.body["items"][0]["after"]["key_no"], "A-1");
    let by_actor = app.get(Manager, &format!("/api/v1/audit-events?actor_id={}", app.user_id(Supervisor))).await;
    assert_eq!(by_actor.body["total"], 1);
    assert_eq!(by_actor.body["items"][0]["entity"], "vacant_unit");
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    assert!(app.get(Manager, &format!("/api/v1/audit-events?from={today}&to={today}")).await.body["total"].as_i64().unwrap() >= 6);
    assert_eq!(app.get(Manager, "/api/v1/audit-events?from=2020-01-01&to=2020-01-02").await.body["total"], 0);
}

#[tokio::test]
async fn the_retention_report_counts_records_past_their_period() {
    let app = spawn().await;
    let s = shift(&app, app.user_id(Staff), Utc::now() - Duration::days(4 * 365), 8).await;
    let old = Utc::now() - Duration::days(3 * 365 + 5);
    let recent = Utc::now() - Duration::days(3 * 365 - 5);
    for t in [old, recent] {
        app.post(DeputySupervisor, "/api/v1/duty/log-entries", json!({"shift_id": s, "content": "旧记录", "occurred_at": ts(t).replace("%2B", "+")})).await.assert(201);
    }
    let u = app.post(Supervisor, "/api/v1/vacant-units", json!({"unit": "A1", "building": "A", "floor": "1", "room": "1", "taken_over_on": "2024-01-01", "finish": "fine"})).await;
    app.post(Staff, &format!("/api/v1/vacant-units/{}/care-records", u.id()), json!({"performed_at": "2025-06-01T02:00:00Z", "tasks": ["patrol"]})).await.assert(201);
    let sold = (Utc::now() - Duration::days(400)).format("%Y-%m-%d").to_string();
    app.post(Supervisor, &format!("/api/v1/vacant-units/{}/sold", u.id()), json!({"sold_on": sold})).await.assert(200);
    app.post(DeputySupervisor, "/api/v1/customer-files", json!({"file_no": "F1", "customer_name": "张三", "building": "A", "floor": "1", "room": "1", "move_in_date": "2000-01-01", "page_count": 1}))
        .await
        .assert(201);
    app.get(Supervisor, "/api/v1/retention/report").await.assert(403);
    let r = app.get(Manager, "/api/v1/retention/report").await;
    r.assert(200);
    let reg = |name: &str| r.body["registers"].as_array().unwrap().iter().find(|x| x["register"] == name).unwrap().clone();
    assert_eq!((reg("duty_log")["records"].as_i64(), reg("duty_log")["archivable"].as_i64()), (Some(2), Some(1)));
    assert_eq!(reg("duty_log")["rule"], "D-4");
    assert_eq!(reg("vacant_unit_care")["archivable"], 1);
    assert_eq!((reg("customer_files")["records"].as_i64(), reg("customer_files")["archivable"].as_i64()), (Some(1), Some(0)));
    assert!(reg("customer_files")["cutoff"].is_null());
}

#[tokio::test]
async fn agenda_monthly_and_yearly_deadlines_appear_until_done() {
    let app = spawn().await;
    let now_local = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai);
    use chrono::Datelike;
    let this_month = format!("{:04}-{:02}", now_local.year(), now_local.month());
    let last = now_local.date_naive().with_day(1).unwrap() - Duration::days(1);
    let last_month = format!("{:04}-{:02}", last.year(), last.month());
    // V-2: a monthly table is due once there are units.
    app.post(Supervisor, "/api/v1/vacant-units", json!({"unit": "A1", "building": "A", "floor": "1", "room": "1", "taken_over_on": "2026-01-01", "finish": "fine"})).await.assert(201);
    // C-6: the quarter's census is due once there are files.
    let f = app
        .post(DeputySupervisor, "/api/v1/customer-files", json!({"file_no": "F1", "customer_name": "张三", "building": "A", "floor": "1", "room": "1", "move_in_date": "2025-01-01", "page_count": 1}))
        .await;
    let staff = kinds(&agenda(&app, app.token(Staff), None).await);
    assert!(staff.contains(&"vacant_status_table".to_string()) && staff.contains(&"follow_up_report".to_string()));
    assert!(!staff.contains(&"maintenance_plan".to_string()) && !staff.contains(&"census".to_string()));
    let sup = kinds(&agenda(&app, app.token(Supervisor), None).await);
    assert!(sup.contains(&"maintenance_plan".to_string()) && sup.contains(&"census".to_string()));
    app.post(Staff, "/api/v1/vacant-units/status-tables", json!({"month": this_month})).await.assert(201);
    app.post(Staff, "/api/v1/follow-up-reports", json!({"month": last_month, "analysis": "分析"})).await.assert(201);
    let plan = app
        .post(Supervisor, "/api/v1/maintenance-plans", json!({"year": now_local.year() + 1, "items": [{"item": "通风", "frequency": "每周", "measures": "开窗", "budget_cents": 0}]}))
        .await;
    app.post(Supervisor, &format!("/api/v1/maintenance-plans/{}/submit", plan.id()), json!({})).await.assert(200);
    let quarter = format!("{:04}-Q{}", now_local.year(), now_local.month0() / 3 + 1);
    let round = app.post(DeputySupervisor, "/api/v1/census-rounds", json!({"quarter": quarter})).await;
    assert!(kinds(&agenda(&app, app.token(DeputySupervisor), None).await).contains(&"census".to_string()), "started but not finished");
    app.post(Staff, &format!("/api/v1/census-rounds/{}/entries", round.id()), json!({"customer_file_id": f.id(), "household_notes": "一人"})).await.assert(201);
    let done = kinds(&agenda(&app, app.token(Supervisor), None).await);
    for k in ["vacant_status_table", "follow_up_report", "maintenance_plan", "census"] {
        assert!(!done.contains(&k.to_string()), "{k} should be gone: {done:?}");
    }
}

#[tokio::test]
async fn agenda_anomaly_explanations_and_escalations_reach_their_owner() {
    let app = spawn().await;
    let (incoming, in_token) = app.create_user(Staff, "incoming").await;
    let from = shift(&app, app.user_id(Staff), Utc::now() - Duration::hours(12), 8).await;
    let to = shift(&app, incoming, Utc::now() - Duration::hours(4), 8).await;
    let h = app.post(Staff, "/api/v1/duty/handovers", json!({"from_shift_id": from, "to_shift_id": to, "summary": "交班", "pending_items": []})).await;
    let a = app.post_as(&in_token, &format!("/api/v1/duty/handovers/{}/anomalies", h.id()), json!({"description": "对讲机缺一台"})).await;
    assert!(kinds(&agenda(&app, app.token(Staff), None).await).contains(&"handover_explanation".to_string()));
    app.post(Staff, &format!("/api/v1/duty/handovers/{}/anomalies/{}/explanation", h.id(), a.id()), json!({"explanation": "已借出"})).await.assert(200);
    assert!(!kinds(&agenda(&app, app.token(Staff), None).await).contains(&"handover_explanation".to_string()));
    // F-8: an unqualified result waits for the manager.
    let r = app.post(Staff, "/api/v1/service-records", json!({"kind": "complaint", "category": "噪音", "description": "x", "completed_at": ts(Utc::now() - Duration::days(1)).replace("%2B", "+")})).await;
    let f = app.post(Supervisor, "/api/v1/follow-ups", json!({"service_record_id": r.id(), "assignee_ids": [app.user_id(Staff)]})).await;
    app.post(Staff, &format!("/api/v1/follow-ups/{}/sign-out", f.id()), json!({})).await.assert(200);
    let visit = json!({"visited_at": ts(Utc::now()).replace("%2B", "+"), "method": "phone", "quality_rating": 1, "effect_rating": 1, "satisfaction": "very_dissatisfied", "customer_signed_by": "张"});
    app.post(Staff, &format!("/api/v1/follow-ups/{}/result", f.id()), visit).await.assert(200);
    app.post(Supervisor, &format!("/api/v1/follow-ups/{}/review", f.id()), json!({"comments": "不合格"})).await.assert(200);
    assert!(kinds(&agenda(&app, app.token(Manager), None).await).contains(&"follow_up_escalation".to_string()));
    assert!(!kinds(&agenda(&app, app.token(Supervisor), None).await).contains(&"follow_up_escalation".to_string()));
    app.post(Manager, &format!("/api/v1/follow-ups/{}/escalation", f.id()), json!({"handling": "已处理"})).await.assert(200);
    assert!(!kinds(&agenda(&app, app.token(Manager), None).await).contains(&"follow_up_escalation".to_string()));
}
