//! A job cluster's expectations for the coming year's cooperation ("forventninger til det
//! kommende års klyngesamarbejde"), written once per round.
//!
//! Routes (signed in): `GET`/`POST /rounds/{id}/groups/{group}/expectations`. The KKR's admins
//! and the editors they named coordinators of the group may write; others who may see the
//! round are refused (403). A group that owns no focus area in the round is a 404.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::csrf_protected;
use crate::domain::group::{parse_expectations, EXPECTATIONS_MAX_CHARS};
use crate::domain::time::danish_datetime;
use crate::domain::{access, RoundContent, RoundState};
use crate::store::groups;
use crate::views::expectations::ExpectationsPage;
use crate::views::fields::FieldError;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, Page};
use crate::web::{db, round_view_at};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/rounds/{id}/groups/{group}/expectations",
        web::get().to(show),
    )
    .route(
        "/rounds/{id}/groups/{group}/expectations",
        web::post().to(save),
    );
}

/// The round, provided the user may see it and the group owns focus areas in it, and whether
/// the user may write the group's expectations.
async fn cluster_round(
    page: &Page,
    round_id: i32,
    group_id: i32,
) -> Result<std::sync::Arc<crate::domain::analysis::RoundAnalysis>, AppError> {
    let (_, view) = round_view_at(&page.state, round_id).await?;
    let content = &view.data.content;
    if !access::can_view_round(Some(page.user()), &content.round) {
        return Err(AppError::Forbidden);
    }
    if !content.clusters().any(|g| g.id == group_id) {
        return Err(AppError::NotFound);
    }
    let user_id = page.user.id;
    let coordinates = db(&page.state, move |conn| {
        Ok(groups::coordinators(conn, group_id)?.contains(&user_id))
    })
    .await?;
    if access::can_write_expectations(page.user(), &content.round, coordinates) {
        Ok(view)
    } else if content.round.state == RoundState::Published {
        Err(AppError::BadRequest(
            "Runden er offentliggjort; klyngens forventninger kan ikke længere ændres.".into(),
        ))
    } else {
        Err(AppError::Forbidden)
    }
}

fn expectations_page<'a>(
    content: &'a RoundContent,
    group_id: i32,
    text: Option<String>,
    saved: bool,
    error: Option<String>,
) -> Result<ExpectationsPage<'a>, AppError> {
    let group = content.group(group_id).ok_or(AppError::NotFound)?;
    Ok(ExpectationsPage {
        round: &content.round,
        group_id,
        group_name: &group.name,
        focus_areas: content
            .focus_areas
            .iter()
            .filter(|a| a.group_id == Some(group_id))
            .map(|a| format!("{}. {}", a.number, a.title))
            .collect(),
        text: text.unwrap_or_else(|| group.expectations.clone()),
        max_chars: EXPECTATIONS_MAX_CHARS,
        updated: group.expectations_updated.map(danish_datetime),
        saved,
        errors: error
            .iter()
            .map(|m| FieldError::new("text", m.clone()))
            .collect(),
        error,
    })
}

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    gemt: Option<String>,
}

async fn show(
    page: Page,
    path: web::Path<(i32, i32)>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let (round_id, group_id) = path.into_inner();
    let view = cluster_round(&page, round_id, group_id).await?;
    let model = expectations_page(
        &view.data.content,
        group_id,
        None,
        query.gemt.is_some(),
        None,
    )?;
    page.render("expectations.html", &model)
}

#[derive(Debug, Deserialize)]
pub struct ExpectationsForm {
    csrf_token: Option<String>,
    text: Option<String>,
}

csrf_protected!(ExpectationsForm);

async fn save(
    page: Page,
    path: web::Path<(i32, i32)>,
    form: CsrfForm<ExpectationsForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let (round_id, group_id) = path.into_inner();
    let view = cluster_round(&page, round_id, group_id).await?;
    let typed = form.into_inner().text.unwrap_or_default();
    let text = match parse_expectations(&typed) {
        Ok(text) => text,
        Err(e) => {
            let model =
                expectations_page(&view.data.content, group_id, Some(typed), false, Some(e.0))?;
            return page.render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "expectations.html",
                &model,
            );
        }
    };
    let actor = page.user.id;
    db(&page.state, move |conn| {
        Ok(groups::set_expectations(
            conn,
            round_id,
            group_id,
            &text,
            Some(actor),
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/rounds/{round_id}/groups/{group_id}/expectations?gemt=1"),
        ))
        .finish())
}
