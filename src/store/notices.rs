//! Notices through the outbox, each queued in the transaction of the change that causes it:
//! the deadline moved (to the participating municipalities' editors), a form reopened (to
//! its municipality's editors, with the reason), a form submitted (a receipt to the
//! submitter) and the round published (to its readers and the KKR's members). The optional
//! ones leave out the users who turned them off on `/account` (`notice_opt_outs`).

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, AuditEntry};
use super::outbox::{self, MailKind, NewMail};
use super::rows::parse_code;
use super::schema::{notice_opt_outs, users};
use super::submissions::{self, Reopening, SaveOutcome};
use super::{write_tx, DbConnection};
use crate::domain::events::{self as ev, Event};
use crate::domain::notices::OptionalNotice;
use crate::domain::{MunicipalityCode, Role, RoundContent, Submission};
use crate::mail::{OutgoingMail, RoundFacts};
use crate::notices::{self as texts, AnswerLine, Links};

/// A user a notice may go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub municipality_code: Option<MunicipalityCode>,
}

type PersonRow = (i32, String, String, Option<String>);

fn people(rows: Vec<PersonRow>) -> QueryResult<Vec<Person>> {
    rows.into_iter()
        .map(|(id, name, email, code)| {
            Ok(Person {
                id,
                name,
                email,
                municipality_code: code.as_deref().map(parse_code).transpose()?,
            })
        })
        .collect()
}

/// The active users with `role` of these municipalities who have chosen a password, by
/// municipality and email.
pub fn of_municipalities(
    conn: &mut DbConnection,
    role: Role,
    codes: &[MunicipalityCode],
) -> QueryResult<Vec<Person>> {
    let codes: Vec<&str> = codes.iter().map(MunicipalityCode::as_str).collect();
    let rows: Vec<PersonRow> = users::table
        .filter(users::role.eq(role.as_str()))
        .filter(users::active.eq(true))
        .filter(users::password_hash.ne(""))
        .filter(users::municipality_code.eq_any(codes))
        .order((users::municipality_code.asc(), users::email.asc()))
        .select((
            users::id,
            users::name,
            users::email,
            users::municipality_code,
        ))
        .load(conn)?;
    people(rows)
}

/// The active members (role kkr) of a KKR who have chosen a password.
fn members_of(conn: &mut DbConnection, kkr_id: i32) -> QueryResult<Vec<Person>> {
    let rows: Vec<PersonRow> = users::table
        .filter(users::role.eq(Role::Kkr.as_str()))
        .filter(users::active.eq(true))
        .filter(users::password_hash.ne(""))
        .filter(users::kkr_id.eq(kkr_id))
        .order(users::email.asc())
        .select((
            users::id,
            users::name,
            users::email,
            users::municipality_code,
        ))
        .load(conn)?;
    people(rows)
}

/// The users who turned `notice` off.
fn opted_out(conn: &mut DbConnection, notice: OptionalNotice) -> QueryResult<HashSet<i32>> {
    Ok(notice_opt_outs::table
        .filter(notice_opt_outs::notice.eq(notice.as_str()))
        .select(notice_opt_outs::user_id)
        .load::<i32>(conn)?
        .into_iter()
        .collect())
}

/// The notices a user has turned off.
pub fn opt_outs(conn: &mut DbConnection, user_id: i32) -> QueryResult<Vec<OptionalNotice>> {
    let stored: Vec<String> = notice_opt_outs::table
        .filter(notice_opt_outs::user_id.eq(user_id))
        .select(notice_opt_outs::notice)
        .load(conn)?;
    Ok(OptionalNotice::ALL
        .into_iter()
        .filter(|n| stored.iter().any(|s| s == n.as_str()))
        .collect())
}

