//! Status rounds: their focus areas and recommendations, and everything the aggregation reads.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::audit::{self, AuditEntry};
use super::reference::municipalities_of_kkr;
use super::rows::*;
use super::schema::{
    answers, focus_areas, kkrs, municipalities, recommendation_merges, recommendations,
    round_municipalities, rounds, submissions,
};
use super::DbConnection;
use crate::domain::{
    danish_sort_key, FocusArea, Municipality, MunicipalityCode, Recommendation, Round,
    RoundContent, RoundData, RoundState,
};

/// Rounds, newest year first, then by KKR name.
pub fn list_rounds(conn: &mut DbConnection) -> QueryResult<Vec<Round>> {
    rounds::table
        .inner_join(kkrs::table)
        .order((rounds::year.desc(), kkrs::name.asc()))
        .select((RoundRow::as_select(), kkrs::name))
        .load::<(RoundRow, String)>(conn)?
        .into_iter()
        .map(|(row, kkr_name)| row.into_domain(kkr_name))
        .collect()
}

pub fn get_round(conn: &mut DbConnection, round_id: i32) -> QueryResult<Option<Round>> {
    rounds::table
        .inner_join(kkrs::table)
        .filter(rounds::id.eq(round_id))
        .select((RoundRow::as_select(), kkrs::name))
        .first::<(RoundRow, String)>(conn)
        .optional()?
        .map(|(row, kkr_name)| row.into_domain(kkr_name))
        .transpose()
}

pub fn find_round(conn: &mut DbConnection, kkr_id: i32, year: i32) -> QueryResult<Option<Round>> {
    let id: Option<i32> = rounds::table
        .filter(rounds::kkr_id.eq(kkr_id))
        .filter(rounds::year.eq(year))
        .select(rounds::id)
        .first(conn)
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
    Ok(Some(RoundContent {
        round,
        focus_areas,
        recommendations,
        municipalities,
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
            action: "create",
            entity: "round",
            entity_id: round_id.to_string(),
            before: None,
            after: Some(json!({
                "kkr_id": new.kkr_id,
                "year": new.year,
                "title": new.title,
                "subject": new.subject,
                "deadline": new.deadline,
                "state": new.state.as_str(),
                "participants": participants,
                "focus_areas": new.focus_areas.len(),
                "recommendations": new.focus_areas.iter().map(|a| a.recommendations.len()).sum::<usize>(),
            })),
        },
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
) -> QueryResult<()> {
    super::write_tx(conn, |conn| {
        let before: NaiveDateTime = rounds::table
            .find(round_id)
            .select(rounds::deadline)
            .first(conn)?;
        diesel::update(rounds::table.find(round_id))
            .set(rounds::deadline.eq(deadline))
            .execute(conn)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                action: "set_deadline",
                entity: "round",
                entity_id: round_id.to_string(),
                before: Some(json!({ "deadline": before })),
                after: Some(json!({ "deadline": deadline })),
            },
        )
    })
}

/// Moves a round to another state (open, closed, published), with an audit row.
pub fn set_state(
    conn: &mut DbConnection,
    round_id: i32,
    state: RoundState,
    actor: Option<i32>,
) -> QueryResult<()> {
    super::write_tx(conn, |conn| {
        let before: String = rounds::table
            .find(round_id)
            .select(rounds::state)
            .first(conn)?;
        diesel::update(rounds::table.find(round_id))
            .set(rounds::state.eq(state.as_str()))
            .execute(conn)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                action: "set_state",
                entity: "round",
                entity_id: round_id.to_string(),
                before: Some(json!({ "state": before })),
                after: Some(json!({ "state": state.as_str() })),
            },
        )
    })
}

/// Every round of a KKR before `year`, with its submissions, oldest first.
pub fn earlier_rounds_data(
    conn: &mut DbConnection,
    kkr_id: i32,
    year: i32,
) -> QueryResult<Vec<RoundData>> {
    let ids: Vec<i32> = rounds::table
        .filter(rounds::kkr_id.eq(kkr_id))
        .filter(rounds::year.lt(year))
        .order(rounds::year.asc())
        .select(rounds::id)
        .load(conn)?;
    ids.into_iter()
        .filter_map(|id| load_round_data(conn, id).transpose())
        .collect()
}

/// A round's data analysed against the earlier rounds of its KKR.
pub fn analyse_round(
    conn: &mut DbConnection,
    round_id: i32,
) -> QueryResult<Option<crate::domain::analysis::RoundAnalysis>> {
    let Some(data) = load_round_data(conn, round_id)? else {
        return Ok(None);
    };
    let earlier = earlier_rounds_data(conn, data.content.round.kkr_id, data.content.round.year)?;
    Ok(Some(crate::domain::analysis::analyse(data, earlier)))
}
