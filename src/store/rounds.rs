//! Status rounds: their focus areas and recommendations, and everything the aggregation reads.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, AuditEntry};
use super::reference::municipalities_of_kkr;
use super::rows::*;
use super::schema::{
    answers, focus_areas, kkrs, municipalities, recommendation_merges, recommendations,
    round_municipalities, round_versions, rounds, submissions,
};
use super::DbConnection;
use crate::domain::events::{self as ev, Event};
use crate::domain::refusal::RoundRefusal;
use crate::domain::{
    danish_sort_key, FocusArea, Municipality, MunicipalityCode, Recommendation, Round,
    RoundContent, RoundData, RoundState,
};

/// Rounds, newest year first, then by KKR name in Danish order (sorted here: the database's
/// collation may not know æ, ø, å).
pub fn list_rounds(conn: &mut DbConnection) -> QueryResult<Vec<Round>> {
    let mut list = rounds::table
        .inner_join(kkrs::table)
        .select((RoundRow::as_select(), kkrs::name))
        .load::<(RoundRow, String)>(conn)?
        .into_iter()
        .map(|(row, kkr_name)| row.into_domain(kkr_name))
        .collect::<QueryResult<Vec<_>>>()?;
    list.sort_by_cached_key(|r| (std::cmp::Reverse(r.year), danish_sort_key(&r.kkr_name)));
    Ok(list)
}

pub fn get_round(conn: &mut DbConnection, round_id: i32) -> QueryResult<Option<Round>> {
    rounds::table
        .inner_join(kkrs::table)
        .filter(rounds::id.eq(round_id))
        .select((RoundRow::as_select(), kkrs::name))
        .get_result::<(RoundRow, String)>(conn)
        .optional()?
        .map(|(row, kkr_name)| row.into_domain(kkr_name))
        .transpose()
}

/// The rounds with these ids, by id, in one statement (a group of saves reads its rounds so,
/// while it holds the write lock).
pub fn get_rounds(
    conn: &mut DbConnection,
    round_ids: &[i32],
) -> QueryResult<std::collections::HashMap<i32, Round>> {
    rounds::table
        .inner_join(kkrs::table)
        .filter(rounds::id.eq_any(round_ids))
        .select((RoundRow::as_select(), kkrs::name))
        .load::<(RoundRow, String)>(conn)?
        .into_iter()
        .map(|(row, kkr_name)| row.into_domain(kkr_name).map(|round| (round.id, round)))
        .collect()
}

pub fn find_round(conn: &mut DbConnection, kkr_id: i32, year: i32) -> QueryResult<Option<Round>> {
    let id: Option<i32> = rounds::table
        .filter(rounds::kkr_id.eq(kkr_id))
        .filter(rounds::year.eq(year))
        .select(rounds::id)
        .get_result(conn)
        .optional()?;
    match id {
        Some(id) => get_round(conn, id),
        None => Ok(None),
    }
}

/// A round with its focus areas, recommendations and municipalities.
pub fn load_content(conn: &mut DbConnection, round_id: i32) -> QueryResult<Option<RoundContent>> {
    let Some(round) = get_round(conn, round_id)? else {
        return Ok(None);
    };
    let focus_areas = focus_areas::table
        .filter(focus_areas::round_id.eq(round_id))
        .order(focus_areas::number.asc())
        .select(FocusAreaRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| FocusArea {
            id: row.id,
            number: row.number,
            title: row.title,
            group_id: row.group_id,
        })
        .collect::<Vec<_>>();
    let mut recommendations: Vec<Recommendation> = recommendations::table
        .inner_join(focus_areas::table)
        .filter(focus_areas::round_id.eq(round_id))
        .order((focus_areas::number.asc(), recommendations::position.asc()))
        .select(RecommendationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Recommendation::from)
        .collect();
    let merges: Vec<(i32, i32)> = recommendation_merges::table
        .filter(
            recommendation_merges::recommendation_id
                .eq_any(recommendations.iter().map(|r| r.id).collect::<Vec<_>>()),
        )
        .order(recommendation_merges::merged_from.asc())
        .select((
            recommendation_merges::recommendation_id,
            recommendation_merges::merged_from,
        ))
        .load(conn)?;
    for (into, from) in merges {
        if let Some(rec) = recommendations.iter_mut().find(|r| r.id == into) {
            rec.merged_from.push(from);
        }
    }
    let municipalities = participants(conn, round_id)?;
    let groups = super::groups::of_round(conn, &round, &municipalities)?;
    Ok(Some(RoundContent {
        round,
        focus_areas,
        recommendations,
        municipalities,
        groups,
    }))
}

