//! Duty register (D-1..D-10) through the HTTP API.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{spawn, TestApp};
use mall_service::auth::Role::{self, *};
use reqwest::Method;
use serde_json::{json, Value};

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A shift for `staff_id` from `start` (hours from now) lasting `hours`, created by a deputy supervisor.
async fn shift(app: &TestApp, staff_id: i64, start: DateTime<Utc>, hours: i64) -> Value {
    let res = app
        .post(
            DeputySupervisor,
            "/api/v1/duty/shifts",
            json!({"staff_id": staff_id, "post": "一楼服务台", "starts_at": ts(start), "ends_at": ts(start + Duration::hours(hours))}),
        )
        .await;
    res.assert(201);
    res.body.clone()
}

async fn entry(app: &TestApp, token: &str, shift_id: i64, content: &str) -> Value {
    let res = app.post_as(token, "/api/v1/duty/log-entries", json!({"shift_id": shift_id, "content": content})).await;
    res.assert(201);
    res.body.clone()
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Two staff members on consecutive shifts: (outgoing id, token, shift), (incoming id, token, shift).
async fn two_shifts(app: &TestApp) -> ((i64, String, i64), (i64, String, i64)) {
    let (out_id, out_token) = (app.user_id(Staff), app.token(Staff).to_string());
    let (in_id, in_token) = app.create_user(Staff, "incoming").await;
    let start = now() - Duration::hours(12);
    let from = shift(app, out_id, start, 8).await;
    let to = shift(app, in_id, start + Duration::hours(8), 8).await;
    ((out_id, out_token, from["id"].as_i64().unwrap()), (in_id, in_token, to["id"].as_i64().unwrap()))
}

#[tokio::test]
async fn d1_a_deputy_supervisor_puts_staff_on_the_roster() {
    let app = spawn().await;
    let staff = app.user_id(Staff);
    let start = now();
    let res = app
        .post(DeputySupervisor, "/api/v1/duty/shifts", json!({"staff_id": staff, "post": "二楼巡查", "starts_at": ts(start), "ends_at": ts(start + Duration::hours(8))}))
        .await;
    res.assert(201);
    let id = res.id();
    assert_eq!(res.header("location"), Some(format!("/api/v1/duty/shifts/{id}")));
    assert_eq!(res.body["staff_name"], "staff-1 测试");
    assert_eq!(res.body["post"], "二楼巡查");
    app.get(Staff, &format!("/api/v1/duty/shifts/{id}")).await.assert(200);
    let denied = app
        .post(Staff, "/api/v1/duty/shifts", json!({"staff_id": staff, "post": "x", "starts_at": ts(start + Duration::days(2)), "ends_at": ts(start + Duration::days(2) + Duration::hours(1))}))
        .await;
    denied.assert(403);
    assert_eq!(app.audit_count("duty_shift.create").await, 1);
}

#[tokio::test]
async fn d1_a_shift_must_end_after_it_starts() {
    let app = spawn().await;
    let staff = app.user_id(Staff);
    let start = now();
    for end in [start, start - Duration::hours(1), start + Duration::hours(25)] {
        let res = app
            .post(DeputySupervisor, "/api/v1/duty/shifts", json!({"staff_id": staff, "post": "x", "starts_at": ts(start), "ends_at": ts(end)}))
            .await;
        res.assert(422);
        assert_eq!(res.error_fields(), vec!["ends_at"]);
        assert_eq!(res.body["rule"], "D-1");
    }
    let res = app
        .post(DeputySupervisor, "/api/v1/duty/shifts", json!({"staff_id": 999999, "post": "x", "starts_at": ts(start), "ends_at": ts(start + Duration::hours(1))}))
        .await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["staff_id"]);
    // A timestamp without an offset is refused, naming the field.
    let res = app
        .post(DeputySupervisor, "/api/v1/duty/shifts", json!({"staff_id": staff, "post": "x", "starts_at": "2026-11-28T08:00:00", "ends_at": ts(start)}))
        .await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["starts_at"]);
}

