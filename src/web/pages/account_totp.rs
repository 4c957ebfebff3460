//! The second step on the user's own page: turning it on (QR code, first code, recovery codes
//! shown once) and off.
//!
//! Routes (any signed-in user, for themselves):
//! - `GET /account/totp`: the QR code of a new secret, kept in the session until confirmed;
//! - `POST /account/totp`: the first code; the second step is on, the recovery codes shown;
//! - `POST /account/totp/off`: with a current code, unless the installation requires it.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::account::{render, Outcome};
use super::second_step::{confirm_enrolment, enrolment_page, recovery_page, EnrolForm};
use crate::csrf_protected;
use crate::store::sign_in;
use crate::totp::{self, CodeRefusal, Secret};
use crate::web::db;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, Page};
use crate::web::refusals::code_refusal_da;
use crate::web::session::{peek, put};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/account/totp", web::get().to(enrol_form))
        .route("/account/totp", web::post().to(enrol))
        .route("/account/totp/off", web::post().to(turn_off));
}

/// The session key of the secret being enrolled from `/account`.
const ENROL_KEY: &str = "totp_enrol";

/// The secret this session is enrolling, made on first use.
fn enrolling_secret(page: &Page) -> Result<Secret, AppError> {
    if let Some(secret) = peek::<String>(&page.session, ENROL_KEY)
        .as_deref()
        .and_then(Secret::from_base32)
    {
        return Ok(secret);
    }
    let secret = Secret::generate();
    put(&page.session, ENROL_KEY, &secret.as_base32())?;
    Ok(secret)
}

async fn has_totp(page: &Page) -> Result<bool, AppError> {
    let user_id = page.user.id;
    db(&page.state, move |conn| {
        Ok(sign_in::totp_of(conn, user_id)?.is_some())
    })
    .await
}

fn to_account() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/account"))
        .finish()
}

async fn enrol_form(page: Page) -> Result<HttpResponse, AppError> {
    if has_totp(&page).await? {
        return Ok(to_account());
    }
    let secret = enrolling_secret(&page)?;
    let model = enrolment_page(
        &page.state,
        &secret,
        &page.user.email,
        "/account/totp",
        None,
    );
    page.render("totp_enrol.html", &model)
}

async fn enrol(
    req: HttpRequest,
    page: Page,
    form: CsrfForm<EnrolForm>,
) -> Result<HttpResponse, AppError> {
    if has_totp(&page).await? {
        return Ok(to_account());
    }
    let secret = enrolling_secret(&page)?;
    let typed = form.code.clone().unwrap_or_default();
    let user = (page.user.id, page.user.email.as_str());
    match confirm_enrolment(&req, &page.state, user, &secret, &typed).await? {
        Ok(codes) => {
            page.session.remove(ENROL_KEY);
            page.render("totp_recovery.html", &recovery_page(codes, "/account"))
        }
        Err(error) => {
            let action = "/account/totp";
            let model = enrolment_page(&page.state, &secret, &page.user.email, action, Some(error));
            page.render_status(StatusCode::UNPROCESSABLE_ENTITY, "totp_enrol.html", &model)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct OffForm {
    csrf_token: Option<String>,
    code: Option<String>,
}

csrf_protected!(OffForm);

/// Turns the user's second step off when `typed` is a current code: `Ok(false)` when there
/// was none to turn off.
async fn off_with_code(page: &Page, typed: String) -> Result<Result<bool, CodeRefusal>, AppError> {
    let (user_id, unix, now) = (
        page.user.id,
        page.state.clock.timestamp(),
        page.state.clock.now(),
    );
    db(&page.state, move |conn| {
        let Some((stored, last)) = sign_in::totp_of(conn, user_id)? else {
            return Ok(Ok(false));
        };
        let secret = Secret::from_base32(&stored).ok_or(CodeRefusal::Wrong);
        match secret.and_then(|s| totp::verify(&s, &typed, unix, last)) {
            Ok(_) => Ok(Ok(sign_in::remove_totp(conn, user_id, user_id, now)?)),
            Err(refusal) => Ok(Err(refusal)),
        }
    })
    .await
}

/// Turns the second step off, with a current code; not when the installation requires it
/// for the user's role.
async fn turn_off(
    req: HttpRequest,
    page: Page,
    form: CsrfForm<OffForm>,
) -> Result<HttpResponse, AppError> {
    if page.state.require_totp.applies_to(page.user.role) {
        let error = "Totrinsbekræftelse er påkrævet for din rolle og kan ikke slås fra.";
        return render(
            &page,
            Outcome::totp_refused(error.into()),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    if let Err(limited) = page.state.limits.second_step(&req, &page.user.email) {
        let outcome = Outcome::totp_refused(limited.to_string());
        return render(&page, outcome, StatusCode::TOO_MANY_REQUESTS).await;
    }
    match off_with_code(&page, form.code.clone().unwrap_or_default()).await? {
        Ok(_) => {
            let outcome = Outcome::totp_done("Totrinsbekræftelse er slået fra.");
            render(&page, outcome, StatusCode::OK).await
        }
        Err(refusal) => {
            let outcome = Outcome::totp_refused(code_refusal_da(refusal).to_owned());
            render(&page, outcome, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
