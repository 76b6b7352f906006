//! `/auth/*` and `/users*`: request and response types and thin handlers.

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, NewUser, User, UserFilter, UserPatch};
use super::extract::Account;
use super::{password, Manager, Require, Role, Supervisor};
use crate::error::{ApiError, ApiResult};
use crate::http::csv::CsvRow;
use crate::http::validate::{not_blank, SHORT_TEXT};
use crate::http::{Json, ListResponse, Page, PageParams, Paginated, Query};
use crate::AppState;

/// Credentials for `POST /auth/login`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"username": "admin", "password": "change-me-please"}))]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 100), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub username: String,
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
}

/// The short form of a user, as carried in a login answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserSummary {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// A JWT: send it as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the token expires.
    #[schema(example = 28800)]
    pub expires_in: i64,
    pub user: UserSummary,
}

/// A staff account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    #[schema(example = "wang.fang")]
    pub username: String,
    #[schema(example = "王芳")]
    pub display_name: String,
    pub role: Role,
    pub phone: Option<String>,
    pub department: Option<String>,
    /// A deactivated account cannot log in and its tokens stop working.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            phone: u.phone,
            department: u.department,
            active: u.active,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

impl CsvRow for UserView {
    const CSV_COLUMNS: &'static [&'static str] =
        &["id", "username", "display_name", "role", "phone", "department", "active", "created_at", "updated_at"];
}

/// A new staff account (manager only).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"username": "wang.fang", "password": "a-long-secret", "display_name": "王芳", "role": "staff", "phone": "13800000000", "department": "客服部"}))]
pub struct CreateUserRequest {
    /// Letters, digits, `.`, `_`, `-`; unique.
    #[validate(length(min = 1, max = 64), custom(function = valid_username))]
    #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._-]+$")]
    pub username: String,
    /// At least 10 characters; stored only as an Argon2 hash.
    #[validate(length(min = 10, max = 1024, message = "must be 10 to 1024 characters"))]
    #[schema(min_length = 10, max_length = 1024)]
    pub password: String,
    #[validate(length(min = 1, max = SHORT_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub display_name: String,
    pub role: Role,
    #[validate(length(max = 40))]
    #[schema(max_length = 40)]
    pub phone: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub department: Option<String>,
}

fn valid_username(v: &str) -> Result<(), validator::ValidationError> {
    if !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        Ok(())
    } else {
        let mut e = validator::ValidationError::new("username");
        e.message = Some("may hold only letters, digits, '.', '_' and '-'".into());
        Err(e)
    }
}

/// Changes to an account; absent fields stay as they are.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "deputy_supervisor", "active": true}))]
pub struct PatchUserRequest {
    #[validate(length(min = 1, max = SHORT_TEXT), custom(function = not_blank))]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub display_name: Option<String>,
    pub role: Option<Role>,
    /// `false` deactivates the account at once (its tokens stop working).
    pub active: Option<bool>,
    #[validate(length(max = 40))]
    #[schema(max_length = 40)]
    pub phone: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub department: Option<String>,
    /// A new password (at least 10 characters).
    #[validate(length(min = 10, max = 1024, message = "must be 10 to 1024 characters"))]
    #[schema(min_length = 10, max_length = 1024)]
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// Part of a username or display name.
    #[validate(length(max = 100))]
    #[param(max_length = 100)]
    pub q: Option<String>,
}

/// Log in and receive a bearer token.
///
/// Answers the same 401 whether the username is unknown, the password wrong or the
/// account deactivated.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        (status = 401, description = "Bad username or password", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many logins in progress", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(state: web::Data<AppState>, body: Json<LoginRequest>) -> ApiResult<web::Json<LoginResponse>> {
    let LoginRequest { username, password } = body.0;
    let name = username.trim().to_string();
    let lookup = name.clone();
    let user = state.db(move |conn| store::find_by_username(conn, &lookup)).await?;
    let verified = state.hash_blocking(move || match &user {
        Some(u) => (password::verify(&password, &u.password_hash) && u.active).then(|| u.clone()),
        None => {
            password::verify_dummy(&password);
            None
        }
    });
    let Some(user) = verified.await? else {
        tracing::warn!(username = %name, "login failed");
        return Err(ApiError::Unauthorized("invalid username or password".into()));
    };
    let access_token = state.jwt.issue(user.id, user.role)?;
    tracing::info!(user_id = user.id, "login succeeded");
    Ok(web::Json(LoginResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: state.jwt.ttl_seconds,
        user: UserSummary { id: user.id, username: user.username, display_name: user.display_name, role: user.role },
    }))
}

