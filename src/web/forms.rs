//! The municipality's status form.
//!
//! Routes and who may use them:
//! - `GET /rounds/{id}/municipalities/{code}/form`: the municipality's editors, the KKR's admins.
//! - `POST /rounds/{id}/municipalities/{code}/form`: the same, while the round takes answers.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::SignedIn;
use super::error::AppError;
use super::pages::{base_context, verify_csrf};
use super::{db, AppState};
use crate::domain::form::{self, FieldError, FormAction, FormRejection, TypedAnswer};
use crate::domain::status::StatusView;
use crate::domain::time::danish_datetime;
use crate::domain::{
    access, MunicipalityCode, RoundContent, Status, Submission, SubmissionState, User,
};
use crate::store::{rounds, submissions};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/rounds/{id}/municipalities/{code}/form",
        web::get().to(show),
    )
    .route(
        "/rounds/{id}/municipalities/{code}/form",
        web::post().to(save),
    );
}

/// The round and municipality a form URL names; 404 for a code that is not the round's.
pub fn parse_target(round_id: i32, code: &str) -> Result<(i32, MunicipalityCode), AppError> {
    let code = MunicipalityCode::parse(code).map_err(|_| AppError::NotFound)?;
    Ok((round_id, code))
}

async fn load(
    state: &web::Data<AppState>,
    round_id: i32,
    code: MunicipalityCode,
) -> Result<(RoundContent, Option<Submission>, MunicipalityCode), AppError> {
    db(state, move |conn| {
        let content = rounds::load_content(conn, round_id)?.ok_or(AppError::NotFound)?;
        if content.municipality(&code).is_none() {
            return Err(AppError::NotFound);
        }
        let submission = submissions::get_submission(conn, round_id, &code)?;
        Ok((content, submission, code))
    })
    .await
}

#[derive(Debug, Serialize)]
struct SavedAnswer {
    status: Option<StatusView>,
    comment: String,
}

#[derive(Debug, Serialize)]
struct FormRec {
    id: i32,
    code: String,
    text: String,
    binding: &'static str,
    status: String,
    comment: String,
    status_error: Option<String>,
    comment_error: Option<String>,
    /// What another user saved, shown beside this user's input after a conflict.
    theirs: Option<SavedAnswer>,
}

#[derive(Debug, Serialize)]
struct FormArea {
    number: i32,
    title: String,
    recs: Vec<FormRec>,
}

/// What the page shows besides the form fields.
#[derive(Debug, Default)]
struct PageState {
    errors: Vec<FieldError>,
    notice: Option<String>,
    conflict: Option<String>,
    theirs: Option<Submission>,
}

