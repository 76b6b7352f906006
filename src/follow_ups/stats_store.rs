//! Targets (F-3), monthly statistics (F-3, F-9) and the monthly report (F-9, F-10).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::rules::{self, ReportStatus, ServiceKind};
use crate::db::schema::{follow_up_reports as reports, follow_up_targets as targets, follow_ups as fu, service_records as sr};
use crate::db::{from_db, now, to_db, write_tx, DbConn};
use crate::error::ApiError;
use crate::http::Page;
use crate::time::Month;
use crate::{audit, time, with_conn};

/// A kind's target follow-up rate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Target {
    pub kind: ServiceKind,
    /// A fraction 0..1.
    pub target_rate: f64,
    /// True while the manual's default applies.
    pub is_default: bool,
}

pub fn targets(conn: &mut DbConn) -> Result<Vec<Target>, ApiError> {
    let set: HashMap<String, f64> = targets::table.select((targets::kind, targets::target_rate)).load::<(String, f64)>(conn)?.into_iter().collect();
    Ok(ServiceKind::ALL
        .iter()
        .map(|k| match set.get(k.as_str()) {
            Some(r) => Target { kind: *k, target_rate: *r, is_default: false },
            None => Target { kind: *k, target_rate: rules::default_target(*k), is_default: true },
        })
        .collect())
}

/// F-3: the supervisor sets the target of `other` services.
pub fn set_target(conn: &mut DbConn, actor: i64, kind: ServiceKind, rate: f64) -> Result<Target, ApiError> {
    write_tx(conn, |conn| {
        let before = targets(conn)?.into_iter().find(|t| t.kind == kind);
        let at = to_db(now());
        let updated = diesel::update(targets::table.find(kind.as_str()))
            .set((targets::target_rate.eq(rate), targets::updated_by.eq(actor), targets::updated_at.eq(at)))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(targets::table)
                .values((targets::kind.eq(kind.as_str()), targets::target_rate.eq(rate), targets::updated_by.eq(actor), targets::updated_at.eq(at)))
                .execute(conn)?;
        }
        let after = Target { kind, target_rate: rate, is_default: false };
        audit::record(conn, Some(actor), "follow_up.target", "follow_up_target", None, before.as_ref(), Some(&after))?;
        Ok(after)
    })
}

/// One kind's line of the month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KindStats {
    pub kind: ServiceKind,
    /// Services of this kind completed in the month.
    pub services_completed: i64,
    /// Of those, how many have a recorded visit.
    pub visited: i64,
    /// `visited / services_completed` (0 when nothing was completed).
    pub rate: f64,
    pub target: f64,
    /// `rate >= target` (true when nothing was completed).
    pub met: bool,
}

/// A repeated matter (F-9).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Repeat {
    pub customer_file_id: Option<i64>,
    pub unit: Option<String>,
    pub category: String,
    pub count: i64,
}

/// F-3/F-9: the month's figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Stats {
    #[schema(example = "2026-11")]
    pub month: String,
    pub per_kind: Vec<KindStats>,
    /// Visits in the month whose result was unqualified.
    pub unqualified: i64,
    /// The same customer (or unit) and category complained about two or more times in the month.
    pub repeat_complaints: Vec<Repeat>,
    /// The same unit and category repaired three or more times in the month.
    pub repeat_repairs: Vec<Repeat>,
}

const VISITED: &[&str] = &["visited", "reviewed", "escalated", "closed"];

