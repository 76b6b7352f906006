//! The monthly status table (V-2) and the yearly maintenance plan (V-3).

use actix_web::{get, post, put, web, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::plan_store::{self as store, Plan, PlanItem, StatusTable};
use super::rules::{Month, PlanStep};
use crate::auth::{AuthUser, Manager, Require, Staff, Supervisor};
use crate::error::{ApiError, ApiResult};
use crate::http::csv::CsvRow;
use crate::http::validate::{not_blank, LONG_TEXT, SHORT_TEXT};
use crate::http::{created, Json, ListResponse, Page, PageParams, Paginated, Query};
use crate::{time, AppState};

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"month": "2026-11"}))]
pub struct CreateStatusTableRequest {
    /// `YYYY-MM`, not after the current month.
    #[schema(pattern = r"^\d{4}-\d{2}$")]
    pub month: String,
}

fn parse_month(raw: &str, field: &str) -> Result<Month, ApiError> {
    Month::parse(raw).ok_or_else(|| ApiError::field(field, "must be a month YYYY-MM"))
}

/// Submit the monthly vacant-unit status table (staff+, V-2): a snapshot of every unit,
/// frozen now. One per month (409); `late` when submitted on or after the 25th.
#[utoipa::path(tag = "vacant_units", request_body = CreateStatusTableRequest, responses(
    (status = 201, body = StatusTable, headers(("Location" = String))),
    (status = 409, description = "Already submitted", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/vacant-units/status-tables")]
pub async fn submit_table(state: web::Data<AppState>, caller: Require<Staff>, body: Json<CreateStatusTableRequest>) -> ApiResult<HttpResponse> {
    let month = parse_month(&body.month, "month")?;
    let tz = state.settings.timezone;
    if month.first_day() > time::local_date(Utc::now(), tz) {
        return Err(ApiError::rule("V-2", "month", "a month's table can be submitted once the month has begun"));
    }
    let actor = caller.id;
    let table = state.db(move |c| store::submit_table(c, actor, month, tz)).await?;
    Ok(created(format!("/api/v1/vacant-units/status-tables/{}", table.month), table))
}

/// A submitted monthly table, as frozen at submission.
#[utoipa::path(tag = "vacant_units", params(("month" = String, Path, description = "YYYY-MM")), responses(
    (status = 200, body = StatusTable),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/vacant-units/status-tables/{month}")]
pub async fn get_table(state: web::Data<AppState>, _user: AuthUser, month: web::Path<String>) -> ApiResult<web::Json<StatusTable>> {
    let month = Month::parse(&month).ok_or_else(|| ApiError::NotFound("no such month".into()))?;
    Ok(web::Json(state.db(move |c| store::find_table(c, month)).await?))
}

/// One line of the plan.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct PlanItemInput {
    #[validate(length(min = 1, max = SHORT_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub item: String,
    #[validate(length(min = 1, max = SHORT_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub frequency: String,
    #[validate(length(min = 1, max = LONG_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub measures: String,
    /// Integer cents, not negative.
    #[validate(range(min = 0, max = 100_000_000_000i64))]
    #[schema(minimum = 0, maximum = 100_000_000_000i64)]
    pub budget_cents: i64,
}

/// Next year's maintenance plan (V-3).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"year": 2027, "items": [{"item": "精装房打蜡", "frequency": "每季度", "measures": "木地板打蜡保护", "budget_cents": 1200000}]}))]
pub struct CreatePlanRequest {
    #[validate(range(min = 2000, max = 2100))]
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    #[validate(length(max = 500), nested)]
    #[schema(max_items = 500)]
    pub items: Vec<PlanItemInput>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct PlanItemsRequest {
    #[validate(length(max = 500), nested)]
    #[schema(max_items = 500)]
    pub items: Vec<PlanItemInput>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"approved_by": "陈总经理"}))]
pub struct ApproveRequest {
    /// The general manager who approved the plan.
    #[validate(length(min = 1, max = SHORT_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub approved_by: String,
}

fn to_items(items: Vec<PlanItemInput>) -> Vec<PlanItem> {
    items.into_iter().map(|i| PlanItem { item: i.item, frequency: i.frequency, measures: i.measures, budget_cents: i.budget_cents }).collect()
}

impl CsvRow for Plan {
    const CSV_COLUMNS: &'static [&'static str] =
        &["id", "year", "status", "total_budget_cents", "submitted_at", "late", "reviewed_at", "approved_by", "approved_at"];
}

