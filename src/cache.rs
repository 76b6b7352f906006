//! Read-through caches of whole answers that are read far more often than their data changes
//! (the C-4 catalog, the F-3/F-9 statistics of a month).
//!
//! Each cache belongs to a *topic* with a version in `data_versions`, bumped by database
//! triggers on every insert, update or delete of the tables behind the answer. A read asks
//! for the current version (one primary-key lookup) and serves the cached answer only when it
//! was computed under that version, so a change is seen at once: made through this process,
//! another instance, or a tool writing to the database directly.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use diesel::prelude::*;

use crate::db::schema::data_versions;
use crate::db::DbConn;
use crate::error::ApiError;

/// Answers kept per cache; beyond it the cache starts over (catalog pages are ~10 KB each).
const CAPACITY: usize = 512;

pub struct VersionedCache<K, V> {
    topic: &'static str,
    slots: Mutex<HashMap<K, (i64, Arc<V>)>>,
}

impl<K: Eq + Hash, V> VersionedCache<K, V> {
    pub fn new(topic: &'static str) -> Self {
        VersionedCache { topic, slots: Mutex::new(HashMap::new()) }
    }

    /// The answer for `key` under the topic's current version, computed by `load` when absent.
    /// The version is read before loading, so an answer computed while a write lands is filed
    /// under the older version and recomputed by the next reader.
    pub fn get_or_load(&self, conn: &mut DbConn, key: K, load: impl FnOnce(&mut DbConn) -> Result<V, ApiError>) -> Result<Arc<V>, ApiError> {
        let version = current_version(conn, self.topic)?;
        if let Some((v, answer)) = self.lock().get(&key) {
            if *v == version {
                return Ok(answer.clone());
            }
        }
        let answer = Arc::new(load(conn)?);
        let mut slots = self.lock();
        if slots.len() >= CAPACITY {
            slots.clear();
        }
        slots.insert(key, (version, answer.clone()));
        Ok(answer)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (i64, Arc<V>)>> {
        self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub fn current_version(conn: &mut DbConn, topic: &str) -> Result<i64, ApiError> {
    Ok(data_versions::table.find(topic).select(data_versions::version).first(conn)?)
}

/// The caches of one running service (one database).
pub struct Caches {
    /// Key: building, search text, page, per page.
    pub catalog: VersionedCache<(Option<String>, Option<String>, i64, i64), crate::customer_files::api::CachedPage>,
    /// Key: the month.
    pub follow_up_stats: VersionedCache<String, crate::follow_ups::stats_store::Stats>,
    /// How many customer files there are (C-6 census progress on the agenda).
    pub file_count: VersionedCache<(), i64>,
}

impl Default for Caches {
    fn default() -> Self {
        Caches {
            catalog: VersionedCache::new("customer_files"),
            follow_up_stats: VersionedCache::new("follow_up_stats"),
            file_count: VersionedCache::new("customer_files"),
        }
    }
}
