//! Body and query extractors that answer problem+json naming the field at fault:
//! JSON that does not parse is 400; JSON that parses into the wrong shape is 422 (API.md).

use actix_web::dev::Payload;
use actix_web::{http::header, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::error::{ApiError, FieldError};
use crate::http::validate::flatten_errors;

/// A JSON body, parsed and then validated with `validator`.
pub struct Json<T>(pub T);

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let mime = v.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            })
            .unwrap_or(false);
        let limit = req
            .app_data::<web::Data<crate::AppState>>()
            .map(|s| s.settings.body_limit_bytes)
            .unwrap_or(1 << 20);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await.map_err(|e| {
                if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge(limit)
                } else {
                    ApiError::BadRequest("the request body could not be read".into())
                }
            })?;
            if !content_type_ok {
                return Err(ApiError::UnsupportedMediaType);
            }
            let value = parse_json::<T>(&bytes)?;
            value.validate().map_err(|e| ApiError::Validation(flatten_errors(&e)))?;
            Ok(Json(value))
        })
    }
}

/// Parses with the failing path kept, so `{"pending_items":[{"important":"yes"}]}` is
/// reported against `pending_items[0].important`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ApiError::BadRequest("the request body is empty; send a JSON object".into()));
    }
    // Every body of this API is an object; serde would otherwise read a struct from an array.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::field("body", "must be a JSON object"));
    }
    // Syntax first: anything that is not JSON at all is 400, whatever the target type. The
    // body is parsed once; the dates are checked and the target read from that one tree.
    let raw: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {}", strip_position(&e.to_string()))))?;
    check_dates(&raw, "")?;
    let result: Result<T, _> = serde_path_to_error::deserialize(raw);
    match result {
        Ok(v) => Ok(v),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            // The syntax was checked above, so whatever fails here is the shape (serde_json
            // reports e.g. `null` for an enum as a "syntax" error): 422 naming the field.
            let message = strip_position(&inner.to_string());
            let message = if message.contains("expected value") && path != "." { format!("has the wrong type ({message})") } else { message };
            Err(ApiError::Validation(vec![data_error(&path, &message)]))
        }
    }
}

const SIGNED_DATE: &str = "dates and timestamps need a four-digit year (0000-9999)";

/// chrono also reads signed, extended years (`-262143-01-01`); the contract's dates are
/// `YYYY-MM-DD`, and date arithmetic near chrono's limits would overflow. Such values are
/// refused at the edge, for every body and query, naming the field.
fn is_signed_date(s: &str) -> bool {
    let b = s.as_bytes();
    // Free text (a log entry that happens to start like a date) is longer than any timestamp.
    if b.len() < 10 || b.len() > 40 || !matches!(b[0], b'+' | b'-') {
        return false;
    }
    let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    let rest = &b[1 + digits..];
    digits >= 4 && rest.len() >= 6 && rest[0] == b'-' && rest[1..3].iter().all(u8::is_ascii_digit) && rest[3] == b'-' && rest[4..6].iter().all(u8::is_ascii_digit)
}

