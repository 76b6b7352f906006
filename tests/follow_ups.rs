//! Follow-up visits (F-1..F-10) through the HTTP API.

mod common;

use common::{spawn, TestApp};
use mall_service::auth::Role::{self, *};
use reqwest::Method;
use serde_json::{json, Value};

async fn record(app: &TestApp, body: Value) -> Value {
    let res = app.post(Staff, "/api/v1/service-records", body).await;
    res.assert(201);
    res.body.clone()
}

fn complaint(at: &str) -> Value {
    json!({"kind": "complaint", "category": "噪音", "description": "装修噪音投诉，已协调", "completed_at": at, "unit": "A栋1203"})
}

async fn plan(app: &TestApp, record_id: &Value, assignees: Value) -> Value {
    let res = app.post(Supervisor, "/api/v1/follow-ups", json!({"service_record_id": record_id, "assignee_ids": assignees})).await;
    res.assert(201);
    res.body.clone()
}

fn result(visited_at: &str, quality: i64, satisfaction: &str) -> Value {
    json!({"visited_at": visited_at, "method": "in_person", "quality_rating": quality, "effect_rating": 4, "satisfaction": satisfaction,
           "shortcomings": "回复稍慢", "suggestions": "加强沟通", "customer_signed_by": "张伟"})
}

#[tokio::test]
async fn f2_the_server_computes_the_due_window_in_local_dates() {
    let app = spawn().await;
    // 2026-11-19T17:00Z is 01:00 on 20 November in Shanghai.
    let r = record(&app, complaint("2026-11-19T17:00:00Z")).await;
    let f = plan(&app, &r["id"], json!([app.user_id(Staff)])).await;
    assert_eq!((f["due_from"].as_str(), f["due_by"].as_str()), (Some("2026-11-20"), Some("2026-11-23")));
    assert_eq!(f["status"], "planned");
    let repair = record(&app, json!({"kind": "repair", "category": "水管", "description": "更换水管", "completed_at": "2026-01-31T02:00:00Z", "unit": "B栋0101"})).await;
    let f = plan(&app, &repair["id"], json!([app.user_id(Staff)])).await;
    assert_eq!((f["due_from"].as_str(), f["due_by"].as_str()), (Some("2026-02-28"), Some("2026-03-31")), "end-of-month safe");
    let res = app.post(Supervisor, "/api/v1/follow-ups", json!({"service_record_id": repair["id"], "assignee_ids": [app.user_id(Staff)], "phase": "after_end"})).await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["phase"]);
}

#[tokio::test]
async fn f2_special_services_need_a_contract_and_a_phase() {
    let app = spawn().await;
    let bad = app.post(Staff, "/api/v1/service-records", json!({"kind": "special_service", "category": "保洁", "description": "合同保洁", "completed_at": "2026-01-01T02:00:00Z"})).await;
    bad.assert(422);
    assert_eq!(bad.body["rule"], "F-2");
    let inverted = app
        .post(Staff, "/api/v1/service-records", json!({"kind": "special_service", "category": "保洁", "description": "x", "completed_at": "2026-01-01T02:00:00Z", "contract_start": "2026-12-31", "contract_end": "2026-01-01"}))
        .await;
    inverted.assert(422);
    assert_eq!(inverted.error_fields(), vec!["contract_end"]);
    let r = record(&app, json!({"kind": "special_service", "category": "保洁", "description": "合同保洁", "completed_at": "2026-01-01T02:00:00Z", "contract_start": "2026-01-01", "contract_end": "2026-12-31"})).await;
    let no_phase = app.post(Supervisor, "/api/v1/follow-ups", json!({"service_record_id": r["id"], "assignee_ids": [app.user_id(Staff)]})).await;
    no_phase.assert(422);
    assert_eq!(no_phase.error_fields(), vec!["phase"]);
    let mid = app.post(Supervisor, "/api/v1/follow-ups", json!({"service_record_id": r["id"], "assignee_ids": [app.user_id(Staff)], "phase": "mid_contract"})).await;
    mid.assert(201);
    assert_eq!((mid.body["due_from"].as_str(), mid.body["due_by"].as_str()), (Some("2026-06-25"), Some("2026-07-09")));
    let after = app.post(Supervisor, "/api/v1/follow-ups", json!({"service_record_id": r["id"], "assignee_ids": [app.user_id(Staff)], "phase": "after_end"})).await;
    assert_eq!((after.body["due_from"].as_str(), after.body["due_by"].as_str()), (Some("2026-12-31"), Some("2027-01-07")));
}

