//! Form saves committed in groups.
//!
//! Every write takes the database's one write lock (SQLite's, or the `data_version` row's on
//! PostgreSQL). Under load, handing that lock from one blocking thread to the next cost more
//! than the writes themselves: each hand-off waits for the next writer to be woken and get a
//! core. Here one thread takes every save that is waiting, runs them one after the other
//! inside one write transaction, and commits them together. Each save still sees the ones
//! before it, exactly as if they had run one after the other, and decides (version check, the
//! round's rules) inside the transaction that writes it.
//!
//! A save that fails with a database error ends its group: the transaction is rolled back,
//! that save alone is told (the form is shown again with the user's input), and the saves run
//! before it run again, in a fresh transaction, at the head of the next group, before the ones
//! still waiting. So a save needs no savepoint of its own around its writes (SQLite keeps a
//! copy of every page a savepoint changes, which cost a tenth of the writer's time); only the
//! first insert of a form keeps one, so that a refused duplicate is a conflict rather than a
//! failed transaction on PostgreSQL. A transaction that cannot begin or commit (a read-only or
//! full database) fails every save of its group; a database that fills up in the middle of a
//! save fails that save, and the next group meets the same refusal.
//!
//! On SQLite the writer's connections never checkpoint the WAL themselves; a thread of its own
//! does (see [`checkpoint_when_woken`]).

use std::sync::{mpsc, Arc};

use diesel::QueryResult;

use crate::notices::Links;
use crate::store::submissions::{self, FormSave, SaveOutcome};
use crate::store::users::Versions;
use crate::store::{self, notices, DbConnection, DbPool};
use crate::web::error::AppError;
use crate::web::infra::health::DbFileWatch;
use crate::web::infra::versions::Written;

/// At most this many saves in one transaction, so that one group's commit never waits long.
const MAX_GROUP: usize = 64;

/// At most this many saves wait for the writer. While the database is held by another
/// process (a long import, a backup tool), saves would otherwise pile up in memory for as long
/// as it lasts; past this many, a save is refused at once, and the form comes back with the
/// user's input and a message to try again (far more than a round's municipalities saving at
/// the same moment).
const MAX_WAITING: usize = 4096;

/// A queued save: run inside a group's transaction (perhaps again, in a later group, when
/// another save rolled its group back), then told how its group ended.
trait Save: Send {
    /// Runs the write; the reason when it failed and the group must be rolled back.
    fn run(&mut self, conn: &mut DbConnection) -> Option<String>;
    /// Forgets what a run in a rolled-back group returned, so that it can run again.
    fn reset(&mut self);
    /// Tells the waiting request: its group committed (`Ok`, with the markers the group
    /// left, carried in the person's session on PostgreSQL) or not.
    fn tell(self: Box<Self>, committed: Result<Option<Versions>, &str>);
    /// The user's save of a form this job is, if it is one: a group of them is written
    /// together (see [`write_forms`]).
    fn as_form(&mut self) -> Option<&mut PendingForm> {
        None
    }
}

type Job = Box<dyn Save>;

/// What a save's request is told: its outcome if its group committed, and the markers the
/// group left.
type Told<T> = (Result<T, AppError>, Option<Versions>);

fn told<T>(outcome: Option<QueryResult<T>>, committed: Result<Option<Versions>, &str>) -> Told<T> {
    let version = committed.ok().flatten();
    let outcome = match (outcome, committed) {
        (Some(Err(e)), _) => Err(AppError::Database(e)),
        (Some(Ok(value)), Ok(_)) => Ok(value),
        (Some(Ok(_)), Err(reason)) => Err(AppError::Unavailable(reason.to_owned())),
        (None, _) => Err(AppError::Unavailable("the save was not run".into())),
    };
    (outcome, version)
}

/// Keeps a run's outcome for telling later; the reason the group must be rolled back when it
/// failed.
fn kept<T>(outcome: QueryResult<T>, slot: &mut Option<QueryResult<T>>) -> Option<String> {
    let failed = outcome
        .as_ref()
        .err()
        .map(|e| format!("a save in the same transaction failed: {e}"));
    *slot = Some(outcome);
    failed
}

struct Pending<T, F> {
    write: F,
    outcome: Option<QueryResult<T>>,
    reply_to: tokio::sync::oneshot::Sender<Told<T>>,
}

