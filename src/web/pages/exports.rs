//! Downloads: a municipality's attachment (PDF), agenda item draft (TXT, DOCX) and answers
//! (XLSX, CSV); snapshots of attachments; the round's data (XLSX, CSV) and the KKR report.
//!
//! Routes and who may use them:
//! - `GET /rounds/{id}/municipalities/{code}/attachment.pdf` (`?moededato=`: the meeting's
//!   date, empty for none; without it the date kept for the attachment), `.../agenda.txt`,
//!   `.../agenda.docx`, `.../answers.xlsx`, `.../answers.csv`: the municipality's editors and
//!   readers (with its draft), the KKR's admins (with the draft) and members (submitted only).
//! - `GET /rounds/{id}/municipalities/{code}/agenda`: the download form for the agenda item
//!   and the attachment, where the secretary adds the case number and meeting dates; the same
//!   users. `agenda.txt` and `agenda.docx` take its fields (`sagsnr`, `moededato`,
//!   `tidligere`) as query parameters.
//! - `POST /rounds/{id}/municipalities/{code}/meeting`: keeps the council meeting's date for
//!   the attachment (downloads without `?moededato=` carry it; the renders ahead use it):
//!   the municipality's editors and readers, the KKR's admins.
//! - `POST /rounds/{id}/municipalities/{code}/snapshots`: the municipality's editors and
//!   readers, the KKR's admins. A snapshot holds submitted answers only.
//! - `GET /snapshots/{id}/bilag.pdf`: whoever may read the municipality. Its comparison with
//!   today is in [`crate::web::pages::snapshot_changes`].
//! - `GET /rounds/{id}/export.xlsx`, `GET /rounds/{id}/export.csv`,
//!   `GET /rounds/{id}/kkr-report.pdf`: the KKR's admins and members.
//!
//! CSV takes `?sep=semikolon` for Danish Excel.

use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::domain::analysis::RoundAnalysis;
use crate::domain::{access, set_changes, snapshot_diff, MunicipalityCode, Role, Round, User};
use crate::report::sheets::{self, Scope, Separator};
use crate::report::{agenda, ReportError};
use crate::store::{council_meetings, rounds, snapshots};
use crate::views::agenda::{
    digits, AgendaFormPage, AgendaValues, CooperationView, MeetingView, StartYear,
};
use crate::views::fields::FieldError;
use crate::web::attachments::{self, report_error, timed};
use crate::web::error::percent_encode;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, Page};
use crate::web::pages::forms::parse_target;
use crate::web::refusals::meeting_date_refusal_da;
use crate::web::session::SignedIn;
use crate::web::{blocking, db, db_read, round_view, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    const BASE: &str = "/rounds/{id}/municipalities/{code}";
    cfg.route(
        &format!("{BASE}/attachment.pdf"),
        web::get().to(attachment_pdf),
    )
    .route(&format!("{BASE}/agenda"), web::get().to(agenda_form))
    .route(&format!("{BASE}/meeting"), web::post().to(keep_meeting))
    .route(&format!("{BASE}/agenda.txt"), web::get().to(agenda_txt))
    .route(&format!("{BASE}/agenda.docx"), web::get().to(agenda_docx))
    .route(&format!("{BASE}/answers.xlsx"), web::get().to(answers_xlsx))
    .route(&format!("{BASE}/answers.csv"), web::get().to(answers_csv))
    .route(
        &format!("{BASE}/snapshots"),
        web::post().to(create_snapshot),
    )
    .route("/snapshots/{id}/bilag.pdf", web::get().to(snapshot_pdf))
    .route("/rounds/{id}/export.xlsx", web::get().to(round_xlsx))
    .route("/rounds/{id}/export.csv", web::get().to(round_csv))
    .route("/rounds/{id}/kkr-report.pdf", web::get().to(kkr_report));
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

fn download(content_type: &str, filename: &str, body: impl Into<Bytes>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body.into())
}

