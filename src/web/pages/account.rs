//! The signed-in user's own page: who they are, and their API tokens for scripts.
//!
//! Routes (any signed-in user, for themselves only):
//! - `GET /account`
//! - `POST /account/tokens` (create, for a year unless a shorter time is chosen; the token
//!   is shown once)
//! - `POST /account/tokens/{id}/revoke`
//! - `POST /account/password` (change password; every other session of the user ends)
//! - `POST /account/notices` (which optional notices by mail the user gets)
//! - the second step: `GET`/`POST /account/totp`, `POST /account/totp/off`
//!   ([`super::account_totp`])

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;
use serde::Deserialize;

use crate::csrf_protected;
use crate::domain::account::{NewPassword, TokenLifetime, TOKEN_LIFETIMES};
use crate::domain::notices::OptionalNotice;
use crate::domain::sign_in::password_allowed;
use crate::domain::time::danish_datetime;
use crate::password;
use crate::store::notices;
use crate::store::sign_in;
use crate::store::tokens;
use crate::store::users;
use crate::views::account::{
    AccountPage, PasswordFeedback, SignInMethods, TokenView, UsedProvider,
};
use crate::views::fields::{Choice, FieldError};
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, Page};
use crate::web::session::{follow_generation, verify_csrf};
use crate::web::{blocking, db};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/account", web::get().to(show))
        .route("/account/tokens", web::post().to(create))
        .route("/account/tokens/{id}/revoke", web::post().to(revoke))
        .route("/account/password", web::post().to(change_password))
        .route("/account/notices", web::post().to(set_notices))
        .configure(super::account_totp::routes);
}

/// The lifetimes the token form offers, the default chosen.
fn lifetime_choices() -> Vec<Choice> {
    TOKEN_LIFETIMES
        .iter()
        .map(|&days| {
            let label = if days == 365 {
                "1 år".to_owned()
            } else {
                format!("{days} dage")
            };
            Choice::new(days.to_string(), label, days == TokenLifetime::DEFAULT_DAYS)
        })
        .collect()
}

const NAME_MAX_CHARS: usize = 100;

/// What the account page shows besides the user's tokens: a token just created, or why not,
/// and the password form's outcome.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    new_token: Option<String>,
    error: Option<String>,
    password: PasswordFeedback,
    notices_saved: bool,
    totp_error: Option<String>,
    totp_notice: Option<String>,
}

impl Outcome {
    /// The second step's form refused, and why.
    pub(crate) fn totp_refused(error: String) -> Outcome {
        Outcome {
            totp_error: Some(error),
            ..Outcome::default()
        }
    }

    /// The second step's form done, and what became of it.
    pub(crate) fn totp_done(notice: &str) -> Outcome {
        Outcome {
            totp_notice: Some(notice.to_owned()),
            ..Outcome::default()
        }
    }
}

/// How the user signs in: password and second step, and the identity providers used.
async fn sign_in_methods(page: &Page, outcome: &mut Outcome) -> Result<SignInMethods, AppError> {
    let user_id = page.user.id;
    let (hash, totp, left, identities, break_glass) = db(&page.state, move |conn| {
        Ok((
            users::password_hash(conn, user_id)?.unwrap_or_default(),
            sign_in::totp_of(conn, user_id)?.is_some(),
            sign_in::recovery_codes_left(conn, user_id)?,
            sign_in::identities_of(conn, user_id)?,
            sign_in::is_break_glass(conn, user_id)?,
        ))
    })
    .await?;
    let state = &page.state;
    let provider_off = state.sso.without_passwords_for(&page.user.email);
    Ok(SignInMethods {
        password: !hash.is_empty(),
        password_off: password_allowed(!state.passwords_off, break_glass, provider_off).is_err(),
        totp,
        totp_required: state.require_totp.applies_to(page.user.role),
        recovery_codes_left: left,
        providers: identities
            .into_iter()
            .map(|(id, at)| {
                let label = state.sso.find(&id).map_or(id, |p| p.label.clone());
                UsedProvider {
                    label,
                    last: danish_datetime(at),
                }
            })
            .collect(),
        totp_error: outcome.totp_error.take(),
        totp_notice: outcome.totp_notice.take(),
    })
}

fn token_view(t: tokens::ApiToken, now: chrono::NaiveDateTime) -> TokenView {
    TokenView {
        id: t.id,
        name: t.name,
        created: danish_datetime(t.created_at),
        expires: danish_datetime(t.expires_at),
        expired: t.expires_at <= now,
        revoked: t.revoked_at.map(danish_datetime),
    }
}

pub(crate) async fn render(
    page: &Page,
    mut outcome: Outcome,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let sign_in = sign_in_methods(page, &mut outcome).await?;
    let user_id = page.user.id;
    let (list, off) = db(&page.state, move |conn| {
        Ok((
            tokens::list(conn, user_id)?,
            notices::opt_outs(conn, user_id)?,
        ))
    })
    .await?;
    let now = page.state.clock.now();
    let model = AccountPage {
        tokens: list.into_iter().map(|t| token_view(t, now)).collect(),
        lifetimes: lifetime_choices(),
        new_token: outcome.new_token,
        error: outcome.error,
        password: outcome.password,
        password_min: NewPassword::MIN_CHARS,
        municipality: page.user.municipality_code.as_ref().map(|c| c.to_string()),
        notices: OptionalNotice::ALL
            .into_iter()
            .map(|n| Choice::new(n.as_str(), n.label_da(), !off.contains(&n)))
            .collect(),
        notices_saved: outcome.notices_saved,
        sign_in,
    };
    page.render_status(status, "account.html", &model)
}

