//! Shift handovers (D-5..D-9) in the database.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::rules::{self, AcceptRefusal, HandoverStatus, PendingItem};
use super::store::{find_shift, shift_for_field};
use crate::db::schema::{duty_handover_anomalies as anomalies, duty_handover_items as items, duty_handovers as handovers};
use crate::db::{from_db, now, to_db, write_tx, DbConn};
use crate::error::{ApiError, FieldError};
use crate::http::Page;
use crate::{audit, with_conn};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Anomaly {
    pub id: i64,
    pub description: String,
    pub raised_by: i64,
    pub raised_at: DateTime<Utc>,
    pub explanation: Option<String>,
    pub explained_by: Option<i64>,
    pub explained_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Item {
    pub description: String,
    pub important: bool,
    pub done: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Handover {
    pub id: i64,
    pub from_shift_id: i64,
    pub to_shift_id: i64,
    pub summary: String,
    pub status: HandoverStatus,
    pub outgoing_id: i64,
    pub incoming_id: i64,
    pub outgoing_signed_at: DateTime<Utc>,
    pub incoming_signed_at: Option<DateTime<Utc>>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub late_arrival: Option<bool>,
    pub created_at: DateTime<Utc>,
    pub pending_items: Vec<Item>,
    pub anomalies: Vec<Anomaly>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = handovers)]
struct HandoverRow {
    id: i64,
    from_shift_id: i64,
    to_shift_id: i64,
    summary: String,
    status: String,
    outgoing_id: i64,
    incoming_id: i64,
    outgoing_signed_at: NaiveDateTime,
    incoming_signed_at: Option<NaiveDateTime>,
    arrived_at: Option<NaiveDateTime>,
    late_arrival: Option<bool>,
    created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = anomalies)]
struct AnomalyRow {
    id: i64,
    handover_id: i64,
    description: String,
    raised_by: i64,
    raised_at: NaiveDateTime,
    explanation: Option<String>,
    explained_by: Option<i64>,
    explained_at: Option<NaiveDateTime>,
}

