//! Lending, returns, chasing and incidents (K-5..K-8).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::rules::{self, ConsentFrom, IncidentAction, IncidentKind, IncidentStatus, KeyStatus};
use super::store::{event, find as find_key, find_for_field, refresh_status};
use crate::db::schema::{key_chases, key_incidents, key_loans, keys};
use crate::db::{from_db, now, to_db, write_tx, DbConn};
use crate::error::ApiError;
use crate::http::Page;
use crate::{audit, with_conn};

/// K-5: a loan of one or more copies of a key.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Loan {
    pub id: i64,
    pub key_id: i64,
    pub key_no: String,
    pub unit: String,
    pub quantity: i32,
    /// Copies of this loan reported lost (K-8); a return brings back `quantity - lost_quantity`.
    pub lost_quantity: i32,
    pub borrowed_at: DateTime<Utc>,
    pub expected_return_at: DateTime<Utc>,
    pub reason: String,
    pub borrower_name: String,
    pub borrower_phone: String,
    pub borrower_signature: String,
    /// The staff member who lent the key.
    pub lent_by: i64,
    pub returned_at: Option<DateTime<Utc>>,
    pub returned_quantity: Option<i32>,
    /// K-6: the staff member who received the return.
    pub received_by: Option<i64>,
    /// True until returned.
    pub open: bool,
}

type LoanRow = (i64, i64, String, String, i32, i32, NaiveDateTime, NaiveDateTime, String, String, String, String, i64, Option<NaiveDateTime>, Option<i32>, Option<i64>);

macro_rules! loan_columns {
    () => {
        (
            key_loans::id,
            key_loans::key_id,
            keys::key_no,
            keys::unit,
            key_loans::quantity,
            key_loans::lost_quantity,
            key_loans::borrowed_at,
            key_loans::expected_return_at,
            key_loans::reason,
            key_loans::borrower_name,
            key_loans::borrower_phone,
            key_loans::borrower_signature,
            key_loans::lent_by,
            key_loans::returned_at,
            key_loans::returned_quantity,
            key_loans::received_by,
        )
    };
}

fn to_loan(r: LoanRow) -> Loan {
    Loan {
        id: r.0,
        key_id: r.1,
        key_no: r.2,
        unit: r.3,
        quantity: r.4,
        lost_quantity: r.5,
        borrowed_at: from_db(r.6),
        expected_return_at: from_db(r.7),
        reason: r.8,
        borrower_name: r.9,
        borrower_phone: r.10,
        borrower_signature: r.11,
        lent_by: r.12,
        returned_at: r.13.map(from_db),
        returned_quantity: r.14,
        received_by: r.15,
        open: r.13.is_none(),
    }
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Loan, ApiError> {
    key_loans::table
        .inner_join(keys::table)
        .filter(key_loans::id.eq(id))
        .select(loan_columns!())
        .first::<LoanRow>(conn)
        .optional()?
        .map(to_loan)
        .ok_or_else(|| ApiError::NotFound(format!("key loan {id} does not exist")))
}

pub struct NewLoan {
    pub key_id: i64,
    pub quantity: i32,
    pub expected_return_at: DateTime<Utc>,
    pub reason: String,
    pub borrower_name: String,
    pub borrower_phone: String,
    pub borrower_signature: String,
}

/// K-5: lends copies with a guarded decrement (`available >= quantity`), so parallel
/// requests can never take more copies than the cabinet holds.
pub fn lend(conn: &mut DbConn, actor: i64, new: NewLoan) -> Result<Loan, ApiError> {
    write_tx(conn, |conn| {
        let key = find_for_field(conn, new.key_id, "key_id")?;
        if !rules::lendable(key.status) {
            return Err(ApiError::Conflict(format!("the key is {}; it cannot be lent", key.status)));
        }
        let at = now();
        let taken = diesel::update(
            keys::table.find(key.id).filter(keys::available.ge(new.quantity)).filter(keys::status.eq_any(["in_cabinet", "lent"])),
        )
        .set((keys::available.eq(keys::available - new.quantity), keys::updated_at.eq(to_db(at))))
        .execute(conn)?;
        if taken == 0 {
            let available: i32 = keys::table.find(key.id).select(keys::available).first(conn)?;
            return Err(ApiError::Conflict(format!("only {available} cop(ies) in the cabinet; {} asked", new.quantity)));
        }
        refresh_status(conn, key.id)?;
        let values = (
            key_loans::key_id.eq(key.id),
            key_loans::quantity.eq(new.quantity),
            key_loans::lost_quantity.eq(0),
            key_loans::borrowed_at.eq(to_db(at)),
            key_loans::expected_return_at.eq(to_db(new.expected_return_at)),
            key_loans::reason.eq(&new.reason),
            key_loans::borrower_name.eq(&new.borrower_name),
            key_loans::borrower_phone.eq(&new.borrower_phone),
            key_loans::borrower_signature.eq(&new.borrower_signature),
            key_loans::lent_by.eq(actor),
        );
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(key_loans::table).values(values).returning(key_loans::id).get_result(c))?;
        event(conn, key.id, "lent", Some(id), actor, Some(&new.borrower_name))?;
        let loan = find(conn, id)?;
        audit::record(conn, Some(actor), "key.lend", "key_loan", Some(id), audit::NONE, Some(&loan))?;
        Ok(loan)
    })
}

