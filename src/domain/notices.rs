//! The rules of a round's reminder plan and of the notices: when each planned reminder is due
//! (in Copenhagen time), the default plan, what a municipality still lacks, and which notices
//! a user may turn off. Pure: the store applies them, `crate::notices` words the mails.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Europe::Copenhagen;
use serde::{Deserialize, Serialize};

use super::model::InvalidValue;

/// The hour (Copenhagen time) a reminder counted in days from the deadline goes out.
pub const REMINDER_HOUR: u32 = 9;

/// When one step of the plan is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", content = "days", rename_all = "snake_case")]
pub enum PlanRule {
    /// When the round opens.
    Opening,
    /// This many days before the deadline's day, at [`REMINDER_HOUR`].
    BeforeDeadline(i32),
    /// This many days after the deadline's day, at [`REMINDER_HOUR`].
    AfterDeadline(i32),
    /// At a time the secretariat chose.
    Fixed,
}

impl PlanRule {
    /// The rule and its days as stored.
    pub fn as_parts(self) -> (&'static str, i32) {
        match self {
            PlanRule::Opening => ("opening", 0),
            PlanRule::BeforeDeadline(days) => ("before_deadline", days),
            PlanRule::AfterDeadline(days) => ("after_deadline", days),
            PlanRule::Fixed => ("fixed", 0),
        }
    }

    pub fn from_parts(rule: &str, days: i32) -> Result<PlanRule, InvalidValue> {
        match rule {
            "opening" => Ok(PlanRule::Opening),
            "before_deadline" => Ok(PlanRule::BeforeDeadline(days)),
            "after_deadline" => Ok(PlanRule::AfterDeadline(days)),
            "fixed" => Ok(PlanRule::Fixed),
            other => Err(InvalidValue(format!("unknown reminder rule «{other}»"))),
        }
    }

    /// Counted from the deadline, so it moves with the deadline.
    pub fn follows_deadline(self) -> bool {
        matches!(
            self,
            PlanRule::BeforeDeadline(_) | PlanRule::AfterDeadline(_)
        )
    }

    /// The step in Danish: "14 dage før fristen", "Når runden åbnes".
    pub fn label_da(self) -> String {
        let days = |n: i32| {
            if n == 1 {
                "1 dag".to_owned()
            } else {
                format!("{n} dage")
            }
        };
        match self {
            PlanRule::Opening => "Når runden åbnes".to_owned(),
            PlanRule::BeforeDeadline(n) => format!("{} før fristen", days(n)),
            PlanRule::AfterDeadline(1) => "Dagen efter fristen".to_owned(),
            PlanRule::AfterDeadline(n) => format!("{} efter fristen", days(n)),
            PlanRule::Fixed => "Valgt tidspunkt".to_owned(),
        }
    }
}

/// The plan a round gets when it opens: at the opening, 14 and 3 days before the deadline,
/// and the day after it.
pub const DEFAULT_PLAN: [PlanRule; 4] = [
    PlanRule::Opening,
    PlanRule::BeforeDeadline(14),
    PlanRule::BeforeDeadline(3),
    PlanRule::AfterDeadline(1),
];

/// `REMINDER_HOUR` o'clock Copenhagen time on `date`, in UTC.
fn at_reminder_hour(date: NaiveDate) -> NaiveDateTime {
    let local =
        date.and_time(NaiveTime::from_hms_opt(REMINDER_HOUR, 0, 0).unwrap_or(NaiveTime::MIN));
    match Copenhagen.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.naive_utc(),
        chrono::LocalResult::Ambiguous(first, _) => first.naive_utc(),
        // 09.00 always exists in Copenhagen; an hour later if it ever did not.
        chrono::LocalResult::None => local - Duration::hours(1),
    }
}

/// When a step counted from the deadline (UTC) is due (UTC); `None` for the opening and a
/// fixed time, which are not counted from it.
pub fn due_from_deadline(rule: PlanRule, deadline: NaiveDateTime) -> Option<NaiveDateTime> {
    let day = Copenhagen.from_utc_datetime(&deadline).date_naive();
    match rule {
        PlanRule::BeforeDeadline(n) => Some(at_reminder_hour(day - Duration::days(i64::from(n)))),
        PlanRule::AfterDeadline(n) => Some(at_reminder_hour(day + Duration::days(i64::from(n)))),
        PlanRule::Opening | PlanRule::Fixed => None,
    }
}

/// The most days a step may be counted from the deadline.
pub const MAX_PLAN_DAYS: i32 = 120;

/// Days typed into the plan's form: 0 to [`MAX_PLAN_DAYS`].
pub fn parse_days(raw: &str) -> Result<i32, InvalidValue> {
    match raw.trim().parse::<i32>() {
        Ok(n) if (0..=MAX_PLAN_DAYS).contains(&n) => Ok(n),
        _ => Err(InvalidValue(format!(
            "Skriv et antal dage mellem 0 og {MAX_PLAN_DAYS}, fx 7."
        ))),
    }
}

/// What a municipality that has not submitted still lacks, as a reminder says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Missing {
    /// No form saved yet.
    NotStarted,
    /// A draft with `answered` of the `asked` recommendations given a status.
    Draft { answered: usize, asked: usize },
}

