//! The front page and the round dashboard, with its chart downloads.
//!
//! Routes and who may use them:
//! - `GET /`: anyone; lists the rounds the visitor may see.
//! - `GET /rounds/{id}`, `GET /rounds/{id}/chart.svg`, `GET /rounds/{id}/chart.png`:
//!   signed-in users of the round's KKR; anyone once the round is published.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::MaybeSignedIn;
use super::error::AppError;
use super::pages::base_context;
use super::{db, AppState};
use crate::charts::DistributionChart;
use crate::domain::status::StatusView;
use crate::domain::summary::{Counts, Summary};
use crate::domain::time::{danish_date, danish_datetime};
use crate::domain::{access, summarise, Role, Round, RoundData, Status, User};
use crate::store::rounds;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/rounds/{id}", web::get().to(dashboard))
        .route("/rounds/{id}/chart.svg", web::get().to(chart_svg))
        .route("/rounds/{id}/chart.png", web::get().to(chart_png));
}

#[derive(Debug, Serialize)]
struct RoundLink {
    id: i32,
    title: String,
    year: i32,
    kkr: String,
    state: &'static str,
    deadline: String,
    /// For municipal users: their own form and attachment.
    own_code: Option<String>,
    can_edit: bool,
}

async fn home(
    state: web::Data<AppState>,
    session: Session,
    MaybeSignedIn(user): MaybeSignedIn,
) -> Result<HttpResponse, AppError> {
    let all = db(&state, |conn| Ok(rounds::list_rounds(conn)?)).await?;
    let links: Vec<RoundLink> = all
        .into_iter()
        .filter(|r| access::can_view_round(user.as_ref(), r))
        .map(|r| {
            let own_code = user
                .as_ref()
                .and_then(|u| u.municipality_code.as_ref())
                .map(|c| c.to_string());
            let can_edit = user.as_ref().is_some_and(|u| u.role == Role::Editor);
            RoundLink {
                id: r.id,
                title: r.title.clone(),
                year: r.year,
                kkr: r.kkr_name.clone(),
                state: r.state.label_da(),
                deadline: danish_datetime(r.deadline),
                own_code,
                can_edit,
            }
        })
        .collect();
    let mut context = base_context(&session, user.as_ref())?;
    context.insert("rounds", &links);
    state.pages.ok("home.html", &context)
}

/// Loads a round's data and checks that the visitor may see it.
async fn visible_round(
    state: &web::Data<AppState>,
    user: Option<&User>,
    round_id: i32,
) -> Result<RoundData, AppError> {
    let data = db(state, move |conn| {
        Ok(rounds::load_round_data(conn, round_id)?)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    if access::can_view_round(user, &data.content.round) {
        Ok(data)
    } else if user.is_none() {
        Err(AppError::SignInRequired {
            next: format!("/rounds/{round_id}"),
            expired: false,
        })
    } else {
        Err(AppError::Forbidden)
    }
}

pub fn chart_title(round: &Round) -> String {
    format!(
        "Fordeling af svar pr. anbefaling, {} {}",
        round.kkr_name, round.year
    )
}

#[derive(Debug, Serialize)]
struct ListView {
    heading: &'static str,
    status: StatusView,
    items: Vec<ItemView>,
}

#[derive(Debug, Serialize)]
struct ItemView {
    code: String,
    text: String,
}

#[derive(Debug, Serialize)]
struct RecView {
    code: String,
    text: String,
    binding: &'static str,
    counts: Counts,
    classification: Option<StatusView>,
}

#[derive(Debug, Serialize)]
struct AreaView {
    number: i32,
    title: String,
    recs: Vec<RecView>,
}

#[derive(Debug, Serialize)]
struct ResponseView {
    code: String,
    name: String,
    response: &'static str,
    submitted: bool,
}

fn lists(summary: &Summary) -> Vec<ListView> {
    Status::ALL
        .iter()
        .map(|s| ListView {
            heading: s.list_heading_da(),
            status: (*s).into(),
            items: summary
                .classified(*s)
                .into_iter()
                .map(|r| ItemView {
                    code: r.code.clone(),
                    text: r.text.clone(),
                })
                .collect(),
        })
        .collect()
}

fn areas(summary: &Summary) -> Vec<AreaView> {
    summary
        .focus_areas
        .iter()
        .map(|a| AreaView {
            number: a.number,
            title: a.title.clone(),
            recs: a
                .recommendations
                .iter()
                .map(|r| RecView {
                    code: r.code.clone(),
                    text: r.text.clone(),
                    binding: if r.binding {
                        "Forpligtende"
                    } else {
                        "Frivillig"
                    },
                    counts: r.counts,
                    classification: r.classification.map(StatusView::from),
                })
                .collect(),
        })
        .collect()
}

async fn dashboard(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    MaybeSignedIn(user): MaybeSignedIn,
) -> Result<HttpResponse, AppError> {
    let data = visible_round(&state, user.as_ref(), path.into_inner()).await?;
    let summary = summarise(&data);
    let round = &data.content.round;
    let chart = DistributionChart::from_summary(&summary, &chart_title(round));
    let svg = chart.svg("fordeling")?;

    let mut context = base_context(&session, user.as_ref())?;
    context.insert("round", round);
    context.insert("state_label", round.state.label_da());
    context.insert("deadline", &danish_datetime(round.deadline));
    context.insert("today", &danish_date(crate::store::now()));
    context.insert("summary", &summary);
    context.insert("lists", &lists(&summary));
    context.insert("areas", &areas(&summary));
    context.insert("chart_svg", &svg);
    context.insert(
        "responses",
        &summary
            .municipalities
            .iter()
            .map(|m| ResponseView {
                code: m.code.to_string(),
                name: m.name.clone(),
                response: m.response.label_da(),
                submitted: m.response == crate::domain::summary::Response::Submitted,
            })
            .collect::<Vec<_>>(),
    );
    context.insert(
        "own_code",
        &user
            .as_ref()
            .and_then(|u| u.municipality_code.as_ref())
            .map(|c| c.to_string()),
    );
    state.pages.ok("dashboard.html", &context)
}

async fn chart_svg(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    MaybeSignedIn(user): MaybeSignedIn,
) -> Result<HttpResponse, AppError> {
    let data = visible_round(&state, user.as_ref(), path.into_inner()).await?;
    let summary = summarise(&data);
    let chart = DistributionChart::from_summary(&summary, &chart_title(&data.content.round));
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"fordeling-{}.svg\"",
                data.content.round.year
            ),
        ))
        .body(chart.svg("fordeling")?))
}

async fn chart_png(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    MaybeSignedIn(user): MaybeSignedIn,
) -> Result<HttpResponse, AppError> {
    let data = visible_round(&state, user.as_ref(), path.into_inner()).await?;
    let summary = summarise(&data);
    let chart = DistributionChart::from_summary(&summary, &chart_title(&data.content.round));
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"fordeling-{}.png\"",
                data.content.round.year
            ),
        ))
        .body(chart.png()?))
}
