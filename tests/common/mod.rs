//! Spawns the real server on a random port over a fresh database: a temp SQLite file, or a
//! new PostgreSQL database when `TEST_DATABASE_URL` is set (dropped afterwards).
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::OnceLock;

use diesel::prelude::*;
use mall_service::auth::{password, store, Role};
use mall_service::config::Settings;
use mall_service::AppState;
use reqwest::{header::HeaderMap, Method};
use serde_json::Value;

pub const PASSWORD: &str = "correct-horse-42";

fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| password::hash(PASSWORD).unwrap()).clone()
}

/// Owns a fresh test database and removes it when dropped.
pub enum TestDb {
    Sqlite(PathBuf),
    Pg { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            TestDb::Pg { admin_url, name } => {
                if let Ok(mut c) = PgConnection::establish(admin_url) {
                    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut c);
                }
            }
        }
    }
}

pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }

    /// The `field` of each entry in a problem's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["field"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    pub fn id(&self) -> i64 {
        self.body["id"].as_i64().unwrap_or_else(|| panic!("no id in {}", self.text))
    }

    #[track_caller]
    pub fn assert(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        if status >= 400 {
            let ct = self.header("content-type").unwrap_or_default();
            assert!(ct.starts_with("application/problem+json"), "error without problem+json: {ct}");
        }
        self
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    users: HashMap<Role, (i64, String)>,
    handle: actix_web::dev::ServerHandle,
    stopped: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
    _db: TestDb,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop the server and wait for its workers to drop their pool handles, so no
        // connection is attempted against a dropped database (or during process exit).
        drop(self.handle.stop(false));
        let _ = self.stopped.lock().map(|rx| rx.recv_timeout(std::time::Duration::from_secs(10)));
    }
}

pub fn backend() -> &'static str {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty()) {
        "postgres"
    } else {
        "sqlite"
    }
}

pub fn fresh_database() -> (String, TestDb) {
    let id = uuid::Uuid::new_v4().simple().to_string();
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("mall_test_{id}");
            let mut c = PgConnection::establish(&admin_url).expect("TEST_DATABASE_URL must reach PostgreSQL");
            diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut c).expect("create test database");
            let (head, _) = admin_url.rsplit_once('/').expect("TEST_DATABASE_URL needs a database name");
            let query = admin_url.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
            (format!("{head}/{name}{query}"), TestDb::Pg { admin_url, name })
        }
        _ => {
            let path = std::env::temp_dir().join(format!("mall-test-{id}.db"));
            (format!("sqlite://{}", path.display()), TestDb::Sqlite(path))
        }
    }
}

pub fn test_settings(database_url: &str, extra: &[(&str, &str)]) -> Settings {
    let mut env: HashMap<String, String> = [
        ("APP_ENV", "test"),
        ("DATABASE_URL", database_url),
        ("JWT_SECRET", "test-secret-that-is-long-enough-for-hs256"),
        ("WORKERS", "2"),
        ("DB_POOL_SIZE", "8"),
        ("DB_MIN_IDLE", "0"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    Settings::from_lookup(|k| env.get(k).cloned()).expect("test settings")
}

pub async fn spawn() -> TestApp {
    spawn_with(&[]).await
}

/// Spawns with extra environment settings (e.g. `CORS_ALLOWED_ORIGINS`).
pub async fn spawn_with(extra: &[(&str, &str)]) -> TestApp {
    let (url, db) = fresh_database();
    let state = AppState::new(test_settings(&url, extra)).expect("app state");
    with_users(start(state, db)).await
}

async fn with_users(mut app: TestApp) -> TestApp {
    for role in Role::ALL {
        let (id, token) = app.create_user(*role, &format!("{}-1", role.as_str())).await;
        app.users.insert(*role, (id, token));
    }
    app
}

/// Starts a server over an already built state whose database the caller owns, with the
/// usual users (one per role).
pub async fn spawn_over(state: AppState) -> TestApp {
    with_users(spawn_state(state)).await
}

/// Starts a server over an already built state (used for an unreachable database).
pub fn spawn_state(state: AppState) -> TestApp {
    start(state, TestDb::Sqlite(std::env::temp_dir().join("mall-test-none")))
}

fn start(state: AppState, db: TestDb) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    let (done_tx, stopped) = std::sync::mpsc::channel();
    let server_state = state.clone();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = mall_service::run(listener, server_state).expect("server");
            tx.send(server.handle()).unwrap();
            let _ = server.await;
        });
        let _ = done_tx.send(());
    });
    let handle = rx.recv().unwrap();
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
        state,
        users: HashMap::new(),
        handle,
        stopped: std::sync::Mutex::new(stopped),
        _db: db,
    }
}

