//! Vacant units, care records, anomalies and the half-year summary (V-1, V-4..V-6).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::rules::{self, AnomalyStatus, CareTask, Finish};
use crate::db::schema::{vacant_anomalies, vacant_care_records, vacant_care_tasks, vacant_units};
use crate::db::{from_db, now, to_db, write_tx, DbConn};
use crate::error::ApiError;
use crate::http::Page;
use crate::{audit, time, with_conn};

/// A vacant unit taken over by the centre (V-1).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Unit {
    pub id: i64,
    #[schema(example = "A栋1203")]
    pub unit: String,
    pub building: String,
    pub floor: String,
    pub room: String,
    pub taken_over_on: NaiveDate,
    pub finish: Finish,
    /// Set once the unit is sold.
    pub sold_on: Option<NaiveDate>,
    /// V-6: its records are kept until one year after the sale.
    pub retain_until: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = vacant_units)]
struct UnitRow {
    id: i64,
    unit: String,
    building: String,
    floor: String,
    room: String,
    taken_over_on: NaiveDate,
    finish: String,
    sold_on: Option<NaiveDate>,
    created_at: NaiveDateTime,
}

impl TryFrom<UnitRow> for Unit {
    type Error = ApiError;
    fn try_from(r: UnitRow) -> Result<Self, ApiError> {
        Ok(Unit {
            id: r.id,
            unit: r.unit,
            building: r.building,
            floor: r.floor,
            room: r.room,
            taken_over_on: r.taken_over_on,
            finish: Finish::from_db(&r.finish)?,
            sold_on: r.sold_on,
            retain_until: rules::retain_until(r.sold_on),
            created_at: from_db(r.created_at),
        })
    }
}

pub struct NewUnit {
    pub unit: String,
    pub building: String,
    pub floor: String,
    pub room: String,
    pub taken_over_on: NaiveDate,
    pub finish: Finish,
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Unit, ApiError> {
    vacant_units::table
        .find(id)
        .select(UnitRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("vacant unit {id} does not exist")))?
        .try_into()
}

pub fn create(conn: &mut DbConn, actor: i64, new: NewUnit) -> Result<Unit, ApiError> {
    write_tx(conn, |conn| {
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(vacant_units::table)
            .values((
                vacant_units::unit.eq(&new.unit),
                vacant_units::building.eq(&new.building),
                vacant_units::floor.eq(&new.floor),
                vacant_units::room.eq(&new.room),
                vacant_units::taken_over_on.eq(new.taken_over_on),
                vacant_units::finish.eq(new.finish.as_str()),
                vacant_units::created_by.eq(actor),
                vacant_units::created_at.eq(to_db(now())),
            ))
            .returning(vacant_units::id)
            .get_result(c))?;
        let unit = find(conn, id)?;
        audit::record(conn, Some(actor), "vacant_unit.create", "vacant_unit", Some(id), audit::NONE, Some(&unit))?;
        Ok(unit)
    })
}

/// Marks a unit sold; its records are then kept until a year after `sold_on` (V-6).
pub fn mark_sold(conn: &mut DbConn, actor: i64, id: i64, sold_on: NaiveDate) -> Result<Unit, ApiError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        if before.sold_on.is_some() {
            return Err(ApiError::Conflict("the unit is already sold".into()));
        }
        if sold_on < before.taken_over_on {
            return Err(ApiError::field("sold_on", "must not be before taken_over_on"));
        }
        diesel::update(vacant_units::table.find(id)).set(vacant_units::sold_on.eq(sold_on)).execute(conn)?;
        let after = find(conn, id)?;
        audit::record(conn, Some(actor), "vacant_unit.sold", "vacant_unit", Some(id), Some(&before), Some(&after))?;
        Ok(after)
    })
}

#[derive(Default)]
pub struct UnitFilter {
    pub building: Option<String>,
    /// `Some(true)`: sold units only; `Some(false)`: still vacant.
    pub sold: Option<bool>,
}

