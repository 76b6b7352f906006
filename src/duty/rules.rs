//! Pure rules of the duty register: the hash chain (D-3), the handover state machine
//! (D-5..D-9) and the roster checks (D-1). No I/O.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// D-5: the incoming staff member arrives at least this long before the shift starts.
pub const ARRIVE_BEFORE: Duration = Duration::minutes(5);
/// D-7: the outgoing staff member starts preparing this long before the shift ends.
pub const PREPARE_BEFORE: Duration = Duration::minutes(15);
/// A shift longer than this is a typing mistake, not a roster.
pub const MAX_SHIFT: Duration = Duration::hours(24);

/// The fields of a log entry that the chain protects, in a fixed order.
#[derive(Debug, Clone, Serialize)]
pub struct ChainFields<'a> {
    pub seq: i64,
    pub shift_id: i64,
    pub author_id: i64,
    pub content: &'a str,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub corrects_entry_id: Option<i64>,
    pub correction_reason: Option<&'a str>,
}

fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// D-3: `hash = SHA-256(prev_hash || canonical fields)`; the canonical form is a JSON array,
/// so no field can bleed into the next.
pub fn entry_hash(prev_hash: &str, f: &ChainFields<'_>) -> String {
    let canonical = serde_json::json!([
        f.seq,
        f.shift_id,
        f.author_id,
        f.content,
        ts(f.occurred_at),
        ts(f.recorded_at),
        f.corrects_entry_id,
        f.correction_reason,
    ]);
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// Walks the chain in `seq` order; the first entry that does not follow is reported.
#[derive(Debug)]
pub struct ChainWalk {
    pub expected_seq: i64,
    pub prev_hash: String,
    pub checked: i64,
}

impl Default for ChainWalk {
    fn default() -> Self {
        ChainWalk { expected_seq: 1, prev_hash: GENESIS.into(), checked: 0 }
    }
}

impl ChainWalk {
    /// Checks one stored entry; false when it was changed, removed before, or re-linked.
    pub fn step(&mut self, fields: &ChainFields<'_>, stored_prev: &str, stored_hash: &str) -> bool {
        self.checked += 1;
        let ok = fields.seq == self.expected_seq
            && stored_prev == self.prev_hash
            && entry_hash(stored_prev, fields) == stored_hash;
        self.expected_seq = fields.seq + 1;
        self.prev_hash = stored_hash.to_string();
        ok
    }
}

/// D-7: the outgoing staff member hands over from 15 minutes before the end of the shift,
/// not earlier (handing over earlier would be leaving the post early).
pub fn handover_window_open(now: DateTime<Utc>, shift_ends_at: DateTime<Utc>) -> bool {
    now >= shift_ends_at - PREPARE_BEFORE
}

/// D-5: late when arriving after `starts_at - 5 minutes`.
pub fn late_arrival(arrived_at: DateTime<Utc>, shift_starts_at: DateTime<Utc>) -> bool {
    arrived_at > shift_starts_at - ARRIVE_BEFORE
}

/// A pending item as handed over.
#[derive(Debug, Clone)]
pub struct PendingItem {
    pub description: String,
    pub important: bool,
    pub done: bool,
}

/// D-8: positions of important items that are not done; any of them blocks the handover.
pub fn blocking_items(items: &[PendingItem]) -> Vec<usize> {
    items.iter().enumerate().filter(|(_, i)| i.important && !i.done).map(|(n, _)| n).collect()
}

crate::text_enum! {
    /// Where a handover stands: the outgoing staff member signed by creating it; it is
    /// `completed` once the incoming staff member accepts (D-9).
    pub enum HandoverStatus {
        AwaitingIncoming = "awaiting_incoming",
        Completed = "completed",
    }
}

/// Why an acceptance is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum AcceptRefusal {
    AlreadyAccepted,
    UnexplainedAnomalies(usize),
}

/// D-6/D-9: acceptance is one-shot and waits for every anomaly's explanation.
pub fn can_accept(status: HandoverStatus, unexplained: usize) -> Result<(), AcceptRefusal> {
    match (status, unexplained) {
        (HandoverStatus::Completed, _) => Err(AcceptRefusal::AlreadyAccepted),
        (HandoverStatus::AwaitingIncoming, 0) => Ok(()),
        (HandoverStatus::AwaitingIncoming, n) => Err(AcceptRefusal::UnexplainedAnomalies(n)),
    }
}

