//! How users sign in besides a password: accounts at identity providers linked to users, the
//! second step (TOTP) with its recovery codes, the break-glass admin, and refused sign-ins in
//! the audit trail.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, AuditEntry};
use super::schema::{recovery_codes, totp_secrets, user_identities, users};
use super::users::{self as user_store, NewUser};
use super::{write_tx, DbConnection};
use crate::domain::events::{self as ev, Event};
use crate::domain::sign_in::{
    decide, KnownUser, SignInRefusal, SsoOutcome, VouchedDomain, VouchedIdentity,
};
use crate::domain::Role;

/// Marks the user as the installation's break-glass admin, who may sign in with a password
/// when passwords are otherwise off.
pub fn set_break_glass(conn: &mut DbConnection, user_id: i32) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::break_glass.eq(true))
        .execute(conn)
        .map(|_| ())
}

/// Whether the user is a break-glass admin.
pub fn is_break_glass(conn: &mut DbConnection, user_id: i32) -> QueryResult<bool> {
    users::table
        .find(user_id)
        .select(users::break_glass)
        .get_result(conn)
        .optional()
        .map(|b| b.unwrap_or(false))
}

/// The user with this email as single sign-on needs them: id, whether active, and the
/// session generation a new session starts in.
pub fn sso_candidate(
    conn: &mut DbConnection,
    email: &str,
) -> QueryResult<Option<(i32, bool, i32)>> {
    users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select((users::id, users::active, users::session_generation))
        .get_result(conn)
        .optional()
}

/// Records that the user signed in with the provider's account: linked (audited) the first
/// time, its last use updated after. A provider account already linked to another user is
/// moved to this one (the email decides who it is), audited as a new link.
pub fn link_identity(
    conn: &mut DbConnection,
    user_id: i32,
    provider: &str,
    subject: &str,
    email: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    write_tx(conn, |conn| {
        let linked_to: Option<i32> = user_identities::table
            .find((provider, subject))
            .select(user_identities::user_id)
            .get_result(conn)
            .optional()?;
        if linked_to == Some(user_id) {
            diesel::update(user_identities::table.find((provider, subject)))
                .set((
                    user_identities::last_used_at.eq(now),
                    user_identities::email.eq(email),
                ))
                .execute(conn)?;
            return Ok(());
        }
        diesel::delete(user_identities::table.find((provider, subject))).execute(conn)?;
        diesel::insert_into(user_identities::table)
            .values((
                user_identities::provider.eq(provider),
                user_identities::subject.eq(subject),
                user_identities::user_id.eq(user_id),
                user_identities::email.eq(email),
                user_identities::linked_at.eq(now),
                user_identities::last_used_at.eq(now),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(user_id),
                entity_id: user_id.to_string(),
                event: Event::User(ev::UserEvent::LinkIdentity {
                    after: ev::IdentityLinked {
                        provider: provider.to_owned(),
                        subject: subject.to_owned(),
                        email: email.to_owned(),
                    },
                }),
            },
            now,
        )
    })
}

/// The providers (their ids) the user has signed in with, with the last time, newest first.
pub fn identities_of(
    conn: &mut DbConnection,
    user_id: i32,
) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    user_identities::table
        .filter(user_identities::user_id.eq(user_id))
        .select((user_identities::provider, user_identities::last_used_at))
        .order(user_identities::last_used_at.desc())
        .load(conn)
}

/// A refused sign-in through a provider, in the audit trail (nobody signed in, so no user).
pub fn record_refusal(
    conn: &mut DbConnection,
    provider: &str,
    refusal: &SignInRefusal,
    now: NaiveDateTime,
) -> QueryResult<()> {
    write_tx(conn, |conn| {
        audit::record(
            conn,
            AuditEntry {
                user_id: None,
                entity_id: provider.to_owned(),
                event: Event::SignIn(ev::SignInEvent::Refuse {
                    after: ev::SignInAttempt {
                        provider: provider.to_owned(),
                        email: refusal.email().map(str::to_owned),
                        reason: refusal.reason(),
                    },
                }),
            },
            now,
        )
    })
}

/// The user's TOTP secret (base32) and the last step a code was accepted for; `None` without
/// a second step.
pub fn totp_of(conn: &mut DbConnection, user_id: i32) -> QueryResult<Option<(String, i64)>> {
    totp_secrets::table
        .find(user_id)
        .select((totp_secrets::secret, totp_secrets::last_step))
        .get_result(conn)
        .optional()
}