#[tokio::test]
async fn d1_overlapping_shifts_of_one_person_are_refused() {
    let app = spawn().await;
    let staff = app.user_id(Staff);
    let start = now();
    shift(&app, staff, start, 8).await;
    let res = app
        .post(DeputySupervisor, "/api/v1/duty/shifts", json!({"staff_id": staff, "post": "x", "starts_at": ts(start + Duration::hours(7)), "ends_at": ts(start + Duration::hours(12))}))
        .await;
    res.assert(422);
    assert_eq!(res.body["rule"], "D-1");
    // Back to back is fine, and so is another person at the same time.
    shift(&app, staff, start + Duration::hours(8), 8).await;
    shift(&app, app.user_id(DeputySupervisor), start, 8).await;
}

#[tokio::test]
async fn d1_the_roster_is_listed_by_local_date_and_staff() {
    let app = spawn().await;
    let staff = app.user_id(Staff);
    // 2026-11-24T17:00Z is 01:00 on the 25th in Shanghai.
    let t: DateTime<Utc> = "2026-11-24T17:00:00Z".parse().unwrap();
    shift(&app, staff, t, 4).await;
    shift(&app, staff, t + Duration::days(3), 4).await;
    shift(&app, app.user_id(Supervisor), t, 4).await;
    let res = app.get(Staff, "/api/v1/duty/shifts?from=2026-11-25&to=2026-11-25").await;
    res.assert(200);
    assert_eq!(res.body["total"], 2);
    let res = app.get(Staff, &format!("/api/v1/duty/shifts?staff_id={staff}")).await;
    assert_eq!(res.body["total"], 2);
    let res = app.get(Staff, "/api/v1/duty/shifts?from=2026-11-24&to=2026-11-24").await;
    assert_eq!(res.body["total"], 0, "the shift starts on the 25th local time");
    app.get(Staff, "/api/v1/duty/shifts?from=2026-13-01").await.assert(422);
    app.get(Staff, "/api/v1/duty/shifts?from=2026-11-26&to=2026-11-25").await.assert(422);
}

#[tokio::test]
async fn d2_the_staff_member_on_shift_writes_its_log_and_others_do_not() {
    let app = spawn().await;
    let s = shift(&app, app.user_id(Staff), now() - Duration::hours(1), 8).await;
    let id = s["id"].as_i64().unwrap();
    let e = entry(&app, app.token(Staff), id, "10:05 处理顾客投诉：停车场收费").await;
    assert_eq!(e["author_id"], app.user_id(Staff));
    let (_, other) = app.create_user(Staff, "other-staff").await;
    let res = app.post_as(&other, "/api/v1/duty/log-entries", json!({"shift_id": id, "content": "不是我的班"})).await;
    res.assert(403);
    entry(&app, app.token(DeputySupervisor), id, "副主管补充记录").await;
    let res = app.post(Staff, "/api/v1/duty/log-entries", json!({"shift_id": 999999, "content": "x"})).await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["shift_id"]);
    let res = app.post(Staff, "/api/v1/duty/log-entries", json!({"shift_id": id, "content": "   "})).await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["content"]);
    let res = app.post(Staff, "/api/v1/duty/log-entries", json!({"shift_id": id, "content": "x", "occurred_at": ts(now() + Duration::days(1))})).await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["occurred_at"]);
    assert_eq!(app.audit_count("duty_log.append").await, 2);
}

#[tokio::test]
async fn d3_entries_form_a_gap_free_hash_chain() {
    let app = spawn().await;
    let s = shift(&app, app.user_id(Staff), now() - Duration::hours(1), 8).await;
    let id = s["id"].as_i64().unwrap();
    let a = entry(&app, app.token(Staff), id, "第一条").await;
    let b = entry(&app, app.token(Staff), id, "第二条").await;
    assert_eq!(a["seq"], 1);
    assert_eq!(b["seq"], 2);
    assert_eq!(a["prev_hash"], "0".repeat(64));
    assert_eq!(b["prev_hash"], a["hash"]);
    assert_eq!(a["hash"].as_str().unwrap().len(), 64);
    let res = app.get(DeputySupervisor, "/api/v1/duty/log-entries/verify").await;
    res.assert(200);
    assert_eq!(res.body["valid"], true);
    assert_eq!(res.body["entries_checked"], 2);
    assert!(res.body["first_invalid_id"].is_null());
    app.get(Staff, "/api/v1/duty/log-entries/verify").await.assert(403);
}

