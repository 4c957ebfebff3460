//! Submissions: a municipality's form for a round, and every change to it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

use super::audit::{self, AuditEntry};
use super::rows::*;
use super::schema::{answers, submissions, users};
use super::{write_tx, DbConnection};
use crate::domain::access::{self, Refusal};
use crate::domain::events::{self as ev, Event};
use crate::domain::lineage::{self, PreviousAnswer};
use crate::domain::{Answer, MunicipalityCode, Submission, SubmissionState, User};

/// A municipality's submission to a round with its answers, if it has one.
pub fn get_submission(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
) -> QueryResult<Option<Submission>> {
    read_submission(conn, round_id, code, true, None)
}

/// The submission; with `names`, the names of who submitted and last saved it (a save's own
/// check needs only the version and the answers).
///
/// `known` is the same form as read earlier: when the stored version is still its version, its
/// answers are the stored ones (every change to the answers bumps the version) and are not
/// read again.
fn read_submission(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
    names: bool,
    known: Option<&Submission>,
) -> QueryResult<Option<Submission>> {
    let row: Option<SubmissionRow> = submissions::table
        .filter(submissions::round_id.eq(round_id))
        .filter(submissions::municipality_code.eq(code.as_str()))
        .select(SubmissionRow::as_select())
        .get_result(conn)
        .optional()?;
    let Some(row) = row else {
        return Ok(None);
    };
    let names = if names {
        user_names(
            conn,
            [row.submitted_by, row.updated_by].into_iter().flatten(),
        )?
    } else {
        HashMap::new()
    };
    let submitted_by = row.submitted_by.and_then(|id| names.get(&id).cloned());
    let updated_by = row.updated_by.and_then(|id| names.get(&id).cloned());
    if let Some(known) = known.filter(|k| k.id == row.id && k.version == row.version) {
        return row
            .into_domain(submitted_by, updated_by, known.answers.clone())
            .map(Some);
    }
    let answers = answers::table
        .filter(answers::submission_id.eq(row.id))
        .order(answers::recommendation_id.asc())
        .select(AnswerRow::as_select())
        .load(conn)?
        .into_iter()
        .map(AnswerRow::into_domain)
        .collect::<QueryResult<Vec<_>>>()?;
    row.into_domain(submitted_by, updated_by, answers).map(Some)
}

/// The names of the given users, by id.
pub(crate) fn user_names(
    conn: &mut DbConnection,
    ids: impl IntoIterator<Item = i32>,
) -> QueryResult<HashMap<i32, String>> {
    let mut ids: Vec<i32> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load::<(i32, String)>(conn)?
        .into_iter()
        .collect())
}

