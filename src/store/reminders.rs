//! Reminder mails about a round: each sending (who, when) with its recipients, each
//! recipient's mail queued in the outbox in the same transaction, and the cooldown that lets
//! one recipient be reminded about one round at most once in
//! [`REMINDER_COOLDOWN_HOURS`](crate::domain::mail_policy::REMINDER_COOLDOWN_HOURS) hours.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, AuditEntry};
use super::outbox::{self, MailKind, MailState, NewMail};
use super::rows::parse_code;
use super::schema::{mail_outbox, reminder_recipients, reminders, users};
use super::{write_tx, DbConnection};
use crate::domain::events::{self as ev, Event};
use crate::domain::mail_policy;
use crate::domain::MunicipalityCode;

/// Where one recipient's reminder is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// In the outbox, waiting to be sent or tried again.
    Queued {
        attempts: i32,
        last_error: Option<String>,
        next_attempt_at: NaiveDateTime,
    },
    /// The mail server took it (when, for reminders sent through the outbox).
    Sent { at: Option<NaiveDateTime> },
    /// Not delivered, and not tried again.
    Failed { error: Option<String> },
}

/// One message of a sending and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub municipality_code: MunicipalityCode,
    pub email: String,
    pub delivery: Delivery,
}

/// A recorded sending, as the round's pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sending {
    pub id: i32,
    pub sent_at: NaiveDateTime,
    /// The user's name, or [`SENT_BY_PLAN`].
    pub sent_by: String,
    /// The reminder plan's step that made it; `None` when a user sent it.
    pub planned_id: Option<i32>,
    pub recipients: Vec<Recipient>,
}

/// A reminder to queue for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToRemind {
    pub municipality_code: MunicipalityCode,
    pub email: String,
    pub user_id: Option<i32>,
    pub subject: String,
    pub body: String,
}

/// A recipient left out because they were reminded about the round less than the cooldown
/// ago.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub municipality_code: MunicipalityCode,
    pub email: String,
    pub last_reminded: NaiveDateTime,
    pub again_at: NaiveDateTime,
}

/// What a sending queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub reminder_id: i32,
    pub queued: usize,
    pub skipped: Vec<Skipped>,
}

/// Why nothing was queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No recipient was given.
    NobodyToRemind,
    /// Every recipient was reminded less than the cooldown ago.
    AllRemindedRecently(Vec<Skipped>),
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("no reminder queued: {0:?}")]
    Refused(Refusal),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// An address, when it was reminded, whether that was delivered (before the outbox), and its
/// outbox mail with the time that mail was given up.
type ReminderRow = (
    String,
    NaiveDateTime,
    bool,
    Option<i32>,
    Option<NaiveDateTime>,
);

/// When each address was last reminded about the round within the cooldown before `now`;
/// a reminder that was given up (never delivered) does not count.
pub fn last_reminded(
    conn: &mut DbConnection,
    round_id: i32,
    now: NaiveDateTime,
) -> QueryResult<HashMap<String, NaiveDateTime>> {
    let since = now - chrono::Duration::hours(mail_policy::REMINDER_COOLDOWN_HOURS);
    let rows: Vec<ReminderRow> = reminder_recipients::table
        .inner_join(reminders::table)
        .left_join(mail_outbox::table)
        .filter(reminders::round_id.eq(round_id))
        .filter(reminders::sent_at.gt(since))
        .select((
            reminder_recipients::email,
            reminders::sent_at,
            reminder_recipients::delivered,
            reminder_recipients::outbox_id,
            mail_outbox::failed_at.nullable(),
        ))
        .load(conn)?;
    let mut last: HashMap<String, NaiveDateTime> = HashMap::new();
    for (email, at, delivered, outbox_id, failed_at) in rows {
        let counts = match outbox_id {
            Some(_) => failed_at.is_none(),
            None => delivered,
        };
        if counts {
            let entry = last.entry(email).or_insert(at);
            *entry = (*entry).max(at);
        }
    }
    Ok(last)
}

/// Leaves out the recipients reminded less than the cooldown ago.
pub fn partition(
    recipients: &[ToRemind],
    last: &HashMap<String, NaiveDateTime>,
    now: NaiveDateTime,
) -> (Vec<ToRemind>, Vec<Skipped>) {
    let mut send = Vec::new();
    let mut skipped = Vec::new();
    for r in recipients {
        let previous = last.get(&r.email).copied();
        match previous {
            Some(at) if !mail_policy::may_remind(Some(at), now) => skipped.push(Skipped {
                municipality_code: r.municipality_code.clone(),
                email: r.email.clone(),
                last_reminded: at,
                again_at: mail_policy::reminder_again_at(at),
            }),
            _ => send.push(r.clone()),
        }
    }
    (send, skipped)
}

