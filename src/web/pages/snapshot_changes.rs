//! What changed since the council saw it: a saved snapshot of a municipality's attachment
//! compared with what an attachment made today would show, with who changed what and when.
//!
//! Routes and who may use them:
//! - `GET /rounds/{id}/municipalities/{code}/snapshots/{snapshot_id}/changes`: whoever may
//!   read the municipality (as the snapshot's PDF); signed in only, since it names people.
//!
//! The API's `GET /api/v1/rounds/{id}/municipalities/{code}/snapshots/{snapshot_id}/changes`
//! and the snapshot list on the municipality page read [`compared`] and [`list_states`].

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{web, HttpResponse};

use crate::domain::analysis::RoundAnalysis;
use crate::domain::snapshot_diff::{self, Attributed, Basis, Logged};
use crate::domain::{access, MunicipalityCode, User};
use crate::store::snapshots::{self, StoredSnapshot};
use crate::views::snapshot_changes::{self as view, ListState, PageFacts};
use crate::web::extract::Page;
use crate::web::pages::forms::parse_target;
use crate::web::AppError;
use crate::web::{db, round_view, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/rounds/{id}/municipalities/{code}/snapshots/{snapshot_id}/changes",
        web::get().to(page),
    );
}

/// A snapshot compared with today.
pub struct Compared {
    pub view: Arc<RoundAnalysis>,
    pub code: MunicipalityCode,
    pub snapshot: StoredSnapshot,
    /// What was compared and the changes with who made them; `None` when the snapshot's data
    /// holds nothing comparable.
    pub result: Option<(Basis, Vec<Attributed>)>,
}

/// Loads a snapshot of the municipality's attachment in the round and compares it with
/// today. 404 for an unknown round, a municipality not in it, or a snapshot of another
/// round or municipality; 403 when the user may not read the municipality.
pub async fn compared(
    state: &web::Data<AppState>,
    user: &User,
    round_id: i32,
    code: MunicipalityCode,
    snapshot_id: i32,
) -> Result<Compared, AppError> {
    let view = round_view(state, round_id).await?;
    let content = &view.data.content;
    if content.municipality(&code).is_none() {
        return Err(AppError::NotFound);
    }
    if !access::can_see_snapshot_changes(user, &content.round, &code) {
        return Err(AppError::Forbidden);
    }
    let (snapshot, log) = stored(state, round_id, &code, snapshot_id).await?;
    let today = snapshot_diff::record(&view.data, &code);
    let created = snapshot_diff::created_since(&log, snapshot.created_at);
    let result = snapshot_diff::read_stored(&snapshot.data).map(|(then, basis)| {
        let changes = snapshot_diff::compare(&then, &today, &created);
        (
            basis,
            snapshot_diff::attribute(changes, &log, snapshot.created_at),
        )
    });
    Ok(Compared {
        view,
        code,
        snapshot,
        result,
    })
}

/// The snapshot with the municipality's change log; 404 for a snapshot of another round or
/// municipality.
async fn stored(
    state: &web::Data<AppState>,
    round_id: i32,
    code: &MunicipalityCode,
    snapshot_id: i32,
) -> Result<(StoredSnapshot, Vec<Logged>), AppError> {
    let target = code.clone();
    db(state, move |conn| {
        match snapshots::get(conn, snapshot_id)? {
            Some(s) if s.round_id == round_id && s.municipality_code == target.as_str() => {
                let log = snapshots::change_log(conn, round_id, &target)?;
                Ok(Some((s, log)))
            }
            _ => Ok(None),
        }
    })
    .await?
    .ok_or(AppError::NotFound)
}

/// "Ændret siden" or "Uændret" for each of a municipality's snapshots in the round, by id.
/// The caller has checked that the user may read the municipality.
pub async fn list_states(
    state: &web::Data<AppState>,
    view: &RoundAnalysis,
    code: &MunicipalityCode,
) -> Result<HashMap<i32, ListState>, AppError> {
    let (round_id, target) = (view.data.content.round.id, code.clone());
    let (stored, log) = db(state, move |conn| {
        Ok((
            snapshots::data_of_all(conn, round_id, &target)?,
            snapshots::change_log(conn, round_id, &target)?,
        ))
    })
    .await?;
    let today = snapshot_diff::record(&view.data, code);
    Ok(stored
        .into_iter()
        .map(|(id, created_at, data)| {
            let created = snapshot_diff::created_since(&log, created_at);
            let changes = snapshot_diff::read_stored(&data)
                .map(|(then, _)| snapshot_diff::compare(&then, &today, &created));
            (id, ListState::of(changes.as_deref()))
        })
        .collect())
}

async fn page(page: Page, path: web::Path<(i32, String, i32)>) -> Result<HttpResponse, AppError> {
    let (round_id, code, snapshot_id) = path.into_inner();
    let (round_id, code) = parse_target(round_id, &code)?;
    let compared = compared(&page.state, page.user(), round_id, code, snapshot_id).await?;
    let content = &compared.view.data.content;
    let municipality = content
        .municipality(&compared.code)
        .ok_or(AppError::NotFound)?;
    let facts = PageFacts {
        round_id,
        round_title: content.round.title.clone(),
        kkr_name: content.round.kkr_name.clone(),
        year: content.round.year,
        code: compared.code.to_string(),
        municipality: municipality.official_name(),
        snapshot_id: compared.snapshot.id,
        created_at: compared.snapshot.created_at,
        created_by: compared.snapshot.created_by.clone(),
    };
    let model = view::page(
        facts,
        compared
            .result
            .as_ref()
            .map(|(basis, list)| (*basis, list.as_slice())),
    );
    page.render("snapshot_changes.html", &model)
}
