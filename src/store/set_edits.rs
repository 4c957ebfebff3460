//! The set editor's undo: each reword, move, retirement and merge in a draft round is kept with
//! what undoing it restores (a retired or merged-away recommendation's text, binding, focus
//! area, position and links to the previous round), and can be undone while the round is a
//! draft. The recommendations table itself only ever holds the round's current set, so every
//! other reader (forms, analysis, exports) sees a retired recommendation as gone.
//!
//! Refusals are `SetRefusal` values; the pages say them in Danish.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::recommendation_sets::{
    area_round, merged_into, place, rec_state, recommendation, record, renumber, RecRow,
};
use super::rounds::{get_round, ChangeError};
use super::schema::{recommendation_merges, recommendations, set_edits};
use super::{write_tx, DbConnection};
use crate::domain::events as ev;
use crate::domain::rounds::TEXT_MAX_CHARS;
use crate::domain::RoundState;

/// Why a change to the set, or its undo, was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetRefusal {
    /// The round is no longer a draft.
    Frozen,
    EmptyText,
    TextTooLong {
        length: usize,
        max: usize,
    },
    /// The recommendation has answers in the round and so cannot leave the set.
    HasAnswers {
        code: String,
    },
    /// A recommendation cannot be merged with itself.
    SameRecommendation,
    AlreadyUndone,
    /// The recommendation the change was about has left the set since.
    Gone {
        code: String,
    },
    /// The recommendation was changed again since; that change must be undone first.
    ChangedSince {
        code: String,
    },
    /// The focus area it came from has been deleted.
    AreaGone {
        code: String,
    },
}

/// A refused or failed change to the set.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    #[error("refused: {0:?}")]
    Refused(SetRefusal),
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
}

impl From<SetRefusal> for SetError {
    fn from(r: SetRefusal) -> Self {
        SetError::Refused(r)
    }
}

/// The shared look-ups (`recommendation`, `area`) fail only as not found or in the database.
impl From<ChangeError> for SetError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Database(e) => SetError::Database(e),
            ChangeError::Refused(_) | ChangeError::NotFound => SetError::NotFound,
        }
    }
}

/// A recommendation as it stood in the set, with its links to the previous round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedRecommendation {
    pub id: i32,
    pub focus_area_id: i32,
    pub code: String,
    pub text: String,
    pub binding: bool,
    pub position: i32,
    pub carried_from: Option<i32>,
    pub merged_from: Vec<i32>,
}

impl SavedRecommendation {
    pub(super) fn of(conn: &mut DbConnection, rec: &RecRow) -> QueryResult<Self> {
        Ok(SavedRecommendation {
            id: rec.id,
            focus_area_id: rec.focus_area_id,
            code: rec.code.clone(),
            text: rec.text.clone(),
            binding: rec.binding,
            position: rec.position,
            carried_from: rec.carried_from,
            merged_from: merged_into(conn, rec.id)?,
        })
    }
}

/// One change to the set, with what undoing it restores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SetEdit {
    Reword {
        id: i32,
        code: String,
        before_text: String,
        before_binding: bool,
        after_text: String,
        after_binding: bool,
    },
    Move {
        id: i32,
        from_area: i32,
        from_position: i32,
        from_code: String,
        to_area: i32,
        to_code: String,
    },
    Retire {
        saved: SavedRecommendation,
    },
    /// `absorbed` was merged into `kept`, which took in `added_links` and, when given,
    /// `merged_text`.
    Merge {
        kept: i32,
        kept_code: String,
        kept_text: String,
        merged_code: String,
        merged_text: Option<String>,
        added_links: Vec<i32>,
        absorbed: SavedRecommendation,
    },
}

impl SetEdit {
    /// The recommendation the set holds after undoing this change (the restored one for a
    /// retirement or merge).
    pub fn restored_id(&self) -> i32 {
        match self {
            SetEdit::Reword { id, .. } | SetEdit::Move { id, .. } => *id,
            SetEdit::Retire { saved } => saved.id,
            SetEdit::Merge { absorbed, .. } => absorbed.id,
        }
    }
}

