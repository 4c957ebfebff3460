//! A round's schedule (see `domain::schedule`): its planned steps, setting them, following the
//! deadline, and taking each step when it falls due.
//!
//! The outbox's sender calls [`run_due`] on every pass, before the reminder plan, so a round
//! opened by its schedule sends its opening mail in the same pass. Each due step is claimed by
//! one `UPDATE … WHERE done_at IS NULL` in the transaction that changes the round's state
//! through [`rounds::change_state`], the function the round's page and the command line use:
//! of several processes exactly one takes it, with the same notices as a click.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, AuditEntry};
use super::rounds::{self, ChangeError};
use super::schema::{round_schedule, rounds as rounds_table};
use super::{write_tx, DbConnection};
use crate::domain::events::{self as ev, Event};
use crate::domain::refusal::RoundRefusal;
use crate::domain::schedule::{transitions_at, PlannedStep, Schedule, ScheduledStep, StepOutcome};
use crate::domain::RoundState;
use crate::notices::Links;

type Row = (
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<String>,
    String,
);

/// The round's planned steps, in the order of the year.
pub fn steps(conn: &mut DbConnection, round_id: i32) -> QueryResult<Vec<PlannedStep>> {
    let rows: Vec<Row> = round_schedule::table
        .filter(round_schedule::round_id.eq(round_id))
        .select((
            round_schedule::step,
            round_schedule::due_at,
            round_schedule::done_at,
            round_schedule::outcome,
            round_schedule::detail,
        ))
        .load(conn)?;
    let mut steps = rows
        .into_iter()
        .map(|(step, due_at, done_at, outcome, detail)| {
            let step = ScheduledStep::parse(&step).ok_or_else(|| {
                super::stored_value(crate::domain::InvalidValue(format!(
                    "unknown scheduled step {step}"
                )))
            })?;
            Ok(PlannedStep {
                step,
                due_at,
                done_at,
                outcome: outcome
                    .as_deref()
                    .and_then(|code| StepOutcome::from_parts(code, &detail)),
            })
        })
        .collect::<QueryResult<Vec<_>>>()?;
    steps.sort_by_key(|s| ScheduledStep::ALL.iter().position(|x| *x == s.step));
    Ok(steps)
}

/// The steps not yet taken, as the audit trail keeps them.
fn log(steps: &[PlannedStep]) -> ev::ScheduleLog {
    ev::ScheduleLog {
        steps: steps
            .iter()
            .filter(|s| s.done_at.is_none())
            .map(|s| ev::ScheduleStepLog {
                step: s.step,
                due_at: s.due_at,
            })
            .collect(),
    }
}

/// Replaces the steps not yet taken with `schedule`, checked against the round's state and
/// deadline at `now`, with an audit row, in one transaction. Steps already taken stay as
/// they were.
pub fn set(
    conn: &mut DbConnection,
    round_id: i32,
    schedule: &Schedule,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<(), ChangeError> {
    write_tx(conn, |conn| {
        let round = rounds::get_round(conn, round_id)?.ok_or(ChangeError::NotFound)?;
        schedule
            .check(round.state, round.deadline, now)
            .map_err(|r| ChangeError::Refused(RoundRefusal::Schedule(r)))?;
        let before = steps(conn, round_id)?;
        let taken: Vec<ScheduledStep> = before
            .iter()
            .filter(|s| s.done_at.is_some())
            .map(|s| s.step)
            .collect();
        diesel::delete(
            round_schedule::table
                .filter(round_schedule::round_id.eq(round_id))
                .filter(round_schedule::done_at.is_null()),
        )
        .execute(conn)?;
        for (step, due_at) in schedule.steps(round.deadline) {
            if taken.contains(&step) {
                // Planned again after it was taken (e.g. reopened by hand): a fresh step.
                diesel::delete(
                    round_schedule::table
                        .filter(round_schedule::round_id.eq(round_id))
                        .filter(round_schedule::step.eq(step.as_str())),
                )
                .execute(conn)?;
            }
            diesel::insert_into(round_schedule::table)
                .values((
                    round_schedule::round_id.eq(round_id),
                    round_schedule::step.eq(step.as_str()),
                    round_schedule::due_at.eq(due_at),
                ))
                .execute(conn)?;
        }
        let after = steps(conn, round_id)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                entity_id: round_id.to_string(),
                event: Event::Round(ev::RoundEvent::ChangeSchedule {
                    before: log(&before),
                    after: log(&after),
                }),
            },
            now,
        )?;
        Ok(())
    })
}

