//! `/key-loans` (lend, return, chase, overdue) and `/key-incidents`.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::loan_store::{self as store, Chase, Incident, Loan, LoanFilter, NewIncident, NewLoan, OverdueLoan, Resolution};
use super::rules::{ConsentFrom, IncidentAction, IncidentKind, IncidentStatus};
use crate::auth::{AuthUser, Require, Staff, Supervisor};
use crate::error::{ApiError, ApiResult};
use crate::http::csv::CsvRow;
use crate::http::validate::{not_blank, SHORT_TEXT};
use crate::http::{created, Json, ListResponse, Page, PageParams, Paginated, Query};
use crate::AppState;

/// K-5: the borrowing register line.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"key_id": 1, "quantity": 1, "expected_return_at": "2026-11-30T10:00:00Z", "reason": "空置房通风", "borrower_name": "王师傅", "borrower_phone": "13900000000", "borrower_signature": "王"}))]
pub struct CreateLoanRequest {
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub key_id: i64,
    #[validate(range(min = 1, max = 100))]
    #[schema(minimum = 1, maximum = 100)]
    pub quantity: i32,
    /// The expected borrowing period's end; overdue chasing starts after 72 hours regardless (K-7).
    pub expected_return_at: DateTime<Utc>,
    #[validate(length(min = 1, max = 2000), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub reason: String,
    #[validate(length(min = 1, max = SHORT_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub borrower_name: String,
    #[validate(length(min = 1, max = 40), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 40, pattern = r"\S")]
    pub borrower_phone: String,
    #[validate(length(min = 1, max = SHORT_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub borrower_signature: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"returned_quantity": 1}))]
pub struct ReturnRequest {
    /// Must equal the copies out on the loan (K-6).
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub returned_quantity: i32,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"note": "已电话提醒，明早归还"}))]
pub struct ChaseRequest {
    #[validate(length(min = 1, max = 2000), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub note: String,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoanQuery {
    /// `true`: not yet returned; `false`: returned.
    pub open: Option<bool>,
    #[validate(range(min = 1))]
    #[param(minimum = 1)]
    pub key_id: Option<i64>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverdueQuery {
    /// The moment to judge at (RFC 3339); default now.
    pub at: Option<DateTime<Utc>>,
}

impl CsvRow for Loan {
    const CSV_COLUMNS: &'static [&'static str] = &[
        "id", "key_id", "key_no", "unit", "quantity", "lost_quantity", "borrowed_at", "expected_return_at", "reason",
        "borrower_name", "borrower_phone", "lent_by", "returned_at", "returned_quantity", "received_by",
    ];
}

impl CsvRow for OverdueLoan {
    const CSV_COLUMNS: &'static [&'static str] =
        &["id", "key_id", "key_no", "unit", "quantity", "borrowed_at", "borrower_name", "borrower_phone", "hours_out", "chase_count"];
}

/// Lend copies of a key (staff+, K-5). 409 when fewer copies are in the cabinet than asked,
/// or the key was collected or retired.
#[utoipa::path(tag = "keys", request_body = CreateLoanRequest, responses(
    (status = 201, body = Loan, headers(("Location" = String))),
    (status = 409, description = "Not enough copies in the cabinet", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/key-loans")]
pub async fn lend(state: web::Data<AppState>, caller: Require<Staff>, body: Json<CreateLoanRequest>) -> ApiResult<HttpResponse> {
    let b = body.0;
    if b.expected_return_at <= Utc::now() {
        return Err(ApiError::field("expected_return_at", "must be in the future"));
    }
    let new = NewLoan {
        key_id: b.key_id,
        quantity: b.quantity,
        expected_return_at: b.expected_return_at,
        reason: b.reason,
        borrower_name: b.borrower_name.trim().to_string(),
        borrower_phone: b.borrower_phone.trim().to_string(),
        borrower_signature: b.borrower_signature,
    };
    let actor = caller.id;
    let loan = state.db(move |c| store::lend(c, actor, new)).await?;
    Ok(created(format!("/api/v1/key-loans/{}", loan.id), loan))
}

/// Take a loan back (staff+, K-6); the caller signs as receiver. 422 when the count differs
/// from what is out: record an incident first.
#[utoipa::path(tag = "keys", params(("id" = i64, Path)), request_body = ReturnRequest, responses(
    (status = 200, body = Loan),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, description = "Already returned", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/key-loans/{id}/return")]
pub async fn give_back(state: web::Data<AppState>, caller: Require<Staff>, id: web::Path<i64>, body: Json<ReturnRequest>) -> ApiResult<web::Json<Loan>> {
    let (id, q, actor) = (id.into_inner(), body.returned_quantity, caller.id);
    Ok(web::Json(state.db(move |c| store::give_back(c, actor, id, q)).await?))
}

/// Loans, newest first.
#[utoipa::path(tag = "keys", params(LoanQuery, PageParams), responses((status = 200, content(
    (Paginated<Loan> = "application/json"), (String = "text/csv")))))]
#[get("/key-loans")]
pub async fn list_loans(state: web::Data<AppState>, _user: AuthUser, query: Query<LoanQuery>, paging: Query<PageParams>) -> ApiResult<ListResponse<Loan>> {
    let filter = LoanFilter { open: query.open, key_id: query.key_id };
    let page = Page::from(&paging.0);
    let (items, total) = state.db(move |c| store::list(c, &filter, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// Loans out more than 72 hours at `at` (K-7), oldest first, with the last chase.
#[utoipa::path(tag = "keys", params(OverdueQuery, PageParams), responses((status = 200, content(
    (Paginated<OverdueLoan> = "application/json"), (String = "text/csv")))))]