/// The municipalities that take part in a round, in Danish name order.
pub fn participants(conn: &mut DbConnection, round_id: i32) -> QueryResult<Vec<Municipality>> {
    let mut list = municipalities::table
        .inner_join(round_municipalities::table)
        .filter(round_municipalities::round_id.eq(round_id))
        .select(MunicipalityRow::as_select())
        .load(conn)?
        .into_iter()
        .map(MunicipalityRow::into_domain)
        .collect::<QueryResult<Vec<_>>>()?;
    list.sort_by_cached_key(|m| danish_sort_key(&m.name));
    Ok(list)
}

/// The rounds a municipality takes part in (a round may leave some of its KKR's out).
pub fn rounds_taking_part(conn: &mut DbConnection, code: &str) -> QueryResult<Vec<i32>> {
    round_municipalities::table
        .filter(round_municipalities::municipality_code.eq(code))
        .select(round_municipalities::round_id)
        .load(conn)
}

/// A round's content and all its submissions with their answers: the aggregation's input.
pub fn load_round_data(conn: &mut DbConnection, round_id: i32) -> QueryResult<Option<RoundData>> {
    let Some(content) = load_content(conn, round_id)? else {
        return Ok(None);
    };
    let submission_rows: Vec<SubmissionRow> = submissions::table
        .filter(submissions::round_id.eq(round_id))
        .select(SubmissionRow::as_select())
        .load(conn)?;
    let names = super::submissions::user_names(
        conn,
        submission_rows
            .iter()
            .flat_map(|r| [r.submitted_by, r.updated_by])
            .flatten(),
    )?;
    let answer_rows: Vec<AnswerRow> = answers::table
        .inner_join(submissions::table)
        .filter(submissions::round_id.eq(round_id))
        .select(AnswerRow::as_select())
        .load(conn)?;
    let mut by_submission: std::collections::HashMap<i32, Vec<crate::domain::Answer>> =
        std::collections::HashMap::new();
    for row in answer_rows {
        let submission_id = row.submission_id;
        by_submission
            .entry(submission_id)
            .or_default()
            .push(row.into_domain()?);
    }
    let submissions = submission_rows
        .into_iter()
        .map(|row| {
            let answers = by_submission.remove(&row.id).unwrap_or_default();
            let submitted_by = row.submitted_by.and_then(|id| names.get(&id).cloned());
            let updated_by = row.updated_by.and_then(|id| names.get(&id).cloned());
            row.into_domain(submitted_by, updated_by, answers)
        })
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Some(RoundData {
        content,
        submissions,
    }))
}

/// A round as it is to be created: its focus areas, each with its recommendations.
#[derive(Debug, Clone)]
pub struct NewRound {
    pub kkr_id: i32,
    pub year: i32,
    pub title: String,
    pub subject: String,
    pub deadline: NaiveDateTime,
    pub state: RoundState,
    /// The municipalities taking part; `None` for every municipality of the KKR.
    pub participants: Option<Vec<MunicipalityCode>>,
    pub focus_areas: Vec<NewFocusArea>,
}

#[derive(Debug, Clone)]
pub struct NewFocusArea {
    pub number: i32,
    pub title: String,
    /// The group (job cluster) the focus area belongs to; `None` for the whole round.
    pub group_id: Option<i32>,
    pub recommendations: Vec<NewRecommendation>,
}

#[derive(Debug, Clone)]
pub struct NewRecommendation {
    pub code: String,
    pub text: String,
    pub binding: bool,
    /// Id of the same recommendation in the previous round.
    pub carried_from: Option<i32>,
}