/// A save of a municipality's form, as the form handler has parsed and checked it.
#[derive(Debug, Clone)]
pub struct SaveSubmission {
    pub round_id: i32,
    pub municipality_code: MunicipalityCode,
    /// The version the user's form was loaded with; 0 when there was no submission yet.
    pub base_version: i32,
    /// The whole form: every answer with a status or a comment. Answers left out are removed.
    pub answers: Vec<Answer>,
    /// Proposals for new focus areas.
    pub proposals: String,
    pub state: SubmissionState,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SaveOutcome {
    Saved(Submission),
    /// Someone saved a newer version since the user loaded the form; nothing was written.
    Conflict(Submission),
    /// The round's rules refuse the change (checked in the same transaction as the write);
    /// nothing was written.
    Refused(Refusal),
}

/// The submission as it is now, as the outcome of a save that lost a race to another.
fn conflict(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
) -> QueryResult<SaveOutcome> {
    get_submission(conn, round_id, code)?
        .map(SaveOutcome::Conflict)
        .ok_or(diesel::result::Error::NotFound)
}

/// Stores a form as given (demo data, imports, test set-up), in one transaction: checks the
/// version, replaces the answers, bumps the version and writes an audit row per changed
/// answer and one for the submission. The round's rules are not applied: a user's save goes
/// through [`save_form`].
pub fn save(
    conn: &mut DbConnection,
    save: &SaveSubmission,
    actor_id: i32,
    now: NaiveDateTime,
) -> QueryResult<SaveOutcome> {
    write_tx(conn, |conn| {
        save_in_tx(conn, save, actor_id, None, None, now)
    })
}

/// A user's save of the form: like [`save`], and in the same transaction the round's rules
/// (the round is open, the deadline has not passed for this user, the form is not
/// submitted), so that a round closed just before the write still refuses it. `now` is the
/// app's clock, which the deadline is checked against.
pub fn save_form(
    conn: &mut DbConnection,
    save: &SaveSubmission,
    user: &User,
    now: chrono::NaiveDateTime,
) -> QueryResult<SaveOutcome> {
    write_tx(conn, |conn| {
        save_in_tx(conn, save, user.id, Some(user), None, now)
    })
}

/// [`save_form`] inside a write transaction the caller holds and has bumped the data version
/// in (the form writer's group commit, `web::infra::writer`), without a savepoint of its own: it
/// writes nothing unless the outcome is [`SaveOutcome::Saved`], and after an `Err` the
/// caller must roll the transaction back. The caller's transaction need not move the shown
/// marker ([`super::write_tx_drafts`]): a save moves it itself unless it keeps a draft a
/// draft.
///
/// `stored` is the form as the caller read it before (for parsing the input); its answers are
/// used when the stored version is still its version.
pub fn save_form_in_tx(
    conn: &mut DbConnection,
    save: &SaveSubmission,
    user: &User,
    now: chrono::NaiveDateTime,
    stored: Option<&Submission>,
) -> QueryResult<SaveOutcome> {
    save_in_tx(conn, save, user.id, Some(user), stored, now)
}

fn save_in_tx(
    conn: &mut DbConnection,
    save: &SaveSubmission,
    actor_id: i32,
    rules_for: Option<&User>,
    known: Option<&Submission>,
    now: NaiveDateTime,
) -> QueryResult<SaveOutcome> {
    let existing = read_submission(conn, save.round_id, &save.municipality_code, false, known)?;
    if let Some(user) = rules_for {
        let round = super::rounds::get_round(conn, save.round_id)?
            .ok_or(diesel::result::Error::NotFound)?;
        if let Some(refusal) = access::save_refusal(user, &round, existing.as_ref(), now) {
            return Ok(SaveOutcome::Refused(refusal));
        }
    }
    let current_version = existing.as_ref().map_or(0, |s| s.version);
    if current_version != save.base_version && existing.is_some() {
        // As stored, with the names of who saved it.
        return conflict(conn, save.round_id, &save.municipality_code);
    }
    let submitted = save.state == SubmissionState::Submitted;
    let (submitted_at, submitted_by) = if submitted {
        (Some(now), Some(actor_id))
    } else {
        (None, None)
    };
    let submission_id = match &existing {
        Some(s) => {
            // The version check is part of the write: a save that another overtook
            // since it read the row changes nothing.
            let changed = diesel::update(
                submissions::table
                    .find(s.id)
                    .filter(submissions::version.eq(s.version)),
            )
            .set((
                submissions::state.eq(save.state.as_str()),
                submissions::submitted_at.eq(submitted_at),
                submissions::submitted_by.eq(submitted_by),
                submissions::version.eq(submissions::version + 1),
                submissions::updated_at.eq(now),
                submissions::updated_by.eq(Some(actor_id)),
                submissions::proposals.eq(&save.proposals),
                // A reopened form is reopened until it is submitted again.
                submissions::reopened.eq(s.reopened && !submitted),
            ))
            .execute(conn)?;
            if changed == 0 {
                return conflict(conn, save.round_id, &save.municipality_code);
            }
            diesel::delete(answers::table.filter(answers::submission_id.eq(s.id))).execute(conn)?;
            s.id
        }
        None => {
            // The first save of a form: of two at once, the UNIQUE (round, municipality)
            // lets one in; the other is a conflict. The savepoint keeps the transaction
            // usable after the refused insert (PostgreSQL aborts it otherwise).
            let inserted = conn.transaction(|conn| {
                diesel::insert_into(submissions::table)
                    .values(SubmissionInsertForm {
                        round_id: save.round_id,
                        municipality_code: save.municipality_code.as_str(),
                        state: save.state.as_str(),
                        submitted_at,
                        submitted_by,
                        version: 1,
                        updated_at: now,
                        updated_by: Some(actor_id),
                        proposals: &save.proposals,
                        reopened: false,
                    })
                    .returning(submissions::id)
                    .get_result(conn)
            });
            match inserted {
                Ok(id) => id,
                Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                )) => return conflict(conn, save.round_id, &save.municipality_code),
                Err(e) => return Err(e),
            }
        }
    };
    if !save.answers.is_empty() {
        let rows: Vec<AnswerInsertForm<'_>> = save
            .answers
            .iter()
            .map(|answer| AnswerInsertForm {
                submission_id,
                recommendation_id: answer.recommendation_id,
                status: answer.status.map(|s| s.as_str()),
                comment: &answer.comment,
                carried: answer.carried,
                evidence_url: answer.evidence.as_ref().map(|e| e.as_str()),
            })
            .collect();
        // One multi-row INSERT, on the backend's own connection (see `audit::record_all`).
        match &mut *conn {
            DbConnection::Sqlite(conn) => diesel::insert_into(answers::table)
                .values(&rows)
                .execute(conn)?,
            DbConnection::Postgres(conn) => diesel::insert_into(answers::table)
                .values(&rows)
                .execute(conn)?,
        };
    }

    // One audit row per answer that changed, so the history names each answer, then the
    // save's own row with the new version: in one statement, in this order.
    let before = |id: i32| existing.as_ref().and_then(|s| s.answer(id));
    let mut ids: Vec<i32> = save.answers.iter().map(|a| a.recommendation_id).collect();
    if let Some(s) = &existing {
        ids.extend(s.answers.iter().map(|a| a.recommendation_id));
    }
    ids.sort_unstable();
    ids.dedup();
    let entity_id = submission_id.to_string();
    let mut entries: Vec<AuditEntry> = ids
        .into_iter()
        .filter_map(|id| {
            let after = save.answers.iter().find(|a| a.recommendation_id == id);
            (before(id) != after).then(|| AuditEntry {
                user_id: Some(actor_id),
                entity_id: entity_id.clone(),
                event: ev::SubmissionEvent::answer(
                    id,
                    before(id).map(ev::AnswerValue::of),
                    after.map(ev::AnswerValue::of),
                ),
            })
        })
        .collect();
    entries.push(AuditEntry {
        user_id: Some(actor_id),
        entity_id,
        event: ev::SubmissionEvent::stored(
            submitted,
            existing.as_ref().map(|s| ev::FormVersion {
                state: s.state,
                version: s.version,
                proposals: Some(s.proposals.clone()),
                imported_from: None,
            }),
            ev::FormVersion {
                state: save.state,
                version: current_version + 1,
                proposals: Some(save.proposals.clone()),
                imported_from: None,
            },
        ),
    });
    audit::record_all(conn, entries, now)?;
    // A draft saved as a draft changes only the draft's contents; anything else (a form that
    // appears, is submitted or goes back to draft) changes what every page of the round shows.
    let draft_kept = save.state == SubmissionState::Draft
        && existing
            .as_ref()
            .is_some_and(|s| s.state == SubmissionState::Draft);
    if !draft_kept {
        super::bump_shown_version(conn)?;
    }

    // The form as it is now stored, without reading it back.
    let actor_name = match rules_for {
        Some(user) => Some(user.name.clone()),
        None => user_names(conn, [actor_id])?.remove(&actor_id),
    };
    let mut answers = save.answers.clone();
    answers.sort_by_key(|a| a.recommendation_id);
    Ok(SaveOutcome::Saved(Submission {
        id: submission_id,
        round_id: save.round_id,
        municipality_code: save.municipality_code.clone(),
        state: save.state,
        submitted_at,
        submitted_by: if submitted { actor_name.clone() } else { None },
        version: current_version + 1,
        updated_at: now,
        updated_by: actor_name,
        proposals: save.proposals.clone(),
        reopened: existing.as_ref().is_some_and(|s| s.reopened) && !submitted,
        answers,
    }))
}

