//! The JSON API under `/api/v1/`, with the same authorisation as the pages. A caller is the
//! session's user, or the owner of the token in `Authorization: Bearer <token>`.
//!
//! Routes and who may use them:
//! - `GET /api/v1/openapi.json`: anyone.
//! - `GET /api/v1/rounds`: anyone; lists the rounds the caller may see.
//! - `GET /api/v1/rounds/{id}/summary`, `GET /api/v1/rounds/{id}/responses`: as the round
//!   dashboard (per-municipality answers only for the KKR's admins and members, and a
//!   municipality's own users for their own municipality).
//! - `GET /api/v1/rounds/{id}/municipalities/{code}/submission`: as the municipality page.
//! - `GET /api/v1/rounds/{id}/municipalities/{code}/snapshots` and
//!   `.../snapshots/{snapshot_id}/changes`: as the snapshot comparison page (in
//!   [`snapshot_changes`]).
//!
//! The OpenAPI document is generated from this module: each handler's `#[utoipa::path]` names
//! its parameters and every status it answers with, and the bodies are the API's own types in
//! [`types`], never domain structs serialised as they are. Another method on a path is a 405
//! with `Allow: GET`; a path that is not here is a 404; both in JSON.

use std::sync::LazyLock;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError, Route};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::OpenApi;

use super::error::AppError;
use super::session::session_user;
use super::{db, round_view, AppState};
use crate::domain::analysis::RoundAnalysis;
use crate::domain::{access, MunicipalityCode, Round, User};
use crate::store::{rounds, tokens};

pub mod snapshot_changes;
pub mod types;

/// Where the API lives; every path of [`resources`] is below it.
pub const PREFIX: &str = "/api/v1";

/// Every resource of the API: its path below [`PREFIX`] and how it answers GET. The one list
/// both the router and [`registered_paths`] read, so a test can hold it against the document.
fn resources() -> Vec<(&'static str, Route)> {
    vec![
        ("/openapi.json", web::get().to(openapi)),
        ("/rounds", web::get().to(list_rounds)),
        ("/rounds/{id}/summary", web::get().to(summary)),
        ("/rounds/{id}/groups", web::get().to(groups)),
        ("/rounds/{id}/responses", web::get().to(responses)),
        (
            "/rounds/{id}/municipalities/{code}/submission",
            web::get().to(submission),
        ),
        (
            "/rounds/{id}/municipalities/{code}/history",
            web::get().to(history),
        ),
    ]
    .into_iter()
    .chain(snapshot_changes::resources())
    .collect()
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    let mut scope = web::scope(PREFIX);
    for (path, route) in resources() {
        // Each path is one resource, so another method on it is a 405 (with `Allow`), not a 404.
        scope = scope.service(
            web::resource(path)
                .route(route)
                .default_service(web::to(only_get)),
        );
    }
    cfg.service(scope.default_service(web::to(not_found)));
}

/// The full path of every resource the router serves under [`PREFIX`].
pub fn registered_paths() -> Vec<String> {
    resources()
        .into_iter()
        .map(|(path, _)| format!("{PREFIX}{path}"))
        .collect()
}

/// The OpenAPI document of the API, generated from the handlers and types of this module.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Trafiklys API",
        version = "1",
        description = "Status rounds on KKR recommendations. Authenticate with the session \
            cookie or `Authorization: Bearer <token>` (tokens are created on the user's page, \
            /account). The same rules as the pages apply: a round's region-wide results for \
            users of its KKR (anyone once published); per-municipality answers for the KKR's \
            admins and members, and for a municipality's own users. Errors are JSON \
            (`{\"error\": code, \"reason\": Danish text}`); another method than GET on a path is \
            answered 405 with `Allow: GET`. Times are UTC."
    ),
    paths(
        openapi,
        list_rounds,
        summary,
        groups,
        responses,
        submission,
        history,
        snapshot_changes::list,
        snapshot_changes::changes
    ),
    modifiers(&SecuritySchemes),
    // Anonymous callers are welcome where the pages welcome them (published rounds).
    security(("bearer" = []), ("session" = []), ())
)]
pub struct ApiDoc;

