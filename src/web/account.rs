//! The signed-in user's own page: who they are, and their API tokens for scripts.
//!
//! Routes (any signed-in user, for themselves only):
//! - `GET /account`
//! - `POST /account/tokens` (create; the token is shown once)
//! - `POST /account/tokens/{id}/revoke`

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};

use super::auth::SignedIn;
use super::error::AppError;
use super::pages::{base_context, verify_csrf};
use super::{db, AppState};
use crate::domain::time::danish_datetime;
use crate::domain::User;
use crate::store::tokens;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/account", web::get().to(show))
        .route("/account/tokens", web::post().to(create))
        .route("/account/tokens/{id}/revoke", web::post().to(revoke));
}

#[derive(Debug, Serialize)]
struct TokenView {
    id: i32,
    name: String,
    created: String,
    revoked: Option<String>,
}

const NAME_MAX_CHARS: usize = 100;

async fn render(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    new_token: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let user_id = user.id;
    let list = db(state, move |conn| Ok(tokens::list(conn, user_id)?)).await?;
    let views: Vec<TokenView> = list
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            name: t.name,
            created: danish_datetime(t.created_at),
            revoked: t.revoked_at.map(danish_datetime),
        })
        .collect();
    let mut context = base_context(session, Some(user))?;
    context.insert("tokens", &views);
    context.insert("new_token", &new_token);
    context.insert("error", &error);
    context.insert(
        "municipality",
        &user.municipality_code.as_ref().map(|c| c.to_string()),
    );
    state.pages.respond(status, "account.html", &context)
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    render(&state, &session, &user, None, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    csrf_token: Option<String>,
    name: Option<String>,
}

async fn create(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let name = form.name.as_deref().unwrap_or("").trim().to_owned();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
        let error =
            format!("Giv nøglen et navn på 1 til {NAME_MAX_CHARS} tegn, fx «Månedlig udtræk».");
        return render(
            &state,
            &session,
            &user,
            None,
            Some(error),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let token = format!("tl_{}", Alphanumeric.sample_string(&mut OsRng, 40));
    let (user_id, stored) = (user.id, token.clone());
    db(&state, move |conn| {
        Ok(tokens::create(conn, user_id, &name, &stored)?)
    })
    .await?;
    render(&state, &session, &user, Some(token), None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    csrf_token: Option<String>,
}

async fn revoke(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
    form: web::Form<RevokeForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let (user_id, token_id) = (user.id, path.into_inner());
    let revoked = db(&state, move |conn| {
        Ok(tokens::revoke(conn, user_id, token_id)?)
    })
    .await?;
    if !revoked {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/account"))
        .finish())
}
