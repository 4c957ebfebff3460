//! The round analysis and what is derived from it, computed once per change rather than per
//! request.
//!
//! Entries are keyed by round and by the database's data version, which every write bumps in
//! its own transaction: a process never serves an analysis older than the data it can read,
//! and several processes on one database stay consistent without talking to each other.
//! Pages that show no draft's contents (the dashboard) are kept under the shown marker
//! instead ([`crate::store::shown_version`]), which every write but a draft's save moves.
//!
//! Beside the analysis the cache keeps the bytes drawn from it (chart SVGs) and whole rendered
//! pages. A page is rendered once per viewer class (role, KKR and municipality: what decides
//! what a page may show), never per person. The few per-person values of a page (the name and
//! email in the header, the session's CSRF token) are rendered as random markers that only
//! this process knows, and replaced, escaped, by the requesting person's values on every
//! response.
//!
//! Attachment PDFs are kept too, bounded in bytes (see [`PdfKey`] and [`PdfVersion`]): the
//! same attachment for the same data, meeting date and day is the same document for every
//! viewer allowed to read it, so it is rendered once and then sent from memory.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use std::pin::Pin;
use std::task::Poll;

use actix_session::Session;
use actix_web::body::{BodySize, MessageBody};
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use chrono::NaiveDateTime;
use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;
use tera::Context;

use crate::domain::analysis::RoundAnalysis;
use crate::domain::{RoundContent, RoundState, User};
use crate::store::{self, rounds, DbConnection};
use crate::web::error::AppError;
use crate::web::infra::templates as pages;
use crate::web::session;

/// More rendered pages than this (viewer classes × rounds × variants) and the page cache
/// starts over: a bound on memory that a normal installation never reaches.
const MAX_PAGES: usize = 1024;
/// The same bound for derived bytes (charts).
const MAX_DERIVED: usize = 1024;
/// The same bound for earlier rounds' data kept for the trend.
const MAX_EARLIER: usize = 256;
/// The bytes of attachment PDFs kept: about 150 KB each for a round of 60 recommendations,
/// so some 200 attachments (every municipality of a region, with and without its draft).
pub const PDF_CACHE_BYTES: usize = 32 * 1024 * 1024;
/// At most this many attachments rendered at once (and no more than the machine's cores): on
/// the council-meeting morning the first requests for a round's attachments each need a
/// render, and one at a time kept the last of them waiting for all the others.
pub const PDF_RENDERS: usize = 2;

/// One value a round, kept at the marker it was read at; at most [`MAX_EARLIER`] rounds (all
/// dropped when full, as rounds not asked for lately go with them).
#[derive(Debug)]
struct ByRound<T>(Mutex<HashMap<i32, (i64, T)>>);

impl<T> Default for ByRound<T> {
    fn default() -> Self {
        Self(Mutex::default())
    }
}

impl<T: Clone> ByRound<T> {
    /// The round's value if it was kept at `marker`.
    fn at(&self, round_id: i32, marker: i64) -> Option<T> {
        let kept = self.0.lock().ok()?;
        kept.get(&round_id)
            .filter(|(at, _)| *at == marker)
            .map(|(_, value)| value.clone())
    }

    /// Keeps the round's value at `marker`, in place of any kept at another.
    fn keep(&self, round_id: i32, marker: i64, value: T) {
        if let Ok(mut kept) = self.0.lock() {
            if kept.len() >= MAX_EARLIER {
                kept.clear();
            }
            kept.insert(round_id, (marker, value));
        }
    }
}

#[derive(Debug)]
pub struct SummaryCache {
    entries: Mutex<HashMap<i32, (i64, Arc<RoundAnalysis>)>>,
    /// Rounds' data as the trend of a later round reads it, by round and the round's own
    /// change marker (not the data version: a save in this year's round leaves last year's
    /// data as it is).
    earlier: ByRound<rounds::EarlierRound>,
    /// Rounds' content (focus areas, recommendations, municipalities) as the form reads it,
    /// by the round's change marker.
    content: ByRound<Arc<RoundContent>>,
    /// Rounds' form markers ([`rounds::FormMarkers`]) by the shown marker they were read at
    /// (see [`SummaryCache::form_markers_at`]).
    form_markers: ByRound<rounds::FormMarkers>,
    derived: Mutex<HashMap<DerivedKey, (i64, Arc<str>)>>,
    pages: Mutex<HashMap<PageKey, PageEntry>>,
    pdfs: Mutex<PdfStore>,
    round_turns: Mutex<HashMap<i32, Arc<tokio::sync::Mutex<()>>>>,
    page_turns: Mutex<HashMap<i32, Arc<tokio::sync::Mutex<()>>>>,
    /// Per attachment, the turn its requests wait on while it is rendered, so that one
    /// render serves them all. Awaited, so waiting holds no thread.
    pdf_turns: Mutex<HashMap<PdfKey, Arc<tokio::sync::Mutex<()>>>>,
    /// Renders of attachments at once ([`PDF_RENDERS`], at most one per core): each takes
    /// tens of MB of typst's memory.
    pdf_renders: tokio::sync::Semaphore,
    slots: Slots,
    hits: AtomicU64,
    misses: AtomicU64,
    page_hits: AtomicU64,
    page_misses: AtomicU64,
    earlier_hits: AtomicU64,
    earlier_misses: AtomicU64,
    pdf_hits: AtomicU64,
    pdf_misses: AtomicU64,
}