/// Creates an active user with `PASSWORD` straight in `state`'s database (no server needed)
/// and returns its id and a token signed with `state`'s secret.
pub async fn create_user_in(state: &AppState, role: Role, username: &str) -> (i64, String) {
    let new = store::NewUser {
        username: username.to_string(),
        password_hash: password_hash(),
        display_name: format!("{username} 测试"),
        role,
        phone: None,
        department: Some("客服部".into()),
    };
    let user = state.db(move |c| store::create(c, None, new)).await.expect("create user");
    (user.id, state.jwt.issue(user.id, role).unwrap())
}

impl TestApp {
    /// Creates an active user with `PASSWORD` and returns its id and a token.
    pub async fn create_user(&self, role: Role, username: &str) -> (i64, String) {
        create_user_in(&self.state, role, username).await
    }

    pub fn token(&self, role: Role) -> &str {
        &self.users[&role].1
    }

    pub fn user_id(&self, role: Role) -> i64 {
        self.users[&role].0
    }

    pub async fn raw(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.client.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp { status, headers, text, body }
    }

    pub async fn get(&self, role: Role, path: &str) -> Resp {
        self.raw(Method::GET, path, Some(self.token(role)), None, &[]).await
    }

    pub async fn post(&self, role: Role, path: &str, body: Value) -> Resp {
        self.raw(Method::POST, path, Some(self.token(role)), Some(&body), &[]).await
    }

    pub async fn patch(&self, role: Role, path: &str, body: Value) -> Resp {
        self.raw(Method::PATCH, path, Some(self.token(role)), Some(&body), &[]).await
    }

    pub async fn put(&self, role: Role, path: &str, body: Value) -> Resp {
        self.raw(Method::PUT, path, Some(self.token(role)), Some(&body), &[]).await
    }

    pub async fn get_as(&self, token: &str, path: &str) -> Resp {
        self.raw(Method::GET, path, Some(token), None, &[]).await
    }

    pub async fn post_as(&self, token: &str, path: &str, body: Value) -> Resp {
        self.raw(Method::POST, path, Some(token), Some(&body), &[]).await
    }

    /// Sends a body as-is with the given content type.
    pub async fn post_raw(&self, role: Role, path: &str, content_type: &str, body: Vec<u8>) -> Resp {
        let res = self
            .client
            .post(format!("{}{}", self.base, path))
            .bearer_auth(self.token(role))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp { status, headers, text, body }
    }

    /// Runs raw SQL against the app's database (to inspect or tamper, as an intruder would).
    pub async fn sql(&self, sql: String) {
        self.state
            .db(move |c| {
                diesel::sql_query(sql).execute(c)?;
                Ok(())
            })
            .await
            .expect("sql");
    }

    /// Counts audit events for an action.
    pub async fn audit_count(&self, action: &str) -> i64 {
        use mall_service::db::schema::audit_events::dsl;
        let action = action.to_string();
        self.state
            .db(move |c| Ok(dsl::audit_events.filter(dsl::action.eq(action)).count().get_result::<i64>(c)?))
            .await
            .unwrap()
    }
}