#[tokio::test]
async fn d3_the_log_cannot_be_edited_or_torn_out() {
    let app = spawn().await;
    let s = shift(&app, app.user_id(Staff), now() - Duration::hours(1), 8).await;
    let e = entry(&app, app.token(Staff), s["id"].as_i64().unwrap(), "原始记录").await;
    let path = format!("/api/v1/duty/log-entries/{}", e["id"]);
    for method in [Method::PUT, Method::PATCH, Method::DELETE] {
        let res = app.raw(method.clone(), &path, Some(app.token(Manager)), Some(&json!({"content": "改过"})), &[]).await;
        res.assert(405);
        assert_eq!(res.body["rule"], "D-3", "{method}");
        assert!(res.header("allow").unwrap().contains("GET"));
    }
    let res = app.get(Staff, &path).await;
    assert_eq!(res.body["content"], "原始记录");
    // The database itself refuses, too.
    let update = app.state.db(|c| {
        use diesel::prelude::*;
        diesel::sql_query("UPDATE duty_log_entries SET content = 'x'").execute(c)?;
        Ok(())
    });
    assert!(update.await.is_err(), "the append-only trigger must refuse an UPDATE");
}

#[tokio::test]
async fn d3_a_correction_is_a_new_entry_with_a_reason_and_shows_on_the_original() {
    let app = spawn().await;
    let s = shift(&app, app.user_id(Staff), now() - Duration::hours(1), 8).await;
    let sid = s["id"].as_i64().unwrap();
    let original = entry(&app, app.token(Staff), sid, "14:00 3号电梯故障").await;
    let oid = original["id"].as_i64().unwrap();
    let res = app.post(Staff, "/api/v1/duty/log-entries", json!({"shift_id": sid, "content": "应为4号电梯", "corrects_entry_id": oid})).await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["correction_reason"]);
    let res = app
        .post(Staff, "/api/v1/duty/log-entries", json!({"shift_id": sid, "content": "应为4号电梯", "corrects_entry_id": oid, "correction_reason": "电梯编号写错"}))
        .await;
    res.assert(201);
    assert_eq!(res.body["corrects_entry_id"], oid);
    let res = app.post(Staff, "/api/v1/duty/log-entries", json!({"shift_id": sid, "content": "x", "corrects_entry_id": 999999, "correction_reason": "y"})).await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["corrects_entry_id"]);
    let read = app.get(Staff, &format!("/api/v1/duty/log-entries/{oid}")).await;
    read.assert(200);
    assert_eq!(read.body["content"], "14:00 3号电梯故障");
    assert_eq!(read.body["corrections"][0]["content"], "应为4号电梯");
    assert_eq!(read.body["corrections"][0]["correction_reason"], "电梯编号写错");
}

async fn tamper(app: &TestApp, statement: &str) {
    let disable = match common::backend() {
        "postgres" => vec!["ALTER TABLE duty_log_entries DISABLE TRIGGER duty_log_entries_append_only".to_string()],
        _ => vec!["DROP TRIGGER duty_log_entries_no_update".to_string(), "DROP TRIGGER duty_log_entries_no_delete".to_string()],
    };
    for s in disable {
        app.sql(s).await;
    }
    app.sql(statement.to_string()).await;
}

#[tokio::test]
async fn d3_an_entry_changed_in_the_database_is_detected() {
    let app = spawn().await;
    let s = shift(&app, app.user_id(Staff), now() - Duration::hours(1), 8).await;
    let sid = s["id"].as_i64().unwrap();
    let mut ids = vec![];
    for i in 0..4 {
        ids.push(entry(&app, app.token(Staff), sid, &format!("记录{i}")).await["id"].as_i64().unwrap());
    }
    tamper(&app, &format!("UPDATE duty_log_entries SET content = '改写' WHERE id = {}", ids[2])).await;
    let res = app.get(DeputySupervisor, "/api/v1/duty/log-entries/verify").await;
    assert_eq!(res.body["valid"], false);
    assert_eq!(res.body["first_invalid_id"], ids[2]);
    assert_eq!(res.body["entries_checked"], 3);
}

