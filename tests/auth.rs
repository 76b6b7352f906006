//! Auth and users through the HTTP API, as a client would use them.

mod common;

use common::{spawn, spawn_with, PASSWORD};
use mall_service::auth::Role::{self, *};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn login_returns_a_bearer_token_that_opens_me() {
    let app = spawn().await;
    let res = app.raw(Method::POST, "/api/v1/auth/login", None, Some(&json!({"username":"staff-1","password":PASSWORD})), &[]).await;
    res.assert(200);
    assert_eq!(res.body["token_type"], "Bearer");
    assert!(res.body["expires_in"].as_i64().unwrap() > 0);
    assert_eq!(res.body["user"]["role"], "staff");
    assert_eq!(res.body["user"]["username"], "staff-1");
    let token = res.body["access_token"].as_str().unwrap().to_string();
    let me = app.get_as(&token, "/api/v1/auth/me").await;
    me.assert(200);
    assert_eq!(me.body["username"], "staff-1");
    assert_eq!(me.body["display_name"], "staff-1 测试");
    assert!(me.body.get("password_hash").is_none());
}

#[tokio::test]
async fn login_failures_answer_the_same_401_whether_or_not_the_user_exists() {
    let app = spawn().await;
    let wrong = app.raw(Method::POST, "/api/v1/auth/login", None, Some(&json!({"username":"staff-1","password":"wrong-password"})), &[]).await;
    let unknown = app.raw(Method::POST, "/api/v1/auth/login", None, Some(&json!({"username":"nobody","password":"wrong-password"})), &[]).await;
    wrong.assert(401);
    unknown.assert(401);
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.header("www-authenticate").as_deref(), Some("Bearer"));
}

