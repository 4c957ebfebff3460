//! The application's one clock. Deadlines are checked against it, so tests can move past a
//! deadline without sleeping: a clone shares the same time, and `advance` moves them all.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{NaiveDateTime, SubsecRound};

/// The system time in UTC plus an offset that tests may move. Clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock, not moved.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Now, UTC, as stored: whole microseconds (what both backends keep).
    pub fn now(&self) -> NaiveDateTime {
        (chrono::Utc::now().naive_utc()
            + chrono::Duration::seconds(self.offset_seconds.load(Ordering::Relaxed)))
        .trunc_subsecs(6)
    }

    /// Now as seconds since 1970 (what a session cookie stores).
    pub fn timestamp(&self) -> i64 {
        self.now().and_utc().timestamp()
    }

    /// Moves this clock (and every clone of it) forward by `by` (backward when negative).
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_seconds
            .fetch_add(by.num_seconds(), Ordering::Relaxed);
    }

    /// Sets this clock (and every clone of it) so that it reads `to` now; it runs on from there.
    pub fn set(&self, to: NaiveDateTime) {
        let offset = (to - chrono::Utc::now().naive_utc()).num_seconds();
        self.offset_seconds.store(offset, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_time_they_are_moved_to() {
        let clock = Clock::system();
        let shared = clock.clone();
        let before = shared.now();
        clock.advance(chrono::Duration::days(40));
        let moved = shared.now() - before;
        assert!(moved >= chrono::Duration::days(40));
        assert!(moved < chrono::Duration::days(40) + chrono::Duration::minutes(1));
        let target = chrono::NaiveDate::from_ymd_opt(2017, 12, 2)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        shared.set(target);
        assert!((clock.now() - target).num_seconds().abs() <= 1);
    }
}
