//! Service records and follow-up visits (F-1..F-8).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::rules::{self, FollowUpStatus, Phase, Satisfaction, ServiceKind, Step, VisitMethod, WindowInput};
use crate::auth::{AuthUser, Role};
use crate::db::schema::{customer_files, follow_up_assignees as assignees, follow_ups as fu, service_records as sr, users};
use crate::db::{from_db, now, to_db, write_tx, DbConn};
use crate::error::ApiError;
use crate::http::Page;
use crate::time::Month;
use crate::{audit, time, with_conn};

/// A delivered service that follow-ups check.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceRecord {
    pub id: i64,
    pub kind: ServiceKind,
    /// A major complaint is followed up by the manager (F-1).
    pub major: bool,
    pub category: String,
    pub description: String,
    pub completed_at: DateTime<Utc>,
    pub unit: Option<String>,
    pub customer_file_id: Option<i64>,
    pub department: Option<String>,
    pub contract_start: Option<NaiveDate>,
    pub contract_end: Option<NaiveDate>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = sr)]
struct RecordRow {
    id: i64,
    kind: String,
    major: bool,
    category: String,
    description: String,
    completed_at: NaiveDateTime,
    unit: Option<String>,
    customer_file_id: Option<i64>,
    department: Option<String>,
    contract_start: Option<NaiveDate>,
    contract_end: Option<NaiveDate>,
    created_by: i64,
    created_at: NaiveDateTime,
}

impl TryFrom<RecordRow> for ServiceRecord {
    type Error = ApiError;
    fn try_from(r: RecordRow) -> Result<Self, ApiError> {
        Ok(ServiceRecord {
            id: r.id,
            kind: ServiceKind::from_db(&r.kind)?,
            major: r.major,
            category: r.category,
            description: r.description,
            completed_at: from_db(r.completed_at),
            unit: r.unit,
            customer_file_id: r.customer_file_id,
            department: r.department,
            contract_start: r.contract_start,
            contract_end: r.contract_end,
            created_by: r.created_by,
            created_at: from_db(r.created_at),
        })
    }
}

pub struct NewRecord {
    pub kind: ServiceKind,
    pub major: bool,
    pub category: String,
    pub description: String,
    pub completed_at: DateTime<Utc>,
    pub unit: Option<String>,
    pub customer_file_id: Option<i64>,
    pub department: Option<String>,
    pub contract: Option<(NaiveDate, NaiveDate)>,
}

pub fn find_record(conn: &mut DbConn, id: i64) -> Result<ServiceRecord, ApiError> {
    sr::table
        .find(id)
        .select(RecordRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("service record {id} does not exist")))?
        .try_into()
}

pub fn create_record(conn: &mut DbConn, actor: i64, tz: Tz, new: NewRecord) -> Result<ServiceRecord, ApiError> {
    write_tx(conn, |conn| {
        if let Some(f) = new.customer_file_id {
            let n: i64 = customer_files::table.filter(customer_files::id.eq(f)).count().get_result(conn)?;
            if n == 0 {
                return Err(ApiError::field("customer_file_id", format!("customer file {f} does not exist")));
            }
        }
        let month = Month::of(time::local_date(new.completed_at, tz)).to_string();
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(sr::table)
            .values((
                sr::kind.eq(new.kind.as_str()),
                sr::major.eq(new.major),
                sr::category.eq(&new.category),
                sr::description.eq(&new.description),
                sr::completed_at.eq(to_db(new.completed_at)),
                sr::completed_month.eq(&month),
                sr::unit.eq(&new.unit),
                sr::customer_file_id.eq(new.customer_file_id),
                sr::department.eq(&new.department),
                sr::contract_start.eq(new.contract.map(|c| c.0)),
                sr::contract_end.eq(new.contract.map(|c| c.1)),
                sr::created_by.eq(actor),
                sr::created_at.eq(to_db(now())),
            ))
            .returning(sr::id)
            .get_result(c))?;
        let r = find_record(conn, id)?;
        audit::record(conn, Some(actor), "service_record.create", "service_record", Some(id), audit::NONE, Some(&r))?;
        Ok(r)
    })
}

