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
use crate::domain::events::{ColumnTexts, Event};

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

/// Audit entries with their times and their events' columns as text, which the rows written
/// borrow.
pub(super) struct AuditRows {
    entries: Vec<AuditEntry>,
    texts: Vec<ColumnTexts>,
    times: Vec<NaiveDateTime>,
}

impl AuditRows {
    pub(super) fn of(timed: Vec<(AuditEntry, NaiveDateTime)>) -> QueryResult<AuditRows> {
        let (entries, times): (Vec<AuditEntry>, Vec<NaiveDateTime>) = timed.into_iter().unzip();
        let texts = entries
            .iter()
            .map(|e| e.event.column_texts())
            .collect::<Result<_, _>>()
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        Ok(AuditRows {
            entries,
            texts,
            times,
        })
    }

    fn rows(&self) -> Vec<AuditInsertForm<'_>> {
        self.entries
            .iter()
            .zip(&self.texts)
            .zip(&self.times)
            .map(|((e, c), at)| AuditInsertForm {
                at: *at,
                user_id: e.user_id,
                action: &c.action,
                entity: &c.entity,
                entity_id: &e.entity_id,
                before: c.before.as_deref(),
                after: c.after.as_deref(),
            })
            .collect()
    }
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
        .load::<AuditEvent>(conn)
}
