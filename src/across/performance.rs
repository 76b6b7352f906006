//! `GET /performance`: what each staff member did in a period, and whether deadlines were
//! kept (P-1). One grouped query per source.

use std::collections::BTreeMap;

use actix_web::{get, web};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{Require, Supervisor};
use crate::db::schema::{duty_handovers, duty_log_entries, follow_ups, key_chases, key_loans, users, vacant_anomalies, vacant_care_records};
use crate::db::{to_db, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::{time, AppState};

/// One staff member's figures for the period.
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct StaffFigures {
    pub staff_id: i64,
    pub display_name: String,
    /// D-2: duty log entries written.
    pub log_entries: i64,
    /// D-9: shifts handed over.
    pub handovers_given: i64,
    /// D-9: handovers accepted.
    pub handovers_taken: i64,
    /// D-5: arrivals later than 5 minutes before the shift.
    pub late_arrivals: i64,
    /// F-7: visits within their window.
    pub visits_on_time: i64,
    /// F-7: visits outside their window.
    pub visits_late: i64,
    /// K-5: loans handed out.
    pub keys_lent: i64,
    /// K-7: reminder calls made.
    pub chases: i64,
    /// V-4: care rounds.
    pub care_records: i64,
    /// V-5: anomalies reported.
    pub anomalies_reported: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PerformanceReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub staff: Vec<StaffFigures>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PerformanceQuery {
    /// From this local date, inclusive.
    pub from: NaiveDate,
    /// To this local date, inclusive.
    pub to: NaiveDate,
    #[validate(range(min = 1))]
    #[param(minimum = 1)]
    pub staff_id: Option<i64>,
}

type Counts = Vec<(i64, i64)>;

fn figures(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime, staff: Option<i64>) -> Result<Vec<StaffFigures>, ApiError> {
    // A range instead of an optional filter keeps the queries unboxed (boxed GROUP BY
    // queries cannot infer the multi-backend type).
    let (lo, hi) = staff.map_or((i64::MIN, i64::MAX), |s| (s, s));
    macro_rules! grouped {
        ($table:expr, $who:expr, $when:expr $(, $extra:expr)*) => {{
            $table
                .filter($when.ge(from))
                .filter($when.lt(to))
                .filter($who.ge(lo))
                .filter($who.le(hi))
                $(.filter($extra))*
                .group_by($who)
                .select(($who, diesel::dsl::count_star()))
                .load::<(i64, i64)>(conn)?
        }};
    }
    let log: Counts = grouped!(duty_log_entries::table, duty_log_entries::author_id, duty_log_entries::occurred_at);
    let given: Counts = grouped!(duty_handovers::table, duty_handovers::outgoing_id, duty_handovers::outgoing_signed_at);
    let taken: Counts = grouped!(duty_handovers::table, duty_handovers::incoming_id, duty_handovers::incoming_signed_at);
    let late: Counts = grouped!(duty_handovers::table, duty_handovers::incoming_id, duty_handovers::incoming_signed_at, duty_handovers::late_arrival.eq(true));
    let mut visits = |on_time: bool| -> Result<Counts, ApiError> {
        let rows: Vec<(Option<i64>, i64)> = follow_ups::table
            .filter(follow_ups::visited_at.ge(from))
            .filter(follow_ups::visited_at.lt(to))
            .filter(follow_ups::on_time.eq(on_time))
            .filter(follow_ups::result_by.ge(lo))
            .filter(follow_ups::result_by.le(hi))
            .group_by(follow_ups::result_by)
            .select((follow_ups::result_by, diesel::dsl::count_star()))
            .load(conn)?;
        Ok(rows.into_iter().filter_map(|(id, n)| id.map(|id| (id, n))).collect())
    };
    let on_time: Counts = visits(true)?;
    let late_visits: Counts = visits(false)?;
    let lent: Counts = grouped!(key_loans::table, key_loans::lent_by, key_loans::borrowed_at);
    let chases: Counts = grouped!(key_chases::table, key_chases::chased_by, key_chases::chased_at);
    let care: Counts = grouped!(vacant_care_records::table, vacant_care_records::performed_by, vacant_care_records::performed_at);
    let anomalies: Counts = grouped!(vacant_anomalies::table, vacant_anomalies::reported_by, vacant_anomalies::reported_at);
    let mut by_staff: BTreeMap<i64, StaffFigures> = BTreeMap::new();
    let mut add = |rows: Counts, set: fn(&mut StaffFigures, i64)| {
        for (id, n) in rows {
            let f = by_staff.entry(id).or_insert_with(|| StaffFigures { staff_id: id, ..Default::default() });
            set(f, n);
        }
    };
    add(log, |f, n| f.log_entries = n);
    add(given, |f, n| f.handovers_given = n);
    add(taken, |f, n| f.handovers_taken = n);
    add(late, |f, n| f.late_arrivals = n);
    add(on_time, |f, n| f.visits_on_time = n);
    add(late_visits, |f, n| f.visits_late = n);
    add(lent, |f, n| f.keys_lent = n);
    add(chases, |f, n| f.chases = n);
    add(care, |f, n| f.care_records = n);
    add(anomalies, |f, n| f.anomalies_reported = n);
    // Everyone active appears, with zeros where they did nothing.
    let mut people = users::table.filter(users::active.eq(true).or(users::id.eq_any(by_staff.keys().copied().collect::<Vec<_>>()))).into_boxed();
    if let Some(s) = staff {
        people = people.filter(users::id.eq(s));
    }
    let names: Vec<(i64, String)> = people.order(users::id.asc()).select((users::id, users::display_name)).load(conn)?;
    Ok(names
        .into_iter()
        .map(|(id, name)| {
            let mut f = by_staff.remove(&id).unwrap_or_else(|| StaffFigures { staff_id: id, ..Default::default() });
            f.display_name = name;
            f
        })
        .collect())
}

/// Per staff member: duty log entries, handovers given and taken, late arrivals, visits on
/// time and late, keys lent, chases, care records, anomalies reported (supervisor+, P-1).
#[utoipa::path(tag = "across", params(PerformanceQuery), responses((status = 200, body = PerformanceReport)))]
#[get("/performance")]
pub async fn performance(state: web::Data<AppState>, _caller: Require<Supervisor>, query: crate::http::Query<PerformanceQuery>) -> ApiResult<web::Json<PerformanceReport>> {
    let q = query.0;
    if q.to < q.from {
        return Err(ApiError::field("to", "must not be before from"));
    }
    let (start, end) = time::day_range(q.from, q.to, state.settings.timezone);
    let (from, to, staff) = (to_db(start), to_db(end), q.staff_id);
    let staff_rows = state.db(move |c| figures(c, from, to, staff)).await?;
    Ok(web::Json(PerformanceReport { from: q.from, to: q.to, staff: staff_rows }))
}
