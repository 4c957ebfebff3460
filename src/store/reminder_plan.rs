//! A round's reminder plan: its steps (when the round opens, days before or after the
//! deadline, or a chosen time), whether it is paused, and what each step did.
//!
//! A round gets the default plan ([`DEFAULT_PLAN`]) when it is created, or when it opens
//! without one. Opening makes the opening step due at once and marks the steps whose time has
//! gone as passed; moving the deadline moves the steps counted from it. The outbox's sender
//! calls [`run_due`] on every pass: each due step is claimed by one `UPDATE … WHERE done_at IS
//! NULL` in the same write transaction that records the sending and queues its mails, so of
//! several processes (SQLite or PostgreSQL) exactly one sends it, and a claim never exists
//! without its mails.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, AuditEntry};
use super::notices::of_municipalities;
use super::reminders::{self, ToRemind};
use super::schema::{answers, planned_reminders, reminder_plans, rounds, submissions};
use super::{write_tx, DbConnection};
use crate::domain::events::{self as ev, Event};
use crate::domain::notices::{due_from_deadline, Missing, PlanRule, DEFAULT_PLAN};
use crate::domain::{MunicipalityCode, Role, RoundContent, RoundState, SubmissionState};
use crate::mail::RoundFacts;
use crate::notices::{self as texts, Links};

/// What became of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Its reminders were queued.
    Sent,
    /// Nobody was left to remind: every municipality had submitted, or had no editor (or
    /// every editor was reminded within the cooldown).
    Nobody,
    /// It fell due while the plan was paused.
    Paused,
    /// It fell due while the round was not open (closed or published).
    NotOpen,
    /// Its time had gone when the round opened or the deadline moved.
    Passed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Nobody => "nobody",
            Outcome::Paused => "paused",
            Outcome::NotOpen => "not_open",
            Outcome::Passed => "passed",
        }
    }

    fn parse(raw: &str) -> Option<Outcome> {
        [
            Outcome::Sent,
            Outcome::Nobody,
            Outcome::Paused,
            Outcome::NotOpen,
            Outcome::Passed,
        ]
        .into_iter()
        .find(|o| o.as_str() == raw)
    }
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub id: i32,
    pub rule: PlanRule,
    /// UTC; `None` for the opening step until the round opens.
    pub due_at: Option<NaiveDateTime>,
    pub done_at: Option<NaiveDateTime>,
    pub outcome: Option<Outcome>,
    /// The sending it made.
    pub reminder_id: Option<i32>,
}

/// A round's plan, steps in the order they fall due (the opening first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub paused: bool,
    pub steps: Vec<Step>,
}

type StepRow = (
    i32,
    String,
    i32,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<String>,
    Option<i32>,
);

/// The round's plan (no steps and not paused when it has none).
pub fn plan(conn: &mut DbConnection, round_id: i32) -> QueryResult<Plan> {
    let paused = reminder_plans::table
        .find(round_id)
        .select(reminder_plans::paused)
        .first::<bool>(conn)
        .optional()?
        .unwrap_or(false);
    let rows: Vec<StepRow> = planned_reminders::table
        .filter(planned_reminders::round_id.eq(round_id))
        .order(planned_reminders::id.asc())
        .select((
            planned_reminders::id,
            planned_reminders::rule,
            planned_reminders::days,
            planned_reminders::due_at,
            planned_reminders::done_at,
            planned_reminders::outcome,
            planned_reminders::reminder_id,
        ))
        .load(conn)?;
    let mut steps = rows
        .into_iter()
        .map(|(id, rule, days, due_at, done_at, outcome, reminder_id)| {
            Ok(Step {
                id,
                rule: PlanRule::from_parts(&rule, days).map_err(super::stored_value)?,
                due_at,
                done_at,
                outcome: outcome.as_deref().and_then(Outcome::parse),
                reminder_id,
            })
        })
        .collect::<QueryResult<Vec<_>>>()?;
    steps.sort_by_key(|s| (s.rule != PlanRule::Opening, s.due_at, s.id));
    Ok(Plan { paused, steps })
}

fn log(plan: &Plan) -> ev::PlanLog {
    ev::PlanLog {
        paused: plan.paused,
        steps: plan
            .steps
            .iter()
            .filter(|s| s.done_at.is_none())
            .map(|s| ev::PlanStepLog {
                id: s.id,
                rule: s.rule,
                due_at: s.due_at,
            })
            .collect(),
    }
}

