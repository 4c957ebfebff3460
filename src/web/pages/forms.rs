//! The municipality's status form and its life cycle.
//!
//! Routes and who may use them (anyone else: 403; anonymous: sent to sign-in):
//! - `GET  /rounds/{id}/municipalities/{code}/form`: the municipality's editors, the KKR's admins.
//! - `POST /rounds/{id}/municipalities/{code}/form`: the same, while the round takes answers.
//! - `POST /rounds/{id}/municipalities/{code}/withdraw`: the same, before the deadline.
//! - `POST /rounds/{id}/municipalities/{code}/reopen`: the KKR's admins, with a reason.
//! - `GET  /rounds/{id}/municipalities/{code}/history`: the KKR's admins.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::access::Refusal;
use crate::domain::form::{self, FieldError, FormAction, FormContext, FormRejection, TypedAnswer};
use crate::domain::lineage::{self, Lineage, PreviousAnswer};
use crate::domain::status::StatusView;
use crate::domain::time::danish_datetime;
use crate::domain::{
    access, MunicipalityCode, RoundContent, Status, Submission, SubmissionState, User,
};
use crate::store::audit::AuditEvent;
use crate::store::rounds;
use crate::store::submissions::{self, Reopening, SaveOutcome};
use crate::web::error::AppError;
use crate::web::infra::templates::base_context;
use crate::web::session::verify_csrf;
use crate::web::session::SignedIn;
use crate::web::{db, db_read, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    const BASE: &str = "/rounds/{id}/municipalities/{code}";
    cfg.route(&format!("{BASE}/form"), web::get().to(show))
        .route(&format!("{BASE}/form"), web::post().to(save))
        .route(&format!("{BASE}/withdraw"), web::post().to(withdraw))
        .route(&format!("{BASE}/reopen"), web::post().to(reopen))
        .route(&format!("{BASE}/history"), web::get().to(history));
}

/// The round and municipality a URL names; 404 for a code that is not a code.
pub fn parse_target(round_id: i32, code: &str) -> Result<(i32, MunicipalityCode), AppError> {
    let code = MunicipalityCode::parse(code).map_err(|_| AppError::NotFound)?;
    Ok((round_id, code))
}

fn form_path(round_id: i32, code: &MunicipalityCode) -> String {
    format!("/rounds/{round_id}/municipalities/{code}/form")
}

/// Everything a form page is built from.
struct Loaded {
    content: std::sync::Arc<RoundContent>,
    submission: Option<Submission>,
    previous: HashMap<i32, Vec<PreviousAnswer>>,
    /// The round's recommendations against the previous round's: "3.2 (tidl. 1.2)".
    lineage: Lineage,
    code: MunicipalityCode,
}

impl Loaded {
    fn context(&self) -> FormContext<'_> {
        FormContext {
            content: &self.content,
            previous: &self.previous,
            stored: self.submission.as_ref(),
        }
    }

    fn reopened(&self) -> bool {
        self.submission.as_ref().is_some_and(|s| s.reopened)
    }

    fn submitted(&self) -> bool {
        self.submission.as_ref().is_some_and(|s| s.is_submitted())
    }

    fn version(&self) -> i32 {
        self.submission.as_ref().map_or(0, |s| s.version)
    }
}

async fn load(
    state: &web::Data<AppState>,
    round_id: i32,
    code: MunicipalityCode,
) -> Result<Loaded, AppError> {
    let state_for_db = state.clone();
    // A few indexed rows (the round's content comes from the cache): read on the worker on
    // SQLite, which spares each save and form page one trip to the blocking pool.
    db_read(state, move |conn| {
        let content = state_for_db
            .cache
            .content(conn, round_id)?
            .ok_or(AppError::NotFound)?;
        if content.municipality(&code).is_none() {
            return Err(AppError::NotFound);
        }
        let submission = submissions::get_submission(conn, round_id, &code)?;
        let round = &content.round;
        let previous_content = match rounds::previous_round_id(conn, round.kkr_id, round.year)? {
            Some(id) => state_for_db.cache.content(conn, id)?,
            None => None,
        };
        let lineage = lineage::lineage(&content, previous_content.as_deref());
        let previous = submissions::previous_answers(conn, &lineage, &code)?;
        Ok(Loaded {
            content,
            submission,
            previous,
            lineage,
            code,
        })
    })
    .await
}

