//! Storage: the diesel schema, row types, queries grouped by aggregate, the connection pool
//! and the embedded migrations. Queries take `&mut DbConnection` and return domain types.
//!
//! Every query names the connection through [`DbConnection`]; PostgreSQL support replaces
//! that one alias with a multi-backend connection without touching the queries.

pub mod audit;
pub mod reference;
pub mod rounds;
mod rows;
pub mod schema;
pub mod snapshots;
pub mod submissions;
pub mod tokens;
pub mod users;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryResult};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

/// The one connection type every query is written against.
pub type DbConnection = SqliteConnection;
pub type DbPool = Pool<ConnectionManager<DbConnection>>;
pub type PooledDb = PooledConnection<ConnectionManager<DbConnection>>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// What went wrong opening the database; said so that an operator can act on it.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("database URL «{0}» is not supported: use a SQLite file path (trafiklys.db, sqlite://path/to/file.db)")]
    UnsupportedUrl(String),
    #[error("PostgreSQL is not supported by this build yet; use a SQLite file")]
    PostgresNotYetSupported,
    #[error("could not open the database at {path}: {source}")]
    Open {
        path: String,
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

/// Where the data lives, chosen from the URL's scheme by us, never by trying backends in turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    SqliteFile(String),
}

impl DatabaseTarget {
    pub fn parse(url: &str) -> Result<DatabaseTarget, ConnectError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Err(ConnectError::PostgresNotYetSupported);
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path.contains("://") {
            return Err(ConnectError::UnsupportedUrl(url.to_owned()));
        }
        Ok(DatabaseTarget::SqliteFile(path.to_owned()))
    }
}

/// Settings every pooled SQLite connection gets: enforced foreign keys, WAL so readers never
/// block the writer, and a busy timeout so concurrent writers wait instead of failing.
#[derive(Debug, Clone, Copy)]
struct SqliteSettings;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqliteSettings {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(
            "PRAGMA busy_timeout = 5000;
             PRAGMA foreign_keys = ON;
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
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

/// Opens the pool and applies any pending migrations. The file is created here if it does not
/// exist; the pool's connections then open it without creating it, so a database file that
/// disappears while the application runs is reported as missing instead of being replaced by
/// an empty one when the pool opens a new connection.
pub fn connect(url: &str) -> Result<DbPool, ConnectError> {
    let DatabaseTarget::SqliteFile(path) = DatabaseTarget::parse(url)?;
    if path != ":memory:" {
        SqliteConnection::establish(&path).map_err(|source| ConnectError::Create {
            path: path.clone(),
            source,
        })?;
    }
    let target = if path == ":memory:" {
        path.clone()
    } else {
        no_create_uri(&path)
    };
    let manager = ConnectionManager::<SqliteConnection>::new(target);
    let pool = Pool::builder()
        .max_size(8)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(SqliteSettings))
        .build(manager)
        .map_err(|source| ConnectError::Open {
            path: path.clone(),
            source,
        })?;
    let mut conn = pool
        .get()
        .map_err(|source| ConnectError::Open { path, source })?;
    migrate(&mut conn)?;
    Ok(pool)
}

/// Applies pending migrations; returns how many ran.
pub fn migrate(conn: &mut DbConnection) -> Result<usize, ConnectError> {
    conn.run_pending_migrations(SQLITE_MIGRATIONS)
        .map(|applied| applied.len())
        .map_err(|e| ConnectError::Migrate(e.to_string()))
}

/// Runs `f` in a write transaction. On SQLite the transaction takes the write lock at once
/// (BEGIN IMMEDIATE), so two writers queue on the busy timeout instead of one failing when it
/// upgrades from reading to writing. Inside an open transaction it becomes a savepoint, so
/// store functions compose (the demo loader runs many of them in one transaction).
pub fn write_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let depth = AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth();
    let with_bump = |conn: &mut DbConnection| {
        let value = f(conn)?;
        bump_data_version(conn)?;
        Ok(value)
    };
    if matches!(depth, Ok(Some(_))) {
        conn.transaction(with_bump)
    } else {
        conn.immediate_transaction(with_bump)
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

/// The data version: it changes with every committed write.
pub fn data_version(conn: &mut DbConnection) -> QueryResult<i64> {
    use diesel::prelude::*;
    use schema::data_version::dsl;
    dsl::data_version.find(1).select(dsl::version).first(conn)
}

/// Whether the database answers; used by /healthz.
pub fn ping(conn: &mut DbConnection) -> QueryResult<()> {
    conn.batch_execute("SELECT 1")
}

/// The current time as stored: UTC, whole microseconds.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
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
        assert!(matches!(
            DatabaseTarget::parse("postgres://localhost/test"),
            Err(ConnectError::PostgresNotYetSupported)
        ));
        assert!(matches!(
            DatabaseTarget::parse("mysql://localhost/test"),
            Err(ConnectError::UnsupportedUrl(_))
        ));
    }
}