fn insert_step(
    conn: &mut DbConnection,
    round_id: i32,
    rule: PlanRule,
    due_at: Option<NaiveDateTime>,
) -> QueryResult<i32> {
    let (name, days) = rule.as_parts();
    diesel::insert_into(planned_reminders::table)
        .values((
            planned_reminders::round_id.eq(round_id),
            planned_reminders::rule.eq(name),
            planned_reminders::days.eq(days),
            planned_reminders::due_at.eq(due_at),
        ))
        .returning(planned_reminders::id)
        .get_result(conn)
}

/// Gives a round the default plan if it has no steps yet (in the caller's transaction).
pub fn ensure_default(
    conn: &mut DbConnection,
    round_id: i32,
    deadline: NaiveDateTime,
) -> QueryResult<()> {
    let count: i64 = planned_reminders::table
        .filter(planned_reminders::round_id.eq(round_id))
        .count()
        .get_result(conn)?;
    if count > 0 {
        return Ok(());
    }
    for rule in DEFAULT_PLAN {
        insert_step(conn, round_id, rule, due_from_deadline(rule, deadline))?;
    }
    Ok(())
}

/// The round opens at `now` (in the caller's transaction): the default plan if it has none,
/// the opening step due now, and the steps whose time has gone marked as passed.
pub fn at_opening(
    conn: &mut DbConnection,
    round_id: i32,
    deadline: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<()> {
    ensure_default(conn, round_id, deadline)?;
    diesel::update(
        planned_reminders::table
            .filter(planned_reminders::round_id.eq(round_id))
            .filter(planned_reminders::done_at.is_null())
            .filter(planned_reminders::rule.eq("opening")),
    )
    .set(planned_reminders::due_at.eq(Some(now)))
    .execute(conn)?;
    diesel::update(
        planned_reminders::table
            .filter(planned_reminders::round_id.eq(round_id))
            .filter(planned_reminders::done_at.is_null())
            .filter(planned_reminders::rule.ne("opening"))
            .filter(planned_reminders::due_at.lt(now)),
    )
    .set((
        planned_reminders::done_at.eq(Some(now)),
        planned_reminders::outcome.eq(Some(Outcome::Passed.as_str())),
    ))
    .execute(conn)?;
    Ok(())
}

/// The deadline moved to `deadline` at `now` (in the caller's transaction): the steps counted
/// from it and not yet sent move with it; one whose new time has gone is marked passed (if
/// the round is open), and one that had passed and is now ahead is due again.
pub fn follow_deadline(
    conn: &mut DbConnection,
    round_id: i32,
    deadline: NaiveDateTime,
    round_open: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let steps = plan(conn, round_id)?.steps;
    for step in steps {
        if !step.rule.follows_deadline() || step.reminder_id.is_some() {
            continue;
        }
        let waiting = step.done_at.is_none() || step.outcome == Some(Outcome::Passed);
        if !waiting {
            continue;
        }
        let due = due_from_deadline(step.rule, deadline);
        let gone = round_open && due.is_some_and(|d| d < now);
        let (done_at, outcome) = if gone {
            (Some(now), Some(Outcome::Passed.as_str()))
        } else {
            (None, None)
        };
        diesel::update(planned_reminders::table.find(step.id))
            .set((
                planned_reminders::due_at.eq(due),
                planned_reminders::done_at.eq(done_at),
                planned_reminders::outcome.eq(outcome),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Why a change to the plan was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanRefusal {
    /// The round is closed or published: its plan is over.
    RoundOver,
    /// A chosen time that has already gone.
    InThePast,
    /// The step is not one of the round's, or it has already been done.
    NoSuchStep,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("the plan was not changed: {0:?}")]
    Refused(PlanRefusal),
    #[error("no such round")]
    NotFound,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// A change the secretariat makes to a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanChange {
    Pause,
    Resume,
    /// A step counted from the deadline or at the opening.
    Add(PlanRule),
    /// A step at a chosen time (UTC).
    AddAt(NaiveDateTime),
    Remove(i32),
}

/// Changes a round's plan, with an audit row, in one transaction (the round's default plan
/// first if it has none).
pub fn change(
    conn: &mut DbConnection,
    round_id: i32,
    what: &PlanChange,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<(), PlanError> {
    write_tx(conn, |conn| {
        let (deadline, state): (NaiveDateTime, String) = rounds::table
            .find(round_id)
            .select((rounds::deadline, rounds::state))
            .first(conn)
            .optional()?
            .ok_or(PlanError::NotFound)?;
        let state = RoundState::parse(&state).map_err(super::stored_value)?;
        if matches!(state, RoundState::Closed | RoundState::Published) {
            return Err(PlanError::Refused(PlanRefusal::RoundOver));
        }
        ensure_default(conn, round_id, deadline)?;
        let before = plan(conn, round_id)?;
        match what {
            PlanChange::Pause | PlanChange::Resume => {
                let paused = *what == PlanChange::Pause;
                let updated = diesel::update(reminder_plans::table.find(round_id))
                    .set(reminder_plans::paused.eq(paused))
                    .execute(conn)?;
                if updated == 0 {
                    diesel::insert_into(reminder_plans::table)
                        .values((
                            reminder_plans::round_id.eq(round_id),
                            reminder_plans::paused.eq(paused),
                        ))
                        .execute(conn)?;
                }
            }
            PlanChange::Add(rule) => {
                let due = match rule {
                    PlanRule::Opening if state == RoundState::Open => {
                        return Err(PlanError::Refused(PlanRefusal::InThePast))
                    }
                    _ => due_from_deadline(*rule, deadline),
                };
                if state == RoundState::Open && due.is_some_and(|d| d < now) {
                    return Err(PlanError::Refused(PlanRefusal::InThePast));
                }
                insert_step(conn, round_id, *rule, due)?;
            }
            PlanChange::AddAt(at) => {
                if *at < now {
                    return Err(PlanError::Refused(PlanRefusal::InThePast));
                }
                insert_step(conn, round_id, PlanRule::Fixed, Some(*at))?;
            }
            PlanChange::Remove(id) => {
                let removed = diesel::delete(
                    planned_reminders::table
                        .find(id)
                        .filter(planned_reminders::round_id.eq(round_id))
                        .filter(planned_reminders::done_at.is_null()),
                )
                .execute(conn)?;
                if removed == 0 {
                    return Err(PlanError::Refused(PlanRefusal::NoSuchStep));
                }
            }
        }
        let after = plan(conn, round_id)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                entity_id: round_id.to_string(),
                event: Event::Round(ev::RoundEvent::ChangeReminderPlan {
                    before: log(&before),
                    after: log(&after),
                }),
            },
            now,
        )?;
        Ok(())
    })
}

/// How many recommendations a municipality is asked in the round (the common ones and
/// those of its own groups).
fn asked(content: &RoundContent, code: &MunicipalityCode) -> usize {
    content.recommendations_for(code).count()
}

/// What each participating municipality that has not submitted still lacks.
pub fn missing(
    conn: &mut DbConnection,
    content: &RoundContent,
) -> QueryResult<Vec<(MunicipalityCode, String, Missing)>> {
    let round_id = content.round.id;
    let forms: Vec<(i32, String, String)> = submissions::table
        .filter(submissions::round_id.eq(round_id))
        .select((
            submissions::id,
            submissions::municipality_code,
            submissions::state,
        ))
        .load(conn)?;
    let ids: Vec<i32> = forms.iter().map(|f| f.0).collect();
    let answered: Vec<(i32, i32)> = answers::table
        .filter(answers::submission_id.eq_any(&ids))
        .filter(answers::status.is_not_null())
        .select((answers::submission_id, answers::recommendation_id))
        .load(conn)?;
    let mut by_form: HashMap<i32, Vec<i32>> = HashMap::new();
    for (form, recommendation) in answered {
        by_form.entry(form).or_default().push(recommendation);
    }
    Ok(content
        .municipalities
        .iter()
        .filter_map(|m| {
            let form = forms.iter().find(|f| f.1 == m.code.as_str());
            let missing = match form {
                Some((_, _, state)) if state == SubmissionState::Submitted.as_str() => return None,
                Some((id, _, _)) => Missing::Draft {
                    // Answers to recommendations the municipality is asked only.
                    answered: content
                        .recommendations_for(&m.code)
                        .filter(|r| by_form.get(id).is_some_and(|ids| ids.contains(&r.id)))
                        .count(),
                    asked: asked(content, &m.code),
                },
                None => Missing::NotStarted,
            };
            Some((m.code.clone(), m.name.clone(), missing))
        })
        .collect())
}

/// Sends every step that is due at `now`, each claimed by this process alone; returns how
/// many steps this process did (sent or marked).
pub fn run_due(conn: &mut DbConnection, links: &Links, now: NaiveDateTime) -> QueryResult<usize> {
    let mut done = 0;
    loop {
        let next: Option<i32> = planned_reminders::table
            .inner_join(rounds::table)
            .filter(planned_reminders::done_at.is_null())
            .filter(planned_reminders::due_at.le(now))
            .filter(rounds::state.ne(RoundState::Draft.as_str()))
            .order((planned_reminders::due_at.asc(), planned_reminders::id.asc()))
            .select(planned_reminders::id)
            .first(conn)
            .optional()?;
        let Some(step_id) = next else {
            return Ok(done);
        };
        if send_step(conn, step_id, links, now)? {
            done += 1;
        }
    }
}

/// Claims one step and does it, in one transaction; false when another process had it.
fn send_step(
    conn: &mut DbConnection,
    step_id: i32,
    links: &Links,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    write_tx(conn, |conn| {
        let won = diesel::update(
            planned_reminders::table
                .find(step_id)
                .filter(planned_reminders::done_at.is_null()),
        )
        .set(planned_reminders::done_at.eq(Some(now)))
        .execute(conn)?;
        if won == 0 {
            return Ok(false);
        }
        let (round_id, rule, days): (i32, String, i32) = planned_reminders::table
            .find(step_id)
            .select((
                planned_reminders::round_id,
                planned_reminders::rule,
                planned_reminders::days,
            ))
            .first(conn)?;
        let rule = PlanRule::from_parts(&rule, days).map_err(super::stored_value)?;
        let content =
            super::rounds::load_content(conn, round_id)?.ok_or(diesel::result::Error::NotFound)?;
        let paused = plan(conn, round_id)?.paused;
        let (outcome, reminder_id, send, skipped) = if content.round.state != RoundState::Open {
            (Outcome::NotOpen, None, Vec::new(), Vec::new())
        } else if paused {
            (Outcome::Paused, None, Vec::new(), Vec::new())
        } else {
            let candidates = to_remind(conn, &content, rule == PlanRule::Opening, links)?;
            let last = reminders::last_reminded(conn, round_id, now)?;
            let (send, skipped) = reminders::partition(&candidates, &last, now);
            if send.is_empty() {
                (Outcome::Nobody, None, send, skipped)
            } else {
                let id =
                    reminders::record_sending(conn, round_id, None, Some(step_id), &send, now)?;
                (Outcome::Sent, Some(id), send, skipped)
            }
        };
        diesel::update(planned_reminders::table.find(step_id))
            .set((
                planned_reminders::outcome.eq(Some(outcome.as_str())),
                planned_reminders::reminder_id.eq(reminder_id),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: None,
                entity_id: round_id.to_string(),
                event: Event::Round(ev::RoundEvent::SendPlannedReminder {
                    after: ev::PlannedReminderSent {
                        step_id,
                        reminder_id,
                        recipients: send.iter().map(|r| r.email.clone()).collect(),
                        skipped: skipped.iter().map(|s| s.email.clone()).collect(),
                        outcome: outcome.as_str().to_owned(),
                    },
                }),
            },
            now,
        )?;
        Ok(true)
    })
}

/// A reminder for every editor of every municipality that has not submitted, saying what it
/// lacks.
fn to_remind(
    conn: &mut DbConnection,
    content: &RoundContent,
    opening: bool,
    links: &Links,
) -> QueryResult<Vec<ToRemind>> {
    let missing = missing(conn, content)?;
    let codes: Vec<MunicipalityCode> = missing.iter().map(|m| m.0.clone()).collect();
    let editors = of_municipalities(conn, Role::Editor, &codes)?;
    Ok(missing
        .iter()
        .flat_map(|(code, name, lacks)| {
            let mail = texts::planned_reminder_mail(
                RoundFacts::from(&content.round),
                name,
                *lacks,
                &links.form(content.round.id, code.as_str()),
                opening,
            );
            editors
                .iter()
                .filter(|e| e.municipality_code.as_ref() == Some(code))
                .map(move |e| ToRemind {
                    municipality_code: code.clone(),
                    email: e.email.clone(),
                    user_id: Some(e.id),
                    subject: mail.subject.clone(),
                    body: mail.body.clone(),
                })
                .collect::<Vec<_>>()
        })
        .collect())
}
