//! Every error class of the contract, health, request ids and CORS, through HTTP.

mod common;

use std::time::Duration;

use common::{spawn, spawn_state, spawn_with};
use mall_service::auth::Role::*;
use reqwest::Method;
use serde_json::json;

const USERS: &str = "/api/v1/users";

#[tokio::test]
async fn malformed_json_is_400_problem_json() {
    let app = spawn().await;
    for body in [&b"{\"username\": "[..], b"not json", b"", b"{\"a\":1} trailing"] {
        let res = app.post_raw(Manager, USERS, "application/json", body.to_vec()).await;
        res.assert(400);
        assert_eq!(res.body["status"], 400);
        assert_eq!(res.body["type"], "/problems/bad-request");
    }
}

#[tokio::test]
async fn wrong_types_missing_fields_nulls_and_unknown_enums_are_422_naming_the_field() {
    let app = spawn().await;
    let base = json!({"username":"ok.name","password":"a-long-secret","display_name":"名","role":"staff"});
    let cases = [
        ("username", json!(42)),
        ("password", serde_json::Value::Null),
        ("role", json!("boss")),
        ("display_name", json!("")),
        ("display_name", json!("   ")),
        ("display_name", json!("x".repeat(100_000))),
        ("phone", json!(["13800000000"])),
    ];
    for (field, value) in cases {
        let mut body = base.clone();
        body[field] = value;
        let res = app.post(Manager, USERS, body).await;
        res.assert(422);
        assert_eq!(res.error_fields(), vec![field.to_string()], "{}", res.text);
    }
    let mut missing = base.clone();
    missing.as_object_mut().unwrap().remove("role");
    let res = app.post(Manager, USERS, missing).await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["role"]);
    let res = app.post(Manager, USERS, json!([1, 2])).await;
    res.assert(422);
    // A patch with an unknown field is refused rather than silently ignored.
    let id = app.user_id(Staff);
    let res = app.patch(Manager, &format!("{USERS}/{id}"), json!({"rolle": "manager"})).await;
    res.assert(422);
}

#[tokio::test]
async fn dates_with_signed_extended_years_are_422_not_500() {
    let app = spawn().await;
    let res = app.get(Staff, "/api/v1/arrears/due-follow-ups?on=-262143-01-01").await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["on"]);
    let res = app
        .post(Staff, "/api/v1/service-records", json!({"kind": "repair", "category": "x", "description": "y", "completed_at": "-262143-01-01T00:00:00Z"}))
        .await;
    res.assert(422);
    assert_eq!(res.error_fields(), vec!["completed_at"]);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = spawn_with(&[("BODY_LIMIT_BYTES", "2048")]).await;
    let big = json!({"username":"x","password":"a-long-secret","display_name":"y".repeat(4096),"role":"staff"});
    let res = app.post(Manager, USERS, big).await;
    res.assert(413);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = spawn().await;
    let res = app.post_raw(Manager, USERS, "text/plain", b"{}".to_vec()).await;
    res.assert(415);
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let app = spawn().await;
    let res = app.get(Manager, "/api/v1/no-such-register").await;
    res.assert(404);
    let res = app.raw(Method::DELETE, &format!("{USERS}/1"), Some(app.token(Manager)), None, &[]).await;
    res.assert(405);
    let allow = res.header("allow").unwrap();
    assert!(allow.contains("GET") && allow.contains("PATCH"), "{allow}");
    let res = app.raw(Method::PUT, "/api/v1/auth/login", None, None, &[]).await;
    res.assert(405);
    assert_eq!(res.header("allow").as_deref(), Some("POST"));
    // A literal route wins over a `{id}` route of the same shape, as in the router.
    for method in [Method::DELETE, Method::GET] {
        let res = app.raw(method, "/api/v1/vacant-units/status-tables", Some(app.token(Manager)), None, &[]).await;
        res.assert(405);
        assert_eq!(res.header("allow").as_deref(), Some("POST"));
    }
}

#[tokio::test]
async fn ids_that_are_not_numbers_or_do_not_exist_are_404() {
    let app = spawn().await;
    app.get(Manager, "/api/v1/users/abc").await.assert(404);
    app.get(Manager, "/api/v1/users/99999999").await.assert(404);
    app.get(Manager, "/api/v1/users/-1").await.assert(404);
    app.get(Manager, "/api/v1/users/99999999999999999999999").await.assert(404);
}

#[tokio::test]
async fn every_response_carries_a_request_id_echoed_when_sent() {
    let app = spawn().await;
    let res = app.raw(Method::GET, "/healthz", None, None, &[("x-request-id", "abc-123")]).await;
    assert_eq!(res.header("x-request-id").as_deref(), Some("abc-123"));
    let res = app.raw(Method::GET, "/api/v1/nothing", None, None, &[]).await;
    assert!(res.header("x-request-id").is_some_and(|v| v.len() >= 16));
    // A hostile id is replaced, not echoed.
    let res = app.raw(Method::GET, "/healthz", None, None, &[("x-request-id", "a b<script>")]).await;
    assert_ne!(res.header("x-request-id").as_deref(), Some("a b<script>"));
}

#[tokio::test]
async fn health_reports_the_database() {
    let app = spawn().await;
    let res = app.raw(Method::GET, "/healthz", None, None, &[]).await;
    res.assert(200);
    assert_eq!(res.body["status"], "ok");
    assert_eq!(res.body["database"], "up");
    assert_eq!(res.body["backend"], common::backend());
}

#[tokio::test]
async fn an_unreachable_database_gives_503_problem_json_and_an_unhealthy_healthz() {
    let settings = common::test_settings("postgres://nobody@127.0.0.1:1/none?connect_timeout=1", &[]);
    let pool = diesel::r2d2::Pool::builder()
        .max_size(2)
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(1))
        .build_unchecked(mall_service::db::Manager::new(settings.database_url.clone()));
    let state = mall_service::AppState::with_pool(settings, pool).unwrap();
    let app = spawn_state(state);
    let res = app.raw(Method::GET, "/healthz", None, None, &[]).await;
    assert_eq!(res.status, 503);
    assert_eq!(res.body["database"], "down");
    let res = app.raw(Method::POST, "/api/v1/auth/login", None, Some(&json!({"username":"a","password":"b"})), &[]).await;
    res.assert(503);
    assert!(!res.text.contains("127.0.0.1"), "internals leaked: {}", res.text);
}

#[tokio::test]
async fn cors_allows_configured_origins_with_authorization() {
    let app = spawn_with(&[("CORS_ALLOWED_ORIGINS", "https://app.example.com")]).await;
    let res = app
        .raw(
            Method::OPTIONS,
            "/api/v1/auth/me",
            None,
            None,
            &[("origin", "https://app.example.com"), ("access-control-request-method", "GET"), ("access-control-request-headers", "authorization")],
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("access-control-allow-origin").as_deref(), Some("https://app.example.com"));
    assert!(res.header("access-control-allow-headers").unwrap_or_default().to_lowercase().contains("authorization"));
    let res = app.raw(Method::GET, "/healthz", None, None, &[("origin", "https://evil.example.com")]).await;
    assert!(res.header("access-control-allow-origin").is_none());
}
