//! The HTTP edge: the actix-web app factory and shared state.
//!
//! - `pages/`: the HTML pages, one module per area;
//! - `api`: the JSON API under `/api/v1`;
//! - `session`: who is signed in, and the CSRF token;
//! - `infra/`: what serves every page: templates, caches, the write queue, limits, metrics,
//!   request telemetry and the database-file health check;
//! - `error`: the one error type, shown as a Danish page or a JSON problem.
//!
//! Handlers are thin: parse and authorise, call the store (inside `web::block`), call the
//! domain, render.

pub mod api;
pub mod attachments;
pub mod error;
pub mod extract;
pub mod infra;
pub mod pages;
pub mod refusals;
pub mod session;

use std::net::TcpListener;
use std::path::PathBuf;

use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::CookieSessionStore;
use actix_session::SessionMiddleware;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

use crate::report::Renderer;
use crate::store::{self, DbConnection, DbPool};
pub use error::AppError;
use infra::{cache, health, limits, metrics, telemetry, templates, utf8, versions, writer};
use pages::{
    account, admin, auth, bulk_invitations, dashboard, details, expectations, exports, forms,
    groups, home, invitations, password_link, public, reminders, second_step, site_pages,
    snapshot_changes, sso, statement, users,
};

/// The largest request body accepted (a form with 60 full comments fits comfortably).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Settings of the web process.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Secret for signing and encrypting session cookies; at least 32 bytes. Without it a
    /// random key is made, and sessions end when the process restarts.
    pub secret_key: Option<String>,
    /// The public address, e.g. `https://trafiklys.kommune.dk`; https makes cookies Secure.
    pub base_url: Option<String>,
    /// A folder whose report templates replace the built-in ones.
    pub reports_dir: Option<PathBuf>,
    /// A folder whose page templates replace the built-in ones.
    pub templates_dir: Option<PathBuf>,
    /// Time without a request after which a sign-in ends; an hour when not set.
    pub session_idle: Option<std::time::Duration>,
    /// Rate limits of sign-in, API tokens and snapshots.
    pub limits: limits::LimitSettings,
    /// Time after sign-in after which a sign-in ends however active; 12 hours when not set.
    pub session_max: Option<std::time::Duration>,
    /// The mail server for invitations, resets and reminders, e.g.
    /// `smtp://user:pass@mail.example:587?tls=required`. Without it links are shown instead.
    pub smtp_url: Option<String>,
    /// The sender of mails; [`crate::mail::DEFAULT_FROM`] when not set.
    pub mail_from: Option<String>,
    /// How long connecting to the mail server, and each of its answers, may take;
    /// [`crate::mail::DEFAULT_TIMEOUT`] when not set.
    pub smtp_timeout: Option<std::time::Duration>,
    /// The clock deadlines are checked against; the system clock unless a test moves it.
    pub clock: crate::clock::Clock,
    /// Who runs the installation (a KKR's name), shown in every page's header and footer.
    pub site_name: Option<String>,
    /// The identity providers people may sign in with (`TRAFIKLYS_OIDC_CONFIG`).
    pub sso: crate::sso::Providers,
    /// Passwords are off (`TRAFIKLYS_PASSWORD_SIGNIN=off`), except for the break-glass admin.
    pub passwords_off: bool,
    /// Who must use the second step with a password (`TRAFIKLYS_REQUIRE_TOTP_FOR`).
    pub require_totp: crate::domain::sign_in::TotpRequirement,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("TRAFIKLYS_SECRET_KEY must be at least 32 bytes long")]
    ShortSecret,
    #[error(
        "TRAFIKLYS_SECRET_KEY must be set (at least 32 bytes) when the database is PostgreSQL: \
         every process behind the load balancer signs session cookies with the same key"
    )]
    SecretRequired,
    #[error("could not load the page templates: {0}")]
    Templates(#[from] tera::Error),
    #[error("could not load the report templates: {0}")]
    Reports(#[from] crate::report::ReportError),
    #[error("could not read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("could not listen: {0}")]
    Listen(#[from] std::io::Error),
    #[error("could not start the writer thread: {0}")]
    Thread(#[source] std::io::Error),
    #[error("could not start the outbox's sender thread: {0}")]
    SenderThread(#[source] std::io::Error),
    #[error("{0}")]
    Mail(#[from] crate::mail::MailError),
    #[error("could not set up the metrics: {0}")]
    Metrics(#[from] prometheus::Error),
}

/// What every handler shares: the pool, the page templates and the typst engine.
pub struct AppState {
    pub pool: DbPool,
    pub pages: templates::Pages,
    pub renderer: Renderer,
    pub session_idle_seconds: i64,
    /// A sign-in ends this long after it began, however active.
    pub session_max_seconds: i64,
    pub cache: cache::SummaryCache,
    pub limits: limits::Limits,
    /// The mail server for invitations, resets and reminders; `None` when none is configured
    /// (then links are shown to pass on and reminders are not sent).
    pub mailer: Option<std::sync::Arc<crate::mail::Mailer>>,
    /// Wakes the thread that delivers the outbox's mails and takes the rounds' scheduled
    /// steps (without `mailer`, a thread that only takes the steps).
    pub outbox: Option<crate::outbox::SenderHandle>,
    /// The public address links in mails and on pages start with, without a trailing slash:
    /// the base URL, else the address the server listens on.
    pub public_url: String,
    pub clock: crate::clock::Clock,
    pub metrics: metrics::Metrics,
    /// The SQLite file checked before every use of the database (none for a server database).
    pub db_file: Option<health::DbFileWatch>,
    /// Form saves, committed in groups by one writer thread.
    pub writer: writer::WriteQueue,
    /// The identity providers people may sign in with.
    pub sso: crate::sso::Providers,
    /// Passwords are off, except for the break-glass admin.
    pub passwords_off: bool,
    /// Who must use the second step with a password.
    pub require_totp: crate::domain::sign_in::TotpRequirement,
    /// Wakes the renders of attachments whose council meeting is ahead.
    pub ahead: std::sync::Arc<attachments::AheadHandle>,
    /// On PostgreSQL, the data version as the database tells it, and the signed-in users read
    /// at it; `None` on SQLite.
    pub versions: Option<std::sync::Arc<versions::VersionWatch>>,
    /// The data version this process's own writes left (see `session::carry_own_writes`).
    pub written: std::sync::Arc<versions::Written>,
}

impl AppState {
    pub fn new(pool: DbPool, settings: &Settings) -> Result<AppState, StartError> {
        let db_file = pool
            .get()
            .ok()
            .and_then(|mut conn| health::DbFileWatch::of(&mut conn));
        let written = std::sync::Arc::new(versions::Written::default());
        let writer = writer::WriteQueue::start(pool.clone(), db_file.clone(), written.clone())
            .map_err(StartError::Thread)?;
        let versions = versions::VersionWatch::start(&pool).map_err(StartError::Thread)?;
        let session_idle_seconds = settings
            .session_idle
            .map_or(3600, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .max(1);
        let timeout = settings
            .smtp_timeout
            .unwrap_or(crate::mail::DEFAULT_TIMEOUT);
        let mailer = match &settings.smtp_url {
            Some(url) if !url.trim().is_empty() => {
                Some(std::sync::Arc::new(crate::mail::Mailer::from_url(
                    url,
                    settings
                        .mail_from
                        .as_deref()
                        .unwrap_or(crate::mail::DEFAULT_FROM),
                    timeout,
                )?))
            }
            _ => None,
        };
        let outbox = match &mailer {
            Some(mailer) => crate::outbox::start(crate::outbox::Sender::new(
                pool.clone(),
                mailer.clone(),
                settings.clock.clone(),
                timeout,
            )),
            None => crate::outbox::start_schedule(pool.clone(), settings.clock.clone()),
        }
        .map_err(StartError::SenderThread)?;
        Ok(AppState {
            mailer,
            outbox: Some(outbox),
            db_file,
            writer,
            pool,
            pages: templates::Pages::new(settings.templates_dir.as_deref())?
                .with_site_name(settings.site_name.as_deref())
                .with_session_idle(session::idle_seconds_a_page_can_count_on(
                    session_idle_seconds,
                )),
            renderer: Renderer::new(settings.reports_dir.as_deref())?,
            session_idle_seconds,
            session_max_seconds: settings
                .session_max
                .map_or(12 * 3600, |d| {
                    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
                })
                .max(1),
            cache: cache::SummaryCache::default(),
            limits: limits::Limits::new(&settings.limits),
            public_url: settings
                .base_url
                .as_deref()
                .map(|u| u.trim().trim_end_matches('/').to_owned())
                .unwrap_or_default(),
            clock: settings.clock.clone(),
            metrics: metrics::Metrics::new()?,
            sso: settings.sso.clone(),
            passwords_off: settings.passwords_off,
            require_totp: settings.require_totp,
            ahead: std::sync::Arc::default(),
            versions,
            written,
        })
    }
}

impl AppState {
    /// Where the links of mails start.
    pub fn links(&self) -> crate::notices::Links {
        crate::notices::Links::new(&self.public_url)
    }

    /// Tells the outbox's sender that a mail was queued.
    pub fn wake_outbox(&self) {
        if let Some(outbox) = &self.outbox {
            outbox.wake();
        }
    }
}

/// Runs `f` with a pooled connection on actix's blocking thread pool.
pub async fn db<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    unerase(run_db(state, erase_db(f)).await?)
}

/// A value whose type the caller knows: what a job hands back through the one compiled copy
/// of the code that runs it.
type Erased = Box<dyn std::any::Any + Send>;

/// A database job with its result's type erased. The hundred-odd calls of [`db`] and
/// [`db_read`] then share one copy of the blocking pool's machinery (actix's `web::block`,
/// tokio's task for it), where each would otherwise compile its own: a few percent of the
/// app's code and of its compile time, for two small allocations per call.
type DbJob = Box<dyn FnOnce(&mut DbConnection) -> Result<Erased, AppError> + Send>;

fn erase_db<T, F>(f: F) -> DbJob
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    Box::new(move |conn| f(conn).map(|value| Box::new(value) as Erased))
}

/// The value of an erased job, as the type its caller gave it.
fn unerase<T: 'static>(value: Erased) -> Result<T, AppError> {
    value
        .downcast::<T>()
        .map(|value| *value)
        .map_err(|_| AppError::Internal("a job handed back a value of another type".into()))
}

async fn run_db(state: &web::Data<AppState>, job: DbJob) -> Result<Erased, AppError> {
    let pool = state.pool.clone();
    let watch = state.db_file.clone();
    let written = state.written.clone();
    let (result, committed) = web::block(move || {
        // Left by a job that panicked after its commit: the process's write, not this request's.
        written.take_committed();
        let result = watch
            .map_or(Ok(()), |watch| watch.check().map_err(AppError::Unavailable))
            .and_then(|()| Ok(store::checkout(&pool)?))
            .and_then(|mut conn| job(&mut conn));
        // Counted here, so that it counts even when the request is gone meanwhile.
        (result, written.take_committed())
    })
    .await
    .map_err(AppError::caused_by)?;
    if let Some(version) = committed {
        session::note_own_write(version);
    }
    result
}

/// Like [`db`], for a read of a few indexed rows made on every request of its kind (the
/// signed-in user and the data version; a form with its answers): on SQLite it runs at once
/// on the calling worker when the pool has an idle connection, since such reads take
/// microseconds and the trip to the blocking pool (a thread woken, a core handed over and
/// back) costs more than the reads themselves.
/// WAL readers never wait for the writer. On PostgreSQL every query is a network round trip,
/// and with no idle connection the wait would hold the worker: both go to [`db`].
pub async fn db_read<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    unerase(run_db_read(state, erase_db(f)).await?)
}

async fn run_db_read(state: &web::Data<AppState>, job: DbJob) -> Result<Erased, AppError> {
    if let Some(watch) = &state.db_file {
        if let Some(conn) = state.pool.try_get() {
            watch.check().map_err(AppError::Unavailable)?;
            // A panic in the read must not unwind through the worker (it would take the
            // worker's other connections with it); it becomes a 500 like one in [`db`]. The
            // connection is dropped while the panic unwinds, so the pool discards it.
            return std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                let mut conn = conn;
                job(&mut conn)
            }))
            .unwrap_or_else(|_| Err(AppError::Internal("a database read panicked".into())));
        }
    }
    run_db(state, job).await
}

