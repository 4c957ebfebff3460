//! Groups of a KKR's municipalities, and narrowing a round's views to one group.
//!
//! Routes and who may use them (the KKR's admins, for their own KKR's groups; others: 403/404):
//! - `GET /groups`, `POST /groups` (create)
//! - `GET /groups/{id}`, `POST /groups/{id}` (rename, change members)
//! - `POST /groups/{id}/delete`
//!
//! The round dashboard (`?gruppe=ID`), the heatmap (`?gruppe=ID`) and the API summary
//! (`?group=ID`) narrow the round to a group with [`narrowed`].

use std::sync::Arc;

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::domain::analysis::RoundAnalysis;
use crate::domain::group::{parse_group_name, parse_members, Group};
use crate::domain::{Municipality, User};
use crate::store::groups::{self, GroupError};
use crate::store::reference;
use crate::web::error::AppError;
use crate::web::infra::templates::base_context;
use crate::web::pages::users::admin_kkr;
use crate::web::session::verify_csrf;
use crate::web::session::SignedIn;
use crate::web::{db, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/groups", web::get().to(list))
        .route("/groups", web::post().to(create))
        .route("/groups/{id}", web::get().to(edit))
        .route("/groups/{id}", web::post().to(update))
        .route("/groups/{id}/delete", web::post().to(delete));
}

