//! `serve` (the web application) and `backup` (a consistent copy of the SQLite file).

use std::net::TcpListener;
use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use clap::Args;

use super::report_demo;
use crate::demo::{self};
use crate::store::{self};
use crate::web;

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
    /// A TOML file naming the identity providers (OpenID Connect) people may sign in with;
    /// see the README's "Sign-in with the municipality's own login".
    #[arg(long, env = "TRAFIKLYS_OIDC_CONFIG")]
    pub oidc_config: Option<PathBuf>,
    /// "off" turns sign-in with a password off, except for the break-glass admin made by
    /// `trafiklys admin create`.
    #[arg(long, env = "TRAFIKLYS_PASSWORD_SIGNIN", default_value = "on")]
    pub password_signin: String,
    /// Who must use a second step (a code from an app) with a password: admin, all or off.
    #[arg(long, env = "TRAFIKLYS_REQUIRE_TOTP_FOR", default_value = "off")]
    pub require_totp_for: String,
}

/// The identity providers of the configuration file, if one is named. A domain of a
/// secretariat names its KKR, found in the database.
fn load_providers(
    pool: &store::DbPool,
    file: Option<&std::path::Path>,
) -> Result<crate::sso::Providers> {
    let Some(file) = file else {
        return Ok(crate::sso::Providers::default());
    };
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("could not read {}", file.display()))?;
    let mut conn = pool.get()?;
    let providers = crate::sso::Providers::parse(
        &text,
        |name| {
            super::admin::kkr_id_by_name(&mut conn, name)
                .ok()
                .map(|(id, _)| id)
        },
        |var| std::env::var(var).ok(),
        std::time::Duration::from_secs(10),
    )
    .with_context(|| format!("in {}", file.display()))?;
    Ok(providers)
}

/// `TRAFIKLYS_PASSWORD_SIGNIN`: whether passwords are off.
fn passwords_off(setting: &str) -> Result<bool> {
    match setting.trim() {
        "on" | "" => Ok(false),
        "off" => Ok(true),
        other => bail!("TRAFIKLYS_PASSWORD_SIGNIN must be on or off, not «{other}»"),
    }
}

pub(super) fn serve(database_url: &str, args: ServeArgs) -> Result<()> {
    let target = store::DatabaseTarget::parse(database_url)?;
    web::check_secret_key(args.secret_key.as_deref(), target.is_postgres())?;
    let pool = store::connect(database_url)?;
    let sso = load_providers(&pool, args.oidc_config.as_deref())?;
    let passwords_off = passwords_off(&args.password_signin)?;
    let require_totp = crate::domain::sign_in::TotpRequirement::parse(&args.require_totp_for)
        .map_err(anyhow::Error::msg)?;
    if passwords_off && sso.is_empty() {
        tracing::warn!("TRAFIKLYS_PASSWORD_SIGNIN=off without identity providers: only the break-glass admin can sign in");
    }
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
        sso,
        passwords_off,
        require_totp,
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

pub(super) fn backup(database_url: &str, file: &std::path::Path) -> Result<()> {
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
