//! The duty log: append, read, verify. No update or delete exists (D-3).

use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::log_store::{self, ChainReport, Entry, EntryFilter, NewEntry};
use crate::auth::{AuthUser, DeputySupervisor, Require};
use crate::error::{ApiError, ApiResult};
use crate::http::csv::CsvRow;
use crate::http::validate::{not_blank, LONG_TEXT};
use crate::http::{created, Json, ListResponse, Page, PageParams, Paginated, Query};
use crate::AppState;

/// A new duty log entry. To correct an earlier entry, name it in `corrects_entry_id` and
/// say why in `correction_reason` (D-3); the original stays as it was.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[validate(schema(function = correction_needs_reason))]
#[schema(example = json!({"shift_id": 1, "content": "14:20 三楼扶梯异响，已报工程部", "occurred_at": "2026-11-28T06:20:00Z"}))]
pub struct CreateEntryRequest {
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub shift_id: i64,
    /// What was handled, in detail (D-2).
    #[validate(length(min = 1, max = LONG_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub content: String,
    /// When it happened (default: now). Decides the business day of the entry.
    pub occurred_at: Option<DateTime<Utc>>,
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub corrects_entry_id: Option<i64>,
    /// Required with `corrects_entry_id`.
    #[validate(length(min = 1, max = 2000), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub correction_reason: Option<String>,
}

fn correction_needs_reason(r: &CreateEntryRequest) -> Result<(), ValidationError> {
    if r.corrects_entry_id.is_some() && r.correction_reason.is_none() {
        let mut e = ValidationError::new("correction_reason");
        e.message = Some("a correction needs correction_reason (D-3)".into());
        return Err(e);
    }
    Ok(())
}

impl CsvRow for Entry {
    const CSV_COLUMNS: &'static [&'static str] = &[
        "id", "seq", "shift_id", "author_id", "log_date", "occurred_at", "recorded_at", "content",
        "corrects_entry_id", "correction_reason", "hash",
    ];
}

/// An entry with the later entries that correct it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDetail {
    #[serde(flatten)]
    pub entry: Entry,
    pub corrections: Vec<Entry>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryQuery {
    #[validate(range(min = 1))]
    #[param(minimum = 1)]
    pub shift_id: Option<i64>,
    /// The local business day.
    pub date: Option<NaiveDate>,
}

/// How far ahead of the server clock an `occurred_at` may lie (clock skew).
const FUTURE_SKEW: Duration = Duration::minutes(5);

/// Append an entry to the duty log (the shift's staff member, or deputy supervisor+).
#[utoipa::path(tag = "duty", request_body = CreateEntryRequest, responses(
    (status = 201, body = Entry, headers(("Location" = String)))))]
#[post("/duty/log-entries")]
pub async fn create_entry(state: web::Data<AppState>, user: AuthUser, body: Json<CreateEntryRequest>) -> ApiResult<HttpResponse> {
    let b = body.0;
    if b.occurred_at.is_some_and(|t| t > Utc::now() + FUTURE_SKEW) {
        return Err(ApiError::field("occurred_at", "must not be in the future"));
    }
    // A correction reason without a correction is meaningless; drop it rather than store it.
    let correction_reason = b.corrects_entry_id.and(b.correction_reason);
    let new = NewEntry { shift_id: b.shift_id, content: b.content, occurred_at: b.occurred_at, corrects_entry_id: b.corrects_entry_id, correction_reason };
    let tz = state.settings.timezone;
    let entry = state.db(move |c| log_store::append(c, &user, tz, new)).await?;
    Ok(created(format!("/api/v1/duty/log-entries/{}", entry.id), entry))
}

/// Recompute the hash chain and report the first entry that no longer matches (deputy supervisor+).
#[utoipa::path(tag = "duty", responses((status = 200, body = ChainReport)))]
#[get("/duty/log-entries/verify")]
pub async fn verify(state: web::Data<AppState>, _caller: Require<DeputySupervisor>) -> ApiResult<web::Json<ChainReport>> {
    Ok(web::Json(state.db(log_store::verify).await?))
}

/// The duty log in chain order, by shift or by business day.
#[utoipa::path(tag = "duty", params(EntryQuery, PageParams), responses((status = 200, content(
    (Paginated<Entry> = "application/json"), (String = "text/csv")))))]
#[get("/duty/log-entries")]
pub async fn list_entries(
    state: web::Data<AppState>,
    _user: AuthUser,
    query: Query<EntryQuery>,
    paging: Query<PageParams>,
) -> ApiResult<ListResponse<Entry>> {
    let filter = EntryFilter { shift_id: query.shift_id, date: query.date };
    let page = Page::from(&paging.0);
    let (items, total) = state.db(move |c| log_store::list(c, &filter, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// One entry with its corrections.
///
/// The log is append-only (D-3): `PUT`, `PATCH` and `DELETE` on an entry answer 405.
#[utoipa::path(tag = "duty", params(("id" = i64, Path)), responses((status = 200, body = EntryDetail), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/duty/log-entries/{id}")]
pub async fn get_entry(state: web::Data<AppState>, _user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<EntryDetail>> {
    let id = id.into_inner();
    let detail = state
        .db(move |c| {
            let entry = log_store::find(c, id)?;
            let corrections = log_store::corrections_of(c, id)?;
            Ok(EntryDetail { entry, corrections })
        })
        .await?;
    Ok(web::Json(detail))
}

fn append_only() -> ApiError {
    ApiError::Immutable {
        rule: "D-3",
        message: "the duty log is append-only: post a correcting entry with corrects_entry_id instead".into(),
        allow: vec!["GET".into(), "HEAD".into()],
    }
}

/// Not allowed: the duty log is append-only (D-3).
#[put("/duty/log-entries/{id}")]
pub async fn put_entry(_id: web::Path<String>) -> ApiResult<HttpResponse> {
    Err(append_only())
}

/// Not allowed: the duty log is append-only (D-3).
#[patch("/duty/log-entries/{id}")]
pub async fn patch_entry(_id: web::Path<String>) -> ApiResult<HttpResponse> {
    Err(append_only())
}

/// Not allowed: pages may not be torn out of the duty log (D-3).
#[delete("/duty/log-entries/{id}")]
pub async fn delete_entry(_id: web::Path<String>) -> ApiResult<HttpResponse> {
    Err(append_only())
}
