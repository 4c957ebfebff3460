//! `export`: attachments, agenda drafts, spreadsheets and the KKR report written to files.

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use clap::{Args, Subcommand};

use crate::domain::MunicipalityCode;
use crate::store::{self};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Pdf,
    Docx,
    Txt,
    Xlsx,
    Csv,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Folder with report templates (attachment.typ, kkr-report.typ) that replace the
    /// built-in ones: the same as `serve --reports-dir`, so that exports look like downloads.
    #[arg(long, global = true, env = "TRAFIKLYS_REPORTS_DIR")]
    pub reports_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: ExportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// One municipality's attachment (pdf), agenda item draft (docx, txt) or answers (xlsx, csv).
    Attachment {
        #[arg(long)]
        round: i32,
        #[arg(long)]
        municipality: String,
        #[arg(long, value_enum, default_value = "pdf")]
        format: ExportFormat,
        /// Semicolon-separated CSV, for Danish Excel.
        #[arg(long)]
        semicolon: bool,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// The KKR's report on the round (PDF).
    KkrReport {
        #[arg(long)]
        round: i32,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Every municipality's attachment and the KKR report into a folder: of one round, of
    /// several (`--round` again), or of every KKR's round of a year (`--year`); with more
    /// than one round, each round's documents go in a folder of its own (`sjaelland-2025`).
    #[command(group(clap::ArgGroup::new("rounds").required(true).args(["round", "year"])))]
    All {
        #[arg(long)]
        round: Vec<i32>,
        #[arg(long, conflicts_with = "round")]
        year: Option<i32>,
        #[arg(long)]
        out_dir: PathBuf,
    },
}

pub(super) fn analysis_of(
    conn: &mut store::DbConnection,
    round: i32,
) -> Result<crate::domain::analysis::RoundAnalysis> {
    store::rounds::analyse_round(conn, round)?
        .with_context(|| format!("no round has the id {round}; see the ids on the front page"))
}

pub(super) fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("could not write {}", path.display()))
}

pub(super) fn export(conn: &mut store::DbConnection, args: ExportArgs) -> Result<()> {
    use crate::report::{agenda, sheets, Renderer};
    let now = crate::clock::Clock::system().now();
    let reports_dir = args.reports_dir.as_deref();
    match args.command {
        ExportCommand::Attachment {
            round,
            municipality,
            format,
            semicolon,
            output,
        } => {
            let analysis = analysis_of(conn, round)?;
            let code =
                MunicipalityCode::parse(&municipality).map_err(|e| anyhow::anyhow!("{e}"))?;
            if analysis.data.content.municipality(&code).is_none() {
                bail!("municipality {code} is not part of round {round}");
            }
            let bytes = match format {
                ExportFormat::Pdf => {
                    Renderer::new(reports_dir)?
                        .attachment(&analysis, &code, false, now)?
                        .pdf
                }
                ExportFormat::Docx | ExportFormat::Txt => {
                    let proposers = store::rounds::focus_area_proposers(conn, round)?;
                    let changes = crate::domain::set_changes::of_analysis(&analysis, &proposers);
                    let facts = agenda::CooperationFacts {
                        start_year: store::rounds::cooperation_start(conn, round)?.map(|s| s.year),
                        kkr_municipalities: store::rounds::kkr_municipality_count(
                            conn,
                            analysis.data.content.round.kkr_id,
                        )?,
                    };
                    let item = agenda::build(
                        &analysis,
                        &code,
                        &agenda::AgendaDetails::default(),
                        &changes,
                        &facts,
                    )
                    .with_context(|| format!("municipality {code} is not part of round {round}"))?;
                    if format == ExportFormat::Docx {
                        agenda::docx(&item)?
                    } else {
                        agenda::text(&item).into_bytes()
                    }
                }
                ExportFormat::Xlsx | ExportFormat::Csv => {
                    let rows = sheets::rows(
                        &analysis,
                        &sheets::Scope::Municipality {
                            code: code.clone(),
                            include_draft: false,
                        },
                    );
                    if format == ExportFormat::Xlsx {
                        sheets::xlsx(&analysis, &rows)?
                    } else {
                        let separator = if semicolon {
                            sheets::Separator::Semicolon
                        } else {
                            sheets::Separator::Comma
                        };
                        sheets::csv(&rows, separator)?
                    }
                }
            };
            write_file(&output, &bytes)?;
            println!("Wrote {} ({} bytes).", output.display(), bytes.len());
            Ok(())
        }
        ExportCommand::KkrReport { round, output } => {
            let analysis = analysis_of(conn, round)?;
            let pdf = Renderer::new(reports_dir)?.kkr_report(&analysis, now)?;
            write_file(&output, &pdf)?;
            println!("Wrote {} ({} bytes).", output.display(), pdf.len());
            Ok(())
        }
        ExportCommand::All {
            round,
            year,
            out_dir,
        } => export_all(conn, round, year, &out_dir, reports_dir, now),
    }
}

