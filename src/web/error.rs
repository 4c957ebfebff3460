//! The one application error type at the web edge, and how each error becomes a response:
//! a Danish page for people (or a redirect to sign-in), never a stack trace.

use actix_web::error::UrlencodedError;
use actix_web::error::{InternalError, JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use super::api::types::{ErrorBody, ErrorCode};
use crate::charts::ChartError;
use crate::report::ReportError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("log ind for at se siden")]
    SignInRequired { next: String, expired: bool },
    /// The sign-in reached its absolute lifetime: sign in again.
    #[error("log ind igen for at se siden")]
    SignInAgain { next: String },
    #[error("Du har ikke adgang til denne side.")]
    Forbidden,
    #[error("Siden findes ikke.")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("Formularen er udløbet eller kom ikke fra Trafiklys. Gå tilbage, genindlæs siden og prøv igen.")]
    Csrf,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("Adressen kan ikke bruges med denne metode.")]
    MethodNotAllowed { allow: &'static str },
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("database pool error: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    /// The database cannot be used now (its file is gone or unreadable); the reason is for
    /// the log.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("template error: {0}")]
    Template(#[from] tera::Error),
    #[error("report error: {0}")]
    Report(#[from] ReportError),
    #[error("chart error: {0}")]
    Chart(#[from] ChartError),
    #[error("session error: {0}")]
    Session(String),
    /// Something of ours failed, said in words (no underlying error to keep).
    #[error("internal error: {0}")]
    Internal(String),
    /// Something of ours failed because of another error, kept as the source so the log
    /// shows the whole chain (see [`AppError::chain`]); the page shows only the request id.
    #[error("internal error")]
    Failed(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A password that could not be hashed (its error type is not a `std::error::Error`).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashFailed(pub argon2::password_hash::Error);

impl From<argon2::password_hash::Error> for AppError {
    fn from(e: argon2::password_hash::Error) -> Self {
        AppError::caused_by(HashFailed(e))
    }
}

impl AppError {
    /// An internal error that keeps its cause: `.map_err(AppError::caused_by)`.
    pub fn caused_by<E>(cause: E) -> AppError
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        AppError::Failed(Box::new(cause))
    }

    /// The error and each of its causes, outermost first, joined by ": " (for the log).
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(e) = cause {
            text.push_str(": ");
            text.push_str(&e.to_string());
            cause = e.source();
        }
        text
    }
}

impl From<crate::store::CheckoutError> for AppError {
    fn from(e: crate::store::CheckoutError) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

impl AppError {
    fn title(&self) -> &'static str {
        match self {
            AppError::SignInRequired { .. } | AppError::SignInAgain { .. } => "Log ind",
            AppError::Forbidden | AppError::Csrf => "Ingen adgang",
            AppError::NotFound => "Siden findes ikke",
            AppError::BadRequest(_) => "Forespørgslen kunne ikke behandles",
            AppError::Conflict(_) => "Ændringen kunne ikke gemmes",
            AppError::PayloadTooLarge(_) => "Forespørgslen er for stor",
            AppError::MethodNotAllowed { .. } => "Forespørgslen kunne ikke behandles",
            AppError::TooManyRequests { .. } => "For mange forsøg",
            AppError::Unavailable(_) | AppError::Pool(_) => {
                "Trafiklys er midlertidigt utilgængelig"
            }
            _ => "Der opstod en fejl",
        }
    }

    /// The message a person sees: our own Danish text for their errors, and a neutral one for
    /// ours (the details go to the log).
    fn public_message(&self) -> String {
        if let AppError::Unavailable(_) | AppError::Pool(_) = self {
            UNAVAILABLE.to_owned()
        } else if self.status_code().is_server_error() {
            "Der opstod en fejl på serveren. Prøv igen om lidt; fortsætter fejlen, så kontakt KKR-sekretariatet.".to_owned()
        } else {
            self.to_string()
        }
    }
}

/// What a person sees while the database cannot be used.
pub const UNAVAILABLE: &str = "Databasen kan ikke bruges lige nu, så siden kan ikke vises. \
    Prøv igen om lidt; fortsætter fejlen, så kontakt KKR-sekretariatet.";

pub fn escape_html(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    // Writing into a Vec cannot fail.
    let _ = tera::escape_html(text, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// A complete Danish error page, independent of the templates so it works when they fail.
pub fn error_page(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"da\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} – Trafiklys</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head>\
         <body><header class=\"site\"><a class=\"brand\" href=\"/\">Trafiklys</a></header>\
         <main id=\"main\"><h1>{title}</h1><p role=\"alert\">{message}</p>\
         <p><a href=\"/\">Til forsiden</a></p>{reference}</main></body></html>",
        title = escape_html(title),
        message = escape_html(message),
        reference = super::infra::telemetry::current_request_id()
            .map(|id| format!(
                "<p class=\"muted\">Fejl-id: <code>{}</code>. Nævn det, hvis du kontakter \
                 KKR-sekretariatet om fejlen.</p>",
                escape_html(&id)
            ))
            .unwrap_or_default(),
    );
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::SignInRequired { .. } | AppError::SignInAgain { .. } => StatusCode::SEE_OTHER,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Pool(_) | AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::SignInRequired { next, expired } = self {
            let mut target = format!("/login?next={}", percent_encode(next));
            if *expired {
                target.push_str("&udlobet=1");
            }
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, target))
                .finish();
        }
        if let AppError::SignInAgain { next } = self {
            return HttpResponse::SeeOther()
                .insert_header((
                    header::LOCATION,
                    format!("/login?next={}&levetid=1", percent_encode(next)),
                ))
                .finish();
        }
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self.chain(), "request failed");
        }
        let mut response = error_page(status, self.title(), &self.public_message());
        self.add_headers(&mut response);
        response
    }
}

