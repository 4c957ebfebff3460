//! A round's recommendation set while the round is a draft: focus areas added, renamed and
//! reordered; recommendations added, reworded, reordered, moved, made binding or voluntary,
//! retired and merged. Every change runs in one transaction with an audit row on the round,
//! and is refused once the round has opened.
//!
//! Codes follow the order: after a change that moves anything, focus areas are numbered
//! 1, 2, 3 … and each recommendation's code is "area.position" ("2.3").

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, AuditEntry};
use super::rounds::{get_round, ChangeError};
use super::rows::{FocusAreaInsertForm, RecommendationInsertForm};
use super::schema::{answers, focus_areas, recommendation_merges, recommendations};
use super::set_edits::{
    checked_text, draft_round, record_edit, SavedRecommendation, SetEdit, SetError, SetRefusal,
};
use super::{write_tx, DbConnection};
use crate::domain::events::{self as ev, Event};
use crate::domain::refusal::{End, RoundRefusal};
use crate::domain::rounds::{
    recommendation_code, required_text, set_is_editable, TEXT_MAX_CHARS, TITLE_MAX_CHARS,
};

/// Up or down in a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    /// The end of the list a move this way cannot go past.
    fn end(self) -> End {
        match self {
            Direction::Up => End::First,
            Direction::Down => End::Last,
        }
    }
}

pub(super) fn record(
    conn: &mut DbConnection,
    round_id: i32,
    actor: Option<i32>,
    event: ev::RoundEvent,
    now: NaiveDateTime,
) -> QueryResult<()> {
    audit::record(
        conn,
        AuditEntry {
            user_id: actor,
            entity_id: round_id.to_string(),
            event: Event::Round(event),
        },
        now,
    )
}

/// The round must exist and be a draft.
fn editable_round(conn: &mut DbConnection, round_id: i32) -> Result<(), ChangeError> {
    let round = get_round(conn, round_id)?.ok_or(ChangeError::NotFound)?;
    set_is_editable(round.state)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable)]
struct AreaRow {
    id: i32,
    round_id: i32,
    number: i32,
    title: String,
    group_id: Option<i32>,
}

fn area(conn: &mut DbConnection, area_id: i32) -> Result<AreaRow, ChangeError> {
    focus_areas::table
        .find(area_id)
        .select((
            focus_areas::id,
            focus_areas::round_id,
            focus_areas::number,
            focus_areas::title,
            focus_areas::group_id,
        ))
        .get_result(conn)
        .optional()?
        .ok_or(ChangeError::NotFound)
}

#[derive(Debug, Clone, Queryable)]
pub(super) struct RecRow {
    pub id: i32,
    pub focus_area_id: i32,
    pub code: String,
    pub text: String,
    pub binding: bool,
    pub position: i32,
    pub carried_from: Option<i32>,
}

pub(super) fn recommendation(
    conn: &mut DbConnection,
    rec_id: i32,
) -> Result<(RecRow, i32), ChangeError> {
    let rec: RecRow = recommendations::table
        .find(rec_id)
        .select((
            recommendations::id,
            recommendations::focus_area_id,
            recommendations::code,
            recommendations::text,
            recommendations::binding,
            recommendations::position,
            recommendations::carried_from,
        ))
        .get_result(conn)
        .optional()?
        .ok_or(ChangeError::NotFound)?;
    let round_id = area(conn, rec.focus_area_id)?.round_id;
    Ok((rec, round_id))
}

/// A recommendation as its audit event records it.
pub(super) fn rec_state(rec: &RecRow) -> ev::Recommendation {
    ev::Recommendation {
        id: rec.id,
        code: rec.code.clone(),
        text: rec.text.clone(),
        binding: rec.binding,
        carried_from: rec.carried_from,
        ..ev::Recommendation::default()
    }
}

fn areas_of(conn: &mut DbConnection, round_id: i32) -> QueryResult<Vec<AreaRow>> {
    focus_areas::table
        .filter(focus_areas::round_id.eq(round_id))
        .order(focus_areas::number.asc())
        .select((
            focus_areas::id,
            focus_areas::round_id,
            focus_areas::number,
            focus_areas::title,
            focus_areas::group_id,
        ))
        .load(conn)
}