/// A municipality's round analysis, with whether the user may see its draft.
struct Target {
    view: Arc<RoundAnalysis>,
    code: MunicipalityCode,
    include_draft: bool,
}

async fn municipality_target(
    state: &web::Data<AppState>,
    user: &User,
    round_id: i32,
    code: &str,
) -> Result<Target, AppError> {
    let (round_id, code) = parse_target(round_id, code)?;
    let view = round_view(state, round_id).await?;
    let round = &view.data.content.round;
    if view.data.content.municipality(&code).is_none() {
        return Err(AppError::NotFound);
    }
    if !access::can_read_municipality(user, round, &code) {
        return Err(AppError::Forbidden);
    }
    let include_draft = access::can_see_drafts(user, round, &code);
    Ok(Target {
        view,
        code,
        include_draft,
    })
}

#[derive(Debug, Deserialize)]
pub struct AttachmentQuery {
    /// The council meeting's date, `YYYY-MM-DD`, for the attachment's header.
    moededato: Option<String>,
}

/// The meeting date of `?moededato=`; empty means none (a form's blank field).
fn meeting_date(raw: Option<&str>) -> Result<Option<chrono::NaiveDate>, AppError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let valid = raw.len() == 10 && raw.as_bytes().get(4) == Some(&b'-');
    match chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(date) if valid => Ok(Some(date)),
        _ => Err(AppError::BadRequest(
            "Mødedatoen kunne ikke læses. Skriv den som år-måned-dag, fx 2018-01-31.".into(),
        )),
    }
}

/// The attachment, for the council meeting of `?moededato=` (empty: none), else for the one
/// kept for it; from the PDF cache when it holds this one at the round's current data,
/// rendered otherwise ([`attachments::attachment`]). Who may read it is decided before the
/// cache is asked.
async fn attachment_pdf(
    state: web::Data<AppState>,
    path: web::Path<(i32, String)>,
    query: web::Query<AttachmentQuery>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let (round_id, code) = parse_target(path.0, &path.1)?;
    let (facts, may_see_draft) = attachment_facts(&state, &user, round_id, &code).await?;
    let asked = query
        .moededato
        .as_deref()
        .map(|raw| meeting_date(Some(raw)))
        .transpose()?;
    let now = state.clock.now();
    let meeting = asked.unwrap_or(facts.meeting);
    let key = attachments::key(round_id, &code, &facts, may_see_draft, meeting, now);
    let filename = format!("bilag-{}-{code}.pdf", facts.content.round.year);
    let pdf = attachments::attachment(&state, &code, key, facts.version, now).await?;
    Ok(download("application/pdf", &filename, pdf))
}

/// The facts of the attachment ([`attachments::facts`]) and whether the user may see the
/// municipality's draft; refused like [`municipality_target`] (unknown round or
/// municipality, or not the user's to read).
async fn attachment_facts(
    state: &web::Data<AppState>,
    user: &User,
    round_id: i32,
    code: &MunicipalityCode,
) -> Result<(attachments::AttachmentFacts, bool), AppError> {
    let cache_state = state.clone();
    let facts_code = code.clone();
    let facts = db_read(state, move |conn| {
        attachments::facts(&cache_state.cache, conn, round_id, &facts_code)?
            .ok_or(AppError::NotFound)
    })
    .await?;
    let round = &facts.content.round;
    if facts.content.municipality(code).is_none() {
        return Err(AppError::NotFound);
    }
    if !access::can_read_municipality(user, round, code) {
        return Err(AppError::Forbidden);
    }
    let may_see_draft = access::can_see_drafts(user, round, code);
    Ok((facts, may_see_draft))
}

