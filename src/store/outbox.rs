//! The mail outbox. A mail is queued with [`enqueue`] inside the write transaction of the
//! action that causes it (an invitation, a reset, a reminder), so it exists exactly when the
//! action does. A sender takes one due mail at a time with [`claim_next`]: an atomic
//! compare-and-set `UPDATE` that writes the sender's name and a lease, so two senders (threads
//! or processes, on SQLite or PostgreSQL) never hold one mail at once; and records how the
//! attempt went with [`record`]. The text of a mail (an invitation's one-time link is in it)
//! is emptied once it has been sent or given up.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, AuditEntry};
use super::schema::{mail_outbox, reminder_recipients};
use super::{write_tx, DbConnection};
use crate::domain::events::{self as ev, Event};

/// What a mail is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    Invitation,
    Reset,
    Reminder,
    /// A notice about a round (deadline moved, form reopened, receipt, published).
    Notice,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Invitation => "invitation",
            MailKind::Reset => "reset",
            MailKind::Reminder => "reminder",
            MailKind::Notice => "notice",
        }
    }

    fn parse(raw: &str) -> QueryResult<MailKind> {
        match raw {
            "invitation" => Ok(MailKind::Invitation),
            "reset" => Ok(MailKind::Reset),
            "reminder" => Ok(MailKind::Reminder),
            "notice" => Ok(MailKind::Notice),
            other => Err(diesel::result::Error::DeserializationError(
                format!("unexpected mail kind «{other}» in the outbox").into(),
            )),
        }
    }
}

/// A mail to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub kind: MailKind,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// The user it is addressed to, when it is one.
    pub user_id: Option<i32>,
    /// When it is queued (and first due), by the application's clock.
    pub at: NaiveDateTime,
}

/// Queues a mail, due at once; returns its id. Call it inside the action's write transaction.
pub fn enqueue(conn: &mut DbConnection, mail: &NewMail) -> QueryResult<i32> {
    let now = mail.at;
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::kind.eq(mail.kind.as_str()),
            mail_outbox::recipient.eq(&mail.recipient),
            mail_outbox::subject.eq(&mail.subject),
            mail_outbox::body.eq(&mail.body),
            mail_outbox::user_id.eq(mail.user_id),
            mail_outbox::created_at.eq(now),
            mail_outbox::attempts.eq(0),
            mail_outbox::next_attempt_at.eq(now),
        ))
        .returning(mail_outbox::id)
        .get_result(conn)
}

/// A mail a sender holds: it alone may try it until its lease runs out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: i32,
    pub kind: MailKind,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// Attempts before this one.
    pub attempts: i32,
}

/// Takes the mail that has been due longest and that no sender holds, for `claimer` until
/// `lease_until`; `None` when nothing is due at `now`.
///
/// The `UPDATE` sets the claim only if the row is still unclaimed (or its lease ran out) and
/// not ended, in one statement: on PostgreSQL the row lock and the re-check of the condition
/// after a concurrent update let one of two claimers win; on SQLite the statement holds the
/// write lock. The loser looks for the next mail.
pub fn claim_next(
    conn: &mut DbConnection,
    claimer: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<Option<Claimed>> {
    loop {
        let candidate: Option<i32> = mail_outbox::table
            .filter(mail_outbox::sent_at.is_null())
            .filter(mail_outbox::failed_at.is_null())
            .filter(mail_outbox::next_attempt_at.le(now))
            .filter(
                mail_outbox::claimed_until
                    .is_null()
                    .or(mail_outbox::claimed_until.lt(now)),
            )
            .order((mail_outbox::next_attempt_at.asc(), mail_outbox::id.asc()))
            .select(mail_outbox::id)
            .first(conn)
            .optional()?;
        let Some(id) = candidate else {
            return Ok(None);
        };
        let won = diesel::update(
            mail_outbox::table
                .find(id)
                .filter(mail_outbox::sent_at.is_null())
                .filter(mail_outbox::failed_at.is_null())
                .filter(
                    mail_outbox::claimed_until
                        .is_null()
                        .or(mail_outbox::claimed_until.lt(now)),
                ),
        )
        .set((
            mail_outbox::claimed_by.eq(claimer),
            mail_outbox::claimed_until.eq(lease_until),
        ))
        .execute(conn)?;
        if won == 0 {
            continue;
        }
        let (kind, recipient, subject, body, attempts): (String, String, String, String, i32) =
            mail_outbox::table
                .find(id)
                .select((
                    mail_outbox::kind,
                    mail_outbox::recipient,
                    mail_outbox::subject,
                    mail_outbox::body,
                    mail_outbox::attempts,
                ))
                .get_result(conn)?;
        return Ok(Some(Claimed {
            id,
            kind: MailKind::parse(&kind)?,
            recipient,
            subject,
            body,
            attempts,
        }));
    }
}

/// How an attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The mail server took the message.
    Sent,
    /// It failed and is tried again at `at`.
    Retry { error: String, at: NaiveDateTime },
    /// It failed and is not tried again.
    GaveUp { error: String },
}

