//! Storage: the diesel schema, row types, queries grouped by aggregate, the connection pool
//! and the embedded migrations. Queries take `&mut DbConnection` and return domain types.
//!
//! Every query names the connection through [`DbConnection`], one diesel connection over
//! PostgreSQL and SQLite. The few places where the backends differ (opening connections,
//! migrations, how a write transaction begins) are all in this file.

mod arrays;
pub mod audit;
mod backup;
pub mod bench_data;
pub mod bulk_invitations;
pub mod council_meetings;
pub mod groups;
pub mod imports;
pub mod invitations;
pub mod notices;
pub mod outbox;
mod pool;
pub mod recommendation_sets;
pub mod reference;
pub mod reminder_plan;
pub mod reminders;
pub mod rounds;
mod rows;
pub mod schedule;
pub mod schema;
pub mod set_edits;
pub mod set_links;
pub mod sign_in;
pub mod site_pages;
pub mod snapshots;
pub mod statement;
pub mod submissions;
pub mod tokens;
pub mod users;
pub mod versions;
mod wal;

pub use backup::*;
pub use pool::*;
pub use wal::*;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError, QueryResult};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

/// The one connection type every query is written against: PostgreSQL or SQLite, chosen at
/// start from the database URL. Queries written in plain diesel DSL run on both; code that
/// must differ matches on the variant, and that happens only in this module.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The connection pool, with what it last learnt about reaching the database. It derefs to
/// the r2d2 pool (`get`, `try_get`, `state`, …); [`checkout`] is what requests use.
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<DbManager>,
    circuit: std::sync::Arc<Circuit>,
    /// Opens connections outside the pool (see [`versions::Listener`]).
    manager: DbManager,
}

impl DbPool {
    /// Whether the pool's database is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.manager.target().is_postgres()
    }
}

impl std::ops::Deref for DbPool {
    type Target = Pool<DbManager>;

    fn deref(&self) -> &Pool<DbManager> {
        &self.pool
    }
}

impl std::fmt::Debug for DbPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbPool")
            .field("state", &self.pool.state())
            .finish_non_exhaustive()
    }
}
pub type PooledDb = PooledConnection<DbManager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The key of the PostgreSQL advisory lock held while migrations run, so that several
/// processes starting (or running `trafiklys migrate`) at once apply each migration once.
const MIGRATION_LOCK_KEY: i64 = 0x7472_6166_696b_6c79; // "trafikly"

/// What went wrong opening the database; said so that an operator can act on it.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "database URL «{0}» is not supported: use postgres://user@host/database for PostgreSQL, \
         or a SQLite file path (trafiklys.db, sqlite://path/to/file.db)"
    )]
    UnsupportedUrl(String),
    #[error("could not connect to {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: ConnectionError,
    },
    #[error("could not set up the connection pool for {target}: {source}")]
    Pool {
        target: String,
        #[source]
        source: diesel::r2d2::PoolError,
    },
    #[error("could not migrate the database: {0}")]
    Migrate(String),
    #[error("could not lock {path} to migrate the database: {source}")]
    Lock {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("could not open or create the database file {path}: {source}")]
    Create {
        path: String,
        #[source]
        source: diesel::ConnectionError,
    },
}

/// Where the data lives, chosen from the URL's scheme by us, never by trying backends in
/// turn: a PostgreSQL URL with the server down must fail, not create a SQLite file.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A `postgres://` or `postgresql://` URL, passed to libpq as it is.
    Postgres(String),
    /// A SQLite file, created if missing.
    SqliteFile(String),
}

impl std::fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}

/// Names the database for messages and logs, without a password that the URL may hold.
impl std::fmt::Display for DatabaseTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseTarget::Postgres(url) => write!(f, "PostgreSQL at {}", redact_password(url)),
            DatabaseTarget::SqliteFile(path) => write!(f, "the SQLite file {path}"),
        }
    }
}

/// `postgres://user:secret@host/db` as `postgres://user:***@host/db`.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl DatabaseTarget {
    pub fn parse(url: &str) -> Result<DatabaseTarget, ConnectError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseTarget::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty()
            || path.contains("://")
            || path.starts_with("postgres:")
            || path.starts_with("postgresql:")
        {
            return Err(ConnectError::UnsupportedUrl(url.to_owned()));
        }
        Ok(DatabaseTarget::SqliteFile(path.to_owned()))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DatabaseTarget::Postgres(_))
    }
}

