//! The signed-in session: who is signed in (the extractors handlers take), how long a sign-in
//! lasts, and the CSRF token every form carries.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;
use subtle::ConstantTimeEq;

use super::error::AppError;
use super::{db_read, AppState};
use crate::domain::User;
use crate::store::users;
use crate::web::infra::versions::Floor;

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
    let state = app_state(req)?;
    let Some(id) = session.get::<i32>(USER_KEY).map_err(session_error)? else {
        return Ok(Current::anonymous(None));
    };
    let now = state.clock.timestamp();
    let last_seen = match within_limits(&session, &state, now)? {
        Ok(last_seen) => last_seen,
        Err(ended) => {
            session.purge();
            return Ok(Current::anonymous(Some(ended)));
        }
    };
    // The session generation makes sign-out, a password change and deactivation end every
    // session of the user at once, copies of the cookie included.
    let Some(generation) = session.get::<i32>(GENERATION_KEY).map_err(session_error)? else {
        session.purge();
        return Ok(Current::anonymous(None));
    };
    let Some((user, versions)) = valid_session_user(&state, &session, id, generation).await? else {
        // Deactivated, signed out elsewhere, or gone: end this session too.
        session.purge();
        return Ok(Current::anonymous(None));
    };
    if let Some(versions) = versions {
        req.extensions_mut().insert(ReadVersion(versions));
    }
    refresh_seen(&session, &state, last_seen, now)?;
    Ok(Current {
        user: Some(user),
        ended: None,
    })
}

/// The user of a valid session with the markers read with it: from what the process knows on
/// PostgreSQL (see `VersionWatch`), else in one statement, so that a page cached at that
/// version can be served with no other database read (on SQLite on this worker; see
/// `db_read`). The markers are `None` when the process kept the user but has not yet heard of
/// the data version the session's own writes left. `None` when the session is no longer
/// valid.
async fn valid_session_user(
    state: &web::Data<AppState>,
    session: &Session,
    id: i32,
    generation: i32,
) -> Result<Option<(User, Option<users::Versions>)>, AppError> {
    let Some(watch) = &state.versions else {
        let found = read_session_user(state, id, generation).await?;
        return Ok(found.map(|(user, versions)| (user, Some(versions))));
    };
    let floor = own_writes(session).max(state.written.floor());
    if let Some(known) = watch.user(id, generation, floor) {
        return Ok(Some(known));
    }
    let found = read_session_user(state, id, generation).await?;
    if let Some((user, versions)) = &found {
        watch.remember(id, generation, user, *versions);
    }
    Ok(found.map(|(user, versions)| (user, Some(versions))))
}

/// The markers this session's own writes left (PostgreSQL; see [`carry_own_writes`]).
fn own_writes(session: &Session) -> Floor {
    let marker = |key: &str| session.get::<i64>(key).ok().flatten().unwrap_or(0);
    Floor {
        data: marker(WROTE_KEY),
        accounts: marker(WROTE_ACCOUNTS_KEY),
    }
}

async fn read_session_user(
    state: &web::Data<AppState>,
    id: i32,
    generation: i32,
) -> Result<Option<(User, users::Versions)>, AppError> {
    db_read(state, move |conn| {
        Ok(users::session_user_at_version(conn, id, generation)?)
    })
    .await
}

/// The application state of the server handling `req`.
pub(crate) fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal("application state missing".into()))
}

fn session_error(e: actix_session::SessionGetError) -> AppError {
    AppError::Session(e.to_string())
}

