//! The command line: `serve`, `migrate`, `demo`, `user add`, `export`, `backup`. Every flag can also be set by
//! an environment variable of the same name (`--database-url` is `TRAFIKLYS_DATABASE_URL`).

use std::io::BufRead;
use std::net::TcpListener;
use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use clap::{Args, Parser, Subcommand};

use crate::demo::{self, DemoOutcome, DemoSignIn};
use crate::domain::{MunicipalityCode, Role};
use crate::store::{self, reference, users};
use crate::web;

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
    /// Write attachments, agenda drafts, spreadsheets and the KKR report to files.
    /// Exports hold submitted answers only.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Copy a SQLite database to FILE, consistently, also while the server runs. (For
    /// PostgreSQL use pg_dump.)
    Backup {
        /// The copy to write; it must not exist yet.
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Pdf,
    Docx,
    Txt,
    Xlsx,
    Csv,
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
    /// Every municipality's attachment and the KKR report into a folder.
    All {
        #[arg(long)]
        round: i32,
        #[arg(long)]
        out_dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TRAFIKLYS_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Load the demo data first if the database is empty, and print the demo sign-ins.
    #[arg(long)]
    pub demo: bool,
    /// Secret for session cookies (at least 32 bytes); set it in production.
    #[arg(long, env = "TRAFIKLYS_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Public address of the site, e.g. https://trafiklys.example.dk (https makes cookies Secure).
    #[arg(long, env = "TRAFIKLYS_BASE_URL")]
    pub base_url: Option<String>,
    /// Folder with report templates (attachment.typ) that replace the built-in ones.
    #[arg(long, env = "TRAFIKLYS_REPORTS_DIR")]
    pub reports_dir: Option<PathBuf>,
    /// Folder with page templates that replace the built-in ones.
    #[arg(long, env = "TRAFIKLYS_TEMPLATES_DIR")]
    pub templates_dir: Option<PathBuf>,
    /// Minutes without activity after which a sign-in ends.
    #[arg(long, env = "TRAFIKLYS_SESSION_IDLE_MINUTES", default_value_t = 60)]
    pub session_idle_minutes: u32,
    /// Who runs the installation, named in every page's header and footer (e.g. "KKR Hovedstaden")
    #[arg(long, env = "TRAFIKLYS_SITE_NAME")]
    pub site_name: Option<String>,
    #[command(flatten)]
    pub limits: web::limits::LimitSettings,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. Prints a generated password unless --password-stdin is given.
    Add {
        #[arg(long)]
        email: String,
        /// admin (KKR secretariat), kkr (KKR member), editor (municipal staff), reader (council secretary).
        #[arg(long)]
        role: String,
        /// Municipality code, for editor and reader, e.g. 147.
        #[arg(long)]
        municipality: Option<String>,
        /// KKR name, for admin and kkr, e.g. "KKR Hovedstaden".
        #[arg(long)]
        kkr: Option<String>,
        /// Full name shown in the application; defaults to the email.
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve(&cli.database_url, args),
        Command::Migrate => {
            let mut conn = store::open(&cli.database_url)?;
            let applied = store::migrate(&mut conn)?;
            println!("Database is up to date ({applied} migrations applied now).");
            Ok(())
        }
        Command::Demo => {
            let pool = store::connect(&cli.database_url)?;
            let mut conn = pool.get()?;
            report_demo(demo::load(&mut conn)?)
        }
        Command::Backup { file } => backup(&cli.database_url, &file),
        Command::Export(command) => {
            let pool = store::connect(&cli.database_url)?;
            let mut conn = pool.get()?;
            export(&mut conn, command)
        }
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
            add_user(
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

fn report_demo(outcome: DemoOutcome) -> Result<()> {
    match outcome {
        DemoOutcome::Loaded(sign_ins) => {
            println!("Demo data loaded: 98 municipalities, KKR Hovedstaden 2016 and 2017.");
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

fn backup(database_url: &str, file: &std::path::Path) -> Result<()> {
    let target = store::DatabaseTarget::parse(database_url)?;
    if let store::DatabaseTarget::SqliteFile(path) = &target {
        // Opening a missing file would create an empty database and copy that.
        if !std::path::Path::new(path).exists() {
            bail!("there is no SQLite database at {path}");
        }
    }
    let mut conn = store::open(database_url)?;
    match store::backup(&mut conn, file)? {
        store::Backup::Written => {
            println!("Wrote a copy of {target} to {}.", file.display());
            Ok(())
        }
        store::Backup::UsePgDump => bail!(
            "trafiklys backup copies SQLite databases; back up PostgreSQL with pg_dump, \
             e.g. pg_dump --format=custom --file=trafiklys.dump \"$TRAFIKLYS_DATABASE_URL\""
        ),
    }
}

fn serve(database_url: &str, args: ServeArgs) -> Result<()> {
    let target = store::DatabaseTarget::parse(database_url)?;
    web::check_secret_key(args.secret_key.as_deref(), target.is_postgres())?;
    let pool = store::connect(database_url)?;
    if args.demo {
        let mut conn = pool.get()?;
        report_demo(demo::load(&mut conn)?)?;
    }
    let settings = web::Settings {
        secret_key: args.secret_key,
        base_url: args.base_url,
        reports_dir: args.reports_dir,
        templates_dir: args.templates_dir,
        session_idle: Some(std::time::Duration::from_secs(
            u64::from(args.session_idle_minutes.max(1)) * 60,
        )),
        limits: args.limits,
        site_name: args.site_name,
    };
    let state = web::AppState::new(pool, &settings)?;
    let listener = TcpListener::bind(&args.bind)
        .with_context(|| format!("could not listen on {}", args.bind))?;
    let address = listener.local_addr()?;
    println!(
        "Trafiklys is running at {}",
        settings
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{address}/"))
    );
    actix_web::rt::System::new().block_on(async move {
        let server = web::server(listener, state, &settings)?;
        server.await.context("the server stopped with an error")
    })
}

fn add_user(
    conn: &mut store::DbConnection,
    email: &str,
    role: &str,
    municipality: Option<&str>,
    kkr: Option<&str>,
    name: Option<&str>,
    password_stdin: bool,
) -> Result<()> {
    let email = email.trim().to_lowercase();
    if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
        bail!("«{email}» is not an email address");
    }
    let role =
        Role::parse(role).map_err(|e| anyhow::anyhow!("{e} (use admin, kkr, editor or reader)"))?;
    let (kkr_id, municipality_code) = match role {
        Role::Editor | Role::Reader => {
            let raw = municipality.context(
                "--municipality is required for editor and reader, e.g. --municipality 147",
            )?;
            let code = MunicipalityCode::parse(raw).map_err(|e| anyhow::anyhow!("{e}"))?;
            if reference::get_municipality(conn, &code)?.is_none() {
                bail!("no municipality has the code {code}; load the reference data first (trafiklys demo)");
            }
            (None, Some(code))
        }
        Role::Admin | Role::Kkr => {
            let raw =
                kkr.context("--kkr is required for admin and kkr, e.g. --kkr \"KKR Hovedstaden\"")?;
            let full = if raw.starts_with("KKR ") {
                raw.to_owned()
            } else {
                format!("KKR {raw}")
            };
            let id = reference::kkr_by_name(conn, &full)?.with_context(|| {
                let known: Vec<String> = reference::list_kkrs(conn)
                    .map(|list| list.into_iter().map(|k| k.name).collect())
                    .unwrap_or_default();
                format!("no KKR is called «{full}»; known: {}", known.join(", "))
            })?;
            (Some(id), None)
        }
    };
    if users::find_by_email(conn, &email)?.is_some() {
        bail!("a user with the email {email} already exists");
    }
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if line.chars().count() < 12 {
            bail!("the password must be at least 12 characters long");
        }
        (line, false)
    } else {
        (crate::password::generate(), true)
    };
    let hash = crate::password::hash(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let user = users::create_user(
        conn,
        &users::NewUser {
            email: email.clone(),
            name: name.unwrap_or(&email).to_owned(),
            role,
            kkr_id,
            municipality_code,
        },
        &hash,
        None,
    )?;
    println!(
        "Created user {} ({}) with role {}.",
        user.email,
        user.name,
        role.as_str()
    );
    if generated {
        println!("Password: {password}");
    }
    Ok(())
}

fn analysis_of(
    conn: &mut store::DbConnection,
    round: i32,
) -> Result<crate::domain::analysis::RoundAnalysis> {
    store::rounds::analyse_round(conn, round)?
        .with_context(|| format!("no round has the id {round}; see the ids on the front page"))
}

fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("could not write {}", path.display()))
}

fn export(conn: &mut store::DbConnection, command: ExportCommand) -> Result<()> {
    use crate::report::{agenda, sheets, Renderer};
    let now = store::now();
    match command {
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
                    Renderer::new(None)?
                        .attachment(&analysis, &code, false, now)?
                        .pdf
                }
                ExportFormat::Docx | ExportFormat::Txt => {
                    let item = agenda::build(&analysis, &code).with_context(|| {
                        format!("municipality {code} is not part of round {round}")
                    })?;
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
            let pdf = Renderer::new(None)?.kkr_report(&analysis, now)?;
            write_file(&output, &pdf)?;
            println!("Wrote {} ({} bytes).", output.display(), pdf.len());
            Ok(())
        }
        ExportCommand::All { round, out_dir } => {
            let analysis = analysis_of(conn, round)?;
            std::fs::create_dir_all(&out_dir)
                .with_context(|| format!("could not create {}", out_dir.display()))?;
            let renderer = Renderer::new(None)?;
            let year = analysis.data.content.round.year;
            let municipalities = &analysis.data.content.municipalities;
            let bar = indicatif::ProgressBar::new(municipalities.len() as u64 + 1).with_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} ({elapsed})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let started = std::time::Instant::now();
            let mut written = 0usize;
            let mut bytes = 0usize;
            for m in municipalities {
                bar.set_message(m.name.clone());
                let pdf = renderer.attachment(&analysis, &m.code, false, now)?.pdf;
                write_file(&out_dir.join(format!("bilag-{year}-{}.pdf", m.code)), &pdf)?;
                written += 1;
                bytes += pdf.len();
                bar.inc(1);
            }
            bar.set_message("KKR-rapport");
            let report = renderer.kkr_report(&analysis, now)?;
            write_file(&out_dir.join(format!("kkr-rapport-{year}.pdf")), &report)?;
            bar.inc(1);
            bar.finish_and_clear();
            println!(
                "Wrote {written} attachments and the KKR report to {} ({} kB) in {:.1} s.",
                out_dir.display(),
                (bytes + report.len()) / 1024,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}
