//! Key custody (K-1..K-10) through the HTTP API.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{spawn, TestApp};
use mall_service::auth::Role::{self, *};
use reqwest::Method;
use serde_json::{json, Value};

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

async fn key(app: &TestApp, key_no: &str, unit: &str, quantity: i32) -> Value {
    let res = app
        .post(DeputySupervisor, "/api/v1/keys", json!({"key_no": key_no, "unit": unit, "source": "developer", "quantity": quantity, "cabinet_slot": "柜1"}))
        .await;
    res.assert(201);
    res.body.clone()
}

fn loan_body(key_id: i64, quantity: i32) -> Value {
    json!({"key_id": key_id, "quantity": quantity, "expected_return_at": ts(Utc::now() + Duration::days(1)),
           "reason": "空置房通风", "borrower_name": "王师傅", "borrower_phone": "13900000000", "borrower_signature": "王"})
}

async fn lend(app: &TestApp, key_id: i64, quantity: i32) -> Value {
    let res = app.post(Staff, "/api/v1/key-loans", loan_body(key_id, quantity)).await;
    res.assert(201);
    res.body.clone()
}

async fn get_key(app: &TestApp, id: &Value) -> Value {
    app.get(Staff, &format!("/api/v1/keys/{id}")).await.body
}

fn entrustment(disclaimer: Value) -> Value {
    json!({"unit": "B栋0802", "customer_name": "张伟", "key_count": 2, "reason": "出差期间装修", "collection_requirements": "本人持身份证领取",
           "disclaimer_accepted": disclaimer, "customer_signature": "张伟"})
}

#[tokio::test]
async fn k1_a_deputy_supervisor_registers_keys_with_unique_numbers() {
    let app = spawn().await;
    let k = key(&app, "A-1203", "A栋1203", 3).await;
    assert_eq!(k["status"], "in_cabinet");
    assert_eq!(k["available"], 3);
    assert_eq!(k["source"], "developer");
    let dup = app.post(DeputySupervisor, "/api/v1/keys", json!({"key_no": "A-1203", "unit": "x", "source": "developer", "quantity": 1})).await;
    dup.assert(409);
    assert_eq!(dup.error_fields(), vec!["key_no"]);
    app.post(Staff, "/api/v1/keys", json!({"key_no": "A-9", "unit": "x", "source": "developer", "quantity": 1})).await.assert(403);
    for (field, value) in [("quantity", json!(0)), ("quantity", json!(-3)), ("source", json!("neighbour")), ("unit", json!(""))] {
        let mut body = json!({"key_no": "A-10", "unit": "A栋10", "source": "developer", "quantity": 1});
        body[field] = value;
        let res = app.post(DeputySupervisor, "/api/v1/keys", body).await;
        res.assert(422);
        assert_eq!(res.error_fields(), vec![field]);
    }
    assert_eq!(app.audit_count("key.create").await, 1);
}

#[tokio::test]
async fn k3_the_cabinet_is_listed_in_unit_order_and_by_status() {
    let app = spawn().await;
    key(&app, "C-1", "C栋0101", 1).await;
    let a = key(&app, "A-1", "A栋0101", 1).await;
    key(&app, "B-1", "B栋0101", 2).await;
    lend(&app, a["id"].as_i64().unwrap(), 1).await;
    let res = app.get(Staff, "/api/v1/keys").await;
    let units: Vec<&str> = res.body["items"].as_array().unwrap().iter().map(|k| k["unit"].as_str().unwrap()).collect();
    assert_eq!(units, vec!["A栋0101", "B栋0101", "C栋0101"]);
    let lent = app.get(Staff, "/api/v1/keys?status=lent").await;
    assert_eq!(lent.body["total"], 1);
    assert_eq!(lent.body["items"][0]["key_no"], "A-1");
    app.get(Staff, "/api/v1/keys?status=missing").await.assert(422);
    let by_unit = app.get(Staff, "/api/v1/keys?unit=B栋0101").await;
    assert_eq!(by_unit.body["total"], 1);
    let csv = app.raw(Method::GET, "/api/v1/keys", Some(app.token(Staff)), None, &[("accept", "text/csv")]).await;
    assert!(csv.text.contains("C栋0101"));
}