/// Creates a round with its focus areas and recommendations, with one audit row, in the
/// caller's transaction. Returns the new round's id.
pub fn insert_round(
    conn: &mut DbConnection,
    new: &NewRound,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    let round_id: i32 = diesel::insert_into(rounds::table)
        .values(RoundInsertForm {
            kkr_id: new.kkr_id,
            year: new.year,
            title: &new.title,
            subject: &new.subject,
            deadline: new.deadline,
            state: new.state.as_str(),
        })
        .returning(rounds::id)
        .get_result(conn)?;
    let participants: Vec<String> = match &new.participants {
        Some(codes) => codes.iter().map(|c| c.to_string()).collect(),
        None => municipalities_of_kkr(conn, new.kkr_id)?
            .into_iter()
            .map(|m| m.code.to_string())
            .collect(),
    };
    for code in &participants {
        diesel::insert_into(round_municipalities::table)
            .values((
                round_municipalities::round_id.eq(round_id),
                round_municipalities::municipality_code.eq(code),
            ))
            .execute(conn)?;
    }
    for area in &new.focus_areas {
        let area_id: i32 = diesel::insert_into(focus_areas::table)
            .values(FocusAreaInsertForm {
                round_id,
                number: area.number,
                title: &area.title,
                proposal_submission_id: None,
                group_id: area.group_id,
            })
            .returning(focus_areas::id)
            .get_result(conn)?;
        for (position, rec) in (1..).zip(&area.recommendations) {
            diesel::insert_into(recommendations::table)
                .values(RecommendationInsertForm {
                    focus_area_id: area_id,
                    code: &rec.code,
                    text: &rec.text,
                    binding: rec.binding,
                    position,
                    carried_from: rec.carried_from,
                })
                .execute(conn)?;
        }
    }
    audit::record(
        conn,
        AuditEntry {
            user_id: actor,
            entity_id: round_id.to_string(),
            event: Event::Round(ev::RoundEvent::Create {
                after: ev::RoundCreated {
                    kkr_id: new.kkr_id,
                    year: new.year,
                    title: new.title.clone(),
                    subject: new.subject.clone(),
                    deadline: new.deadline,
                    state: new.state,
                    participants: participants.clone(),
                    focus_areas: new.focus_areas.len(),
                    recommendations: new
                        .focus_areas
                        .iter()
                        .map(|a| a.recommendations.len())
                        .sum(),
                },
            }),
        },
        now,
    )?;
    Ok(round_id)
}

/// Ids of a round's recommendations by code ("1.2" -> id), to link the next round to it.
pub fn recommendation_ids_by_code(
    conn: &mut DbConnection,
    round_id: i32,
) -> QueryResult<Vec<(String, i32)>> {
    recommendations::table
        .inner_join(focus_areas::table)
        .filter(focus_areas::round_id.eq(round_id))
        .select((recommendations::code, recommendations::id))
        .load(conn)
}

/// Moves a round's deadline (UTC), with an audit row, in one transaction.
pub fn set_deadline(
    conn: &mut DbConnection,
    round_id: i32,
    deadline: NaiveDateTime,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    super::write_tx(conn, |conn| {
        let before: NaiveDateTime = rounds::table
            .find(round_id)
            .select(rounds::deadline)
            .get_result(conn)?;
        diesel::update(rounds::table.find(round_id))
            .set(rounds::deadline.eq(deadline))
            .execute(conn)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                entity_id: round_id.to_string(),
                event: Event::Round(ev::RoundEvent::SetDeadline {
                    before: ev::Deadline { deadline: before },
                    after: ev::Deadline { deadline },
                }),
            },
            now,
        )
    })
}

/// Moves a round to another state (open, closed, published), with an audit row.
pub fn set_state(
    conn: &mut DbConnection,
    round_id: i32,
    state: RoundState,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    super::write_tx(conn, |conn| {
        let before: String = rounds::table
            .find(round_id)
            .select(rounds::state)
            .get_result(conn)?;
        diesel::update(rounds::table.find(round_id))
            .set(rounds::state.eq(state.as_str()))
            .execute(conn)?;
        if state == RoundState::Closed {
            // A closed round's clusters keep the members they had, whatever happens later.
            super::groups::keep_round_members(conn, round_id)?;
        }
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                entity_id: round_id.to_string(),
                event: Event::Round(ev::RoundEvent::SetState {
                    before: ev::StateOf {
                        state: RoundState::parse(&before).map_err(super::stored_value)?,
                    },
                    after: ev::StateOf { state },
                }),
            },
            now,
        )
    })
}

/// A round's change marker (see [`earlier_round_versions`]); `None` for an unknown round.
pub fn round_version(conn: &mut DbConnection, round_id: i32) -> QueryResult<Option<i64>> {
    round_versions::table
        .find(round_id)
        .select(round_versions::version)
        .get_result(conn)
        .optional()
}

/// The round's content marker: it moves with every committed change to what
/// [`load_content`] reads (the round, its focus areas, recommendations, merges and
/// municipalities, and their names), and not when a form is saved (see the
/// `round_form_changes` migration).
pub fn content_version(conn: &mut DbConnection, round_id: i32) -> QueryResult<Option<i64>> {
    round_versions::table
        .find(round_id)
        .select(round_versions::version - round_versions::form_changes)
        .get_result(conn)
        .optional()
}

/// What a municipality's form is read at: the round's content marker (see
/// [`content_version`]) and the KKR's latest earlier round, the one its answers are compared
/// with, with that round's change marker (see [`earlier_round_versions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormMarkers {
    pub content: i64,
    /// The previous round's id and change marker.
    pub previous: Option<(i32, i64)>,
}

