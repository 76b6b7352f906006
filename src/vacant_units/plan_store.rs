//! The monthly status table (V-2) and the yearly maintenance plan (V-3).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::rules::{self, Month, PlanStatus, PlanStep};
use crate::db::schema::{
    maintenance_plan_items as items, maintenance_plans as plans, vacant_anomalies, vacant_care_records, vacant_status_rows as srows,
    vacant_status_tables as tables, vacant_units,
};
use crate::db::{from_db, now, to_db, write_tx, DbConn};
use crate::error::ApiError;
use crate::{audit, time, with_conn};

/// One unit's line in the monthly table, as it stood at submission.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusRow {
    pub unit_id: i64,
    pub unit: String,
    pub building: String,
    pub floor: String,
    pub room: String,
    pub finish: String,
    /// `vacant` or `sold`.
    pub state: String,
    pub taken_over_on: NaiveDate,
    pub sold_on: Option<NaiveDate>,
    /// Care rounds recorded in the month.
    pub care_records: i32,
    pub last_care_at: Option<DateTime<Utc>>,
    /// Anomalies still open at submission.
    pub open_anomalies: i32,
}

/// V-2: the monthly vacant-unit status table, frozen at submission.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusTable {
    pub id: i64,
    #[schema(example = "2026-11")]
    pub month: String,
    pub submitted_by: i64,
    pub submitted_at: DateTime<Utc>,
    /// Submitted on or after the 25th of the month.
    pub late: bool,
    pub rows: Vec<StatusRow>,
}

/// V-2: snapshots every unit for the month, once; later changes to units do not alter it.
pub fn submit_table(conn: &mut DbConn, actor: i64, month: Month, tz: Tz) -> Result<StatusTable, ApiError> {
    write_tx(conn, |conn| {
        let key = month.to_string();
        let exists: i64 = tables::table.filter(tables::month.eq(&key)).count().get_result(conn)?;
        if exists > 0 {
            return Err(ApiError::Conflict(format!("the status table of {key} is already submitted")));
        }
        let at = now();
        let late = rules::status_table_late(month, time::local_date(at, tz));
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(tables::table)
            .values((tables::month.eq(&key), tables::submitted_by.eq(actor), tables::submitted_at.eq(to_db(at)), tables::late.eq(late)))
            .returning(tables::id)
            .get_result(c))?;
        let (start, end) = (to_db(time::day_start(month.first_day(), tz)), to_db(time::day_start(month.next_first_day(), tz)));
        let care: HashMap<i64, (i64, Option<NaiveDateTime>)> = vacant_care_records::table
            .filter(vacant_care_records::performed_at.ge(start))
            .filter(vacant_care_records::performed_at.lt(end))
            .group_by(vacant_care_records::unit_id)
            .select((vacant_care_records::unit_id, diesel::dsl::count_star(), diesel::dsl::max(vacant_care_records::performed_at)))
            .load::<(i64, i64, Option<NaiveDateTime>)>(conn)?
            .into_iter()
            .map(|(u, n, last)| (u, (n, last)))
            .collect();
        let open: HashMap<i64, i64> = vacant_anomalies::table
            .filter(vacant_anomalies::status.eq("open"))
            .group_by(vacant_anomalies::unit_id)
            .select((vacant_anomalies::unit_id, diesel::dsl::count_star()))
            .load::<(i64, i64)>(conn)?
            .into_iter()
            .collect();
        // Units taken over by the end of the month and not sold before it began.
        let units: Vec<(i64, String, String, String, String, String, NaiveDate, Option<NaiveDate>)> = vacant_units::table
            .filter(vacant_units::taken_over_on.lt(month.next_first_day()))
            .filter(vacant_units::sold_on.is_null().or(vacant_units::sold_on.ge(month.first_day())))
            .order(vacant_units::unit.asc())
            .select((
                vacant_units::id,
                vacant_units::unit,
                vacant_units::building,
                vacant_units::floor,
                vacant_units::room,
                vacant_units::finish,
                vacant_units::taken_over_on,
                vacant_units::sold_on,
            ))
            .load(conn)?;
        for (unit_id, unit, building, floor, room, finish, taken_over_on, sold_on) in units {
            let (n, last) = care.get(&unit_id).copied().unwrap_or((0, None));
            let state = if sold_on.is_some_and(|d| d < month.next_first_day()) { "sold" } else { "vacant" };
            diesel::insert_into(srows::table)
                .values((
                    srows::table_id.eq(id),
                    srows::unit_id.eq(unit_id),
                    srows::unit.eq(&unit),
                    srows::building.eq(&building),
                    srows::floor.eq(&floor),
                    srows::room.eq(&room),
                    srows::finish.eq(&finish),
                    srows::state.eq(state),
                    srows::taken_over_on.eq(taken_over_on),
                    srows::sold_on.eq(sold_on),
                    srows::care_records.eq(n as i32),
                    srows::last_care_at.eq(last),
                    srows::open_anomalies.eq(open.get(&unit_id).copied().unwrap_or(0) as i32),
                ))
                .execute(conn)?;
        }
        let table = find_table(conn, month)?;
        audit::record(conn, Some(actor), "vacant_unit.status_table", "vacant_status_table", Some(id), audit::NONE, Some(&serde_json::json!({"month": key, "late": late, "rows": table.rows.len()})))?;
        Ok(table)
    })
}