/// The two ways to sign in: a bearer token, or the session cookie of the pages.
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "trafiklys",
                "The session cookie set by signing in on /login.",
            ))),
        );
    }
}

/// The document as served, computed once.
static DOCUMENT: LazyLock<Result<String, String>> =
    LazyLock::new(|| ApiDoc::openapi().to_json().map_err(|e| e.to_string()));

async fn only_get() -> Result<HttpResponse, ApiError> {
    Err(ApiError(AppError::MethodNotAllowed { allow: "GET" }))
}

/// An API error: the status and a JSON body `{"error": code, "reason": Danish text}`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ApiError(AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match &self.0 {
            AppError::SignInRequired { .. } => StatusCode::UNAUTHORIZED,
            other => other.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let reason = match &self.0 {
            AppError::SignInRequired { .. } => {
                "Log ind, eller send en gyldig API-nøgle som «Authorization: Bearer <nøgle>»."
                    .to_owned()
            }
            _ if status.is_server_error() => {
                "Der opstod en fejl på serveren. Prøv igen om lidt.".to_owned()
            }
            other => other.to_string(),
        };
        let mut response = self.0.json_response(status, &reason);
        if status == StatusCode::UNAUTHORIZED {
            // A 401 names the scheme that is accepted (RFC 9110, 11.6.1).
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"trafiklys\""),
            );
        }
        response
    }
}

fn sign_in_required() -> ApiError {
    ApiError(AppError::SignInRequired {
        next: String::new(),
        expired: false,
    })
}

/// The caller: a bearer token's owner (while the token is neither revoked nor expired), else
/// the session's user, else anonymous.
async fn caller(req: &HttpRequest, state: &web::Data<AppState>) -> Result<Option<User>, ApiError> {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or(""));
    match header {
        Some(value) => {
            state.limits.api_token(req)?;
            let token = value
                .strip_prefix("Bearer ")
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(sign_in_required)?
                .to_owned();
            let now = state.clock.now();
            let user = db(state, move |conn| Ok(tokens::user_for(conn, &token, now)?)).await?;
            user.map(Some).ok_or_else(sign_in_required)
        }
        None => Ok(session_user(req).await?),
    }
}

fn forbidden_or_sign_in(user: Option<&User>) -> ApiError {
    if user.is_some() {
        ApiError(AppError::Forbidden)
    } else {
        sign_in_required()
    }
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openApiDocument",
    security(()),
    responses(
        (status = 200, description = "The OpenAPI document of this API", body = Object,
            content_type = "application/json"),
    )
)]
async fn openapi() -> Result<HttpResponse, ApiError> {
    match &*DOCUMENT {
        Ok(json) => Ok(HttpResponse::Ok()
            .content_type("application/json")
            .body(json.as_str())),
        Err(e) => Err(ApiError(AppError::Internal(format!(
            "OpenAPI document: {e}"
        )))),
    }
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError(AppError::NotFound))
}

