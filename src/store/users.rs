//! Users: who may sign in, with which role, for which KKR or municipality.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, AuditEntry};
use super::rows::{UserInsertForm, UserRow};
use super::schema::{municipalities, users};
use super::{write_tx, DbConnection};
use crate::domain::account::Placement;
use crate::domain::events::{self as ev, Event};
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
    now: NaiveDateTime,
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
                created_at: now,
            })
            .returning(users::id)
            .get_result(conn)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                entity_id: id.to_string(),
                event: Event::User(ev::UserEvent::Create {
                    after: ev::UserCreated {
                        email: new.email.clone(),
                        role: new.role,
                        kkr_id: new.kkr_id,
                        municipality_code: new.municipality_code.clone(),
                    },
                }),
            },
            now,
        )?;
        get_user(conn, id)?.ok_or(diesel::result::Error::NotFound)
    })
}

/// Replaces a user's password hash and ends their sessions, with an audit row (which never
/// holds the hash).
pub fn set_password_hash(
    conn: &mut DbConnection,
    user_id: i32,
    password_hash: &str,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    write_tx(conn, |conn| {
        diesel::update(users::table.find(user_id))
            .set(users::password_hash.eq(password_hash))
            .execute(conn)?;
        // A new password ends every session made with the old one, and the API tokens:
        // whoever sets it may be locking someone out.
        bump_generation(conn, user_id)?;
        super::tokens::revoke_all(conn, user_id, now, actor)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: actor,
                entity_id: user_id.to_string(),
                event: Event::User(ev::UserEvent::SetPassword {}),
            },
            now,
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
                .get_result(conn)
                .optional()?;
        }
    }
    Ok((user, hash))
}

pub fn get_user(conn: &mut DbConnection, id: i32) -> QueryResult<Option<User>> {
    let row = users::table
        .find(id)
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?;
    row.map(|row| with_kkr(conn, row).map(|(user, _)| user))
        .transpose()
}

/// The user with this email (case-insensitive) and their password hash.
pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<(User, String)>> {
    let row = users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?;
    row.map(|row| with_kkr(conn, row)).transpose()
}

/// A user as the admin's user pages show them: the user with the state of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub user: User,
    pub active: bool,
    /// False while an invitation or a reset waits for the user to choose a password.
    pub has_password: bool,
    pub session_generation: i32,
    pub created_at: chrono::NaiveDateTime,
    pub deactivated_at: Option<chrono::NaiveDateTime>,
    /// May edit the installation's pages (with the admin role; see
    /// [`crate::domain::installation::can_edit_installation_pages`]).
    pub installation_admin: bool,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
struct AccountRow {
    #[diesel(embed)]
    user: UserRow,
    active: bool,
    session_generation: i32,
    created_at: chrono::NaiveDateTime,
    deactivated_at: Option<chrono::NaiveDateTime>,
    installation_admin: bool,
}

fn account_of(conn: &mut DbConnection, row: AccountRow) -> QueryResult<(Account, String)> {
    let (user, hash) = with_kkr(conn, row.user)?;
    Ok((
        Account {
            user,
            active: row.active,
            has_password: !hash.is_empty(),
            session_generation: row.session_generation,
            created_at: row.created_at,
            deactivated_at: row.deactivated_at,
            installation_admin: row.installation_admin,
        },
        hash,
    ))
}

pub fn get_account(conn: &mut DbConnection, id: i32) -> QueryResult<Option<Account>> {
    let row = users::table
        .find(id)
        .select(AccountRow::as_select())
        .get_result(conn)
        .optional()?;
    row.map(|row| account_of(conn, row).map(|(account, _)| account))
        .transpose()
}

/// The account with this email (case-insensitive) and its password hash (empty while no
/// password has been chosen), for sign-in.
pub fn find_account_by_email(
    conn: &mut DbConnection,
    email: &str,
) -> QueryResult<Option<(Account, String)>> {
    let row = users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(AccountRow::as_select())
        .get_result(conn)
        .optional()?;
    row.map(|row| account_of(conn, row)).transpose()
}

