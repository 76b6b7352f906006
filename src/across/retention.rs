//! `GET /retention/report`: how many records have passed their retention period (manager).

use actix_web::{get, web};
use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Manager, Require};
use crate::db::schema::{customer_files, duty_log_entries, follow_ups, key_loans, service_records, vacant_care_records, vacant_units};
use crate::db::{to_db, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::{time, AppState};

/// One register's retention position.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterRetention {
    #[schema(example = "duty_log")]
    pub register: String,
    #[schema(example = "D-4")]
    pub rule: String,
    #[schema(example = "3 years")]
    pub retention: String,
    /// Records held.
    pub records: i64,
    /// Records past their retention period that could be archived (nothing is deleted).
    pub archivable: i64,
    /// Records older than this local date are past retention (none for permanent registers).
    pub cutoff: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionReport {
    pub as_of: NaiveDate,
    pub registers: Vec<RegisterRetention>,
}

/// `date` minus whole years, end-of-February safe.
pub fn years_before(date: NaiveDate, years: i32) -> NaiveDate {
    crate::time::add_months(date, -12 * years)
}

fn report(conn: &mut DbConn, today: NaiveDate, tz: chrono_tz::Tz) -> Result<RetentionReport, ApiError> {
    let start_of = |d: NaiveDate| to_db(time::day_start(d, tz));
    // D-4: duty logs 3 years, by the entry's business day.
    let duty_cut = years_before(today, 3);
    let duty_all: i64 = duty_log_entries::table.count().get_result(conn)?;
    let duty_old: i64 = duty_log_entries::table.filter(duty_log_entries::log_date.lt(duty_cut)).count().get_result(conn)?;
    // F-10: follow-up records 2 years, from the service's completion.
    let fu_cut = years_before(today, 2);
    let fu_all: i64 = follow_ups::table.count().get_result(conn)?;
    let fu_old: i64 = follow_ups::table
        .inner_join(service_records::table)
        .filter(service_records::completed_at.lt(start_of(fu_cut)))
        .count()
        .get_result(conn)?;
    // K-10: key records 2 years, from the return.
    let key_all: i64 = key_loans::table.count().get_result(conn)?;
    let key_old: i64 = key_loans::table.filter(key_loans::returned_at.lt(start_of(fu_cut))).count().get_result(conn)?;
    // V-6: care records until one year after the unit is sold.
    let sold_cut = years_before(today, 1);
    let care_all: i64 = vacant_care_records::table.count().get_result(conn)?;
    let care_old: i64 = vacant_care_records::table
        .filter(vacant_care_records::unit_id.eq_any(vacant_units::table.filter(vacant_units::sold_on.lt(sold_cut)).select(vacant_units::id)))
        .count()
        .get_result(conn)?;
    // C-9: customer files are kept permanently.
    let files: i64 = customer_files::table.count().get_result(conn)?;
    let line = |register: &str, rule: &str, retention: &str, records, archivable, cutoff| RegisterRetention {
        register: register.into(),
        rule: rule.into(),
        retention: retention.into(),
        records,
        archivable,
        cutoff,
    };
    Ok(RetentionReport {
        as_of: today,
        registers: vec![
            line("duty_log", "D-4", "3 years", duty_all, duty_old, Some(duty_cut)),
            line("follow_ups", "F-10", "2 years", fu_all, fu_old, Some(fu_cut)),
            line("key_loans", "K-10", "2 years", key_all, key_old, Some(fu_cut)),
            line("vacant_unit_care", "V-6", "1 year after sale", care_all, care_old, Some(sold_cut)),
            line("customer_files", "C-9", "permanent", files, 0, None),
        ],
    })
}

/// Per register, how many records have passed their retention period (manager).
/// Nothing is deleted: this tells what could be archived.
#[utoipa::path(tag = "across", responses((status = 200, body = RetentionReport)))]
#[get("/retention/report")]
pub async fn retention_report(state: web::Data<AppState>, _caller: Require<Manager>) -> ApiResult<web::Json<RetentionReport>> {
    let tz = state.settings.timezone;
    let today = time::local_date(Utc::now(), tz);
    Ok(web::Json(state.db(move |c| report(c, today, tz)).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_cutoffs_count_whole_years() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(years_before(d("2026-11-29"), 3), d("2023-11-29"));
        assert_eq!(years_before(d("2028-02-29"), 1), d("2027-02-28"));
    }
}
