//! The audit trail: who changed what, when, with the value before and after.
//!
//! Rows are written by the store function that makes the change, inside its transaction,
//! so a change and its audit row are committed together or not at all.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::rows::AuditInsertForm;
use super::schema::{audit_events, users};
use super::DbConnection;
use crate::domain::events::{AnswerChange, ColumnTexts, Event};

/// One change about to be recorded: who made it (`None` for the command line or the system),
/// the id of what it changed, and the event (see [`crate::domain::events`]).
#[derive(Debug)]
pub struct AuditEntry {
    pub user_id: Option<i32>,
    pub entity_id: String,
    pub event: Event,
}

/// A recorded change as a history page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Queryable)]
pub struct AuditEvent {
    pub at: NaiveDateTime,
    pub user_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl AuditEvent {
    /// The typed event this row records; an error for a row no event type reads.
    pub fn event(&self) -> Result<Event, serde_json::Error> {
        Event::from_columns(
            &self.entity,
            &self.action,
            self.before.as_deref(),
            self.after.as_deref(),
        )
    }
}

/// Records one change, at `at` (the app clock's time).
pub fn record(conn: &mut DbConnection, entry: AuditEntry, at: NaiveDateTime) -> QueryResult<()> {
    record_all(conn, vec![entry], at)
}

/// Records several changes in one statement, in the order given (the order a history reads
/// them back in).
pub fn record_all(
    conn: &mut DbConnection,
    entries: Vec<AuditEntry>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    record_each(conn, entries.into_iter().map(|e| (e, at)).collect())
}

/// [`record_all`] with each entry's own time (the saves of one group written together).
pub fn record_each(
    conn: &mut DbConnection,
    timed: Vec<(AuditEntry, NaiveDateTime)>,
) -> QueryResult<()> {
    if timed.is_empty() {
        return Ok(());
    }
    let rows = AuditRows::of(timed)?;
    match conn {
        // One statement over arrays, whose text does not depend on the number of rows, so it
        // is prepared once per connection (see `super::arrays`).
        DbConnection::Postgres(conn) => {
            super::arrays::InsertAudit(audit_arrays(&rows).columns()).execute(conn)?;
        }
        // On the backend's own connection: diesel writes a multi-row INSERT for each backend,
        // not for the two together. In pieces that keep each statement's 7 values a row under
        // SQLite's limit of bound values (a group of saves of long forms has many rows).
        DbConnection::Sqlite(conn) => {
            for chunk in rows.rows().chunks(ROWS_PER_INSERT) {
                diesel::insert_into(audit_events::table)
                    .values(chunk)
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}

/// The action of an answer's change ([`crate::domain::events::SubmissionEvent::Answer`]) in
/// its row.
const ANSWER: &str = "answer";
/// The action of a row that holds the changes of several answers of one save, one after the
/// other: each side a JSON array of the answers' sides, in order ([`AuditRows::of`]).
const ANSWERS: &str = "answers";

/// Audit rows as they are written: each entry's time, who made it, what it changed and its
/// event's columns as text. The answers that one save (or one import of one form) changed
/// share one row rather than one row each: a save that changes every answer of a form of
/// twelve recommendations wrote thirteen rows, and under a rush of saves on PostgreSQL those
/// rows and their checks of the user's row were most of the time a group of saves held the
/// database's write lock (docs/benchmarks.md). [`history`] gives them back one answer at a
/// time, so nothing that reads the trail sees the difference.
pub(super) struct AuditRows {
    rows: Vec<AuditRow>,
}

struct AuditRow {
    at: NaiveDateTime,
    user_id: Option<i32>,
    entity_id: String,
    texts: ColumnTexts,
}

impl AuditRow {
    /// Whether `next` is another answer's change of the same save as this answer's change (or
    /// answers'): the same form, person and time.
    fn takes(&self, next: &AuditRow) -> bool {
        let sides = |row: &AuditRow| row.texts.before.is_some() && row.texts.after.is_some();
        (self.texts.action == ANSWER || self.texts.action == ANSWERS)
            && next.texts.action == ANSWER
            && next.texts.entity == self.texts.entity
            && next.entity_id == self.entity_id
            && next.user_id == self.user_id
            && next.at == self.at
            && sides(self)
            && sides(next)
    }

    /// Adds `next`'s change (see [`AuditRow::takes`]) to this row's: each side becomes an
    /// array, or the array it is gets one more element.
    fn take(&mut self, next: AuditRow) {
        let first = self.texts.action == ANSWER;
        self.texts.action = ANSWERS.to_owned();
        for (side, more) in [
            (&mut self.texts.before, next.texts.before),
            (&mut self.texts.after, next.texts.after),
        ] {
            if let (Some(text), Some(more)) = (side.as_mut(), more) {
                if first {
                    text.insert(0, '[');
                } else {
                    text.pop();
                }
                text.push(',');
                text.push_str(&more);
                text.push(']');
            }
        }
    }
}

impl AuditRows {
    pub(super) fn of(timed: Vec<(AuditEntry, NaiveDateTime)>) -> QueryResult<AuditRows> {
        let mut rows: Vec<AuditRow> = Vec::with_capacity(timed.len());
        for (entry, at) in timed {
            let texts = entry
                .event
                .column_texts()
                .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
            let row = AuditRow {
                at,
                user_id: entry.user_id,
                entity_id: entry.entity_id,
                texts,
            };
            match rows.last_mut() {
                Some(last) if last.takes(&row) => last.take(row),
                _ => rows.push(row),
            }
        }
        Ok(AuditRows { rows })
    }

    fn rows(&self) -> Vec<AuditInsertForm<'_>> {
        self.rows
            .iter()
            .map(|row| AuditInsertForm {
                at: row.at,
                user_id: row.user_id,
                action: &row.texts.action,
                entity: &row.texts.entity,
                entity_id: &row.entity_id,
                before: row.texts.before.as_deref(),
                after: row.texts.after.as_deref(),
            })
            .collect()
    }
}

/// A row as [`history`] gives it: a row of several answers' changes as one event per
/// answer, in their order, each side as a row of one answer holds it.
fn unpacked(event: AuditEvent) -> QueryResult<Vec<AuditEvent>> {
    if event.action != ANSWERS {
        return Ok(vec![event]);
    }
    let unreadable =
        |e: serde_json::Error| diesel::result::Error::DeserializationError(Box::new(e));
    let sides = |text: Option<&str>| -> QueryResult<Vec<AnswerChange>> {
        serde_json::from_str(text.unwrap_or("null")).map_err(unreadable)
    };
    let (before, after) = (
        sides(event.before.as_deref())?,
        sides(event.after.as_deref())?,
    );
    if before.len() != after.len() {
        return Err(diesel::result::Error::DeserializationError(
            format!(
                "an audit row of answers holds {} sides before and {} after",
                before.len(),
                after.len()
            )
            .into(),
        ));
    }
    before
        .iter()
        .zip(&after)
        .map(|(before, after)| {
            // The row's own columns, not a copy of the whole row with its sides of every
            // answer for each answer.
            Ok(AuditEvent {
                at: event.at,
                user_name: event.user_name.clone(),
                action: ANSWER.to_owned(),
                entity: event.entity.clone(),
                entity_id: event.entity_id.clone(),
                before: Some(serde_json::to_string(before).map_err(unreadable)?),
                after: Some(serde_json::to_string(after).map_err(unreadable)?),
            })
        })
        .collect()
}

/// Audit rows as the columns of PostgreSQL's statements over arrays.
pub(super) fn audit_arrays(rows: &AuditRows) -> super::arrays::AuditArrays<'_> {
    let rows = rows.rows();
    super::arrays::AuditArrays {
        at: rows.iter().map(|r| r.at).collect(),
        user_id: rows.iter().map(|r| r.user_id).collect(),
        action: rows.iter().map(|r| r.action).collect(),
        entity: rows.iter().map(|r| r.entity).collect(),
        entity_id: rows.iter().map(|r| r.entity_id).collect(),
        before: rows.iter().map(|r| r.before).collect(),
        after: rows.iter().map(|r| r.after).collect(),
    }
}

/// At most this many audit rows in one INSERT.
const ROWS_PER_INSERT: usize = 4_000;

/// Every recorded change to one entity, oldest first.
pub fn history(
    conn: &mut DbConnection,
    entity: &str,
    entity_id: &str,
) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .left_join(users::table.on(audit_events::user_id.eq(users::id.nullable())))
        .filter(audit_events::entity.eq(entity))
        .filter(audit_events::entity_id.eq(entity_id))
        .order(audit_events::id.asc())
        .select((
            audit_events::at,
            users::name.nullable(),
            audit_events::action,
            audit_events::entity,
            audit_events::entity_id,
            audit_events::before,
            audit_events::after,
        ))
        .load::<AuditEvent>(conn)?
        .into_iter()
        .map(unpacked)
        .collect::<QueryResult<Vec<Vec<AuditEvent>>>>()
        .map(|events| events.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::events::{AnswerValue, FormVersion, SubmissionEvent};
    use crate::domain::{Status, SubmissionState};

    fn at(minute: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2030, 3, 1)
            .and_then(|d| d.and_hms_opt(10, minute, 0))
            .unwrap()
    }

    fn answer(id: i32, comment: &str) -> Event {
        let value = |status, comment: &str| AnswerValue {
            status: Some(status),
            comment: comment.to_owned(),
            evidence: None,
            carried: false,
        };
        SubmissionEvent::answer(
            id,
            (id % 2 == 0).then(|| value(Status::Red, "før")),
            Some(value(Status::Green, comment)),
        )
    }

    fn entry(user_id: Option<i32>, form: i32, event: Event) -> AuditEntry {
        AuditEntry {
            user_id,
            entity_id: form.to_string(),
            event,
        }
    }

    /// A written row as the history's query reads it, the user named by `user_name`.
    fn as_read(row: &AuditInsertForm<'_>, user_name: Option<String>) -> AuditEvent {
        AuditEvent {
            at: row.at,
            user_name,
            action: row.action.to_owned(),
            entity: row.entity.to_owned(),
            entity_id: row.entity_id.to_owned(),
            before: row.before.map(str::to_owned),
            after: row.after.map(str::to_owned),
        }
    }

    /// The rows as a history reads them back, each as its event.
    fn read_back(rows: &AuditRows) -> Vec<(Option<i32>, String, NaiveDateTime, Event)> {
        rows.rows()
            .iter()
            .map(|row| as_read(row, row.user_id.map(|id| id.to_string())))
            .map(unpacked)
            .collect::<QueryResult<Vec<_>>>()
            .unwrap()
            .into_iter()
            .flatten()
            .map(|e| {
                let user = e.user_name.as_deref().map(|n| n.parse().unwrap());
                (user, e.entity_id.clone(), e.at, e.event().unwrap())
            })
            .collect()
    }

    #[test]
    fn the_answers_one_save_changed_share_a_row_and_are_read_back_one_by_one_in_order() {
        let saved = SubmissionEvent::stored(
            false,
            None,
            FormVersion {
                state: SubmissionState::Draft,
                version: 4,
                proposals: None,
                imported_from: None,
            },
        );
        let entries = vec![
            // One save of form 7: three answers, then the save's own event.
            (entry(Some(1), 7, answer(1, "a \"citat\"\n")), at(0)),
            (entry(Some(1), 7, answer(2, "b")), at(0)),
            (entry(Some(1), 7, answer(3, "c")), at(0)),
            (entry(Some(1), 7, saved.clone()), at(0)),
            // Another form's one answer, another person's and another moment's: rows of their
            // own.
            (entry(Some(1), 8, answer(1, "d")), at(0)),
            (entry(Some(2), 8, answer(2, "e")), at(0)),
            (entry(Some(2), 8, answer(3, "f")), at(1)),
            (entry(None, 8, answer(4, "g")), at(1)),
            (entry(None, 8, answer(5, "h")), at(1)),
        ];
        let expected: Vec<_> = entries
            .iter()
            .map(|(e, at)| (e.user_id, e.entity_id.clone(), *at, e.event.clone()))
            .collect();
        let rows = AuditRows::of(entries).unwrap();
        let actions: Vec<&str> = rows.rows().iter().map(|r| r.action).collect();
        assert_eq!(
            actions,
            ["answers", "save", "answer", "answer", "answer", "answers"]
        );
        let written = rows.rows();
        let packed = &written[0];
        let before: serde_json::Value = serde_json::from_str(packed.before.unwrap()).unwrap();
        assert_eq!(before.as_array().map(Vec::len), Some(3));
        assert_eq!(read_back(&rows), expected);
        // Each answer read back holds the text a row of its own would have held.
        let alone = answer(2, "b").column_texts().unwrap();
        let read = unpacked(as_read(packed, None)).unwrap();
        assert_eq!(read[1].before, alone.before);
        assert_eq!(read[1].after, alone.after);
    }

    #[test]
    fn a_row_of_answers_whose_sides_do_not_pair_up_is_refused_when_read() {
        let event = AuditEvent {
            at: at(0),
            user_name: None,
            action: ANSWERS.to_owned(),
            entity: "submission".to_owned(),
            entity_id: "7".to_owned(),
            before: Some("[null, null]".to_owned()),
            after: Some("[null]".to_owned()),
        };
        assert!(unpacked(event.clone()).is_err());
        let not_json = AuditEvent {
            after: Some("[".to_owned()),
            ..event
        };
        assert!(unpacked(not_json).is_err());
    }

    #[test]
    fn an_answers_change_is_recorded_under_the_action_this_module_packs() {
        let texts = answer(1, "x").column_texts().unwrap();
        assert_eq!(texts.action, ANSWER);
        assert_eq!(texts.entity, "submission");
    }
}