#[tokio::test]
async fn d3_an_entry_torn_out_of_the_database_is_detected() {
    let app = spawn().await;
    let s = shift(&app, app.user_id(Staff), now() - Duration::hours(1), 8).await;
    let sid = s["id"].as_i64().unwrap();
    let mut ids = vec![];
    for i in 0..4 {
        ids.push(entry(&app, app.token(Staff), sid, &format!("记录{i}")).await["id"].as_i64().unwrap());
    }
    tamper(&app, &format!("DELETE FROM duty_log_entries WHERE id = {}", ids[1])).await;
    let res = app.get(DeputySupervisor, "/api/v1/duty/log-entries/verify").await;
    assert_eq!(res.body["valid"], false);
    assert_eq!(res.body["first_invalid_id"], ids[2]);
    // Tearing off the last page is caught against the chain head.
    app.sql(format!("DELETE FROM duty_log_entries WHERE id >= {}", ids[1])).await;
    let res = app.get(DeputySupervisor, "/api/v1/duty/log-entries/verify").await;
    assert_eq!(res.body["valid"], false);
}

#[tokio::test]
async fn d3_fifty_concurrent_appends_keep_the_chain_gap_free_and_valid() {
    let app = spawn().await;
    let s = shift(&app, app.user_id(Staff), now() - Duration::hours(1), 8).await;
    let sid = s["id"].as_i64().unwrap();
    let futures = (0..50).map(|i| {
        let app = &app;
        async move { app.post(Staff, "/api/v1/duty/log-entries", json!({"shift_id": sid, "content": format!("并发记录 {i}")})).await.status }
    });
    let statuses = futures_util::future::join_all(futures).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let res = app.get(Staff, &format!("/api/v1/duty/log-entries?shift_id={sid}&per_page=200")).await;
    let seqs: Vec<i64> = res.body["items"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=50).collect::<Vec<_>>());
    let verify = app.get(DeputySupervisor, "/api/v1/duty/log-entries/verify").await;
    assert_eq!(verify.body["valid"], true);
    assert_eq!(verify.body["entries_checked"], 50);
}

#[tokio::test]
async fn d3_the_day_of_an_entry_is_its_local_date() {
    let app = spawn().await;
    let t: DateTime<Utc> = "2026-11-24T17:00:00Z".parse().unwrap();
    let s = shift(&app, app.user_id(Staff), t - Duration::hours(1), 8).await;
    let res = app
        .post(Staff, "/api/v1/duty/log-entries", json!({"shift_id": s["id"], "content": "凌晨巡查", "occurred_at": ts(t)}))
        .await;
    res.assert(201);
    assert_eq!(res.body["log_date"], "2026-11-25");
    let list = app.get(Staff, "/api/v1/duty/log-entries?date=2026-11-25").await;
    assert_eq!(list.body["total"], 1);
    let csv = app.raw(Method::GET, "/api/v1/duty/log-entries?date=2026-11-25", Some(app.token(Staff)), None, &[("accept", "text/csv")]).await;
    assert!(csv.text.contains("凌晨巡查"));
    assert!(csv.text.trim_start_matches('\u{feff}').starts_with("id,seq,shift_id"));
}

#[tokio::test]
async fn d5_arriving_later_than_five_minutes_before_the_shift_is_recorded_as_late() {
    let app = spawn().await;
    let ((_, out_token, from), (_, in_token, to)) = two_shifts(&app).await;
    let to_shift = app.get(Staff, &format!("/api/v1/duty/shifts/{to}")).await;
    let starts: DateTime<Utc> = to_shift.body["starts_at"].as_str().unwrap().parse().unwrap();
    let h = app.post_as(&out_token, "/api/v1/duty/handovers", json!({"from_shift_id": from, "to_shift_id": to, "summary": "正常", "pending_items": []})).await;
    h.assert(201);
    let res = app.post_as(&in_token, &format!("/api/v1/duty/handovers/{}/accept", h.id()), json!({"arrived_at": ts(starts - Duration::minutes(4))})).await;
    res.assert(200);
    assert_eq!(res.body["late_arrival"], true);

    // A second pair of shifts: arriving 5 minutes early is on time.
    let (a, a_token) = app.create_user(Staff, "early-out").await;
    let (b, b_token) = app.create_user(Staff, "early-in").await;
    let start = now() - Duration::days(2);
    let f = shift(&app, a, start, 8).await["id"].as_i64().unwrap();
    let t = shift(&app, b, start + Duration::hours(8), 8).await;
    let t_starts: DateTime<Utc> = t["starts_at"].as_str().unwrap().parse().unwrap();
    let h = app.post_as(&a_token, "/api/v1/duty/handovers", json!({"from_shift_id": f, "to_shift_id": t["id"], "summary": "正常", "pending_items": []})).await;
    h.assert(201);
    let arrived = t_starts - Duration::minutes(5);
    let res = app.post_as(&b_token, &format!("/api/v1/duty/handovers/{}/accept", h.id()), json!({"arrived_at": ts(arrived)})).await;
    res.assert(200);
    assert_eq!(res.body["late_arrival"], false);
}