/// Sets which notices a user has turned off, with an audit row, in one transaction.
pub fn set_opt_outs(
    conn: &mut DbConnection,
    user_id: i32,
    off: &[OptionalNotice],
    now: NaiveDateTime,
) -> QueryResult<()> {
    write_tx(conn, |conn| {
        let before = opt_outs(conn, user_id)?;
        diesel::delete(notice_opt_outs::table.filter(notice_opt_outs::user_id.eq(user_id)))
            .execute(conn)?;
        let after: Vec<OptionalNotice> = OptionalNotice::ALL
            .into_iter()
            .filter(|n| off.contains(n))
            .collect();
        for notice in &after {
            diesel::insert_into(notice_opt_outs::table)
                .values((
                    notice_opt_outs::user_id.eq(user_id),
                    notice_opt_outs::notice.eq(notice.as_str()),
                ))
                .execute(conn)?;
        }
        if before != after {
            audit::record(
                conn,
                AuditEntry {
                    user_id: Some(user_id),
                    entity_id: user_id.to_string(),
                    event: Event::User(ev::UserEvent::SetNoticeOptOuts {
                        before: ev::OptOuts { notices: before },
                        after: ev::OptOuts { notices: after },
                    }),
                },
                now,
            )?;
        }
        Ok(())
    })
}

/// Queues one mail per person (each its own text), with an audit row on the round naming the
/// recipients; nothing when nobody is left.
fn queue(
    conn: &mut DbConnection,
    round_id: i32,
    notice: &str,
    mails: Vec<(Person, OutgoingMail)>,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    if mails.is_empty() {
        return Ok(0);
    }
    for (person, mail) in &mails {
        outbox::enqueue(
            conn,
            &NewMail {
                kind: MailKind::Notice,
                recipient: person.email.clone(),
                subject: mail.subject.clone(),
                body: mail.body.clone(),
                user_id: Some(person.id),
                at: now,
            },
        )?;
    }
    audit::record(
        conn,
        AuditEntry {
            user_id: actor,
            entity_id: round_id.to_string(),
            event: Event::Round(ev::RoundEvent::QueueNotices {
                after: ev::NoticesQueued {
                    notice: notice.to_owned(),
                    recipients: mails.iter().map(|(p, _)| p.email.clone()).collect(),
                },
            }),
        },
        now,
    )?;
    Ok(mails.len())
}

fn name_of(content: &RoundContent, code: &MunicipalityCode) -> String {
    content
        .municipality(code)
        .map_or_else(|| code.to_string(), |m| m.name.clone())
}

/// The deadline moved from `old`: to every editor of a participating municipality who has
/// not turned it off. Call it in the transaction that moves the deadline.
pub fn deadline_moved(
    conn: &mut DbConnection,
    round_id: i32,
    old: NaiveDateTime,
    links: &Links,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let Some(content) = super::rounds::load_content(conn, round_id)? else {
        return Ok(0);
    };
    let codes: Vec<MunicipalityCode> = content
        .municipalities
        .iter()
        .map(|m| m.code.clone())
        .collect();
    let off = opted_out(conn, OptionalNotice::DeadlineMoved)?;
    let editors = of_municipalities(conn, Role::Editor, &codes)?;
    let mails = editors
        .into_iter()
        .filter(|p| !off.contains(&p.id))
        .filter_map(|p| {
            let code = p.municipality_code.clone()?;
            let mail = texts::deadline_moved_mail(
                RoundFacts::from(&content.round),
                &name_of(&content, &code),
                old,
                &links.form(round_id, code.as_str()),
                links,
            );
            Some((p, mail))
        })
        .collect();
    queue(conn, round_id, "deadline_moved", mails, actor, now)
}

/// The round was published: to the readers of its municipalities (the attachment and agenda
/// item) and the KKR's members (the dashboard and report), except who turned it off. Call it
/// in the transaction that publishes.
pub fn round_published(
    conn: &mut DbConnection,
    round_id: i32,
    links: &Links,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let Some(content) = super::rounds::load_content(conn, round_id)? else {
        return Ok(0);
    };
    let codes: Vec<MunicipalityCode> = content
        .municipalities
        .iter()
        .map(|m| m.code.clone())
        .collect();
    let off = opted_out(conn, OptionalNotice::RoundPublished)?;
    let facts = RoundFacts::from(&content.round);
    let mut mails: Vec<(Person, OutgoingMail)> = of_municipalities(conn, Role::Reader, &codes)?
        .into_iter()
        .filter_map(|p| {
            let code = p.municipality_code.clone()?;
            let mail = texts::published_mail_to_reader(
                facts,
                round_id,
                &name_of(&content, &code),
                code.as_str(),
                links,
            );
            Some((p, mail))
        })
        .collect();
    mails.extend(
        members_of(conn, content.round.kkr_id)?
            .into_iter()
            .map(|p| (p, texts::published_mail_to_member(facts, round_id, links))),
    );
    mails.retain(|(p, _)| !off.contains(&p.id));
    queue(conn, round_id, "round_published", mails, actor, now)
}

