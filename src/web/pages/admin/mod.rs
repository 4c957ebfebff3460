//! The KKR secretariat's pages: rounds and their life cycle, recommendation sets, proposals
//! for new focus areas, imports, and the councils' names.
//!
//! Every route here is for the admins of one KKR (others: 403; anonymous: sent to sign-in),
//! and every page and action works on that KKR's rounds and municipalities only:
//! - `GET /admin`: the KKR's rounds.
//! - `GET /admin/rounds/new`, `POST /admin/rounds`: create a round (optionally from last year).
//! - `GET /admin/rounds/{id}`: a round's facts, life cycle, deadline, participants, history;
//!   `POST .../state` (with a confirmation step), `.../deadline`, `.../participants`.
//! - `GET /admin/rounds/{id}/set` and the posts under it: the recommendation set (draft only).
//! - `GET /admin/rounds/{id}/proposals`, `POST .../proposals/{submission}/adopt`.
//! - `GET /admin/rounds/{id}/import`, `POST /admin/rounds/{id}/import` (multipart).
//! - `GET /admin/municipalities`, `POST /admin/municipalities/{code}/council`.

pub mod imports;
mod municipalities;
mod rounds;
mod schedule;
mod sets;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::domain::time::danish_datetime;
use crate::domain::RoundContent;
use crate::store::audit::AuditEvent;
use crate::store::rounds::ChangeError;
pub(crate) use crate::views::fields::Problem;
use crate::web::db;
use crate::web::error::AppError;
use crate::web::extract::AdminPage;

pub fn routes(cfg: &mut web::ServiceConfig) {
    rounds::routes(cfg);
    schedule::routes(cfg);
    sets::routes(cfg);
    imports::routes(cfg);
    municipalities::routes(cfg);
}

/// A round of the admin's KKR with its content; 404 for an unknown round, 403 for another
/// KKR's.
async fn admin_round(page: &AdminPage, round_id: i32) -> Result<RoundContent, AppError> {
    let content = db(&page.state, move |conn| {
        crate::store::rounds::load_content(conn, round_id)?.ok_or(AppError::NotFound)
    })
    .await?;
    page.owns(content.round.kkr_id)?;
    Ok(content)
}

/// A refused change as the page shows it; other failures become the usual error pages.
fn refusal(e: ChangeError) -> Result<String, AppError> {
    match e {
        ChangeError::Refused(reason) => Ok(crate::web::refusals::round_refusal_da(&reason)),
        ChangeError::NotFound => Err(AppError::NotFound),
        ChangeError::Database(e) => Err(AppError::Database(e)),
    }
}

fn redirect(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

/// The status a page answers with when it shows problems: 409 for a refused change, 422 for
/// input that does not parse.
fn problem_status(problems: &[Problem]) -> StatusCode {
    if problems.is_empty() {
        StatusCode::OK
    } else if problems.iter().all(|p| p.field.is_empty()) {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A round's recorded change, in words.
#[derive(Debug, Serialize)]
struct HistoryRow {
    when: String,
    who: String,
    what: String,
    details: String,
}

fn describe(event: &AuditEvent) -> HistoryRow {
    use crate::domain::events::Event;
    let (what, details) = match event.event() {
        Ok(Event::Round(change)) => crate::views::audit::round_change_da(&change),
        // A round's history holds only round events; a row no event type reads shows its
        // action as stored.
        Ok(
            Event::Submission(_)
            | Event::User(_)
            | Event::ApiToken(_)
            | Event::Group(_)
            | Event::Mail(_)
            | Event::Attachment(_)
            | Event::Municipality(_)
            | Event::SitePage(_)
            | Event::AccessibilityStatement(_),
        )
        | Err(_) => (event.action.clone(), String::new()),
    };
    HistoryRow {
        when: danish_datetime(event.at),
        who: event
            .user_name
            .clone()
            .unwrap_or_else(|| "(kommandolinjen)".into()),
        what,
        details,
    }
}
