//! Prometheus metrics of the web process, served as text at `/metrics`: requests by route,
//! method and status, request latency, database pool use, summary and page cache hits and
//! misses, and PDF render times. Every label comes from a fixed set (route patterns, known
//! methods or `other`), so no client can make the output grow.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::store::DbPool;
use crate::web::infra::cache::SummaryCache;
use crate::web::infra::versions::VersionWatch;

/// The route label of a request no route pattern matched.
pub const UNMATCHED: &str = "unmatched";

/// The HTTP methods counted by name; any other is counted as `other`.
pub const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

/// The method label: one of [`METHODS`], or `other`.
pub fn method_label(method: &str) -> &'static str {
    METHODS
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or("other")
}

/// The status label: the code when it is a valid HTTP status (100–599), else `other`.
fn status_label(status: u16) -> std::borrow::Cow<'static, str> {
    if (100..=599).contains(&status) {
        status.to_string().into()
    } else {
        "other".into()
    }
}

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    cache: IntCounterVec,
    pages: IntCounterVec,
    earlier: IntCounterVec,
    pdf_cache: IntCounterVec,
    pdf: HistogramVec,
    ahead: IntGaugeVec,
    users: IntCounterVec,
    /// The route pattern of each path answered (see [`Metrics::route_of`]).
    routes: Mutex<HashMap<String, Arc<str>>>,
}

