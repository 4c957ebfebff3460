//! `import`: a recommendation set or answers from CSV or XLSX, always checked first.

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use clap::Subcommand;

use crate::domain::Role;
use crate::store::{self, users};
use crate::web;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A draft round's recommendation set: focus area number and title, code, text, binding;
    /// optionally "Tidligere nr." (`1.2`, `1.2+3.2` for a merge, empty for a new one), linking
    /// each recommendation to what it continues.
    Recommendations {
        file: PathBuf,
        #[arg(long)]
        round: i32,
        /// The earlier round the "Tidligere nr." column refers to (default: the KKR's latest
        /// round before this one).
        #[arg(long)]
        from_round: Option<i32>,
        /// Only report what would be created or changed.
        #[arg(long)]
        dry_run: bool,
    },
    /// Answers as submitted forms: municipality, recommendation code, status word, comment.
    Answers {
        file: PathBuf,
        #[arg(long)]
        round: i32,
        /// Only report what would be created or changed.
        #[arg(long)]
        dry_run: bool,
        /// Email of the admin recorded as having submitted the imported forms.
        #[arg(long)]
        by: Option<String>,
    },
}

/// Reads at most [`MAX_FILE_BYTES`] + 1 bytes of the file at `path` (a device such as
/// `/dev/zero` included): its name and bytes, or the refusal of a file over the limit.
pub(super) fn read_import_file(path: &std::path::Path) -> Result<(String, Vec<u8>)> {
    use crate::domain::import::{Limit, OverLimit, MAX_FILE_BYTES};
    use std::io::Read as _;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let file =
        std::fs::File::open(path).with_context(|| format!("could not read {}", path.display()))?;
    // A regular file's size is known; a device's or a pipe's is not.
    let known_size = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("could not read {}", path.display()))?;
    if bytes.len() > MAX_FILE_BYTES {
        let refusal = OverLimit {
            file: name,
            sheet: None,
            limit: Limit::FileBytes {
                bytes: known_size.filter(|s| *s > MAX_FILE_BYTES as u64),
            },
        };
        bail!(
            "nothing was imported: {}",
            web::pages::admin::imports::over_limit_text(&refusal)
        );
    }
    Ok((name, bytes))
}

/// Runs an import and logs the process's peak memory after it (an import's reading is
/// bounded; the log line lets an operator, and a test, see that it stayed so).
pub(super) fn import(database_url: &str, command: ImportCommand) -> Result<()> {
    let result = run_import(database_url, command);
    if let Some(kib) = peak_memory_kib() {
        tracing::info!(peak_memory_kib = kib, "import finished");
    }
    result
}

/// The process's peak resident memory (VmHWM) in KiB, where the system says it.
pub(super) fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Reads the file (bounded, before any database connection is taken), then checks and plans
/// the import against the round and, without `--dry-run`, carries it out.
pub(super) fn run_import(database_url: &str, command: ImportCommand) -> Result<()> {
    let now = crate::clock::Clock::system().now();
    use crate::domain::import::{read_table, ImportFile, ReadFailure};
    use store::imports::{self, ImportFailure, Mode};
    let read = |path: &std::path::Path| -> Result<crate::domain::import::Table> {
        let (name, bytes) = read_import_file(path)?;
        read_table(ImportFile {
            name: &name,
            bytes: &bytes,
        })
        .map_err(|e| match e {
            ReadFailure::OverLimit(refusal) => anyhow::anyhow!(
                "nothing was imported: {}",
                web::pages::admin::imports::over_limit_text(&refusal)
            ),
            ReadFailure::Invalid(error) => anyhow::anyhow!("nothing was imported:\n  {error}"),
        })
    };
    let failed = |e: ImportFailure, round: i32| match e {
        ImportFailure::Invalid(errors) => anyhow::anyhow!(
            "nothing was imported:\n{}",
            errors
                .iter()
                .map(|e| format!("  {e}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        ImportFailure::Refused(reason) => anyhow::anyhow!(
            "nothing was imported: {}",
            crate::web::refusals::round_refusal_da(&reason)
        ),
        ImportFailure::Links(refusal) => anyhow::anyhow!(
            "nothing was imported: {}",
            crate::views::link_refusal_da(refusal)
        ),
        ImportFailure::NotFound => {
            anyhow::anyhow!("no round has the id {round}; see `trafiklys round list`")
        }
        ImportFailure::Database(e) => e.into(),
    };
    let connect = || -> Result<_> {
        let pool = store::connect(database_url)?;
        Ok(pool.get()?)
    };
    let (lines, dry_run) = match command {
        ImportCommand::Recommendations {
            file,
            round,
            from_round,
            dry_run,
        } => {
            let table = read(&file)?;
            let mut conn = connect()?;
            let mode = if dry_run { Mode::DryRun } else { Mode::Commit };
            let plan = imports::import_recommendations(
                &mut conn, round, &table, from_round, mode, None, now,
            )
            .map_err(|e| failed(e, round))?;
            (plan.lines(), dry_run)
        }
        ImportCommand::Answers {
            file,
            round,
            dry_run,
            by,
        } => {
            let table = read(&file)?;
            let mut conn = connect()?;
            let conn = &mut conn;
            let actor = match by {
                Some(email) => {
                    let (user, _) = users::find_by_email(conn, &email.trim().to_lowercase())?
                        .with_context(|| format!("no user has the email {email}"))?;
                    let target = store::rounds::get_round(conn, round)?.with_context(|| {
                        format!("no round has the id {round}; see `trafiklys round list`")
                    })?;
                    if user.role != Role::Admin || user.kkr_id != Some(target.kkr_id) {
                        bail!("{email} is not an admin of {}", target.kkr_name);
                    }
                    Some(user.id)
                }
                None => None,
            };
            let mode = if dry_run { Mode::DryRun } else { Mode::Commit };
            let plan = imports::import_answers(conn, round, &table, mode, actor, now)
                .map_err(|e| failed(e, round))?;
            (plan.lines(), dry_run)
        }
    };
    if dry_run {
        println!("Dry run, nothing was written. The import would do this:");
    } else {
        println!("Imported:");
    }
    for line in lines {
        println!("  {line}");
    }
    Ok(())
}