#[tokio::test]
async fn f1_a_major_complaint_needs_a_manager_among_the_assignees() {
    let app = spawn().await;
    let mut body = complaint("2026-11-20T02:00:00Z");
    body["major"] = json!(true);
    let r = record(&app, body).await;
    let res = app.post(Supervisor, "/api/v1/follow-ups", json!({"service_record_id": r["id"], "assignee_ids": [app.user_id(Staff), app.user_id(Supervisor)]})).await;
    res.assert(422);
    assert_eq!(res.body["rule"], "F-1");
    plan(&app, &r["id"], json!([app.user_id(Manager), app.user_id(Staff)])).await;
    app.post(Staff, "/api/v1/follow-ups", json!({"service_record_id": r["id"], "assignee_ids": [app.user_id(Staff)]})).await.assert(403);
    let unknown = app.post(Supervisor, "/api/v1/follow-ups", json!({"service_record_id": r["id"], "assignee_ids": [999999]})).await;
    unknown.assert(422);
    assert_eq!(unknown.error_fields(), vec!["assignee_ids[0]"]);
    app.post(Supervisor, "/api/v1/follow-ups", json!({"service_record_id": r["id"], "assignee_ids": []})).await.assert(422);
    let missing = app.post(Supervisor, "/api/v1/follow-ups", json!({"service_record_id": 999999, "assignee_ids": [app.user_id(Staff)]})).await;
    missing.assert(422);
    assert_eq!(missing.error_fields(), vec!["service_record_id"]);
}

#[tokio::test]
async fn f6_only_assignees_sign_out_and_the_sign_out_precedes_the_result() {
    let app = spawn().await;
    let r = record(&app, complaint("2026-11-20T02:00:00Z")).await;
    let f = plan(&app, &r["id"], json!([app.user_id(Staff)])).await;
    let id = f["id"].as_i64().unwrap();
    let early = app.post(Staff, &format!("/api/v1/follow-ups/{id}/result"), result("2026-11-21T02:00:00Z", 4, "satisfied")).await;
    early.assert(409);
    assert!(early.body["detail"].as_str().unwrap().contains("F-6"));
    app.post(Manager, &format!("/api/v1/follow-ups/{id}/sign-out"), json!({})).await.assert(403);
    let s = app.post(Staff, &format!("/api/v1/follow-ups/{id}/sign-out"), json!({})).await;
    s.assert(200);
    assert_eq!(s.body["status"], "signed_out");
    assert_eq!(s.body["signed_out_by"], app.user_id(Staff));
    app.post(Staff, &format!("/api/v1/follow-ups/{id}/sign-out"), json!({})).await.assert(409);
    app.post(Manager, &format!("/api/v1/follow-ups/{id}/result"), result("2026-11-21T02:00:00Z", 4, "satisfied")).await.assert(403);
}

#[tokio::test]
async fn f5_f7_the_result_computes_qualified_and_on_time() {
    let app = spawn().await;
    let r = record(&app, complaint("2026-11-20T02:00:00Z")).await;
    let (a, b) = (plan(&app, &r["id"], json!([app.user_id(Staff)])).await, plan(&app, &r["id"], json!([app.user_id(Staff)])).await);
    for f in [&a, &b] {
        app.post(Staff, &format!("/api/v1/follow-ups/{}/sign-out", f["id"]), json!({})).await.assert(200);
    }
    for (field, value) in [("quality_rating", json!(0)), ("quality_rating", json!(6)), ("satisfaction", json!("ok")), ("method", json!("email")), ("customer_signed_by", json!(""))] {
        let mut body = result("2026-11-21T02:00:00Z", 4, "satisfied");
        body[field] = value;
        let res = app.post(Staff, &format!("/api/v1/follow-ups/{}/result", a["id"]), body).await;
        res.assert(422);
        assert_eq!(res.error_fields(), vec![field]);
    }
    let on_time = app.post(Staff, &format!("/api/v1/follow-ups/{}/result", a["id"]), result("2026-11-23T10:00:00Z", 4, "satisfied")).await;
    on_time.assert(200);
    assert_eq!((on_time.body["qualified"].as_bool(), on_time.body["on_time"].as_bool()), (Some(true), Some(true)));
    assert_eq!(on_time.body["status"], "visited");
    assert_eq!(on_time.body["customer_signed_by"], "张伟");
    // 2026-11-23T16:30Z is already the 24th in Shanghai: outside the window.
    let late = app.post(Staff, &format!("/api/v1/follow-ups/{}/result", b["id"]), result("2026-11-23T16:30:00Z", 2, "satisfied")).await;
    late.assert(200);
    assert_eq!((late.body["qualified"].as_bool(), late.body["on_time"].as_bool()), (Some(false), Some(false)));
}

