//! Many users invited at once from a spreadsheet (email, name, role, municipality), by an
//! admin of a KKR into that KKR. Like the other imports an upload is a dry run first: the page
//! lists who would be invited and carries the file on (base64) to a confirmation form; then
//! every row is checked again and everyone is invited in one transaction, or no one. Each
//! error names the file, sheet, row and column. The upload is read within the imports' limits
//! ([`crate::web::infra::upload`]); each invitation's mail goes through the outbox.
//!
//! Routes: `GET /users/import`, `POST /users/import`: the KKR's admins.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest as _, HttpRequest, HttpResponse};
use base64::Engine as _;

use crate::domain::import::{Table, MAX_FILE_BYTES};
use crate::store::bulk_invitations::{self, BulkFailure, BulkOutcome};
use crate::store::imports::Mode;
use crate::store::invitations;
use crate::views::users::{BulkInvitePage, BulkReport, InvitedLink};
use crate::web::db;
use crate::web::error::AppError;
use crate::web::extract::AdminPage;
use crate::web::infra::upload::{
    closing, content_length, read_file, read_upload, request_too_large_text, Upload,
    MAX_REQUEST_BYTES,
};
use crate::web::pages::invitations::link_mail;
use crate::web::session::verify_csrf;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users/import", web::get().to(show))
        .route("/users/import", web::post().to(upload));
}

fn render(page: &AdminPage, report: Option<BulkReport>) -> Result<HttpResponse, AppError> {
    let status = match &report {
        Some(r) if !r.errors.is_empty() => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let model = BulkInvitePage {
        max_mb: MAX_FILE_BYTES / (1024 * 1024),
        mail_configured: page.state.mailer.is_some(),
        valid_days: invitations::VALID_DAYS,
        report,
    };
    page.render_status(status, "users_import.html", &model)
}

async fn show(page: AdminPage) -> Result<HttpResponse, AppError> {
    render(&page, None)
}

/// The page saying the upload is too large (413); the rest of it is never read.
fn too_large(
    page: &AdminPage,
    declared: Option<u64>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let report = BulkReport {
        file_name: "filen".to_owned(),
        errors: vec![request_too_large_text(declared)],
        ..BulkReport::default()
    };
    let mut response = render(page, Some(report))?;
    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    Ok(closing(response, payload))
}

/// Checks the rows (a dry run unless `commit`) and, committed, invites everyone.
async fn run(
    page: &AdminPage,
    table: Table,
    commit: bool,
) -> Result<Result<BulkOutcome, BulkFailure>, AppError> {
    let now = page.state.clock.now();
    let (kkr_id, actor) = (page.kkr_id(), page.user.id);
    let mode = if commit { Mode::Commit } else { Mode::DryRun };
    let state = page.state.clone();
    db(&page.state, move |conn| {
        Ok(bulk_invitations::invite_from_table(
            conn,
            kkr_id,
            &table,
            mode,
            actor,
            |token| link_mail(&state, token),
            now,
        ))
    })
    .await
}

/// The outcome in the report: what would be or was done (with the links to pass on when no
/// mail is sent), or every error.
fn report_outcome(
    page: &AdminPage,
    report: &mut BulkReport,
    outcome: Result<BulkOutcome, BulkFailure>,
    commit: bool,
    bytes: &[u8],
) -> Result<(), AppError> {
    match outcome {
        Ok(outcome) => {
            report.lines = outcome.lines();
            report.committed = commit;
            if !commit {
                report.file_data = base64::engine::general_purpose::STANDARD.encode(bytes);
            }
            let mailed = page.state.mailer.is_some();
            if !outcome.invited.is_empty() {
                let invited = outcome.invited.len();
                tracing::info!(invited, by = page.user.id, "users invited from a file");
                if mailed {
                    page.state.wake_outbox();
                }
            }
            report.invited = outcome
                .invited
                .iter()
                .map(|i| InvitedLink {
                    user_id: i.user.id,
                    name: i.user.name.clone(),
                    email: i.user.email.clone(),
                    link: (!mailed)
                        .then(|| format!("{}/invitation/{}", page.state.public_url, i.token)),
                })
                .collect();
            Ok(())
        }
        Err(BulkFailure::Invalid(errors)) => {
            report.errors = errors.iter().map(|e| e.to_string()).collect();
            Ok(())
        }
        Err(BulkFailure::Database(e)) => Err(AppError::Database(e)),
    }
}

/// What an upload asks for: carry it out (or a dry run), the file's name, the file (or why it
/// is refused), and the table read from it (or what is wrong with the file).
struct Request {
    commit: bool,
    file_name: String,
    bytes: Vec<u8>,
    table: Result<Table, String>,
}

/// Reads the upload's fields and its file (bounded, one file at a time), after its CSRF token.
async fn read_request(page: &AdminPage, mut upload: Upload) -> Result<Request, AppError> {
    // A multipart form: its token is checked here, once the fields are read.
    verify_csrf(&page.session, upload.text("csrf_token"))?;
    let commit = upload.text("step") == Some("udfoer");
    let file_name = upload.display_name();
    let file = upload.take_file(commit)?;
    let table = match file.clone() {
        Ok(bytes) => read_file(file_name.clone(), bytes).await?,
        Err(too_large) => Err(too_large),
    };
    Ok(Request {
        commit,
        file_name,
        bytes: file.unwrap_or_default(),
        table,
    })
}

async fn upload(req: HttpRequest, mut payload: Multipart) -> Result<HttpResponse, AppError> {
    // Only an admin gets the body read; a refusal closes the connection instead.
    let page = match AdminPage::extract(&req).await {
        Ok(page) => page,
        Err(refused) => return Ok(closing(refused.response_for(&req), payload)),
    };
    let declared = content_length(&req);
    if declared.is_some_and(|d| d > MAX_REQUEST_BYTES as u64) {
        return too_large(&page, declared, payload);
    }
    let Some(upload) = read_upload(&mut payload).await? else {
        return too_large(&page, declared, payload);
    };
    let request = read_request(&page, upload).await?;
    let mut report = BulkReport {
        file_name: request.file_name.clone(),
        ..BulkReport::default()
    };
    let table = match request.table {
        Ok(table) => table,
        Err(error) => {
            report.errors.push(error);
            return render(&page, Some(report));
        }
    };
    let outcome = run(&page, table, request.commit).await?;
    report_outcome(&page, &mut report, outcome, request.commit, &request.bytes)?;
    render(&page, Some(report))
}