pub fn find_table(conn: &mut DbConn, month: Month) -> Result<StatusTable, ApiError> {
    let key = month.to_string();
    let (id, submitted_by, submitted_at, late): (i64, i64, NaiveDateTime, bool) = tables::table
        .filter(tables::month.eq(&key))
        .select((tables::id, tables::submitted_by, tables::submitted_at, tables::late))
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("no status table was submitted for {key}")))?;
    type Row = (i64, String, String, String, String, String, String, NaiveDate, Option<NaiveDate>, i32, Option<NaiveDateTime>, i32);
    let rows: Vec<Row> = srows::table
        .filter(srows::table_id.eq(id))
        .order(srows::unit.asc())
        .select((
            srows::unit_id,
            srows::unit,
            srows::building,
            srows::floor,
            srows::room,
            srows::finish,
            srows::state,
            srows::taken_over_on,
            srows::sold_on,
            srows::care_records,
            srows::last_care_at,
            srows::open_anomalies,
        ))
        .load(conn)?;
    Ok(StatusTable {
        id,
        month: key,
        submitted_by,
        submitted_at: from_db(submitted_at),
        late,
        rows: rows
            .into_iter()
            .map(|r| StatusRow {
                unit_id: r.0,
                unit: r.1,
                building: r.2,
                floor: r.3,
                room: r.4,
                finish: r.5,
                state: r.6,
                taken_over_on: r.7,
                sold_on: r.8,
                care_records: r.9,
                last_care_at: r.10.map(from_db),
                open_anomalies: r.11,
            })
            .collect(),
    })
}

/// One line of the maintenance plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanItem {
    pub item: String,
    pub frequency: String,
    pub measures: String,
    /// Integer cents, never negative.
    pub budget_cents: i64,
}

/// V-3: next year's maintenance plan and where it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Plan {
    pub id: i64,
    pub year: i32,
    pub status: PlanStatus,
    pub items: Vec<PlanItem>,
    pub total_budget_cents: i64,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub submitted_by: Option<i64>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Submitted after 31 December of the year before.
    pub late: Option<bool>,
    /// The centre manager who reviewed it.
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The general manager who approved it.
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = plans)]
struct PlanRow {
    id: i64,
    year: i32,
    status: String,
    created_by: i64,
    created_at: NaiveDateTime,
    submitted_by: Option<i64>,
    submitted_at: Option<NaiveDateTime>,
    late: Option<bool>,
    reviewed_by: Option<i64>,
    reviewed_at: Option<NaiveDateTime>,
    approved_by_name: Option<String>,
    approved_at: Option<NaiveDateTime>,
}

fn hydrate(conn: &mut DbConn, rows: Vec<PlanRow>) -> Result<Vec<Plan>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let all: Vec<(i64, String, String, String, i64)> = items::table
        .filter(items::plan_id.eq_any(&ids))
        .filter(items::active.eq(true))
        .order((items::plan_id.asc(), items::position.asc()))
        .select((items::plan_id, items::item, items::frequency, items::measures, items::budget_cents))
        .load(conn)?;
    let mut by_plan: HashMap<i64, Vec<PlanItem>> = HashMap::new();
    for (pid, item, frequency, measures, budget_cents) in all {
        by_plan.entry(pid).or_default().push(PlanItem { item, frequency, measures, budget_cents });
    }
    rows.into_iter()
        .map(|r| {
            let items = by_plan.remove(&r.id).unwrap_or_default();
            Ok(Plan {
                id: r.id,
                year: r.year,
                status: PlanStatus::from_db(&r.status)?,
                total_budget_cents: items.iter().map(|i| i.budget_cents).sum(),
                items,
                created_by: r.created_by,
                created_at: from_db(r.created_at),
                submitted_by: r.submitted_by,
                submitted_at: r.submitted_at.map(from_db),
                late: r.late,
                reviewed_by: r.reviewed_by,
                reviewed_at: r.reviewed_at.map(from_db),
                approved_by: r.approved_by_name,
                approved_at: r.approved_at.map(from_db),
            })
        })
        .collect()
}

pub fn find_plan(conn: &mut DbConn, id: i64) -> Result<Plan, ApiError> {
    let row = plans::table
        .find(id)
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("maintenance plan {id} does not exist")))?;
    Ok(hydrate(conn, vec![row])?.remove(0))
}

