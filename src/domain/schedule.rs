//! A round's schedule: the steps of its year the round takes by itself. The secretariat
//! sets, while preparing the round, when it opens, whether it closes when the deadline has
//! passed, and when its results are published; the outbox's sender takes each step at its
//! time, through the same transition the round's page and the command line use, so the same
//! notices go out. With the reminder plan this is a year without a click after the set-up.

use chrono::NaiveDateTime;

use super::model::{InvalidValue, RoundState};
use super::notices::before_deadline;
use super::time::{danish_datetime, parse_deadline};

/// A step the schedule can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduledStep {
    /// Draft → open, at a chosen time before the deadline.
    Open,
    /// Open → closed, when the deadline has passed (it follows the deadline when it moves).
    Close,
    /// → published, at a chosen time after the deadline; an open round is closed first.
    Publish,
}

impl ScheduledStep {
    pub const ALL: [ScheduledStep; 3] = [
        ScheduledStep::Open,
        ScheduledStep::Close,
        ScheduledStep::Publish,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScheduledStep::Open => "open",
            ScheduledStep::Close => "close",
            ScheduledStep::Publish => "publish",
        }
    }

    pub fn parse(raw: &str) -> Option<ScheduledStep> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The state the step takes the round to.
    pub fn target(self) -> RoundState {
        match self {
            ScheduledStep::Open => RoundState::Open,
            ScheduledStep::Close => RoundState::Closed,
            ScheduledStep::Publish => RoundState::Published,
        }
    }

    /// The states a round may be in for the step to be planned: before its target. A step
    /// still waiting when the round leaves those states (moved on by hand) has no more use.
    pub fn plannable_in(self, state: RoundState) -> bool {
        match self {
            ScheduledStep::Open => state == RoundState::Draft,
            ScheduledStep::Close => matches!(state, RoundState::Draft | RoundState::Open),
            ScheduledStep::Publish => state != RoundState::Published,
        }
    }

    pub fn label_da(self) -> &'static str {
        match self {
            ScheduledStep::Open => "Runden åbnes",
            ScheduledStep::Close => "Runden lukkes ved fristen",
            ScheduledStep::Publish => "Resultaterne offentliggøres",
        }
    }
}

/// What the secretariat planned: each step, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Schedule {
    /// UTC.
    pub open_at: Option<NaiveDateTime>,
    pub close_at_deadline: bool,
    /// UTC.
    pub publish_at: Option<NaiveDateTime>,
}

/// Why a schedule was not saved; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleRefusal {
    /// A time field could not be read (which field, and the reader's words).
    Unreadable {
        step: ScheduledStep,
        problem: InvalidValue,
    },
    /// The time has passed already.
    InThePast { step: ScheduledStep },
    /// The round opens on or after its deadline: nobody could answer.
    OpensAfterDeadline { deadline: NaiveDateTime },
    /// Results published before the deadline would leave out answers still coming.
    PublishedBeforeDeadline { deadline: NaiveDateTime },
    /// The round has passed the step already (e.g. an open round cannot be planned to open).
    AlreadyPast {
        step: ScheduledStep,
        state: RoundState,
    },
}

impl ScheduleRefusal {
    /// The field the refusal is about, for the error summary's link.
    pub fn step(&self) -> ScheduledStep {
        match self {
            ScheduleRefusal::Unreadable { step, .. }
            | ScheduleRefusal::InThePast { step }
            | ScheduleRefusal::AlreadyPast { step, .. } => *step,
            ScheduleRefusal::OpensAfterDeadline { .. } => ScheduledStep::Open,
            ScheduleRefusal::PublishedBeforeDeadline { .. } => ScheduledStep::Publish,
        }
    }
}

impl Schedule {
    /// The schedule as a form or the command line gives it: an empty time means no such step.
    pub fn parse(
        open: &str,
        close_at_deadline: bool,
        publish: &str,
    ) -> Result<Schedule, ScheduleRefusal> {
        let time = |step: ScheduledStep, raw: &str| {
            if raw.trim().is_empty() {
                Ok(None)
            } else {
                parse_deadline(raw)
                    .map(Some)
                    .map_err(|problem| ScheduleRefusal::Unreadable { step, problem })
            }
        };
        Ok(Schedule {
            open_at: time(ScheduledStep::Open, open)?,
            close_at_deadline,
            publish_at: time(ScheduledStep::Publish, publish)?,
        })
    }

    /// The steps it plans, each with when it falls due (UTC).
    pub fn steps(&self, deadline: NaiveDateTime) -> Vec<(ScheduledStep, NaiveDateTime)> {
        let mut steps = Vec::new();
        if let Some(at) = self.open_at {
            steps.push((ScheduledStep::Open, at));
        }
        if self.close_at_deadline {
            steps.push((ScheduledStep::Close, close_due(deadline)));
        }
        if let Some(at) = self.publish_at {
            steps.push((ScheduledStep::Publish, at));
        }
        steps
    }