/// Records an attempt on a mail `claimer` holds and lets go of it, with an audit row when the
/// mail has ended, in one transaction; a reminder's recipient row follows. False when the
/// claim was no longer `claimer`'s (its lease ran out and another sender took the mail).
pub fn record(
    conn: &mut DbConnection,
    id: i32,
    claimer: &str,
    attempt: &Attempt,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    write_tx(conn, |conn| {
        let mine = mail_outbox::table
            .find(id)
            .filter(mail_outbox::claimed_by.eq(claimer));
        let release = (
            mail_outbox::attempts.eq(mail_outbox::attempts + 1),
            mail_outbox::last_attempt_at.eq(Some(now)),
            mail_outbox::claimed_by.eq(None::<String>),
            mail_outbox::claimed_until.eq(None::<NaiveDateTime>),
        );
        let updated = match attempt {
            Attempt::Sent => diesel::update(mine)
                .set((
                    release,
                    mail_outbox::sent_at.eq(Some(now)),
                    mail_outbox::last_error.eq(None::<String>),
                    mail_outbox::body.eq(""),
                ))
                .execute(conn)?,
            Attempt::Retry { error, at } => diesel::update(mine)
                .set((
                    release,
                    mail_outbox::next_attempt_at.eq(at),
                    mail_outbox::last_error.eq(Some(error)),
                ))
                .execute(conn)?,
            Attempt::GaveUp { error } => diesel::update(mine)
                .set((
                    release,
                    mail_outbox::failed_at.eq(Some(now)),
                    mail_outbox::last_error.eq(Some(error)),
                    mail_outbox::body.eq(""),
                ))
                .execute(conn)?,
        };
        if updated == 0 {
            return Ok(false);
        }
        let (recorded, delivered, error) = match attempt {
            Attempt::Sent => (true, true, None),
            Attempt::Retry { error, .. } => (false, false, Some(error)),
            Attempt::GaveUp { error } => (true, false, Some(error)),
        };
        diesel::update(reminder_recipients::table.filter(reminder_recipients::outbox_id.eq(id)))
            .set((
                reminder_recipients::delivered.eq(delivered),
                reminder_recipients::error.eq(error),
            ))
            .execute(conn)?;
        if recorded {
            let (kind, recipient, attempts): (String, String, i32) = mail_outbox::table
                .find(id)
                .select((
                    mail_outbox::kind,
                    mail_outbox::recipient,
                    mail_outbox::attempts,
                ))
                .get_result(conn)?;
            let outcome = ev::MailOutcome {
                kind,
                recipient,
                attempts,
                error: error.map(|e| e.to_owned()),
            };
            audit::record(
                conn,
                AuditEntry {
                    user_id: None,
                    entity_id: id.to_string(),
                    event: Event::Mail(if delivered {
                        ev::MailEvent::MailSent { after: outcome }
                    } else {
                        ev::MailEvent::MailFailed { after: outcome }
                    }),
                },
                now,
            )?;
        }
        Ok(true)
    })
}

/// Where a mail is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailState {
    /// Waiting to be sent or tried again.
    Queued {
        attempts: i32,
        last_error: Option<String>,
        next_attempt_at: NaiveDateTime,
    },
    /// Taken by the mail server.
    Sent { at: NaiveDateTime },
    /// Given up after `attempts` attempts.
    Failed {
        attempts: i32,
        error: Option<String>,
    },
}

/// A mail as the outbox holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub id: i32,
    pub kind: MailKind,
    pub recipient: String,
    pub state: MailState,
}

type StateRow = (
    i32,
    Option<String>,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

fn state_of((attempts, last_error, next_attempt_at, sent_at, failed_at): StateRow) -> MailState {
    match (sent_at, failed_at) {
        (Some(at), _) => MailState::Sent { at },
        (None, Some(_)) => MailState::Failed {
            attempts,
            error: last_error,
        },
        (None, None) => MailState::Queued {
            attempts,
            last_error,
            next_attempt_at,
        },
    }
}

/// The states of these mails, by id.
pub fn states(
    conn: &mut DbConnection,
    ids: &[i32],
) -> QueryResult<std::collections::HashMap<i32, MailState>> {
    let rows: Vec<(i32, StateRow)> = mail_outbox::table
        .filter(mail_outbox::id.eq_any(ids.to_vec()))
        .select((
            mail_outbox::id,
            (
                mail_outbox::attempts,
                mail_outbox::last_error,
                mail_outbox::next_attempt_at,
                mail_outbox::sent_at,
                mail_outbox::failed_at,
            ),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, row)| (id, state_of(row)))
        .collect())
}

/// Every mail in the outbox, oldest first.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Mail>> {
    let rows: Vec<(i32, String, String, StateRow)> = mail_outbox::table
        .order(mail_outbox::id.asc())
        .select((
            mail_outbox::id,
            mail_outbox::kind,
            mail_outbox::recipient,
            (
                mail_outbox::attempts,
                mail_outbox::last_error,
                mail_outbox::next_attempt_at,
                mail_outbox::sent_at,
                mail_outbox::failed_at,
            ),
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, kind, recipient, row)| {
            Ok(Mail {
                id,
                kind: MailKind::parse(&kind)?,
                recipient,
                state: state_of(row),
            })
        })
        .collect()
}

/// The newest mail to a user of these kinds (the one-time link's mail on the user's page).
pub fn latest_to_user(
    conn: &mut DbConnection,
    user_id: i32,
    kinds: &[MailKind],
) -> QueryResult<Option<Mail>> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let row: Option<(i32, String, String, StateRow)> = mail_outbox::table
        .filter(mail_outbox::user_id.eq(user_id))
        .filter(mail_outbox::kind.eq_any(kinds))
        .order(mail_outbox::id.desc())
        .select((
            mail_outbox::id,
            mail_outbox::kind,
            mail_outbox::recipient,
            (
                mail_outbox::attempts,
                mail_outbox::last_error,
                mail_outbox::next_attempt_at,
                mail_outbox::sent_at,
                mail_outbox::failed_at,
            ),
        ))
        .first(conn)
        .optional()?;
    row.map(|(id, kind, recipient, row)| {
        Ok(Mail {
            id,
            kind: MailKind::parse(&kind)?,
            recipient,
            state: state_of(row),
        })
    })
    .transpose()
}
