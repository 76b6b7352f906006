//! `/vacant-units`: register, care records, anomalies, half-year summary.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rules::{self, AnomalyStatus, CareTask, Finish};
use super::store::{self, Anomaly, CareRecord, NewCareRecord, NewUnit, SummaryLine, Unit, UnitFilter};
use crate::auth::{AuthUser, Require, Staff, Supervisor};
use crate::error::{ApiError, ApiResult};
use crate::http::csv::CsvRow;
use crate::http::validate::{not_blank, LONG_TEXT};
use crate::http::{created, Json, ListResponse, Page, PageParams, Paginated, Query};
use crate::AppState;

/// A unit taken over by the centre (V-1).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"unit": "A栋1203", "building": "A栋", "floor": "12", "room": "03", "taken_over_on": "2026-03-01", "finish": "fine"}))]
pub struct CreateUnitRequest {
    #[validate(length(min = 1, max = 64), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    pub unit: String,
    #[validate(length(min = 1, max = 64), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    pub building: String,
    #[validate(length(min = 1, max = 16), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 16, pattern = r"\S")]
    pub floor: String,
    #[validate(length(min = 1, max = 16), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 16, pattern = r"\S")]
    pub room: String,
    pub taken_over_on: NaiveDate,
    pub finish: Finish,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"sold_on": "2026-11-20"}))]
pub struct SoldRequest {
    pub sold_on: NaiveDate,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    #[validate(length(max = 64))]
    #[param(max_length = 64)]
    pub building: Option<String>,
    /// `true`: sold units only; `false`: still vacant.
    pub sold: Option<bool>,
}

impl CsvRow for Unit {
    const CSV_COLUMNS: &'static [&'static str] =
        &["id", "unit", "building", "floor", "room", "taken_over_on", "finish", "sold_on", "retain_until"];
}

/// Register a vacant unit (supervisor+, V-1). `unit` is unique (409).
#[utoipa::path(tag = "vacant_units", request_body = CreateUnitRequest, responses(
    (status = 201, body = Unit, headers(("Location" = String))),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/vacant-units")]
pub async fn create_unit(state: web::Data<AppState>, caller: Require<Supervisor>, body: Json<CreateUnitRequest>) -> ApiResult<HttpResponse> {
    let b = body.0;
    let new = NewUnit {
        unit: b.unit.trim().into(),
        building: b.building.trim().into(),
        floor: b.floor.trim().into(),
        room: b.room.trim().into(),
        taken_over_on: b.taken_over_on,
        finish: b.finish,
    };
    let actor = caller.id;
    let unit = state.db(move |c| store::create(c, actor, new)).await?;
    Ok(created(format!("/api/v1/vacant-units/{}", unit.id), unit))
}

/// The vacant-unit register, by building, floor and room.
#[utoipa::path(tag = "vacant_units", params(UnitQuery, PageParams), responses((status = 200, content(
    (Paginated<Unit> = "application/json"), (String = "text/csv")))))]
#[get("/vacant-units")]
pub async fn list_units(state: web::Data<AppState>, _user: AuthUser, query: Query<UnitQuery>, paging: Query<PageParams>) -> ApiResult<ListResponse<Unit>> {
    let q = query.0;
    let filter = UnitFilter { building: q.building, sold: q.sold };
    let page = Page::from(&paging.0);
    let (items, total) = state.db(move |c| store::list(c, &filter, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// One unit, with `retain_until` once sold (V-6).
#[utoipa::path(tag = "vacant_units", params(("id" = i64, Path)), responses((status = 200, body = Unit), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/vacant-units/{id}")]
pub async fn get_unit(state: web::Data<AppState>, _user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<Unit>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |c| store::find(c, id)).await?))
}

/// Record the sale of a unit (supervisor+); its records are kept until a year later (V-6).
#[utoipa::path(tag = "vacant_units", params(("id" = i64, Path)), request_body = SoldRequest, responses(
    (status = 200, body = Unit),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, description = "Already sold", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/vacant-units/{id}/sold")]
pub async fn mark_sold(state: web::Data<AppState>, caller: Require<Supervisor>, id: web::Path<i64>, body: Json<SoldRequest>) -> ApiResult<web::Json<Unit>> {
    let (id, sold_on, actor) = (id.into_inner(), body.sold_on, caller.id);
    Ok(web::Json(state.db(move |c| store::mark_sold(c, actor, id, sold_on)).await?))
}

/// An anomaly found on a care round (V-5).
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct AnomalyInput {
    #[validate(length(min = 1, max = LONG_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub description: String,
}

/// A care round (V-4): tasks from the manual's fixed set only.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"performed_at": "2026-11-28T02:00:00Z", "tasks": ["ventilation", "patrol"], "notes": "门窗完好", "anomaly": {"description": "卫生间渗水"}}))]
pub struct CreateCareRecordRequest {
    pub performed_at: DateTime<Utc>,
    /// At least one, each at most once.
    #[validate(length(min = 1, max = 9))]
    #[schema(min_items = 1, max_items = 9)]
    pub tasks: Vec<CareTask>,
    #[validate(length(max = LONG_TEXT))]
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    /// Reported to the supervisors at once; stays open until a supervisor closes it (V-5).
    #[validate(nested)]
    pub anomaly: Option<AnomalyInput>,
}