/// The caller's own account.
#[utoipa::path(tag = "auth", responses((status = 200, body = UserView)))]
#[get("/auth/me")]
pub async fn me(account: Account) -> ApiResult<web::Json<UserView>> {
    Ok(web::Json(account.0.into()))
}

/// Create a staff account (manager).
#[utoipa::path(
    tag = "users",
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = UserView, headers(("Location" = String, description = "The new account's URL"))),
        (status = 409, description = "The username is taken", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Require<Manager>,
    body: Json<CreateUserRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let password_hash = state.hash_blocking(move || password::hash(&b.password)).await??;
    let new = NewUser {
        username: b.username,
        password_hash,
        display_name: b.display_name.trim().to_string(),
        role: b.role,
        phone: b.phone,
        department: b.department,
    };
    let actor = caller.id;
    let user = state.db(move |conn| store::create(conn, Some(actor), new)).await?;
    Ok(crate::http::created(format!("/api/v1/users/{}", user.id), UserView::from(user)))
}

/// List staff accounts (supervisor+). Answers CSV for `Accept: text/csv`.
#[utoipa::path(
    tag = "users",
    params(UserListQuery, PageParams),
    responses((status = 200, description = "One page of accounts", content(
        (Paginated<UserView> = "application/json"),
        (String = "text/csv", example = "id,username,display_name,role,phone,department,active,created_at,updated_at"),
    )))
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    _caller: Require<Supervisor>,
    query: Query<UserListQuery>,
    paging: Query<PageParams>,
) -> ApiResult<ListResponse<UserView>> {
    let page = Page::from(&paging.0);
    let q = query.0;
    let filter = UserFilter { role: q.role, active: q.active, q: q.q.filter(|s| !s.trim().is_empty()) };
    let (users, total) = state.db(move |conn| store::list(conn, &filter, page)).await?;
    Ok(ListResponse { page: Paginated::new(users.into_iter().map(UserView::from).collect(), page, total) })
}

/// One staff account (supervisor+).
#[utoipa::path(tag = "users", params(("id" = i64, Path, description = "User id")), responses((status = 200, body = UserView), (status = 404, description = "No such user", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/users/{id}")]
pub async fn get_user(state: web::Data<AppState>, _caller: Require<Supervisor>, id: web::Path<i64>) -> ApiResult<web::Json<UserView>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |conn| store::find(conn, id)).await?.into()))
}

/// Change an account: name, role, active flag, contact details or password (manager).
///
/// `active: false` deactivates the account; its existing tokens are refused from the next
/// request on. The last active manager cannot be deactivated or demoted (409).
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    request_body = PatchUserRequest,
    responses(
        (status = 200, body = UserView),
        (status = 404, description = "No such user", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Would leave no active manager", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn patch_user(
    state: web::Data<AppState>,
    caller: Require<Manager>,
    id: web::Path<i64>,
    body: Json<PatchUserRequest>,
) -> ApiResult<web::Json<UserView>> {
    let (id, b, actor) = (id.into_inner(), body.0, caller.id);
    let password_hash = match b.password {
        Some(pw) => Some(state.hash_blocking(move || password::hash(&pw)).await??),
        None => None,
    };
    let patch = UserPatch {
        display_name: b.display_name.map(|s| s.trim().to_string()),
        role: b.role,
        active: b.active,
        phone: b.phone,
        department: b.department,
        password_hash,
    };
    let user = state.db(move |conn| store::update(conn, actor, id, patch)).await?;
    Ok(web::Json(user.into()))
}

/// Creates the first manager from `ADMIN_USERNAME` / `ADMIN_PASSWORD` when no user exists.
pub fn bootstrap_admin(conn: &mut crate::db::DbConn, username: &str, pw: &str) -> Result<bool, ApiError> {
    if store::count(conn)? > 0 {
        return Ok(false);
    }
    if pw.len() < password::MIN_PASSWORD_LEN {
        return Err(ApiError::field("ADMIN_PASSWORD", "must be at least 10 characters"));
    }
    let new = NewUser {
        username: username.to_string(),
        password_hash: password::hash(pw)?,
        display_name: "Administrator".into(),
        role: Role::Manager,
        phone: None,
        department: None,
    };
    store::create(conn, None, new)?;
    Ok(true)
}
