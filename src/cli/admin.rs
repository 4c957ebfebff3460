//! `admin create` (an installation's administrators) and `user add`.

use std::io::BufRead;

use anyhow::{bail, Context as _, Result};
use clap::Subcommand;

use super::find_kkr;
use crate::domain::{MunicipalityCode, Role};
use crate::store::{self, reference, users};

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

pub(super) fn add_user(
    conn: &mut store::DbConnection,
    email: &str,
    role: &str,
    municipality: Option<&str>,
    kkr: Option<&str>,
    name: Option<&str>,
    password_stdin: bool,
) -> Result<()> {
    let now = crate::clock::Clock::system().now();
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
pub(super) fn flag_existing_admin(
    conn: &mut store::DbConnection,
    email: &str,
) -> Result<Option<String>> {
    let now = crate::clock::Clock::system().now();
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
pub(super) fn kkr_id_by_name(conn: &mut store::DbConnection, raw: &str) -> Result<(i32, String)> {
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
    let now = crate::clock::Clock::system().now();
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
            store::invitations::invite(conn, &new, &token, None, |_, _| None, now)?;
        if installation {
            users::set_installation_admin(conn, user.id, true, None, now)?;
        }
        // The admin made here may use a password when the installation has turned passwords
        // off: the way in when every identity provider is down.
        store::sign_in::set_break_glass(conn, user.id)?;
        Ok::<_, diesel::result::Error>(invitation)
    })?;
    Ok(CreatedAdmin {
        email,
        kkr_name,
        link: format!("{public_url}/invitation/{token}"),
        expires_at: invitation.expires_at,
    })
}