/// Whether the session is within both of its limits at `now` (seconds, from the app clock):
/// the absolute lifetime since sign-in and the idle time since the last request. The cookie
/// store keeps no server-side expiry, so both are tracked in the session. `Ok` carries the
/// last request's stamp.
fn within_limits(
    session: &Session,
    state: &AppState,
    now: i64,
) -> Result<Result<Option<i64>, Ended>, AppError> {
    let since = session.get::<i64>(SINCE_KEY).map_err(session_error)?;
    if since.is_none_or(|since| now - since > state.session_max_seconds) {
        return Ok(Err(Ended::Lifetime));
    }
    let last_seen = session.get::<i64>(SEEN_KEY).map_err(session_error)?;
    if last_seen.is_none_or(|seen| now - seen > state.session_idle_seconds) {
        return Ok(Err(Ended::Idle));
    }
    Ok(Ok(last_seen))
}

/// Writes the last-request stamp when it is a little old. Writing it changes the session, and
/// a changed session is encrypted into a new cookie on the response; refreshing it only then
/// keeps a page served from the cache free of that work. The idle timeout is then exact to
/// within a tenth.
fn refresh_seen(
    session: &Session,
    state: &AppState,
    last_seen: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    if last_seen.is_none_or(|seen| now - seen >= seen_refresh_seconds(state.session_idle_seconds)) {
        session
            .insert(SEEN_KEY, now)
            .map_err(|e| AppError::Session(e.to_string()))?;
    }
    Ok(())
}

const SEEN_KEY: &str = "seen";

/// The data version this session's last write left (PostgreSQL).
const WROTE_KEY: &str = "wrote";
/// The accounts marker this session's last write left (PostgreSQL).
const WROTE_ACCOUNTS_KEY: &str = "wrote_accounts";

tokio::task_local! {
    /// The highest markers the current request's own writes left (PostgreSQL).
    static OWN_WRITES: std::cell::Cell<Floor>;
}

/// A write of the current request committed, leaving `versions`: [`carry_own_writes`] keeps
/// them in the request's session. Outside a request (or on SQLite, where the middleware is not
/// installed) it does nothing.
pub(crate) fn note_own_write(versions: users::Versions) {
    let _ = OWN_WRITES.try_with(|own| own.set(own.get().max(versions.into())));
}

/// Carries the markers a request's own writes left in its session (PostgreSQL, where several
/// processes may serve the site): a process that has not yet heard of that data version serves
/// no page it keeps from before it, and one that has not heard of that accounts marker reads
/// the user from the database (see `VersionWatch`), so that a save shows at once in the next
/// request, in whichever process it lands. Only a request that wrote changes the session.
/// Installed only on PostgreSQL.
pub async fn carry_own_writes<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let session = req.get_session();
    OWN_WRITES
        .scope(std::cell::Cell::new(Floor::default()), async move {
            let response = next.call(req).await?;
            let wrote = OWN_WRITES.with(std::cell::Cell::get);
            if wrote.data > 0 {
                note_written(&session, wrote);
            }
            Ok(response)
        })
        .await
}

/// Keeps the markers a request's writes left in a signed-in session, each unless it holds a
/// newer one.
fn note_written(session: &Session, wrote: Floor) {
    if !matches!(session.get::<i32>(USER_KEY), Ok(Some(_))) {
        return;
    }
    let kept = own_writes(session);
    for (key, marker, before) in [
        (WROTE_KEY, wrote.data, kept.data),
        (WROTE_ACCOUNTS_KEY, wrote.accounts, kept.accounts),
    ] {
        if marker > before {
            if let Err(e) = session.insert(key, marker) {
                tracing::warn!(error = %e, "the session could not keep its last write's markers");
            }
        }
    }
}

/// How old the "last seen" stamp may get before a request writes it again: a tenth of the
/// idle timeout, at most a minute.
fn seen_refresh_seconds(idle_seconds: i64) -> i64 {
    (idle_seconds / 10).clamp(0, 60)
}

/// The data version and the shown marker read with the signed-in user, kept in the request's
/// extensions. A page cached at this version (or, for a page that shows no draft's contents,
/// at this shown marker) was rendered from data at least as new as what this request could
/// read when it began.
#[derive(Debug, Clone, Copy)]
pub struct ReadVersion(pub crate::store::users::Versions);