/// Loads handovers with their items and anomalies: three queries for any number of rows.
fn hydrate(conn: &mut DbConn, rows: Vec<HandoverRow>) -> Result<Vec<Handover>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut item_map: HashMap<i64, Vec<Item>> = HashMap::new();
    let item_rows: Vec<(i64, String, bool, bool)> = items::table
        .filter(items::handover_id.eq_any(&ids))
        .order((items::handover_id.asc(), items::position.asc()))
        .select((items::handover_id, items::description, items::important, items::done))
        .load(conn)?;
    for (hid, description, important, done) in item_rows {
        item_map.entry(hid).or_default().push(Item { description, important, done });
    }
    let mut anomaly_map: HashMap<i64, Vec<Anomaly>> = HashMap::new();
    let anomaly_rows: Vec<AnomalyRow> = anomalies::table
        .filter(anomalies::handover_id.eq_any(&ids))
        .order(anomalies::id.asc())
        .select(AnomalyRow::as_select())
        .load(conn)?;
    for a in anomaly_rows {
        anomaly_map.entry(a.handover_id).or_default().push(Anomaly {
            id: a.id,
            description: a.description,
            raised_by: a.raised_by,
            raised_at: from_db(a.raised_at),
            explanation: a.explanation,
            explained_by: a.explained_by,
            explained_at: a.explained_at.map(from_db),
        });
    }
    rows.into_iter()
        .map(|r| {
            Ok(Handover {
                id: r.id,
                from_shift_id: r.from_shift_id,
                to_shift_id: r.to_shift_id,
                summary: r.summary,
                status: HandoverStatus::from_db(&r.status)?,
                outgoing_id: r.outgoing_id,
                incoming_id: r.incoming_id,
                outgoing_signed_at: from_db(r.outgoing_signed_at),
                incoming_signed_at: r.incoming_signed_at.map(from_db),
                arrived_at: r.arrived_at.map(from_db),
                late_arrival: r.late_arrival,
                created_at: from_db(r.created_at),
                pending_items: item_map.remove(&r.id).unwrap_or_default(),
                anomalies: anomaly_map.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect()
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Handover, ApiError> {
    let row = handovers::table
        .find(id)
        .select(HandoverRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("handover {id} does not exist")))?;
    Ok(hydrate(conn, vec![row])?.remove(0))
}

pub struct NewHandover {
    pub from_shift_id: i64,
    pub to_shift_id: i64,
    pub summary: String,
    pub pending_items: Vec<PendingItem>,
}

/// D-7/D-8/D-9: the outgoing staff member signs by creating the handover; important
/// unfinished work blocks it.
pub fn create(conn: &mut DbConn, caller: i64, new: NewHandover) -> Result<Handover, ApiError> {
    let blocking = rules::blocking_items(&new.pending_items);
    if !blocking.is_empty() {
        let errors: Vec<FieldError> = blocking
            .iter()
            .map(|i| FieldError::new(format!("pending_items[{i}]"), format!("important work not finished: {}", new.pending_items[*i].description)))
            .collect();
        let message = format!("important work is not finished: {}", errors.iter().map(|e| e.message.trim_start_matches("important work not finished: ")).collect::<Vec<_>>().join("; "));
        return Err(ApiError::Rule { rule: "D-8", message, errors });
    }
    if new.from_shift_id == new.to_shift_id {
        return Err(ApiError::field("to_shift_id", "must differ from from_shift_id"));
    }
    write_tx(conn, |conn| {
        let from = shift_for_field(conn, new.from_shift_id, "from_shift_id")?;
        let to = shift_for_field(conn, new.to_shift_id, "to_shift_id")?;
        if from.staff_id != caller {
            return Err(ApiError::Forbidden("only the staff member of from_shift hands it over".into()));
        }
        if !rules::handover_window_open(now(), from.ends_at) {
            let opens = from.ends_at - rules::PREPARE_BEFORE;
            return Err(ApiError::rule("D-7", "from_shift_id", format!("the handover opens 15 minutes before the shift ends, at {}", opens.to_rfc3339())));
        }
        if to.starts_at < from.starts_at {
            return Err(ApiError::field("to_shift_id", "the incoming shift must not start before the outgoing one"));
        }
        let taken: Option<i64> =
            handovers::table.filter(handovers::from_shift_id.eq(from.id)).select(handovers::id).first(conn).optional()?;
        if let Some(existing) = taken {
            return Err(ApiError::Conflict(format!("shift {} was already handed over (handover {existing})", from.id)));
        }
        let at = to_db(now());
        let values = (
            handovers::from_shift_id.eq(from.id),
            handovers::to_shift_id.eq(to.id),
            handovers::summary.eq(&new.summary),
            handovers::status.eq(HandoverStatus::AwaitingIncoming.as_str()),
            handovers::outgoing_id.eq(from.staff_id),
            handovers::incoming_id.eq(to.staff_id),
            handovers::outgoing_signed_at.eq(at),
            handovers::created_at.eq(at),
        );
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(handovers::table)
            .values(values)
            .returning(handovers::id)
            .get_result(c))?;
        for (position, item) in new.pending_items.iter().enumerate() {
            diesel::insert_into(items::table)
                .values((
                    items::handover_id.eq(id),
                    items::position.eq(position as i32),
                    items::description.eq(&item.description),
                    items::important.eq(item.important),
                    items::done.eq(item.done),
                ))
                .execute(conn)?;
        }
        let handover = find(conn, id)?;
        audit::record(conn, Some(caller), "duty_handover.create", "duty_handover", Some(id), audit::NONE, Some(&handover))?;
        Ok(handover)
    })
}

fn require_open(h: &Handover) -> Result<(), ApiError> {
    if h.status == HandoverStatus::Completed {
        return Err(ApiError::Conflict("the handover is already accepted; nothing can be added".into()));
    }
    Ok(())
}

/// D-6: the incoming staff member records an anomaly found on taking over.
pub fn raise_anomaly(conn: &mut DbConn, caller: i64, handover_id: i64, description: String) -> Result<Anomaly, ApiError> {
    write_tx(conn, |conn| {
        let h = find(conn, handover_id)?;
        if h.incoming_id != caller {
            return Err(ApiError::Forbidden("only the incoming staff member records anomalies".into()));
        }
        require_open(&h)?;
        let at = to_db(now());
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(anomalies::table)
            .values((
                anomalies::handover_id.eq(h.id),
                anomalies::description.eq(&description),
                anomalies::raised_by.eq(caller),
                anomalies::raised_at.eq(at),
            ))
            .returning(anomalies::id)
            .get_result(c))?;
        let anomaly = find(conn, h.id)?.anomalies.into_iter().find(|a| a.id == id).ok_or(diesel::result::Error::NotFound)?;
        audit::record(conn, Some(caller), "duty_handover.anomaly", "duty_handover", Some(h.id), audit::NONE, Some(&anomaly))?;
        Ok(anomaly)
    })
}

/// D-6: the outgoing staff member explains an anomaly; the explanation is recorded once.
pub fn explain_anomaly(
    conn: &mut DbConn,
    caller: i64,
    handover_id: i64,
    anomaly_id: i64,
    explanation: String,
) -> Result<Anomaly, ApiError> {
    write_tx(conn, |conn| {
        let h = find(conn, handover_id)?;
        let anomaly = h
            .anomalies
            .iter()
            .find(|a| a.id == anomaly_id)
            .cloned()
            .ok_or_else(|| ApiError::NotFound(format!("anomaly {anomaly_id} does not belong to handover {handover_id}")))?;
        if h.outgoing_id != caller {
            return Err(ApiError::Forbidden("only the outgoing staff member explains anomalies".into()));
        }
        require_open(&h)?;
        if anomaly.explanation.is_some() {
            return Err(ApiError::Conflict("this anomaly is already explained".into()));
        }
        diesel::update(anomalies::table.find(anomaly_id))
            .set((
                anomalies::explanation.eq(&explanation),
                anomalies::explained_by.eq(caller),
                anomalies::explained_at.eq(to_db(now())),
            ))
            .execute(conn)?;
        let after = find(conn, h.id)?.anomalies.into_iter().find(|a| a.id == anomaly_id).ok_or(diesel::result::Error::NotFound)?;
        audit::record(conn, Some(caller), "duty_handover.explanation", "duty_handover", Some(h.id), Some(&anomaly), Some(&after))?;
        Ok(after)
    })
}

/// D-5/D-6/D-9: the incoming staff member accepts, once, after every anomaly is explained;
/// arriving later than 5 minutes before the shift is recorded as late.
pub fn accept(conn: &mut DbConn, caller: i64, handover_id: i64, arrived_at: DateTime<Utc>) -> Result<Handover, ApiError> {
    write_tx(conn, |conn| {
        let before = find(conn, handover_id)?;
        if before.incoming_id != caller {
            return Err(ApiError::Forbidden("only the incoming staff member accepts the handover".into()));
        }
        let unexplained = before.anomalies.iter().filter(|a| a.explanation.is_none()).count();
        match rules::can_accept(before.status, unexplained) {
            Ok(()) => {}
            Err(AcceptRefusal::AlreadyAccepted) => return Err(ApiError::Conflict("the handover is already accepted".into())),
            Err(AcceptRefusal::UnexplainedAnomalies(n)) => {
                return Err(ApiError::Conflict(format!("{n} anomaly(ies) still await the outgoing staff member's explanation (D-6)")))
            }
        }
        let to = find_shift(conn, before.to_shift_id)?;
        let late = rules::late_arrival(arrived_at, to.starts_at);
        // Guarded on the status, so two racing acceptances cannot both sign.
        let changed = diesel::update(
            handovers::table.find(handover_id).filter(handovers::status.eq(HandoverStatus::AwaitingIncoming.as_str())),
        )
        .set((
            handovers::status.eq(HandoverStatus::Completed.as_str()),
            handovers::incoming_signed_at.eq(to_db(now())),
            handovers::arrived_at.eq(to_db(arrived_at)),
            handovers::late_arrival.eq(late),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Err(ApiError::Conflict("the handover is already accepted".into()));
        }
        let after = find(conn, handover_id)?;
        audit::record(conn, Some(caller), "duty_handover.accept", "duty_handover", Some(handover_id), Some(&before), Some(&after))?;
        Ok(after)
    })
}

#[derive(Default)]
pub struct HandoverFilter {
    /// Handovers from or to this shift.
    pub shift_id: Option<i64>,
    pub status: Option<HandoverStatus>,
}

pub fn list(conn: &mut DbConn, f: &HandoverFilter, page: Page) -> Result<(Vec<Handover>, i64), ApiError> {
    let build = || {
        let mut q = handovers::table.into_boxed();
        if let Some(s) = f.shift_id {
            q = q.filter(handovers::from_shift_id.eq(s).or(handovers::to_shift_id.eq(s)));
        }
        if let Some(st) = f.status {
            q = q.filter(handovers::status.eq(st.as_str()));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows: Vec<HandoverRow> = build()
        .order(handovers::id.asc())
        .limit(page.per_page)
        .offset(page.offset())
        .select(HandoverRow::as_select())
        .load(conn)?;
    Ok((hydrate(conn, rows)?, total))
}
