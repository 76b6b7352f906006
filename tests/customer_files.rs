//! Customer files (C-1..C-11) through the HTTP API.

mod common;

use common::{spawn, TestApp};
use mall_service::auth::Role::{self, *};
use reqwest::Method;
use serde_json::{json, Value};

async fn file(app: &TestApp, file_no: &str, name: &str, building: &str, floor: &str, room: &str) -> Value {
    let res = app
        .post(
            DeputySupervisor,
            "/api/v1/customer-files",
            json!({"file_no": file_no, "customer_name": name, "building": building, "floor": floor, "room": room,
                   "move_in_date": "2025-06-01", "page_count": 18, "phone": "13800000000", "id_number": "110101199001011234", "remarks": "业主"}),
        )
        .await;
    res.assert(201);
    res.body.clone()
}

/// Walks a grant to `active` for `token`'s user and returns its id.
async fn grant(app: &TestApp, token: &str, file_id: i64) -> i64 {
    let req = app.post_as(token, &format!("/api/v1/customer-files/{file_id}/access-requests"), json!({"reason": "核对联系方式"})).await;
    req.assert(201);
    let id = req.id();
    app.post(Manager, &format!("/api/v1/file-access-requests/{id}/approve"), json!({})).await.assert(200);
    app.post(DeputySupervisor, &format!("/api/v1/file-access-requests/{id}/register"), json!({})).await.assert(200);
    id
}

#[tokio::test]
async fn c3_the_catalog_is_in_natural_building_floor_room_order() {
    let app = spawn().await;
    for (no, b, f, r) in [("F1", "A栋", "10", "2"), ("F2", "A栋", "2", "10"), ("F3", "A栋", "2", "B10"), ("F4", "A栋", "2", "B2"), ("F5", "A栋", "2", "2"), ("F6", "B栋", "1", "1")] {
        file(&app, no, "张三", b, f, r).await;
    }
    let res = app.get(Staff, "/api/v1/customer-files?per_page=4").await;
    res.assert(200);
    let order: Vec<(i64, String)> = res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["serial_no"].as_i64().unwrap(), format!("{}/{}", e["floor"].as_str().unwrap(), e["room"].as_str().unwrap())))
        .collect();
    assert_eq!(order, vec![(1, "2/2".into()), (2, "2/10".into()), (3, "2/B2".into()), (4, "2/B10".into())]);
    let page2 = app.get(Staff, "/api/v1/customer-files?per_page=4&page=2").await;
    assert_eq!(page2.body["items"][0]["serial_no"], 5);
    assert_eq!(page2.body["items"][0]["floor"], "10");
    assert_eq!(page2.body["items"][1]["building"], "B栋");
    assert_eq!(app.get(Staff, "/api/v1/customer-files?building=B栋").await.body["total"], 1);
}

#[tokio::test]
async fn c4_c8_the_catalog_never_carries_confidential_fields() {
    let app = spawn().await;
    let f = file(&app, "KF-0001", "张伟", "A栋", "12", "03").await;
    for forbidden in ["phone", "id_number", "documents", "history"] {
        assert!(f.get(forbidden).is_none(), "{forbidden} leaked in the create answer");
    }
    let res = app.get(Staff, "/api/v1/customer-files?q=张").await;
    assert_eq!(res.body["total"], 1);
    assert!(!res.text.contains("13800000000") && !res.text.contains("110101199001011234"));
    let csv = app.raw(Method::GET, "/api/v1/customer-files", Some(app.token(Staff)), None, &[("accept", "text/csv")]).await;
    assert!(csv.text.trim_start_matches('\u{feff}').starts_with("serial_no,id,file_no,customer_name,building,floor,room,move_in_date,page_count,remarks"));
    assert!(!csv.text.contains("13800000000"));
    // The audit trail masks personal data too.
    let after = app
        .state
        .db(|c| {
            use diesel::prelude::*;
            use mall_service::db::schema::audit_events::dsl as a;
            Ok(a::audit_events.filter(a::action.eq("customer_file.create")).select(a::after_json).first::<Option<String>>(c)?)
        })
        .await
        .unwrap()
        .unwrap();
    assert!(!after.contains("13800000000") && !after.contains("110101199001011234"));
    assert!(after.contains("张伟"), "Chinese names round-trip exactly");
}