/// The rounds the caller may see, newest year first.
#[utoipa::path(
    get,
    path = "/api/v1/rounds",
    operation_id = "listRounds",
    responses(
        (status = 200, description = "The rounds the caller may see", body = types::RoundList),
        (status = 401, description = "An invalid or revoked token, or an expired session",
            body = types::ErrorBody, headers(("WWW-Authenticate" = String))),
        (status = 429, description = "Too many requests with a token from this address",
            body = types::ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "The database is not reachable", body = types::ErrorBody),
    )
)]
async fn list_rounds(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<web::Json<types::RoundList>, ApiError> {
    let user = caller(&req, &state).await?;
    let all = db(&state, |conn| Ok(rounds::list_rounds(conn)?)).await?;
    let rounds = all
        .iter()
        .filter(|r| access::can_view_round(user.as_ref(), r))
        .map(types::Round::from)
        .collect();
    Ok(web::Json(types::RoundList { rounds }))
}

/// Keeps per-municipality answers (and who submitted them) only where the caller may read
/// them.
fn visible_to(user: Option<&User>, round: &Round, code: &MunicipalityCode) -> bool {
    access::can_see_submitter(user, round, code)
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// A group of the KKR's municipalities (its id) to narrow the summary to.
    group: Option<String>,
}

/// Everything the round's dashboard shows.
///
/// The aggregation of the submitted answers, the region-wide classification with its Danish
/// sentences, and the trend against the earlier rounds of the KKR. Without `group`: the
/// round's common focus areas over every participating municipality (the whole round when no
/// focus area belongs to a group). With `group`: the group's members, with the common focus
/// areas and the group's own. A job cluster's own part alone is in `/groups`.
#[utoipa::path(
    get,
    path = "/api/v1/rounds/{id}/summary",
    operation_id = "roundSummary",
    params(("id" = i32, Path, description = "The round's id"), SummaryQuery),
    responses(
        (status = 200, description = "The round's summary and trend; per-municipality figures \
            only for municipalities whose answers the caller may read", body = types::RoundSummary),
        (status = 401, description = "Not signed in (the round is not published), an invalid or \
            revoked token, or an expired session",
            body = types::ErrorBody, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The round belongs to another KKR and is not published",
            body = types::ErrorBody),
        (status = 404, description = "No such round, or no such group (or not a group id) in the round's KKR",
            body = types::ErrorBody),
        (status = 429, description = "Too many requests with a token from this address",
            body = types::ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "The database is not reachable", body = types::ErrorBody),
    )
)]
async fn summary(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i32>,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let round = VisibleRound::of(&req, &state, path.into_inner()).await?;
    let group_id = super::groups::parse_group_param(query.group.as_deref())?;
    let key = round.key("api-summary", format!("{group_id:?}"));
    if let Some(cached) = round.cached(&state, &key) {
        return Ok(cached);
    }
    let (view, _) = super::groups::narrowed(&state, round.view.clone(), group_id).await?;
    let body = summary_json(&view, round.user.as_ref())?;
    Ok(round.keep(&state, key, &body))
}

/// A round the caller may see: who calls, the round's data version and its analysis.
struct VisibleRound {
    user: Option<User>,
    version: i64,
    view: std::sync::Arc<RoundAnalysis>,
}

impl VisibleRound {
    /// The round, or 401/403 when the caller may not see it.
    async fn of(
        req: &HttpRequest,
        state: &web::Data<AppState>,
        round_id: i32,
    ) -> Result<VisibleRound, ApiError> {
        let user = caller(req, state).await?;
        let (version, view) = super::round_view_at(state, round_id).await?;
        if !access::can_view_round(user.as_ref(), &view.data.content.round) {
            return Err(forbidden_or_sign_in(user.as_ref()));
        }
        Ok(VisibleRound {
            user,
            version,
            view,
        })
    }

    /// The cache key of one of the round's JSON answers: it depends on which municipalities
    /// the caller may see, so it is kept per viewer class.
    fn key(&self, answer: &'static str, variant: String) -> super::infra::cache::PageKey {
        super::infra::cache::PageKey::new(
            answer,
            self.view.data.content.round.id,
            variant,
            self.user.as_ref(),
            String::new(),
        )
    }

    fn cached(&self, state: &AppState, key: &super::infra::cache::PageKey) -> Option<HttpResponse> {
        state.cache.page(key, self.version).map(|c| c.json())
    }

    /// Keeps `body` for the next caller of the same class, and answers with it.
    fn keep(
        &self,
        state: &AppState,
        key: super::infra::cache::PageKey,
        body: &str,
    ) -> HttpResponse {
        state.cache.store_page(key, self.version, body).json()
    }
}