    /// Whether a round in `state` with `deadline` may take this schedule at `now`. A step
    /// already taken (the round is past it) may not be planned again; a time must lie ahead,
    /// the opening before the deadline and the publishing after it.
    pub fn check(
        &self,
        state: RoundState,
        deadline: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<(), ScheduleRefusal> {
        for (step, at) in self.steps(deadline) {
            if !step.plannable_in(state) {
                return Err(ScheduleRefusal::AlreadyPast { step, state });
            }
            if step != ScheduledStep::Close && at <= now {
                return Err(ScheduleRefusal::InThePast { step });
            }
        }
        if self.open_at.is_some_and(|at| at >= deadline) {
            return Err(ScheduleRefusal::OpensAfterDeadline { deadline });
        }
        if self.publish_at.is_some_and(|at| at < close_due(deadline)) {
            return Err(ScheduleRefusal::PublishedBeforeDeadline { deadline });
        }
        Ok(())
    }
}

/// When the closing step falls due: the first minute after the deadline, which is shown to
/// the minute and takes saves until its last second.
pub fn close_due(deadline: NaiveDateTime) -> NaiveDateTime {
    super::notices::deadline_end(deadline)
}

/// One planned step and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedStep {
    pub step: ScheduledStep,
    /// UTC.
    pub due_at: NaiveDateTime,
    pub done_at: Option<NaiveDateTime>,
    pub outcome: Option<StepOutcome>,
}

/// What became of a step when its time came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// The round took the step (for publishing an open round: closed, then published).
    Taken,
    /// The round was no longer where the step starts from (someone took it by hand).
    NotInState(RoundState),
    /// The opening's time came after the deadline had passed (it was moved): the round stays
    /// in preparation rather than opening with no time to answer.
    DeadlinePassed,
    /// The round's rules refused the step (e.g. a focus area without recommendations), in
    /// their words.
    Refused(String),
}

impl StepOutcome {
    pub fn code(&self) -> &'static str {
        match self {
            StepOutcome::Taken => "taken",
            StepOutcome::NotInState(_) => "not_in_state",
            StepOutcome::DeadlinePassed => "deadline_passed",
            StepOutcome::Refused(_) => "refused",
        }
    }

    /// Read back from its code and the detail stored beside it.
    pub fn from_parts(code: &str, detail: &str) -> Option<StepOutcome> {
        Some(match code {
            "taken" => StepOutcome::Taken,
            "not_in_state" => StepOutcome::NotInState(RoundState::parse(detail).ok()?),
            "deadline_passed" => StepOutcome::DeadlinePassed,
            "refused" => StepOutcome::Refused(detail.to_owned()),
            _ => return None,
        })
    }

    /// The detail stored beside the code.
    pub fn detail(&self) -> String {
        match self {
            StepOutcome::NotInState(state) => state.as_str().to_owned(),
            StepOutcome::Refused(reason) => reason.clone(),
            StepOutcome::Taken | StepOutcome::DeadlinePassed => String::new(),
        }
    }

    /// The outcome in Danish, for the round's page.
    pub fn sentence_da(&self, step: ScheduledStep) -> String {
        match self {
            StepOutcome::Taken => match step {
                ScheduledStep::Open => "Runden blev åbnet.".to_owned(),
                ScheduledStep::Close => "Runden blev lukket.".to_owned(),
                ScheduledStep::Publish => "Resultaterne blev offentliggjort.".to_owned(),
            },
            StepOutcome::NotInState(state) => format!(
                "Ikke udført: runden var allerede «{}».",
                state.label_da().to_lowercase()
            ),
            StepOutcome::DeadlinePassed => {
                "Ikke udført: fristen var overskredet, så runden blev ikke åbnet.".to_owned()
            }
            StepOutcome::Refused(reason) => format!("Ikke udført: {reason}"),
        }
    }
}

