//! The front page's model: the rounds the visitor may see and, for a municipality's editor or
//! reader, every download of their municipality per round.

use serde::Serialize;

use crate::domain::time::danish_datetime;
use crate::domain::{access, Role, Round, RoundState, User};

/// A municipality's files of one round, as links (the attachment is a form, for its meeting
/// date).
#[derive(Debug, Serialize)]
pub struct Downloads {
    /// `/rounds/{id}/municipalities/{code}`: the files' common start.
    pub base: String,
    /// The round is not closed yet: the files say "foreløbigt".
    pub provisional: bool,
}

/// A round on the front page.
#[derive(Debug, Serialize)]
pub struct RoundLink {
    pub id: i32,
    pub title: String,
    pub year: i32,
    pub kkr: String,
    pub state: &'static str,
    pub deadline: String,
    /// For municipal users whose municipality takes part: their own code.
    pub own_code: Option<String>,
    /// The user may fill in their municipality's form, and the round takes answers (open).
    pub can_fill: bool,
    /// The municipality's files, for those who may read them.
    pub downloads: Option<Downloads>,
}

/// The front page: the rounds the visitor may see.
#[derive(Debug, Serialize)]
pub struct HomePage {
    pub rounds: Vec<RoundLink>,
    /// Some round offers the user's municipality's files.
    pub has_downloads: bool,
}

impl HomePage {
    /// The rounds of `all` the visitor may see; `taking_part` are the rounds the user's own
    /// municipality takes part in (a round that leaves it out has no form or files). A form
    /// is offered only while the round is open: never once it is closed or published.
    pub fn new(all: Vec<Round>, user: Option<&User>, taking_part: &[i32]) -> HomePage {
        let own = user.and_then(|u| u.municipality_code.as_ref());
        let rounds: Vec<RoundLink> = all
            .into_iter()
            .filter(|r| access::can_view_round(user, r))
            .map(|r| {
                let own_code = own.filter(|_| taking_part.contains(&r.id));
                let can_fill = match (user, own_code) {
                    (Some(u), Some(code)) => {
                        u.role == Role::Editor
                            && r.state == RoundState::Open
                            && access::can_edit_form(u, &r, code)
                    }
                    _ => false,
                };
                let downloads = match (user, own_code) {
                    (Some(u), Some(code)) if access::can_read_municipality(u, &r, code) => {
                        Some(Downloads {
                            base: format!("/rounds/{}/municipalities/{code}", r.id),
                            provisional: matches!(r.state, RoundState::Draft | RoundState::Open),
                        })
                    }
                    _ => None,
                };
                RoundLink {
                    id: r.id,
                    title: r.title,
                    year: r.year,
                    kkr: r.kkr_name,
                    state: r.state.label_da(),
                    deadline: danish_datetime(r.deadline),
                    own_code: own_code.map(|c| c.to_string()),
                    can_fill,
                    downloads,
                }
            })
            .collect();
        let has_downloads = rounds.iter().any(|r| r.downloads.is_some());
        HomePage {
            rounds,
            has_downloads,
        }
    }
}
