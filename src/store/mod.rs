//! Storage: the diesel schema, row types, queries grouped by aggregate, the connection pool
//! and the embedded migrations. Queries take `&mut DbConnection` and return domain types.
//!
//! Every query names the connection through [`DbConnection`], one diesel connection over
//! PostgreSQL and SQLite. The few places where the backends differ (opening connections,
//! migrations, how a write transaction begins) are all in this file.

pub mod audit;
pub mod bench_data;
pub mod groups;
pub mod imports;
pub mod invitations;
pub mod recommendation_sets;
pub mod reference;
pub mod reminders;
pub mod rounds;
mod rows;
pub mod schema;
pub mod set_edits;
pub mod snapshots;
pub mod statement;
pub mod submissions;
pub mod tokens;
pub mod users;

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

pub type DbPool = Pool<DbManager>;
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
/// the writer, and a busy timeout so concurrent writers wait instead of failing.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000;
     PRAGMA foreign_keys = ON;
     PRAGMA journal_mode = WAL;
     PRAGMA synchronous = NORMAL;";

/// Opens connections to the chosen backend for the pool (diesel's own manager would try
/// each backend in turn and lose the real error).
#[derive(Debug, Clone)]
pub struct DbManager {
    target: DatabaseTarget,
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
            create_file: true,
        }
    }

    /// The same target, for the pool: never creates the SQLite file.
    fn for_pool(&self) -> DbManager {
        DbManager {
            target: self.target.clone(),
            create_file: false,
        }
    }

    pub fn target(&self) -> &DatabaseTarget {
        &self.target
    }

    fn open(&self) -> Result<DbConnection, diesel::r2d2::Error> {
        match &self.target {
            DatabaseTarget::Postgres(url) => PgConnection::establish(url)
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
        self.open()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
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

/// Opens the pool and applies any pending migrations. One connection is opened first, so
/// that an unreachable server is reported at once with libpq's own words.
pub fn connect(url: &str) -> Result<DbPool, ConnectError> {
    let target = DatabaseTarget::parse(url)?;
    let manager = DbManager::new(target.clone());
    let mut first = manager.open().map_err(|e| connect_error(&target, e))?;
    migrate(&mut first)?;
    drop(first);
    Pool::builder()
        .max_size(POOL_SIZE)
        .connection_timeout(Duration::from_secs(10))
        // A PostgreSQL connection can be dropped by the server between uses, so it is pinged
        // when taken from the pool; a SQLite connection is a file handle of this process
        // (a missing or replaced file is caught by the web layer's check before every use),
        // and the ping would be one more query on every request.
        .test_on_check_out(target.is_postgres())
        .build(manager.for_pool())
        .map_err(|source| ConnectError::Pool {
            target: target.to_string(),
            source,
        })
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

/// Runs `f` in a write transaction that also bumps the data version, and returns its value.
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
    let with_bump = |conn: &mut DbConnection| {
        bump_data_version(conn)?;
        f(conn)
    };
    let depth =
        <DbConnection as TransactionManager<DbConnection>>::transaction_manager_status_mut(conn)
            .transaction_depth();
    if matches!(depth, Ok(Some(_))) {
        return conn.transaction(with_bump);
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
    match conn {
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgres(inner) => AnsiTransactionManager::begin_transaction(inner)?,
    }
    match with_bump(conn) {
        Ok(value) => {
            <DbConnection as TransactionManager<DbConnection>>::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            match <DbConnection as TransactionManager<DbConnection>>::rollback_transaction(conn) {
                Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
                Err(rollback_error) => Err(rollback_error.into()),
            }
        }
    }
}

fn bump_data_version(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::prelude::*;
    use schema::data_version::dsl;
    diesel::update(dsl::data_version.find(1))
        .set(dsl::version.eq(dsl::version + 1))
        .execute(conn)
        .map(|_| ())
}

/// Whether the database is PostgreSQL (for the few decisions that depend on it).
pub fn is_postgres(conn: &DbConnection) -> bool {
    matches!(conn, DbConnection::Postgres(_))
}

/// What `backup` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backup {
    Written,
    /// A PostgreSQL database is backed up with its own tools (pg_dump), not by us.
    UsePgDump,
}

/// Why a backup could not be written.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists already; a backup never overwrites a file")]
    Exists(String),
    #[error("the backup path {0} is not valid UTF-8")]
    Path(String),
    #[error("could not write the backup: {0}")]
    Write(#[from] diesel::result::Error),
}

/// Copies a SQLite database to a new file with `VACUUM INTO`: one read transaction, so the
/// copy is consistent while other connections go on reading and writing.
pub fn backup(conn: &mut DbConnection, to: &std::path::Path) -> Result<Backup, BackupError> {
    use diesel::RunQueryDsl;
    let DbConnection::Sqlite(conn) = conn else {
        return Ok(Backup::UsePgDump);
    };
    if to.exists() {
        return Err(BackupError::Exists(to.display().to_string()));
    }
    let path = to
        .to_str()
        .ok_or_else(|| BackupError::Path(to.display().to_string()))?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(path)
        .execute(conn)?;
    Ok(Backup::Written)
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

/// Whether the database answers; used by /healthz.
pub fn ping(conn: &mut DbConnection) -> QueryResult<()> {
    conn.batch_execute("SELECT 1")
}

/// The current time as stored: UTC, whole microseconds (what both backends keep).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
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
