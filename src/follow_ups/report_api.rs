//! `/follow-ups/stats`, `/follow-up-targets`, `/follow-up-reports`.

use actix_web::{get, post, put, web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rules::{self, ServiceKind};
use super::stats_store::{self as store, Report, Stats, Target};
use crate::auth::{AuthUser, Manager, Require, Staff, Supervisor};
use crate::error::{ApiError, ApiResult};
use crate::http::csv::CsvRow;
use crate::http::validate::{not_blank, LONG_TEXT};
use crate::http::{created, Json, ListResponse, Page, PageParams, Paginated, Query};
use crate::time::Month;
use crate::{time, AppState};

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// `YYYY-MM`; services are counted by their completion month, unqualified results by visit month.
    #[param(pattern = r"^\d{4}-\d{2}$", example = "2026-11")]
    pub month: String,
}

/// The month's follow-up figures (supervisor+, F-3, F-9).
#[utoipa::path(tag = "follow_ups", params(StatsQuery), responses((status = 200, body = Stats)))]
#[get("/follow-ups/stats")]
pub async fn stats(state: web::Data<AppState>, _caller: Require<Supervisor>, query: Query<StatsQuery>) -> ApiResult<web::Json<Stats>> {
    let month = Month::parse(&query.month).ok_or_else(|| ApiError::field("month", "must be a month YYYY-MM"))?;
    let caches = state.caches.clone();
    let answer = state.db(move |c| caches.follow_up_stats.get_or_load(c, month.to_string(), |c| store::stats(c, month))).await?;
    Ok(web::Json((*answer).clone()))
}

/// Target rates per kind (F-3).
#[utoipa::path(tag = "follow_ups", responses((status = 200, body = Vec<Target>)))]
#[get("/follow-up-targets")]
pub async fn targets(state: web::Data<AppState>, _user: AuthUser) -> ApiResult<web::Json<Vec<Target>>> {
    Ok(web::Json(state.db(store::targets).await?))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"target_rate": 0.2}))]
pub struct TargetRequest {
    /// A fraction 0..1.
    #[validate(range(min = 0.0, max = 1.0))]
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub target_rate: f64,
}

/// Set the target of `other` services (supervisor+, F-3). The other kinds' targets are the
/// manual's (422, rule F-3).
#[utoipa::path(tag = "follow_ups", params(("kind" = ServiceKind, Path)), request_body = TargetRequest, responses((status = 200, body = Target)))]
#[put("/follow-up-targets/{kind}")]
pub async fn set_target(state: web::Data<AppState>, caller: Require<Supervisor>, kind: web::Path<String>, body: Json<TargetRequest>) -> ApiResult<web::Json<Target>> {
    let kind = ServiceKind::parse(&kind).ok_or_else(|| ApiError::NotFound(format!("no service kind {kind}")))?;
    if !rules::target_settable(kind) {
        return Err(ApiError::rule("F-3", "kind", format!("the {kind} target is fixed by the manual; only `other` is set by the supervisor")));
    }
    let (rate, actor) = (body.target_rate, caller.id);
    Ok(web::Json(state.db(move |c| store::set_target(c, actor, kind, rate)).await?))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"month": "2026-10", "analysis": "本月投诉回访率100%，维修重复3次以上1户"}))]
pub struct CreateReportRequest {
    #[schema(pattern = r"^\d{4}-\d{2}$")]
    pub month: String,
    #[validate(length(min = 1, max = 50_000), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 50000, pattern = r"\S")]
    pub analysis: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ReportReviewRequest {
    #[validate(length(max = LONG_TEXT))]
    #[schema(max_length = 10000)]
    pub comments: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"corrective_action": true, "note": "启动维修质量纠正措施"}))]
pub struct DecisionRequest {
    /// Whether corrective/preventive action is started (F-9).
    pub corrective_action: bool,
    #[validate(length(min = 1, max = LONG_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub note: String,
}

impl CsvRow for Report {
    const CSV_COLUMNS: &'static [&'static str] =
        &["id", "month", "status", "late", "submitted_at", "reviewed_at", "corrective_action", "decided_at"];
}

/// Submit the month's analysis report (staff+, F-9). One per month (409); `late` when after
/// the 25th of the following month (F-10).
#[utoipa::path(tag = "follow_ups", request_body = CreateReportRequest, responses(
    (status = 201, body = Report, headers(("Location" = String))),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/follow-up-reports")]
pub async fn submit_report(state: web::Data<AppState>, caller: Require<Staff>, body: Json<CreateReportRequest>) -> ApiResult<HttpResponse> {
    let b = body.0;
    let month = Month::parse(&b.month).ok_or_else(|| ApiError::field("month", "must be a month YYYY-MM"))?;
    let tz = state.settings.timezone;
    if month.first_day() > time::local_date(Utc::now(), tz) {
        return Err(ApiError::field("month", "the month has not begun"));
    }
    let actor = caller.id;
    let r = state.db(move |c| store::submit_report(c, actor, tz, month, b.analysis)).await?;
    Ok(created(format!("/api/v1/follow-up-reports/{}", r.id), r))
}

/// The supervisor's review of a submitted report (supervisor+, F-9). 409 out of order.
#[utoipa::path(tag = "follow_ups", params(("id" = i64, Path)), request_body = ReportReviewRequest, responses(
    (status = 200, body = Report),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/follow-up-reports/{id}/review")]
pub async fn review_report(state: web::Data<AppState>, caller: Require<Supervisor>, id: web::Path<i64>, body: Json<ReportReviewRequest>) -> ApiResult<web::Json<Report>> {
    let (id, comments, actor) = (id.into_inner(), body.0.comments.filter(|c| !c.trim().is_empty()), caller.id);
    Ok(web::Json(state.db(move |c| store::review_report(c, actor, id, comments)).await?))
}

/// The manager's decision on a reviewed report (manager, F-9). 409 out of order.
#[utoipa::path(tag = "follow_ups", params(("id" = i64, Path)), request_body = DecisionRequest, responses(
    (status = 200, body = Report),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/follow-up-reports/{id}/decision")]
pub async fn decide_report(state: web::Data<AppState>, caller: Require<Manager>, id: web::Path<i64>, body: Json<DecisionRequest>) -> ApiResult<web::Json<Report>> {
    let (id, b, actor) = (id.into_inner(), body.0, caller.id);
    Ok(web::Json(state.db(move |c| store::decide_report(c, actor, id, b.corrective_action, b.note)).await?))
}

/// Reports, newest month first.
#[utoipa::path(tag = "follow_ups", params(PageParams), responses((status = 200, content(
    (Paginated<Report> = "application/json"), (String = "text/csv")))))]
#[get("/follow-up-reports")]
pub async fn list_reports(state: web::Data<AppState>, _user: AuthUser, paging: Query<PageParams>) -> ApiResult<ListResponse<Report>> {
    let page = Page::from(&paging.0);
    let (items, total) = state.db(move |c| store::list_reports(c, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// One report.
#[utoipa::path(tag = "follow_ups", params(("id" = i64, Path)), responses((status = 200, body = Report), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/follow-up-reports/{id}")]
pub async fn get_report(state: web::Data<AppState>, _user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<Report>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |c| store::find_report(c, id)).await?))
}
