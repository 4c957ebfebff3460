//! Dates and times as Danish readers see them: Europe/Copenhagen, "23. november 2026 kl. 14.05".

use chrono::{Datelike, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::Europe::Copenhagen;

const MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];

fn local(utc: NaiveDateTime) -> chrono::DateTime<chrono_tz::Tz> {
    Copenhagen.from_utc_datetime(&utc)
}

/// "23. november 2026", in Copenhagen time.
pub fn danish_date(utc: NaiveDateTime) -> String {
    let t = local(utc);
    let month = MONTHS.get(t.month0() as usize).copied().unwrap_or("");
    format!("{}. {} {}", t.day(), month, t.year())
}

/// "23. november 2026 kl. 14.05", in Copenhagen time.
pub fn danish_datetime(utc: NaiveDateTime) -> String {
    let t = local(utc);
    format!("{} kl. {:02}.{:02}", danish_date(utc), t.hour(), t.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn winter_time_is_utc_plus_one() {
        assert_eq!(
            danish_datetime(utc(2026, 11, 23, 13, 5)),
            "23. november 2026 kl. 14.05"
        );
    }

    #[test]
    fn summer_time_is_utc_plus_two_and_can_change_the_date() {
        assert_eq!(
            danish_datetime(utc(2017, 6, 30, 22, 30)),
            "1. juli 2017 kl. 00.30"
        );
        assert_eq!(danish_date(utc(2017, 12, 18, 9, 0)), "18. december 2017");
    }
}
