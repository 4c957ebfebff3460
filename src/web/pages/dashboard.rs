//! The round dashboard, with its chart downloads (the front page is [`super::home`]).
//!
//! Routes and who may use them:
//! - `GET /rounds/{id}`, `GET /rounds/{id}/chart.svg`, `GET /rounds/{id}/chart.png`:
//!   signed-in users of the round's KKR; anyone once the round is published. `?gruppe=ID`
//!   narrows each to a group of the KKR's municipalities. The KKR's admins also see the
//!   municipalities that have not submitted, their editors, and the reminders sent.

use actix_session::Session;
use actix_web::http::header::LOCATION;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use tera::Context;

use crate::charts::DistributionChart;
use crate::domain::analysis::RoundAnalysis;
use crate::domain::time::danish_date;
use crate::domain::{access, Round, RoundState, User};
use crate::views::overview::{DashboardPage, DashboardParts, GroupRef, ReminderPanel};
use crate::web::error::AppError;
use crate::web::infra::cache::PageKey;
use crate::web::pages::{groups, reminders};
use crate::web::session::{read_shown, MaybeSignedIn};
use crate::web::{round_view_at, AppState};
use std::sync::Arc;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/rounds/{id}", web::get().to(dashboard))
        .route("/rounds/{id}/chart.svg", web::get().to(chart_svg))
        .route("/rounds/{id}/chart.png", web::get().to(chart_png));
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

#[derive(Debug, Deserialize)]
pub struct DashboardQuery {
    /// A group of the KKR's municipalities to narrow the round to.
    gruppe: Option<String>,
}

/// The dashboard's place in the page cache: per round, group, viewer class and day.
fn dashboard_key(round_id: i32, group_id: Option<i32>, user: &User, today: &str) -> PageKey {
    PageKey::new(
        "dashboard",
        round_id,
        format!("{group_id:?}"),
        Some(user),
        today.to_owned(),
    )
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
    let group = groups::parse_group_param(query.gruppe.as_deref());
    // Kept under the shown marker, not the data version: the dashboard shows no draft's
    // contents, so saves that keep drafts drafts leave it cached.
    let shown = read_shown(&req);
    if let (Some(user), Ok(group_id)) = (&user, &group) {
        let key = dashboard_key(round_id, *group_id, user, &today);
        if let Some(page) = state.cache.page_early(&key, shown) {
            return page.respond(&session, Some(user));
        }
    }
    let (version, full) = visible_round_at(&state, user.as_ref(), round_id).await?;
    let Some(user) = user else {
        return Ok(to_public_page(round_id));
    };
    let group_id = group?;
    let key = dashboard_key(round_id, group_id, &user, &today);
    // One render per shown marker: the others that missed meanwhile are sent the first one's.
    let turn = state.cache.page_turn(round_id);
    let _turn = turn.lock().await;
    if let Some(page) = shown.and_then(|shown| state.cache.page(&key, shown)) {
        return page.respond(&session, Some(&user));
    }
    let html = render_dashboard(&state, &user, full, version, group_id, today).await?;
    state
        .cache
        .store_page_if(key, shown, &html)
        .respond(&session, Some(&user))
}

/// Visitors without sign-in see a published round on its public page, which names
/// municipalities but never people.
fn to_public_page(round_id: i32) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/public/rounds/{round_id}")))
        .finish()
}

/// The response tracker with its reminder buttons, for those who may remind.
async fn reminder_panel(
    state: &web::Data<AppState>,
    user: &User,
    view: &RoundAnalysis,
) -> Result<Option<ReminderPanel<reminders::Outstanding, reminders::SendingView>>, AppError> {
    let round = &view.data.content.round;
    if !reminders::can_remind(user, round) {
        return Ok(None);
    }
    let outstanding = reminders::outstanding(state, view).await?;
    Ok(Some(ReminderPanel {
        emails: reminders::emails_to_copy(&outstanding),
        outstanding,
        tracker_level: 3,
        sendings: reminders::sendings(state, view).await?,
        round_open: round.state == RoundState::Open,
    }))
}