/// Settings every SQLite connection gets: enforced foreign keys, WAL so readers never block
/// the writer, a busy timeout so concurrent writers wait instead of failing, and a WAL file
/// cut back to [`WAL_KEEP_BYTES`] whenever it starts over (SQLite otherwise keeps the file at
/// the largest size it ever reached).
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000;
     PRAGMA foreign_keys = ON;
     PRAGMA journal_mode = WAL;
     PRAGMA synchronous = NORMAL;
     PRAGMA journal_size_limit = 4194304;";

/// Opens connections to the chosen backend for the pool (diesel's own manager would try
/// each backend in turn and lose the real error).
#[derive(Debug, Clone)]
pub struct DbManager {
    target: DatabaseTarget,
    /// Shared by every copy of the manager (the pool's and the first connection's).
    circuit: std::sync::Arc<Circuit>,
    /// Whether a missing SQLite file may be created. Only the first connection at start may:
    /// the pool's connections open the file without creating it, so a database file that
    /// disappears while the application runs is reported as missing instead of being replaced
    /// by an empty one.
    create_file: bool,
}

impl DbManager {
    pub fn new(target: DatabaseTarget) -> DbManager {
        DbManager {
            target,
            circuit: std::sync::Arc::default(),
            create_file: true,
        }
    }

    /// The same target, for the pool: never creates the SQLite file.
    fn for_pool(&self) -> DbManager {
        DbManager {
            target: self.target.clone(),
            circuit: self.circuit.clone(),
            create_file: false,
        }
    }

    pub fn target(&self) -> &DatabaseTarget {
        &self.target
    }

