//! One-time links to choose a password: an admin's invitation of a new user, a password reset,
//! a link the user asked for on "Glemt adgangskode?", and the first admin made on the command
//! line. A link is valid for [`VALID_DAYS`] days and
//! works once; only a SHA-256 hash of its token is stored, so a database copy holds no
//! usable link.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;

use super::audit::{self, AuditEntry};
use super::outbox::{self, NewMail};
use super::schema::{invitations, users};
use super::users::{self as user_store, Account, NewUser};
use super::{reference, tokens, write_tx, DbConnection};
use crate::account_mail::{Contact, LinkMailFacts};
use crate::domain::events::{self as ev, Event};
use crate::domain::{Role, User};

/// How long a link can be used.
pub const VALID_DAYS: i64 = 7;

/// Why a link was made: it decides the words of the page it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A new user chooses their first password.
    Invite,
    /// An admin reset the password: the user chooses a new one.
    Reset,
    /// The user asked for a link ("Glemt adgangskode?"); the old password works until the
    /// link is used.
    Forgotten,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
            Purpose::Forgotten => "forgotten",
        }
    }

    fn parse(raw: &str) -> QueryResult<Purpose> {
        match raw {
            "invite" => Ok(Purpose::Invite),
            "reset" => Ok(Purpose::Reset),
            "forgotten" => Ok(Purpose::Forgotten),
            other => Err(diesel::result::Error::DeserializationError(
                format!("unexpected invitation purpose «{other}» in the database").into(),
            )),
        }
    }
}

/// A link as stored (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i32,
    pub user_id: i32,
    pub purpose: Purpose,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Why a link cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    /// No link has this token.
    Unknown,
    /// The link was used already.
    Used,
    /// A newer link replaced it, or the user was deactivated.
    Revoked,
    Expired,
}

/// A fresh random token for a link: 43 letters and digits (about 256 bits).
pub fn new_token() -> String {
    Alphanumeric.sample_string(&mut OsRng, 43)
}

fn insert(
    conn: &mut DbConnection,
    user_id: i32,
    purpose: Purpose,
    token: &str,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<Invitation> {
    let expires_at = now + chrono::Duration::days(VALID_DAYS);
    let id: i32 = diesel::insert_into(invitations::table)
        .values((
            invitations::user_id.eq(user_id),
            invitations::purpose.eq(purpose.as_str()),
            invitations::token_hash.eq(tokens::hash(token)),
            invitations::created_at.eq(now),
            invitations::created_by.eq(actor),
            invitations::expires_at.eq(expires_at),
        ))
        .returning(invitations::id)
        .get_result(conn)?;
    Ok(Invitation {
        id,
        user_id,
        purpose,
        created_at: now,
        expires_at,
    })
}

/// Revokes the user's links that are neither used nor revoked yet; returns how many.
pub(crate) fn revoke_pending(
    conn: &mut DbConnection,
    user_id: i32,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        invitations::table
            .filter(invitations::user_id.eq(user_id))
            .filter(invitations::used_at.is_null())
            .filter(invitations::revoked_at.is_null()),
    )
    .set(invitations::revoked_at.eq(Some(now)))
    .execute(conn)
}

/// What a link's mail says about its user: their role, municipality and KKR, and the KKR's
/// other active admins to contact.
pub fn mail_facts(conn: &mut DbConnection, user: &User) -> QueryResult<LinkMailFacts> {
    let municipality = match &user.municipality_code {
        Some(code) => reference::get_municipality(conn, code)?.map(|m| m.name),
        None => None,
    };
    let (kkr, contacts) = match user.kkr_id {
        Some(kkr_id) => {
            let admins: Vec<(String, String)> = users::table
                .filter(users::kkr_id.eq(kkr_id))
                .filter(users::role.eq(Role::Admin.as_str()))
                .filter(users::active.eq(true))
                .filter(users::id.ne(user.id))
                .order(users::email.asc())
                .select((users::name, users::email))
                .load(conn)?;
            let contacts = admins
                .into_iter()
                .map(|(name, email)| Contact { name, email })
                .collect();
            (reference::kkr_name(conn, kkr_id)?, contacts)
        }
        None => (None, Vec::new()),
    };
    Ok(LinkMailFacts {
        name: user.name.clone(),
        email: user.email.clone(),
        role: user.role,
        municipality,
        kkr,
        contacts,
    })
}

/// Queues the mail `compose` makes of the new link and what it says about the user (none when
/// it makes none, e.g. without a mail server), addressed to the user.
fn queue_mail(
    conn: &mut DbConnection,
    user: &User,
    invitation: &Invitation,
    compose: impl FnOnce(&Invitation, &LinkMailFacts) -> Option<NewMail>,
) -> QueryResult<()> {
    let facts = mail_facts(conn, user)?;
    if let Some(mut mail) = compose(invitation, &facts) {
        mail.user_id = Some(user.id);
        outbox::enqueue(conn, &mail)?;
    }
    Ok(())
}

