//! API tokens: created on the user's page, sent as `Authorization: Bearer <token>`.
//! Only a SHA-256 hash is stored, so a database copy does not leak usable tokens.
//!
//! A token works until it expires (`expires_at`) or is revoked, whichever comes first. Its
//! owner revokes one on `/account`; a password reset, a password set by someone else and a
//! deactivation revoke all of the user's tokens in the same transaction. A revoked token
//! stays revoked: reactivating the user does not bring it back.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::audit::{self, AuditEntry};
use super::schema::api_tokens;
use super::{users, write_tx, DbConnection};
use crate::domain::events::{self as ev, Event};
use crate::domain::User;

/// A token as its owner's page lists it (never the token itself).
#[derive(Debug, Clone, PartialEq, Serialize, Queryable)]
pub struct ApiToken {
    pub id: i32,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub expires_at: NaiveDateTime,
}

pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Stores a new token for the user (the caller made `token` at random), valid until
/// `expires_at`, with an audit row.
pub fn create(
    conn: &mut DbConnection,
    user_id: i32,
    name: &str,
    token: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    write_tx(conn, |conn| {
        let id: i32 = diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::user_id.eq(user_id),
                api_tokens::name.eq(name),
                api_tokens::token_hash.eq(hash(token)),
                api_tokens::created_at.eq(now),
                api_tokens::expires_at.eq(expires_at),
            ))
            .returning(api_tokens::id)
            .get_result(conn)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(user_id),
                entity_id: id.to_string(),
                event: Event::ApiToken(ev::TokenEvent::Create {
                    after: ev::TokenCreated {
                        name: name.to_owned(),
                        expires_at,
                    },
                }),
            },
            now,
        )?;
        Ok(id)
    })
}

/// Revokes one of the user's tokens; false if the user has no such active token.
pub fn revoke(
    conn: &mut DbConnection,
    user_id: i32,
    token_id: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    write_tx(conn, |conn| {
        let changed = diesel::update(
            api_tokens::table
                .filter(api_tokens::id.eq(token_id))
                .filter(api_tokens::user_id.eq(user_id))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(Some(now)))
        .execute(conn)?;
        if changed > 0 {
            audit::record(
                conn,
                AuditEntry {
                    user_id: Some(user_id),
                    entity_id: token_id.to_string(),
                    event: Event::ApiToken(ev::TokenEvent::Revoke {}),
                },
                now,
            )?;
        }
        Ok(changed > 0)
    })
}

/// Revokes every token of the user that is not revoked yet, inside the caller's transaction
/// (a reset, a password set by someone else, a deactivation); the audit row names how many.
pub(crate) fn revoke_all(
    conn: &mut DbConnection,
    user_id: i32,
    now: NaiveDateTime,
    actor: Option<i32>,
) -> QueryResult<usize> {
    let revoked = diesel::update(
        api_tokens::table
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Some(now)))
    .execute(conn)?;
    if revoked > 0 {
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                entity_id: user_id.to_string(),
                event: Event::ApiToken(ev::TokenEvent::RevokeAll {
                    after: ev::TokensRevoked { revoked },
                }),
            },
            now,
        )?;
    }
    Ok(revoked)
}

pub fn list(conn: &mut DbConnection, user_id: i32) -> QueryResult<Vec<ApiToken>> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::id.desc())
        .select((
            api_tokens::id,
            api_tokens::name,
            api_tokens::created_at,
            api_tokens::revoked_at,
            api_tokens::expires_at,
        ))
        .load(conn)
}

/// The user a token belongs to, if the token is neither revoked nor expired at `now`; none
/// for a deactivated user's token.
pub fn user_for(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<User>> {
    let user_id: Option<i32> = api_tokens::table
        .filter(api_tokens::token_hash.eq(hash(token)))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.gt(now))
        .select(api_tokens::user_id)
        .get_result(conn)
        .optional()?;
    match user_id {
        Some(id) => users::get_active_user(conn, id),
        None => Ok(None),
    }
}