impl<T, F> Save for Pending<T, F>
where
    F: FnMut(&mut DbConnection) -> QueryResult<T> + Send,
    T: Send,
{
    fn run(&mut self, conn: &mut DbConnection) -> Option<String> {
        kept((self.write)(conn), &mut self.outcome)
    }

    fn reset(&mut self) {
        self.outcome = None;
    }

    fn tell(self: Box<Self>, committed: Result<Option<Versions>, &str>) {
        // The request may have gone (the client left): nothing to tell.
        let _ = self.reply_to.send(told(self.outcome, committed));
    }
}

/// A user's save of a form, with the receipt its submission queues.
struct PendingForm {
    request: FormSave,
    links: Links,
    outcome: Option<QueryResult<SaveOutcome>>,
    reply_to: tokio::sync::oneshot::Sender<Told<SaveOutcome>>,
}

impl PendingForm {
    /// The receipt of a submission, queued in the save's transaction.
    fn receipt(&self, conn: &mut DbConnection, outcome: &SaveOutcome) -> QueryResult<()> {
        if let SaveOutcome::Saved(saved) = outcome {
            let (actor, at) = (self.request.user.id, self.request.now);
            notices::submission_received(conn, saved, actor, &self.links, at)?;
        }
        Ok(())
    }
}

impl Save for PendingForm {
    fn run(&mut self, conn: &mut DbConnection) -> Option<String> {
        let request = &self.request;
        let outcome = submissions::save_form_in_tx(
            conn,
            &request.save,
            &request.user,
            request.now,
            request.stored.as_ref(),
        )
        .and_then(|outcome| self.receipt(conn, &outcome).map(|()| outcome));
        kept(outcome, &mut self.outcome)
    }

    fn reset(&mut self) {
        self.outcome = None;
    }

    fn tell(self: Box<Self>, committed: Result<Option<Versions>, &str>) {
        let _ = self.reply_to.send(told(self.outcome, committed));
    }

    fn as_form(&mut self) -> Option<&mut PendingForm> {
        Some(self)
    }
}

#[derive(Debug)]
pub struct WriteQueue {
    sender: mpsc::SyncSender<Job>,
}

impl WriteQueue {
    /// Starts the writer thread (and, on SQLite, the checkpointer). They end when the queue
    /// is dropped.
    /// The data version each committed group leaves is kept in `written`.
    pub fn start(
        pool: DbPool,
        watch: Option<DbFileWatch>,
        written: Arc<Written>,
    ) -> std::io::Result<WriteQueue> {
        WriteQueue::with_capacity(pool, watch, written, MAX_WAITING)
    }

    /// [`WriteQueue::start`] with at most `waiting` saves queued.
    fn with_capacity(
        pool: DbPool,
        watch: Option<DbFileWatch>,
        written: Arc<Written>,
        waiting: usize,
    ) -> std::io::Result<WriteQueue> {
        let (sender, receiver) = mpsc::sync_channel::<Job>(waiting);
        // Without a connection now, no checkpointer: the writer then leaves SQLite's own
        // checkpoints on (see `commit_group`).
        let sqlite = pool
            .get()
            .is_ok_and(|conn| matches!(*conn, DbConnection::Sqlite(_)));
        let checkpoints = if sqlite {
            let (wake, woken) = mpsc::sync_channel::<()>(1);
            let pool = pool.clone();
            std::thread::Builder::new()
                .name("trafiklys-checkpoint".into())
                .spawn(move || checkpoint_when_woken(&pool, &woken))?;
            Some(wake)
        } else {
            None
        };
        std::thread::Builder::new()
            .name("trafiklys-writer".into())
            .spawn(move || {
                let ends = Ends {
                    checkpoints: checkpoints.as_ref(),
                    written: &written,
                };
                run(&pool, watch.as_ref(), &receiver, &ends);
            })?;
        Ok(WriteQueue { sender })
    }

    /// Runs `write` in the next group's transaction (which has bumped the data version, but
    /// not the shown marker: a write that changes more than a draft's contents moves it with
    /// [`store::bump_shown_version`]) and returns its value once the group has committed. `write` needs no savepoint of its own:
    /// when it returns `Err`, the whole group is rolled back, and the other saves of the group
    /// run again in the next; when it returns `Ok`, what it wrote is committed with the group.
    /// It may so run more than once, each time in a fresh transaction, and must therefore
    /// have no effect outside the transaction.
    pub async fn write<T, F>(&self, write: F) -> Result<T, AppError>
    where
        F: FnMut(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let reply = self.enqueue(write)?;
        carried(reply.await)
    }