/// The download form's fields as the query carries them.
#[derive(Debug, Default, Deserialize)]
pub struct AgendaQuery {
    #[serde(default)]
    sagsnr: String,
    #[serde(default)]
    moededato: String,
    #[serde(default)]
    tidligere: String,
    /// Which download the form asks for: `docx`, `txt` or `pdf`; none shows the form.
    #[serde(default)]
    format: Option<String>,
    /// `gemt=moede`: the meeting date for the attachment was just kept (or cleared).
    #[serde(default)]
    gemt: Option<String>,
}

/// A download the form asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AgendaDownload {
    /// The agenda item as a Word document.
    Docx,
    /// The agenda item as text.
    Txt,
    /// The attachment.
    Pdf,
}

impl AgendaDownload {
    /// The download a `format` names; only a hand-made address names another.
    fn parse(format: &str) -> Result<AgendaDownload, AppError> {
        match format {
            "docx" => Ok(AgendaDownload::Docx),
            "txt" => Ok(AgendaDownload::Txt),
            "pdf" => Ok(AgendaDownload::Pdf),
            _ => Err(AppError::BadRequest(
                "Ukendt format: vælg Word eller tekst til dagsordenspunktet eller PDF til bilaget."
                    .into(),
            )),
        }
    }

    /// Where the download is, with the details; `base` is the municipality's address.
    fn location(self, base: &str, details: &agenda::AgendaDetails) -> String {
        match (self, details.meeting) {
            (AgendaDownload::Docx, _) => format!("{base}/agenda.docx{}", details_query(details)),
            (AgendaDownload::Txt, _) => format!("{base}/agenda.txt{}", details_query(details)),
            (AgendaDownload::Pdf, Some(meeting)) => {
                format!("{base}/attachment.pdf?moededato={meeting}")
            }
            // Empty: none, rather than the date kept for the attachment.
            (AgendaDownload::Pdf, None) => format!("{base}/attachment.pdf?moededato="),
        }
    }
}

impl AgendaQuery {
    fn details(&self) -> Result<agenda::AgendaDetails, Vec<agenda::DetailError>> {
        agenda::parse_details(&self.sagsnr, &self.moededato, &self.tidligere)
    }

    fn values(&self) -> AgendaValues {
        AgendaValues {
            sagsnr: self.sagsnr.clone(),
            moededato: self.moededato.clone(),
            tidligere: self.tidligere.clone(),
        }
    }

    /// What the query asks for; an unknown format is refused (400) only when the fields
    /// can be read, since the form shows their errors first.
    fn decide(&self, base: &str) -> Result<AgendaRequest, AppError> {
        let Some(format) = self.format.as_deref() else {
            return Ok(AgendaRequest::Form);
        };
        match self.details() {
            Ok(details) => Ok(AgendaRequest::Download(
                AgendaDownload::parse(format)?.location(base, &details),
            )),
            Err(found) => Ok(AgendaRequest::Refused(
                found
                    .into_iter()
                    .map(|e| FieldError::new(e.field, e.message))
                    .collect(),
            )),
        }
    }
}

