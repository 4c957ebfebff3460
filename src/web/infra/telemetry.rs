//! One request, one id: every request gets a request id (taken from a well-formed
//! `X-Request-Id` header, or made here), which names its log span, so every log line written
//! while serving it carries the id; the response carries it back in `X-Request-Id`, and an
//! error page shows it, so a user's report can be matched with the log. The same middleware
//! writes the access log line and counts the request in the metrics.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use rand::distributions::{Alphanumeric, DistString};
use tracing::{Instrument, Span};

use crate::web::infra::metrics::UNMATCHED;
use crate::web::AppState;

tokio::task_local! {
    static REQUEST_ID: String;
}

pub const HEADER: &str = "x-request-id";

/// The id of the request being served on this task, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// An id a client or proxy sent, if it is safe to log and echo: 8 to 64 letters, digits,
/// `-` or `_`.
fn incoming_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(HEADER)?.to_str().ok()?;
    let ok = (8..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| value.to_owned())
}

/// Serves the request under its id: the id names its log span and goes back in the
/// response's `X-Request-Id`; the request is logged and counted when it is answered.
pub async fn observe<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let id = incoming_id(&req)
        .unwrap_or_else(|| Alphanumeric.sample_string(&mut rand::thread_rng(), 16));
    let method = req.method().to_string();
    let span = request_span(&req, &id, &method);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let started = Instant::now();
    let result = REQUEST_ID
        .scope(id.clone(), next.call(req).instrument(span.clone()))
        .await;
    let seconds = started.elapsed().as_secs_f64();
    let _entered = span.enter();
    let mut response = match result {
        Ok(response) => response,
        Err(error) => {
            tracing::warn!(%error, elapsed_ms = seconds * 1000.0, "request failed");
            return Err(error);
        }
    };
    record(
        state.as_ref().map(|s| s.get_ref()),
        &response,
        &method,
        seconds,
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(HEADER), value);
    }
    Ok(response)
}

/// The request's log span, named by its id.
fn request_span(req: &ServiceRequest, id: &str, method: &str) -> Span {
    // One-time links carry their token in the path: keep it out of the log.
    let path = if req.path().starts_with("/invitation/") {
        "/invitation/…"
    } else {
        req.path()
    };
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %method,
        path = %path,
    )
}

/// Counts an answered request in the metrics and writes its access log line.
fn record<B>(state: Option<&AppState>, response: &ServiceResponse<B>, method: &str, seconds: f64) {
    let status = response.status().as_u16();
    let request = response.request();
    let resolve = || request.match_pattern();
    let route = match state {
        Some(state) => state.metrics.route_of(request.path(), resolve),
        None => resolve().map_or_else(|| Arc::from(UNMATCHED), Arc::from),
    };
    if let Some(state) = state {
        state
            .metrics
            .observe_request(&route, method, status, seconds);
    }
    if status >= 500 {
        tracing::warn!(status, elapsed_ms = seconds * 1000.0, %route, "request failed");
    } else {
        tracing::info!(status, elapsed_ms = seconds * 1000.0, %route, "request");
    }
}