/// Paths whose route is kept; past this many the map starts over, whatever clients send.
const MAX_ROUTES: usize = 4096;

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new_custom(Some("trafiklys".to_owned()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered"),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from request to response head",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["route"],
        )?;
        let pool = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database connections in the pool, by state",
            ),
            &["state"],
        )?;
        let cache = IntCounterVec::new(
            Opts::new(
                "summary_cache_lookups_total",
                "Round analyses served from the cache (hit) or computed (miss)",
            ),
            &["result"],
        )?;
        let pages = IntCounterVec::new(
            Opts::new(
                "page_cache_lookups_total",
                "Pages served from a rendered page (hit) or rendered (miss)",
            ),
            &["result"],
        )?;
        let earlier = IntCounterVec::new(
            Opts::new(
                "earlier_round_cache_lookups_total",
                "Earlier rounds' data for a trend taken from the cache (hit) or loaded (miss)",
            ),
            &["result"],
        )?;
        let pdf_cache = IntCounterVec::new(
            Opts::new(
                "pdf_cache_lookups_total",
                "Attachment PDFs sent from the cache (hit) or rendered (miss)",
            ),
            &["result"],
        )?;
        let pdf = HistogramVec::new(
            HistogramOpts::new("pdf_render_seconds", "Time to render a PDF")
                .buckets(vec![0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            &["document"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        registry.register(Box::new(cache.clone()))?;
        registry.register(Box::new(pages.clone()))?;
        registry.register(Box::new(earlier.clone()))?;
        registry.register(Box::new(pdf_cache.clone()))?;
        let ahead = IntGaugeVec::new(
            Opts::new(
                "pdf_ahead_attachments",
                "Attachments of council meetings ahead, at the last look: wanted, and ready in the cache",
            ),
            &["state"],
        )?;
        let users = IntCounterVec::new(
            Opts::new(
                "signed_in_user_lookups_total",
                "PostgreSQL: signed-in users known at the current accounts marker (hit) or read from the database (miss)",
            ),
            &["result"],
        )?;
        registry.register(Box::new(pdf.clone()))?;
        registry.register(Box::new(ahead.clone()))?;
        registry.register(Box::new(users.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            pool,
            cache,
            pages,
            earlier,
            pdf_cache,
            pdf,
            ahead,
            users,
            routes: Mutex::default(),
        })
    }

    /// Counts an answered request. `route` is the matched pattern (`/rounds/{id}`, or
    /// [`UNMATCHED`] when none matched), never the raw path; the method is one of
    /// [`METHODS`] or `other`, and the status one of a fixed set: so the number of series is
    /// bounded by the routes the application has, whatever clients send.
    /// The route pattern a path matched, as `resolve` finds it ([`UNMATCHED`] for none),
    /// kept per path: resolving walks every route's pattern again (actix's `match_pattern`),
    /// a few per cent of a cached page's time, for what is the same answer for every request
    /// to the path.
    pub fn route_of(&self, path: &str, resolve: impl FnOnce() -> Option<String>) -> Arc<str> {
        if let Some(route) = self.routes.lock().ok().and_then(|r| r.get(path).cloned()) {
            return route;
        }
        let Some(route) = resolve() else {
            return Arc::from(UNMATCHED);
        };
        let route: Arc<str> = Arc::from(route);
        if let Ok(mut routes) = self.routes.lock() {
            if routes.len() >= MAX_ROUTES {
                routes.clear();
            }
            routes.insert(path.to_owned(), Arc::clone(&route));
        }
        route
    }

    pub fn observe_request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let status = status_label(status);
        self.requests
            .with_label_values(&[route, method_label(method), status.as_ref()])
            .inc();
        self.latency.with_label_values(&[route]).observe(seconds);
    }

    pub fn observe_pdf(&self, document: &str, seconds: f64) {
        self.pdf.with_label_values(&[document]).observe(seconds);
    }

    /// What the last look of the renders ahead found: attachments wanted, and ready.
    pub fn set_ahead(&self, wanted: usize, ready: usize) {
        for (label, n) in [("wanted", wanted), ("ready", ready)] {
            self.ahead
                .with_label_values(&[label])
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }

    /// The metrics in Prometheus' text format, with the pool and caches read now.
    pub fn render(
        &self,
        pool: &DbPool,
        cache: &SummaryCache,
        versions: Option<&VersionWatch>,
    ) -> Result<String, prometheus::Error> {
        let state = pool.state();
        let idle = i64::from(state.idle_connections);
        let open = i64::from(state.connections);
        self.pool.with_label_values(&["idle"]).set(idle);
        self.pool.with_label_values(&["in_use"]).set(open - idle);
        self.pool
            .with_label_values(&["max"])
            .set(i64::from(pool.max_size()));
        for (counters, (hits, misses)) in [
            (&self.cache, cache.lookups()),
            (&self.pages, cache.page_lookups()),
            (&self.earlier, cache.earlier_lookups()),
            (&self.pdf_cache, cache.pdf_lookups()),
            (&self.users, versions.map_or((0, 0), VersionWatch::lookups)),
        ] {
            for (label, total) in [("hit", hits), ("miss", misses)] {
                let counter = counters.with_label_values(&[label]);
                counter.inc_by(total.saturating_sub(counter.get()));
            }
        }
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        String::from_utf8(out).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paths_route_is_resolved_once_and_an_unmatched_path_every_time() {
        let metrics = Metrics::new().expect("metrics");
        let resolved = std::cell::Cell::new(0);
        let resolve = |pattern: Option<&str>| {
            resolved.set(resolved.get() + 1);
            pattern.map(str::to_owned)
        };
        for _ in 0..3 {
            let route = metrics.route_of("/rounds/2", || resolve(Some("/rounds/{id}")));
            assert_eq!(&*route, "/rounds/{id}");
        }
        assert_eq!(resolved.get(), 1);
        for _ in 0..2 {
            assert_eq!(&*metrics.route_of("/nowhere", || resolve(None)), UNMATCHED);
        }
        assert_eq!(resolved.get(), 3);
    }

    #[test]
    fn the_kept_routes_start_over_past_their_bound() {
        let metrics = Metrics::new().expect("metrics");
        for n in 0..=MAX_ROUTES {
            metrics.route_of(&format!("/rounds/{n}"), || Some("/rounds/{id}".to_owned()));
        }
        let kept = metrics.routes.lock().expect("routes").len();
        assert_eq!(kept, 1);
    }
}