/// Draft next year's maintenance plan (supervisor+, V-3). One plan per year (409).
#[utoipa::path(tag = "vacant_units", request_body = CreatePlanRequest, responses(
    (status = 201, body = Plan, headers(("Location" = String))),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/maintenance-plans")]
pub async fn create_plan(state: web::Data<AppState>, caller: Require<Supervisor>, body: Json<CreatePlanRequest>) -> ApiResult<HttpResponse> {
    let (year, items, actor) = (body.0.year, to_items(body.0.items), caller.id);
    let plan = state.db(move |c| store::create_plan(c, actor, year, items)).await?;
    Ok(created(format!("/api/v1/maintenance-plans/{}", plan.id), plan))
}

/// Plans, newest year first.
#[utoipa::path(tag = "vacant_units", params(PageParams), responses((status = 200, content(
    (Paginated<Plan> = "application/json"), (String = "text/csv")))))]
#[get("/maintenance-plans")]
pub async fn list_plans(state: web::Data<AppState>, _user: AuthUser, paging: Query<PageParams>) -> ApiResult<ListResponse<Plan>> {
    let page = Page::from(&paging.0);
    let (items, total) = state.db(move |c| store::list_plans(c, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// One plan with its items and workflow stamps.
#[utoipa::path(tag = "vacant_units", params(("id" = i64, Path)), responses((status = 200, body = Plan), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/maintenance-plans/{id}")]
pub async fn get_plan(state: web::Data<AppState>, _user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<Plan>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |c| store::find_plan(c, id)).await?))
}

/// Replace the plan's items (supervisor+); only while it is a draft (409 otherwise).
#[utoipa::path(tag = "vacant_units", params(("id" = i64, Path)), request_body = PlanItemsRequest, responses(
    (status = 200, body = Plan),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[put("/maintenance-plans/{id}/items")]
pub async fn replace_items(state: web::Data<AppState>, caller: Require<Supervisor>, id: web::Path<i64>, body: Json<PlanItemsRequest>) -> ApiResult<web::Json<Plan>> {
    let (id, items, actor) = (id.into_inner(), to_items(body.0.items), caller.id);
    Ok(web::Json(state.db(move |c| store::replace_items(c, actor, id, items)).await?))
}

/// Submit the draft (supervisor+). `late` when after 31 December of the year before (V-3).
#[utoipa::path(tag = "vacant_units", params(("id" = i64, Path)), responses(
    (status = 200, body = Plan),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, description = "Out of order", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/maintenance-plans/{id}/submit")]
pub async fn submit_plan(state: web::Data<AppState>, caller: Require<Supervisor>, id: web::Path<i64>) -> ApiResult<web::Json<Plan>> {
    let (id, actor, tz) = (id.into_inner(), caller.id, state.settings.timezone);
    Ok(web::Json(state.db(move |c| store::advance(c, actor, id, PlanStep::Submit, None, tz)).await?))
}

/// Review the submitted plan as centre manager (manager, V-3).
#[utoipa::path(tag = "vacant_units", params(("id" = i64, Path)), responses(
    (status = 200, body = Plan),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, description = "Out of order", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/maintenance-plans/{id}/review")]
pub async fn review_plan(state: web::Data<AppState>, caller: Require<Manager>, id: web::Path<i64>) -> ApiResult<web::Json<Plan>> {
    let (id, actor, tz) = (id.into_inner(), caller.id, state.settings.timezone);
    Ok(web::Json(state.db(move |c| store::advance(c, actor, id, PlanStep::Review, None, tz)).await?))
}

/// Record the general manager's approval of the reviewed plan (manager, V-3).
#[utoipa::path(tag = "vacant_units", params(("id" = i64, Path)), request_body = ApproveRequest, responses(
    (status = 200, body = Plan),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, description = "Out of order", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/maintenance-plans/{id}/approve")]
pub async fn approve_plan(state: web::Data<AppState>, caller: Require<Manager>, id: web::Path<i64>, body: Json<ApproveRequest>) -> ApiResult<web::Json<Plan>> {
    let (id, actor, tz, name) = (id.into_inner(), caller.id, state.settings.timezone, body.0.approved_by.trim().to_string());
    Ok(web::Json(state.db(move |c| store::advance(c, actor, id, PlanStep::Approve, Some(name), tz)).await?))
}
