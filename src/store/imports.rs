//! Imports carried out: a recommendation set into a draft round, answers into a round as
//! submitted forms. The file is read by the caller first (`domain::import::read_table`), before
//! a connection is taken and outside every transaction; here its rows are checked against the
//! round and planned (a dry run writes nothing); carried out, the plan runs in one transaction
//! with its audit rows, all or nothing.

use chrono::NaiveDateTime;
use std::collections::HashSet;

use diesel::prelude::*;

use super::audit::{self, AuditEntry};
use super::reference::list_municipalities;
use super::rounds::{load_content, load_round_data, ChangeError};
use super::rows::{AnswerInsertForm, SubmissionInsertForm};
use super::schema::{answers, submissions};
use super::{write_tx, DbConnection};
use crate::domain::events::{self as ev, Event};
use crate::domain::import::{self, AnswerImportContext, AnswerPlan, ImportError, SetPlan, Table};
use crate::domain::refusal::RoundRefusal;
use crate::domain::rounds::{answers_are_importable, set_is_editable};
use crate::domain::SubmissionState;

/// Why an import was not carried out; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    /// What is wrong with the file, each error with its place.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<ImportError>),
    /// The round does not take this import now.
    #[error("refused: {0:?}")]
    Refused(RoundRefusal),
    /// The set's links to a previous round cannot be made.
    #[error("{0:?}")]
    Links(crate::domain::set_lineage::LinkRefusal),
    #[error("no round has this id")]
    NotFound,
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
}

impl From<ChangeError> for ImportFailure {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Refused(reason) => ImportFailure::Refused(reason),
            ChangeError::NotFound => ImportFailure::NotFound,
            ChangeError::Database(e) => ImportFailure::Database(e),
        }
    }
}

impl From<crate::domain::InvalidValue> for ImportFailure {
    fn from(e: crate::domain::InvalidValue) -> Self {
        ImportFailure::Refused(RoundRefusal::Invalid(e))
    }
}

/// Whether an import only reports what it would do, or does it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    DryRun,
    Commit,
}

/// The round a set's "Tidligere nr." refer to: `from_round` when given (an earlier round of
/// the same KKR), else the KKR's latest round before this one. `None` for a file without the
/// column (and no `from_round`).
fn previous_for_links(
    conn: &mut DbConnection,
    content: &crate::domain::RoundContent,
    has_column: bool,
    from_round: Option<i32>,
) -> Result<Option<crate::domain::RoundContent>, ImportFailure> {
    use crate::domain::set_lineage::LinkRefusal;
    let round = &content.round;
    let id = match (has_column, from_round) {
        (false, None) => return Ok(None),
        (false, Some(_)) => return Err(ImportFailure::Links(LinkRefusal::NoPreviousColumn)),
        (true, Some(id)) => id,
        (true, None) => super::rounds::previous_round_id(conn, round.kkr_id, round.year)?
            .ok_or(ImportFailure::Links(LinkRefusal::NoPreviousRound))?,
    };
    let previous = load_content(conn, id)?
        .filter(|p| p.round.kkr_id == round.kkr_id && p.round.year < round.year)
        .ok_or(ImportFailure::Links(LinkRefusal::NotAnEarlierRound {
            round_id: id,
        }))?;
    Ok(Some(previous))
}

