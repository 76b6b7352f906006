//! `/service-records` and `/follow-ups`.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rules::{FollowUpStatus, Phase, Satisfaction, ServiceKind, VisitMethod};
use super::store::{self, FollowUp, FollowUpFilter, NewRecord, ServiceRecord, VisitResult};
use crate::auth::{AuthUser, Manager, Require, Staff, Supervisor};
use crate::error::{ApiError, ApiResult};
use crate::http::csv::CsvRow;
use crate::http::validate::{blank_to_none, not_blank, LONG_TEXT, SHORT_TEXT};
use crate::http::{created, Json, ListResponse, Page, PageParams, Paginated, Query};
use crate::AppState;

/// A delivered service, to be checked by follow-ups.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"kind": "complaint", "major": false, "category": "噪音", "description": "楼上装修噪音投诉，已协调", "completed_at": "2026-11-27T08:00:00Z", "unit": "A栋1203"}))]
pub struct CreateRecordRequest {
    pub kind: ServiceKind,
    /// A major complaint is followed up by the manager (F-1).
    #[serde(default)]
    pub major: bool,
    #[validate(length(min = 1, max = 100), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub category: String,
    #[validate(length(min = 1, max = LONG_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub description: String,
    pub completed_at: DateTime<Utc>,
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub unit: Option<String>,
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub customer_file_id: Option<i64>,
    #[validate(length(max = SHORT_TEXT))]
    #[schema(max_length = 200)]
    pub department: Option<String>,
    /// Required for a special service.
    pub contract_start: Option<NaiveDate>,
    /// Required for a special service; after `contract_start`.
    pub contract_end: Option<NaiveDate>,
}

impl CsvRow for ServiceRecord {
    const CSV_COLUMNS: &'static [&'static str] =
        &["id", "kind", "major", "category", "description", "completed_at", "unit", "customer_file_id", "department"];
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordQuery {
    pub kind: Option<ServiceKind>,
    /// Completion month `YYYY-MM`.
    #[param(pattern = r"^\d{4}-\d{2}$")]
    pub month: Option<String>,
}

/// Record a delivered service (staff+).
#[utoipa::path(tag = "follow_ups", request_body = CreateRecordRequest, responses((status = 201, body = ServiceRecord, headers(("Location" = String)))))]
#[post("/service-records")]
pub async fn create_record(state: web::Data<AppState>, caller: Require<Staff>, body: Json<CreateRecordRequest>) -> ApiResult<HttpResponse> {
    let b = body.0;
    if b.completed_at > Utc::now() + Duration::minutes(5) {
        return Err(ApiError::field("completed_at", "must not be in the future"));
    }
    let contract = match (b.contract_start, b.contract_end) {
        (Some(s), Some(e)) if e > s => Some((s, e)),
        (Some(_), Some(_)) => return Err(ApiError::field("contract_end", "must be after contract_start")),
        (None, None) => None,
        (None, Some(_)) => return Err(ApiError::field("contract_start", "is required with contract_end")),
        (Some(_), None) => return Err(ApiError::field("contract_end", "is required with contract_start")),
    };
    if b.kind == ServiceKind::SpecialService && contract.is_none() {
        return Err(ApiError::rule("F-2", "contract_start", "a special service needs contract_start and contract_end"));
    }
    let new = NewRecord {
        kind: b.kind,
        major: b.major,
        category: b.category.trim().into(),
        description: b.description,
        completed_at: b.completed_at,
        unit: blank_to_none(b.unit),
        customer_file_id: b.customer_file_id,
        department: blank_to_none(b.department),
        contract,
    };
    let (actor, tz) = (caller.id, state.settings.timezone);
    let r = state.db(move |c| store::create_record(c, actor, tz, new)).await?;
    Ok(created(format!("/api/v1/service-records/{}", r.id), r))
}

/// Service records, newest first.
#[utoipa::path(tag = "follow_ups", params(RecordQuery, PageParams), responses((status = 200, content(
    (Paginated<ServiceRecord> = "application/json"), (String = "text/csv")))))]
