//! "Glemt adgangskode?": anyone asks for a one-time link to choose a new password, mailed to
//! the address if an active user has it. The link follows the invitations' rules (valid
//! [`invitations::VALID_DAYS`] days, once, only its hash stored) and is used on the pages of
//! [`super::invitations`]; the old password keeps working until it is.
//!
//! The answer is the same whether the address has an account, is deactivated or was sent a
//! link a moment ago, so the form tells nobody who has an account. Requests are counted
//! against the sign-in limits of the address and the client, and a user gets at most one link
//! per [`invitations::FORGOTTEN_COOLDOWN_MINUTES`] minutes.
//!
//! Routes: `GET /glemt-adgangskode`, `POST /glemt-adgangskode`: anyone.

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::csrf_protected;
use crate::domain::account::EmailAddress;
use crate::store::invitations::{self, LinkRequest};
use crate::views::password_link::ForgottenPage;
use crate::web::error::AppError;
use crate::web::extract::{page_context, CsrfForm};
use crate::web::pages::invitations::link_mail;
use crate::web::{db, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/glemt-adgangskode", web::get().to(form))
        .route("/glemt-adgangskode", web::post().to(request));
}

#[derive(Debug, Deserialize)]
pub struct ForgottenForm {
    csrf_token: Option<String>,
    #[serde(default)]
    email: String,
}

csrf_protected!(ForgottenForm);

fn page(state: &AppState, email: String) -> ForgottenPage {
    ForgottenPage {
        email,
        error: None,
        sent: None,
        mail_configured: state.mailer.is_some(),
        valid_days: invitations::VALID_DAYS,
        cooldown_minutes: invitations::FORGOTTEN_COOLDOWN_MINUTES,
    }
}

/// The page; it never shows a user in its header.
fn render(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    model: &ForgottenPage,
) -> Result<HttpResponse, AppError> {
    let context = page_context(session, None, model)?;
    state
        .pages
        .respond(status, "password_forgotten.html", &context)
}

async fn form(state: web::Data<AppState>, session: Session) -> Result<HttpResponse, AppError> {
    render(
        &state,
        &session,
        StatusCode::OK,
        &page(&state, String::new()),
    )
}

/// The answer to every well-formed request, whoever has the address.
fn sent_text(email: &EmailAddress) -> String {
    format!(
        "Hvis {} hører til en aktiv bruger af Trafiklys, er der nu sendt en mail med et link til \
         at vælge en ny adgangskode. Kommer der ingen mail i løbet af et par minutter, så tjek \
         din spam-mappe, eller kontakt KKR-sekretariatet.",
        email.as_str()
    )
}

/// Too many requests: the page again with the email kept, and when to try again.
fn limited(
    state: &AppState,
    session: &Session,
    email: String,
    refusal: AppError,
) -> Result<HttpResponse, AppError> {
    let mut model = page(state, email);
    model.error = Some(refusal.to_string());
    let mut response = render(state, session, StatusCode::TOO_MANY_REQUESTS, &model)?;
    if let AppError::TooManyRequests {
        retry_after_secs, ..
    } = refusal
    {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(retry_after_secs),
        );
    }
    Ok(response)
}

/// Makes a link for the active user with this address, if any, and queues its mail; logs
/// what came of it (the page says the same in every case).
async fn make_link(state: &web::Data<AppState>, email: &EmailAddress) -> Result<(), AppError> {
    let now = state.clock.now();
    let token = invitations::new_token();
    let compose = link_mail(state, &token);
    let lookup = email.as_str().to_owned();
    let outcome = db(state, move |conn| {
        Ok(invitations::request_link(
            conn, &lookup, &token, compose, now,
        )?)
    })
    .await?;
    match outcome {
        LinkRequest::Made(invitation) => {
            state.wake_outbox();
            let user = invitation.user_id;
            tracing::info!(user, "password link asked for and queued");
        }
        LinkRequest::NoActiveUser => tracing::info!("password link asked for; no active user"),
        LinkRequest::TooSoon => tracing::info!("password link asked for again within the cooldown"),
    }
    Ok(())
}

async fn request(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: CsrfForm<ForgottenForm>,
) -> Result<HttpResponse, AppError> {
    let typed = form.into_inner().email;
    let email = match EmailAddress::parse(&typed) {
        Ok(email) => email,
        Err(e) => {
            let mut model = page(&state, typed);
            model.error = Some(e.to_string());
            return render(&state, &session, StatusCode::UNPROCESSABLE_ENTITY, &model);
        }
    };
    if let Err(refusal) = state.limits.password_link(&req, email.as_str()) {
        return limited(&state, &session, typed, refusal);
    }
    if state.mailer.is_none() {
        // Nothing can be mailed: the page says to ask the secretariat, for every address.
        return render(&state, &session, StatusCode::OK, &page(&state, typed));
    }
    make_link(&state, &email).await?;
    let mut model = page(&state, String::new());
    model.sent = Some(sent_text(&email));
    render(&state, &session, StatusCode::OK, &model)
}
