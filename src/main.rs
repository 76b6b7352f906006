//! CLI: `serve` (default) | `create-user` | `print-openapi`.

use std::net::TcpListener;
use std::process::ExitCode;

use mall_service::auth::{password, store, Role};
use mall_service::config::Settings;
use mall_service::AppState;
use tracing_subscriber::EnvFilter;

const USAGE: &str = "usage:
  mall-service [serve]
  mall-service create-user --username NAME --password PASSWORD --display-name NAME --role ROLE
  mall-service print-openapi [FILE]      (stdout when FILE is omitted)
  mall-service seed [--scale 1.0]         (benchmark volume; accounts seed-staff … seed-manager)
Configuration comes from the environment (and .env): see README.md.";

fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    init_tracing();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None | Some("serve") => serve(),
        Some("create-user") => create_user(&args[1..]),
        Some("print-openapi") => print_openapi(args.get(1)),
        Some("seed") => seed(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other:?}\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            tracing::error!("{msg}");
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    if std::env::var("LOG_FORMAT").is_ok_and(|v| v == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Allocations of 1 MiB and more (Argon2's 19 MiB working memory) are mapped and unmapped
/// on their own: glibc's adaptive threshold otherwise moves them into its heaps after the first
/// free, where a login flood left ~800 MB resident for good. And two malloc arenas per core
/// instead of eight: each blocking thread otherwise keeps an arena of its own half-empty
/// (peak RSS 110 -> 86 MB under the benchmark; bench/RESULTS.md).
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        libc::mallopt(libc::M_ARENA_MAX, (2 * cores).min(64) as libc::c_int);
    }
}

fn serve() -> Result<(), String> {
    tune_allocator();
    let settings = Settings::from_env()?;
    tracing::info!(backend = settings.database_url.backend_name(), dev_mode = settings.dev_mode, "starting");
    let bind = settings.bind_addr.clone();
    let state = AppState::new(settings)?;
    let listener = TcpListener::bind(&bind).map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    tracing::info!("listening on http://{bind} (Swagger UI at /swagger-ui/)");
    actix_web::rt::System::new().block_on(async move {
        mall_service::run(listener, state).map_err(|e| e.to_string())?.await.map_err(|e| e.to_string())
    })
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.windows(2).find(|w| w[0] == name).map(|w| w[1].as_str())
}

fn create_user(args: &[String]) -> Result<(), String> {
    let need = |name: &str| flag(args, name).ok_or_else(|| format!("{name} is required\n{USAGE}"));
    let username = need("--username")?.to_string();
    let pw = need("--password")?;
    let display_name = need("--display-name")?.to_string();
    let role = Role::parse(need("--role")?).ok_or("--role must be staff, deputy_supervisor, supervisor or manager")?;
    if pw.len() < password::MIN_PASSWORD_LEN {
        return Err("--password must be at least 10 characters".into());
    }
    let settings = Settings::from_env()?;
    let pool = mall_service::db::connect(&settings.database_url, 1, 0)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let new = store::NewUser {
        username,
        password_hash: password::hash(pw).map_err(|e| e.to_string())?,
        display_name,
        role,
        phone: None,
        department: None,
    };
    let user = store::create(&mut conn, None, new).map_err(|e| e.problem().detail)?;
    println!("created user {} (id {}, role {})", user.username, user.id, user.role);
    Ok(())
}

fn seed(args: &[String]) -> Result<(), String> {
    let scale: f64 = flag(args, "--scale").map(|s| s.parse().map_err(|_| "--scale must be a number")).transpose()?.unwrap_or(1.0);
    if !(0.0001..=10.0).contains(&scale) {
        return Err("--scale must be between 0.0001 and 10".into());
    }
    let settings = Settings::from_env()?;
    let pool = mall_service::db::connect(&settings.database_url, 1, 0)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let report = mall_service::seed::seed(&mut conn, scale, settings.timezone).map_err(|e| e.to_string())?;
    println!("{} in {:.1} s", serde_json::to_string(&report).unwrap_or_default(), started.elapsed().as_secs_f64());
    Ok(())
}

fn print_openapi(file: Option<&String>) -> Result<(), String> {
    let json = mall_service::openapi().to_pretty_json().map_err(|e| e.to_string())? + "\n";
    match file {
        Some(path) => std::fs::write(path, json).map_err(|e| format!("cannot write {path}: {e}")),
        None => {
            print!("{json}");
            Ok(())
        }
    }
}