/// What the download form's query asks for.
enum AgendaRequest {
    /// The form, empty or prefilled.
    Form,
    /// The download at this address.
    Download(String),
    /// The form again with the fields that cannot be read.
    Refused(Vec<FieldError>),
}
/// The query string that carries the details on to a download, dates as ISO dates.
fn details_query(details: &agenda::AgendaDetails) -> String {
    let mut parts = Vec::new();
    if let Some(case) = &details.case_number {
        parts.push(format!("sagsnr={}", percent_encode(case)));
    }
    if let Some(meeting) = details.meeting {
        parts.push(format!("moededato={meeting}"));
    }
    if !details.earlier.is_empty() {
        let dates: Vec<String> = details.earlier.iter().map(|d| d.to_string()).collect();
        parts.push(format!("tidligere={}", percent_encode(&dates.join(","))));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// What the store knows of the round's cooperation: the start year given for it (or an
/// earlier round) and how many municipalities its KKR has.
async fn cooperation_of(
    state: &web::Data<AppState>,
    round: &Round,
) -> Result<(Option<rounds::CooperationStart>, usize), AppError> {
    let (round_id, kkr_id) = (round.id, round.kkr_id);
    db(state, move |conn| {
        Ok((
            rounds::cooperation_start(conn, round_id)?,
            rounds::kkr_municipality_count(conn, kkr_id)?,
        ))
    })
    .await
}

async fn agenda_of(
    state: &web::Data<AppState>,
    t: &Target,
    query: &AgendaQuery,
) -> Result<agenda::AgendaItem, AppError> {
    let details = query.details().map_err(|errors| {
        AppError::BadRequest(
            errors
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join(" "),
        )
    })?;
    let round = &t.view.data.content.round;
    let round_id = round.id;
    let proposers = db(state, move |conn| {
        Ok(rounds::focus_area_proposers(conn, round_id)?)
    })
    .await?;
    let (start, kkr_municipalities) = cooperation_of(state, round).await?;
    let facts = agenda::CooperationFacts {
        start_year: start.map(|s| s.year),
        kkr_municipalities,
    };
    let changes = set_changes::of_analysis(&t.view, &proposers);
    agenda::build(&t.view, &t.code, &details, &changes, &facts).ok_or(AppError::NotFound)
}

/// The agenda item's download form: shown empty (or prefilled from the query, else with the
/// meeting date kept for the attachment), shown again with the input and a message per field
/// when something cannot be read (400), or, when all is well, sent on to the download asked
/// for.
async fn agenda_form(
    page: Page,
    path: web::Path<(i32, String)>,
    query: web::Query<AgendaQuery>,
) -> Result<HttpResponse, AppError> {
    let (round_id, code) = path.into_inner();
    let t = municipality_target(&page.state, page.user(), round_id, &code).await?;
    let round = &t.view.data.content.round;
    let base = format!("/rounds/{}/municipalities/{}", round.id, t.code);
    let errors = match query.decide(&base)? {
        AgendaRequest::Form => Vec::new(),
        AgendaRequest::Refused(errors) => errors,
        AgendaRequest::Download(location) => {
            return Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .finish())
        }
    };
    let stored = kept_meeting(&page.state, &t).await?;
    let mut values = query.values();
    if query.format.is_none() && values.is_empty() {
        values.moededato = stored.map(digits).unwrap_or_default();
    }
    let may_keep = access::can_see_drafts(page.user(), round, &t.code);
    let meeting = MeetingView::kept(stored, may_keep, query.gemt.is_some());
    show_agenda_form(&page, &t, values, errors, meeting).await
}

/// The meeting date kept for the municipality's attachment of the round.
async fn kept_meeting(
    state: &web::Data<AppState>,
    t: &Target,
) -> Result<Option<chrono::NaiveDate>, AppError> {
    let (round_id, code) = (t.view.data.content.round.id, t.code.clone());
    db_read(state, move |conn| {
        Ok(council_meetings::meeting(conn, round_id, &code)?)
    })
    .await
}

/// The download form with these fields, messages and meeting date (400 when a field is
/// refused).
async fn show_agenda_form(
    page: &Page,
    t: &Target,
    values: AgendaValues,
    errors: Vec<FieldError>,
    meeting: MeetingView,
) -> Result<HttpResponse, AppError> {
    let round = &t.view.data.content.round;
    let municipality = t
        .view
        .data
        .content
        .municipality(&t.code)
        .ok_or(AppError::NotFound)?;
    let (start, _) = cooperation_of(&page.state, round).await?;
    let start = start.map(|s| StartYear {
        year: s.year,
        given_for: s.given_for,
    });
    let may_set = page.user.role == Role::Admin && page.user.kkr_id == Some(round.kkr_id);
    let cooperation = CooperationView::new(round, start, &values.tidligere, may_set);
    let status = if errors.is_empty() && meeting.error.is_none() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let model = AgendaFormPage::new(round, municipality, values, errors, cooperation, meeting);
    page.render_status(status, "agenda_form.html", &model)
}

#[derive(Debug, Deserialize)]
pub struct MeetingForm {
    csrf_token: Option<String>,
    #[serde(default)]
    moededato: String,
}

crate::csrf_protected!(MeetingForm);

/// Keeps (or, empty, clears) the date of the council meeting the attachment is for; the
/// municipality's own people and the KKR's admins may. A date that cannot be read comes back
/// in its field with the reason (400), nothing kept. Wakes the renders ahead.
async fn keep_meeting(
    page: Page,
    path: web::Path<(i32, String)>,
    form: CsrfForm<MeetingForm>,
) -> Result<HttpResponse, AppError> {
    let (round_id, code) = path.into_inner();
    let t = municipality_target(&page.state, page.user(), round_id, &code).await?;
    let round = &t.view.data.content.round;
    if !access::can_see_drafts(page.user(), round, &t.code) {
        // Members read; the municipality and the secretariat plan its meetings.
        return Err(AppError::Forbidden);
    }
    let typed = form.into_inner().moededato;
    let date = match agenda::parse_meeting_date(&typed) {
        Ok(date) => date,
        Err(refusal) => {
            let stored = kept_meeting(&page.state, &t).await?;
            let meeting = MeetingView::refused(stored, typed, meeting_date_refusal_da(&refusal));
            return show_agenda_form(&page, &t, AgendaValues::default(), Vec::new(), meeting).await;
        }
    };
    let (round_id, code, actor, now) = (
        round.id,
        t.code.clone(),
        page.user.id,
        page.state.clock.now(),
    );
    db(&page.state, move |conn| {
        Ok(council_meetings::set_meeting(
            conn,
            round_id,
            &code,
            date,
            Some(actor),
            now,
        )?)
    })
    .await?;
    page.state.ahead.wake();
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!(
                "/rounds/{round_id}/municipalities/{}/agenda?gemt=moede#moede",
                t.code
            ),
        ))
        .finish())
}