impl Default for SummaryCache {
    fn default() -> Self {
        SummaryCache::with_pdf_bytes(PDF_CACHE_BYTES)
    }
}

impl SummaryCache {
    /// A cache that keeps at most `pdf_bytes` of attachment PDFs.
    pub fn with_pdf_bytes(pdf_bytes: usize) -> Self {
        SummaryCache {
            entries: Mutex::default(),
            earlier: ByRound::default(),
            content: ByRound::default(),
            form_markers: ByRound::default(),
            derived: Mutex::default(),
            pages: Mutex::default(),
            pdfs: Mutex::new(PdfStore::new(pdf_bytes)),
            round_turns: Mutex::default(),
            page_turns: Mutex::default(),
            pdf_turns: Mutex::default(),
            pdf_renders: tokio::sync::Semaphore::new(
                std::thread::available_parallelism()
                    .map_or(1, std::num::NonZeroUsize::get)
                    .clamp(1, PDF_RENDERS),
            ),
            slots: Slots::new(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            page_hits: AtomicU64::new(0),
            page_misses: AtomicU64::new(0),
            earlier_hits: AtomicU64::new(0),
            earlier_misses: AtomicU64::new(0),
            pdf_hits: AtomicU64::new(0),
            pdf_misses: AtomicU64::new(0),
        }
    }
}

impl SummaryCache {
    /// The round's analysis at the current data version, computed if not cached yet.
    pub fn round(
        &self,
        conn: &mut DbConnection,
        round_id: i32,
    ) -> diesel::QueryResult<Option<Arc<RoundAnalysis>>> {
        Ok(self.round_at(conn, round_id)?.map(|(_, view)| view))
    }