/// K-6: the return brings back exactly what is out; the caller signs as receiver.
pub fn give_back(conn: &mut DbConn, actor: i64, loan_id: i64, returned: i32) -> Result<Loan, ApiError> {
    write_tx(conn, |conn| {
        let before = find(conn, loan_id)?;
        if !before.open {
            return Err(ApiError::Conflict("this loan is already returned".into()));
        }
        rules::check_return(before.quantity, before.lost_quantity, returned).map_err(|m| ApiError::rule("K-6", "returned_quantity", m))?;
        let at = to_db(now());
        let closed = diesel::update(key_loans::table.find(loan_id).filter(key_loans::returned_at.is_null()))
            .set((key_loans::returned_at.eq(at), key_loans::returned_quantity.eq(returned), key_loans::received_by.eq(actor)))
            .execute(conn)?;
        if closed == 0 {
            return Err(ApiError::Conflict("this loan is already returned".into()));
        }
        diesel::update(keys::table.find(before.key_id))
            .set((keys::available.eq(keys::available + returned), keys::updated_at.eq(at)))
            .execute(conn)?;
        refresh_status(conn, before.key_id)?;
        event(conn, before.key_id, "returned", Some(loan_id), actor, None)?;
        let after = find(conn, loan_id)?;
        audit::record(conn, Some(actor), "key.return", "key_loan", Some(loan_id), Some(&before), Some(&after))?;
        Ok(after)
    })
}

#[derive(Default)]
pub struct LoanFilter {
    pub open: Option<bool>,
    pub key_id: Option<i64>,
}