fn check_dates(v: &serde_json::Value, path: &str) -> Result<(), ApiError> {
    match v {
        serde_json::Value::String(s) if is_signed_date(s) => Err(ApiError::field(if path.is_empty() { "body" } else { path }, SIGNED_DATE)),
        serde_json::Value::Array(items) => items.iter().enumerate().try_for_each(|(i, x)| check_dates(x, &format!("{path}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().try_for_each(|(k, x)| check_dates(x, &if path.is_empty() { k.clone() } else { format!("{path}.{k}") })),
        _ => Ok(()),
    }
}

/// Names the field for serde's "missing field `x`" (reported at the parent path).
fn data_error(path: &str, message: &str) -> FieldError {
    let parent = if path == "." { "" } else { path };
    if let Some(name) = message.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
        let field = if parent.is_empty() { name.to_string() } else { format!("{parent}.{name}") };
        return FieldError::new(field, "is required");
    }
    let field = if parent.is_empty() { "body".to_string() } else { parent.to_string() };
    let message = if message.starts_with("invalid type: null") { "is required".to_string() } else { message.to_string() };
    FieldError::new(field, message)
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Query-string parameters; a value of the wrong type or an unknown enum value is 422
/// naming the parameter.
pub struct Query<T>(pub T);

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + Validate> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

pub fn parse_query<T: DeserializeOwned + Validate>(qs: &str) -> Result<T, ApiError> {
    for (key, value) in form_urlencoded::parse(qs.as_bytes()) {
        if is_signed_date(&value) {
            return Err(ApiError::field(&key, SIGNED_DATE));
        }
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(qs.as_bytes()));
    let value: T = serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        let field = if path == "." {
            message.split('`').nth(1).unwrap_or("query").to_string()
        } else {
            path
        };
        let message = if message.contains("invalid digit") || message.contains("invalid") && message.contains("integer") {
            "must be an integer".to_string()
        } else {
            message
        };
        ApiError::Validation(vec![FieldError::new(field, message)])
    })?;
    value.validate().map_err(|e| ApiError::Validation(flatten_errors(&e)))?;
    Ok(value)
}

/// A path id that is not a number names no record: 404, not 500.
/// When a literal route of the same shape exists under other methods (`GET
/// /vacant-units/status-tables` reaching `/vacant-units/{id}`), the answer is its 405.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, req| {
        if let Some(table) = req.app_data::<web::Data<crate::http::fallback::RouteTable>>() {
            let allowed = table.allowed(req.path());
            if !allowed.is_empty() && !allowed.iter().any(|m| m == req.method().as_str()) {
                return ApiError::MethodNotAllowed(allowed).into();
            }
        }
        ApiError::NotFound(format!("no such record ({err})")).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Validate, Debug)]
    #[allow(dead_code)]
    struct Item {
        description: String,
        important: bool,
    }

    #[derive(Deserialize, Validate, Debug)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        items: Vec<Item>,
    }

    fn field_of(r: Result<Body, ApiError>) -> String {
        match r {
            Err(ApiError::Validation(e)) => e[0].field.clone(),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        assert!(matches!(parse_json::<Body>(b"{\"name\":"), Err(ApiError::BadRequest(_))));
        assert!(matches!(parse_json::<Body>(b""), Err(ApiError::BadRequest(_))));
        assert!(matches!(parse_json::<Body>(b"{\"name\":\"a\",\"items\":[]} x"), Err(ApiError::BadRequest(_))));
    }

    #[test]
    fn signed_extended_years_are_refused_naming_the_field() {
        assert!(is_signed_date("-262143-01-01"));
        assert!(is_signed_date("+262143-12-31T00:00:00Z"));
        assert!(!is_signed_date("2026-11-28"));
        assert!(!is_signed_date("+8613800000000"));
        assert!(!is_signed_date("+86-10-12345678"));
        match parse_json::<Body>(br#"{"name":"a","items":[{"description":"-262143-01-01","important":true}]}"#) {
            Err(ApiError::Validation(e)) => assert_eq!(e[0].field, "items[0].description"),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn wrong_shapes_name_the_field() {
        assert_eq!(field_of(parse_json(b"{\"items\":[]}")), "name");
        assert_eq!(field_of(parse_json(b"{\"name\":5,\"items\":[]}")), "name");
        assert_eq!(field_of(parse_json(b"{\"name\":null,\"items\":[]}")), "name");
        assert_eq!(
            field_of(parse_json(b"{\"name\":\"a\",\"items\":[{\"description\":\"x\",\"important\":\"yes\"}]}")),
            "items[0].important"
        );
        assert_eq!(field_of(parse_json(b"{\"name\":\"a\",\"items\":[{\"description\":\"x\"}]}")), "items[0].important");
        assert_eq!(field_of(parse_json(b"[1,2]")), "body");
    }
}
