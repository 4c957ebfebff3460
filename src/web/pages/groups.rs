//! Groups of a KKR's municipalities, and narrowing a round's views to one group.
//!
//! Routes and who may use them (the KKR's admins, for their own KKR's groups; others: 403/404):
//! - `GET /groups`, `POST /groups` (create)
//! - `GET /groups/{id}`, `POST /groups/{id}` (rename, change members)
//! - `POST /groups/{id}/coordinators` (the editors who may write the group's expectations)
//! - `POST /groups/{id}/delete` (refused for a group that owns focus areas of a round)
//!
//! The round dashboard (`?gruppe=ID`), the heatmap (`?gruppe=ID`) and the API summary
//! (`?group=ID`) narrow the round to a group with [`narrowed`].

use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::csrf_protected;
use crate::domain::analysis::RoundAnalysis;
use crate::domain::group::{parse_coordinators, parse_group_name, parse_members, Group};
use crate::domain::{Municipality, MunicipalityCode, Scope};
use crate::store::groups::{self, GroupError};
use crate::store::reference;
use crate::views::fields::Choice;
use crate::views::groups::{GroupErrors, GroupForm, GroupPage, GroupView, GroupsPage};
use crate::web::error::AppError;
use crate::web::extract::{AdminPage, CsrfForm};
use crate::web::session::verify_csrf;
use crate::web::{db, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/groups", web::get().to(list))
        .route("/groups", web::post().to(create))
        .route("/groups/{id}", web::get().to(edit))
        .route("/groups/{id}", web::post().to(update))
        .route(
            "/groups/{id}/coordinators",
            web::post().to(set_coordinators),
        )
        .route("/groups/{id}/delete", web::post().to(delete));
}

/// The round as a view shows it: without a group, its common focus areas over every
/// participant (the whole round when no focus area belongs to a group); with a group of its
/// KKR, the group's members with what they are asked. The one aggregation either way. A group
/// of another KKR, or none, is a 404.
pub async fn narrowed(
    state: &web::Data<AppState>,
    view: Arc<RoundAnalysis>,
    group_id: Option<i32>,
) -> Result<(Arc<RoundAnalysis>, Option<Group>), AppError> {
    let Some(group_id) = group_id else {
        return Ok((scoped(&view, Scope::Common), None));
    };
    let group = db(state, move |conn| Ok(groups::get(conn, group_id)?))
        .await?
        .filter(|g| g.kkr_id == view.data.content.round.kkr_id)
        .ok_or(AppError::NotFound)?;
    Ok((scoped(&view, Scope::Members(group.id)), Some(group)))
}

/// A part of an analysed round; the analysis itself when the part is the whole of it.
pub fn scoped(view: &Arc<RoundAnalysis>, scope: Scope) -> Arc<RoundAnalysis> {
    if scope == Scope::Common && !view.has_clusters() {
        Arc::clone(view)
    } else {
        Arc::new(view.scoped(scope))
    }
}

/// A group as a selector on a round's pages offers it.
#[derive(Debug, Serialize)]
pub struct GroupOption {
    pub id: i32,
    pub name: String,
    pub size: usize,
}

/// The KKR's groups, for the selector on a round's pages.
pub async fn options(
    state: &web::Data<AppState>,
    kkr_id: i32,
) -> Result<Vec<GroupOption>, AppError> {
    let list = db(state, move |conn| Ok(groups::list(conn, kkr_id)?)).await?;
    Ok(list
        .into_iter()
        .map(|g| GroupOption {
            id: g.id,
            size: g.members.len(),
            name: g.name,
        })
        .collect())
}

/// A `?gruppe=` value: empty means the whole KKR; anything but a number is a 404.
pub fn parse_group_param(raw: Option<&str>) -> Result<Option<i32>, AppError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => value.parse().map(Some).map_err(|_| AppError::NotFound),
    }
}

/// What a group form holds, kept when it is shown again with errors.
#[derive(Debug, Default)]
struct GroupInput {
    name: String,
    members: Vec<String>,
}