#[tokio::test]
async fn k4_an_entrustment_needs_the_disclaimer_accepted() {
    let app = spawn().await;
    for bad in [json!(false), json!("true"), json!(1), Value::Null] {
        let res = app.post(Staff, "/api/v1/key-entrustments", entrustment(bad.clone())).await;
        res.assert(422);
        assert_eq!(res.error_fields(), vec!["disclaimer_accepted"], "{bad}");
    }
    let mut missing = entrustment(json!(true));
    missing.as_object_mut().unwrap().remove("disclaimer_accepted");
    app.post(Staff, "/api/v1/key-entrustments", missing).await.assert(422);
    let keys = app.get(Staff, "/api/v1/keys").await;
    assert_eq!(keys.body["total"], 0, "nothing half-written");
}

#[tokio::test]
async fn k4_an_entrustment_creates_the_tagged_key_and_a_receipt() {
    let app = spawn().await;
    let res = app.post(Staff, "/api/v1/key-entrustments", entrustment(json!(true))).await;
    res.assert(201);
    let receipt_no = res.body["receipt_no"].as_str().unwrap().to_string();
    let year = Utc::now().format("%Y").to_string();
    assert_eq!(receipt_no, format!("KE-{year}-{:06}", res.id()));
    let k = get_key(&app, &res.body["key_id"]).await;
    assert_eq!(k["holder_name"], "张伟");
    assert_eq!(k["source"], "customer");
    assert_eq!(k["quantity"], 2);
    assert_eq!(k["key_no"], receipt_no);
    let r = app.get(Staff, &format!("/api/v1/key-entrustments/{}/receipt", res.id())).await;
    r.assert(200);
    assert_eq!(r.body["receipt_no"], receipt_no);
    assert_eq!(r.body["customer_name"], "张伟");
    assert_eq!(r.body["key_count"], 2);
    assert_eq!(r.body["collection_requirements"], "本人持身份证领取");
    assert_eq!(r.body["received_by_name"], "staff-1 测试");
    assert!(r.body["disclaimer"].as_str().unwrap().contains("不承担"));
    let second = app.post(Staff, "/api/v1/key-entrustments", entrustment(json!(true))).await;
    assert_ne!(second.body["receipt_no"], receipt_no);
    let list = app.get(Staff, "/api/v1/key-entrustments").await;
    assert_eq!(list.body["total"], 2);
    app.get(Staff, "/api/v1/key-entrustments/999999/receipt").await.assert(404);
}

#[tokio::test]
async fn k5_lending_takes_copies_from_the_cabinet() {
    let app = spawn().await;
    let k = key(&app, "A-1", "A栋0101", 2).await;
    let id = k["id"].as_i64().unwrap();
    let loan = lend(&app, id, 1).await;
    assert_eq!(loan["lent_by"], app.user_id(Staff));
    assert_eq!(loan["borrower_phone"], "13900000000");
    assert_eq!(loan["open"], true);
    let after = get_key(&app, &k["id"]).await;
    assert_eq!((after["available"].as_i64(), after["status"].as_str()), (Some(1), Some("in_cabinet")));
    app.post(Staff, "/api/v1/key-loans", loan_body(id, 2)).await.assert(409);
    lend(&app, id, 1).await;
    assert_eq!(get_key(&app, &k["id"]).await["status"], "lent");
    app.post(Staff, "/api/v1/key-loans", loan_body(id, 1)).await.assert(409);
    let mut no_phone = loan_body(id, 1);
    no_phone.as_object_mut().unwrap().remove("borrower_phone");
    let res = app.post(Staff, "/api/v1/key-loans", no_phone).await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["borrower_phone"]);
    let res = app.post(Staff, "/api/v1/key-loans", loan_body(999999, 1)).await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["key_id"]);
    // The borrower's phone is masked in the audit trail.
    let after_json = app
        .state
        .db(|c| {
            use diesel::prelude::*;
            use mall_service::db::schema::audit_events::dsl as a;
            Ok(a::audit_events.filter(a::action.eq("key.lend")).select(a::after_json).first::<Option<String>>(c)?)
        })
        .await
        .unwrap()
        .unwrap();
    assert!(!after_json.contains("13900000000"));
}

