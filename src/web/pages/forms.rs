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
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::access::Refusal;
use crate::domain::form::{
    self, FieldError, FormAction, FormContext, FormInput, FormRejection, TypedAnswer,
};
use crate::domain::lineage::{self, Lineage, PreviousAnswer};
use crate::domain::time::danish_datetime;
use crate::domain::{access, MunicipalityCode, RoundContent, Submission, SubmissionState, User};
use crate::store::audit::AuditEvent;
use crate::store::submissions::{self, Reopening, SaveOutcome};
use crate::store::{notices, rounds};
use crate::views::form::{FormEntry, FormFacts, FormPage, FormRights, HistoryPage, UnsavedPage};
use crate::web::error::AppError;
use crate::web::extract::{page_context, CsrfForm, Page};
use crate::web::infra::cache::PageKey;
use crate::web::pages::dashboard::render_cached;
use crate::web::session::SignedIn;
use crate::web::session::{read_shown, read_version, verify_csrf};
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
    /// Why the KKR's admins reopened the form, while it is reopened.
    reopen_reason: Option<String>,
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

/// The round as this municipality is asked it: the common focus areas and its own clusters'.
fn asked_content(
    state: &AppState,
    conn: &mut crate::store::DbConnection,
    (round_id, marker): (i32, i64),
    code: &MunicipalityCode,
) -> Result<std::sync::Arc<crate::domain::RoundContent>, AppError> {
    let content = state
        .cache
        .content_at(conn, round_id, marker)?
        .ok_or(AppError::NotFound)?;
    if content.municipality(code).is_none() {
        return Err(AppError::NotFound);
    }
    Ok(if content.has_clusters() {
        std::sync::Arc::new(content.for_municipality(code))
    } else {
        content
    })
}

async fn load(
    state: &web::Data<AppState>,
    round_id: i32,
    code: MunicipalityCode,
    shown: Option<i64>,
) -> Result<Loaded, AppError> {
    let state_for_db = state.clone();
    // Two statements (the round's markers, and the form with its answers): the round's
    // content and last year's round come from the cache, and so do the markers when they were
    // kept at the shown marker read with the user (see
    // `SummaryCache::form_markers_and_last_year`). Read on the worker on SQLite, which spares
    // each save and form page one trip to the blocking pool.
    db_read(state, move |conn| {
        let (markers, last_year) = state_for_db
            .cache
            .form_markers_and_last_year(conn, round_id, shown)?
            .ok_or(AppError::NotFound)?;
        let content = asked_content(&state_for_db, conn, (round_id, markers.content), &code)?;
        let submission = submissions::get_submission(conn, round_id, &code)?;
        let last_year = last_year.as_ref().map(|(data, _)| &**data);
        let lineage = lineage::lineage(&content, last_year.map(|data| &data.content));
        let previous = lineage::previous_answers_by_recommendation(
            &lineage,
            last_year.and_then(|data| data.submission_of(&code)),
        );
        let reopen_reason = match submission.as_ref().filter(|s| s.reopened) {
            Some(s) => notices::reopen_reason(conn, s.id)?,
            None => None,
        };
        Ok(Loaded {
            content,
            submission,
            previous,
            lineage,
            code,
            reopen_reason,
        })
    })
    .await
}

/// Loads the form and checks that the user may edit it.
async fn load_editable(
    state: &web::Data<AppState>,
    user: &User,
    (round_id, code): (i32, &str),
    shown: Option<i64>,
) -> Result<Loaded, AppError> {
    let (round_id, code) = parse_target(round_id, code)?;
    let loaded = load(state, round_id, code, shown).await?;
    if access::can_edit_form(user, &loaded.content.round, &loaded.code) {
        Ok(loaded)
    } else {
        Err(AppError::Forbidden)
    }
}

