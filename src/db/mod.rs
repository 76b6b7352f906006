//! The database layer: one connection type over PostgreSQL and SQLite, the pool, the
//! per-connection pragmas, embedded migrations and the write-transaction helper.

pub mod schema;

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::DatabaseUrl;

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = Pool<Manager>;
pub type PooledConn = PooledConnection<Manager>;

/// Runs `$body` with `$c` bound to the inner connection, for the few queries (`RETURNING`,
/// backend-specific SQL) that do not compile through the multi-backend type.
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}

/// Establishes the variant chosen from the URL scheme, so a failed PostgreSQL connection
/// reports its real cause (diesel's multi-connection `establish` hides it).
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
}

impl Manager {
    pub fn new(url: DatabaseUrl) -> Self {
        Manager { url }
    }
}

const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -4000;";

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut c = PgConnection::establish(url).map_err(r2d2::Error::ConnectionError)?;
                c.batch_execute("SET TIME ZONE 'UTC'").map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Pg(c))
            }
            DatabaseUrl::Sqlite(path) => {
                let mut c = SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                c.batch_execute(SQLITE_PRAGMAS).map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(c))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        // A connection handed back mid-transaction (e.g. after a panic) is not reused.
        let status = <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(conn);
        !matches!(status.transaction_depth(), Ok(None))
    }
}

/// Opens the pool and brings the schema up to date.
pub fn connect(url: &DatabaseUrl, size: u32, min_idle: u32) -> Result<DbPool, String> {
    if let DatabaseUrl::Sqlite(path) = url {
        if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
    }
    let manager = Manager::new(url.clone());
    // Connect once by hand so the real cause of a failure reaches the operator.
    let mut first = manager.connect().map_err(|e| format!("cannot connect to the {} database: {e}", url.backend_name()))?;
    run_migrations(&mut first)?;
    drop(first);
    Pool::builder()
        // A PostgreSQL connection can die with its server (and is replaced when the check
        // fails); a SQLite connection is a file handle in this process: checking it before
        // every use was one more query per request for nothing.
        .test_on_check_out(matches!(url, DatabaseUrl::Postgres(_)))
        .max_size(size)
        .min_idle(Some(min_idle.min(size)))
        .connection_timeout(Duration::from_secs(5))
        .build(manager)
        .map_err(|e| format!("cannot build the connection pool: {e}"))
}

pub fn run_migrations(conn: &mut DbConn) -> Result<(), String> {
    let applied = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len()),
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    }
    .map_err(|e| format!("migrations failed: {e}"))?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok(())
}

/// Runs `f` in one transaction that takes the write lock up front: `BEGIN IMMEDIATE` on SQLite
/// (a deferred transaction that upgrades to a writer fails with SQLITE_BUSY under concurrency),
/// a plain `BEGIN` on PostgreSQL. Commits on `Ok`, rolls back on `Err`.
///
/// SQLite has one writer at a time. Writers of this process queue on a mutex before `BEGIN
/// IMMEDIATE` instead of polling in SQLite's busy handler, whose sleeps (up to 100 ms each)
/// made the tail latency of writes under load ten times the median; the busy timeout still
/// covers writers in other processes (the CLI, a second instance).
pub fn write_tx<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let _writer = match conn {
        DbConn::Sqlite(c) => {
            let turn = WriterTurn::take();
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            Some(turn)
        }
        DbConn::Pg(c) => {
            AnsiTransactionManager::begin_transaction(c)?;
            None
        }
    };
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
            Err(e)
        }
    }
}

static SQLITE_WRITER: Mutex<()> = Mutex::new(());

thread_local! {
    static HOLDS_WRITER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// This thread's turn as the SQLite writer. A nested `write_tx` on the same thread does not
/// wait for itself: its `BEGIN` fails as SQLite's own would.
struct WriterTurn(Option<MutexGuard<'static, ()>>);

impl WriterTurn {
    fn take() -> WriterTurn {
        if HOLDS_WRITER.with(|h| h.get()) {
            return WriterTurn(None);
        }
        let guard = SQLITE_WRITER.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        HOLDS_WRITER.with(|h| h.set(true));
        WriterTurn(Some(guard))
    }
}

impl Drop for WriterTurn {
    fn drop(&mut self) {
        if self.0.is_some() {
            HOLDS_WRITER.with(|h| h.set(false));
        }
    }
}

/// Now, truncated to microseconds: PostgreSQL keeps no more, so both backends read back alike.
pub fn now() -> DateTime<Utc> {
    trunc(Utc::now())
}

pub fn trunc(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(t.nanosecond() / 1_000 * 1_000).unwrap_or(t)
}

/// Stored form of a timestamp: naive UTC.
pub fn to_db(t: DateTime<Utc>) -> NaiveDateTime {
    trunc(t).naive_utc()
}

pub fn from_db(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

pub fn ping(conn: &mut DbConn) -> QueryResult<()> {
    conn.batch_execute("SELECT 1")
}