/// The user's password hash (empty while no password has been chosen).
pub fn password_hash(conn: &mut DbConnection, user_id: i32) -> QueryResult<Option<String>> {
    users::table
        .find(user_id)
        .select(users::password_hash)
        .get_result(conn)
        .optional()
}

/// A user's own columns as [`session_user_at_version`] reads them.
type UserColumns = (i32, String, String, String, Option<i32>, Option<String>);

/// The database's three markers as one statement read them: the data version, which every
/// committed write moves; the shown marker, which every write but a draft's save moves (see
/// [`super::shown_version`]); and the accounts marker, which every change to what
/// [`session_user_at_version`] reads moves (the migration `accounts_marker`: triggers on the
/// users and the municipalities).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    pub data: i64,
    pub shown: i64,
    pub accounts: i64,
}

/// The user a session names, if that session is still valid (the user exists, is active, and
/// the session was made in the user's current session generation), with the database's
/// markers ([`Versions`]) read in the same statement and so from the same snapshot. Every
/// signed-in request asks this, so it is one statement: on SQLite each
/// statement outside a transaction takes and releases a read lock with two system calls, and
/// this one, unlike the two or three reads it replaces, does not read the password hash
/// either. It is built with diesel's query builder, whose statements are prepared once per
/// connection (a raw `sql_query` would be prepared again on every call), and runs on the
/// backend's own connection.
pub fn session_user_at_version(
    conn: &mut DbConnection,
    id: i32,
    generation: i32,
) -> QueryResult<Option<(User, Versions)>> {
    use super::schema::data_version;
    let version = data_version::table
        .find(1)
        .select(data_version::version)
        .single_value();
    let shown = data_version::table
        .find(1)
        .select(data_version::shown)
        .single_value();
    let accounts = data_version::table
        .find(1)
        .select(data_version::accounts)
        .single_value();
    type Row = (
        UserColumns,
        Option<i32>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let query = users::table
        .left_join(
            municipalities::table.on(municipalities::code.nullable().eq(users::municipality_code)),
        )
        .filter(users::id.eq(id))
        .filter(users::active.eq(true))
        .filter(users::session_generation.eq(generation))
        .select((
            (
                users::id,
                users::email,
                users::name,
                users::role,
                users::kkr_id,
                users::municipality_code,
            ),
            municipalities::kkr_id.nullable(),
            version,
            shown,
            accounts,
        ));
    // On the backend's own connection: its statement cache knows this query by its type,
    // where through the enum the SQL text is built again on every call to look it up.
    let row: Option<Row> = match conn {
        DbConnection::Sqlite(conn) => query.get_result(conn).optional()?,
        DbConnection::Postgres(conn) => query.get_result(conn).optional()?,
    };
    row.map(
        |(
            (id, email, name, role, kkr_id, municipality_code),
            municipal_kkr,
            version,
            shown,
            accounts,
        )| {
            let (user, _) = UserRow {
                id,
                email,
                name,
                password_hash: String::new(),
                role,
                // A municipal user belongs to its municipality's KKR (see `with_kkr`).
                kkr_id: kkr_id.or(municipal_kkr),
                municipality_code,
            }
            .into_domain()?;
            let versions = Versions {
                data: version.ok_or(diesel::result::Error::NotFound)?,
                shown: shown.ok_or(diesel::result::Error::NotFound)?,
                accounts: accounts.ok_or(diesel::result::Error::NotFound)?,
            };
            Ok((user, versions))
        },
    )
    .transpose()
}

/// An active user by id (API tokens of a deactivated user are refused with this).
pub fn get_active_user(conn: &mut DbConnection, id: i32) -> QueryResult<Option<User>> {
    Ok(get_account(conn, id)?.filter(|a| a.active).map(|a| a.user))
}

/// Every user who belongs to a KKR: its admins and members, and the users of its
/// municipalities; by role, then name.
pub fn list_in_kkr(conn: &mut DbConnection, kkr_id: i32) -> QueryResult<Vec<Account>> {
    let codes: Vec<String> = municipalities::table
        .filter(municipalities::kkr_id.eq(kkr_id))
        .select(municipalities::code)
        .load(conn)?;
    let rows: Vec<AccountRow> = users::table
        .filter(
            users::kkr_id
                .eq(kkr_id)
                .or(users::municipality_code.eq_any(codes)),
        )
        .select(AccountRow::as_select())
        .load(conn)?;
    let mut accounts = rows
        .into_iter()
        .map(|row| account_of(conn, row).map(|(a, _)| a))
        .collect::<QueryResult<Vec<_>>>()?;
    let rank = |role: Role| Role::ALL.iter().position(|r| *r == role).unwrap_or(0);
    accounts.sort_by_cached_key(|a| {
        (
            rank(a.user.role),
            crate::domain::danish_sort_key(&a.user.name),
        )
    });
    Ok(accounts)
}

/// Bumps the user's session generation: every session made before ends on its next request.
pub(crate) fn bump_generation(conn: &mut DbConnection, user_id: i32) -> QueryResult<i32> {
    diesel::update(users::table.find(user_id))
        .set(users::session_generation.eq(users::session_generation + 1))
        .returning(users::session_generation)
        .get_result(conn)
}

/// The user's current session generation, stored in the session cookie at sign-in.
pub fn session_generation(conn: &mut DbConnection, user_id: i32) -> QueryResult<i32> {
    users::table
        .find(user_id)
        .select(users::session_generation)
        .get_result(conn)
}

/// Signs the user out everywhere: every session of the user ends, copied cookies included.
pub fn end_sessions(conn: &mut DbConnection, user_id: i32, now: NaiveDateTime) -> QueryResult<()> {
    write_tx(conn, |conn| {
        bump_generation(conn, user_id)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(user_id),
                entity_id: user_id.to_string(),
                event: Event::User(ev::UserEvent::SignOut {}),
            },
            now,
        )
    })
}