#[tokio::test]
async fn k5_twenty_parallel_loans_for_three_copies_lend_exactly_three() {
    let app = spawn().await;
    let k = key(&app, "A-1", "A栋0101", 3).await;
    let id = k["id"].as_i64().unwrap();
    let attempts = (0..20).map(|_| {
        let app = &app;
        async move { app.post(Staff, "/api/v1/key-loans", loan_body(id, 1)).await.status }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 3, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 17, "{statuses:?}");
    let after = get_key(&app, &k["id"]).await;
    assert_eq!(after["available"], 0);
    assert_eq!(after["status"], "lent");
    let open = app.get(Staff, &format!("/api/v1/key-loans?open=true&key_id={id}")).await;
    assert_eq!(open.body["total"], 3);
}

#[tokio::test]
async fn k6_a_return_must_bring_back_exactly_what_is_out() {
    let app = spawn().await;
    let k = key(&app, "A-1", "A栋0101", 3).await;
    let loan = lend(&app, k["id"].as_i64().unwrap(), 2).await;
    let path = format!("/api/v1/key-loans/{}/return", loan["id"]);
    let res = app.post(Staff, &path, json!({"returned_quantity": 1})).await;
    res.assert(422);
    assert_eq!(res.body["rule"], "K-6");
    assert!(res.body["detail"].as_str().unwrap().contains("key-incidents"));
    app.post(Staff, &path, json!({"returned_quantity": -1})).await.assert(422);
    let (receiver, token) = app.create_user(Staff, "receiver").await;
    let res = app.post_as(&token, &path, json!({"returned_quantity": 2})).await;
    res.assert(200);
    assert_eq!(res.body["received_by"], receiver);
    assert_eq!(res.body["open"], false);
    assert!(res.body["returned_at"].is_string());
    assert_eq!(get_key(&app, &k["id"]).await["available"], 3);
    app.post(Staff, &path, json!({"returned_quantity": 2})).await.assert(409);
}

#[tokio::test]
async fn k7_loans_out_more_than_72_hours_are_overdue_and_chased() {
    let app = spawn().await;
    let k = key(&app, "A-1", "A栋0101", 2).await;
    let loan = lend(&app, k["id"].as_i64().unwrap(), 1).await;
    let borrowed: DateTime<Utc> = loan["borrowed_at"].as_str().unwrap().parse().unwrap();
    let at = |d: Duration| urlencode(&ts(borrowed + d));
    let res = app.get(Staff, &format!("/api/v1/key-loans/overdue?at={}", at(Duration::hours(72)))).await;
    res.assert(200);
    assert_eq!(res.body["total"], 0, "exactly 72 hours is not overdue");
    let later = format!("/api/v1/key-loans/overdue?at={}", at(Duration::hours(72) + Duration::seconds(1)));
    let res = app.get(Staff, &later).await;
    assert_eq!(res.body["total"], 1);
    assert_eq!(res.body["items"][0]["hours_out"], 72);
    assert!(res.body["items"][0]["last_chase"].is_null());
    let chase = app.post(Staff, &format!("/api/v1/key-loans/{}/chases", loan["id"]), json!({"note": "已电话提醒"})).await;
    chase.assert(201);
    let res = app.get(Staff, &later).await;
    assert_eq!(res.body["items"][0]["chase_count"], 1);
    assert_eq!(res.body["items"][0]["last_chase"]["note"], "已电话提醒");
    app.get(Staff, "/api/v1/key-loans/overdue?at=2026-11-28T10:00:00").await.assert(422);
    app.post(Staff, &format!("/api/v1/key-loans/{}/return", loan["id"]), json!({"returned_quantity": 1})).await.assert(200);
    assert_eq!(app.get(Staff, &later).await.body["total"], 0);
    app.post(Staff, &format!("/api/v1/key-loans/{}/chases", loan["id"]), json!({"note": "x"})).await.assert(409);
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn k8_a_lost_key_leaves_the_count_and_the_supervisor_resolves_it() {
    let app = spawn().await;
    let k = key(&app, "A-1", "A栋0101", 3).await;
    let kid = k["id"].as_i64().unwrap();
    // A copy lost from the cabinet.
    let inc = app.post(Staff, "/api/v1/key-incidents", json!({"key_id": kid, "kind": "lost", "description": "柜内少一把"})).await;
    inc.assert(201);
    let after = get_key(&app, &k["id"]).await;
    assert_eq!((after["quantity"].as_i64(), after["available"].as_i64()), (Some(2), Some(2)));
    // A copy lost by a borrower: the return then brings back one fewer.
    let loan = lend(&app, kid, 2).await;
    let lost = app.post(Staff, "/api/v1/key-incidents", json!({"key_id": kid, "kind": "lost", "description": "借用人遗失", "loan_id": loan["id"]})).await;
    lost.assert(201);
    app.post(Staff, &format!("/api/v1/key-loans/{}/return", loan["id"]), json!({"returned_quantity": 1})).await.assert(200);
    let after = get_key(&app, &k["id"]).await;
    assert_eq!((after["quantity"].as_i64(), after["available"].as_i64()), (Some(1), Some(1)));
    // The supervisor has a duplicate made with consent.
    let path = format!("/api/v1/key-incidents/{}/resolution", inc.id());
    let body = json!({"consent_from": "developer", "action": "duplicate_key", "outcome": "已配钥匙一把"});
    app.post(Staff, &path, body.clone()).await.assert(403);
    let res = app.post(Supervisor, &path, body.clone()).await;
    res.assert(200);
    assert_eq!(res.body["status"], "resolved");
    assert_eq!(res.body["consent_from"], "developer");
    assert_eq!(res.body["resolved_by"], app.user_id(Supervisor));
    assert_eq!(get_key(&app, &k["id"]).await["quantity"], 2);
    app.post(Supervisor, &path, body).await.assert(409);
    app.post(Supervisor, &path, json!({"consent_from": "neighbour", "action": "duplicate_key", "outcome": "x"})).await.assert(422);
    let open = app.get(Staff, "/api/v1/key-incidents?status=open").await;
    assert_eq!(open.body["total"], 1);
}

#[tokio::test]
async fn k8_a_key_with_no_copy_left_is_lost_and_a_lock_change_retires_it() {
    let app = spawn().await;
    let k = key(&app, "A-1", "A栋0101", 1).await;
    let kid = k["id"].as_i64().unwrap();
    let inc = app.post(Staff, "/api/v1/key-incidents", json!({"key_id": kid, "kind": "lost", "description": "唯一一把遗失"})).await;
    inc.assert(201);
    assert_eq!(get_key(&app, &k["id"]).await["status"], "lost");
    app.post(Staff, "/api/v1/key-incidents", json!({"key_id": kid, "kind": "lost", "description": "again"})).await.assert(409);
    let res = app
        .post(Supervisor, &format!("/api/v1/key-incidents/{}/resolution", inc.id()), json!({"consent_from": "customer", "action": "lock_change", "outcome": "已换锁"}))
        .await;
    res.assert(200);
    assert_eq!(get_key(&app, &k["id"]).await["status"], "retired");
    app.post(Staff, "/api/v1/key-loans", loan_body(kid, 1)).await.assert(409);
}

#[tokio::test]
async fn k9_keys_are_not_handed_over_without_proof_of_identity() {
    let app = spawn().await;
    let k = key(&app, "A-1", "A栋0101", 2).await;
    let path = format!("/api/v1/keys/{}/collect", k["id"]);
    let full = json!({"collector_name": "张伟", "id_document_kind": "id_card", "id_document_no": "110101199001011234", "collector_signature": "张伟"});
    for (field, value) in [("id_document_kind", Value::Null), ("id_document_kind", json!("passport")), ("id_document_no", json!("")), ("id_document_no", Value::Null)] {
        let mut body = full.clone();
        body[field] = value;
        let res = app.post(Staff, &path, body).await;
        res.assert(422);
        assert_eq!(res.error_fields(), vec![field]);
    }
    let res = app.post(Staff, &path, full.clone()).await;
    res.assert(200);
    assert_eq!(res.body["key"]["status"], "collected");
    assert_eq!(res.body["collection"]["collector_name"], "张伟");
    assert_eq!(res.body["collection"]["id_document_kind"], "id_card");
    assert_eq!(res.body["collection"]["id_document_no"], "**************1234");
    assert_eq!(res.body["collection"]["handed_over_by"], app.user_id(Staff));
    app.post(Staff, "/api/v1/key-loans", loan_body(k["id"].as_i64().unwrap(), 1)).await.assert(409);
    app.post(Staff, &path, full).await.assert(409);
}

#[tokio::test]
async fn k9_a_key_with_copies_out_cannot_be_collected() {
    let app = spawn().await;
    let k = key(&app, "A-1", "A栋0101", 2).await;
    lend(&app, k["id"].as_i64().unwrap(), 1).await;
    let res = app
        .post(Staff, &format!("/api/v1/keys/{}/collect", k["id"]), json!({"collector_name": "张伟", "id_document_kind": "customer_card", "id_document_no": "C-778", "collector_signature": "张伟"}))
        .await;
    res.assert(409);
}

#[tokio::test]
async fn the_history_of_a_key_lists_every_event_in_order() {
    let app = spawn().await;
    let e = app.post(Staff, "/api/v1/key-entrustments", entrustment(json!(true))).await;
    let kid = e.body["key_id"].as_i64().unwrap();
    let loan = lend(&app, kid, 2).await;
    app.post(Staff, &format!("/api/v1/key-loans/{}/chases", loan["id"]), json!({"note": "提醒"})).await.assert(201);
    app.post(Staff, &format!("/api/v1/key-loans/{}/return", loan["id"]), json!({"returned_quantity": 2})).await.assert(200);
    app.post(Staff, "/api/v1/key-incidents", json!({"key_id": kid, "kind": "damaged", "description": "齿磨损"})).await.assert(201);
    app.post(Staff, &format!("/api/v1/keys/{kid}/collect"), json!({"collector_name": "张伟", "id_document_kind": "id_card", "id_document_no": "1234567", "collector_signature": "张伟"}))
        .await
        .assert(200);
    let h = app.get(Staff, &format!("/api/v1/keys/{kid}/history")).await;
    h.assert(200);
    let kinds: Vec<&str> = h.body["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["entrusted", "lent", "chased", "returned", "incident", "collected"]);
    app.get(Staff, "/api/v1/keys/999999/history").await.assert(404);
}

#[tokio::test]
async fn the_permission_table_of_the_key_routes_holds() {
    let app = spawn().await;
    let k = key(&app, "A-1", "A栋0101", 2).await;
    let loan = lend(&app, k["id"].as_i64().unwrap(), 1).await;
    let reads: Vec<String> = vec![
        "/api/v1/keys".into(),
        format!("/api/v1/keys/{}", k["id"]),
        format!("/api/v1/keys/{}/history", k["id"]),
        "/api/v1/key-loans".into(),
        "/api/v1/key-loans/overdue".into(),
        format!("/api/v1/key-loans/{}", loan["id"]),
        "/api/v1/key-entrustments".into(),
        "/api/v1/key-incidents".into(),
    ];
    for path in reads {
        for role in Role::ALL {
            app.get(*role, &path).await.assert(200);
        }
        app.raw(Method::GET, &path, None, None, &[]).await.assert(401);
    }
}
