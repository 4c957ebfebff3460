//! SQLite's write-ahead log kept bounded: checkpoints taken by one thread, and what a
//! connection says of its database file.

use super::*;

/// What a WAL file is cut back to when it starts over (`journal_size_limit`).
pub const WAL_KEEP_BYTES: u64 = 4 * 1024 * 1024;

/// WAL frames (pages) past which a checkpoint waits for readers and empties the file: with
/// 4 KiB pages about 16 MiB. Below it a passive checkpoint, which never waits, is enough.
pub(super) const WAL_TRUNCATE_FRAMES: i64 = 4096;

/// How long a truncating checkpoint waits for readers before trying again later.
pub(super) const WAL_TRUNCATE_WAIT_MS: u32 = 250;

#[derive(diesel::QueryableByName, Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CheckpointRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    log: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    checkpointed: i64,
}

/// Why a checkpoint ran the way it did; for the log and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checkpoint {
    /// Not SQLite: PostgreSQL keeps its own log.
    NotSqlite,
    /// A passive checkpoint: (frames in the WAL, frames copied into the database).
    Passive { log: i64, checkpointed: i64 },
    /// The WAL was emptied (or, `done == false`, readers kept it busy past the wait).
    Truncated { done: bool },
}

/// The file a SQLite connection's main database lives in; `None` for an in-memory database
/// or a server database (PostgreSQL).
pub fn database_file(conn: &mut DbConnection) -> Option<std::path::PathBuf> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct DatabaseFile {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        file: String,
    }
    let DbConnection::Sqlite(sqlite) = conn else {
        return None;
    };
    let files: Vec<DatabaseFile> = diesel::sql_query("PRAGMA database_list")
        .load(sqlite)
        .ok()?;
    let main = files.into_iter().find(|f| f.name == "main")?;
    (!main.file.is_empty()).then(|| std::path::PathBuf::from(main.file))
}

/// Leaves checkpoints of this SQLite connection's WAL to [`checkpoint_wal`], called by the
/// one thread that does them, instead of SQLite's own after a commit; nothing on PostgreSQL.
pub fn leave_checkpoints_to_caller(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(sqlite) => sqlite.batch_execute("PRAGMA wal_autocheckpoint = 0"),
        DbConnection::Postgres(_) => Ok(()),
    }
}

/// Copies the WAL into the database without blocking anyone, and when the WAL has grown past
/// [`WAL_TRUNCATE_FRAMES`] (readers kept a passive checkpoint from finishing while writes went
/// on), or `idle` says no save is waiting, waits briefly for readers and empties it. This
/// keeps the `-wal` file bounded under sustained saves and reads, and brings it back to
/// nothing soon after a load ends.
///
/// Emptying the WAL needs SQLite's write lock. Under sustained saves the form writer holds it
/// almost all the time, giving it back for microseconds between one group and the next, which
/// SQLite's busy handler (polling after 1, 2, 5, 10 … ms) seldom meets: the checkpoint gave up
/// after its wait, again and again, and the WAL grew to 113 MB in a minute of saves. So it
/// takes its turn among this process's writers ([`SQLITE_WRITER`]), as a write transaction
/// does: the saves queue behind it for the moment it takes, and it waits only for readers.
/// Only the checkpoint thread calls this, never inside a write transaction.
pub fn checkpoint_wal(conn: &mut DbConnection, idle: bool) -> QueryResult<Checkpoint> {
    use diesel::RunQueryDsl;
    let DbConnection::Sqlite(conn) = conn else {
        return Ok(Checkpoint::NotSqlite);
    };
    let passive: CheckpointRow =
        diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").get_result(conn)?;
    if passive.log < WAL_TRUNCATE_FRAMES && !(idle && passive.log > 0) {
        return Ok(Checkpoint::Passive {
            log: passive.log,
            checkpointed: passive.checkpointed,
        });
    }
    let _turn = SQLITE_WRITER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    conn.batch_execute(&format!("PRAGMA busy_timeout = {WAL_TRUNCATE_WAIT_MS}"))?;
    let truncated: QueryResult<CheckpointRow> =
        diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").get_result(conn);
    conn.batch_execute("PRAGMA busy_timeout = 5000")?;
    Ok(Checkpoint::Truncated {
        done: truncated?.busy == 0,
    })
}