pub fn list(conn: &mut DbConn, f: &UnitFilter, page: Page) -> Result<(Vec<Unit>, i64), ApiError> {
    let build = || {
        let mut q = vacant_units::table.into_boxed();
        if let Some(b) = &f.building {
            q = q.filter(vacant_units::building.eq(b));
        }
        match f.sold {
            Some(true) => q = q.filter(vacant_units::sold_on.is_not_null()),
            Some(false) => q = q.filter(vacant_units::sold_on.is_null()),
            None => {}
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows: Vec<UnitRow> = build()
        .order((vacant_units::building.asc(), vacant_units::floor.asc(), vacant_units::room.asc(), vacant_units::id.asc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select(UnitRow::as_select())
        .load(conn)?;
    Ok((rows.into_iter().map(Unit::try_from).collect::<Result<_, _>>()?, total))
}

/// V-5: an anomaly found on a care round; open until a supervisor closes it with an action.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Anomaly {
    pub id: i64,
    pub unit_id: i64,
    pub care_record_id: i64,
    pub description: String,
    pub reported_by: i64,
    pub reported_at: DateTime<Utc>,
    pub status: AnomalyStatus,
    pub action: Option<String>,
    pub closed_by: Option<i64>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = vacant_anomalies)]
struct AnomalyRow {
    id: i64,
    unit_id: i64,
    care_record_id: i64,
    description: String,
    reported_by: i64,
    reported_at: NaiveDateTime,
    status: String,
    action: Option<String>,
    closed_by: Option<i64>,
    closed_at: Option<NaiveDateTime>,
}

impl TryFrom<AnomalyRow> for Anomaly {
    type Error = ApiError;
    fn try_from(r: AnomalyRow) -> Result<Self, ApiError> {
        Ok(Anomaly {
            id: r.id,
            unit_id: r.unit_id,
            care_record_id: r.care_record_id,
            description: r.description,
            reported_by: r.reported_by,
            reported_at: from_db(r.reported_at),
            status: AnomalyStatus::from_db(&r.status)?,
            action: r.action,
            closed_by: r.closed_by,
            closed_at: r.closed_at.map(from_db),
        })
    }
}

/// One care round on a unit (V-4, V-6).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CareRecord {
    pub id: i64,
    pub unit_id: i64,
    pub performed_at: DateTime<Utc>,
    pub performed_by: i64,
    pub tasks: Vec<CareTask>,
    pub notes: Option<String>,
    /// The anomaly reported on this round, if any (V-5).
    pub anomaly: Option<Anomaly>,
}

pub struct NewCareRecord {
    pub performed_at: DateTime<Utc>,
    pub tasks: Vec<CareTask>,
    pub notes: Option<String>,
    pub anomaly: Option<String>,
}

/// V-4/V-5: records the round, its tasks and any anomaly, together.
pub fn add_care_record(conn: &mut DbConn, actor: i64, unit_id: i64, new: NewCareRecord) -> Result<CareRecord, ApiError> {
    write_tx(conn, |conn| {
        let unit = find(conn, unit_id)?;
        if unit.sold_on.is_some() {
            return Err(ApiError::Conflict("the unit is sold; it is no longer looked after as a vacant unit".into()));
        }
        let at = to_db(new.performed_at);
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(vacant_care_records::table)
            .values((
                vacant_care_records::unit_id.eq(unit_id),
                vacant_care_records::performed_at.eq(at),
                vacant_care_records::performed_by.eq(actor),
                vacant_care_records::notes.eq(&new.notes),
                vacant_care_records::created_at.eq(to_db(now())),
            ))
            .returning(vacant_care_records::id)
            .get_result(c))?;
        for task in &new.tasks {
            diesel::insert_into(vacant_care_tasks::table)
                .values((
                    vacant_care_tasks::record_id.eq(id),
                    vacant_care_tasks::unit_id.eq(unit_id),
                    vacant_care_tasks::task.eq(task.as_str()),
                    vacant_care_tasks::performed_at.eq(at),
                ))
                .execute(conn)?;
        }
        let anomaly = match &new.anomaly {
            Some(description) => {
                let aid: i64 = with_conn!(conn, |c| diesel::insert_into(vacant_anomalies::table)
                    .values((
                        vacant_anomalies::unit_id.eq(unit_id),
                        vacant_anomalies::care_record_id.eq(id),
                        vacant_anomalies::description.eq(description),
                        vacant_anomalies::reported_by.eq(actor),
                        vacant_anomalies::reported_at.eq(to_db(now())),
                        vacant_anomalies::status.eq(AnomalyStatus::Open.as_str()),
                    ))
                    .returning(vacant_anomalies::id)
                    .get_result(c))?;
                Some(find_anomaly(conn, aid)?)
            }
            None => None,
        };
        let record = CareRecord { id, unit_id, performed_at: from_db(at), performed_by: actor, tasks: new.tasks, notes: new.notes, anomaly };
        audit::record(conn, Some(actor), "vacant_unit.care", "vacant_care_record", Some(id), audit::NONE, Some(&record))?;
        Ok(record)
    })
}

