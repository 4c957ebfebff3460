//! The round analysis, computed once per change rather than per request.
//!
//! Entries are keyed by round and by the database's data version, which every write bumps in
//! its own transaction: a process never serves an analysis older than the data it can read,
//! and several processes on one database stay consistent without talking to each other.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::domain::analysis::RoundAnalysis;
use crate::store::{self, rounds, DbConnection};

#[derive(Debug, Default)]
pub struct SummaryCache {
    entries: Mutex<HashMap<i32, (i64, Arc<RoundAnalysis>)>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl SummaryCache {
    /// The round's analysis at the current data version, computed if not cached yet.
    pub fn round(
        &self,
        conn: &mut DbConnection,
        round_id: i32,
    ) -> diesel::QueryResult<Option<Arc<RoundAnalysis>>> {
        let version = store::data_version(conn)?;
        if let Ok(entries) = self.entries.lock() {
            if let Some((cached_version, view)) = entries.get(&round_id) {
                if *cached_version == version {
                    self.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(Some(Arc::clone(view)));
                }
            }
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let Some(view) = rounds::analyse_round(conn, round_id)? else {
            return Ok(None);
        };
        let view = Arc::new(view);
        if let Ok(mut entries) = self.entries.lock() {
            // Keep only current entries: a stale version is never read again.
            entries.retain(|_, (v, _)| *v == version);
            entries.insert(round_id, (version, Arc::clone(&view)));
        }
        Ok(Some(view))
    }

    /// How many lookups were served from the cache, and how many computed the analysis.
    pub fn lookups(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}
