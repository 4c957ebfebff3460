//! Sign-in and sign-out pages.
//!
//! Routes: `GET /login` and `POST /login` (anyone), `POST /logout` (anyone with a session),
//! `POST /session/extend` (the signed-in).

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::csrf_protected;
use crate::password;
use crate::sso::SIGNED_IN_WITH_KEY;
use crate::store::users;
use crate::views::account::{LoginPage, ProviderButton};
use crate::web::error::AppError;
use crate::web::extract::{page_context, CsrfForm};
use crate::web::pages::second_step::after_first_step;
use crate::web::session::{peek, touch, verify_csrf, MaybeSignedIn, SignedIn};
use crate::web::{blocking, db, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_page))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/session/extend", web::post().to(extend_session));
}

/// "12 timer", "1 time", "60 minutter", "30 sekunder".
fn duration_text(seconds: i64) -> String {
    match seconds {
        3600 => "1 time".to_owned(),
        s if s % 3600 == 0 => format!("{} timer", s / 3600),
        s => idle_text(s),
    }
}

/// "60 minutter", "1 minut", "30 sekunder".
fn idle_text(seconds: i64) -> String {
    match seconds {
        s if s % 60 == 0 && s / 60 == 1 => "1 minut".to_owned(),
        s if s % 60 == 0 => format!("{} minutter", s / 60),
        1 => "1 sekund".to_owned(),
        s => format!("{s} sekunder"),
    }
}

/// Only local paths are followed after sign-in, so the link cannot send anyone elsewhere
/// (see [`crate::web::pages::next::LocalPath`]).
fn safe_next(next: Option<&str>) -> String {
    crate::web::pages::next::LocalPath::or_root(next).into_string()
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    udlobet: Option<String>,
    levetid: Option<String>,
}

/// The sign-in page; it never shows a user in its header.
pub(crate) fn render_login(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    model: &LoginPage,
) -> Result<HttpResponse, AppError> {
    let context = page_context(session, None, model)?;
    state.pages.respond(status, "login.html", &context)
}

/// Why the user was signed out, when the sign-in page was reached because of it.
fn signed_out_notice(state: &AppState, query: &NextQuery) -> Option<String> {
    if query.levetid.is_some() {
        Some(format!(
            "Du er blevet logget ud, fordi du har været logget ind i {}. Log ind igen for at fortsætte.",
            duration_text(state.session_max_seconds)
        ))
    } else {
        query.udlobet.as_ref().map(|_| {
            format!(
                "Du er blevet logget ud, fordi du ikke har været aktiv i {}. Log ind igen for at fortsætte.",
                idle_text(state.session_idle_seconds)
            )
        })
    }
}

async fn login_page(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<NextQuery>,
    MaybeSignedIn(user): MaybeSignedIn,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref());
    if user.is_some() {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, next))
            .finish());
    }
    let notice = signed_out_notice(&state, &query);
    let model = login_model(&state, next, String::new(), None, notice);
    render_login(&state, &session, StatusCode::OK, &model)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
    csrf_token: Option<String>,
}

csrf_protected!(LoginForm, ExtendForm);

/// The account whose email and password these are; an active one or not. No such account
/// takes as long to find as a wrong password.
async fn account_with_password(
    state: &web::Data<AppState>,
    email: &str,
    typed_password: String,
) -> Result<Option<users::Account>, AppError> {
    let lookup = email.to_owned();
    let found = db(state, move |conn| {
        Ok(users::find_account_by_email(conn, &lookup)?)
    })
    .await?;
    blocking(move || {
        Ok(match found {
            Some((account, hash)) if !hash.is_empty() => {
                password::verify(&typed_password, &hash).then_some(account)
            }
            // No such user, or no password chosen yet: spend the same time as a real check.
            _ => {
                password::verify_against_nothing(&typed_password);
                None
            }
        })
    })
    .await
}

async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: CsrfForm<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let LoginForm {
        email,
        password: typed_password,
        next,
        ..
    } = form.into_inner();
    let next = safe_next(next.as_deref());
    if let Err(limited) = state.limits.login(&req, &email) {
        return login_refused(&state, &session, next, email, limited);
    }
    let account = account_with_password(&state, &email, typed_password).await?;
    let (status, message) = match account {
        Some(account) if account.active => {
            return password_accepted(&state, &session, &account, next).await
        }
        // Said only to whoever knows the password, so it tells a guesser nothing.
        Some(_) => (StatusCode::FORBIDDEN, DEACTIVATED),
        None => (StatusCode::UNAUTHORIZED, WRONG_PASSWORD),
    };
    let model = login_model(&state, next, email, Some(message.to_owned()), None);
    render_login(&state, &session, status, &model)
}