#[tokio::test]
async fn d6_anomalies_need_the_outgoing_explanation_before_acceptance() {
    let app = spawn().await;
    let ((_, out_token, from), (_, in_token, to)) = two_shifts(&app).await;
    let h = app.post_as(&out_token, "/api/v1/duty/handovers", json!({"from_shift_id": from, "to_shift_id": to, "summary": "交班", "pending_items": []})).await;
    let hid = h.id();
    let a = app.post_as(&in_token, &format!("/api/v1/duty/handovers/{hid}/anomalies"), json!({"description": "对讲机缺一台"})).await;
    a.assert(201);
    let aid = a.id();
    let accept = app.post_as(&in_token, &format!("/api/v1/duty/handovers/{hid}/accept"), json!({"arrived_at": ts(now())})).await;
    accept.assert(409);
    // Only the outgoing staff member explains; not the incoming, not a manager.
    let path = format!("/api/v1/duty/handovers/{hid}/anomalies/{aid}/explanation");
    app.post_as(&in_token, &path, json!({"explanation": "x"})).await.assert(403);
    app.post(Manager, &path, json!({"explanation": "x"})).await.assert(403);
    let ex = app.post_as(&out_token, &path, json!({"explanation": "借给保安部，已登记"})).await;
    ex.assert(200);
    assert_eq!(ex.body["explanation"], "借给保安部，已登记");
    assert!(ex.body["explained_at"].is_string());
    app.post_as(&out_token, &path, json!({"explanation": "again"})).await.assert(409);
    let accept = app.post_as(&in_token, &format!("/api/v1/duty/handovers/{hid}/accept"), json!({"arrived_at": ts(now())})).await;
    accept.assert(200);
    assert_eq!(accept.body["anomalies"][0]["description"], "对讲机缺一台");
    assert_eq!(accept.body["anomalies"][0]["explanation"], "借给保安部，已登记");
}

#[tokio::test]
async fn d6_only_the_incoming_staff_member_records_anomalies() {
    let app = spawn().await;
    let ((_, out_token, from), (_, _, to)) = two_shifts(&app).await;
    let h = app.post_as(&out_token, "/api/v1/duty/handovers", json!({"from_shift_id": from, "to_shift_id": to, "summary": "交班", "pending_items": []})).await;
    let path = format!("/api/v1/duty/handovers/{}/anomalies", h.id());
    app.post_as(&out_token, &path, json!({"description": "x"})).await.assert(403);
    app.post(Manager, &path, json!({"description": "x"})).await.assert(403);
    app.post(Manager, "/api/v1/duty/handovers/999999/anomalies", json!({"description": "x"})).await.assert(404);
}

