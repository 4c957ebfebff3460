//! The page that compares a saved snapshot of an attachment with today, and the word the
//! snapshot list gives each snapshot ("Ændret siden", "Uændret"): the Danish wording of
//! [`crate::domain::snapshot_diff`] in one place.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::domain::snapshot_diff::{Attributed, Basis, Change, What};
use crate::domain::status::StatusView;
use crate::domain::time::danish_datetime;
use crate::domain::Status;

/// How the snapshot list describes a snapshot against today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ListState {
    Changed,
    Unchanged,
    /// Its data holds nothing comparable (only its PDF is left).
    NotComparable,
}

impl ListState {
    /// From the changes found, or `None` when the snapshot could not be compared.
    pub fn of(changes: Option<&[Change]>) -> ListState {
        match changes {
            Some([]) => ListState::Unchanged,
            Some(_) => ListState::Changed,
            None => ListState::NotComparable,
        }
    }

    /// The word in the list, in text (never only a colour).
    pub fn label_da(self) -> &'static str {
        match self {
            ListState::Changed => "Ændret siden",
            ListState::Unchanged => "Uændret",
            ListState::NotComparable => "Kan ikke sammenlignes",
        }
    }
}

/// The comparison page of one snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotChangesPage {
    pub round_id: i32,
    pub round_title: String,
    pub kkr_name: String,
    pub year: i32,
    pub code: String,
    /// "Frederiksberg Kommune".
    pub municipality: String,
    pub snapshot_id: i32,
    /// "1. december 2026 kl. 10.00".
    pub created: String,
    pub created_by: String,
    /// "Ændret siden" or "Uændret" (or "Kan ikke sammenlignes").
    pub state: &'static str,
    /// The page's lead sentence: how many changes, or that there are none.
    pub summary: String,
    /// What the comparison covers and what it leaves out.
    pub scope: &'static str,
    /// For snapshots saved before the comparison's record was stored: what was compared.
    pub basis_note: Option<&'static str>,
    pub comparable: bool,
    pub rows: Vec<ChangeRow>,
}

/// One row of the changes table.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeRow {
    /// The recommendation's number today ("1.2"), or "–" for the whole form.
    pub number: String,
    /// The recommendation's wording today, or "Hele skemaet".
    pub recommendation: String,
    /// "Status", "Kommentar", "Nummer", "Ordlyd", "Anbefaling tilføjet", …
    pub what: &'static str,
    pub before: Cell,
    pub now: Cell,
    /// Who made the change and when, oldest first; empty when the log names no entry.
    pub made: Vec<Made>,
}

/// A "før" or "nu" value: a text, with the status shown as word and symbol.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub text: String,
    pub status: Option<StatusView>,
}

impl Cell {
    fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            status: None,
        }
    }

    fn status(status: Option<Status>) -> Cell {
        match status {
            Some(s) => Cell {
                text: s.label_da().to_owned(),
                status: Some(StatusView::from(s)),
            },
            None => Cell::text("Intet indsendt svar"),
        }
    }

    fn comment(comment: &str) -> Cell {
        if comment.is_empty() {
            Cell::text("Ingen kommentar")
        } else {
            Cell::text(comment)
        }
    }

    fn submitted(submitted: bool) -> Cell {
        Cell::text(if submitted {
            "Indsendt"
        } else {
            "Ikke indsendt (kladde eller ikke udfyldt)"
        })
    }
}

/// One audit entry behind a change.
#[derive(Debug, Clone, Serialize)]
pub struct Made {
    /// The person's name, or a note that none is recorded.
    pub by: String,
    /// "3. december 2026 kl. 10.15", Danish time.
    pub at: String,
}

/// What the comparison covers, said on the page and in the API's description.
pub const SCOPE: &str = "Sammenligningen omfatter kommunens indsendte svar (status og \
    kommentar) og rundens anbefalinger (nummer og ordlyd). De andre kommuners svar og \
    regionens samlede tal kan også have ændret sig, men sammenlignes ikke her.";

/// What an older snapshot's comparison rests on, or `None` for a snapshot that stored its
/// own record.
pub fn basis_note(basis: Basis) -> Option<&'static str> {
    match basis {
        Basis::Recorded => None,
        Basis::Attachment => Some(
            "Øjebliksbilledet er gemt, før Trafiklys begyndte at gemme data til \
             sammenligningen. Det er sammenlignet ud fra bilagets egne data, som rummer de \
             samme svar og anbefalinger.",
        ),
        Basis::AttachmentByNumber => Some(
            "Øjebliksbilledet er gemt i et ældre format uden anbefalingernes id. \
             Anbefalingerne er derfor sammenholdt efter nummer: en anbefaling, der har fået \
             nyt nummer, står som fjernet under det gamle nummer og tilføjet under det nye.",
        ),
    }
}