async fn agenda_txt(
    state: web::Data<AppState>,
    path: web::Path<(i32, String)>,
    query: web::Query<AgendaQuery>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let (round_id, code) = path.into_inner();
    let t = municipality_target(&state, &user, round_id, &code).await?;
    let text = agenda::text(&agenda_of(&state, &t, &query).await?);
    let filename = format!(
        "dagsorden-{}-{}.txt",
        t.view.data.content.round.year, t.code
    );
    Ok(download(
        "text/plain; charset=utf-8",
        &filename,
        text.into_bytes(),
    ))
}

async fn agenda_docx(
    state: web::Data<AppState>,
    path: web::Path<(i32, String)>,
    query: web::Query<AgendaQuery>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let (round_id, code) = path.into_inner();
    let t = municipality_target(&state, &user, round_id, &code).await?;
    let bytes = agenda::docx(&agenda_of(&state, &t, &query).await?)?;
    let filename = format!(
        "dagsorden-{}-{}.docx",
        t.view.data.content.round.year, t.code
    );
    Ok(download(DOCX, &filename, bytes))
}

#[derive(Debug, Deserialize)]
pub struct CsvQuery {
    sep: Option<String>,
}

/// The CSV's separator of `?sep=`: "komma" (the default) or "semikolon" for Danish Excel.
pub fn separator(query: &CsvQuery) -> Result<Separator, AppError> {
    match query.sep.as_deref() {
        None | Some("komma") => Ok(Separator::Comma),
        Some("semikolon") => Ok(Separator::Semicolon),
        Some(_) => Err(AppError::BadRequest(
            "Ukendt skilletegn: vælg «komma» eller «semikolon».".into(),
        )),
    }
}

fn scope_of(t: &Target) -> Scope {
    Scope::Municipality {
        code: t.code.clone(),
        include_draft: t.include_draft,
    }
}

