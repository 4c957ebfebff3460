//! A municipality's attachment PDF as the download and the renders ahead share it: where it
//! is kept ([`PdfKey`], [`PdfVersion`]), rendering it once for everyone who asks, and, on a
//! task of its own, rendering the attachments whose council meeting is ahead before the
//! morning the secretaries download them.
//!
//! What goes ahead: for each round that is closed or published (its data no longer moves
//! with every save), the attachments of the municipalities whose council meeting is today or
//! later (`store::council_meetings`), for today's date, without the draft and, where the
//! municipality's form is a draft, with it. The task looks every [`AHEAD_POLL`] (so a new day
//! or a corrected answer is caught within it) and at once when woken (a meeting date kept, a
//! round closed or published). It renders one attachment at a time, in the same turns as
//! the downloads, so a download of the attachment being rendered waits for it and does not
//! render it again, and it stops adding attachments at [`AHEAD_SHARE`] of the cache's bytes so
//! that what people ask for meanwhile still has room.

use std::sync::{Arc, Weak};
use std::time::Duration;

use actix_web::web::{self, Bytes};
use chrono::{NaiveDate, NaiveDateTime};

use super::infra::cache::{PdfKey, PdfVersion, SummaryCache};
use super::{blocking, db, round_view, AppError, AppState};
use crate::domain::model::RoundContent;
use crate::domain::time::{copenhagen_day, danish_date};
use crate::domain::MunicipalityCode;
use crate::report::ReportError;
use crate::store::{council_meetings, rounds, DbConnection};

/// How often the renders ahead look for work without being woken.
pub const AHEAD_POLL: Duration = Duration::from_secs(60);

/// The share of the PDF cache's bytes the renders ahead may fill (the rest is for what
/// people ask for meanwhile), as a fraction `numerator / denominator`.
pub const AHEAD_SHARE: (usize, usize) = (3, 4);

/// What a municipality's attachment depends on besides who asks and when.
#[derive(Debug, Clone)]
pub struct AttachmentFacts {
    pub content: Arc<RoundContent>,
    /// The change markers of the round and of its KKR's earlier rounds (the trend).
    pub version: PdfVersion,
    /// Whether the municipality's form is a draft: only then does the attachment shown to
    /// those who may see the draft differ from the one shown to those who may not.
    pub has_draft: bool,
    /// The council meeting's date kept for the attachment.
    pub meeting: Option<NaiveDate>,
}

/// The facts of the municipality's attachment of the round; `None` for an unknown round.
/// Reads the round's content (cached) and change markers, not its answers.
pub fn facts(
    cache: &SummaryCache,
    conn: &mut DbConnection,
    round_id: i32,
    code: &MunicipalityCode,
) -> Result<Option<AttachmentFacts>, AppError> {
    let Some(content) = cache.content(conn, round_id)? else {
        return Ok(None);
    };
    let round = &content.round;
    let Some(own) = rounds::round_version(conn, round_id)? else {
        return Ok(None);
    };
    let mut markers = rounds::earlier_round_versions(conn, round.kkr_id, round.year)?;
    markers.push((round_id, own));
    let has_draft = council_meetings::has_draft(conn, round_id, code)?;
    let meeting = council_meetings::meeting(conn, round_id, code)?;
    Ok(Some(AttachmentFacts {
        content,
        version: PdfVersion(markers),
        has_draft,
        meeting,
    }))
}

/// The attachment's place in the cache: `may_see_draft` is whether the one asking may see
/// the municipality's draft, `meeting` the date printed in its header, `now` the time whose
/// day in Copenhagen it names as the day the data was extracted.
pub fn key(
    round_id: i32,
    code: &MunicipalityCode,
    facts: &AttachmentFacts,
    may_see_draft: bool,
    meeting: Option<NaiveDate>,
    now: NaiveDateTime,
) -> PdfKey {
    PdfKey {
        round_id,
        municipality: code.to_string(),
        include_draft: may_see_draft && facts.has_draft,
        meeting,
        day: danish_date(now),
    }
}

/// The attachment for `key` at `version`: the kept one, or rendered (once for all who ask
/// for it at once, and at most [`crate::web::infra::cache::PDF_RENDERS`] attachments at a
/// time) and kept. Who may read it is decided before this is asked.
pub async fn attachment(
    state: &web::Data<AppState>,
    code: &MunicipalityCode,
    key: PdfKey,
    version: PdfVersion,
    now: NaiveDateTime,
) -> Result<Bytes, AppError> {
    if let Some(pdf) = state.cache.pdf(&key, &version) {
        return Ok(pdf);
    }
    let _turn = state.cache.pdf_turn(&key).await;
    if let Some(pdf) = state.cache.pdf(&key, &version) {
        return Ok(pdf);
    }
    let _render = state.cache.pdf_render().await;
    let view = round_view(state, key.round_id).await?;
    let state = state.clone();
    let code = code.clone();
    blocking(move || {
        let rendered = timed(&state, "attachment", || {
            state
                .renderer
                .attachment_for_meeting(&view, &code, key.include_draft, key.meeting, now)
        })
        .map_err(report_error)?;
        Ok(state.cache.store_pdf(key, version, rendered.pdf))
    })
    .await
}

