//! The second step of a password sign-in (TOTP), and enrolment in it.
//!
//! After the password matched (or a one-time link was used), [`after_first_step`] decides:
//! sign in; ask for a code; or, for a user the installation requires to have a second step
//! and who has none (`TRAFIKLYS_REQUIRE_TOTP_FOR`), enrol first. Until the second step is done
//! the session holds only a [`Halfway`] sign-in, which lasts ten minutes and signs no one in.
//!
//! Routes (a session half-way through a sign-in):
//! - `GET`/`POST /login/totp`: the code from the app, or a recovery code;
//! - `GET`/`POST /login/totp/enrol`: the QR code, then the first code; the recovery codes are
//!   shown once.
//!
//! Enrolment from `/account` uses the same pages' parts ([`enrolment_page`],
//! [`recovery_page`]).

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::csrf_protected;
use crate::domain::sign_in::{password_allowed, second_step, PasswordRefusal, SecondStep};
use crate::domain::User;
use crate::store::sign_in;
use crate::totp::{self, CodeRefusal, Secret};
use crate::views::account::{RecoveryCodesPage, TotpCodePage, TotpEnrolPage};
use crate::web::error::AppError;
use crate::web::extract::{page_context, CsrfForm};
use crate::web::pages::auth::{login_model, render_login};
use crate::web::refusals::{code_refusal_da, password_refusal_da};
use crate::web::session::{peek, put, start_session};
use crate::web::{db, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login/totp", web::get().to(code_form))
        .route("/login/totp", web::post().to(check_code))
        .route("/login/totp/enrol", web::get().to(enrol_form))
        .route("/login/totp/enrol", web::post().to(enrol));
}

/// A sign-in whose first step is done and whose second is not.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Halfway {
    user_id: i32,
    email: String,
    generation: i32,
    next: String,
    /// When the first step was done (app clock, seconds).
    since: i64,
    /// The secret being enrolled, for a user who must enrol first.
    enrol_secret: Option<String>,
}

const HALFWAY_KEY: &str = "halfway";
/// How long a half-way sign-in waits for its second step.
const HALFWAY_SECONDS: i64 = 600;

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_owned()))
        .finish()
}

/// Why this user may not sign in with a password, if they may not: the installation or
/// their identity provider turned passwords off, and they are not the break-glass admin.
async fn password_refused(
    state: &web::Data<AppState>,
    user: &User,
) -> Result<Option<PasswordRefusal>, AppError> {
    let provider = state.sso.without_passwords_for(&user.email);
    if !state.passwords_off && provider.is_none() {
        return Ok(None);
    }
    let user_id = user.id;
    let break_glass = db(state, move |conn| {
        Ok(sign_in::is_break_glass(conn, user_id)?)
    })
    .await?;
    Ok(password_allowed(!state.passwords_off, break_glass, provider).err())
}

/// Where a user whose first step is done (a password, or a one-time link where they chose
/// one) goes: refused when passwords are off for them; else signed in, or on to the second
/// step.
pub(crate) async fn after_first_step(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    generation: i32,
    next: String,
) -> Result<HttpResponse, AppError> {
    if let Some(refusal) = password_refused(state, user).await? {
        let error = Some(password_refusal_da(&refusal));
        let model = login_model(state, next, user.email.clone(), error, None);
        return render_login(state, session, StatusCode::FORBIDDEN, &model);
    }
    let user_id = user.id;
    let has_totp = db(state, move |conn| {
        Ok(sign_in::totp_of(conn, user_id)?.is_some())
    })
    .await?;
    let now = state.clock.timestamp();
    let step = second_step(has_totp, state.require_totp, user.role);
    if step == SecondStep::None {
        start_session(session, user_id, generation, now)?;
        return Ok(see_other(&next));
    }
    let enrol = step == SecondStep::Enrol;
    let halfway = Halfway {
        user_id,
        email: user.email.clone(),
        generation,
        next,
        since: now,
        enrol_secret: enrol.then(|| Secret::generate().as_base32().to_owned()),
    };
    start_halfway(session, &halfway)
}

