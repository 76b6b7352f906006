//! Pure rules of vacant-unit management (V-1..V-6). No I/O.

use chrono::NaiveDate;

crate::text_enum! {
    /// V-4: the care tasks of the manual, and no others.
    pub enum CareTask {
        Ventilation = "ventilation",
        Drying = "drying",
        HardwareOiling = "hardware_oiling",
        SunProtection = "sun_protection",
        DampProtection = "damp_protection",
        ApplianceTest = "appliance_test",
        CleaningRequest = "cleaning_request",
        Waxing = "waxing",
        Patrol = "patrol",
    }
}

crate::text_enum! {
    pub enum Finish {
        Standard = "standard",
        Fine = "fine",
    }
}

crate::text_enum! {
    pub enum AnomalyStatus {
        Open = "open",
        Closed = "closed",
    }
}

crate::text_enum! {
    /// V-3: `draft → submitted → reviewed (centre manager) → approved (general manager)`.
    pub enum PlanStatus {
        Draft = "draft",
        Submitted = "submitted",
        Reviewed = "reviewed",
        Approved = "approved",
    }
}

/// The steps of the plan's workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStep {
    Submit,
    Review,
    Approve,
}

/// V-3: each step is allowed from exactly one status; anything else is out of order.
pub fn next_status(current: PlanStatus, step: PlanStep) -> Result<PlanStatus, String> {
    match (current, step) {
        (PlanStatus::Draft, PlanStep::Submit) => Ok(PlanStatus::Submitted),
        (PlanStatus::Submitted, PlanStep::Review) => Ok(PlanStatus::Reviewed),
        (PlanStatus::Reviewed, PlanStep::Approve) => Ok(PlanStatus::Approved),
        (current, step) => Err(format!("a {current} plan cannot be {}", match step {
            PlanStep::Submit => "submitted",
            PlanStep::Review => "reviewed",
            PlanStep::Approve => "approved",
        })),
    }
}

pub use crate::time::Month;

/// V-2: the table for month M is late when submitted on or after the 25th of M.
pub fn status_table_late(month: Month, submitted_on: NaiveDate) -> bool {
    submitted_on >= NaiveDate::from_ymd_opt(month.year, month.month, 25).expect("the 25th exists")
}

/// V-3: the plan for year Y is late when submitted after 31 December of Y-1.
pub fn plan_late(year: i32, submitted_on: NaiveDate) -> bool {
    submitted_on > NaiveDate::from_ymd_opt(year - 1, 12, 31).expect("31 December exists")
}

/// V-6: `YYYY-H1` or `YYYY-H2` as `[first day, first day after)`.
pub fn half_year(s: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (y, h) = s.split_once('-')?;
    if y.len() != 4 {
        return None;
    }
    let year: i32 = y.parse().ok()?;
    match h {
        "H1" => Some((NaiveDate::from_ymd_opt(year, 1, 1)?, NaiveDate::from_ymd_opt(year, 7, 1)?)),
        "H2" => Some((NaiveDate::from_ymd_opt(year, 7, 1)?, NaiveDate::from_ymd_opt(year + 1, 1, 1)?)),
        _ => None,
    }
}

/// V-6: a sold unit's records are kept until one year after the sale.
pub fn retain_until(sold_on: Option<NaiveDate>) -> Option<NaiveDate> {
    sold_on.map(|d| crate::time::add_months(d, 12))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn v2_the_monthly_table_is_late_from_the_25th() {
        let m = Month::parse("2026-11").unwrap();
        assert!(!status_table_late(m, d("2026-11-24")));
        assert!(status_table_late(m, d("2026-11-25")));
        assert!(status_table_late(m, d("2026-12-02")));
        assert!(Month::parse("2026-13").is_none());
        assert!(Month::parse("2026-1").is_none());
        assert_eq!(m.next_first_day(), d("2026-12-01"));
    }

    #[test]
    fn v3_the_plan_is_late_after_31_december_of_the_year_before() {
        assert!(!plan_late(2027, d("2026-12-31")));
        assert!(plan_late(2027, d("2027-01-01")));
        assert!(!plan_late(2027, d("2026-06-01")));
    }

    #[test]
    fn v3_plan_steps_follow_the_workflow_in_order() {
        assert_eq!(next_status(PlanStatus::Draft, PlanStep::Submit), Ok(PlanStatus::Submitted));
        assert_eq!(next_status(PlanStatus::Submitted, PlanStep::Review), Ok(PlanStatus::Reviewed));
        assert_eq!(next_status(PlanStatus::Reviewed, PlanStep::Approve), Ok(PlanStatus::Approved));
        assert!(next_status(PlanStatus::Draft, PlanStep::Approve).is_err());
        assert!(next_status(PlanStatus::Submitted, PlanStep::Submit).is_err());
        assert!(next_status(PlanStatus::Approved, PlanStep::Review).is_err());
        for f in [CareTask::assert_texts_agree, Finish::assert_texts_agree, AnomalyStatus::assert_texts_agree, PlanStatus::assert_texts_agree] {
            f();
        }
    }

    #[test]
    fn v6_half_years_and_retention() {
        assert_eq!(half_year("2026-H1"), Some((d("2026-01-01"), d("2026-07-01"))));
        assert_eq!(half_year("2026-H2"), Some((d("2026-07-01"), d("2027-01-01"))));
        assert_eq!(half_year("2026-H3"), None);
        assert_eq!(retain_until(Some(d("2026-02-28"))), Some(d("2027-02-28")));
        assert_eq!(retain_until(Some(d("2028-02-29"))), Some(d("2029-02-28")));
        assert_eq!(retain_until(None), None);
    }
}
