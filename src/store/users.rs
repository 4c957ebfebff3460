//! Users: who may sign in, with which role, for which KKR or municipality.

use diesel::prelude::*;
use serde_json::json;

use super::audit::{self, AuditEntry};
use super::rows::{UserInsertForm, UserRow};
use super::schema::{municipalities, users};
use super::{write_tx, DbConnection};
use crate::domain::{MunicipalityCode, Role, User};

/// A user about to be created; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub kkr_id: Option<i32>,
    pub municipality_code: Option<MunicipalityCode>,
}

/// Creates a user with an audit row, in one transaction.
pub fn create_user(
    conn: &mut DbConnection,
    new: &NewUser,
    password_hash: &str,
    actor: Option<i32>,
) -> QueryResult<User> {
    write_tx(conn, |conn| {
        let id: i32 = diesel::insert_into(users::table)
            .values(UserInsertForm {
                email: &new.email,
                name: &new.name,
                password_hash,
                role: new.role.as_str(),
                kkr_id: new.kkr_id,
                municipality_code: new.municipality_code.as_ref().map(|c| c.as_str()),
                created_at: super::now(),
            })
            .returning(users::id)
            .get_result(conn)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                action: "create",
                entity: "user",
                entity_id: id.to_string(),
                before: None,
                after: Some(json!({
                    "email": new.email,
                    "role": new.role.as_str(),
                    "kkr_id": new.kkr_id,
                    "municipality_code": new.municipality_code.as_ref().map(|c| c.as_str()),
                })),
            },
        )?;
        get_user(conn, id)?.ok_or(diesel::result::Error::NotFound)
    })
}

/// Replaces a user's password hash, with an audit row (which never holds the hash).
pub fn set_password_hash(
    conn: &mut DbConnection,
    user_id: i32,
    password_hash: &str,
    actor: Option<i32>,
) -> QueryResult<()> {
    write_tx(conn, |conn| {
        diesel::update(users::table.find(user_id))
            .set(users::password_hash.eq(password_hash))
            .execute(conn)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                action: "set_password",
                entity: "user",
                entity_id: user_id.to_string(),
                before: None,
                after: None,
            },
        )
    })
}

/// A municipal user belongs to its municipality's KKR: `kkr_id` is filled in from there, so
/// authorisation can compare KKRs for every role alike.
fn with_kkr(conn: &mut DbConnection, row: UserRow) -> QueryResult<(User, String)> {
    let (mut user, hash) = row.into_domain()?;
    if user.kkr_id.is_none() {
        if let Some(code) = &user.municipality_code {
            user.kkr_id = municipalities::table
                .find(code.as_str())
                .select(municipalities::kkr_id)
                .first(conn)
                .optional()?;
        }
    }
    Ok((user, hash))
}

pub fn get_user(conn: &mut DbConnection, id: i32) -> QueryResult<Option<User>> {
    let row = users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    row.map(|row| with_kkr(conn, row).map(|(user, _)| user))
        .transpose()
}

/// The user with this email (case-insensitive) and their password hash.
pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<(User, String)>> {
    let row = users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    row.map(|row| with_kkr(conn, row)).transpose()
}