/// Keeps the half-way sign-in in a fresh session (nothing of an earlier one survives, and it
/// gets a new key) and sends the browser to its second step.
fn start_halfway(session: &Session, halfway: &Halfway) -> Result<HttpResponse, AppError> {
    session.clear();
    session.renew();
    put(session, HALFWAY_KEY, halfway)?;
    Ok(see_other(if halfway.enrol_secret.is_some() {
        "/login/totp/enrol"
    } else {
        "/login/totp"
    }))
}

/// The half-way sign-in of this session, if it has not expired.
fn halfway(state: &AppState, session: &Session) -> Option<Halfway> {
    peek::<Halfway>(session, HALFWAY_KEY)
        .filter(|h| (0..HALFWAY_SECONDS).contains(&(state.clock.timestamp() - h.since)))
}

/// The half-way sign-in of a user who must enrol, with the secret offered to them; otherwise
/// the address the browser belongs at: the sign-in page when nothing is half-way, the code page when
/// the user has a second step already.
fn enrolling(state: &AppState, session: &Session) -> Result<(Halfway, Secret), &'static str> {
    let halfway = halfway(state, session).ok_or("/login")?;
    let secret = halfway
        .enrol_secret
        .as_deref()
        .and_then(Secret::from_base32)
        .ok_or("/login/totp")?;
    Ok((halfway, secret))
}

/// Ends the half-way sign-in and signs its user in.
fn finish(session: &Session, halfway: &Halfway, now: i64) -> Result<(), AppError> {
    session.remove(HALFWAY_KEY);
    start_session(session, halfway.user_id, halfway.generation, now)?;
    tracing::info!(user = halfway.user_id, "signed in with a second step");
    Ok(())
}

fn render(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    template: &str,
    model: &impl Serialize,
) -> Result<HttpResponse, AppError> {
    let context = page_context(session, None, model)?;
    state.pages.respond(status, template, &context)
}

async fn code_form(state: web::Data<AppState>, session: Session) -> Result<HttpResponse, AppError> {
    match halfway(&state, &session) {
        Some(h) if h.enrol_secret.is_none() => {
            let model = TotpCodePage { error: None };
            render(&state, &session, StatusCode::OK, "totp_code.html", &model)
        }
        Some(_) => Ok(see_other("/login/totp/enrol")),
        None => Ok(see_other("/login")),
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    csrf_token: Option<String>,
    code: Option<String>,
    recovery_code: Option<String>,
}

csrf_protected!(CodeForm, EnrolForm);

/// Whether the typed code (or recovery code) is good for the user; each is good once.
async fn code_accepted(
    state: &web::Data<AppState>,
    user_id: i32,
    form: CodeForm,
) -> Result<Result<(), CodeRefusal>, AppError> {
    let (unix, now) = (state.clock.timestamp(), state.clock.now());
    db(state, move |conn| {
        if let Some(recovery) = form.recovery_code.filter(|c| !c.trim().is_empty()) {
            let hash = totp::hash_recovery_code(&recovery);
            let used = sign_in::use_recovery_code(conn, user_id, &hash, now)?;
            return Ok(used.map(|_| ()).ok_or(CodeRefusal::Wrong));
        }
        let Some((stored, last_step)) = sign_in::totp_of(conn, user_id)? else {
            return Ok(Err(CodeRefusal::Wrong));
        };
        let secret = Secret::from_base32(&stored).ok_or(CodeRefusal::Wrong);
        let typed = form.code.unwrap_or_default();
        let step = match secret.and_then(|s| totp::verify(&s, &typed, unix, last_step)) {
            Ok(step) => step,
            Err(refusal) => return Ok(Err(refusal)),
        };
        // Taken in one update, so the same code is not accepted twice, even at once.
        Ok(if sign_in::accept_step(conn, user_id, step)? {
            Ok(())
        } else {
            Err(CodeRefusal::Replayed)
        })
    })
    .await
}

async fn check_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let Some(halfway) = halfway(&state, &session).filter(|h| h.enrol_secret.is_none()) else {
        return Ok(see_other("/login"));
    };
    if let Err(limited) = state.limits.second_step(&req, &halfway.email) {
        let model = TotpCodePage {
            error: Some(limited.to_string()),
        };
        return render(
            &state,
            &session,
            StatusCode::TOO_MANY_REQUESTS,
            "totp_code.html",
            &model,
        );
    }
    match code_accepted(&state, halfway.user_id, form.into_inner()).await? {
        Ok(()) => {
            finish(&session, &halfway, state.clock.timestamp())?;
            Ok(see_other(&halfway.next))
        }
        Err(refusal) => {
            let model = TotpCodePage {
                error: Some(code_refusal_da(refusal).to_owned()),
            };
            render(
                &state,
                &session,
                StatusCode::UNAUTHORIZED,
                "totp_code.html",
                &model,
            )
        }
    }
}