/// The round's groups side by side.
///
/// Every group of the round's KKR with its members; for a job cluster (a group with focus
/// areas of its own in the round) the aggregation of its own focus areas among its members,
/// as the dashboard's section on the cluster shows it, and its expectations for next year.
#[utoipa::path(
    get,
    path = "/api/v1/rounds/{id}/groups",
    operation_id = "roundGroups",
    params(("id" = i32, Path, description = "The round's id")),
    responses(
        (status = 200, description = "The round's groups; per-municipality figures only for \
            municipalities whose answers the caller may read", body = types::RoundGroups),
        (status = 401, description = "Not signed in (the round is not published), an invalid or \
            revoked token, or an expired session",
            body = types::ErrorBody, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The round belongs to another KKR and is not published",
            body = types::ErrorBody),
        (status = 404, description = "No such round", body = types::ErrorBody),
        (status = 429, description = "Too many requests with a token from this address",
            body = types::ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "The database is not reachable", body = types::ErrorBody),
    )
)]
async fn groups(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let round = VisibleRound::of(&req, &state, path.into_inner()).await?;
    let key = round.key("api-groups", String::new());
    if let Some(cached) = round.cached(&state, &key) {
        return Ok(cached);
    }
    let body = groups_json(&round.view, round.user.as_ref())?;
    Ok(round.keep(&state, key, &body))
}

/// A summary with per-municipality figures only for those the caller may read.
fn visible_summary(view: &RoundAnalysis, user: Option<&User>) -> types::Summary {
    let round = &view.data.content.round;
    let mut summary = types::Summary::from(&view.summary);
    summary.municipalities = view
        .summary
        .municipalities
        .iter()
        .filter(|m| visible_to(user, round, &m.code))
        .map(Into::into)
        .collect();
    summary
}

fn groups_json(view: &RoundAnalysis, user: Option<&User>) -> Result<String, ApiError> {
    let content = &view.data.content;
    let parts = view.cluster_parts();
    let groups = content
        .groups
        .iter()
        .map(|g| {
            let part = parts.iter().find(|p| p.group.id == g.id);
            types::GroupPart {
                id: g.id,
                name: g.name.clone(),
                members: g.members.iter().map(|c| c.to_string()).collect(),
                cluster: part.is_some(),
                summary: part.map(|p| visible_summary(&p.analysis, user)),
                expectations: g.expectations.clone(),
            }
        })
        .collect();
    serde_json::to_string(&types::RoundGroups {
        round: (&content.round).into(),
        groups,
    })
    .map_err(|e| ApiError::from(AppError::caused_by(e)))
}

/// The round's summary and trend as JSON, with per-municipality figures only for the
/// municipalities whose answers the caller may read.
fn summary_json(view: &RoundAnalysis, user: Option<&User>) -> Result<String, ApiError> {
    let round = &view.data.content.round;
    let visible = |code: &MunicipalityCode| visible_to(user, round, code);
    let summary = visible_summary(view, user);
    let mut trend = types::Trend::from(&view.trend);
    trend.municipalities = view
        .trend
        .municipalities
        .iter()
        .filter(|m| visible(&m.code))
        .map(Into::into)
        .collect();
    serde_json::to_string(&types::RoundSummary {
        round: round.into(),
        summary,
        trend,
    })
    .map_err(|e| ApiError::from(AppError::caused_by(e)))
}

