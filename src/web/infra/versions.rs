//! What a process serving a PostgreSQL database knows of the data version without asking.
//!
//! Every signed-in request needs its user and the data version (which keys the cached pages).
//! On SQLite one statement reads both on the worker in microseconds. On PostgreSQL that
//! statement was a round trip through the blocking pool on every request, most of what a
//! cached dashboard cost. Here a thread of the process listens to the database's own word of
//! every change ([`crate::store::versions::Listener`]) and so knows the current versions;
//! signed-in users read at the current version are kept until the next change. A request
//! whose user is kept at the version the process knows is served without the database.
//!
//! What makes this safe:
//! - A change anywhere (a sign-out, a deactivation, a changed role) moves the data version,
//!   so every kept user is dropped when the process hears of it: a few milliseconds after the
//!   commit.
//! - A user's own writes are carried in their session ([`Written`], `session::carry_own_writes`):
//!   a request that finds the process behind what its session wrote reads from the database,
//!   so a save in one process shows at once in the next request, in whichever process.
//! - The process knows only while it hears: the thread reads the versions again every
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

/// The data version this process's own writes left (PostgreSQL): the highest it committed.
#[derive(Debug, Default)]
pub struct Written(AtomicI64);

impl Written {
    /// A write of this process committed, leaving `version`.
    pub fn committed(&self, version: i64) {
        self.0.fetch_max(version, Ordering::AcqRel);
    }

    /// Counts the write transaction this thread last committed, if any
    /// ([`crate::store::take_committed_version`]); returns the version it left.
    pub fn take_committed(&self) -> Option<i64> {
        let committed = crate::store::take_committed_version();
        if let Some(version) = committed {
            self.committed(version);
        }
        committed
    }

    /// The highest version this process's writes left so far (0 before any).
    pub fn highest(&self) -> i64 {
        self.0.load(Ordering::Acquire)
    }
}

/// What the process heard, and when the database last answered.
#[derive(Debug, Default)]
struct Known {
    versions: Option<Versions>,
    answered: Option<Instant>,
}

/// Signed-in users as read at one data version, by (user id, session generation).
#[derive(Debug, Default)]
struct Users {
    version: i64,
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

    /// The user of a session (id and generation) with the versions, when the user was read
    /// at the version the process knows to be current and that version is at least
    /// `at_least`: what the session's own writes left, and this process's (a sign-out here
    /// ends the user's other sessions here at once, before the process hears of it).
    pub fn user(&self, id: i32, generation: i32, at_least: i64) -> Option<(User, Versions)> {
        let known = self.known_user(id, generation, at_least);
        let counter = if known.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        known
    }

    fn known_user(&self, id: i32, generation: i32, at_least: i64) -> Option<(User, Versions)> {
        let versions = self.current(Instant::now())?;
        if versions.data < at_least {
            return None;
        }
        let users = self.users.lock().ok()?;
        if users.version != versions.data {
            return None;
        }
        let user = users.by_session.get(&(id, generation))?;
        Some((user.clone(), versions))
    }

    /// Whether the process would serve nothing older than `version` from memory: it has
    /// heard of that version, or it serves nothing from memory now.
    pub fn has_heard(&self, version: i64) -> bool {
        self.current(Instant::now())
            .is_none_or(|known| known.data >= version)
    }