pub fn list_records(conn: &mut DbConn, kind: Option<ServiceKind>, month: Option<String>, page: Page) -> Result<(Vec<ServiceRecord>, i64), ApiError> {
    let build = || {
        let mut q = sr::table.into_boxed();
        if let Some(k) = kind {
            q = q.filter(sr::kind.eq(k.as_str()));
        }
        if let Some(m) = &month {
            q = q.filter(sr::completed_month.eq(m));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows: Vec<RecordRow> = build().order(sr::id.desc()).limit(page.per_page).offset(page.offset()).select(RecordRow::as_select()).load(conn)?;
    Ok((rows.into_iter().map(ServiceRecord::try_from).collect::<Result<_, _>>()?, total))
}

/// A follow-up visit and its result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowUp {
    pub id: i64,
    pub service_record_id: i64,
    pub phase: Option<Phase>,
    pub status: FollowUpStatus,
    /// First day of the window (inclusive, local date, F-2).
    pub due_from: NaiveDate,
    /// Last day of the window (inclusive, local date, F-2).
    pub due_by: NaiveDate,
    pub assignee_ids: Vec<i64>,
    pub planned_by: i64,
    pub created_at: DateTime<Utc>,
    pub signed_out_by: Option<i64>,
    pub signed_out_at: Option<DateTime<Utc>>,
    pub visited_at: Option<DateTime<Utc>>,
    pub method: Option<VisitMethod>,
    pub quality_rating: Option<i32>,
    pub effect_rating: Option<i32>,
    pub satisfaction: Option<Satisfaction>,
    pub shortcomings: Option<String>,
    pub suggestions: Option<String>,
    pub customer_signed_by: Option<String>,
    pub result_by: Option<i64>,
    /// False when dissatisfied or a rating is 2 or less (F-8).
    pub qualified: Option<bool>,
    /// Visited within the window.
    pub on_time: Option<bool>,
    pub review_comments: Option<String>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The manager's complaint handling of an unqualified result (F-8).
    pub escalation_handling: Option<String>,
    pub handled_by: Option<i64>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = fu)]
struct FollowUpRow {
    id: i64,
    service_record_id: i64,
    phase: Option<String>,
    status: String,
    due_from: NaiveDate,
    due_by: NaiveDate,
    planned_by: i64,
    created_at: NaiveDateTime,
    signed_out_by: Option<i64>,
    signed_out_at: Option<NaiveDateTime>,
    visited_at: Option<NaiveDateTime>,
    method: Option<String>,
    quality_rating: Option<i32>,
    effect_rating: Option<i32>,
    satisfaction: Option<String>,
    shortcomings: Option<String>,
    suggestions: Option<String>,
    customer_signed_by: Option<String>,
    result_by: Option<i64>,
    qualified: Option<bool>,
    on_time: Option<bool>,
    review_comments: Option<String>,
    reviewed_by: Option<i64>,
    reviewed_at: Option<NaiveDateTime>,
    escalation_handling: Option<String>,
    handled_by: Option<i64>,
    closed_at: Option<NaiveDateTime>,
}

fn hydrate(conn: &mut DbConn, rows: Vec<FollowUpRow>) -> Result<Vec<FollowUp>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut who: HashMap<i64, Vec<i64>> = HashMap::new();
    let pairs: Vec<(i64, i64)> = assignees::table
        .filter(assignees::follow_up_id.eq_any(&ids))
        .order((assignees::follow_up_id.asc(), assignees::user_id.asc()))
        .select((assignees::follow_up_id, assignees::user_id))
        .load(conn)?;
    for (f, u) in pairs {
        who.entry(f).or_default().push(u);
    }
    rows.into_iter()
        .map(|r| {
            Ok(FollowUp {
                id: r.id,
                service_record_id: r.service_record_id,
                phase: r.phase.as_deref().map(Phase::from_db).transpose()?,
                status: FollowUpStatus::from_db(&r.status)?,
                due_from: r.due_from,
                due_by: r.due_by,
                assignee_ids: who.remove(&r.id).unwrap_or_default(),
                planned_by: r.planned_by,
                created_at: from_db(r.created_at),
                signed_out_by: r.signed_out_by,
                signed_out_at: r.signed_out_at.map(from_db),
                visited_at: r.visited_at.map(from_db),
                method: r.method.as_deref().map(VisitMethod::from_db).transpose()?,
                quality_rating: r.quality_rating,
                effect_rating: r.effect_rating,
                satisfaction: r.satisfaction.as_deref().map(Satisfaction::from_db).transpose()?,
                shortcomings: r.shortcomings,
                suggestions: r.suggestions,
                customer_signed_by: r.customer_signed_by,
                result_by: r.result_by,
                qualified: r.qualified,
                on_time: r.on_time,
                review_comments: r.review_comments,
                reviewed_by: r.reviewed_by,
                reviewed_at: r.reviewed_at.map(from_db),
                escalation_handling: r.escalation_handling,
                handled_by: r.handled_by,
                closed_at: r.closed_at.map(from_db),
            })
        })
        .collect()
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<FollowUp, ApiError> {
    let row = fu::table
        .find(id)
        .select(FollowUpRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("follow-up {id} does not exist")))?;
    Ok(hydrate(conn, vec![row])?.remove(0))
}

