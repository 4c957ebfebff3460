//! Whether the SQLite database file is still there.
//!
//! An open SQLite connection keeps working on a file that has been moved away or deleted (it
//! holds the file open), so without a check the application would go on reading and writing a
//! file nobody will find again. Before every use of the database the web layer checks that
//! the path still names the file it opened (a file, the same one); otherwise pages
//! answer 503 with a Danish message and `/healthz` says why, until the file is back.

use std::path::PathBuf;

use crate::store::{self, DbConnection};

/// The database file of a SQLite pool, and the file it was when the process started.
#[derive(Debug, Clone)]
pub struct DbFileWatch {
    path: PathBuf,
    identity: Option<(u64, u64)>,
}

#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(_meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

impl DbFileWatch {
    /// The watch for the connection's main database file; `None` when it has none to watch
    /// (an in-memory database, or a server database such as PostgreSQL).
    pub fn of(conn: &mut DbConnection) -> Option<DbFileWatch> {
        let path = store::database_file(conn)?;
        let meta = std::fs::metadata(&path).ok()?;
        Some(DbFileWatch {
            identity: identity(&meta),
            path,
        })
    }

    /// `Err(reason)` when the database file is missing, not a file, or replaced.
    pub fn check(&self) -> Result<(), String> {
        let meta = std::fs::metadata(&self.path).map_err(|e| {
            format!(
                "the database file {} is not there: {e}",
                self.path.display()
            )
        })?;
        if !meta.is_file() {
            return Err(format!("{} is not a file", self.path.display()));
        }
        if self.identity.is_some() && identity(&meta) != self.identity {
            return Err(format!(
                "the database file {} was replaced by another file while the process ran; \
                 put the original back or restart the process",
                self.path.display()
            ));
        }
        // The file is not opened here: closing any descriptor of it would drop every POSIX
        // lock this process holds on it, SQLite's included, and another process (a CLI
        // command on the same file) could then take it for unused and remove its WAL.
        Ok(())
    }
}
