//! HTTP plumbing shared by every register: extractors, lists, CSV, the spec, request ids.

pub mod csv;
pub mod docs;
pub mod extract;
pub mod fallback;
pub mod openapi;
pub mod pagination;
pub mod request_id;
pub mod validate;

pub use extract::{Json, Query};
pub use pagination::{ListResponse, Page, PageParams, Paginated};

/// `201 Created` with a `Location` header and the created object.
pub fn created<T: serde::Serialize>(location: String, body: T) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Created().insert_header((actix_web::http::header::LOCATION, location)).json(body)
}