/// The round's data, aggregation and trend from the cache; 404 for an unknown round.
pub async fn round_view(
    state: &web::Data<AppState>,
    round_id: i32,
) -> Result<std::sync::Arc<crate::domain::analysis::RoundAnalysis>, AppError> {
    Ok(round_view_at(state, round_id).await?.1)
}

/// Like [`round_view`], with the data version the analysis belongs to (which keys the pages
/// and charts derived from it). A miss waits for the round's turn
/// ([`cache::SummaryCache::round_turn`]) and then takes what the request before it computed,
/// if that is at least as new as the version this one read.
pub async fn round_view_at(
    state: &web::Data<AppState>,
    round_id: i32,
) -> Result<(i64, std::sync::Arc<crate::domain::analysis::RoundAnalysis>), AppError> {
    let state_for_db = state.clone();
    let seen = db_read(state, move |conn| {
        Ok(state_for_db.cache.round_cached(conn, round_id)?)
    })
    .await?;
    let version = match seen {
        Ok(hit) => return Ok(hit),
        Err(version) => version,
    };
    let turn = state.cache.round_turn(round_id);
    let _turn = turn.lock().await;
    let state_for_db = state.clone();
    db(state, move |conn| {
        state_for_db
            .cache
            .round_since(conn, round_id, version)?
            .ok_or(AppError::NotFound)
    })
    .await
}

