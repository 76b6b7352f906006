//! `GET /agenda?at=`: the caller's due and overdue work across the registers, one indexed
//! query per source, sorted by `due_at`.

use actix_web::{get, web};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::extract::VerifiedToken;
use crate::auth::{AuthUser, Role};
use crate::customer_files::census_store;
use crate::db::schema::{
    census_entries, census_rounds, customer_files, duty_handover_anomalies, duty_handovers, duty_shifts, follow_up_assignees, follow_up_reports,
    follow_ups, key_loans, keys, maintenance_plans, vacant_anomalies, vacant_status_tables, vacant_units,
};
use crate::db::{from_db, to_db, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::Page;
use crate::time::Month;
use crate::{duty, time, AppState};

/// One piece of due work.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgendaItem {
    /// `follow_up`, `follow_up_review`, `follow_up_escalation`, `key_loan_overdue`, `arrears_follow_up`,
    /// `duty_review`, `vacant_status_table`, `follow_up_report`, `maintenance_plan`, `census`,
    /// `vacant_anomaly`, `handover_acceptance`, `handover_explanation`.
    #[schema(example = "key_loan_overdue")]
    pub kind: String,
    pub title: String,
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
    /// The API path of the thing to act on.
    #[schema(example = "/api/v1/key-loans/12")]
    pub link: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Agenda {
    pub at: DateTime<Utc>,
    pub items: Vec<AgendaItem>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgendaQuery {
    /// The moment to judge at (RFC 3339, years 1970..9999); default now.
    #[param(example = "2026-11-28T10:00:00+08:00")]
    pub at: Option<DateTime<Utc>>,
}

/// Items per source, so one busy register cannot crowd out the others.
const PER_SOURCE: i64 = 200;

struct Ctx {
    at: DateTime<Utc>,
    today: NaiveDate,
    tz: Tz,
    user: AuthUser,
    caches: std::sync::Arc<crate::cache::Caches>,
}

impl Ctx {
    fn end_of(&self, d: NaiveDate) -> DateTime<Utc> {
        time::day_start(d.succ_opt().unwrap_or(d), self.tz)
    }
    fn item(&self, kind: &str, title: String, due_at: DateTime<Utc>, link: String) -> AgendaItem {
        AgendaItem { kind: kind.into(), title, overdue: self.at > due_at, due_at, link }
    }
}

fn follow_ups_due(conn: &mut DbConn, c: &Ctx) -> Result<Vec<AgendaItem>, ApiError> {
    // F-2/F-6: planned or signed-out visits whose window has opened; supervisors see all.
    let mut q = follow_ups::table
        .filter(follow_ups::status.eq_any(["planned", "signed_out"]))
        .filter(follow_ups::due_from.le(c.today))
        .into_boxed();
    if !c.user.at_least(Role::Supervisor) {
        q = q.filter(follow_ups::id.eq_any(follow_up_assignees::table.filter(follow_up_assignees::user_id.eq(c.user.id)).select(follow_up_assignees::follow_up_id)));
    }
    let rows: Vec<(i64, NaiveDate)> = q.order(follow_ups::due_by.asc()).limit(PER_SOURCE).select((follow_ups::id, follow_ups::due_by)).load(conn)?;
    let mut items: Vec<AgendaItem> =
        rows.into_iter().map(|(id, by)| c.item("follow_up", format!("Follow-up visit {id} due by {by}"), c.end_of(by), format!("/api/v1/follow-ups/{id}"))).collect();
    if c.user.at_least(Role::Supervisor) {
        // F-8: visited records wait for the supervisor's review.
        let rows: Vec<(i64, Option<NaiveDateTime>)> = follow_ups::table
            .filter(follow_ups::status.eq("visited"))
            .order(follow_ups::visited_at.asc())
            .limit(PER_SOURCE)
            .select((follow_ups::id, follow_ups::visited_at))
            .load(conn)?;
        items.extend(rows.into_iter().map(|(id, v)| {
            let due = v.map(from_db).unwrap_or(c.at) + Duration::days(3);
            c.item("follow_up_review", format!("Review follow-up {id}"), due, format!("/api/v1/follow-ups/{id}"))
        }));
    }
    if c.user.role == Role::Manager {
        let rows: Vec<(i64, Option<NaiveDateTime>)> = follow_ups::table
            .filter(follow_ups::status.eq("escalated"))
            .limit(PER_SOURCE)
            .select((follow_ups::id, follow_ups::reviewed_at))
            .load(conn)?;
        items.extend(rows.into_iter().map(|(id, r)| {
            c.item("follow_up_escalation", format!("Handle the unqualified follow-up {id}"), r.map(from_db).unwrap_or(c.at), format!("/api/v1/follow-ups/{id}"))
        }));
    }
    Ok(items)
}

fn key_loans_overdue(conn: &mut DbConn, c: &Ctx) -> Result<Vec<AgendaItem>, ApiError> {
    // K-7: loans out more than 72 hours.
    let rows: Vec<(i64, String, String, NaiveDateTime)> = key_loans::table
        .inner_join(keys::table)
        .filter(key_loans::returned_at.is_null())
        .filter(key_loans::borrowed_at.lt(to_db(c.at - crate::keys::rules::OVERDUE_AFTER)))
        .order(key_loans::borrowed_at.asc())
        .limit(PER_SOURCE)
        .select((key_loans::id, keys::key_no, key_loans::borrower_name, key_loans::borrowed_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, key_no, who, at)| {
            c.item("key_loan_overdue", format!("Chase key {key_no} lent to {who}"), from_db(at) + crate::keys::rules::OVERDUE_AFTER, format!("/api/v1/key-loans/{id}"))
        })
        .collect())
}

fn arrears_due(conn: &mut DbConn, c: &Ctx) -> Result<Vec<AgendaItem>, ApiError> {
    // C-7: every 15 days after a month overdue.
    let (due, _) = census_store::due_follow_ups(conn, c.today, Page { page: 1, per_page: PER_SOURCE })?;
    let names: std::collections::HashMap<i64, String> = customer_files::table
        .filter(customer_files::id.eq_any(due.iter().map(|a| a.customer_file_id).collect::<Vec<_>>()))
        .select((customer_files::id, customer_files::customer_name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    Ok(due
        .into_iter()
        .map(|a| {
            let mut on = time::add_months(a.overdue_since, 1) + Duration::days(1);
            if let Some(last) = a.last_follow_up_on {
                on = on.max(last + Duration::days(crate::customer_files::rules::FOLLOW_UP_EVERY_DAYS));
            }
            let who = names.get(&a.customer_file_id).cloned().unwrap_or_default();
            c.item("arrears_follow_up", format!("Follow up {} arrears of {who}", a.fee_type), time::day_start(on, c.tz), format!("/api/v1/arrears/{}", a.id))
        })
        .collect())
}

fn duty_days(conn: &mut DbConn, c: &Ctx) -> Result<Vec<AgendaItem>, ApiError> {
    // D-10: the deputy supervisor signs each day's log.
    let (days, _) = duty::store::pending_review_days(conn, Page { page: 1, per_page: PER_SOURCE })?;
    Ok(days
        .into_iter()
        .filter(|(d, _)| *d <= c.today)
        .map(|(d, n)| c.item("duty_review", format!("Sign the duty log of {d} ({n} entries)"), c.end_of(d), format!("/api/v1/duty/log-entries?date={d}")))
        .collect())
}

fn monthly_deadlines(conn: &mut DbConn, c: &Ctx) -> Result<Vec<AgendaItem>, ApiError> {
    let mut items = Vec::new();
    let this = Month::of(c.today);
    let the_25th = NaiveDate::from_ymd_opt(this.year, this.month, 25).expect("the 25th");
    // V-2: this month's vacant-unit table before the 25th.
    let table: i64 = vacant_status_tables::table.filter(vacant_status_tables::month.eq(this.to_string())).count().get_result(conn)?;
    let units: i64 = vacant_units::table.count().get_result(conn)?;
    if table == 0 && units > 0 {
        items.push(c.item("vacant_status_table", format!("Submit the vacant-unit status table for {this}"), time::day_start(the_25th, c.tz), "/api/v1/vacant-units/status-tables".into()));
    }
    // F-10: last month's follow-up report by the 25th.
    let last = Month::of(this.first_day() - Duration::days(1));
    let report: i64 = follow_up_reports::table.filter(follow_up_reports::month.eq(last.to_string())).count().get_result(conn)?;
    if report == 0 {
        items.push(c.item("follow_up_report", format!("Submit the follow-up report for {last}"), c.end_of(the_25th), "/api/v1/follow-up-reports".into()));
    }
    if c.user.at_least(Role::Supervisor) {
        // V-3: next year's maintenance plan by 31 December.
        let next = c.today.year() + 1;
        let submitted: i64 = maintenance_plans::table
            .filter(maintenance_plans::year.eq(next))
            .filter(maintenance_plans::status.ne("draft"))
            .count()
            .get_result(conn)?;
        if submitted == 0 {
            let dec31 = NaiveDate::from_ymd_opt(c.today.year(), 12, 31).expect("31 December");
            items.push(c.item("maintenance_plan", format!("Submit the {next} maintenance plan"), c.end_of(dec31), "/api/v1/maintenance-plans".into()));
        }
    }
    if c.user.at_least(Role::DeputySupervisor) {
        // C-6: this quarter's census, until every file is covered.
        let q = (c.today.month0() / 3) + 1;
        let quarter = format!("{:04}-Q{q}", c.today.year());
        let (_, q_end) = crate::customer_files::rules::quarter(&quarter).expect("a valid quarter");
        let round: Option<i64> = census_rounds::table.filter(census_rounds::quarter.eq(&quarter)).select(census_rounds::id).first(conn).optional()?;
        // Counting 100 000 files on every agenda read thrashed the page cache: the count is
        // kept with the catalog's data version (src/cache.rs).
        let files: i64 = *c.caches.file_count.get_or_load(conn, (), |conn| Ok(customer_files::table.count().get_result(conn)?))?;
        let covered: i64 = match round {
            Some(r) => census_entries::table.filter(census_entries::round_id.eq(r)).count().get_result(conn)?,
            None => 0,
        };
        if files > 0 && covered < files {
            let link = round.map(|r| format!("/api/v1/census-rounds/{r}")).unwrap_or_else(|| "/api/v1/census-rounds".into());
            items.push(c.item("census", format!("Finish the {quarter} census ({covered}/{files} files)"), time::day_start(q_end, c.tz), link));
        }
    }
    Ok(items)
}

fn vacant_anomalies_open(conn: &mut DbConn, c: &Ctx) -> Result<Vec<AgendaItem>, ApiError> {
    // V-5: reported to the supervisor at once; overdue after a day.
    let rows: Vec<(i64, String, NaiveDateTime)> = vacant_anomalies::table
        .filter(vacant_anomalies::status.eq("open"))
        .order(vacant_anomalies::reported_at.asc())
        .limit(PER_SOURCE)
        .select((vacant_anomalies::id, vacant_anomalies::description, vacant_anomalies::reported_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, d, at)| c.item("vacant_anomaly", format!("Vacant-unit anomaly: {d}"), from_db(at) + Duration::days(1), format!("/api/v1/vacant-unit-anomalies/{id}/close")))
        .collect())
}

fn handovers_waiting(conn: &mut DbConn, c: &Ctx) -> Result<Vec<AgendaItem>, ApiError> {
    // D-9: handovers addressed to the caller, due at the incoming shift's start.
    let rows: Vec<(i64, NaiveDateTime)> = duty_handovers::table
        .inner_join(duty_shifts::table.on(duty_shifts::id.eq(duty_handovers::to_shift_id)))
        .filter(duty_handovers::incoming_id.eq(c.user.id))
        .filter(duty_handovers::status.eq("awaiting_incoming"))
        .limit(PER_SOURCE)
        .select((duty_handovers::id, duty_shifts::starts_at))
        .load(conn)?;
    let mut items: Vec<AgendaItem> =
        rows.into_iter().map(|(id, s)| c.item("handover_acceptance", format!("Accept handover {id}"), from_db(s), format!("/api/v1/duty/handovers/{id}/accept"))).collect();
    // D-6: anomalies waiting for the caller's explanation.
    let rows: Vec<(i64, i64, NaiveDateTime)> = duty_handover_anomalies::table
        .inner_join(duty_handovers::table)
        .filter(duty_handovers::outgoing_id.eq(c.user.id))
        .filter(duty_handover_anomalies::explanation.is_null())
        .limit(PER_SOURCE)
        .select((duty_handover_anomalies::id, duty_handovers::id, duty_handover_anomalies::raised_at))
        .load(conn)?;
    items.extend(rows.into_iter().map(|(aid, hid, at)| {
        c.item("handover_explanation", format!("Explain anomaly {aid} of handover {hid}"), from_db(at), format!("/api/v1/duty/handovers/{hid}/anomalies/{aid}/explanation"))
    }));
    Ok(items)
}

fn agenda(conn: &mut DbConn, c: &Ctx) -> Result<Vec<AgendaItem>, ApiError> {
    let mut items = follow_ups_due(conn, c)?;
    items.extend(key_loans_overdue(conn, c)?);
    items.extend(arrears_due(conn, c)?);
    if c.user.at_least(Role::DeputySupervisor) {
        items.extend(duty_days(conn, c)?);
    }
    items.extend(monthly_deadlines(conn, c)?);
    if c.user.at_least(Role::Supervisor) {
        items.extend(vacant_anomalies_open(conn, c)?);
    }
    items.extend(handovers_waiting(conn, c)?);
    items.sort_by(|a, b| a.due_at.cmp(&b.due_at).then_with(|| a.link.cmp(&b.link)));
    Ok(items)
}

/// The caller's due and overdue work across all registers, soonest first.
#[utoipa::path(tag = "across", params(AgendaQuery), responses((status = 200, body = Agenda)))]
#[get("/agenda")]
pub async fn get_agenda(state: web::Data<AppState>, token: VerifiedToken, query: crate::http::Query<AgendaQuery>) -> ApiResult<web::Json<Agenda>> {
    let at = query.at.unwrap_or_else(Utc::now);
    if !(1970..=9999).contains(&at.year()) {
        return Err(ApiError::field("at", "must be a moment between the years 1970 and 9999"));
    }
    let tz = state.settings.timezone;
    let (today, caches) = (time::local_date(at, tz), state.caches.clone());
    let items = state
        .db(move |conn| {
            // The caller's account is checked in the same database call as the agenda.
            let user = token.caller(conn)?;
            agenda(conn, &Ctx { at, today, tz, user, caches })
        })
        .await?;
    Ok(web::Json(Agenda { at, items }))
}
