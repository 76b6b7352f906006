//! The append-only, hash-chained duty log (D-2, D-3).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;

use super::rules::{entry_hash, ChainFields, ChainWalk};
use super::store::shift_for_field;
use crate::auth::{AuthUser, Role};
use crate::db::schema::{duty_chain_head, duty_log_days, duty_log_entries};
use crate::db::{from_db, now, to_db, write_tx, DbConn};
use crate::error::ApiError;
use crate::http::Page;
use crate::{audit, time, with_conn};

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = duty_log_entries)]
struct EntryRow {
    id: i64,
    seq: i64,
    shift_id: i64,
    author_id: i64,
    content: String,
    occurred_at: NaiveDateTime,
    log_date: NaiveDate,
    recorded_at: NaiveDateTime,
    corrects_entry_id: Option<i64>,
    correction_reason: Option<String>,
    prev_hash: String,
    hash: String,
}

/// One duty log entry (D-2). Entries are never changed; a correction is a new entry that
/// names the one it corrects (D-3).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub id: i64,
    /// Position in the chain: 1, 2, 3, … without gaps.
    pub seq: i64,
    pub shift_id: i64,
    pub author_id: i64,
    pub content: String,
    pub occurred_at: DateTime<Utc>,
    /// The business day the entry belongs to (`occurred_at` in the centre's time zone).
    pub log_date: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub corrects_entry_id: Option<i64>,
    pub correction_reason: Option<String>,
    /// `hash` of the previous entry (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 over `prev_hash` and this entry's fields.
    pub hash: String,
}