#[get("/service-records")]
pub async fn list_records(state: web::Data<AppState>, _user: AuthUser, query: Query<RecordQuery>, paging: Query<PageParams>) -> ApiResult<ListResponse<ServiceRecord>> {
    let q = query.0;
    if let Some(m) = &q.month {
        crate::time::Month::parse(m).ok_or_else(|| ApiError::field("month", "must be a month YYYY-MM"))?;
    }
    let page = Page::from(&paging.0);
    let (items, total) = state.db(move |c| store::list_records(c, q.kind, q.month, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// One service record.
#[utoipa::path(tag = "follow_ups", params(("id" = i64, Path)), responses((status = 200, body = ServiceRecord), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/service-records/{id}")]
pub async fn get_record(state: web::Data<AppState>, _user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<ServiceRecord>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |c| store::find_record(c, id)).await?))
}

/// Plan a follow-up (supervisor+, F-1). The server computes `due_from`/`due_by` (F-2):
/// complaint completion..+3 days; repair +1..+2 calendar months; emergency, help, other
/// completion..+7 days; publication_event completion..+1 month; special_service
/// `mid_contract` = contract midpoint ± 7 days, `after_end` = contract end..+7 days
/// (`phase` required, 422 without). A major complaint needs a manager among the assignees.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"service_record_id": 1, "assignee_ids": [3]}))]
pub struct CreateFollowUpRequest {
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub service_record_id: i64,
    #[validate(length(min = 1, max = 10))]
    #[schema(min_items = 1, max_items = 10)]
    pub assignee_ids: Vec<i64>,
    pub phase: Option<Phase>,
}

/// F-5/F-7: the visit's result.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"visited_at": "2026-11-28T06:00:00Z", "method": "in_person", "quality_rating": 4, "effect_rating": 4, "satisfaction": "satisfied", "shortcomings": "回复稍慢", "suggestions": "加强沟通", "customer_signed_by": "张伟"}))]
pub struct ResultRequest {
    pub visited_at: DateTime<Utc>,
    pub method: VisitMethod,
    #[validate(range(min = 1, max = 5))]
    #[schema(minimum = 1, maximum = 5)]
    pub quality_rating: i32,
    #[validate(range(min = 1, max = 5))]
    #[schema(minimum = 1, maximum = 5)]
    pub effect_rating: i32,
    pub satisfaction: Satisfaction,
    #[validate(length(max = LONG_TEXT))]
    #[schema(max_length = 10000)]
    pub shortcomings: Option<String>,
    #[validate(length(max = LONG_TEXT))]
    #[schema(max_length = 10000)]
    pub suggestions: Option<String>,
    /// The customer signs the record to confirm it (F-7).
    #[validate(length(min = 1, max = SHORT_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub customer_signed_by: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"comments": "回访记录完整"}))]
pub struct ReviewRequest {
    #[validate(length(min = 1, max = LONG_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub comments: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"handling": "经理上门致歉，重新维修"}))]
pub struct EscalationRequest {
    #[validate(length(min = 1, max = LONG_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub handling: String,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpQuery {
    pub status: Option<FollowUpStatus>,
    #[validate(range(min = 1))]
    #[param(minimum = 1)]
    pub assignee_id: Option<i64>,
    /// Windows ending on or before this local date.
    pub due_before: Option<NaiveDate>,
}

impl CsvRow for FollowUp {
    const CSV_COLUMNS: &'static [&'static str] = &[
        "id", "service_record_id", "phase", "status", "due_from", "due_by", "assignee_ids", "visited_at", "method",
        "quality_rating", "effect_rating", "satisfaction", "qualified", "on_time",
    ];
}

/// Plan a follow-up (supervisor+, F-1, F-2, F-4).
#[utoipa::path(tag = "follow_ups", request_body = CreateFollowUpRequest, responses((status = 201, body = FollowUp, headers(("Location" = String)))))]
#[post("/follow-ups")]
pub async fn plan(state: web::Data<AppState>, caller: Require<Supervisor>, body: Json<CreateFollowUpRequest>) -> ApiResult<HttpResponse> {
    let b = body.0;
    let mut ids = b.assignee_ids;
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(ApiError::field(&format!("assignee_ids[{i}]"), "is listed twice"));
        }
    }
    ids.sort_unstable();
    let (actor, tz) = (caller.id, state.settings.timezone);
    let f = state.db(move |c| store::plan(c, actor, tz, b.service_record_id, ids, b.phase)).await?;
    Ok(created(format!("/api/v1/follow-ups/{}", f.id), f))
}