/// The [`FormMarkers`] of a round in one statement (a form page and every save read them
/// first; the content and last year's data then come from the cache), `None` for an unknown
/// round.
pub fn form_markers(conn: &mut DbConnection, round_id: i32) -> QueryResult<Option<FormMarkers>> {
    let asked = diesel::alias!(rounds as asked);
    let kkr = asked
        .filter(asked.field(rounds::id).eq(round_id))
        .select(asked.field(rounds::kkr_id))
        .single_value();
    let year = asked
        .filter(asked.field(rounds::id).eq(round_id))
        .select(asked.field(rounds::year))
        .single_value();
    // A KKR has one round a year, so the round and the one before it are the newest two up to
    // its year.
    let query = rounds::table
        .inner_join(round_versions::table)
        .filter(rounds::kkr_id.nullable().eq(kkr))
        .filter(rounds::year.nullable().le(year))
        .order(rounds::year.desc())
        .limit(2)
        .select((
            rounds::id,
            rounds::year,
            round_versions::version,
            round_versions::form_changes,
        ));
    // On the backend's own connection, whose statement cache knows the query by its type.
    let rows: Vec<(i32, i32, i64, i64)> = match conn {
        DbConnection::Sqlite(conn) => query.load(conn)?,
        DbConnection::Postgres(conn) => query.load(conn)?,
    };
    let Some(&(_, asked_year, version, form_changes)) = rows.iter().find(|r| r.0 == round_id)
    else {
        return Ok(None);
    };
    Ok(Some(FormMarkers {
        content: version - form_changes,
        previous: rows
            .iter()
            .find(|r| r.1 < asked_year)
            .map(|&(id, _, version, _)| (id, version)),
    }))
}

/// The change markers of a KKR's rounds before `year`, oldest first: (round id, version).
/// A round's marker moves with every committed change to its data (database triggers keep
/// it; see the `round_versions` migration).
pub fn earlier_round_versions(
    conn: &mut DbConnection,
    kkr_id: i32,
    year: i32,
) -> QueryResult<Vec<(i32, i64)>> {
    rounds::table
        .inner_join(round_versions::table)
        .filter(rounds::kkr_id.eq(kkr_id))
        .filter(rounds::year.lt(year))
        .order(rounds::year.asc())
        .select((rounds::id, round_versions::version))
        .load(conn)
}

/// A round's data analysed against the earlier rounds of its KKR.
pub fn analyse_round(
    conn: &mut DbConnection,
    round_id: i32,
) -> QueryResult<Option<crate::domain::analysis::RoundAnalysis>> {
    analyse_round_reusing(conn, round_id, |_, _| None, |_, _, _| {})
}

/// An earlier round's data with its summary, as the trend of a later round reads it.
pub type EarlierRound = (
    std::sync::Arc<RoundData>,
    std::sync::Arc<crate::domain::Summary>,
);

/// Like [`analyse_round`], but an earlier round (its data and summary) comes from
/// `cached(id, version)` when that has it at the round's current change marker; what is
/// loaded instead is handed to `loaded(id, version, round)` to keep. The markers are read
/// before the data, so what is kept under a marker is never older than the marker says.
pub fn analyse_round_reusing(
    conn: &mut DbConnection,
    round_id: i32,
    cached: impl Fn(i32, i64) -> Option<EarlierRound>,
    loaded: impl Fn(i32, i64, &EarlierRound),
) -> QueryResult<Option<crate::domain::analysis::RoundAnalysis>> {
    let Some(data) = load_round_data(conn, round_id)? else {
        return Ok(None);
    };
    let versions =
        earlier_round_versions(conn, data.content.round.kkr_id, data.content.round.year)?;
    let mut earlier = Vec::with_capacity(versions.len());
    for (id, version) in versions {
        if let Some(kept) = cached(id, version) {
            earlier.push(kept);
        } else if let Some(fresh) = load_round_data(conn, id)? {
            let summary = crate::domain::summarise(&fresh);
            let fresh = (std::sync::Arc::new(fresh), std::sync::Arc::new(summary));
            loaded(id, version, &fresh);
            earlier.push(fresh);
        }
    }
    Ok(Some(crate::domain::analysis::analyse_summarised(
        data, earlier,
    )))
}

/// Why a change to a round was not made. `Refused` carries the Danish reason a page shows;
/// nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("refused: {0:?}")]
    Refused(RoundRefusal),
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
}