    /// A user's save of a form, in the next group's transaction, with the receipt of a
    /// submission queued in the same transaction; its outcome once the group has committed.
    /// The form saves of a group are read and written together (see [`write_forms`]).
    pub async fn save_form(
        &self,
        request: FormSave,
        links: Links,
    ) -> Result<SaveOutcome, AppError> {
        let reply = self.enqueue_form(request, links)?;
        carried(reply.await)
    }

    /// Puts a form save in the queue; the receiver gets its outcome.
    fn enqueue_form(
        &self,
        request: FormSave,
        links: Links,
    ) -> Result<tokio::sync::oneshot::Receiver<Told<SaveOutcome>>, AppError> {
        let (reply_to, reply) = tokio::sync::oneshot::channel();
        self.send(Box::new(PendingForm {
            request,
            links,
            outcome: None,
            reply_to,
        }))?;
        Ok(reply)
    }

    /// Puts `write` in the queue; the receiver gets its outcome.
    fn enqueue<T, F>(&self, write: F) -> Result<tokio::sync::oneshot::Receiver<Told<T>>, AppError>
    where
        F: FnMut(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (reply_to, reply) = tokio::sync::oneshot::channel::<Told<T>>();
        self.send(Box::new(Pending {
            write,
            outcome: None,
            reply_to,
        }))?;
        Ok(reply)
    }

    fn send(&self, job: Job) -> Result<(), AppError> {
        self.sender.try_send(job).map_err(|e| match e {
            mpsc::TrySendError::Full(_) => AppError::Unavailable(format!(
                "{MAX_WAITING} saves are already waiting for the database"
            )),
            mpsc::TrySendError::Disconnected(_) => {
                AppError::Unavailable("the writer thread has stopped".into())
            }
        })
    }
}

/// A save's outcome as its request receives it; the version its group left goes with the
/// request's own writes (see `session::note_own_write`).
fn carried<T>(
    reply: Result<Told<T>, tokio::sync::oneshot::error::RecvError>,
) -> Result<T, AppError> {
    match reply {
        Ok((outcome, version)) => {
            if let Some(version) = version {
                crate::web::session::note_own_write(version);
            }
            outcome
        }
        Err(_) => Err(not_carried_out()),
    }
}

/// The reply of a save whose request was dropped before it was told.
fn not_carried_out() -> AppError {
    AppError::Unavailable(
        "the save was not carried out (the database could not be used, or the writer stopped)"
            .into(),
    )
}

#[derive(Debug)]
enum GroupError {
    /// The transaction itself (begin, the data version, commit).
    Database(diesel::result::Error),
    /// One save failed: the last one run.
    Job(String),
}

impl From<diesel::result::Error> for GroupError {
    fn from(e: diesel::result::Error) -> Self {
        GroupError::Database(e)
    }
}