/// Invites a new user: the account, without a password until the link is used, the link, and
/// the mail with the link that `compose` makes (queued in the outbox), with their audit rows,
/// in one transaction. The caller made `token` with [`new_token`].
pub fn invite(
    conn: &mut DbConnection,
    new: &NewUser,
    token: &str,
    actor: Option<i32>,
    compose: impl FnOnce(&Invitation, &LinkMailFacts) -> Option<NewMail>,
    now: NaiveDateTime,
) -> QueryResult<(User, Invitation)> {
    write_tx(conn, |conn| {
        let user = user_store::create_user(conn, new, "", actor, now)?;
        let invitation = insert(conn, user.id, Purpose::Invite, token, actor, now)?;
        queue_mail(conn, &user, &invitation, compose)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                entity_id: user.id.to_string(),
                event: Event::User(ev::UserEvent::Invite {
                    after: ev::InvitationMade {
                        invitation_id: invitation.id,
                        expires_at: invitation.expires_at,
                    },
                }),
            },
            now,
        )?;
        Ok((user, invitation))
    })
}

/// Resets a user's password: the old password stops working, every session of the user ends,
/// earlier links and every API token are revoked, and a new link lets the user choose a
/// password. For a user who never chose a password (an invitation that expired or was lost)
/// it is a new invitation, audited as such. The mail with the link that `compose` makes is
/// queued in the outbox in the same transaction.
pub fn issue_reset(
    conn: &mut DbConnection,
    user_id: i32,
    token: &str,
    actor: Option<i32>,
    compose: impl FnOnce(&Invitation, &LinkMailFacts) -> Option<NewMail>,
    now: NaiveDateTime,
) -> QueryResult<Invitation> {
    write_tx(conn, |conn| {
        let had_password: bool = users::table
            .find(user_id)
            .select(users::password_hash.ne(""))
            .get_result(conn)?;
        diesel::update(users::table.find(user_id))
            .set(users::password_hash.eq(""))
            .execute(conn)?;
        user_store::bump_generation(conn, user_id)?;
        revoke_pending(conn, user_id, now)?;
        super::tokens::revoke_all(conn, user_id, now, actor)?;
        // A user who never chose a password gets a new invitation, not a reset.
        let purpose = if had_password {
            Purpose::Reset
        } else {
            Purpose::Invite
        };
        let invitation = insert(conn, user_id, purpose, token, actor, now)?;
        let user = user_store::get_user(conn, user_id)?.ok_or(diesel::result::Error::NotFound)?;
        queue_mail(conn, &user, &invitation, compose)?;
        let after = ev::InvitationMade {
            invitation_id: invitation.id,
            expires_at: invitation.expires_at,
        };
        let event = match purpose {
            Purpose::Reset => ev::UserEvent::ResetPassword { after },
            _ => ev::UserEvent::Reinvite { after },
        };
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                entity_id: user_id.to_string(),
                event: Event::User(event),
            },
            now,
        )?;
        Ok(invitation)
    })
}

/// How long a user who asked for a link on "Glemt adgangskode?" waits before another is made:
/// asking again sooner sends nothing, so the form cannot be used to flood someone's inbox.
pub const FORGOTTEN_COOLDOWN_MINUTES: i64 = 15;

/// What came of asking for a link on "Glemt adgangskode?". The page answers the same in every
/// case, so it tells nobody whether an address has an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkRequest {
    /// A link was made and its mail queued.
    Made(Invitation),
    /// No user has this address, or the user is deactivated: nothing was made.
    NoActiveUser,
    /// A link was made for this user less than [`FORGOTTEN_COOLDOWN_MINUTES`] ago.
    TooSoon,
}

/// A link the user asked for on "Glemt adgangskode?": for an active user with this email, a
/// new link (the user's earlier waiting links are revoked; the old password keeps working
/// until the link is used) and its mail, with an audit row, in one transaction. Nothing for an
/// unknown address, a deactivated user, or a second request within the cooldown.
pub fn request_link(
    conn: &mut DbConnection,
    email: &str,
    token: &str,
    compose: impl FnOnce(&Invitation, &LinkMailFacts) -> Option<NewMail>,
    now: NaiveDateTime,
) -> QueryResult<LinkRequest> {
    write_tx(conn, |conn| {
        let Some((account, _)) = user_store::find_account_by_email(conn, email)? else {
            return Ok(LinkRequest::NoActiveUser);
        };
        if !account.active {
            return Ok(LinkRequest::NoActiveUser);
        }
        let user_id = account.user.id;
        let since = now - chrono::Duration::minutes(FORGOTTEN_COOLDOWN_MINUTES);
        let recent: i64 = invitations::table
            .filter(invitations::user_id.eq(user_id))
            .filter(invitations::purpose.eq(Purpose::Forgotten.as_str()))
            .filter(invitations::created_at.gt(since))
            .count()
            .get_result(conn)?;
        if recent > 0 {
            return Ok(LinkRequest::TooSoon);
        }
        revoke_pending(conn, user_id, now)?;
        let invitation = insert(conn, user_id, Purpose::Forgotten, token, None, now)?;
        queue_mail(conn, &account.user, &invitation, compose)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(user_id),
                entity_id: user_id.to_string(),
                event: Event::User(ev::UserEvent::RequestPasswordLink {
                    after: ev::InvitationMade {
                        invitation_id: invitation.id,
                        expires_at: invitation.expires_at,
                    },
                }),
            },
            now,
        )?;
        Ok(LinkRequest::Made(invitation))
    })
}