impl From<crate::domain::InvalidValue> for ChangeError {
    fn from(e: crate::domain::InvalidValue) -> Self {
        ChangeError::Refused(RoundRefusal::Invalid(e))
    }
}

/// A KKR's rounds, newest first.
pub fn rounds_of_kkr(conn: &mut DbConnection, kkr_id: i32) -> QueryResult<Vec<Round>> {
    Ok(list_rounds(conn)?
        .into_iter()
        .filter(|r| r.kkr_id == kkr_id)
        .collect())
}

/// The id of the KKR's latest round before `year`: the round a round is compared with.
pub fn previous_round_id(
    conn: &mut DbConnection,
    kkr_id: i32,
    year: i32,
) -> QueryResult<Option<i32>> {
    rounds::table
        .filter(rounds::kkr_id.eq(kkr_id))
        .filter(rounds::year.lt(year))
        .order(rounds::year.desc())
        .select(rounds::id)
        .first(conn)
        .optional()
}

/// The KKR's latest round before `year`, if any.
pub fn latest_round_before(
    conn: &mut DbConnection,
    kkr_id: i32,
    year: i32,
) -> QueryResult<Option<Round>> {
    let id: Option<i32> = rounds::table
        .filter(rounds::kkr_id.eq(kkr_id))
        .filter(rounds::year.lt(year))
        .order(rounds::year.desc())
        .select(rounds::id)
        .first(conn)
        .optional()?;
    match id {
        Some(id) => get_round(conn, id),
        None => Ok(None),
    }
}

/// A round to create, as a page or the command line has parsed it.
#[derive(Debug, Clone)]
pub struct CreateRound {
    pub kkr_id: i32,
    pub setup: crate::domain::rounds::RoundSetup,
    /// `None` for every municipality of the KKR.
    pub participants: Option<Vec<MunicipalityCode>>,
    /// Copy the focus areas and recommendations of the KKR's latest earlier round, each
    /// linked to the one it continues.
    pub from_previous: bool,
}