/// What the page shows besides the stored form, and with which status.
struct PageInput {
    entry: FormEntry,
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
        let failure = format!(
            "{} Det, du skrev, står i felterne herunder, så du kan kopiere det.",
            refusal_text(refusal, None)
        );
        PageInput {
            entry: FormEntry {
                typed,
                proposals,
                version,
                failure: Some(failure),
                ..FormEntry::default()
            },
            status: StatusCode::CONFLICT,
        }
    }

    /// The form as stored, with a notice of what was just done.
    fn stored(loaded: &Loaded, notice: Option<&'static str>) -> PageInput {
        PageInput {
            entry: FormEntry {
                typed: loaded.context().initial(),
                proposals: loaded
                    .submission
                    .as_ref()
                    .map(|s| s.proposals.clone())
                    .unwrap_or_default(),
                version: loaded.version(),
                notice,
                ..FormEntry::default()
            },
            status: StatusCode::OK,
        }
    }

    /// The input again with an error per field that cannot be saved as it is.
    fn invalid(
        errors: Vec<FieldError>,
        typed: BTreeMap<i32, TypedAnswer>,
        proposals: String,
        version: i32,
    ) -> PageInput {
        PageInput {
            entry: FormEntry {
                typed,
                proposals,
                version,
                errors,
                ..FormEntry::default()
            },
            status: StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// The database refused the write: nothing is saved, the input is kept.
    fn failed(input: FormInput) -> PageInput {
        PageInput {
            entry: FormEntry {
                typed: input.typed,
                proposals: input.proposals,
                version: input.version,
                failure: Some(SAVE_FAILED.to_owned()),
                ..FormEntry::default()
            },
            status: StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

fn render(page: &Page, loaded: &Loaded, shown: PageInput) -> Result<HttpResponse, AppError> {
    let model = form_page(page.user(), page.state.clock.now(), loaded, &shown.entry)?;
    page.render_status(shown.status, "form.html", &model)
}

/// The form page's view model for `user` at `now`.
fn form_page<'a>(
    user: &User,
    now: chrono::NaiveDateTime,
    loaded: &'a Loaded,
    entry: &'a FormEntry,
) -> Result<WithReason<'a>, AppError> {
    let (round, code) = (&loaded.content.round, &loaded.code);
    let submitted = loaded.submitted();
    let withdrawable = access::can_withdraw(user, round, code, now);
    let rights = FormRights {
        editable: !submitted && access::round_takes_answers(user, round, now, loaded.reopened()),
        can_withdraw: submitted && withdrawable,
        can_reopen: submitted && !withdrawable && access::can_reopen(user, round),
        can_see_history: access::can_see_history(user, round),
    };
    let facts = FormFacts {
        content: &loaded.content,
        submission: loaded.submission.as_ref(),
        previous: &loaded.previous,
        lineage: &loaded.lineage,
        code,
    };
    let form = FormPage::new(&facts, entry, rights).ok_or(AppError::NotFound)?;
    Ok(WithReason {
        form,
        reopen_reason: loaded.reopen_reason.as_deref(),
    })
}

/// The stored form's place in the page cache: per round, municipality, notice and viewer
/// class (the rights depend on the role; the page's person-specific parts are markers).
fn form_key(round_id: i32, code: &str, done: Option<Done>, user: &User) -> PageKey {
    let variant = format!("{code}:{}", done.map_or("", Done::flag));
    PageKey::new("form", round_id, variant, Some(user), String::new())
}

/// The form's page with the reason it was reopened for.
#[derive(Serialize)]
struct WithReason<'a> {
    #[serde(flatten)]
    form: FormPage<'a>,
    reopen_reason: Option<&'a str>,
}

/// What was just done to the form, as the redirect after it says (`?gemt=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Done {
    Kladde,
    Indsendt,
    Tilbage,
    Genaabnet,
    /// Anything else says nothing.
    #[serde(other)]
    Other,
}

