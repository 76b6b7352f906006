//! `/customer-files`, `/archive-boxes`, `/file-access-requests`.

use actix_web::http::header::ContentType;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse, Responder};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::access_store::{self, AccessLogEntry, FullFile, Grant};
use super::rules::{ChangeKind, DocumentKind, GrantStatus};
use super::store::{self, ArchiveBox, CatalogEntry, CatalogFilter, Change, Document, NewDocument, NewFile};
use crate::auth::extract::VerifiedToken;
use crate::auth::{AuthUser, DeputySupervisor, Manager, Require};
use crate::error::{ApiError, ApiResult};
use crate::http::csv::CsvRow;
use crate::http::validate::{blank_to_none, not_blank, LONG_TEXT, SHORT_TEXT};
use crate::http::pagination::wants_csv;
use crate::http::{created, Json, ListResponse, Page, PageParams, Paginated, Query};
use crate::AppState;

/// A new customer file (deputy supervisor+). `phone` and `id_number` are confidential (C-8).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"file_no": "KF-0001", "customer_name": "张伟", "building": "A栋", "floor": "12", "room": "03", "move_in_date": "2025-06-01", "page_count": 18, "phone": "13800000000", "box_id": 1, "remarks": "业主"}))]
pub struct CreateFileRequest {
    #[validate(length(min = 1, max = 64), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    pub file_no: String,
    #[validate(length(min = 1, max = SHORT_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub customer_name: String,
    #[validate(length(min = 1, max = 64), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    pub building: String,
    #[validate(length(min = 1, max = 16), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 16, pattern = r"\S")]
    pub floor: String,
    #[validate(length(min = 1, max = 16), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 16, pattern = r"\S")]
    pub room: String,
    pub move_in_date: NaiveDate,
    #[validate(range(min = 0, max = 100_000))]
    #[schema(minimum = 0, maximum = 100000)]
    pub page_count: i32,
    #[validate(length(max = 40))]
    #[schema(max_length = 40)]
    pub phone: Option<String>,
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub id_number: Option<String>,
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub box_id: Option<i64>,
    #[validate(length(max = LONG_TEXT))]
    #[schema(max_length = 10000)]
    pub remarks: Option<String>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogQuery {
    #[validate(length(max = 64))]
    #[param(max_length = 64)]
    pub building: Option<String>,
    /// Part of the customer name or file number.
    #[validate(length(max = 100))]
    #[param(max_length = 100)]
    pub q: Option<String>,
}

impl CsvRow for CatalogEntry {
    const CSV_COLUMNS: &'static [&'static str] =
        &["serial_no", "id", "file_no", "customer_name", "building", "floor", "room", "move_in_date", "page_count", "remarks"];
}

/// Open a customer file (deputy supervisor+). `file_no` is unique (409). Answers the
/// catalog view: the confidential fields are never echoed.
#[utoipa::path(tag = "customer_files", request_body = CreateFileRequest, responses(
    (status = 201, body = CatalogEntry, headers(("Location" = String))),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/customer-files")]
pub async fn create_file(state: web::Data<AppState>, caller: Require<DeputySupervisor>, body: Json<CreateFileRequest>) -> ApiResult<HttpResponse> {
    let b = body.0;
    let new = NewFile {
        file_no: b.file_no.trim().into(),
        customer_name: b.customer_name.trim().into(),
        building: b.building.trim().into(),
        floor: b.floor.trim().into(),
        room: b.room.trim().into(),
        move_in_date: b.move_in_date,
        page_count: b.page_count,
        phone: blank_to_none(b.phone),
        id_number: blank_to_none(b.id_number),
        box_id: b.box_id,
        remarks: blank_to_none(b.remarks),
    };
    let actor = caller.id;
    let entry = state.db(move |c| store::create(c, actor, new)).await?;
    Ok(created(format!("/api/v1/customer-files/{}", entry.id), entry))
}

/// The catalog (C-4), ordered by building, floor, room with natural ordering (C-3).
/// Never carries phone, ID number, documents or history.
#[utoipa::path(tag = "customer_files", params(CatalogQuery, PageParams), responses((status = 200, content(
    (Paginated<CatalogEntry> = "application/json"), (String = "text/csv")))))]
#[get("/customer-files")]
pub async fn catalog(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: VerifiedToken,
    query: Query<CatalogQuery>,
    paging: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let q = query.0;
    let filter = CatalogFilter { building: blank_to_none(q.building), q: blank_to_none(q.q) };
    let page = Page::from(&paging.0);
    let caches = state.caches.clone();
    let key = (filter.building.clone(), filter.q.clone(), page.page, page.per_page);
    let answer = state
        .db(move |c| {
            token.caller(c)?; // any active account (C-4)
            caches.catalog.get_or_load(c, key, |c| {
                let (items, total) = store::catalog(c, &filter, page)?;
                let page = Paginated::new(items, page, total);
                let json = serde_json::to_vec(&page).map_err(|e| ApiError::Internal(e.to_string()))?;
                Ok(CachedPage { page, json: web::Bytes::from(json) })
            })
        })
        .await?;
    if wants_csv(&req) {
        let page = Paginated::new(answer.page.items.clone(), page, answer.page.total);
        return Ok(ListResponse { page }.respond_to(&req));
    }
    // The page as serialized when it was cached: no copy, no serialization per request.
    Ok(HttpResponse::Ok().content_type(ContentType::json()).body(answer.json.clone()))
}