async fn answers_xlsx(
    state: web::Data<AppState>,
    path: web::Path<(i32, String)>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let (round_id, code) = path.into_inner();
    let t = municipality_target(&state, &user, round_id, &code).await?;
    let rows = sheets::rows(&t.view, &scope_of(&t));
    let bytes = sheets::xlsx(&t.view, &rows).map_err(ReportError::from)?;
    let filename = format!("svar-{}-{}.xlsx", t.view.data.content.round.year, t.code);
    Ok(download(XLSX, &filename, bytes))
}

async fn answers_csv(
    state: web::Data<AppState>,
    path: web::Path<(i32, String)>,
    query: web::Query<CsvQuery>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let separator = separator(&query)?;
    let (round_id, code) = path.into_inner();
    let t = municipality_target(&state, &user, round_id, &code).await?;
    let rows = sheets::rows(&t.view, &scope_of(&t));
    let bytes = sheets::csv(&rows, separator).map_err(ReportError::from)?;
    let filename = format!("svar-{}-{}.csv", t.view.data.content.round.year, t.code);
    Ok(download("text/csv; charset=utf-8", &filename, bytes))
}

#[derive(Debug, Deserialize)]
pub struct SnapshotForm {
    csrf_token: Option<String>,
}

crate::csrf_protected!(SnapshotForm);

async fn create_snapshot(
    state: web::Data<AppState>,
    path: web::Path<(i32, String)>,
    SignedIn(user): SignedIn,
    _form: CsrfForm<SnapshotForm>,
) -> Result<HttpResponse, AppError> {
    let (round_id, code) = path.into_inner();
    let t = municipality_target(&state, &user, round_id, &code).await?;
    if !access::can_see_drafts(&user, &t.view.data.content.round, &t.code) {
        // Members read; the municipality and the secretariat keep its records.
        return Err(AppError::Forbidden);
    }
    state.limits.snapshot(user.id)?;
    let rendered = render_snapshot(&state, &t).await?;
    let round = t.view.data.content.round.id;
    save_snapshot(&state, round, t.code.clone(), rendered, user.id).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/rounds/{round}/municipalities/{}?gemt=bilag", t.code),
        ))
        .finish())
}

/// Keeps the rendered attachment as the user's snapshot; refused (409) past the number a user
/// may keep.
async fn save_snapshot(
    state: &web::Data<AppState>,
    round: i32,
    target: MunicipalityCode,
    rendered: crate::report::RenderedAttachment,
    actor: i32,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let saved = db(state, move |conn| {
        let (pdf, data) = (&rendered.pdf, &rendered.data);
        Ok(snapshots::save(
            conn, round, &target, pdf, data, actor, now,
        )?)
    })
    .await?;
    match saved {
        Some(_) => Ok(()),
        None => Err(AppError::Conflict(format!(
            "Du har allerede gemt {} øjebliksbilleder af dette bilag, og flere kan ikke gemmes. \
             De gemte står på kommunens side. Intet nyt øjebliksbillede er gemt.",
            snapshots::MAX_PER_USER
        ))),
    }
}

/// The attachment a snapshot keeps (submitted answers only), with a record of what it shows
/// beside its data, for the comparison with later days.
async fn render_snapshot(
    state: &web::Data<AppState>,
    t: &Target,
) -> Result<crate::report::RenderedAttachment, AppError> {
    let state = state.clone();
    let (view, target) = (Arc::clone(&t.view), t.code.clone());
    blocking(move || {
        let rendered = timed(&state, "snapshot", || {
            state
                .renderer
                .attachment(&view, &target, false, state.clock.now())
        })
        .map_err(report_error)?;
        let record = snapshot_diff::record(&view.data, &target);
        let data = snapshot_diff::with_record(&rendered.data, &record)
            .map_err(|e| report_error(ReportError::Data(e)))?;
        Ok(crate::report::RenderedAttachment { data, ..rendered })
    })
    .await
}