#[tokio::test]
async fn f8_unqualified_results_are_escalated_and_closed_by_the_manager() {
    let app = spawn().await;
    let r = record(&app, complaint("2026-11-20T02:00:00Z")).await;
    let (good, bad) = (plan(&app, &r["id"], json!([app.user_id(Staff)])).await, plan(&app, &r["id"], json!([app.user_id(Staff)])).await);
    for (f, satisfaction) in [(&good, "very_satisfied"), (&bad, "dissatisfied")] {
        app.post(Staff, &format!("/api/v1/follow-ups/{}/sign-out", f["id"]), json!({})).await.assert(200);
        app.post(Staff, &format!("/api/v1/follow-ups/{}/result", f["id"]), result("2026-11-21T02:00:00Z", 4, satisfaction)).await.assert(200);
    }
    app.post(Staff, &format!("/api/v1/follow-ups/{}/review", good["id"]), json!({"comments": "好"})).await.assert(403);
    let reviewed = app.post(Supervisor, &format!("/api/v1/follow-ups/{}/review", good["id"]), json!({"comments": "记录完整"})).await;
    assert_eq!(reviewed.body["status"], "reviewed");
    app.post(Supervisor, &format!("/api/v1/follow-ups/{}/review", good["id"]), json!({"comments": "again"})).await.assert(409);
    let escalated = app.post(Supervisor, &format!("/api/v1/follow-ups/{}/review", bad["id"]), json!({"comments": "客户不满意"})).await;
    assert_eq!(escalated.body["status"], "escalated");
    app.post(Supervisor, &format!("/api/v1/follow-ups/{}/escalation", bad["id"]), json!({"handling": "x"})).await.assert(403);
    app.post(Manager, &format!("/api/v1/follow-ups/{}/escalation", good["id"]), json!({"handling": "x"})).await.assert(409);
    let closed = app.post(Manager, &format!("/api/v1/follow-ups/{}/escalation", bad["id"]), json!({"handling": "经理上门致歉，重新处理"})).await;
    closed.assert(200);
    assert_eq!(closed.body["status"], "closed");
    assert_eq!(closed.body["escalation_handling"], "经理上门致歉，重新处理");
    let list = app.get(Staff, &format!("/api/v1/follow-ups?status=closed&assignee_id={}", app.user_id(Staff))).await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(app.get(Staff, "/api/v1/follow-ups?due_before=2026-11-22").await.body["total"], 0);
    assert_eq!(app.get(Staff, "/api/v1/follow-ups?due_before=2026-11-23").await.body["total"], 2);
    app.get(Staff, "/api/v1/follow-ups?status=lost").await.assert(422);
}

#[tokio::test]
async fn f3_targets_default_to_the_manual_and_only_other_is_set_by_a_supervisor() {
    let app = spawn().await;
    let t = app.get(Staff, "/api/v1/follow-up-targets").await;
    t.assert(200);
    let of = |body: &Value, kind: &str| body.as_array().unwrap().iter().find(|x| x["kind"] == kind).unwrap()["target_rate"].as_f64().unwrap();
    assert_eq!(of(&t.body, "complaint"), 1.0);
    assert_eq!(of(&t.body, "publication_event"), 0.1);
    assert_eq!(of(&t.body, "other"), 0.3);
    let put = |role: Role, kind: &'static str, rate: f64| {
        let app = &app;
        async move { app.raw(Method::PUT, &format!("/api/v1/follow-up-targets/{kind}"), Some(app.token(role)), Some(&json!({"target_rate": rate})), &[]).await }
    };
    put(Staff, "other", 0.2).await.assert(403);
    put(Supervisor, "other", 1.5).await.assert(422);
    let res = put(Supervisor, "complaint", 0.5).await;
    res.assert(422);
    assert_eq!(res.body["rule"], "F-3");
    put(Supervisor, "other", 0.2).await.assert(200);
    put(Supervisor, "other", 0.25).await.assert(200);
    assert_eq!(of(&app.get(Staff, "/api/v1/follow-up-targets").await.body, "other"), 0.25);
    put(Supervisor, "gardening", 0.2).await.assert(404);
}