pub fn list(conn: &mut DbConn, f: &LoanFilter, page: Page) -> Result<(Vec<Loan>, i64), ApiError> {
    let build = || {
        let mut q = key_loans::table.inner_join(keys::table).into_boxed();
        match f.open {
            Some(true) => q = q.filter(key_loans::returned_at.is_null()),
            Some(false) => q = q.filter(key_loans::returned_at.is_not_null()),
            None => {}
        }
        if let Some(k) = f.key_id {
            q = q.filter(key_loans::key_id.eq(k));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows: Vec<LoanRow> =
        build().order(key_loans::id.desc()).limit(page.per_page).offset(page.offset()).select(loan_columns!()).load(conn)?;
    Ok((rows.into_iter().map(to_loan).collect(), total))
}

/// K-7: a recorded reminder call.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Chase {
    pub id: i64,
    pub loan_id: i64,
    pub note: String,
    pub chased_by: i64,
    pub chased_at: DateTime<Utc>,
}

pub fn chase(conn: &mut DbConn, actor: i64, loan_id: i64, note: String) -> Result<Chase, ApiError> {
    write_tx(conn, |conn| {
        let loan = find(conn, loan_id)?;
        if !loan.open {
            return Err(ApiError::Conflict("this loan is already returned; there is nothing to chase".into()));
        }
        let at = now();
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(key_chases::table)
            .values((key_chases::loan_id.eq(loan_id), key_chases::note.eq(&note), key_chases::chased_by.eq(actor), key_chases::chased_at.eq(to_db(at))))
            .returning(key_chases::id)
            .get_result(c))?;
        event(conn, loan.key_id, "chased", Some(loan_id), actor, Some(&note))?;
        let c = Chase { id, loan_id, note, chased_by: actor, chased_at: at };
        audit::record(conn, Some(actor), "key.chase", "key_loan", Some(loan_id), audit::NONE, Some(&c))?;
        Ok(c)
    })
}

/// An overdue loan with its chasing so far.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverdueLoan {
    #[serde(flatten)]
    pub loan: Loan,
    /// Whole hours out at `at`.
    pub hours_out: i64,
    pub chase_count: i64,
    pub last_chase: Option<Chase>,
}

/// K-7: open loans out more than 72 hours at `at`, oldest first, each with its last chase
/// (two queries for the whole page).
pub fn overdue(conn: &mut DbConn, at: DateTime<Utc>, page: Page) -> Result<(Vec<OverdueLoan>, i64), ApiError> {
    let cutoff = to_db(at - rules::OVERDUE_AFTER);
    let build = || {
        key_loans::table
            .inner_join(keys::table)
            .filter(key_loans::returned_at.is_null())
            .filter(key_loans::borrowed_at.lt(cutoff))
            .into_boxed()
    };
    let total = build().count().get_result(conn)?;
    let rows: Vec<LoanRow> =
        build().order(key_loans::borrowed_at.asc()).limit(page.per_page).offset(page.offset()).select(loan_columns!()).load(conn)?;
    let loans: Vec<Loan> = rows.into_iter().map(to_loan).collect();
    let ids: Vec<i64> = loans.iter().map(|l| l.id).collect();
    let chases: Vec<(i64, i64, String, i64, NaiveDateTime)> = key_chases::table
        .filter(key_chases::loan_id.eq_any(&ids))
        .order((key_chases::loan_id.asc(), key_chases::id.asc()))
        .select((key_chases::id, key_chases::loan_id, key_chases::note, key_chases::chased_by, key_chases::chased_at))
        .load(conn)?;
    let mut by_loan: HashMap<i64, (i64, Option<Chase>)> = HashMap::new();
    for (id, loan_id, note, chased_by, chased_at) in chases {
        let entry = by_loan.entry(loan_id).or_default();
        entry.0 += 1;
        entry.1 = Some(Chase { id, loan_id, note, chased_by, chased_at: from_db(chased_at) });
    }
    let items = loans
        .into_iter()
        .map(|loan| {
            let (chase_count, last_chase) = by_loan.remove(&loan.id).unwrap_or_default();
            OverdueLoan { hours_out: (at - loan.borrowed_at).num_hours(), chase_count, last_chase, loan }
        })
        .collect();
    Ok((items, total))
}

/// K-8: a lost or damaged key, and the supervisor's resolution.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Incident {
    pub id: i64,
    pub key_id: i64,
    /// The loan during which a copy was lost, if any.
    pub loan_id: Option<i64>,
    pub kind: IncidentKind,
    pub description: String,
    pub reported_by: i64,
    pub reported_at: DateTime<Utc>,
    pub status: IncidentStatus,
    pub consent_from: Option<ConsentFrom>,
    pub action: Option<IncidentAction>,
    pub outcome: Option<String>,
    pub resolved_by: Option<i64>,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = key_incidents)]
