//! The key cabinet, customer entrustments, collection and each key's history.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::rules::{self, IdDocumentKind, KeySource, KeyStatus};
use crate::db::schema::{key_collections, key_entrustments, key_events, key_loans, keys};
use crate::db::{from_db, now, to_db, write_tx, DbConn};
use crate::error::ApiError;
use crate::http::Page;
use crate::{audit, time, with_conn};

/// A key in the cabinet: a set of `quantity` copies, `available` of them in the cabinet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Key {
    pub id: i64,
    #[schema(example = "A-1203")]
    pub key_no: String,
    /// K-3: the unit code the key is labelled with.
    #[schema(example = "A栋1203")]
    pub unit: String,
    pub source: KeySource,
    /// K-4: the customer's name on the tag of an entrusted key.
    pub holder_name: Option<String>,
    pub cabinet_slot: Option<String>,
    /// Copies held by the centre (lost copies are removed).
    pub quantity: i32,
    /// Copies in the cabinet now.
    pub available: i32,
    pub status: KeyStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = keys)]
struct KeyRow {
    id: i64,
    key_no: String,
    unit: String,
    source: String,
    holder_name: Option<String>,
    cabinet_slot: Option<String>,
    quantity: i32,
    available: i32,
    status: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<KeyRow> for Key {
    type Error = ApiError;
    fn try_from(r: KeyRow) -> Result<Self, ApiError> {
        Ok(Key {
            id: r.id,
            key_no: r.key_no,
            unit: r.unit,
            source: KeySource::from_db(&r.source)?,
            holder_name: r.holder_name,
            cabinet_slot: r.cabinet_slot,
            quantity: r.quantity,
            available: r.available,
            status: KeyStatus::from_db(&r.status)?,
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
        })
    }
}

pub struct NewKey {
    pub key_no: String,
    pub unit: String,
    pub source: KeySource,
    pub quantity: i32,
    pub holder_name: Option<String>,
    pub cabinet_slot: Option<String>,
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Key, ApiError> {
    keys::table
        .find(id)
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("key {id} does not exist")))?
        .try_into()
}

/// A key named in a request body: a missing one is a 422 on that field.
pub fn find_for_field(conn: &mut DbConn, id: i64, field: &str) -> Result<Key, ApiError> {
    find(conn, id).map_err(|e| match e {
        ApiError::NotFound(m) => ApiError::field(field, m),
        other => other,
    })
}