/// Creates a round as a draft, in one transaction with its audit row. Returns its id.
pub fn create_round(
    conn: &mut DbConnection,
    create: &CreateRound,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<i32, ChangeError> {
    super::write_tx(conn, |conn| {
        let kkr_name =
            super::reference::kkr_name(conn, create.kkr_id)?.ok_or(ChangeError::NotFound)?;
        let year = create.setup.year;
        if find_round(conn, create.kkr_id, year)?.is_some() {
            return Err(ChangeError::Refused(RoundRefusal::YearTaken {
                kkr_name,
                year,
            }));
        }
        if let Some(codes) = &create.participants {
            check_participants(conn, create.kkr_id, &kkr_name, codes)?;
        }
        let focus_areas = if create.from_previous {
            let previous = latest_round_before(conn, create.kkr_id, year)?.ok_or_else(|| {
                ChangeError::Refused(RoundRefusal::NoEarlierRound {
                    kkr_name: kkr_name.clone(),
                    year,
                })
            })?;
            let content = load_content(conn, previous.id)?.ok_or(ChangeError::NotFound)?;
            content
                .focus_areas
                .iter()
                .map(|area| NewFocusArea {
                    number: area.number,
                    title: area.title.clone(),
                    group_id: area.group_id,
                    recommendations: content
                        .recommendations_of(area.id)
                        .map(|r| NewRecommendation {
                            code: r.code.clone(),
                            text: r.text.clone(),
                            binding: r.binding,
                            carried_from: Some(r.id),
                        })
                        .collect(),
                })
                .collect()
        } else {
            Vec::new()
        };
        let id = insert_round(
            conn,
            &NewRound {
                kkr_id: create.kkr_id,
                year,
                title: create.setup.title.clone(),
                subject: create.setup.subject.clone(),
                deadline: create.setup.deadline,
                state: RoundState::Draft,
                participants: create.participants.clone(),
                focus_areas,
            },
            actor,
            now,
        )?;
        super::reminder_plan::ensure_default(conn, id, create.setup.deadline)?;
        Ok(id)
    })
}

fn check_participants(
    conn: &mut DbConnection,
    kkr_id: i32,
    kkr_name: &str,
    codes: &[MunicipalityCode],
) -> Result<(), ChangeError> {
    if codes.is_empty() {
        return Err(ChangeError::Refused(RoundRefusal::NoParticipants));
    }
    let of_kkr = municipalities_of_kkr(conn, kkr_id)?;
    for code in codes {
        if !of_kkr.iter().any(|m| &m.code == code) {
            return Err(ChangeError::Refused(RoundRefusal::NotOfKkr {
                code: code.clone(),
                kkr_name: kkr_name.to_owned(),
            }));
        }
    }
    Ok(())
}

/// Moves a round one step in its life cycle (draft → open → closed → published), checked
/// against the rules, with an audit row, in one transaction. Opening makes the reminder
/// plan's opening step due (the outbox's sender mails it); publishing queues the notice to
/// the round's readers and the KKR's members (links starting with `links`).
pub fn change_state(
    conn: &mut DbConnection,
    round_id: i32,
    to: RoundState,
    actor: Option<i32>,
    links: &crate::notices::Links,
    now: NaiveDateTime,
) -> Result<(), ChangeError> {
    super::write_tx(conn, |conn| {
        let content = load_content(conn, round_id)?.ok_or(ChangeError::NotFound)?;
        let facts = crate::domain::rounds::OpeningFacts {
            recommendations: content.recommendations.len(),
            participants: content.municipalities.len(),
            empty_focus_areas: content
                .focus_areas
                .iter()
                .filter(|a| content.recommendations_of(a.id).next().is_none())
                .count(),
        };
        crate::domain::rounds::check_transition(content.round.state, to, facts)?;
        set_state(conn, round_id, to, actor, now)?;
        super::schedule::drop_overtaken(conn, round_id, to)?;
        match to {
            RoundState::Open => {
                super::reminder_plan::at_opening(conn, round_id, content.round.deadline, now)?
            }
            RoundState::Published => {
                super::notices::round_published(conn, round_id, links, actor, now)?;
            }
            RoundState::Draft | RoundState::Closed => {}
        }
        Ok(())
    })
}

/// Moves an open or draft round's deadline (UTC), with an audit row, in one transaction: the
/// reminder plan's steps counted from the deadline move with it, and while the round is open
/// the participating municipalities' editors are told (links starting with `links`).
pub fn move_deadline(
    conn: &mut DbConnection,
    round_id: i32,
    deadline: NaiveDateTime,
    actor: Option<i32>,
    links: &crate::notices::Links,
    now: NaiveDateTime,
) -> Result<(), ChangeError> {
    super::write_tx(conn, |conn| {
        let round = get_round(conn, round_id)?.ok_or(ChangeError::NotFound)?;
        crate::domain::rounds::deadline_is_movable(round.state)?;
        set_deadline(conn, round_id, deadline, actor, now)?;
        let open = round.state == RoundState::Open;
        super::reminder_plan::follow_deadline(conn, round_id, deadline, open, now)?;
        super::schedule::follow_deadline(conn, round_id, deadline)?;
        if open && deadline != round.deadline {
            super::notices::deadline_moved(conn, round_id, round.deadline, links, actor, now)?;
        }
        Ok(())
    })
}

/// Sets the municipalities that take part in a round, with an audit row, in one transaction.
/// A municipality that already has a form in the round cannot be left out.
pub fn set_participants(
    conn: &mut DbConnection,
    round_id: i32,
    codes: &[MunicipalityCode],
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<(), ChangeError> {
    super::write_tx(conn, |conn| {
        let round = get_round(conn, round_id)?.ok_or(ChangeError::NotFound)?;
        crate::domain::rounds::participants_are_editable(round.state)?;
        check_participants(conn, round.kkr_id, &round.kkr_name, codes)?;
        let before: Vec<String> = participants(conn, round_id)?
            .into_iter()
            .map(|m| m.code.to_string())
            .collect();
        let after: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
        let with_forms: Vec<String> = submissions::table
            .filter(submissions::round_id.eq(round_id))
            .select(submissions::municipality_code)
            .load(conn)?;
        if let Some(code) = with_forms.iter().find(|c| !after.contains(c)) {
            let name: String = municipalities::table
                .find(code)
                .select(municipalities::name)
                .get_result(conn)?;
            return Err(ChangeError::Refused(RoundRefusal::HasForm {
                municipality: name,
            }));
        }
        diesel::delete(
            round_municipalities::table.filter(round_municipalities::round_id.eq(round_id)),
        )
        .execute(conn)?;
        for code in &after {
            diesel::insert_into(round_municipalities::table)
                .values((
                    round_municipalities::round_id.eq(round_id),
                    round_municipalities::municipality_code.eq(code),
                ))
                .execute(conn)?;
        }
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                entity_id: round_id.to_string(),
                event: Event::Round(ev::RoundEvent::SetParticipants {
                    before: ev::Participants {
                        participants: before,
                    },
                    after: ev::Participants {
                        participants: after,
                    },
                }),
            },
            now,
        )?;
        Ok(())
    })
}