#[get("/key-loans/overdue")]
pub async fn overdue(state: web::Data<AppState>, _user: AuthUser, query: Query<OverdueQuery>, paging: Query<PageParams>) -> ApiResult<ListResponse<OverdueLoan>> {
    let at = query.at.unwrap_or_else(Utc::now);
    let page = Page::from(&paging.0);
    let (items, total) = state.db(move |c| store::overdue(c, at, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// One loan.
#[utoipa::path(tag = "keys", params(("id" = i64, Path)), responses((status = 200, body = Loan), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/key-loans/{id}")]
pub async fn get_loan(state: web::Data<AppState>, _user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<Loan>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |c| store::find(c, id)).await?))
}

/// Record a reminder call to the borrower (staff+, K-7). 409 once the loan is returned.
#[utoipa::path(tag = "keys", params(("id" = i64, Path)), request_body = ChaseRequest, responses(
    (status = 201, body = Chase),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/key-loans/{id}/chases")]
pub async fn chase(state: web::Data<AppState>, caller: Require<Staff>, id: web::Path<i64>, body: Json<ChaseRequest>) -> ApiResult<HttpResponse> {
    let (id, note, actor) = (id.into_inner(), body.0.note, caller.id);
    let c = state.db(move |conn| store::chase(conn, actor, id, note)).await?;
    Ok(created(format!("/api/v1/key-loans/{id}"), c))
}

/// K-8: a lost or damaged key, for the key memo.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"key_id": 1, "kind": "lost", "description": "借用人遗失一把", "loan_id": 3}))]
pub struct CreateIncidentRequest {
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub key_id: i64,
    /// A `lost` incident removes one copy from the count; the key is `lost` when none remain.
    pub kind: IncidentKind,
    #[validate(length(min = 1, max = 2000), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub description: String,
    /// The open loan the copy was lost on; without it, the copy is taken from the cabinet.
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub loan_id: Option<i64>,
}

/// K-8: the supervisor's remedy, with the developer's or customer's consent.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"consent_from": "customer", "action": "lock_change", "outcome": "已更换门锁，新钥匙3把入柜"}))]
pub struct ResolutionRequest {
    pub consent_from: ConsentFrom,
    /// `duplicate_key` restores a lost copy; `lock_change` retires the old key.
    pub action: IncidentAction,
    #[validate(length(min = 1, max = 2000), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub outcome: String,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    pub status: Option<IncidentStatus>,
}

impl CsvRow for Incident {
    const CSV_COLUMNS: &'static [&'static str] =
        &["id", "key_id", "loan_id", "kind", "description", "reported_by", "reported_at", "status", "consent_from", "action", "outcome", "resolved_at"];
}

/// Report a lost or damaged key (staff+, K-8).
#[utoipa::path(tag = "keys", request_body = CreateIncidentRequest, responses(
    (status = 201, body = Incident, headers(("Location" = String))),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/key-incidents")]
pub async fn report(state: web::Data<AppState>, caller: Require<Staff>, body: Json<CreateIncidentRequest>) -> ApiResult<HttpResponse> {
    let b = body.0;
    let new = NewIncident { key_id: b.key_id, loan_id: b.loan_id, kind: b.kind, description: b.description };
    let actor = caller.id;
    let i = state.db(move |c| store::report(c, actor, new)).await?;
    Ok(created(format!("/api/v1/key-incidents/{}", i.id), i))
}

/// Record the supervisor's resolution (supervisor+, K-8). 409 when already resolved.
#[utoipa::path(tag = "keys", params(("id" = i64, Path)), request_body = ResolutionRequest, responses(
    (status = 200, body = Incident),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/key-incidents/{id}/resolution")]
pub async fn resolve(state: web::Data<AppState>, caller: Require<Supervisor>, id: web::Path<i64>, body: Json<ResolutionRequest>) -> ApiResult<web::Json<Incident>> {
    let (id, b, actor) = (id.into_inner(), body.0, caller.id);
    let r = Resolution { consent_from: b.consent_from, action: b.action, outcome: b.outcome };
    Ok(web::Json(state.db(move |c| store::resolve(c, actor, id, r)).await?))
}

/// Key incidents, newest first.
#[utoipa::path(tag = "keys", params(IncidentQuery, PageParams), responses((status = 200, content(
    (Paginated<Incident> = "application/json"), (String = "text/csv")))))]
#[get("/key-incidents")]
pub async fn list_incidents(state: web::Data<AppState>, _user: AuthUser, query: Query<IncidentQuery>, paging: Query<PageParams>) -> ApiResult<ListResponse<Incident>> {
    let (status, page) = (query.status, Page::from(&paging.0));
    let (items, total) = state.db(move |c| store::list_incidents(c, status, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// One incident.
#[utoipa::path(tag = "keys", params(("id" = i64, Path)), responses((status = 200, body = Incident), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/key-incidents/{id}")]
pub async fn get_incident(state: web::Data<AppState>, _user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<Incident>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |c| store::find_incident(c, id)).await?))
}