async fn snapshot_pdf(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (round_id, code, pdf) = db(&state, move |conn| Ok(snapshots::pdf(conn, id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let t = municipality_target(&state, &user, round_id, &code).await?;
    let filename = format!(
        "bilag-{}-{}-oejebliksbillede-{id}.pdf",
        t.view.data.content.round.year, t.code
    );
    Ok(download("application/pdf", &filename, pdf))
}

async fn kkr_view(
    state: &web::Data<AppState>,
    user: &User,
    round_id: i32,
) -> Result<Arc<RoundAnalysis>, AppError> {
    let view = round_view(state, round_id).await?;
    if access::can_read_all_answers(user, &view.data.content.round) {
        Ok(view)
    } else {
        Err(AppError::Forbidden)
    }
}

async fn round_xlsx(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let view = kkr_view(&state, &user, path.into_inner()).await?;
    let rows = sheets::rows(&view, &Scope::Round);
    let bytes = sheets::xlsx(&view, &rows).map_err(ReportError::from)?;
    let filename = format!("svar-{}.xlsx", view.data.content.round.year);
    Ok(download(XLSX, &filename, bytes))
}

async fn round_csv(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    query: web::Query<CsvQuery>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let separator = separator(&query)?;
    let view = kkr_view(&state, &user, path.into_inner()).await?;
    let rows = sheets::rows(&view, &Scope::Round);
    let bytes = sheets::csv(&rows, separator).map_err(ReportError::from)?;
    let filename = format!("svar-{}.csv", view.data.content.round.year);
    Ok(download("text/csv; charset=utf-8", &filename, bytes))
}

async fn kkr_report(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let view = kkr_view(&state, &user, path.into_inner()).await?;
    let filename = format!("kkr-rapport-{}.pdf", view.data.content.round.year);
    let state = state.clone();
    let pdf = blocking(move || {
        Ok(timed(&state, "kkr_report", || {
            state.renderer.kkr_report(&view, state.clock.now())
        })?)
    })
    .await?;
    Ok(download("application/pdf", &filename, pdf))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "/rounds/1/municipalities/147";

    fn query(meeting: &str, format: Option<&str>) -> AgendaQuery {
        AgendaQuery {
            sagsnr: "15/12508".into(),
            moededato: meeting.into(),
            tidligere: String::new(),
            format: format.map(str::to_owned),
            gemt: None,
        }
    }

    #[test]
    fn a_query_without_a_format_shows_the_form() {
        assert!(matches!(
            query("", None).decide(BASE),
            Ok(AgendaRequest::Form)
        ));
    }

    #[test]
    fn each_format_leads_to_its_download_with_the_details() {
        let to = |format| match query("18.12.2017", Some(format)).decide(BASE) {
            Ok(AgendaRequest::Download(location)) => location,
            _ => panic!("{format} is a download"),
        };
        assert_eq!(
            to("docx"),
            format!("{BASE}/agenda.docx?sagsnr=15%2F12508&moededato=2017-12-18")
        );
        assert_eq!(
            to("txt"),
            format!("{BASE}/agenda.txt?sagsnr=15%2F12508&moededato=2017-12-18")
        );
        assert_eq!(
            to("pdf"),
            format!("{BASE}/attachment.pdf?moededato=2017-12-18")
        );
    }

    #[test]
    fn fields_that_cannot_be_read_come_before_an_unknown_format() {
        match query("31.2.2017", Some("odt")).decide(BASE) {
            Ok(AgendaRequest::Refused(errors)) => {
                assert_eq!(
                    errors.iter().map(|e| e.field).collect::<Vec<_>>(),
                    ["moededato"]
                );
            }
            _ => panic!("the field's error is shown"),
        }
        assert!(matches!(
            query("18.12.2017", Some("odt")).decide(BASE),
            Err(AppError::BadRequest(_))
        ));
    }
}