fn rec_ids_of_area(conn: &mut DbConnection, area_id: i32) -> QueryResult<Vec<i32>> {
    recommendations::table
        .filter(recommendations::focus_area_id.eq(area_id))
        .order(recommendations::position.asc())
        .select(recommendations::id)
        .load(conn)
}

/// The round a focus area belongs to, if the area exists.
pub(super) fn area_round(conn: &mut DbConnection, area_id: i32) -> QueryResult<Option<i32>> {
    focus_areas::table
        .find(area_id)
        .select(focus_areas::round_id)
        .get_result(conn)
        .optional()
}

/// Puts a recommendation of the focus area at `position` (1-based; last if the area has
/// fewer), the others keeping their order around it. Codes follow with `renumber`.
pub(super) fn place(
    conn: &mut DbConnection,
    area_id: i32,
    rec_id: i32,
    position: i32,
) -> QueryResult<()> {
    let mut ids: Vec<i32> = rec_ids_of_area(conn, area_id)?
        .into_iter()
        .filter(|id| *id != rec_id)
        .collect();
    let index = usize::try_from(position.saturating_sub(1))
        .unwrap_or(0)
        .min(ids.len());
    ids.insert(index, rec_id);
    for id in &ids {
        diesel::update(recommendations::table.find(id))
            .set(recommendations::position.eq(-id))
            .execute(conn)?;
    }
    for (position, id) in (1..).zip(&ids) {
        diesel::update(recommendations::table.find(id))
            .set(recommendations::position.eq(position))
            .execute(conn)?;
    }
    Ok(())
}

