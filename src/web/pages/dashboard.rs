//! The front page and the round dashboard, with its chart downloads.
//!
//! Routes and who may use them:
//! - `GET /`: anyone; lists the rounds the visitor may see.
//! - `GET /rounds/{id}`, `GET /rounds/{id}/chart.svg`, `GET /rounds/{id}/chart.png`:
//!   signed-in users of the round's KKR; anyone once the round is published. `?gruppe=ID`
//!   narrows each to a group of the KKR's municipalities. The KKR's admins also see the
//!   municipalities that have not submitted, their editors, and the reminders sent.

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::charts::DistributionChart;
use crate::domain::analysis::RoundAnalysis;
use crate::domain::status::StatusView;
use crate::domain::summary::{Counts, Summary};
use crate::domain::time::{danish_date, danish_datetime};
use crate::domain::{access, Role, Round, User};
use crate::store::rounds;
use crate::web::error::AppError;
use crate::web::infra::cache::PageKey;
use crate::web::infra::templates::base_context;
use crate::web::pages::{groups, reminders};
use crate::web::session::{read_version, MaybeSignedIn};
use crate::web::{db, round_view_at, AppState};
use std::sync::Arc;

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
    let own = user
        .as_ref()
        .and_then(|u| u.municipality_code.as_ref())
        .map(|c| c.to_string());
    let lookup = own.clone();
    let (all, taking_part) = db(&state, move |conn| {
        let taking_part = match &lookup {
            Some(code) => rounds::rounds_taking_part(conn, code)?,
            None => Vec::new(),
        };
        Ok((rounds::list_rounds(conn)?, taking_part))
    })
    .await?;
    let links: Vec<RoundLink> = all
        .into_iter()
        .filter(|r| access::can_view_round(user.as_ref(), r))
        .map(|r| {
            // A municipality a round leaves out has no form or attachment in it.
            let own_code = own.clone().filter(|_| taking_part.contains(&r.id));
            let can_edit =
                own_code.is_some() && user.as_ref().is_some_and(|u| u.role == Role::Editor);
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

/// Loads a round's view and checks that the visitor may see its region-wide results.
pub async fn visible_round(
    state: &web::Data<AppState>,
    user: Option<&User>,
    round_id: i32,
) -> Result<Arc<RoundAnalysis>, AppError> {
    Ok(visible_round_at(state, user, round_id).await?.1)
}

/// [`visible_round`] with the data version the analysis belongs to.
pub async fn visible_round_at(
    state: &web::Data<AppState>,
    user: Option<&User>,
    round_id: i32,
) -> Result<(i64, Arc<RoundAnalysis>), AppError> {
    let (version, view) = round_view_at(state, round_id).await?;
    if access::can_view_round(user, &view.data.content.round) {
        Ok((version, view))
    } else if user.is_none() {
        Err(AppError::SignInRequired {
            next: format!("/rounds/{round_id}"),
            expired: false,
        })
    } else {
        Err(AppError::Forbidden)
    }
}

pub use crate::report::attachment::chart_title;

pub fn trend_title(round: &Round) -> String {
    format!("Anbefalingernes status år for år, {}", round.kkr_name)
}

#[derive(Debug, Serialize)]
struct Headline<'a> {
    sentence: &'a str,
    classification_counts: crate::domain::summary::ClassificationCounts,
    submitted_count: u32,
    municipality_count: u32,
    submitted_share: f64,
    binding: &'a str,
    voluntary: &'a str,
}

#[derive(Debug, Serialize)]
struct ItemView {
    code: String,
    text: String,
}

#[derive(Debug, Serialize)]
struct RecView {
    id: i32,
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
    when: Option<String>,
    by: Option<String>,
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
                    id: r.recommendation_id,
                    code: r.code.clone(),
                    text: r.text.clone(),
                    binding: crate::views::binding_label(r.binding),
                    counts: r.counts,
                    classification: r.classification.map(StatusView::from),
                })
                .collect(),
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct DashboardQuery {
    /// A group of the KKR's municipalities to narrow the round to.
    gruppe: Option<String>,
}

/// The group a page shows, for its heading and links.
#[derive(Debug, Serialize)]
struct SelectedGroup {
    id: i32,
    name: String,
    size: usize,
}