/// What a step does when it falls due to a round in `state` with `deadline`: the transitions
/// to make, in order, or why none is made. (The round's own rules are checked by each
/// transition.)
pub fn transitions_at(
    step: ScheduledStep,
    state: RoundState,
    deadline: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Vec<RoundState>, StepOutcome> {
    match (step, state) {
        (ScheduledStep::Open, RoundState::Draft) if !before_deadline(now, deadline) => {
            Err(StepOutcome::DeadlinePassed)
        }
        (ScheduledStep::Open, RoundState::Draft) | (ScheduledStep::Close, RoundState::Open) => {
            Ok(vec![step.target()])
        }
        (ScheduledStep::Publish, RoundState::Open) if !before_deadline(now, deadline) => {
            Ok(vec![RoundState::Closed, RoundState::Published])
        }
        (ScheduledStep::Publish, RoundState::Closed) => Ok(vec![RoundState::Published]),
        (_, state) => Err(StepOutcome::NotInState(state)),
    }
}

/// A planned step as the round's page says it.
pub fn due_label_da(step: ScheduledStep, due: NaiveDateTime) -> String {
    match step {
        ScheduledStep::Close => format!("når fristen er udløbet ({})", danish_datetime(due)),
        ScheduledStep::Open | ScheduledStep::Publish => danish_datetime(due),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn utc(m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    const DEADLINE: (u32, u32, u32, u32) = (12, 1, 22, 59);

    fn deadline() -> NaiveDateTime {
        let (m, d, h, min) = DEADLINE;
        utc(m, d, h, min)
    }

    #[test]
    fn a_schedule_reads_danish_times_and_empty_fields_plan_nothing() {
        let s = Schedule::parse("1.11.2026 9.00", true, "").unwrap();
        assert_eq!(s.open_at, Some(utc(11, 1, 8, 0)), "Copenhagen time, winter");
        assert!(s.close_at_deadline);
        assert_eq!(s.publish_at, None);
        assert_eq!(
            Schedule::parse("", false, "  ").unwrap(),
            Schedule::default()
        );
        let bad = Schedule::parse("", false, "i morgen").unwrap_err();
        assert!(matches!(
            bad,
            ScheduleRefusal::Unreadable {
                step: ScheduledStep::Publish,
                ..
            }
        ));
    }

    #[test]
    fn the_steps_must_lie_ahead_in_the_order_of_the_year() {
        let now = utc(10, 1, 12, 0);
        let good = Schedule {
            open_at: Some(utc(11, 1, 8, 0)),
            close_at_deadline: true,
            publish_at: Some(utc(12, 10, 8, 0)),
        };
        assert_eq!(good.check(RoundState::Draft, deadline(), now), Ok(()));
        let opens_late = Schedule {
            open_at: Some(utc(12, 2, 8, 0)),
            ..good
        };
        assert_eq!(
            opens_late.check(RoundState::Draft, deadline(), now),
            Err(ScheduleRefusal::OpensAfterDeadline {
                deadline: deadline()
            })
        );
        let publishes_early = Schedule {
            publish_at: Some(utc(11, 20, 8, 0)),
            ..good
        };
        assert!(matches!(
            publishes_early.check(RoundState::Draft, deadline(), now),
            Err(ScheduleRefusal::PublishedBeforeDeadline { .. })
        ));
        let past = Schedule {
            open_at: Some(utc(9, 1, 8, 0)),
            ..good
        };
        assert_eq!(
            past.check(RoundState::Draft, deadline(), now),
            Err(ScheduleRefusal::InThePast {
                step: ScheduledStep::Open
            })
        );
        assert_eq!(
            good.check(RoundState::Open, deadline(), now),
            Err(ScheduleRefusal::AlreadyPast {
                step: ScheduledStep::Open,
                state: RoundState::Open
            })
        );
        let after_opening = Schedule {
            open_at: None,
            ..good
        };
        assert_eq!(
            after_opening.check(RoundState::Open, deadline(), now),
            Ok(())
        );
    }

    #[test]
    fn closing_falls_due_after_the_last_second_the_deadline_takes() {
        assert_eq!(close_due(deadline()), utc(12, 1, 23, 0));
    }

    #[test]
    fn a_due_step_takes_the_round_only_from_the_state_before_it() {
        let before = utc(11, 1, 8, 0);
        let after = utc(12, 10, 8, 0);
        let d = deadline();
        assert_eq!(
            transitions_at(ScheduledStep::Open, RoundState::Draft, d, before),
            Ok(vec![RoundState::Open])
        );
        assert_eq!(
            transitions_at(ScheduledStep::Open, RoundState::Draft, d, after),
            Err(StepOutcome::DeadlinePassed)
        );
        assert_eq!(
            transitions_at(ScheduledStep::Open, RoundState::Open, d, before),
            Err(StepOutcome::NotInState(RoundState::Open))
        );
        assert_eq!(
            transitions_at(ScheduledStep::Close, RoundState::Open, d, after),
            Ok(vec![RoundState::Closed])
        );
        assert_eq!(
            transitions_at(ScheduledStep::Publish, RoundState::Open, d, after),
            Ok(vec![RoundState::Closed, RoundState::Published])
        );
        assert_eq!(
            transitions_at(ScheduledStep::Publish, RoundState::Closed, d, after),
            Ok(vec![RoundState::Published])
        );
        assert_eq!(
            transitions_at(ScheduledStep::Publish, RoundState::Published, d, after),
            Err(StepOutcome::NotInState(RoundState::Published))
        );
    }

    #[test]
    fn outcomes_are_stored_as_a_code_and_a_detail() {
        for outcome in [
            StepOutcome::Taken,
            StepOutcome::NotInState(RoundState::Closed),
            StepOutcome::DeadlinePassed,
            StepOutcome::Refused("Runden har ingen anbefalinger endnu og kan ikke åbnes.".into()),
        ] {
            assert_eq!(
                StepOutcome::from_parts(outcome.code(), &outcome.detail()),
                Some(outcome)
            );
        }
    }
}