#[tokio::test]
async fn f3_f9_the_monthly_statistics() {
    let app = spawn().await;
    let file = app
        .post(DeputySupervisor, "/api/v1/customer-files", json!({"file_no": "F1", "customer_name": "张伟", "building": "A", "floor": "1", "room": "1", "move_in_date": "2025-01-01", "page_count": 1}))
        .await;
    let fid = file.id();
    let c1 = record(&app, json!({"kind": "complaint", "category": "噪音", "description": "x", "completed_at": "2026-10-05T02:00:00Z", "customer_file_id": fid, "unit": "A-1-1"})).await;
    record(&app, json!({"kind": "complaint", "category": "噪音", "description": "y", "completed_at": "2026-10-15T02:00:00Z", "customer_file_id": fid, "unit": "A-1-1"})).await;
    record(&app, json!({"kind": "complaint", "category": "停车", "description": "z", "completed_at": "2026-10-16T02:00:00Z", "unit": "B-2-2"})).await;
    for day in ["03", "10", "20"] {
        record(&app, json!({"kind": "repair", "category": "水管", "description": "修", "completed_at": format!("2026-10-{day}T02:00:00Z"), "unit": "C-3-3"})).await;
    }
    record(&app, json!({"kind": "repair", "category": "电路", "description": "修", "completed_at": "2026-11-03T02:00:00Z", "unit": "C-3-3"})).await;
    let f = plan(&app, &c1["id"], json!([app.user_id(Staff)])).await;
    app.post(Staff, &format!("/api/v1/follow-ups/{}/sign-out", f["id"]), json!({})).await.assert(200);
    app.post(Staff, &format!("/api/v1/follow-ups/{}/result", f["id"]), result("2026-10-06T02:00:00Z", 1, "satisfied")).await.assert(200);
    app.get(DeputySupervisor, "/api/v1/follow-ups/stats?month=2026-10").await.assert(403);
    app.get(Supervisor, "/api/v1/follow-ups/stats?month=2026-1").await.assert(422);
    let s = app.get(Supervisor, "/api/v1/follow-ups/stats?month=2026-10").await;
    s.assert(200);
    let kind = |k: &str| s.body["per_kind"].as_array().unwrap().iter().find(|x| x["kind"] == k).unwrap().clone();
    let c = kind("complaint");
    assert_eq!((c["services_completed"].as_i64(), c["visited"].as_i64()), (Some(3), Some(1)));
    assert!((c["rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!((c["target"].as_f64(), c["met"].as_bool()), (Some(1.0), Some(false)));
    let r = kind("repair");
    assert_eq!((r["services_completed"].as_i64(), r["visited"].as_i64(), r["met"].as_bool()), (Some(3), Some(0), Some(false)));
    assert_eq!(kind("emergency")["met"], true, "nothing completed, nothing missed");
    assert_eq!(s.body["unqualified"], 1);
    assert_eq!(s.body["repeat_complaints"], json!([{"customer_file_id": fid, "unit": "A-1-1", "category": "噪音", "count": 2}]));
    assert_eq!(s.body["repeat_repairs"], json!([{"customer_file_id": null, "unit": "C-3-3", "category": "水管", "count": 3}]));
}

#[tokio::test]
async fn f9_f10_the_monthly_report_is_submitted_reviewed_and_decided() {
    let app = spawn().await;
    let r = app.post(Staff, "/api/v1/follow-up-reports", json!({"month": "2026-10", "analysis": "投诉回访率未达标，维修重复1户"})).await;
    r.assert(201);
    assert_eq!(r.body["status"], "submitted");
    // Submitted on or after 2026-11-28 > 25 November: late (F-10).
    assert_eq!(r.body["late"], true);
    let id = r.id();
    app.post(Staff, "/api/v1/follow-up-reports", json!({"month": "2026-10", "analysis": "again"})).await.assert(409);
    app.post(Manager, &format!("/api/v1/follow-up-reports/{id}/decision"), json!({"corrective_action": true, "note": "x"})).await.assert(409);
    app.post(DeputySupervisor, &format!("/api/v1/follow-up-reports/{id}/review"), json!({"comments": "x"})).await.assert(403);
    app.post(Supervisor, &format!("/api/v1/follow-up-reports/{id}/review"), json!({"comments": "同意分析"})).await.assert(200);
    app.post(Supervisor, &format!("/api/v1/follow-up-reports/{id}/decision"), json!({"corrective_action": true, "note": "x"})).await.assert(403);
    app.post(Manager, &format!("/api/v1/follow-up-reports/{id}/decision"), json!({"corrective_action": "yes", "note": "x"})).await.assert(422);
    let d = app.post(Manager, &format!("/api/v1/follow-up-reports/{id}/decision"), json!({"corrective_action": true, "note": "启动维修质量纠正措施"})).await;
    d.assert(200);
    assert_eq!((d.body["status"].as_str(), d.body["corrective_action"].as_bool()), (Some("decided"), Some(true)));
    app.post(Manager, &format!("/api/v1/follow-up-reports/{id}/decision"), json!({"corrective_action": false, "note": "x"})).await.assert(409);
    app.post(Staff, "/api/v1/follow-up-reports", json!({"month": "2099-01", "analysis": "x"})).await.assert(422);
    assert_eq!(app.get(Staff, "/api/v1/follow-up-reports").await.body["total"], 1);
}

#[tokio::test]
async fn the_permission_table_of_the_follow_up_routes_holds() {
    let app = spawn().await;
    let r = record(&app, complaint("2026-11-20T02:00:00Z")).await;
    let f = plan(&app, &r["id"], json!([app.user_id(Staff)])).await;
    let reads: Vec<(String, Role)> = vec![
        ("/api/v1/service-records".into(), Staff),
        (format!("/api/v1/service-records/{}", r["id"]), Staff),
        ("/api/v1/follow-ups".into(), Staff),
        (format!("/api/v1/follow-ups/{}", f["id"]), Staff),
        ("/api/v1/follow-up-targets".into(), Staff),
        ("/api/v1/follow-up-reports".into(), Staff),
        ("/api/v1/follow-ups/stats?month=2026-11".into(), Supervisor),
    ];
    for (path, min) in reads {
        for role in Role::ALL {
            let res = app.get(*role, &path).await;
            assert_eq!(res.status, if *role >= min { 200 } else { 403 }, "GET {path} as {role}");
        }
        app.raw(Method::GET, &path, None, None, &[]).await.assert(401);
    }
}

#[tokio::test]
async fn f3_cached_statistics_follow_every_change() {
    let app = spawn().await;
    let path = "/api/v1/follow-ups/stats?month=2026-10";
    let kind = |s: &common::Resp, k: &str| s.body["per_kind"].as_array().unwrap().iter().find(|x| x["kind"] == k).cloned().unwrap();
    let before = app.get(Supervisor, path).await;
    assert_eq!(kind(&before, "complaint")["services_completed"], 0);
    assert_eq!(app.get(Supervisor, path).await.body, before.body);
    let r = record(&app, complaint("2026-10-10T02:00:00Z")).await;
    let after = app.get(Supervisor, path).await;
    assert_eq!(kind(&after, "complaint")["services_completed"], 1);
    assert_eq!(kind(&after, "complaint")["visited"], 0);
    // A visit recorded outside the API still counts at once.
    let f = plan(&app, &r["id"], json!([app.user_id(Staff)])).await;
    app.sql(format!("UPDATE follow_ups SET status = 'visited' WHERE id = {}", f["id"])).await;
    assert_eq!(kind(&app.get(Supervisor, path).await, "complaint")["visited"], 1);
    // A new target for `other` services shows in the month's figures.
    app.put(Supervisor, "/api/v1/follow-up-targets/other", json!({"target_rate": 0.35})).await.assert(200);
    assert_eq!(kind(&app.get(Supervisor, path).await, "other")["target"], 0.35);
}
