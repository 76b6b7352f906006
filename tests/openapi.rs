//! The committed `openapi/openapi.json` is a snapshot of the code's document.

mod common;

use reqwest::Method;

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = mall_service::openapi().to_pretty_json().unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `cargo run -- print-openapi openapi/openapi.json` (or UPDATE_OPENAPI=1 cargo test --test openapi) and commit it"
    );
}

#[test]
fn every_protected_operation_declares_bearer_security_and_problem_answers() {
    let api = serde_json::to_value(mall_service::openapi()).unwrap();
    assert!(api["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(api["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    for (path, item) in api["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let public = path == "/api/v1/auth/login" || path == "/healthz";
            assert_eq!(op.get("security").is_some(), !public, "{method} {path}");
            assert!(op["responses"].get("default").is_some(), "{method} {path}");
            assert!(op.get("tags").is_some(), "{method} {path} has no tag");
            if op.get("requestBody").is_some() {
                let schema = &op["requestBody"]["content"]["application/json"];
                assert!(schema.get("schema").is_some(), "{method} {path}");
            }
        }
    }
}

#[tokio::test]
async fn the_spec_and_swagger_ui_are_served() {
    let app = common::spawn().await;
    let res = app.raw(Method::GET, "/api-docs/openapi.json", None, None, &[]).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body, serde_json::to_value(mall_service::openapi()).unwrap());
    let ui = app.raw(Method::GET, "/swagger-ui/", None, None, &[]).await;
    assert_eq!(ui.status, 200);
    assert!(ui.text.contains("swagger"), "{}", &ui.text[..ui.text.len().min(200)]);
}
