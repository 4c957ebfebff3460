//! Sign-in and sign-out, and the extractors that give handlers the signed-in user.
//!
//! Routes: `GET /login` and `POST /login` (anyone), `POST /logout` (anyone with a session).

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::error::AppError;
use super::pages::{base_context, rotate_csrf_token, verify_csrf, USER_KEY};
use super::{blocking, db, db_read, AppState};
use crate::domain::User;
use crate::password;
use crate::store::users;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_page))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/session/extend", web::post().to(extend_session));
}

/// The signed-in user, if any.
pub struct MaybeSignedIn(pub Option<User>);

/// A signed-in user; an anonymous request is sent to sign-in and back afterwards.
pub struct SignedIn(pub User);

type BoxedFuture<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

/// Why a session just ended by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// No request for longer than the idle timeout.
    Idle,
    /// Signed in longer than the absolute session lifetime.
    Lifetime,
}

/// Who is signed in, and whether a session just ended by itself.
struct Current {
    user: Option<User>,
    ended: Option<Ended>,
}

impl Current {
    fn anonymous(ended: Option<Ended>) -> Current {
        Current { user: None, ended }
    }
}

async fn current_user(req: &HttpRequest) -> Result<Current, AppError> {
    let session = req.get_session();
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal("application state missing".into()))?;
    let session_error = |e: actix_session::SessionGetError| AppError::Session(e.to_string());
    let Some(id) = session.get::<i32>(USER_KEY).map_err(session_error)? else {
        return Ok(Current::anonymous(None));
    };
    // The cookie store keeps no server-side expiry, so both limits are tracked in the session.
    let now = chrono::Utc::now().timestamp();
    let since = session.get::<i64>(SINCE_KEY).map_err(session_error)?;
    if since.is_none_or(|since| now - since > state.session_max_seconds) {
        session.purge();
        return Ok(Current::anonymous(Some(Ended::Lifetime)));
    }
    let last_seen = session.get::<i64>(SEEN_KEY).map_err(session_error)?;
    if last_seen.is_none_or(|seen| now - seen > state.session_idle_seconds) {
        session.purge();
        return Ok(Current::anonymous(Some(Ended::Idle)));
    }
    // The session generation makes sign-out, a password change and deactivation end every
    // session of the user at once, copies of the cookie included.
    let Some(generation) = session.get::<i32>(GENERATION_KEY).map_err(session_error)? else {
        session.purge();
        return Ok(Current::anonymous(None));
    };
    // The data version is read with the user, so that a page cached at it can be served
    // with no other database read (on SQLite on this worker; see `db_read`).
    let found = db_read(&state, move |conn| {
        Ok(users::session_user_at_version(conn, id, generation)?)
    })
    .await?;
    let Some((user, version)) = found else {
        // Deactivated, signed out elsewhere, or gone: end this session too.
        session.purge();
        return Ok(Current::anonymous(None));
    };
    let user = Some(user);
    req.extensions_mut().insert(ReadVersion(version));
    // Writing the stamp changes the session, and a changed session is encrypted into a new
    // cookie on the response; refreshing it only when it is a little old keeps a page served
    // from the cache free of that work. The idle timeout is then exact to within a tenth.
    if last_seen.is_none_or(|seen| now - seen >= seen_refresh_seconds(state.session_idle_seconds)) {
        session
            .insert(SEEN_KEY, now)
            .map_err(|e| AppError::Session(e.to_string()))?;
    }
    Ok(Current { user, ended: None })
}

const SEEN_KEY: &str = "seen";

/// How old the "last seen" stamp may get before a request writes it again: a tenth of the
/// idle timeout, at most a minute.
fn seen_refresh_seconds(idle_seconds: i64) -> i64 {
    (idle_seconds / 10).clamp(0, 60)
}

/// The data version read with the signed-in user, kept in the request's extensions. A page
/// cached at this version was rendered from data at least as new as what this request could
/// read when it began.
#[derive(Debug, Clone, Copy)]
pub struct ReadVersion(pub i64);

/// The data version read with this request's user, if the request has a signed-in user.
pub fn read_version(req: &HttpRequest) -> Option<i64> {
    req.extensions().get::<ReadVersion>().map(|v| v.0)
}
const SINCE_KEY: &str = "since";
const GENERATION_KEY: &str = "gen";