impl From<EntryRow> for Entry {
    fn from(r: EntryRow) -> Self {
        Entry {
            id: r.id,
            seq: r.seq,
            shift_id: r.shift_id,
            author_id: r.author_id,
            content: r.content,
            occurred_at: from_db(r.occurred_at),
            log_date: r.log_date,
            recorded_at: from_db(r.recorded_at),
            corrects_entry_id: r.corrects_entry_id,
            correction_reason: r.correction_reason,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

impl Entry {
    fn chain_fields(&self) -> ChainFields<'_> {
        ChainFields {
            seq: self.seq,
            shift_id: self.shift_id,
            author_id: self.author_id,
            content: &self.content,
            occurred_at: self.occurred_at,
            recorded_at: self.recorded_at,
            corrects_entry_id: self.corrects_entry_id,
            correction_reason: self.correction_reason.as_deref(),
        }
    }
}

pub struct NewEntry {
    pub shift_id: i64,
    pub content: String,
    pub occurred_at: Option<DateTime<Utc>>,
    pub corrects_entry_id: Option<i64>,
    pub correction_reason: Option<String>,
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Entry, ApiError> {
    duty_log_entries::table
        .find(id)
        .select(EntryRow::as_select())
        .first(conn)
        .optional()?
        .map(Entry::from)
        .ok_or_else(|| ApiError::NotFound(format!("log entry {id} does not exist")))
}

/// Entries that correct `id`, in chain order.
pub fn corrections_of(conn: &mut DbConn, id: i64) -> Result<Vec<Entry>, ApiError> {
    let rows: Vec<EntryRow> = duty_log_entries::table
        .filter(duty_log_entries::corrects_entry_id.eq(id))
        .order(duty_log_entries::seq.asc())
        .select(EntryRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Entry::from).collect())
}

/// D-2/D-3: appends one entry at the head of the chain. The head row is locked first
/// (an UPDATE takes PostgreSQL's row lock; SQLite's `BEGIN IMMEDIATE` already serialises
/// writers), so concurrent appends get consecutive `seq`s and a valid chain.
pub fn append(conn: &mut DbConn, caller: &AuthUser, tz: Tz, new: NewEntry) -> Result<Entry, ApiError> {
    write_tx(conn, |conn| {
        let shift = shift_for_field(conn, new.shift_id, "shift_id")?;
        // D-2: the on-duty staff member writes their own shift's log; supervisors may add to any.
        if shift.staff_id != caller.id && caller.role < Role::DeputySupervisor {
            return Err(ApiError::Forbidden("only the staff member on this shift may write its log".into()));
        }
        if let Some(target) = new.corrects_entry_id {
            let exists: i64 = duty_log_entries::table.filter(duty_log_entries::id.eq(target)).count().get_result(conn)?;
            if exists == 0 {
                return Err(ApiError::field("corrects_entry_id", format!("log entry {target} does not exist")));
            }
        }
        diesel::update(duty_chain_head::table.find(1i64))
            .set(duty_chain_head::last_seq.eq(duty_chain_head::last_seq))
            .execute(conn)?;
        let (last_seq, last_hash): (i64, String) =
            duty_chain_head::table.find(1i64).select((duty_chain_head::last_seq, duty_chain_head::last_hash)).first(conn)?;
        let recorded_at = now();
        let occurred_at = crate::db::trunc(new.occurred_at.unwrap_or(recorded_at));
        let mut entry = Entry {
            id: 0,
            seq: last_seq + 1,
            shift_id: shift.id,
            author_id: caller.id,
            content: new.content,
            occurred_at,
            log_date: time::local_date(occurred_at, tz),
            recorded_at,
            corrects_entry_id: new.corrects_entry_id,
            correction_reason: new.correction_reason,
            prev_hash: last_hash,
            hash: String::new(),
        };
        entry.hash = entry_hash(&entry.prev_hash, &entry.chain_fields());
        let values = (
            duty_log_entries::seq.eq(entry.seq),
            duty_log_entries::shift_id.eq(entry.shift_id),
            duty_log_entries::author_id.eq(entry.author_id),
            duty_log_entries::content.eq(&entry.content),
            duty_log_entries::occurred_at.eq(to_db(entry.occurred_at)),
            duty_log_entries::log_date.eq(entry.log_date),
            duty_log_entries::recorded_at.eq(to_db(entry.recorded_at)),
            duty_log_entries::corrects_entry_id.eq(entry.corrects_entry_id),
            duty_log_entries::correction_reason.eq(&entry.correction_reason),
            duty_log_entries::prev_hash.eq(&entry.prev_hash),
            duty_log_entries::hash.eq(&entry.hash),
        );
        entry.id = with_conn!(conn, |c| diesel::insert_into(duty_log_entries::table)
            .values(values)
            .returning(duty_log_entries::id)
            .get_result(c))?;
        diesel::update(duty_chain_head::table.find(1i64))
            .set((duty_chain_head::last_seq.eq(entry.seq), duty_chain_head::last_hash.eq(&entry.hash)))
            .execute(conn)?;
        let day = (duty_log_days::log_date.eq(entry.log_date), duty_log_days::entry_count.eq(1i64));
        with_conn!(conn, |c| diesel::insert_into(duty_log_days::table)
            .values(day)
            .on_conflict(duty_log_days::log_date)
            .do_update()
            .set(duty_log_days::entry_count.eq(duty_log_days::entry_count + 1))
            .execute(c))?;
        audit::record(conn, Some(caller.id), "duty_log.append", "duty_log_entry", Some(entry.id), audit::NONE, Some(&entry))?;
        Ok(entry)
    })
}

#[derive(Default)]
pub struct EntryFilter {
    pub shift_id: Option<i64>,
    pub date: Option<NaiveDate>,
}

pub fn list(conn: &mut DbConn, f: &EntryFilter, page: Page) -> Result<(Vec<Entry>, i64), ApiError> {
    let build = || {
        let mut q = duty_log_entries::table.into_boxed();
        if let Some(s) = f.shift_id {
            q = q.filter(duty_log_entries::shift_id.eq(s));
        }
        if let Some(d) = f.date {
            q = q.filter(duty_log_entries::log_date.eq(d));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows: Vec<EntryRow> = build()
        .order(duty_log_entries::seq.asc())
        .limit(page.per_page)
        .offset(page.offset())
        .select(EntryRow::as_select())
        .load(conn)?;
    Ok((rows.into_iter().map(Entry::from).collect(), total))
}

/// The result of recomputing the whole chain (D-3).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChainReport {
    pub valid: bool,
    pub entries_checked: i64,
    pub first_invalid_id: Option<i64>,
    pub first_invalid_seq: Option<i64>,
    pub reason: Option<String>,
}

const VERIFY_BATCH: i64 = 2_000;

/// D-3: recomputes the whole chain in `seq` order, in batches, and checks it ends at the
/// recorded head (so entries torn off the end are caught too).
pub fn verify(conn: &mut DbConn) -> Result<ChainReport, ApiError> {
    let mut walk = ChainWalk::default();
    let mut after = 0i64;
    loop {
        let rows: Vec<EntryRow> = duty_log_entries::table
            .filter(duty_log_entries::seq.gt(after))
            .order(duty_log_entries::seq.asc())
            .limit(VERIFY_BATCH)
            .select(EntryRow::as_select())
            .load(conn)?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for row in rows {
            let entry = Entry::from(row);
            let expected = walk.expected_seq;
            if !walk.step(&entry.chain_fields(), &entry.prev_hash, &entry.hash) {
                let reason = if entry.seq != expected {
                    format!("entry with seq {expected} is missing")
                } else {
                    "entry content or links do not match its hash".into()
                };
                return Ok(ChainReport {
                    valid: false,
                    entries_checked: walk.checked,
                    first_invalid_id: Some(entry.id),
                    first_invalid_seq: Some(entry.seq),
                    reason: Some(reason),
                });
            }
        }
    }
    let (head_seq, head_hash): (i64, String) =
        duty_chain_head::table.find(1i64).select((duty_chain_head::last_seq, duty_chain_head::last_hash)).first(conn)?;
    let end_ok = head_seq == walk.expected_seq - 1 && head_hash == walk.prev_hash;
    Ok(ChainReport {
        valid: end_ok,
        entries_checked: walk.checked,
        first_invalid_id: None,
        first_invalid_seq: (!end_ok).then_some(walk.expected_seq),
        reason: (!end_ok).then(|| format!("the chain ends at seq {} but the head records seq {head_seq}", walk.expected_seq - 1)),
    })
}
