//! C-6 quarterly census and C-7 arrears follow-up.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::rules::{self, ContactMethod, FeeType};
use super::store::exists_for_field;
use crate::db::schema::{arrears, arrears_follow_ups as fups, census_entries, census_rounds, customer_files};
use crate::db::{from_db, now, to_db, write_tx, DbConn};
use crate::error::ApiError;
use crate::http::Page;
use crate::{audit, time, with_conn};

/// C-6: a quarter's census round and how far it has come.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CensusRound {
    pub id: i64,
    #[schema(example = "2026-Q4")]
    pub quarter: String,
    pub started_by: i64,
    pub started_at: DateTime<Utc>,
    /// Files with an entry in this round.
    pub covered: i64,
    /// Files in the register.
    pub total: i64,
    /// `covered / total` (0 when there are no files).
    pub progress: f64,
}

pub fn find_round(conn: &mut DbConn, id: i64) -> Result<CensusRound, ApiError> {
    let (quarter, started_by, started_at): (String, i64, NaiveDateTime) = census_rounds::table
        .find(id)
        .select((census_rounds::quarter, census_rounds::started_by, census_rounds::started_at))
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("census round {id} does not exist")))?;
    let covered: i64 = census_entries::table.filter(census_entries::round_id.eq(id)).count().get_result(conn)?;
    let total: i64 = customer_files::table.count().get_result(conn)?;
    let progress = if total == 0 { 0.0 } else { covered as f64 / total as f64 };
    Ok(CensusRound { id, quarter, started_by, started_at: from_db(started_at), covered, total, progress })
}

/// C-6: one round per quarter.
pub fn start_round(conn: &mut DbConn, actor: i64, quarter: String) -> Result<CensusRound, ApiError> {
    write_tx(conn, |conn| {
        let taken: i64 = census_rounds::table.filter(census_rounds::quarter.eq(&quarter)).count().get_result(conn)?;
        if taken > 0 {
            return Err(ApiError::Conflict(format!("the census of {quarter} is already started")));
        }
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(census_rounds::table)
            .values((census_rounds::quarter.eq(&quarter), census_rounds::started_by.eq(actor), census_rounds::started_at.eq(to_db(now()))))
            .returning(census_rounds::id)
            .get_result(c))?;
        let round = find_round(conn, id)?;
        audit::record(conn, Some(actor), "census.start", "census_round", Some(id), audit::NONE, Some(&round))?;
        Ok(round)
    })
}

/// C-6: a household's circumstances for one file in the round (once per file).
pub fn add_entry(conn: &mut DbConn, actor: i64, round_id: i64, file_id: i64, notes: String) -> Result<CensusRound, ApiError> {
    write_tx(conn, |conn| {
        find_round(conn, round_id)?;
        exists_for_field(conn, file_id, "customer_file_id")?;
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(census_entries::table)
            .values((
                census_entries::round_id.eq(round_id),
                census_entries::file_id.eq(file_id),
                census_entries::household_notes.eq(&notes),
                census_entries::recorded_by.eq(actor),
                census_entries::recorded_at.eq(to_db(now())),
            ))
            .returning(census_entries::id)
            .get_result(c))?;
        audit::record(conn, Some(actor), "census.entry", "census_round", Some(round_id), audit::NONE, Some(&serde_json::json!({"entry_id": id, "customer_file_id": file_id})))?;
        find_round(conn, round_id)
    })
}

pub fn list_rounds(conn: &mut DbConn, page: Page) -> Result<(Vec<CensusRound>, i64), ApiError> {
    let total = census_rounds::table.count().get_result(conn)?;
    let rows: Vec<(i64, String, i64, NaiveDateTime)> = census_rounds::table
        .order(census_rounds::quarter.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .select((census_rounds::id, census_rounds::quarter, census_rounds::started_by, census_rounds::started_at))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let covered: std::collections::HashMap<i64, i64> = census_entries::table
        .filter(census_entries::round_id.eq_any(&ids))
        .group_by(census_entries::round_id)
        .select((census_entries::round_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let files: i64 = customer_files::table.count().get_result(conn)?;
    let items = rows
        .into_iter()
        .map(|(id, quarter, started_by, started_at)| {
            let covered = covered.get(&id).copied().unwrap_or(0);
            let progress = if files == 0 { 0.0 } else { covered as f64 / files as f64 };
            CensusRound { id, quarter, started_by, started_at: from_db(started_at), covered, total: files, progress }
        })
        .collect();
    Ok((items, total))
}

/// C-7: an unpaid fee.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Arrear {
    pub id: i64,
    pub customer_file_id: i64,
    pub fee_type: FeeType,
    pub amount_cents: i64,
    pub overdue_since: NaiveDate,
    pub settled_at: Option<DateTime<Utc>>,
    pub settled_by: Option<i64>,
    /// The last follow-up's local date, if any.
    pub last_follow_up_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

type ArrearRow = (i64, i64, String, i64, NaiveDate, Option<NaiveDateTime>, Option<i64>, NaiveDateTime);

fn hydrate(conn: &mut DbConn, rows: Vec<ArrearRow>) -> Result<Vec<Arrear>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let last: std::collections::HashMap<i64, Option<NaiveDate>> = fups::table
        .filter(fups::arrear_id.eq_any(&ids))
        .group_by(fups::arrear_id)
        .select((fups::arrear_id, diesel::dsl::max(fups::contacted_on)))
        .load::<(i64, Option<NaiveDate>)>(conn)?
        .into_iter()
        .collect();
    rows.into_iter()
        .map(|r| {
            Ok(Arrear {
                id: r.0,
                customer_file_id: r.1,
                fee_type: FeeType::from_db(&r.2)?,
                amount_cents: r.3,
                overdue_since: r.4,
                settled_at: r.5.map(from_db),
                settled_by: r.6,
                last_follow_up_on: last.get(&r.0).copied().flatten(),
                created_at: from_db(r.7),
            })
        })
        .collect()
}

macro_rules! arrear_columns {
    () => {
        (
            arrears::id,
            arrears::file_id,
            arrears::fee_type,
            arrears::amount_cents,
            arrears::overdue_since,
            arrears::settled_at,
            arrears::settled_by,
            arrears::created_at,
        )
    };
}

pub fn find_arrear(conn: &mut DbConn, id: i64) -> Result<Arrear, ApiError> {
    let row: ArrearRow = arrears::table
        .find(id)
        .select(arrear_columns!())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("arrear {id} does not exist")))?;
    Ok(hydrate(conn, vec![row])?.remove(0))
}

