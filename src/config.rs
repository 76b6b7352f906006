//! Settings from the environment (and an optional `.env`), validated once at start.

use std::fmt;

use chrono_tz::Tz;

/// Where the data lives; chosen from the URL scheme so a bad URL fails loudly.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(String),
}

impl fmt::Debug for DatabaseUrl {
    // Never print a PostgreSQL URL: it may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Postgres(_) => write!(f, "Postgres(<redacted>)"),
            DatabaseUrl::Sqlite(p) => write!(f, "Sqlite({p})"),
        }
    }
}

impl DatabaseUrl {
    /// `postgres://` / `postgresql://` select PostgreSQL; `sqlite://path`, `sqlite:path` or a
    /// plain file path select SQLite. Anything else with a scheme is refused.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("DATABASE_URL is empty".into());
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(raw.to_string()));
        }
        if let Some(path) = raw.strip_prefix("sqlite://").or_else(|| raw.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err("DATABASE_URL sqlite:// needs a file path".into());
            }
            return Ok(DatabaseUrl::Sqlite(path.to_string()));
        }
        if raw.starts_with("postgres") || raw.contains("://") || raw.contains(':') && !raw.contains('/') {
            return Err(format!(
                "DATABASE_URL has an unsupported scheme (use postgres://… or sqlite://path): {}",
                raw.split(':').next().unwrap_or_default()
            ));
        }
        Ok(DatabaseUrl::Sqlite(raw.to_string()))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Postgres(_) => "postgres",
            DatabaseUrl::Sqlite(_) => "sqlite",
        }
    }
}

#[derive(Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub bind_addr: String,
    pub jwt_secret: String,
    pub token_ttl_minutes: i64,
    pub admin_username: Option<String>,
    pub admin_password: Option<String>,
    pub dev_mode: bool,
    pub timezone: Tz,
    pub cors_allowed_origins: Vec<String>,
    pub body_limit_bytes: usize,
    pub db_pool_size: u32,
    /// Connections kept open while idle (0 opens them on demand only).
    pub db_min_idle: u32,
    /// Argon2 hashes (login, password set) computed at once; as many again × 4 may queue,
    /// the rest get 429. Default: half the cores, so logins never take every core.
    pub hash_concurrency: usize,
    pub workers: Option<usize>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &self.database_url)
            .field("bind_addr", &self.bind_addr)
            .field("jwt_secret", &"<redacted>")
            .field("token_ttl_minutes", &self.token_ttl_minutes)
            .field("admin_username", &self.admin_username)
            .field("dev_mode", &self.dev_mode)
            .field("timezone", &self.timezone)
            .field("cors_allowed_origins", &self.cors_allowed_origins)
            .field("body_limit_bytes", &self.body_limit_bytes)
            .field("db_pool_size", &self.db_pool_size)
            .finish()
    }
}

pub const MIN_SECRET_LEN: usize = 32;

impl Settings {
    /// Reads the process environment. `APP_ENV=dev` (the default of a debug build) allows a
    /// missing `JWT_SECRET`; any other mode refuses to start without a strong one.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let get = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let app_env = get("APP_ENV").unwrap_or_else(|| {
            if cfg!(debug_assertions) { "dev".into() } else { "production".into() }
        });
        let dev_mode = match app_env.as_str() {
            "dev" | "development" | "test" => true,
            "prod" | "production" | "staging" => false,
            other => return Err(format!("APP_ENV must be dev or production, got {other:?}")),
        };
        let database_url =
            DatabaseUrl::parse(&get("DATABASE_URL").unwrap_or_else(|| "sqlite://./data/mall.db".into()))?;
        let jwt_secret = match get("JWT_SECRET") {
            Some(s) if s.len() >= MIN_SECRET_LEN => s,
            Some(_) if dev_mode => {
                tracing::warn!("JWT_SECRET is shorter than {MIN_SECRET_LEN} bytes; accepted only because APP_ENV=dev");
                get("JWT_SECRET").unwrap_or_default()
            }
            Some(_) => {
                return Err(format!(
                    "JWT_SECRET must be at least {MIN_SECRET_LEN} bytes outside dev mode (APP_ENV=dev)"
                ))
            }
            None if dev_mode => {
                tracing::warn!("JWT_SECRET is not set: using a random secret (dev mode); tokens die with the process");
                random_secret()
            }
            None => {
                return Err("JWT_SECRET is required outside dev mode: set a random string of 32+ bytes, \
                            or APP_ENV=dev for local use"
                    .into())
            }
        };
        let token_ttl_minutes = parse_num("TOKEN_TTL_MINUTES", get("TOKEN_TTL_MINUTES"), 480i64, 1, 60 * 24 * 30)?;
        let timezone: Tz = get("APP_TIMEZONE")
            .unwrap_or_else(|| "Asia/Shanghai".into())
            .parse()
            .map_err(|_| "APP_TIMEZONE is not an IANA time zone name (e.g. Asia/Shanghai)".to_string())?;
        let cors_allowed_origins = get("CORS_ALLOWED_ORIGINS")
            .map(|v| v.split(',').map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect())
            .unwrap_or_default();
        let db_pool_size = parse_num("DB_POOL_SIZE", get("DB_POOL_SIZE"), default_pool_size(&database_url), 1, 256)?;
        Ok(Settings {
            database_url,
            bind_addr: get("BIND_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into()),
            jwt_secret,
            token_ttl_minutes,
            admin_username: get("ADMIN_USERNAME"),
            admin_password: get("ADMIN_PASSWORD"),
            dev_mode,
            timezone,
            cors_allowed_origins,
            body_limit_bytes: parse_num("BODY_LIMIT_BYTES", get("BODY_LIMIT_BYTES"), 1_048_576usize, 1024, 64 << 20)?,
            db_pool_size,
            db_min_idle: parse_num("DB_MIN_IDLE", get("DB_MIN_IDLE"), 1u32, 0, 256)?,
            workers: get("WORKERS").map(|w| parse_num("WORKERS", Some(w), 2usize, 1, 256)).transpose()?,
            hash_concurrency: parse_num("HASH_CONCURRENCY", get("HASH_CONCURRENCY"), default_hash_concurrency(), 1, 256)?,
        })
    }
}