/// Drops the steps still waiting that the round has moved past (someone took it on by hand):
/// inside the caller's transaction, with the change of state.
pub fn drop_overtaken(
    conn: &mut DbConnection,
    round_id: i32,
    state: RoundState,
) -> QueryResult<()> {
    let overtaken: Vec<&str> = ScheduledStep::ALL
        .into_iter()
        .filter(|s| !s.plannable_in(state))
        .map(ScheduledStep::as_str)
        .collect();
    diesel::delete(
        round_schedule::table
            .filter(round_schedule::round_id.eq(round_id))
            .filter(round_schedule::done_at.is_null())
            .filter(round_schedule::step.eq_any(overtaken)),
    )
    .execute(conn)?;
    Ok(())
}

/// Moves the closing step, if one waits, to the round's new deadline (inside the caller's
/// transaction).
pub fn follow_deadline(
    conn: &mut DbConnection,
    round_id: i32,
    deadline: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        round_schedule::table
            .filter(round_schedule::round_id.eq(round_id))
            .filter(round_schedule::step.eq(ScheduledStep::Close.as_str()))
            .filter(round_schedule::done_at.is_null()),
    )
    .set(round_schedule::due_at.eq(crate::domain::schedule::close_due(deadline)))
    .execute(conn)?;
    Ok(())
}

/// Takes every step that is due at `now`, each claimed by this process alone; returns how
/// many this process took or marked.
pub fn run_due(conn: &mut DbConnection, links: &Links, now: NaiveDateTime) -> QueryResult<usize> {
    let mut done = 0;
    loop {
        let next: Option<i32> = round_schedule::table
            .filter(round_schedule::done_at.is_null())
            .filter(round_schedule::due_at.le(now))
            .order((round_schedule::due_at.asc(), round_schedule::id.asc()))
            .select(round_schedule::id)
            .first(conn)
            .optional()?;
        let Some(id) = next else {
            return Ok(done);
        };
        if take(conn, id, links, now)? {
            done += 1;
        }
    }
}

/// Claims one step and takes it, in one transaction; false when another process had it.
fn take(conn: &mut DbConnection, id: i32, links: &Links, now: NaiveDateTime) -> QueryResult<bool> {
    write_tx(conn, |conn| {
        let won = diesel::update(
            round_schedule::table
                .find(id)
                .filter(round_schedule::done_at.is_null()),
        )
        .set(round_schedule::done_at.eq(Some(now)))
        .execute(conn)?;
        if won == 0 {
            return Ok(false);
        }
        let (round_id, step, state, deadline): (i32, String, String, NaiveDateTime) =
            round_schedule::table
                .inner_join(rounds_table::table)
                .filter(round_schedule::id.eq(id))
                .select((
                    round_schedule::round_id,
                    round_schedule::step,
                    rounds_table::state,
                    rounds_table::deadline,
                ))
                .first(conn)?;
        let step = ScheduledStep::parse(&step).ok_or_else(|| {
            super::stored_value(crate::domain::InvalidValue(format!(
                "unknown scheduled step {step}"
            )))
        })?;
        let state = RoundState::parse(&state).map_err(super::stored_value)?;
        let outcome = match transitions_at(step, state, deadline, now) {
            Err(outcome) => outcome,
            Ok(states) => transition(conn, round_id, &states, links, now)?,
        };
        diesel::update(round_schedule::table.find(id))
            .set((
                round_schedule::outcome.eq(Some(outcome.code())),
                round_schedule::detail.eq(outcome.detail()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: None,
                entity_id: round_id.to_string(),
                event: Event::Round(ev::RoundEvent::RunScheduledStep {
                    after: ev::ScheduledStepRun {
                        step,
                        outcome: outcome.code().to_owned(),
                        detail: outcome.detail(),
                    },
                }),
            },
            now,
        )?;
        Ok(true)
    })
}

/// Takes the round through `states` in order, as the application (no user). A refusal by the
/// round's rules undoes this step's transitions (each runs in a savepoint) and is the outcome.
fn transition(
    conn: &mut DbConnection,
    round_id: i32,
    states: &[RoundState],
    links: &Links,
    now: NaiveDateTime,
) -> QueryResult<StepOutcome> {
    let result = write_tx(conn, |conn| {
        for to in states {
            rounds::change_state(conn, round_id, *to, None, links, now)?;
        }
        Ok(())
    });
    match result {
        Ok(()) => Ok(StepOutcome::Taken),
        Err(ChangeError::Database(e)) => Err(e),
        Err(ChangeError::NotFound) => Err(diesel::result::Error::NotFound),
        // A transition is refused only by the domain's rule, which says why in its own words.
        Err(ChangeError::Refused(RoundRefusal::Invalid(rule))) => Ok(StepOutcome::Refused(rule.0)),
        Err(ChangeError::Refused(other)) => Ok(StepOutcome::Refused(format!(
            "runden kunne ikke skifte tilstand ({other:?})."
        ))),
    }
}