/// F-1/F-2/F-4: plans a visit; the server computes the window; a major complaint's
/// assignees must include a manager.
pub fn plan(conn: &mut DbConn, actor: i64, tz: Tz, record_id: i64, assignee_ids: Vec<i64>, phase: Option<Phase>) -> Result<FollowUp, ApiError> {
    write_tx(conn, |conn| {
        let record = find_record(conn, record_id).map_err(|e| match e {
            ApiError::NotFound(m) => ApiError::field("service_record_id", m),
            other => other,
        })?;
        let found: Vec<(i64, String, bool)> =
            users::table.filter(users::id.eq_any(&assignee_ids)).select((users::id, users::role, users::active)).load(conn)?;
        for (i, id) in assignee_ids.iter().enumerate() {
            match found.iter().find(|(u, _, _)| u == id) {
                None => return Err(ApiError::field(&format!("assignee_ids[{i}]"), format!("user {id} does not exist"))),
                Some((_, _, false)) => return Err(ApiError::field(&format!("assignee_ids[{i}]"), "the user is deactivated")),
                Some(_) => {}
            }
        }
        if record.kind == ServiceKind::Complaint && record.major && !found.iter().any(|(_, role, _)| role == Role::Manager.as_str()) {
            return Err(ApiError::rule("F-1", "assignee_ids", "a major complaint is followed up by the manager: include a manager (F-1, F-4)"));
        }
        let window = rules::due_window(WindowInput {
            kind: record.kind,
            completed_on: time::local_date(record.completed_at, tz),
            phase,
            contract: record.contract_start.zip(record.contract_end),
        })
        .map_err(|(field, msg)| ApiError::rule("F-2", field, msg))?;
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(fu::table)
            .values((
                fu::service_record_id.eq(record.id),
                fu::phase.eq(phase.map(|p| p.as_str())),
                fu::status.eq(FollowUpStatus::Planned.as_str()),
                fu::due_from.eq(window.0),
                fu::due_by.eq(window.1),
                fu::planned_by.eq(actor),
                fu::created_at.eq(to_db(now())),
            ))
            .returning(fu::id)
            .get_result(c))?;
        for u in &assignee_ids {
            diesel::insert_into(assignees::table).values((assignees::follow_up_id.eq(id), assignees::user_id.eq(u))).execute(conn)?;
        }
        let f = find(conn, id)?;
        audit::record(conn, Some(actor), "follow_up.plan", "follow_up", Some(id), audit::NONE, Some(&f))?;
        Ok(f)
    })
}

fn step_to(before: &FollowUp, step: Step) -> Result<FollowUpStatus, ApiError> {
    rules::next_status(before.status, step).map_err(ApiError::Conflict)
}

fn require_assignee(f: &FollowUp, caller: &AuthUser) -> Result<(), ApiError> {
    if f.assignee_ids.contains(&caller.id) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only an assignee of this follow-up may do this".into()))
    }
}

/// F-6: the visitor signs out the record form before the visit.
pub fn sign_out(conn: &mut DbConn, caller: &AuthUser, id: i64) -> Result<FollowUp, ApiError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        require_assignee(&before, caller)?;
        let next = step_to(&before, Step::SignOut)?;
        diesel::update(fu::table.find(id).filter(fu::status.eq(before.status.as_str())))
            .set((fu::status.eq(next.as_str()), fu::signed_out_by.eq(caller.id), fu::signed_out_at.eq(to_db(now()))))
            .execute(conn)?;
        let after = find(conn, id)?;
        audit::record(conn, Some(caller.id), "follow_up.sign_out", "follow_up", Some(id), Some(&before), Some(&after))?;
        Ok(after)
    })
}

pub struct VisitResult {
    pub visited_at: DateTime<Utc>,
    pub method: VisitMethod,
    pub quality_rating: i32,
    pub effect_rating: i32,
    pub satisfaction: Satisfaction,
    pub shortcomings: Option<String>,
    pub suggestions: Option<String>,
    pub customer_signed_by: String,
}