/// The account page again with why the token was not created (422).
async fn token_refused(page: &Page, error: String) -> Result<HttpResponse, AppError> {
    let outcome = Outcome {
        error: Some(error),
        ..Outcome::default()
    };
    render(page, outcome, StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn show(page: Page) -> Result<HttpResponse, AppError> {
    render(&page, Outcome::default(), StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    csrf_token: Option<String>,
    name: Option<String>,
    days: Option<String>,
}

async fn create(page: Page, form: CsrfForm<CreateForm>) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let name = form.name.as_deref().unwrap_or("").trim().to_owned();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
        let error =
            format!("Giv nøglen et navn på 1 til {NAME_MAX_CHARS} tegn, fx «Månedlig udtræk».");
        return token_refused(&page, error).await;
    }
    let lifetime = match TokenLifetime::parse(form.days.as_deref()) {
        Ok(lifetime) => lifetime,
        Err(e) => return token_refused(&page, e.to_string()).await,
    };
    let token = format!("tl_{}", Alphanumeric.sample_string(&mut OsRng, 40));
    let (user_id, stored) = (page.user.id, token.clone());
    let expires_at = lifetime.expiry_from(page.state.clock.now());
    db(&page.state, move |conn| {
        Ok(tokens::create(
            conn, user_id, &name, &stored, expires_at, now,
        )?)
    })
    .await?;
    let outcome = Outcome {
        new_token: Some(token),
        ..Outcome::default()
    };
    render(&page, outcome, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    csrf_token: Option<String>,
}

async fn revoke(
    page: Page,
    path: web::Path<i32>,
    _form: CsrfForm<RevokeForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let (user_id, token_id) = (page.user.id, path.into_inner());
    let revoked = db(&page.state, move |conn| {
        Ok(tokens::revoke(conn, user_id, token_id, now)?)
    })
    .await?;
    if !revoked {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/account"))
        .finish())
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    csrf_token: Option<String>,
    current_password: Option<String>,
    password: Option<String>,
    password_confirm: Option<String>,
}

csrf_protected!(CreateForm, RevokeForm, PasswordForm);

/// The new password, or the problems with the form: a wrong current password, and a new one
/// too short or typed differently twice.
fn checked_password(
    current_ok: bool,
    new_password: Option<&str>,
    confirm: Option<&str>,
) -> Result<NewPassword, Vec<FieldError>> {
    let mut errors = Vec::new();
    if !current_ok {
        errors.push(FieldError::new(
            "current-password",
            "Din nuværende adgangskode er forkert.",
        ));
    }
    let parsed = NewPassword::parse(new_password.unwrap_or(""), confirm.unwrap_or(""));
    if let Err(rejection) = &parsed {
        errors.push(FieldError::new(rejection.field(), rejection.message()));
    }
    match parsed {
        Ok(p) if errors.is_empty() => Ok(p),
        _ => Err(errors),
    }
}

/// Whether `typed` is the user's password now.
async fn is_current_password(page: &Page, typed: String) -> Result<bool, AppError> {
    let user_id = page.user.id;
    let stored = db(&page.state, move |conn| {
        Ok(users::password_hash(conn, user_id)?)
    })
    .await?
    .unwrap_or_default();
    blocking(move || Ok(password::verify(&typed, &stored))).await
}

/// Changes the signed-in user's password. Every other session of the user ends; this one
/// stays signed in.
async fn change_password(
    page: Page,
    form: CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let form = form.into_inner();
    let current_ok = is_current_password(&page, form.current_password.unwrap_or_default()).await?;
    let checked = checked_password(
        current_ok,
        form.password.as_deref(),
        form.password_confirm.as_deref(),
    );
    let new_password = match checked {
        Ok(p) => p,
        Err(errors) => {
            let outcome = Outcome {
                password: PasswordFeedback::refused(errors),
                ..Outcome::default()
            };
            return render(&page, outcome, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let hash =
        blocking(move || password::hash(new_password.as_str()).map_err(AppError::from)).await?;
    let user_id = page.user.id;
    let generation = db(&page.state, move |conn| {
        Ok(users::change_password(conn, user_id, &hash, now)?)
    })
    .await?;
    follow_generation(&page.session, generation)?;
    tracing::info!(user = user_id, "password changed");
    let outcome = Outcome {
        password: PasswordFeedback::changed(),
        ..Outcome::default()
    };
    render(&page, outcome, StatusCode::OK).await
}

/// Saves which optional notices the user gets: the checked ones; the others are turned off
/// (a repeated field, so the form is read by hand and its CSRF token checked here).
async fn set_notices(
    page: Page,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let fields = form.into_inner();
    let token = fields
        .iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.as_str());
    verify_csrf(&page.session, token)?;
    let wanted: Vec<OptionalNotice> = fields
        .iter()
        .filter(|(k, _)| k == "notice")
        .filter_map(|(_, v)| OptionalNotice::parse(v))
        .collect();
    let off: Vec<OptionalNotice> = OptionalNotice::ALL
        .into_iter()
        .filter(|n| !wanted.contains(n))
        .collect();
    let (user_id, now) = (page.user.id, page.state.clock.now());
    db(&page.state, move |conn| {
        Ok(notices::set_opt_outs(conn, user_id, &off, now)?)
    })
    .await?;
    let outcome = Outcome {
        notices_saved: true,
        ..Outcome::default()
    };
    render(&page, outcome, StatusCode::OK).await
}