/// A recorded change of a round's set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEdit {
    pub id: i32,
    pub edit: SetEdit,
    pub undone: bool,
}

/// Records a change in the caller's transaction; returns its id.
pub(super) fn record_edit(
    conn: &mut DbConnection,
    round_id: i32,
    edit: &SetEdit,
) -> Result<i32, SetError> {
    let text = serde_json::to_string(edit)
        .map_err(|e| SetError::Database(diesel::result::Error::SerializationError(Box::new(e))))?;
    Ok(diesel::insert_into(set_edits::table)
        .values((
            set_edits::round_id.eq(round_id),
            set_edits::edit.eq(text),
            set_edits::undone.eq(false),
        ))
        .returning(set_edits::id)
        .get_result(conn)?)
}

/// Forgets the round's recorded changes, in the caller's transaction: after an import has
/// replaced the set, none of them can be undone.
pub(super) fn forget(conn: &mut DbConnection, round_id: i32) -> QueryResult<()> {
    diesel::delete(set_edits::table.filter(set_edits::round_id.eq(round_id)))
        .execute(conn)
        .map(|_| ())
}

fn parse(id: i32, text: &str, undone: bool) -> QueryResult<RecordedEdit> {
    let edit = serde_json::from_str(text)
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
    Ok(RecordedEdit { id, edit, undone })
}

/// The round's recorded changes, newest first.
pub fn edits_of_round(conn: &mut DbConnection, round_id: i32) -> QueryResult<Vec<RecordedEdit>> {
    let rows: Vec<(i32, String, bool)> = set_edits::table
        .filter(set_edits::round_id.eq(round_id))
        .order(set_edits::id.desc())
        .select((set_edits::id, set_edits::edit, set_edits::undone))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, text, undone)| parse(id, &text, undone))
        .collect()
}

/// The round must exist and be a draft.
pub(super) fn draft_round(conn: &mut DbConnection, round_id: i32) -> Result<(), SetError> {
    let round = get_round(conn, round_id)?.ok_or(SetError::NotFound)?;
    if round.state == RoundState::Draft {
        Ok(())
    } else {
        Err(SetRefusal::Frozen.into())
    }
}

/// A recommendation's text as stored: trimmed, not empty, at most 2,000 characters.
pub fn checked_text(raw: &str) -> Result<String, SetRefusal> {
    let text = raw.replace("\r\n", "\n").trim().to_owned();
    let length = text.chars().count();
    if text.is_empty() {
        Err(SetRefusal::EmptyText)
    } else if length > TEXT_MAX_CHARS {
        Err(SetRefusal::TextTooLong {
            length,
            max: TEXT_MAX_CHARS,
        })
    } else {
        Ok(text)
    }
}