/// Runs CPU-heavy work (password hashing, PDF rendering) off the async workers.
pub async fn blocking<T, F>(f: F) -> Result<T, AppError>
where
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let job: Box<dyn FnOnce() -> Result<Erased, AppError> + Send> =
        Box::new(move || f().map(|value| Box::new(value) as Erased));
    unerase(run_blocking(job).await?)
}

async fn run_blocking(
    job: Box<dyn FnOnce() -> Result<Erased, AppError> + Send>,
) -> Result<Erased, AppError> {
    web::block(job).await.map_err(AppError::caused_by)?
}

/// Refuses a start whose session key cannot be shared. On PostgreSQL (`shared_database`)
/// several processes may serve one site, so each needs the same configured key; a SQLite
/// installation is one process and may fall back to a random key.
pub fn check_secret_key(secret: Option<&str>, shared_database: bool) -> Result<(), StartError> {
    match secret {
        Some(secret) if secret.len() < 32 => Err(StartError::ShortSecret),
        None if shared_database => Err(StartError::SecretRequired),
        _ => Ok(()),
    }
}

fn session_key(settings: &Settings) -> Result<Key, StartError> {
    match &settings.secret_key {
        Some(secret) if secret.len() >= 32 => Ok(Key::derive_from(secret.as_bytes())),
        Some(_) => Err(StartError::ShortSecret),
        None => {
            tracing::warn!(
                "TRAFIKLYS_SECRET_KEY is not set: using a random key, so sign-ins end when the \
                 process restarts and several instances cannot share sessions"
            );
            Ok(Key::generate())
        }
    }
}