#[tokio::test]
async fn c8_only_a_manager_or_an_active_grant_holder_reads_the_full_file() {
    let app = spawn().await;
    let f = file(&app, "KF-0001", "张伟", "A栋", "12", "03").await;
    let id = f["id"].as_i64().unwrap();
    let path = format!("/api/v1/customer-files/{id}");
    for role in [Staff, DeputySupervisor, Supervisor] {
        app.get(role, &path).await.assert(403);
    }
    let full = app.get(Manager, &path).await;
    full.assert(200);
    assert_eq!(full.body["phone"], "13800000000");
    // Staff: request → approve (manager) → register (deputy supervisor) → read.
    let req = app.post(Staff, &format!("{path}/access-requests"), json!({"reason": "处理投诉"})).await;
    req.assert(201);
    assert_eq!(req.body["status"], "requested");
    let gid = req.id();
    app.post(DeputySupervisor, &format!("/api/v1/file-access-requests/{gid}/register"), json!({})).await.assert(409);
    app.post(Supervisor, &format!("/api/v1/file-access-requests/{gid}/approve"), json!({})).await.assert(403);
    let approved = app.post(Manager, &format!("/api/v1/file-access-requests/{gid}/approve"), json!({})).await;
    assert_eq!(approved.body["status"], "approved");
    app.get(Staff, &path).await.assert(403);
    let active = app.post(DeputySupervisor, &format!("/api/v1/file-access-requests/{gid}/register"), json!({})).await;
    active.assert(200);
    assert_eq!(active.body["status"], "active");
    assert!(active.body["expires_at"].is_string());
    let read = app.get(Staff, &path).await;
    read.assert(200);
    assert_eq!(read.body["id_number"], "110101199001011234");
    // A grant is personal: another staff member still gets 403.
    let (_, other) = app.create_user(Staff, "other").await;
    app.get_as(&other, &path).await.assert(403);
    // Every read is logged, under its grant.
    let log = app.get(DeputySupervisor, &format!("{path}/access-log")).await;
    log.assert(200);
    assert_eq!(log.body["total"], 2);
    assert_eq!(log.body["items"][0]["grant_id"], gid);
    assert_eq!(log.body["items"][0]["reader_id"], app.user_id(Staff));
    assert!(log.body["items"][1]["grant_id"].is_null(), "the manager reads without a grant");
    app.get(Staff, &format!("{path}/access-log")).await.assert(403);
    // An expired grant gives 403.
    app.sql(format!("UPDATE file_access_requests SET expires_at = '2020-01-01 00:00:00' WHERE id = {gid}")).await;
    app.get(Staff, &path).await.assert(403);
    assert_eq!(app.get(DeputySupervisor, &format!("/api/v1/file-access-requests/{gid}")).await.body["status"], "expired");
    assert_eq!(app.get(DeputySupervisor, &format!("{path}/access-log")).await.body["total"], 2, "a refused read is not a read");
}

#[tokio::test]
async fn c9_customer_files_cannot_be_deleted() {
    let app = spawn().await;
    let f = file(&app, "KF-0001", "张伟", "A栋", "12", "03").await;
    let res = app.raw(Method::DELETE, &format!("/api/v1/customer-files/{}", f["id"]), Some(app.token(Manager)), None, &[]).await;
    res.assert(405);
    assert_eq!(res.body["rule"], "C-9");
    app.get(Manager, &format!("/api/v1/customer-files/{}", f["id"])).await.assert(200);
}

