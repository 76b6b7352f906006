//! Users in the database.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::Role;
use crate::db::{from_db, now, schema::users, to_db, write_tx, DbConn};
use crate::error::ApiError;
use crate::http::Page;
use crate::{audit, with_conn};

#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    id: i64,
    username: String,
    password_hash: String,
    display_name: String,
    role: String,
    phone: Option<String>,
    department: Option<String>,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A user as the domain sees it (the hash stays out of every response type).
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    #[serde(skip)]
    pub password_hash: String,
    pub display_name: String,
    pub role: Role,
    pub phone: Option<String>,
    pub department: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = ApiError;
    fn try_from(r: UserRow) -> Result<Self, ApiError> {
        Ok(User {
            id: r.id,
            username: r.username,
            password_hash: r.password_hash,
            display_name: r.display_name,
            role: Role::from_db(&r.role)?,
            phone: r.phone,
            department: r.department,
            active: r.active,
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
        })
    }
}

pub struct NewUser {
    pub username: String,
    pub password_hash: String,
    pub display_name: String,
    pub role: Role,
    pub phone: Option<String>,
    pub department: Option<String>,
}

#[derive(Default)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub phone: Option<String>,
    pub department: Option<String>,
    pub password_hash: Option<String>,
}

#[derive(Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub q: Option<String>,
}

pub fn find_optional(conn: &mut DbConn, id: i64) -> Result<Option<User>, ApiError> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(User::try_from)
        .transpose()
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<User, ApiError> {
    find_optional(conn, id)?.ok_or_else(|| ApiError::NotFound(format!("user {id} does not exist")))
}

pub fn find_by_username(conn: &mut DbConn, username: &str) -> Result<Option<User>, ApiError> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(User::try_from)
        .transpose()
}

pub fn count(conn: &mut DbConn) -> Result<i64, ApiError> {
    Ok(users::table.count().get_result(conn)?)
}

pub fn create(conn: &mut DbConn, actor: Option<i64>, new: NewUser) -> Result<User, ApiError> {
    write_tx(conn, |conn| {
        let at = to_db(now());
        let values = (
            users::username.eq(&new.username),
            users::password_hash.eq(&new.password_hash),
            users::display_name.eq(&new.display_name),
            users::role.eq(new.role.as_str()),
            users::phone.eq(&new.phone),
            users::department.eq(&new.department),
            users::active.eq(true),
            users::created_at.eq(at),
            users::updated_at.eq(at),
        );
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(users::table)
            .values(values)
            .returning(users::id)
            .get_result(c))?;
        let user = find(conn, id)?;
        audit::record(conn, actor, "user.create", "user", Some(id), audit::NONE, Some(&user))?;
        Ok(user)
    })
}

pub fn list(conn: &mut DbConn, filter: &UserFilter, page: Page) -> Result<(Vec<User>, i64), ApiError> {
    let build = || {
        let mut q = users::table.into_boxed();
        if let Some(role) = filter.role {
            q = q.filter(users::role.eq(role.as_str()));
        }
        if let Some(active) = filter.active {
            q = q.filter(users::active.eq(active));
        }
        if let Some(text) = &filter.q {
            let pattern = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
            q = q.filter(users::username.like(pattern.clone()).escape('\\').or(users::display_name.like(pattern).escape('\\')));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<UserRow> = build()
        .order(users::id.asc())
        .limit(page.per_page)
        .offset(page.offset())
        .select(UserRow::as_select())
        .load(conn)?;
    Ok((rows.into_iter().map(User::try_from).collect::<Result<_, _>>()?, total))
}

/// Applies a patch; refuses to deactivate or demote the last active manager, so the
/// department can never lock itself out.
pub fn update(conn: &mut DbConn, actor: i64, id: i64, patch: UserPatch) -> Result<User, ApiError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let loses_manager = before.role == Role::Manager
            && before.active
            && (patch.active == Some(false) || patch.role.is_some_and(|r| r != Role::Manager));
        if loses_manager {
            let managers: i64 = users::table
                .filter(users::role.eq(Role::Manager.as_str()))
                .filter(users::active.eq(true))
                .count()
                .get_result(conn)?;
            if managers <= 1 {
                return Err(ApiError::Conflict("this is the last active manager; appoint another first".into()));
            }
        }
        let at = to_db(now());
        diesel::update(users::table.find(id))
            .set((
                patch.display_name.as_ref().map(|v| users::display_name.eq(v)),
                patch.role.map(|r| users::role.eq(r.as_str())),
                patch.active.map(|a| users::active.eq(a)),
                patch.phone.as_ref().map(|v| users::phone.eq(v)),
                patch.department.as_ref().map(|v| users::department.eq(v)),
                patch.password_hash.as_ref().map(|v| users::password_hash.eq(v)),
                users::updated_at.eq(at),
            ))
            .execute(conn)?;
        let after = find(conn, id)?;
        audit::record(conn, Some(actor), "user.update", "user", Some(id), Some(&before), Some(&after))?;
        Ok(after)
    })
}