/// A user changes their own password: the new hash is stored and every other session of the
/// user ends. Returns the new session generation, for the session that made the change.
pub fn change_password(
    conn: &mut DbConnection,
    user_id: i32,
    password_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    write_tx(conn, |conn| {
        diesel::update(users::table.find(user_id))
            .set(users::password_hash.eq(password_hash))
            .execute(conn)?;
        let generation = bump_generation(conn, user_id)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(user_id),
                entity_id: user_id.to_string(),
                event: Event::User(ev::UserEvent::ChangePassword {}),
            },
            now,
        )?;
        Ok(generation)
    })
}

/// Deactivates a user: they can no longer sign in, every session ends, and any waiting
/// invitation or reset link and every API token is revoked. False if the user was not active.
pub fn deactivate(
    conn: &mut DbConnection,
    user_id: i32,
    actor: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    write_tx(conn, |conn| {
        let changed = diesel::update(users::table.find(user_id).filter(users::active.eq(true)))
            .set((users::active.eq(false), users::deactivated_at.eq(Some(now))))
            .execute(conn)?;
        if changed == 0 {
            return Ok(false);
        }
        bump_generation(conn, user_id)?;
        super::invitations::revoke_pending(conn, user_id, now)?;
        // Revoked for good: a reactivation does not bring a token back.
        super::tokens::revoke_all(conn, user_id, now, Some(actor))?;
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(actor),
                entity_id: user_id.to_string(),
                event: Event::User(ev::UserEvent::Deactivate {
                    before: ev::Active { active: true },
                    after: ev::Active { active: false },
                }),
            },
            now,
        )?;
        Ok(true)
    })
}