/// The enrolment page's model: the QR code of `secret` for `email`, and the form that takes
/// the first code to `action`.
pub(crate) fn enrolment_page(
    state: &AppState,
    secret: &Secret,
    email: &str,
    action: &str,
    error: Option<String>,
) -> TotpEnrolPage {
    let issuer = format!("Trafiklys {}", state.pages.site_name());
    let uri = secret.otpauth_uri(issuer.trim(), email);
    TotpEnrolPage {
        qr_svg: totp::qr_svg(&uri, "QR-kode til din godkendelsesapp").unwrap_or_default(),
        secret: secret.grouped(),
        action: action.to_owned(),
        error,
        required: action.starts_with("/login"),
    }
}

async fn enrol_form(
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let (halfway, secret) = match enrolling(&state, &session) {
        Ok(enrolling) => enrolling,
        Err(elsewhere) => return Ok(see_other(elsewhere)),
    };
    let model = enrolment_page(&state, &secret, &halfway.email, "/login/totp/enrol", None);
    render(&state, &session, StatusCode::OK, "totp_enrol.html", &model)
}

#[derive(Debug, Deserialize)]
pub struct EnrolForm {
    pub(crate) csrf_token: Option<String>,
    pub(crate) code: Option<String>,
}

/// Turns the second step on for the user when `typed` is the secret's current code, counted
/// against the second step's rate limit: the secret and new recovery codes are stored, and
/// the codes are returned to be shown once; else why not, in Danish.
pub(crate) async fn confirm_enrolment(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    user: (i32, &str),
    secret: &Secret,
    typed: &str,
) -> Result<Result<Vec<String>, String>, AppError> {
    let (user_id, email) = user;
    if let Err(limited) = state.limits.second_step(req, email) {
        return Ok(Err(limited.to_string()));
    }
    let step = match totp::verify(secret, typed, state.clock.timestamp(), 0) {
        Ok(step) => step,
        Err(refusal) => return Ok(Err(code_refusal_da(refusal).to_owned())),
    };
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| totp::hash_recovery_code(c)).collect();
    let (stored, now) = (secret.as_base32().to_owned(), state.clock.now());
    db(state, move |conn| {
        Ok(sign_in::enable_totp(
            conn, user_id, &stored, step, &hashes, now,
        )?)
    })
    .await?;
    Ok(Ok(codes))
}

/// The recovery codes, shown once, and where to go on.
pub(crate) fn recovery_page(codes: Vec<String>, continue_to: &str) -> RecoveryCodesPage {
    RecoveryCodesPage {
        codes,
        continue_to: continue_to.to_owned(),
    }
}

async fn enrol(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: CsrfForm<EnrolForm>,
) -> Result<HttpResponse, AppError> {
    let (halfway, secret) = match enrolling(&state, &session) {
        Ok(enrolling) => enrolling,
        Err(elsewhere) => return Ok(see_other(elsewhere)),
    };
    let typed = form.code.clone().unwrap_or_default();
    let user = (halfway.user_id, halfway.email.as_str());
    match confirm_enrolment(&req, &state, user, &secret, &typed).await? {
        Ok(codes) => {
            finish(&session, &halfway, state.clock.timestamp())?;
            let model = recovery_page(codes, &halfway.next);
            render(
                &state,
                &session,
                StatusCode::OK,
                "totp_recovery.html",
                &model,
            )
        }
        Err(error) => {
            let action = "/login/totp/enrol";
            let model = enrolment_page(&state, &secret, &halfway.email, action, Some(error));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&state, &session, status, "totp_enrol.html", &model)
        }
    }
}
