//! The round seen answer by answer: the heatmap, one recommendation, one municipality, and
//! all KKRs of a year side by side.
//!
//! Routes and who may use them:
//! - `GET /rounds/{id}/heatmap`, `GET /rounds/{id}/recommendations/{rec}`: the KKR's admins
//!   and members (every municipality's submitted answers). The heatmap takes `?gruppe=ID`
//!   to show a group of the KKR's municipalities only.
//! - `GET /rounds/{id}/municipalities/{code}`: the KKR's admins and members, and the
//!   municipality's own editors and readers (who also see its draft).
//! - `GET /years/{year}`: anyone; each KKR's round is shown where the visitor may see it.

use std::sync::Arc;

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::analysis::RoundAnalysis;
use crate::domain::{access, MunicipalityCode, Scope};
use crate::store::rounds;
use crate::views::details::{
    HeatmapPage, KkrColumn, MunicipalityPage, MunicipalityRights, NationalPage, RecommendationPage,
    SnapshotView,
};
use crate::views::overview::GroupRef;
use crate::web::error::AppError;
use crate::web::extract::{OpenPage, Page};
use crate::web::infra::cache::PageKey;
use crate::web::pages::dashboard::{group_options, render_cached, visible_round};
use crate::web::pages::forms::parse_target;
use crate::web::pages::{groups, snapshot_changes};
use crate::web::session::{read_version, SignedIn};
use crate::web::{db, round_view, round_view_at, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/rounds/{id}/heatmap", web::get().to(heatmap))
        .route(
            "/rounds/{id}/recommendations/{rec}",
            web::get().to(recommendation),
        )
        .route(
            "/rounds/{id}/municipalities/{code}",
            web::get().to(municipality),
        )
        .route("/years/{year}", web::get().to(national));
}

#[derive(Debug, Deserialize)]
pub struct SortQuery {
    sort: Option<String>,
    /// A group of the KKR's municipalities to narrow the heatmap to.
    gruppe: Option<String>,
}

async fn heatmap(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    query: web::Query<SortQuery>,
    req: HttpRequest,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let round_id = path.into_inner();
    let by_green = query.sort.as_deref() == Some("groen");
    let key = |group_id: Option<i32>| {
        let variant = format!("{group_id:?}:{by_green}");
        PageKey::new("heatmap", round_id, variant, Some(&user), String::new())
    };
    let group = groups::parse_group_param(query.gruppe.as_deref());
    if let Ok(group_id) = group {
        if let Some(page) = state.cache.page_early(&key(group_id), read_version(&req)) {
            return page.respond(&session, Some(&user));
        }
    }
    let (version, full) = round_view_at(&state, round_id).await?;
    if !access::can_read_all_answers(&user, &full.data.content.round) {
        return Err(AppError::Forbidden);
    }
    let group_id = group?;
    if let Some(page) = state.cache.page(&key(group_id), version) {
        return page.respond(&session, Some(&user));
    }
    let (view, group) = groups::narrowed(&state, full, group_id).await?;
    let options = group_options(&state, view.data.content.round.kkr_id).await?;
    let model = HeatmapPage::new(&view, by_green, options, group.map(GroupRef::from));
    let html = render_cached(&state, Some(&user), "heatmap.html", &model)?;
    state
        .cache
        .store_page(key(group_id), version, &html)
        .respond(&session, Some(&user))
}

async fn recommendation(page: Page, path: web::Path<(i32, i32)>) -> Result<HttpResponse, AppError> {
    let (round_id, rec_id) = path.into_inner();
    let full = round_view(&page.state, round_id).await?;
    if !access::can_read_all_answers(page.user(), &full.data.content.round) {
        return Err(AppError::Forbidden);
    }
    // A job cluster's recommendation is shown among the cluster's members, who were asked it.
    let content = &full.data.content;
    let cluster = content
        .recommendations
        .iter()
        .find(|r| r.id == rec_id)
        .and_then(|r| content.focus_area(r.focus_area_id))
        .and_then(|a| a.group_id);
    let view = match cluster {
        Some(group) => groups::scoped(&full, Scope::Members(group)),
        None => full,
    };
    let model = RecommendationPage::new(&view, rec_id).ok_or(AppError::NotFound)?;
    page.render("recommendation.html", &model)
}

#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    gemt: Option<String>,
}

async fn municipality(
    page: Page,
    path: web::Path<(i32, String)>,
    query: web::Query<NoticeQuery>,
) -> Result<HttpResponse, AppError> {
    let (round_id, code) = path.into_inner();
    let (round_id, code) = parse_target(round_id, &code)?;
    let (user, state) = (page.user(), &page.state);
    let view = round_view(state, round_id).await?;
    let round = &view.data.content.round;
    if view.data.content.municipality(&code).is_none() {
        return Err(AppError::NotFound);
    }
    if !access::can_read_municipality(user, round, &code) {
        return Err(AppError::Forbidden);
    }
    let rights = MunicipalityRights {
        can_snapshot: access::can_see_drafts(user, round, &code),
        can_edit: access::can_edit_form(user, round, &code),
    };
    // Its draft, for those who may see drafts; otherwise only what it submitted.
    let submission = view
        .data
        .submission_of(&code)
        .filter(|s| s.is_submitted() || rights.can_snapshot);
    let snapshots = snapshots_of(state, &view, &code).await?;
    let saved = query.gemt.as_deref() == Some("bilag");
    // What the municipality was asked: the common focus areas beside the region, its clusters'
    // beside the cluster.
    let asked = if view.has_clusters() {
        Arc::new(view.for_municipality(&code))
    } else {
        Arc::clone(&view)
    };
    let model = MunicipalityPage::new(&asked, &code, submission, snapshots, rights, saved)
        .ok_or(AppError::NotFound)?;
    page.render("municipality.html", &model)
}

/// The municipality's saved snapshots, each against today: "Ændret siden" or "Uændret".
async fn snapshots_of(
    state: &web::Data<AppState>,
    view: &RoundAnalysis,
    code: &MunicipalityCode,
) -> Result<Vec<SnapshotView>, AppError> {
    let (round_id, target) = (view.data.content.round.id, code.clone());
    let list = db(state, move |conn| {
        Ok(crate::store::snapshots::list(conn, round_id, &target)?)
    })
    .await?;
    let states = if list.is_empty() {
        Default::default()
    } else {
        snapshot_changes::list_states(state, view, code).await?
    };
    Ok(SnapshotView::list(list, &states))
}

async fn national(page: OpenPage, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let year = path.into_inner();
    let (kkrs, all) = db(&page.state, |conn| {
        Ok((
            crate::store::reference::list_kkrs(conn)?,
            rounds::list_rounds(conn)?,
        ))
    })
    .await?;
    let user = page.user.as_ref();
    let mut columns = Vec::new();
    for kkr in &kkrs {
        let round = all.iter().find(|r| r.kkr_id == kkr.id && r.year == year);
        let column = match round.filter(|r| access::can_view_round(user, r)) {
            Some(round) => {
                let view = visible_round(&page.state, user, round.id).await?;
                KkrColumn::new(kkr, Some(round), Some(&view.summary))
            }
            None => KkrColumn::new(kkr, round, None),
        };
        columns.push(column);
    }
    page.render("national.html", &NationalPage::new(year, &all, columns))
}
