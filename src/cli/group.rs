//! `trafiklys group`: groups of a KKR's municipalities (job clusters), as on the groups page.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Subcommand;

use super::find_kkr;
use crate::clock::Clock;
use crate::domain::group::{parse_expectations, parse_group_name, parse_members};
use crate::domain::MunicipalityCode;
use crate::store::{self, groups, reference};

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a group of a KKR's municipalities (a job cluster, a network) and print its id.
    /// A focus area of a round can then belong to it (the set editor, or a "Gruppe" column in
    /// the imported set).
    Create {
        /// The KKR, e.g. "KKR Sjælland" (or "Sjælland").
        #[arg(long)]
        kkr: String,
        #[arg(long)]
        name: String,
        /// Municipality codes, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        members: Vec<String>,
    },
    /// List a KKR's groups with their ids and members.
    List {
        #[arg(long)]
        kkr: String,
    },
    /// Write a group's expectations for the coming year's cooperation in a round, from a file
    /// ("-" for standard input). An empty text removes them.
    Expectations {
        /// The round's id (`trafiklys round list`).
        #[arg(long)]
        round: i32,
        /// The group's id (`trafiklys group list`).
        #[arg(long)]
        group: i32,
        file: PathBuf,
    },
}

/// The most a text file may hold before it is read as the expectations (far above the limit,
/// so the limit's own message is what a too long text gets).
const FILE_LIMIT: u64 = 64 * 1024;

fn read_text(file: &PathBuf) -> Result<String> {
    let mut bytes = Vec::new();
    if file.as_os_str() == "-" {
        std::io::stdin()
            .take(FILE_LIMIT + 1)
            .read_to_end(&mut bytes)?;
    } else {
        std::fs::File::open(file)
            .with_context(|| format!("cannot open {}", file.display()))?
            .take(FILE_LIMIT + 1)
            .read_to_end(&mut bytes)?;
    }
    if bytes.len() as u64 > FILE_LIMIT {
        bail!("{} is larger than {FILE_LIMIT} bytes", file.display());
    }
    String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", file.display()))
}

pub fn group(conn: &mut store::DbConnection, command: GroupCommand) -> Result<()> {
    let now = Clock::system().now();
    match command {
        GroupCommand::Create { kkr, name, members } => {
            let kkr_id = find_kkr(conn, &kkr)?;
            let name = parse_group_name(&name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
            let in_kkr: Vec<MunicipalityCode> = reference::municipalities_of_kkr(conn, kkr_id)?
                .into_iter()
                .map(|m| m.code)
                .collect();
            let members = parse_members(&members, |c| in_kkr.contains(c))
                .map_err(|e| anyhow::anyhow!("--members: {e}"))?;
            match groups::create(conn, kkr_id, &name, &members, None, now) {
                Ok(id) => {
                    println!("{id}");
                    Ok(())
                }
                Err(groups::GroupError::DuplicateName) => {
                    bail!("the KKR already has a group called «{name}»")
                }
                Err(e) => Err(e.into()),
            }
        }
        GroupCommand::List { kkr } => {
            let kkr_id = find_kkr(conn, &kkr)?;
            println!("{:>4}  {:<32}  members", "id", "name");
            for g in groups::list(conn, kkr_id)? {
                let members: Vec<&str> = g.members.iter().map(MunicipalityCode::as_str).collect();
                println!("{:>4}  {:<32}  {}", g.id, g.name, members.join(","));
            }
            Ok(())
        }
        GroupCommand::Expectations { round, group, file } => {
            let content = store::rounds::load_content(conn, round)?
                .with_context(|| format!("no round has id {round}"))?;
            let Some(cluster) = content.clusters().find(|g| g.id == group) else {
                bail!(
                    "group {group} owns no focus area in round {round}; expectations are written \
                     by the round's job clusters"
                );
            };
            if content.round.state == crate::domain::RoundState::Published {
                bail!("round {round} is published; its expectations can no longer change");
            }
            let text =
                parse_expectations(&read_text(&file)?).map_err(|e| anyhow::anyhow!("{e}"))?;
            groups::set_expectations(conn, round, group, &text, None, now)?;
            println!(
                "{}'s expectations for round {round} are {}.",
                cluster.name,
                if text.is_empty() { "removed" } else { "saved" }
            );
            Ok(())
        }
    }
}
