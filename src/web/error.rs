//! The one application error type at the web edge, and how each error becomes a response:
//! a Danish page for people (or a redirect to sign-in), never a stack trace.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

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
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("database pool error: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("template error: {0}")]
    Template(#[from] tera::Error),
    #[error("report error: {0}")]
    Report(#[from] ReportError),
    #[error("chart error: {0}")]
    Chart(#[from] ChartError),
    #[error("session error: {0}")]
    Session(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    fn title(&self) -> &'static str {
        match self {
            AppError::SignInRequired { .. } | AppError::SignInAgain { .. } => "Log ind",
            AppError::Forbidden | AppError::Csrf => "Ingen adgang",
            AppError::NotFound => "Siden findes ikke",
            AppError::BadRequest(_) => "Forespørgslen kunne ikke behandles",
            AppError::Conflict(_) => "Ændringen kunne ikke gemmes",
            _ => "Der opstod en fejl",
        }
    }

    /// The message a person sees: our own Danish text for their errors, and a neutral one for
    /// ours (the details go to the log).
    fn public_message(&self) -> String {
        if self.status_code().is_server_error() {
            "Der opstod en fejl på serveren. Prøv igen om lidt; fortsætter fejlen, så kontakt KKR-sekretariatet.".to_owned()
        } else {
            self.to_string()
        }
    }
}

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
         <p><a href=\"/\">Til forsiden</a></p></main></body></html>",
        title = escape_html(title),
        message = escape_html(message),
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
            AppError::Pool(_) => StatusCode::SERVICE_UNAVAILABLE,
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
            tracing::error!(error = %self, "request failed");
        }
        error_page(status, self.title(), &self.public_message())
    }
}

/// Percent-encodes a path for use as a query value.
pub fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