/// The sign-in page's model: the form as typed, and a button for each identity provider.
pub(crate) fn login_model(
    state: &AppState,
    next: String,
    email: String,
    error: Option<String>,
    notice: Option<String>,
) -> LoginPage {
    let encoded_next =
        percent_encoding::utf8_percent_encode(&next, percent_encoding::NON_ALPHANUMERIC);
    let providers = state
        .sso
        .all()
        .iter()
        .map(|p| ProviderButton {
            label: p.label.clone(),
            href: format!("/login/sso/{}?next={encoded_next}", p.id),
        })
        .collect();
    LoginPage {
        next,
        email,
        error,
        notice,
        providers,
        passwords_off: state.passwords_off,
    }
}

/// A user whose password matched: on to the second step, or signed in (or refused there if
/// passwords are off for them).
async fn password_accepted(
    state: &web::Data<AppState>,
    session: &Session,
    account: &users::Account,
    next: String,
) -> Result<HttpResponse, AppError> {
    tracing::info!(user = account.user.id, "password accepted");
    after_first_step(
        state,
        session,
        &account.user,
        account.session_generation,
        next,
    )
    .await
}

const DEACTIVATED: &str =
    "Din konto er deaktiveret. Kontakt KKR-sekretariatet, hvis du skal bruge Trafiklys igen.";
const WRONG_PASSWORD: &str = "Forkert e-mail eller adgangskode. Prøv igen, eller kontakt KKR-sekretariatet for at få en ny adgangskode.";

/// The sign-in page again with the email kept, when too many attempts were made.
fn login_refused(
    state: &AppState,
    session: &Session,
    next: String,
    email: String,
    limited: AppError,
) -> Result<HttpResponse, AppError> {
    let model = login_model(state, next, email, Some(limited.to_string()), None);
    let mut response = render_login(state, session, StatusCode::TOO_MANY_REQUESTS, &model)?;
    if let AppError::TooManyRequests {
        retry_after_secs, ..
    } = limited
    {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(retry_after_secs),
        );
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    csrf_token: Option<String>,
}

/// Signs out: every session of the user ends, on every device and in every copy of the cookie.
async fn logout(
    state: web::Data<AppState>,
    session: Session,
    MaybeSignedIn(user): MaybeSignedIn,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    // A session that has already ended (signed out elsewhere, idle, deactivated) has nothing
    // left to protect: just leave. So the token is checked here, only for a signed-in user.
    if let Some(user) = user {
        verify_csrf(&session, form.csrf_token.as_deref())?;
        let user_id = user.id;
        db(&state, move |conn| {
            Ok(users::end_sessions(conn, user_id, now)?)
        })
        .await?;
        tracing::info!(user = user_id, "signed out");
    }
    let provider: Option<String> = peek(&session, SIGNED_IN_WITH_KEY);
    session.purge();
    let to = match provider.and_then(|id| state.sso.find(&id)) {
        Some(provider) => provider_sign_out(&state, provider).await?,
        None => "/".to_owned(),
    };
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish())
}

/// Where to send a user who signed in with an identity provider when they sign out: the
/// provider's end-session endpoint where it has one (and from there back to the front page),
/// else the front page.
async fn provider_sign_out(
    state: &web::Data<AppState>,
    provider: std::sync::Arc<crate::sso::Provider>,
) -> Result<String, AppError> {
    let (after, now) = (format!("{}/", state.public_url), state.clock.timestamp());
    let url = blocking(move || {
        Ok(match &provider.protocol {
            crate::sso::Protocol::Oidc(oidc) => oidc.end_session_url(&after, now),
        })
    })
    .await?;
    Ok(url.unwrap_or_else(|| "/".to_owned()))
}

#[derive(Debug, Deserialize)]
pub struct ExtendForm {
    csrf_token: Option<String>,
}

/// How long the extended sign-in lasts without another request.
#[derive(Debug, serde::Serialize)]
struct Extended {
    remaining_seconds: i64,
}

/// `POST /session/extend`: the "stay signed in" button of the warning before the idle
/// timeout. Renews the session's last-request stamp now (an ordinary request renews it only
/// when it is a little old) and says how long the sign-in lasts; an ended session is sent
/// to sign-in like any other request.
async fn extend_session(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(_user): SignedIn,
    _form: CsrfForm<ExtendForm>,
) -> Result<HttpResponse, AppError> {
    touch(&session, state.clock.timestamp())?;
    Ok(HttpResponse::Ok().json(Extended {
        remaining_seconds: state.session_idle_seconds,
    }))
}

#[cfg(test)]
mod tests {
    use super::{duration_text, safe_next};

    #[test]
    fn session_lengths_are_said_in_danish() {
        assert_eq!(duration_text(12 * 3600), "12 timer");
        assert_eq!(duration_text(3600), "1 time");
        assert_eq!(duration_text(90 * 60), "90 minutter");
        assert_eq!(duration_text(2), "2 sekunder");
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/rounds/2")), "/rounds/2");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
