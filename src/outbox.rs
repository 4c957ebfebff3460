//! The outbox's sender: a thread of each `serve` process (with a mail server configured) that
//! delivers the mails queued in `store::outbox`, so no request ever waits for SMTP.
//!
//! It takes one due mail at a time (an atomic claim with a lease, so several processes never
//! send one mail twice), sends it with the mailer's connect and command timeouts, holding no
//! database connection meanwhile, and records the attempt: sent; tried again after a back-off
//! (`domain::mail_policy`); or given up after a permanent refusal or too many attempts. When the
//! server cannot be reached or does not answer, the sender leaves it alone for a while instead
//! of letting each waiting mail run into the timeout. It wakes when a request queues a mail, and
//! otherwise looks for due mails every [`POLL`].
//!
//! Before the mails, each pass sends the reminder plans' steps that have fallen due by the
//! app's clock (`store::reminder_plan::run_due`): each step is claimed by one process and its
//! mails queued in the same transaction, then sent in this same pass. That needs the public
//! address for the links, which the server gives with [`SenderHandle::set_links`] once it
//! knows it; until then no step is sent.
//!
//! A process that dies between the server taking a mail and the record of it leaves the claim
//! to run out; another sender then sends that mail again (at least once, not at most once).

use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::NaiveDateTime;
use rand::distributions::{Alphanumeric, DistString};

use crate::clock::Clock;
use crate::domain::mail_policy::{self, AfterFailure};
use crate::mail::{Failure, Mailer, OutgoingMail};
use crate::notices::Links;
use crate::store::outbox::{self, Attempt, Claimed};
use crate::store::DbPool;

/// How often an idle sender looks for mails that have become due.
pub const POLL: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum SenderError {
    #[error("no database connection for the outbox: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("the outbox could not be read or written: {0}")]
    Database(#[from] diesel::result::Error),
}

/// The public address the plan's mails link to, set once the server knows it.
pub type SharedLinks = Arc<OnceLock<Links>>;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub retrying: usize,
    pub given_up: usize,
    /// Steps of reminder plans this pass did.
    pub planned: usize,
    /// The server could not be reached: the pass stopped, and the sender pauses.
    pub paused: bool,
}

/// Delivers the outbox's due mails through one mailer.
pub struct Sender {
    pool: DbPool,
    mailer: Arc<Mailer>,
    clock: Clock,
    /// Written into each claim: which sender holds a mail.
    name: String,
    lease: chrono::Duration,
    failures_in_a_row: u32,
    paused_until: Option<NaiveDateTime>,
    links: SharedLinks,
}

impl Sender {
    /// A sender whose claims last long enough for a send that runs into `timeout` at every
    /// step of the SMTP conversation.
    pub fn new(pool: DbPool, mailer: Arc<Mailer>, clock: Clock, timeout: Duration) -> Sender {
        let per_step = chrono::Duration::from_std(timeout).unwrap_or(chrono::Duration::minutes(1));
        Sender {
            pool,
            mailer,
            clock,
            name: format!(
                "{}-{}",
                std::process::id(),
                Alphanumeric.sample_string(&mut rand::rngs::OsRng, 10)
            ),
            lease: per_step * 12 + chrono::Duration::minutes(1),
            failures_in_a_row: 0,
            paused_until: None,
            links: SharedLinks::default(),
        }
    }

    /// Where the plan's mails link to, for a sender run without [`start`] (tests).
    pub fn set_links(&self, links: Links) {
        let _ = self.links.set(links);
    }

    /// Takes the rounds' scheduled steps that are due now (opening, closing, publishing),
    /// then sends the reminder plans' steps (see the module's documentation): a round opened
    /// by its schedule sends its opening mail in the same pass.
    pub fn run_plans(&self) -> Result<usize, SenderError> {
        let Some(links) = self.links.get() else {
            return Ok(0);
        };
        let mut conn = self.pool.get()?;
        let steps = crate::store::schedule::run_due(&mut conn, links, self.clock.now())?;
        Ok(steps + crate::store::reminder_plan::run_due(&mut conn, links, self.clock.now())?)
    }