impl CsvRow for CareRecord {
    const CSV_COLUMNS: &'static [&'static str] = &["id", "unit_id", "performed_at", "performed_by", "tasks", "notes"];
}

/// Record a care round on a unit (staff+, V-4/V-5). 409 for a sold unit.
#[utoipa::path(tag = "vacant_units", params(("id" = i64, Path)), request_body = CreateCareRecordRequest, responses(
    (status = 201, body = CareRecord),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/vacant-units/{id}/care-records")]
pub async fn add_care_record(
    state: web::Data<AppState>,
    caller: Require<Staff>,
    id: web::Path<i64>,
    body: Json<CreateCareRecordRequest>,
) -> ApiResult<HttpResponse> {
    let (id, b, actor) = (id.into_inner(), body.0, caller.id);
    if b.performed_at > Utc::now() + Duration::minutes(5) {
        return Err(ApiError::field("performed_at", "must not be in the future"));
    }
    for (i, t) in b.tasks.iter().enumerate() {
        if b.tasks[..i].contains(t) {
            return Err(ApiError::field(&format!("tasks[{i}]"), format!("{t} is listed twice")));
        }
    }
    let new = NewCareRecord {
        performed_at: b.performed_at,
        tasks: b.tasks,
        notes: b.notes.filter(|n| !n.trim().is_empty()),
        anomaly: b.anomaly.map(|a| a.description),
    };
    let record = state.db(move |c| store::add_care_record(c, actor, id, new)).await?;
    Ok(created(format!("/api/v1/vacant-units/{id}/care-records"), record))
}

/// A unit's care rounds, newest first.
#[utoipa::path(tag = "vacant_units", params(("id" = i64, Path), PageParams), responses((status = 200, content(
    (Paginated<CareRecord> = "application/json"), (String = "text/csv")))))]
#[get("/vacant-units/{id}/care-records")]
pub async fn list_care_records(state: web::Data<AppState>, _user: AuthUser, id: web::Path<i64>, paging: Query<PageParams>) -> ApiResult<ListResponse<CareRecord>> {
    let (id, page) = (id.into_inner(), Page::from(&paging.0));
    let (items, total) = state.db(move |c| store::care_records(c, id, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnomalyQuery {
    pub status: Option<AnomalyStatus>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"action": "已通知工程部维修"}))]
pub struct CloseAnomalyRequest {
    #[validate(length(min = 1, max = LONG_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub action: String,
}

impl CsvRow for Anomaly {
    const CSV_COLUMNS: &'static [&'static str] =
        &["id", "unit_id", "care_record_id", "description", "reported_by", "reported_at", "status", "action", "closed_at"];
}

/// Anomalies found in vacant units, oldest first (V-5).
#[utoipa::path(tag = "vacant_units", params(AnomalyQuery, PageParams), responses((status = 200, content(
    (Paginated<Anomaly> = "application/json"), (String = "text/csv")))))]
#[get("/vacant-unit-anomalies")]
pub async fn list_anomalies(state: web::Data<AppState>, _user: AuthUser, query: Query<AnomalyQuery>, paging: Query<PageParams>) -> ApiResult<ListResponse<Anomaly>> {
    let (status, page) = (query.status, Page::from(&paging.0));
    let (items, total) = state.db(move |c| store::list_anomalies(c, status, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// Close an anomaly with the action taken (supervisor+, V-5). 409 when already closed.
#[utoipa::path(tag = "vacant_units", params(("id" = i64, Path)), request_body = CloseAnomalyRequest, responses(
    (status = 200, body = Anomaly),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/vacant-unit-anomalies/{id}/close")]
pub async fn close_anomaly(state: web::Data<AppState>, caller: Require<Supervisor>, id: web::Path<i64>, body: Json<CloseAnomalyRequest>) -> ApiResult<web::Json<Anomaly>> {
    let (id, action, actor) = (id.into_inner(), body.0.action, caller.id);
    Ok(web::Json(state.db(move |c| store::close_anomaly(c, actor, id, action)).await?))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// `YYYY-H1` (January–June) or `YYYY-H2` (July–December).
    #[param(example = "2026-H2", pattern = r"^\d{4}-H[12]$")]
    pub half: String,
}

impl CsvRow for SummaryLine {
    const CSV_COLUMNS: &'static [&'static str] = &["unit_id", "unit", "task", "count"];
}

/// The half-year compilation of care per unit and task (V-6).
#[utoipa::path(tag = "vacant_units", params(SummaryQuery, PageParams), responses((status = 200, content(
    (Paginated<SummaryLine> = "application/json"), (String = "text/csv")))))]
#[get("/vacant-units/care-summary")]
pub async fn care_summary(state: web::Data<AppState>, _user: AuthUser, query: Query<SummaryQuery>, paging: Query<PageParams>) -> ApiResult<ListResponse<SummaryLine>> {
    let (from, to) = rules::half_year(&query.half).ok_or_else(|| ApiError::field("half", "must be YYYY-H1 or YYYY-H2"))?;
    let (tz, page) = (state.settings.timezone, Page::from(&paging.0));
    let (items, total) = state.db(move |c| store::care_summary(c, from, to, tz, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}