/// Loads the form and checks that the user may edit it.
async fn load_editable(
    state: &web::Data<AppState>,
    user: &User,
    round_id: i32,
    code: &str,
) -> Result<Loaded, AppError> {
    let (round_id, code) = parse_target(round_id, code)?;
    let loaded = load(state, round_id, code).await?;
    if access::can_edit_form(user, &loaded.content.round, &loaded.code) {
        Ok(loaded)
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Debug, Serialize)]
struct SavedAnswer {
    status: Option<StatusView>,
    comment: String,
}

#[derive(Debug, Serialize)]
struct LastYear {
    year: i32,
    /// Its number last round.
    code: String,
    status: StatusView,
    comment: String,
}

impl From<&PreviousAnswer> for LastYear {
    fn from(p: &PreviousAnswer) -> Self {
        LastYear {
            year: p.year,
            code: p.code.clone(),
            status: p.status.into(),
            comment: p.comment.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
struct FormRec {
    id: i32,
    code: String,
    /// "3.2 (tidl. 1.2)" where the number changed since last round.
    code_label: String,
    text: String,
    binding: &'static str,
    status: String,
    comment: String,
    carried: bool,
    /// Last round's answers to what it continues: one, or one per recommendation merged.
    last_year: Vec<LastYear>,
    /// It took in several recommendations: each last-year answer is listed with its number.
    last_year_merged: bool,
    last_year_year: Option<i32>,
    status_error: Option<String>,
    comment_error: Option<String>,
    confirm_error: Option<String>,
    /// What another user saved, shown beside this user's input after a conflict.
    theirs: Option<SavedAnswer>,
}

#[derive(Debug, Serialize)]
struct FormArea {
    number: i32,
    title: String,
    recs: Vec<FormRec>,
}

/// A recommendation whose answer another user changed, listed once in the conflict summary.
#[derive(Debug, Serialize)]
struct ChangedAnswer {
    id: i32,
    code: String,
}

/// What the page shows besides the stored form: the user's input and messages.
struct PageInput {
    typed: BTreeMap<i32, TypedAnswer>,
    proposals: String,
    version: i32,
    errors: Vec<FieldError>,
    notice: Option<String>,
    conflict: Option<String>,
    /// Why nothing was saved when the database refused the write.
    failure: Option<String>,
    theirs: Option<Submission>,
    /// After a conflict: the answers the other person changed since this user's version.
    changed: BTreeSet<i32>,
    status: StatusCode,
}

impl PageInput {
    /// The user's input again after the round's rules refused the save: the reason in the
    /// error summary, every field as typed (read-only when the round no longer takes answers,
    /// so it can still be copied).
    fn refused(
        typed: BTreeMap<i32, TypedAnswer>,
        proposals: String,
        version: i32,
        refusal: Refusal,
    ) -> PageInput {
        PageInput {
            typed,
            proposals,
            version,
            errors: Vec::new(),
            notice: None,
            conflict: None,
            failure: Some(format!(
                "{} Det, du skrev, står i felterne herunder, så du kan kopiere det.",
                refusal_text(refusal, None)
            )),
            theirs: None,
            changed: BTreeSet::new(),
            status: StatusCode::CONFLICT,
        }
    }

    fn stored(loaded: &Loaded) -> PageInput {
        PageInput {
            typed: loaded.context().initial(),
            proposals: loaded
                .submission
                .as_ref()
                .map(|s| s.proposals.clone())
                .unwrap_or_default(),
            version: loaded.version(),
            errors: Vec::new(),
            notice: None,
            conflict: None,
            failure: None,
            theirs: None,
            changed: BTreeSet::new(),
            status: StatusCode::OK,
        }
    }
}

fn render(
    state: &AppState,
    session: &Session,
    user: &User,
    loaded: &Loaded,
    page: PageInput,
) -> Result<HttpResponse, AppError> {
    let content = &loaded.content;
    let round = &content.round;
    let code = &loaded.code;
    let municipality = content.municipality(code).ok_or(AppError::NotFound)?;
    let submitted = loaded.submitted();
    let now = state.clock.now();
    let editable = !submitted && access::round_takes_answers(user, round, now, loaded.reopened());
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
                    let mine = page.typed.get(&rec.id).cloned().unwrap_or_default();
                    FormRec {
                        id: rec.id,
                        code: rec.code.clone(),
                        text: rec.text.clone(),
                        binding: crate::views::binding_label(rec.binding),
                        status: mine.status,
                        comment: mine.comment,
                        carried: mine.carried,
                        code_label: loaded
                            .lineage
                            .code_label(rec.id)
                            .unwrap_or_else(|| rec.code.clone()),
                        last_year_merged: loaded
                            .lineage
                            .link(rec.id)
                            .is_some_and(|l| l.kind == lineage::LinkKind::Merged),
                        last_year_year: loaded.lineage.previous.map(|(_, year)| year),
                        last_year: loaded
                            .previous
                            .get(&rec.id)
                            .into_iter()
                            .flatten()
                            .map(LastYear::from)
                            .collect(),
                        status_error: error_for(format!("status-{}", rec.id)),
                        comment_error: error_for(format!("comment-{}", rec.id)),
                        confirm_error: error_for(format!("confirm-{}", rec.id)),
                        theirs: page
                            .theirs
                            .as_ref()
                            .filter(|_| page.changed.contains(&rec.id))
                            .map(|s| {
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
    context.insert("version", &page.version);
    context.insert("editable", &editable);
    context.insert("areas", &areas);
    context.insert("errors", &page.errors);
    context.insert("notice", &page.notice);
    context.insert("conflict", &page.conflict);
    let conflict_changes: Vec<ChangedAnswer> = content
        .focus_areas
        .iter()
        .flat_map(|area| content.recommendations_of(area.id))
        .filter(|rec| page.changed.contains(&rec.id))
        .map(|rec| ChangedAnswer {
            id: rec.id,
            code: rec.code.clone(),
        })
        .collect();
    context.insert("conflict_changes", &conflict_changes);
    context.insert("failure", &page.failure);
    context.insert("proposals", &page.proposals);
    context.insert("proposals_error", &error_for("proposals".to_owned()));
    context.insert("proposals_max", &form::PROPOSALS_MAX_CHARS);
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
        loaded
            .submission
            .as_ref()
            .map_or("Ikke påbegyndt", |s| s.state.label_da()),
    );
    let submitted_info = loaded
        .submission
        .as_ref()
        .filter(|s| s.is_submitted())
        .map(|s| crate::views::submission_line(Some(s)).sentence);
    context.insert("submitted_info", &submitted_info);
    context.insert(
        "can_withdraw",
        &(submitted && access::can_withdraw(user, round, code, now)),
    );
    context.insert(
        "can_reopen",
        &(submitted
            && !access::can_withdraw(user, round, code, now)
            && access::can_reopen(user, round)),
    );
    context.insert("can_see_history", &access::can_see_history(user, round));
    context.insert("reopened", &loaded.reopened());
    let closed_reason = if submitted || editable {
        None
    } else {
        Some("Runden tager ikke imod svar: fristen er overskredet, eller runden er lukket. Kontakt KKR-sekretariatet, hvis skemaet skal genåbnes.")
    };
    context.insert("closed_reason", &closed_reason);
    context.insert("comment_max", &crate::domain::Comment::MAX_CHARS);
    state.pages.respond(page.status, "form.html", &context)
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
    let loaded = load_editable(&state, &user, round_id, &code).await?;
    let notice = match query.gemt.as_deref() {
        Some("kladde") => Some("Kladden er gemt.".to_owned()),
        Some("indsendt") => Some("Skemaet er indsendt. Tak!".to_owned()),
        Some("tilbage") => {
            Some("Skemaet er trukket tilbage til kladde og kan rettes igen.".to_owned())
        }
        Some("genaabnet") => {
            Some("Skemaet er genåbnet. Kommunen kan rette og indsende igen.".to_owned())
        }
        _ => None,
    };
    let mut page = PageInput::stored(&loaded);
    page.notice = notice;
    render(&state, &session, &user, &loaded, page)
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Whether an error means the database could not be used (gone, read-only, full, or its
/// pool timed out), as opposed to a refusal of the request itself.
fn database_failed(error: &AppError) -> bool {
    matches!(
        error,
        AppError::Database(_) | AppError::Pool(_) | AppError::Unavailable(_)
    )
}

/// What the form says when the database failed: nothing is saved, the input is kept.
const SAVE_FAILED: &str =
    "Databasen kunne ikke gemme skemaet lige nu (den er skrivebeskyttet, fuld eller \
     ikke tilgængelig). Intet er gemt, og dine indtastninger står i felterne. \
     Prøv at gemme igen om lidt; fortsætter fejlen, så kontakt KKR-sekretariatet.";

async fn save(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(i32, String)>,
    signed_in: Result<SignedIn, AppError>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let fields = fields.into_inner();
    let (round_id, code) = path.into_inner();
    // The user is read from the database: when it cannot be reached, the typed input comes
    // back on a page of its own (after the CSRF check, so a forged post is never echoed).
    let user = match signed_in {
        Ok(SignedIn(user)) => user,
        Err(e) if database_failed(&e) => {
            verify_csrf(&session, field(&fields, "csrf_token"))?;
            return unsaved(&state, &session, round_id, &code, &fields, &e);
        }
        Err(e) => return Err(e),
    };
    verify_csrf(&session, field(&fields, "csrf_token"))?;
    let loaded = match load_editable(&state, &user, round_id, &code).await {
        Ok(loaded) => loaded,
        Err(e) if database_failed(&e) => {
            return unsaved(&state, &session, round_id, &code, &fields, &e);
        }
        Err(e) => return Err(e),
    };
    // Asked early to answer before writing; the store asks again in the write's transaction.
    let early = access::save_refusal(
        &user,
        &loaded.content.round,
        loaded.submission.as_ref(),
        state.clock.now(),
    );

    let input = match form::parse(&fields, loaded.context()) {
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
            proposals,
        }) => {
            let page = match early {
                // Correcting the fields would not help: the refusal is what to say.
                Some(refusal) => PageInput::refused(typed, proposals, version, refusal),
                None => PageInput {
                    typed,
                    proposals,
                    version,
                    errors,
                    notice: None,
                    conflict: None,
                    failure: None,
                    theirs: None,
                    changed: BTreeSet::new(),
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                },
            };
            return render(&state, &session, &user, &loaded, page);
        }
    };
    if let Some(refusal) = early {
        let page = PageInput::refused(input.typed, input.proposals, input.version, refusal);
        return render(&state, &session, &user, &loaded, page);
    }

    let target = submissions::SaveSubmission {
        round_id: loaded.content.round.id,
        municipality_code: loaded.code.clone(),
        base_version: input.version,
        answers: input.answers.clone(),
        proposals: input.proposals.clone(),
        state: match input.action {
            FormAction::Submit => SubmissionState::Submitted,
            FormAction::SaveDraft => SubmissionState::Draft,
        },
    };
    let actor = user.clone();
    let at = state.clock.now();
    let stored = loaded.submission.clone();
    let saved = state
        .writer
        .write(move |conn| submissions::save_form_in_tx(conn, &target, &actor, at, stored.as_ref()))
        .await;
    let outcome = match saved {
        Ok(outcome) => outcome,
        // The database refused the write (read-only, disk full, gone): the transaction wrote
        // nothing, and the user gets the form back with everything typed.
        Err(e) if database_failed(&e) => {
            tracing::error!(error = %e, "saving a form failed");
            let page = PageInput {
                typed: input.typed,
                proposals: input.proposals,
                version: input.version,
                errors: Vec::new(),
                notice: None,
                conflict: None,
                failure: Some(SAVE_FAILED.to_owned()),
                theirs: None,
                changed: BTreeSet::new(),
                status: StatusCode::SERVICE_UNAVAILABLE,
            };
            return render(&state, &session, &user, &loaded, page);
        }
        Err(e) => return Err(e),
    };
    match outcome {
        SaveOutcome::Saved(saved) => {
            let flag = if saved.is_submitted() {
                "indsendt"
            } else {
                "kladde"
            };
            Ok(HttpResponse::SeeOther()
                .insert_header((
                    header::LOCATION,
                    format!(
                        "{}?gemt={flag}",
                        form_path(saved.round_id, &saved.municipality_code)
                    ),
                ))
                .finish())
        }
        SaveOutcome::Conflict(theirs) => {
            let who = theirs
                .updated_by
                .clone()
                .unwrap_or_else(|| "en anden bruger".into());
            let (round_id, code) = (loaded.content.round.id, loaded.code.clone());
            let events = db(&state, move |conn| {
                Ok(submissions::history(conn, round_id, &code)?)
            })
            .await;
            // Without the history (the database failed after the write was refused), every
            // answer is a candidate, so the input is still kept and the differences shown.
            let candidates = match events {
                Ok(events) => changed_since(&events, input.version),
                Err(e) => {
                    tracing::warn!(error = %e, "reading the form's history after a conflict failed");
                    loaded
                        .content
                        .recommendations
                        .iter()
                        .map(|r| r.id)
                        .collect()
                }
            };
            // Only what the other person changed that now differs from this user's input:
            // an answer both set alike needs no decision.
            let changed: BTreeSet<i32> = candidates
                .into_iter()
                .filter(|id| {
                    let saved = theirs.answer(*id);
                    let saved_status = saved.and_then(|a| a.status).map(|s| s.as_str());
                    let saved_comment = saved.map_or("", |a| a.comment.as_str());
                    input.typed.get(id).is_none_or(|typed| {
                        (
                            Some(typed.status.as_str()).filter(|s| !s.is_empty()),
                            typed.comment.trim(),
                        ) != (saved_status, saved_comment.trim())
                    })
                })
                .collect();
            let message = format!(
                "\u{2068}{who}\u{2069} gemte skemaet {} (version {}), efter at du åbnede det. Intet af det, du skrev, er gemt endnu: \
                 dine indtastninger står i felterne. {}",
                danish_datetime(theirs.updated_at),
                theirs.version,
                if changed.is_empty() {
                    "Ingen af svarene er ændret, kun forslagene eller skemaets tilstand. Gem igen for at bruge dine indtastninger."
                } else {
                    "Svarene herunder er ændret; det gemte svar står ved hver af dem. Ret til, og gem igen for at bruge dine indtastninger."
                }
            );
            let mut reloaded = loaded;
            reloaded.submission = Some(theirs.clone());
            let page = PageInput {
                typed: input.typed,
                proposals: input.proposals,
                version: theirs.version,
                errors: Vec::new(),
                notice: None,
                conflict: Some(message),
                failure: None,
                theirs: Some(theirs),
                changed,
                status: StatusCode::CONFLICT,
            };
            render(&state, &session, &user, &reloaded, page)
        }
        SaveOutcome::Refused(refusal) => {
            let page = PageInput::refused(input.typed, input.proposals, input.version, refusal);
            render(&state, &session, &user, &loaded, page)
        }
    }
}

/// One answer of a form that could not be saved, as the page that keeps it shows it.
#[derive(Debug, Serialize)]
struct KeptAnswer {
    /// Its place among the answers posted (the page has no round to name it by).
    number: usize,
    id: String,
    status: String,
    status_view: Option<StatusView>,
    comment: String,
    confirm: Option<String>,
}

/// The page that keeps a form's input when the database failed before the form could be
/// read: built from the posted fields alone, so it shows nothing the database holds.
#[derive(Debug, Serialize)]
struct UnsavedView {
    form_path: String,
    reason: &'static str,
    version: String,
    answers: Vec<KeptAnswer>,
    proposals: String,
    comment_max: usize,
    proposals_max: usize,
}

impl UnsavedView {
    fn from_fields(form_path: String, fields: &[(String, String)]) -> UnsavedView {
        let mut answers: Vec<KeptAnswer> = Vec::new();
        let mut answer = |id: &str| -> usize {
            if let Some(i) = answers.iter().position(|a| a.id == id) {
                return i;
            }
            answers.push(KeptAnswer {
                number: answers.len() + 1,
                id: id.to_owned(),
                status: String::new(),
                status_view: None,
                comment: String::new(),
                confirm: None,
            });
            answers.len() - 1
        };
        let is_id =
            |id: &str| !id.is_empty() && id.len() <= 9 && id.bytes().all(|b| b.is_ascii_digit());
        let mut version = String::new();
        let mut proposals = String::new();
        let mut rows: Vec<(usize, &str, &str)> = Vec::new();
        for (name, value) in fields {
            match name.split_once('-') {
                Some((kind @ ("status" | "comment" | "confirm"), id)) if is_id(id) => {
                    rows.push((answer(id), kind, value));
                }
                _ if name == "version" => value.clone_into(&mut version),
                _ if name == "proposals" => value.clone_into(&mut proposals),
                _ => {}
            }
        }
        for (i, kind, value) in rows {
            let kept = &mut answers[i];
            match kind {
                "status" => {
                    value.clone_into(&mut kept.status);
                    kept.status_view = Status::parse(value).ok().map(StatusView::from);
                }
                "comment" => value.clone_into(&mut kept.comment),
                _ => kept.confirm = Some(value.to_owned()),
            }
        }
        UnsavedView {
            form_path,
            reason: SAVE_FAILED,
            version,
            answers,
            proposals,
            comment_max: crate::domain::Comment::MAX_CHARS,
            proposals_max: form::PROPOSALS_MAX_CHARS,
        }
    }
}

/// The database failed before the form could be read: a 503 page that keeps every field
/// typed and posts it again to the form when the user tries once more.
fn unsaved(
    state: &AppState,
    session: &Session,
    round_id: i32,
    code: &str,
    fields: &[(String, String)],
    error: &AppError,
) -> Result<HttpResponse, AppError> {
    tracing::error!(error = %error, "a form could not be saved: the database failed before the save");
    let (round_id, code) = parse_target(round_id, code)?;
    let view = UnsavedView::from_fields(form_path(round_id, &code), fields);
    let mut context = base_context(session, None)?;
    context.extend(tera::Context::from_serialize(&view)?);
    let mut response = state.pages.respond(
        StatusCode::SERVICE_UNAVAILABLE,
        "form_unsaved.html",
        &context,
    )?;
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("30"));
    Ok(response)
}

/// The form's conflict rule (`events::changed_since`) over its recorded events; a row no event
/// type reads changes nothing.
fn changed_since(events: &[AuditEvent], base_version: i32) -> BTreeSet<i32> {
    use crate::domain::events::{self, Event, SubmissionEvent};
    let events: Vec<SubmissionEvent> = events
        .iter()
        .filter_map(|e| match e.event() {
            Ok(Event::Submission(change)) => Some(change),
            Ok(
                Event::Round(_)
                | Event::User(_)
                | Event::ApiToken(_)
                | Event::Group(_)
                | Event::Mail(_)
                | Event::Attachment(_)
                | Event::Municipality(_)
                | Event::SitePage(_)
                | Event::AccessibilityStatement(_),
            )
            | Err(_) => None,
        })
        .collect();
    events::changed_since(&events, base_version)
}

/// The round's rules said no: the message for a save (`how` is `None`), a withdrawal or a
/// reopening.
fn refused(refusal: Refusal, how: Option<&Reopening>) -> AppError {
    AppError::Conflict(refusal_text(refusal, how).into())
}

/// The Danish reason for a refusal of a save (`how` is `None`), a withdrawal or a reopening.
fn refusal_text(refusal: Refusal, how: Option<&Reopening>) -> &'static str {
    match (refusal, how) {
        (Refusal::RoundClosed, None) => {
            "Runden tager ikke længere imod svar: fristen er overskredet, eller runden er lukket. Intet er gemt."
        }
        (Refusal::AlreadySubmitted, _) => {
            "Skemaet er allerede indsendt og kan ikke ændres. Træk det tilbage til kladde først. Intet er gemt."
        }
        (Refusal::NotSubmitted, _) => {
            "Skemaet er ikke indsendt, så der er intet at trække tilbage. Intet er ændret."
        }
        (Refusal::RoundClosed, Some(Reopening::Reopen { .. })) => {
            "Runden er ikke åben, så skemaet kan ikke genåbnes. Intet er ændret."
        }
        (Refusal::DeadlinePassed | Refusal::RoundClosed, _) => {
            "Fristen er overskredet: kun KKR-sekretariatet kan genåbne skemaet nu. Intet er ændret."
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ReopenForm {
    csrf_token: Option<String>,
    version: Option<String>,
    reason: Option<String>,
}

fn parse_version(raw: Option<&str>) -> Result<i32, AppError> {
    raw.and_then(|v| v.trim().parse().ok()).ok_or_else(|| {
        AppError::BadRequest(
            "Skemaets versionsnummer mangler eller er ugyldigt. Intet er ændret.".into(),
        )
    })
}

async fn reopen_with(
    state: &web::Data<AppState>,
    user: &User,
    loaded: Loaded,
    version: i32,
    how: Reopening,
) -> Result<HttpResponse, AppError> {
    // Asked early; the store asks again in the write's transaction.
    let withdraw = matches!(how, Reopening::Withdraw);
    let early = match &loaded.submission {
        Some(stored) => {
            access::reopening_refusal(&loaded.content.round, stored, withdraw, state.clock.now())
        }
        None => Some(Refusal::NotSubmitted),
    };
    if let Some(refusal) = early {
        return Err(refused(refusal, Some(&how)));
    }
    let flag = match how {
        Reopening::Withdraw => "tilbage",
        Reopening::Reopen { .. } => "genaabnet",
    };
    let round_id = loaded.content.round.id;
    let code = loaded.code.clone();
    let actor = user.id;
    let target = code.clone();
    let attempt = how.clone();
    let at = state.clock.now();
    let outcome = db(state, move |conn| {
        Ok(submissions::reopen(
            conn, round_id, &target, version, &attempt, actor, at,
        )?)
    })
    .await?;
    match outcome {
        SaveOutcome::Saved(_) => Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("{}?gemt={flag}", form_path(round_id, &code)),
            ))
            .finish()),
        SaveOutcome::Conflict(_) => Err(AppError::Conflict(
            "Skemaet er ændret af en anden, siden du åbnede det. Genindlæs siden og prøv igen. Intet er ændret.".into(),
        )),
        SaveOutcome::Refused(refusal) => Err(refused(refusal, Some(&how))),
    }
}

async fn withdraw(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(i32, String)>,
    SignedIn(user): SignedIn,
    form: web::Form<ReopenForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let (round_id, code) = path.into_inner();
    let loaded = load_editable(&state, &user, round_id, &code).await?;
    let version = parse_version(form.version.as_deref())?;
    reopen_with(&state, &user, loaded, version, Reopening::Withdraw).await
}

/// The most characters a reopening reason takes.
const REASON_MAX_CHARS: usize = 500;

async fn reopen(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(i32, String)>,
    SignedIn(user): SignedIn,
    form: web::Form<ReopenForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, form.csrf_token.as_deref())?;
    let (round_id, code) = path.into_inner();
    let (round_id, code) = parse_target(round_id, &code)?;
    let loaded = load(&state, round_id, code).await?;
    if !access::can_reopen(&user, &loaded.content.round) {
        return Err(AppError::Forbidden);
    }
    let version = parse_version(form.version.as_deref())?;
    let reason = form.reason.as_deref().unwrap_or("").trim().to_owned();
    if reason.is_empty() {
        return Err(AppError::BadRequest(
            "Skriv en begrundelse for at genåbne skemaet. Intet er ændret.".into(),
        ));
    }
    if reason.chars().count() > REASON_MAX_CHARS {
        return Err(AppError::BadRequest(format!(
            "Begrundelsen må højst være {REASON_MAX_CHARS} tegn. Intet er ændret."
        )));
    }
    reopen_with(&state, &user, loaded, version, Reopening::Reopen { reason }).await
}

#[derive(Debug, Serialize)]
struct HistoryRow {
    when: String,
    who: String,
    what: String,
    details: String,
}

/// A recorded change in words.
fn describe(event: &AuditEvent, codes: &HashMap<i32, String>) -> HistoryRow {
    use crate::domain::events::Event;
    let (what, details) = match event.event() {
        Ok(Event::Submission(change)) => crate::views::audit::form_change_da(&change, codes),
        // A form's history holds only its own events; a row no event type reads shows its
        // action as stored.
        Ok(
            Event::Round(_)
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
        who: event.user_name.clone().unwrap_or_else(|| "(system)".into()),
        what,
        details,
    }
}

async fn history(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(i32, String)>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let (round_id, code) = path.into_inner();
    let (round_id, code) = parse_target(round_id, &code)?;
    let target = code.clone();
    let (content, events) = db(&state, move |conn| {
        let content = rounds::load_content(conn, round_id)?.ok_or(AppError::NotFound)?;
        if content.municipality(&target).is_none() {
            return Err(AppError::NotFound);
        }
        let events = submissions::history(conn, round_id, &target)?;
        Ok((content, events))
    })
    .await?;
    if !access::can_see_history(&user, &content.round) {
        return Err(AppError::Forbidden);
    }
    let codes: HashMap<i32, String> = content
        .recommendations
        .iter()
        .map(|r| (r.id, r.code.clone()))
        .collect();
    let rows: Vec<HistoryRow> = events.iter().map(|e| describe(e, &codes)).collect();
    let municipality = content.municipality(&code).ok_or(AppError::NotFound)?;
    let mut context = base_context(&session, Some(&user))?;
    context.insert("round", &content.round);
    context.insert("municipality_name", &municipality.official_name());
    context.insert("code", code.as_str());
    context.insert("rows", &rows);
    state.pages.ok("history.html", &context)
}
