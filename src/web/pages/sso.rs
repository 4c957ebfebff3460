//! Sign-in through the installation's identity providers (see [`crate::sso`]).
//!
//! Routes (anyone):
//! - `GET /login/sso/{provider}`: starts a sign-in and sends the browser to the provider;
//! - `GET /login/sso/{provider}/callback`: where the provider sends the browser back.
//!
//! What the sign-in needs until the browser is back (state, nonce, PKCE verifier) is in the
//! encrypted session cookie, and is taken from it once: an answer that comes back twice, or
//! to another browser, finds nothing to finish.

use std::sync::Arc;

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::domain::sign_in::{SignInRefusal, VouchedIdentity};
use crate::sso::{Pending, Protocol, Provider, PENDING_KEY, SIGNED_IN_WITH_KEY};
use crate::store::{sign_in, site_pages, statement};
use crate::views::account::SsoRefusedPage;
use crate::web::error::AppError;
use crate::web::extract::page_context;
use crate::web::pages::next::LocalPath;
use crate::web::refusals::sign_in_refusal_da;
use crate::web::session::{put, start_session, take};
use crate::web::{blocking, db, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login/sso/{provider}", web::get().to(start))
        .route("/login/sso/{provider}/callback", web::get().to(callback));
}

/// The redirect URI registered with the provider.
pub fn redirect_uri(state: &AppState, provider: &str) -> String {
    format!("{}/login/sso/{provider}/callback", state.public_url)
}

fn provider(state: &AppState, id: &str) -> Result<Arc<Provider>, AppError> {
    state.sso.find(id).ok_or(AppError::NotFound)
}

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

async fn start(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    query: web::Query<StartQuery>,
) -> Result<HttpResponse, AppError> {
    let provider = provider(&state, &path)?;
    let next = LocalPath::or_root(query.next.as_deref()).into_string();
    let (redirect, now) = (redirect_uri(&state, &provider.id), state.clock.timestamp());
    let chosen = provider.clone();
    let begun = blocking(move || {
        Ok(match &chosen.protocol {
            Protocol::Oidc(oidc) => oidc.begin(&chosen.id, &redirect, next, now),
        })
    })
    .await?;
    match begun {
        Ok((url, pending)) => {
            put(&session, PENDING_KEY, &pending)?;
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, url))
                .finish())
        }
        Err(refusal) => refused(&state, &session, &provider, refusal).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The pending sign-in this answer finishes: the one the session holds for this provider,
/// with the same state.
fn matching_pending(
    pending: Option<Pending>,
    provider: &str,
    query: &CallbackQuery,
) -> Result<(Pending, String), SignInRefusal> {
    let pending = pending
        .filter(|p| p.provider == provider)
        .ok_or(SignInRefusal::StateMismatch)?;
    let sent = query.state.as_deref().unwrap_or("");
    if !bool::from(pending.state.as_bytes().ct_eq(sent.as_bytes())) {
        return Err(SignInRefusal::StateMismatch);
    }
    if let Some(error) = &query.error {
        return Err(SignInRefusal::ProviderError {
            error: error.chars().take(60).collect(),
        });
    }
    let code = query.code.clone().ok_or(SignInRefusal::StateMismatch)?;
    Ok((pending, code))
}

/// Who the provider vouches for, after every check of its answer.
async fn identify(
    state: &web::Data<AppState>,
    provider: &Arc<Provider>,
    pending: Option<Pending>,
    query: &CallbackQuery,
) -> Result<Result<(VouchedIdentity, String), SignInRefusal>, AppError> {
    let (pending, code) = match matching_pending(pending, &provider.id, query) {
        Ok(found) => found,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let (redirect, now) = (
        redirect_uri(state, &provider.id),
        state.clock.now().and_utc(),
    );
    let chosen = provider.clone();
    blocking(move || {
        Ok(match &chosen.protocol {
            Protocol::Oidc(oidc) => oidc
                .finish(&pending, &code, &redirect, now)
                .map(|identity| (identity, pending.next)),
        })
    })
    .await
}

async fn callback(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, AppError> {
    let provider = provider(&state, &path)?;
    let pending: Option<Pending> = take(&session, PENDING_KEY);
    let (identity, next) = match identify(&state, &provider, pending, &query).await? {
        Ok(found) => found,
        Err(refusal) => return refused(&state, &session, &provider, refusal).await,
    };
    let (chosen, now) = (provider.clone(), state.clock.now());
    let outcome = db(&state, move |conn| {
        Ok(sign_in::sign_in_vouched(
            conn,
            &identity,
            &chosen.domains,
            chosen.create_readers,
            now,
        )?)
    })
    .await?;
    let (user_id, generation) = match outcome {
        Ok(signed_in) => signed_in,
        Err(refusal) => return refused(&state, &session, &provider, refusal).await,
    };
    start_session(&session, user_id, generation, state.clock.timestamp())?;
    put(&session, SIGNED_IN_WITH_KEY, &provider.id)?;
    tracing::info!(user = user_id, provider = %provider.id, "signed in with an identity provider");
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next))
        .finish())
}

/// The status a refusal is answered with.
fn refusal_status(refusal: &SignInRefusal) -> StatusCode {
    match refusal {
        SignInRefusal::ProviderUnavailable => StatusCode::BAD_GATEWAY,
        SignInRefusal::StateMismatch
        | SignInRefusal::ProviderError { .. }
        | SignInRefusal::Token(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::FORBIDDEN,
    }
}

/// A refused sign-in: recorded in the audit trail, and a Danish page saying why and whom to
/// ask (the installation's contact).
async fn refused(
    state: &web::Data<AppState>,
    session: &Session,
    provider: &Provider,
    refusal: SignInRefusal,
) -> Result<HttpResponse, AppError> {
    tracing::info!(provider = %provider.id, reason = %refusal.reason(), "a sign-in through an identity provider was refused");
    let (id, recorded, now) = (provider.id.clone(), refusal.clone(), state.clock.now());
    let (own, statement) = db(state, move |conn| {
        sign_in::record_refusal(conn, &id, &recorded, now)?;
        Ok((site_pages::contact(conn)?, statement::get(conn)?))
    })
    .await?;
    let contact = crate::web::pages::site_pages::contact_page(
        own.map(|o| o.content),
        statement.map(|s| s.statement),
        state.pages.site_name(),
        false,
    );
    let model = SsoRefusedPage {
        message: sign_in_refusal_da(&refusal, &provider.label),
        reason: refusal.reason(),
        contact,
    };
    let context = page_context(session, None, &model)?;
    state
        .pages
        .respond(refusal_status(&refusal), "sso_refused.html", &context)
}