/// The dashboard's HTML for the page cache (the user's name and the CSRF token as markers).
async fn render_dashboard(
    state: &web::Data<AppState>,
    user: &User,
    full: Arc<RoundAnalysis>,
    version: i64,
    group_id: Option<i32>,
    today: String,
) -> Result<String, AppError> {
    let clusters = if group_id.is_none() {
        full.cluster_parts()
    } else {
        Vec::new()
    };
    let (view, group) = groups::narrowed(state, full, group_id).await?;
    let round = &view.data.content.round;
    let chart_svg = chart_svg_of(state, &view, version, group_id, Diagram::Distribution)?;
    let trend_svg = chart_svg_of(state, &view, version, group_id, Diagram::Trend)?;
    let reminders = reminder_panel(state, user, &view).await?;
    let parts = DashboardParts {
        chart_svg: &chart_svg,
        trend_svg: &trend_svg,
        today,
        groups: group_options(state, round.kkr_id).await?,
        group: group.map(GroupRef::from),
        reminders,
        clusters: &clusters,
    };
    render_cached(
        state,
        Some(user),
        "dashboard.html",
        &DashboardPage::new(&view, Some(user), parts),
    )
}

/// The KKR's groups as the selector on a round's pages offers them.
pub async fn group_options(
    state: &web::Data<AppState>,
    kkr_id: i32,
) -> Result<Vec<GroupRef>, AppError> {
    Ok(groups::options(state, kkr_id)
        .await?
        .into_iter()
        .map(|g| GroupRef {
            id: g.id,
            name: g.name,
            size: g.size,
        })
        .collect())
}

/// Renders a page for the page cache from its model: the shared fields (user, CSRF token)
/// are the cache's markers, filled in per request.
pub fn render_cached<M: Serialize>(
    state: &AppState,
    user: Option<&User>,
    template: &str,
    model: &M,
) -> Result<String, AppError> {
    let mut context = Context::from_serialize(model)?;
    context.extend(state.cache.page_context(user));
    state.pages.render(template, &context)
}

/// Which of the round's charts: the distribution per recommendation, or the trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Diagram {
    Distribution,
    Trend,
}

impl Diagram {
    /// `?diagram=`: "fordeling" (the default) or "udvikling".
    fn parse(raw: Option<&str>) -> Result<Diagram, AppError> {
        match raw.unwrap_or("fordeling") {
            "fordeling" => Ok(Diagram::Distribution),
            "udvikling" => Ok(Diagram::Trend),
            _ => Err(AppError::BadRequest(
                "Ukendt diagram: vælg «fordeling» eller «udvikling».".into(),
            )),
        }
    }

    /// Its name in addresses, file names and the SVG's ids.
    fn name(self) -> &'static str {
        match self {
            Diagram::Distribution => "fordeling",
            Diagram::Trend => "udvikling",
        }
    }

    fn chart(self, view: &RoundAnalysis) -> DistributionChart {
        let round = &view.data.content.round;
        match self {
            Diagram::Distribution => {
                DistributionChart::from_summary(&view.summary, &chart_title(round))
            }
            Diagram::Trend => DistributionChart::from_trend(&view.trend, &trend_title(round)),
        }
    }
}

/// A chart's SVG from the cache: drawn once per round, data version and group.
fn chart_svg_of(
    state: &AppState,
    view: &RoundAnalysis,
    version: i64,
    group_id: Option<i32>,
    diagram: Diagram,
) -> Result<Arc<str>, AppError> {
    let round_id = view.data.content.round.id;
    let name = diagram.name();
    state.cache.derived(
        round_id,
        version,
        format!("svg:{name}:{group_id:?}"),
        || Ok(diagram.chart(view).svg(name)?),
    )
}

#[derive(Debug, Deserialize)]
pub struct ChartQuery {
    /// "fordeling" (default) or "udvikling".
    diagram: Option<String>,
    /// A group of the KKR's municipalities to narrow the chart to.
    gruppe: Option<String>,
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
    let diagram = Diagram::parse(query.diagram.as_deref())?;
    let svg = chart_svg_of(&state, &view, version, group_id, diagram)?;
    let filename = format!("{}-{}.svg", diagram.name(), view.data.content.round.year);
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
    let diagram = Diagram::parse(query.diagram.as_deref())?;
    let filename = format!("{}-{}.png", diagram.name(), view.data.content.round.year);
    Ok(download("image/png", filename, diagram.chart(&view).png()?))
}