/// Turns on the second step: the secret, the step of the code that confirmed it, and the
/// recovery codes' hashes (any old ones are replaced). Audited.
pub fn enable_totp(
    conn: &mut DbConnection,
    user_id: i32,
    secret: &str,
    confirmed_step: i64,
    recovery_hashes: &[String],
    now: NaiveDateTime,
) -> QueryResult<()> {
    write_tx(conn, |conn| {
        diesel::delete(totp_secrets::table.find(user_id)).execute(conn)?;
        diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
            .execute(conn)?;
        diesel::insert_into(totp_secrets::table)
            .values((
                totp_secrets::user_id.eq(user_id),
                totp_secrets::secret.eq(secret),
                totp_secrets::last_step.eq(confirmed_step),
                totp_secrets::enabled_at.eq(now),
            ))
            .execute(conn)?;
        for hash in recovery_hashes {
            diesel::insert_into(recovery_codes::table)
                .values((
                    recovery_codes::user_id.eq(user_id),
                    recovery_codes::code_hash.eq(hash),
                ))
                .execute(conn)?;
        }
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(user_id),
                entity_id: user_id.to_string(),
                event: Event::User(ev::UserEvent::EnableTotp {}),
            },
            now,
        )
    })
}

/// Takes a code's step as used: true when no code of this step or a later one was accepted
/// before (checked in the update itself, so two processes cannot both accept one code).
pub fn accept_step(conn: &mut DbConnection, user_id: i32, step: i64) -> QueryResult<bool> {
    diesel::update(
        totp_secrets::table
            .find(user_id)
            .filter(totp_secrets::last_step.lt(step)),
    )
    .set(totp_secrets::last_step.eq(step))
    .execute(conn)
    .map(|n| n == 1)
}

/// Removes the user's second step and recovery codes: by the user (`actor` is the user) or
/// by an admin (a reset). Ends the user's sessions when an admin does it. False when the user
/// had none.
pub fn remove_totp(
    conn: &mut DbConnection,
    user_id: i32,
    actor: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    write_tx(conn, |conn| {
        let removed = diesel::delete(totp_secrets::table.find(user_id)).execute(conn)?;
        diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
            .execute(conn)?;
        if removed == 0 {
            return Ok(false);
        }
        let event = if actor == user_id {
            ev::UserEvent::DisableTotp {}
        } else {
            user_store::bump_generation(conn, user_id)?;
            ev::UserEvent::ResetTotp {}
        };
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(actor),
                entity_id: user_id.to_string(),
                event: Event::User(event),
            },
            now,
        )?;
        Ok(true)
    })
}

/// Uses a recovery code: `Some(codes left)` when the hash is one of the user's unused codes
/// (then marked used, audited); `None` otherwise.
pub fn use_recovery_code(
    conn: &mut DbConnection,
    user_id: i32,
    code_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<usize>> {
    write_tx(conn, |conn| {
        let used = diesel::update(
            recovery_codes::table
                .filter(recovery_codes::user_id.eq(user_id))
                .filter(recovery_codes::code_hash.eq(code_hash))
                .filter(recovery_codes::used_at.is_null()),
        )
        .set(recovery_codes::used_at.eq(Some(now)))
        .execute(conn)?;
        if used == 0 {
            return Ok(None);
        }
        let left = recovery_codes_left(conn, user_id)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(user_id),
                entity_id: user_id.to_string(),
                event: Event::User(ev::UserEvent::UseRecoveryCode {
                    after: ev::RecoveryCodesLeft { left },
                }),
            },
            now,
        )?;
        Ok(Some(left))
    })
}

/// How many of the user's recovery codes are unused.
pub fn recovery_codes_left(conn: &mut DbConnection, user_id: i32) -> QueryResult<usize> {
    let n: i64 = recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Who a vouched identity signs in as, by the rules of [`crate::domain::sign_in::decide`]:
/// the existing, active user with the email, or a reader made now where the provider allows
/// it. The provider's account is linked to the user. `Ok(Err(refusal))` when nobody signs in
/// (not recorded here: see [`record_refusal`]). Returns the user and their session generation.
pub fn sign_in_vouched(
    conn: &mut DbConnection,
    identity: &VouchedIdentity,
    domains: &[VouchedDomain],
    create_readers: bool,
    now: NaiveDateTime,
) -> QueryResult<Result<(i32, i32), SignInRefusal>> {
    write_tx(conn, |conn| {
        let found = match &identity.email {
            Some(email) => sso_candidate(conn, email)?,
            None => None,
        };
        let known = found.map(|(id, active, _)| KnownUser { id, active });
        let outcome = match decide(identity, domains, known.as_ref(), create_readers) {
            Ok(outcome) => outcome,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let user_id = match outcome {
            SsoOutcome::SignIn { user_id } => user_id,
            SsoOutcome::CreateReader {
                email,
                municipality,
            } => {
                let new = NewUser {
                    name: identity.name.clone().unwrap_or_else(|| email.clone()),
                    email,
                    role: Role::Reader,
                    kkr_id: None,
                    municipality_code: Some(municipality),
                };
                // No password: the reader signs in with the provider.
                user_store::create_user(conn, &new, "", None, now)?.id
            }
        };
        let email = identity.email.clone().unwrap_or_default();
        link_identity(
            conn,
            user_id,
            &identity.provider,
            &identity.subject,
            &email,
            now,
        )?;
        let generation = user_store::session_generation(conn, user_id)?;
        Ok(Ok((user_id, generation)))
    })
}
