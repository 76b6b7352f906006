//! Pure rules of the customer files register (C-1..C-11). No I/O.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::time::add_months;

crate::text_enum! {
    /// C-1: the documents a customer file holds.
    pub enum DocumentKind {
        CustomerCovenant = "customer_covenant",
        FireSafetyLetter = "fire_safety_letter",
        HouseholdRegistration = "household_registration",
        KeyCollectionRegister = "key_collection_register",
        CustomerCardRegister = "customer_card_register",
        MoveInInspection = "move_in_inspection",
        RenovationApplication = "renovation_application",
        ViolationNotice = "violation_notice",
        IdCopy = "id_copy",
        Other = "other",
    }
}

/// C-1: documents every file should hold (renovation, violation notices and others arise
/// only in some cases).
pub const REQUIRED_DOCUMENTS: &[DocumentKind] = &[
    DocumentKind::CustomerCovenant,
    DocumentKind::FireSafetyLetter,
    DocumentKind::HouseholdRegistration,
    DocumentKind::KeyCollectionRegister,
    DocumentKind::CustomerCardRegister,
    DocumentKind::MoveInInspection,
    DocumentKind::IdCopy,
];

/// The required documents not yet in the file.
pub fn missing_documents(present: &[DocumentKind]) -> Vec<DocumentKind> {
    REQUIRED_DOCUMENTS.iter().copied().filter(|k| !present.contains(k)).collect()
}

crate::text_enum! {
    /// C-5: the changes the deputy supervisor records.
    pub enum ChangeKind {
        PhoneChanged = "phone_changed",
        CustomerReplaced = "customer_replaced",
        Other = "other",
    }
}

crate::text_enum! {
    /// C-8: `requested → approved (manager) → active (registered by a deputy supervisor)`;
    /// an active grant past `expires_at` reads as `expired`.
    pub enum GrantStatus {
        Requested = "requested",
        Approved = "approved",
        Active = "active",
        Expired = "expired",
    }
}

crate::text_enum! {
    pub enum FeeType {
        Management = "management",
        Utilities = "utilities",
        Other = "other",
    }
}

crate::text_enum! {
    pub enum ContactMethod {
        Phone = "phone",
        Visit = "visit",
        Sms = "sms",
        Letter = "letter",
    }
}

/// C-8: how long a registered grant lasts by default.
pub const GRANT_TTL: Duration = Duration::hours(24);

/// C-8: the status a stored grant shows at `now`.
pub fn grant_status(stored: GrantStatus, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> GrantStatus {
    match (stored, expires_at) {
        (GrantStatus::Active, Some(t)) if t <= now => GrantStatus::Expired,
        (s, _) => s,
    }
}

/// C-2: a box label reads `<organisation code>-<category>`.
pub fn box_label(org_code: &str, category: &str) -> String {
    format!("{}-{}", org_code.trim(), category.trim())
}

/// C-3: a key that sorts text naturally (`2` before `10`, `B2` before `B10`): runs of digits
/// are zero-padded to a fixed width; the parts are joined by a byte below any character.
pub fn natural_key(parts: &[&str]) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('\u{1}');
        }
        let mut digits = String::new();
        for c in part.trim().chars() {
            if c.is_ascii_digit() {
                digits.push(c);
            } else {
                flush_digits(&mut out, &mut digits);
                out.push(c);
            }
        }
        flush_digits(&mut out, &mut digits);
    }
    out
}

fn flush_digits(out: &mut String, digits: &mut String) {
    if digits.is_empty() {
        return;
    }
    let trimmed = digits.trim_start_matches('0');
    let trimmed = if trimmed.is_empty() { "0" } else { trimmed };
    // 12 digits cover any room or floor number; longer runs still sort by length first.
    out.push_str(&format!("{:0>12}", trimmed));
    digits.clear();
}

/// `YYYY-Qn` → the quarter's `[first day, first day after)`.
pub fn quarter(s: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (y, q) = s.split_once("-Q")?;
    if y.len() != 4 || q.len() != 1 {
        return None;
    }
    let year: i32 = y.parse().ok()?;
    let q: u32 = q.parse().ok()?;
    if !(1..=4).contains(&q) {
        return None;
    }
    let start = NaiveDate::from_ymd_opt(year, (q - 1) * 3 + 1, 1)?;
    Some((start, add_months(start, 3)))
}

