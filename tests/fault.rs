//! Fault tests (issue #9): the service loses nothing when it is killed mid-write, answers 503
//! while PostgreSQL is away and recovers by itself, and survives 200 clients writing at once.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{Duration as Days, Utc};
use common::{backend, fresh_database, test_settings, TestApp};
use diesel::prelude::*;
use mall_service::auth::Role;
use mall_service::AppState;
use reqwest::Method;
use serde_json::{json, Value};

fn ts(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The release-shaped server as a separate process, so it can be killed with SIGKILL.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Serves the database at `database_url` with `state`'s secret, so its tokens work.
    async fn start(state: &AppState, database_url: &str) -> Server {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_mall-service"))
            .arg("serve")
            .envs([
                ("APP_ENV", "test"),
                ("DATABASE_URL", database_url),
                ("JWT_SECRET", state.settings.jwt_secret.as_str()),
                ("BIND_ADDR", &format!("127.0.0.1:{port}")),
                ("WORKERS", "2"),
                ("DB_POOL_SIZE", "8"),
                ("DB_MIN_IDLE", "0"),
                ("RUST_LOG", "error"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server binary");
        let server = Server { child, base: format!("http://127.0.0.1:{port}") };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = client.get(format!("{}/healthz", server.base)).send().await {
                if r.status().is_success() {
                    return server;
                }
            }
            assert!(Instant::now() < deadline, "the server did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn kill9(&mut self) {
        self.child.kill().expect("SIGKILL"); // std's kill() is SIGKILL on Unix
        self.child.wait().expect("reap");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn send(client: &reqwest::Client, base: &str, method: Method, path: &str, token: &str, body: Option<Value>) -> reqwest::Result<(u16, Value)> {
    let mut req = client.request(method, format!("{base}{path}")).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await?;
    let status = res.status().as_u16();
    let text = res.text().await?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// Every page of a list.
async fn all_items(client: &reqwest::Client, base: &str, path: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let sep = if path.contains('?') { '&' } else { '?' };
    for page in 1.. {
        let (status, body) = send(client, base, Method::GET, &format!("{path}{sep}page={page}&per_page=200"), token, None).await.unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        let batch = body["items"].as_array().unwrap().clone();
        let done = batch.len() < 200;
        items.extend(batch);
        if done {
            break;
        }
    }
    items
}

/// K-5/K-6/K-8: copies in the cabinet plus copies out on open loans equal the copies held, for
/// every key still in the centre's custody; a collected key has no loan open.
async fn assert_key_counts_hold(client: &reqwest::Client, base: &str, token: &str) -> usize {
    let keys = all_items(client, base, "/api/v1/keys", token).await;
    let loans = all_items(client, base, "/api/v1/key-loans?open=true", token).await;
    let mut out: HashMap<i64, i64> = HashMap::new();
    for l in &loans {
        assert_eq!(l["open"], true);
        *out.entry(l["key_id"].as_i64().unwrap()).or_default() += l["quantity"].as_i64().unwrap() - l["lost_quantity"].as_i64().unwrap();
    }
    for k in &keys {
        let id = k["id"].as_i64().unwrap();
        let lent = out.get(&id).copied().unwrap_or(0);
        if k["status"] == "collected" {
            assert_eq!(lent, 0, "collected key {id} still has copies out");
            continue;
        }
        let available = k["available"].as_i64().unwrap();
        assert_eq!(available + lent, k["quantity"].as_i64().unwrap(), "key count drifted: {k} with {lent} out");
        if k["status"] == "in_cabinet" || k["status"] == "lent" {
            // K-5: a key is `lent` once no copy is left in the cabinet.
            let expected = if available == 0 && lent > 0 { "lent" } else { "in_cabinet" };
            assert_eq!(k["status"], expected, "key {id} status disagrees with its loans: {k}");
        }
    }
    keys.len()
}

/// D-3/D-5: the chain verifies and covers every entry; the chain head points at the last one.
async fn assert_duty_chain_holds(client: &reqwest::Client, base: &str, deputy: &str) -> i64 {
    let (status, verify) = send(client, base, Method::GET, "/api/v1/duty/log-entries/verify", deputy, None).await.unwrap();
    assert_eq!(status, 200, "{verify}");
    assert_eq!(verify["valid"], true, "duty chain broken: {verify}");
    let (_, list) = send(client, base, Method::GET, "/api/v1/duty/log-entries?per_page=1", deputy, None).await.unwrap();
    assert_eq!(verify["entries_checked"], list["total"], "verify must cover every entry");
    list["total"].as_i64().unwrap()
}

fn audit_count(state: &AppState, action: &'static str) -> i64 {
    use mall_service::db::schema::audit_events::dsl;
    let mut conn = state.pool.get().unwrap();
    dsl::audit_events.filter(dsl::action.eq(action)).count().get_result(&mut *conn).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn d3_k6_kill_9_mid_burst_loses_no_acknowledged_write_and_no_key_count() {
    let (url, _db) = fresh_database();
    let state = AppState::new(test_settings(&url, &[])).unwrap();
    // Made straight in the database: the server process is not up yet.
    let (staff_id, staff) = common::create_user_in(&state, Role::Staff, "kill-staff").await;
    let (_, deputy) = common::create_user_in(&state, Role::DeputySupervisor, "kill-deputy").await;
    let mut server = Server::start(&state, &url).await;
    let client = reqwest::Client::new();
    let base = server.base.clone();
    let now = Utc::now();
    let (s, shift) = send(&client, &base, Method::POST, "/api/v1/duty/shifts", &deputy,
        Some(json!({"staff_id": staff_id, "post": "一楼服务台", "starts_at": ts(now - Days::hours(1)), "ends_at": ts(now + Days::hours(7))}))).await.unwrap();
    assert_eq!(s, 201, "{shift}");
    let mut keys = Vec::new();
    for n in 0..8 {
        let (s, k) = send(&client, &base, Method::POST, "/api/v1/keys", &deputy,
            Some(json!({"key_no": format!("K9-{n}"), "unit": format!("A栋{n:02}01"), "source": "developer", "quantity": 2}))).await.unwrap();
        assert_eq!(s, 201, "{k}");
        keys.push(k["id"].as_i64().unwrap());
    }

    // 16 writers: half append to the duty log, half lend and return their own key.
    let acked_entries = Arc::new(Mutex::new(Vec::<i64>::new()));
    let done_ops = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for w in 0..16usize {
        let (client, base, staff, acked, done_ops) = (client.clone(), base.clone(), staff.clone(), acked_entries.clone(), done_ops.clone());
        let (shift_id, key) = (shift["id"].as_i64().unwrap(), keys[w / 2]);
        tasks.push(tokio::spawn(async move {
            for n in 0.. {
                if w % 2 == 0 {
                    let body = json!({"shift_id": shift_id, "content": format!("写入者{w}第{n}条")});
                    match send(&client, &base, Method::POST, "/api/v1/duty/log-entries", &staff, Some(body)).await {
                        Ok((201, e)) => acked.lock().unwrap().push(e["id"].as_i64().unwrap()),
                        Ok((status, e)) => panic!("append answered {status}: {e}"),
                        Err(_) => return, // the server is gone
                    }
                } else {
                    let lend = json!({"key_id": key, "quantity": 1, "expected_return_at": ts(Utc::now() + Days::days(1)), "reason": "维修",
                                      "borrower_name": "王师傅", "borrower_phone": "13800000000", "borrower_signature": "王"});
                    let loan = match send(&client, &base, Method::POST, "/api/v1/key-loans", &staff, Some(lend)).await {
                        Ok((201, l)) => l,
                        Ok((status, e)) => panic!("lend answered {status}: {e}"),
                        Err(_) => return,
                    };
                    let path = format!("/api/v1/key-loans/{}/return", loan["id"]);
                    match send(&client, &base, Method::POST, &path, &staff, Some(json!({"returned_quantity": 1}))).await {
                        Ok((200, _)) => {}
                        Ok((status, e)) => panic!("return answered {status}: {e}"),
                        Err(_) => return,
                    }
                }
                done_ops.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while done_ops.load(Ordering::Relaxed) < 200 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill9();
    for t in tasks {
        t.await.expect("a writer saw a wrong answer before the kill");
    }
    assert!(done_ops.load(Ordering::Relaxed) >= 200, "the burst was too slow to be cut in the middle");

    let server = Server::start(&state, &url).await;
    let base = server.base.clone();
    let total = assert_duty_chain_holds(&client, &base, &deputy).await;
    let stored: HashSet<i64> = all_items(&client, &base, "/api/v1/duty/log-entries", &deputy).await.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    let acked = acked_entries.lock().unwrap().clone();
    assert!(!acked.is_empty());
    for id in &acked {
        assert!(stored.contains(id), "acknowledged log entry {id} was lost");
    }
    // D-10: the per-day counts the append keeps agree with the entries (no day is signed here).
    let days = all_items(&client, &base, "/api/v1/duty/reviews/pending", &deputy).await;
    assert_eq!(days.iter().map(|d| d["entries"].as_i64().unwrap()).sum::<i64>(), total);
    assert_key_counts_hold(&client, &base, &deputy).await;
    // No half-written rows: every entry, loan and return has its audit event, and no more.
    assert_eq!(audit_count(&state, "duty_log.append"), total);
    let loans = all_items(&client, &base, "/api/v1/key-loans", &deputy).await;
    let returned = loans.iter().filter(|l| l["open"] == false).count() as i64;
    assert_eq!(audit_count(&state, "key.lend"), loans.len() as i64);
    assert_eq!(audit_count(&state, "key.return"), returned);
    for l in &loans {
        let complete = l["returned_at"].is_string() && l["returned_quantity"].is_i64() && l["received_by"].is_i64();
        let untouched = l["returned_at"].is_null() && l["returned_quantity"].is_null() && l["received_by"].is_null();
        assert!(complete || untouched, "half-written return: {l}");
    }
    // And the restarted service keeps working on the same chain.
    let (s, e) = send(&client, &base, Method::POST, "/api/v1/duty/log-entries", &staff,
        Some(json!({"shift_id": shift["id"], "content": "重启后第一条"}))).await.unwrap();
    assert_eq!(s, 201, "{e}");
    assert_eq!(e["seq"].as_i64(), Some(total + 1));
    assert_duty_chain_holds(&client, &base, &deputy).await;
}

/// A TCP hop between the service and PostgreSQL that can cut every connection and refuse new
/// ones, as a stopped server does, without stopping the PostgreSQL the other tests share.
struct Outage {
    port: u16,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Outage {
    async fn start(upstream: String) -> Outage {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let links: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let (up2, links2) = (up.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound); // refused: the database is down
                    continue;
                }
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                links2.lock().unwrap().push(task.abort_handle());
            }
        });
        Outage { port, up, links }
    }

    fn stop_database(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn start_database(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_outage_answers_503_and_the_service_recovers_by_itself() {
    if backend() != "postgres" {
        // SQLite is a file inside the process: there is no server to lose. Run with
        // TEST_DATABASE_URL (as .ci/run does) to exercise this.
        return;
    }
    let (url, _db) = fresh_database();
    // postgres://user@host:port/db → the same through the hop.
    let (head, rest) = url.split_once('@').expect("user@host in TEST_DATABASE_URL");
    let (host_port, tail) = rest.split_once('/').unwrap();
    let upstream = if host_port.contains(':') { host_port.to_string() } else { format!("{host_port}:5432") };
    let outage = Outage::start(upstream).await;
    let via = format!("{head}@127.0.0.1:{}/{tail}", outage.port);
    let state = AppState::new(test_settings(&via, &[])).unwrap();
    let app = common::spawn_over(state).await;
    app.get(Role::Staff, "/api/v1/keys").await.assert(200);
    assert_eq!(app.raw(Method::GET, "/healthz", None, None, &[]).await.status, 200);

    outage.stop_database();
    for path in ["/api/v1/keys", "/api/v1/auth/me", "/api/v1/agenda"] {
        let res = app.get(Role::Staff, path).await;
        res.assert(503);
        assert_eq!(res.body["status"], 503, "{path}: {}", res.text);
    }
    let res = app.post(Role::DeputySupervisor, "/api/v1/keys", json!({"key_no": "PG-1", "unit": "A栋0101", "source": "developer", "quantity": 1})).await;
    res.assert(503);
    let health = app.raw(Method::GET, "/healthz", None, None, &[]).await;
    assert_eq!(health.status, 503);
    assert_eq!(health.body["database"], "down");

    outage.start_database();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let health = app.raw(Method::GET, "/healthz", None, None, &[]).await;
        if health.status == 200 && health.body["database"] == "up" {
            break;
        }
        assert!(Instant::now() < deadline, "the service did not recover: {}", health.text);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Every pooled connection from before the outage is replaced, not handed out broken.
    for _ in 0..20 {
        app.get(Role::Staff, "/api/v1/keys").await.assert(200);
    }
    app.post(Role::DeputySupervisor, "/api/v1/keys", json!({"key_no": "PG-1", "unit": "A栋0101", "source": "developer", "quantity": 1})).await.assert(201);
    drop(app);
    drop(_db);
}

// ---- 200 clients writing through every write endpoint at once ------------------------------

#[derive(Default)]
struct Tally {
    /// step → (2xx, 4xx)
    steps: BTreeMap<&'static str, (u64, u64)>,
    /// step → the first refusal, to tell a business rule from a broken request.
    refusals: BTreeMap<&'static str, String>,
    server_errors: Vec<String>,
    writes_ok: u64,
}

struct Soak {
    app: TestApp,
    staff_shift: i64,
    census_round: i64,
    unique: AtomicU64,
    tally: Mutex<Tally>,
}

impl Soak {
    fn next(&self) -> u64 {
        self.unique.fetch_add(1, Ordering::Relaxed)
    }

    async fn call(&self, step: &'static str, method: Method, path: &str, token: &str, body: Value) -> Option<Value> {
        let write = method != Method::GET;
        let res = self.app.raw(method, path, Some(token), if write { Some(&body) } else { None }, &[]).await;
        let mut t = self.tally.lock().unwrap();
        let entry = t.steps.entry(step).or_default();
        match res.status {
            200..=299 => {
                entry.0 += 1;
                if write && step != "login" {
                    t.writes_ok += 1;
                }
                Some(res.body)
            }
            400..=499 => {
                entry.1 += 1;
                t.refusals.entry(step).or_insert_with(|| format!("{} {}", res.status, res.text));
                None
            }
            other => {
                t.server_errors.push(format!("{step} {path} → {other}: {}", res.text));
                None
            }
        }
    }

    async fn post(&self, step: &'static str, role: Role, path: &str, body: Value) -> Option<Value> {
        self.call(step, Method::POST, path, self.app.token(role), body).await
    }

    async fn flow(&self, n: usize) {
        use Role::*;
        let u = self.next();
        let now = Utc::now();
        let today = now.format("%Y-%m-%d").to_string();
        match n % 12 {
            0 => {
                self.post("duty.log", Staff, "/api/v1/duty/log-entries", json!({"shift_id": self.staff_shift, "content": format!("巡查{u}")})).await;
                self.post("duty.review", DeputySupervisor, "/api/v1/duty/reviews", json!({"date": (now - Days::days(1)).format("%Y-%m-%d").to_string()})).await;
            }
            1 => {
                // D-7: a handover opens 15 minutes before the outgoing shift ends, so each one
                // gets a fresh pair of staff members whose shifts meet ten minutes from now.
                let from_staff = self.app.create_user(Staff, &format!("soak-out-{u}")).await;
                let to_staff = self.app.create_user(Staff, &format!("soak-in-{u}")).await;
                let turn = now + Days::minutes(10);
                let from = self
                    .post("duty.shift", DeputySupervisor, "/api/v1/duty/shifts", json!({"staff_id": from_staff.0, "post": "一楼", "starts_at": ts(turn - Days::hours(8)), "ends_at": ts(turn)}))
                    .await;
                let to = self
                    .post("duty.shift", DeputySupervisor, "/api/v1/duty/shifts", json!({"staff_id": to_staff.0, "post": "一楼", "starts_at": ts(turn), "ends_at": ts(turn + Days::hours(8))}))
                    .await;
                let (Some(from), Some(to)) = (from, to) else { return };
                let items = json!([{"description": "灯具报修待跟进", "important": false, "done": false}]);
                let body = json!({"from_shift_id": from["id"], "to_shift_id": to["id"], "summary": "正常", "pending_items": items});
                let Some(h) = self.call("duty.handover", Method::POST, "/api/v1/duty/handovers", &from_staff.1, body).await else { return };
                if u % 2 == 0 {
                    let path = format!("/api/v1/duty/handovers/{}/anomalies", h["id"]);
                    if let Some(a) = self.call("duty.anomaly", Method::POST, &path, &to_staff.1, json!({"description": "对讲机缺一台"})).await {
                        let path = format!("/api/v1/duty/handovers/{}/anomalies/{}/explanation", h["id"], a["id"]);
                        self.call("duty.explanation", Method::POST, &path, &from_staff.1, json!({"explanation": "送修中"})).await;
                    }
                }
                let path = format!("/api/v1/duty/handovers/{}/accept", h["id"]);
                self.call("duty.accept", Method::POST, &path, &to_staff.1, json!({"arrived_at": ts(now)})).await;
            }
            2 => {
                let file = self
                    .post("files.create", DeputySupervisor, "/api/v1/customer-files", json!({"file_no": format!("SOAK-{u}"), "customer_name": "张伟", "building": format!("{}栋", u % 40), "floor": "3", "room": format!("{}", u % 97), "move_in_date": "2025-06-01", "page_count": 12, "phone": "13800000000"}))
                    .await;
                let Some(file) = file else { return };
                let path = format!("/api/v1/customer-files/{}", file["id"]);
                self.post("files.document", DeputySupervisor, &format!("{path}/documents"), json!({"kind": "customer_covenant", "received_on": today})).await;
                self.post("files.change", DeputySupervisor, &format!("{path}/changes"), json!({"kind": "phone_changed", "new_value": "13900000000"})).await;
                self.post("files.census", Staff, &format!("/api/v1/census-rounds/{}/entries", self.census_round), json!({"customer_file_id": file["id"], "household_notes": "三口之家"})).await;
                let req = self.post("files.access_request", Staff, &format!("{path}/access-requests"), json!({"reason": "核对"})).await;
                let Some(req) = req else { return };
                self.post("files.approve", Manager, &format!("/api/v1/file-access-requests/{}/approve", req["id"]), json!({})).await;
                self.post("files.register", DeputySupervisor, &format!("/api/v1/file-access-requests/{}/register", req["id"]), json!({})).await;
                self.call("files.read", Method::GET, &path, self.app.token(Staff), Value::Null).await;
                let a = self.post("arrears.create", Staff, "/api/v1/arrears", json!({"customer_file_id": file["id"], "fee_type": "management", "amount_cents": 128000, "overdue_since": "2026-09-10"})).await;
                let Some(a) = a else { return };
                self.post("arrears.follow_up", Staff, &format!("/api/v1/arrears/{}/follow-ups", a["id"]), json!({"contacted_at": ts(now), "method": "phone", "outcome": "承诺缴清"})).await;
                self.post("arrears.settle", Staff, &format!("/api/v1/arrears/{}/settle", a["id"]), json!({})).await;
            }
            3 => {
                let r = self
                    .post("follow_ups.service_record", Staff, "/api/v1/service-records", json!({"kind": "repair", "category": "水电", "description": "更换龙头", "completed_at": ts(now - Days::hours(30)), "unit": format!("B栋{u}")}))
                    .await;
                let Some(r) = r else { return };
                let f = self.post("follow_ups.plan", Supervisor, "/api/v1/follow-ups", json!({"service_record_id": r["id"], "assignee_ids": [self.app.user_id(Staff)]})).await;
                let Some(f) = f else { return };
                let path = format!("/api/v1/follow-ups/{}", f["id"]);
                self.post("follow_ups.sign_out", Staff, &format!("{path}/sign-out"), json!({})).await;
                let bad = u % 3 == 0;
                let result = json!({"visited_at": ts(now), "method": "phone", "quality_rating": if bad { 2 } else { 5 }, "effect_rating": 4,
                                    "satisfaction": if bad { "dissatisfied" } else { "satisfied" }, "customer_signed_by": "张伟"});
                self.post("follow_ups.result", Staff, &format!("{path}/result"), result).await;
                self.post("follow_ups.review", Supervisor, &format!("{path}/review"), json!({"comments": "已核"})).await;
                if bad {
                    self.post("follow_ups.escalation", Manager, &format!("{path}/escalation"), json!({"handling": "经理回访致歉"})).await;
                }
            }
            4 => {
                self.call("follow_ups.target", Method::PUT, "/api/v1/follow-up-targets/other", self.app.token(Supervisor), json!({"target_rate": 0.9})).await;
                let month = (now - Days::days(35)).format("%Y-%m").to_string();
                self.post("follow_ups.report", Staff, "/api/v1/follow-up-reports", json!({"month": month, "analysis": "回访率达标"})).await;
            }
            5 | 6 => {
                let k = self.post("keys.create", DeputySupervisor, "/api/v1/keys", json!({"key_no": format!("SOAK-{u}"), "unit": format!("C栋{u}"), "source": "developer", "quantity": 2})).await;
                let Some(k) = k else { return };
                let lend = json!({"key_id": k["id"], "quantity": 1, "expected_return_at": ts(now + Days::days(1)), "reason": "维修",
                                  "borrower_name": "王师傅", "borrower_phone": "13800000000", "borrower_signature": "王"});
                let loan = self.post("keys.lend", Staff, "/api/v1/key-loans", lend).await;
                let Some(loan) = loan else { return };
                self.post("keys.chase", Staff, &format!("/api/v1/key-loans/{}/chases", loan["id"]), json!({"note": "已电话提醒"})).await;
                self.post("keys.return", Staff, &format!("/api/v1/key-loans/{}/return", loan["id"]), json!({"returned_quantity": 1})).await;
                if n % 12 == 6 {
                    let inc = self.post("keys.incident", Staff, "/api/v1/key-incidents", json!({"key_id": k["id"], "kind": "lost", "description": "柜内少一把"})).await;
                    if let Some(inc) = inc {
                        self.post("keys.resolution", Supervisor, &format!("/api/v1/key-incidents/{}/resolution", inc["id"]), json!({"consent_from": "developer", "action": "duplicate_key", "outcome": "已配"})).await;
                    }
                    self.post("keys.collect", Staff, &format!("/api/v1/keys/{}/collect", k["id"]), json!({"collector_name": "张伟", "id_document_kind": "id_card", "id_document_no": "110101199001011234", "collector_signature": "张伟"})).await;
                }
            }
            7 => {
                self.post("keys.entrust", Staff, "/api/v1/key-entrustments", json!({"unit": format!("D栋{u}"), "customer_name": "李娜", "key_count": 2, "reason": "出差", "collection_requirements": "本人凭身份证", "disclaimer_accepted": true, "customer_signature": "李娜"})).await;
            }
            8 => {
                let unit = self
                    .post("vacant.create", Supervisor, "/api/v1/vacant-units", json!({"unit": format!("E栋{u}"), "building": "E栋", "floor": "2", "room": format!("{u}"), "taken_over_on": "2026-03-01", "finish": "standard"}))
                    .await;
                let Some(unit) = unit else { return };
                let anomaly = if u % 4 == 0 { json!({"description": "窗户漏水"}) } else { Value::Null };
                self.post("vacant.care", Staff, &format!("/api/v1/vacant-units/{}/care-records", unit["id"]), json!({"performed_at": ts(now), "tasks": ["ventilation", "cleaning_request"], "anomaly": anomaly})).await;
                if u % 5 == 0 {
                    self.post("vacant.sold", Supervisor, &format!("/api/v1/vacant-units/{}/sold", unit["id"]), json!({"sold_on": today})).await;
                }
            }
            9 => {
                self.post("vacant.status_table", Staff, "/api/v1/vacant-units/status-tables", json!({"month": now.format("%Y-%m").to_string()})).await;
                let year = 2030 + (u % 50) as i32;
                let plan = self.post("vacant.plan", Supervisor, "/api/v1/maintenance-plans", json!({"year": year, "items": [{"item": "防潮", "frequency": "每月", "measures": "除湿", "budget_cents": 50000}]})).await;
                if let Some(p) = plan {
                    self.post("vacant.plan_submit", Supervisor, &format!("/api/v1/maintenance-plans/{}/submit", p["id"]), json!({})).await;
                }
            }
            10 => {
                let user = self
                    .post("users.create", Manager, "/api/v1/users", json!({"username": format!("soak-{u}"), "password": "long-enough-password", "display_name": "临时", "role": "staff"}))
                    .await;
                if let Some(user) = user {
                    self.call("users.update", Method::PATCH, &format!("/api/v1/users/{}", user["id"]), self.app.token(Manager), json!({"display_name": "临时工", "active": false})).await;
                }
                self.post("archive.box", DeputySupervisor, "/api/v1/archive-boxes", json!({"org_code": format!("S{u}"), "category": "客户档案"})).await;
            }
            _ => {
                let res = self.app.raw(Method::POST, "/api/v1/auth/login", None, Some(&json!({"username": "staff-1", "password": common::PASSWORD})), &[]).await;
                let mut t = self.tally.lock().unwrap();
                match res.status {
                    200 | 429 => t.steps.entry("login").or_default().0 += 1,
                    s if s >= 500 => t.server_errors.push(format!("login → {s}: {}", res.text)),
                    _ => t.steps.entry("login").or_default().1 += 1,
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_clients_writing_everywhere_get_no_5xx_and_every_invariant_holds() {
    let secs: u64 = std::env::var("FAULT_SOAK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let app = common::spawn_with(&[("DB_POOL_SIZE", "16")]).await;
    let now = Utc::now();
    let shift = app
        .post(Role::DeputySupervisor, "/api/v1/duty/shifts", json!({"staff_id": app.user_id(Role::Staff), "post": "一楼服务台", "starts_at": ts(now - Days::hours(1)), "ends_at": ts(now + Days::hours(7))}))
        .await;
    shift.assert(201);
    let quarter = format!("{}-Q{}", now.format("%Y"), (now.format("%m").to_string().parse::<u32>().unwrap() - 1) / 3 + 1);
    let round = app.post(Role::DeputySupervisor, "/api/v1/census-rounds", json!({"quarter": quarter})).await;
    round.assert(201);
    let audit_before = count_audit(&app).await;
    let soak = Arc::new(Soak { staff_shift: shift.id(), census_round: round.id(), unique: AtomicU64::new(0), tally: Mutex::default(), app });

    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut clients = Vec::new();
    for c in 0..200usize {
        let soak = soak.clone();
        clients.push(tokio::spawn(async move {
            let mut n = c;
            while Instant::now() < deadline {
                soak.flow(n).await;
                n += 1;
            }
        }));
    }
    for c in clients {
        c.await.expect("client");
    }

    let tally = std::mem::take(&mut *soak.tally.lock().unwrap());
    let report: Vec<String> = tally.steps.iter().map(|(k, (ok, no))| format!("{k}: {ok} ok, {no} refused")).collect();
    eprintln!("soak for {secs} s, {} writes accepted:\n  {}", tally.writes_ok, report.join("\n  "));
    eprintln!("first refusals: {:#?}", tally.refusals);
    assert!(tally.server_errors.is_empty(), "{} server errors, first: {:?}", tally.server_errors.len(), &tally.server_errors[..tally.server_errors.len().min(5)]);
    for (step, (ok, _)) in &tally.steps {
        assert!(*ok > 0, "step {step} never succeeded, so it was not exercised: {report:?}");
    }
    assert!(tally.steps.len() >= 40, "every write endpoint is exercised: {report:?}");

    let app = &soak.app;
    let (client, base) = (&app.client, app.base.as_str());
    assert_duty_chain_holds(client, base, app.token(Role::DeputySupervisor)).await;
    assert_key_counts_hold(client, base, app.token(Role::DeputySupervisor)).await;
    // Every accepted write left its audit event (some writes leave more than one).
    let audit_after = count_audit(app).await;
    assert!(audit_after - audit_before >= tally.writes_ok as i64, "{} audit events for {} writes", audit_after - audit_before, tally.writes_ok);
    // Census progress agrees with its entries; every reviewed follow-up has its result.
    let round = app.get(Role::Staff, &format!("/api/v1/census-rounds/{}", soak.census_round)).await;
    assert_eq!(round.body["covered"].as_u64(), Some(tally.steps.get("files.census").map_or(0, |s| s.0)));
    let mut reviewed = all_items(client, base, "/api/v1/follow-ups?status=reviewed", app.token(Role::Supervisor)).await;
    reviewed.extend(all_items(client, base, "/api/v1/follow-ups?status=closed", app.token(Role::Supervisor)).await);
    assert!(!reviewed.is_empty());
    for f in reviewed {
        assert!(f["visited_at"].is_string() && f["qualified"].is_boolean(), "a reviewed follow-up without its result: {f}");
    }
}

async fn count_audit(app: &TestApp) -> i64 {
    use mall_service::db::schema::audit_events::dsl;
    app.state.db(|c| Ok(dsl::audit_events.count().get_result::<i64>(c)?)).await.unwrap()
}