impl Done {
    fn flag(self) -> &'static str {
        match self {
            Done::Kladde => "kladde",
            Done::Indsendt => "indsendt",
            Done::Tilbage => "tilbage",
            Done::Genaabnet => "genaabnet",
            Done::Other => "",
        }
    }

    fn notice(self) -> Option<&'static str> {
        match self {
            Done::Kladde => Some("Kladden er gemt."),
            Done::Indsendt => Some("Skemaet er indsendt. Tak!"),
            Done::Tilbage => Some("Skemaet er trukket tilbage til kladde og kan rettes igen."),
            Done::Genaabnet => Some("Skemaet er genåbnet. Kommunen kan rette og indsende igen."),
            Done::Other => None,
        }
    }

    /// The form's address with this flag, where the user is sent after a change.
    fn redirect(self, round_id: i32, code: &MunicipalityCode) -> HttpResponse {
        HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("{}?gemt={}", form_path(round_id, code), self.flag()),
            ))
            .finish()
    }
}

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    gemt: Option<Done>,
}

/// The stored form: from the page cache when it holds it at the data version read with the
/// user (and the round's deadline has not passed since, which changes the rights), else
/// rendered and kept. A page is kept only after the access check passed for its viewer class.
async fn show(
    page: Page,
    req: HttpRequest,
    path: web::Path<(i32, String)>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let (round_id, code) = path.into_inner();
    let now = page.state.clock.now();
    let version = read_version(&req);
    let key = form_key(round_id, &code, query.gemt, page.user());
    if let Some(cached) = page.state.cache.page_at(&key, version, now) {
        return cached.respond(&page.session, Some(page.user()));
    }
    let target = (round_id, code.as_str());
    let loaded = load_editable(&page.state, page.user(), target, read_shown(&req)).await?;
    let notice = query.gemt.and_then(Done::notice);
    let shown = PageInput::stored(&loaded, notice);
    let Some(version) = version else {
        return render(&page, &loaded, shown);
    };
    let model = form_page(page.user(), now, &loaded, &shown.entry)?;
    let html = render_cached(&page.state, Some(page.user()), "form.html", &model)?;
    // The data was read after the version: what is kept is never older than its version.
    let deadline = loaded.content.round.deadline;
    let until = (now <= deadline).then_some(deadline);
    page.state
        .cache
        .store_page_until(key, version, until, &html)
        .respond(&page.session, Some(page.user()))
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

/// The posted form: a form to save, or the page again with why it cannot be saved.
enum Checked {
    Save(FormInput),
    Show(Box<PageInput>),
}

/// Parses the posted fields and asks the round's rules whether they may be saved now (early,
/// to answer before writing; the store asks again in the write's transaction).
fn check(page: &Page, loaded: &Loaded, fields: &[(String, String)]) -> Result<Checked, AppError> {
    let early = access::save_refusal(
        page.user(),
        &loaded.content.round,
        loaded.submission.as_ref(),
        page.state.clock.now(),
    );
    match (form::parse(fields, loaded.context()), early) {
        (Err(FormRejection::Malformed(message)), _) => Err(AppError::BadRequest(format!(
            "Formularen kunne ikke gemmes: {message}. Intet er gemt."
        ))),
        // Correcting the fields would not help: the refusal is what to say.
        (
            Err(FormRejection::Invalid {
                typed,
                version,
                proposals,
                ..
            }),
            Some(refusal),
        ) => Ok(Checked::Show(Box::new(PageInput::refused(
            typed, proposals, version, refusal,
        )))),
        (
            Err(FormRejection::Invalid {
                errors,
                typed,
                version,
                proposals,
            }),
            None,
        ) => Ok(Checked::Show(Box::new(PageInput::invalid(
            errors, typed, proposals, version,
        )))),
        (Ok(input), Some(refusal)) => Ok(Checked::Show(Box::new(PageInput::refused(
            input.typed,
            input.proposals,
            input.version,
            refusal,
        )))),
        (Ok(input), None) => Ok(Checked::Save(input)),
    }
}

/// The form a save is for, or the page that keeps the input when the database failed.
enum Opened {
    Form(Box<(Page, Loaded)>),
    Kept(HttpResponse),
}

/// Opens the form for a save: the user (read from the database: when it cannot be reached,
/// the typed input comes back on a page of its own, after the CSRF check so that a forged
/// post is never echoed) and the form they may edit.
async fn open_for_save(
    state: web::Data<AppState>,
    session: Session,
    (round_id, code): (i32, &str),
    (signed_in, shown): (Result<SignedIn, AppError>, Option<i64>),
    fields: &[(String, String)],
) -> Result<Opened, AppError> {
    let user = match signed_in {
        Ok(SignedIn(user)) => user,
        Err(e) if database_failed(&e) => {
            verify_csrf(&session, field(fields, "csrf_token"))?;
            return unsaved(&state, &session, round_id, code, fields, &e).map(Opened::Kept);
        }
        Err(e) => return Err(e),
    };
    verify_csrf(&session, field(fields, "csrf_token"))?;
    match load_editable(&state, &user, (round_id, code), shown).await {
        Ok(loaded) => {
            let page = Page {
                state,
                session,
                user,
            };
            Ok(Opened::Form(Box::new((page, loaded))))
        }
        Err(e) if database_failed(&e) => {
            unsaved(&state, &session, round_id, code, fields, &e).map(Opened::Kept)
        }
        Err(e) => Err(e),
    }
}

/// Saves the form. The fields are read here, not by `CsrfForm`, so that the CSRF check comes
/// after the sign-in's and a database failure still keeps the input.
async fn save(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    path: web::Path<(i32, String)>,
    signed_in: Result<SignedIn, AppError>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (fields, (round_id, code)) = (fields.into_inner(), path.into_inner());
    let target = (round_id, code.as_str());
    let user = (signed_in, read_shown(&req));
    let (page, loaded) = match open_for_save(state, session, target, user, &fields).await? {
        Opened::Form(opened) => *opened,
        Opened::Kept(response) => return Ok(response),
    };
    let input = match check(&page, &loaded, &fields)? {
        Checked::Save(input) => input,
        Checked::Show(shown) => return render(&page, &loaded, *shown),
    };
    match write(&page, &loaded, &input).await {
        Ok(SaveOutcome::Saved(saved)) => Ok(Done::saved(&saved)),
        Ok(SaveOutcome::Conflict(theirs)) => {
            let candidates = conflict_candidates(&page.state, &loaded, &input).await;
            let (reloaded, shown) = after_conflict(loaded, input, theirs, candidates);
            render(&page, &reloaded, shown)
        }
        Ok(SaveOutcome::Refused(refusal)) => {
            let shown = PageInput::refused(input.typed, input.proposals, input.version, refusal);
            render(&page, &loaded, shown)
        }
        // The database refused the write (read-only, disk full, gone): the transaction wrote
        // nothing, and the user gets the form back with everything typed.
        Err(e) if database_failed(&e) => {
            tracing::error!(error = %e, "saving a form failed");
            render(&page, &loaded, PageInput::failed(input))
        }
        Err(e) => Err(e),
    }
}

impl Done {
    /// Where a saved form sends the user.
    fn saved(saved: &Submission) -> HttpResponse {
        let done = if saved.is_submitted() {
            Done::Indsendt
        } else {
            Done::Kladde
        };
        done.redirect(saved.round_id, &saved.municipality_code)
    }
}

/// Writes the form through the write queue.
async fn write(page: &Page, loaded: &Loaded, input: &FormInput) -> Result<SaveOutcome, AppError> {
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
    let request = submissions::FormSave {
        save: target,
        user: page.user.clone(),
        now: page.state.clock.now(),
        stored: loaded.submission.clone(),
    };
    // The receipt of a submission is queued in the save's transaction.
    let outcome = page
        .state
        .writer
        .save_form(request, page.state.links())
        .await;
    if matches!(&outcome, Ok(SaveOutcome::Saved(s)) if s.is_submitted()) {
        page.state.wake_outbox();
    }
    outcome
}

/// The answers another user may have changed since this user's version, read from the
/// form's history.
async fn conflict_candidates(
    state: &web::Data<AppState>,
    loaded: &Loaded,
    input: &FormInput,
) -> BTreeSet<i32> {
    let (round_id, code) = (loaded.content.round.id, loaded.code.clone());
    let events = db(state, move |conn| {
        Ok(submissions::history(conn, round_id, &code)?)
    })
    .await;
    // Without the history (the database failed after the write was refused), every
    // answer is a candidate, so the input is still kept and the differences shown.
    match events {
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
    }
}

/// The page after a conflict: the form as the other user saved it, this user's input in the
/// fields, and their saved answer beside each answer they changed that differs from it.
fn after_conflict(
    loaded: Loaded,
    input: FormInput,
    theirs: Submission,
    candidates: BTreeSet<i32>,
) -> (Loaded, PageInput) {
    let mut reloaded = loaded;
    reloaded.submission = Some(theirs.clone());
    let entry = FormEntry::after_conflict(input.typed, input.proposals, theirs, candidates);
    let shown = PageInput {
        entry,
        status: StatusCode::CONFLICT,
    };
    (reloaded, shown)
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
    let model = UnsavedPage::from_fields(form_path(round_id, &code), SAVE_FAILED, fields);
    let context = page_context(session, None, &model)?;
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

/// The recommendations whose answers (status or comment) changed in the versions saved after
/// `base_version`, read from the form's audit trail: each save writes one row per changed
/// answer, then the save's own row carrying the new version number. A change of the
/// "carried over from last year" mark alone is not a change the other person made.
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
                | Event::AccessibilityStatement(_)
                | Event::SignIn(_),
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

crate::csrf_protected!(ReopenForm);

fn parse_version(raw: Option<&str>) -> Result<i32, AppError> {
    raw.and_then(|v| v.trim().parse().ok()).ok_or_else(|| {
        AppError::BadRequest(
            "Skemaets versionsnummer mangler eller er ugyldigt. Intet er ændret.".into(),
        )
    })
}

async fn reopen_with(
    page: &Page,
    loaded: Loaded,
    version: i32,
    how: Reopening,
) -> Result<HttpResponse, AppError> {
    // Asked early; the store asks again in the write's transaction.
    let withdraw = matches!(how, Reopening::Withdraw);
    let round = &loaded.content.round;
    let now = page.state.clock.now();
    let early = match &loaded.submission {
        Some(stored) => access::reopening_refusal(round, stored, withdraw, now),
        None => Some(Refusal::NotSubmitted),
    };
    if let Some(refusal) = early {
        return Err(refused(refusal, Some(&how)));
    }
    let (round_id, target, actor) = (round.id, loaded.code.clone(), page.user.id);
    let attempt = how.clone();
    let links = page.state.links();
    let outcome = db(&page.state, move |conn| {
        Ok(notices::reopen(
            conn, round_id, &target, version, &attempt, actor, &links, now,
        )?)
    })
    .await?;
    page.state.wake_outbox();
    match (outcome, how) {
        (SaveOutcome::Saved(_), Reopening::Withdraw) => Ok(Done::Tilbage.redirect(round_id, &loaded.code)),
        (SaveOutcome::Saved(_), Reopening::Reopen { .. }) => Ok(Done::Genaabnet.redirect(round_id, &loaded.code)),
        (SaveOutcome::Conflict(_), _) => Err(AppError::Conflict(
            "Skemaet er ændret af en anden, siden du åbnede det. Genindlæs siden og prøv igen. Intet er ændret.".into(),
        )),
        (SaveOutcome::Refused(refusal), how) => Err(refused(refusal, Some(&how))),
    }
}

async fn withdraw(
    page: Page,
    path: web::Path<(i32, String)>,
    form: CsrfForm<ReopenForm>,
) -> Result<HttpResponse, AppError> {
    let (round_id, code) = path.into_inner();
    let loaded = load_editable(&page.state, page.user(), (round_id, &code), None).await?;
    let version = parse_version(form.version.as_deref())?;
    reopen_with(&page, loaded, version, Reopening::Withdraw).await
}

/// The most characters a reopening reason takes.
const REASON_MAX_CHARS: usize = 500;

/// The reason given for reopening a form: required, at most [`REASON_MAX_CHARS`].
fn parse_reason(raw: Option<&str>) -> Result<String, AppError> {
    let reason = raw.unwrap_or("").trim().to_owned();
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
    Ok(reason)
}

async fn reopen(
    page: Page,
    path: web::Path<(i32, String)>,
    form: CsrfForm<ReopenForm>,
) -> Result<HttpResponse, AppError> {
    let (round_id, code) = path.into_inner();
    let (round_id, code) = parse_target(round_id, &code)?;
    let loaded = load(&page.state, round_id, code, None).await?;
    if !access::can_reopen(page.user(), &loaded.content.round) {
        return Err(AppError::Forbidden);
    }
    let version = parse_version(form.version.as_deref())?;
    let reason = parse_reason(form.reason.as_deref())?;
    reopen_with(&page, loaded, version, Reopening::Reopen { reason }).await
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
            | Event::AccessibilityStatement(_)
            | Event::SignIn(_),
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

async fn history(page: Page, path: web::Path<(i32, String)>) -> Result<HttpResponse, AppError> {
    let (round_id, code) = path.into_inner();
    let (round_id, code) = parse_target(round_id, &code)?;
    let target = code.clone();
    let (content, events) = db(&page.state, move |conn| {
        let content = rounds::load_content(conn, round_id)?.ok_or(AppError::NotFound)?;
        if content.municipality(&target).is_none() {
            return Err(AppError::NotFound);
        }
        let events = submissions::history(conn, round_id, &target)?;
        Ok((content, events))
    })
    .await?;
    if !access::can_see_history(page.user(), &content.round) {
        return Err(AppError::Forbidden);
    }
    let codes: HashMap<i32, String> = content
        .recommendations
        .iter()
        .map(|r| (r.id, r.code.clone()))
        .collect();
    let rows: Vec<HistoryRow> = events.iter().map(|e| describe(e, &codes)).collect();
    let municipality = content.municipality(&code).ok_or(AppError::NotFound)?;
    let model = HistoryPage {
        round: &content.round,
        municipality_name: municipality.official_name(),
        code: code.as_str(),
        rows,
    };
    page.render("history.html", &model)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(query: &str) -> Option<Done> {
        web::Query::<ShowQuery>::from_query(query)
            .expect("a show query always parses")
            .into_inner()
            .gemt
    }

    #[test]
    fn each_flag_the_redirects_set_reads_back_as_what_was_done() {
        for flag in [Done::Kladde, Done::Indsendt, Done::Tilbage, Done::Genaabnet] {
            let read = done(&format!("gemt={}", flag.flag()));
            assert_eq!(read, Some(flag));
            assert!(flag.notice().is_some());
        }
    }

    #[test]
    fn an_unknown_flag_shows_the_form_without_a_notice() {
        assert_eq!(done("gemt=noget"), Some(Done::Other));
        assert_eq!(Done::Other.notice(), None);
        assert_eq!(done(""), None);
    }

    #[test]
    fn a_reopening_reason_is_required_and_limited() {
        assert!(parse_reason(None).is_err());
        assert!(parse_reason(Some("   ")).is_err());
        assert_eq!(
            parse_reason(Some(" Ny frist ")).ok(),
            Some("Ny frist".to_owned())
        );
        assert!(parse_reason(Some(&"x".repeat(REASON_MAX_CHARS))).is_ok());
        assert!(parse_reason(Some(&"x".repeat(REASON_MAX_CHARS + 1))).is_err());
    }
}