/// A municipality's proposals for new focus areas in a round, and what became of them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Proposal {
    pub submission_id: i32,
    pub code: MunicipalityCode,
    pub municipality: String,
    pub submitted: bool,
    pub text: String,
    /// The focus areas made from it: (round id, year, number, title).
    pub adopted_as: Vec<(i32, i32, i32, String)>,
}

/// Every proposal for new focus areas made in a round's forms, in municipality name order.
pub fn proposals(conn: &mut DbConnection, round_id: i32) -> QueryResult<Vec<Proposal>> {
    let rows: Vec<(i32, String, String, String, String)> = submissions::table
        .inner_join(municipalities::table)
        .filter(submissions::round_id.eq(round_id))
        .filter(submissions::proposals.ne(""))
        .select((
            submissions::id,
            submissions::municipality_code,
            municipalities::name,
            submissions::state,
            submissions::proposals,
        ))
        .load(conn)?;
    let ids: Vec<i32> = rows.iter().map(|r| r.0).collect();
    let adopted: Vec<(Option<i32>, i32, i32, i32, String)> = focus_areas::table
        .inner_join(rounds::table)
        .filter(focus_areas::proposal_submission_id.eq_any(ids))
        .select((
            focus_areas::proposal_submission_id,
            rounds::id,
            rounds::year,
            focus_areas::number,
            focus_areas::title,
        ))
        .load(conn)?;
    let mut list = rows
        .into_iter()
        .map(|(id, code, name, state, text)| {
            Ok(Proposal {
                submission_id: id,
                code: parse_code(&code)?,
                municipality: name,
                submitted: state == crate::domain::SubmissionState::Submitted.as_str(),
                text,
                adopted_as: adopted
                    .iter()
                    .filter(|a| a.0 == Some(id))
                    .map(|a| (a.1, a.2, a.3, a.4.clone()))
                    .collect(),
            })
        })
        .collect::<QueryResult<Vec<_>>>()?;
    list.sort_by_cached_key(|p| danish_sort_key(&p.municipality));
    Ok(list)
}

/// The draft a round's proposals go into: the KKR's next draft round after it.
pub fn next_draft(conn: &mut DbConnection, round: &Round) -> QueryResult<Option<Round>> {
    let id: Option<i32> = rounds::table
        .filter(rounds::kkr_id.eq(round.kkr_id))
        .filter(rounds::year.gt(round.year))
        .filter(rounds::state.eq(RoundState::Draft.as_str()))
        .order(rounds::year.asc())
        .select(rounds::id)
        .first(conn)
        .optional()?;
    match id {
        Some(id) => get_round(conn, id),
        None => Ok(None),
    }
}

/// Turns a municipality's proposal into a new focus area (last in order) of the KKR's next
/// draft round, with an audit row, in one transaction. Returns the draft's id.
pub fn adopt_proposal(
    conn: &mut DbConnection,
    submission_id: i32,
    title: &str,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<i32, ChangeError> {
    super::write_tx(conn, |conn| {
        let (round_id, code): (i32, String) = submissions::table
            .find(submission_id)
            .select((submissions::round_id, submissions::municipality_code))
            .get_result(conn)
            .optional()?
            .ok_or(ChangeError::NotFound)?;
        let round = get_round(conn, round_id)?.ok_or(ChangeError::NotFound)?;
        let draft = next_draft(conn, &round)?.ok_or_else(|| {
            ChangeError::Refused(RoundRefusal::NoDraftAfter {
                kkr_name: round.kkr_name.clone(),
                year: round.year,
            })
        })?;
        let area_id = super::recommendation_sets::insert_focus_area(
            conn,
            draft.id,
            title,
            None,
            Some(submission_id),
        )?;
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                entity_id: draft.id.to_string(),
                event: Event::Round(ev::RoundEvent::AdoptProposal {
                    after: ev::AdoptedProposal {
                        focus_area_id: area_id,
                        title: title.to_owned(),
                        proposed_in_round: round_id,
                        proposed_by: code,
                    },
                }),
            },
            now,
        )?;
        Ok(draft.id)
    })
}

