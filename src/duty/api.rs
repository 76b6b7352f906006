//! Roster (`/duty/shifts`) and daily reviews (`/duty/reviews`).

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rules;
use super::store::{self, NewShift, Review, Shift, ShiftFilter};
use crate::auth::{AuthUser, DeputySupervisor, Require};
use crate::error::{ApiError, ApiResult};
use crate::http::csv::CsvRow;
use crate::http::validate::{not_blank, LONG_TEXT, SHORT_TEXT};
use crate::http::{created, Json, ListResponse, Page, PageParams, Paginated, Query};
use crate::{time, AppState};

/// A new shift on the roster (D-1).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"staff_id": 3, "post": "一楼服务台", "starts_at": "2026-11-28T00:00:00Z", "ends_at": "2026-11-28T08:00:00Z"}))]
pub struct CreateShiftRequest {
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub staff_id: i64,
    /// The post or area, e.g. 一楼服务台.
    #[validate(length(min = 1, max = SHORT_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub post: String,
    pub starts_at: DateTime<Utc>,
    /// Later than `starts_at`, at most 24 hours after it.
    pub ends_at: DateTime<Utc>,
}

impl CsvRow for Shift {
    const CSV_COLUMNS: &'static [&'static str] = &["id", "staff_id", "staff_name", "post", "starts_at", "ends_at"];
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShiftQuery {
    /// Shifts running on or after this local date.
    pub from: Option<NaiveDate>,
    /// Shifts running on or before this local date.
    pub to: Option<NaiveDate>,
    #[validate(range(min = 1))]
    #[param(minimum = 1)]
    pub staff_id: Option<i64>,
}

/// Put a staff member on the roster (deputy supervisor+).
///
/// 422 (rule D-1) when the shift overlaps another shift of the same person, or `ends_at` is
/// not after `starts_at`.
#[utoipa::path(tag = "duty", request_body = CreateShiftRequest, responses((status = 201, body = Shift, headers(("Location" = String)))))]
#[post("/duty/shifts")]
pub async fn create_shift(
    state: web::Data<AppState>,
    caller: Require<DeputySupervisor>,
    body: Json<CreateShiftRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    rules::check_shift_times(b.starts_at, b.ends_at).map_err(|m| ApiError::rule("D-1", "ends_at", m))?;
    let new = NewShift { staff_id: b.staff_id, post: b.post.trim().to_string(), starts_at: b.starts_at, ends_at: b.ends_at };
    let actor = caller.id;
    let shift = state.db(move |c| store::create_shift(c, actor, new)).await?;
    Ok(created(format!("/api/v1/duty/shifts/{}", shift.id), shift))
}

/// The roster, filtered by local dates and staff member, in start order.
#[utoipa::path(tag = "duty", params(ShiftQuery, PageParams), responses((status = 200, content(
    (Paginated<Shift> = "application/json"), (String = "text/csv")))))]
#[get("/duty/shifts")]
pub async fn list_shifts(
    state: web::Data<AppState>,
    _user: AuthUser,
    query: Query<ShiftQuery>,
    paging: Query<PageParams>,
) -> ApiResult<ListResponse<Shift>> {
    let tz = state.settings.timezone;
    let q = query.0;
    if let (Some(from), Some(to)) = (q.from, q.to) {
        if to < from {
            return Err(ApiError::field("to", "must not be before from"));
        }
    }
    let filter = ShiftFilter {
        from: q.from.map(|d| time::day_start(d, tz)),
        to: q.to.map(|d| time::day_range(d, d, tz).1),
        staff_id: q.staff_id,
    };
    let page = Page::from(&paging.0);
    let (items, total) = state.db(move |c| store::list_shifts(c, &filter, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// One shift.
#[utoipa::path(tag = "duty", params(("id" = i64, Path)), responses((status = 200, body = Shift), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/duty/shifts/{id}")]
pub async fn get_shift(state: web::Data<AppState>, _user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<Shift>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |c| store::find_shift(c, id)).await?))
}

/// The deputy supervisor's daily signature on the duty log (D-10).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"date": "2026-11-27", "comments": "记录完整"}))]
pub struct CreateReviewRequest {
    /// The local business day whose log is signed; not in the future.
    pub date: NaiveDate,
    #[validate(length(max = LONG_TEXT))]
    #[schema(max_length = 10000)]
    pub comments: Option<String>,
}

impl CsvRow for Review {
    const CSV_COLUMNS: &'static [&'static str] =
        &["id", "date", "reviewer_id", "reviewer_name", "comments", "entries_signed", "last_seq", "signed_at"];
}

/// A day whose log has entries and no signature yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingDay {
    pub date: NaiveDate,
    /// Entries recorded on that day.
    pub entries: i64,
}

impl CsvRow for PendingDay {
    const CSV_COLUMNS: &'static [&'static str] = &["date", "entries"];
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    /// From this local date, inclusive.
    pub from: Option<NaiveDate>,
    /// To this local date, inclusive.
    pub to: Option<NaiveDate>,
}

/// Sign a day's duty log (deputy supervisor+, D-10). 409 when the day is already signed.
#[utoipa::path(tag = "duty", request_body = CreateReviewRequest, responses(
    (status = 201, body = Review, headers(("Location" = String))),
    (status = 409, description = "Already signed", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/duty/reviews")]
pub async fn create_review(
    state: web::Data<AppState>,
    caller: Require<DeputySupervisor>,
    body: Json<CreateReviewRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let today = time::local_date(Utc::now(), state.settings.timezone);
    if b.date > today {
        return Err(ApiError::rule("D-10", "date", "a day can be signed only once it has begun"));
    }
    let actor = caller.id;
    let comments = b.comments.filter(|c| !c.trim().is_empty());
    let review = state.db(move |c| store::sign_review(c, actor, b.date, comments)).await?;
    Ok(created(format!("/api/v1/duty/reviews?from={0}&to={0}", review.date), review))
}

/// Signed days, newest first.
#[utoipa::path(tag = "duty", params(ReviewQuery, PageParams), responses((status = 200, content(
    (Paginated<Review> = "application/json"), (String = "text/csv")))))]
#[get("/duty/reviews")]
pub async fn list_reviews(
    state: web::Data<AppState>,
    _user: AuthUser,
    query: Query<ReviewQuery>,
    paging: Query<PageParams>,
) -> ApiResult<ListResponse<Review>> {
    let (from, to, page) = (query.from, query.to, Page::from(&paging.0));
    let (items, total) = state.db(move |c| store::list_reviews(c, from, to, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// Days that have log entries and no signature yet, oldest first (deputy supervisor+, D-10).
#[utoipa::path(tag = "duty", params(PageParams), responses((status = 200, content(
    (Paginated<PendingDay> = "application/json"), (String = "text/csv")))))]
#[get("/duty/reviews/pending")]
pub async fn pending_reviews(
    state: web::Data<AppState>,
    _caller: Require<DeputySupervisor>,
    paging: Query<PageParams>,
) -> ApiResult<ListResponse<PendingDay>> {
    let page = Page::from(&paging.0);
    let (days, total) = state.db(move |c| store::pending_review_days(c, page)).await?;
    let items = days.into_iter().map(|(date, entries)| PendingDay { date, entries }).collect();
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}