#[tokio::test]
async fn d7_the_handover_opens_fifteen_minutes_before_the_shift_ends() {
    let app = spawn().await;
    let (a, a_token) = (app.user_id(Staff), app.token(Staff).to_string());
    let (b, _) = app.create_user(Staff, "next").await;
    let from = shift(&app, a, now() - Duration::hours(6), 8).await["id"].as_i64().unwrap();
    let to = shift(&app, b, now() + Duration::hours(2), 8).await["id"].as_i64().unwrap();
    let res = app.post_as(&a_token, "/api/v1/duty/handovers", json!({"from_shift_id": from, "to_shift_id": to, "summary": "提前交班", "pending_items": []})).await;
    res.assert(422);
    assert_eq!(res.body["rule"], "D-7");
    assert_eq!(res.error_fields(), vec!["from_shift_id"]);
    // Ten minutes before the end the window is open.
    let (c, c_token) = app.create_user(Staff, "closing").await;
    let from = shift(&app, c, now() - Duration::hours(8) + Duration::minutes(10), 8).await["id"].as_i64().unwrap();
    let to = shift(&app, b, now() + Duration::hours(12), 8).await["id"].as_i64().unwrap();
    let res = app.post_as(&c_token, "/api/v1/duty/handovers", json!({"from_shift_id": from, "to_shift_id": to, "summary": "交班", "pending_items": []})).await;
    res.assert(201);
}

#[tokio::test]
async fn d8_important_unfinished_work_blocks_the_handover() {
    let app = spawn().await;
    let ((_, out_token, from), (_, _, to)) = two_shifts(&app).await;
    let items = json!([
        {"description": "整理服务台", "important": false, "done": false},
        {"description": "业主报修未派单", "important": true, "done": false},
        {"description": "投诉回复", "important": true, "done": true},
    ]);
    let res = app.post_as(&out_token, "/api/v1/duty/handovers", json!({"from_shift_id": from, "to_shift_id": to, "summary": "交班", "pending_items": items})).await;
    res.assert(422);
    assert_eq!(res.body["rule"], "D-8");
    assert_eq!(res.error_fields(), vec!["pending_items[1]"]);
    assert!(res.body["detail"].as_str().unwrap().contains("业主报修未派单"));
    let ok_items = json!([{"description": "整理服务台", "important": false, "done": false}, {"description": "业主报修未派单", "important": true, "done": true}]);
    let res = app.post_as(&out_token, "/api/v1/duty/handovers", json!({"from_shift_id": from, "to_shift_id": to, "summary": "交班", "pending_items": ok_items})).await;
    res.assert(201);
    assert_eq!(res.body["status"], "awaiting_incoming");
    assert_eq!(res.body["pending_items"].as_array().unwrap().len(), 2);
    assert_eq!(res.body["pending_items"][1]["description"], "业主报修未派单");
    let res = app.post_as(&out_token, "/api/v1/duty/handovers", json!({"from_shift_id": from, "to_shift_id": to, "summary": "x", "pending_items": [{"description": "x", "important": "yes", "done": false}]})).await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["pending_items[0].important"]);
}

#[tokio::test]
async fn d9_only_the_outgoing_staff_member_hands_over_and_only_once() {
    let app = spawn().await;
    let ((_, out_token, from), (_, in_token, to)) = two_shifts(&app).await;
    let body = json!({"from_shift_id": from, "to_shift_id": to, "summary": "交班", "pending_items": []});
    app.post_as(&in_token, "/api/v1/duty/handovers", body.clone()).await.assert(403);
    app.post(Manager, "/api/v1/duty/handovers", body.clone()).await.assert(403);
    app.post_as(&out_token, "/api/v1/duty/handovers", body.clone()).await.assert(201);
    app.post_as(&out_token, "/api/v1/duty/handovers", body).await.assert(409);
    let same = app.post_as(&out_token, "/api/v1/duty/handovers", json!({"from_shift_id": from, "to_shift_id": from, "summary": "x", "pending_items": []})).await;
    same.assert(422);
}

#[tokio::test]
async fn d9_acceptance_is_signed_once_by_the_incoming_staff_member() {
    let app = spawn().await;
    let ((_, out_token, from), (_, in_token, to)) = two_shifts(&app).await;
    let h = app.post_as(&out_token, "/api/v1/duty/handovers", json!({"from_shift_id": from, "to_shift_id": to, "summary": "交班", "pending_items": []})).await;
    let hid = h.id();
    assert!(h.body["outgoing_signed_at"].is_string());
    assert!(h.body["incoming_signed_at"].is_null());
    let path = format!("/api/v1/duty/handovers/{hid}/accept");
    app.post(Manager, &path, json!({"arrived_at": ts(now())})).await.assert(403);
    app.post_as(&out_token, &path, json!({"arrived_at": ts(now())})).await.assert(403);
    let res = app.post_as(&in_token, &path, json!({"arrived_at": ts(now())})).await;
    res.assert(200);
    assert_eq!(res.body["status"], "completed");
    assert!(res.body["incoming_signed_at"].is_string());
    app.post_as(&in_token, &path, json!({"arrived_at": ts(now())})).await.assert(409);
    app.post_as(&in_token, &format!("/api/v1/duty/handovers/{hid}/anomalies"), json!({"description": "晚了"})).await.assert(409);
    let list = app.get(Staff, &format!("/api/v1/duty/handovers?shift_id={to}&status=completed")).await;
    assert_eq!(list.body["total"], 1);
    app.get(Staff, "/api/v1/duty/handovers?status=done").await.assert(422);
    assert_eq!(app.audit_count("duty_handover.accept").await, 1);
}

