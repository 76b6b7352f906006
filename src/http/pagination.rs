//! `?page&per_page` → `{items, page, per_page, total}`, answered as JSON or, for
//! `Accept: text/csv`, as a CSV sheet for Excel users.

use actix_web::{http::header, HttpRequest, HttpResponse, Responder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::http::csv::{self, CsvRow};

pub const MAX_PER_PAGE: i64 = 200;

/// Paging of every list: `page` from 1, `per_page` 1..=200 (default 50).
#[derive(Debug, Deserialize, IntoParams, Validate, Default)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1, example = 1)]
    #[validate(range(min = 1, max = 1_000_000))]
    pub page: Option<i64>,
    /// Items per page, at most 200.
    #[param(minimum = 1, maximum = 200, default = 50, example = 50)]
    #[validate(range(min = 1, max = 200))]
    pub per_page: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub page: i64,
    pub per_page: i64,
}

impl Page {
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

impl From<&PageParams> for Page {
    fn from(p: &PageParams) -> Self {
        Page { page: p.page.unwrap_or(1), per_page: p.per_page.unwrap_or(50) }
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T> {
    pub items: Vec<T>,
    #[schema(example = 1)]
    pub page: i64,
    #[schema(example = 50)]
    pub per_page: i64,
    /// Number of items matching the filters, over all pages.
    #[schema(example = 123)]
    pub total: i64,
}

impl<T> Paginated<T> {
    pub fn new(items: Vec<T>, page: Page, total: i64) -> Self {
        Paginated { items, page: page.page, per_page: page.per_page, total }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paginated<U> {
        Paginated { items: self.items.into_iter().map(f).collect(), page: self.page, per_page: self.per_page, total: self.total }
    }
}

/// A list answer that honours `Accept: text/csv`.
pub struct ListResponse<T> {
    pub page: Paginated<T>,
}

impl<T: Serialize + CsvRow> Responder for ListResponse<T> {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        if wants_csv(req) {
            return HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
                .insert_header(("X-Total-Count", self.page.total.to_string()))
                .body(csv::write(&self.page.items));
        }
        HttpResponse::Ok().json(&self.page)
    }
}

pub fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(',').any(|m| m.trim().starts_with("text/csv")))
        .unwrap_or(false)
}
