//! C-8: approval-gated access to the confidential file, and the access log.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::rules::{self, GrantStatus};
use super::store::{self, Change, Document, FileCore};
use crate::auth::{AuthUser, Role};
use crate::db::schema::{file_access_log as log, file_access_requests as grants, users};
use crate::db::{from_db, now, to_db, write_tx, DbConn};
use crate::error::ApiError;
use crate::http::Page;
use crate::{audit, with_conn};

/// C-8: a request to read a file, and how far it has come.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Grant {
    pub id: i64,
    pub customer_file_id: i64,
    pub requested_by: i64,
    pub reason: String,
    pub status: GrantStatus,
    pub requested_at: DateTime<Utc>,
    pub approved_by: Option<i64>,
    pub approved_at: Option<DateTime<Utc>>,
    pub registered_by: Option<i64>,
    pub registered_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = grants)]
struct GrantRow {
    id: i64,
    file_id: i64,
    requested_by: i64,
    reason: String,
    status: String,
    requested_at: NaiveDateTime,
    approved_by: Option<i64>,
    approved_at: Option<NaiveDateTime>,
    registered_by: Option<i64>,
    registered_at: Option<NaiveDateTime>,
    expires_at: Option<NaiveDateTime>,
}

fn to_grant(r: GrantRow, at: DateTime<Utc>) -> Result<Grant, ApiError> {
    let expires_at = r.expires_at.map(from_db);
    Ok(Grant {
        id: r.id,
        customer_file_id: r.file_id,
        requested_by: r.requested_by,
        reason: r.reason,
        status: rules::grant_status(GrantStatus::from_db(&r.status)?, expires_at, at),
        requested_at: from_db(r.requested_at),
        approved_by: r.approved_by,
        approved_at: r.approved_at.map(from_db),
        registered_by: r.registered_by,
        registered_at: r.registered_at.map(from_db),
        expires_at,
    })
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Grant, ApiError> {
    let row = grants::table
        .find(id)
        .select(GrantRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("file access request {id} does not exist")))?;
    to_grant(row, now())
}

pub fn request(conn: &mut DbConn, actor: i64, file_id: i64, reason: String) -> Result<Grant, ApiError> {
    write_tx(conn, |conn| {
        store::find_core(conn, file_id)?;
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(grants::table)
            .values((
                grants::file_id.eq(file_id),
                grants::requested_by.eq(actor),
                grants::reason.eq(&reason),
                grants::status.eq(GrantStatus::Requested.as_str()),
                grants::requested_at.eq(to_db(now())),
            ))
            .returning(grants::id)
            .get_result(c))?;
        let g = find(conn, id)?;
        audit::record(conn, Some(actor), "file_access.request", "file_access_request", Some(id), audit::NONE, Some(&g))?;
        Ok(g)
    })
}

/// C-8: the manager approves; then a deputy supervisor registers, which opens the grant.
pub fn advance(conn: &mut DbConn, actor: i64, id: i64, to: GrantStatus) -> Result<Grant, ApiError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let at = now();
        let from = match to {
            GrantStatus::Approved => GrantStatus::Requested,
            GrantStatus::Active => GrantStatus::Approved,
            _ => return Err(ApiError::Internal("unsupported grant step".into())),
        };
        if before.status != from {
            return Err(ApiError::Conflict(format!("the request is {}; it must be {from} first", before.status)));
        }
        let guard = grants::table.find(id).filter(grants::status.eq(from.as_str()));
        let changed = match to {
            GrantStatus::Approved => diesel::update(guard)
                .set((grants::status.eq(to.as_str()), grants::approved_by.eq(actor), grants::approved_at.eq(to_db(at))))
                .execute(conn)?,
            _ => diesel::update(guard)
                .set((
                    grants::status.eq(to.as_str()),
                    grants::registered_by.eq(actor),
                    grants::registered_at.eq(to_db(at)),
                    grants::expires_at.eq(to_db(at + rules::GRANT_TTL)),
                ))
                .execute(conn)?,
        };
        if changed == 0 {
            return Err(ApiError::Conflict("the request changed meanwhile; reload it".into()));
        }
        let after = find(conn, id)?;
        audit::record(conn, Some(actor), &format!("file_access.{}", to.as_str()), "file_access_request", Some(id), Some(&before), Some(&after))?;
        Ok(after)
    })
}