#[tokio::test]
async fn d10_a_deputy_supervisor_signs_each_day_once_and_sees_unsigned_days() {
    let app = spawn().await;
    let t: DateTime<Utc> = "2026-11-24T03:00:00Z".parse().unwrap();
    let s = shift(&app, app.user_id(Staff), t - Duration::hours(1), 8).await;
    for (i, when) in [t, t + Duration::minutes(5), t + Duration::days(1)].iter().enumerate() {
        app.post(Staff, "/api/v1/duty/log-entries", json!({"shift_id": s["id"], "content": format!("记录{i}"), "occurred_at": ts(*when)})).await.assert(201);
    }
    let pending = app.get(DeputySupervisor, "/api/v1/duty/reviews/pending").await;
    pending.assert(200);
    assert_eq!(pending.body["items"], json!([{"date": "2026-11-24", "entries": 2}, {"date": "2026-11-25", "entries": 1}]));
    app.get(Staff, "/api/v1/duty/reviews/pending").await.assert(403);
    app.post(Staff, "/api/v1/duty/reviews", json!({"date": "2026-11-24"})).await.assert(403);
    let res = app.post(DeputySupervisor, "/api/v1/duty/reviews", json!({"date": "2026-11-24", "comments": "记录完整"})).await;
    res.assert(201);
    assert_eq!(res.body["entries_signed"], 2);
    assert_eq!(res.body["reviewer_id"], app.user_id(DeputySupervisor));
    app.post(Supervisor, "/api/v1/duty/reviews", json!({"date": "2026-11-24"})).await.assert(409);
    let pending = app.get(DeputySupervisor, "/api/v1/duty/reviews/pending").await;
    assert_eq!(pending.body["items"], json!([{"date": "2026-11-25", "entries": 1}]));
    let future = (Utc::now() + Duration::days(3)).format("%Y-%m-%d").to_string();
    let res = app.post(DeputySupervisor, "/api/v1/duty/reviews", json!({"date": future})).await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["date"]);
    let list = app.get(Staff, "/api/v1/duty/reviews?from=2026-11-01&to=2026-11-30").await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["comments"], "记录完整");
}

#[tokio::test]
async fn the_permission_table_of_the_duty_routes_holds() {
    let app = spawn().await;
    let s = shift(&app, app.user_id(Staff), now() - Duration::hours(1), 8).await;
    let e = entry(&app, app.token(Staff), s["id"].as_i64().unwrap(), "x").await;
    let reads: Vec<(String, Role)> = vec![
        ("/api/v1/duty/shifts".into(), Staff),
        (format!("/api/v1/duty/shifts/{}", s["id"]), Staff),
        ("/api/v1/duty/log-entries".into(), Staff),
        (format!("/api/v1/duty/log-entries/{}", e["id"]), Staff),
        ("/api/v1/duty/log-entries/verify".into(), DeputySupervisor),
        ("/api/v1/duty/handovers".into(), Staff),
        ("/api/v1/duty/reviews".into(), Staff),
        ("/api/v1/duty/reviews/pending".into(), DeputySupervisor),
    ];
    for (path, min) in reads {
        for role in Role::ALL {
            let res = app.get(*role, &path).await;
            assert_eq!(res.status, if *role >= min { 200 } else { 403 }, "GET {path} as {role}");
        }
        app.raw(Method::GET, &path, None, None, &[]).await.assert(401);
    }
}