#[tokio::test]
async fn c5_changes_update_the_file_and_keep_the_old_values() {
    let app = spawn().await;
    let f = file(&app, "KF-0001", "张伟", "A栋", "12", "03").await;
    let path = format!("/api/v1/customer-files/{}", f["id"]);
    let c1 = app.post(DeputySupervisor, &format!("{path}/changes"), json!({"kind": "phone_changed", "new_value": "13900000000", "note": "客户来电"})).await;
    c1.assert(201);
    assert_eq!(c1.body["old_value"], "13800000000");
    app.post(DeputySupervisor, &format!("{path}/changes"), json!({"kind": "customer_replaced", "new_value": "李娜"})).await.assert(201);
    app.post(Staff, &format!("{path}/changes"), json!({"kind": "other", "new_value": "x"})).await.assert(403);
    app.post(DeputySupervisor, &format!("{path}/changes"), json!({"kind": "name_changed", "new_value": "x"})).await.assert(422);
    let full = app.get(Manager, &path).await;
    assert_eq!(full.body["phone"], "13900000000");
    assert_eq!(full.body["customer_name"], "李娜");
    let history: Vec<(String, String, String)> = full.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["kind"].as_str().unwrap().into(), h["old_value"].as_str().unwrap().into(), h["new_value"].as_str().unwrap().into()))
        .collect();
    assert_eq!(history, vec![("phone_changed".into(), "13800000000".into(), "13900000000".into()), ("customer_replaced".into(), "张伟".into(), "李娜".into())]);
    assert_eq!(app.get(Staff, "/api/v1/customer-files").await.body["items"][0]["customer_name"], "李娜");
}

#[tokio::test]
async fn c1_documents_are_filed_and_the_missing_ones_are_shown() {
    let app = spawn().await;
    let f = file(&app, "KF-0001", "张伟", "A栋", "12", "03").await;
    let path = format!("/api/v1/customer-files/{}", f["id"]);
    let d = app.post(DeputySupervisor, &format!("{path}/documents"), json!({"kind": "customer_covenant", "title": "客户公约", "pages": 2, "received_on": "2025-06-01"})).await;
    d.assert(201);
    app.post(DeputySupervisor, &format!("{path}/documents"), json!({"kind": "lease", "received_on": "2025-06-01"})).await.assert(422);
    app.post(DeputySupervisor, &format!("{path}/documents"), json!({"kind": "other", "pages": -1, "received_on": "2025-06-01"})).await.assert(422);
    let full = app.get(Manager, &path).await;
    assert_eq!(full.body["documents"][0]["kind"], "customer_covenant");
    let missing: Vec<&str> = full.body["missing_documents"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert!(!missing.contains(&"customer_covenant"));
    assert!(missing.contains(&"fire_safety_letter") && missing.contains(&"id_copy"));
}

#[tokio::test]
async fn c2_archive_boxes_are_labelled_code_dash_category() {
    let app = spawn().await;
    let b = app.post(DeputySupervisor, "/api/v1/archive-boxes", json!({"org_code": "SW", "category": "客户档案"})).await;
    b.assert(201);
    assert_eq!(b.body["label"], "SW-客户档案");
    app.post(DeputySupervisor, "/api/v1/archive-boxes", json!({"org_code": "SW", "category": "客户档案"})).await.assert(409);
    app.post(Staff, "/api/v1/archive-boxes", json!({"org_code": "SW", "category": "其他"})).await.assert(403);
    assert_eq!(app.get(Staff, "/api/v1/archive-boxes").await.body["items"][0]["label"], "SW-客户档案");
    let res = app
        .post(DeputySupervisor, "/api/v1/customer-files", json!({"file_no": "X", "customer_name": "x", "building": "A", "floor": "1", "room": "1", "move_in_date": "2025-06-01", "page_count": 1, "box_id": 999999}))
        .await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["box_id"]);
    let dup = app
        .post(DeputySupervisor, "/api/v1/customer-files", json!({"file_no": "Y", "customer_name": "x", "building": "A", "floor": "1", "room": "1", "move_in_date": "2025-06-01", "page_count": 1, "box_id": b.id()}))
        .await;
    dup.assert(201);
    let again = app
        .post(DeputySupervisor, "/api/v1/customer-files", json!({"file_no": "Y", "customer_name": "x", "building": "A", "floor": "1", "room": "1", "move_in_date": "2025-06-01", "page_count": 1}))
        .await;
    again.assert(409);
    assert_eq!(again.error_fields(), vec!["file_no"]);
}

