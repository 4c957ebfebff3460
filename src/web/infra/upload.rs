//! Uploads of a spreadsheet to import (a round's recommendations or answers, a KKR's users):
//! the request read within limits, the file read one at a time in the process, and a file
//! refused for its size or extent said in Danish.
//!
//! Only whoever may import gets the body read, and at most [`MAX_REQUEST_BYTES`] of it; the
//! file is read (bounded, one file at a time) before a database connection is taken. A refused
//! upload's response closes the connection instead of reading the rest of the body.

use std::collections::HashMap;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_multipart::Multipart;
use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine as _;
use futures_util::StreamExt as _;

use crate::domain::import::{
    cell_name, column_name, read_table, ImportFile, Limit, OverLimit, ReadFailure, Table,
    MAX_CELLS, MAX_COLUMNS, MAX_FILE_BYTES, MAX_PARTS, MAX_ROWS, MAX_SHARED_STRINGS,
    MAX_TEXT_BYTES, MAX_UNPACKED_BYTES,
};
use crate::web::error::AppError;

/// The most a whole upload request may carry: the file, or its base64 form, and the fields.
pub const MAX_REQUEST_BYTES: usize = MAX_FILE_BYTES * 2;

/// The text of a request over [`MAX_REQUEST_BYTES`] (its declared length, when it has one).
pub fn request_too_large_text(declared: Option<u64>) -> String {
    over_limit_text(&OverLimit {
        file: "filen".to_owned(),
        sheet: None,
        limit: Limit::FileBytes {
            bytes: declared.filter(|d| *d > MAX_REQUEST_BYTES as u64),
        },
    })
}

/// An upload's fields as they arrived: its text fields, and the file (field `file`), or only
/// its size when it is over [`MAX_FILE_BYTES`].
#[derive(Debug, Default)]
pub struct Upload {
    texts: HashMap<String, String>,
    /// The file's name, from the file field or from a `file_name` field (the confirmation
    /// form after a dry run carries it on).
    pub file_name: Option<String>,
    file: Option<Vec<u8>>,
    /// The size of a file too large to keep.
    too_large: Option<usize>,
}

impl Upload {
    /// Keeps a field's value; a file over its limit is kept only as its size.
    fn keep(&mut self, name: &str, file_name: Option<String>, field: Field) {
        let text = || String::from_utf8_lossy(&field.bytes).into_owned();
        match name {
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
            "file_name" => self.file_name = Some(text()),
            other => {
                self.texts.insert(other.to_owned(), text());
            }
        }
    }

    /// A text field's value.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.texts.get(name).map(String::as_str)
    }

    /// The file's name without its folders, or "filen".
    pub fn display_name(&self) -> String {
        self.file_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .map(|n| n.rsplit(['/', '\\']).next().unwrap_or("").to_owned())
            .unwrap_or_else(|| "filen".to_owned())
    }

    /// The file: uploaded, or (when `commit`) carried on from the dry run in base64 in the
    /// field `file_data`; `Err(text)` for a file over the limit, with its size in Danish.
    /// No file at all is a bad request.
    pub fn take_file(&mut self, commit: bool) -> Result<Result<Vec<u8>, String>, AppError> {
        let file_name = self.display_name();
        let too_large = |size: usize| {
            over_limit_text(&OverLimit {
                file: file_name.clone(),
                sheet: None,
                limit: Limit::FileBytes {
                    bytes: Some(size as u64),
                },
            })
        };
        let data = self.texts.remove("file_data");
        let file = match (self.too_large, self.file.take(), data) {
            (Some(size), _, _) => Err(too_large(size)),
            (None, Some(bytes), _) if !bytes.is_empty() || self.file_name.is_some() => Ok(bytes),
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
        Ok(file.and_then(|bytes| {
            if bytes.len() > MAX_FILE_BYTES {
                Err(too_large(bytes.len()))
            } else {
                Ok(bytes)
            }
        }))
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
pub async fn read_upload(payload: &mut Multipart) -> Result<Option<Upload>, AppError> {
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
pub fn content_length(req: &HttpRequest) -> Option<u64> {
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
pub fn closing(mut response: HttpResponse, payload: Multipart) -> HttpResponse {
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

/// Files read at once: reading is bounded per file, and one at a time bounds it for the
/// process.
static READING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Reads (unpacks, parses, bounds) the file, one file at a time in the process: the table,
/// or what is wrong with the file.
pub async fn read_file(name: String, bytes: Vec<u8>) -> Result<Result<Table, String>, AppError> {
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