/// A catalog page as cached: the entries (for CSV) and their JSON.
pub struct CachedPage {
    pub page: Paginated<CatalogEntry>,
    pub json: web::Bytes,
}

/// The full, confidential file (C-8): a manager, or the holder of an active access grant.
/// Every read is written to the access log; 403 otherwise.
#[utoipa::path(tag = "customer_files", params(("id" = i64, Path)), responses(
    (status = 200, body = FullFile),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/customer-files/{id}")]
pub async fn read_file(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<FullFile>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |c| access_store::read_full(c, &user, id)).await?))
}

/// Not allowed: customer files are kept permanently (C-9).
#[delete("/customer-files/{id}")]
pub async fn delete_file(_id: web::Path<String>) -> ApiResult<HttpResponse> {
    Err(ApiError::Immutable { rule: "C-9", message: "customer files are kept permanently".into(), allow: vec!["GET".into(), "HEAD".into()] })
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"kind": "customer_covenant", "title": "客户公约（已签）", "pages": 2, "received_on": "2025-06-01"}))]
pub struct CreateDocumentRequest {
    pub kind: DocumentKind,
    #[validate(length(max = SHORT_TEXT))]
    #[schema(max_length = 200)]
    pub title: Option<String>,
    #[validate(range(min = 0, max = 10_000))]
    #[schema(minimum = 0, maximum = 10000)]
    pub pages: Option<i32>,
    pub received_on: NaiveDate,
}

/// Put a document into a file (deputy supervisor+, C-1).
#[utoipa::path(tag = "customer_files", params(("id" = i64, Path)), request_body = CreateDocumentRequest, responses(
    (status = 201, body = Document),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/customer-files/{id}/documents")]
pub async fn add_document(state: web::Data<AppState>, caller: Require<DeputySupervisor>, id: web::Path<i64>, body: Json<CreateDocumentRequest>) -> ApiResult<HttpResponse> {
    let (id, b, actor) = (id.into_inner(), body.0, caller.id);
    let new = NewDocument { kind: b.kind, title: blank_to_none(b.title), pages: b.pages, received_on: b.received_on };
    let d = state.db(move |c| store::add_document(c, actor, id, new)).await?;
    Ok(created(format!("/api/v1/customer-files/{id}"), d))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"kind": "phone_changed", "new_value": "13900000000", "note": "客户来电告知"}))]
pub struct CreateChangeRequest {
    /// `phone_changed` updates the phone, `customer_replaced` the customer name; the old
    /// value is kept in the history (C-5).
    pub kind: ChangeKind,
    #[validate(length(min = 1, max = SHORT_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub new_value: String,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// Record a change in a file (deputy supervisor+, C-5).
#[utoipa::path(tag = "customer_files", params(("id" = i64, Path)), request_body = CreateChangeRequest, responses(
    (status = 201, body = Change),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/customer-files/{id}/changes")]
pub async fn record_change(state: web::Data<AppState>, caller: Require<DeputySupervisor>, id: web::Path<i64>, body: Json<CreateChangeRequest>) -> ApiResult<HttpResponse> {
    let (id, b, actor) = (id.into_inner(), body.0, caller.id);
    let (kind, value, note) = (b.kind, b.new_value.trim().to_string(), blank_to_none(b.note));
    let change = state.db(move |c| store::record_change(c, actor, id, kind, value, note)).await?;
    Ok(created(format!("/api/v1/customer-files/{id}"), change))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"reason": "处理业主投诉需核对联系方式"}))]
pub struct AccessRequestBody {
    #[validate(length(min = 1, max = 2000), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub reason: String,
}

/// Ask to read a file (anyone, C-8) → `requested`.
#[utoipa::path(tag = "customer_files", params(("id" = i64, Path)), request_body = AccessRequestBody, responses(
    (status = 201, body = Grant, headers(("Location" = String))),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/customer-files/{id}/access-requests")]
pub async fn request_access(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: Json<AccessRequestBody>) -> ApiResult<HttpResponse> {
    let (id, reason) = (id.into_inner(), body.0.reason);
    let g = state.db(move |c| access_store::request(c, user.id, id, reason)).await?;
    Ok(created(format!("/api/v1/file-access-requests/{}", g.id), g))
}

/// Approve a request (manager, C-8) → `approved`. 409 unless `requested`.
#[utoipa::path(tag = "customer_files", params(("id" = i64, Path)), responses(
    (status = 200, body = Grant),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/file-access-requests/{id}/approve")]