/// Reopens a submitted form (or withdraws it) like [`submissions::reopen`], and in the same
/// transaction, when an admin reopened it, queues the reason to the municipality's editors.
#[allow(clippy::too_many_arguments)]
pub fn reopen(
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
    base_version: i32,
    how: &Reopening,
    actor_id: i32,
    links: &Links,
    now: NaiveDateTime,
) -> QueryResult<SaveOutcome> {
    write_tx(conn, |conn| {
        let outcome = submissions::reopen(conn, round_id, code, base_version, how, actor_id, now)?;
        if let (SaveOutcome::Saved(_), Reopening::Reopen { reason }) = (&outcome, how) {
            if let Some(content) = super::rounds::load_content(conn, round_id)? {
                let name = name_of(&content, code);
                let mails = of_municipalities(conn, Role::Editor, std::slice::from_ref(code))?
                    .into_iter()
                    .map(|p| {
                        let mail = texts::reopened_mail(
                            RoundFacts::from(&content.round),
                            &name,
                            reason,
                            &links.form(round_id, code.as_str()),
                        );
                        (p, mail)
                    })
                    .collect();
                queue(
                    conn,
                    round_id,
                    "submission_reopened",
                    mails,
                    Some(actor_id),
                    now,
                )?;
            }
        }
        Ok(outcome)
    })
}

/// A receipt to `submitter` for the form just submitted, with a summary of its answers,
/// unless they turned receipts off. Call it in the transaction that saved the form.
pub fn submission_received(
    conn: &mut DbConnection,
    saved: &Submission,
    submitter: i32,
    links: &Links,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    if !saved.is_submitted() {
        return Ok(0);
    }
    if opted_out(conn, OptionalNotice::SubmissionReceived)?.contains(&submitter) {
        return Ok(0);
    }
    let Some(content) = super::rounds::load_content(conn, saved.round_id)? else {
        return Ok(0);
    };
    let person: Option<PersonRow> = users::table
        .find(submitter)
        .filter(users::active.eq(true))
        .select((
            users::id,
            users::name,
            users::email,
            users::municipality_code,
        ))
        .first(conn)
        .optional()?;
    let Some(person) = people(person.into_iter().collect())?.pop() else {
        return Ok(0);
    };
    let code = &saved.municipality_code;
    let answers: Vec<AnswerLine> = content
        .recommendations
        .iter()
        .filter_map(|r| {
            saved.answer(r.id).map(|a| AnswerLine {
                code: r.code.clone(),
                status: a.status,
                comment: a.comment.clone(),
                evidence: a.evidence_url(),
            })
        })
        .collect();
    let mail = texts::receipt_mail(
        RoundFacts::from(&content.round),
        &name_of(&content, code),
        &person.name,
        saved.submitted_at.unwrap_or(now),
        &answers,
        &links.municipality(saved.round_id, code.as_str()),
        links,
    );
    outbox::enqueue(
        conn,
        &NewMail {
            kind: MailKind::Notice,
            recipient: person.email.clone(),
            subject: mail.subject,
            body: mail.body,
            user_id: Some(person.id),
            at: now,
        },
    )?;
    Ok(1)
}

/// The reason the KKR's admins gave for reopening this form, while it is reopened: the
/// newest reopening's.
pub fn reopen_reason(conn: &mut DbConnection, submission_id: i32) -> QueryResult<Option<String>> {
    let events = audit::history(conn, "submission", &submission_id.to_string())?;
    Ok(events.iter().rev().find_map(|e| match e.event() {
        Ok(Event::Submission(ev::SubmissionEvent::Reopen { after, .. })) => after.reason,
        _ => None,
    }))
}
