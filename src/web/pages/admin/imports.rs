//! Uploads of recommendation sets and answers. An upload is always a dry run first: the page
//! reports what the import would create or change and carries the file on (base64, in the
//! confirmation form) so the admin can carry it out; the import is then checked again and
//! written all or nothing.
//!
//! Only an admin of the round's KKR gets the body read, and at most [`MAX_REQUEST_BYTES`] of
//! it; the file is read (bounded, one file at a time) before a database connection is taken
//! (see [`crate::web::infra::upload`]).

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest as _, HttpRequest, HttpResponse};
use base64::Engine as _;

use super::admin_round;
use crate::domain::import::{Table, MAX_FILE_BYTES};
use crate::domain::rounds::{answers_are_importable, set_is_editable};
use crate::domain::RoundContent;
use crate::store::imports::{self, ImportFailure, Mode};
use crate::views::admin::{ImportPage, ImportReport as Report};
use crate::web::db;
use crate::web::error::AppError;
use crate::web::extract::AdminPage;
pub use crate::web::infra::upload::over_limit_text;
use crate::web::infra::upload::{
    closing, content_length, read_file, read_upload, request_too_large_text, Upload,
    MAX_REQUEST_BYTES,
};
use crate::web::session::verify_csrf;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/rounds/{id}/import", web::get().to(show))
        .route("/admin/rounds/{id}/import", web::post().to(upload));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Recommendations,
    Answers,
}

impl Kind {
    fn parse(raw: &str) -> Result<Kind, AppError> {
        match raw {
            "anbefalinger" => Ok(Kind::Recommendations),
            "svar" => Ok(Kind::Answers),
            _ => Err(AppError::BadRequest(
                "Vælg, om filen indeholder anbefalinger eller svar. Intet er importeret.".into(),
            )),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Kind::Recommendations => "anbefalinger",
            Kind::Answers => "svar",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Recommendations => "anbefalinger",
            Kind::Answers => "svar",
        }
    }
}