/// Of these users, those with a link that waits to be used (neither used, revoked nor
/// expired at `now`).
pub fn with_waiting_link(
    conn: &mut DbConnection,
    user_ids: &[i32],
    now: NaiveDateTime,
) -> QueryResult<std::collections::HashSet<i32>> {
    let ids: Vec<i32> = invitations::table
        .filter(invitations::user_id.eq_any(user_ids))
        .filter(invitations::used_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.ge(now))
        .select(invitations::user_id)
        .distinct()
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

type InvitationRow = (
    i32,
    i32,
    String,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

/// The link with this token and its account, if it can still be used at `now`.
pub fn look_up(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<Result<(Invitation, Account), LinkProblem>> {
    let row: Option<InvitationRow> = invitations::table
        .filter(invitations::token_hash.eq(tokens::hash(token)))
        .select((
            invitations::id,
            invitations::user_id,
            invitations::purpose,
            invitations::created_at,
            invitations::expires_at,
            invitations::used_at,
            invitations::revoked_at,
        ))
        .get_result(conn)
        .optional()?;
    let Some((id, user_id, purpose, created_at, expires_at, used_at, revoked_at)) = row else {
        return Ok(Err(LinkProblem::Unknown));
    };
    if used_at.is_some() {
        return Ok(Err(LinkProblem::Used));
    }
    if revoked_at.is_some() {
        return Ok(Err(LinkProblem::Revoked));
    }
    if now > expires_at {
        return Ok(Err(LinkProblem::Expired));
    }
    let Some(account) = user_store::get_account(conn, user_id)?.filter(|a| a.active) else {
        return Ok(Err(LinkProblem::Revoked));
    };
    Ok(Ok((
        Invitation {
            id,
            user_id,
            purpose: Purpose::parse(&purpose)?,
            created_at,
            expires_at,
        },
        account,
    )))
}

/// Uses a link: stores the chosen password hash and name, spends the link, and ends any other
/// session of the user, in one transaction. Returns the user and the session generation for
/// the session the link opens.
pub fn accept(
    conn: &mut DbConnection,
    token: &str,
    password_hash: &str,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<Result<(User, i32), LinkProblem>> {
    write_tx(conn, |conn| {
        let (invitation, account) = match look_up(conn, token, now)? {
            Ok(found) => found,
            Err(problem) => return Ok(Err(problem)),
        };
        // Spend the link first and only if still unspent, so two uses at once cannot both win.
        let spent = diesel::update(
            invitations::table
                .find(invitation.id)
                .filter(invitations::used_at.is_null()),
        )
        .set(invitations::used_at.eq(Some(now)))
        .execute(conn)?;
        if spent == 0 {
            return Ok(Err(LinkProblem::Used));
        }
        diesel::update(users::table.find(account.user.id))
            .set((users::password_hash.eq(password_hash), users::name.eq(name)))
            .execute(conn)?;
        let generation = user_store::bump_generation(conn, account.user.id)?;
        if invitation.purpose == Purpose::Forgotten {
            // A new password revokes the API tokens, as an admin's reset does when it is made.
            super::tokens::revoke_all(conn, account.user.id, now, Some(account.user.id))?;
        }
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(account.user.id),
                entity_id: account.user.id.to_string(),
                event: Event::User(ev::UserEvent::AcceptInvitation {
                    before: ev::Named {
                        name: account.user.name.clone(),
                    },
                    after: ev::Accepted {
                        invitation_id: invitation.id,
                        name: name.to_owned(),
                    },
                }),
            },
            now,
        )?;
        let user =
            user_store::get_user(conn, account.user.id)?.ok_or(diesel::result::Error::NotFound)?;
        Ok(Ok((user, generation)))
    })
}

/// The user's waiting link, if any: when it was made and when it expires.
pub fn pending_for(
    conn: &mut DbConnection,
    user_id: i32,
    now: NaiveDateTime,
) -> QueryResult<Option<Invitation>> {
    let row: Option<(i32, String, NaiveDateTime, NaiveDateTime)> = invitations::table
        .filter(invitations::user_id.eq(user_id))
        .filter(invitations::used_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.ge(now))
        .order(invitations::id.desc())
        .select((
            invitations::id,
            invitations::purpose,
            invitations::created_at,
            invitations::expires_at,
        ))
        .first(conn)
        .optional()?;
    row.map(|(id, purpose, created_at, expires_at)| {
        Ok(Invitation {
            id,
            user_id,
            purpose: Purpose::parse(&purpose)?,
            created_at,
            expires_at,
        })
    })
    .transpose()
}