pub fn list(conn: &mut DbConn, file_id: Option<i64>, page: Page) -> Result<(Vec<Grant>, i64), ApiError> {
    let build = || {
        let mut q = grants::table.into_boxed();
        if let Some(f) = file_id {
            q = q.filter(grants::file_id.eq(f));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows: Vec<GrantRow> = build().order(grants::id.desc()).limit(page.per_page).offset(page.offset()).select(GrantRow::as_select()).load(conn)?;
    let at = now();
    Ok((rows.into_iter().map(|r| to_grant(r, at)).collect::<Result<_, _>>()?, total))
}

/// The full, confidential file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FullFile {
    pub id: i64,
    pub file_no: String,
    pub customer_name: String,
    pub building: String,
    pub floor: String,
    pub room: String,
    pub move_in_date: chrono::NaiveDate,
    pub page_count: i32,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub box_id: Option<i64>,
    pub remarks: Option<String>,
    pub documents: Vec<Document>,
    /// C-1: required documents not yet in the file.
    pub missing_documents: Vec<rules::DocumentKind>,
    /// C-5: every change, oldest first, with the value it replaced.
    pub history: Vec<Change>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// C-8: a manager, or the holder of an active grant, reads the full file; the read is
/// written to the access log in the same transaction.
pub fn read_full(conn: &mut DbConn, caller: &AuthUser, file_id: i64) -> Result<FullFile, ApiError> {
    write_tx(conn, |conn| {
        let core: FileCore = store::find_core(conn, file_id)?;
        let at = now();
        let grant_id = if caller.role == Role::Manager {
            None
        } else {
            let grant: Option<i64> = grants::table
                .filter(grants::file_id.eq(file_id))
                .filter(grants::requested_by.eq(caller.id))
                .filter(grants::status.eq(GrantStatus::Active.as_str()))
                .filter(grants::expires_at.gt(to_db(at)))
                .select(grants::id)
                .order(grants::expires_at.desc())
                .first(conn)
                .optional()?;
            match grant {
                Some(g) => Some(g),
                None => {
                    return Err(ApiError::Forbidden(
                        "customer files are confidential (C-8): request access, have it approved by a manager and registered by a deputy supervisor".into(),
                    ))
                }
            }
        };
        diesel::insert_into(log::table)
            .values((log::file_id.eq(file_id), log::reader_id.eq(caller.id), log::grant_id.eq(grant_id), log::read_at.eq(to_db(at))))
            .execute(conn)?;
        let documents = store::documents_of(conn, file_id)?;
        let present: Vec<rules::DocumentKind> = documents.iter().map(|d| d.kind).collect();
        Ok(FullFile {
            id: core.id,
            file_no: core.file_no,
            customer_name: core.customer_name,
            building: core.building,
            floor: core.floor,
            room: core.room,
            move_in_date: core.move_in_date,
            page_count: core.page_count,
            phone: core.phone,
            id_number: core.id_number,
            box_id: core.box_id,
            remarks: core.remarks,
            missing_documents: rules::missing_documents(&present),
            documents,
            history: store::changes_of(conn, file_id)?,
            created_at: core.created_at,
            updated_at: core.updated_at,
        })
    })
}

/// One read of a file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccessLogEntry {
    pub reader_id: i64,
    pub reader_name: String,
    /// The grant it was read under; none for a manager.
    pub grant_id: Option<i64>,
    pub read_at: DateTime<Utc>,
}

pub fn access_log(conn: &mut DbConn, file_id: i64, page: Page) -> Result<(Vec<AccessLogEntry>, i64), ApiError> {
    store::find_core(conn, file_id)?;
    let total = log::table.filter(log::file_id.eq(file_id)).count().get_result(conn)?;
    let rows: Vec<(i64, String, Option<i64>, NaiveDateTime)> = log::table
        .inner_join(users::table.on(users::id.eq(log::reader_id)))
        .filter(log::file_id.eq(file_id))
        .order(log::id.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .select((log::reader_id, users::display_name, log::grant_id, log::read_at))
        .load(conn)?;
    Ok((rows.into_iter().map(|(reader_id, reader_name, grant_id, at)| AccessLogEntry { reader_id, reader_name, grant_id, read_at: from_db(at) }).collect(), total))
}