/// Builds the HTTP server on a bound listener. The server runs when awaited.
pub fn server(
    listener: TcpListener,
    state: AppState,
    settings: &Settings,
) -> Result<Server, StartError> {
    let key = session_key(settings)?;
    let mut state = state;
    if state.public_url.is_empty() {
        state.public_url = format!("http://{}", listener.local_addr()?);
    }
    if let Some(outbox) = &state.outbox {
        outbox.set_links(crate::notices::Links::new(&state.public_url));
    }
    let secure = settings
        .base_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    let csp = content_security_policy(&state.sso.origins());
    let shared_database = state.versions.is_some();
    let state = web::Data::new(state);
    attachments::start_ahead(&state);
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let server = HttpServer::new(move || {
        let sessions = SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
            .cookie_name("trafiklys".to_owned())
            .cookie_secure(secure)
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_content_security(CookieContentSecurity::Private)
            .session_lifecycle(BrowserSession::default())
            .build();
        App::new()
            .app_data(state.clone())
            .app_data(
                web::FormConfig::default()
                    .limit(MAX_BODY_BYTES)
                    .error_handler(error::extractors::form),
            )
            .app_data(web::PathConfig::default().error_handler(error::extractors::path))
            .app_data(web::QueryConfig::default().error_handler(error::extractors::query))
            .app_data(
                web::JsonConfig::default()
                    .limit(MAX_BODY_BYTES)
                    .error_handler(error::extractors::json),
            )
            .app_data(web::PayloadConfig::default().limit(MAX_BODY_BYTES))
            .wrap(actix_web::middleware::from_fn(utf8::refuse_invalid_forms))
            // Only where several processes may share the database (PostgreSQL).
            .wrap(actix_web::middleware::Condition::new(
                shared_database,
                actix_web::middleware::from_fn(session::carry_own_writes),
            ))
            .wrap(sessions)
            .wrap(security_headers(secure))
            .wrap(
                DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("X-Frame-Options", "DENY"))
                    .add(("Referrer-Policy", "same-origin"))
                    .add(("Content-Security-Policy", csp.clone())),
            )
            .wrap(actix_web::middleware::from_fn(telemetry::observe))
            .route("/healthz", web::get().to(healthz))
            .route("/metrics", web::get().to(metrics_text))
            .route("/static/style.css", web::get().to(stylesheet))
            .route("/static/form.js", web::get().to(form_script))
            .route("/static/session.js", web::get().to(session_script))
            .route("/static/fonts/{file}", web::get().to(font))
            .configure(api::routes)
            .configure(account::routes)
            .configure(auth::routes)
            .configure(home::routes)
            .configure(dashboard::routes)
            .configure(details::routes)
            .configure(forms::routes)
            .configure(exports::routes)
            .configure(snapshot_changes::routes)
            // Before the users' routes: "/users/import" is not a user's id.
            .configure(bulk_invitations::routes)
            .configure(users::routes)
            .configure(invitations::routes)
            .configure(sso::routes)
            .configure(second_step::routes)
            .configure(password_link::routes)
            .configure(groups::routes)
            .configure(expectations::routes)
            .configure(reminders::routes)
            .configure(admin::routes)
            .configure(public::routes)
            .configure(statement::routes)
            .configure(site_pages::routes)
            .default_service(web::to(not_found))
    })
    .workers(workers)
    // actix's default (512 blocking threads shared by the workers) lets 64 connections grow
    // dozens of threads that wait for one of the pool's connections, each with its own
    // malloc arena. More threads than connections only queue, so the pool sizes them; a
    // couple more leave room for PDF rendering and password hashing, which need none.
    .worker_max_blocking_threads(blocking_threads_per_worker(workers))
    .listen(listener)?
    .run();
    Ok(server)
}

