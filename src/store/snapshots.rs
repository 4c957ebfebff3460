//! Attachments frozen as presented: what a council saw stays retrievable after answers change.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, AuditEntry};
use super::schema::{attachment_snapshots, users};
use super::{write_tx, DbConnection};
use crate::domain::events::{self as ev, Event};
use crate::domain::snapshot_diff::Logged;
use crate::domain::MunicipalityCode;

/// A snapshot as the municipality page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Queryable)]
pub struct SnapshotInfo {
    pub id: i32,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub size: i64,
}

/// The most snapshots one user keeps of one municipality's attachment in one round: enough for
/// every council meeting of a year, few enough that a script cannot fill the database.
pub const MAX_PER_USER: i64 = 20;

/// Stores a snapshot with an audit row; returns its id, or `None` when the user already has
/// [`MAX_PER_USER`] snapshots of this attachment (then nothing is written).
pub fn save(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
    pdf: &[u8],
    data: &str,
    actor: i32,
    now: NaiveDateTime,
) -> QueryResult<Option<i32>> {
    write_tx(conn, |conn| {
        let existing: i64 = attachment_snapshots::table
            .filter(attachment_snapshots::round_id.eq(round_id))
            .filter(attachment_snapshots::municipality_code.eq(code.as_str()))
            .filter(attachment_snapshots::created_by.eq(actor))
            .count()
            .get_result(conn)?;
        if existing >= MAX_PER_USER {
            return Ok(None);
        }
        let id: i32 = diesel::insert_into(attachment_snapshots::table)
            .values((
                attachment_snapshots::round_id.eq(round_id),
                attachment_snapshots::municipality_code.eq(code.as_str()),
                attachment_snapshots::created_at.eq(now),
                attachment_snapshots::created_by.eq(actor),
                attachment_snapshots::pdf.eq(pdf),
                attachment_snapshots::data.eq(data),
            ))
            .returning(attachment_snapshots::id)
            .get_result(conn)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(actor),
                entity_id: format!("{round_id}/{code}"),
                event: Event::Attachment(ev::AttachmentEvent::Snapshot {
                    after: ev::SnapshotStored {
                        snapshot_id: id,
                        bytes: pdf.len(),
                    },
                }),
            },
            now,
        )?;
        Ok(Some(id))
    })
}

/// A municipality's snapshots for a round, newest first.
pub fn list(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
) -> QueryResult<Vec<SnapshotInfo>> {
    attachment_snapshots::table
        .inner_join(users::table.on(attachment_snapshots::created_by.eq(users::id)))
        .filter(attachment_snapshots::round_id.eq(round_id))
        .filter(attachment_snapshots::municipality_code.eq(code.as_str()))
        .order(attachment_snapshots::id.desc())
        .select((
            attachment_snapshots::id,
            attachment_snapshots::created_at,
            users::name,
            // octet_length is int4 on PostgreSQL and int8 on SQLite: the cast gives one type.
            diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "CAST(octet_length(attachment_snapshots.pdf) AS BIGINT)",
            ),
        ))
        .load(conn)
}

/// A snapshot's round, municipality and PDF.
pub fn pdf(conn: &mut DbConnection, id: i32) -> QueryResult<Option<(i32, String, Vec<u8>)>> {
    attachment_snapshots::table
        .find(id)
        .select((
            attachment_snapshots::round_id,
            attachment_snapshots::municipality_code,
            attachment_snapshots::pdf,
        ))
        .get_result(conn)
        .optional()
}

/// A snapshot with what its comparison with today needs.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct StoredSnapshot {
    pub id: i32,
    pub round_id: i32,
    pub municipality_code: String,
    /// UTC.
    pub created_at: NaiveDateTime,
    pub created_by: String,
    /// The JSON the attachment was rendered from, with the comparison's record in new ones.
    pub data: String,
}

/// One snapshot with its data, or `None` when there is none with this id.
pub fn get(conn: &mut DbConnection, id: i32) -> QueryResult<Option<StoredSnapshot>> {
    attachment_snapshots::table
        .inner_join(users::table.on(attachment_snapshots::created_by.eq(users::id)))
        .filter(attachment_snapshots::id.eq(id))
        .select((
            attachment_snapshots::id,
            attachment_snapshots::round_id,
            attachment_snapshots::municipality_code,
            attachment_snapshots::created_at,
            users::name,
            attachment_snapshots::data,
        ))
        .get_result(conn)
        .optional()
}

/// Each of a municipality's snapshots for a round with its data: id, when it was saved
/// (UTC) and data, newest first.
pub fn data_of_all(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
) -> QueryResult<Vec<(i32, NaiveDateTime, String)>> {
    attachment_snapshots::table
        .filter(attachment_snapshots::round_id.eq(round_id))
        .filter(attachment_snapshots::municipality_code.eq(code.as_str()))
        .order(attachment_snapshots::id.desc())
        .select((
            attachment_snapshots::id,
            attachment_snapshots::created_at,
            attachment_snapshots::data,
        ))
        .load(conn)
}

/// The audit entries that can explain a change to a municipality's attachment: its form's
/// (answers and state) and the round's changes to its recommendations, oldest first.
pub fn change_log(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
) -> QueryResult<Vec<Logged>> {
    let mut events = super::submissions::history(conn, round_id, code)?;
    events.extend(audit::history(conn, "round", &round_id.to_string())?);
    events.sort_by_key(|e| e.at);
    Ok(events.into_iter().filter_map(logged).collect())
}

/// What an audit entry changed of an attachment (see `Event::logged_entry`); `None` for
/// entries that change nothing an attachment shows, and for a row no event type reads.
fn logged(event: audit::AuditEvent) -> Option<Logged> {
    let entry = event.event().ok()?.logged_entry()?;
    Some(Logged {
        at: event.at,
        by: event.user_name,
        entry,
    })
}