/// F-3/F-9: every figure is an SQL aggregate over indexed columns.
pub fn stats(conn: &mut DbConn, month: Month) -> Result<Stats, ApiError> {
    let key = month.to_string();
    let completed: HashMap<String, i64> = sr::table
        .filter(sr::completed_month.eq(&key))
        .group_by(sr::kind)
        .select((sr::kind, diesel::dsl::count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    #[allow(deprecated)]
    let visited: HashMap<String, i64> = sr::table
        .inner_join(fu::table)
        .filter(sr::completed_month.eq(&key))
        .filter(fu::status.eq_any(VISITED))
        .group_by(sr::kind)
        .select((sr::kind, diesel::dsl::count_distinct(sr::id)))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let target_of: HashMap<ServiceKind, f64> = targets(conn)?.into_iter().map(|t| (t.kind, t.target_rate)).collect();
    let per_kind = ServiceKind::ALL
        .iter()
        .map(|k| {
            let done = completed.get(k.as_str()).copied().unwrap_or(0);
            let seen = visited.get(k.as_str()).copied().unwrap_or(0);
            let rate = if done == 0 { 0.0 } else { seen as f64 / done as f64 };
            let target = target_of.get(k).copied().unwrap_or_else(|| rules::default_target(*k));
            KindStats { kind: *k, services_completed: done, visited: seen, rate, target, met: done == 0 || rate + 1e-9 >= target }
        })
        .collect();
    let unqualified: i64 = fu::table.filter(fu::visited_month.eq(&key)).filter(fu::qualified.eq(false)).count().get_result(conn)?;
    let complaints = sr::table.filter(sr::completed_month.eq(&key)).filter(sr::kind.eq(ServiceKind::Complaint.as_str()));
    let mut repeat_complaints: Vec<Repeat> = complaints
        .filter(sr::customer_file_id.is_not_null())
        .group_by((sr::customer_file_id, sr::category))
        .having(diesel::dsl::count_star().ge(2))
        .select((sr::customer_file_id, diesel::dsl::max(sr::unit), sr::category, diesel::dsl::count_star()))
        .load::<(Option<i64>, Option<String>, String, i64)>(conn)?
        .into_iter()
        .map(|(customer_file_id, unit, category, count)| Repeat { customer_file_id, unit, category, count })
        .collect();
    repeat_complaints.extend(
        complaints
            .filter(sr::customer_file_id.is_null())
            .filter(sr::unit.is_not_null())
            .group_by((sr::unit, sr::category))
            .having(diesel::dsl::count_star().ge(2))
            .select((sr::unit, sr::category, diesel::dsl::count_star()))
            .load::<(Option<String>, String, i64)>(conn)?
            .into_iter()
            .map(|(unit, category, count)| Repeat { customer_file_id: None, unit, category, count }),
    );
    let repeat_repairs = sr::table
        .filter(sr::completed_month.eq(&key))
        .filter(sr::kind.eq(ServiceKind::Repair.as_str()))
        .filter(sr::unit.is_not_null())
        .group_by((sr::unit, sr::category))
        .having(diesel::dsl::count_star().ge(3))
        .select((sr::unit, sr::category, diesel::dsl::count_star()))
        .load::<(Option<String>, String, i64)>(conn)?
        .into_iter()
        .map(|(unit, category, count)| Repeat { customer_file_id: None, unit, category, count })
        .collect();
    Ok(Stats { month: key, per_kind, unqualified, repeat_complaints, repeat_repairs })
}

/// F-9/F-10: the monthly analysis report and its path to a decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    pub id: i64,
    pub month: String,
    pub analysis: String,
    pub status: ReportStatus,
    /// Submitted after the 25th of the following month (F-10).
    pub late: bool,
    pub submitted_by: i64,
    pub submitted_at: DateTime<Utc>,
    pub review_comments: Option<String>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Whether corrective/preventive action is started (F-9).
    pub corrective_action: Option<bool>,
    pub decision_note: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = reports)]
struct ReportRow {
    id: i64,
    month: String,
    analysis: String,
    status: String,
    late: bool,
    submitted_by: i64,
    submitted_at: NaiveDateTime,
    review_comments: Option<String>,
    reviewed_by: Option<i64>,
    reviewed_at: Option<NaiveDateTime>,
    corrective_action: Option<bool>,
    decision_note: Option<String>,
    decided_by: Option<i64>,
    decided_at: Option<NaiveDateTime>,
}

impl TryFrom<ReportRow> for Report {
    type Error = ApiError;
    fn try_from(r: ReportRow) -> Result<Self, ApiError> {
        Ok(Report {
            id: r.id,
            month: r.month,
            analysis: r.analysis,
            status: ReportStatus::from_db(&r.status)?,
            late: r.late,
            submitted_by: r.submitted_by,
            submitted_at: from_db(r.submitted_at),
            review_comments: r.review_comments,
            reviewed_by: r.reviewed_by,
            reviewed_at: r.reviewed_at.map(from_db),
            corrective_action: r.corrective_action,
            decision_note: r.decision_note,
            decided_by: r.decided_by,
            decided_at: r.decided_at.map(from_db),
        })
    }
}

