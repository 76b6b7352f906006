#!/usr/bin/env python3
"""Benchmarks the release binary on SQLite and PostgreSQL with seeded data (issue #9).

Run through `bench/run`, which installs wrk and builds the binary first. For each backend:
seed a fresh database, start the server, prepare tokens, a grant, a shift and keys through
the API, then run every endpoint with wrk (64 connections) at least twice, interleaved, so
that noise spreads over all of them. The better run is reported with the spread between
runs, and every figure is divided by `/healthz` measured in the same pass. Writes the
tables into bench/RESULTS.md and README.md between `<!-- bench:begin -->` markers.

Environment: BENCH_DURATION (wrk -d, default 10s), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
BENCH_RUNS (2), BENCH_SCALE (seed scale, 1.0), BENCH_BACKENDS ("sqlite postgres"),
BENCH_PG_ADMIN_URL (postgres://postgres@127.0.0.1:5432/test), BENCH_PORT (18080),
BENCH_NO_WRITE=1 to print the tables without touching RESULTS.md/README.md.
"""

import datetime
import json
import os
import platform
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get('BENCH_BIN', ROOT / 'target' / 'release' / 'mall-service'))
WORK = ROOT / "target" / "bench"
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
RUNS = max(2, int(os.environ.get("BENCH_RUNS", "2")))
SCALE = os.environ.get("BENCH_SCALE", "1.0")
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite postgres").split()
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/test")
PORT = int(os.environ.get("BENCH_PORT", "18080"))
BASE = f"http://127.0.0.1:{PORT}"
SEED_PASSWORD = "seed-password-123"

# (id, label, target kind) in report order; target kinds are checked on SQLite (issue #9).
ENDPOINTS = [
    ("healthz", "`GET /healthz` (ceiling)", None),
    ("login", "`POST /auth/login` (Argon2)", "login"),
    ("me", "`GET /auth/me`", "read50"),
    ("catalog1", "`GET /customer-files` page 1", "read50"),
    ("catalog400", "`GET /customer-files` page 400", "read50"),
    ("file", "`GET /customer-files/{id}` with a grant", "read"),
    ("stats", "`GET /follow-ups/stats`", "read20"),
    ("agenda", "`GET /agenda` (supervisor)", "read20"),
    ("log", "`POST /duty/log-entries`", "write10"),
    ("cycle", "key lend + return (`POST /key-loans`, `/return`)", "write"),
    ("me_flood", "`GET /auth/me` during a login flood", "flood"),
]


def log(msg):
    print(f"[bench {datetime.datetime.now():%H:%M:%S}] {msg}", flush=True)


def call(method, path, token=None, body=None, expect=(200, 201)):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            status, text = res.status, res.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    if status not in expect:
        raise RuntimeError(f"{method} {path} -> {status}: {text[:300]}")
    return json.loads(text) if text else None


def database_url(backend):
    if backend == "sqlite":
        return f"sqlite://{WORK / 'bench.db'}"
    head = PG_ADMIN.rsplit("/", 1)[0]
    return f"{head}/mall_bench"


def reset_database(backend):
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            p = Path(f"{WORK / 'bench.db'}{suffix}")
            if p.exists():
                p.unlink()
        return
    quiet = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
    subprocess.run(["psql", PG_ADMIN, "-q", "-c", "DROP DATABASE IF EXISTS mall_bench WITH (FORCE)"], check=True, env=quiet)
    subprocess.run(["psql", PG_ADMIN, "-q", "-c", "CREATE DATABASE mall_bench"], check=True)


def server_env(backend):
    env = dict(os.environ)
    env.update(
        APP_ENV="production",
        DATABASE_URL=database_url(backend),
        JWT_SECRET=secrets.token_hex(32),
        BIND_ADDR=f"127.0.0.1:{PORT}",
        RUST_LOG=os.environ.get("BENCH_RUST_LOG", "info,actix_server=warn"),
    )
    for k in ("ADMIN_USERNAME", "ADMIN_PASSWORD", "WORKERS", "DB_POOL_SIZE"):
        if f"BENCH_{k}" in os.environ:
            env[k] = os.environ[f"BENCH_{k}"]
    return env


