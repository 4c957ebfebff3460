//! Attachments frozen as presented: what a council saw stays retrievable after answers change.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit::{self, AuditEntry};
use super::schema::{attachment_snapshots, users};
use super::{write_tx, DbConnection};
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
                attachment_snapshots::created_at.eq(super::now()),
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
                action: "snapshot",
                entity: "attachment",
                entity_id: format!("{round_id}/{code}"),
                before: None,
                after: Some(json!({ "snapshot_id": id, "bytes": pdf.len() })),
            },
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