/// How a submitted form goes back to draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reopening {
    /// The municipality takes it back before the deadline.
    Withdraw,
    /// An admin reopens it (after the deadline too), for the recorded reason.
    Reopen { reason: String },
}

/// Puts a submitted form back to draft in one transaction, with its audit row. The round's
/// rules (open; a withdrawal before the deadline; the form submitted) are checked in the
/// same transaction; a version other than the one the user saw is a conflict. Either way
/// nothing is written. `now` is the app's clock, which the deadline is checked against.
pub fn reopen(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
    base_version: i32,
    how: &Reopening,
    actor_id: i32,
    now: chrono::NaiveDateTime,
) -> QueryResult<SaveOutcome> {
    write_tx(conn, |conn| {
        let existing =
            get_submission(conn, round_id, code)?.ok_or(diesel::result::Error::NotFound)?;
        let round =
            super::rounds::get_round(conn, round_id)?.ok_or(diesel::result::Error::NotFound)?;
        let withdraw = matches!(how, Reopening::Withdraw);
        if let Some(refusal) = access::reopening_refusal(&round, &existing, withdraw, now) {
            return Ok(SaveOutcome::Refused(refusal));
        }
        if existing.version != base_version {
            return Ok(SaveOutcome::Conflict(existing));
        }
        let (withdrawn, reason, reopened) = match how {
            Reopening::Withdraw => (true, None, false),
            Reopening::Reopen { reason } => (false, Some(reason.as_str()), true),
        };
        let changed = diesel::update(
            submissions::table
                .find(existing.id)
                .filter(submissions::version.eq(base_version))
                .filter(submissions::state.eq(SubmissionState::Submitted.as_str())),
        )
        .set((
            submissions::state.eq(SubmissionState::Draft.as_str()),
            submissions::submitted_at.eq(None::<chrono::NaiveDateTime>),
            submissions::submitted_by.eq(None::<i32>),
            submissions::version.eq(submissions::version + 1),
            submissions::updated_at.eq(now),
            submissions::updated_by.eq(Some(actor_id)),
            submissions::reopened.eq(reopened),
        ))
        .execute(conn)?;
        if changed == 0 {
            return conflict(conn, round_id, code);
        }
        let before = ev::Reopened {
            state: existing.state,
            version: existing.version,
            submitted_at: existing.submitted_at,
            submitted_by: existing.submitted_by.clone(),
        };
        let after = ev::BackToDraft {
            state: SubmissionState::Draft,
            version: existing.version + 1,
            reason: reason.map(str::to_owned),
        };
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(actor_id),
                entity_id: existing.id.to_string(),
                event: Event::Submission(if withdrawn {
                    ev::SubmissionEvent::Withdraw { before, after }
                } else {
                    ev::SubmissionEvent::Reopen { before, after }
                }),
            },
            now,
        )?;
        let saved = get_submission(conn, round_id, code)?.ok_or(diesel::result::Error::NotFound)?;
        Ok(SaveOutcome::Saved(saved))
    })
}

