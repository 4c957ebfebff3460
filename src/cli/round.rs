//! `round`: create status rounds and move them through draft, open, closed and published.

use anyhow::Result;
use clap::Subcommand;

use super::find_kkr;
use crate::domain::MunicipalityCode;
use crate::store::{self};

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
    /// Open a draft round: municipalities can answer; the recommendations are frozen. The
    /// reminder plan's opening mail goes out from a running server.
    Open {
        id: i32,
        /// Open it although its deadline has passed (nobody but the KKR's admins can then
        /// save or submit until the deadline is moved).
        #[arg(long)]
        past_deadline: bool,
    },
    /// Close an open round: nobody can save or submit any more.
    Close { id: i32 },
    /// Publish a closed round's results on a public page.
    Publish { id: i32 },
    /// Move a draft or open round's deadline (Danish time); an open round's editors are told.
    Deadline {
        id: i32,
        deadline: String,
        /// Move it although the new deadline has passed (the municipalities can then no
        /// longer save or submit).
        #[arg(long)]
        past_deadline: bool,
    },
    /// Set when the round opens, closes and publishes by itself (Danish time); a running
    /// server takes each step at its time. Replaces the steps not yet taken; with no option it
    /// clears them.
    Schedule {
        id: i32,
        /// When the draft round opens, before the deadline, e.g. "1.11.2026 9.00".
        #[arg(long)]
        open: Option<String>,
        /// Close the round when its deadline has passed.
        #[arg(long)]
        close_at_deadline: bool,
        /// When the results are published, after the deadline (an open round is closed first).
        #[arg(long)]
        publish: Option<String>,
    },
    /// Keep the date of the council meeting a municipality's attachment of the round is for:
    /// downloads without a date of their own carry it, and a running server renders the
    /// attachment ahead once the round is closed or published. An empty date clears it.
    Meeting {
        id: i32,
        /// The municipality's code, e.g. 101.
        municipality: String,
        /// e.g. 18.12.2017 or 2017-12-18; "" clears it.
        date: String,
    },
    /// List every round with its id and state.
    List,
}

pub(super) fn change_error(e: store::rounds::ChangeError, round: i32) -> anyhow::Error {
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

/// Where the links of the notices start: `TRAFIKLYS_BASE_URL`, else `http://` and
/// `TRAFIKLYS_BIND` (as `serve` would use them).
fn links() -> crate::notices::Links {
    let base = std::env::var("TRAFIKLYS_BASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| {
            format!(
                "http://{}",
                std::env::var("TRAFIKLYS_BIND").unwrap_or_else(|_| "127.0.0.1:8080".to_owned())
            )
        });
    crate::notices::Links::new(&base)
}

/// Refuses a deadline that has passed unless `--past-deadline` confirms it.
fn check_past(
    deadline: chrono::NaiveDateTime,
    now: chrono::NaiveDateTime,
    confirmed: bool,
    doing: &str,
) -> Result<()> {
    if confirmed || crate::domain::notices::before_deadline(now, deadline) {
        return Ok(());
    }
    anyhow::bail!(
        "the deadline {} has passed: {doing}, the municipalities cannot save or submit their          forms (only the KKR's admins can). Give --past-deadline to do it anyway.",
        crate::domain::time::danish_datetime(deadline)
    )
}

pub(super) fn round(conn: &mut store::DbConnection, command: RoundCommand) -> Result<()> {
    let now = crate::clock::Clock::system().now();
    use crate::domain::rounds::RoundSetup;
    use crate::domain::RoundState;
    use store::rounds;
    let links = links();
    let step = |conn: &mut store::DbConnection, id: i32, to: RoundState| -> Result<()> {
        rounds::change_state(conn, id, to, None, &links, now).map_err(|e| change_error(e, id))?;
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
        RoundCommand::Open { id, past_deadline } => {
            let round = rounds::get_round(conn, id)?
                .ok_or_else(|| change_error(store::rounds::ChangeError::NotFound, id))?;
            if round.state == RoundState::Draft {
                check_past(round.deadline, now, past_deadline, "once opened")?;
            }
            step(conn, id, RoundState::Open)
        }
        RoundCommand::Close { id } => step(conn, id, RoundState::Closed),
        RoundCommand::Publish { id } => step(conn, id, RoundState::Published),
        RoundCommand::Deadline {
            id,
            deadline,
            past_deadline,
        } => {
            let at = crate::domain::time::parse_deadline(&deadline)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            check_past(at, now, past_deadline, "with it")?;
            rounds::move_deadline(conn, id, at, None, &links, now)
                .map_err(|e| change_error(e, id))?;
            println!(
                "Round {id}'s deadline is now {}.",
                crate::domain::time::danish_datetime(at)
            );
            Ok(())
        }
        RoundCommand::Schedule {
            id,
            open,
            close_at_deadline,
            publish,
        } => {
            let planned = crate::domain::schedule::Schedule::parse(
                open.as_deref().unwrap_or(""),
                close_at_deadline,
                publish.as_deref().unwrap_or(""),
            )
            .map_err(|r| anyhow::anyhow!("{}", crate::web::refusals::schedule_refusal_da(&r)))?;
            store::schedule::set(conn, id, &planned, None, now).map_err(|e| change_error(e, id))?;
            let steps = store::schedule::steps(conn, id)?;
            let waiting: Vec<String> = steps
                .iter()
                .filter(|s| s.done_at.is_none())
                .map(|s| {
                    format!(
                        "{}: {}",
                        s.step.label_da(),
                        crate::domain::schedule::due_label_da(s.step, s.due_at)
                    )
                })
                .collect();
            if waiting.is_empty() {
                println!("Round {id} has no scheduled step.");
            } else {
                println!("Round {id}'s schedule:\n  {}", waiting.join("\n  "));
            }
            Ok(())
        }
        RoundCommand::Meeting {
            id,
            municipality,
            date,
        } => {
            let code =
                MunicipalityCode::parse(&municipality).map_err(|e| anyhow::anyhow!("{e}"))?;
            let date = crate::report::agenda::parse_meeting_date(&date).map_err(|r| {
                anyhow::anyhow!("{}", crate::web::refusals::meeting_date_refusal_da(&r))
            })?;
            let content = rounds::load_content(conn, id)?
                .ok_or_else(|| change_error(store::rounds::ChangeError::NotFound, id))?;
            if content.municipality(&code).is_none() {
                anyhow::bail!("municipality {code} does not take part in round {id}");
            }
            store::council_meetings::set_meeting(conn, id, &code, date, None, now)?;
            match date {
                Some(date) => println!(
                    "{code}'s attachment of round {id} is for the meeting of {}.",
                    crate::domain::time::danish_day(date)
                ),
                None => println!("{code}'s attachment of round {id} has no meeting date."),
            }
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
