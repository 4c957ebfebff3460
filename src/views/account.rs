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
    /// The installation's identity providers, as buttons.
    pub providers: Vec<ProviderButton>,
    /// Passwords are off (`TRAFIKLYS_PASSWORD_SIGNIN=off`): the form is for the break-glass
    /// admin only.
    pub passwords_off: bool,
}

/// A button that starts a sign-in with an identity provider.
#[derive(Debug, Serialize)]
pub struct ProviderButton {
    pub label: String,
    pub href: String,
}

/// A refused sign-in through an identity provider: why, and whom to ask.
#[derive(Debug, Serialize)]
pub struct SsoRefusedPage {
    pub message: String,
    /// The reason as the audit records it (in the page for support: "unknown_person").
    pub reason: String,
    pub contact: super::site_pages::ContactPage,
}

/// `GET /login/totp`: the code from the app, or a recovery code.
#[derive(Debug, Serialize)]
pub struct TotpCodePage {
    pub error: Option<String>,
}

/// Enrolment in the second step: the QR code, the secret to type by hand, the first code.
#[derive(Debug, Serialize)]
pub struct TotpEnrolPage {
    /// An inline SVG image made by the app (not user input).
    pub qr_svg: String,
    /// The secret in groups of four.
    pub secret: String,
    /// Where the form posts the first code.
    pub action: String,
    pub error: Option<String>,
    /// Part of a sign-in that requires it (not the user's own choice on `/account`).
    pub required: bool,
}

/// The recovery codes, shown once after enrolment.
#[derive(Debug, Serialize)]
pub struct RecoveryCodesPage {
    pub codes: Vec<String>,
    pub continue_to: String,
}

/// An identity provider the user has signed in with, and when last.
#[derive(Debug, Serialize)]
pub struct UsedProvider {
    pub label: String,
    pub last: String,
}

/// How the user signs in, on `/account`.
#[derive(Debug, Default, Serialize)]
pub struct SignInMethods {
    /// The user has a password.
    pub password: bool,
    /// Passwords are off for the user (the installation's choice, or their provider's).
    pub password_off: bool,
    /// The second step is on.
    pub totp: bool,
    /// The second step is required for the user's role.
    pub totp_required: bool,
    pub recovery_codes_left: usize,
    /// The providers the user has signed in with.
    pub providers: Vec<UsedProvider>,
    pub totp_error: Option<String>,
    pub totp_notice: Option<String>,
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
    pub sign_in: SignInMethods,
}
