//! The back-office API of a shopping-mall management centre's customer service department.
//! `main.rs` only starts what this crate builds; the tests start the very same server.

pub mod across;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod config;
pub mod customer_files;
pub mod db;
pub mod error;
pub mod follow_ups;
pub mod health;
pub mod http;
pub mod text_enum;
pub mod time;
pub mod duty;
pub mod keys;
pub mod seed;
pub mod vacant_units;

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Condition};
use actix_web::{http::header, web, App, HttpServer};
use tokio::sync::Semaphore;
use utoipa::OpenApi;
use utoipa_actix_web::{service_config::ServiceConfig, AppExt};

use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::db::{DbConn, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::http::fallback::{self, RouteTable};

/// Everything a handler needs, shared by all workers.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    pub jwt: Arc<JwtKeys>,
    /// Bounds the Argon2 work in flight, so a flood of logins cannot starve other requests.
    hash_gate: HashGate,
    pub caches: Arc<cache::Caches>,
}

/// Waiting hashes allowed per running one before logins are refused with 429.
const HASH_QUEUE_PER_SLOT: usize = 4;

/// Argon2 work is CPU- and memory-heavy (19 MiB each): a few run at once, a bounded queue
/// waits, and the rest are told to retry (429), so a login flood cannot starve other requests.
#[derive(Clone)]
struct HashGate {
    admitted: Arc<Semaphore>,
    running: Arc<Semaphore>,
}

impl AppState {
    /// Connects, migrates, and creates the first manager when configured and no user exists.
    pub fn new(settings: Settings) -> Result<Self, String> {
        let pool = db::connect(&settings.database_url, settings.db_pool_size, settings.db_min_idle)?;
        Self::with_pool(settings, pool)
    }

    /// Wraps an existing pool (tests use one whose database is unreachable).
    pub fn with_pool(settings: Settings, pool: DbPool) -> Result<Self, String> {
        if let (Some(user), Some(pw)) = (&settings.admin_username, &settings.admin_password) {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            match auth::api::bootstrap_admin(&mut conn, user, pw) {
                Ok(true) => tracing::info!(username = %user, "first manager account created"),
                Ok(false) => {}
                Err(e) => return Err(format!("cannot create the first manager: {}", e.problem().detail)),
            }
        }
        let hash_gate = HashGate {
            admitted: Arc::new(Semaphore::new(settings.hash_concurrency * (1 + HASH_QUEUE_PER_SLOT))),
            running: Arc::new(Semaphore::new(settings.hash_concurrency)),
        };
        Ok(AppState {
            pool,
            jwt: Arc::new(JwtKeys::new(&settings.jwt_secret, settings.token_ttl_minutes)),
            settings: Arc::new(settings),
            hash_gate,
            caches: Arc::default(),
        })
    }

    /// Runs `f` with a pooled connection on the blocking pool.
    pub async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }

    /// Runs password hashing on the blocking pool; 429 when too many are in flight.
    pub async fn hash_blocking<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let _admitted = self.hash_gate.admitted.clone().try_acquire_owned().map_err(|_| ApiError::TooManyRequests)?;
        let running = self.hash_gate.running.clone().acquire_owned().await.map_err(|_| ApiError::TooManyRequests)?;
        Ok(web::block(move || {
            let _running = running;
            f()
        })
        .await?)
    }
}

/// Every route of the API, registered once: what is served is what the spec documents.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz);
    cfg.service(utoipa_actix_web::scope("/api/v1").configure(auth::routes).configure(duty::routes).configure(keys::routes).configure(vacant_units::routes).configure(customer_files::routes).configure(follow_ups::routes).configure(across::routes));
}

/// The OpenAPI document, built from the registered routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut api) = App::new().into_utoipa_app().openapi(http::openapi::ApiDoc::openapi()).configure(routes).split_for_parts();
    http::openapi::finalize(&mut api);
    api
}

/// Starts the HTTP server on `listener`; SIGTERM/SIGINT stop it gracefully.
pub fn run(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let api = openapi();
    let table = web::Data::new(RouteTable::from_openapi(&api));
    let docs = web::Data::new(http::docs::Docs::new(&api).map_err(std::io::Error::other)?);
    drop(api);
    let state = web::Data::new(state);
    let workers = state.settings.workers;
    let mut server = HttpServer::new(move || {
        let settings = &state.settings;
        App::new()
            .into_utoipa_app()
            .configure(routes)
            .into_app()
            .app_data(state.clone())
            .app_data(table.clone())
            .app_data(web::PayloadConfig::new(settings.body_limit_bytes))
            .app_data(http::extract::path_config())
            .app_data(docs.clone())
            .configure(http::docs::routes)
            .default_service(web::to(fallback::default_handler))
            .wrap(Condition::new(!settings.cors_allowed_origins.is_empty(), cors(&settings.cors_allowed_origins)))
            .wrap(from_fn(http::request_id::middleware))
    })
    .shutdown_timeout(10)
    .listen(listener)?;
    if let Some(n) = workers {
        server = server.workers(n);
    }
    Ok(server.run())
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT, header::HeaderName::from_static("x-request-id")])
        .expose_headers([header::LOCATION, header::HeaderName::from_static("x-request-id"), header::HeaderName::from_static("x-total-count")])
        .max_age(3600);
    for o in origins {
        cors = cors.allowed_origin(o);
    }
    cors
}