pub fn list_plans(conn: &mut DbConn, page: crate::http::Page) -> Result<(Vec<Plan>, i64), ApiError> {
    let total = plans::table.count().get_result(conn)?;
    let rows = plans::table.order(plans::year.desc()).limit(page.per_page).offset(page.offset()).select(PlanRow::as_select()).load(conn)?;
    Ok((hydrate(conn, rows)?, total))
}

fn write_items(conn: &mut DbConn, plan_id: i64, new: &[PlanItem]) -> Result<(), ApiError> {
    // Replaced items are kept inactive, not deleted: the plan's drafts stay on record.
    diesel::update(items::table.filter(items::plan_id.eq(plan_id))).set(items::active.eq(false)).execute(conn)?;
    for (position, i) in new.iter().enumerate() {
        diesel::insert_into(items::table)
            .values((
                items::plan_id.eq(plan_id),
                items::position.eq(position as i32),
                items::item.eq(&i.item),
                items::frequency.eq(&i.frequency),
                items::measures.eq(&i.measures),
                items::budget_cents.eq(i.budget_cents),
                items::active.eq(true),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// V-3: one plan per year, drafted by the supervisor.
pub fn create_plan(conn: &mut DbConn, actor: i64, year: i32, new: Vec<PlanItem>) -> Result<Plan, ApiError> {
    write_tx(conn, |conn| {
        let exists: i64 = plans::table.filter(plans::year.eq(year)).count().get_result(conn)?;
        if exists > 0 {
            return Err(ApiError::Conflict(format!("the maintenance plan for {year} already exists")));
        }
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(plans::table)
            .values((
                plans::year.eq(year),
                plans::status.eq(PlanStatus::Draft.as_str()),
                plans::created_by.eq(actor),
                plans::created_at.eq(to_db(now())),
            ))
            .returning(plans::id)
            .get_result(c))?;
        write_items(conn, id, &new)?;
        let plan = find_plan(conn, id)?;
        audit::record(conn, Some(actor), "maintenance_plan.create", "maintenance_plan", Some(id), audit::NONE, Some(&plan))?;
        Ok(plan)
    })
}

/// V-3: items can be changed only while the plan is a draft.
pub fn replace_items(conn: &mut DbConn, actor: i64, id: i64, new: Vec<PlanItem>) -> Result<Plan, ApiError> {
    write_tx(conn, |conn| {
        let before = find_plan(conn, id)?;
        if before.status != PlanStatus::Draft {
            return Err(ApiError::Conflict(format!("the plan is {}; items can be changed only in draft", before.status)));
        }
        write_items(conn, id, &new)?;
        let after = find_plan(conn, id)?;
        audit::record(conn, Some(actor), "maintenance_plan.items", "maintenance_plan", Some(id), Some(&before), Some(&after))?;
        Ok(after)
    })
}

/// V-3: moves the plan one step along `draft → submitted → reviewed → approved`.
pub fn advance(conn: &mut DbConn, actor: i64, id: i64, step: PlanStep, approved_by: Option<String>, tz: Tz) -> Result<Plan, ApiError> {
    write_tx(conn, |conn| {
        let before = find_plan(conn, id)?;
        let next = rules::next_status(before.status, step).map_err(ApiError::Conflict)?;
        let at = now();
        let guard = plans::table.find(id).filter(plans::status.eq(before.status.as_str()));
        let changed = match step {
            PlanStep::Submit => {
                if before.items.is_empty() {
                    return Err(ApiError::rule("V-3", "items", "a plan without items cannot be submitted"));
                }
                let late = rules::plan_late(before.year, time::local_date(at, tz));
                diesel::update(guard)
                    .set((plans::status.eq(next.as_str()), plans::submitted_by.eq(actor), plans::submitted_at.eq(to_db(at)), plans::late.eq(late)))
                    .execute(conn)?
            }
            PlanStep::Review => diesel::update(guard)
                .set((plans::status.eq(next.as_str()), plans::reviewed_by.eq(actor), plans::reviewed_at.eq(to_db(at))))
                .execute(conn)?,
            PlanStep::Approve => diesel::update(guard)
                .set((
                    plans::status.eq(next.as_str()),
                    plans::approved_by_name.eq(&approved_by),
                    plans::approved_recorded_by.eq(actor),
                    plans::approved_at.eq(to_db(at)),
                ))
                .execute(conn)?,
        };
        if changed == 0 {
            return Err(ApiError::Conflict("the plan changed meanwhile; reload it".into()));
        }
        let after = find_plan(conn, id)?;
        audit::record(conn, Some(actor), &format!("maintenance_plan.{}", next.as_str()), "maintenance_plan", Some(id), Some(&before), Some(&after))?;
        Ok(after)
    })
}