/// The facts of the page apart from the comparison.
#[derive(Debug, Clone)]
pub struct PageFacts {
    pub round_id: i32,
    pub round_title: String,
    pub kkr_name: String,
    pub year: i32,
    pub code: String,
    pub municipality: String,
    pub snapshot_id: i32,
    /// UTC.
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

/// The page for a snapshot; `compared` is `None` when its data could not be read.
pub fn page(facts: PageFacts, compared: Option<(Basis, &[Attributed])>) -> SnapshotChangesPage {
    let created = danish_datetime(facts.created_at);
    let changes: Option<Vec<Change>> =
        compared.map(|(_, list)| list.iter().map(|a| a.change.clone()).collect());
    let state = ListState::of(changes.as_deref());
    let summary = match compared {
        None => "Øjebliksbilledets data kan ikke læses, så det kan ikke sammenlignes med i dag. \
                 Bilaget selv (PDF) kan stadig hentes."
            .to_owned(),
        Some((_, [])) => format!(
            "Ingen ændringer: et bilag lavet i dag viser de samme svar og anbefalinger som \
             øjebliksbilledet fra {created}."
        ),
        Some((_, [_])) => format!("1 ændring siden øjebliksbilledet fra {created}."),
        Some((_, list)) => format!(
            "{} ændringer siden øjebliksbilledet fra {created}.",
            list.len()
        ),
    };
    SnapshotChangesPage {
        round_id: facts.round_id,
        round_title: facts.round_title,
        kkr_name: facts.kkr_name,
        year: facts.year,
        code: facts.code,
        municipality: facts.municipality,
        snapshot_id: facts.snapshot_id,
        created,
        created_by: facts.created_by,
        state: state.label_da(),
        summary,
        scope: SCOPE,
        basis_note: compared.and_then(|(basis, _)| basis_note(basis)),
        comparable: compared.is_some(),
        rows: compared
            .map(|(_, list)| list.iter().map(row).collect())
            .unwrap_or_default(),
    }
}

fn row(attributed: &Attributed) -> ChangeRow {
    let change = &attributed.change;
    let (number, recommendation) = match &change.recommendation {
        Some(r) => (r.code.clone(), r.text.clone()),
        None => (crate::views::NOTHING.to_owned(), "Hele skemaet".to_owned()),
    };
    let (what, before, now) = match &change.what {
        What::Submission { before, now } => (
            "Skemaets tilstand",
            Cell::submitted(*before),
            Cell::submitted(*now),
        ),
        What::Status { before, now } => ("Status", Cell::status(*before), Cell::status(*now)),
        What::Comment { before, now } => ("Kommentar", Cell::comment(before), Cell::comment(now)),
        What::Number { before, now } => ("Nummer", Cell::text(before), Cell::text(now)),
        What::Text { before, now } => ("Ordlyd", Cell::text(before), Cell::text(now)),
        What::Added => (
            "Anbefaling tilføjet",
            Cell::text("Fandtes ikke"),
            Cell::text(recommendation.clone()),
        ),
        What::Removed => (
            "Anbefaling fjernet",
            Cell::text(recommendation.clone()),
            Cell::text("Findes ikke længere i runden"),
        ),
    };
    ChangeRow {
        number,
        recommendation,
        what,
        before,
        now,
        made: attributed
            .made
            .iter()
            .map(|stamp| Made {
                by: stamp
                    .by
                    .clone()
                    .unwrap_or_else(|| "ingen bruger registreret".to_owned()),
                at: danish_datetime(stamp.at),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::snapshot_diff::{Stamp, Subject};
    use chrono::NaiveDate;

    fn facts() -> PageFacts {
        PageFacts {
            round_id: 2,
            round_title: "Status 2017".into(),
            kkr_name: "KKR Hovedstaden".into(),
            year: 2017,
            code: "147".into(),
            municipality: "Frederiksberg Kommune".into(),
            snapshot_id: 9,
            created_at: NaiveDate::from_ymd_opt(2017, 12, 1)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            created_by: "Rita Reader".into(),
        }
    }

    #[test]
    fn an_unchanged_snapshot_says_so_in_words() {
        let page = page(facts(), Some((Basis::Recorded, &[])));
        assert_eq!(page.state, "Uændret");
        assert!(page.summary.starts_with("Ingen ændringer"));
        assert!(page.rows.is_empty() && page.basis_note.is_none());
    }

    #[test]
    fn a_status_change_shows_before_and_now_with_word_symbol_and_who() {
        let at = NaiveDate::from_ymd_opt(2017, 12, 2)
            .unwrap()
            .and_hms_opt(9, 30, 0)
            .unwrap();
        let changes = vec![Attributed {
            change: Change {
                recommendation: Some(Subject {
                    id: Some(1),
                    code: "1.1".into(),
                    text: "Tekst".into(),
                }),
                what: What::Status {
                    before: Some(Status::Green),
                    now: Some(Status::Yellow),
                },
            },
            made: vec![Stamp {
                at,
                by: Some("Emma".into()),
            }],
        }];
        let page = page(facts(), Some((Basis::Attachment, &changes)));
        assert_eq!(page.state, "Ændret siden");
        assert_eq!(
            page.summary,
            "1 ændring siden øjebliksbilledet fra 1. december 2017 kl. 10.00."
        );
        assert!(page.basis_note.is_some());
        let row = &page.rows[0];
        assert_eq!((row.number.as_str(), row.what), ("1.1", "Status"));
        assert_eq!(row.before.text, "Igangsat efter planen");
        assert_eq!(row.now.status.as_ref().map(|s| s.symbol), Some("◐"));
        assert_eq!(row.made[0].by, "Emma");
        assert_eq!(row.made[0].at, "2. december 2017 kl. 10.30");
    }

    #[test]
    fn an_unreadable_snapshot_is_not_called_unchanged() {
        let page = page(facts(), None);
        assert_eq!(page.state, "Kan ikke sammenlignes");
        assert!(!page.comparable);
    }
}