pub fn create_arrear(conn: &mut DbConn, actor: i64, file_id: i64, fee_type: FeeType, amount_cents: i64, overdue_since: NaiveDate) -> Result<Arrear, ApiError> {
    write_tx(conn, |conn| {
        exists_for_field(conn, file_id, "customer_file_id")?;
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(arrears::table)
            .values((
                arrears::file_id.eq(file_id),
                arrears::fee_type.eq(fee_type.as_str()),
                arrears::amount_cents.eq(amount_cents),
                arrears::overdue_since.eq(overdue_since),
                arrears::created_by.eq(actor),
                arrears::created_at.eq(to_db(now())),
            ))
            .returning(arrears::id)
            .get_result(c))?;
        let a = find_arrear(conn, id)?;
        audit::record(conn, Some(actor), "arrear.create", "arrear", Some(id), audit::NONE, Some(&a))?;
        Ok(a)
    })
}

/// C-7: a recorded contact about an arrear.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArrearFollowUp {
    pub id: i64,
    pub arrear_id: i64,
    pub contacted_at: DateTime<Utc>,
    pub method: ContactMethod,
    pub outcome: String,
    pub recorded_by: i64,
}

pub fn follow_up(conn: &mut DbConn, actor: i64, id: i64, contacted_at: DateTime<Utc>, method: ContactMethod, outcome: String, tz: Tz) -> Result<ArrearFollowUp, ApiError> {
    write_tx(conn, |conn| {
        let a = find_arrear(conn, id)?;
        if a.settled_at.is_some() {
            return Err(ApiError::Conflict("the arrear is settled".into()));
        }
        let fid: i64 = with_conn!(conn, |c| diesel::insert_into(fups::table)
            .values((
                fups::arrear_id.eq(id),
                fups::contacted_at.eq(to_db(contacted_at)),
                fups::contacted_on.eq(time::local_date(contacted_at, tz)),
                fups::method.eq(method.as_str()),
                fups::outcome.eq(&outcome),
                fups::recorded_by.eq(actor),
                fups::recorded_at.eq(to_db(now())),
            ))
            .returning(fups::id)
            .get_result(c))?;
        let f = ArrearFollowUp { id: fid, arrear_id: id, contacted_at: crate::db::trunc(contacted_at), method, outcome, recorded_by: actor };
        audit::record(conn, Some(actor), "arrear.follow_up", "arrear", Some(id), audit::NONE, Some(&f))?;
        Ok(f)
    })
}

pub fn settle(conn: &mut DbConn, actor: i64, id: i64) -> Result<Arrear, ApiError> {
    write_tx(conn, |conn| {
        let before = find_arrear(conn, id)?;
        if before.settled_at.is_some() {
            return Err(ApiError::Conflict("the arrear is already settled".into()));
        }
        diesel::update(arrears::table.find(id)).set((arrears::settled_at.eq(to_db(now())), arrears::settled_by.eq(actor))).execute(conn)?;
        let after = find_arrear(conn, id)?;
        audit::record(conn, Some(actor), "arrear.settle", "arrear", Some(id), Some(&before), Some(&after))?;
        Ok(after)
    })
}

pub fn list_arrears(conn: &mut DbConn, settled: Option<bool>, page: Page) -> Result<(Vec<Arrear>, i64), ApiError> {
    let build = || {
        let mut q = arrears::table.into_boxed();
        match settled {
            Some(true) => q = q.filter(arrears::settled_at.is_not_null()),
            Some(false) => q = q.filter(arrears::settled_at.is_null()),
            None => {}
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows: Vec<ArrearRow> = build().order(arrears::id.desc()).limit(page.per_page).offset(page.offset()).select(arrear_columns!()).load(conn)?;
    Ok((hydrate(conn, rows)?, total))
}

/// C-7: unsettled arrears more than a month overdue on `on` with no follow-up in the last
/// 15 days, oldest first; exact calendar-month arithmetic via `overdue_threshold`.
pub fn due_follow_ups(conn: &mut DbConn, on: NaiveDate, page: Page) -> Result<(Vec<Arrear>, i64), ApiError> {
    let threshold = rules::overdue_threshold(on);
    let recent_from = on - chrono::Duration::days(rules::FOLLOW_UP_EVERY_DAYS);
    let build = || {
        arrears::table
            .filter(arrears::settled_at.is_null())
            .filter(arrears::overdue_since.lt(threshold))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                fups::table.filter(fups::arrear_id.eq(arrears::id)).filter(fups::contacted_on.gt(recent_from)),
            )))
            .into_boxed()
    };
    let total = build().count().get_result(conn)?;
    let rows: Vec<ArrearRow> =
        build().order((arrears::overdue_since.asc(), arrears::id.asc())).limit(page.per_page).offset(page.offset()).select(arrear_columns!()).load(conn)?;
    Ok((hydrate(conn, rows)?, total))
}
