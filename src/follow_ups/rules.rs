//! Pure rules of follow-up visits (F-1..F-10): due windows, qualification, targets,
//! the visit's state machine and the report deadline. No I/O.

use chrono::{Duration, NaiveDate};

use crate::time::add_months;
use crate::time::Month;

crate::text_enum! {
    /// The services that follow-ups check.
    pub enum ServiceKind {
        Complaint = "complaint",
        Repair = "repair",
        SpecialService = "special_service",
        Help = "help",
        Emergency = "emergency",
        PublicationEvent = "publication_event",
        Other = "other",
    }
}

crate::text_enum! {
    /// F-2: a special (contracted) service is visited at the middle of the contract and after it ends.
    pub enum Phase {
        MidContract = "mid_contract",
        AfterEnd = "after_end",
    }
}

crate::text_enum! {
    pub enum FollowUpStatus {
        Planned = "planned",
        SignedOut = "signed_out",
        Visited = "visited",
        Reviewed = "reviewed",
        Escalated = "escalated",
        Closed = "closed",
    }
}

crate::text_enum! {
    /// F-7: in person or on site (a phone call is recorded as such).
    pub enum VisitMethod {
        InPerson = "in_person",
        OnSite = "on_site",
        Phone = "phone",
    }
}

crate::text_enum! {
    pub enum Satisfaction {
        VerySatisfied = "very_satisfied",
        Satisfied = "satisfied",
        Neutral = "neutral",
        Dissatisfied = "dissatisfied",
        VeryDissatisfied = "very_dissatisfied",
    }
}

crate::text_enum! {
    pub enum ReportStatus {
        Submitted = "submitted",
        Reviewed = "reviewed",
        Decided = "decided",
    }
}

/// What a window is computed from.
#[derive(Debug, Clone, Copy)]
pub struct WindowInput {
    pub kind: ServiceKind,
    /// The local date the service was completed.
    pub completed_on: NaiveDate,
    pub phase: Option<Phase>,
    pub contract: Option<(NaiveDate, NaiveDate)>,
}

/// F-2: the due window `[due_from, due_by]`, inclusive local dates.
///
/// | kind | window |
/// |---|---|
/// | complaint | completion .. +3 days |
/// | repair | +1 calendar month .. +2 calendar months |
/// | emergency, help, other | completion .. +7 days |
/// | publication_event | completion .. +1 calendar month |
/// | special_service `mid_contract` | contract midpoint ± 7 days |
/// | special_service `after_end` | contract end .. +7 days |
pub fn due_window(w: WindowInput) -> Result<(NaiveDate, NaiveDate), (&'static str, &'static str)> {
    let c = w.completed_on;
    if w.kind != ServiceKind::SpecialService && w.phase.is_some() {
        return Err(("phase", "only special services have a phase"));
    }
    Ok(match w.kind {
        ServiceKind::Complaint => (c, c + Duration::days(3)),
        ServiceKind::Repair => (add_months(c, 1), add_months(c, 2)),
        ServiceKind::Emergency | ServiceKind::Help | ServiceKind::Other => (c, c + Duration::days(7)),
        ServiceKind::PublicationEvent => (c, add_months(c, 1)),
        ServiceKind::SpecialService => {
            let phase = w.phase.ok_or(("phase", "a special service needs phase mid_contract or after_end"))?;
            let (start, end) = w.contract.ok_or(("service_record_id", "the special service has no contract period"))?;
            match phase {
                Phase::MidContract => {
                    let mid = start + Duration::days((end - start).num_days() / 2);
                    (mid - Duration::days(7), mid + Duration::days(7))
                }
                Phase::AfterEnd => (end, end + Duration::days(7)),
            }
        }
    })
}

/// F-3: default target rates (fractions); `other` until a supervisor sets it.
pub fn default_target(kind: ServiceKind) -> f64 {
    match kind {
        ServiceKind::Complaint => 1.0,
        ServiceKind::PublicationEvent => 0.1,
        _ => 0.3,
    }
}

/// F-3: only the `other` target is the supervisor's to set; the rest are the manual's.
pub fn target_settable(kind: ServiceKind) -> bool {
    kind == ServiceKind::Other
}

/// F-5/F-8: unqualified when dissatisfied or any rating is 2 or less.
pub fn qualified(quality: i32, effect: i32, satisfaction: Satisfaction) -> bool {
    quality > 2 && effect > 2 && !matches!(satisfaction, Satisfaction::Dissatisfied | Satisfaction::VeryDissatisfied)
}

/// F-7: on time when the visit's local date lies in the window.
pub fn on_time(visited_on: NaiveDate, window: (NaiveDate, NaiveDate)) -> bool {
    window.0 <= visited_on && visited_on <= window.1
}

/// The steps of a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    SignOut,
    Result,
    Review { qualified: bool },
    Escalation,
}

/// F-6..F-8: `planned → signed_out → visited → reviewed | escalated → closed`.
pub fn next_status(current: FollowUpStatus, step: Step) -> Result<FollowUpStatus, String> {
    use FollowUpStatus::*;
    match (current, step) {
        (Planned, Step::SignOut) => Ok(SignedOut),
        (SignedOut, Step::Result) => Ok(Visited),
        (Planned, Step::Result) => Err("the visitor signs out the record form before recording a result (F-6)".into()),
        (Visited, Step::Review { qualified: true }) => Ok(Reviewed),
        (Visited, Step::Review { qualified: false }) => Ok(Escalated),
        (Escalated, Step::Escalation) => Ok(Closed),
        (current, step) => Err(format!("a {current} follow-up cannot take this step ({step:?})")),
    }
}