struct IncidentRow {
    id: i64,
    key_id: i64,
    loan_id: Option<i64>,
    kind: String,
    description: String,
    reported_by: i64,
    reported_at: NaiveDateTime,
    status: String,
    consent_from: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    resolved_by: Option<i64>,
    resolved_at: Option<NaiveDateTime>,
}

impl TryFrom<IncidentRow> for Incident {
    type Error = ApiError;
    fn try_from(r: IncidentRow) -> Result<Self, ApiError> {
        Ok(Incident {
            id: r.id,
            key_id: r.key_id,
            loan_id: r.loan_id,
            kind: IncidentKind::from_db(&r.kind)?,
            description: r.description,
            reported_by: r.reported_by,
            reported_at: from_db(r.reported_at),
            status: IncidentStatus::from_db(&r.status)?,
            consent_from: r.consent_from.as_deref().map(ConsentFrom::from_db).transpose()?,
            action: r.action.as_deref().map(IncidentAction::from_db).transpose()?,
            outcome: r.outcome,
            resolved_by: r.resolved_by,
            resolved_at: r.resolved_at.map(from_db),
        })
    }
}

pub fn find_incident(conn: &mut DbConn, id: i64) -> Result<Incident, ApiError> {
    key_incidents::table
        .find(id)
        .select(IncidentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("key incident {id} does not exist")))?
        .try_into()
}

pub struct NewIncident {
    pub key_id: i64,
    pub loan_id: Option<i64>,
    pub kind: IncidentKind,
    pub description: String,
}

/// K-8: records the incident. A lost copy leaves the count: from the open loan it was lent
/// on (`loan_id`), or else from the cabinet.
pub fn report(conn: &mut DbConn, actor: i64, new: NewIncident) -> Result<Incident, ApiError> {
    write_tx(conn, |conn| {
        let key = find_for_field(conn, new.key_id, "key_id")?;
        if matches!(key.status, KeyStatus::Collected | KeyStatus::Retired) {
            return Err(ApiError::Conflict(format!("the key is {}; it is no longer in the centre's custody", key.status)));
        }
        let at = to_db(now());
        if new.kind == IncidentKind::Lost {
            match new.loan_id {
                Some(loan_id) => {
                    let loan = find(conn, loan_id).map_err(|_| ApiError::field("loan_id", format!("key loan {loan_id} does not exist")))?;
                    if loan.key_id != key.id {
                        return Err(ApiError::field("loan_id", "the loan is of another key"));
                    }
                    let marked = diesel::update(
                        key_loans::table
                            .find(loan_id)
                            .filter(key_loans::returned_at.is_null())
                            .filter(key_loans::lost_quantity.lt(key_loans::quantity)),
                    )
                    .set(key_loans::lost_quantity.eq(key_loans::lost_quantity + 1))
                    .execute(conn)?;
                    if marked == 0 {
                        return Err(ApiError::Conflict("no copy of this loan is still out".into()));
                    }
                    diesel::update(keys::table.find(key.id).filter(keys::quantity.gt(0)))
                        .set((keys::quantity.eq(keys::quantity - 1), keys::updated_at.eq(at)))
                        .execute(conn)?;
                }
                None => {
                    let removed = diesel::update(keys::table.find(key.id).filter(keys::available.gt(0)))
                        .set((keys::quantity.eq(keys::quantity - 1), keys::available.eq(keys::available - 1), keys::updated_at.eq(at)))
                        .execute(conn)?;
                    if removed == 0 {
                        return Err(ApiError::Conflict("no copy is in the cabinet; name the loan the copy was lost on (loan_id)".into()));
                    }
                }
            }
            refresh_status(conn, key.id)?;
        }
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(key_incidents::table)
            .values((
                key_incidents::key_id.eq(key.id),
                key_incidents::loan_id.eq(new.loan_id),
                key_incidents::kind.eq(new.kind.as_str()),
                key_incidents::description.eq(&new.description),
                key_incidents::reported_by.eq(actor),
                key_incidents::reported_at.eq(at),
                key_incidents::status.eq(IncidentStatus::Open.as_str()),
            ))
            .returning(key_incidents::id)
            .get_result(c))?;
        event(conn, key.id, "incident", Some(id), actor, Some(new.kind.as_str()))?;
        let incident = find_incident(conn, id)?;
        audit::record(conn, Some(actor), "key.incident", "key_incident", Some(id), Some(&key), Some(&incident))?;
        Ok(incident)
    })
}