def seed(backend, env):
    started = time.monotonic()
    out = subprocess.run([str(BIN), "seed", "--scale", SCALE], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"seed failed: {out.stderr[-2000:]}")
    secs = time.monotonic() - started
    log(f"{backend}: seeded in {secs:.1f} s")
    return secs


def start_server(env):
    logf = open(WORK / "server.log", "w")
    proc = subprocess.Popen([str(BIN), "serve"], env=env, stdout=logf, stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            if proc.poll() is None:
                call("GET", "/healthz")
                return proc
        except Exception:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {(WORK / 'server.log').read_text()[-2000:]}")
            time.sleep(0.1)
    raise RuntimeError("server did not come up")


def peak_rss_mb(proc):
    for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def login(username):
    return call("POST", "/api/v1/auth/login", body={"username": username, "password": SEED_PASSWORD})["access_token"]


def prepare():
    """Tokens, a granted file, a shift and keys of the benchmark's own, all through the API."""
    t = {r: login(f"seed-{r}") for r in ("staff", "deputy", "supervisor", "manager")}
    me = call("GET", "/api/v1/auth/me", t["staff"])
    file_id = call("GET", "/api/v1/customer-files?page=1&per_page=1", t["staff"])["items"][0]["id"]
    req = call("POST", f"/api/v1/customer-files/{file_id}/access-requests", t["staff"], {"reason": "benchmark read"})
    call("POST", f"/api/v1/file-access-requests/{req['id']}/approve", t["manager"])
    call("POST", f"/api/v1/file-access-requests/{req['id']}/register", t["deputy"])
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    # A shift of its own, in the future so it overlaps none (the database may be reused).
    start = now + datetime.timedelta(days=30, hours=9 * secrets.randbelow(100_000))
    shift = call(
        "POST",
        "/api/v1/duty/shifts",
        t["deputy"],
        {
            "staff_id": me["id"],
            "post": "压测岗",
            "starts_at": start.isoformat(),
            "ends_at": (start + datetime.timedelta(hours=8)).isoformat(),
        },
    )
    expected = (now + datetime.timedelta(days=1)).isoformat()
    lend_body = json.dumps(
        {
            "key_id": 0,
            "quantity": 1,
            "expected_return_at": expected,
            "reason": "压测借用",
            "borrower_name": "压测",
            "borrower_phone": "13800000000",
            "borrower_signature": "压测",
        },
        ensure_ascii=False,
    ).replace('"key_id": 0', '"key_id": %s')
    month = (now.date().replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    auth = "/api/v1/auth/login"
    login_body = json.dumps({"username": "seed-staff", "password": SEED_PASSWORD})
    log_body = json.dumps({"shift_id": shift["id"], "content": "压测：巡查一楼大堂，一切正常"}, ensure_ascii=False)
    get = lambda path, tok: {"BENCH_METHOD": "GET", "BENCH_PATH": path, "BENCH_TOKEN": tok}
    return {
        "healthz": get("/healthz", ""),
        "login": {"BENCH_METHOD": "POST", "BENCH_PATH": auth, "BENCH_BODY": login_body},
        "me": get("/api/v1/auth/me", t["staff"]),
        "catalog1": get("/api/v1/customer-files?page=1&per_page=50", t["staff"]),
        "catalog400": get("/api/v1/customer-files?page=400&per_page=50", t["staff"]),
        "file": get(f"/api/v1/customer-files/{file_id}", t["staff"]),
        "stats": get(f"/api/v1/follow-ups/stats?month={month}", t["supervisor"]),
        "agenda": get("/api/v1/agenda", t["supervisor"]),
        "log": {"BENCH_METHOD": "POST", "BENCH_PATH": "/api/v1/duty/log-entries", "BENCH_BODY": log_body, "BENCH_TOKEN": t["staff"]},
        "cycle": {
            "BENCH_MODE": "cycle",
            "BENCH_TOKEN": t["staff"],
            "BENCH_LEND_BODY": lend_body,
        },
        "me_flood": get("/api/v1/auth/me", t["staff"]),
        "_tokens": t,
    }


def fresh_keys(deputy):
    """Keys of the cycle's own, new for every run (a run ends with some still lent)."""
    tag = secrets.token_hex(3)
    return [
        call(
            "POST",
            "/api/v1/keys",
            deputy,
            {"key_no": f"BENCH-{tag}-{n:03}", "unit": f"压测-{n:03}", "source": "developer", "quantity": 1},
        )["id"]
        for n in range(100 * THREADS)
    ]


def wrk(spec, connections=CONNECTIONS, threads=THREADS, duration=DURATION):
    env = dict(os.environ)
    env.update({"BENCH_MODE": "fixed", "BENCH_BODY": "", "BENCH_THREADS": str(threads)})
    env.update(spec)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", "--timeout", "10s", "-s", str(ROOT / "bench" / "wrk.lua"), BASE]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def parse(proc):
    out, _ = proc.communicate()
    m = re.search(r"^BENCH (\{.*\})$", out, re.M)
    if not m:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    r = json.loads(m.group(1))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


def measure(name, spec):
    if name == "me_flood":
        # 64 connections hammer the login while 8 others read /auth/me.
        flood = wrk(spec["_login"], connections=CONNECTIONS, threads=1)
        time.sleep(0.5)
        r = parse(wrk(spec["me_flood"], connections=8, threads=1, duration=_shorter(DURATION)))
        f = parse(flood)
        r["flood_login_rps"], r["flood_login_non_2xx"] = f["rps"], f["non_2xx"]
        return r
    if name == "cycle":
        spec = dict(spec[name], BENCH_KEYS=",".join(map(str, fresh_keys(spec["_tokens"]["deputy"]))))
        return parse(wrk(spec))
    return parse(wrk(spec[name]))


def _shorter(duration):
    n = int(re.match(r"(\d+)", duration).group(1))
    return f"{max(2, n - 2)}s"


def bench_backend(backend):
    WORK.mkdir(parents=True, exist_ok=True)
    reset_database(backend)
    env = server_env(backend)
    seed_secs = seed(backend, env)
    proc = start_server(env)
    try:
        spec = prepare()
        spec["_login"] = spec["login"]
        results = {name: [] for name, _, _ in ENDPOINTS}
        for run in range(RUNS):
            for name, _, _ in ENDPOINTS:
                r = measure(name, spec)
                results[name].append(r)
                log(f"{backend} run {run + 1}: {name:<10} {r['rps']:9.1f} req/s  p50 {r['p50_us'] / 1000:7.2f} ms  p99 {r['p99_us'] / 1000:7.2f} ms  non-2xx {r['non_2xx']}")
        # Nothing was lost: every loan the cycle opened was returned or is still open and counted.
        verify = call("GET", "/api/v1/duty/log-entries/verify", spec["_tokens"]["deputy"])
        rss = peak_rss_mb(proc)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    log(f"{backend}: peak RSS {rss:.1f} MB; duty chain valid={verify['valid']} ({verify['entries_checked']} entries)")
    return {"results": results, "rss_mb": rss, "seed_secs": seed_secs, "chain": verify}


def summarize(runs):
    best = max(runs, key=lambda r: r["rps"])
    lo = min(r["rps"] for r in runs)
    best = dict(best)
    best["spread"] = (best["rps"] - lo) / best["rps"] * 100 if best["rps"] else 0.0
    best["all_rps"] = [r["rps"] for r in runs]
    return best


def target_check(kind, ratio, p99_ms):
    if kind is None:
        return "—"
    if kind == "login":
        return "reported (Argon2)"
    if kind == "flood":
        return f"p99 < 50 ms: {'✅' if p99_ms < 50 else '❌'}"
    need = {"read50": 0.5, "read20": 0.2, "write10": 0.1}.get(kind)
    parts = []
    if need is not None:
        parts.append(f"≥ {need:.0%}: {'✅' if ratio >= need else '❌'}")
    if kind.startswith("read"):
        parts.append(f"p99 < 50 ms: {'✅' if p99_ms < 50 else '❌'}")
    return ", ".join(parts) if parts else "—"


def table(backend, data):
    res = {k: summarize(v) for k, v in data["results"].items()}
    ceiling = res["healthz"]["rps"]
    lines = [
        f"#### {backend} — seeded in {data['seed_secs']:.0f} s, peak RSS {data['rss_mb']:.0f} MB"
        + (" ✅ (< 100 MB)" if data["rss_mb"] < 100 else " ❌ (≥ 100 MB)"),
        "",
        "| endpoint | req/s (best) | runs (spread) | vs `/healthz` | p50 ms | p99 ms | non-2xx | target |",
        "|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for name, label, kind in ENDPOINTS:
        r = res[name]
        ratio = r["rps"] / ceiling if ceiling else 0
        p99 = r["p99_us"] / 1000
        runs = " / ".join(f"{x:.0f}" for x in r["all_rps"])
        extra = ""
        if name == "cycle":
            extra = f" ({r['rps'] / 2:.0f} cycles/s)"
        if name == "login":
            extra = f" ({(r['requests'] - r['non_2xx']) / (r['duration_us'] / 1e6):.0f} logins/s, the rest 429)"
        if name == "me_flood":
            extra = f" (logins meanwhile {r['flood_login_rps']:.0f}/s, {r['flood_login_non_2xx']} × 429)"
        lines.append(
            f"| {label}{extra} | {r['rps']:.0f} | {runs} (±{r['spread']:.0f}%) | {ratio:.0%} | {r['p50_us'] / 1000:.2f} | {p99:.2f} | {r['non_2xx']} | {target_check(kind, ratio, p99)} |"
        )
    lines.append("")
    chain = data["chain"]
    lines.append(f"Duty chain after the run: valid = {str(chain['valid']).lower()}, {chain['entries_checked']} entries checked.")
    lines.append("")
    return "\n".join(lines)


def machine():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    wrkv = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, commit `{commit}`, {wrkv[0] if wrkv else 'wrk'}"


def replace_between(path, block):
    text = path.read_text()
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{begin}\n{block}\n{end}{tail}"
    else:
        text = f"{text.rstrip()}\n\n{begin}\n{block}\n{end}\n"
    path.write_text(text)


def main():
    if not BIN.exists():
        sys.exit(f"{BIN} is missing: run bench/run (it builds the release binary)")
    all_data = {}
    for backend in BACKENDS:
        log(f"=== {backend} ===")
        all_data[backend] = bench_backend(backend)
    header = (
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}; "
        f"wrk {THREADS} threads, {CONNECTIONS} connections, {DURATION} per run, {RUNS} interleaved runs per endpoint, "
        f"seed scale {SCALE}. wrk shares the machine's cores with the server. "
        "Ratios divide by `/healthz` of the same pass."
    )
    block = header + "\n\n" + "\n".join(table(b, d) for b, d in all_data.items())
    print(block)
    (WORK / "last.json").write_text(json.dumps(all_data, indent=1, default=str))
    if os.environ.get("BENCH_NO_WRITE") != "1":
        replace_between(ROOT / "bench" / "RESULTS.md", block)
        replace_between(ROOT / "README.md", block)
        log("wrote bench/RESULTS.md and README.md")


if __name__ == "__main__":
    main()