/// SQLite's WAL checkpoints, taken off the writer: by default the commit that finds the WAL
/// past 1,000 pages copies it into the database file and syncs it, while every save queued
/// behind it waits. Here the writer's connection never checkpoints, and this thread runs
/// [`crate::store::checkpoint_wal`] after commits, at most a few times a second: a passive
/// checkpoint (which never blocks the writer or readers), escalating to one that empties the
/// WAL when readers have let it grow. When no commit has woken it for two seconds the load is
/// over, and it empties the WAL (other writes share the pool's connections, which the writer
/// has told not to checkpoint).
fn checkpoint_when_woken(pool: &DbPool, woken: &mpsc::Receiver<()>) {
    loop {
        let idle = match woken.recv_timeout(std::time::Duration::from_secs(2)) {
            Ok(()) => false,
            Err(mpsc::RecvTimeoutError::Timeout) => true,
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if let Ok(mut conn) = pool.get() {
            match crate::store::checkpoint_wal(&mut conn, idle) {
                Ok(crate::store::Checkpoint::Truncated { done: false }) => {
                    tracing::debug!("readers kept the WAL busy; emptying it again later");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "a WAL checkpoint failed"),
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// Who hears of a group that ended: the checkpointer (SQLite) and the process's record of the
/// data version its writes left.
struct Ends<'a> {
    checkpoints: Option<&'a mpsc::SyncSender<()>>,
    written: &'a Written,
}

fn run(pool: &DbPool, watch: Option<&DbFileWatch>, receiver: &mpsc::Receiver<Job>, ends: &Ends) {
    let checkpoints = ends.checkpoints;
    let mut waiting: Vec<Job> = Vec::new();
    // How many saves at the head of `waiting` to run on their own next (see below).
    let mut retry: Option<usize> = None;
    loop {
        if waiting.is_empty() {
            match receiver.recv() {
                Ok(job) => waiting.push(job),
                // Every sender is gone: the server is shutting down.
                Err(_) => return,
            }
        }
        // After a failed save, the next group is only the saves that had passed before it
        // (they passed on the same data, so it commits): each such save is run again once, not
        // once per failing save that a full group of new arrivals might bring.
        let group = match retry.take() {
            Some(passed) => waiting.drain(..passed.min(waiting.len())).collect(),
            None => {
                while waiting.len() < MAX_GROUP {
                    match receiver.try_recv() {
                        Ok(job) => waiting.push(job),
                        Err(_) => break,
                    }
                }
                std::mem::take(&mut waiting)
            }
        };
        let (mut ran, mut unrun) = (Vec::with_capacity(group.len()), Vec::new());
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            commit_group(
                pool,
                watch,
                checkpoints.is_some(),
                group,
                &mut ran,
                &mut unrun,
            )
        }))
        .unwrap_or_else(|_| Err(GroupFailure::Other("the writer thread panicked".to_owned())));
        // Before any save is told, so that the process counts its own write at once.
        let committed = ends.written.take_committed();
        match outcome {
            Ok(()) => {
                for job in ran {
                    job.tell(Ok(committed));
                }
            }
            // One save failed: it alone is told. The saves run before it were rolled back
            // with it and run again, first, in the next group, before the ones not yet run.
            Err(GroupFailure::Job(reason)) => {
                tracing::warn!(%reason, saves = ran.len(), "a save failed; the others of its group run again");
                if let Some(failed) = ran.pop() {
                    failed.tell(Err(&reason));
                }
                for job in &mut ran {
                    job.reset();
                }
                if !ran.is_empty() {
                    retry = Some(ran.len());
                }
                unrun.append(&mut waiting);
                waiting = ran;
                waiting.append(&mut unrun);
            }
            // The transaction could not be begun or committed (a read-only or full database):
            // every save run is told. The saves not yet run are dropped unrun, which tells each
            // that nothing was saved; trying them again at once would only fail again.
            Err(GroupFailure::Other(reason)) => {
                tracing::error!(%reason, saves = ran.len(), "a group of saves was rolled back");
                for job in ran {
                    job.tell(Err(&reason));
                }
            }
        }
        if let Some(wake) = checkpoints {
            // Full: a checkpoint is due already.
            let _ = wake.try_send(());
        }
    }
}

enum GroupFailure {
    Job(String),
    Other(String),
}

/// Runs the group's saves in one transaction; `ran` holds each save run, in order. When a
/// save fails, the ones after it go to `unrun`.
fn commit_group(
    pool: &DbPool,
    watch: Option<&DbFileWatch>,
    checkpointer: bool,
    group: Vec<Job>,
    ran: &mut Vec<Job>,
    unrun: &mut Vec<Job>,
) -> Result<(), GroupFailure> {
    // When the database cannot be used, the group's saves are dropped unrun: each request is
    // told that nothing was saved.
    if let Some(watch) = watch {
        watch.check().map_err(GroupFailure::Other)?;
    }
    let mut conn = store::checkout(pool).map_err(|e| GroupFailure::Other(e.to_string()))?;
    if checkpointer {
        // The checkpointer thread does it (see `checkpoint_when_woken`).
        store::leave_checkpoints_to_caller(&mut conn)
            .map_err(|e| GroupFailure::Other(e.to_string()))?;
    }
    let mut group = group;
    if group.len() > 1 {
        match write_forms(&mut conn, &mut group) {
            Some(Ok(())) => {
                ran.append(&mut group);
                return Ok(());
            }
            Some(Err(e)) => {
                // Rare (a database that fails, a save of a round that is gone): said, so that a
                // cause that kept the group path from ever committing would show.
                tracing::warn!(error = %e, saves = group.len(), "a group of form saves written together failed; it runs again one save at a time");
                for job in &mut group {
                    job.reset();
                }
            }
            None => {}
        }
    }
    let mut jobs = group.into_iter();
    // The data version only: each save moves the shown marker when it changes more than a
    // draft's contents (see `store::submissions::save_form_in_tx`).
    let result = store::write_tx_drafts(&mut conn, |conn| {
        for mut job in jobs.by_ref() {
            let failed = job.run(conn);
            ran.push(job);
            if let Some(reason) = failed {
                return Err(GroupError::Job(reason));
            }
        }
        Ok(())
    });
    match result {
        Ok(()) => Ok(()),
        Err(GroupError::Job(reason)) => {
            unrun.extend(jobs);
            Err(GroupFailure::Job(reason))
        }
        Err(GroupError::Database(e)) => Err(GroupFailure::Other(format!(
            "the group's transaction failed: {e}"
        ))),
    }
}

/// Writes a group of form saves together ([`submissions::save_forms_in_tx`]) in one
/// transaction, the receipts of submissions included; `None` when the group holds another
/// kind of write. After `Err` the transaction was rolled back and the group is to run one save
/// at a time, which tells the failing save alone.
fn write_forms(
    conn: &mut DbConnection,
    group: &mut [Job],
) -> Option<Result<(), diesel::result::Error>> {
    let mut forms: Vec<&mut PendingForm> = Vec::with_capacity(group.len());
    for job in group.iter_mut() {
        forms.push(job.as_form()?);
    }
    Some(store::write_tx_drafts(conn, |conn| {
        let requests: Vec<&FormSave> = forms.iter().map(|f| &f.request).collect();
        let outcomes = submissions::save_forms_in_tx(conn, &requests)?;
        for (form, outcome) in forms.iter_mut().zip(outcomes) {
            form.receipt(conn, &outcome)?;
            form.outcome = Some(Ok(outcome));
        }
        Ok(())
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::RunQueryDsl;

    /// A writer on a fresh database holding at most `capacity` waiting saves, and a runtime
    /// to wait for replies on (the folder must outlive the pool).
    fn fresh_queue(
        capacity: usize,
    ) -> (
        tempfile::TempDir,
        DbPool,
        WriteQueue,
        tokio::runtime::Runtime,
    ) {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("writer.db");
        let pool = store::connect(path.to_str().expect("path")).expect("database");
        let queue = WriteQueue::with_capacity(pool.clone(), None, Arc::default(), capacity)
            .expect("writer");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        (dir, pool, queue, runtime)
    }

    /// Queues a save that, once the writer runs it, waits until the returned sender is used
    /// and then runs `then`; returns when the writer has begun it.
    fn held_save<T: Send + 'static>(
        queue: &WriteQueue,
        mut then: impl FnMut(&mut DbConnection) -> QueryResult<T> + Send + 'static,
    ) -> (
        tokio::sync::oneshot::Receiver<Told<T>>,
        std::sync::mpsc::Sender<()>,
    ) {
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let reply = queue
            .enqueue(move |conn: &mut DbConnection| {
                let _ = started_tx.send(());
                let _ = wait.recv();
                then(conn)
            })
            .expect("queued");
        started.recv().expect("the writer runs the held save");
        (reply, go)
    }

    #[test]
    fn a_save_past_the_queues_bound_is_refused_at_once_and_the_ones_queued_are_saved() {
        let (_dir, _pool, queue, runtime) = fresh_queue(2);
        // The writer holds the first save until told; two more fill the queue.
        let (first, go) = held_save(&queue, |_| Ok(1));
        let queued: Vec<_> = (2..=3)
            .map(|n| {
                queue
                    .enqueue(move |_: &mut DbConnection| Ok(n))
                    .expect("queued")
            })
            .collect();
        let refused = queue.enqueue(|_: &mut DbConnection| Ok(4));
        assert!(
            matches!(&refused, Err(AppError::Unavailable(reason)) if reason.contains("waiting")),
            "{:?}",
            refused.map(|_| ())
        );
        go.send(()).expect("go");
        assert_eq!(runtime.block_on(first).expect("reply").0.expect("saved"), 1);
        for (n, reply) in (2..=3).zip(queued) {
            assert_eq!(runtime.block_on(reply).expect("reply").0.expect("saved"), n);
        }
        // With room again, saves are taken.
        let later = queue.enqueue(|_: &mut DbConnection| Ok(5)).expect("queued");
        assert_eq!(runtime.block_on(later).expect("reply").0.expect("saved"), 5);
    }

    fn version(pool: &DbPool) -> i64 {
        let mut conn = pool.get().expect("connection");
        store::data_version(&mut conn).expect("version")
    }

    #[test]
    fn saves_waiting_together_commit_together_and_a_failing_save_alone_is_refused() {
        let (_dir, pool, queue, runtime) = fresh_queue(MAX_WAITING);
        let bump = |by: i64| {
            move |conn: &mut DbConnection| {
                store::write_tx(conn, |conn| {
                    diesel::sql_query(format!("UPDATE data_version SET version = version + {by}"))
                        .execute(conn)
                })
            }
        };
        let start = version(&pool);

        // The first group: one save that waits until the next three are queued behind it.
        let (first, go) = held_save(&queue, bump(1000));
        // The second group: two good saves around one that fails.
        let good = queue.enqueue(bump(10)).expect("queued");
        let bad = queue
            .enqueue(|conn: &mut DbConnection| {
                diesel::sql_query("UPDATE no_such_table SET x = 1").execute(conn)
            })
            .expect("queued");
        let after_bad = queue.enqueue(bump(100)).expect("queued");
        go.send(()).expect("go");

        let first = runtime.block_on(first).expect("reply").0;
        assert!(first.is_ok(), "{first:?}");

        let bad = runtime.block_on(bad).expect("reply").0;
        assert!(matches!(bad, Err(AppError::Database(_))), "{bad:?}");
        // The good save before the failure was rolled back with it and ran again in a group
        // of its own, then the one after the failure in the next: both saved, each once.
        let good = runtime.block_on(good).expect("reply").0;
        assert!(good.is_ok(), "{good:?}");
        let after_bad = runtime.block_on(after_bad).expect("reply").0;
        assert!(after_bad.is_ok(), "{after_bad:?}");
        // Each committed group bumps the version once, each save in it once more (its nested
        // write_tx) besides its own amount: the first group, the good save's, the last save's;
        // nothing of the failed group.
        assert_eq!(
            version(&pool),
            start + (1 + 1000 + 1) + (1 + 10 + 1) + (1 + 100 + 1)
        );
    }

    #[test]
    fn form_saves_waiting_together_are_written_together_and_a_failing_one_alone_is_refused() {
        use crate::domain::{MunicipalityCode, Role, SubmissionState};
        let (_dir, pool, queue, runtime) = fresh_queue(MAX_WAITING);
        let mut conn = pool.get().expect("connection");
        let crate::demo::DemoOutcome::Loaded(sign_ins) =
            crate::demo::load(&mut conn).expect("demo")
        else {
            panic!("a fresh database takes the demo data");
        };
        let email = sign_ins
            .iter()
            .find(|s| s.role == Role::Admin)
            .map(|s| s.email.clone())
            .expect("an admin");
        let admin = store::users::find_by_email(&mut conn, &email)
            .expect("query")
            .expect("admin")
            .0;
        let round = store::rounds::get_round(&mut conn, 2)
            .expect("query")
            .expect("the demo's 2017 round");
        assert_eq!(round.year, 2017);
        drop(conn);
        let now = crate::clock::Clock::system().now();
        let form = |round_id: i32, code: &str| FormSave {
            save: submissions::SaveSubmission {
                round_id,
                municipality_code: MunicipalityCode::parse(code).expect("code"),
                base_version: 0,
                answers: Vec::new(),
                proposals: format!("Forslag fra {code}"),
                state: SubmissionState::Draft,
            },
            user: admin.clone(),
            now,
            stored: None,
        };
        let links = Links::new("http://localhost");

        // The writer is held by a save of another kind, while three form saves queue: one
        // of a round that does not exist between two good ones.
        let (first, go) = held_save(&queue, |_| Ok(()));
        let saves: Vec<_> = [
            form(round.id, "155"),
            form(9999, "153"),
            form(round.id, "187"),
        ]
        .into_iter()
        .map(|save| queue.enqueue_form(save, links.clone()).expect("queued"))
        .collect();
        go.send(()).expect("go");
        runtime.block_on(first).expect("reply").0.expect("saved");
        let told: Vec<_> = saves
            .into_iter()
            .map(|s| runtime.block_on(s).expect("reply").0)
            .collect();
        assert!(
            matches!(&told[0], Ok(SaveOutcome::Saved(s)) if s.proposals == "Forslag fra 155"),
            "{:?}",
            told[0]
        );
        assert!(
            matches!(&told[1], Err(AppError::Database(_))),
            "{:?}",
            told[1]
        );
        assert!(
            matches!(&told[2], Ok(SaveOutcome::Saved(s)) if s.proposals == "Forslag fra 187"),
            "{:?}",
            told[2]
        );
        let mut conn = pool.get().expect("connection");
        for code in ["155", "187"] {
            let stored = submissions::get_submission(
                &mut conn,
                round.id,
                &MunicipalityCode::parse(code).expect("code"),
            )
            .expect("query")
            .expect("saved");
            assert_eq!(stored.version, 1, "{code}: saved once");
        }
    }
}