/// The import page for `content`'s round, with the report of an upload.
fn import_page(content: &RoundContent, report: Option<Report>) -> ImportPage {
    ImportPage {
        round: content.round.clone(),
        set_importable: set_is_editable(content.round.state).is_ok(),
        answers_importable: answers_are_importable(content.round.state).is_ok(),
        max_mb: MAX_FILE_BYTES / (1024 * 1024),
        codes: content
            .recommendations
            .iter()
            .map(|r| r.code.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        report,
    }
}

fn render(
    page: &AdminPage,
    content: &RoundContent,
    report: Option<Report>,
) -> Result<HttpResponse, AppError> {
    let status = match &report {
        Some(r) if !r.errors.is_empty() => StatusCode::UNPROCESSABLE_ENTITY,
        Some(r) if r.refused.is_some() => StatusCode::CONFLICT,
        _ => StatusCode::OK,
    };
    page.render_status(status, "admin_import.html", &import_page(content, report))
}

async fn show(page: AdminPage, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let content = admin_round(&page, path.into_inner()).await?;
    render(&page, &content, None)
}

/// The import page saying the upload is too large (413); the rest of it is never read.
fn request_too_large(
    page: &AdminPage,
    content: &RoundContent,
    declared: Option<u64>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let report = Report {
        file_name: "filen".to_owned(),
        errors: vec![request_too_large_text(declared)],
        ..Report::default()
    };
    let mut response = render(page, content, Some(report))?;
    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    Ok(closing(response, payload))
}

/// What an upload asks for, its fields checked: which import, a dry run or the real one, and
/// the file.
struct Request {
    kind: Kind,
    commit: bool,
    file_name: String,
    /// The file, or why it is refused (its size), for the report.
    file: Result<Vec<u8>, String>,
}

impl Request {
    fn parse(mut upload: Upload) -> Result<Request, AppError> {
        let kind = Kind::parse(upload.text("kind").unwrap_or(""))?;
        let commit = upload.text("step") == Some("udfoer");
        let file_name = upload.display_name();
        let file = upload.take_file(commit)?;
        Ok(Request {
            kind,
            commit,
            file_name,
            file,
        })
    }

    /// The report before anything is read from the file.
    fn report(&self) -> Report {
        Report {
            kind: self.kind.as_str().to_owned(),
            kind_label: self.kind.label().to_owned(),
            file_name: self.file_name.clone(),
            ..Report::default()
        }
    }
}

/// The import's outcome in the report: what it would do or did (and the file again for the
/// confirmation form after a dry run), its errors, or why it was refused.
fn report_outcome(
    report: &mut Report,
    outcome: Result<Vec<String>, ImportFailure>,
    commit: bool,
    bytes: &[u8],
) -> Result<(), AppError> {
    match outcome {
        Ok(lines) => {
            report.lines = lines;
            report.committed = commit;
            if !commit {
                report.file_data = base64::engine::general_purpose::STANDARD.encode(bytes);
            }
        }
        Err(ImportFailure::Invalid(errors)) => {
            report.errors = errors.iter().map(|e| e.to_string()).collect();
        }
        Err(ImportFailure::Refused(reason)) => {
            report.refused = Some(crate::web::refusals::round_refusal_da(&reason));
        }
        Err(ImportFailure::Links(refusal)) => {
            report.refused = Some(crate::views::link_refusal_da(refusal));
        }
        Err(ImportFailure::NotFound) => return Err(AppError::NotFound),
        Err(ImportFailure::Database(e)) => return Err(AppError::Database(e)),
    }
    Ok(())
}

/// Runs the import (a dry run unless `commit`): its lines, or why it failed.
async fn run_import(
    page: &AdminPage,
    round_id: i32,
    kind: Kind,
    table: Table,
    commit: bool,
) -> Result<Result<Vec<String>, ImportFailure>, AppError> {
    let now = page.state.clock.now();
    let actor = Some(page.user.id);
    let mode = if commit { Mode::Commit } else { Mode::DryRun };
    db(&page.state, move |conn| {
        Ok(match kind {
            Kind::Recommendations => {
                imports::import_recommendations(conn, round_id, &table, None, mode, actor, now)
                    .map(|plan| plan.lines())
            }
            Kind::Answers => imports::import_answers(conn, round_id, &table, mode, actor, now)
                .map(|plan| plan.lines()),
        })
    })
    .await
}

/// The admin and the round, settled before a byte of the body is read.
async fn allowed(req: &HttpRequest, round_id: i32) -> Result<(AdminPage, RoundContent), AppError> {
    let page = AdminPage::extract(req).await?;
    let content = admin_round(&page, round_id).await?;
    Ok((page, content))
}

async fn upload(
    path: web::Path<i32>,
    req: HttpRequest,
    mut payload: Multipart,
) -> Result<HttpResponse, AppError> {
    // A refusal closes the connection instead of reading the rest of the body.
    let (page, content) = match allowed(&req, path.into_inner()).await {
        Ok(allowed) => allowed,
        Err(refused) => return Ok(closing(refused.response_for(&req), payload)),
    };
    let declared = content_length(&req);
    if declared.is_some_and(|d| d > MAX_REQUEST_BYTES as u64) {
        return request_too_large(&page, &content, declared, payload);
    }
    let Some(upload) = read_upload(&mut payload).await? else {
        return request_too_large(&page, &content, declared, payload);
    };
    // A multipart form: its token is checked here, once the fields are read.
    verify_csrf(&page.session, upload.text("csrf_token"))?;
    let request = Request::parse(upload)?;
    let mut report = request.report();
    let table = match request.file.clone() {
        Ok(bytes) => read_file(request.file_name.clone(), bytes).await?,
        Err(too_large) => Err(too_large),
    };
    let table = match table {
        Ok(table) => table,
        Err(error) => {
            report.errors.push(error);
            return render(&page, &content, Some(report));
        }
    };
    let round_id = content.round.id;
    let outcome = run_import(&page, round_id, request.kind, table, request.commit).await?;
    let bytes = request.file.unwrap_or_default();
    report_outcome(&mut report, outcome, request.commit, &bytes)?;
    // The set may have changed: show the page with the round as it is now.
    let content = admin_round(&page, round_id).await?;
    render(&page, &content, Some(report))
}
