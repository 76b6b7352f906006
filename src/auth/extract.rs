//! `AuthUser` (any valid token of an active account) and `Require<R>` (at least role R):
//! a handler states the role it needs in its signature.

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::{http::header, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::{store, Role};
use crate::error::ApiError;
use crate::AppState;

/// The caller, as the database knows them now: a deactivated account or a changed role
/// takes effect at once, whatever the token still says.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

impl From<store::User> for AuthUser {
    fn from(u: store::User) -> Self {
        AuthUser { id: u.id, username: u.username, display_name: u.display_name, role: u.role }
    }
}

impl AuthUser {
    pub fn require(&self, min: Role) -> Result<(), ApiError> {
        if self.role >= min {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("this needs the {min} role or higher")))
        }
    }

    pub fn at_least(&self, min: Role) -> bool {
        self.role >= min
    }
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("send Authorization: Bearer <token>".into()))?;
    let value = value.to_str().map_err(|_| ApiError::Unauthorized("the token is invalid".into()))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(token.trim().to_string())
        }
        _ => Err(ApiError::Unauthorized("send Authorization: Bearer <token>".into())),
    }
}

/// Loads the caller's active account from the bearer token.
fn load_account(req: &HttpRequest) -> LocalBoxFuture<'static, Result<store::User, ApiError>> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let token = bearer(req);
    Box::pin(async move {
        let state = state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
        let claims = state.jwt.verify(&token?)?;
        let id: i64 = claims.sub.parse().map_err(|_| ApiError::Unauthorized("the token is invalid".into()))?;
        active(state.db(move |conn| store::find_optional(conn, id)).await?)
    })
}

fn active(account: Option<store::User>) -> Result<store::User, ApiError> {
    match account {
        Some(u) if u.active => Ok(u),
        Some(_) => Err(ApiError::Unauthorized("the account is deactivated".into())),
        None => Err(ApiError::Unauthorized("the token is invalid".into())),
    }
}

/// A bearer token whose signature and expiry are checked, its account not yet loaded: for
/// the hottest reads, which check the account inside their own database call (one trip to
/// the blocking pool instead of two). Call [`VerifiedToken::caller`] before anything else.
pub struct VerifiedToken {
    user_id: i64,
}

impl VerifiedToken {
    /// The caller's active account, as [`AuthUser`] would load it.
    pub fn caller(&self, conn: &mut crate::db::DbConn) -> Result<AuthUser, ApiError> {
        Ok(active(store::find_optional(conn, self.user_id)?)?.into())
    }
}

impl FromRequest for VerifiedToken {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let verify = || {
            let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let claims = state.jwt.verify(&bearer(req)?)?;
            let user_id = claims.sub.parse().map_err(|_| ApiError::Unauthorized("the token is invalid".into()))?;
            Ok(VerifiedToken { user_id })
        };
        std::future::ready(verify())
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let account = load_account(req);
        Box::pin(async move { Ok(account.await?.into()) })
    }
}

/// The caller's whole account, as loaded for authentication (no second query).
pub struct Account(pub store::User);

impl FromRequest for Account {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let account = load_account(req);
        Box::pin(async move { Ok(Account(account.await?)) })
    }
}

/// A minimum role, as a type.
pub trait MinRole {
    const ROLE: Role;
}

pub struct Staff;
pub struct DeputySupervisor;
pub struct Supervisor;
pub struct Manager;

impl MinRole for Staff {
    const ROLE: Role = Role::Staff;
}
impl MinRole for DeputySupervisor {
    const ROLE: Role = Role::DeputySupervisor;
}
impl MinRole for Supervisor {
    const ROLE: Role = Role::Supervisor;
}
impl MinRole for Manager {
    const ROLE: Role = Role::Manager;
}

/// An authenticated caller holding at least role `R` (403 otherwise).
pub struct Require<R: MinRole> {
    pub user: AuthUser,
    _role: PhantomData<R>,
}

impl<R: MinRole> std::ops::Deref for Require<R> {
    type Target = AuthUser;
    fn deref(&self) -> &AuthUser {
        &self.user
    }
}

impl<R: MinRole + 'static> FromRequest for Require<R> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            user.require(R::ROLE)?;
            Ok(Require { user, _role: PhantomData })
        })
    }
}