/// Imports a recommendation set into a draft round: plans it, and with [`Mode::Commit`]
/// carries the plan out in one transaction. Returns the plan. A "Tidligere nr." column links
/// each recommendation to the numbers it continues in `from_round` (by default the KKR's
/// latest earlier round): continued, moved, merged or new; the rest of that round retires.
pub fn import_recommendations(
    conn: &mut DbConnection,
    round_id: i32,
    table: &Table,
    from_round: Option<i32>,
    mode: Mode,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<SetPlan, ImportFailure> {
    let file_name = table.file_name();
    let plan = |conn: &mut DbConnection| -> Result<(SetPlan, Vec<_>), ImportFailure> {
        let content = load_content(conn, round_id)?.ok_or(ImportFailure::NotFound)?;
        set_is_editable(content.round.state)?;
        let set = import::parse_recommendation_set(table).map_err(ImportFailure::Invalid)?;
        let ids: Vec<i32> = content.recommendations.iter().map(|r| r.id).collect();
        let answered: HashSet<i32> = answers::table
            .filter(answers::recommendation_id.eq_any(ids))
            .select(answers::recommendation_id)
            .load::<i32>(conn)?
            .into_iter()
            .collect();
        let mut plan = import::plan_set(file_name, &set, &content, &answered)
            .map_err(ImportFailure::Invalid)?;
        let claims = SetPlan::link_claims(&set);
        if let Some(previous) = previous_for_links(conn, &content, claims.is_some(), from_round)? {
            let claims = claims.unwrap_or_default();
            plan.links = Some(
                crate::domain::set_lineage::plan_links(&claims, &previous)
                    .map_err(ImportFailure::Invalid)?,
            );
        }
        Ok((plan, set))
    };
    match mode {
        Mode::DryRun => plan(conn).map(|(plan, _)| plan),
        Mode::Commit => write_tx(conn, |conn| {
            let (plan, set) = plan(conn)?;
            super::recommendation_sets::apply_imported_set(
                conn,
                round_id,
                &set,
                &plan.area_groups,
            )?;
            if let Some(links) = &plan.links {
                super::set_links::write_links(conn, round_id, links)?;
            }
            audit::record(
                conn,
                AuditEntry {
                    user_id: actor,
                    entity_id: round_id.to_string(),
                    event: Event::Round(ev::RoundEvent::ImportRecommendations {
                        after: ev::SetImported {
                            file: file_name.to_owned(),
                            plan: plan.lines(),
                            via: ev::Via::of(actor),
                        },
                    }),
                },
                now,
            )?;
            Ok(plan)
        }),
    }
}

/// Imports answers into a round as submitted forms, the importing admin recorded as the one
/// who submitted: plans it, and with [`Mode::Commit`] carries the plan out in one transaction.
/// Answers to recommendations the file does not mention are kept.
pub fn import_answers(
    conn: &mut DbConnection,
    round_id: i32,
    table: &Table,
    mode: Mode,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<AnswerPlan, ImportFailure> {
    let file_name = table.file_name();
    let plan = |conn: &mut DbConnection| {
        let data = load_round_data(conn, round_id)?.ok_or(ImportFailure::NotFound)?;
        answers_are_importable(data.content.round.state)?;
        let all = list_municipalities(conn)?;
        let parsed = import::parse_answers(
            table,
            AnswerImportContext {
                content: &data.content,
                all_municipalities: &all,
            },
        )
        .map_err(ImportFailure::Invalid)?;
        let plan = import::plan_answers(&parsed, &data.content, &data.submissions);
        Ok::<_, ImportFailure>((plan, parsed, data))
    };
    match mode {
        Mode::DryRun => plan(conn).map(|(plan, ..)| plan),
        Mode::Commit => write_tx(conn, |conn| {
            let (plan, parsed, data) = plan(conn)?;
            for m in &plan.municipalities {
                let stored = data.submission_of(&m.code);
                let mine: Vec<&import::ImportedAnswer> =
                    parsed.iter().filter(|a| a.municipality == m.code).collect();
                let submission_id = match stored {
                    Some(s) => {
                        diesel::update(submissions::table.find(s.id))
                            .set((
                                submissions::state.eq(SubmissionState::Submitted.as_str()),
                                submissions::submitted_at.eq(Some(now)),
                                submissions::submitted_by.eq(actor),
                                submissions::version.eq(s.version + 1),
                                submissions::updated_at.eq(now),
                                submissions::updated_by.eq(actor),
                                submissions::reopened.eq(false),
                            ))
                            .execute(conn)?;
                        s.id
                    }
                    None => diesel::insert_into(submissions::table)
                        .values(SubmissionInsertForm {
                            round_id,
                            municipality_code: m.code.as_str(),
                            state: SubmissionState::Submitted.as_str(),
                            submitted_at: Some(now),
                            submitted_by: actor,
                            version: 1,
                            updated_at: now,
                            updated_by: actor,
                            proposals: "",
                            reopened: false,
                        })
                        .returning(submissions::id)
                        .get_result(conn)?,
                };
                for a in &mine {
                    let before = stored.and_then(|s| s.answer(a.recommendation_id));
                    diesel::delete(
                        answers::table
                            .filter(answers::submission_id.eq(submission_id))
                            .filter(answers::recommendation_id.eq(a.recommendation_id)),
                    )
                    .execute(conn)?;
                    diesel::insert_into(answers::table)
                        .values(AnswerInsertForm {
                            submission_id,
                            recommendation_id: a.recommendation_id,
                            status: Some(a.status.as_str()),
                            comment: &a.comment,
                            carried: false,
                            evidence_url: a.evidence.as_ref().map(|e| e.as_str()),
                        })
                        .execute(conn)?;
                    let unchanged = before.is_some_and(|b| a.same_as(b));
                    if !unchanged {
                        audit::record(
                            conn,
                            AuditEntry {
                                user_id: actor,
                                entity_id: submission_id.to_string(),
                                event: ev::SubmissionEvent::answer(
                                    a.recommendation_id,
                                    before.map(ev::AnswerValue::of),
                                    Some(ev::AnswerValue::of(&a.answer())),
                                ),
                            },
                            now,
                        )?;
                    }
                }
                audit::record(
                    conn,
                    AuditEntry {
                        user_id: actor,
                        entity_id: submission_id.to_string(),
                        event: ev::SubmissionEvent::stored(
                            true,
                            stored.map(|s| ev::FormVersion {
                                state: s.state,
                                version: s.version,
                                proposals: None,
                                imported_from: None,
                            }),
                            ev::FormVersion {
                                state: SubmissionState::Submitted,
                                version: stored.map_or(1, |s| s.version + 1),
                                proposals: None,
                                imported_from: Some(file_name.to_owned()),
                            },
                        ),
                    },
                    now,
                )?;
            }
            audit::record(
                conn,
                AuditEntry {
                    user_id: actor,
                    entity_id: round_id.to_string(),
                    event: Event::Round(ev::RoundEvent::ImportAnswers {
                        after: ev::AnswersImported {
                            file: file_name.to_owned(),
                            rows: plan.rows,
                            municipalities: plan
                                .municipalities
                                .iter()
                                .map(|m| m.code.to_string())
                                .collect(),
                            via: ev::Via::of(actor),
                        },
                    }),
                },
                now,
            )?;
            Ok(plan)
        }),
    }
}

/// How many rows each table holds, and the data version: a fingerprint that any write
/// changes. Used to show that a failed import left the database as it was.
pub fn fingerprint(conn: &mut DbConnection) -> QueryResult<Vec<(&'static str, i64)>> {
    use super::schema::*;
    Ok(vec![
        ("rounds", rounds::table.count().get_result(conn)?),
        ("focus_areas", focus_areas::table.count().get_result(conn)?),
        (
            "recommendations",
            recommendations::table.count().get_result(conn)?,
        ),
        ("submissions", submissions::table.count().get_result(conn)?),
        ("answers", answers::table.count().get_result(conn)?),
        (
            "audit_events",
            audit_events::table.count().get_result(conn)?,
        ),
        ("data_version", super::data_version(conn)?),
    ])
}