impl AppError {
    /// The machine-readable code of an API error.
    fn code(&self) -> ErrorCode {
        match self.status_code() {
            StatusCode::UNAUTHORIZED | StatusCode::SEE_OTHER => ErrorCode::Unauthorized,
            StatusCode::FORBIDDEN => ErrorCode::Forbidden,
            StatusCode::NOT_FOUND => ErrorCode::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
            StatusCode::TOO_MANY_REQUESTS => ErrorCode::TooManyRequests,
            StatusCode::SERVICE_UNAVAILABLE => ErrorCode::Unavailable,
            s if s.is_client_error() => ErrorCode::BadRequest,
            _ => ErrorCode::Internal,
        }
    }

    /// Headers some errors carry: `Allow` with a 405, `Retry-After` with a 429.
    fn add_headers(&self, response: &mut HttpResponse) {
        let value = match self {
            AppError::MethodNotAllowed { allow } => Some((header::ALLOW, (*allow).to_owned())),
            AppError::TooManyRequests {
                retry_after_secs, ..
            } => Some((header::RETRY_AFTER, retry_after_secs.max(&1).to_string())),
            AppError::Unavailable(_) | AppError::Pool(_) => {
                Some((header::RETRY_AFTER, "30".to_owned()))
            }
            _ => None,
        };
        if let Some((name, value)) = value {
            if let Ok(value) = header::HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, value);
            }
        }
    }

    /// The error as the API answers it: `{"error": code, "reason": Danish text}`.
    pub fn json_response(&self, status: StatusCode, reason: &str) -> HttpResponse {
        if status.is_server_error() {
            tracing::error!(error = %self.chain(), "api request failed");
        }
        let mut response = HttpResponse::build(status).json(ErrorBody {
            error: self.code(),
            reason,
        });
        self.add_headers(&mut response);
        response
    }

    /// The response for this error on this request: JSON under `/api/`, a Danish page
    /// elsewhere.
    pub fn response_for(&self, req: &HttpRequest) -> HttpResponse {
        if is_api(req) {
            self.json_response(self.status_code(), &self.public_message())
        } else {
            self.error_response()
        }
    }
}

/// Whether the request is for the JSON API, whose errors are JSON too.
pub fn is_api(req: &HttpRequest) -> bool {
    req.path() == "/api" || req.path().starts_with("/api/")
}

/// The error handlers of the framework's extractors: a path, query, form or JSON body that
/// does not parse gets our Danish answer (a page, or JSON under `/api/`), never the
/// framework's English text with Rust type names.
pub mod extractors {
    use super::*;