/// F-5/F-7: records the visit; `qualified` and `on_time` are computed here.
pub fn record_result(conn: &mut DbConn, caller: &AuthUser, tz: Tz, id: i64, r: VisitResult) -> Result<FollowUp, ApiError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        require_assignee(&before, caller)?;
        let next = step_to(&before, Step::Result)?;
        let visited_on = time::local_date(r.visited_at, tz);
        let qualified = rules::qualified(r.quality_rating, r.effect_rating, r.satisfaction);
        let on_time = rules::on_time(visited_on, (before.due_from, before.due_by));
        diesel::update(fu::table.find(id).filter(fu::status.eq(before.status.as_str())))
            .set((
                fu::status.eq(next.as_str()),
                fu::visited_at.eq(to_db(r.visited_at)),
                fu::visited_month.eq(Month::of(visited_on).to_string()),
                fu::method.eq(r.method.as_str()),
                fu::quality_rating.eq(r.quality_rating),
                fu::effect_rating.eq(r.effect_rating),
                fu::satisfaction.eq(r.satisfaction.as_str()),
                fu::shortcomings.eq(&r.shortcomings),
                fu::suggestions.eq(&r.suggestions),
                fu::customer_signed_by.eq(&r.customer_signed_by),
                fu::result_by.eq(caller.id),
                fu::qualified.eq(qualified),
                fu::on_time.eq(on_time),
            ))
            .execute(conn)?;
        let after = find(conn, id)?;
        audit::record(conn, Some(caller.id), "follow_up.result", "follow_up", Some(id), Some(&before), Some(&after))?;
        Ok(after)
    })
}

/// F-8: the supervisor's review; an unqualified result goes to the manager.
pub fn review(conn: &mut DbConn, actor: i64, id: i64, comments: String) -> Result<FollowUp, ApiError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let next = step_to(&before, Step::Review { qualified: before.qualified.unwrap_or(false) })?;
        diesel::update(fu::table.find(id).filter(fu::status.eq(before.status.as_str())))
            .set((fu::status.eq(next.as_str()), fu::review_comments.eq(&comments), fu::reviewed_by.eq(actor), fu::reviewed_at.eq(to_db(now()))))
            .execute(conn)?;
        let after = find(conn, id)?;
        audit::record(conn, Some(actor), "follow_up.review", "follow_up", Some(id), Some(&before), Some(&after))?;
        Ok(after)
    })
}

/// F-8: the manager records the complaint handling and closes the record.
pub fn handle_escalation(conn: &mut DbConn, actor: i64, id: i64, handling: String) -> Result<FollowUp, ApiError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let next = step_to(&before, Step::Escalation)?;
        diesel::update(fu::table.find(id).filter(fu::status.eq(before.status.as_str())))
            .set((fu::status.eq(next.as_str()), fu::escalation_handling.eq(&handling), fu::handled_by.eq(actor), fu::closed_at.eq(to_db(now()))))
            .execute(conn)?;
        let after = find(conn, id)?;
        audit::record(conn, Some(actor), "follow_up.escalation", "follow_up", Some(id), Some(&before), Some(&after))?;
        Ok(after)
    })
}

#[derive(Default)]
pub struct FollowUpFilter {
    pub status: Option<FollowUpStatus>,
    pub assignee_id: Option<i64>,
    /// Windows ending on or before this date.
    pub due_before: Option<NaiveDate>,
}

pub fn list(conn: &mut DbConn, f: &FollowUpFilter, page: Page) -> Result<(Vec<FollowUp>, i64), ApiError> {
    let build = || {
        let mut q = fu::table.into_boxed();
        if let Some(s) = f.status {
            q = q.filter(fu::status.eq(s.as_str()));
        }
        if let Some(a) = f.assignee_id {
            q = q.filter(fu::id.eq_any(assignees::table.filter(assignees::user_id.eq(a)).select(assignees::follow_up_id)));
        }
        if let Some(d) = f.due_before {
            q = q.filter(fu::due_by.le(d));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows: Vec<FollowUpRow> =
        build().order((fu::due_by.asc(), fu::id.asc())).limit(page.per_page).offset(page.offset()).select(FollowUpRow::as_select()).load(conn)?;
    Ok((hydrate(conn, rows)?, total))
}