/// Follow-ups by status, assignee and due date, soonest window end first.
#[utoipa::path(tag = "follow_ups", params(FollowUpQuery, PageParams), responses((status = 200, content(
    (Paginated<FollowUp> = "application/json"), (String = "text/csv")))))]
#[get("/follow-ups")]
pub async fn list(state: web::Data<AppState>, _user: AuthUser, query: Query<FollowUpQuery>, paging: Query<PageParams>) -> ApiResult<ListResponse<FollowUp>> {
    let q = query.0;
    let filter = FollowUpFilter { status: q.status, assignee_id: q.assignee_id, due_before: q.due_before };
    let page = Page::from(&paging.0);
    let (items, total) = state.db(move |c| store::list(c, &filter, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// One follow-up.
#[utoipa::path(tag = "follow_ups", params(("id" = i64, Path)), responses((status = 200, body = FollowUp), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/follow-ups/{id}")]
pub async fn get(state: web::Data<AppState>, _user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<FollowUp>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |c| store::find(c, id)).await?))
}

/// Sign out the record form before the visit (an assignee, F-6). 409 out of order.
#[utoipa::path(tag = "follow_ups", params(("id" = i64, Path)), responses(
    (status = 200, body = FollowUp),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/follow-ups/{id}/sign-out")]
pub async fn sign_out(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<FollowUp>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |c| store::sign_out(c, &user, id)).await?))
}

/// Record the visit (an assignee, after sign-out: 409 otherwise). Computes `qualified`
/// (false when dissatisfied or a rating ≤ 2) and `on_time` (visit date inside the window).
#[utoipa::path(tag = "follow_ups", params(("id" = i64, Path)), request_body = ResultRequest, responses(
    (status = 200, body = FollowUp),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/follow-ups/{id}/result")]
pub async fn result(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: Json<ResultRequest>) -> ApiResult<web::Json<FollowUp>> {
    let (id, b, tz) = (id.into_inner(), body.0, state.settings.timezone);
    if b.visited_at > Utc::now() + Duration::minutes(5) {
        return Err(ApiError::field("visited_at", "must not be in the future"));
    }
    let r = VisitResult {
        visited_at: b.visited_at,
        method: b.method,
        quality_rating: b.quality_rating,
        effect_rating: b.effect_rating,
        satisfaction: b.satisfaction,
        shortcomings: blank_to_none(b.shortcomings),
        suggestions: blank_to_none(b.suggestions),
        customer_signed_by: b.customer_signed_by.trim().into(),
    };
    Ok(web::Json(state.db(move |c| store::record_result(c, &user, tz, id, r)).await?))
}

/// Review a visited record (supervisor+, F-8): unqualified → `escalated`, else `reviewed`.
#[utoipa::path(tag = "follow_ups", params(("id" = i64, Path)), request_body = ReviewRequest, responses(
    (status = 200, body = FollowUp),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/follow-ups/{id}/review")]
pub async fn review(state: web::Data<AppState>, caller: Require<Supervisor>, id: web::Path<i64>, body: Json<ReviewRequest>) -> ApiResult<web::Json<FollowUp>> {
    let (id, comments, actor) = (id.into_inner(), body.0.comments, caller.id);
    Ok(web::Json(state.db(move |c| store::review(c, actor, id, comments)).await?))
}

/// Record the complaint handling of an escalated record (manager, F-8) → `closed`.
#[utoipa::path(tag = "follow_ups", params(("id" = i64, Path)), request_body = EscalationRequest, responses(
    (status = 200, body = FollowUp),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/follow-ups/{id}/escalation")]
pub async fn escalation(state: web::Data<AppState>, caller: Require<Manager>, id: web::Path<i64>, body: Json<EscalationRequest>) -> ApiResult<web::Json<FollowUp>> {
    let (id, handling, actor) = (id.into_inner(), body.0.handling, caller.id);
    Ok(web::Json(state.db(move |c| store::handle_escalation(c, actor, id, handling)).await?))
}