    fn open(&self) -> Result<DbConnection, diesel::r2d2::Error> {
        match &self.target {
            DatabaseTarget::Postgres(url) => PgConnection::establish(&with_connect_timeout(url))
                .map(DbConnection::Postgres)
                .map_err(diesel::r2d2::Error::ConnectionError),
            DatabaseTarget::SqliteFile(path) => {
                let location = if self.create_file || path == ":memory:" {
                    path.clone()
                } else {
                    no_create_uri(path)
                };
                let mut conn = SqliteConnection::establish(&location)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for DbManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, diesel::r2d2::Error> {
        let opened = self.open();
        match &opened {
            Ok(_) => self.circuit.succeeded(),
            Err(e) => self.circuit.failed(e.to_string()),
        }
        opened
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        let checked = match conn {
            // Without a round trip: what the server sent while the connection sat idle. That
            // tells nothing of reaching the server, so the circuit is left to the connection
            // r2d2 opens in its place (`connect` records whether it could).
            DbConnection::Postgres(inner) => {
                return still_open(inner).map_err(diesel::r2d2::Error::QueryError)
            }
            DbConnection::Sqlite(_) => conn.ping(),
        };
        match checked {
            Ok(()) => {
                self.circuit.succeeded();
                Ok(())
            }
            Err(e) => {
                self.circuit
                    .failed(format!("a pooled connection no longer answers: {e}"));
                Err(diesel::r2d2::Error::QueryError(e))
            }
        }
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Whether a pooled PostgreSQL connection is still open, told by reading what the server sent
/// while it sat idle, without a round trip. A ping on every checkout cost a round trip and a
/// statement of the server's CPU for each database call of a request: on a cached page that
/// was half of what the request asked of PostgreSQL. A server that ended the connection (a
/// restart, `pg_terminate_backend`, a database that stopped taking connections) sent its
/// reason and closed the socket: the first read takes the reason (libpq hands an error outside
/// a query to the notice processor), the second meets the closed socket and fails; a
/// connection that already failed has no socket and fails at once. A server that vanished
/// without closing (a cut network) is found by the request's own query, as it was after a
/// ping that had just passed.
fn still_open(conn: &mut PgConnection) -> QueryResult<()> {
    for _ in 0..2 {
        // Pooled connections never LISTEN, so there is no notification to keep.
        if let Some(Err(e)) = conn.notifications_iter().next() {
            return Err(e);
        }
    }
    Ok(())
}

/// Opens one connection without migrating (backups, migration tests).
pub fn open(url: &str) -> Result<DbConnection, ConnectError> {
    let target = DatabaseTarget::parse(url)?;
    DbManager::new(target.clone())
        .open()
        .map_err(|e| connect_error(&target, e))
}

fn connect_error(target: &DatabaseTarget, error: diesel::r2d2::Error) -> ConnectError {
    let source = match error {
        diesel::r2d2::Error::ConnectionError(source) => source,
        diesel::r2d2::Error::QueryError(e) => ConnectionError::CouldntSetupConfiguration(e),
    };
    ConnectError::Connect {
        target: target.to_string(),
        source,
    }
}

/// The embedded migrations of the connection's backend, oldest first.
pub fn migrations(conn: &DbConnection) -> EmbeddedMigrations {
    match conn {
        DbConnection::Postgres(_) => POSTGRES_MIGRATIONS,
        DbConnection::Sqlite(_) => SQLITE_MIGRATIONS,
    }
}

/// A SQLite URI that opens `path` for reading and writing but never creates it.
fn no_create_uri(path: &str) -> String {
    let mut uri = String::from("file:");
    for c in path.chars() {
        match c {
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            '%' => uri.push_str("%25"),
            c => uri.push(c),
        }
    }
    uri.push_str("?mode=rw");
    uri
}

/// Connections in the pool: also what sizes the web server's blocking threads.
pub const POOL_SIZE: u32 = 8;

/// libpq's connection timeout, in seconds, unless the URL sets its own: a server that
/// accepts connections and never answers fails a connection attempt after this long instead
/// of never (2 is libpq's least).
const PG_CONNECT_TIMEOUT_SECS: u32 = 2;

/// A PostgreSQL URL with libpq's `connect_timeout` added when it has none.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}connect_timeout={PG_CONNECT_TIMEOUT_SECS}")
}

/// Opens the pool and applies any pending migrations. One connection is opened first, so
/// that an unreachable server is reported at once with libpq's own words.
pub fn connect(url: &str) -> Result<DbPool, ConnectError> {
    let target = DatabaseTarget::parse(url)?;
    let manager = DbManager::new(target.clone());
    let lock = MigrationLock::take(&target)?;
    let mut first = manager.open().map_err(|e| connect_error(&target, e))?;
    migrate(&mut first)?;
    drop(first);
    drop(lock);
    let circuit = manager.circuit.clone();
    let pool = Pool::builder()
        .max_size(POOL_SIZE)
        .connection_timeout(POOL_TIMEOUT)
        // A PostgreSQL connection can be ended by the server between uses, so it is checked
        // when taken from the pool (without a round trip: `DbManager::still_open`); a SQLite
        // connection is a file handle of this process (a missing or replaced file is caught
        // by the web layer's check before every use), and a ping would be one more query on
        // every request.
        .test_on_check_out(target.is_postgres())
        .build(manager.for_pool())
        .map_err(|source| ConnectError::Pool {
            target: target.to_string(),
            source,
        })?;
    Ok(DbPool {
        pool,
        circuit,
        manager: manager.for_pool(),
    })
}

/// Opens the database and applies pending migrations (`trafiklys migrate`); returns how many
/// ran. Processes that do this at once on one database take turns (see [`MigrationLock`] and
/// [`migrate`]).
pub fn open_and_migrate(url: &str) -> Result<usize, ConnectError> {
    let target = DatabaseTarget::parse(url)?;
    let lock = MigrationLock::take(&target)?;
    let mut conn = DbManager::new(target.clone())
        .open()
        .map_err(|e| connect_error(&target, e))?;
    let applied = migrate(&mut conn)?;
    drop(conn);
    drop(lock);
    Ok(applied)
}

/// An exclusive lock (`flock`) on a file next to a SQLite database, held while a process
/// opens the database for the first time and migrates it: processes starting at once on a
/// fresh file take turns, so none meets a half-made schema or a change of journal mode in
/// progress. A lock file of its own, never the database file: closing any descriptor of the
/// database file would drop SQLite's own (POSIX) locks on it. The lock ends when the process
/// does, however it ends; the empty file stays.
#[derive(Debug)]
pub struct MigrationLock(#[allow(dead_code)] Option<std::fs::File>);

impl MigrationLock {
    /// Waits for the lock of the target's SQLite file; nothing for PostgreSQL (which has its
    /// advisory lock) or an in-memory database.
    pub fn take(target: &DatabaseTarget) -> Result<MigrationLock, ConnectError> {
        let DatabaseTarget::SqliteFile(path) = target else {
            return Ok(MigrationLock(None));
        };
        if path == ":memory:" {
            return Ok(MigrationLock(None));
        }
        let lock_path = format!("{path}-migrate.lock");
        let failed = |source: std::io::Error| ConnectError::Lock {
            path: lock_path.clone(),
            source,
        };
        let file = match std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
        {
            Ok(file) => file,
            // A folder nobody may write in: then no process can migrate the database either,
            // and the start goes on (a read-only database is reported by /healthz).
            Err(e)
                if e.kind() == std::io::ErrorKind::PermissionDenied
                    || e.kind() == std::io::ErrorKind::ReadOnlyFilesystem =>
            {
                tracing::warn!(path = %lock_path, error = %e, "no migration lock: the folder cannot be written");
                return Ok(MigrationLock(None));
            }
            Err(e) => return Err(failed(e)),
        };
        file.lock().map_err(failed)?;
        Ok(MigrationLock(Some(file)))
    }
}

/// Applies pending migrations; returns how many ran. On PostgreSQL an advisory lock makes
/// processes that migrate at the same time take turns: the first applies, the others find
/// nothing left to do.
pub fn migrate(conn: &mut DbConnection) -> Result<usize, ConnectError> {
    let failed = |e: &dyn std::fmt::Display| ConnectError::Migrate(e.to_string());
    match conn {
        DbConnection::Sqlite(conn) => conn
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|applied| applied.len())
            .map_err(|e| failed(&e)),
        DbConnection::Postgres(conn) => {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                .map_err(|e| failed(&e))?;
            let result = conn
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|applied| applied.len())
                .map_err(|e| failed(&e));
            let unlocked = conn
                .batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
                .map_err(|e| failed(&e));
            let applied = result?;
            unlocked?;
            Ok(applied)
        }
    }
}

/// Held by the SQLite write transaction of this process that is running (see [`write_tx`]).
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` in a write transaction that also bumps the data version and the shown marker
/// ([`shown_version`]), and returns its value.
///
/// Write transactions take turns on both backends, so a store function may read, decide and
/// write as if it were alone:
/// - SQLite: the transaction takes the write lock at once (BEGIN IMMEDIATE), so two writers
///   queue on the busy timeout instead of one failing when it upgrades from reading to writing.
/// - PostgreSQL (READ COMMITTED): the first statement bumps the one `data_version` row, whose
///   row lock queues every other write transaction until this one ends; each later statement
///   sees everything committed before.
///
/// Inside an open transaction it becomes a savepoint, so store functions compose (the demo
/// loader runs many of them in one transaction).
pub fn write_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    write_tx_moving(conn, Moves::Both, f)
}

/// [`write_tx`] that moves the data version but not the shown marker ([`shown_version`]):
/// for the form writer's groups, whose saves each move the shown marker themselves when they
/// change more than a draft's contents ([`crate::store::submissions::save_form_in_tx`]).
pub fn write_tx_drafts<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    write_tx_moving(conn, Moves::DataOnly, f)
}

/// Which of the `data_version` row's markers a write transaction moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Moves {
    /// The data version and the shown marker: every write but a draft's save.
    Both,
    /// The data version alone.
    DataOnly,
}

fn write_tx_moving<T, E, F>(conn: &mut DbConnection, moves: Moves, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    // The transaction's own steps are compiled once (`write_tx_once`); only this shell is
    // compiled for each of the callers' types.
    let mut f = Some(f);
    let mut outcome: Option<Result<T, E>> = None;
    let mut body = |conn: &mut DbConnection| {
        let Some(f) = f.take() else {
            return false;
        };
        let result = f(conn);
        let done = result.is_ok();
        outcome = Some(result);
        done
    };
    let failed = write_tx_once(conn, moves, &mut body);
    match (failed, outcome) {
        (Ok(()), Some(Ok(value))) => Ok(value),
        (Err(TxFailed::Body), Some(Err(error))) => Err(error),
        (Err(TxFailed::Database(error)), _) => Err(error.into()),
        // `write_tx_once` runs the body once and says how it went; anything else is a bug in
        // it, told as a broken transaction rather than as the body's outcome.
        _ => Err(diesel::result::Error::BrokenTransactionManager.into()),
    }
}

/// Why [`write_tx_once`] did not commit.
enum TxFailed {
    /// The caller's body failed; its error is the caller's to tell.
    Body,
    /// Beginning, bumping the markers, committing or rolling back failed.
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for TxFailed {
    fn from(error: diesel::result::Error) -> TxFailed {
        TxFailed::Database(error)
    }
}

/// The steps of [`write_tx_moving`]; `body` says whether the caller's work succeeded.
fn write_tx_once(
    conn: &mut DbConnection,
    moves: Moves,
    body: &mut dyn FnMut(&mut DbConnection) -> bool,
) -> Result<(), TxFailed> {
    let depth =
        <DbConnection as TransactionManager<DbConnection>>::transaction_manager_status_mut(conn)
            .transaction_depth();
    let top_level = !matches!(depth, Ok(Some(_)));
    // The markers as the transaction leaves them: on PostgreSQL, read under its lock as its
    // last statement, for the web layer (see [`take_committed_versions`]); a savepoint leaves
    // that to the transaction around it.
    let mut with_bump = |conn: &mut DbConnection| {
        bump_data_version(conn, moves)?;
        if !body(conn) {
            return Err(TxFailed::Body);
        }
        match conn {
            DbConnection::Postgres(inner) if top_level => match LEFT.take() {
                Some(left) => Ok(Some(left)),
                None => Ok(Some(versions::read_versions(inner)?)),
            },
            _ => Ok(None),
        }
    };
    if !top_level {
        return conn.transaction(with_bump).map(|_| ());
    }
    // SQLite: writers of this process queue here rather than on SQLite's busy handler,
    // which sleeps in steps of up to 100 ms and so turns a queue of a few writers into tens of
    // milliseconds of idle waiting. Writers in other processes still meet the busy timeout.
    let _writer = match conn {
        DbConnection::Sqlite(_) => Some(
            SQLITE_WRITER
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        ),
        DbConnection::Postgres(_) => None,
    };
    LEFT.set(None);
    match conn {
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgres(inner) => AnsiTransactionManager::begin_transaction(inner)?,
    }
    match with_bump(conn) {
        Ok(left) => {
            <DbConnection as TransactionManager<DbConnection>>::commit_transaction(conn)?;
            if left.is_some() {
                COMMITTED.set(left);
            }
            Ok(())
        }
        Err(error) => {
            match <DbConnection as TransactionManager<DbConnection>>::rollback_transaction(conn) {
                Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
                Err(rollback_error) => Err(rollback_error.into()),
            }
        }
    }
}

fn bump_data_version(conn: &mut DbConnection, moves: Moves) -> QueryResult<()> {
    use diesel::prelude::*;
    use schema::data_version::dsl;
    let row = diesel::update(dsl::data_version.find(1));
    match moves {
        Moves::Both => row
            .set((
                dsl::version.eq(dsl::version + 1),
                dsl::shown.eq(dsl::shown + 1),
            ))
            .execute(conn),
        Moves::DataOnly => row.set(dsl::version.eq(dsl::version + 1)).execute(conn),
    }
    .map(|_| ())
}

thread_local! {
    /// The markers the last write transaction committed on this thread left (PostgreSQL),
    /// until taken.
    static COMMITTED: std::cell::Cell<Option<users::Versions>> =
        const { std::cell::Cell::new(None) };
    /// The markers as the running write transaction's last change left them, when that
    /// change read them itself ([`leave_versions`]).
    static LEFT: std::cell::Cell<Option<users::Versions>> =
        const { std::cell::Cell::new(None) };
}

/// Says, from the last statement of a write transaction's body that changes anything, the
/// markers as it left them (read in that statement, under the transaction's lock): the
/// transaction then commits without reading them again (one round trip fewer while other
/// processes' writers wait for the `data_version` row). A body must not change the markers
/// after saying so; moving them ([`bump_shown_version`]) forgets what was said.
pub(crate) fn leave_versions(versions: users::Versions) {
    LEFT.set(Some(versions));
}

/// The markers the last write transaction committed on this thread left, once (`None` when
/// none committed since the last call, and always on SQLite). The web layer carries them in
/// the writer's session, so that the next request, in whichever process sharing the
/// PostgreSQL database it lands, reads at least what this write left.
pub fn take_committed_versions() -> Option<users::Versions> {
    COMMITTED.take()
}

/// Moves the shown marker inside a write transaction begun by [`write_tx_drafts`]: the write
/// changed more than a draft's contents.
pub fn bump_shown_version(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::prelude::*;
    use schema::data_version::dsl;
    LEFT.set(None);
    diesel::update(dsl::data_version.find(1))
        .set(dsl::shown.eq(dsl::shown + 1))
        .execute(conn)
        .map(|_| ())
}

/// Whether the database is PostgreSQL (for the few decisions that depend on it).
pub fn is_postgres(conn: &DbConnection) -> bool {
    matches!(conn, DbConnection::Postgres(_))
}

/// The data version: it changes with every committed write.
pub fn data_version(conn: &mut DbConnection) -> QueryResult<i64> {
    use diesel::prelude::*;
    use schema::data_version::dsl;
    dsl::data_version
        .find(1)
        .select(dsl::version)
        .get_result(conn)
}

/// The shown marker: it changes with every committed write except a save that keeps a form
/// a draft, so it keys what pages that show no draft's contents are rendered from (see the
/// migration `shown_version`). It never moves without the data version moving too.
pub fn shown_version(conn: &mut DbConnection) -> QueryResult<i64> {
    use diesel::prelude::*;
    use schema::data_version::dsl;
    dsl::data_version
        .find(1)
        .select(dsl::shown)
        .get_result(conn)
}

/// Whether the database holds any round or user: an installation in use, as opposed to one
/// holding only the reference data the migrations load.
pub fn holds_rounds_or_users(conn: &mut DbConnection) -> QueryResult<bool> {
    use diesel::dsl::exists;
    use diesel::prelude::*;
    let rounds: bool = diesel::select(exists(schema::rounds::table.select(schema::rounds::id)))
        .get_result(conn)?;
    let users: bool =
        diesel::select(exists(schema::users::table.select(schema::users::id))).get_result(conn)?;
    Ok(rounds || users)
}

/// Whether the database takes writes, asked without changing anything: on SQLite a write
/// inside a transaction that is rolled back (a read-only file or folder, or a `query_only`
/// connection, refuses it; another process holding the write lock is not a refusal); on
/// PostgreSQL whether its transactions are read-only (a standby, or
/// `default_transaction_read_only`). `Err` holds the reason, for the log.
pub fn probe_write(conn: &mut DbConnection) -> Result<(), String> {
    use diesel::prelude::*;
    match conn {
        DbConnection::Sqlite(inner) => {
            let _writer = SQLITE_WRITER
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // A writer in another process: wait briefly, and count it as writable.
            inner
                .batch_execute("PRAGMA busy_timeout = 200")
                .map_err(|e| e.to_string())?;
            let probe = inner.batch_execute("BEGIN IMMEDIATE").and_then(|()| {
                let written =
                    inner.batch_execute("UPDATE data_version SET version = version WHERE id = 1");
                let rolled_back = inner.batch_execute("ROLLBACK");
                written.and(rolled_back)
            });
            let restored = inner.batch_execute("PRAGMA busy_timeout = 5000");
            match probe {
                Err(e) if e.to_string().contains("locked") => Ok(()),
                Err(e) => Err(format!("the SQLite database cannot be written: {e}")),
                Ok(()) => restored.map_err(|e| e.to_string()),
            }
        }
        DbConnection::Postgres(inner) => {
            #[derive(QueryableByName)]
            struct ReadOnly {
                #[diesel(sql_type = diesel::sql_types::Text)]
                transaction_read_only: String,
            }
            let read_only = diesel::sql_query("SHOW transaction_read_only")
                .get_result::<ReadOnly>(inner)
                .map_err(|e| e.to_string())?;
            if read_only.transaction_read_only == "off" {
                Ok(())
            } else {
                Err(
                    "PostgreSQL's transactions are read-only here (a standby, or \
                     default_transaction_read_only is on)"
                        .to_owned(),
                )
            }
        }
    }
}

/// Whether the database answers; used by /healthz.
pub fn ping(conn: &mut DbConnection) -> QueryResult<()> {
    conn.batch_execute("SELECT 1")
}

/// A stored value that no longer parses (a state or role written by hand, say), as the
/// database error diesel reports for it.
pub(crate) fn stored_value(e: crate::domain::InvalidValue) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(Box::new(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_connections_never_create_the_database_file() {
        assert_eq!(no_create_uri("/tmp/a b.db"), "file:/tmp/a b.db?mode=rw");
        assert_eq!(no_create_uri("x?y#z%.db"), "file:x%3fy%23z%25.db?mode=rw");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let path = path.to_str().unwrap();
        let pool = connect(path).unwrap();
        std::fs::rename(path, format!("{path}.moved")).unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
        let fresh = SqliteConnection::establish(&no_create_uri(path));
        assert!(fresh.is_err(), "a missing file is not created");
        assert!(!std::path::Path::new(path).exists());
        drop(pool);
    }

    /// Adds 250 rows of 2,000 characters to the test table `filler`: about half a megabyte of
    /// WAL.
    fn add_filler(conn: &mut DbConnection) {
        conn.batch_execute(
            "INSERT INTO filler (body) SELECT hex(randomblob(1000)) \
             FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250) SELECT i FROM n)",
        )
        .unwrap();
    }

    #[test]
    fn a_wal_kept_growing_by_a_reader_is_emptied_once_the_reader_is_done() {
        use diesel::RunQueryDsl;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.db");
        let path = path.to_str().unwrap();
        let pool = connect(path).unwrap();
        let wal = || std::fs::metadata(format!("{path}-wal")).map_or(0, |m| m.len());
        let mut writer = pool.get().unwrap();
        writer
            .batch_execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            .unwrap();
        // A reader holds its snapshot open: no checkpoint can copy past it, so the WAL grows.
        let mut reader = pool.get().unwrap();
        reader.batch_execute("BEGIN").unwrap();
        diesel::sql_query("SELECT count(*) FROM filler")
            .execute(&mut *reader)
            .unwrap();
        let mut checker = pool.get().unwrap();
        for _ in 0..40 {
            add_filler(&mut writer);
            assert!(
                !matches!(
                    checkpoint_wal(&mut checker, false).unwrap(),
                    Checkpoint::Truncated { done: true }
                ),
                "no truncation while the reader holds the WAL"
            );
        }
        let grown = wal();
        assert!(grown > 16 * 1024 * 1024, "the WAL grew to {grown} bytes");
        // Once the reader is done the next checkpoint empties the file.
        reader.batch_execute("COMMIT").unwrap();
        assert_eq!(
            checkpoint_wal(&mut checker, false).unwrap(),
            Checkpoint::Truncated { done: true }
        );
        assert!(wal() <= WAL_KEEP_BYTES, "{} bytes left", wal());
        // A small WAL is left to passive checkpoints under load, and emptied when idle.
        writer
            .batch_execute("INSERT INTO filler (body) VALUES ('x')")
            .unwrap();
        assert!(matches!(
            checkpoint_wal(&mut checker, false).unwrap(),
            Checkpoint::Passive { .. }
        ));
        assert_eq!(
            checkpoint_wal(&mut checker, true).unwrap(),
            Checkpoint::Truncated { done: true }
        );
        assert_eq!(wal(), 0);
    }

    #[test]
    fn a_wal_grown_under_back_to_back_write_transactions_is_emptied_between_two_of_them() {
        use diesel::RunQueryDsl;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("busy.db");
        let path = path.to_str().unwrap().to_owned();
        let pool = connect(&path).unwrap();
        let wal = |path: &str| std::fs::metadata(format!("{path}-wal")).map_or(0, |m| m.len());
        let mut writer = pool.get().unwrap();
        leave_checkpoints_to_caller(&mut writer).unwrap();
        writer
            .batch_execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            .unwrap();
        for _ in 0..40 {
            add_filler(&mut writer);
        }
        assert!(
            wal(&path) > 16 * 1024 * 1024,
            "the WAL grew to {} bytes",
            wal(&path)
        );
        // This process's writer, as the form writer runs under load: one transaction after
        // another, each holding SQLite's write lock for a few milliseconds and taking its turn
        // (`SQLITE_WRITER`) as `write_tx` does, with next to no gap between them.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let running = std::sync::Arc::clone(&stop);
        let (started, has_started) = std::sync::mpsc::channel();
        let writes = std::thread::spawn(move || {
            let mut done = 0_u32;
            while !running.load(std::sync::atomic::Ordering::Relaxed) {
                let _turn = SQLITE_WRITER
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                writer.batch_execute("BEGIN IMMEDIATE").unwrap();
                writer
                    .batch_execute("INSERT INTO filler (body) VALUES ('saved')")
                    .unwrap();
                std::thread::sleep(std::time::Duration::from_millis(3));
                writer.batch_execute("COMMIT").unwrap();
                done += 1;
                if done == 1 {
                    started.send(()).unwrap();
                }
            }
            done
        });
        has_started.recv().unwrap();
        let mut checker = pool.get().unwrap();
        let checkpoint = checkpoint_wal(&mut checker, false).unwrap();
        let left = wal(&path);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let done = writes.join().unwrap();
        assert_eq!(
            checkpoint,
            Checkpoint::Truncated { done: true },
            "the checkpoint waited its turn instead of giving up"
        );
        assert!(left <= WAL_KEEP_BYTES, "{left} bytes left");
        assert!(done >= 1, "the writes went on around the checkpoint");
        let rows: i64 =
            diesel::dsl::sql::<diesel::sql_types::BigInt>("SELECT count(*) FROM filler")
                .get_result(&mut *checker)
                .unwrap();
        assert_eq!(rows, 40 * 250 + i64::from(done), "every write kept");
    }

    #[test]
    fn postgresql_urls_get_a_connect_timeout_unless_they_set_one() {
        assert_eq!(
            with_connect_timeout("postgres://u@h/db"),
            "postgres://u@h/db?connect_timeout=2"
        );
        assert_eq!(
            with_connect_timeout("postgres://u@h/db?sslmode=require"),
            "postgres://u@h/db?sslmode=require&connect_timeout=2"
        );
        assert_eq!(
            with_connect_timeout("postgres://u@h/db?connect_timeout=7"),
            "postgres://u@h/db?connect_timeout=7"
        );
    }

    #[test]
    fn a_failure_to_reach_the_database_is_answered_at_once_until_it_answers_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let pool = connect(path.to_str().unwrap()).unwrap();
        assert!(checkout(&pool).is_ok());
        pool.circuit.failed("refused".into());
        assert!(matches!(
            checkout(&pool),
            Err(CheckoutError::Unreachable { reason, .. }) if reason == "refused"
        ));
        pool.circuit.succeeded();
        assert!(checkout(&pool).is_ok());
    }

    #[test]
    fn database_target_is_chosen_from_the_scheme() {
        assert_eq!(
            DatabaseTarget::parse("trafiklys.db").unwrap(),
            DatabaseTarget::SqliteFile("trafiklys.db".into())
        );
        assert_eq!(
            DatabaseTarget::parse("sqlite:///tmp/x.db").unwrap(),
            DatabaseTarget::SqliteFile("/tmp/x.db".into())
        );
        assert_eq!(
            DatabaseTarget::parse("postgres://localhost/test").unwrap(),
            DatabaseTarget::Postgres("postgres://localhost/test".into())
        );
        assert!(DatabaseTarget::parse("postgresql://u@h:5433/db")
            .unwrap()
            .is_postgres());
        for bad in [
            "mysql://localhost/test",
            "postgres:localhost",
            "sqlite://",
            "",
        ] {
            assert!(
                matches!(
                    DatabaseTarget::parse(bad),
                    Err(ConnectError::UnsupportedUrl(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn messages_never_show_the_database_password() {
        let target = DatabaseTarget::parse("postgres://app:hemmelig@db.example:5432/trafiklys")
            .unwrap()
            .to_string();
        assert_eq!(
            target,
            "PostgreSQL at postgres://app:***@db.example:5432/trafiklys"
        );
        assert_eq!(
            redact_password("postgres://app@db/x?sslmode=require"),
            "postgres://app@db/x?sslmode=require"
        );
    }

    #[test]
    fn an_unreachable_postgresql_server_is_an_error_naming_the_cause() {
        // Port 1 on loopback: nothing listens there.
        let message = connect("postgres://nobody@127.0.0.1:1/nothing")
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with(
                "could not connect to PostgreSQL at postgres://nobody@127.0.0.1:1/nothing: "
            ),
            "{message}"
        );
        assert!(message.contains("refused"), "libpq's reason: {message}");
        // Never a SQLite file named after the URL in the working directory.
        assert!(!std::path::Path::new("postgres:").exists());
    }
}