pub async fn approve_access(state: web::Data<AppState>, caller: Require<Manager>, id: web::Path<i64>) -> ApiResult<web::Json<Grant>> {
    let (id, actor) = (id.into_inner(), caller.id);
    Ok(web::Json(state.db(move |c| access_store::advance(c, actor, id, GrantStatus::Approved)).await?))
}

/// Register an approved request (deputy supervisor+, C-8) → `active` for 24 hours. 409 unless `approved`.
#[utoipa::path(tag = "customer_files", params(("id" = i64, Path)), responses(
    (status = 200, body = Grant),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/file-access-requests/{id}/register")]
pub async fn register_access(state: web::Data<AppState>, caller: Require<DeputySupervisor>, id: web::Path<i64>) -> ApiResult<web::Json<Grant>> {
    let (id, actor) = (id.into_inner(), caller.id);
    Ok(web::Json(state.db(move |c| access_store::advance(c, actor, id, GrantStatus::Active)).await?))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GrantQuery {
    #[validate(range(min = 1))]
    #[param(minimum = 1)]
    pub customer_file_id: Option<i64>,
}

impl CsvRow for Grant {
    const CSV_COLUMNS: &'static [&'static str] =
        &["id", "customer_file_id", "requested_by", "reason", "status", "requested_at", "approved_by", "registered_by", "expires_at"];
}

/// Access requests, newest first (deputy supervisor+).
#[utoipa::path(tag = "customer_files", params(GrantQuery, PageParams), responses((status = 200, content(
    (Paginated<Grant> = "application/json"), (String = "text/csv")))))]
#[get("/file-access-requests")]
pub async fn list_access(state: web::Data<AppState>, _caller: Require<DeputySupervisor>, query: Query<GrantQuery>, paging: Query<PageParams>) -> ApiResult<ListResponse<Grant>> {
    let (file_id, page) = (query.customer_file_id, Page::from(&paging.0));
    let (items, total) = state.db(move |c| access_store::list(c, file_id, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// One access request: its requester, or deputy supervisor+.
#[utoipa::path(tag = "customer_files", params(("id" = i64, Path)), responses(
    (status = 200, body = Grant),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/file-access-requests/{id}")]
pub async fn get_access(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<Grant>> {
    let id = id.into_inner();
    let g = state.db(move |c| access_store::find(c, id)).await?;
    if g.requested_by != user.id && !user.at_least(crate::auth::Role::DeputySupervisor) {
        return Err(ApiError::Forbidden("only the requester or a deputy supervisor sees this request".into()));
    }
    Ok(web::Json(g))
}

impl CsvRow for AccessLogEntry {
    const CSV_COLUMNS: &'static [&'static str] = &["read_at", "reader_id", "reader_name", "grant_id"];
}

/// Who read a file, when, under which grant (deputy supervisor+, C-8).
#[utoipa::path(tag = "customer_files", params(("id" = i64, Path), PageParams), responses((status = 200, content(
    (Paginated<AccessLogEntry> = "application/json"), (String = "text/csv")))))]
#[get("/customer-files/{id}/access-log")]
pub async fn access_log(state: web::Data<AppState>, _caller: Require<DeputySupervisor>, id: web::Path<i64>, paging: Query<PageParams>) -> ApiResult<ListResponse<AccessLogEntry>> {
    let (id, page) = (id.into_inner(), Page::from(&paging.0));
    let (items, total) = state.db(move |c| access_store::access_log(c, id, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"org_code": "SW", "category": "客户档案"}))]
pub struct CreateBoxRequest {
    #[validate(length(min = 1, max = 32), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 32, pattern = r"\S")]
    pub org_code: String,
    #[validate(length(min = 1, max = 64), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    pub category: String,
}

impl CsvRow for ArchiveBox {
    const CSV_COLUMNS: &'static [&'static str] = &["id", "label", "org_code", "category", "created_at"];
}

/// Label a new archive box `<org_code>-<category>` (deputy supervisor+, C-2). 409 when the label exists.
#[utoipa::path(tag = "customer_files", request_body = CreateBoxRequest, responses(
    (status = 201, body = ArchiveBox),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/archive-boxes")]
pub async fn create_box(state: web::Data<AppState>, caller: Require<DeputySupervisor>, body: Json<CreateBoxRequest>) -> ApiResult<HttpResponse> {
    let (b, actor) = (body.0, caller.id);
    let bx = state.db(move |c| store::create_box(c, actor, b.org_code, b.category)).await?;
    Ok(created("/api/v1/archive-boxes".into(), bx))
}

/// Archive boxes by label.
#[utoipa::path(tag = "customer_files", params(PageParams), responses((status = 200, content(
    (Paginated<ArchiveBox> = "application/json"), (String = "text/csv")))))]
#[get("/archive-boxes")]
pub async fn list_boxes(state: web::Data<AppState>, _user: AuthUser, paging: Query<PageParams>) -> ApiResult<ListResponse<ArchiveBox>> {
    let page = Page::from(&paging.0);
    let (items, total) = state.db(move |c| store::list_boxes(c, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}
