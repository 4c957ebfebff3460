//! Uploads of recommendation sets and answers. An upload is always a dry run first: the page
//! reports what the import would create or change and carries the file on (base64, in the
//! confirmation form) so the admin can carry it out; the import is then checked again and
//! written all or nothing.
//!
//! Only an admin of the round's KKR gets the body read, and at most [`MAX_REQUEST_BYTES`] of
//! it; the file is read (bounded, one file at a time) before a database connection is taken.

use actix_multipart::Multipart;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest as _, HttpRequest, HttpResponse};
use base64::Engine as _;
use futures_util::StreamExt as _;

use super::admin_round;
use crate::domain::import::Table;
use crate::domain::import::{
    cell_name, column_name, read_table, ImportFile, Limit, OverLimit, ReadFailure, MAX_CELLS,
    MAX_COLUMNS, MAX_FILE_BYTES, MAX_PARTS, MAX_ROWS, MAX_SHARED_STRINGS, MAX_TEXT_BYTES,
    MAX_UNPACKED_BYTES,
};
use crate::domain::rounds::{answers_are_importable, set_is_editable};
use crate::domain::RoundContent;
use crate::store::imports::{self, ImportFailure, Mode};
use crate::views::admin::{ImportPage, ImportReport as Report};
use crate::web::db;
use crate::web::error::AppError;
use crate::web::extract::AdminPage;
use crate::web::session::verify_csrf;

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

impl Upload {
    /// Keeps a field's value; a file over its limit is kept only as its size.
    fn keep(&mut self, name: &str, file_name: Option<String>, field: Field) {
        let text = || String::from_utf8_lossy(&field.bytes).into_owned();
        match name {
            "csrf_token" => self.csrf_token = Some(text()),
            "kind" => self.kind = Some(text()),
            "step" => self.step = Some(text()),
            "file_name" => self.file_name = Some(text()),
            "file_data" => self.file_data = Some(text()),
            "file" => {
                if let Some(n) = file_name.filter(|n| !n.is_empty()) {
                    self.file_name = Some(n);
                }
                if field.size > MAX_FILE_BYTES {
                    self.too_large = Some(field.size);
                } else {
                    self.file = Some(field.bytes);
                }
            }
            _ => {}
        }
    }
}

/// One field of an upload: what was kept of it, and its size.
struct Field {
    bytes: Vec<u8>,
    size: usize,
}

fn unreadable(e: actix_multipart::MultipartError) -> AppError {
    AppError::BadRequest(format!(
        "Upload kunne ikke læses ({e}). Intet er importeret."
    ))
}

/// Reads one field, counting its bytes into `total`: `None` once the request is larger than
/// [`MAX_REQUEST_BYTES`]. A file over its own limit is not kept, only measured, so the page
/// can say how big it was.
async fn read_field(
    field: &mut actix_multipart::Field,
    is_file: bool,
    total: &mut usize,
) -> Result<Option<Field>, AppError> {
    let mut read = Field {
        bytes: Vec::new(),
        size: 0,
    };
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(unreadable)?;
        read.size += chunk.len();
        *total += chunk.len();
        if *total > MAX_REQUEST_BYTES {
            tracing::info!(
                bytes = *total,
                "import upload over the limit, not read further"
            );
            return Ok(None);
        }
        if !is_file || read.size <= MAX_FILE_BYTES {
            read.bytes.extend_from_slice(&chunk);
        }
    }
    Ok(Some(read))
}

/// Reads an upload, at most [`MAX_REQUEST_BYTES`] of it: `None` when the request is larger
/// (reading stops there; the rest is never read).
async fn read_upload(payload: &mut Multipart) -> Result<Option<Upload>, AppError> {
    let mut upload = Upload::default();
    let mut total = 0usize;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(unreadable)?;
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_owned);
        let Some(read) = read_field(&mut field, name == "file", &mut total).await? else {
            return Ok(None);
        };
        upload.keep(&name, file_name, read);
    }
    tracing::debug!(bytes = total, "import upload read");
    Ok(Some(upload))
}

