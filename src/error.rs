//! One error type for the whole API, rendered as `application/problem+json` (RFC 9457).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::ToSchema;

/// One field that failed validation; `field` is a JSON path such as `pending_items[0].description`.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    #[schema(example = "username")]
    pub field: String,
    #[schema(example = "must not be empty")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// An RFC 9457 problem document. Every non-2xx answer of this API has this shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem.
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation")]
    pub kind: String,
    #[schema(example = "Validation failed")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    #[schema(example = "the request body has invalid fields")]
    pub detail: String,
    /// The fields at fault (empty when the problem is not about a field).
    pub errors: Vec<FieldError>,
    /// The domain rule that refused the request, e.g. `D-8`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "D-8")]
    pub rule: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed(Vec<String>),
    /// A register that may not be changed this way (e.g. the append-only duty log, D-3).
    #[error("{rule}: {message}")]
    Immutable { rule: &'static str, message: String, allow: Vec<String> },
    #[error("conflict: {0}")]
    Conflict(String),
    /// A unique value is already taken (409, naming the field).
    #[error("duplicate {0}")]
    Duplicate(String),
    /// A business rule of DOMAIN.md refused the request (422).
    #[error("{rule}: {message}")]
    Rule { rule: &'static str, message: String, errors: Vec<FieldError> },
    #[error("payload too large")]
    PayloadTooLarge(usize),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("too many requests")]
    TooManyRequests,
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn rule(rule: &'static str, field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::Rule { rule, errors: vec![FieldError::new(field, message.clone())], message }
    }

    fn slug_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("bad-request", "Bad request"),
            ApiError::Validation(_) => ("validation", "Validation failed"),
            ApiError::Unauthorized(_) => ("unauthorized", "Unauthorized"),
            ApiError::Forbidden(_) => ("forbidden", "Forbidden"),
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::MethodNotAllowed(_) | ApiError::Immutable { .. } => ("method-not-allowed", "Method not allowed"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::Duplicate(_) => ("duplicate", "Already exists"),
            ApiError::Rule { .. } => ("business-rule", "Business rule violated"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            ApiError::UnsupportedMediaType => ("unsupported-media-type", "Unsupported media type"),
            ApiError::TooManyRequests => ("too-many-requests", "Too many requests"),
            ApiError::Unavailable(_) => ("service-unavailable", "Service unavailable"),
            ApiError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::BadRequest(m)
            | ApiError::Unauthorized(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m) => m.clone(),
            ApiError::Validation(errs) => match errs.as_slice() {
                [one] => format!("{}: {}", one.field, one.message),
                _ => "the request has invalid fields".into(),
            },
            ApiError::Rule { message, .. } | ApiError::Immutable { message, .. } => message.clone(),
            ApiError::Duplicate(field) => format!("{field} is already taken"),
            ApiError::MethodNotAllowed(allow) => format!("allowed: {}", allow.join(", ")),
            ApiError::PayloadTooLarge(limit) => format!("the request body exceeds {limit} bytes"),
            ApiError::UnsupportedMediaType => "send the body as application/json".into(),
            ApiError::TooManyRequests => "the server is busy, retry shortly".into(),
            // The cause stays in the log; clients learn nothing about internals.
            ApiError::Unavailable(_) => "the database is unavailable, retry shortly".into(),
            ApiError::Internal(_) => "an unexpected error occurred; it has been logged".into(),
        }
    }

    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_title();
        let errors = match self {
            ApiError::Validation(e) => e.clone(),
            ApiError::Rule { errors, .. } => errors.clone(),
            ApiError::Duplicate(field) => vec![FieldError::new(field.clone(), "is already taken")],
            _ => vec![],
        };
        Problem {
            kind: format!("/problems/{slug}"),
            title: title.into(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            errors,
            rule: match self {
                ApiError::Rule { rule, .. } | ApiError::Immutable { rule, .. } => Some((*rule).to_string()),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) | ApiError::Rule { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) | ApiError::Immutable { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) | ApiError::Duplicate(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(cause) => tracing::error!(%cause, "internal error"),
            ApiError::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            _ => {}
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            ApiError::Unauthorized(_) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::MethodNotAllowed(allow) | ApiError::Immutable { allow, .. } => {
                res.insert_header((header::ALLOW, allow.join(", ")));
            }
            ApiError::TooManyRequests | ApiError::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, "1"));
            }
            _ => {}
        }
        res.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