/// The municipalities whose proposals became focus areas of a round (by adoption), for
/// the agenda item's account of the set's changes; in focus area order.
pub fn focus_area_proposers(
    conn: &mut DbConnection,
    round_id: i32,
) -> QueryResult<Vec<crate::domain::set_changes::Proposer>> {
    let adopted: Vec<(i32, Option<i32>)> = focus_areas::table
        .filter(focus_areas::round_id.eq(round_id))
        .filter(focus_areas::proposal_submission_id.is_not_null())
        .order(focus_areas::number.asc())
        .select((focus_areas::id, focus_areas::proposal_submission_id))
        .load(conn)?;
    let ids: Vec<i32> = adopted.iter().filter_map(|(_, s)| *s).collect();
    let names: Vec<(i32, String)> = submissions::table
        .inner_join(municipalities::table)
        .filter(submissions::id.eq_any(ids))
        .select((submissions::id, municipalities::name))
        .load(conn)?;
    Ok(adopted
        .into_iter()
        .filter_map(|(area, submission)| {
            let name = names.iter().find(|(id, _)| Some(*id) == submission)?;
            Some(crate::domain::set_changes::Proposer {
                focus_area_id: area,
                municipality: crate::domain::official_name(&name.1),
            })
        })
        .collect())
}

/// The code and round year of each of the given recommendations.
pub fn codes_and_years(
    conn: &mut DbConnection,
    ids: &[i32],
) -> QueryResult<std::collections::HashMap<i32, (String, i32)>> {
    Ok(recommendations::table
        .inner_join(focus_areas::table.inner_join(rounds::table))
        .filter(recommendations::id.eq_any(ids))
        .select((recommendations::id, recommendations::code, rounds::year))
        .load::<(i32, String, i32)>(conn)?
        .into_iter()
        .map(|(id, code, year)| (id, (code, year)))
        .collect())
}

/// How many municipalities have a form (draft or submitted) in a round.
pub fn form_count(conn: &mut DbConnection, round_id: i32) -> QueryResult<i64> {
    submissions::table
        .filter(submissions::round_id.eq(round_id))
        .count()
        .get_result(conn)
}

/// Every recorded change to a round, oldest first.
pub fn history(conn: &mut DbConnection, round_id: i32) -> QueryResult<Vec<audit::AuditEvent>> {
    audit::history(conn, "round", &round_id.to_string())
}

/// The year a round's cooperation began, as the secretariat gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CooperationStart {
    pub year: i32,
    /// The year of the round it was given for: this round's, or an earlier round's of the
    /// same KKR and subject (given once, it holds for the rounds after).
    pub given_for: i32,
}

/// The start year given for the round itself, else for the KKR's latest earlier round on the
/// same subject that has one; `None` when none was given (or the round is unknown).
pub fn cooperation_start(
    conn: &mut DbConnection,
    round_id: i32,
) -> QueryResult<Option<CooperationStart>> {
    let Some((kkr_id, year, subject)) = rounds::table
        .find(round_id)
        .select((rounds::kkr_id, rounds::year, rounds::subject))
        .get_result::<(i32, i32, String)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let given: Vec<(i32, String, Option<i32>)> = rounds::table
        .filter(rounds::kkr_id.eq(kkr_id))
        .filter(rounds::year.le(year))
        .filter(rounds::cooperation_start_year.is_not_null())
        .select((
            rounds::year,
            rounds::subject,
            rounds::cooperation_start_year,
        ))
        .load(conn)?;
    Ok(given
        .into_iter()
        .filter(|(_, s, _)| s.trim() == subject.trim())
        .filter_map(|(given_for, _, start)| start.map(|year| CooperationStart { year, given_for }))
        .max_by_key(|c| c.given_for))
}

/// Sets (or, with `None`, clears) the start year given for the round, with an audit row, in
/// one transaction.
pub fn set_cooperation_start_year(
    conn: &mut DbConnection,
    round_id: i32,
    year: Option<i32>,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<(), ChangeError> {
    super::write_tx(conn, |conn| {
        let before: Option<i32> = rounds::table
            .find(round_id)
            .select(rounds::cooperation_start_year)
            .get_result::<Option<i32>>(conn)
            .optional()?
            .ok_or(ChangeError::NotFound)?;
        diesel::update(rounds::table.find(round_id))
            .set(rounds::cooperation_start_year.eq(year))
            .execute(conn)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                entity_id: round_id.to_string(),
                event: Event::Round(ev::RoundEvent::SetCooperationStartYear {
                    before: ev::StartYear { year: before },
                    after: ev::StartYear { year },
                }),
            },
            now,
        )?;
        Ok(())
    })
}

/// How many municipalities a KKR has, taking part in a round or not.
pub fn kkr_municipality_count(conn: &mut DbConnection, kkr_id: i32) -> QueryResult<usize> {
    let n: i64 = municipalities::table
        .filter(municipalities::kkr_id.eq(kkr_id))
        .count()
        .get_result(conn)?;
    Ok(usize::try_from(n).unwrap_or(0))
}