/// The request's declared length, if it has one.
fn content_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// A response body that keeps the request's unread body until the response is sent: the
/// server then closes the connection after it instead of reading (draining) the rest of the
/// body, which it would for a chunked upload whose body was dropped.
struct Holding<B> {
    body: B,
    _payload: Box<Multipart>,
}

impl<B: MessageBody + Unpin> MessageBody for Holding<B> {
    type Error = B::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<web::Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}

/// `response`, after which the connection is closed and the rest of the request's body is
/// never read.
fn closing(mut response: HttpResponse, payload: Multipart) -> HttpResponse {
    response
        .head_mut()
        .set_connection_type(actix_web::http::ConnectionType::Close);
    let payload = Box::new(payload);
    response
        .map_body(|_, body| Holding {
            body,
            _payload: payload,
        })
        .map_into_boxed_body()
}

/// The import page saying the upload is too large (413); the rest of it is never read.
fn request_too_large(
    page: &AdminPage,
    content: &RoundContent,
    declared: Option<u64>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let refusal = OverLimit {
        file: "filen".to_owned(),
        sheet: None,
        limit: Limit::FileBytes {
            bytes: declared.filter(|d| *d > MAX_REQUEST_BYTES as u64),
        },
    };
    let report = Report {
        file_name: "filen".to_owned(),
        errors: vec![over_limit_text(&refusal)],
        ..Report::default()
    };
    let mut response = render(page, content, Some(report))?;
    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    Ok(closing(response, payload))
}

