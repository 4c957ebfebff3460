//! Uploads of recommendation sets and answers. An upload is always a dry run first: the page
//! reports what the import would create or change and carries the file on (base64, in the
//! confirmation form) so the admin can carry it out; the import is then checked again and
//! written all or nothing.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use base64::Engine as _;
use futures_util::StreamExt as _;
use serde::Serialize;

use super::admin_round;
use crate::domain::import::{too_large, ImportFile, MAX_FILE_BYTES};
use crate::domain::rounds::{answers_are_importable, set_is_editable};
use crate::domain::{RoundContent, User};
use crate::store::imports::{self, ImportFailure, Mode};
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::pages::{base_context, verify_csrf};
use crate::web::{db, AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/rounds/{id}/import", web::get().to(show))
        .route("/admin/rounds/{id}/import", web::post().to(upload));
}

/// The most a whole upload request may carry: the file, or its base64 form, and the fields.
const MAX_REQUEST_BYTES: usize = MAX_FILE_BYTES * 2;

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

/// The result of an upload, as the page shows it.
#[derive(Debug, Default, Serialize)]
struct Report {
    kind: String,
    kind_label: String,
    file_name: String,
    /// Each error with its file, sheet, row and column.
    errors: Vec<String>,
    /// Why the round takes no such import now.
    refused: Option<String>,
    /// What the import would do (dry run) or did.
    lines: Vec<String>,
    committed: bool,
    /// The file, for the confirmation form.
    file_data: String,
}

async fn render(
    state: &web::Data<AppState>,
    session: &Session,
    user: &User,
    content: &RoundContent,
    report: Option<Report>,
) -> Result<HttpResponse, AppError> {
    let status = match &report {
        Some(r) if !r.errors.is_empty() => StatusCode::UNPROCESSABLE_ENTITY,
        Some(r) if r.refused.is_some() => StatusCode::CONFLICT,
        _ => StatusCode::OK,
    };
    let mut context = base_context(session, Some(user))?;
    context.insert("round", &content.round);
    context.insert(
        "set_importable",
        &set_is_editable(content.round.state).is_ok(),
    );
    context.insert(
        "answers_importable",
        &answers_are_importable(content.round.state).is_ok(),
    );
    context.insert("max_mb", &(MAX_FILE_BYTES / (1024 * 1024)));
    context.insert(
        "codes",
        &content
            .recommendations
            .iter()
            .map(|r| r.code.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    );
    context.insert("report", &report);
    state.pages.respond(status, "admin_import.html", &context)
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, AppError> {
    let content = admin_round(&state, &user, path.into_inner()).await?;
    render(&state, &session, &user, &content, None).await
}

/// An upload's fields as they arrived.
#[derive(Debug, Default)]
struct Upload {
    csrf_token: Option<String>,
    kind: Option<String>,
    /// "udfoer" to carry the import out.
    step: Option<String>,
    file_name: Option<String>,
    file: Option<Vec<u8>>,
    /// The size of a file too large to keep.
    too_large: Option<usize>,
    file_data: Option<String>,
}

async fn read_upload(mut payload: Multipart) -> Result<Upload, AppError> {
    let unreadable = |e: actix_multipart::MultipartError| {
        AppError::BadRequest(format!(
            "Upload kunne ikke læses ({e}). Intet er importeret."
        ))
    };
    let mut upload = Upload::default();
    let mut total = 0usize;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(unreadable)?;
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_owned);
        let mut bytes = Vec::new();
        let mut size = 0usize;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(unreadable)?;
            size += chunk.len();
            total += chunk.len();
            // Past the limit the rest is read and dropped, so the page can say how big it was.
            if size <= MAX_REQUEST_BYTES {
                bytes.extend_from_slice(&chunk);
            }
        }
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf_token" => upload.csrf_token = Some(text()),
            "kind" => upload.kind = Some(text()),
            "step" => upload.step = Some(text()),
            "file_name" => upload.file_name = Some(text()),
            "file_data" => upload.file_data = Some(text()),
            "file" => {
                if let Some(n) = file_name.filter(|n| !n.is_empty()) {
                    upload.file_name = Some(n);
                }
                if size > MAX_FILE_BYTES {
                    upload.too_large = Some(size);
                } else {
                    upload.file = Some(bytes);
                }
            }
            _ => {}
        }
    }
    tracing::debug!(bytes = total, "import upload read");
    Ok(upload)
}

async fn upload(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i32>,
    SignedIn(user): SignedIn,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let upload = read_upload(payload).await?;
    verify_csrf(&session, upload.csrf_token.as_deref())?;
    let content = admin_round(&state, &user, path.into_inner()).await?;
    let kind = Kind::parse(upload.kind.as_deref().unwrap_or(""))?;
    let commit = upload.step.as_deref() == Some("udfoer");
    let file_name = upload
        .file_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or("").to_owned())
        .unwrap_or_else(|| "filen".to_owned());
    let mut report = Report {
        kind: kind.as_str().to_owned(),
        kind_label: kind.label().to_owned(),
        file_name: file_name.clone(),
        ..Report::default()
    };
    if let Some(size) = upload.too_large {
        report.errors.push(too_large(&file_name, size).to_string());
        return render(&state, &session, &user, &content, Some(report)).await;
    }
    let bytes = match (upload.file, upload.file_data) {
        (Some(bytes), _) if !bytes.is_empty() || upload.file_name.is_some() => bytes,
        (_, Some(data)) if commit => base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|_| {
                AppError::BadRequest(
                    "Filen fra prøvekørslen kunne ikke læses. Vælg filen igen. Intet er importeret."
                        .into(),
                )
            })?,
        _ => {
            return Err(AppError::BadRequest(
                "Vælg en fil at importere. Intet er importeret.".into(),
            ))
        }
    };
    if bytes.len() > MAX_FILE_BYTES {
        report
            .errors
            .push(too_large(&file_name, bytes.len()).to_string());
        return render(&state, &session, &user, &content, Some(report)).await;
    }
    let round_id = content.round.id;
    let actor = Some(user.id);
    let mode = if commit { Mode::Commit } else { Mode::DryRun };
    let name = file_name.clone();
    let data = bytes.clone();
    let outcome = db(&state, move |conn| {
        let file = ImportFile {
            name: &name,
            bytes: &data,
        };
        Ok(match kind {
            Kind::Recommendations => {
                imports::import_recommendations(conn, round_id, file, mode, actor)
                    .map(|plan| plan.lines())
            }
            Kind::Answers => {
                imports::import_answers(conn, round_id, file, mode, actor).map(|plan| plan.lines())
            }
        })
    })
    .await?;
    match outcome {
        Ok(lines) => {
            report.lines = lines;
            report.committed = commit;
            if !commit {
                report.file_data = base64::engine::general_purpose::STANDARD.encode(&bytes);
            }
        }
        Err(ImportFailure::Invalid(errors)) => {
            report.errors = errors.iter().map(|e| e.to_string()).collect();
        }
        Err(ImportFailure::Refused(reason)) => report.refused = Some(reason),
        Err(ImportFailure::NotFound) => return Err(AppError::NotFound),
        Err(ImportFailure::Database(e)) => return Err(AppError::Database(e)),
    }
    // The set may have changed: show the page with the round as it is now.
    let content = admin_round(&state, &user, round_id).await?;
    render(&state, &session, &user, &content, Some(report)).await
}