impl Missing {
    /// "Skemaet er ikke påbegyndt." / "Skemaet er gemt som kladde med 3 af 12 anbefalinger besvaret."
    pub fn sentence_da(self) -> String {
        match self {
            Missing::NotStarted => "Skemaet er ikke påbegyndt.".to_owned(),
            Missing::Draft { answered, asked } => format!(
                "Skemaet er gemt som kladde med {answered} af {asked} anbefalinger besvaret."
            ),
        }
    }
}

/// Whether a deadline shown to the minute (UTC, as stored) still takes a save at `now`:
/// a deadline "kl. 23.59" takes saves until 23:59:59.
pub fn before_deadline(now: NaiveDateTime, deadline: NaiveDateTime) -> bool {
    now < deadline_end(deadline)
}

/// The first moment a deadline shown to the minute no longer takes a save: for "kl. 23.59",
/// midnight.
pub fn deadline_end(deadline: NaiveDateTime) -> NaiveDateTime {
    use chrono::{DurationRound, Timelike};
    let minute = deadline
        .duration_trunc(Duration::minutes(1))
        .unwrap_or_else(|_| deadline.with_second(0).unwrap_or(deadline));
    minute + Duration::minutes(1)
}

/// A notice a user may turn off on `/account`. The reminders, a reopened form and the
/// round's opening are not optional: they ask the municipality to act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptionalNotice {
    /// The deadline of a round the user's municipality takes part in moved.
    DeadlineMoved,
    /// A receipt for a form the user submitted.
    SubmissionReceived,
    /// A round was published: the attachment and agenda item are ready.
    RoundPublished,
}

impl OptionalNotice {
    pub const ALL: [OptionalNotice; 3] = [
        OptionalNotice::DeadlineMoved,
        OptionalNotice::SubmissionReceived,
        OptionalNotice::RoundPublished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OptionalNotice::DeadlineMoved => "deadline_moved",
            OptionalNotice::SubmissionReceived => "submission_received",
            OptionalNotice::RoundPublished => "round_published",
        }
    }

    pub fn parse(raw: &str) -> Option<OptionalNotice> {
        OptionalNotice::ALL.into_iter().find(|n| n.as_str() == raw)
    }

    /// The checkbox's label on `/account`.
    pub fn label_da(self) -> &'static str {
        match self {
            OptionalNotice::DeadlineMoved => "Når fristen for en runde flyttes",
            OptionalNotice::SubmissionReceived => "Kvittering, når jeg indsender et skema",
            OptionalNotice::RoundPublished => {
                "Når en runde er offentliggjort, og bilag og dagsordenspunkt er klar"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn steps_counted_from_the_deadline_are_due_at_nine_copenhagen_time() {
        // 1 December 2017 23.59 in Copenhagen (winter, UTC+1).
        let deadline = utc(2017, 12, 1, 22, 59);
        assert_eq!(
            due_from_deadline(PlanRule::BeforeDeadline(14), deadline),
            Some(utc(2017, 11, 17, 8, 0))
        );
        assert_eq!(
            due_from_deadline(PlanRule::BeforeDeadline(3), deadline),
            Some(utc(2017, 11, 28, 8, 0))
        );
        assert_eq!(
            due_from_deadline(PlanRule::AfterDeadline(1), deadline),
            Some(utc(2017, 12, 2, 8, 0))
        );
        // Summer time: 09.00 is 07.00 UTC.
        assert_eq!(
            due_from_deadline(PlanRule::BeforeDeadline(3), utc(2018, 6, 30, 21, 59)),
            Some(utc(2018, 6, 27, 7, 0))
        );
        assert_eq!(due_from_deadline(PlanRule::Opening, deadline), None);
    }

    #[test]
    fn a_deadline_shown_to_the_minute_takes_saves_until_the_minute_ends() {
        let deadline = utc(2017, 12, 1, 22, 59);
        assert!(before_deadline(utc(2017, 12, 1, 22, 59), deadline));
        assert!(before_deadline(
            deadline + Duration::seconds(59) + Duration::milliseconds(999),
            deadline
        ));
        assert!(!before_deadline(deadline + Duration::seconds(60), deadline));
    }

    #[test]
    fn rules_and_notices_read_back_as_stored() {
        for rule in DEFAULT_PLAN.into_iter().chain([PlanRule::Fixed]) {
            let (name, days) = rule.as_parts();
            assert_eq!(PlanRule::from_parts(name, days).unwrap(), rule);
        }
        assert_eq!(PlanRule::AfterDeadline(1).label_da(), "Dagen efter fristen");
        assert_eq!(
            PlanRule::BeforeDeadline(14).label_da(),
            "14 dage før fristen"
        );
        for notice in OptionalNotice::ALL {
            assert_eq!(OptionalNotice::parse(notice.as_str()), Some(notice));
        }
        assert!(parse_days("7").is_ok());
        assert!(parse_days("-1").is_err());
        assert!(parse_days("x").is_err());
        assert_eq!(
            Missing::Draft {
                answered: 3,
                asked: 12
            }
            .sentence_da(),
            "Skemaet er gemt som kladde med 3 af 12 anbefalinger besvaret."
        );
    }
}
