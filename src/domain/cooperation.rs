//! The year a cooperation began, as the KKR secretariat gives it for a round: read from the
//! round page's field, checked against the round, and suggested from the earliest earlier
//! treatment a council secretary gave on the agenda item's download form.

use chrono::{Datelike, NaiveDate};

/// The earliest year accepted, as for the dates on the download form: an earlier one is a
/// typing error rather than a fact.
pub const EARLIEST_START_YEAR: i32 = 2000;

/// Why a typed start year is refused; the web edge words it in Danish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartYearRefusal {
    /// Not a whole year of four digits.
    NotAYear,
    /// Before [`EARLIEST_START_YEAR`].
    TooEarly,
    /// After the round's own year: a cooperation reported on began no later than that.
    AfterRound { round_year: i32 },
}

/// The year typed on the round page: empty means "not given" (`Ok(None)`), which leaves the
/// sentence out of the agenda item.
pub fn parse_start_year(raw: &str, round_year: i32) -> Result<Option<i32>, StartYearRefusal> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StartYearRefusal::NotAYear);
    }
    let year: i32 = text.parse().map_err(|_| StartYearRefusal::NotAYear)?;
    if year < EARLIEST_START_YEAR {
        Err(StartYearRefusal::TooEarly)
    } else if year > round_year {
        Err(StartYearRefusal::AfterRound { round_year })
    } else {
        Ok(Some(year))
    }
}

/// The year of the earliest earlier treatment, as a suggestion for the round page: the
/// cooperation began no later than its first treatment. Only ever a prefilled value that the
/// secretariat confirms by saving, never a statement of its own.
pub fn suggested_start_year(earlier_treatments: &[NaiveDate]) -> Option<i32> {
    earlier_treatments.iter().min().map(|d| d.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_year_is_four_digits_no_later_than_the_round_and_empty_means_not_given() {
        assert_eq!(parse_start_year(" 2015 ", 2018), Ok(Some(2015)));
        assert_eq!(parse_start_year("2018", 2018), Ok(Some(2018)));
        assert_eq!(parse_start_year("  ", 2018), Ok(None));
        assert_eq!(
            parse_start_year("2019", 2018),
            Err(StartYearRefusal::AfterRound { round_year: 2018 })
        );
        assert_eq!(
            parse_start_year("1999", 2018),
            Err(StartYearRefusal::TooEarly)
        );
        for bad in ["15", "2015.", "to tusind", "+201", "２０１５"] {
            assert_eq!(
                parse_start_year(bad, 2018),
                Err(StartYearRefusal::NotAYear),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_suggestion_is_the_year_of_the_earliest_earlier_treatment() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            suggested_start_year(&[d(2016, 3, 29), d(2015, 6, 22)]),
            Some(2015)
        );
        assert_eq!(suggested_start_year(&[]), None);
    }
}