/// F-10: the report for month M is late when submitted after the 25th of M+1.
pub fn report_late(month: Month, submitted_on: NaiveDate) -> bool {
    submitted_on > add_months(month.first_day(), 1) + Duration::days(24)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn w(kind: ServiceKind, c: &str) -> (NaiveDate, NaiveDate) {
        due_window(WindowInput { kind, completed_on: d(c), phase: None, contract: None }).unwrap()
    }

    #[test]
    fn f2_windows_for_every_kind() {
        assert_eq!(w(ServiceKind::Complaint, "2026-11-28"), (d("2026-11-28"), d("2026-12-01")));
        assert_eq!(w(ServiceKind::Repair, "2026-11-28"), (d("2026-12-28"), d("2027-01-28")));
        assert_eq!(w(ServiceKind::Emergency, "2026-11-28"), (d("2026-11-28"), d("2026-12-05")));
        assert_eq!(w(ServiceKind::Help, "2026-11-28"), (d("2026-11-28"), d("2026-12-05")));
        assert_eq!(w(ServiceKind::Other, "2026-11-28"), (d("2026-11-28"), d("2026-12-05")));
        assert_eq!(w(ServiceKind::PublicationEvent, "2026-11-28"), (d("2026-11-28"), d("2026-12-28")));
    }

    #[test]
    fn f2_month_end_edges() {
        assert_eq!(w(ServiceKind::Repair, "2026-01-31"), (d("2026-02-28"), d("2026-03-31")));
        assert_eq!(w(ServiceKind::Repair, "2027-12-31"), (d("2028-01-31"), d("2028-02-29")));
        assert_eq!(w(ServiceKind::PublicationEvent, "2026-03-31"), (d("2026-03-31"), d("2026-04-30")));
    }

    #[test]
    fn f2_special_services_need_a_phase_and_a_contract() {
        let base = WindowInput { kind: ServiceKind::SpecialService, completed_on: d("2026-01-01"), phase: None, contract: Some((d("2026-01-01"), d("2026-12-31"))) };
        assert_eq!(due_window(base).unwrap_err().0, "phase");
        let mid = due_window(WindowInput { phase: Some(Phase::MidContract), ..base }).unwrap();
        assert_eq!(mid, (d("2026-06-25"), d("2026-07-09")), "midpoint 2 July ± 7 days");
        let after = due_window(WindowInput { phase: Some(Phase::AfterEnd), ..base }).unwrap();
        assert_eq!(after, (d("2026-12-31"), d("2027-01-07")));
        let no_contract = WindowInput { phase: Some(Phase::AfterEnd), contract: None, ..base };
        assert!(due_window(no_contract).is_err());
        let wrong = WindowInput { kind: ServiceKind::Repair, phase: Some(Phase::AfterEnd), ..base };
        assert_eq!(due_window(wrong).unwrap_err().0, "phase");
    }

    #[test]
    fn f3_default_targets() {
        assert_eq!(default_target(ServiceKind::Complaint), 1.0);
        assert_eq!(default_target(ServiceKind::Repair), 0.3);
        assert_eq!(default_target(ServiceKind::PublicationEvent), 0.1);
        assert_eq!(default_target(ServiceKind::Other), 0.3);
        assert!(target_settable(ServiceKind::Other) && !target_settable(ServiceKind::Complaint));
    }

    #[test]
    fn f8_unqualified_when_dissatisfied_or_rated_two_or_less() {
        assert!(qualified(3, 3, Satisfaction::Neutral));
        assert!(!qualified(2, 5, Satisfaction::VerySatisfied));
        assert!(!qualified(5, 1, Satisfaction::Satisfied));
        assert!(!qualified(5, 5, Satisfaction::Dissatisfied));
        assert!(!qualified(5, 5, Satisfaction::VeryDissatisfied));
    }

    #[test]
    fn f7_on_time_inside_the_inclusive_window() {
        let win = (d("2026-11-28"), d("2026-12-01"));
        assert!(on_time(d("2026-11-28"), win) && on_time(d("2026-12-01"), win));
        assert!(!on_time(d("2026-12-02"), win) && !on_time(d("2026-11-27"), win));
    }

    #[test]
    fn f6_f8_the_visit_moves_in_order() {
        use FollowUpStatus::*;
        assert_eq!(next_status(Planned, Step::SignOut), Ok(SignedOut));
        assert!(next_status(Planned, Step::Result).unwrap_err().contains("F-6"));
        assert_eq!(next_status(SignedOut, Step::Result), Ok(Visited));
        assert_eq!(next_status(Visited, Step::Review { qualified: false }), Ok(Escalated));
        assert_eq!(next_status(Visited, Step::Review { qualified: true }), Ok(Reviewed));
        assert_eq!(next_status(Escalated, Step::Escalation), Ok(Closed));
        assert!(next_status(Reviewed, Step::Escalation).is_err());
        for f in [ServiceKind::assert_texts_agree, Phase::assert_texts_agree, FollowUpStatus::assert_texts_agree, VisitMethod::assert_texts_agree, Satisfaction::assert_texts_agree, ReportStatus::assert_texts_agree] {
            f();
        }
    }

    #[test]
    fn f10_the_report_is_late_after_the_25th_of_the_next_month() {
        let m = Month::parse("2026-10").unwrap();
        assert!(!report_late(m, d("2026-11-25")));
        assert!(report_late(m, d("2026-11-26")));
        let dec = Month::parse("2026-12").unwrap();
        assert!(!report_late(dec, d("2027-01-25")));
    }
}
