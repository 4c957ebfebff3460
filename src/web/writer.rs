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
//! A save that fails with a database error ends its group: the transaction is rolled back and
//! every save of the group is told that nothing was saved (the form is shown again with the
//! user's input). The saves still waiting go into the next group. So a save needs no
//! savepoint of its own (SQLite keeps a copy of every page a savepoint changes, which cost a
//! tenth of the writer's time).
//!
//! On SQLite the writer's connections never checkpoint the WAL themselves; a thread of its own
//! does (see [`checkpoint_when_woken`]).

use std::sync::mpsc;

use diesel::QueryResult;

use super::error::AppError;
use super::health::DbFileWatch;
use crate::store::{self, DbConnection, DbPool};

/// At most this many saves in one transaction, so that one group's commit never waits long.
const MAX_GROUP: usize = 64;

/// What a save tells its waiting request once its group committed (`Ok`) or failed.
type Reply = Box<dyn FnOnce(Result<(), &str>) + Send>;
/// A save: runs inside the group's transaction and returns its reply, and the reason when it
/// failed and the group must be rolled back.
type Job = Box<dyn FnOnce(&mut DbConnection) -> (Reply, Option<String>) + Send>;

#[derive(Debug)]
pub struct WriteQueue {
    sender: mpsc::Sender<Job>,
}

impl WriteQueue {
    /// Starts the writer thread (and, on SQLite, the checkpointer). They end when the queue
    /// is dropped.
    pub fn start(pool: DbPool, watch: Option<DbFileWatch>) -> std::io::Result<WriteQueue> {
        let (sender, receiver) = mpsc::channel::<Job>();
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
            .spawn(move || run(&pool, watch.as_ref(), &receiver, checkpoints.as_ref()))?;
        Ok(WriteQueue { sender })
    }

    /// Runs `write` in the next group's transaction (which has bumped the data version) and
    /// returns its value once the group has committed. `write` needs no savepoint of its own:
    /// when it returns `Err`, the whole group is rolled back; when it returns `Ok`, what it
    /// wrote is committed with the group.
    pub async fn write<T, F>(&self, write: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let reply = self.enqueue(write)?;
        reply.await.unwrap_or_else(|_| {
            Err(AppError::Unavailable(
                "the save was not carried out (its group failed or the writer stopped)".into(),
            ))
        })
    }

    /// Puts `write` in the queue; the receiver gets its outcome.
    fn enqueue<T, F>(
        &self,
        write: F,
    ) -> Result<tokio::sync::oneshot::Receiver<Result<T, AppError>>, AppError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (reply_to, reply) = tokio::sync::oneshot::channel::<Result<T, AppError>>();
        let job: Job = Box::new(move |conn: &mut DbConnection| match write(conn) {
            Ok(value) => {
                let reply: Reply = Box::new(move |committed: Result<(), &str>| {
                    let outcome = committed
                        .map(|()| value)
                        .map_err(|reason| AppError::Unavailable(reason.to_owned()));
                    // The request may have gone (the client left): nothing to tell.
                    let _ = reply_to.send(outcome);
                });
                (reply, None)
            }
            Err(error) => {
                let reason = format!("a save in the same transaction failed: {error}");
                let reply: Reply = Box::new(move |_: Result<(), &str>| {
                    let _ = reply_to.send(Err(AppError::Database(error)));
                });
                (reply, Some(reason))
            }
        });
        self.sender
            .send(job)
            .map_err(|_| AppError::Unavailable("the writer thread has stopped".into()))?;
        Ok(reply)
    }
}

#[derive(Debug)]
enum GroupError {
    Database(diesel::result::Error),
    Job(String),
}

impl From<diesel::result::Error> for GroupError {
    fn from(e: diesel::result::Error) -> Self {
        GroupError::Database(e)
    }
}