/// Lets a deactivated user sign in again (with their old password, if they had one). Their
/// API tokens stay revoked.
pub fn reactivate(
    conn: &mut DbConnection,
    user_id: i32,
    actor: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    write_tx(conn, |conn| {
        let changed = diesel::update(users::table.find(user_id).filter(users::active.eq(false)))
            .set((
                users::active.eq(true),
                users::deactivated_at.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(conn)?;
        if changed > 0 {
            audit::record(
                conn,
                AuditEntry {
                    user_id: Some(actor),
                    entity_id: user_id.to_string(),
                    event: Event::User(ev::UserEvent::Reactivate {
                        before: ev::Active { active: false },
                        after: ev::Active { active: true },
                    }),
                },
                now,
            )?;
        }
        Ok(changed > 0)
    })
}

/// Whether the user may edit the installation's pages now: active, an admin, and flagged.
pub fn is_installation_admin(conn: &mut DbConnection, user_id: i32) -> QueryResult<bool> {
    let flagged: Option<(bool, bool, String)> = users::table
        .find(user_id)
        .select((users::installation_admin, users::active, users::role))
        .get_result(conn)
        .optional()?;
    Ok(flagged.is_some_and(|(flag, active, role)| {
        flag && active && role == crate::domain::Role::Admin.as_str()
    }))
}

/// Sets or clears a user's installation flag, with an audit row; only an admin can carry it.
/// False when nothing changed (not an admin, or the flag was already so).
pub fn set_installation_admin(
    conn: &mut DbConnection,
    user_id: i32,
    on: bool,
    actor: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    write_tx(conn, |conn| {
        let changed = diesel::update(
            users::table
                .find(user_id)
                .filter(users::role.eq(crate::domain::Role::Admin.as_str()))
                .filter(users::installation_admin.eq(!on)),
        )
        .set(users::installation_admin.eq(on))
        .execute(conn)?;
        if changed > 0 {
            audit::record(
                conn,
                AuditEntry {
                    user_id: actor,
                    entity_id: user_id.to_string(),
                    event: Event::User(ev::UserEvent::SetInstallationAdmin {
                        before: ev::Flag {
                            installation_admin: !on,
                        },
                        after: ev::Flag {
                            installation_admin: on,
                        },
                    }),
                },
                now,
            )?;
        }
        Ok(changed > 0)
    })
}

/// Gives a user another role, with the KKR or municipality the role belongs to.
pub fn set_role(
    conn: &mut DbConnection,
    user_id: i32,
    role: Role,
    placement: &Placement,
    actor: i32,
    now: NaiveDateTime,
) -> QueryResult<()> {
    write_tx(conn, |conn| {
        let before: (String, Option<i32>, Option<String>) = users::table
            .find(user_id)
            .select((users::role, users::kkr_id, users::municipality_code))
            .get_result(conn)?;
        let code = placement.municipality_code().map(|c| c.as_str().to_owned());
        diesel::update(users::table.find(user_id))
            .set((
                users::role.eq(role.as_str()),
                users::kkr_id.eq(placement.kkr_id()),
                users::municipality_code.eq(&code),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            AuditEntry {
                user_id: Some(actor),
                entity_id: user_id.to_string(),
                event: Event::User(ev::UserEvent::SetRole {
                    before: ev::Placed {
                        role: Role::parse(&before.0).map_err(super::stored_value)?,
                        kkr_id: before.1,
                        municipality_code: before.2,
                    },
                    after: ev::Placed {
                        role,
                        kkr_id: placement.kkr_id(),
                        municipality_code: code,
                    },
                }),
            },
            now,
        )
    })
}

/// A municipality's editor as a reminder addresses them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editor {
    pub municipality_code: MunicipalityCode,
    pub name: String,
    pub email: String,
}

/// The active editors of these municipalities who can sign in (their password is chosen),
/// by municipality, then email.
pub fn editors_of(conn: &mut DbConnection, codes: &[MunicipalityCode]) -> QueryResult<Vec<Editor>> {
    let codes: Vec<&str> = codes.iter().map(MunicipalityCode::as_str).collect();
    let rows: Vec<(Option<String>, String, String)> = users::table
        .filter(users::role.eq(Role::Editor.as_str()))
        .filter(users::active.eq(true))
        .filter(users::password_hash.ne(""))
        .filter(users::municipality_code.eq_any(codes))
        .order((users::municipality_code.asc(), users::email.asc()))
        .select((users::municipality_code, users::name, users::email))
        .load(conn)?;
    rows.into_iter()
        .filter_map(|(code, name, email)| code.map(|c| (c, name, email)))
        .map(|(code, name, email)| {
            Ok(Editor {
                municipality_code: super::rows::parse_code(&code)?,
                name,
                email,
            })
        })
        .collect()
}
