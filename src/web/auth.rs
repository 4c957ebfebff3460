//! Sign-in and sign-out, and the extractors that give handlers the signed-in user.
//!
//! Routes: `GET /login` and `POST /login` (anyone), `POST /logout` (anyone with a session).

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::error::AppError;
use super::pages::{base_context, rotate_csrf_token, verify_csrf, USER_KEY};
use super::{blocking, db, AppState};
use crate::domain::User;
use crate::password;
use crate::store::users;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_page))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout));
}

/// The signed-in user, if any.
pub struct MaybeSignedIn(pub Option<User>);

/// A signed-in user; an anonymous request is sent to sign-in and back afterwards.
pub struct SignedIn(pub User);

type BoxedFuture<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

/// Who is signed in, and whether a session just ended for being idle too long.
struct Current {
    user: Option<User>,
    expired: bool,
}

async fn current_user(req: &HttpRequest) -> Result<Current, AppError> {
    let session = req.get_session();
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal("application state missing".into()))?;
    let session_error = |e: actix_session::SessionGetError| AppError::Session(e.to_string());
    let Some(id) = session.get::<i32>(USER_KEY).map_err(session_error)? else {
        return Ok(Current {
            user: None,
            expired: false,
        });
    };
    // The cookie store keeps no server-side expiry, so idleness is tracked in the session.
    let now = chrono::Utc::now().timestamp();
    let last_seen = session.get::<i64>(SEEN_KEY).map_err(session_error)?;
    if last_seen.is_none_or(|seen| now - seen > state.session_idle_seconds) {
        session.purge();
        return Ok(Current {
            user: None,
            expired: true,
        });
    }
    session
        .insert(SEEN_KEY, now)
        .map_err(|e| AppError::Session(e.to_string()))?;
    let user = db(&state, move |conn| Ok(users::get_user(conn, id)?)).await?;
    if user.is_none() {
        // The account is gone: end the session rather than keep a dangling id.
        session.purge();
    }
    Ok(Current {
        user,
        expired: false,
    })
}

const SEEN_KEY: &str = "seen";

/// "60 minutter", "1 minut", "30 sekunder".
fn idle_text(seconds: i64) -> String {
    match seconds {
        s if s % 60 == 0 && s / 60 == 1 => "1 minut".to_owned(),
        s if s % 60 == 0 => format!("{} minutter", s / 60),
        1 => "1 sekund".to_owned(),
        s => format!("{s} sekunder"),
    }
}

impl FromRequest for MaybeSignedIn {
    type Error = AppError;
    type Future = BoxedFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { current_user(&req).await.map(|c| MaybeSignedIn(c.user)) })
    }
}

impl FromRequest for SignedIn {
    type Error = AppError;
    type Future = BoxedFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let current = current_user(&req).await?;
            match current.user {
                Some(user) => Ok(SignedIn(user)),
                None => Err(AppError::SignInRequired {
                    next: req
                        .uri()
                        .path_and_query()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_else(|| "/".to_owned()),
                    expired: current.expired,
                }),
            }
        })
    }
}

/// Only local paths are followed after sign-in, so the link cannot send anyone elsewhere
/// (see [`super::next::LocalPath`]).
fn safe_next(next: Option<&str>) -> String {
    super::next::LocalPath::or_root(next).into_string()
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    udlobet: Option<String>,
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
    let mut context = base_context(&session, None)?;
    context.insert("next", &next);
    context.insert("email", "");
    context.insert("error", &Option::<String>::None);
    let notice = query.udlobet.as_ref().map(|_| {
        format!(
            "Du er blevet logget ud, fordi du ikke har været aktiv i {}. Log ind igen for at fortsætte.",
            idle_text(state.session_idle_seconds)
        )
    });
    context.insert("notice", &notice);
    state.pages.ok("login.html", &context)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
    csrf_token: Option<String>,
}

async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let LoginForm {
        email,
        password: typed_password,
        next,
        ..
    } = form.into_inner();
    let next = safe_next(next.as_deref());
    if let Err(limited) = state.limits.login(&req, &email) {
        return login_refused(&state, &session, &next, &email, limited);
    }
    let lookup = email.clone();
    let found = db(&state, move |conn| Ok(users::find_by_email(conn, &lookup)?)).await?;
    let user = blocking(move || {
        Ok(match found {
            Some((user, hash)) if password::verify(&typed_password, &hash) => Some(user),
            Some(_) => None,
            None => {
                password::verify_against_nothing(&typed_password);
                None
            }
        })
    })
    .await?;

    match user {
        Some(user) => {
            // A new session id at sign-in, so a session fixed before sign-in is worthless.
            session.renew();
            session
                .insert(USER_KEY, user.id)
                .map_err(|e| AppError::Session(e.to_string()))?;
            session
                .insert(SEEN_KEY, chrono::Utc::now().timestamp())
                .map_err(|e| AppError::Session(e.to_string()))?;
            rotate_csrf_token(&session)?;
            tracing::info!(user = user.id, "signed in");
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, next))
                .finish())
        }
        None => {
            let mut context = base_context(&session, None)?;
            context.insert("next", &next);
            context.insert("email", &email);
            context.insert("notice", &Option::<String>::None);
            context.insert(
                "error",
                "Forkert e-mail eller adgangskode. Prøv igen, eller kontakt KKR-sekretariatet for at få en ny adgangskode.",
            );
            state
                .pages
                .respond(StatusCode::UNAUTHORIZED, "login.html", &context)
        }
    }
}

/// The sign-in page again with the email kept, when too many attempts were made.
fn login_refused(
    state: &AppState,
    session: &Session,
    next: &str,
    email: &str,
    limited: AppError,
) -> Result<HttpResponse, AppError> {
    let mut context = base_context(session, None)?;
    context.insert("next", next);
    context.insert("email", email);
    context.insert("notice", &Option::<String>::None);
    context.insert("error", &limited.to_string());
    let mut response =
        state
            .pages
            .respond(StatusCode::TOO_MANY_REQUESTS, "login.html", &context)?;
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

async fn logout(session: Session, form: web::Form<LogoutForm>) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, form.csrf_token.as_deref())?;
    session.purge();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .finish())
}

/// The session's signed-in user, for extractors elsewhere (the API).
pub(crate) async fn session_user(req: &HttpRequest) -> Result<Option<User>, AppError> {
    current_user(req).await.map(|c| c.user)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/rounds/2")), "/rounds/2");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