impl GroupInput {
    fn from_fields(fields: &[(String, String)]) -> GroupInput {
        GroupInput {
            name: fields
                .iter()
                .find(|(k, _)| k == "name")
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            members: fields
                .iter()
                .filter(|(k, _)| k == "members")
                .map(|(_, v)| v.clone())
                .collect(),
        }
    }

    fn of(group: &Group) -> GroupInput {
        GroupInput {
            name: group.name.clone(),
            members: group.members.iter().map(|c| c.to_string()).collect(),
        }
    }
}

fn csrf_of(fields: &[(String, String)]) -> Option<&str> {
    fields
        .iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.as_str())
}

fn choices(municipalities: &[Municipality], input: &GroupInput) -> Vec<Choice> {
    municipalities
        .iter()
        .map(|m| {
            let checked = input.members.iter().any(|c| c.trim() == m.code.as_str());
            Choice::new(m.code.as_str(), m.name.clone(), checked)
        })
        .collect()
}

/// The group form with the input kept and its errors.
fn group_form(
    municipalities: &[Municipality],
    input: &GroupInput,
    errors: GroupErrors,
) -> GroupForm {
    GroupForm::new(input.name.clone(), choices(municipalities, input), errors)
}

/// The groups with their members' names.
fn group_views(list: &[Group], municipalities: &[Municipality]) -> Vec<GroupView> {
    list.iter()
        .map(|g| GroupView {
            id: g.id,
            name: g.name.clone(),
            members: g
                .members
                .iter()
                .map(|c| name_of(municipalities, c))
                .collect(),
        })
        .collect()
}

async fn render_list(
    page: &AdminPage,
    input: &GroupInput,
    errors: GroupErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let kkr_id = page.kkr_id();
    let (list, municipalities) = db(&page.state, move |conn| {
        Ok((
            groups::list(conn, kkr_id)?,
            reference::municipalities_of_kkr(conn, kkr_id)?,
        ))
    })
    .await?;
    let model = GroupsPage {
        groups: group_views(&list, &municipalities),
        form: group_form(&municipalities, input, errors),
    };
    page.render_status(status, "groups_list.html", &model)
}

