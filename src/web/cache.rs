//! The round aggregation, computed once per change rather than per request.
//!
//! Entries are keyed by round and by the database's data version, which every write bumps in
//! its own transaction: a process never serves a summary older than the data it can read,
//! and several processes on one database stay consistent without talking to each other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::domain::summary::Summary;
use crate::domain::trend::{trend, Trend};
use crate::domain::{summarise, RoundData};
use crate::store::{self, rounds, DbConnection};

/// A round's data with its aggregation and trend.
#[derive(Debug)]
pub struct RoundView {
    pub data: RoundData,
    pub summary: Summary,
    pub trend: Trend,
    /// The earlier rounds of the same KKR, oldest first.
    pub earlier: Vec<RoundData>,
}

#[derive(Debug, Default)]
pub struct SummaryCache {
    entries: Mutex<HashMap<i32, (i64, Arc<RoundView>)>>,
}

impl SummaryCache {
    /// The round's view at the current data version, computed if not cached yet.
    pub fn round(
        &self,
        conn: &mut DbConnection,
        round_id: i32,
    ) -> diesel::QueryResult<Option<Arc<RoundView>>> {
        let version = store::data_version(conn)?;
        if let Ok(entries) = self.entries.lock() {
            if let Some((cached_version, view)) = entries.get(&round_id) {
                if *cached_version == version {
                    return Ok(Some(Arc::clone(view)));
                }
            }
        }
        let Some(data) = rounds::load_round_data(conn, round_id)? else {
            return Ok(None);
        };
        let earlier =
            rounds::earlier_rounds_data(conn, data.content.round.kkr_id, data.content.round.year)?;
        let summary = summarise(&data);
        let trend = trend(&data, &summary, &earlier);
        let view = Arc::new(RoundView {
            data,
            summary,
            trend,
            earlier,
        });
        if let Ok(mut entries) = self.entries.lock() {
            // Keep only current entries: a stale version is never read again.
            entries.retain(|_, (v, _)| *v == version);
            entries.insert(round_id, (version, Arc::clone(&view)));
        }
        Ok(Some(view))
    }
}
