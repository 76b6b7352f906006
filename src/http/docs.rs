//! `/api-docs/openapi.json` and Swagger UI, served from one copy shared by every worker.
//!
//! `SwaggerUi` keeps its own `OpenApi` value per worker and serializes it on every request:
//! ~17 MB resident per worker for this spec (bench/RESULTS.md). Here the spec is serialized
//! once at start-up and the workers share the bytes and the UI configuration.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpResponse, ResponseError};
use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::Config;

use crate::error::ApiError;

pub const SPEC_PATH: &str = "/api-docs/openapi.json";

pub struct Docs {
    spec: Bytes,
    ui: Arc<Config<'static>>,
}

impl Docs {
    pub fn new(api: &OpenApi) -> Result<Docs, String> {
        let spec = serde_json::to_vec(api).map_err(|e| format!("cannot serialize the OpenAPI document: {e}"))?;
        Ok(Docs { spec: Bytes::from(spec), ui: Arc::new(Config::from(SPEC_PATH)) })
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(SPEC_PATH, web::get().to(spec)).route("/swagger-ui/{tail:.*}", web::get().to(swagger_ui));
}

async fn spec(docs: web::Data<Docs>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(docs.spec.clone())
}

async fn swagger_ui(tail: web::Path<String>, docs: web::Data<Docs>) -> HttpResponse {
    match utoipa_swagger_ui::serve(&tail, docs.ui.clone()) {
        Ok(Some(file)) => {
            let mut res = HttpResponse::Ok();
            if file.gzpipped {
                res.insert_header((header::CONTENT_ENCODING, "gzip"));
            }
            res.content_type(file.content_type).body(file.bytes.into_owned())
        }
        Ok(None) => ApiError::NotFound("no such Swagger UI file".into()).error_response(),
        Err(e) => ApiError::Internal(format!("swagger ui: {e}")).error_response(),
    }
}