/// C-7: days before `on` a follow-up must lie to need a new one.
pub const FOLLOW_UP_EVERY_DAYS: i64 = 15;

/// C-7: an arrear is due a follow-up on `on` when `overdue_since + 1 month < on` and the
/// last follow-up (if any) is on or before `on − 15 days`.
pub fn follow_up_due(overdue_since: NaiveDate, last_follow_up: Option<NaiveDate>, on: NaiveDate) -> bool {
    add_months(overdue_since, 1) < on && last_follow_up.is_none_or(|d| d <= on - Duration::days(FOLLOW_UP_EVERY_DAYS))
}

/// The first `overdue_since` that is not yet more than a month overdue on `on`: arrears
/// with `overdue_since` before it qualify (calendar months, end-of-month safe).
pub fn overdue_threshold(on: NaiveDate) -> NaiveDate {
    let mut d = on - Duration::days(32);
    while add_months(d, 1) < on {
        d += Duration::days(1);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn c3_files_sort_naturally() {
        let mut rooms = vec!["10", "2", "B10", "B2", "1A", "01"];
        rooms.sort_by_key(|r| natural_key(&[r]));
        assert_eq!(rooms, vec!["01", "1A", "2", "10", "B2", "B10"]);
        assert!(natural_key(&["A栋", "2", "10"]) < natural_key(&["A栋", "10", "2"]));
        assert!(natural_key(&["A", "9", "99"]) < natural_key(&["A", "10", "1"]), "floor before room");
    }

    #[test]
    fn c2_box_labels_join_code_and_category() {
        assert_eq!(box_label("SW", "客户档案"), "SW-客户档案");
    }

    #[test]
    fn c1_required_documents_still_missing() {
        let missing = missing_documents(&[DocumentKind::CustomerCovenant, DocumentKind::Other]);
        assert_eq!(missing.len(), REQUIRED_DOCUMENTS.len() - 1);
        assert!(!missing.contains(&DocumentKind::CustomerCovenant));
        for f in [DocumentKind::assert_texts_agree, ChangeKind::assert_texts_agree, GrantStatus::assert_texts_agree, FeeType::assert_texts_agree, ContactMethod::assert_texts_agree] {
            f();
        }
    }

    #[test]
    fn c8_an_active_grant_expires() {
        let now: DateTime<Utc> = "2026-11-28T10:00:00Z".parse().unwrap();
        assert_eq!(grant_status(GrantStatus::Active, Some(now + Duration::hours(1)), now), GrantStatus::Active);
        assert_eq!(grant_status(GrantStatus::Active, Some(now), now), GrantStatus::Expired);
        assert_eq!(grant_status(GrantStatus::Approved, None, now), GrantStatus::Approved);
    }

    #[test]
    fn c6_quarters_parse() {
        assert_eq!(quarter("2026-Q4"), Some((d("2026-10-01"), d("2027-01-01"))));
        assert_eq!(quarter("2026-Q5"), None);
        assert_eq!(quarter("2026Q1"), None);
    }

    #[test]
    fn c7_arrears_are_followed_up_every_15_days_after_a_month_overdue() {
        let since = d("2026-09-10");
        assert!(!follow_up_due(since, None, d("2026-10-10")), "exactly a month is not more than a month");
        assert!(follow_up_due(since, None, d("2026-10-11")));
        assert!(!follow_up_due(since, Some(d("2026-10-27")), d("2026-11-10")), "14 days since the last call");
        assert!(follow_up_due(since, Some(d("2026-10-26")), d("2026-11-10")), "15 days since the last call");
        // End of month: 31 January + 1 month = 28 February.
        assert!(!follow_up_due(d("2026-01-31"), None, d("2026-02-28")));
        assert!(follow_up_due(d("2026-01-31"), None, d("2026-03-01")));
    }

    #[test]
    fn c7_the_sql_threshold_agrees_with_the_rule() {
        let mut on = d("2026-01-01");
        while on < d("2027-01-01") {
            let threshold = overdue_threshold(on);
            for offset in -40..0 {
                let since = on + Duration::days(offset);
                assert_eq!(since < threshold, add_months(since, 1) < on, "on {on}, since {since}");
            }
            on += Duration::days(1);
        }
    }
}