/// SQLite's WAL checkpoints, taken off the writer: by default the commit that finds the WAL
/// past 1,000 pages copies it into the database file and syncs it, while every save queued
/// behind it waits. Here the writer's connection never checkpoints, and this thread runs a
/// passive checkpoint (which never blocks the writer or readers) after commits, at most a few
/// times a second, and every half minute whatever happened (other writes share the pool's
/// connections, which the writer has told not to checkpoint).
fn checkpoint_when_woken(pool: &DbPool, woken: &mpsc::Receiver<()>) {
    use diesel::connection::SimpleConnection;
    loop {
        match woken.recv_timeout(std::time::Duration::from_secs(30)) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
        if let Ok(mut conn) = pool.get() {
            if let Err(e) = conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
                tracing::warn!(error = %e, "a WAL checkpoint failed");
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

fn run(
    pool: &DbPool,
    watch: Option<&DbFileWatch>,
    receiver: &mpsc::Receiver<Job>,
    checkpoints: Option<&mpsc::SyncSender<()>>,
) {
    let mut waiting: Vec<Job> = Vec::new();
    loop {
        if waiting.is_empty() {
            match receiver.recv() {
                Ok(job) => waiting.push(job),
                // Every sender is gone: the server is shutting down.
                Err(_) => return,
            }
        }
        while waiting.len() < MAX_GROUP {
            match receiver.try_recv() {
                Ok(job) => waiting.push(job),
                Err(_) => break,
            }
        }
        let mut replies: Vec<Reply> = Vec::with_capacity(waiting.len());
        let group = std::mem::take(&mut waiting);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            commit_group(pool, watch, group, &mut replies, &mut waiting)
        }))
        .unwrap_or_else(|_| Err("the writer thread panicked".to_owned()));
        if let Err(reason) = &outcome {
            tracing::error!(%reason, saves = replies.len(), "a group of saves was rolled back");
        }
        let told = outcome.as_ref().map(|_| ()).map_err(String::as_str);
        for reply in replies {
            reply(told);
        }
        if let Some(wake) = checkpoints {
            // Full: a checkpoint is due already.
            let _ = wake.try_send(());
        }
    }
}

/// Runs the group's saves in one transaction. The saves a failing save left unrun go back to
/// `waiting`, for the next group.
fn commit_group(
    pool: &DbPool,
    watch: Option<&DbFileWatch>,
    group: Vec<Job>,
    replies: &mut Vec<Reply>,
    waiting: &mut Vec<Job>,
) -> Result<(), String> {
    // When the database cannot be used, the group's saves are dropped unrun: each request is
    // told that nothing was saved.
    if let Some(watch) = watch {
        watch.check()?;
    }
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    if let DbConnection::Sqlite(_) = &*conn {
        use diesel::connection::SimpleConnection;
        // The checkpointer thread does it (see `checkpoint_when_woken`).
        conn.batch_execute("PRAGMA wal_autocheckpoint = 0")
            .map_err(|e| e.to_string())?;
    }
    let mut jobs = group.into_iter();
    let result = store::write_tx(&mut conn, |conn| {
        for job in jobs.by_ref() {
            let (reply, failed) = job(conn);
            replies.push(reply);
            if let Some(reason) = failed {
                return Err(GroupError::Job(reason));
            }
        }
        Ok(())
    });
    match result {
        Ok(()) => Ok(()),
        // One save failed: the ones after it have not run, and go into the next group.
        Err(GroupError::Job(reason)) => {
            waiting.extend(jobs);
            Err(reason)
        }
        // The transaction itself failed (it could not begin, bump the data version or
        // commit: a read-only or full database). The saves it had not run yet are dropped
        // unrun, which tells each that nothing was saved; trying them again at once would
        // only fail again.
        Err(GroupError::Database(e)) => Err(format!("the group's transaction failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::RunQueryDsl;

    fn version(pool: &DbPool) -> i64 {
        let mut conn = pool.get().expect("connection");
        store::data_version(&mut conn).expect("version")
    }

    #[test]
    fn saves_waiting_together_commit_together_and_one_failure_rolls_the_group_back() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("writer.db");
        let pool = store::connect(path.to_str().expect("path")).expect("database");
        let queue = WriteQueue::start(pool.clone(), None).expect("writer");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
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
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let first = queue
            .enqueue(move |conn: &mut DbConnection| {
                let _ = started_tx.send(());
                let _ = wait.recv();
                bump(1000)(conn)
            })
            .expect("queued");
        started.recv().expect("the first group runs");
        // The second group: two good saves around one that fails.
        let good = queue.enqueue(bump(10)).expect("queued");
        let bad = queue
            .enqueue(|conn: &mut DbConnection| {
                diesel::sql_query("UPDATE no_such_table SET x = 1").execute(conn)
            })
            .expect("queued");
        let after_bad = queue.enqueue(bump(100)).expect("queued");
        go.send(()).expect("go");

        let first = runtime.block_on(first).expect("reply");
        assert!(first.is_ok(), "{first:?}");
        // The first group committed: its own bump, the group's and the save's savepoint's.
        let after_first = version(&pool);
        assert_eq!(after_first, start + 1000 + 2);

        let good = runtime.block_on(good).expect("reply");
        assert!(
            matches!(good, Err(AppError::Unavailable(ref reason)) if reason.contains("failed")),
            "a good save of a failed group is told nothing was saved: {good:?}"
        );
        let bad = runtime.block_on(bad).expect("reply");
        assert!(matches!(bad, Err(AppError::Database(_))), "{bad:?}");
        // The save after the failure was not run in the failed group but in the next one.
        let after_bad = runtime.block_on(after_bad).expect("reply");
        assert!(after_bad.is_ok(), "{after_bad:?}");
        assert_eq!(
            version(&pool),
            after_first + 100 + 2,
            "nothing of the failed group was kept"
        );
    }
}
