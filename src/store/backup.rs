//! A consistent copy of a SQLite database, also while the server runs.

use super::*;

/// What `backup` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backup {
    /// The copy is complete at the path asked for; `removed_leftover` names the partial copy
    /// of an earlier, interrupted backup to the same path that was removed first.
    Written {
        removed_leftover: Option<std::path::PathBuf>,
    },
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
    #[error("could not write the backup {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Where a backup to `to` is written until it is complete: a name of its own in the same
/// folder (so the rename that completes it never crosses file systems).
pub fn backup_partial_path(to: &std::path::Path) -> std::path::PathBuf {
    let mut name = to.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    to.with_file_name(name)
}

/// Copies a SQLite database to a new file with `VACUUM INTO`: one read transaction, so the
/// copy is consistent while other connections go on reading and writing. The copy is written
/// under a temporary name beside `to`, synced, and renamed to `to` only when complete, so an
/// interrupted backup never leaves a partial file at `to`; its partial file is removed by the
/// next backup to the same path (and said so).
pub fn backup(conn: &mut DbConnection, to: &std::path::Path) -> Result<Backup, BackupError> {
    use diesel::RunQueryDsl;
    let DbConnection::Sqlite(conn) = conn else {
        return Ok(Backup::UsePgDump);
    };
    if to.exists() {
        return Err(BackupError::Exists(to.display().to_string()));
    }
    let partial = backup_partial_path(to);
    let io = |path: &std::path::Path| {
        let path = path.display().to_string();
        move |source| BackupError::Io { path, source }
    };
    let removed_leftover = if partial.exists() {
        std::fs::remove_file(&partial).map_err(io(&partial))?;
        Some(partial.clone())
    } else {
        None
    };
    let path = partial
        .to_str()
        .ok_or_else(|| BackupError::Path(to.display().to_string()))?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(path)
        .execute(conn)?;
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(io(&partial))?;
    if to.exists() {
        // Made meanwhile by someone else: still never overwritten.
        return Err(BackupError::Exists(to.display().to_string()));
    }
    std::fs::rename(&partial, to).map_err(io(to))?;
    // The rename itself is durable once the folder is synced.
    if let Some(folder) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Ok(dir) = std::fs::File::open(folder) {
            let _ = dir.sync_all();
        }
    }
    Ok(Backup::Written { removed_leftover })
}