/// The round narrowed to a group of its KKR: the one aggregation over the group's members.
/// Without a group, the round as it is. A group of another KKR, or none, is a 404.
pub async fn narrowed(
    state: &web::Data<AppState>,
    view: Arc<RoundAnalysis>,
    group_id: Option<i32>,
) -> Result<(Arc<RoundAnalysis>, Option<Group>), AppError> {
    let Some(group_id) = group_id else {
        return Ok((view, None));
    };
    let group = db(state, move |conn| Ok(groups::get(conn, group_id)?))
        .await?
        .filter(|g| g.kkr_id == view.data.content.round.kkr_id)
        .ok_or(AppError::NotFound)?;
    let narrowed = Arc::new(view.restricted_to(&group.members));
    Ok((narrowed, Some(group)))
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

#[derive(Debug, Serialize)]
struct GroupView {
    id: i32,
    name: String,
    members: Vec<String>,
}

#[derive(Debug, Serialize)]
struct MemberChoice {
    code: String,
    name: String,
    checked: bool,
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

fn choices(municipalities: &[Municipality], input: &GroupInput) -> Vec<MemberChoice> {
    municipalities
        .iter()
        .map(|m| MemberChoice {
            code: m.code.to_string(),
            name: m.name.clone(),
            checked: input.members.iter().any(|c| c.trim() == m.code.as_str()),
        })
        .collect()
}

#[derive(Debug, Default, Serialize)]
struct GroupErrors {
    name: Option<String>,
    members: Option<String>,
    /// The deletion was not confirmed.
    confirm: Option<String>,
}

impl GroupErrors {
    fn count(&self) -> usize {
        [&self.name, &self.members, &self.confirm]
            .iter()
            .filter(|e| e.is_some())
            .count()
    }
}

async fn render_list(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    input: &GroupInput,
    errors: GroupErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let kkr_id = admin_kkr(user)?;
    let (list, municipalities) = db(state, move |conn| {
        Ok((
            groups::list(conn, kkr_id)?,
            reference::municipalities_of_kkr(conn, kkr_id)?,
        ))
    })
    .await?;
    let name_of = |code: &crate::domain::MunicipalityCode| {
        municipalities
            .iter()
            .find(|m| &m.code == code)
            .map_or_else(|| code.to_string(), |m| m.name.clone())
    };
    let views: Vec<GroupView> = list
        .iter()
        .map(|g| GroupView {
            id: g.id,
            name: g.name.clone(),
            members: g.members.iter().map(name_of).collect(),
        })
        .collect();
    let mut context = base_context(session, Some(user))?;
    context.insert("groups", &views);
    context.insert("name", &input.name);
    context.insert("choices", &choices(&municipalities, input));
    context.insert("error_count", &errors.count());
    context.insert("field_errors", &errors);
    state.pages.respond(status, "groups_list.html", &context)
}

async fn list(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    render_list(
        &state,
        &session,
        &user,
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
) -> Result<Result<(String, Vec<crate::domain::MunicipalityCode>), GroupErrors>, AppError> {
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

async fn create(
    state: web::Data<AppState>,
    session: Session,
    SignedIn(user): SignedIn,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, csrf_of(&fields))?;
    let kkr_id = admin_kkr(&user)?;
    let input = GroupInput::from_fields(&fields);
    let (name, members) = match parse_input(&state, kkr_id, &input).await? {
        Ok(parsed) => parsed,
        Err(errors) => {
            return render_list(
                &state,
                &session,
                &user,
                &input,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let (stored_name, actor) = (name.clone(), user.id);
    let created = db(&state, move |conn| {
        match groups::create(conn, kkr_id, &stored_name, &members, actor, now) {
            Ok(id) => Ok(Some(id)),
            Err(GroupError::DuplicateName) => Ok(None),
            Err(GroupError::Database(e)) => Err(e.into()),
        }
    })
    .await?;
    match created {
        Some(_) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/groups"))
            .finish()),
        None => {
            render_list(
                &state,
                &session,
                &user,
                &input,
                duplicate_name(&name),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// A group of the admin's KKR, or 404.
async fn managed_group(
    state: &web::Data<AppState>,
    user: &User,
    id: i32,
) -> Result<Group, AppError> {
    let kkr_id = admin_kkr(user)?;
    db(state, move |conn| Ok(groups::get(conn, id)?))
        .await?
        .filter(|g| g.kkr_id == kkr_id)
        .ok_or(AppError::NotFound)
}

async fn render_edit(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    group: &Group,
    input: &GroupInput,
    errors: GroupErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let kkr_id = group.kkr_id;
    let municipalities = db(state, move |conn| {
        Ok(reference::municipalities_of_kkr(conn, kkr_id)?)
    })
    .await?;
    let mut context = base_context(session, Some(user))?;
    context.insert("group_id", &group.id);
    context.insert("group_name", &group.name);
    context.insert("name", &input.name);
    context.insert("choices", &choices(&municipalities, input));
    context.insert("error_count", &errors.count());
    context.insert("field_errors", &errors);
    state.pages.respond(status, "groups_edit.html", &context)
}

async fn edit(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let group = managed_group(&state, &user, path.into_inner()).await?;
    render_edit(
        &state,
        &session,
        &user,
        &group,
        &GroupInput::of(&group),
        GroupErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn update(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, csrf_of(&fields))?;
    let group = managed_group(&state, &user, path.into_inner()).await?;
    let input = GroupInput::from_fields(&fields);
    let parsed = parse_input(&state, group.kkr_id, &input).await?;
    let (name, members) = match parsed {
        Ok(parsed) => parsed,
        Err(errors) => {
            return render_edit(
                &state,
                &session,
                &user,
                &group,
                &input,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let (stored, stored_name, actor) = (group.clone(), name.clone(), user.id);
    let updated = db(&state, move |conn| {
        match groups::update(conn, &stored, &stored_name, &members, actor, now) {
            Ok(()) => Ok(true),
            Err(GroupError::DuplicateName) => Ok(false),
            Err(GroupError::Database(e)) => Err(e.into()),
        }
    })
    .await?;
    if updated {
        Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/groups"))
            .finish())
    } else {
        render_edit(
            &state,
            &session,
            &user,
            &group,
            &input,
            duplicate_name(&name),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
    }
}

async fn delete(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    verify_csrf(&session, csrf_of(&fields))?;
    let group = managed_group(&state, &user, path.into_inner()).await?;
    let confirmed = fields.iter().any(|(k, v)| k == "confirm" && v == "ja");
    if !confirmed {
        return render_edit(
            &state,
            &session,
            &user,
            &group,
            &GroupInput::of(&group),
            GroupErrors {
                confirm: Some("Sæt kryds ved «Ja, slet gruppen» for at bekræfte.".into()),
                ..GroupErrors::default()
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let actor = user.id;
    db(&state, move |conn| {
        Ok(groups::delete(conn, &group, actor, now)?)
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/groups"))
        .finish())
}