/// Maps a unique-constraint name to the field it guards: SQLite says
/// `UNIQUE constraint failed: users.username`, PostgreSQL names `users_username_key`.
fn unique_field(info: &dyn diesel::result::DatabaseErrorInformation) -> String {
    if let Some(name) = info.constraint_name() {
        let name = name.strip_suffix("_key").unwrap_or(name);
        let name = match info.table_name() {
            Some(t) => name.strip_prefix(&format!("{t}_")).unwrap_or(name),
            None => name,
        };
        return name.to_string();
    }
    let msg = info.message();
    msg.rsplit(": ")
        .next()
        .and_then(|cols| cols.split(',').next())
        .and_then(|col| col.trim().rsplit('.').next())
        .unwrap_or("id")
        .to_string()
}

impl From<DieselError> for ApiError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => ApiError::NotFound("no such record".into()),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                ApiError::Duplicate(unique_field(info.as_ref()))
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                ApiError::field("id", format!("refers to a record that does not exist ({})", info.message()))
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::Conflict("the record was changed concurrently, retry".into())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, info) => {
                ApiError::Unavailable(info.message().to_string())
            }
            DieselError::DatabaseError(_, info) if is_unavailable(info.message()) => {
                ApiError::Unavailable(info.message().to_string())
            }
            other if is_unavailable(&other.to_string()) => ApiError::Unavailable(other.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// A locked SQLite file, or a PostgreSQL server that went away, is shutting down or is not
/// yet back: the request may succeed on retry, so 503 rather than 500.
fn is_unavailable(msg: &str) -> bool {
    const SIGNS: [&str; 12] = [
        "database is locked",
        "database is busy",
        "server closed the connection",
        "terminating connection",
        "the database system is",
        "no connection to the server",
        "could not receive data from server",
        "could not send data to server",
        "connection to server",
        "connection has been closed",
        "Connection refused",
        "canceling statement due to conflict",
    ];
    SIGNS.iter().any(|s| msg.contains(s))
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        ApiError::Unavailable(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_documents_carry_status_and_fields() {
        let p = ApiError::field("username", "must not be empty").problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.errors[0].field, "username");
        let p = ApiError::rule("D-8", "pending_items[0]", "important work unfinished").problem();
        assert_eq!(p.rule.as_deref(), Some("D-8"));
        assert_eq!(ApiError::Internal("secret cause".into()).problem().detail.contains("secret"), false);
    }

    #[test]
    fn a_database_that_went_away_is_503_not_500() {
        use diesel::result::DatabaseErrorInformation;
        struct Info(&'static str);
        impl DatabaseErrorInformation for Info {
            fn message(&self) -> &str {
                self.0
            }
            fn details(&self) -> Option<&str> {
                None
            }
            fn hint(&self) -> Option<&str> {
                None
            }
            fn table_name(&self) -> Option<&str> {
                None
            }
            fn column_name(&self) -> Option<&str> {
                None
            }
            fn constraint_name(&self) -> Option<&str> {
                None
            }
            fn statement_position(&self) -> Option<i32> {
                None
            }
        }
        for msg in [
            "terminating connection due to administrator command",
            "the database system is shutting down",
            "server closed the connection unexpectedly",
            "database is locked",
        ] {
            let e = ApiError::from(DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(Info(msg))));
            assert_eq!(e.problem().status, 503, "{msg}");
        }
        let e = ApiError::from(DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(Info("syntax error"))));
        assert_eq!(e.problem().status, 500);
    }
}