fn typed_from(submission: Option<&Submission>) -> BTreeMap<i32, TypedAnswer> {
    submission
        .map(|s| {
            s.answers
                .iter()
                .map(|a| {
                    (
                        a.recommendation_id,
                        TypedAnswer {
                            status: a.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                            comment: a.comment.clone(),
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn render(
    state: &AppState,
    session: &Session,
    user: &User,
    content: &RoundContent,
    code: &MunicipalityCode,
    submission: Option<&Submission>,
    typed: &BTreeMap<i32, TypedAnswer>,
    version: i32,
    page: PageState,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let round = &content.round;
    let municipality = content.municipality(code).ok_or(AppError::NotFound)?;
    let submitted = submission.is_some_and(|s| s.is_submitted());
    let editable = !submitted && access::round_takes_answers(user, round, crate::store::now());
    let error_for = |field: String| {
        page.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    };
    let areas: Vec<FormArea> = content
        .focus_areas
        .iter()
        .map(|area| FormArea {
            number: area.number,
            title: area.title.clone(),
            recs: content
                .recommendations_of(area.id)
                .map(|rec| {
                    let mine = typed.get(&rec.id).cloned().unwrap_or_default();
                    FormRec {
                        id: rec.id,
                        code: rec.code.clone(),
                        text: rec.text.clone(),
                        binding: rec.binding_label_da(),
                        status: mine.status,
                        comment: mine.comment,
                        status_error: error_for(format!("status-{}", rec.id)),
                        comment_error: error_for(format!("comment-{}", rec.id)),
                        theirs: page.theirs.as_ref().map(|s| {
                            let a = s.answer(rec.id);
                            SavedAnswer {
                                status: a.and_then(|a| a.status).map(StatusView::from),
                                comment: a.map(|a| a.comment.clone()).unwrap_or_default(),
                            }
                        }),
                    }
                })
                .collect(),
        })
        .collect();

    let mut context = base_context(session, Some(user))?;
    context.insert("round", round);
    context.insert("municipality_name", &municipality.official_name());
    context.insert("code", code.as_str());
    context.insert("version", &version);
    context.insert("editable", &editable);
    context.insert("areas", &areas);
    context.insert("errors", &page.errors);
    context.insert("notice", &page.notice);
    context.insert("conflict", &page.conflict);
    context.insert("deadline", &danish_datetime(round.deadline));
    context.insert(
        "statuses",
        &Status::ALL
            .iter()
            .map(|s| StatusView::from(*s))
            .collect::<Vec<_>>(),
    );
    context.insert(
        "state_label",
        submission.map_or("Ikke påbegyndt", |s| s.state.label_da()),
    );
    let submitted_info = submission.filter(|s| s.is_submitted()).map(|s| {
        let when = s.submitted_at.map(danish_datetime).unwrap_or_default();
        match &s.submitted_by {
            Some(by) => format!("Indsendt {when} af {by}."),
            None => format!("Indsendt {when}."),
        }
    });
    context.insert("submitted_info", &submitted_info);
    let closed_reason = if submitted || editable {
        None
    } else {
        Some("Runden tager ikke imod svar: fristen er overskredet, eller runden er lukket.")
    };
    context.insert("closed_reason", &closed_reason);
    context.insert("comment_max", &crate::domain::Comment::MAX_CHARS);
    state.pages.respond(status, "form.html", &context)
}

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    gemt: Option<String>,
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(i32, String)>,
    query: web::Query<ShowQuery>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let (round_id, code) = path.into_inner();
    let (round_id, code) = parse_target(round_id, &code)?;
    let (content, submission, code) = load(&state, round_id, code).await?;
    if !access::can_edit_form(&user, &content.round, &code) {
        return Err(AppError::Forbidden);
    }
    let notice = match query.gemt.as_deref() {
        Some("kladde") => Some("Kladden er gemt.".to_owned()),
        Some("indsendt") => Some("Skemaet er indsendt. Tak!".to_owned()),
        _ => None,
    };
    let typed = typed_from(submission.as_ref());
    let version = submission.as_ref().map_or(0, |s| s.version);
    render(
        &state,
        &session,
        &user,
        &content,
        &code,
        submission.as_ref(),
        &typed,
        version,
        PageState {
            notice,
            ..PageState::default()
        },
        StatusCode::OK,
    )
}

async fn save(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(i32, String)>,
    SignedIn(user): SignedIn,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let fields = fields.into_inner();
    let token = fields
        .iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.as_str());
    verify_csrf(&session, token)?;
    let (round_id, code) = path.into_inner();
    let (round_id, code) = parse_target(round_id, &code)?;
    let (content, submission, code) = load(&state, round_id, code).await?;
    if !access::can_edit_form(&user, &content.round, &code) {
        return Err(AppError::Forbidden);
    }
    if !access::round_takes_answers(&user, &content.round, crate::store::now()) {
        return Err(AppError::Conflict(
            "Runden tager ikke længere imod svar: fristen er overskredet, eller runden er lukket. Intet er gemt.".into(),
        ));
    }
    if submission.as_ref().is_some_and(|s| s.is_submitted()) {
        return Err(AppError::Conflict(
            "Skemaet er allerede indsendt og kan ikke ændres. Intet er gemt.".into(),
        ));
    }

    let input = match form::parse(&fields, &content) {
        Ok(input) => input,
        Err(FormRejection::Malformed(message)) => {
            return Err(AppError::BadRequest(format!(
                "Formularen kunne ikke gemmes: {message}. Intet er gemt."
            )))
        }
        Err(FormRejection::Invalid {
            errors,
            typed,
            version,
        }) => {
            return render(
                &state,
                &session,
                &user,
                &content,
                &code,
                submission.as_ref(),
                &typed,
                version,
                PageState {
                    errors,
                    ..PageState::default()
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };

    let target = submissions::SaveSubmission {
        round_id,
        municipality_code: code.clone(),
        base_version: input.version,
        answers: input.answers.clone(),
        state: match input.action {
            FormAction::Submit => SubmissionState::Submitted,
            FormAction::SaveDraft => SubmissionState::Draft,
        },
    };
    let actor = user.id;
    let outcome = db(&state, move |conn| {
        Ok(submissions::save(conn, &target, actor)?)
    })
    .await?;
    match outcome {
        submissions::SaveOutcome::Saved(saved) => {
            let flag = if saved.is_submitted() {
                "indsendt"
            } else {
                "kladde"
            };
            Ok(HttpResponse::SeeOther()
                .insert_header((
                    header::LOCATION,
                    format!("/rounds/{round_id}/municipalities/{code}/form?gemt={flag}"),
                ))
                .finish())
        }
        submissions::SaveOutcome::Conflict(theirs) => {
            let who = theirs
                .updated_by
                .clone()
                .unwrap_or_else(|| "en anden bruger".into());
            let message = format!(
                "Skemaet blev ændret af {who} {} efter, at du åbnede det. Intet af det, du skrev, er gemt endnu: \
                 dine indtastninger står i felterne, og det gemte svar står under hver anbefaling. \
                 Ret til, og gem igen for at bruge dine indtastninger.",
                danish_datetime(theirs.updated_at)
            );
            let version = theirs.version;
            let theirs_submitted = theirs.is_submitted();
            render(
                &state,
                &session,
                &user,
                &content,
                &code,
                if theirs_submitted {
                    Some(&theirs)
                } else {
                    submission.as_ref()
                },
                &input.typed,
                version,
                PageState {
                    conflict: Some(message),
                    theirs: Some(theirs.clone()),
                    ..PageState::default()
                },
                StatusCode::CONFLICT,
            )
        }
    }
}