/// A folder name for a KKR: "KKR Sjælland" is `sjaelland`, "KKR Nordjylland" `nordjylland`.
pub(super) fn kkr_folder(kkr_name: &str) -> String {
    let name = kkr_name.strip_prefix("KKR ").unwrap_or(kkr_name);
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        match c {
            'æ' => out.push_str("ae"),
            'ø' => out.push_str("oe"),
            'å' => out.push_str("aa"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ if !out.is_empty() && !out.ends_with('-') => out.push('-'),
            _ => {}
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// `export all`: every document of the rounds, rendered by one engine on every core. The KKR
/// reports (the longest documents) are taken first, so no core is left with one at the end.
pub(super) fn export_all(
    conn: &mut store::DbConnection,
    round: Vec<i32>,
    year: Option<i32>,
    out_dir: &std::path::Path,
    reports_dir: Option<&std::path::Path>,
    now: chrono::NaiveDateTime,
) -> Result<()> {
    use crate::report::Renderer;
    let ids: Vec<i32> = match year {
        Some(year) => {
            let ids: Vec<i32> = store::rounds::list_rounds(conn)?
                .into_iter()
                .filter(|r| r.year == year)
                .map(|r| r.id)
                .collect();
            if ids.is_empty() {
                bail!("no KKR has a round for {year}; see `trafiklys round list`");
            }
            ids
        }
        None => {
            // Each round once, in the order given.
            let mut seen = std::collections::HashSet::new();
            round.into_iter().filter(|id| seen.insert(*id)).collect()
        }
    };
    // A folder per round with `--year` (however many KKRs have a round that year) and with
    // several rounds; one round's documents go straight into the output folder.
    let folders = year.is_some() || ids.len() > 1;
    let mut used = std::collections::HashSet::new();
    let mut rounds = Vec::with_capacity(ids.len());
    for id in &ids {
        let analysis = analysis_of(conn, *id)?;
        let dir = if folders {
            let round = &analysis.data.content.round;
            let mut name = format!("{}-{}", kkr_folder(&round.kkr_name), round.year);
            // A KKR name of no letters, or two that read alike: the round's id tells them apart.
            if name.starts_with('-') || !used.insert(name.clone()) {
                name = format!("{}-runde-{id}", name.trim_start_matches('-'));
                used.insert(name.clone());
            }
            out_dir.join(name)
        } else {
            out_dir.to_path_buf()
        };
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("could not create {}", dir.display()))?;
        rounds.push((analysis, dir));
    }
    let renderer = Renderer::for_batch(reports_dir, rayon::current_num_threads())?;
    // Every document to write: (round, None for its KKR report or the municipality's index).
    let jobs: Vec<(usize, Option<usize>)> = (0..rounds.len())
        .map(|r| (r, None))
        .chain(rounds.iter().enumerate().flat_map(|(r, (analysis, _))| {
            (0..analysis.data.content.municipalities.len()).map(move |m| (r, Some(m)))
        }))
        .collect();
    let bar = indicatif::ProgressBar::new(jobs.len() as u64).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let one_worker = || -> Result<(usize, usize)> {
        let (mut attachments, mut bytes) = (0usize, 0usize);
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&(r, m)) = jobs.get(i) else {
                return Ok((attachments, bytes));
            };
            let (analysis, dir) = &rounds[r];
            let year = analysis.data.content.round.year;
            let (path, pdf) = match m.and_then(|m| analysis.data.content.municipalities.get(m)) {
                Some(m) => {
                    bar.set_message(m.name.clone());
                    attachments += 1;
                    let pdf = renderer.attachment(analysis, &m.code, false, now)?.pdf;
                    (dir.join(format!("bilag-{year}-{}.pdf", m.code)), pdf)
                }
                None => {
                    bar.set_message(analysis.data.content.round.kkr_name.clone());
                    let pdf = renderer.kkr_report(analysis, now)?;
                    (dir.join(format!("kkr-rapport-{year}.pdf")), pdf)
                }
            };
            write_file(&path, &pdf)?;
            bytes += pdf.len();
            bar.inc(1);
        }
    };
    // One worker per thread of rayon's pool, which typst itself uses (for a document's page
    // runs): threads of our own beside the pool left its threads spinning idle between
    // typst's parallel sections, taking the cores from the workers (a third of the wall time
    // on 2 cores, measured).
    let done: Vec<Result<(usize, usize)>> = rayon::broadcast(|_| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(&one_worker))
            .unwrap_or_else(|_| Err(anyhow::anyhow!("an export thread failed")))
    });
    let (mut written, mut bytes) = (0usize, 0usize);
    for result in done {
        let (w, b) = result?;
        written += w;
        bytes += b;
    }
    bar.finish_and_clear();
    let reports = if rounds.len() == 1 {
        "the KKR report".to_owned()
    } else {
        format!("{} KKR reports", rounds.len())
    };
    println!(
        "Wrote {written} attachments and {reports} to {} ({} kB) in {:.1} s.",
        out_dir.display(),
        bytes / 1024,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::kkr_folder;

    #[test]
    fn a_kkr_folder_is_its_name_in_lower_case_ascii() {
        assert_eq!(kkr_folder("KKR Sjælland"), "sjaelland");
        assert_eq!(kkr_folder("KKR Hovedstaden"), "hovedstaden");
        assert_eq!(kkr_folder("Region Østjylland & Å"), "region-oestjylland-aa");
    }
}