/// Files read at once: reading is bounded per file, and one at a time bounds it for the
/// process.
static READING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

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
    fn parse(upload: Upload) -> Result<Request, AppError> {
        let kind = Kind::parse(upload.kind.as_deref().unwrap_or(""))?;
        let commit = upload.step.as_deref() == Some("udfoer");
        let file_name = upload
            .file_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .map(|n| n.rsplit(['/', '\\']).next().unwrap_or("").to_owned())
            .unwrap_or_else(|| "filen".to_owned());
        let too_large = |size: usize| {
            over_limit_text(&OverLimit {
                file: file_name.clone(),
                sheet: None,
                limit: Limit::FileBytes {
                    bytes: Some(size as u64),
                },
            })
        };
        let file = match (upload.too_large, upload.file, upload.file_data) {
            (Some(size), _, _) => Err(too_large(size)),
            (None, Some(bytes), _) if !bytes.is_empty() || upload.file_name.is_some() => Ok(bytes),
            (None, _, Some(data)) if commit => Ok(base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .map_err(|_| {
                    AppError::BadRequest(
                        "Filen fra prøvekørslen kunne ikke læses. Vælg filen igen. Intet er importeret."
                            .into(),
                    )
                })?),
            _ => {
                return Err(AppError::BadRequest(
                    "Vælg en fil at importere. Intet er importeret.".into(),
                ))
            }
        };
        let file = file.and_then(|bytes| {
            if bytes.len() > MAX_FILE_BYTES {
                Err(too_large(bytes.len()))
            } else {
                Ok(bytes)
            }
        });
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

/// Reads (unpacks, parses, bounds) the file, one file at a time in the process: the table,
/// or what is wrong with the file.
async fn read_file(name: String, bytes: Vec<u8>) -> Result<Result<Table, String>, AppError> {
    let _permit = READING.acquire().await.map_err(AppError::caused_by)?;
    let read = web::block(move || {
        read_table(ImportFile {
            name: &name,
            bytes: &bytes,
        })
    })
    .await
    .map_err(AppError::caused_by)?;
    Ok(match read {
        Ok(table) => Ok(table),
        Err(ReadFailure::OverLimit(refusal)) => Err(over_limit_text(&refusal)),
        Err(ReadFailure::Invalid(error)) => Err(error.to_string()),
    })
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
    verify_csrf(&page.session, upload.csrf_token.as_deref())?;
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

/// A number in Danish: "20.000".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Megabytes in Danish with one decimal: "2,4".
fn megabytes(bytes: u64) -> String {
    crate::domain::prose::decimal((bytes as f64 / (1024.0 * 1024.0) * 10.0).round() / 10.0)
}

/// A file refused for its size or extent, in Danish: which file and sheet, what is too big,
/// and what to do. The page and the command line both show this.
pub fn over_limit_text(refusal: &OverLimit) -> String {
    let mut place = refusal.file.clone();
    if let Some(sheet) = &refusal.sheet {
        place.push_str(&format!(", ark «{sheet}»"));
    }
    let max_mb = MAX_FILE_BYTES / (1024 * 1024);
    let what = match refusal.limit {
        Limit::FileBytes { bytes: Some(bytes) } => format!(
            "filen fylder {} MB; en import må højst fylde {max_mb} MB.",
            megabytes(bytes)
        ),
        Limit::FileBytes { bytes: None } => {
            format!("filen fylder mere end {max_mb} MB; en import må højst fylde {max_mb} MB.")
        }
        Limit::UnpackedBytes { bytes } => format!(
            "regnearket fylder {} MB udpakket; en import må højst fylde {} MB udpakket. Kopiér tabellen til en ny projektmappe, eller gem den som CSV.",
            megabytes(bytes),
            MAX_UNPACKED_BYTES / (1024 * 1024)
        ),
        Limit::Parts { parts } => format!(
            "regnearket består af {} dele; et regneark til import har højst {}. Kopiér tabellen til en ny projektmappe.",
            thousands(parts as u64),
            thousands(MAX_PARTS as u64)
        ),
        Limit::SharedStrings { count } => format!(
            "regnearket har over {} forskellige tekster ({}); en import læser højst {}. Kopiér tabellen til en ny projektmappe.",
            thousands(MAX_SHARED_STRINGS),
            thousands(count),
            thousands(MAX_SHARED_STRINGS)
        ),
        Limit::CellOutside { row, column } => format!(
            "der er indhold i celle {}, men en import læser kun række 1 til {} og kolonne A til {}. Slet indholdet uden for tabellen, eller kopiér tabellen til et nyt ark.",
            cell_name(row, column),
            thousands(u64::from(MAX_ROWS)),
            column_name(MAX_COLUMNS - 1)
        ),
        Limit::Cells => format!(
            "arket har over {} udfyldte celler; en import læser højst {}. Del filen op, eller slet det, der ikke skal importeres.",
            thousands(MAX_CELLS as u64),
            thousands(MAX_CELLS as u64)
        ),
        Limit::Sheets { sheets, looked } => format!(
            "regnearkets første {looked} ark er tomme, og det har {} ark; en import læser kun de første {looked}. Flyt tabellen til det første ark.",
            thousands(sheets as u64)
        ),
        Limit::TextBytes => format!(
            "cellerne rummer over {} MB tekst; en import læser højst {} MB. Del filen op, eller slet det, der ikke skal importeres.",
            MAX_TEXT_BYTES / (1024 * 1024),
            MAX_TEXT_BYTES / (1024 * 1024)
        ),
    };
    format!("{place}: {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_the_file_the_sheet_and_the_cell_in_danish() {
        let text = over_limit_text(&OverLimit {
            file: "svar.xlsx".into(),
            sheet: Some("Ark1".into()),
            limit: Limit::CellOutside {
                row: 1_048_575,
                column: 16_383,
            },
        });
        assert_eq!(
            text,
            "svar.xlsx, ark «Ark1»: der er indhold i celle XFD1048576, men en import læser kun række 1 til 20.000 og kolonne A til CV. Slet indholdet uden for tabellen, eller kopiér tabellen til et nyt ark."
        );
        assert_eq!(thousands(1_000), "1.000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1.234.567");
    }
}
