//! Pure rules of key custody (K-1..K-10). No I/O.

use chrono::{DateTime, Duration, Utc};

/// K-7: a loan out longer than this is chased.
pub const OVERDUE_AFTER: Duration = Duration::hours(72);

crate::text_enum! {
    /// Where a key stands: `in_cabinet` while at least one copy is in the cabinet, `lent` when
    /// all are out, `lost` when no copy remains, `collected` once handed to its owner (K-9),
    /// `retired` after a lock change made it useless (K-8).
    pub enum KeyStatus {
        InCabinet = "in_cabinet",
        Lent = "lent",
        Collected = "collected",
        Lost = "lost",
        Retired = "retired",
    }
}

crate::text_enum! {
    /// K-2: developer keys of unoccupied units, or keys a customer entrusted.
    pub enum KeySource {
        Developer = "developer",
        Customer = "customer",
    }
}

crate::text_enum! {
    pub enum IncidentKind {
        Lost = "lost",
        Damaged = "damaged",
    }
}

crate::text_enum! {
    /// K-8: who agreed to the remedy.
    pub enum ConsentFrom {
        Developer = "developer",
        Customer = "customer",
    }
}

crate::text_enum! {
    /// K-8: have a key made, or change the lock (which retires the old key).
    pub enum IncidentAction {
        DuplicateKey = "duplicate_key",
        LockChange = "lock_change",
    }
}

crate::text_enum! {
    /// K-9: the proof of identity shown when collecting keys.
    pub enum IdDocumentKind {
        CustomerCard = "customer_card",
        IdCard = "id_card",
    }
}

crate::text_enum! {
    pub enum IncidentStatus {
        Open = "open",
        Resolved = "resolved",
    }
}

/// The status that follows from the counts, unless the key has left custody for good.
pub fn status_for(current: KeyStatus, quantity: i32, available: i32) -> KeyStatus {
    match current {
        KeyStatus::Collected | KeyStatus::Retired => current,
        _ if quantity == 0 => KeyStatus::Lost,
        _ if available > 0 => KeyStatus::InCabinet,
        _ => KeyStatus::Lent,
    }
}

/// Whether a key may be lent at all (K-9: a collected key is gone; K-8: a retired one useless).
pub fn lendable(status: KeyStatus) -> bool {
    matches!(status, KeyStatus::InCabinet | KeyStatus::Lent)
}

/// K-7: overdue when out more than 72 hours at `at`, whatever `expected_return_at` said.
pub fn overdue(borrowed_at: DateTime<Utc>, at: DateTime<Utc>) -> bool {
    at - borrowed_at > OVERDUE_AFTER
}

/// K-6: a return brings back exactly what is out (lent minus copies reported lost).
pub fn check_return(lent: i32, lost: i32, returned: i32) -> Result<(), String> {
    let out = lent - lost;
    if returned == out {
        Ok(())
    } else {
        Err(format!(
            "{out} key(s) are out on this loan but {returned} were returned; record the missing or extra keys with POST /api/v1/key-incidents first"
        ))
    }
}

/// K-4: the receipt number on part two of the entrustment form, e.g. `KE-2026-000123`.
pub fn receipt_no(year: i32, id: i64) -> String {
    format!("KE-{year}-{id:06}")
}

/// K-9: an identity document number is shown only by its last four characters.
pub fn mask_document_no(no: &str) -> String {
    let chars: Vec<char> = no.chars().collect();
    let keep = chars.len().min(4);
    let hidden = chars.len() - keep;
    "*".repeat(hidden) + &chars[hidden..].iter().collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn key_status_follows_the_cabinet_count() {
        assert_eq!(status_for(KeyStatus::InCabinet, 3, 1), KeyStatus::InCabinet);
        assert_eq!(status_for(KeyStatus::InCabinet, 3, 0), KeyStatus::Lent);
        assert_eq!(status_for(KeyStatus::Lent, 0, 0), KeyStatus::Lost);
        assert_eq!(status_for(KeyStatus::Lost, 1, 1), KeyStatus::InCabinet, "a duplicate brings it back");
        assert_eq!(status_for(KeyStatus::Collected, 2, 2), KeyStatus::Collected);
        for e in [KeyStatus::assert_texts_agree, KeySource::assert_texts_agree, IncidentKind::assert_texts_agree,
                  ConsentFrom::assert_texts_agree, IncidentAction::assert_texts_agree, IdDocumentKind::assert_texts_agree,
                  IncidentStatus::assert_texts_agree] {
            e();
        }
    }

    #[test]
    fn k9_a_collected_key_cannot_be_lent() {
        assert!(!lendable(KeyStatus::Collected));
        assert!(!lendable(KeyStatus::Retired));
        assert!(!lendable(KeyStatus::Lost));
        assert!(lendable(KeyStatus::Lent));
    }

    #[test]
    fn k7_a_loan_is_overdue_after_more_than_72_hours() {
        let out = t("2026-11-20T08:00:00Z");
        assert!(!overdue(out, t("2026-11-23T08:00:00Z")), "exactly 72 hours is not yet overdue");
        assert!(overdue(out, t("2026-11-23T08:00:01Z")));
    }

    #[test]
    fn k6_a_return_must_bring_back_exactly_what_is_out() {
        assert!(check_return(2, 0, 2).is_ok());
        assert!(check_return(2, 1, 1).is_ok());
        assert!(check_return(2, 0, 1).unwrap_err().contains("key-incidents"));
        assert!(check_return(2, 0, 3).is_err());
    }

    #[test]
    fn k4_receipt_numbers_are_human_readable() {
        assert_eq!(receipt_no(2026, 123), "KE-2026-000123");
    }

    #[test]
    fn k9_document_numbers_are_masked() {
        assert_eq!(mask_document_no("110101199001011234"), "**************1234");
        assert_eq!(mask_document_no("12"), "12");
    }
}
