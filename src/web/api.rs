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

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use super::auth::session_user;
use super::error::AppError;
use super::{db, round_view, AppState};
use crate::domain::summary::{Response, Summary};
use crate::domain::trend::Trend;
use crate::domain::{access, MunicipalityCode, Round, Submission, User};
use crate::store::{rounds, tokens};

const OPENAPI: &str = include_str!("openapi.json");

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Each path is one resource, so another method on it is a 405 (with `Allow`), not a 404.
    let get = |path: &str| web::resource(path).default_service(web::to(only_get));
    cfg.service(
        web::scope("/api/v1")
            .service(get("/openapi.json").route(web::get().to(openapi)))
            .service(get("/rounds").route(web::get().to(list_rounds)))
            .service(get("/rounds/{id}/summary").route(web::get().to(summary)))
            .service(get("/rounds/{id}/responses").route(web::get().to(responses)))
            .service(
                get("/rounds/{id}/municipalities/{code}/submission")
                    .route(web::get().to(submission)),
            )
            .default_service(web::to(not_found)),
    );
}

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
        self.0.json_response(status, &reason)
    }
}

/// The caller: a bearer token's owner, else the session's user, else anonymous.
async fn caller(req: &HttpRequest, state: &web::Data<AppState>) -> Result<Option<User>, ApiError> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or(""));
    match header {
        Some(value) => {
            state.limits.api_token(req)?;
            let token = value
                .strip_prefix("Bearer ")
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or(AppError::SignInRequired {
                    next: String::new(),
                    expired: false,
                })?
                .to_owned();
            let user = db(state, move |conn| Ok(tokens::user_for(conn, &token)?)).await?;
            user.map(Some).ok_or(ApiError(AppError::SignInRequired {
                next: String::new(),
                expired: false,
            }))
        }
        None => Ok(session_user(req).await?),
    }
}

fn forbidden_or_sign_in(user: Option<&User>) -> ApiError {
    if user.is_some() {
        ApiError(AppError::Forbidden)
    } else {
        ApiError(AppError::SignInRequired {
            next: String::new(),
            expired: false,
        })
    }
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(OPENAPI)
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError(AppError::NotFound))
}

#[derive(Debug, Serialize)]
struct RoundsResponse {
    rounds: Vec<Round>,
}

async fn list_rounds(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let user = caller(&req, &state).await?;
    let all = db(&state, |conn| Ok(rounds::list_rounds(conn)?)).await?;
    let rounds = all
        .into_iter()
        .filter(|r| access::can_view_round(user.as_ref(), r))
        .collect();
    Ok(HttpResponse::Ok().json(RoundsResponse { rounds }))
}

#[derive(Debug, Serialize)]
struct SummaryResponse {
    round: Round,
    summary: Summary,
    trend: Trend,
}

/// Keeps per-municipality answers only where the caller may read them.
fn visible_to(user: Option<&User>, round: &Round, code: &MunicipalityCode) -> bool {
    user.is_some_and(|u| {
        access::can_read_all_answers(u, round) || access::can_read_municipality(u, round, code)
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct SummaryQuery {
    /// A group of the KKR's municipalities to narrow the summary to.
    group: Option<String>,
}

async fn summary(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i32>,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let user = caller(&req, &state).await?;
    let full = round_view(&state, path.into_inner()).await?;
    let round = full.data.content.round.clone();
    if !access::can_view_round(user.as_ref(), &round) {
        return Err(forbidden_or_sign_in(user.as_ref()));
    }
    let group_id = super::groups::parse_group_param(query.group.as_deref())?;
    let (view, _) = super::groups::narrowed(&state, full, group_id).await?;
    let mut summary = view.summary.clone();
    let mut trend = view.trend.clone();
    summary
        .municipalities
        .retain(|m| visible_to(user.as_ref(), &round, &m.code));
    trend
        .municipalities
        .retain(|m| visible_to(user.as_ref(), &round, &m.code));
    Ok(HttpResponse::Ok().json(SummaryResponse {
        round,
        summary,
        trend,
    }))
}

#[derive(Debug, Serialize)]
struct ResponseEntry {
    code: MunicipalityCode,
    name: String,
    response: Response,
    submitted_at: Option<chrono::NaiveDateTime>,
    submitted_by: Option<String>,
}

#[derive(Debug, Serialize)]
struct ResponsesResponse {
    round_id: i32,
    municipality_count: u32,
    submitted_count: u32,
    submitted_share: f64,
    municipalities: Vec<ResponseEntry>,
}

async fn responses(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let user = caller(&req, &state).await?;
    let view = round_view(&state, path.into_inner()).await?;
    if !access::can_view_round(user.as_ref(), &view.data.content.round) {
        return Err(forbidden_or_sign_in(user.as_ref()));
    }
    let s = &view.summary;
    Ok(HttpResponse::Ok().json(ResponsesResponse {
        round_id: s.round_id,
        municipality_count: s.municipality_count,
        submitted_count: s.submitted_count,
        submitted_share: s.submitted_share,
        municipalities: s
            .municipalities
            .iter()
            .map(|m| ResponseEntry {
                code: m.code.clone(),
                name: m.name.clone(),
                response: m.response,
                submitted_at: m.submitted_at,
                submitted_by: m.submitted_by.clone(),
            })
            .collect(),
    }))
}

async fn submission(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i32, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = caller(&req, &state).await?;
    let (round_id, code) = path.into_inner();
    let code = MunicipalityCode::parse(&code).map_err(|_| AppError::NotFound)?;
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
    let found: Option<&Submission> = view
        .data
        .submission_of(&code)
        .filter(|s| s.is_submitted() || access::can_see_drafts(&user, round, &code));
    match found {
        Some(s) => Ok(HttpResponse::Ok().json(s)),
        None => Err(ApiError(AppError::NotFound)),
    }
}
