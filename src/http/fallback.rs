//! What answers when no route matched: 405 with `Allow` when the path exists under other
//! methods, 404 otherwise. The table is built from the OpenAPI document, which is built from
//! the registered routes, so the two cannot disagree.

use actix_web::{web, HttpRequest, HttpResponse};
use utoipa::openapi::OpenApi;

use crate::error::ApiError;

#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Segment>, Vec<String>)>,
}

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    Param,
}

impl RouteTable {
    pub fn from_openapi(api: &OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .trim_matches('/')
                    .split('/')
                    .map(|s| if s.starts_with('{') { Segment::Param } else { Segment::Literal(s.to_string()) })
                    .collect();
                let served = |op: &Option<utoipa::openapi::path::Operation>| op.is_some();
                let mut methods: Vec<String> = [
                    ("GET", served(&item.get)),
                    ("POST", served(&item.post)),
                    ("PUT", served(&item.put)),
                    ("PATCH", served(&item.patch)),
                    ("DELETE", served(&item.delete)),
                ]
                .iter()
                .filter(|(_, present)| *present)
                .map(|(m, _)| m.to_string())
                .collect();
                if methods.iter().any(|m| m == "GET") {
                    methods.push("HEAD".into());
                }
                (segments, methods)
            })
            .collect();
        RouteTable { routes }
    }

    /// Methods served at `path` (an empty list when nothing is served there). When a literal
    /// route and a `{param}` route both match, the literal one wins, as in the router.
    pub fn allowed(&self, path: &str) -> Vec<String> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let literals = |segments: &[Segment]| segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count();
        let matching: Vec<&(Vec<Segment>, Vec<String>)> = self
            .routes
            .iter()
            .filter(|(segments, _)| {
                segments.len() == parts.len()
                    && segments.iter().zip(&parts).all(|(s, p)| match s {
                        Segment::Param => !p.is_empty(),
                        Segment::Literal(l) => l == p,
                    })
            })
            .collect();
        let best = matching.iter().map(|(s, _)| literals(s)).max().unwrap_or(0);
        let mut allowed: Vec<String> = Vec::new();
        for (_, methods) in matching.into_iter().filter(|(s, _)| literals(s) == best) {
            for m in methods {
                if !allowed.contains(m) {
                    allowed.push(m.clone());
                }
            }
        }
        allowed
    }
}

pub async fn default_handler(req: HttpRequest, table: web::Data<RouteTable>) -> Result<HttpResponse, ApiError> {
    let allowed = table.allowed(req.path());
    if allowed.is_empty() {
        Err(ApiError::NotFound(format!("no route for {}", req.path())))
    } else {
        Err(ApiError::MethodNotAllowed(allowed))
    }
}
