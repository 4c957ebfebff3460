//! Many users invited at once from a table, by an admin of a KKR. The file is read by the
//! caller first (`domain::import::read_table`), before a connection is taken; here its rows
//! are checked against the KKR's municipalities and the users there are (a dry run writes
//! nothing), and carried out every person is invited in one transaction (the account, the
//! one-time link, the mail in the outbox and the audit rows), all or nothing.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::imports::Mode;
use super::invitations::{self, Invitation};
use super::outbox::NewMail;
use super::reference::list_municipalities;
use super::schema::users;
use super::users::NewUser;
use super::{write_tx, DbConnection};
use crate::account_mail::LinkMailFacts;
use crate::domain::import::{self, ImportError, ImportedUser, Table, UserImportContext};
use crate::domain::User;

/// Why nothing was invited.
#[derive(Debug, thiserror::Error)]
pub enum BulkFailure {
    /// What is wrong with the file, each error with its row and column.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<ImportError>),
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
}

/// A person invited, with the token of their link (to show when no mail is sent).
#[derive(Debug, Clone)]
pub struct Invited {
    pub user: User,
    pub invitation: Invitation,
    pub token: String,
}

/// What an import of users did, or would do.
#[derive(Debug, Clone)]
pub struct BulkOutcome {
    pub planned: Vec<ImportedUser>,
    /// Empty after a dry run.
    pub invited: Vec<Invited>,
}

impl BulkOutcome {
    pub fn lines(&self) -> Vec<String> {
        import::user_plan_lines(&self.planned)
    }
}

/// Every row checked against the KKR and the users there are now.
fn plan(
    conn: &mut DbConnection,
    kkr_id: i32,
    table: &Table,
) -> Result<Vec<ImportedUser>, BulkFailure> {
    let all = list_municipalities(conn)?;
    let taken: HashSet<String> = users::table
        .select(users::email)
        .load::<String>(conn)?
        .into_iter()
        .map(|e| e.to_lowercase())
        .collect();
    import::parse_users(
        table,
        UserImportContext {
            kkr_id,
            all_municipalities: &all,
            taken_emails: &taken,
        },
    )
    .map_err(BulkFailure::Invalid)
}

/// Invites the people of a table into the admin's KKR: checks every row, and with
/// [`Mode::Commit`] invites them all in one transaction, or none. `compose(token)` makes the
/// closure that writes each link's mail (see [`invitations::invite`]).
pub fn invite_from_table<C>(
    conn: &mut DbConnection,
    kkr_id: i32,
    table: &Table,
    mode: Mode,
    actor: i32,
    compose: impl Fn(&str) -> C,
    now: NaiveDateTime,
) -> Result<BulkOutcome, BulkFailure>
where
    C: FnOnce(&Invitation, &LinkMailFacts) -> Option<NewMail>,
{
    match mode {
        Mode::DryRun => Ok(BulkOutcome {
            planned: plan(conn, kkr_id, table)?,
            invited: Vec::new(),
        }),
        Mode::Commit => write_tx(conn, |conn| {
            // Checked again inside the transaction: a user added since the dry run is seen.
            let planned = plan(conn, kkr_id, table)?;
            let mut invited = Vec::with_capacity(planned.len());
            for person in &planned {
                let new = NewUser {
                    email: person.email.clone(),
                    name: person.name.clone(),
                    role: person.role,
                    kkr_id: person.kkr_id,
                    municipality_code: person.municipality.as_ref().map(|m| m.code.clone()),
                };
                let token = invitations::new_token();
                let (user, invitation) =
                    invitations::invite(conn, &new, &token, Some(actor), compose(&token), now)?;
                invited.push(Invited {
                    user,
                    invitation,
                    token,
                });
            }
            Ok(BulkOutcome { planned, invited })
        }),
    }
}