    /// The round's analysis and the data version it belongs to, which keys what is derived
    /// from it.
    pub fn round_at(
        &self,
        conn: &mut DbConnection,
        round_id: i32,
    ) -> diesel::QueryResult<Option<(i64, Arc<RoundAnalysis>)>> {
        let version = store::data_version(conn)?;
        if let Some(hit) = self.round_kept(round_id, version) {
            return Ok(Some(hit));
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let cached = |id: i32, version: i64| self.earlier_kept(id, version);
        let loaded = |id: i32, version: i64, round: &rounds::EarlierRound| {
            self.keep_earlier(id, version, round);
        };
        let Some(view) = rounds::analyse_round_reusing(conn, round_id, cached, loaded)? else {
            return Ok(None);
        };
        let view = Arc::new(view);
        if let Ok(mut entries) = self.entries.lock() {
            // Entries older than this version are never read again (a request reads the
            // version first and takes an analysis at least that new).
            entries.retain(|_, (v, _)| *v >= version);
            let newer = entries.get(&round_id).is_some_and(|(v, _)| *v > version);
            if !newer {
                entries.insert(round_id, (version, Arc::clone(&view)));
            }
        }
        Ok(Some((version, view)))
    }

    /// A round's data and summary as a later round reads them (its trend, and a form's last
    /// year's answers) at the round's change marker `version` the caller read, loaded if not
    /// kept.
    pub fn earlier_round(
        &self,
        conn: &mut DbConnection,
        round_id: i32,
        version: i64,
    ) -> diesel::QueryResult<Option<rounds::EarlierRound>> {
        if let Some(kept) = self.earlier_kept(round_id, version) {
            return Ok(Some(kept));
        }
        let Some(data) = rounds::load_round_data(conn, round_id)? else {
            return Ok(None);
        };
        let summary = crate::domain::summarise(&data);
        let round = (Arc::new(data), Arc::new(summary));
        self.keep_earlier(round_id, version, &round);
        Ok(Some(round))
    }

    fn earlier_kept(&self, round_id: i32, version: i64) -> Option<rounds::EarlierRound> {
        let kept = self.earlier.at(round_id, version);
        if kept.is_some() {
            self.earlier_hits.fetch_add(1, Ordering::Relaxed);
        }
        kept
    }

    fn keep_earlier(&self, round_id: i32, version: i64, round: &rounds::EarlierRound) {
        self.earlier_misses.fetch_add(1, Ordering::Relaxed);
        self.earlier.keep(round_id, version, round.clone());
    }

    /// The kept analysis of the round if it is at least as new as `version` (the data
    /// version a request read): newer data than the request saw is never wrong to show, older
    /// is. Returns it with its own version, which keys what is derived from it.
    fn round_kept(&self, round_id: i32, version: i64) -> Option<(i64, Arc<RoundAnalysis>)> {
        let entries = self.entries.lock().ok()?;
        let (kept, view) = entries.get(&round_id).filter(|(v, _)| *v >= version)?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some((*kept, Arc::clone(view)))
    }

    /// The round's analysis if the cache has it at the current data version (one query);
    /// otherwise `Err` with that version, for [`SummaryCache::round_since`] after the
    /// round's turn ([`SummaryCache::round_turn`]).
    pub fn round_cached(
        &self,
        conn: &mut DbConnection,
        round_id: i32,
    ) -> diesel::QueryResult<Result<(i64, Arc<RoundAnalysis>), i64>> {
        let version = store::data_version(conn)?;
        Ok(self.round_kept(round_id, version).ok_or(version))
    }

    /// The round's analysis at least as new as `version`: the one another request computed
    /// while this one waited for the round's turn, or computed now at the current version.
    pub fn round_since(
        &self,
        conn: &mut DbConnection,
        round_id: i32,
        version: i64,
    ) -> diesel::QueryResult<Option<(i64, Arc<RoundAnalysis>)>> {
        match self.round_kept(round_id, version) {
            Some(hit) => Ok(Some(hit)),
            None => self.round_at(conn, round_id),
        }
    }

    /// The turn to compute a round's analysis: one computation of a round at a time, so that
    /// under a stream of saves (each a new data version) the requests that missed meanwhile
    /// share the next computation instead of each making its own. Awaited without holding a
    /// thread or a database connection.
    pub fn round_turn(&self, round_id: i32) -> Arc<tokio::sync::Mutex<()>> {
        turn_of(&self.round_turns, round_id)
    }

    /// The turn to render a round's pages (apart from [`SummaryCache::round_turn`], which a
    /// render may need): the requests that missed a page at a new data version wait for the
    /// first one's render and are sent that, instead of each rendering it again.
    pub fn page_turn(&self, round_id: i32) -> Arc<tokio::sync::Mutex<()>> {
        turn_of(&self.page_turns, round_id)
    }

    /// The round's content at its current content marker, loaded if not cached; `None` for
    /// an unknown round. One query when cached (the marker) instead of five. Saving a form
    /// does not move the content marker, so forms saved one after another keep hitting.
    pub fn content(
        &self,
        conn: &mut DbConnection,
        round_id: i32,
    ) -> diesel::QueryResult<Option<Arc<RoundContent>>> {
        match rounds::content_version(conn, round_id)? {
            Some(marker) => self.content_at(conn, round_id, marker),
            None => Ok(None),
        }
    }

    /// The round's content at the content marker `version` the caller read (see
    /// [`rounds::form_markers`]), loaded if not cached.
    pub fn content_at(
        &self,
        conn: &mut DbConnection,
        round_id: i32,
        version: i64,
    ) -> diesel::QueryResult<Option<Arc<RoundContent>>> {
        if let Some(kept) = self.content.at(round_id, version) {
            return Ok(Some(kept));
        }
        let Some(loaded) = rounds::load_content(conn, round_id)? else {
            return Ok(None);
        };
        let loaded = Arc::new(loaded);
        self.content.keep(round_id, version, Arc::clone(&loaded));
        Ok(Some(loaded))
    }

    /// A round's form markers and last year's round with its data, as the form reads them:
    /// the markers kept at the shown marker `shown` (read with the user) when there are any,
    /// else read and kept; last year's data from the earlier rounds' cache. `None` for an
    /// unknown round.
    pub fn form_markers_and_last_year(
        &self,
        conn: &mut DbConnection,
        round_id: i32,
        shown: Option<i64>,
    ) -> diesel::QueryResult<Option<(rounds::FormMarkers, Option<rounds::EarlierRound>)>> {
        let kept = shown.and_then(|shown| self.form_markers_at(round_id, shown));
        let markers = match kept {
            Some(markers) => markers,
            None => match rounds::form_markers(conn, round_id)? {
                Some(markers) => markers,
                None => return Ok(None),
            },
        };
        let last_year = match markers.previous {
            Some((id, version)) => self.earlier_round(conn, id, version)?,
            None => None,
        };
        if let (None, Some(shown)) = (kept, shown) {
            let previous_open = last_year
                .as_ref()
                .is_some_and(|(data, _)| data.content.round.state == RoundState::Open);
            self.keep_form_markers(round_id, shown, markers, previous_open);
        }
        Ok(Some((markers, last_year)))
    }

    /// The round's form markers kept at the shown marker `shown`, if any.
    ///
    /// What moves what a form shows from its markers moves the shown marker too: a change to
    /// the round's content (its clusters' members included), a round added before it or taken
    /// away, and, in last year's round, its content and its submitted answers (the form shows
    /// last year's submitted answers only). So markers kept at the shown marker a request read
    /// show what markers read by the request itself would.
    fn form_markers_at(&self, round_id: i32, shown: i64) -> Option<rounds::FormMarkers> {
        self.form_markers.at(round_id, shown)
    }

    /// Keeps the round's form markers, read after the request read the shown marker `shown`
    /// (so they may be newer than it, never older). Not while last year's round is open:
    /// drafts saved there move its change marker but not the shown marker, and markers kept
    /// from before would look last year's data up at an old marker, reading it again and
    /// keeping it there instead of at its current one.
    fn keep_form_markers(
        &self,
        round_id: i32,
        shown: i64,
        markers: rounds::FormMarkers,
        previous_open: bool,
    ) {
        if !previous_open {
            self.form_markers.keep(round_id, shown, markers);
        }
    }

    /// How many lookups were served from the cache, and how many computed the analysis.
    pub fn lookups(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// How many earlier rounds' data an analysis took from the cache, and how many it loaded.
    pub fn earlier_lookups(&self) -> (u64, u64) {
        (
            self.earlier_hits.load(Ordering::Relaxed),
            self.earlier_misses.load(Ordering::Relaxed),
        )
    }

    /// How many page requests were served from a rendered page, and how many rendered it.
    pub fn page_lookups(&self) -> (u64, u64) {
        (
            self.page_hits.load(Ordering::Relaxed),
            self.page_misses.load(Ordering::Relaxed),
        )
    }

    /// Text derived from a round at a data version (a chart's SVG), made by `make` only when
    /// not cached. `what` names the derivation, including everything it depends on besides
    /// the round and the version (the chart, the group).
    pub fn derived<E>(
        &self,
        round_id: i32,
        version: i64,
        what: String,
        make: impl FnOnce() -> Result<String, E>,
    ) -> Result<Arc<str>, E> {
        let key = DerivedKey { round_id, what };
        if let Ok(entries) = self.derived.lock() {
            if let Some((v, text)) = entries.get(&key) {
                if *v == version {
                    return Ok(Arc::clone(text));
                }
            }
        }
        let text: Arc<str> = Arc::from(make()?);
        if let Ok(mut entries) = self.derived.lock() {
            entries.retain(|_, (v, _)| *v >= version);
            if entries.len() >= MAX_DERIVED {
                entries.clear();
            }
            entries.insert(key, (version, Arc::clone(&text)));
        }
        Ok(text)
    }

    /// The page rendered for this key at this data version, if there is one.
    pub fn page(&self, key: &PageKey, version: i64) -> Option<Arc<CachedPage>> {
        let found = self.lookup(key, version, None);
        let counter = if found.is_some() {
            &self.page_hits
        } else {
            &self.page_misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// A kept page at `version`; one stored with an end of validity only when `now` is given
    /// and not past it.
    fn lookup(
        &self,
        key: &PageKey,
        version: i64,
        now: Option<NaiveDateTime>,
    ) -> Option<Arc<CachedPage>> {
        self.pages.lock().ok().and_then(|pages| {
            pages
                .get(key)
                .filter(|e| e.version == version)
                .filter(|e| {
                    e.until
                        .is_none_or(|until| now.is_some_and(|now| now <= until))
                })
                .map(|e| Arc::clone(&e.page))
        })
    }

    /// Like [`SummaryCache::page`] for a version read before the round was looked up (with
    /// the signed-in user): a hit is served at once, a miss is not counted, since the
    /// request goes on to look the round up and asks again.
    ///
    /// Serving it is safe because a page is stored only after its viewer class passed the
    /// access check at that version, and whatever could change that check (the round's
    /// state, a user's role) is a write that bumps the version.
    pub fn page_early(&self, key: &PageKey, version: Option<i64>) -> Option<Arc<CachedPage>> {
        let found = self.lookup(key, version?, None);
        if found.is_some() {
            self.page_hits.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// Like [`SummaryCache::page_early`] at the time `now`, for pages that also depend on the
    /// time (see [`SummaryCache::store_page_until`]); a miss is counted.
    pub fn page_at(
        &self,
        key: &PageKey,
        version: Option<i64>,
        now: NaiveDateTime,
    ) -> Option<Arc<CachedPage>> {
        let found = version.and_then(|v| self.lookup(key, v, Some(now)));
        let counter = if found.is_some() {
            &self.page_hits
        } else {
            &self.page_misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps a page rendered from [`SummaryCache::page_context`] for the next requests of
    /// the same viewer class at the same data version.
    pub fn store_page(&self, key: PageKey, version: i64, html: &str) -> Arc<CachedPage> {
        self.keep_page(key, version, None, html)
    }

    /// Like [`SummaryCache::store_page`] for a page that is what it is only until a moment
    /// (a form's rights change at the round's deadline): served by
    /// [`SummaryCache::page_at`] up to and including `until`, never after; `None` is a page
    /// that the time does not change.
    pub fn store_page_until(
        &self,
        key: PageKey,
        version: i64,
        until: Option<NaiveDateTime>,
        html: &str,
    ) -> Arc<CachedPage> {
        // Marked so that `page` and `page_early`, which know no time, never serve it.
        let until = Some(until.unwrap_or(NaiveDateTime::MAX));
        self.keep_page(key, version, until, html)
    }

    /// [`SummaryCache::store_page`] when the request read a version to keep the page under;
    /// without one, the page is only made ready for this response.
    pub fn store_page_if(&self, key: PageKey, version: Option<i64>, html: &str) -> Arc<CachedPage> {
        match version {
            Some(version) => self.keep_page(key, version, None, html),
            None => Arc::new(CachedPage::split(html, &self.slots)),
        }
    }

    fn keep_page(
        &self,
        key: PageKey,
        version: i64,
        until: Option<NaiveDateTime>,
        html: &str,
    ) -> Arc<CachedPage> {
        let page = Arc::new(CachedPage::split(html, &self.slots));
        if let Ok(mut pages) = self.pages.lock() {
            // Pages of older versions are never served again.
            pages.retain(|_, e| e.version >= version);
            if pages.len() >= MAX_PAGES {
                pages.clear();
            }
            pages.insert(
                key,
                PageEntry {
                    version,
                    until,
                    page: Arc::clone(&page),
                },
            );
        }
        page
    }

    /// The attachment PDF kept for this key at this version, if there is one.
    pub fn pdf(&self, key: &PdfKey, version: &PdfVersion) -> Option<Bytes> {
        let found = self
            .pdfs
            .lock()
            .ok()
            .and_then(|mut pdfs| pdfs.get(key, version));
        if found.is_some() {
            self.pdf_hits.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// The size of the attachment PDF kept for this key at this version, if there is one;
    /// unlike [`SummaryCache::pdf`] it neither counts as a download nor keeps it longer.
    pub fn pdf_kept(&self, key: &PdfKey, version: &PdfVersion) -> Option<usize> {
        let pdfs = self.pdfs.lock().ok()?;
        pdfs.entries
            .get(key)
            .filter(|e| &e.version == version)
            .map(|e| e.pdf.len())
    }

    /// The most bytes of attachment PDFs kept.
    pub fn pdf_limit(&self) -> usize {
        self.pdfs.lock().map(|pdfs| pdfs.limit).unwrap_or(0)
    }

    /// The turn to render this attachment: ask [`SummaryCache::pdf`] again once it is yours,
    /// another request may have rendered it meanwhile; then wait for
    /// [`SummaryCache::pdf_render`]. Requests for other attachments do not wait for it.
    pub async fn pdf_turn(&self, key: &PdfKey) -> tokio::sync::OwnedMutexGuard<()> {
        let turn = match self.pdf_turns.lock() {
            Ok(mut turns) => {
                if turns.len() >= MAX_PAGES {
                    // Attachments not asked for now; one asked again gets a new turn.
                    turns.retain(|_, turn| Arc::strong_count(turn) > 1);
                }
                Arc::clone(turns.entry(key.clone()).or_default())
            }
            Err(_) => Arc::new(tokio::sync::Mutex::new(())),
        };
        turn.lock_owned().await
    }

    /// A place among the renders running at once (see `pdf_renders`), held while rendering.
    pub async fn pdf_render(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        // The semaphore is never closed; were it, the render runs without a place.
        self.pdf_renders.acquire().await.ok()
    }

    /// Keeps a rendered attachment under its key and version, evicting the least recently
    /// used ones past the byte bound; a PDF larger than the bound is not kept.
    pub fn store_pdf(&self, key: PdfKey, version: PdfVersion, pdf: Vec<u8>) -> Bytes {
        self.pdf_misses.fetch_add(1, Ordering::Relaxed);
        let pdf = Bytes::from(pdf);
        if let Ok(mut pdfs) = self.pdfs.lock() {
            pdfs.insert(key, version, pdf.clone());
        }
        pdf
    }

    /// How many attachment downloads were sent from a kept PDF, and how many rendered it.
    pub fn pdf_lookups(&self) -> (u64, u64) {
        (
            self.pdf_hits.load(Ordering::Relaxed),
            self.pdf_misses.load(Ordering::Relaxed),
        )
    }

    /// The bytes of the PDFs kept now, and how many they are.
    pub fn pdf_usage(&self) -> (usize, usize) {
        self.pdfs
            .lock()
            .map(|pdfs| (pdfs.bytes, pdfs.entries.len()))
            .unwrap_or((0, 0))
    }

    /// The context a cacheable page starts from: like [`pages::base_context`], but with
    /// markers where the person's name, email and CSRF token go.
    pub fn page_context(&self, user: Option<&User>) -> Context {
        let marked = user.map(|u| User {
            name: self.slots.marker(Slot::Name),
            email: self.slots.marker(Slot::Email),
            ..u.clone()
        });
        pages::context_with(&self.slots.marker(Slot::Csrf), marked.as_ref())
    }
}

/// The turn of `round_id` in `turns`.
fn turn_of(
    turns: &Mutex<HashMap<i32, Arc<tokio::sync::Mutex<()>>>>,
    round_id: i32,
) -> Arc<tokio::sync::Mutex<()>> {
    let Ok(mut turns) = turns.lock() else {
        return Arc::new(tokio::sync::Mutex::new(()));
    };
    if turns.len() >= MAX_EARLIER {
        // Rounds not asked for lately; one of them asked again gets a new turn.
        turns.retain(|_, turn| Arc::strong_count(turn) > 1);
    }
    Arc::clone(turns.entry(round_id).or_default())
}

/// A kept page: its data version and, for a page that depends on the time, the last moment
/// it may be served.
#[derive(Debug)]
struct PageEntry {
    version: i64,
    until: Option<NaiveDateTime>,
    page: Arc<CachedPage>,
}

/// What an attachment PDF depends on besides its data: the round, the municipality, whether
/// it shows the municipality's draft (the viewer class: the municipality and its KKR's admins
/// see it, the KKR's members do not), the council meeting's date in its header, and the day
/// in Copenhagen it names as the day the data was extracted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PdfKey {
    pub round_id: i32,
    pub municipality: String,
    pub include_draft: bool,
    pub meeting: Option<chrono::NaiveDate>,
    pub day: String,
}

/// The data version of an attachment: the change markers of its round and of its KKR's
/// earlier rounds (the trend), each moved by every committed change to that round's data
/// (including its content and municipalities' names). Finer than the database's data
/// version: a save into this year's open round leaves the attachments of a published round
/// as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfVersion(pub Vec<(i32, i64)>);

#[derive(Debug)]
struct PdfEntry {
    version: PdfVersion,
    pdf: Bytes,
    /// When it was last sent (a tick of [`PdfStore`]), for evicting the least recently used.
    used: u64,
}

/// Attachment PDFs, at most `limit` bytes of them.
#[derive(Debug)]
struct PdfStore {
    entries: HashMap<PdfKey, PdfEntry>,
    bytes: usize,
    limit: usize,
    tick: u64,
}

impl PdfStore {
    fn new(limit: usize) -> PdfStore {
        PdfStore {
            entries: HashMap::new(),
            bytes: 0,
            limit,
            tick: 0,
        }
    }

    fn get(&mut self, key: &PdfKey, version: &PdfVersion) -> Option<Bytes> {
        self.tick += 1;
        let entry = self
            .entries
            .get_mut(key)
            .filter(|e| &e.version == version)?;
        entry.used = self.tick;
        Some(entry.pdf.clone())
    }

    fn insert(&mut self, key: PdfKey, version: PdfVersion, pdf: Bytes) {
        self.tick += 1;
        if let Some(old) = self.entries.remove(&key) {
            self.bytes -= old.pdf.len();
        }
        if pdf.len() > self.limit {
            return;
        }
        while self.bytes + pdf.len() > self.limit {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(old) = self.entries.remove(&oldest) {
                self.bytes -= old.pdf.len();
            }
        }
        self.bytes += pdf.len();
        self.entries.insert(
            key,
            PdfEntry {
                version,
                pdf,
                used: self.tick,
            },
        );
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DerivedKey {
    round_id: i32,
    what: String,
}

/// What a rendered page depends on besides the data version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    page: &'static str,
    round_id: i32,
    /// The query's effect (group, sort order), normalised by the handler.
    variant: String,
    viewer: Viewer,
    /// The day in Copenhagen: pages may say what today is.
    day: String,
}

impl PageKey {
    pub fn new(
        page: &'static str,
        round_id: i32,
        variant: String,
        user: Option<&User>,
        day: String,
    ) -> PageKey {
        PageKey {
            page,
            round_id,
            variant,
            viewer: Viewer::of(user),
            day,
        }
    }
}

/// Everything about the viewer that decides what a page may show: not who they are.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Viewer {
    role: Option<&'static str>,
    kkr_id: Option<i32>,
    municipality: Option<String>,
}

impl Viewer {
    fn of(user: Option<&User>) -> Viewer {
        Viewer {
            role: user.map(|u| u.role.as_str()),
            kkr_id: user.and_then(|u| u.kkr_id),
            municipality: user
                .and_then(|u| u.municipality_code.as_ref())
                .map(|c| c.as_str().to_owned()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Name,
    Email,
    Csrf,
}

/// The markers of this process. They are random, so no text a user writes can contain one,
/// and alphanumeric, so the templates' escaping leaves them as they are.
#[derive(Debug)]
struct Slots {
    nonce: String,
}

impl Slots {
    fn new() -> Slots {
        Slots {
            nonce: Alphanumeric.sample_string(&mut OsRng, 24),
        }
    }

    fn marker(&self, slot: Slot) -> String {
        let tag = match slot {
            Slot::Name => "N",
            Slot::Email => "E",
            Slot::Csrf => "C",
        };
        format!("tlslot{}{tag}", self.nonce)
    }
}

#[derive(Debug)]
enum Part {
    /// Shared with every response that sends it (cloning it counts a reference).
    Text(Bytes),
    Slot(Slot),
}

/// A rendered page cut at its per-person markers.
#[derive(Debug)]
pub struct CachedPage {
    parts: Vec<Part>,
}

impl CachedPage {
    fn split(html: &str, slots: &Slots) -> CachedPage {
        let prefix = format!("tlslot{}", slots.nonce);
        let mut parts = Vec::new();
        let mut rest = html;
        while let Some(at) = rest.find(&prefix) {
            let after = &rest[at + prefix.len()..];
            let slot = match after.as_bytes().first() {
                Some(b'N') => Slot::Name,
                Some(b'E') => Slot::Email,
                Some(b'C') => Slot::Csrf,
                // Cannot happen (every marker has its tag); keep the text as it is.
                _ => {
                    parts.push(Part::Text(Bytes::copy_from_slice(
                        &rest.as_bytes()[..at + prefix.len()],
                    )));
                    rest = after;
                    continue;
                }
            };
            if at > 0 {
                parts.push(Part::Text(Bytes::copy_from_slice(&rest.as_bytes()[..at])));
            }
            parts.push(Part::Slot(slot));
            rest = &after[1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(Bytes::copy_from_slice(rest.as_bytes())));
        }
        CachedPage { parts }
    }

    /// The page for this person: their name, email and this session's CSRF token in the
    /// marked places, HTML-escaped, as the pieces of the response body in order. The page's
    /// own text is not copied: its pieces are shared with the cache.
    fn pieces(&self, csrf_token: &str, user: Option<&User>) -> FilledPage {
        let mut pieces = std::collections::VecDeque::with_capacity(self.parts.len());
        let mut size = 0;
        for part in &self.parts {
            let piece = match part {
                Part::Text(text) => text.clone(),
                Part::Slot(slot) => {
                    let value = match slot {
                        Slot::Csrf => csrf_token,
                        Slot::Name => user.map_or("", |u| &u.name),
                        Slot::Email => user.map_or("", |u| &u.email),
                    };
                    let mut escaped = String::with_capacity(value.len());
                    escape_into(&mut escaped, value);
                    Bytes::from(escaped)
                }
            };
            size += piece.len();
            pieces.push_back(piece);
        }
        FilledPage { pieces, size }
    }

    /// The page for this person as one string (see [`CachedPage::pieces`]).
    #[cfg(test)]
    fn fill(&self, csrf_token: &str, user: Option<&User>) -> String {
        let page = self.pieces(csrf_token, user);
        let mut out = Vec::with_capacity(page.size);
        for piece in &page.pieces {
            out.extend_from_slice(piece);
        }
        String::from_utf8(out).unwrap_or_default()
    }

    /// Cached JSON (which has no per-person parts) as a response.
    pub fn json(&self) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("application/json")
            .body(self.pieces("", None))
    }

    /// The page as a response to this session's request.
    pub fn respond(
        &self,
        session: &Session,
        user: Option<&User>,
    ) -> Result<HttpResponse, AppError> {
        let token = session::csrf_token(session)?;
        Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(self.pieces(&token, user)))
    }
}

/// A cached page filled in for one person: the response body, sent piece by piece. The
/// server copies each piece into its write buffer; building the page as one string first
/// would copy the whole page once more on every response.
struct FilledPage {
    pieces: std::collections::VecDeque<Bytes>,
    size: usize,
}

impl MessageBody for FilledPage {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.size as u64)
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(self.get_mut().pieces.pop_front().map(Ok))
    }
}

/// The escaping the templates apply (tera's): the same bytes as an uncached page.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn user(name: &str) -> User {
        User {
            id: 1,
            email: "a@b.dk".into(),
            name: name.into(),
            role: Role::Admin,
            kkr_id: Some(1),
            municipality_code: None,
        }
    }

    #[test]
    fn markers_are_replaced_by_the_escaped_values_of_the_person_asking() {
        let slots = Slots::new();
        let html = format!(
            "<p>{}</p><input value=\"{}\"><i>{}</i>",
            slots.marker(Slot::Name),
            slots.marker(Slot::Csrf),
            slots.marker(Slot::Name)
        );
        let page = CachedPage::split(&html, &slots);
        let filled = page.fill("tok123", Some(&user("Ida <b>&</b>")));
        assert_eq!(
            filled,
            "<p>Ida &lt;b&gt;&amp;&lt;/b&gt;</p><input value=\"tok123\"><i>Ida &lt;b&gt;&amp;&lt;/b&gt;</i>"
        );
        assert!(!filled.contains("tlslot"));
    }

    fn pdf_key(code: &str) -> PdfKey {
        PdfKey {
            round_id: 2,
            municipality: code.into(),
            include_draft: false,
            meeting: None,
            day: "1. december 2017".into(),
        }
    }

    #[test]
    fn kept_pdfs_stay_within_their_bytes_and_the_least_recently_used_goes_first() {
        let cache = SummaryCache::with_pdf_bytes(250);
        let v = PdfVersion(vec![(2, 7)]);
        cache.store_pdf(pdf_key("101"), v.clone(), vec![1; 100]);
        cache.store_pdf(pdf_key("147"), v.clone(), vec![2; 100]);
        // 101 is sent again, so 147 is now the least recently used.
        assert!(cache.pdf(&pdf_key("101"), &v).is_some());
        cache.store_pdf(pdf_key("151"), v.clone(), vec![3; 100]);
        assert_eq!(cache.pdf_usage(), (200, 2));
        assert!(cache.pdf(&pdf_key("147"), &v).is_none(), "evicted");
        assert_eq!(
            cache.pdf(&pdf_key("101"), &v).as_deref(),
            Some(&[1; 100][..])
        );
        assert_eq!(
            cache.pdf(&pdf_key("151"), &v).as_deref(),
            Some(&[3; 100][..])
        );
        // Larger than the bound: sent, not kept, and nothing else is pushed out for it.
        let big = cache.store_pdf(pdf_key("153"), v.clone(), vec![4; 300]);
        assert_eq!(big.len(), 300);
        assert!(cache.pdf(&pdf_key("153"), &v).is_none());
        assert_eq!(cache.pdf_usage(), (200, 2));
    }

    #[test]
    fn a_kept_pdf_is_sent_only_for_its_own_version_and_key() {
        let cache = SummaryCache::with_pdf_bytes(1000);
        let old = PdfVersion(vec![(1, 3), (2, 7)]);
        let new = PdfVersion(vec![(1, 3), (2, 8)]);
        cache.store_pdf(pdf_key("147"), old.clone(), vec![1; 10]);
        assert!(cache.pdf(&pdf_key("147"), &new).is_none());
        let draft = PdfKey {
            include_draft: true,
            ..pdf_key("147")
        };
        assert!(cache.pdf(&draft, &old).is_none());
        let meeting = PdfKey {
            meeting: chrono::NaiveDate::from_ymd_opt(2018, 1, 31),
            ..pdf_key("147")
        };
        assert!(cache.pdf(&meeting, &old).is_none());
        // The new version replaces the old one under the key.
        cache.store_pdf(pdf_key("147"), new.clone(), vec![2; 10]);
        assert_eq!(cache.pdf_usage(), (10, 1));
        assert_eq!(
            cache.pdf(&pdf_key("147"), &new).as_deref(),
            Some(&[2; 10][..])
        );
        assert_eq!(cache.pdf_lookups(), (1, 2));
    }

    #[test]
    fn form_markers_are_kept_at_one_shown_marker_and_never_while_last_year_is_open() {
        let cache = SummaryCache::default();
        let markers = rounds::FormMarkers {
            content: 7,
            previous: Some((1, 40)),
        };
        assert_eq!(cache.form_markers_at(2, 5), None);
        cache.keep_form_markers(2, 5, markers, false);
        assert_eq!(cache.form_markers_at(2, 5), Some(markers));
        assert_eq!(cache.form_markers_at(2, 6), None, "the shown marker moved");
        assert_eq!(cache.form_markers_at(3, 5), None, "another round");
        // Last year's round open: a draft saved there moves its marker, not the shown one.
        cache.keep_form_markers(4, 5, markers, true);
        assert_eq!(cache.form_markers_at(4, 5), None);
        // Kept again at a newer shown marker, the older is gone.
        let newer = rounds::FormMarkers {
            content: 8,
            previous: None,
        };
        cache.keep_form_markers(2, 6, newer, false);
        assert_eq!(cache.form_markers_at(2, 6), Some(newer));
        assert_eq!(cache.form_markers_at(2, 5), None);
    }

    #[test]
    fn a_page_without_markers_is_served_as_rendered() {
        let slots = Slots::new();
        let page = CachedPage::split("tlslot but not ours", &slots);
        assert_eq!(page.fill("t", None), "tlslot but not ours");
    }
}