#[tokio::test]
async fn requests_without_a_valid_token_get_401_with_www_authenticate() {
    let app = spawn().await;
    for token in [None, Some("garbage"), Some("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.bad")] {
        let res = app.raw(Method::GET, "/api/v1/auth/me", token, None, &[]).await;
        res.assert(401);
        assert_eq!(res.header("www-authenticate").as_deref(), Some("Bearer"));
    }
    let res = app.raw(Method::GET, "/api/v1/auth/me", None, None, &[("authorization", "Basic dXNlcjpwYXNz")]).await;
    res.assert(401);
    // A token signed with another secret is refused.
    let foreign = mall_service::auth::jwt::JwtKeys::new("some-other-secret-long-enough-for-it", 60).issue(1, Manager).unwrap();
    app.get_as(&foreign, "/api/v1/auth/me").await.assert(401);
    // An expired token is refused.
    let expired = mall_service::auth::jwt::JwtKeys::new("test-secret-that-is-long-enough-for-hs256", -5).issue(1, Manager).unwrap();
    let res = app.get_as(&expired, "/api/v1/auth/me").await;
    res.assert(401);
    assert!(res.body["detail"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn a_deactivated_user_cannot_log_in_and_its_tokens_stop_working() {
    let app = spawn().await;
    let (id, token) = app.create_user(Staff, "leaver").await;
    app.get_as(&token, "/api/v1/auth/me").await.assert(200);
    let res = app.patch(Manager, &format!("/api/v1/users/{id}"), json!({"active": false})).await;
    res.assert(200);
    assert_eq!(res.body["active"], false);
    app.get_as(&token, "/api/v1/auth/me").await.assert(401);
    let login = app.raw(Method::POST, "/api/v1/auth/login", None, Some(&json!({"username":"leaver","password":PASSWORD})), &[]).await;
    login.assert(401);
    assert_eq!(app.audit_count("user.update").await, 1);
}

#[tokio::test]
async fn a_demoted_user_loses_the_higher_role_at_once() {
    let app = spawn().await;
    let (id, token) = app.create_user(Supervisor, "demoted").await;
    app.get_as(&token, "/api/v1/users").await.assert(200);
    app.patch(Manager, &format!("/api/v1/users/{id}"), json!({"role": "staff"})).await.assert(200);
    app.get_as(&token, "/api/v1/users").await.assert(403);
}

#[tokio::test]
async fn a_manager_creates_users_with_argon2_hashes_and_unique_names() {
    let app = spawn().await;
    let body = json!({"username":"wang.fang","password":"a-long-secret","display_name":"王芳","role":"deputy_supervisor","phone":"13800000000","department":"客服部"});
    let res = app.post(Manager, "/api/v1/users", body.clone()).await;
    res.assert(201);
    let id = res.id();
    assert_eq!(res.header("location"), Some(format!("/api/v1/users/{id}")));
    assert_eq!(res.body["display_name"], "王芳");
    assert_eq!(res.body["role"], "deputy_supervisor");
    let login = app.raw(Method::POST, "/api/v1/auth/login", None, Some(&json!({"username":"wang.fang","password":"a-long-secret"})), &[]).await;
    login.assert(200);
    let dup = app.post(Manager, "/api/v1/users", body).await;
    dup.assert(409);
    assert_eq!(dup.error_fields(), vec!["username"]);
    // The audit trail masks the phone number.
    let stored = app
        .state
        .db(|c| {
            use diesel::prelude::*;
            use mall_service::db::schema::{audit_events::dsl as a, users::dsl as u};
            let hash: String = u::users.filter(u::username.eq("wang.fang")).select(u::password_hash).first(c)?;
            let after: Option<String> = a::audit_events.filter(a::action.eq("user.create")).order(a::id.desc()).select(a::after_json).first(c)?;
            Ok((hash, after.unwrap_or_default()))
        })
        .await
        .unwrap();
    assert!(stored.0.starts_with("$argon2id$"));
    assert!(!stored.1.contains("13800000000"));
    assert!(stored.1.contains("王芳"));
}

#[tokio::test]
async fn passwords_shorter_than_10_characters_are_refused() {
    let app = spawn().await;
    let res = app.post(Manager, "/api/v1/users", json!({"username":"x","password":"short","display_name":"X","role":"staff"})).await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["password"]);
}

#[tokio::test]
async fn the_last_active_manager_cannot_be_deactivated_or_demoted() {
    let app = spawn().await;
    let id = app.user_id(Manager);
    app.patch(Manager, &format!("/api/v1/users/{id}"), json!({"active": false})).await.assert(409);
    app.patch(Manager, &format!("/api/v1/users/{id}"), json!({"role": "staff"})).await.assert(409);
    let (other, _) = app.create_user(Manager, "second-manager").await;
    app.patch(Manager, &format!("/api/v1/users/{other}"), json!({"active": false})).await.assert(200);
}

#[tokio::test]
async fn the_permission_table_of_the_user_routes_holds() {
    let app = spawn().await;
    let target = app.user_id(Staff);
    // (method, path, body, lowest role allowed)
    let routes: Vec<(Method, String, Option<serde_json::Value>, Role)> = vec![
        (Method::GET, "/api/v1/auth/me".into(), None, Staff),
        (Method::GET, "/api/v1/users".into(), None, Supervisor),
        (Method::GET, format!("/api/v1/users/{target}"), None, Supervisor),
        (Method::PATCH, format!("/api/v1/users/{target}"), Some(json!({"department":"客服部"})), Manager),
    ];
    for (method, path, body, min) in routes {
        for role in Role::ALL {
            let res = app.raw(method.clone(), &path, Some(app.token(*role)), body.as_ref(), &[]).await;
            let expected = if *role >= min { 200 } else { 403 };
            assert_eq!(res.status, expected, "{method} {path} as {role}: {}", res.text);
        }
    }
    for role in Role::ALL {
        let res = app
            .post(*role, "/api/v1/users", json!({"username":format!("new-{role}"),"password":"a-long-secret","display_name":"N","role":"staff"}))
            .await;
        assert_eq!(res.status, if *role == Manager { 201 } else { 403 }, "POST /users as {role}");
    }
}

#[tokio::test]
async fn the_user_list_is_paginated_filtered_and_exports_csv() {
    let app = spawn().await;
    for i in 0..5 {
        app.create_user(Staff, &format!("extra-{i}")).await;
    }
    let res = app.get(Supervisor, "/api/v1/users?per_page=3&page=2").await;
    res.assert(200);
    assert_eq!(res.body["total"], 9);
    assert_eq!(res.body["page"], 2);
    assert_eq!(res.body["per_page"], 3);
    assert_eq!(res.body["items"].as_array().unwrap().len(), 3);
    let staff = app.get(Supervisor, "/api/v1/users?role=staff&q=extra").await;
    assert_eq!(staff.body["total"], 5);
    let csv = app.raw(Method::GET, "/api/v1/users?role=manager", Some(app.token(Manager)), None, &[("accept", "text/csv")]).await;
    csv.assert(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.text.starts_with('\u{feff}'));
    let lines: Vec<&str> = csv.text.trim_start_matches('\u{feff}').trim_end().split("\r\n").collect();
    assert_eq!(lines[0], "id,username,display_name,role,phone,department,active,created_at,updated_at");
    assert_eq!(lines.len(), 2);
    assert!(lines[1].contains("manager-1 测试"));
    for bad in ["per_page=0", "per_page=201", "page=0", "page=-1", "per_page=abc", "active=maybe"] {
        let res = app.get(Supervisor, &format!("/api/v1/users?{bad}")).await;
        res.assert(422);
        assert_eq!(res.error_fields().len(), 1, "{bad}: {}", res.text);
    }
}

#[tokio::test]
async fn the_first_start_creates_the_admin_manager_once() {
    let (url, _db) = common::fresh_database();
    let settings = common::test_settings(&url, &[("ADMIN_USERNAME", "admin"), ("ADMIN_PASSWORD", "first-admin-pw")]);
    let state = mall_service::AppState::new(settings.clone()).unwrap();
    let again = mall_service::AppState::new(settings).unwrap();
    let users = again.db(|c| mall_service::auth::store::count(c)).await.unwrap();
    assert_eq!(users, 1);
    let admin = state.db(|c| mall_service::auth::store::find_by_username(c, "admin")).await.unwrap().unwrap();
    assert_eq!(admin.role, Manager);
    assert!(mall_service::auth::password::verify("first-admin-pw", &admin.password_hash));
}


#[tokio::test]
async fn a_login_flood_gets_429_and_does_not_starve_other_requests() {
    // One hash at a time, four waiting: the rest of a burst of 40 logins is refused at once.
    let app = spawn_with(&[("HASH_CONCURRENCY", "1")]).await;
    let body = json!({"username": "staff-1", "password": common::PASSWORD});
    let logins = futures_util::future::join_all((0..40).map(|_| app.raw(Method::POST, "/api/v1/auth/login", None, Some(&body), &[])));
    let reads = async {
        let mut statuses = Vec::new();
        for _ in 0..10 {
            statuses.push(app.get(Role::Staff, "/api/v1/auth/me").await.status);
        }
        statuses
    };
    let (logins, reads) = tokio::join!(logins, reads);
    let ok = logins.iter().filter(|r| r.status == 200).count();
    let refused: Vec<_> = logins.iter().filter(|r| r.status == 429).collect();
    assert!(ok >= 1, "some logins get through");
    assert!(!refused.is_empty(), "the queue is bounded");
    assert_eq!(ok + refused.len(), 40, "only 200 or 429");
    refused[0].assert(429);
    assert!(reads.iter().all(|s| *s == 200), "reads keep being answered: {reads:?}");
}
