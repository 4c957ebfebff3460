//! `bench-data`: the benchmark datasets, generated into a fresh database.

use anyhow::{bail, Result};
use clap::Subcommand;

use crate::store::{self};

#[derive(Debug, Subcommand)]
pub enum BenchDataCommand {
    /// Every KKR with yearly rounds of recommendations continuing last year's, every form
    /// answered: 98 municipalities, 5 KKRs, 10 rounds each, 60 recommendations per round by
    /// default. Deterministic for a seed. Users: adminN@, kkrN@ (N = the KKR's place in
    /// Danish order), editorCODE@ and readerCODE@bench.example, all with one password.
    National {
        #[arg(long, default_value_t = 10)]
        years: u32,
        #[arg(long, default_value_t = 2016)]
        first_year: i32,
        #[arg(long, default_value_t = 10)]
        focus_areas: u32,
        #[arg(long, default_value_t = 6)]
        recommendations_per_area: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Leave every form of the open rounds a draft (every answer given).
        #[arg(long)]
        open_as_drafts: bool,
        /// The users' password (at least 12 characters).
        #[arg(long, default_value = "bench-password-0123")]
        password: String,
    },
}

pub(super) fn bench_data(database_url: &str, command: BenchDataCommand) -> Result<()> {
    let now = crate::clock::Clock::system().now();
    let BenchDataCommand::National {
        years,
        first_year,
        focus_areas,
        recommendations_per_area,
        seed,
        open_as_drafts,
        password,
    } = command;
    if password.chars().count() < 12 {
        bail!("the password must have at least 12 characters");
    }
    let started = std::time::Instant::now();
    let pool = store::connect(database_url)?;
    let mut conn = pool.get()?;
    let params = store::bench_data::NationalParams {
        years,
        first_year,
        focus_areas,
        recommendations_per_area,
        seed,
        open_as_drafts,
    };
    let hash = crate::password::hash(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let counts = store::bench_data::national(&mut conn, &params, &hash, now)?;
    println!(
        "national: {} KKRs, {} municipalities, {} rounds, {} recommendations, {} forms, {} answers, {} users in {:.1} s (digest {:016x})",
        counts.kkrs,
        counts.municipalities,
        counts.rounds,
        counts.recommendations,
        counts.submissions,
        counts.answers,
        counts.users,
        started.elapsed().as_secs_f64(),
        counts.digest
    );
    Ok(())
}