/// Appends one line to a key's history.
pub fn event(conn: &mut DbConn, key_id: i64, kind: &str, ref_id: Option<i64>, actor: i64, note: Option<&str>) -> Result<(), ApiError> {
    diesel::insert_into(key_events::table)
        .values((
            key_events::key_id.eq(key_id),
            key_events::kind.eq(kind),
            key_events::ref_id.eq(ref_id),
            key_events::actor_id.eq(actor),
            key_events::note.eq(note),
            key_events::at.eq(to_db(now())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Recomputes the status from the counts after a change to them.
pub fn refresh_status(conn: &mut DbConn, key_id: i64) -> Result<Key, ApiError> {
    let key = find(conn, key_id)?;
    let status = rules::status_for(key.status, key.quantity, key.available);
    if status != key.status {
        diesel::update(keys::table.find(key_id))
            .set((keys::status.eq(status.as_str()), keys::updated_at.eq(to_db(now()))))
            .execute(conn)?;
        return find(conn, key_id);
    }
    Ok(key)
}

fn insert_key(conn: &mut DbConn, actor: i64, new: &NewKey) -> Result<i64, ApiError> {
    let at = to_db(now());
    let values = (
        keys::key_no.eq(&new.key_no),
        keys::unit.eq(&new.unit),
        keys::source.eq(new.source.as_str()),
        keys::holder_name.eq(&new.holder_name),
        keys::cabinet_slot.eq(&new.cabinet_slot),
        keys::quantity.eq(new.quantity),
        keys::available.eq(new.quantity),
        keys::status.eq(KeyStatus::InCabinet.as_str()),
        keys::created_by.eq(actor),
        keys::created_at.eq(at),
        keys::updated_at.eq(at),
    );
    Ok(with_conn!(conn, |c| diesel::insert_into(keys::table).values(values).returning(keys::id).get_result(c))?)
}

/// K-1/K-3: registers a key in the cabinet.
pub fn create(conn: &mut DbConn, actor: i64, new: NewKey) -> Result<Key, ApiError> {
    write_tx(conn, |conn| {
        let id = insert_key(conn, actor, &new)?;
        event(conn, id, "registered", None, actor, None)?;
        let key = find(conn, id)?;
        audit::record(conn, Some(actor), "key.create", "key", Some(id), audit::NONE, Some(&key))?;
        Ok(key)
    })
}

#[derive(Default)]
pub struct KeyFilter {
    pub status: Option<KeyStatus>,
    pub unit: Option<String>,
}

/// K-3: the cabinet in unit order.
pub fn list(conn: &mut DbConn, f: &KeyFilter, page: Page) -> Result<(Vec<Key>, i64), ApiError> {
    let build = || {
        let mut q = keys::table.into_boxed();
        if let Some(s) = f.status {
            q = q.filter(keys::status.eq(s.as_str()));
        }
        if let Some(u) = &f.unit {
            q = q.filter(keys::unit.eq(u));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows: Vec<KeyRow> = build()
        .order((keys::unit.asc(), keys::key_no.asc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select(KeyRow::as_select())
        .load(conn)?;
    Ok((rows.into_iter().map(Key::try_from).collect::<Result<_, _>>()?, total))
}

/// K-4: the entrustment form; part two is the customer's receipt.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Entrustment {
    pub id: i64,
    #[schema(example = "KE-2026-000123")]
    pub receipt_no: String,
    pub key_id: i64,
    pub unit: String,
    pub customer_name: String,
    pub key_count: i32,
    pub reason: String,
    pub collection_requirements: String,
    pub disclaimer_accepted: bool,
    pub customer_signature: String,
    pub received_by: i64,
    pub entrusted_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = key_entrustments)]
struct EntrustmentRow {
    id: i64,
    receipt_no: String,
    key_id: i64,
    unit: String,
    customer_name: String,
    key_count: i32,
    reason: String,
    collection_requirements: String,
    disclaimer_accepted: bool,
    customer_signature: String,
    received_by: i64,
    entrusted_at: NaiveDateTime,
}

impl From<EntrustmentRow> for Entrustment {
    fn from(r: EntrustmentRow) -> Self {
        Entrustment {
            id: r.id,
            receipt_no: r.receipt_no,
            key_id: r.key_id,
            unit: r.unit,
            customer_name: r.customer_name,
            key_count: r.key_count,
            reason: r.reason,
            collection_requirements: r.collection_requirements,
            disclaimer_accepted: r.disclaimer_accepted,
            customer_signature: r.customer_signature,
            received_by: r.received_by,
            entrusted_at: from_db(r.entrusted_at),
        }
    }
}

pub struct NewEntrustment {
    pub unit: String,
    pub customer_name: String,
    pub key_count: i32,
    pub reason: String,
    pub collection_requirements: String,
    pub customer_signature: String,
}

pub fn find_entrustment(conn: &mut DbConn, id: i64) -> Result<Entrustment, ApiError> {
    key_entrustments::table
        .find(id)
        .select(EntrustmentRow::as_select())
        .first(conn)
        .optional()?
        .map(Entrustment::from)
        .ok_or_else(|| ApiError::NotFound(format!("key entrustment {id} does not exist")))
}

/// K-4: the entrustment, its register row and the key tagged with the customer's name are
/// written together; the receipt number comes from the entrustment's id.
pub fn entrust(conn: &mut DbConn, actor: i64, tz: Tz, new: NewEntrustment) -> Result<Entrustment, ApiError> {
    write_tx(conn, |conn| {
        let placeholder = uuid::Uuid::new_v4().simple().to_string();
        let key_id = insert_key(
            conn,
            actor,
            &NewKey {
                key_no: placeholder.clone(),
                unit: new.unit.clone(),
                source: KeySource::Customer,
                quantity: new.key_count,
                holder_name: Some(new.customer_name.clone()),
                cabinet_slot: None,
            },
        )?;
        let at = now();
        let values = (
            key_entrustments::receipt_no.eq(&placeholder),
            key_entrustments::key_id.eq(key_id),
            key_entrustments::unit.eq(&new.unit),
            key_entrustments::customer_name.eq(&new.customer_name),
            key_entrustments::key_count.eq(new.key_count),
            key_entrustments::reason.eq(&new.reason),
            key_entrustments::collection_requirements.eq(&new.collection_requirements),
            key_entrustments::disclaimer_accepted.eq(true),
            key_entrustments::customer_signature.eq(&new.customer_signature),
            key_entrustments::received_by.eq(actor),
            key_entrustments::entrusted_at.eq(to_db(at)),
        );
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(key_entrustments::table)
            .values(values)
            .returning(key_entrustments::id)
            .get_result(c))?;
        let receipt = rules::receipt_no(chrono::Datelike::year(&time::local_date(at, tz)), id);
        diesel::update(key_entrustments::table.find(id)).set(key_entrustments::receipt_no.eq(&receipt)).execute(conn)?;
        diesel::update(keys::table.find(key_id)).set(keys::key_no.eq(&receipt)).execute(conn)?;
        event(conn, key_id, "entrusted", Some(id), actor, Some(&receipt))?;
        let e = find_entrustment(conn, id)?;
        audit::record(conn, Some(actor), "key.entrust", "key_entrustment", Some(id), audit::NONE, Some(&e))?;
        Ok(e)
    })
}

pub fn list_entrustments(conn: &mut DbConn, page: Page) -> Result<(Vec<Entrustment>, i64), ApiError> {
    let total = key_entrustments::table.count().get_result(conn)?;
    let rows: Vec<EntrustmentRow> = key_entrustments::table
        .order(key_entrustments::id.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .select(EntrustmentRow::as_select())
        .load(conn)?;
    Ok((rows.into_iter().map(Entrustment::from).collect(), total))
}

/// K-9: who collected a key, with which document, when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Collection {
    pub id: i64,
    pub key_id: i64,
    pub collector_name: String,
    pub id_document_kind: IdDocumentKind,
    /// Only the last four characters are shown.
    #[schema(example = "**************1234")]
    pub id_document_no: String,
    pub collector_signature: String,
    pub handed_over_by: i64,
    pub collected_at: DateTime<Utc>,
}

pub struct NewCollection {
    pub collector_name: String,
    pub id_document_kind: IdDocumentKind,
    pub id_document_no: String,
    pub collector_signature: String,
}

/// K-9: hands the key over against proof of identity; every copy must be back in the cabinet.
pub fn collect(conn: &mut DbConn, actor: i64, key_id: i64, new: NewCollection) -> Result<(Key, Collection), ApiError> {
    write_tx(conn, |conn| {
        let before = find(conn, key_id)?;
        if !rules::lendable(before.status) {
            return Err(ApiError::Conflict(format!("the key is {}; it cannot be collected", before.status)));
        }
        let open: i64 = key_loans::table
            .filter(key_loans::key_id.eq(key_id))
            .filter(key_loans::returned_at.is_null())
            .count()
            .get_result(conn)?;
        if open > 0 {
            return Err(ApiError::Conflict("copies of this key are still lent out; have them returned first".into()));
        }
        let at = now();
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(key_collections::table)
            .values((
                key_collections::key_id.eq(key_id),
                key_collections::collector_name.eq(&new.collector_name),
                key_collections::id_document_kind.eq(new.id_document_kind.as_str()),
                key_collections::id_document_no.eq(&new.id_document_no),
                key_collections::collector_signature.eq(&new.collector_signature),
                key_collections::handed_over_by.eq(actor),
                key_collections::collected_at.eq(to_db(at)),
            ))
            .returning(key_collections::id)
            .get_result(c))?;
        diesel::update(keys::table.find(key_id))
            .set((keys::status.eq(KeyStatus::Collected.as_str()), keys::available.eq(0), keys::updated_at.eq(to_db(at))))
            .execute(conn)?;
        event(conn, key_id, "collected", Some(id), actor, Some(&new.collector_name))?;
        let after = find(conn, key_id)?;
        let collection = Collection {
            id,
            key_id,
            collector_name: new.collector_name,
            id_document_kind: new.id_document_kind,
            id_document_no: rules::mask_document_no(&new.id_document_no),
            collector_signature: new.collector_signature,
            handed_over_by: actor,
            collected_at: at,
        };
        audit::record(conn, Some(actor), "key.collect", "key", Some(key_id), Some(&before), Some(&collection))?;
        Ok((after, collection))
    })
}

/// One line of a key's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyEvent {
    /// `registered`, `entrusted`, `lent`, `returned`, `chased`, `incident`, `resolved`, `collected`.
    #[schema(example = "lent")]
    pub kind: String,
    /// The loan, incident, entrustment or collection the line is about.
    pub ref_id: Option<i64>,
    pub actor_id: i64,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

pub fn history(conn: &mut DbConn, key_id: i64, page: Page) -> Result<(Vec<KeyEvent>, i64), ApiError> {
    find(conn, key_id)?;
    let total = key_events::table.filter(key_events::key_id.eq(key_id)).count().get_result(conn)?;
    let rows: Vec<(String, Option<i64>, i64, Option<String>, NaiveDateTime)> = key_events::table
        .filter(key_events::key_id.eq(key_id))
        .order(key_events::id.asc())
        .limit(page.per_page)
        .offset(page.offset())
        .select((key_events::kind, key_events::ref_id, key_events::actor_id, key_events::note, key_events::at))
        .load(conn)?;
    Ok((
        rows.into_iter().map(|(kind, ref_id, actor_id, note, at)| KeyEvent { kind, ref_id, actor_id, note, at: from_db(at) }).collect(),
        total,
    ))
}
