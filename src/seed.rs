//! `mall-service seed`: fills a database with realistic volume for benchmarks (#9).
//! At scale 1.0: 100 000 customer files over 40 buildings, 100 000 service records with
//! follow-ups, 10 000 keys with loans, 5 000 vacant units with care records, a year of duty
//! log. Rows go in batches, one transaction each; the duty log goes through the real append
//! so its hash chain is valid. Meant for an empty database (the seed accounts are reused).

use chrono::{Duration, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;

use crate::auth::{password, store as users, AuthUser, Role};
use crate::customer_files::rules::natural_key;
use crate::db::schema::{
    customer_files, duty_shifts, follow_up_assignees, follow_ups, key_loans, keys, service_records, vacant_care_records, vacant_care_tasks,
    vacant_units,
};
use crate::db::{now, to_db, write_tx, DbConn};
use crate::duty::log_store::{self, NewEntry};
use crate::error::ApiError;
use crate::follow_ups::rules::{self as fu_rules, ServiceKind, WindowInput};
use crate::time::Month;
use crate::{audit, time, with_conn};

/// How many rows of each kind were written.
#[derive(Debug, Default, serde::Serialize)]
pub struct SeedReport {
    pub customer_files: usize,
    pub service_records: usize,
    pub follow_ups: usize,
    pub keys: usize,
    pub key_loans: usize,
    pub vacant_units: usize,
    pub care_records: usize,
    pub duty_log_entries: usize,
}

/// A small deterministic generator, so two seeds of the same scale are alike.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

const BATCH: usize = 2_000;
pub const SEED_PASSWORD: &str = "seed-password-123";

fn scaled(n: usize, scale: f64) -> usize {
    ((n as f64) * scale).round().max(1.0) as usize
}

fn seed_users(conn: &mut DbConn) -> Result<Vec<(i64, Role)>, ApiError> {
    let hash = password::hash(SEED_PASSWORD)?;
    let mut out = Vec::new();
    for (name, role) in [("seed-staff", Role::Staff), ("seed-deputy", Role::DeputySupervisor), ("seed-supervisor", Role::Supervisor), ("seed-manager", Role::Manager)] {
        let user = match users::find_by_username(conn, name)? {
            Some(u) => u,
            None => users::create(
                conn,
                None,
                users::NewUser { username: name.into(), password_hash: hash.clone(), display_name: name.into(), role, phone: None, department: Some("客服部".into()) },
            )?,
        };
        out.push((user.id, role));
    }
    Ok(out)
}

/// Runs `rows` inserts in transactions of `BATCH`.
fn batched(conn: &mut DbConn, rows: usize, mut each: impl FnMut(&mut DbConn, usize) -> Result<(), ApiError>) -> Result<(), ApiError> {
    let mut start = 0;
    while start < rows {
        let end = (start + BATCH).min(rows);
        write_tx(conn, |conn| (start..end).try_for_each(|i| each(conn, i)))?;
        start = end;
    }
    Ok(())
}

pub fn seed(conn: &mut DbConn, scale: f64, tz: Tz) -> Result<SeedReport, ApiError> {
    let people = seed_users(conn)?;
    let staff = people[0].0;
    let deputy = people[1].0;
    let manager = people[3].0;
    let mut rng = Lcg(42);
    let mut report = SeedReport::default();
    let at = now();
    let stamp = to_db(at);
    let offset: i64 = customer_files::table.count().get_result(conn)?;

    report.customer_files = scaled(100_000, scale);
    batched(conn, report.customer_files, |conn, i| {
        let n = offset as usize + i;
        let (building, floor, room) = (format!("{}栋", n % 40 + 1), format!("{}", (n / 40) % 30 + 1), format!("{:02}", n / 1200 + 1));
        diesel::insert_into(customer_files::table)
            .values((
                customer_files::file_no.eq(format!("KF-{n:06}")),
                customer_files::customer_name.eq(format!("客户{n}")),
                customer_files::sort_key.eq(natural_key(&[&building, &floor, &room])),
                customer_files::building.eq(&building),
                customer_files::floor.eq(&floor),
                customer_files::room.eq(&room),
                customer_files::move_in_date.eq(time::local_date(at, tz) - Duration::days((n % 3000) as i64)),
                customer_files::page_count.eq((n % 40) as i32 + 5),
                customer_files::phone.eq(format!("138{:08}", n)),
                customer_files::created_by.eq(deputy),
                customer_files::created_at.eq(stamp),
                customer_files::updated_at.eq(stamp),
            ))
            .execute(conn)?;
        Ok(())
    })?;

    report.service_records = scaled(100_000, scale);
    let kinds = ServiceKind::ALL;
    let mut follow_ups_written = 0usize;
    batched(conn, report.service_records, |conn, i| {
        let kind = kinds[i % kinds.len()];
        let completed = at - Duration::minutes(rng.next(365 * 24 * 60) as i64);
        let contract = (kind == ServiceKind::SpecialService).then(|| {
            let start = time::local_date(completed, tz) - Duration::days(180);
            (start, start + Duration::days(365))
        });
        let unit = format!("{}栋{:04}", i % 40 + 1, rng.next(3000));
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(service_records::table)
            .values((
                service_records::kind.eq(kind.as_str()),
                service_records::major.eq(false),
                service_records::category.eq(["噪音", "漏水", "电梯", "停车", "卫生"][i % 5]),
                service_records::description.eq("seed"),
                service_records::completed_at.eq(to_db(completed)),
                service_records::completed_month.eq(Month::of(time::local_date(completed, tz)).to_string()),
                service_records::unit.eq(&unit),
                service_records::contract_start.eq(contract.map(|c| c.0)),
                service_records::contract_end.eq(contract.map(|c| c.1)),
                service_records::created_by.eq(staff),
                service_records::created_at.eq(stamp),
            ))
            .returning(service_records::id)
            .get_result(c))?;
        if i % 3 == 0 {
            let phase = contract.map(|_| fu_rules::Phase::AfterEnd);
            let (from, by) = fu_rules::due_window(WindowInput { kind, completed_on: time::local_date(completed, tz), phase, contract })
                .map_err(|(_, m)| ApiError::Internal(m.into()))?;
            let visited = i % 2 == 0;
            let fid: i64 = with_conn!(conn, |c| diesel::insert_into(follow_ups::table)
                .values((
                    follow_ups::service_record_id.eq(id),
                    follow_ups::phase.eq(phase.map(|p| p.as_str())),
                    follow_ups::status.eq(if visited { "reviewed" } else { "planned" }),
                    follow_ups::due_from.eq(from),
                    follow_ups::due_by.eq(by),
                    follow_ups::planned_by.eq(manager),
                    follow_ups::created_at.eq(stamp),
                    follow_ups::visited_at.eq(visited.then(|| to_db(completed + Duration::days(1)))),
                    follow_ups::visited_month.eq(visited.then(|| Month::of(time::local_date(completed + Duration::days(1), tz)).to_string())),
                    follow_ups::result_by.eq(visited.then_some(staff)),
                    follow_ups::qualified.eq(visited.then_some(i % 10 != 0)),
                    follow_ups::on_time.eq(visited.then_some(true)),
                ))
                .returning(follow_ups::id)
                .get_result(c))?;
            diesel::insert_into(follow_up_assignees::table)
                .values((follow_up_assignees::follow_up_id.eq(fid), follow_up_assignees::user_id.eq(staff)))
                .execute(conn)?;
            follow_ups_written += 1;
        }
        Ok(())
    })?;
    report.follow_ups = follow_ups_written;

    let key_offset: i64 = keys::table.count().get_result(conn)?;
    report.keys = scaled(10_000, scale);
    let mut loans_written = 0usize;
    batched(conn, report.keys, |conn, i| {
        let n = key_offset as usize + i;
        let lent = i % 2 == 0;
        let kid: i64 = with_conn!(conn, |c| diesel::insert_into(keys::table)
            .values((
                keys::key_no.eq(format!("K-{n:06}")),
                keys::unit.eq(format!("{}栋{:04}", n % 40 + 1, n)),
                keys::source.eq("developer"),
                keys::quantity.eq(3),
                keys::available.eq(if lent { 2 } else { 3 }),
                keys::status.eq("in_cabinet"),
                keys::created_by.eq(deputy),
                keys::created_at.eq(stamp),
                keys::updated_at.eq(stamp),
            ))
            .returning(keys::id)
            .get_result(c))?;
        // Half the keys have one copy out (some overdue), the rest a returned loan.
        let borrowed = at - Duration::hours(rng.next(24 * 10) as i64);
        diesel::insert_into(key_loans::table)
            .values((
                key_loans::key_id.eq(kid),
                key_loans::quantity.eq(1),
                key_loans::lost_quantity.eq(0),
                key_loans::borrowed_at.eq(to_db(borrowed)),
                key_loans::expected_return_at.eq(to_db(borrowed + Duration::days(2))),
                key_loans::reason.eq("维修"),
                key_loans::borrower_name.eq("王师傅"),
                key_loans::borrower_phone.eq("13900000000"),
                key_loans::borrower_signature.eq("王"),
                key_loans::lent_by.eq(staff),
                key_loans::returned_at.eq((!lent).then(|| to_db(borrowed + Duration::hours(5)))),
                key_loans::returned_quantity.eq((!lent).then_some(1)),
                key_loans::received_by.eq((!lent).then_some(staff)),
            ))
            .execute(conn)?;
        loans_written += 1;
        Ok(())
    })?;
    report.key_loans = loans_written;

    let unit_offset: i64 = vacant_units::table.count().get_result(conn)?;
    report.vacant_units = scaled(5_000, scale);
    let mut care_written = 0usize;
    batched(conn, report.vacant_units, |conn, i| {
        let n = unit_offset as usize + i;
        let uid: i64 = with_conn!(conn, |c| diesel::insert_into(vacant_units::table)
            .values((
                vacant_units::unit.eq(format!("V{}栋{:04}", n % 40 + 1, n)),
                vacant_units::building.eq(format!("{}栋", n % 40 + 1)),
                vacant_units::floor.eq(format!("{}", n % 30 + 1)),
                vacant_units::room.eq(format!("{:02}", n % 20 + 1)),
                vacant_units::taken_over_on.eq(time::local_date(at, tz) - Duration::days(400)),
                vacant_units::finish.eq(if n % 3 == 0 { "fine" } else { "standard" }),
                vacant_units::created_by.eq(manager),
                vacant_units::created_at.eq(stamp),
            ))
            .returning(vacant_units::id)
            .get_result(c))?;
        for k in 0..4 {
            let when = to_db(at - Duration::days(30 * k + rng.next(20) as i64));
            let rid: i64 = with_conn!(conn, |c| diesel::insert_into(vacant_care_records::table)
                .values((
                    vacant_care_records::unit_id.eq(uid),
                    vacant_care_records::performed_at.eq(when),
                    vacant_care_records::performed_by.eq(staff),
                    vacant_care_records::created_at.eq(stamp),
                ))
                .returning(vacant_care_records::id)
                .get_result(c))?;
            for task in ["ventilation", "patrol"] {
                diesel::insert_into(vacant_care_tasks::table)
                    .values((
                        vacant_care_tasks::record_id.eq(rid),
                        vacant_care_tasks::unit_id.eq(uid),
                        vacant_care_tasks::task.eq(task),
                        vacant_care_tasks::performed_at.eq(when),
                    ))
                    .execute(conn)?;
            }
            care_written += 1;
        }
        Ok(())
    })?;
    report.care_records = care_written;

    // A year of duty: three shifts a day (spaced so they never overlap), three entries each.
    let days = scaled(365, scale.min(1.0));
    let first = at - Duration::days(days as i64) - Duration::hours(1);
    let author = AuthUser { id: staff, username: "seed-staff".into(), display_name: "seed-staff".into(), role: Role::Staff };
    for s in 0..days * 3 {
        let start = first + Duration::hours(8 * s as i64);
        let sid: i64 = write_tx(conn, |conn| {
            Ok::<i64, ApiError>(with_conn!(conn, |c| diesel::insert_into(duty_shifts::table)
                .values((
                    duty_shifts::staff_id.eq(staff),
                    duty_shifts::post.eq("一楼服务台"),
                    duty_shifts::starts_at.eq(to_db(start)),
                    duty_shifts::ends_at.eq(to_db(start + Duration::hours(8) - Duration::seconds(1))),
                    duty_shifts::created_by.eq(deputy),
                    duty_shifts::created_at.eq(stamp),
                ))
                .returning(duty_shifts::id)
                .get_result(c))?)
        })?;
        for e in 0..3 {
            let occurred = (start + Duration::hours(2 * e + 1)).min(Utc::now());
            log_store::append(conn, &author, tz, NewEntry { shift_id: sid, content: format!("第{s}班第{e}条记录"), occurred_at: Some(occurred), corrects_entry_id: None, correction_reason: None })?;
            report.duty_log_entries += 1;
        }
    }
    write_tx(conn, |conn| audit::record(conn, None, "seed", "database", None, audit::NONE, Some(&report)))?;
    Ok(report)
}
