//! When queued mail is tried again, when the sender gives up, and how often one editor may be
//! reminded about one round. Pure rules: the outbox store and the sender apply them.

use chrono::{Duration, NaiveDateTime};

/// After this many failed attempts a mail is given up (about 15 hours of retrying).
pub const MAX_ATTEMPTS: i32 = 20;

/// One reminder per recipient and round within this many hours.
pub const REMINDER_COOLDOWN_HOURS: i64 = 12;

/// The wait after the `attempts`-th failed attempt (1, 2, 3 …): one minute, doubling up to an
/// hour.
pub fn retry_delay(attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 6)).unwrap_or(6);
    Duration::minutes((1_i64 << doublings).min(60))
}

/// What becomes of a mail whose attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Tried again at this time.
    RetryAt(NaiveDateTime),
    /// Not tried again: the server refused it for good, or it was tried too often.
    GiveUp,
}

/// The decision after the `attempts`-th attempt (counting this one) failed at `now`;
/// `permanent` when the server refused the message for good (a 5xx reply, a bad address).
pub fn after_failure(attempts: i32, permanent: bool, now: NaiveDateTime) -> AfterFailure {
    if permanent || attempts >= MAX_ATTEMPTS {
        AfterFailure::GiveUp
    } else {
        AfterFailure::RetryAt(now + retry_delay(attempts))
    }
}

/// How long the sender leaves a mail server alone after it could not talk to it at all (no
/// connection, no answer): 30 seconds, doubling with each failure in a row up to 15 minutes.
/// Mails wait meanwhile instead of each waiting out the timeout.
pub fn server_pause(failures_in_a_row: u32) -> Duration {
    let doublings = failures_in_a_row.saturating_sub(1).min(5);
    Duration::seconds((30_i64 << doublings).min(15 * 60))
}

/// When a recipient last reminded at `last` may be reminded again.
pub fn reminder_again_at(last: NaiveDateTime) -> NaiveDateTime {
    last + Duration::hours(REMINDER_COOLDOWN_HOURS)
}

/// Whether a recipient last reminded at `last` may be reminded at `now`.
pub fn may_remind(last: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    last.is_none_or(|last| now >= reminder_again_at(last))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    #[test]
    fn retries_wait_longer_each_time_up_to_an_hour_and_stop_after_the_last_attempt() {
        let waits: Vec<i64> = (1..=9).map(|a| retry_delay(a).num_minutes()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(
            after_failure(1, false, at(10, 0)),
            AfterFailure::RetryAt(at(10, 1))
        );
        assert_eq!(after_failure(3, true, at(10, 0)), AfterFailure::GiveUp);
        assert_eq!(
            after_failure(MAX_ATTEMPTS - 1, false, at(10, 0)),
            AfterFailure::RetryAt(at(11, 0))
        );
        assert_eq!(
            after_failure(MAX_ATTEMPTS, false, at(10, 0)),
            AfterFailure::GiveUp
        );
        let total: i64 = (1..MAX_ATTEMPTS)
            .map(|a| retry_delay(a).num_minutes())
            .sum();
        assert!((12 * 60..=18 * 60).contains(&total), "{total} minutes");
    }

    #[test]
    fn a_silent_server_is_left_alone_longer_each_time_up_to_a_quarter_of_an_hour() {
        let pauses: Vec<i64> = (1..=8).map(|f| server_pause(f).num_seconds()).collect();
        assert_eq!(pauses, [30, 60, 120, 240, 480, 900, 900, 900]);
    }

    #[test]
    fn a_recipient_is_reminded_again_twelve_hours_after_the_last_reminder() {
        assert!(may_remind(None, at(10, 0)));
        assert!(!may_remind(Some(at(0, 0)), at(11, 59)));
        assert!(may_remind(Some(at(0, 0)), at(12, 0)));
        assert_eq!(reminder_again_at(at(1, 30)), at(13, 30));
    }
}