/// Queues a reminder to each recipient not reminded about the round within the cooldown:
/// the sending, its recipients, their mails in the outbox and an audit row, in one
/// transaction (so two clicks at once cannot both remind one person). Nothing is written when
/// nobody is left to remind.
pub fn queue(
    conn: &mut DbConnection,
    round_id: i32,
    sent_by: i32,
    now: NaiveDateTime,
    recipients: &[ToRemind],
) -> Result<Queued, QueueError> {
    write_tx(conn, |conn| {
        if recipients.is_empty() {
            return Err(QueueError::Refused(Refusal::NobodyToRemind));
        }
        let last = last_reminded(conn, round_id, now)?;
        let (send, skipped) = partition(recipients, &last, now);
        if send.is_empty() {
            return Err(QueueError::Refused(Refusal::AllRemindedRecently(skipped)));
        }
        let id = record_sending(conn, round_id, Some(sent_by), None, &send, now)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(sent_by),
                entity_id: round_id.to_string(),
                event: Event::Round(ev::RoundEvent::SendReminder {
                    after: ev::ReminderQueued {
                        reminder_id: id,
                        recipients: send.iter().map(|r| r.email.clone()).collect(),
                        skipped: skipped.iter().map(|s| s.email.clone()).collect(),
                        queued: send.len(),
                    },
                }),
            },
            now,
        )?;
        Ok(Queued {
            reminder_id: id,
            queued: send.len(),
            skipped,
        })
    })
}

/// Records a sending and queues its mails (no transaction of its own, no cooldown check):
/// by a user (`sent_by`) or by the reminder plan's step `planned_id`. Returns its id.
pub(crate) fn record_sending(
    conn: &mut DbConnection,
    round_id: i32,
    sent_by: Option<i32>,
    planned_id: Option<i32>,
    send: &[ToRemind],
    now: NaiveDateTime,
) -> QueryResult<i32> {
    let id: i32 = diesel::insert_into(reminders::table)
        .values((
            reminders::round_id.eq(round_id),
            reminders::sent_at.eq(now),
            reminders::sent_by.eq(sent_by),
            reminders::planned_id.eq(planned_id),
        ))
        .returning(reminders::id)
        .get_result(conn)?;
    for r in send {
        let outbox_id = outbox::enqueue(
            conn,
            &NewMail {
                kind: MailKind::Reminder,
                recipient: r.email.clone(),
                subject: r.subject.clone(),
                body: r.body.clone(),
                user_id: r.user_id,
                at: now,
            },
        )?;
        diesel::insert_into(reminder_recipients::table)
            .values((
                reminder_recipients::reminder_id.eq(id),
                reminder_recipients::municipality_code.eq(r.municipality_code.as_str()),
                reminder_recipients::email.eq(&r.email),
                reminder_recipients::delivered.eq(false),
                reminder_recipients::error.eq(None::<String>),
                reminder_recipients::outbox_id.eq(Some(outbox_id)),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

/// Who a sending by the reminder plan is recorded as.
pub const SENT_BY_PLAN: &str = "påmindelsesplanen";

type RecipientRow = (i32, String, String, bool, Option<String>, Option<i32>);

/// A round's sendings, newest first, each recipient with the state of their mail.
pub fn list(conn: &mut DbConnection, round_id: i32) -> QueryResult<Vec<Sending>> {
    let heads: Vec<(i32, NaiveDateTime, Option<String>, Option<i32>)> = reminders::table
        .left_join(users::table)
        .filter(reminders::round_id.eq(round_id))
        .order(reminders::id.desc())
        .select((
            reminders::id,
            reminders::sent_at,
            users::name.nullable(),
            reminders::planned_id,
        ))
        .load(conn)?;
    let ids: Vec<i32> = heads.iter().map(|h| h.0).collect();
    let rows: Vec<RecipientRow> = reminder_recipients::table
        .filter(reminder_recipients::reminder_id.eq_any(&ids))
        .order(reminder_recipients::id.asc())
        .select((
            reminder_recipients::reminder_id,
            reminder_recipients::municipality_code,
            reminder_recipients::email,
            reminder_recipients::delivered,
            reminder_recipients::error,
            reminder_recipients::outbox_id,
        ))
        .load(conn)?;
    let outbox_ids: Vec<i32> = rows.iter().filter_map(|r| r.5).collect();
    let states = outbox::states(conn, &outbox_ids)?;
    heads
        .into_iter()
        .map(|(id, sent_at, sent_by, planned_id)| {
            let sent_by = sent_by.unwrap_or_else(|| SENT_BY_PLAN.to_owned());
            let recipients = rows
                .iter()
                .filter(|r| r.0 == id)
                .map(|(_, code, email, delivered, error, outbox_id)| {
                    let delivery = match outbox_id.and_then(|o| states.get(&o)) {
                        Some(MailState::Queued {
                            attempts,
                            last_error,
                            next_attempt_at,
                        }) => Delivery::Queued {
                            attempts: *attempts,
                            last_error: last_error.clone(),
                            next_attempt_at: *next_attempt_at,
                        },
                        Some(MailState::Sent { at }) => Delivery::Sent { at: Some(*at) },
                        Some(MailState::Failed { error, .. }) => Delivery::Failed {
                            error: error.clone(),
                        },
                        // Sent before the outbox: delivered or not at the time.
                        None if *delivered => Delivery::Sent { at: None },
                        None => Delivery::Failed {
                            error: error.clone(),
                        },
                    };
                    Ok(Recipient {
                        municipality_code: parse_code(code)?,
                        email: email.clone(),
                        delivery,
                    })
                })
                .collect::<QueryResult<Vec<_>>>()?;
            Ok(Sending {
                id,
                sent_at,
                sent_by,
                planned_id,
                recipients,
            })
        })
        .collect()
}