pub struct Resolution {
    pub consent_from: ConsentFrom,
    pub action: IncidentAction,
    pub outcome: String,
}

/// K-8: the supervisor's remedy, with consent. A duplicate key restores a lost copy to the
/// cabinet; a lock change retires the old key for good.
pub fn resolve(conn: &mut DbConn, actor: i64, incident_id: i64, r: Resolution) -> Result<Incident, ApiError> {
    write_tx(conn, |conn| {
        let before = find_incident(conn, incident_id)?;
        if before.status == IncidentStatus::Resolved {
            return Err(ApiError::Conflict("this incident is already resolved".into()));
        }
        let at = to_db(now());
        match (r.action, before.kind) {
            (IncidentAction::DuplicateKey, IncidentKind::Lost) => {
                diesel::update(keys::table.find(before.key_id))
                    .set((keys::quantity.eq(keys::quantity + 1), keys::available.eq(keys::available + 1), keys::updated_at.eq(at)))
                    .execute(conn)?;
                refresh_status(conn, before.key_id)?;
            }
            (IncidentAction::DuplicateKey, IncidentKind::Damaged) => {}
            (IncidentAction::LockChange, _) => {
                let open: i64 = key_loans::table
                    .filter(key_loans::key_id.eq(before.key_id))
                    .filter(key_loans::returned_at.is_null())
                    .count()
                    .get_result(conn)?;
                if open > 0 {
                    return Err(ApiError::Conflict("copies of the old key are still lent out; have them returned first".into()));
                }
                diesel::update(keys::table.find(before.key_id))
                    .set((keys::status.eq(KeyStatus::Retired.as_str()), keys::available.eq(0), keys::updated_at.eq(at)))
                    .execute(conn)?;
            }
        }
        diesel::update(key_incidents::table.find(incident_id))
            .set((
                key_incidents::status.eq(IncidentStatus::Resolved.as_str()),
                key_incidents::consent_from.eq(r.consent_from.as_str()),
                key_incidents::action.eq(r.action.as_str()),
                key_incidents::outcome.eq(&r.outcome),
                key_incidents::resolved_by.eq(actor),
                key_incidents::resolved_at.eq(at),
            ))
            .execute(conn)?;
        event(conn, before.key_id, "resolved", Some(incident_id), actor, Some(r.action.as_str()))?;
        let after = find_incident(conn, incident_id)?;
        find_key(conn, before.key_id)?;
        audit::record(conn, Some(actor), "key.incident_resolve", "key_incident", Some(incident_id), Some(&before), Some(&after))?;
        Ok(after)
    })
}

pub fn list_incidents(conn: &mut DbConn, status: Option<IncidentStatus>, page: Page) -> Result<(Vec<Incident>, i64), ApiError> {
    let build = || {
        let mut q = key_incidents::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(key_incidents::status.eq(s.as_str()));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows: Vec<IncidentRow> =
        build().order(key_incidents::id.desc()).limit(page.per_page).offset(page.offset()).select(IncidentRow::as_select()).load(conn)?;
    Ok((rows.into_iter().map(Incident::try_from).collect::<Result<_, _>>()?, total))
}
