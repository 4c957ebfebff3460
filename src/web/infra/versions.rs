//! What a process serving a PostgreSQL database knows of the data version without asking.
//!
//! Every signed-in request needs its user and the data version (which keys the cached pages).
//! On SQLite one statement reads both on the worker in microseconds. On PostgreSQL that
//! statement was a round trip through the blocking pool on every request, most of what a
//! cached dashboard cost. Here a thread of the process listens to the database's own word of
//! every change ([`crate::store::versions::Listener`]) and so knows the current markers
//! ([`Versions`]); signed-in users are kept under the accounts marker, which moves only when
//! what a session lookup reads changes (a user's row, a municipality's KKR), so a stream of
//! saves, each of which moves the data version, leaves them kept. A request whose user is kept
//! at the accounts marker the process knows is served without the database.
//!
//! What makes this safe:
//! - A change to a user anywhere (a sign-out, a deactivation, a changed role or name) moves
//!   the accounts marker, through the database's triggers whichever program wrote, so every
//!   kept user is dropped when the process hears of it: a few milliseconds after the commit.
//! - A user's own writes are carried in their session ([`Written`], `session::carry_own_writes`):
//!   a request that finds the process behind the accounts marker its session's writes (or this
//!   process's) left reads its user from the database; one that finds it behind their data
//!   version is served without the versions, so no page kept from before their write is
//!   served to them. A save in one process so shows at once in the next request, in whichever
//!   process.
//! - The process knows only while it hears: the thread reads the markers again every
//!   [`CHECK`], and without an answer for [`FRESH`] (or with the connection gone) every
//!   request reads from the database again, as before.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::domain::User;
use crate::store::users::Versions;
use crate::store::versions::Listener;
use crate::store::DbPool;

/// How often the listening thread looks for news (the notifications arrive on its
/// connection; diesel reads them without waiting, so the thread polls).
const POLL: Duration = Duration::from_millis(2);
/// How often the thread reads the versions itself: news that never came (a notification
/// lost with its connection) is found by then, and the read shows the server still answers.
const CHECK: Duration = Duration::from_millis(200);
/// How long after the thread's last answered read the process trusts what it knows.
const FRESH: Duration = Duration::from_secs(1);
/// The longest pause between attempts to listen again after the connection was lost.
const MAX_PAUSE: Duration = Duration::from_secs(30);
/// At most this many signed-in users kept at one version.
const MAX_USERS: usize = 4096;

/// The markers this process's own writes left (PostgreSQL): the highest each reached.
#[derive(Debug, Default)]
pub struct Written {
    data: AtomicI64,
    accounts: AtomicI64,
}

impl Written {
    /// A write of this process committed, leaving `versions`.
    pub fn committed(&self, versions: Versions) {
        self.data.fetch_max(versions.data, Ordering::AcqRel);
        self.accounts.fetch_max(versions.accounts, Ordering::AcqRel);
    }

    /// Counts the write transaction this thread last committed, if any
    /// ([`crate::store::take_committed_versions`]); returns the markers it left.
    pub fn take_committed(&self) -> Option<Versions> {
        let committed = crate::store::take_committed_versions();
        if let Some(versions) = committed {
            self.committed(versions);
        }
        committed
    }

    /// The highest markers this process's writes left so far (0 before any).
    pub fn floor(&self) -> Floor {
        Floor {
            data: self.data.load(Ordering::Acquire),
            accounts: self.accounts.load(Ordering::Acquire),
        }
    }
}

/// What a request needs the process to have heard of before it is served from memory: the
/// data version and the accounts marker that its session's own writes, and this process's,
/// left.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Floor {
    pub data: i64,
    pub accounts: i64,
}

impl From<Versions> for Floor {
    fn from(versions: Versions) -> Floor {
        Floor {
            data: versions.data,
            accounts: versions.accounts,
        }
    }
}

impl Floor {
    /// Each marker at the higher of the two.
    pub fn max(self, other: Floor) -> Floor {
        Floor {
            data: self.data.max(other.data),
            accounts: self.accounts.max(other.accounts),
        }
    }
}

/// What the process heard, and when the database last answered.
#[derive(Debug, Default)]
struct Known {
    versions: Option<Versions>,
    answered: Option<Instant>,
}