/// D-1: two shifts of one person overlap when each starts before the other ends.
pub fn overlaps(a: (DateTime<Utc>, DateTime<Utc>), b: (DateTime<Utc>, DateTime<Utc>)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// D-1: a shift ends after it starts and lasts at most a day.
pub fn check_shift_times(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<(), &'static str> {
    if ends_at <= starts_at {
        return Err("must be later than starts_at");
    }
    if ends_at - starts_at > MAX_SHIFT {
        return Err("a shift lasts at most 24 hours");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn fields(seq: i64, content: &str) -> ChainFields<'_> {
        ChainFields {
            seq,
            shift_id: 1,
            author_id: 2,
            content,
            occurred_at: t("2026-11-28T01:00:00Z"),
            recorded_at: t("2026-11-28T01:00:01.123456Z"),
            corrects_entry_id: None,
            correction_reason: None,
        }
    }

    #[test]
    fn d3_the_chain_links_each_entry_to_the_one_before() {
        let h1 = entry_hash(GENESIS, &fields(1, "巡查一楼"));
        let h2 = entry_hash(&h1, &fields(2, "处理投诉"));
        let mut walk = ChainWalk::default();
        assert!(walk.step(&fields(1, "巡查一楼"), GENESIS, &h1));
        assert!(walk.step(&fields(2, "处理投诉"), &h1, &h2));
        assert_eq!(walk.checked, 2);
    }

    #[test]
    fn d3_an_edited_or_missing_entry_breaks_the_chain() {
        let h1 = entry_hash(GENESIS, &fields(1, "a"));
        let h2 = entry_hash(&h1, &fields(2, "b"));
        let h3 = entry_hash(&h2, &fields(3, "c"));
        assert!(!ChainWalk::default().step(&fields(1, "edited"), GENESIS, &h1));
        let mut walk = ChainWalk::default();
        assert!(walk.step(&fields(1, "a"), GENESIS, &h1));
        assert!(!walk.step(&fields(3, "c"), &h2, &h3), "entry 2 torn out");
    }

    #[test]
    fn d3_field_boundaries_cannot_be_shifted() {
        let mut a = fields(1, "ab");
        a.correction_reason = Some("c");
        let mut b = fields(1, "a");
        b.correction_reason = Some("bc");
        assert_ne!(entry_hash(GENESIS, &a), entry_hash(GENESIS, &b));
    }

    #[test]
    fn d5_arriving_later_than_five_minutes_before_the_start_is_late() {
        let start = t("2026-11-28T08:00:00Z");
        assert!(!late_arrival(t("2026-11-28T07:50:00Z"), start));
        assert!(!late_arrival(t("2026-11-28T07:55:00Z"), start), "exactly 5 minutes before is on time");
        assert!(late_arrival(t("2026-11-28T07:55:01Z"), start));
        assert!(late_arrival(t("2026-11-28T08:10:00Z"), start));
    }

    #[test]
    fn d7_the_handover_opens_fifteen_minutes_before_the_shift_ends() {
        let end = t("2026-11-28T16:00:00Z");
        assert!(!handover_window_open(t("2026-11-28T15:44:59Z"), end));
        assert!(handover_window_open(t("2026-11-28T15:45:00Z"), end));
        assert!(handover_window_open(t("2026-11-28T17:00:00Z"), end), "a late handover is still a handover");
    }

    #[test]
    fn d8_important_unfinished_work_blocks_the_handover() {
        let item = |important, done| PendingItem { description: "x".into(), important, done };
        assert!(blocking_items(&[]).is_empty());
        assert!(blocking_items(&[item(false, false), item(true, true)]).is_empty());
        assert_eq!(blocking_items(&[item(false, false), item(true, false)]), vec![1]);
    }

    #[test]
    fn d6_d9_acceptance_waits_for_explanations_and_happens_once() {
        assert_eq!(can_accept(HandoverStatus::AwaitingIncoming, 0), Ok(()));
        assert_eq!(can_accept(HandoverStatus::AwaitingIncoming, 2), Err(AcceptRefusal::UnexplainedAnomalies(2)));
        assert_eq!(can_accept(HandoverStatus::Completed, 0), Err(AcceptRefusal::AlreadyAccepted));
        HandoverStatus::assert_texts_agree();
    }

    #[test]
    fn d1_shifts_must_end_after_they_start_and_not_overlap() {
        let (a, b, c) = (t("2026-11-28T00:00:00Z"), t("2026-11-28T08:00:00Z"), t("2026-11-28T16:00:00Z"));
        assert!(check_shift_times(a, b).is_ok());
        assert!(check_shift_times(b, b).is_err());
        assert!(check_shift_times(b, a).is_err());
        assert!(check_shift_times(a, t("2026-11-29T00:00:01Z")).is_err());
        assert!(!overlaps((a, b), (b, c)), "back-to-back shifts do not overlap");
        assert!(overlaps((a, c), (b, c)));
    }
}