#[tokio::test]
async fn c6_one_census_round_per_quarter_with_progress() {
    let app = spawn().await;
    let a = file(&app, "F1", "张三", "A栋", "1", "1").await;
    file(&app, "F2", "李四", "A栋", "1", "2").await;
    app.post(Staff, "/api/v1/census-rounds", json!({"quarter": "2026-Q4"})).await.assert(403);
    app.post(DeputySupervisor, "/api/v1/census-rounds", json!({"quarter": "2026-Q5"})).await.assert(422);
    let r = app.post(DeputySupervisor, "/api/v1/census-rounds", json!({"quarter": "2026-Q4"})).await;
    r.assert(201);
    assert_eq!((r.body["covered"].as_i64(), r.body["total"].as_i64()), (Some(0), Some(2)));
    app.post(DeputySupervisor, "/api/v1/census-rounds", json!({"quarter": "2026-Q4"})).await.assert(409);
    let path = format!("/api/v1/census-rounds/{}/entries", r.id());
    let e = app.post(Staff, &path, json!({"customer_file_id": a["id"], "household_notes": "三口之家"})).await;
    e.assert(201);
    assert_eq!(e.body["covered"], 1);
    assert_eq!(e.body["progress"], 0.5);
    app.post(Staff, &path, json!({"customer_file_id": a["id"], "household_notes": "again"})).await.assert(409);
    app.post(Staff, &path, json!({"customer_file_id": 999999, "household_notes": "x"})).await.assert(422);
    assert_eq!(app.get(Staff, &format!("/api/v1/census-rounds/{}", r.id())).await.body["progress"], 0.5);
    assert_eq!(app.get(Staff, "/api/v1/census-rounds").await.body["items"][0]["covered"], 1);
}

#[tokio::test]
async fn c7_arrears_are_due_a_follow_up_every_15_days_after_a_month() {
    let app = spawn().await;
    let f = file(&app, "F1", "张三", "A栋", "1", "1").await;
    let a = app.post(Staff, "/api/v1/arrears", json!({"customer_file_id": f["id"], "fee_type": "management", "amount_cents": 128000, "overdue_since": "2026-09-10"})).await;
    a.assert(201);
    let due = |on: &'static str| {
        let app = &app;
        async move { app.get(Staff, &format!("/api/v1/arrears/due-follow-ups?on={on}")).await.body["total"].as_i64().unwrap() }
    };
    assert_eq!(due("2026-10-10").await, 0, "exactly one month is not more than a month");
    assert_eq!(due("2026-10-11").await, 1);
    // 2026-10-26T17:00Z is 01:00 on 27 October in Shanghai.
    app.post(Staff, &format!("/api/v1/arrears/{}/follow-ups", a.id()), json!({"contacted_at": "2026-10-26T17:00:00Z", "method": "phone", "outcome": "承诺月底缴清"}))
        .await
        .assert(201);
    assert_eq!(app.get(Staff, &format!("/api/v1/arrears/{}", a.id())).await.body["last_follow_up_on"], "2026-10-27");
    assert_eq!(due("2026-11-10").await, 0, "14 days after the last call");
    assert_eq!(due("2026-11-11").await, 1, "15 days after the last call");
    app.post(Staff, &format!("/api/v1/arrears/{}/settle", a.id()), json!({})).await.assert(200);
    assert_eq!(due("2026-11-11").await, 0);
    app.post(Staff, &format!("/api/v1/arrears/{}/settle", a.id()), json!({})).await.assert(409);
    for (field, value) in [("amount_cents", json!(-5)), ("amount_cents", json!(0)), ("fee_type", json!("parking")), ("overdue_since", json!("2026-02-30"))] {
        let mut body = json!({"customer_file_id": f["id"], "fee_type": "utilities", "amount_cents": 100, "overdue_since": "2026-09-10"});
        body[field] = value;
        let res = app.post(Staff, "/api/v1/arrears", body).await;
        res.assert(422);
        assert_eq!(res.error_fields(), vec![field]);
    }
    app.get(Staff, "/api/v1/arrears/due-follow-ups?on=2026-13-01").await.assert(422);
}