async fn list(page: AdminPage) -> Result<HttpResponse, AppError> {
    render_list(
        &page,
        &GroupInput::default(),
        GroupErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// The name and members a form names, parsed against the KKR's municipalities.
async fn parse_input(
    state: &web::Data<AppState>,
    kkr_id: i32,
    input: &GroupInput,
) -> Result<Result<(String, Vec<MunicipalityCode>), GroupErrors>, AppError> {
    let municipalities = db(state, move |conn| {
        Ok(reference::municipalities_of_kkr(conn, kkr_id)?)
    })
    .await?;
    let name = parse_group_name(&input.name);
    let members = parse_members(&input.members, |c| {
        municipalities.iter().any(|m| &m.code == c)
    });
    Ok(match (name, members) {
        (Ok(name), Ok(members)) => Ok((name, members)),
        (name, members) => Err(GroupErrors {
            name: name.err().map(|e| e.to_string()),
            members: members.err().map(|e| e.to_string()),
            confirm: None,
        }),
    })
}

fn duplicate_name(name: &str) -> GroupErrors {
    GroupErrors {
        name: Some(format!(
            "Der findes allerede en gruppe, der hedder «{name}»."
        )),
        ..GroupErrors::default()
    }
}

fn to_groups() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/groups"))
        .finish()
}

/// Reads a group form (a repeated field, so read by hand) after checking its CSRF token.
fn read_form(page: &AdminPage, fields: &[(String, String)]) -> Result<GroupInput, AppError> {
    verify_csrf(&page.session, csrf_of(fields))?;
    Ok(GroupInput::from_fields(fields))
}

async fn create(
    page: AdminPage,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let input = read_form(&page, &fields)?;
    let kkr_id = page.kkr_id();
    let (name, members) = match parse_input(&page.state, kkr_id, &input).await? {
        Ok(parsed) => parsed,
        Err(errors) => {
            return render_list(&page, &input, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    let (stored_name, actor) = (name.clone(), page.user.id);
    let created = db(&page.state, move |conn| {
        match groups::create(conn, kkr_id, &stored_name, &members, Some(actor), now) {
            Ok(id) => Ok(Some(id)),
            Err(GroupError::DuplicateName | GroupError::InUse) => Ok(None),
            Err(GroupError::Database(e)) => Err(e.into()),
        }
    })
    .await?;
    match created {
        Some(_) => Ok(to_groups()),
        None => {
            let errors = duplicate_name(&name);
            render_list(&page, &input, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// A group of the admin's KKR, or 404.
async fn managed_group(page: &AdminPage, id: i32) -> Result<Group, AppError> {
    let kkr_id = page.kkr_id();
    db(&page.state, move |conn| Ok(groups::get(conn, id)?))
        .await?
        .filter(|g| g.kkr_id == kkr_id)
        .ok_or(AppError::NotFound)
}

/// What the group page shows besides the group form.
#[derive(Debug, Default)]
struct EditExtras {
    /// The coordinators as typed, when the form is shown again; else as stored.
    coordinators: Option<Vec<String>>,
    coordinators_error: Option<String>,
    coordinators_saved: bool,
}

async fn render_edit(
    page: &AdminPage,
    group: &Group,
    input: &GroupInput,
    errors: GroupErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    render_edit_with(page, group, input, errors, EditExtras::default(), status).await
}

async fn render_edit_with(
    page: &AdminPage,
    group: &Group,
    input: &GroupInput,
    errors: GroupErrors,
    extras: EditExtras,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (kkr_id, group_id, members) = (group.kkr_id, group.id, group.members.clone());
    let (municipalities, editors, stored, in_use) = db(&page.state, move |conn| {
        Ok((
            reference::municipalities_of_kkr(conn, kkr_id)?,
            groups::coordinator_candidates(conn, &members)?,
            groups::coordinators(conn, group_id)?,
            groups::is_in_use(conn, group_id)?,
        ))
    })
    .await?;
    let chosen = |id: i32| match &extras.coordinators {
        Some(typed) => typed.iter().any(|t| t.trim() == id.to_string()),
        None => stored.contains(&id),
    };
    let model = GroupPage {
        group_id: group.id,
        group_name: group.name.clone(),
        coordinators: coordinator_choices(&editors, &municipalities, chosen),
        form: group_form(&municipalities, input, errors),
        coordinators_error: extras.coordinators_error,
        coordinators_saved: extras.coordinators_saved,
        in_use,
    };
    page.render_status(status, "groups_edit.html", &model)
}

/// A municipality's name by its code (the code itself for one not in the list).
fn name_of(municipalities: &[Municipality], code: &MunicipalityCode) -> String {
    municipalities
        .iter()
        .find(|m| &m.code == code)
        .map_or_else(|| code.to_string(), |m| m.name.clone())
}

/// The editors who may be named coordinators, `chosen` ticked: "Navn (Kommune, e-mail)".
fn coordinator_choices(
    editors: &[groups::Candidate],
    municipalities: &[Municipality],
    chosen: impl Fn(i32) -> bool,
) -> Vec<Choice> {
    editors
        .iter()
        .map(|e| {
            let municipality = name_of(municipalities, &e.municipality_code);
            let label = format!("{} ({municipality}, {})", e.name, e.email);
            Choice::new(e.id.to_string(), label, chosen(e.id))
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct EditQuery {
    gemt: Option<String>,
}

async fn edit(
    page: AdminPage,
    path: web::Path<i32>,
    query: web::Query<EditQuery>,
) -> Result<HttpResponse, AppError> {
    let group = managed_group(&page, path.into_inner()).await?;
    let input = GroupInput::of(&group);
    let extras = EditExtras {
        coordinators_saved: query.gemt.is_some(),
        ..EditExtras::default()
    };
    let errors = GroupErrors::default();
    render_edit_with(&page, &group, &input, errors, extras, StatusCode::OK).await
}

/// The user ids an admin may name coordinators of the group: its municipalities' editors.
async fn allowed_coordinators(page: &AdminPage, group: &Group) -> Result<Vec<i32>, AppError> {
    let members = group.members.clone();
    let candidates = db(&page.state, move |conn| {
        Ok(groups::coordinator_candidates(conn, &members)?)
    })
    .await?;
    Ok(candidates.iter().map(|e| e.id).collect())
}

/// Names the group's coordinators among the active editors of its municipalities.
async fn set_coordinators(
    page: AdminPage,
    path: web::Path<i32>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    verify_csrf(&page.session, csrf_of(&fields))?;
    let group = managed_group(&page, path.into_inner()).await?;
    let typed: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "coordinators")
        .map(|(_, v)| v.clone())
        .collect();
    let chosen = match parse_coordinators(&typed, &allowed_coordinators(&page, &group).await?) {
        Ok(chosen) => chosen,
        Err(e) => {
            let extras = EditExtras {
                coordinators: Some(typed),
                coordinators_error: Some(e.0),
                coordinators_saved: false,
            };
            let input = GroupInput::of(&group);
            let (errors, status) = (GroupErrors::default(), StatusCode::UNPROCESSABLE_ENTITY);
            return render_edit_with(&page, &group, &input, errors, extras, status).await;
        }
    };
    let (group_id, actor) = (group.id, page.user.id);
    db(&page.state, move |conn| {
        Ok(groups::set_coordinators(
            conn, group_id, &chosen, actor, now,
        )?)
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/groups/{group_id}?gemt=1#coordinators"),
        ))
        .finish())
}

async fn update(
    page: AdminPage,
    path: web::Path<i32>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let input = read_form(&page, &fields)?;
    let group = managed_group(&page, path.into_inner()).await?;
    let (name, members) = match parse_input(&page.state, group.kkr_id, &input).await? {
        Ok(parsed) => parsed,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_edit(&page, &group, &input, errors, status).await;
        }
    };
    let (stored, stored_name, actor) = (group.clone(), name.clone(), page.user.id);
    let updated = db(&page.state, move |conn| {
        match groups::update(conn, &stored, &stored_name, &members, actor, now) {
            Ok(()) => Ok(true),
            Err(GroupError::DuplicateName | GroupError::InUse) => Ok(false),
            Err(GroupError::Database(e)) => Err(e.into()),
        }
    })
    .await?;
    if updated {
        return Ok(to_groups());
    }
    let errors = duplicate_name(&name);
    render_edit(
        &page,
        &group,
        &input,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    csrf_token: Option<String>,
    /// "ja" when the admin ticked the confirmation.
    confirm: Option<String>,
}

csrf_protected!(DeleteForm);

async fn delete(
    page: AdminPage,
    path: web::Path<i32>,
    form: CsrfForm<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.clock.now();
    let group = managed_group(&page, path.into_inner()).await?;
    if form.confirm.as_deref() != Some("ja") {
        let message = "Sæt kryds ved «Ja, slet gruppen» for at bekræfte.";
        return refuse_delete(&page, &group, message, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let (actor, stored) = (page.user.id, group.clone());
    let deleted = db(&page.state, move |conn| {
        match groups::delete(conn, &stored, actor, now) {
            Ok(()) => Ok(true),
            Err(GroupError::InUse) => Ok(false),
            Err(GroupError::DuplicateName) => Ok(true),
            Err(GroupError::Database(e)) => Err(e.into()),
        }
    })
    .await?;
    if deleted {
        return Ok(to_groups());
    }
    let message = "Gruppen har indsatsområder eller forventninger i en statusrunde og kan ikke \
                   slettes; dens historik hører til runderne.";
    refuse_delete(&page, &group, message, StatusCode::CONFLICT).await
}

/// The group page again with the reason the group was not deleted.
async fn refuse_delete(
    page: &AdminPage,
    group: &Group,
    message: &str,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let errors = GroupErrors {
        confirm: Some(message.to_owned()),
        ..GroupErrors::default()
    };
    render_edit(page, group, &GroupInput::of(group), errors, status).await
}
