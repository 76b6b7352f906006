//! Shift handover (D-5..D-9): the outgoing staff member signs by creating it, the incoming
//! one raises anomalies, the outgoing explains them, the incoming accepts.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::handover_store::{self as store, Anomaly, Handover, HandoverFilter, NewHandover};
use super::rules::{HandoverStatus, PendingItem};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::http::csv::CsvRow;
use crate::http::validate::{not_blank, LONG_TEXT};
use crate::http::{created, Json, ListResponse, Page, PageParams, Paginated, Query};
use crate::AppState;

/// A piece of work handed over.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct PendingItemRequest {
    #[validate(length(min = 1, max = 2000), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub description: String,
    /// Important work that is not `done` blocks the handover (D-8).
    pub important: bool,
    pub done: bool,
}

/// The outgoing staff member's side of the handover: creating it is their signature (D-9).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"from_shift_id": 1, "to_shift_id": 2, "summary": "班内处理投诉2起，均已回复", "pending_items": [{"description": "3楼漏水待工程部回复", "important": false, "done": false}]}))]
pub struct CreateHandoverRequest {
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub from_shift_id: i64,
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub to_shift_id: i64,
    #[validate(length(min = 1, max = LONG_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub summary: String,
    /// Unfinished work, truthfully (D-7); may be empty.
    #[validate(length(max = 200), nested)]
    #[schema(max_items = 200)]
    pub pending_items: Vec<PendingItemRequest>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"description": "服务台抽屉钥匙缺失"}))]
pub struct AnomalyRequest {
    #[validate(length(min = 1, max = LONG_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub description: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"explanation": "钥匙已交保安部，见保安部登记"}))]
pub struct ExplanationRequest {
    #[validate(length(min = 1, max = LONG_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub explanation: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"arrived_at": "2026-11-28T07:50:00Z"}))]
pub struct AcceptRequest {
    /// When the incoming staff member arrived; later than 5 minutes before the shift start
    /// is recorded as `late_arrival` (D-5).
    pub arrived_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HandoverQuery {
    /// Handovers from or to this shift.
    #[validate(range(min = 1))]
    #[param(minimum = 1)]
    pub shift_id: Option<i64>,
    pub status: Option<HandoverStatus>,
}

impl CsvRow for Handover {
    const CSV_COLUMNS: &'static [&'static str] = &[
        "id", "from_shift_id", "to_shift_id", "status", "summary", "outgoing_id", "incoming_id",
        "outgoing_signed_at", "incoming_signed_at", "arrived_at", "late_arrival",
    ];
}

/// Hand a shift over (the staff member of `from_shift` only, D-9).
///
/// Opens 15 minutes before `from_shift` ends (D-7: 422 earlier).
/// 422 with rule D-8 naming each `pending_items[i]` that is important and not done.
#[utoipa::path(tag = "duty", request_body = CreateHandoverRequest, responses(
    (status = 201, body = Handover, headers(("Location" = String))),
    (status = 409, description = "The shift was already handed over", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/duty/handovers")]
pub async fn create_handover(state: web::Data<AppState>, user: AuthUser, body: Json<CreateHandoverRequest>) -> ApiResult<HttpResponse> {
    let b = body.0;
    let new = NewHandover {
        from_shift_id: b.from_shift_id,
        to_shift_id: b.to_shift_id,
        summary: b.summary,
        pending_items: b
            .pending_items
            .into_iter()
            .map(|i| PendingItem { description: i.description, important: i.important, done: i.done })
            .collect(),
    };
    let h = state.db(move |c| store::create(c, user.id, new)).await?;
    Ok(created(format!("/api/v1/duty/handovers/{}", h.id), h))
}

/// Record an anomaly found on taking over (the staff member of `to_shift` only, D-6).
#[utoipa::path(tag = "duty", params(("id" = i64, Path)), request_body = AnomalyRequest, responses(
    (status = 201, body = Anomaly),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, description = "Already accepted", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/duty/handovers/{id}/anomalies")]
pub async fn raise_anomaly(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: Json<AnomalyRequest>,
) -> ApiResult<HttpResponse> {
    let (id, description) = (id.into_inner(), body.0.description);
    let a = state.db(move |c| store::raise_anomaly(c, user.id, id, description)).await?;
    Ok(created(format!("/api/v1/duty/handovers/{id}"), a))
}

/// Explain an anomaly (the staff member of `from_shift` only, D-6). 409 when already explained.
#[utoipa::path(tag = "duty", params(("id" = i64, Path), ("anomaly_id" = i64, Path)), request_body = ExplanationRequest, responses(
    (status = 200, body = Anomaly),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/duty/handovers/{id}/anomalies/{anomaly_id}/explanation")]
pub async fn explain_anomaly(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(i64, i64)>,
    body: Json<ExplanationRequest>,
) -> ApiResult<web::Json<Anomaly>> {
    let ((id, anomaly_id), explanation) = (path.into_inner(), body.0.explanation);
    Ok(web::Json(state.db(move |c| store::explain_anomaly(c, user.id, id, anomaly_id, explanation)).await?))
}

/// Accept the handover (the staff member of `to_shift` only, D-9).
///
/// 409 while an anomaly lacks its explanation (D-6) or when already accepted.
#[utoipa::path(tag = "duty", params(("id" = i64, Path)), request_body = AcceptRequest, responses(
    (status = 200, body = Handover),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/duty/handovers/{id}/accept")]
pub async fn accept(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: Json<AcceptRequest>) -> ApiResult<web::Json<Handover>> {
    let (id, arrived_at) = (id.into_inner(), body.0.arrived_at);
    if arrived_at > Utc::now() + Duration::minutes(5) {
        return Err(ApiError::field("arrived_at", "must not be in the future"));
    }
    Ok(web::Json(state.db(move |c| store::accept(c, user.id, id, arrived_at)).await?))
}

/// Handovers, by shift and status, with items and anomalies.
#[utoipa::path(tag = "duty", params(HandoverQuery, PageParams), responses((status = 200, content(
    (Paginated<Handover> = "application/json"), (String = "text/csv")))))]
#[get("/duty/handovers")]
pub async fn list_handovers(
    state: web::Data<AppState>,
    _user: AuthUser,
    query: Query<HandoverQuery>,
    paging: Query<PageParams>,
) -> ApiResult<ListResponse<Handover>> {
    let filter = HandoverFilter { shift_id: query.shift_id, status: query.status };
    let page = Page::from(&paging.0);
    let (items, total) = state.db(move |c| store::list(c, &filter, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// One handover with its items and anomalies.
#[utoipa::path(tag = "duty", params(("id" = i64, Path)), responses((status = 200, body = Handover), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/duty/handovers/{id}")]
pub async fn get_handover(state: web::Data<AppState>, _user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<Handover>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |c| store::find(c, id)).await?))
}