    fn wrap<E>(err: E, error: AppError, req: &HttpRequest) -> actix_web::Error
    where
        E: std::fmt::Debug + std::fmt::Display + 'static,
    {
        tracing::debug!(error = %err, "request could not be parsed");
        InternalError::from_response(err, error.response_for(req)).into()
    }

    /// `/rounds/abc`: there is no such page.
    pub fn path(err: PathError, req: &HttpRequest) -> actix_web::Error {
        wrap(err, AppError::NotFound, req)
    }

    pub fn query(err: QueryPayloadError, req: &HttpRequest) -> actix_web::Error {
        let message = "Adressens parametre kunne ikke læses: hver parameter må kun stå én gang, \
                       og værdierne skal have den rigtige form.";
        wrap(err, AppError::BadRequest(message.to_owned()), req)
    }

    pub fn form(err: UrlencodedError, req: &HttpRequest) -> actix_web::Error {
        let error = match &err {
            UrlencodedError::Overflow { .. } => {
                AppError::PayloadTooLarge("Formularen er for stor.".to_owned())
            }
            UrlencodedError::ContentType => AppError::BadRequest(
                "Formularen kunne ikke læses: den er ikke sendt som en formular.".to_owned(),
            ),
            _ => AppError::BadRequest(
                "Formularen kunne ikke læses: et felt mangler, står flere gange eller har en \
                 ugyldig værdi."
                    .to_owned(),
            ),
        };
        wrap(err, error, req)
    }

    pub fn json(err: JsonPayloadError, req: &HttpRequest) -> actix_web::Error {
        let error = match &err {
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                AppError::PayloadTooLarge("Indholdet er for stort.".to_owned())
            }
            JsonPayloadError::ContentType => AppError::BadRequest(
                "Indholdet skal sendes som JSON (Content-Type: application/json).".to_owned(),
            ),
            _ => AppError::BadRequest(
                "Indholdet er ikke gyldig JSON af den forventede form.".to_owned(),
            ),
        };
        wrap(err, error, req)
    }
}

/// Percent-encodes a path for use as a query value.
pub fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;
    use actix_web::test::TestRequest;

    fn body_of(error: actix_web::Error) -> (StatusCode, String) {
        let response = error.error_response();
        let status = response.status();
        let bytes = response.into_body().try_into_bytes().unwrap_or_default();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[test]
    fn bad_json_is_answered_in_danish_as_json_under_the_api_and_as_a_page_elsewhere() {
        let api = TestRequest::post().uri("/api/v1/rounds").to_http_request();
        let syntax = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        let (status, body) = body_of(extractors::json(
            JsonPayloadError::Deserialize(syntax),
            &api,
        ));
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["error"], "bad_request");
        assert_eq!(
            json["reason"],
            "Indholdet er ikke gyldig JSON af den forventede form."
        );

        let page = TestRequest::post().uri("/account").to_http_request();
        let (status, body) = body_of(extractors::json(JsonPayloadError::ContentType, &page));
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("<html lang=\"da\">"));
        assert!(body.contains("Indholdet skal sendes som JSON"));

        let (status, body) = body_of(extractors::json(
            JsonPayloadError::Overflow { limit: 10 },
            &api,
        ));
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(body.contains("payload_too_large"));
    }

    #[derive(Debug, thiserror::Error)]
    #[error("the disk is full")]
    struct DiskFull;

    #[derive(Debug, thiserror::Error)]
    #[error("the file could not be written")]
    struct WriteFailed(#[source] DiskFull);

    #[test]
    fn an_internal_error_keeps_its_cause_for_the_log_and_shows_only_a_neutral_page() {
        let error = AppError::caused_by(WriteFailed(DiskFull));
        assert_eq!(
            error.chain(),
            "internal error: the file could not be written: the disk is full"
        );
        assert_eq!(error.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let response = error.error_response();
        let bytes = response.into_body().try_into_bytes().unwrap_or_default();
        let page = String::from_utf8_lossy(&bytes);
        assert!(page.contains("Der opstod en fejl på serveren."));
        assert!(!page.contains("disk"));
        assert!(!page.contains("could not be written"));
        assert_eq!(
            AppError::Internal("no cause".into()).chain(),
            "internal error: no cause"
        );
    }
}