async fn dashboard(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    path: web::Path<i32>,
    query: web::Query<DashboardQuery>,
    MaybeSignedIn(user): MaybeSignedIn,
) -> Result<HttpResponse, AppError> {
    let round_id = path.into_inner();
    let today = danish_date(state.clock.now());
    if user.is_some() {
        if let Ok(group_id) = groups::parse_group_param(query.gruppe.as_deref()) {
            let key = PageKey::new(
                "dashboard",
                round_id,
                format!("{group_id:?}"),
                user.as_ref(),
                today.clone(),
            );
            if let Some(page) = state.cache.page_early(&key, read_version(&req)) {
                return page.respond(&session, user.as_ref());
            }
        }
    }
    let (version, full) = visible_round_at(&state, user.as_ref(), round_id).await?;
    if user.is_none() {
        // Visitors without sign-in see a published round on its public page, which names
        // municipalities but never people.
        return Ok(HttpResponse::SeeOther()
            .insert_header((
                actix_web::http::header::LOCATION,
                format!("/public/rounds/{round_id}"),
            ))
            .finish());
    }
    let group_id = groups::parse_group_param(query.gruppe.as_deref())?;
    let key = PageKey::new(
        "dashboard",
        round_id,
        format!("{group_id:?}"),
        user.as_ref(),
        today.clone(),
    );
    if let Some(page) = state.cache.page(&key, version) {
        return page.respond(&session, user.as_ref());
    }
    let (view, group) = groups::narrowed(&state, full, group_id).await?;
    let summary = &view.summary;
    let round = &view.data.content.round;
    let svg = chart_svg_of(&state, &view, version, group_id, "fordeling")?;
    let trend_svg = chart_svg_of(&state, &view, version, group_id, "udvikling")?;

    let mut context = state.cache.page_context(user.as_ref());
    context.insert("round", round);
    context.insert("state_label", round.state.label_da());
    context.insert("deadline", &danish_datetime(round.deadline));
    context.insert("today", &today);
    // Only what the page shows: the whole summary holds every municipality's standing.
    context.insert(
        "summary",
        &Headline {
            sentence: &summary.sentence,
            classification_counts: summary.classification_counts,
            submitted_count: summary.submitted_count,
            municipality_count: summary.municipality_count,
            submitted_share: summary.submitted_share,
            binding: &summary.binding.sentence,
            voluntary: &summary.voluntary.sentence,
        },
    );
    context.insert("lists", &summary.council_lists());
    context.insert("areas", &areas(summary));
    context.insert("chart_svg", &*svg);
    context.insert("trend_svg", &*trend_svg);
    context.insert("trend_rounds", &view.trend.rounds);
    context.insert("like_for_like", &view.trend.like_for_like);
    context.insert("comparison", &view.trend.comparison);
    context.insert(
        "retired",
        &view
            .trend
            .retired
            .iter()
            .map(|r| ItemView {
                code: r.code.clone(),
                text: format!("{} ({})", r.text, r.sentence),
            })
            .collect::<Vec<_>>(),
    );
    context.insert("retired_year", &view.trend.retired.first().map(|r| r.year));
    context.insert(
        "can_read_answers",
        &user
            .as_ref()
            .is_some_and(|u| access::can_read_all_answers(u, round)),
    );
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
                when: m.submitted_at.map(danish_datetime),
                by: m
                    .submitted_by
                    .clone()
                    .filter(|_| access::can_see_submitter(user.as_ref(), round, &m.code)),
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
    context.insert("groups", &groups::options(&state, round.kkr_id).await?);
    context.insert(
        "group",
        &group.map(|g| SelectedGroup {
            id: g.id,
            size: g.members.len(),
            name: g.name,
        }),
    );
    let remind = user
        .as_ref()
        .is_some_and(|u| reminders::can_remind(u, round));
    context.insert("can_remind", &remind);
    if remind {
        let outstanding = reminders::outstanding(&state, &view).await?;
        context.insert("emails", &reminders::emails_to_copy(&outstanding));
        context.insert("outstanding", &outstanding);
        context.insert("tracker_level", &3);
        context.insert("sendings", &reminders::sendings(&state, &view).await?);
        context.insert(
            "round_open",
            &(round.state == crate::domain::RoundState::Open),
        );
    }
    let html = state.pages.render("dashboard.html", &context)?;
    state
        .cache
        .store_page(key, version, &html)
        .respond(&session, user.as_ref())
}

/// A chart's SVG from the cache: drawn once per round, data version and group.
fn chart_svg_of(
    state: &AppState,
    view: &RoundAnalysis,
    version: i64,
    group_id: Option<i32>,
    which: &str,
) -> Result<Arc<str>, AppError> {
    let round_id = view.data.content.round.id;
    state.cache.derived(
        round_id,
        version,
        format!("svg:{which}:{group_id:?}"),
        || {
            let (chart, name) = chart_of(view, Some(which))?;
            Ok(chart.svg(name)?)
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct ChartQuery {
    /// "fordeling" (default) or "udvikling".
    diagram: Option<String>,
    /// A group of the KKR's municipalities to narrow the chart to.
    gruppe: Option<String>,
}

fn chart_of(
    view: &RoundAnalysis,
    which: Option<&str>,
) -> Result<(DistributionChart, &'static str), AppError> {
    let round = &view.data.content.round;
    match which.unwrap_or("fordeling") {
        "fordeling" => Ok((
            DistributionChart::from_summary(&view.summary, &chart_title(round)),
            "fordeling",
        )),
        "udvikling" => Ok((
            DistributionChart::from_trend(&view.trend, &trend_title(round)),
            "udvikling",
        )),
        _ => Err(AppError::BadRequest(
            "Ukendt diagram: vælg «fordeling» eller «udvikling».".into(),
        )),
    }
}

fn download(content_type: &str, filename: String, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}

async fn chart_svg(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    query: web::Query<ChartQuery>,
    MaybeSignedIn(user): MaybeSignedIn,
) -> Result<HttpResponse, AppError> {
    let (version, full) = visible_round_at(&state, user.as_ref(), path.into_inner()).await?;
    let group_id = groups::parse_group_param(query.gruppe.as_deref())?;
    let (view, _) = groups::narrowed(&state, full, group_id).await?;
    let (_, name) = chart_of(&view, query.diagram.as_deref())?;
    let svg = chart_svg_of(&state, &view, version, group_id, name)?;
    let filename = format!("{name}-{}.svg", view.data.content.round.year);
    Ok(download("image/svg+xml", filename, svg.as_bytes().to_vec()))
}

async fn chart_png(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    query: web::Query<ChartQuery>,
    MaybeSignedIn(user): MaybeSignedIn,
) -> Result<HttpResponse, AppError> {
    let full = visible_round(&state, user.as_ref(), path.into_inner()).await?;
    let group_id = groups::parse_group_param(query.gruppe.as_deref())?;
    let (view, _) = groups::narrowed(&state, full, group_id).await?;
    let (chart, name) = chart_of(&view, query.diagram.as_deref())?;
    let filename = format!("{name}-{}.png", view.data.content.round.year);
    Ok(download("image/png", filename, chart.png()?))
}
