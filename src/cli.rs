//! The command line: `serve`, `migrate`, `demo`, `admin create`, `user add`, `round`, `import`,
//! `export`, `backup`, `bench-data`. Every flag can also be set by
//! an environment variable of the same name (`--database-url` is `TRAFIKLYS_DATABASE_URL`).

use std::io::BufRead;
use std::net::TcpListener;
use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use clap::{Args, Parser, Subcommand};

use crate::clock::Clock;
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
    /// Import a recommendation set or answers from CSV or XLSX (always checked first; with
    /// --dry-run nothing is written).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Generate the benchmark datasets (benches/run.sh) into a fresh database.
    #[command(subcommand)]
    BenchData(BenchDataCommand),
}

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

#[derive(Debug, Subcommand)]
pub enum RoundCommand {
    /// Create a round as a draft and print its id.
    Create {
        /// The KKR, e.g. "KKR Sjælland" (or "Sjælland").
        #[arg(long)]
        kkr: String,
        #[arg(long)]
        year: String,
        #[arg(long)]
        title: String,
        /// The policy area the documents name, e.g. beskæftigelsesområdet.
        #[arg(long)]
        subject: String,
        /// Danish time, e.g. 2017-12-01T23:59 or "1.12.2017 23.59".
        #[arg(long)]
        deadline: String,
        /// Copy the focus areas and recommendations of the KKR's latest earlier round.
        #[arg(long)]
        from_previous: bool,
        /// Municipality codes taking part, comma-separated; default every municipality of the KKR.
        #[arg(long, value_delimiter = ',')]
        municipalities: Option<Vec<String>>,
    },
    /// Open a draft round: municipalities can answer; the recommendations are frozen.
    Open { id: i32 },
    /// Close an open round: nobody can save or submit any more.
    Close { id: i32 },
    /// Publish a closed round's results on a public page.
    Publish { id: i32 },
    /// Move a draft or open round's deadline (Danish time).
    Deadline { id: i32, deadline: String },
    /// List every round with its id and state.
    List,
}

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
    pub limits: web::infra::limits::LimitSettings,
    /// Hours after sign-in after which a sign-in ends, however active.
    #[arg(long, env = "TRAFIKLYS_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: u32,
    /// Mail server for invitations, password resets and reminders, e.g.
    /// smtp://user:password@mail.example.dk:587?tls=required (STARTTLS) or
    /// smtps://user:password@mail.example.dk (TLS). Without it, links are shown to pass on.
    #[arg(long, env = "TRAFIKLYS_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of the mails, e.g. "KKR Hovedstaden <kkr@kl.dk>".
    #[arg(long, env = "TRAFIKLYS_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Seconds that connecting to the mail server, and each of its answers, may take before
    /// the attempt counts as failed (the mail is tried again later).
    #[arg(long, env = "TRAFIKLYS_SMTP_TIMEOUT_SECONDS", default_value_t = 10)]
    pub smtp_timeout_seconds: u32,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin of a KKR (the first one of a fresh installation) and print a one-time
    /// link, valid for 7 days, where they choose their password and are signed in.
    Create {
        #[arg(long)]
        email: String,
        /// The KKR the admin works for, e.g. "KKR Sjælland".
        #[arg(long)]
        kkr: String,
        /// Full name shown in the application; the admin can write it when choosing a password.
        #[arg(long)]
        name: Option<String>,
        /// Public address of the site the link starts with.
        #[arg(long, env = "TRAFIKLYS_BASE_URL")]
        base_url: Option<String>,
        /// Address the site listens on; the link starts with http://<bind> without a base URL.
        #[arg(long, env = "TRAFIKLYS_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Also an installation admin: edits the accessibility statement, the contact page and
        /// the privacy notice, which belong to the whole installation. Given the email of an
        /// existing admin, gives that admin the flag instead of creating anyone.
        #[arg(long)]
        installation: bool,
    },
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
            let applied = store::open_and_migrate(&cli.database_url)?;
            println!("Database is up to date ({applied} migrations applied now).");
            Ok(())
        }
        Command::Demo => {
            let pool = store::connect(&cli.database_url)?;
            let mut conn = pool.get()?;
            report_demo(demo::load(&mut conn)?)
        }
        Command::Backup { file } => backup(&cli.database_url, &file),
        Command::BenchData(command) => bench_data(&cli.database_url, command),
        Command::Admin(command) => {
            print!("{}", admin(&cli.database_url, command)?);
            Ok(())
        }
        Command::Export(args) => {
            let pool = store::connect(&cli.database_url)?;
            let mut conn = pool.get()?;
            export(&mut conn, args)
        }
        Command::Round(command) => {
            let pool = store::connect(&cli.database_url)?;
            let mut conn = pool.get()?;
            round(&mut conn, command)
        }
        Command::Import(command) => import(&cli.database_url, command),
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
        store::Backup::Written { removed_leftover } => {
            if let Some(leftover) = removed_leftover {
                println!(
                    "Removed {}, the partial copy an interrupted backup left.",
                    leftover.display()
                );
            }
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
        session_max: Some(std::time::Duration::from_secs(
            u64::from(args.session_max_hours.max(1)) * 3600,
        )),
        smtp_url: args.smtp_url,
        mail_from: args.mail_from,
        smtp_timeout: Some(std::time::Duration::from_secs(u64::from(
            args.smtp_timeout_seconds.max(1),
        ))),
        clock: crate::clock::Clock::system(),
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
    let now = Clock::system().now();
    // The same parsers as the web's invitation form: no line breaks or control characters
    // reach a stored address or name (and from there a mail header or a page).
    let email = crate::domain::account::EmailAddress::parse(email)
        .map_err(|e| anyhow::anyhow!("--email: {e}"))?
        .into_string();
    let name = match name {
        Some(name) => crate::domain::account::parse_person_name(name)
            .map_err(|e| anyhow::anyhow!("--name: {e}"))?,
        None => email.clone(),
    };
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
            (Some(find_kkr(conn, raw)?), None)
        }
    };
    if users::find_by_email(conn, &email)?.is_some() {
        bail!("a user with the email {email} already exists");
    }
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let line = line.trim_end_matches(['\r', '\n']);
        let password = crate::domain::account::NewPassword::parse(line, line)
            .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
        (password.as_str().to_owned(), false)
    } else {
        (crate::password::generate(), true)
    };
    let hash = crate::password::hash(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let user = users::create_user(
        conn,
        &users::NewUser {
            email: email.clone(),
            name,
            role,
            kkr_id,
            municipality_code,
        },
        &hash,
        None,
        now,
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

/// Runs an `admin` command; returns what it has to say.
pub fn admin(database_url: &str, command: AdminCommand) -> Result<String> {
    let AdminCommand::Create {
        email,
        kkr,
        name,
        base_url,
        bind,
        installation,
    } = command;
    let pool = store::connect(database_url)?;
    let mut conn = pool.get()?;
    if installation {
        if let Some(done) = flag_existing_admin(&mut conn, &email)? {
            return Ok(done);
        }
    }
    let public_url = base_url
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .unwrap_or_else(|| format!("http://{bind}"));
    let created = create_admin(
        &mut conn,
        &email,
        &kkr,
        name.as_deref(),
        &public_url,
        installation,
    )?;
    Ok(format!(
        "Created the {}admin {} for {}.\n\
         One-time link to choose a password and sign in (valid until {}):\n{}\n",
        if installation { "installation " } else { "" },
        created.email,
        created.kkr_name,
        crate::domain::time::danish_datetime(created.expires_at),
        created.link
    ))
}

/// `admin create --installation` for the email of an existing admin: that admin gets the
/// installation flag. `None` when no user has the email (an admin is then created).
fn flag_existing_admin(conn: &mut store::DbConnection, email: &str) -> Result<Option<String>> {
    let now = Clock::system().now();
    let email = crate::domain::account::EmailAddress::parse(email)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .into_string();
    let Some((user, _)) = users::find_by_email(conn, &email)? else {
        return Ok(None);
    };
    if user.role != Role::Admin {
        bail!(
            "{email} is a user with the role {}; only an admin can be an installation admin",
            user.role.as_str()
        );
    }
    let changed = users::set_installation_admin(conn, user.id, true, None, now)?;
    Ok(Some(if changed {
        format!("{email} is now an installation admin.\n")
    } else {
        format!("{email} was already an installation admin.\n")
    }))
}

/// What `admin create` made: the admin and the one-time link to choose a password.
#[derive(Debug, Clone)]
pub struct CreatedAdmin {
    pub email: String,
    pub kkr_name: String,
    pub link: String,
    pub expires_at: chrono::NaiveDateTime,
}

/// The KKR's id by its name, "KKR Sjælland" or just "Sjælland" (any case).
fn kkr_id_by_name(conn: &mut store::DbConnection, raw: &str) -> Result<(i32, String)> {
    let known = reference::list_kkrs(conn)?;
    let wanted = raw.trim().to_lowercase();
    let wanted = wanted
        .strip_prefix("kkr ")
        .unwrap_or(&wanted)
        .trim()
        .to_owned();
    known
        .iter()
        .find(|k| {
            let name = k.name.to_lowercase();
            name.strip_prefix("kkr ").unwrap_or(&name) == wanted
        })
        .map(|k| (k.id, k.name.clone()))
        .with_context(|| {
            if known.is_empty() {
                "the database holds no KKRs yet; run `trafiklys migrate` with a version that \
                 ships the reference data, or `trafiklys demo`"
                    .to_owned()
            } else {
                format!(
                    "no KKR is called «{}»; known: {}",
                    raw.trim(),
                    known
                        .iter()
                        .map(|k| k.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        })
}

/// Creates an admin of a KKR without a password, with a one-time link (valid 7 days) where
/// they choose one; the same invitation the admins' user pages make.
pub fn create_admin(
    conn: &mut store::DbConnection,
    email: &str,
    kkr: &str,
    name: Option<&str>,
    public_url: &str,
    installation: bool,
) -> Result<CreatedAdmin> {
    let now = Clock::system().now();
    let email = crate::domain::account::EmailAddress::parse(email)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .into_string();
    let (kkr_id, kkr_name) = kkr_id_by_name(conn, kkr)?;
    if users::find_by_email(conn, &email)?.is_some() {
        bail!("a user with the email {email} already exists");
    }
    let name = match name {
        Some(name) => {
            crate::domain::account::parse_person_name(name).map_err(|e| anyhow::anyhow!("{e}"))?
        }
        None => email.clone(),
    };
    let token = store::invitations::new_token();
    let new = users::NewUser {
        email: email.clone(),
        name,
        role: Role::Admin,
        kkr_id: Some(kkr_id),
        municipality_code: None,
    };
    // The admin and the flag together, or neither.
    let invitation = store::write_tx(conn, |conn| {
        let (user, invitation) =
            store::invitations::invite(conn, &new, &token, None, |_| None, now)?;
        if installation {
            users::set_installation_admin(conn, user.id, true, None, now)?;
        }
        Ok::<_, diesel::result::Error>(invitation)
    })?;
    Ok(CreatedAdmin {
        email,
        kkr_name,
        link: format!("{public_url}/invitation/{token}"),
        expires_at: invitation.expires_at,
    })
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

fn export(conn: &mut store::DbConnection, args: ExportArgs) -> Result<()> {
    let now = Clock::system().now();
    use crate::report::{agenda, sheets, Renderer};
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
fn kkr_folder(kkr_name: &str) -> String {
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
fn export_all(
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

fn change_error(e: store::rounds::ChangeError, round: i32) -> anyhow::Error {
    match e {
        store::rounds::ChangeError::Refused(reason) => {
            anyhow::anyhow!("{}", crate::web::refusals::round_refusal_da(&reason))
        }
        store::rounds::ChangeError::NotFound => {
            anyhow::anyhow!("no round has the id {round}; see `trafiklys round list`")
        }
        store::rounds::ChangeError::Database(e) => e.into(),
    }
}

fn round(conn: &mut store::DbConnection, command: RoundCommand) -> Result<()> {
    let now = Clock::system().now();
    use crate::domain::rounds::RoundSetup;
    use crate::domain::RoundState;
    use store::rounds;
    let step = |conn: &mut store::DbConnection, id: i32, to: RoundState| -> Result<()> {
        rounds::change_state(conn, id, to, None, now).map_err(|e| change_error(e, id))?;
        println!("Round {id} is now {}.", to.as_str());
        Ok(())
    };
    match command {
        RoundCommand::Create {
            kkr,
            year,
            title,
            subject,
            deadline,
            from_previous,
            municipalities,
        } => {
            let kkr_id = find_kkr(conn, &kkr)?;
            let setup =
                RoundSetup::parse(&year, &title, &subject, &deadline).map_err(|problems| {
                    anyhow::anyhow!(
                        "{}",
                        problems
                            .iter()
                            .map(|p| format!("--{}: {}", p.field, p.message))
                            .collect::<Vec<_>>()
                            .join("\n")
                    )
                })?;
            let participants = municipalities
                .map(|codes| {
                    codes
                        .iter()
                        .map(|c| MunicipalityCode::parse(c).map_err(|e| anyhow::anyhow!("{e}")))
                        .collect::<Result<Vec<_>>>()
                })
                .transpose()?;
            let id = rounds::create_round(
                conn,
                &rounds::CreateRound {
                    kkr_id,
                    setup,
                    participants,
                    from_previous,
                },
                None,
                now,
            )
            .map_err(|e| change_error(e, 0))?;
            println!("{id}");
            Ok(())
        }
        RoundCommand::Open { id } => step(conn, id, RoundState::Open),
        RoundCommand::Close { id } => step(conn, id, RoundState::Closed),
        RoundCommand::Publish { id } => step(conn, id, RoundState::Published),
        RoundCommand::Deadline { id, deadline } => {
            let at = crate::domain::time::parse_deadline(&deadline)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            rounds::move_deadline(conn, id, at, None, now).map_err(|e| change_error(e, id))?;
            println!(
                "Round {id}'s deadline is now {}.",
                crate::domain::time::danish_datetime(at)
            );
            Ok(())
        }
        RoundCommand::List => {
            println!(
                "{:>4}  {:<4}  {:<16}  {:<9}  {:<28}  title",
                "id", "year", "kkr", "state", "deadline"
            );
            for r in rounds::list_rounds(conn)? {
                println!(
                    "{:>4}  {:<4}  {:<16}  {:<9}  {:<28}  {}",
                    r.id,
                    r.year,
                    r.kkr_name,
                    r.state.as_str(),
                    crate::domain::time::danish_datetime(r.deadline),
                    r.title
                );
            }
            Ok(())
        }
    }
}

/// Reads at most [`MAX_FILE_BYTES`] + 1 bytes of the file at `path` (a device such as
/// `/dev/zero` included): its name and bytes, or the refusal of a file over the limit.
fn read_import_file(path: &std::path::Path) -> Result<(String, Vec<u8>)> {
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
fn import(database_url: &str, command: ImportCommand) -> Result<()> {
    let result = run_import(database_url, command);
    if let Some(kib) = peak_memory_kib() {
        tracing::info!(peak_memory_kib = kib, "import finished");
    }
    result
}

/// The process's peak resident memory (VmHWM) in KiB, where the system says it.
fn peak_memory_kib() -> Option<u64> {
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
fn run_import(database_url: &str, command: ImportCommand) -> Result<()> {
    let now = Clock::system().now();
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

fn bench_data(database_url: &str, command: BenchDataCommand) -> Result<()> {
    let now = Clock::system().now();
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