/// The municipality's submitted answers in the previous round to what each recommendation
/// of a round continues, keyed by the round's recommendation id (several for a merge): its
/// form in the round `lineage` was made against (the KKR's latest earlier round, see
/// `rounds::previous_round_id`), read by the one domain function every view uses.
pub fn previous_answers(
    conn: &mut DbConnection,
    lineage: &lineage::Lineage,
    code: &MunicipalityCode,
) -> QueryResult<HashMap<i32, Vec<PreviousAnswer>>> {
    let Some((previous_id, _)) = lineage.previous else {
        return Ok(HashMap::new());
    };
    if lineage.links.iter().all(|l| l.from.is_empty()) {
        return Ok(HashMap::new());
    }
    let submission = get_submission(conn, previous_id, code)?;
    Ok(lineage
        .links
        .iter()
        .map(|l| {
            (
                l.recommendation_id,
                lineage::previous_answers(lineage, submission.as_ref(), l.recommendation_id),
            )
        })
        .filter(|(_, answers)| !answers.is_empty())
        .collect())
}

/// Every recorded change to a municipality's submission, oldest first.
pub fn history(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
) -> QueryResult<Vec<audit::AuditEvent>> {
    let id: Option<i32> = submissions::table
        .filter(submissions::round_id.eq(round_id))
        .filter(submissions::municipality_code.eq(code.as_str()))
        .select(submissions::id)
        .get_result(conn)
        .optional()?;
    match id {
        Some(id) => audit::history(conn, "submission", &id.to_string()),
        None => Ok(Vec::new()),
    }
}