/// Numbers the round's focus areas 1, 2, 3 … in their order, and gives each recommendation
/// the position and code its order says. Two passes, so the unique numbers never collide.
pub(super) fn renumber(conn: &mut DbConnection, round_id: i32) -> QueryResult<()> {
    let areas = areas_of(conn, round_id)?;
    for a in &areas {
        diesel::update(focus_areas::table.find(a.id))
            .set(focus_areas::number.eq(-a.id))
            .execute(conn)?;
    }
    for (number, a) in (1..).zip(&areas) {
        diesel::update(focus_areas::table.find(a.id))
            .set(focus_areas::number.eq(number))
            .execute(conn)?;
        let ids = rec_ids_of_area(conn, a.id)?;
        for id in &ids {
            diesel::update(recommendations::table.find(id))
                .set(recommendations::position.eq(-id))
                .execute(conn)?;
        }
        for (position, id) in (1..).zip(&ids) {
            diesel::update(recommendations::table.find(id))
                .set((
                    recommendations::position.eq(position),
                    recommendations::code.eq(recommendation_code(number, position)),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Inserts a focus area last in the round's order, in the caller's transaction (no checks,
/// no audit row). Returns its id.
pub(crate) fn insert_focus_area(
    conn: &mut DbConnection,
    round_id: i32,
    title: &str,
    group_id: Option<i32>,
    proposal_submission_id: Option<i32>,
) -> Result<i32, ChangeError> {
    let group_id = checked_group(conn, round_id, group_id)?;
    let title = required_text(title, "en titel på indsatsområdet", TITLE_MAX_CHARS)?;
    let last: Option<i32> = focus_areas::table
        .filter(focus_areas::round_id.eq(round_id))
        .select(diesel::dsl::max(focus_areas::number))
        .get_result(conn)?;
    Ok(diesel::insert_into(focus_areas::table)
        .values(FocusAreaInsertForm {
            round_id,
            number: last.unwrap_or(0) + 1,
            title: &title,
            proposal_submission_id,
            group_id,
        })
        .returning(focus_areas::id)
        .get_result(conn)?)
}

/// The group a focus area is to belong to, provided it is a group of the round's KKR.
fn checked_group(
    conn: &mut DbConnection,
    round_id: i32,
    group_id: Option<i32>,
) -> Result<Option<i32>, ChangeError> {
    let Some(group_id) = group_id else {
        return Ok(None);
    };
    let round = get_round(conn, round_id)?.ok_or(ChangeError::NotFound)?;
    match super::groups::get(conn, group_id)? {
        Some(group) if group.kkr_id == round.kkr_id => Ok(Some(group_id)),
        _ => Err(ChangeError::Refused(RoundRefusal::GroupNotOfKkr {
            kkr_name: round.kkr_name,
        })),
    }
}

/// A group's name for the audit trail.
fn group_name(conn: &mut DbConnection, group_id: Option<i32>) -> QueryResult<Option<String>> {
    match group_id {
        None => Ok(None),
        Some(id) => Ok(super::groups::get(conn, id)?.map(|g| g.name)),
    }
}

/// Moves a focus area, with its recommendations, between the whole round and a group of the
/// round's KKR (`None`: the whole round), with an audit row.
pub fn set_focus_area_group(
    conn: &mut DbConnection,
    area_id: i32,
    group_id: Option<i32>,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<(), ChangeError> {
    write_tx(conn, |conn| {
        let before = area(conn, area_id)?;
        editable_round(conn, before.round_id)?;
        let group_id = checked_group(conn, before.round_id, group_id)?;
        if before.group_id == group_id {
            return Ok(());
        }
        diesel::update(focus_areas::table.find(area_id))
            .set(focus_areas::group_id.eq(group_id))
            .execute(conn)?;
        let was = group_name(conn, before.group_id)?;
        let is = group_name(conn, group_id)?;
        record(
            conn,
            before.round_id,
            actor,
            ev::RoundEvent::SetFocusAreaGroup {
                before: ev::FocusAreaGroup {
                    focus_area_id: area_id,
                    number: before.number,
                    group: was,
                },
                after: ev::FocusAreaGroup {
                    focus_area_id: area_id,
                    number: before.number,
                    group: is,
                },
            },
            now,
        )?;
        Ok(())
    })
}

/// Adds a focus area, last in order. Returns its id.
pub fn add_focus_area(
    conn: &mut DbConnection,
    round_id: i32,
    title: &str,
    group_id: Option<i32>,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<i32, ChangeError> {
    write_tx(conn, |conn| {
        editable_round(conn, round_id)?;
        let id = insert_focus_area(conn, round_id, title, group_id, None)?;
        let created = area(conn, id)?;
        let group = group_name(conn, created.group_id)?;
        record(
            conn,
            round_id,
            actor,
            ev::RoundEvent::AddFocusArea {
                after: ev::FocusArea {
                    focus_area_id: id,
                    number: created.number,
                    title: created.title.clone(),
                    group,
                },
            },
            now,
        )?;
        Ok(id)
    })
}

pub fn rename_focus_area(
    conn: &mut DbConnection,
    area_id: i32,
    title: &str,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<(), ChangeError> {
    write_tx(conn, |conn| {
        let before = area(conn, area_id)?;
        editable_round(conn, before.round_id)?;
        let title = required_text(title, "en titel på indsatsområdet", TITLE_MAX_CHARS)?;
        diesel::update(focus_areas::table.find(area_id))
            .set(focus_areas::title.eq(&title))
            .execute(conn)?;
        record(
            conn,
            before.round_id,
            actor,
            ev::RoundEvent::RenameFocusArea {
                before: ev::FocusAreaTitle {
                    focus_area_id: area_id,
                    title: before.title.clone(),
                },
                after: ev::FocusAreaTitle {
                    focus_area_id: area_id,
                    title: title.clone(),
                },
            },
            now,
        )?;
        Ok(())
    })
}

/// Swaps a focus area with its neighbour; codes follow.
pub fn move_focus_area(
    conn: &mut DbConnection,
    area_id: i32,
    direction: Direction,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<(), ChangeError> {
    write_tx(conn, |conn| {
        let moved = area(conn, area_id)?;
        editable_round(conn, moved.round_id)?;
        let areas = areas_of(conn, moved.round_id)?;
        let index = areas
            .iter()
            .position(|a| a.id == area_id)
            .ok_or(ChangeError::NotFound)?;
        let other = match direction {
            Direction::Up => index.checked_sub(1),
            Direction::Down => Some(index + 1).filter(|i| *i < areas.len()),
        }
        .and_then(|i| areas.get(i))
        .ok_or_else(|| {
            ChangeError::Refused(RoundRefusal::AreaAtEnd {
                number: moved.number,
                end: direction.end(),
            })
        })?;
        diesel::update(focus_areas::table.find(moved.id))
            .set(focus_areas::number.eq(-moved.id))
            .execute(conn)?;
        diesel::update(focus_areas::table.find(other.id))
            .set(focus_areas::number.eq(moved.number))
            .execute(conn)?;
        diesel::update(focus_areas::table.find(moved.id))
            .set(focus_areas::number.eq(other.number))
            .execute(conn)?;
        renumber(conn, moved.round_id)?;
        record(
            conn,
            moved.round_id,
            actor,
            ev::RoundEvent::MoveFocusArea {
                before: ev::FocusArea {
                    focus_area_id: area_id,
                    number: moved.number,
                    title: moved.title.clone(),
                    group: None,
                },
                after: ev::FocusAreaNumber {
                    focus_area_id: area_id,
                    number: other.number,
                },
            },
            now,
        )?;
        Ok(())
    })
}

/// Deletes a focus area without recommendations; the others are numbered again.
pub fn delete_focus_area(
    conn: &mut DbConnection,
    area_id: i32,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<(), ChangeError> {
    write_tx(conn, |conn| {
        let gone = area(conn, area_id)?;
        editable_round(conn, gone.round_id)?;
        if !rec_ids_of_area(conn, area_id)?.is_empty() {
            return Err(ChangeError::Refused(RoundRefusal::AreaHasRecommendations {
                number: gone.number,
            }));
        }
        diesel::delete(focus_areas::table.find(area_id)).execute(conn)?;
        renumber(conn, gone.round_id)?;
        record(
            conn,
            gone.round_id,
            actor,
            ev::RoundEvent::DeleteFocusArea {
                before: ev::FocusArea {
                    focus_area_id: area_id,
                    number: gone.number,
                    title: gone.title.clone(),
                    group: None,
                },
            },
            now,
        )?;
        Ok(())
    })
}

/// Adds a recommendation last in a focus area, new this round. Returns its id.
pub fn add_recommendation(
    conn: &mut DbConnection,
    area_id: i32,
    text: &str,
    binding: bool,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<i32, ChangeError> {
    write_tx(conn, |conn| {
        let target = area(conn, area_id)?;
        editable_round(conn, target.round_id)?;
        let text = required_text(text, "anbefalingens tekst", TEXT_MAX_CHARS)?;
        let position = rec_ids_of_area(conn, area_id)?.len() as i32 + 1;
        let code = recommendation_code(target.number, position);
        let id: i32 = diesel::insert_into(recommendations::table)
            .values(RecommendationInsertForm {
                focus_area_id: area_id,
                code: &code,
                text: &text,
                binding,
                position,
                carried_from: None,
            })
            .returning(recommendations::id)
            .get_result(conn)?;
        record(
            conn,
            target.round_id,
            actor,
            ev::RoundEvent::AddRecommendation {
                after: ev::AddedRecommendation {
                    id,
                    code: code.clone(),
                    text: text.clone(),
                    binding,
                },
            },
            now,
        )?;
        Ok(id)
    })
}

/// Rewords a recommendation and sets whether it is binding. Returns the recorded change
/// (for undo), or `None` when nothing changed.
pub fn update_recommendation(
    conn: &mut DbConnection,
    rec_id: i32,
    text: &str,
    binding: bool,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<Option<i32>, SetError> {
    write_tx(conn, |conn| {
        let (before, round_id) = recommendation(conn, rec_id)?;
        draft_round(conn, round_id)?;
        let text = checked_text(text)?;
        if text == before.text && binding == before.binding {
            return Ok(None);
        }
        diesel::update(recommendations::table.find(rec_id))
            .set((
                recommendations::text.eq(&text),
                recommendations::binding.eq(binding),
            ))
            .execute(conn)?;
        let (after, _) = recommendation(conn, rec_id)?;
        record(
            conn,
            round_id,
            actor,
            ev::RoundEvent::UpdateRecommendation {
                before: rec_state(&before),
                after: rec_state(&after),
            },
            now,
        )?;
        let edit = SetEdit::Reword {
            id: rec_id,
            code: after.code,
            before_text: before.text,
            before_binding: before.binding,
            after_text: after.text,
            after_binding: after.binding,
        };
        Ok(Some(record_edit(conn, round_id, &edit)?))
    })
}

/// Swaps a recommendation with its neighbour in its focus area; codes follow.
pub fn move_recommendation(
    conn: &mut DbConnection,
    rec_id: i32,
    direction: Direction,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<(), ChangeError> {
    write_tx(conn, |conn| {
        let (rec, round_id) = recommendation(conn, rec_id)?;
        editable_round(conn, round_id)?;
        let ids = rec_ids_of_area(conn, rec.focus_area_id)?;
        let index = ids
            .iter()
            .position(|id| *id == rec_id)
            .ok_or(ChangeError::NotFound)?;
        let other = match direction {
            Direction::Up => index.checked_sub(1),
            Direction::Down => Some(index + 1).filter(|i| *i < ids.len()),
        }
        .and_then(|i| ids.get(i).copied())
        .ok_or_else(|| {
            ChangeError::Refused(RoundRefusal::RecommendationAtEnd {
                code: rec.code.clone(),
                end: direction.end(),
            })
        })?;
        let (neighbour, _) = recommendation(conn, other)?;
        diesel::update(recommendations::table.find(rec_id))
            .set(recommendations::position.eq(-rec_id))
            .execute(conn)?;
        diesel::update(recommendations::table.find(other))
            .set(recommendations::position.eq(rec.position))
            .execute(conn)?;
        diesel::update(recommendations::table.find(rec_id))
            .set(recommendations::position.eq(neighbour.position))
            .execute(conn)?;
        renumber(conn, round_id)?;
        let (after, _) = recommendation(conn, rec_id)?;
        record(
            conn,
            round_id,
            actor,
            ev::RoundEvent::MoveRecommendation {
                before: rec_state(&rec),
                after: rec_state(&after),
            },
            now,
        )?;
        Ok(())
    })
}

/// Moves a recommendation to another focus area of the same round, last there. Returns the
/// recorded change (for undo), or `None` when it is in that area already.
pub fn move_recommendation_to_area(
    conn: &mut DbConnection,
    rec_id: i32,
    area_id: i32,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<Option<i32>, SetError> {
    write_tx(conn, |conn| {
        let (rec, round_id) = recommendation(conn, rec_id)?;
        draft_round(conn, round_id)?;
        let target = area(conn, area_id)?;
        if target.round_id != round_id {
            return Err(SetError::NotFound);
        }
        if rec.focus_area_id == area_id {
            return Ok(None);
        }
        let position = rec_ids_of_area(conn, area_id)?.len() as i32 + 1;
        diesel::update(recommendations::table.find(rec_id))
            .set((
                recommendations::focus_area_id.eq(area_id),
                recommendations::position.eq(position),
            ))
            .execute(conn)?;
        renumber(conn, round_id)?;
        let (after, _) = recommendation(conn, rec_id)?;
        let moved = ev::Recommendation {
            to_focus_area: Some(target.title.clone()),
            ..rec_state(&after)
        };
        record(
            conn,
            round_id,
            actor,
            ev::RoundEvent::MoveRecommendation {
                before: rec_state(&rec),
                after: moved,
            },
            now,
        )?;
        let edit = SetEdit::Move {
            id: rec_id,
            from_area: rec.focus_area_id,
            from_position: rec.position,
            from_code: rec.code,
            to_area: area_id,
            to_code: after.code,
        };
        Ok(Some(record_edit(conn, round_id, &edit)?))
    })
}

fn has_answers(conn: &mut DbConnection, rec_id: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        answers::table
            .filter(answers::recommendation_id.eq(rec_id))
            .select(answers::id),
    ))
    .get_result(conn)
}

pub(super) fn merged_into(conn: &mut DbConnection, rec_id: i32) -> QueryResult<Vec<i32>> {
    recommendation_merges::table
        .filter(recommendation_merges::recommendation_id.eq(rec_id))
        .select(recommendation_merges::merged_from)
        .load(conn)
}

/// Takes a recommendation out of this round's set. Its earlier history stays with last year's
/// round, where it shows as not carried on. Refused when it already has answers in this round.
/// What it was is recorded, so that it can be put back while the round is a draft; returns
/// the recorded change.
pub fn retire_recommendation(
    conn: &mut DbConnection,
    rec_id: i32,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<i32, SetError> {
    write_tx(conn, |conn| {
        let (rec, round_id) = recommendation(conn, rec_id)?;
        draft_round(conn, round_id)?;
        if has_answers(conn, rec_id)? {
            return Err(SetRefusal::HasAnswers { code: rec.code }.into());
        }
        let saved = SavedRecommendation::of(conn, &rec)?;
        diesel::delete(
            recommendation_merges::table
                .filter(recommendation_merges::recommendation_id.eq(rec_id)),
        )
        .execute(conn)?;
        diesel::delete(recommendations::table.find(rec_id)).execute(conn)?;
        renumber(conn, round_id)?;
        let before = ev::Recommendation {
            merged_from: Some(saved.merged_from.clone()),
            ..rec_state(&rec)
        };
        record(
            conn,
            round_id,
            actor,
            ev::RoundEvent::RetireRecommendation { before },
            now,
        )?;
        record_edit(conn, round_id, &SetEdit::Retire { saved })
    })
}

/// Merges `absorbed` into `kept` (both of the same draft round): `kept` stays, optionally
/// reworded, and `absorbed` leaves the set. What `absorbed` continued from last year, and
/// anything merged into it, is linked to `kept`, so both histories flow into its trend.
/// Returns the recorded change (for undo: the two split back).
pub fn merge_recommendations(
    conn: &mut DbConnection,
    kept: i32,
    absorbed: i32,
    new_text: Option<&str>,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<i32, SetError> {
    write_tx(conn, |conn| {
        let (keep, round_id) = recommendation(conn, kept)?;
        let (gone, other_round) = recommendation(conn, absorbed)?;
        if round_id != other_round {
            return Err(SetError::NotFound);
        }
        draft_round(conn, round_id)?;
        if kept == absorbed {
            return Err(SetRefusal::SameRecommendation.into());
        }
        if has_answers(conn, absorbed)? {
            return Err(SetRefusal::HasAnswers { code: gone.code }.into());
        }
        let merged_text = match new_text.filter(|t| !t.trim().is_empty()) {
            Some(text) => Some(checked_text(text)?),
            None => None,
        };
        let saved = SavedRecommendation::of(conn, &gone)?;
        let links: Vec<i32> = gone
            .carried_from
            .into_iter()
            .chain(saved.merged_from.iter().copied())
            .collect();
        let existing = merged_into(conn, kept)?;
        diesel::delete(
            recommendation_merges::table
                .filter(recommendation_merges::recommendation_id.eq(absorbed)),
        )
        .execute(conn)?;
        let mut added_links = Vec::new();
        for from in links {
            if Some(from) == keep.carried_from
                || existing.contains(&from)
                || added_links.contains(&from)
            {
                continue;
            }
            diesel::insert_into(recommendation_merges::table)
                .values((
                    recommendation_merges::recommendation_id.eq(kept),
                    recommendation_merges::merged_from.eq(from),
                ))
                .execute(conn)?;
            added_links.push(from);
        }
        diesel::delete(recommendations::table.find(absorbed)).execute(conn)?;
        if let Some(text) = &merged_text {
            diesel::update(recommendations::table.find(kept))
                .set(recommendations::text.eq(text))
                .execute(conn)?;
        }
        renumber(conn, round_id)?;
        let (after, _) = recommendation(conn, kept)?;
        let merged = ev::Recommendation {
            merged_from: Some(merged_into(conn, kept)?),
            ..rec_state(&after)
        };
        record(
            conn,
            round_id,
            actor,
            ev::RoundEvent::MergeRecommendations {
                before: ev::MergedPair {
                    kept: rec_state(&keep),
                    absorbed: rec_state(&gone),
                },
                after: merged,
            },
            now,
        )?;
        let edit = SetEdit::Merge {
            kept,
            kept_code: keep.code,
            kept_text: keep.text,
            merged_code: after.code,
            merged_text,
            added_links,
            absorbed: saved,
        };
        record_edit(conn, round_id, &edit)
    })
}

/// An imported set applied to a draft round, in the caller's transaction: focus areas by
/// number, recommendations by code (a match keeps its link to last year), what the file does
/// not hold removed. The plan was checked first (`domain::import::plan_set`).
pub(crate) fn apply_imported_set(
    conn: &mut DbConnection,
    round_id: i32,
    set: &[crate::domain::import::ImportedFocusArea],
    area_groups: &[(i32, Option<i32>)],
) -> Result<(), ChangeError> {
    editable_round(conn, round_id)?;
    super::set_edits::forget(conn, round_id)?;
    let existing_areas = areas_of(conn, round_id)?;
    let existing: Vec<(i32, String)> = recommendations::table
        .inner_join(focus_areas::table)
        .filter(focus_areas::round_id.eq(round_id))
        .select((recommendations::id, recommendations::code))
        .load(conn)?;
    // Out of the way of the unique positions first.
    for (id, _) in &existing {
        diesel::update(recommendations::table.find(id))
            .set(recommendations::position.eq(-id))
            .execute(conn)?;
    }
    let mut kept_areas = Vec::new();
    let mut kept_recs = Vec::new();
    for imported in set {
        let group_id = area_groups
            .iter()
            .find(|(number, _)| *number == imported.number)
            .and_then(|(_, group)| *group);
        let group_id = checked_group(conn, round_id, group_id)?;
        let area_id = match existing_areas.iter().find(|a| a.number == imported.number) {
            Some(a) => {
                diesel::update(focus_areas::table.find(a.id))
                    .set((
                        focus_areas::title.eq(&imported.title),
                        focus_areas::group_id.eq(group_id),
                    ))
                    .execute(conn)?;
                a.id
            }
            None => diesel::insert_into(focus_areas::table)
                .values(FocusAreaInsertForm {
                    round_id,
                    number: imported.number,
                    title: &imported.title,
                    proposal_submission_id: None,
                    group_id,
                })
                .returning(focus_areas::id)
                .get_result(conn)?,
        };
        kept_areas.push(area_id);
        for (position, rec) in (1..).zip(&imported.recommendations) {
            match existing.iter().find(|(_, code)| *code == rec.code) {
                Some((id, _)) => {
                    diesel::update(recommendations::table.find(id))
                        .set((
                            recommendations::focus_area_id.eq(area_id),
                            recommendations::text.eq(&rec.text),
                            recommendations::binding.eq(rec.binding),
                            recommendations::position.eq(position),
                        ))
                        .execute(conn)?;
                    kept_recs.push(*id);
                }
                None => {
                    diesel::insert_into(recommendations::table)
                        .values(RecommendationInsertForm {
                            focus_area_id: area_id,
                            code: &rec.code,
                            text: &rec.text,
                            binding: rec.binding,
                            position,
                            carried_from: None,
                        })
                        .execute(conn)?;
                }
            }
        }
    }
    for (id, code) in &existing {
        if kept_recs.contains(id) {
            continue;
        }
        if has_answers(conn, *id)? {
            return Err(ChangeError::Refused(
                RoundRefusal::RecommendationHasAnswers { code: code.clone() },
            ));
        }
        diesel::delete(
            recommendation_merges::table.filter(recommendation_merges::recommendation_id.eq(id)),
        )
        .execute(conn)?;
        diesel::delete(recommendations::table.find(id)).execute(conn)?;
    }
    for a in &existing_areas {
        if !kept_areas.contains(&a.id) {
            diesel::delete(focus_areas::table.find(a.id)).execute(conn)?;
        }
    }
    Ok(())
}
