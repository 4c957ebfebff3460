//! The names of the KKR's municipal councils, as the council documents use them.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{problem_status, redirect, Problem};
use crate::csrf_protected;
use crate::domain::rounds::required_text;
use crate::domain::MunicipalityCode;
use crate::store::reference;
use crate::views::admin::{CouncilRow, MunicipalitiesPage};
use crate::web::db;
use crate::web::error::AppError;
use crate::web::extract::{AdminPage, CsrfForm};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/municipalities", web::get().to(show))
        .route(
            "/admin/municipalities/{code}/council",
            web::post().to(set_council),
        );
}

/// The most characters a council's name takes.
const COUNCIL_MAX_CHARS: usize = 100;

/// A council's name as typed, shown again in its row when it was refused.
struct Kept {
    code: MunicipalityCode,
    typed: String,
}

async fn render(
    page: &AdminPage,
    kept: Option<Kept>,
    problems: Vec<Problem>,
    saved: bool,
) -> Result<HttpResponse, AppError> {
    let kkr_id = page.kkr_id();
    let (kkr, list) = db(&page.state, move |conn| {
        Ok((
            reference::kkr_name(conn, kkr_id)?.unwrap_or_default(),
            reference::municipalities_of_kkr(conn, kkr_id)?,
        ))
    })
    .await?;
    let rows = list
        .into_iter()
        .map(|m| CouncilRow {
            council_name: match &kept {
                Some(kept) if kept.code == m.code => kept.typed.clone(),
                _ => m.council_name.clone(),
            },
            code: m.code.to_string(),
            name: m.name,
        })
        .collect();
    let model = MunicipalitiesPage {
        kkr,
        rows,
        saved,
        problems,
    };
    page.render_status(
        problem_status(&model.problems),
        "admin_municipalities.html",
        &model,
    )
}

#[derive(Debug, Deserialize)]
pub struct SavedQuery {
    ok: Option<String>,
}

async fn show(page: AdminPage, query: web::Query<SavedQuery>) -> Result<HttpResponse, AppError> {
    render(&page, None, Vec::new(), query.ok.is_some()).await
}

#[derive(Debug, Deserialize)]
pub struct CouncilForm {
    csrf_token: Option<String>,
    council_name: String,
}

csrf_protected!(CouncilForm);

async fn set_council(
    page: AdminPage,
    path: web::Path<String>,
    form: CsrfForm<CouncilForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let code = MunicipalityCode::parse(&path.into_inner()).map_err(|_| AppError::NotFound)?;
    let typed = form.into_inner().council_name;
    own_municipality(&page, &code).await?;
    let council = match required_text(&typed, "rådets navn, fx Byrådet", COUNCIL_MAX_CHARS) {
        Ok(council) => council,
        Err(e) => {
            let problems = vec![Problem::field(&format!("council-{code}"), e.0)];
            let kept = Some(Kept { code, typed });
            return render(&page, kept, problems, false).await;
        }
    };
    let actor = Some(page.user.id);
    db(&page.state, move |conn| {
        Ok(reference::set_council_name(
            conn, &code, &council, actor, now,
        )?)
    })
    .await?;
    Ok(redirect("/admin/municipalities?ok=gemt".to_owned()))
}

/// Refuses a municipality of another KKR (403) or none (404).
async fn own_municipality(page: &AdminPage, code: &MunicipalityCode) -> Result<(), AppError> {
    let lookup = code.clone();
    let municipality = db(&page.state, move |conn| {
        Ok(reference::get_municipality(conn, &lookup)?)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    page.owns(municipality.kkr_id)
}