/// Signed-in users as read at one accounts marker, by (user id, session generation).
#[derive(Debug, Default)]
struct Users {
    accounts: i64,
    by_session: HashMap<(i32, i32), User>,
}

/// The versions this process knows, and the users read at the current one.
#[derive(Debug, Default)]
pub struct VersionWatch {
    known: Mutex<Known>,
    users: Mutex<Users>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl VersionWatch {
    /// Starts the listening thread on a PostgreSQL database; `None` on SQLite. The thread ends
    /// when the watch is dropped.
    pub fn start(pool: &DbPool) -> std::io::Result<Option<Arc<VersionWatch>>> {
        if !pool.is_postgres() {
            return Ok(None);
        }
        let watch = Arc::new(VersionWatch::default());
        let weak = Arc::downgrade(&watch);
        let pool = pool.clone();
        std::thread::Builder::new()
            .name("trafiklys-versions".into())
            .spawn(move || follow(&pool, &weak))?;
        Ok(Some(watch))
    }

    /// The versions, if the database answered the thread within [`FRESH`].
    fn current(&self, now: Instant) -> Option<Versions> {
        let known = self.known.lock().ok()?;
        let answered = known.answered?;
        (now.saturating_duration_since(answered) < FRESH)
            .then_some(known.versions)
            .flatten()
    }

    /// The user of a session (id and generation), when it was read at the accounts marker
    /// the process knows to be current and that marker is at least `floor`'s (what the
    /// session's own writes left, and this process's: a sign-out here ends the user's other
    /// sessions here at once, before the process hears of it). With it the markers, when the
    /// process has heard of `floor`'s data version; else `None`, and the request reads what it
    /// shows from the database rather than from pages kept at an older version.
    pub fn user(&self, id: i32, generation: i32, floor: Floor) -> Option<(User, Option<Versions>)> {
        let known = self.known_user(id, generation, floor);
        let counter = if known.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        known
    }

    fn known_user(
        &self,
        id: i32,
        generation: i32,
        floor: Floor,
    ) -> Option<(User, Option<Versions>)> {
        let versions = self.current(Instant::now())?;
        if versions.accounts < floor.accounts {
            return None;
        }
        let users = self.users.lock().ok()?;
        if users.accounts != versions.accounts {
            return None;
        }
        let user = users.by_session.get(&(id, generation))?.clone();
        Some((user, (versions.data >= floor.data).then_some(versions)))
    }

    /// Whether the process serves anything from memory now: the database answered its thread
    /// within [`FRESH`] and the connection it listens on is open.
    pub fn serves_from_memory(&self) -> bool {
        self.current(Instant::now()).is_some()
    }

    /// Whether the process would serve nothing older than `floor` from memory: it has heard
    /// of both its markers, or it serves nothing from memory now.
    pub fn has_heard(&self, floor: Floor) -> bool {
        self.current(Instant::now())
            .is_none_or(|known| known.data >= floor.data && known.accounts >= floor.accounts)
    }

    /// How many signed-in requests found their user here, and how many read it.
    pub fn lookups(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// Keeps a user read from the database at `versions`, if its accounts marker is the one
    /// the process knows to be current (a read behind or ahead of what it heard is not kept).
    pub fn remember(&self, id: i32, generation: i32, user: &User, versions: Versions) {
        let current = self.current(Instant::now()).map(|known| known.accounts);
        if current != Some(versions.accounts) {
            return;
        }
        let Ok(mut users) = self.users.lock() else {
            return;
        };
        if users.accounts != versions.accounts || users.by_session.len() >= MAX_USERS {
            users.by_session.clear();
            users.accounts = versions.accounts;
        }
        users.by_session.insert((id, generation), user.clone());
    }

    /// News: the versions moved to at least `told`.
    fn heard(&self, told: Versions) {
        if let Ok(mut known) = self.known.lock() {
            known.versions = Some(known.versions.map_or(told, |seen| seen.max(told)));
        }
    }

    /// The thread's own read answered with `read`. Everything heard before it is at most
    /// `read` (told at a commit the read then saw), so the read is what is known. A read
    /// below what was heard means the markers went back (a backup restored into the
    /// database): users kept at the higher marker must never be served when the markers
    /// climb to it again, so they are dropped.
    fn answered(&self, read: Versions, at: Instant) {
        let went_back = match self.known.lock() {
            Ok(mut known) => {
                let went_back = known
                    .versions
                    .is_some_and(|seen| seen.data > read.data || seen.accounts > read.accounts);
                known.versions = Some(read);
                known.answered = Some(at);
                went_back
            }
            Err(_) => false,
        };
        if went_back {
            if let Ok(mut users) = self.users.lock() {
                users.by_session.clear();
            }
        }
    }

    /// Listening again from `read` after the connection was (re)opened: what was heard
    /// before may have been missed since, so `read` replaces it.
    fn restarted(&self, read: Versions, at: Instant) {
        if let Ok(mut known) = self.known.lock() {
            *known = Known {
                versions: Some(read),
                answered: Some(at),
            };
        }
        if let Ok(mut users) = self.users.lock() {
            users.by_session.clear();
        }
    }

    /// The connection was lost: nothing is known until it listens again.
    fn lost(&self) {
        if let Ok(mut known) = self.known.lock() {
            known.answered = None;
        }
    }
}

/// The listening thread: listens, and after a lost connection listens again, pausing longer
/// each time it fails, for as long as the watch exists.
fn follow(pool: &DbPool, watch: &Weak<VersionWatch>) {
    let mut pause = Duration::from_secs(1);
    let mut said_failure = false;
    loop {
        match Listener::open(pool) {
            Ok(Some((mut listener, read))) => {
                let Some(live) = watch.upgrade() else {
                    return;
                };
                live.restarted(read, Instant::now());
                drop(live);
                if said_failure {
                    tracing::info!("hearing the data version's changes again");
                }
                pause = Duration::from_secs(1);
                match listen(&mut listener, watch) {
                    Ok(()) => return,
                    Err(e) => {
                        if let Some(live) = watch.upgrade() {
                            live.lost();
                        }
                        tracing::warn!(error = %e, "the connection that hears the data version's changes was lost; requests read the version from the database meanwhile");
                        said_failure = true;
                    }
                }
            }
            Ok(None) => return,
            Err(e) => {
                if !said_failure {
                    tracing::warn!(error = %e, "cannot listen for the data version's changes; requests read the version from the database meanwhile");
                    said_failure = true;
                }
            }
        }
        // Paused in steps, so that a dropped watch ends the thread soon.
        let until = Instant::now() + pause;
        while Instant::now() < until {
            if watch.strong_count() == 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

/// Hears news until the connection fails (`Err`) or the watch is dropped (`Ok`).
fn listen(listener: &mut Listener, watch: &Weak<VersionWatch>) -> diesel::QueryResult<()> {
    let mut last_read = Instant::now();
    loop {
        let Some(live) = watch.upgrade() else {
            return Ok(());
        };
        if let Some(told) = listener.told()? {
            live.heard(told);
        }
        if last_read.elapsed() >= CHECK {
            let read = listener.read()?;
            last_read = Instant::now();
            live.answered(read, last_read);
        }
        drop(live);
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn user(id: i32) -> User {
        User {
            id,
            email: format!("u{id}@example.dk"),
            name: format!("Bruger {id}"),
            role: Role::Admin,
            kkr_id: None,
            municipality_code: None,
        }
    }

    fn at(data: i64, shown: i64, accounts: i64) -> Versions {
        Versions {
            data,
            shown,
            accounts,
        }
    }

    fn floor(data: i64, accounts: i64) -> Floor {
        Floor { data, accounts }
    }

    const NONE: Floor = Floor {
        data: 0,
        accounts: 0,
    };

    #[test]
    fn a_user_is_kept_only_at_the_accounts_marker_the_process_knows_to_be_current() {
        let watch = VersionWatch::default();
        // Nothing heard yet: nothing is kept or served.
        watch.remember(1, 1, &user(1), at(5, 3, 2));
        assert_eq!(watch.user(1, 1, NONE), None);

        watch.restarted(at(5, 3, 2), Instant::now());
        // A read behind or ahead of the accounts marker the process heard is not kept.
        watch.remember(1, 1, &user(1), at(5, 3, 1));
        watch.remember(1, 1, &user(1), at(5, 3, 3));
        assert_eq!(watch.user(1, 1, NONE), None);
        // A read at another data version is: the user's row is the same at one marker.
        watch.remember(1, 1, &user(1), at(4, 3, 2));
        assert_eq!(watch.user(1, 1, NONE), Some((user(1), Some(at(5, 3, 2)))));
        // Another session generation (signed out since) is another session.
        assert_eq!(watch.user(1, 2, NONE), None);

        // Saves move the data version and the shown marker, not the accounts marker: the user
        // stays kept, served with the markers heard.
        watch.heard(at(9, 4, 2));
        assert_eq!(watch.user(1, 1, NONE), Some((user(1), Some(at(9, 4, 2)))));

        // A change to any user drops every kept user.
        watch.heard(at(10, 5, 3));
        assert_eq!(watch.user(1, 1, NONE), None);
        watch.remember(1, 1, &user(1), at(10, 5, 3));
        assert_eq!(watch.user(1, 1, NONE), Some((user(1), Some(at(10, 5, 3)))));
        // News arriving out of order never moves a marker back.
        watch.heard(at(8, 4, 2));
        assert_eq!(watch.user(1, 1, NONE), Some((user(1), Some(at(10, 5, 3)))));
    }

    #[test]
    fn a_session_whose_own_write_the_process_has_not_heard_of_gets_no_versions_or_reads_its_user() {
        let watch = VersionWatch::default();
        watch.restarted(at(10, 10, 4), Instant::now());
        watch.remember(7, 1, &user(7), at(10, 10, 4));
        assert_eq!(
            watch.user(7, 1, floor(10, 4)),
            Some((user(7), Some(at(10, 10, 4))))
        );
        // The session's save left data version 11: the user is kept (a save changes no user),
        // but no page kept at version 10 may be served to them.
        assert_eq!(watch.user(7, 1, floor(11, 4)), Some((user(7), None)));
        watch.heard(at(11, 10, 4));
        assert_eq!(
            watch.user(7, 1, floor(11, 4)),
            Some((user(7), Some(at(11, 10, 4))))
        );
        // The session's write changed a user (their own name, say): read from the database
        // until the process has heard of it.
        assert_eq!(watch.user(7, 1, floor(12, 5)), None);
        watch.heard(at(12, 10, 5));
        assert_eq!(
            watch.user(7, 1, floor(12, 5)),
            None,
            "kept at the marker before"
        );
        watch.remember(7, 1, &user(7), at(12, 10, 5));
        assert!(watch.user(7, 1, floor(12, 5)).is_some());
    }

    #[test]
    fn without_an_answer_from_the_database_nothing_is_served_from_memory() {
        let watch = VersionWatch::default();
        let long_ago = Instant::now() - FRESH - Duration::from_millis(1);
        watch.restarted(at(3, 3, 1), long_ago);
        watch.remember(1, 1, &user(1), at(3, 3, 1));
        assert_eq!(watch.user(1, 1, NONE), None, "the last answer is too old");
        watch.answered(at(3, 3, 1), Instant::now());
        watch.remember(1, 1, &user(1), at(3, 3, 1));
        assert!(watch.user(1, 1, NONE).is_some());
        watch.lost();
        assert_eq!(watch.user(1, 1, NONE), None, "the connection was lost");
    }

    #[test]
    fn markers_that_went_back_drop_every_kept_user() {
        for restored in [at(5, 5, 3), at(10, 10, 1)] {
            let watch = VersionWatch::default();
            watch.restarted(at(10, 10, 3), Instant::now());
            watch.remember(1, 1, &user(1), at(10, 10, 3));
            assert!(watch.user(1, 1, NONE).is_some());
            // A backup restored into the database: its markers are lower.
            watch.answered(restored, Instant::now());
            assert_eq!(watch.user(1, 1, NONE), None, "{restored:?}");
            // Climbing back to the marker the user was kept at does not bring it back.
            watch.heard(at(10, 10, 3));
            assert_eq!(watch.user(1, 1, NONE), None, "{restored:?}");
        }
    }

    #[test]
    fn written_keeps_the_highest_markers_committed() {
        let written = Written::default();
        assert_eq!(written.floor(), NONE);
        written.committed(at(9, 2, 1));
        written.committed(at(4, 1, 3));
        assert_eq!(written.floor(), floor(9, 3));
        assert_eq!(floor(9, 3).max(floor(11, 2)), floor(11, 3));
    }
}
