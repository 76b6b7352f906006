//! Roster and daily reviews in the database.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{duty_chain_head, duty_log_days, duty_log_entries, duty_reviews, duty_shifts, users};
use crate::db::{from_db, now, to_db, write_tx, DbConn};
use crate::error::ApiError;
use crate::http::Page;
use crate::{audit, with_conn};

/// A shift of the duty roster (D-1): who holds which post, from when to when.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": 1, "staff_id": 3, "staff_name": "李明", "post": "一楼服务台", "starts_at": "2026-11-28T00:00:00Z", "ends_at": "2026-11-28T08:00:00Z", "created_by": 2, "created_at": "2026-11-27T09:00:00Z"}))]
pub struct Shift {
    pub id: i64,
    pub staff_id: i64,
    pub staff_name: String,
    pub post: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

type ShiftRow = (i64, i64, String, String, NaiveDateTime, NaiveDateTime, i64, NaiveDateTime);

fn shift_columns() -> (
    duty_shifts::id,
    duty_shifts::staff_id,
    users::display_name,
    duty_shifts::post,
    duty_shifts::starts_at,
    duty_shifts::ends_at,
    duty_shifts::created_by,
    duty_shifts::created_at,
) {
    (
        duty_shifts::id,
        duty_shifts::staff_id,
        users::display_name,
        duty_shifts::post,
        duty_shifts::starts_at,
        duty_shifts::ends_at,
        duty_shifts::created_by,
        duty_shifts::created_at,
    )
}

fn to_shift(r: ShiftRow) -> Shift {
    Shift {
        id: r.0,
        staff_id: r.1,
        staff_name: r.2,
        post: r.3,
        starts_at: from_db(r.4),
        ends_at: from_db(r.5),
        created_by: r.6,
        created_at: from_db(r.7),
    }
}

pub struct NewShift {
    pub staff_id: i64,
    pub post: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

pub fn find_shift(conn: &mut DbConn, id: i64) -> Result<Shift, ApiError> {
    duty_shifts::table
        .inner_join(users::table)
        .filter(duty_shifts::id.eq(id))
        .select(shift_columns())
        .first::<ShiftRow>(conn)
        .optional()?
        .map(to_shift)
        .ok_or_else(|| ApiError::NotFound(format!("shift {id} does not exist")))
}

/// A shift named in a request body: a missing one is a 422 on that field.
pub fn shift_for_field(conn: &mut DbConn, id: i64, field: &str) -> Result<Shift, ApiError> {
    find_shift(conn, id).map_err(|e| match e {
        ApiError::NotFound(_) => ApiError::field(field, format!("shift {id} does not exist")),
        other => other,
    })
}

/// D-1: assigns a staff member to a post for a period; refuses overlapping shifts.
pub fn create_shift(conn: &mut DbConn, actor: i64, new: NewShift) -> Result<Shift, ApiError> {
    write_tx(conn, |conn| {
        let staff: Option<bool> = users::table.find(new.staff_id).select(users::active).first(conn).optional()?;
        match staff {
            None => return Err(ApiError::field("staff_id", format!("user {} does not exist", new.staff_id))),
            Some(false) => return Err(ApiError::field("staff_id", "the user is deactivated")),
            Some(true) => {}
        }
        let (starts, ends) = (to_db(new.starts_at), to_db(new.ends_at));
        let clash: Option<i64> = duty_shifts::table
            .filter(duty_shifts::staff_id.eq(new.staff_id))
            .filter(duty_shifts::starts_at.lt(ends))
            .filter(duty_shifts::ends_at.gt(starts))
            .select(duty_shifts::id)
            .first(conn)
            .optional()?;
        if let Some(other) = clash {
            return Err(ApiError::rule("D-1", "starts_at", format!("overlaps shift {other} of the same staff member")));
        }
        let values = (
            duty_shifts::staff_id.eq(new.staff_id),
            duty_shifts::post.eq(&new.post),
            duty_shifts::starts_at.eq(starts),
            duty_shifts::ends_at.eq(ends),
            duty_shifts::created_by.eq(actor),
            duty_shifts::created_at.eq(to_db(now())),
        );
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(duty_shifts::table)
            .values(values)
            .returning(duty_shifts::id)
            .get_result(c))?;
        let shift = find_shift(conn, id)?;
        audit::record(conn, Some(actor), "duty_shift.create", "duty_shift", Some(id), audit::NONE, Some(&shift))?;
        Ok(shift)
    })
}

#[derive(Default)]
pub struct ShiftFilter {
    /// Shifts that end after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Shifts that start before this instant.
    pub to: Option<DateTime<Utc>>,
    pub staff_id: Option<i64>,
}

pub fn list_shifts(conn: &mut DbConn, f: &ShiftFilter, page: Page) -> Result<(Vec<Shift>, i64), ApiError> {
    let build = || {
        let mut q = duty_shifts::table.inner_join(users::table).into_boxed();
        if let Some(from) = f.from {
            q = q.filter(duty_shifts::ends_at.gt(to_db(from)));
        }
        if let Some(to) = f.to {
            q = q.filter(duty_shifts::starts_at.lt(to_db(to)));
        }
        if let Some(staff) = f.staff_id {
            q = q.filter(duty_shifts::staff_id.eq(staff));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows: Vec<ShiftRow> = build()
        .order((duty_shifts::starts_at.asc(), duty_shifts::id.asc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select(shift_columns())
        .load(conn)?;
    Ok((rows.into_iter().map(to_shift).collect(), total))
}

/// The deputy supervisor's signature on one day's duty log (D-10).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Review {
    pub id: i64,
    pub date: NaiveDate,
    pub reviewer_id: i64,
    pub reviewer_name: String,
    pub comments: Option<String>,
    /// How many entries the day had when it was signed.
    pub entries_signed: i64,
    /// The chain position (`seq`) at signing: entries up to it were covered.
    pub last_seq: i64,
    pub signed_at: DateTime<Utc>,
}

type ReviewRow = (i64, NaiveDate, i64, String, Option<String>, i64, i64, NaiveDateTime);

fn to_review(r: ReviewRow) -> Review {
    Review {
        id: r.0,
        date: r.1,
        reviewer_id: r.2,
        reviewer_name: r.3,
        comments: r.4,
        entries_signed: r.5,
        last_seq: r.6,
        signed_at: from_db(r.7),
    }
}

fn review_query() -> diesel::dsl::Select<
    diesel::dsl::InnerJoin<duty_reviews::table, users::table>,
    (
        duty_reviews::id,
        duty_reviews::review_date,
        duty_reviews::reviewer_id,
        users::display_name,
        duty_reviews::comments,
        duty_reviews::entries_signed,
        duty_reviews::last_seq,
        duty_reviews::signed_at,
    ),
> {
    duty_reviews::table.inner_join(users::table).select((
        duty_reviews::id,
        duty_reviews::review_date,
        duty_reviews::reviewer_id,
        users::display_name,
        duty_reviews::comments,
        duty_reviews::entries_signed,
        duty_reviews::last_seq,
        duty_reviews::signed_at,
    ))
}

/// D-10: the deputy supervisor signs a day's log once; the signature records how many
/// entries it covered and the chain position, so later tampering is visible against it.
pub fn sign_review(conn: &mut DbConn, actor: i64, date: NaiveDate, comments: Option<String>) -> Result<Review, ApiError> {
    write_tx(conn, |conn| {
        let existing: Option<i64> =
            duty_reviews::table.filter(duty_reviews::review_date.eq(date)).select(duty_reviews::id).first(conn).optional()?;
        if let Some(id) = existing {
            return Err(ApiError::Conflict(format!("the duty log of {date} is already signed (review {id}, D-10)")));
        }
        let entries: i64 = duty_log_entries::table.filter(duty_log_entries::log_date.eq(date)).count().get_result(conn)?;
        let last_seq: i64 = duty_chain_head::table.find(1i64).select(duty_chain_head::last_seq).first(conn)?;
        let values = (
            duty_reviews::review_date.eq(date),
            duty_reviews::reviewer_id.eq(actor),
            duty_reviews::comments.eq(&comments),
            duty_reviews::entries_signed.eq(entries),
            duty_reviews::last_seq.eq(last_seq),
            duty_reviews::signed_at.eq(to_db(now())),
        );
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(duty_reviews::table)
            .values(values)
            .returning(duty_reviews::id)
            .get_result(c))?;
        let review = review_query().filter(duty_reviews::id.eq(id)).first::<ReviewRow>(conn).map(to_review)?;
        audit::record(conn, Some(actor), "duty_review.sign", "duty_review", Some(id), audit::NONE, Some(&review))?;
        Ok(review)
    })
}

pub fn list_reviews(
    conn: &mut DbConn,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    page: Page,
) -> Result<(Vec<Review>, i64), ApiError> {
    let build = || {
        let mut q = review_query().into_boxed();
        if let Some(from) = from {
            q = q.filter(duty_reviews::review_date.ge(from));
        }
        if let Some(to) = to {
            q = q.filter(duty_reviews::review_date.le(to));
        }
        q
    };
    let total = {
        let mut q = duty_reviews::table.into_boxed();
        if let Some(from) = from {
            q = q.filter(duty_reviews::review_date.ge(from));
        }
        if let Some(to) = to {
            q = q.filter(duty_reviews::review_date.le(to));
        }
        q.count().get_result(conn)?
    };
    let rows: Vec<ReviewRow> =
        build().order(duty_reviews::review_date.desc()).limit(page.per_page).offset(page.offset()).load(conn)?;
    Ok((rows.into_iter().map(to_review).collect(), total))
}

/// D-10: days that have log entries and no review, oldest first, with their entry count.
pub fn pending_review_days(conn: &mut DbConn, page: Page) -> Result<(Vec<(NaiveDate, i64)>, i64), ApiError> {
    let unsigned = || {
        duty_log_days::table.filter(diesel::dsl::not(diesel::dsl::exists(
            duty_reviews::table.filter(duty_reviews::review_date.eq(duty_log_days::log_date)),
        )))
    };
    let total: i64 = unsigned().count().get_result(conn)?;
    let days: Vec<(NaiveDate, i64)> = unsigned()
        .order(duty_log_days::log_date.asc())
        .select((duty_log_days::log_date, duty_log_days::entry_count))
        .limit(page.per_page)
        .offset(page.offset())
        .load(conn)?;
    Ok((days, total))
}
