//! `/keys`, `/key-entrustments`, collection and history.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::rules::{IdDocumentKind, KeySource, KeyStatus};
use super::store::{self, Collection, Entrustment, Key, KeyEvent, KeyFilter, NewCollection, NewEntrustment, NewKey};
use crate::auth::{AuthUser, DeputySupervisor, Require, Staff};
use crate::error::ApiResult;
use crate::http::csv::CsvRow;
use crate::http::validate::{not_blank, SHORT_TEXT};
use crate::http::{created, Json, ListResponse, Page, PageParams, Paginated, Query};
use crate::AppState;

/// A key to keep in the cabinet (K-2, K-3).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"key_no": "A-1203", "unit": "A栋1203", "source": "developer", "quantity": 3, "cabinet_slot": "柜1-03"}))]
pub struct CreateKeyRequest {
    #[validate(length(min = 1, max = 64), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    pub key_no: String,
    /// The unit code the key is labelled with (K-3).
    #[validate(length(min = 1, max = 64), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    pub unit: String,
    pub source: KeySource,
    #[validate(range(min = 1, max = 100))]
    #[schema(minimum = 1, maximum = 100)]
    pub quantity: i32,
    #[validate(length(max = SHORT_TEXT))]
    #[schema(max_length = 200)]
    pub holder_name: Option<String>,
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub cabinet_slot: Option<String>,
}

impl CsvRow for Key {
    const CSV_COLUMNS: &'static [&'static str] =
        &["id", "key_no", "unit", "source", "holder_name", "cabinet_slot", "quantity", "available", "status", "updated_at"];
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeyQuery {
    pub status: Option<KeyStatus>,
    #[validate(length(max = 64))]
    #[param(max_length = 64)]
    pub unit: Option<String>,
}

/// Register a key in the cabinet (deputy supervisor+, K-1). `key_no` is unique (409).
#[utoipa::path(tag = "keys", request_body = CreateKeyRequest, responses(
    (status = 201, body = Key, headers(("Location" = String))),
    (status = 409, description = "key_no taken", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/keys")]
pub async fn create_key(state: web::Data<AppState>, caller: Require<DeputySupervisor>, body: Json<CreateKeyRequest>) -> ApiResult<HttpResponse> {
    let b = body.0;
    let new = NewKey {
        key_no: b.key_no.trim().to_string(),
        unit: b.unit.trim().to_string(),
        source: b.source,
        quantity: b.quantity,
        holder_name: b.holder_name.filter(|s| !s.trim().is_empty()),
        cabinet_slot: b.cabinet_slot.filter(|s| !s.trim().is_empty()),
    };
    let actor = caller.id;
    let key = state.db(move |c| store::create(c, actor, new)).await?;
    Ok(created(format!("/api/v1/keys/{}", key.id), key))
}

/// The key cabinet in unit order (K-3).
#[utoipa::path(tag = "keys", params(KeyQuery, PageParams), responses((status = 200, content(
    (Paginated<Key> = "application/json"), (String = "text/csv")))))]
#[get("/keys")]
pub async fn list_keys(state: web::Data<AppState>, _user: AuthUser, query: Query<KeyQuery>, paging: Query<PageParams>) -> ApiResult<ListResponse<Key>> {
    let q = query.0;
    let filter = KeyFilter { status: q.status, unit: q.unit };
    let page = Page::from(&paging.0);
    let (items, total) = state.db(move |c| store::list(c, &filter, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// One key.
#[utoipa::path(tag = "keys", params(("id" = i64, Path)), responses((status = 200, body = Key), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/keys/{id}")]
pub async fn get_key(state: web::Data<AppState>, _user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<Key>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |c| store::find(c, id)).await?))
}

impl CsvRow for KeyEvent {
    const CSV_COLUMNS: &'static [&'static str] = &["at", "kind", "ref_id", "actor_id", "note"];
}