/// SQLite work is CPU-bound in this process: two connections per core serve more requests
/// per second (and hold less page cache) than sixteen that take turns (bench/RESULTS.md).
/// PostgreSQL connections also wait on the network, so more of them pay off.
fn default_pool_size(url: &DatabaseUrl) -> u32 {
    match url {
        DatabaseUrl::Sqlite(_) => std::thread::available_parallelism().map_or(4, |n| (2 * n.get() as u32).max(4)),
        DatabaseUrl::Postgres(_) => 16,
    }
}

fn default_hash_concurrency() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

fn parse_num<T>(name: &str, raw: Option<String>, default: T, min: T, max: T) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    match raw {
        None => Ok(default),
        Some(v) => match v.parse::<T>() {
            Ok(n) if n >= min && n <= max => Ok(n),
            _ => Err(format!("{name} must be a number between {min} and {max}, got {v:?}")),
        },
    }
}

pub fn random_secret() -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::thread_rng().gen();
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn production_refuses_a_missing_or_weak_secret() {
        assert!(settings(&[("APP_ENV", "production")]).unwrap_err().contains("JWT_SECRET"));
        assert!(settings(&[("APP_ENV", "production"), ("JWT_SECRET", "short")]).is_err());
        let ok = settings(&[("APP_ENV", "production"), ("JWT_SECRET", &"x".repeat(40))]).unwrap();
        assert!(!ok.dev_mode);
    }

    #[test]
    fn dev_mode_generates_a_random_secret() {
        let a = settings(&[("APP_ENV", "dev")]).unwrap();
        let b = settings(&[("APP_ENV", "dev")]).unwrap();
        assert!(a.jwt_secret.len() >= MIN_SECRET_LEN);
        assert_ne!(a.jwt_secret, b.jwt_secret);
    }

    #[test]
    fn database_url_scheme_selects_the_backend() {
        assert_eq!(DatabaseUrl::parse("postgres://u@h/db").unwrap().backend_name(), "postgres");
        assert_eq!(DatabaseUrl::parse("postgresql://h/db").unwrap().backend_name(), "postgres");
        assert_eq!(DatabaseUrl::parse("sqlite://./data/x.db").unwrap(), DatabaseUrl::Sqlite("./data/x.db".into()));
        assert_eq!(DatabaseUrl::parse("./x.db").unwrap(), DatabaseUrl::Sqlite("./x.db".into()));
        // STACK.md: `postgresql:name` without `//` must not silently become a SQLite file.
        assert!(DatabaseUrl::parse("postgresql:test").is_err());
        assert!(DatabaseUrl::parse("mysql://h/db").is_err());
    }

    #[test]
    fn bad_numbers_and_time_zones_are_refused() {
        assert!(settings(&[("APP_ENV", "dev"), ("TOKEN_TTL_MINUTES", "-5")]).is_err());
        assert!(settings(&[("APP_ENV", "dev"), ("APP_TIMEZONE", "Mars/Base")]).is_err());
        assert_eq!(settings(&[("APP_ENV", "dev")]).unwrap().timezone, chrono_tz::Asia::Shanghai);
    }
}
