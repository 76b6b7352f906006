//! `/census-rounds` (C-6) and `/arrears` (C-7).

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::census_store::{self as store, Arrear, ArrearFollowUp, CensusRound};
use super::rules::{self, ContactMethod, FeeType};
use crate::auth::{AuthUser, DeputySupervisor, Require, Staff};
use crate::error::{ApiError, ApiResult};
use crate::http::csv::CsvRow;
use crate::http::validate::{not_blank, LONG_TEXT};
use crate::http::{created, Json, ListResponse, Page, PageParams, Paginated, Query};
use crate::{time, AppState};

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"quarter": "2026-Q4"}))]
pub struct CreateRoundRequest {
    /// `YYYY-Qn`.
    #[schema(pattern = r"^\d{4}-Q[1-4]$")]
    pub quarter: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"customer_file_id": 1, "household_notes": "三口之家，新增一名老人同住"}))]
pub struct CreateEntryRequest {
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub customer_file_id: i64,
    #[validate(length(min = 1, max = LONG_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub household_notes: String,
}

impl CsvRow for CensusRound {
    const CSV_COLUMNS: &'static [&'static str] = &["id", "quarter", "covered", "total", "progress", "started_at"];
}

/// Start the quarter's census (deputy supervisor+, C-6). One per quarter (409).
#[utoipa::path(tag = "customer_files", request_body = CreateRoundRequest, responses(
    (status = 201, body = CensusRound, headers(("Location" = String))),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/census-rounds")]
pub async fn start_round(state: web::Data<AppState>, caller: Require<DeputySupervisor>, body: Json<CreateRoundRequest>) -> ApiResult<HttpResponse> {
    let quarter = body.0.quarter;
    rules::quarter(&quarter).ok_or_else(|| ApiError::field("quarter", "must be YYYY-Qn with n from 1 to 4"))?;
    let actor = caller.id;
    let round = state.db(move |c| store::start_round(c, actor, quarter)).await?;
    Ok(created(format!("/api/v1/census-rounds/{}", round.id), round))
}

/// Record a household's circumstances in a round (staff+, C-6); once per file (409).
#[utoipa::path(tag = "customer_files", params(("id" = i64, Path)), request_body = CreateEntryRequest, responses(
    (status = 201, body = CensusRound),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/census-rounds/{id}/entries")]
pub async fn add_entry(state: web::Data<AppState>, caller: Require<Staff>, id: web::Path<i64>, body: Json<CreateEntryRequest>) -> ApiResult<HttpResponse> {
    let (id, b, actor) = (id.into_inner(), body.0, caller.id);
    let round = state.db(move |c| store::add_entry(c, actor, id, b.customer_file_id, b.household_notes)).await?;
    Ok(created(format!("/api/v1/census-rounds/{id}"), round))
}

/// A round with its progress: files covered vs total (C-6).
#[utoipa::path(tag = "customer_files", params(("id" = i64, Path)), responses(
    (status = 200, body = CensusRound),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/census-rounds/{id}")]
pub async fn get_round(state: web::Data<AppState>, _user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<CensusRound>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |c| store::find_round(c, id)).await?))
}

/// Census rounds, newest quarter first.
#[utoipa::path(tag = "customer_files", params(PageParams), responses((status = 200, content(
    (Paginated<CensusRound> = "application/json"), (String = "text/csv")))))]
#[get("/census-rounds")]
pub async fn list_rounds(state: web::Data<AppState>, _user: AuthUser, paging: Query<PageParams>) -> ApiResult<ListResponse<CensusRound>> {
    let page = Page::from(&paging.0);
    let (items, total) = state.db(move |c| store::list_rounds(c, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"customer_file_id": 1, "fee_type": "management", "amount_cents": 128000, "overdue_since": "2026-09-10"}))]
pub struct CreateArrearRequest {
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub customer_file_id: i64,
    pub fee_type: FeeType,
    /// Integer cents, more than zero.
    #[validate(range(min = 1, max = 100_000_000_000i64))]
    #[schema(minimum = 1, maximum = 100_000_000_000i64)]
    pub amount_cents: i64,
    pub overdue_since: NaiveDate,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"contacted_at": "2026-11-20T02:00:00Z", "method": "phone", "outcome": "承诺月底前缴清"}))]
pub struct CreateFollowUpRequest {
    pub contacted_at: DateTime<Utc>,
    pub method: ContactMethod,
    #[validate(length(min = 1, max = 2000), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub outcome: String,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArrearQuery {
    pub settled: Option<bool>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// The local date to judge on; default today.
    pub on: Option<NaiveDate>,
}