pub fn find_report(conn: &mut DbConn, id: i64) -> Result<Report, ApiError> {
    reports::table
        .find(id)
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("follow-up report {id} does not exist")))?
        .try_into()
}

pub fn submit_report(conn: &mut DbConn, actor: i64, tz: Tz, month: Month, analysis: String) -> Result<Report, ApiError> {
    write_tx(conn, |conn| {
        let key = month.to_string();
        let n: i64 = reports::table.filter(reports::month.eq(&key)).count().get_result(conn)?;
        if n > 0 {
            return Err(ApiError::Conflict(format!("the report for {key} is already submitted")));
        }
        let at = now();
        let late = rules::report_late(month, time::local_date(at, tz));
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(reports::table)
            .values((
                reports::month.eq(&key),
                reports::analysis.eq(&analysis),
                reports::status.eq(ReportStatus::Submitted.as_str()),
                reports::late.eq(late),
                reports::submitted_by.eq(actor),
                reports::submitted_at.eq(to_db(at)),
            ))
            .returning(reports::id)
            .get_result(c))?;
        let r = find_report(conn, id)?;
        audit::record(conn, Some(actor), "follow_up_report.submit", "follow_up_report", Some(id), audit::NONE, Some(&r))?;
        Ok(r)
    })
}

/// F-9: the supervisor reviews, then the manager decides; each step once, in order.
pub fn review_report(conn: &mut DbConn, actor: i64, id: i64, comments: Option<String>) -> Result<Report, ApiError> {
    write_tx(conn, |conn| {
        let before = find_report(conn, id)?;
        if before.status != ReportStatus::Submitted {
            return Err(ApiError::Conflict(format!("the report is {}; only a submitted report is reviewed", before.status)));
        }
        diesel::update(reports::table.find(id).filter(reports::status.eq(ReportStatus::Submitted.as_str())))
            .set((reports::status.eq(ReportStatus::Reviewed.as_str()), reports::review_comments.eq(&comments), reports::reviewed_by.eq(actor), reports::reviewed_at.eq(to_db(now()))))
            .execute(conn)?;
        let after = find_report(conn, id)?;
        audit::record(conn, Some(actor), "follow_up_report.review", "follow_up_report", Some(id), Some(&before), Some(&after))?;
        Ok(after)
    })
}

pub fn decide_report(conn: &mut DbConn, actor: i64, id: i64, corrective_action: bool, note: String) -> Result<Report, ApiError> {
    write_tx(conn, |conn| {
        let before = find_report(conn, id)?;
        if before.status != ReportStatus::Reviewed {
            return Err(ApiError::Conflict(format!("the report is {}; the manager decides on a reviewed report", before.status)));
        }
        diesel::update(reports::table.find(id).filter(reports::status.eq(ReportStatus::Reviewed.as_str())))
            .set((
                reports::status.eq(ReportStatus::Decided.as_str()),
                reports::corrective_action.eq(corrective_action),
                reports::decision_note.eq(&note),
                reports::decided_by.eq(actor),
                reports::decided_at.eq(to_db(now())),
            ))
            .execute(conn)?;
        let after = find_report(conn, id)?;
        audit::record(conn, Some(actor), "follow_up_report.decide", "follow_up_report", Some(id), Some(&before), Some(&after))?;
        Ok(after)
    })
}

pub fn list_reports(conn: &mut DbConn, page: Page) -> Result<(Vec<Report>, i64), ApiError> {
    let total = reports::table.count().get_result(conn)?;
    let rows: Vec<ReportRow> = reports::table.order(reports::month.desc()).limit(page.per_page).offset(page.offset()).select(ReportRow::as_select()).load(conn)?;
    Ok((rows.into_iter().map(Report::try_from).collect::<Result<_, _>>()?, total))
}
