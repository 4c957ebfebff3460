//! The page models of signing in and of the signed-in user's own page.

use serde::Serialize;

use super::fields::{Choice, FieldError};

/// `GET /login`, and the sign-in page again after a refusal.
#[derive(Debug, Serialize)]
pub struct LoginPage {
    /// The local path to go to after sign-in.
    pub next: String,
    /// The email as typed.
    pub email: String,
    /// Why the sign-in was refused.
    pub error: Option<String>,
    /// Why the user was signed out (idle, or signed in too long).
    pub notice: Option<String>,
}

/// One of the user's API tokens.
#[derive(Debug, Serialize)]
pub struct TokenView {
    pub id: i32,
    pub name: String,
    pub created: String,
    /// "4. december 2027 kl. 21.00": when it stops working (or stopped).
    pub expires: String,
    pub expired: bool,
    pub revoked: Option<String>,
}

/// The password form's outcome: its errors (field id and message) or a confirmation.
#[derive(Debug, Default, Serialize)]
pub struct PasswordFeedback {
    pub errors: Vec<FieldError>,
    pub current_error: Option<String>,
    pub new_error: Option<String>,
    pub confirm_error: Option<String>,
    pub changed: bool,
}

impl PasswordFeedback {
    /// The form refused for `errors`.
    pub fn refused(errors: Vec<FieldError>) -> PasswordFeedback {
        PasswordFeedback {
            current_error: FieldError::message_of(&errors, "current-password"),
            new_error: FieldError::message_of(&errors, "password"),
            confirm_error: FieldError::message_of(&errors, "password-confirm"),
            errors,
            changed: false,
        }
    }

    /// The password was changed.
    pub fn changed() -> PasswordFeedback {
        PasswordFeedback {
            changed: true,
            ..PasswordFeedback::default()
        }
    }
}

/// `GET /account`: who the user is, their password form and their API tokens.
#[derive(Debug, Serialize)]
pub struct AccountPage {
    pub tokens: Vec<TokenView>,
    /// The lifetimes a new token may have, in days.
    pub lifetimes: Vec<Choice>,
    /// A token just created, shown this once.
    pub new_token: Option<String>,
    /// Why a token was not created.
    pub error: Option<String>,
    pub password: PasswordFeedback,
    pub password_min: usize,
    pub municipality: Option<String>,
    /// The optional notices by mail, checked when the user gets them.
    pub notices: Vec<Choice>,
    /// The notice settings were just saved.
    pub notices_saved: bool,
}