impl CsvRow for Arrear {
    const CSV_COLUMNS: &'static [&'static str] =
        &["id", "customer_file_id", "fee_type", "amount_cents", "overdue_since", "last_follow_up_on", "settled_at"];
}

/// Record an unpaid fee (staff+, C-7).
#[utoipa::path(tag = "customer_files", request_body = CreateArrearRequest, responses(
    (status = 201, body = Arrear, headers(("Location" = String)))))]
#[post("/arrears")]
pub async fn create_arrear(state: web::Data<AppState>, caller: Require<Staff>, body: Json<CreateArrearRequest>) -> ApiResult<HttpResponse> {
    let (b, actor) = (body.0, caller.id);
    if b.overdue_since > time::local_date(Utc::now(), state.settings.timezone) {
        return Err(ApiError::field("overdue_since", "must not be in the future"));
    }
    let a = state.db(move |c| store::create_arrear(c, actor, b.customer_file_id, b.fee_type, b.amount_cents, b.overdue_since)).await?;
    Ok(created(format!("/api/v1/arrears/{}", a.id), a))
}

/// Record a contact about an arrear (staff+, C-7). 409 once settled.
#[utoipa::path(tag = "customer_files", params(("id" = i64, Path)), request_body = CreateFollowUpRequest, responses(
    (status = 201, body = ArrearFollowUp),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/arrears/{id}/follow-ups")]
pub async fn follow_up(state: web::Data<AppState>, caller: Require<Staff>, id: web::Path<i64>, body: Json<CreateFollowUpRequest>) -> ApiResult<HttpResponse> {
    let (id, b, actor, tz) = (id.into_inner(), body.0, caller.id, state.settings.timezone);
    if b.contacted_at > Utc::now() + Duration::minutes(5) {
        return Err(ApiError::field("contacted_at", "must not be in the future"));
    }
    let f = state.db(move |c| store::follow_up(c, actor, id, b.contacted_at, b.method, b.outcome, tz)).await?;
    Ok(created(format!("/api/v1/arrears/{id}"), f))
}

/// Mark an arrear settled (staff+). 409 when already settled.
#[utoipa::path(tag = "customer_files", params(("id" = i64, Path)), responses(
    (status = 200, body = Arrear),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/arrears/{id}/settle")]
pub async fn settle(state: web::Data<AppState>, caller: Require<Staff>, id: web::Path<i64>) -> ApiResult<web::Json<Arrear>> {
    let (id, actor) = (id.into_inner(), caller.id);
    Ok(web::Json(state.db(move |c| store::settle(c, actor, id)).await?))
}

/// Arrears, newest first.
#[utoipa::path(tag = "customer_files", params(ArrearQuery, PageParams), responses((status = 200, content(
    (Paginated<Arrear> = "application/json"), (String = "text/csv")))))]
#[get("/arrears")]
pub async fn list_arrears(state: web::Data<AppState>, _user: AuthUser, query: Query<ArrearQuery>, paging: Query<PageParams>) -> ApiResult<ListResponse<Arrear>> {
    let (settled, page) = (query.settled, Page::from(&paging.0));
    let (items, total) = state.db(move |c| store::list_arrears(c, settled, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// Arrears due a follow-up on `on` (C-7): unsettled, more than one calendar month overdue,
/// and no follow-up in the last 15 days. Oldest first.
#[utoipa::path(tag = "customer_files", params(DueQuery, PageParams), responses((status = 200, content(
    (Paginated<Arrear> = "application/json"), (String = "text/csv")))))]
#[get("/arrears/due-follow-ups")]
pub async fn due_follow_ups(state: web::Data<AppState>, _user: AuthUser, query: Query<DueQuery>, paging: Query<PageParams>) -> ApiResult<ListResponse<Arrear>> {
    let on = query.on.unwrap_or_else(|| time::local_date(Utc::now(), state.settings.timezone));
    let page = Page::from(&paging.0);
    let (items, total) = state.db(move |c| store::due_follow_ups(c, on, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// One arrear.
#[utoipa::path(tag = "customer_files", params(("id" = i64, Path)), responses(
    (status = 200, body = Arrear),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/arrears/{id}")]
pub async fn get_arrear(state: web::Data<AppState>, _user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<Arrear>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |c| store::find_arrear(c, id)).await?))
}
