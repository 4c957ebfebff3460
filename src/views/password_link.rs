//! The page model of "Glemt adgangskode?": the form that asks for a one-time link by mail.

use serde::Serialize;

/// `GET /glemt-adgangskode`, and the page again after a request.
#[derive(Debug, Serialize)]
pub struct ForgottenPage {
    /// The email as typed.
    pub email: String,
    /// What is wrong with the email typed.
    pub error: Option<String>,
    /// The answer after a request: the same whether the address has an account or not.
    pub sent: Option<String>,
    /// A mail server is set up; without one no link can be mailed.
    pub mail_configured: bool,
    /// How long a link works.
    pub valid_days: i64,
    /// How long before another link is made for the same user.
    pub cooldown_minutes: i64,
}
