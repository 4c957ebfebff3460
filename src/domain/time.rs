//! Dates and times as Danish readers see them: Europe/Copenhagen, "23. november 2026 kl. 14.05".

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike};
use chrono_tz::Europe::Copenhagen;

use super::model::InvalidValue;

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
    danish_day(copenhagen_day(utc))
}

/// The calendar day in Copenhagen at `utc`.
pub fn copenhagen_day(utc: NaiveDateTime) -> NaiveDate {
    local(utc).date_naive()
}

/// "18. december 2017" for a calendar date (a council meeting's, say).
pub fn danish_day(date: NaiveDate) -> String {
    let month = MONTHS.get(date.month0() as usize).copied().unwrap_or("");
    format!("{}. {} {}", date.day(), month, date.year())
}

/// "23. november 2026 kl. 14.05", in Copenhagen time.
pub fn danish_datetime(utc: NaiveDateTime) -> String {
    let t = local(utc);
    format!("{} kl. {:02}.{:02}", danish_date(utc), t.hour(), t.minute())
}

/// "1.12.2017 23.59", in Copenhagen time: how a deadline is prefilled in a field, and one of
/// the forms [`parse_deadline`] reads back.
pub fn deadline_input(utc: NaiveDateTime) -> String {
    let t = local(utc);
    format!(
        "{}.{}.{} {:02}.{:02}",
        t.day(),
        t.month(),
        t.year(),
        t.hour(),
        t.minute()
    )
}

const DEADLINE_EXAMPLE: &str = "fx 1.12.2017 23.59 eller 1. december 2017 kl. 23.59";

/// A deadline as a Danish reader writes it, in Copenhagen time, to UTC. Reads
/// "1.12.2017 23.59", "01-12-2017 kl. 23:59", "1. december 2017 kl. 23.59",
/// "2017-12-01T23:59" and "2017-12-01 23:59"; a date without a time means 23.59 that day.
pub fn parse_deadline(raw: &str) -> Result<NaiveDateTime, InvalidValue> {
    let shown: String = raw.trim().chars().take(40).collect();
    let bad = || {
        InvalidValue(format!(
            "«{shown}» kan ikke læses som dato og klokkeslæt; skriv fx {}",
            DEADLINE_EXAMPLE.trim_start_matches("fx ")
        ))
    };
    let mut text = raw
        .trim()
        .to_lowercase()
        .replace("kl.", " ")
        .replace(',', " ");
    if text.is_empty() {
        return Err(InvalidValue(format!(
            "Skriv en frist med dato og klokkeslæt, {DEADLINE_EXAMPLE}."
        )));
    }
    // ISO "2017-12-01t23:59" (lower-cased): the date and time are split at the t.
    if text.len() > 10 && text.as_bytes().get(10) == Some(&b't') && text.is_char_boundary(11) {
        text.replace_range(10..11, " ");
    }
    let mut tokens: Vec<&str> = text.split_whitespace().collect();
    let time = match tokens.as_slice() {
        [_, .., last] => match parse_clock(last) {
            Some(time) => {
                tokens.pop();
                time
            }
            None => end_of_day(),
        },
        _ => end_of_day(),
    };
    let date = parse_date(&tokens).ok_or_else(bad)?;
    if !(2000..=2100).contains(&date.year()) {
        return Err(InvalidValue(format!(
            "Året i fristen «{shown}» skal ligge mellem 2000 og 2100."
        )));
    }
    match Copenhagen.from_local_datetime(&date.and_time(time)) {
        chrono::LocalResult::Single(t) => Ok(t.naive_utc()),
        // The hour repeated when summer time ends: the first of the two.
        chrono::LocalResult::Ambiguous(first, _) => Ok(first.naive_utc()),
        chrono::LocalResult::None => Err(InvalidValue(format!(
            "Klokkeslættet i «{shown}» findes ikke i dansk tid (sommertiden begynder); vælg et andet."
        ))),
    }
}

fn end_of_day() -> NaiveTime {
    NaiveTime::from_hms_opt(23, 59, 0).unwrap_or(NaiveTime::MIN)
}

/// "23.59", "23:59", "9.05".
fn parse_clock(token: &str) -> Option<NaiveTime> {
    let (h, m) = token.split_once([':', '.'])?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

fn parse_date(tokens: &[&str]) -> Option<NaiveDate> {
    match tokens {
        [one] => {
            if let Ok(date) = NaiveDate::parse_from_str(one, "%Y-%m-%d") {
                return Some(date);
            }
            let parts: Vec<&str> = one.split(['.', '-', '/']).collect();
            match parts.as_slice() {
                [d, m, y] if y.len() == 4 => {
                    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
                }
                _ => None,
            }
        }
        [d, month, y] => {
            let day: u32 = d.trim_end_matches('.').parse().ok()?;
            let month = MONTHS
                .iter()
                .position(|name| {
                    *name == *month
                        || (month.chars().count() >= 3
                            && name.starts_with(month.trim_end_matches('.')))
                })
                .and_then(|i| u32::try_from(i + 1).ok())?;
            if y.len() != 4 {
                return None;
            }
            NaiveDate::from_ymd_opt(y.parse().ok()?, month, day)
        }
        _ => None,
    }
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

    #[test]
    fn deadlines_are_read_in_danish_forms_and_copenhagen_time() {
        let winter = utc(2017, 12, 1, 22, 59);
        for raw in [
            "1.12.2017 23.59",
            "01.12.2017 kl. 23:59",
            "1-12-2017 23.59",
            "1/12/2017",
            "1. december 2017 kl. 23.59",
            "1. dec. 2017 23.59",
            "2017-12-01T23:59",
            "2017-12-01 23:59",
            " 2017-12-01 ",
        ] {
            assert_eq!(parse_deadline(raw), Ok(winter), "{raw}");
        }
        assert_eq!(
            parse_deadline("1.7.2017 12.00"),
            Ok(utc(2017, 7, 1, 10, 0)),
            "summer time is UTC+2"
        );
        assert_eq!(parse_deadline(&deadline_input(winter)), Ok(winter));
        assert_eq!(deadline_input(winter), "1.12.2017 23.59");
    }

    #[test]
    fn bad_deadlines_say_how_to_write_one() {
        for raw in [
            "",
            "i morgen",
            "32.12.2017",
            "1.13.2017 10.00",
            "1.12.17",
            "1.12.2017 25.00",
        ] {
            let err = parse_deadline(raw).unwrap_err().to_string();
            assert!(
                err.contains("fx") || err.contains("skriv fx"),
                "{raw}: {err}"
            );
        }
        assert!(parse_deadline("1.12.1999")
            .unwrap_err()
            .to_string()
            .contains("mellem 2000 og 2100"));
        // 02.30 on the last Sunday of March 2017 does not exist in Danish time.
        assert!(parse_deadline("26.3.2017 02.30")
            .unwrap_err()
            .to_string()
            .contains("findes ikke"));
    }
}
