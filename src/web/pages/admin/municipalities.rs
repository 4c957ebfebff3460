//! The names of the KKR's municipal councils, as the council documents use them.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{admin_kkr, problem_status, redirect, Problem};
use crate::domain::rounds::required_text;
use crate::domain::{MunicipalityCode, User};
use crate::store::reference;
use crate::web::error::AppError;
use crate::web::infra::templates::base_context;
use crate::web::session::verify_csrf;
use crate::web::session::SignedIn;
use crate::web::{db, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/municipalities", web::get().to(show))
        .route(
            "/admin/municipalities/{code}/council",
            web::post().to(set_council),
        );
}

/// The most characters a council's name takes.
const COUNCIL_MAX_CHARS: usize = 100;

#[derive(Debug, Serialize)]
struct Row {
    code: String,
    name: String,
    council_name: String,
}

async fn render(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    kept: Option<(String, String)>,
    problems: Vec<Problem>,
    saved: bool,
) -> Result<HttpResponse, AppError> {
    let kkr_id = admin_kkr(user)?;
    let (kkr, list) = db(state, move |conn| {
        Ok((
            reference::kkr_name(conn, kkr_id)?.unwrap_or_default(),
            reference::municipalities_of_kkr(conn, kkr_id)?,
        ))
    })
    .await?;
    let rows: Vec<Row> = list
        .into_iter()
        .map(|m| Row {
            council_name: match &kept {
                Some((code, typed)) if code == m.code.as_str() => typed.clone(),
                _ => m.council_name.clone(),
            },
            code: m.code.to_string(),
            name: m.name,
        })
        .collect();
    let mut context = base_context(session, Some(user))?;
    context.insert("kkr", &kkr);
    context.insert("rows", &rows);
    context.insert("problems", &problems);
    context.insert("saved", &saved);
    state.pages.respond(
        problem_status(&problems),
        "admin_municipalities.html",
        &context,
    )
}

#[derive(Debug, Deserialize)]
pub struct SavedQuery {
    ok: Option<String>,
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<SavedQuery>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    render(
        &state,
        &session,
        &user,
        None,
        Vec::new(),
        query.ok.is_some(),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct CouncilForm {
    csrf_token: Option<String>,
    council_name: String,
}

async fn set_council(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    SignedIn(user): SignedIn,
    form: web::Form<CouncilForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let kkr_id = admin_kkr(&user)?;
    let code = MunicipalityCode::parse(&path.into_inner()).map_err(|_| AppError::NotFound)?;
    let lookup = code.clone();
    let municipality = db(&state, move |conn| {
        Ok(reference::get_municipality(conn, &lookup)?)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    if municipality.kkr_id != kkr_id {
        return Err(AppError::Forbidden);
    }
    let typed = form.into_inner().council_name;
    let council = match required_text(&typed, "rådets navn, fx Byrådet", COUNCIL_MAX_CHARS) {
        Ok(council) => council,
        Err(e) => {
            let problems = vec![Problem::field(&format!("council-{code}"), e.0)];
            return render(
                &state,
                &session,
                &user,
                Some((code.to_string(), typed)),
                problems,
                false,
            )
            .await;
        }
    };
    let actor = Some(user.id);
    db(&state, move |conn| {
        Ok(reference::set_council_name(
            conn, &code, &council, actor, now,
        )?)
    })
    .await?;
    Ok(redirect("/admin/municipalities?ok=gemt".to_owned()))
}
