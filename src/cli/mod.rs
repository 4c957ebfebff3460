//! The command line: `serve`, `migrate`, `demo`, `admin create`, `user add`, `round`, `group`,
//! `import`,
//! `export`, `backup`, `bench-data`. Every flag can also be set by
//! an environment variable of the same name (`--database-url` is `TRAFIKLYS_DATABASE_URL`).
//!
//! One file per command group; `run` sends each command to its own.

mod admin;
mod bench_data;
mod export;
mod group;
mod import;
mod round;
mod serve;

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use clap::{Parser, Subcommand};

use crate::demo::{self, DemoOutcome, DemoSignIn};
use crate::store::{self, reference};
pub use admin::{admin, create_admin, AdminCommand, CreatedAdmin, UserCommand};
pub use bench_data::BenchDataCommand;
pub use export::{ExportArgs, ExportCommand, ExportFormat};
pub use group::GroupCommand;
pub use import::ImportCommand;
pub use round::RoundCommand;
pub use serve::ServeArgs;

#[derive(Debug, Parser)]
#[command(
    name = "trafiklys",
    version,
    about = "Status rounds on KKR recommendations: forms, dashboards and council attachments."
)]
pub struct Cli {
    /// Where the data lives: postgres://user@host/database, or a SQLite file path (created if
    /// missing) or sqlite://path.
    #[arg(
        long,
        global = true,
        env = "TRAFIKLYS_DATABASE_URL",
        default_value = "trafiklys.db"
    )]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web application.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo data into an empty database and print the demo sign-ins.
    Demo,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Set up an installation's administrators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Write attachments, agenda drafts, spreadsheets and the KKR report to files.
    /// Exports hold submitted answers only.
    Export(ExportArgs),
    /// Copy a SQLite database to FILE, consistently, also while the server runs. (For
    /// PostgreSQL use pg_dump.)
    Backup {
        /// The copy to write; it must not exist yet.
        file: PathBuf,
    },
    /// Create status rounds and move them through draft, open, closed and published.
    #[command(subcommand)]
    Round(RoundCommand),
    /// Groups of a KKR's municipalities (job clusters) and their expectations.
    #[command(subcommand)]
    Group(GroupCommand),
    /// Import a recommendation set or answers from CSV or XLSX (always checked first; with
    /// --dry-run nothing is written).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Generate the benchmark datasets (benches/run.sh) into a fresh database.
    #[command(subcommand)]
    BenchData(BenchDataCommand),
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve::serve(&cli.database_url, args),
        Command::Migrate => {
            let applied = store::open_and_migrate(&cli.database_url)?;
            println!("Database is up to date ({applied} migrations applied now).");
            Ok(())
        }
        Command::Demo => {
            let pool = store::connect(&cli.database_url)?;
            let mut conn = pool.get()?;
            report_demo(demo::load(&mut conn)?)
        }
        Command::Backup { file } => serve::backup(&cli.database_url, &file),
        Command::BenchData(command) => bench_data::bench_data(&cli.database_url, command),
        Command::Admin(command) => {
            print!("{}", admin::admin(&cli.database_url, command)?);
            Ok(())
        }
        Command::Export(args) => {
            let pool = store::connect(&cli.database_url)?;
            let mut conn = pool.get()?;
            export::export(&mut conn, args)
        }
        Command::Round(command) => {
            let pool = store::connect(&cli.database_url)?;
            let mut conn = pool.get()?;
            round::round(&mut conn, command)
        }
        Command::Group(command) => {
            let pool = store::connect(&cli.database_url)?;
            let mut conn = pool.get()?;
            group::group(&mut conn, command)
        }
        Command::Import(command) => import::import(&cli.database_url, command),
        Command::User(UserCommand::Add {
            email,
            role,
            municipality,
            kkr,
            name,
            password_stdin,
        }) => {
            let pool = store::connect(&cli.database_url)?;
            let mut conn = pool.get()?;
            admin::add_user(
                &mut conn,
                &email,
                &role,
                municipality.as_deref(),
                kkr.as_deref(),
                name.as_deref(),
                password_stdin,
            )
        }
    }
}

fn print_sign_ins(sign_ins: &[DemoSignIn]) {
    println!("Demo sign-ins (role, email, password):");
    for s in sign_ins {
        println!("{:<7} {:<32} {}", s.role.as_str(), s.email, s.password);
    }
}

pub(super) fn report_demo(outcome: DemoOutcome) -> Result<()> {
    match outcome {
        DemoOutcome::Loaded(sign_ins) => {
            println!(
                "Demo data loaded: KKR Hovedstaden's rounds 2016 and 2017 and one user per role."
            );
            print_sign_ins(&sign_ins);
            Ok(())
        }
        DemoOutcome::AlreadyLoaded(sign_ins) => {
            println!("Demo data was already loaded; the demo users have new passwords.");
            print_sign_ins(&sign_ins);
            Ok(())
        }
        DemoOutcome::NotEmpty => bail!(
            "the database already holds data that is not the demo data; demo data is only \
             loaded into an empty database"
        ),
    }
}

/// A KKR by its name, with or without "KKR " in front.
fn find_kkr(conn: &mut store::DbConnection, raw: &str) -> Result<i32> {
    let raw = raw.trim();
    let full = if raw.starts_with("KKR ") {
        raw.to_owned()
    } else {
        format!("KKR {raw}")
    };
    reference::kkr_by_name(conn, &full)?.with_context(|| {
        let known: Vec<String> = reference::list_kkrs(conn)
            .map(|list| list.into_iter().map(|k| k.name).collect())
            .unwrap_or_default();
        format!("no KKR is called «{full}»; known: {}", known.join(", "))
    })
}