/// Everything that happened to a key, oldest first: registered or entrusted, lent, returned,
/// chased, incidents and their resolution, collected.
#[utoipa::path(tag = "keys", params(("id" = i64, Path), PageParams), responses((status = 200, content(
    (Paginated<KeyEvent> = "application/json"), (String = "text/csv")))))]
#[get("/keys/{id}/history")]
pub async fn key_history(state: web::Data<AppState>, _user: AuthUser, id: web::Path<i64>, paging: Query<PageParams>) -> ApiResult<ListResponse<KeyEvent>> {
    let (id, page) = (id.into_inner(), Page::from(&paging.0));
    let (items, total) = state.db(move |c| store::history(c, id, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// Part one of the entrustment form (K-4). `disclaimer_accepted` must be `true`: the
/// customer accepts that the centre takes no responsibility for property in the unit.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"unit": "B栋0802", "customer_name": "张伟", "key_count": 2, "reason": "出差期间装修", "collection_requirements": "本人持身份证领取", "disclaimer_accepted": true, "customer_signature": "张伟"}))]
pub struct CreateEntrustmentRequest {
    #[validate(length(min = 1, max = 64), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    pub unit: String,
    #[validate(length(min = 1, max = SHORT_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub customer_name: String,
    #[validate(range(min = 1, max = 100))]
    #[schema(minimum = 1, maximum = 100)]
    pub key_count: i32,
    #[validate(length(min = 1, max = 2000), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub reason: String,
    #[validate(length(min = 1, max = 2000), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub collection_requirements: String,
    /// Must be `true` (K-4).
    #[validate(custom(function = must_be_true))]
    pub disclaimer_accepted: bool,
    #[validate(length(min = 1, max = SHORT_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub customer_signature: String,
}

fn must_be_true(v: &bool) -> Result<(), ValidationError> {
    if *v {
        Ok(())
    } else {
        let mut e = ValidationError::new("K-4");
        e.message = Some("the customer must accept that the centre is not responsible for property in the unit (K-4)".into());
        Err(e)
    }
}

impl CsvRow for Entrustment {
    const CSV_COLUMNS: &'static [&'static str] =
        &["id", "receipt_no", "key_id", "unit", "customer_name", "key_count", "reason", "collection_requirements", "entrusted_at"];
}

/// Part two of the form, handed to the customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    #[schema(example = "KE-2026-000123")]
    pub receipt_no: String,
    pub entrusted_at: DateTime<Utc>,
    pub unit: String,
    pub customer_name: String,
    pub key_count: i32,
    pub reason: String,
    pub collection_requirements: String,
    /// The statement the customer accepted.
    pub disclaimer: String,
    pub customer_signature: String,
    /// The staff member who received the keys.
    pub received_by_name: String,
}

const DISCLAIMER: &str = "管理中心对单元内财物不承担保管责任。The management centre takes no responsibility for property in the unit.";

/// Entrust keys (staff+, K-4): the entrustment, the register row and the key tagged with
/// the customer's name are created together; the answer carries `receipt_no`.
#[utoipa::path(tag = "keys", request_body = CreateEntrustmentRequest, responses(
    (status = 201, body = Entrustment, headers(("Location" = String)))))]
#[post("/key-entrustments")]
pub async fn create_entrustment(state: web::Data<AppState>, caller: Require<Staff>, body: Json<CreateEntrustmentRequest>) -> ApiResult<HttpResponse> {
    let b = body.0;
    let new = NewEntrustment {
        unit: b.unit.trim().to_string(),
        customer_name: b.customer_name.trim().to_string(),
        key_count: b.key_count,
        reason: b.reason,
        collection_requirements: b.collection_requirements,
        customer_signature: b.customer_signature,
    };
    let (actor, tz) = (caller.id, state.settings.timezone);
    let e = state.db(move |c| store::entrust(c, actor, tz, new)).await?;
    Ok(created(format!("/api/v1/key-entrustments/{}", e.id), e))
}