    /// How many signed-in requests found their user here, and how many read it.
    pub fn lookups(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// Keeps a user read from the database at `versions`, if those are the versions the
    /// process knows to be current (a read behind or ahead of what it heard is not kept).
    pub fn remember(&self, id: i32, generation: i32, user: &User, versions: Versions) {
        if self.current(Instant::now()) != Some(versions) {
            return;
        }
        let Ok(mut users) = self.users.lock() else {
            return;
        };
        if users.version != versions.data || users.by_session.len() >= MAX_USERS {
            users.by_session.clear();
            users.version = versions.data;
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
    /// below what was heard means the versions went back (a backup restored into the
    /// database): users kept at the higher version must never be served when the versions
    /// climb to it again, so they are dropped.
    fn answered(&self, read: Versions, at: Instant) {
        let went_back = match self.known.lock() {
            Ok(mut known) => {
                let went_back = known.versions.is_some_and(|seen| seen.data > read.data);
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

    fn at(data: i64, shown: i64) -> Versions {
        Versions { data, shown }
    }

    #[test]
    fn a_user_is_kept_only_at_the_version_the_process_knows_to_be_current() {
        let watch = VersionWatch::default();
        // Nothing heard yet: nothing is kept or served.
        watch.remember(1, 1, &user(1), at(5, 3));
        assert_eq!(watch.user(1, 1, 0), None);

        watch.restarted(at(5, 3), Instant::now());
        // A read behind or ahead of what the process heard is not kept.
        watch.remember(1, 1, &user(1), at(4, 3));
        watch.remember(1, 1, &user(1), at(6, 3));
        assert_eq!(watch.user(1, 1, 0), None);
        watch.remember(1, 1, &user(1), at(5, 3));
        assert_eq!(watch.user(1, 1, 0), Some((user(1), at(5, 3))));
        // Another session generation (signed out since) is another session.
        assert_eq!(watch.user(1, 2, 0), None);

        // Any change drops every kept user.
        watch.heard(at(6, 3));
        assert_eq!(watch.user(1, 1, 0), None);
        watch.remember(1, 1, &user(1), at(6, 3));
        assert_eq!(watch.user(1, 1, 0), Some((user(1), at(6, 3))));
        // News arriving out of order never moves the version back.
        watch.heard(at(5, 3));
        assert_eq!(watch.user(1, 1, 0), Some((user(1), at(6, 3))));
    }

    #[test]
    fn a_session_whose_own_write_the_process_has_not_heard_of_reads_from_the_database() {
        let watch = VersionWatch::default();
        watch.restarted(at(10, 10), Instant::now());
        watch.remember(7, 1, &user(7), at(10, 10));
        assert!(watch.user(7, 1, 10).is_some());
        assert_eq!(watch.user(7, 1, 11), None, "the session wrote version 11");
        watch.heard(at(11, 10));
        watch.remember(7, 1, &user(7), at(11, 10));
        assert!(watch.user(7, 1, 11).is_some());
    }

    #[test]
    fn without_an_answer_from_the_database_nothing_is_served_from_memory() {
        let watch = VersionWatch::default();
        let long_ago = Instant::now() - FRESH - Duration::from_millis(1);
        watch.restarted(at(3, 3), long_ago);
        watch.remember(1, 1, &user(1), at(3, 3));
        assert_eq!(watch.user(1, 1, 0), None, "the last answer is too old");
        watch.answered(at(3, 3), Instant::now());
        watch.remember(1, 1, &user(1), at(3, 3));
        assert!(watch.user(1, 1, 0).is_some());
        watch.lost();
        assert_eq!(watch.user(1, 1, 0), None, "the connection was lost");
    }

    #[test]
    fn versions_that_went_back_drop_every_kept_user() {
        let watch = VersionWatch::default();
        watch.restarted(at(10, 10), Instant::now());
        watch.remember(1, 1, &user(1), at(10, 10));
        assert!(watch.user(1, 1, 0).is_some());
        // A backup restored into the database: its versions are lower.
        watch.answered(at(5, 5), Instant::now());
        assert_eq!(watch.user(1, 1, 0), None);
        // Climbing back to the version the user was kept at does not bring it back.
        watch.heard(at(10, 10));
        assert_eq!(watch.user(1, 1, 0), None);
    }

    #[test]
    fn written_keeps_the_highest_version_committed() {
        let written = Written::default();
        assert_eq!(written.highest(), 0);
        written.committed(9);
        written.committed(4);
        assert_eq!(written.highest(), 9);
    }
}