/// Which municipalities have submitted, and when.
///
/// `submitted_by` (a person's name) is given only for municipalities whose answers the caller
/// may read; for the others it is null.
#[utoipa::path(
    get,
    path = "/api/v1/rounds/{id}/responses",
    operation_id = "roundResponses",
    params(("id" = i32, Path, description = "The round's id")),
    responses(
        (status = 200, description = "The response tracker", body = types::Responses),
        (status = 401, description = "Not signed in (the round is not published), an invalid or \
            revoked token, or an expired session",
            body = types::ErrorBody, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The round belongs to another KKR and is not published",
            body = types::ErrorBody),
        (status = 404, description = "No such round", body = types::ErrorBody),
        (status = 429, description = "Too many requests with a token from this address",
            body = types::ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "The database is not reachable", body = types::ErrorBody),
    )
)]
async fn responses(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<web::Json<types::Responses>, ApiError> {
    let VisibleRound { user, view, .. } = VisibleRound::of(&req, &state, path.into_inner()).await?;
    let round = &view.data.content.round;
    let mut body = types::Responses::from(&view.summary);
    // Which municipality submitted and when is public; who submitted is not.
    for (entry, m) in body
        .municipalities
        .iter_mut()
        .zip(&view.summary.municipalities)
    {
        if !visible_to(user.as_ref(), round, &m.code) {
            entry.submitted_by = None;
        }
    }
    Ok(web::Json(body))
}

/// A municipality's form with its answers.
///
/// A draft only for those who may see drafts: the municipality's own users and the KKR's
/// admins.
#[utoipa::path(
    get,
    path = "/api/v1/rounds/{id}/municipalities/{code}/submission",
    operation_id = "municipalitySubmission",
    params(
        ("id" = i32, Path, description = "The round's id"),
        ("code" = String, Path, pattern = "^[0-9]{3}$",
            description = "The municipality's three-digit code (kommunekode), e.g. 147"),
    ),
    // Per-municipality answers are never public.
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "The submission with its answers", body = types::Submission),
        (status = 401, description = "Not signed in, an invalid or revoked token, or an expired \
            session", body = types::ErrorBody, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The caller may not read this municipality's answers",
            body = types::ErrorBody),
        (status = 404, description = "No such round, no such municipality in the round, or no \
            submission the caller may see", body = types::ErrorBody),
        (status = 429, description = "Too many requests with a token from this address",
            body = types::ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "The database is not reachable", body = types::ErrorBody),
    )
)]
async fn submission(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i32, String)>,
) -> Result<web::Json<types::Submission>, ApiError> {
    let user = caller(&req, &state).await?;
    let (round_id, raw_code) = path.into_inner();
    // Exactly the documented form: the parser would also forgive surrounding spaces.
    let code = MunicipalityCode::parse(&raw_code)
        .ok()
        .filter(|c| c.as_str() == raw_code)
        .ok_or(AppError::NotFound)?;
    let view = round_view(&state, round_id).await?;
    let round = &view.data.content.round;
    if view.data.content.municipality(&code).is_none() {
        return Err(ApiError(AppError::NotFound));
    }
    let Some(user) = user else {
        return Err(forbidden_or_sign_in(None));
    };
    if !access::can_read_municipality(&user, round, &code) {
        return Err(ApiError(AppError::Forbidden));
    }
    view.data
        .submission_of(&code)
        .filter(|s| s.is_submitted() || access::can_see_drafts(&user, round, &code))
        .map(|s| web::Json(types::Submission::from(s)))
        .ok_or(ApiError(AppError::NotFound))
}

/// A municipality's answers across the years: for each recommendation of the round, where it
/// comes from (continued, moved, merged or new, with last round's numbers), the municipality's
/// submitted answers last round to what it continues, and its status in every round along the
/// lineage.
#[utoipa::path(
    get,
    path = "/api/v1/rounds/{id}/municipalities/{code}/history",
    operation_id = "municipalityHistory",
    params(
        ("id" = i32, Path, description = "The round's id"),
        ("code" = String, Path, pattern = "^[0-9]{3}$",
            description = "The municipality's three-digit code (kommunekode), e.g. 147"),
    ),
    // Per-municipality answers are never public.
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "The municipality's history", body = types::MunicipalityHistory),
        (status = 401, description = "Not signed in, an invalid or revoked token, or an expired \
            session", body = types::ErrorBody, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The caller may not read this municipality's answers",
            body = types::ErrorBody),
        (status = 404, description = "No such round, or no such municipality in the round",
            body = types::ErrorBody),
        (status = 429, description = "Too many requests with a token from this address",
            body = types::ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "The database is not reachable", body = types::ErrorBody),
    )
)]
async fn history(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i32, String)>,
) -> Result<web::Json<types::MunicipalityHistory>, ApiError> {
    let user = caller(&req, &state).await?;
    let (round_id, raw_code) = path.into_inner();
    let code = MunicipalityCode::parse(&raw_code)
        .ok()
        .filter(|c| c.as_str() == raw_code)
        .ok_or(AppError::NotFound)?;
    let view = round_view(&state, round_id).await?;
    if view.data.content.municipality(&code).is_none() {
        return Err(ApiError(AppError::NotFound));
    }
    let Some(user) = user else {
        return Err(forbidden_or_sign_in(None));
    };
    if !access::can_read_municipality(&user, &view.data.content.round, &code) {
        return Err(ApiError(AppError::Forbidden));
    }
    Ok(web::Json(types::MunicipalityHistory::of(&view, &code)))
}