/// The data version read with this request's user, if the request has a signed-in user.
pub fn read_version(req: &HttpRequest) -> Option<i64> {
    req.extensions().get::<ReadVersion>().map(|v| v.0.data)
}

/// The shown marker read with this request's user (see [`crate::store::shown_version`]), if
/// the request has a signed-in user: the version of pages that show no draft's contents.
pub fn read_shown(req: &HttpRequest) -> Option<i64> {
    req.extensions().get::<ReadVersion>().map(|v| v.0.shown)
}
const SINCE_KEY: &str = "since";
const GENERATION_KEY: &str = "gen";

/// Starts a signed-in session for the user in their current session generation: a new session
/// id (so a session fixed before sign-in is worthless) and a fresh CSRF token. `now` is the
/// app clock's time in seconds (`Clock::timestamp`), which the session's limits count from.
pub(crate) fn start_session(
    session: &Session,
    user_id: i32,
    generation: i32,
    now: i64,
) -> Result<(), AppError> {
    let insert_error = |e: actix_session::SessionInsertError| AppError::Session(e.to_string());
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

/// How many seconds of the idle timeout a page can count on when it loads: the stamp of the
/// last request may be up to [`seen_refresh_seconds`] older than the page.
pub fn idle_seconds_a_page_can_count_on(idle_seconds: i64) -> i64 {
    (idle_seconds - seen_refresh_seconds(idle_seconds)).max(1)
}

/// The session's signed-in user, for extractors elsewhere (the API).
pub(crate) async fn session_user(req: &HttpRequest) -> Result<Option<User>, AppError> {
    current_user(req).await.map(|c| c.user)
}

const CSRF_KEY: &str = "csrf";
pub const USER_KEY: &str = "user_id";

/// This session's CSRF token, made on first use.
pub fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(token) = session
        .get::<String>(CSRF_KEY)
        .map_err(|e| AppError::Session(e.to_string()))?
    {
        return Ok(token);
    }
    let token = Alphanumeric.sample_string(&mut OsRng, 32);
    session
        .insert(CSRF_KEY, &token)
        .map_err(|e| AppError::Session(e.to_string()))?;
    Ok(token)
}

/// Gives the session a fresh CSRF token (at sign-in, with the renewed session).
pub fn rotate_csrf_token(session: &Session) -> Result<(), AppError> {
    session.remove(CSRF_KEY);
    csrf_token(session).map(|_| ())
}

/// Checks a submitted token against the session's, in constant time.
pub fn verify_csrf(session: &Session, submitted: Option<&str>) -> Result<(), AppError> {
    let expected = session
        .get::<String>(CSRF_KEY)
        .map_err(|e| AppError::Session(e.to_string()))?
        .ok_or(AppError::Csrf)?;
    let submitted = submitted.ok_or(AppError::Csrf)?;
    if bool::from(expected.as_bytes().ct_eq(submitted.as_bytes())) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}

/// Renews the session's last-request stamp now (the "stay signed in" button).
pub(crate) fn touch(session: &Session, now: i64) -> Result<(), AppError> {
    session
        .insert(SEEN_KEY, now)
        .map_err(|e| AppError::Session(e.to_string()))
}

/// Keeps a value in the session (the encrypted cookie) under `key`.
pub(crate) fn put<T: serde::Serialize>(
    session: &Session,
    key: &str,
    value: &T,
) -> Result<(), AppError> {
    session
        .insert(key, value)
        .map_err(|e| AppError::Session(e.to_string()))
}

/// The value under `key`, if any (a value that no longer reads counts as none).
pub(crate) fn peek<T: serde::de::DeserializeOwned>(session: &Session, key: &str) -> Option<T> {
    session.get::<T>(key).ok().flatten()
}

/// The value under `key`, removed from the session: it can be used once.
pub(crate) fn take<T: serde::de::DeserializeOwned>(session: &Session, key: &str) -> Option<T> {
    let value = peek(session, key);
    session.remove(key);
    value
}
