//! The page models of a KKR's users and of the one-time links that let a person choose a
//! password.

use serde::{Deserialize, Serialize};

use super::fields::{Choice, FieldError};

/// A user as the admin's pages show them.
#[derive(Debug, Serialize)]
pub struct AccountView {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub role_label: &'static str,
    pub municipality_code: Option<String>,
    pub municipality: Option<String>,
    /// "active", "invited", "expired" (invited, but the link expired unused) or "deactivated".
    pub status: &'static str,
    pub status_label: &'static str,
    pub created: String,
    /// Edits the installation's pages (statement, contact, privacy).
    pub installation_admin: bool,
}

/// `GET /users`: the KKR's users.
#[derive(Debug, Serialize)]
pub struct UsersPage {
    pub accounts: Vec<AccountView>,
}

/// What the invitation form holds, kept when it is shown again with errors.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct InviteValues {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub municipality: String,
}

/// The invitation form's errors by field.
#[derive(Debug, Default, Serialize)]
pub struct InviteErrors {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
    pub municipality: Option<String>,
}

/// `GET /users/new`: the invitation form.
#[derive(Debug, Serialize)]
pub struct NewUserPage {
    pub values: InviteValues,
    pub field_errors: InviteErrors,
    pub errors: Vec<FieldError>,
    pub roles: Vec<Choice>,
    pub municipalities: Vec<Choice>,
    pub mail_configured: bool,
    pub valid_days: i64,
}

impl NewUserPage {
    /// The errors by field, from the summary's list.
    pub fn field_errors(errors: &[FieldError]) -> InviteErrors {
        InviteErrors {
            email: FieldError::message_of(errors, "email"),
            name: FieldError::message_of(errors, "name"),
            role: FieldError::message_of(errors, "role"),
            municipality: FieldError::message_of(errors, "municipality"),
        }
    }
}

/// Where a one-time link went: queued for mailing, or shown to the admin to pass on.
#[derive(Debug, Serialize)]
pub struct LinkOutcome {
    pub heading: String,
    pub name: String,
    pub email: String,
    /// Shown only when the link is not mailed.
    pub link: Option<String>,
    /// The mail with the link is queued in the outbox.
    pub mailed: bool,
    pub expires: String,
    pub user_id: i32,
}

/// The page after an invitation or a reset: where the link went.
#[derive(Debug, Serialize)]
pub struct LinkPage {
    pub outcome: LinkOutcome,
}

/// The state of the newest mail with a link to the user, in Danish.
#[derive(Debug, Serialize)]
pub struct LinkMailView {
    /// "queued", "sent" or "failed".
    pub state: &'static str,
    pub text: String,
}

/// One recorded change of a user.
#[derive(Debug, Serialize)]
pub struct HistoryView {
    pub at: String,
    pub by: Option<String>,
    pub action: &'static str,
}

/// `GET /users/{id}`: a user, the forms that change them, and their history.
#[derive(Debug, Serialize)]
pub struct UserPage {
    pub account: AccountView,
    pub is_self: bool,
    /// Another installation admin may give or take the flag of the KKR's other admins.
    pub can_set_installation: bool,
    pub roles: Vec<Choice>,
    pub municipalities: Vec<Choice>,
    pub pending_expires: Option<String>,
    pub link_mail: Option<LinkMailView>,
    pub history: Vec<HistoryView>,
    pub role_error: Option<String>,
    pub municipality_error: Option<String>,
    pub confirm_error: Option<String>,
    pub reset_error: Option<String>,
    pub totp_error: Option<String>,
    pub errors: Vec<FieldError>,
    pub notice: Option<String>,
    pub mail_configured: bool,
    /// How long a new link works.
    pub valid_days: i64,
    /// The user has the second step of password sign-in.
    pub totp: bool,
    /// The identity providers the user has signed in with, by their buttons' labels.
    pub providers: Vec<String>,
}

/// The invitation form's errors by field.
#[derive(Debug, Default, Serialize)]
pub struct InvitationErrors {
    pub name: Option<String>,
    pub password: Option<String>,
    pub confirm: Option<String>,
}

/// The form of a working one-time link.
#[derive(Debug, Serialize)]
pub struct InvitationForm {
    pub token: String,
    pub is_reset: bool,
    pub email: String,
    pub role_label: &'static str,
    pub name: String,
    pub expires: String,
    pub password_min: usize,
    pub field_errors: InvitationErrors,
    pub errors: Vec<FieldError>,
}

impl InvitationForm {
    /// The errors by field, from the summary's list.
    pub fn field_errors(errors: &[FieldError]) -> InvitationErrors {
        InvitationErrors {
            name: FieldError::message_of(errors, "name"),
            password: FieldError::message_of(errors, "password"),
            confirm: FieldError::message_of(errors, "password-confirm"),
        }
    }
}

/// `GET /invitation/{token}`: why the link does not work, or its form.
#[derive(Debug, Serialize)]
pub struct InvitationPage {
    pub problem: Option<&'static str>,
    #[serde(flatten)]
    pub form: Option<InvitationForm>,
}

/// One person invited from a file, with the link to pass on when no mail is sent.
#[derive(Debug, Serialize)]
pub struct InvitedLink {
    pub user_id: i32,
    pub name: String,
    pub email: String,
    /// Shown only when the link is not mailed.
    pub link: Option<String>,
}

/// What an upload of users did or would do.
#[derive(Debug, Default, Serialize)]
pub struct BulkReport {
    pub file_name: String,
    /// Each error with its file, sheet, row and column.
    pub errors: Vec<String>,
    /// What the import would do (dry run) or did: a count, then each person.
    pub lines: Vec<String>,
    pub committed: bool,
    /// The file, for the confirmation form after a dry run.
    pub file_data: String,
    /// The people invited (after the import is carried out).
    pub invited: Vec<InvitedLink>,
}

/// `GET /users/import`: the upload form of many invitations, and the report of an upload.
#[derive(Debug, Serialize)]
pub struct BulkInvitePage {
    /// The largest file, in MB.
    pub max_mb: usize,
    pub mail_configured: bool,
    pub valid_days: i64,
    pub report: Option<BulkReport>,
}
