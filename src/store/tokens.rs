//! API tokens: created on the user's page, sent as `Authorization: Bearer <token>`.
//! Only a SHA-256 hash is stored, so a database copy does not leak usable tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::audit::{self, AuditEntry};
use super::schema::api_tokens;
use super::{users, write_tx, DbConnection};
use crate::domain::User;

/// A token as its owner's page lists it (never the token itself).
#[derive(Debug, Clone, PartialEq, Serialize, Queryable)]
pub struct ApiToken {
    pub id: i32,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Stores a new token for the user (the caller made `token` at random) with an audit row.
pub fn create(conn: &mut DbConnection, user_id: i32, name: &str, token: &str) -> QueryResult<i32> {
    write_tx(conn, |conn| {
        let id: i32 = diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::user_id.eq(user_id),
                api_tokens::name.eq(name),
                api_tokens::token_hash.eq(hash(token)),
                api_tokens::created_at.eq(super::now()),
            ))
            .returning(api_tokens::id)
            .get_result(conn)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(user_id),
                action: "create",
                entity: "api_token",
                entity_id: id.to_string(),
                before: None,
                after: Some(json!({ "name": name })),
            },
        )?;
        Ok(id)
    })
}

/// Revokes one of the user's tokens; false if the user has no such active token.
pub fn revoke(conn: &mut DbConnection, user_id: i32, token_id: i32) -> QueryResult<bool> {
    write_tx(conn, |conn| {
        let changed = diesel::update(
            api_tokens::table
                .filter(api_tokens::id.eq(token_id))
                .filter(api_tokens::user_id.eq(user_id))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(Some(super::now())))
        .execute(conn)?;
        if changed > 0 {
            audit::record(
                conn,
                AuditEntry {
                    user_id: Some(user_id),
                    action: "revoke",
                    entity: "api_token",
                    entity_id: token_id.to_string(),
                    before: None,
                    after: None,
                },
            )?;
        }
        Ok(changed > 0)
    })
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
        ))
        .load(conn)
}

/// The user an active token belongs to; none for a deactivated user's token.
pub fn user_for(conn: &mut DbConnection, token: &str) -> QueryResult<Option<User>> {
    let user_id: Option<i32> = api_tokens::table
        .filter(api_tokens::token_hash.eq(hash(token)))
        .filter(api_tokens::revoked_at.is_null())
        .select(api_tokens::user_id)
        .get_result(conn)
        .optional()?;
    match user_id {
        Some(id) => users::get_active_user(conn, id),
        None => Ok(None),
    }
}