pub fn care_records(conn: &mut DbConn, unit_id: i64, page: Page) -> Result<(Vec<CareRecord>, i64), ApiError> {
    find(conn, unit_id)?;
    let total = vacant_care_records::table.filter(vacant_care_records::unit_id.eq(unit_id)).count().get_result(conn)?;
    let rows: Vec<(i64, NaiveDateTime, i64, Option<String>)> = vacant_care_records::table
        .filter(vacant_care_records::unit_id.eq(unit_id))
        .order(vacant_care_records::performed_at.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .select((vacant_care_records::id, vacant_care_records::performed_at, vacant_care_records::performed_by, vacant_care_records::notes))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let tasks: Vec<(i64, String)> = vacant_care_tasks::table
        .filter(vacant_care_tasks::record_id.eq_any(&ids))
        .order(vacant_care_tasks::id.asc())
        .select((vacant_care_tasks::record_id, vacant_care_tasks::task))
        .load(conn)?;
    let anomalies: Vec<AnomalyRow> =
        vacant_anomalies::table.filter(vacant_anomalies::care_record_id.eq_any(&ids)).select(AnomalyRow::as_select()).load(conn)?;
    let mut anomalies: Vec<Anomaly> = anomalies.into_iter().map(Anomaly::try_from).collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, performed_at, performed_by, notes) in rows {
        let record_tasks = tasks.iter().filter(|(r, _)| *r == id).map(|(_, t)| CareTask::from_db(t)).collect::<Result<_, _>>()?;
        let anomaly = anomalies.iter().position(|a| a.care_record_id == id).map(|i| anomalies.swap_remove(i));
        out.push(CareRecord { id, unit_id, performed_at: from_db(performed_at), performed_by, tasks: record_tasks, notes, anomaly });
    }
    Ok((out, total))
}

pub fn find_anomaly(conn: &mut DbConn, id: i64) -> Result<Anomaly, ApiError> {
    vacant_anomalies::table
        .find(id)
        .select(AnomalyRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("vacant-unit anomaly {id} does not exist")))?
        .try_into()
}

/// V-5: a supervisor closes the anomaly with the action taken.
pub fn close_anomaly(conn: &mut DbConn, actor: i64, id: i64, action: String) -> Result<Anomaly, ApiError> {
    write_tx(conn, |conn| {
        let before = find_anomaly(conn, id)?;
        if before.status == AnomalyStatus::Closed {
            return Err(ApiError::Conflict("the anomaly is already closed".into()));
        }
        diesel::update(vacant_anomalies::table.find(id))
            .set((
                vacant_anomalies::status.eq(AnomalyStatus::Closed.as_str()),
                vacant_anomalies::action.eq(&action),
                vacant_anomalies::closed_by.eq(actor),
                vacant_anomalies::closed_at.eq(to_db(now())),
            ))
            .execute(conn)?;
        let after = find_anomaly(conn, id)?;
        audit::record(conn, Some(actor), "vacant_unit.anomaly_close", "vacant_anomaly", Some(id), Some(&before), Some(&after))?;
        Ok(after)
    })
}

pub fn list_anomalies(conn: &mut DbConn, status: Option<AnomalyStatus>, page: Page) -> Result<(Vec<Anomaly>, i64), ApiError> {
    let build = || {
        let mut q = vacant_anomalies::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(vacant_anomalies::status.eq(s.as_str()));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows: Vec<AnomalyRow> =
        build().order(vacant_anomalies::reported_at.asc()).limit(page.per_page).offset(page.offset()).select(AnomalyRow::as_select()).load(conn)?;
    Ok((rows.into_iter().map(Anomaly::try_from).collect::<Result<_, _>>()?, total))
}

/// One line of the half-year summary: how often a task was done on a unit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SummaryLine {
    pub unit_id: i64,
    pub unit: String,
    pub task: CareTask,
    pub count: i64,
}

/// V-6: care per unit and task over `[from, to)` local days, counted in SQL; unit names
/// are fetched for the page in one more query.
pub fn care_summary(conn: &mut DbConn, from: NaiveDate, to: NaiveDate, tz: Tz, page: Page) -> Result<(Vec<SummaryLine>, i64), ApiError> {
    let (start, end) = (to_db(time::day_start(from, tz)), to_db(time::day_start(to, tz)));
    let base = || {
        vacant_care_tasks::table
            .filter(vacant_care_tasks::performed_at.ge(start))
            .filter(vacant_care_tasks::performed_at.lt(end))
    };
    let groups: Vec<(i64, String)> = base().select((vacant_care_tasks::unit_id, vacant_care_tasks::task)).distinct().load(conn)?;
    let total = groups.len() as i64;
    let rows: Vec<(i64, String, i64)> = base()
        .group_by((vacant_care_tasks::unit_id, vacant_care_tasks::task))
        .select((vacant_care_tasks::unit_id, vacant_care_tasks::task, diesel::dsl::count_star()))
        .order((vacant_care_tasks::unit_id.asc(), vacant_care_tasks::task.asc()))
        .limit(page.per_page)
        .offset(page.offset())
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let names: std::collections::HashMap<i64, String> =
        vacant_units::table.filter(vacant_units::id.eq_any(&ids)).select((vacant_units::id, vacant_units::unit)).load(conn)?.into_iter().collect();
    rows.into_iter()
        .map(|(unit_id, task, count)| {
            Ok(SummaryLine { unit_id, unit: names.get(&unit_id).cloned().unwrap_or_default(), task: CareTask::from_db(&task)?, count })
        })
        .collect::<Result<Vec<_>, ApiError>>()
        .map(|lines| (lines, total))
}