#[tokio::test]
async fn the_permission_table_of_the_customer_file_routes_holds() {
    let app = spawn().await;
    let f = file(&app, "F1", "张三", "A栋", "1", "1").await;
    let g = grant(&app, app.token(Staff), f["id"].as_i64().unwrap()).await;
    let reads: Vec<(String, Role)> = vec![
        ("/api/v1/customer-files".into(), Staff),
        ("/api/v1/archive-boxes".into(), Staff),
        ("/api/v1/census-rounds".into(), Staff),
        ("/api/v1/arrears".into(), Staff),
        ("/api/v1/arrears/due-follow-ups".into(), Staff),
        ("/api/v1/file-access-requests".into(), DeputySupervisor),
        (format!("/api/v1/customer-files/{}/access-log", f["id"]), DeputySupervisor),
    ];
    for (path, min) in reads {
        for role in Role::ALL {
            let res = app.get(*role, &path).await;
            assert_eq!(res.status, if *role >= min { 200 } else { 403 }, "GET {path} as {role}");
        }
        app.raw(Method::GET, &path, None, None, &[]).await.assert(401);
    }
    // The requester sees their own request.
    app.get(Staff, &format!("/api/v1/file-access-requests/{g}")).await.assert(200);
}

#[tokio::test]
async fn c4_a_cached_catalog_page_shows_every_change_at_once() {
    let app = spawn().await;
    let a = file(&app, "F-1", "王芳", "A栋", "3", "301").await;
    let first = app.get(Staff, "/api/v1/customer-files").await;
    assert_eq!(first.body["items"][0]["customer_name"], "王芳");
    // Asked again: the same answer (served from the cache).
    assert_eq!(app.get(Staff, "/api/v1/customer-files").await.body, first.body);
    // A change made outside the API (another instance, a tool) is seen at once.
    app.sql(format!("UPDATE customer_files SET customer_name = '王芳芳' WHERE id = {}", a["id"])).await;
    assert_eq!(app.get(Staff, "/api/v1/customer-files").await.body["items"][0]["customer_name"], "王芳芳");
    // And so are changes through the API: a new file and a C-5 change of customer.
    file(&app, "F-2", "李娜", "A栋", "3", "302").await;
    let path = format!("/api/v1/customer-files/{}/changes", a["id"]);
    app.post(DeputySupervisor, &path, json!({"kind": "customer_replaced", "new_value": "赵强"})).await.assert(201);
    let after = app.get(Staff, "/api/v1/customer-files").await;
    assert_eq!(after.body["total"], 2);
    assert_eq!(after.body["items"][0]["customer_name"], "赵强");
    // Each filter and page is its own answer.
    assert_eq!(app.get(Staff, "/api/v1/customer-files?q=李").await.body["total"], 1);
    assert_eq!(app.get(Staff, "/api/v1/customer-files?page=2&per_page=1").await.body["items"][0]["file_no"], "F-2");
    // The cached answer still checks the caller's account: a deactivated one gets 401.
    let (id, token) = app.create_user(Staff, "staff-leaving").await;
    assert_eq!(app.get_as(&token, "/api/v1/customer-files").await.status, 200);
    app.patch(Manager, &format!("/api/v1/users/{id}"), json!({"active": false})).await.assert(200);
    app.get_as(&token, "/api/v1/customer-files").await.assert(401);
    app.raw(Method::GET, "/api/v1/customer-files", None, None, &[]).await.assert(401);
}
