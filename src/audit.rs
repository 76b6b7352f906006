//! The audit trail: every write calls `record` inside its own transaction.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::db::{schema::audit_events, to_db, now, DbConn};
use crate::error::ApiError;

/// Keys whose values are personal data or secrets: masked in before/after JSON.
const MASKED: &[&str] = &[
    "password",
    "password_hash",
    "phone",
    "id_number",
    "borrower_phone",
    "id_document_no",
];

#[derive(Insertable)]
#[diesel(table_name = audit_events)]
struct NewEvent<'a> {
    actor_id: Option<i64>,
    action: &'a str,
    entity: &'a str,
    entity_id: Option<i64>,
    before_json: Option<String>,
    after_json: Option<String>,
    request_id: Option<&'a str>,
    at: chrono::NaiveDateTime,
}

/// Writes one audit event. `actor` is None for the system (first-start admin, CLI).
pub fn record<B: Serialize, A: Serialize>(
    conn: &mut DbConn,
    actor: Option<i64>,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), ApiError> {
    let event = NewEvent {
        actor_id: actor,
        action,
        entity,
        entity_id,
        before_json: before.map(masked_json).transpose()?,
        after_json: after.map(masked_json).transpose()?,
        request_id: None,
        at: to_db(now()),
    };
    diesel::insert_into(audit_events::table).values(&event).execute(conn)?;
    Ok(())
}

/// No before or after state (e.g. a login).
pub const NONE: Option<&()> = None;

fn masked_json<T: Serialize>(v: &T) -> Result<String, ApiError> {
    let mut value = serde_json::to_value(v).map_err(|e| ApiError::Internal(e.to_string()))?;
    mask(&mut value);
    Ok(value.to_string())
}

pub fn mask(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if MASKED.contains(&k.as_str()) && !val.is_null() {
                    *val = Value::String("***".into());
                } else {
                    mask(val);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_is_masked_in_the_trail() {
        let mut v = serde_json::json!({"name":"张三","phone":"13800000000","nested":[{"id_number":"110"}],"password":null});
        mask(&mut v);
        assert_eq!(v["phone"], "***");
        assert_eq!(v["nested"][0]["id_number"], "***");
        assert_eq!(v["name"], "张三");
        assert!(v["password"].is_null());
    }
}