/// The recommendation, when it is still in the round's set.
fn current(
    conn: &mut DbConnection,
    round_id: i32,
    rec_id: i32,
) -> Result<Option<RecRow>, SetError> {
    match recommendation(conn, rec_id) {
        Ok((rec, round)) if round == round_id => Ok(Some(rec)),
        Ok(_) | Err(ChangeError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The focus area, when it is still one of the round's.
fn area_exists(conn: &mut DbConnection, round_id: i32, area_id: i32) -> Result<bool, SetError> {
    Ok(area_round(conn, area_id)? == Some(round_id))
}

/// Puts a saved recommendation back into the set at its place (its id again unless SQLite
/// has given the id to another since); returns the id it has now.
fn reinsert(conn: &mut DbConnection, saved: &SavedRecommendation) -> Result<i32, SetError> {
    let taken: i64 = recommendations::table
        .filter(recommendations::id.eq(saved.id))
        .count()
        .get_result(conn)?;
    // Out of the way of the unique positions until `place` puts it where it stood.
    let parking = -1_000_000 - saved.position;
    let columns = (
        recommendations::focus_area_id.eq(saved.focus_area_id),
        recommendations::code.eq(&saved.code),
        recommendations::text.eq(&saved.text),
        recommendations::binding.eq(saved.binding),
        recommendations::position.eq(parking),
        recommendations::carried_from.eq(saved.carried_from),
    );
    let id: i32 = if taken == 0 {
        diesel::insert_into(recommendations::table)
            .values((recommendations::id.eq(saved.id), columns))
            .returning(recommendations::id)
            .get_result(conn)?
    } else {
        diesel::insert_into(recommendations::table)
            .values(columns)
            .returning(recommendations::id)
            .get_result(conn)?
    };
    for from in &saved.merged_from {
        diesel::insert_into(recommendation_merges::table)
            .values((
                recommendation_merges::recommendation_id.eq(id),
                recommendation_merges::merged_from.eq(from),
            ))
            .execute(conn)?;
    }
    place(conn, saved.focus_area_id, id, saved.position)?;
    Ok(id)
}

/// What undoing did, for the audit row: the action and the state before and after.
/// The event an undo records.
type Undone = ev::RoundEvent;

fn undo_reword(conn: &mut DbConnection, round_id: i32, edit: &SetEdit) -> Result<Undone, SetError> {
    let SetEdit::Reword {
        id,
        code,
        before_text,
        before_binding,
        after_text,
        after_binding,
    } = edit
    else {
        return Err(SetError::NotFound);
    };
    let rec =
        current(conn, round_id, *id)?.ok_or_else(|| SetRefusal::Gone { code: code.clone() })?;
    if rec.text != *after_text || rec.binding != *after_binding {
        return Err(SetRefusal::ChangedSince { code: rec.code }.into());
    }
    diesel::update(recommendations::table.find(id))
        .set((
            recommendations::text.eq(before_text),
            recommendations::binding.eq(before_binding),
        ))
        .execute(conn)?;
    let (after, _) = recommendation(conn, *id)?;
    Ok(ev::RoundEvent::UndoUpdateRecommendation {
        before: rec_state(&rec),
        after: rec_state(&after),
    })
}

fn undo_move(conn: &mut DbConnection, round_id: i32, edit: &SetEdit) -> Result<Undone, SetError> {
    let SetEdit::Move {
        id,
        from_area,
        from_position,
        from_code,
        to_area,
        to_code,
    } = edit
    else {
        return Err(SetError::NotFound);
    };
    let rec = current(conn, round_id, *id)?.ok_or_else(|| SetRefusal::Gone {
        code: to_code.clone(),
    })?;
    if rec.focus_area_id != *to_area {
        return Err(SetRefusal::ChangedSince { code: rec.code }.into());
    }
    if !area_exists(conn, round_id, *from_area)? {
        return Err(SetRefusal::AreaGone {
            code: from_code.clone(),
        }
        .into());
    }
    diesel::update(recommendations::table.find(id))
        .set((
            recommendations::focus_area_id.eq(from_area),
            recommendations::position.eq(-1_000_000 - id),
        ))
        .execute(conn)?;
    place(conn, *from_area, *id, *from_position)?;
    renumber(conn, round_id)?;
    let (after, _) = recommendation(conn, *id)?;
    Ok(ev::RoundEvent::UndoMoveRecommendation {
        before: rec_state(&rec),
        after: rec_state(&after),
    })
}

fn undo_retire(
    conn: &mut DbConnection,
    round_id: i32,
    edit: &mut SetEdit,
) -> Result<Undone, SetError> {
    let SetEdit::Retire { saved } = edit else {
        return Err(SetError::NotFound);
    };
    if !area_exists(conn, round_id, saved.focus_area_id)? {
        return Err(SetRefusal::AreaGone {
            code: saved.code.clone(),
        }
        .into());
    }
    saved.id = reinsert(conn, saved)?;
    renumber(conn, round_id)?;
    let (after, _) = recommendation(conn, saved.id)?;
    Ok(ev::RoundEvent::ReinstateRecommendation {
        before: ev::CodeOnly {
            code: saved.code.clone(),
        },
        after: ev::Recommendation {
            merged_from: Some(saved.merged_from.clone()),
            ..rec_state(&after)
        },
    })
}

fn undo_merge(
    conn: &mut DbConnection,
    round_id: i32,
    edit: &mut SetEdit,
) -> Result<Undone, SetError> {
    let SetEdit::Merge {
        kept,
        kept_text,
        merged_code,
        merged_text,
        added_links,
        absorbed,
        ..
    } = edit
    else {
        return Err(SetError::NotFound);
    };
    let keep = current(conn, round_id, *kept)?.ok_or_else(|| SetRefusal::Gone {
        code: merged_code.clone(),
    })?;
    let links = merged_into(conn, *kept)?;
    let text_changed = merged_text.as_ref().is_some_and(|t| *t != keep.text);
    if text_changed || added_links.iter().any(|l| !links.contains(l)) {
        return Err(SetRefusal::ChangedSince { code: keep.code }.into());
    }
    if !area_exists(conn, round_id, absorbed.focus_area_id)? {
        return Err(SetRefusal::AreaGone {
            code: absorbed.code.clone(),
        }
        .into());
    }
    let before = rec_state(&keep);
    for link in added_links.iter() {
        diesel::delete(recommendation_merges::table.find((*kept, *link))).execute(conn)?;
    }
    if merged_text.is_some() {
        diesel::update(recommendations::table.find(*kept))
            .set(recommendations::text.eq(&*kept_text))
            .execute(conn)?;
    }
    absorbed.id = reinsert(conn, absorbed)?;
    renumber(conn, round_id)?;
    let (kept_after, _) = recommendation(conn, *kept)?;
    let (absorbed_after, _) = recommendation(conn, absorbed.id)?;
    Ok(ev::RoundEvent::SplitRecommendations {
        before,
        after: ev::MergedPair {
            kept: rec_state(&kept_after),
            absorbed: rec_state(&absorbed_after),
        },
    })
}

/// Undoes a recorded change of a draft round's set, exactly: the set is as it was before the
/// change. Refused once the round has opened, when already undone, and when what the change
/// made has been changed again since (undo that first). Returns the change as undone (with
/// the id a restored recommendation has now).
pub fn undo(
    conn: &mut DbConnection,
    round_id: i32,
    edit_id: i32,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> Result<SetEdit, SetError> {
    write_tx(conn, |conn| {
        let (owner, text, undone): (i32, String, bool) = set_edits::table
            .find(edit_id)
            .select((set_edits::round_id, set_edits::edit, set_edits::undone))
            .get_result(conn)
            .optional()?
            .ok_or(SetError::NotFound)?;
        if owner != round_id {
            return Err(SetError::NotFound);
        }
        draft_round(conn, round_id)?;
        if undone {
            return Err(SetRefusal::AlreadyUndone.into());
        }
        let mut edit = parse(edit_id, &text, undone)?.edit;
        let event = match edit {
            SetEdit::Reword { .. } => undo_reword(conn, round_id, &edit)?,
            SetEdit::Move { .. } => undo_move(conn, round_id, &edit)?,
            SetEdit::Retire { .. } => undo_retire(conn, round_id, &mut edit)?,
            SetEdit::Merge { .. } => undo_merge(conn, round_id, &mut edit)?,
        };
        let stored = serde_json::to_string(&edit).map_err(|e| {
            SetError::Database(diesel::result::Error::SerializationError(Box::new(e)))
        })?;
        diesel::update(set_edits::table.find(edit_id))
            .set((set_edits::undone.eq(true), set_edits::edit.eq(stored)))
            .execute(conn)?;
        record(conn, round_id, actor, event, now)?;
        Ok(edit)
    })
}
