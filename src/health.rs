//! `GET /healthz`: is the process up, and can it reach its database?

use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{db, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers, `degraded` otherwise.
    #[schema(example = "ok")]
    pub status: String,
    /// `up` or `down`.
    #[schema(example = "up")]
    pub database: String,
    /// `sqlite` or `postgres`.
    #[schema(example = "sqlite")]
    pub backend: String,
}

/// Liveness and database reachability (no token needed). 503 while the database is down.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Up, database reachable", body = Health),
        (status = 503, description = "Up, database unreachable", body = Health),
    )
)]
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let up = web::block(move || {
        pool.get_timeout(Duration::from_secs(2)).map_err(|_| ()).and_then(|mut c| db::ping(&mut c).map_err(|_| ()))
    })
    .await
    .map(|r| r.is_ok())
    .unwrap_or(false);
    let body = Health {
        status: if up { "ok" } else { "degraded" }.into(),
        database: if up { "up" } else { "down" }.into(),
        backend: state.settings.database_url.backend_name().into(),
    };
    if up {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