/// Entrustments, newest first.
#[utoipa::path(tag = "keys", params(PageParams), responses((status = 200, content(
    (Paginated<Entrustment> = "application/json"), (String = "text/csv")))))]
#[get("/key-entrustments")]
pub async fn list_entrustments(state: web::Data<AppState>, _user: AuthUser, paging: Query<PageParams>) -> ApiResult<ListResponse<Entrustment>> {
    let page = Page::from(&paging.0);
    let (items, total) = state.db(move |c| store::list_entrustments(c, page)).await?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}

/// One entrustment.
#[utoipa::path(tag = "keys", params(("id" = i64, Path)), responses((status = 200, body = Entrustment), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/key-entrustments/{id}")]
pub async fn get_entrustment(state: web::Data<AppState>, _user: AuthUser, id: web::Path<i64>) -> ApiResult<web::Json<Entrustment>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |c| store::find_entrustment(c, id)).await?))
}

/// Part two of the entrustment form, for the customer (staff+, K-4).
#[utoipa::path(tag = "keys", params(("id" = i64, Path)), responses((status = 200, body = Receipt), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/key-entrustments/{id}/receipt")]
pub async fn receipt(state: web::Data<AppState>, _caller: Require<Staff>, id: web::Path<i64>) -> ApiResult<web::Json<Receipt>> {
    let id = id.into_inner();
    let (e, staff) = state
        .db(move |c| {
            let e = store::find_entrustment(c, id)?;
            let staff = crate::auth::store::find(c, e.received_by)?;
            Ok((e, staff))
        })
        .await?;
    Ok(web::Json(Receipt {
        receipt_no: e.receipt_no,
        entrusted_at: e.entrusted_at,
        unit: e.unit,
        customer_name: e.customer_name,
        key_count: e.key_count,
        reason: e.reason,
        collection_requirements: e.collection_requirements,
        disclaimer: DISCLAIMER.into(),
        customer_signature: e.customer_signature,
        received_by_name: staff.display_name,
    }))
}

/// K-9: the collector and the proof of identity shown.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"collector_name": "张伟", "id_document_kind": "id_card", "id_document_no": "110101199001011234", "collector_signature": "张伟"}))]
pub struct CollectRequest {
    #[validate(length(min = 1, max = SHORT_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub collector_name: String,
    /// Without proof of identity, keys are not handed over (K-9).
    pub id_document_kind: IdDocumentKind,
    #[validate(length(min = 1, max = 64), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    pub id_document_no: String,
    #[validate(length(min = 1, max = SHORT_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub collector_signature: String,
}

/// The key after collection and the collection record.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectResponse {
    pub key: Key,
    pub collection: Collection,
}

/// Hand a key to its owner or their nominee against a customer card or ID card (staff+, K-9).
///
/// 422 without `id_document_kind` and `id_document_no`; 409 when the key is not in custody
/// or copies are still lent out. A collected key can no longer be lent.
#[utoipa::path(tag = "keys", params(("id" = i64, Path)), request_body = CollectRequest, responses(
    (status = 200, body = CollectResponse),
    (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/keys/{id}/collect")]
pub async fn collect(state: web::Data<AppState>, caller: Require<Staff>, id: web::Path<i64>, body: Json<CollectRequest>) -> ApiResult<web::Json<CollectResponse>> {
    let (id, b, actor) = (id.into_inner(), body.0, caller.id);
    let new = NewCollection {
        collector_name: b.collector_name.trim().to_string(),
        id_document_kind: b.id_document_kind,
        id_document_no: b.id_document_no.trim().to_string(),
        collector_signature: b.collector_signature,
    };
    let (key, collection) = state.db(move |c| store::collect(c, actor, id, new)).await?;
    Ok(web::Json(CollectResponse { key, collection }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k4_the_disclaimer_must_be_accepted() {
        assert!(must_be_true(&true).is_ok());
        assert!(must_be_true(&false).is_err());
    }
}