/// Runs a PDF render and records how long it took; then gives the memory the render freed
/// back to the system ([`release_freed_memory`]).
pub fn timed<T>(state: &AppState, document: &str, render: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let result = render();
    state
        .metrics
        .observe_pdf(document, started.elapsed().as_secs_f64());
    release_freed_memory();
    result
}

/// Gives the pages of freed memory inside the heap back to the system. A render takes some
/// 20 MB of typst's working memory and frees it; glibc keeps freed memory that is not at the
/// top of its heap, so each render left the process larger, and the next one's peak started
/// from there. It runs after renders only, never for a PDF sent from the cache; the first
/// attachment of a process, its trim included, took 27.5 ms in the benchmark suite (run W).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_freed_memory() {
    // SAFETY: malloc_trim only returns free pages to the system; it takes the allocator's own
    // locks and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_freed_memory() {}

/// A document that could not be made: an unknown municipality is not found, the rest is the
/// report's own error.
pub fn report_error(e: ReportError) -> AppError {
    match e {
        ReportError::UnknownMunicipality(_) => AppError::NotFound,
        other => AppError::Report(other),
    }
}

/// Wakes the renders ahead (never waits).
#[derive(Debug, Default)]
pub struct AheadHandle {
    wake: tokio::sync::Notify,
}

impl AheadHandle {
    /// Asks for a look at once: a meeting date was kept, or a round closed or published.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Starts the renders ahead on the server's runtime; they end with the server's state.
pub fn start_ahead(state: &web::Data<AppState>) {
    let weak: Weak<AppState> = Arc::downgrade(&state.clone().into_inner());
    actix_web::rt::spawn(async move {
        let mut failing = false;
        loop {
            let Some(state) = weak.upgrade() else {
                break;
            };
            let state = web::Data::from(state);
            match render_ahead(&state).await {
                Ok(()) => failing = false,
                // Said once until it works again (the database away, say), not every look.
                Err(e) if !failing => {
                    failing = true;
                    tracing::warn!(error = %e, "the renders of meetings ahead cannot look");
                }
                Err(_) => {}
            }
            let handle = Arc::clone(&state.ahead);
            drop(state);
            // A wake during the pass is kept (one), so the next pass follows at once.
            let _ = actix_web::rt::time::timeout(AHEAD_POLL, handle.wake.notified()).await;
        }
    });
}

/// One look: renders what is wanted and not kept, and counts both for the metrics.
async fn render_ahead(state: &web::Data<AppState>) -> Result<(), AppError> {
    let now = state.clock.now();
    let today = copenhagen_day(now);
    let meetings = db(state, move |conn| Ok(council_meetings::ahead(conn, today)?)).await?;
    let mut look = Look {
        room: state.cache.pdf_limit() / AHEAD_SHARE.1 * AHEAD_SHARE.0,
        ..Look::default()
    };
    for meeting in meetings {
        look.meeting(state, &meeting, now).await?;
    }
    state.metrics.set_ahead(look.wanted, look.ready);
    Ok(())
}

/// What one look has found so far: attachments wanted, ready, and the bytes of those ready
/// (which stop at `room`).
#[derive(Debug, Default)]
struct Look {
    wanted: usize,
    ready: usize,
    bytes: usize,
    room: usize,
}

impl Look {
    /// The attachments of one meeting ahead: without the draft, and with it when the
    /// municipality's form is a draft.
    async fn meeting(
        &mut self,
        state: &web::Data<AppState>,
        meeting: &council_meetings::MeetingAhead,
        now: NaiveDateTime,
    ) -> Result<(), AppError> {
        let Ok(code) = MunicipalityCode::parse(&meeting.municipality) else {
            return Ok(());
        };
        let (cache_state, round_id, facts_code) = (state.clone(), meeting.round_id, code.clone());
        let Some(facts) = db(state, move |conn| {
            facts(&cache_state.cache, conn, round_id, &facts_code)
        })
        .await?
        else {
            return Ok(());
        };
        if facts.content.municipality(&code).is_none() {
            return Ok(());
        }
        let variants: &[bool] = if facts.has_draft {
            &[false, true]
        } else {
            &[false]
        };
        for &may_see_draft in variants {
            let key = key(
                round_id,
                &code,
                &facts,
                may_see_draft,
                Some(meeting.date),
                now,
            );
            self.one(state, &code, key, &facts.version, now).await;
        }
        Ok(())
    }

    /// One attachment: counted as wanted, and as ready once it is kept, rendered now while
    /// the look's bytes leave room.
    async fn one(
        &mut self,
        state: &web::Data<AppState>,
        code: &MunicipalityCode,
        key: PdfKey,
        version: &PdfVersion,
        now: NaiveDateTime,
    ) {
        self.wanted += 1;
        let round_id = key.round_id;
        let size = match state.cache.pdf_kept(&key, version) {
            Some(size) => size,
            None if self.bytes < self.room => {
                match attachment(state, code, key, version.clone(), now).await {
                    Ok(pdf) => pdf.len(),
                    // One attachment that cannot be rendered does not hold up the others; its
                    // download will say why.
                    Err(e) => {
                        tracing::warn!(round_id, municipality = %code, error = %e,
                            "an attachment of a meeting ahead could not be rendered");
                        return;
                    }
                }
            }
            None => return,
        };
        self.bytes += size;
        self.ready += 1;
    }
}