/// Starts a signed-in session for the user in their current session generation: a new session
/// id (so a session fixed before sign-in is worthless) and a fresh CSRF token.
pub(crate) fn start_session(
    session: &Session,
    user_id: i32,
    generation: i32,
) -> Result<(), AppError> {
    let insert_error = |e: actix_session::SessionInsertError| AppError::Session(e.to_string());
    let now = chrono::Utc::now().timestamp();
    session.renew();
    session.insert(USER_KEY, user_id).map_err(insert_error)?;
    session
        .insert(GENERATION_KEY, generation)
        .map_err(insert_error)?;
    session.insert(SINCE_KEY, now).map_err(insert_error)?;
    session.insert(SEEN_KEY, now).map_err(insert_error)?;
    rotate_csrf_token(session)
}

/// Moves this session to the user's new session generation (after a password change), so it
/// stays signed in while every other session of the user ends.
pub(crate) fn follow_generation(session: &Session, generation: i32) -> Result<(), AppError> {
    session.renew();
    session
        .insert(GENERATION_KEY, generation)
        .map_err(|e| AppError::Session(e.to_string()))
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
            let next = || {
                req.uri()
                    .path_and_query()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_else(|| "/".to_owned())
            };
            match (current.user, current.ended) {
                (Some(user), _) => Ok(SignedIn(user)),
                (None, Some(Ended::Lifetime)) => Err(AppError::SignInAgain { next: next() }),
                (None, ended) => Err(AppError::SignInRequired {
                    next: next(),
                    expired: ended == Some(Ended::Idle),
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
    levetid: Option<String>,
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
    let notice = if query.levetid.is_some() {
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
    };
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
    let found = db(&state, move |conn| {
        Ok(users::find_account_by_email(conn, &lookup)?)
    })
    .await?;
    let account = blocking(move || {
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
    .await?;

    let refuse = |status: StatusCode, message: &str| {
        let mut context = base_context(&session, None)?;
        context.insert("next", &next);
        context.insert("email", &email);
        context.insert("notice", &Option::<String>::None);
        context.insert("error", message);
        state.pages.respond(status, "login.html", &context)
    };
    match account {
        // Said only to whoever knows the password, so it tells a guesser nothing.
        Some(account) if !account.active => refuse(
            StatusCode::FORBIDDEN,
            "Din konto er deaktiveret. Kontakt KKR-sekretariatet, hvis du skal bruge Trafiklys igen.",
        ),
        Some(account) => {
            start_session(&session, account.user.id, account.session_generation)?;
            tracing::info!(user = account.user.id, "signed in");
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, next))
                .finish())
        }
        None => refuse(
            StatusCode::UNAUTHORIZED,
            "Forkert e-mail eller adgangskode. Prøv igen, eller kontakt KKR-sekretariatet for at få en ny adgangskode.",
        ),
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

/// Signs out: every session of the user ends, on every device and in every copy of the cookie.
async fn logout(
    state: web::Data<AppState>,
    session: Session,
    MaybeSignedIn(user): MaybeSignedIn,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, AppError> {
    // A session that has already ended (signed out elsewhere, idle, deactivated) has nothing
    // left to protect: just leave.
    if let Some(user) = user {
        verify_csrf(&session, form.csrf_token.as_deref())?;
        let user_id = user.id;
        db(&state, move |conn| Ok(users::end_sessions(conn, user_id)?)).await?;
        tracing::info!(user = user_id, "signed out");
    }
    session.purge();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .finish())
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
    form: web::Form<ExtendForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, form.csrf_token.as_deref())?;
    session
        .insert(SEEN_KEY, chrono::Utc::now().timestamp())
        .map_err(|e| AppError::Session(e.to_string()))?;
    Ok(HttpResponse::Ok().json(Extended {
        remaining_seconds: state.session_idle_seconds,
    }))
}

/// How many seconds of the idle timeout a page can count on when it loads: the stamp of the
/// last request may be up to [`seen_refresh_seconds`] older than the page.
pub fn idle_seconds_a_page_can_count_on(idle_seconds: i64) -> i64 {
    (idle_seconds - seen_refresh_seconds(idle_seconds)).max(1)
}

/// The session's signed-in user, for extractors elsewhere (the API).
pub(crate) async fn session_user(req: &HttpRequest) -> Result<Option<User>, AppError> {
    current_user(req).await.map(|c| c.user)
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