    /// Sends due mails one by one until none is due, the server needs a pause, or `stop`
    /// says so.
    pub fn run_pass(&mut self, stop: &mut dyn FnMut() -> bool) -> Result<Pass, SenderError> {
        let mut pass = Pass {
            planned: self.run_plans()?,
            ..Pass::default()
        };
        if self
            .paused_until
            .is_some_and(|until| self.clock.now() < until)
        {
            pass.paused = true;
            return Ok(pass);
        }
        while !stop() {
            let now = self.clock.now();
            let claimed = {
                let mut conn = self.pool.get()?;
                outbox::claim_next(&mut conn, &self.name, now, now + self.lease)?
            };
            let Some(mail) = claimed else {
                break;
            };
            let result = self.mailer.send(
                &mail.recipient,
                &OutgoingMail {
                    subject: mail.subject.clone(),
                    body: mail.body.clone(),
                },
            );
            let now = self.clock.now();
            let attempt = match &result {
                Ok(()) => {
                    self.failures_in_a_row = 0;
                    self.paused_until = None;
                    pass.sent += 1;
                    Attempt::Sent
                }
                Err(e) => {
                    let failure = e.failure();
                    tracing::warn!(
                        error = %e,
                        mail = mail.id,
                        kind = mail.kind.as_str(),
                        attempt = mail.attempts + 1,
                        "a mail was not delivered"
                    );
                    if failure == Failure::Unreachable {
                        self.failures_in_a_row = self.failures_in_a_row.saturating_add(1);
                        self.paused_until =
                            Some(now + mail_policy::server_pause(self.failures_in_a_row));
                        pass.paused = true;
                    }
                    self.after_failure(&mail, e.to_string(), failure, now, &mut pass)
                }
            };
            let mut conn = self.pool.get()?;
            if !outbox::record(&mut conn, mail.id, &self.name, &attempt, now)? {
                tracing::warn!(
                    mail = mail.id,
                    "a mail's claim ran out before its attempt was recorded"
                );
            }
            if pass.paused {
                break;
            }
        }
        Ok(pass)
    }

    fn after_failure(
        &self,
        mail: &Claimed,
        error: String,
        failure: Failure,
        now: NaiveDateTime,
        pass: &mut Pass,
    ) -> Attempt {
        match mail_policy::after_failure(mail.attempts + 1, failure == Failure::Permanent, now) {
            AfterFailure::RetryAt(at) => {
                pass.retrying += 1;
                Attempt::Retry { error, at }
            }
            AfterFailure::GiveUp => {
                pass.given_up += 1;
                Attempt::GaveUp { error }
            }
        }
    }
}

/// Wakes the sender thread; the thread ends when its handle is dropped.
#[derive(Debug, Clone)]
pub struct SenderHandle {
    wake: mpsc::SyncSender<()>,
    links: SharedLinks,
}

impl SenderHandle {
    /// Gives the sender the public address for the links of the plan's mails (the first
    /// address given stays).
    pub fn set_links(&self, links: Links) {
        let _ = self.links.set(links);
        self.wake();
    }

    /// Tells the sender that mail was queued (never waits).
    pub fn wake(&self) {
        let _ = self.wake.try_send(());
    }
}

/// Without a mail server there is no sender, but the rounds' schedules still run: this thread
/// takes their due steps (opening, closing, publishing) every [`POLL`], or when woken. The
/// notices those steps queue wait in the outbox, shown as links, as every mail does then.
pub fn start_schedule(pool: DbPool, clock: Clock) -> std::io::Result<SenderHandle> {
    let (wake, woken) = mpsc::sync_channel::<()>(1);
    let links = SharedLinks::default();
    let shared = links.clone();
    std::thread::Builder::new()
        .name("trafiklys-schedule".into())
        .spawn(move || {
            let mut database_failing = false;
            while let Ok(()) | Err(RecvTimeoutError::Timeout) = woken.recv_timeout(POLL) {
                let Some(links) = shared.get() else {
                    continue;
                };
                let taken = pool.get().map_err(SenderError::from).and_then(|mut conn| {
                    Ok(crate::store::schedule::run_due(
                        &mut conn,
                        links,
                        clock.now(),
                    )?)
                });
                match taken {
                    Ok(steps) => {
                        database_failing = false;
                        if steps > 0 {
                            tracing::info!(steps, "scheduled round steps taken");
                        }
                    }
                    Err(e) => {
                        if !database_failing {
                            tracing::warn!(error = %e, "the schedule cannot reach the database");
                        }
                        database_failing = true;
                    }
                }
            }
        })?;
    Ok(SenderHandle { wake, links })
}

/// Starts the sender on a thread of its own.
pub fn start(mut sender: Sender) -> std::io::Result<SenderHandle> {
    let (wake, woken) = mpsc::sync_channel::<()>(1);
    let links = sender.links.clone();
    std::thread::Builder::new()
        .name("trafiklys-outbox".into())
        .spawn(move || {
            let mut database_failing = false;
            // Until the handle is dropped: woken by a queued mail, or after POLL.
            while let Ok(()) | Err(RecvTimeoutError::Timeout) = woken.recv_timeout(POLL) {
                let mut stop = || matches!(woken.try_recv(), Err(TryRecvError::Disconnected));
                match sender.run_pass(&mut stop) {
                    Ok(pass) => {
                        if database_failing {
                            tracing::info!("the outbox can be read again");
                        }
                        database_failing = false;
                        if pass.sent + pass.retrying + pass.given_up + pass.planned > 0 {
                            tracing::info!(
                                planned = pass.planned,
                                sent = pass.sent,
                                retrying = pass.retrying,
                                given_up = pass.given_up,
                                "outbox pass"
                            );
                        }
                    }
                    Err(e) => {
                        if !database_failing {
                            tracing::warn!(error = %e, "the outbox sender cannot reach the database");
                        }
                        database_failing = true;
                    }
                }
            }
        })?;
    Ok(SenderHandle { wake, links })
}