/// The pages' Content-Security-Policy. Forms post to the site itself, and sign-out may go on
/// to an identity provider's end-session endpoint (browsers hold a form's redirects to
/// `form-action` too), so the providers' origins are allowed there.
fn content_security_policy(provider_origins: &[String]) -> String {
    let mut form_action = "'self'".to_owned();
    for origin in provider_origins {
        form_action.push(' ');
        form_action.push_str(origin);
    }
    format!(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    )
}

/// The blocking threads of each worker: together about the pool's connections and two more.
fn blocking_threads_per_worker(workers: usize) -> usize {
    let pool = store::POOL_SIZE as usize;
    (pool + 2).div_ceil(workers.max(1)).max(2)
}

/// Headers that depend on the settings. `Strict-Transport-Security` only when the public
/// address is https (sent over plain http it would be ignored, and it must not pin a site that
/// is not served over TLS); every response without its own `Cache-Control` is not stored, since
/// nearly all of them hold data that changes with the next save or depends on who asks.
fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store"));
    if https {
        headers.add((header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"))
    } else {
        headers
    }
}

/// The Prometheus metrics, as text.
async fn metrics_text(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let text = state
        .metrics
        .render(&state.pool, &state.cache, state.versions.as_deref())
        .map_err(AppError::caused_by)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}

/// No route matched: a Danish page, or JSON under `/api/`.
async fn not_found(req: HttpRequest) -> HttpResponse {
    AppError::NotFound.response_for(&req)
}

/// 200 when the database answers and takes writes; 503 otherwise, "degraded" when it can be
/// read but not written. The reasons go to the log only: the answer names no file or server.
async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let result = db(&state, |conn| {
        store::ping(conn)?;
        Ok(store::probe_write(conn))
    })
    .await;
    let unavailable = |body: &'static str| {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .insert_header((header::RETRY_AFTER, "30"))
            .body(body)
    };
    match result {
        Ok(Ok(())) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ok\n"),
        Ok(Err(reason)) => {
            tracing::warn!(reason = %reason, "health check: the database cannot be written");
            unavailable("degraded: databasen kan læses, men ikke skrives; årsagen står i loggen\n")
        }
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            unavailable("utilgængelig: databasen kan ikke bruges lige nu; årsagen står i loggen\n")
        }
    }
}

const STYLESHEET: &str = include_str!("../../static/style.css");
const FORM_SCRIPT: &str = include_str!("../../static/form.js");
const SESSION_SCRIPT: &str = include_str!("../../static/session.js");

async fn session_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(SESSION_SCRIPT)
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(STYLESHEET)
}

/// The page font, DejaVu Sans from the `dejavu` crate, served from the app itself so that a
/// page makes no request elsewhere.
async fn font(file: web::Path<String>) -> HttpResponse {
    let bytes: &'static [u8] = match file.as_str() {
        "dejavu-sans.ttf" => dejavu::sans::regular(),
        "dejavu-sans-bold.ttf" => dejavu::sans::bold(),
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok()
        .content_type("font/ttf")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(bytes)
}

async fn form_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(FORM_SCRIPT)
}
