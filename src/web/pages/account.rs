//! The signed-in user's own page: who they are, and their API tokens for scripts.
//!
//! Routes (any signed-in user, for themselves only):
//! - `GET /account`
//! - `POST /account/tokens` (create, for a year unless a shorter time is chosen; the token
//!   is shown once)
//! - `POST /account/tokens/{id}/revoke`
//! - `POST /account/password` (change password; every other session of the user ends)

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};

use crate::domain::account::{NewPassword, TokenLifetime, TOKEN_LIFETIMES};
use crate::domain::time::danish_datetime;
use crate::domain::User;
use crate::password;
use crate::store::tokens;
use crate::store::users;
use crate::web::error::AppError;
use crate::web::infra::templates::base_context;
use crate::web::session::verify_csrf;
use crate::web::session::{follow_generation, SignedIn};
use crate::web::{blocking, db, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/account", web::get().to(show))
        .route("/account/tokens", web::post().to(create))
        .route("/account/tokens/{id}/revoke", web::post().to(revoke))
        .route("/account/password", web::post().to(change_password));
}

#[derive(Debug, Serialize)]
struct TokenView {
    id: i32,
    name: String,
    created: String,
    /// "4. december 2027 kl. 21.00": when it stops working (or stopped).
    expires: String,
    expired: bool,
    revoked: Option<String>,
}

/// A lifetime the token form offers.
#[derive(Debug, Serialize)]
struct LifetimeChoice {
    days: i64,
    label: String,
    selected: bool,
}

fn lifetime_choices() -> Vec<LifetimeChoice> {
    TOKEN_LIFETIMES
        .iter()
        .map(|&days| LifetimeChoice {
            days,
            label: if days == 365 {
                "1 år".to_owned()
            } else {
                format!("{days} dage")
            },
            selected: days == TokenLifetime::DEFAULT_DAYS,
        })
        .collect()
}

const NAME_MAX_CHARS: usize = 100;

/// The password form's outcome: its errors (field id and message) or a confirmation.
#[derive(Debug, Default, Serialize)]
struct PasswordFeedback {
    errors: Vec<FieldMessage>,
    current_error: Option<String>,
    new_error: Option<String>,
    confirm_error: Option<String>,
    changed: bool,
}

impl PasswordFeedback {
    fn of(errors: Vec<FieldMessage>, changed: bool) -> PasswordFeedback {
        let find = |field: &str| {
            errors
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone())
        };
        PasswordFeedback {
            current_error: find("current-password"),
            new_error: find("password"),
            confirm_error: find("password-confirm"),
            errors,
            changed,
        }
    }
}

#[derive(Debug, Serialize)]
struct FieldMessage {
    field: &'static str,
    message: String,
}

async fn render(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    new_token: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    render_with(
        state,
        session,
        user,
        new_token,
        error,
        PasswordFeedback::default(),
        status,
    )
    .await
}

async fn render_with(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    new_token: Option<String>,
    error: Option<String>,
    password: PasswordFeedback,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let user_id = user.id;
    let list = db(state, move |conn| Ok(tokens::list(conn, user_id)?)).await?;
    let now = state.clock.now();
    let views: Vec<TokenView> = list
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            name: t.name,
            created: danish_datetime(t.created_at),
            expires: danish_datetime(t.expires_at),
            expired: t.expires_at <= now,
            revoked: t.revoked_at.map(danish_datetime),
        })
        .collect();
    let mut context = base_context(session, Some(user))?;
    context.insert("tokens", &views);
    context.insert("lifetimes", &lifetime_choices());
    context.insert("new_token", &new_token);
    context.insert("error", &error);
    context.insert("password", &password);
    context.insert("password_min", &NewPassword::MIN_CHARS);
    context.insert(
        "municipality",
        &user.municipality_code.as_ref().map(|c| c.to_string()),
    );
    state.pages.respond(status, "account.html", &context)
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    render(&state, &session, &user, None, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    csrf_token: Option<String>,
    name: Option<String>,
    days: Option<String>,
}

async fn create(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let name = form.name.as_deref().unwrap_or("").trim().to_owned();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
        let error =
            format!("Giv nøglen et navn på 1 til {NAME_MAX_CHARS} tegn, fx «Månedlig udtræk».");
        return render(
            &state,
            &session,
            &user,
            None,
            Some(error),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let lifetime = match TokenLifetime::parse(form.days.as_deref()) {
        Ok(lifetime) => lifetime,
        Err(e) => {
            return render(
                &state,
                &session,
                &user,
                None,
                Some(e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let token = format!("tl_{}", Alphanumeric.sample_string(&mut OsRng, 40));
    let (user_id, stored) = (user.id, token.clone());
    let expires_at = lifetime.expiry_from(state.clock.now());
    db(&state, move |conn| {
        Ok(tokens::create(
            conn, user_id, &name, &stored, expires_at, now,
        )?)
    })
    .await?;
    render(&state, &session, &user, Some(token), None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    csrf_token: Option<String>,
}

async fn revoke(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
    form: web::Form<RevokeForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let (user_id, token_id) = (user.id, path.into_inner());
    let revoked = db(&state, move |conn| {
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

/// Changes the signed-in user's password. Every other session of the user ends; this one
/// stays signed in.
async fn change_password(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let PasswordForm {
        current_password,
        password: new_password,
        password_confirm,
        ..
    } = form.into_inner();
    let current = current_password.unwrap_or_default();
    let user_id = user.id;
    let stored = db(&state, move |conn| Ok(users::password_hash(conn, user_id)?))
        .await?
        .unwrap_or_default();
    let current_ok = blocking(move || Ok(password::verify(&current, &stored))).await?;
    let mut errors = Vec::new();
    if !current_ok {
        errors.push(FieldMessage {
            field: "current-password",
            message: "Din nuværende adgangskode er forkert.".into(),
        });
    }
    let parsed = NewPassword::parse(
        new_password.as_deref().unwrap_or(""),
        password_confirm.as_deref().unwrap_or(""),
    );
    if let Err(rejection) = &parsed {
        errors.push(FieldMessage {
            field: rejection.field(),
            message: rejection.message(),
        });
    }
    let new_password = match parsed {
        Ok(p) if errors.is_empty() => p,
        _ => {
            let feedback = PasswordFeedback::of(errors, false);
            return render_with(
                &state,
                &session,
                &user,
                None,
                None,
                feedback,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let hash =
        blocking(move || password::hash(new_password.as_str()).map_err(AppError::from)).await?;
    let generation = db(&state, move |conn| {
        Ok(users::change_password(conn, user_id, &hash, now)?)
    })
    .await?;
    follow_generation(&session, generation)?;
    tracing::info!(user = user_id, "password changed");
    let feedback = PasswordFeedback::of(Vec::new(), true);
    render_with(
        &state,
        &session,
        &user,
        None,
        None,
        feedback,
        StatusCode::OK,
    )
    .await
}
