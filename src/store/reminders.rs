//! Reminder mails about a round: each sending (who, when) with its recipients and whether the
//! mail server took each message.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::audit::{self, AuditEntry};
use super::rows::parse_code;
use super::schema::{reminder_recipients, reminders, users};
use super::{write_tx, DbConnection};
use crate::domain::MunicipalityCode;

/// One message of a sending and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub municipality_code: MunicipalityCode,
    pub email: String,
    pub delivered: bool,
    /// Why the mail server refused the message.
    pub error: Option<String>,
}

/// A recorded sending, as the round's pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sending {
    pub id: i32,
    pub sent_at: NaiveDateTime,
    pub sent_by: String,
    pub recipients: Vec<Recipient>,
}

/// Records a sending and its recipients with an audit row, in one transaction.
pub fn record(
    conn: &mut DbConnection,
    round_id: i32,
    sent_by: i32,
    sent_at: NaiveDateTime,
    recipients: &[Recipient],
) -> QueryResult<i32> {
    write_tx(conn, |conn| {
        let id: i32 = diesel::insert_into(reminders::table)
            .values((
                reminders::round_id.eq(round_id),
                reminders::sent_at.eq(sent_at),
                reminders::sent_by.eq(sent_by),
            ))
            .returning(reminders::id)
            .get_result(conn)?;
        for r in recipients {
            diesel::insert_into(reminder_recipients::table)
                .values((
                    reminder_recipients::reminder_id.eq(id),
                    reminder_recipients::municipality_code.eq(r.municipality_code.as_str()),
                    reminder_recipients::email.eq(&r.email),
                    reminder_recipients::delivered.eq(r.delivered),
                    reminder_recipients::error.eq(&r.error),
                ))
                .execute(conn)?;
        }
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(sent_by),
                action: "send_reminder",
                entity: "round",
                entity_id: round_id.to_string(),
                before: None,
                after: Some(json!({
                    "reminder_id": id,
                    "recipients": recipients.iter().map(|r| &r.email).collect::<Vec<_>>(),
                    "delivered": recipients.iter().filter(|r| r.delivered).count(),
                })),
            },
        )?;
        Ok(id)
    })
}

/// A round's sendings, newest first.
pub fn list(conn: &mut DbConnection, round_id: i32) -> QueryResult<Vec<Sending>> {
    let heads: Vec<(i32, NaiveDateTime, String)> = reminders::table
        .inner_join(users::table)
        .filter(reminders::round_id.eq(round_id))
        .order(reminders::id.desc())
        .select((reminders::id, reminders::sent_at, users::name))
        .load(conn)?;
    let ids: Vec<i32> = heads.iter().map(|h| h.0).collect();
    let rows: Vec<(i32, String, String, bool, Option<String>)> = reminder_recipients::table
        .filter(reminder_recipients::reminder_id.eq_any(&ids))
        .order(reminder_recipients::id.asc())
        .select((
            reminder_recipients::reminder_id,
            reminder_recipients::municipality_code,
            reminder_recipients::email,
            reminder_recipients::delivered,
            reminder_recipients::error,
        ))
        .load(conn)?;
    heads
        .into_iter()
        .map(|(id, sent_at, sent_by)| {
            let recipients = rows
                .iter()
                .filter(|r| r.0 == id)
                .map(|(_, code, email, delivered, error)| {
                    Ok(Recipient {
                        municipality_code: parse_code(code)?,
                        email: email.clone(),
                        delivered: *delivered,
                        error: error.clone(),
                    })
                })
                .collect::<QueryResult<Vec<_>>>()?;
            Ok(Sending {
                id,
                sent_at,
                sent_by,
                recipients,
            })
        })
        .collect()
}
