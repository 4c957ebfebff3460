//! The links of an imported recommendation set to the previous round, from the file's
//! "Tidligere nr." column: how a secretariat drafts next year's set in a spreadsheet. Each
//! row names the previous round's number(s) it continues (`1.2`, or `1.2+3.2` for a merge;
//! empty for a new recommendation); the previous round's recommendations no row names are
//! retired. Pure: the plan is checked whole before anything is written.

use std::collections::HashMap;

use serde::Serialize;

use super::import::ImportError;
use super::lineage::LinkKind;
use super::model::RoundContent;

/// Where an imported row's "Tidligere nr." cell is, and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviousCell {
    pub file: String,
    pub sheet: Option<String>,
    pub row: usize,
    /// "F (Tidligere nr.)".
    pub column: String,
    pub raw: String,
}

impl PreviousCell {
    fn error(&self, message: String) -> ImportError {
        ImportError {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row: Some(self.row),
            column: Some(self.column.clone()),
            message,
        }
    }
}

/// An imported recommendation's number and its "Tidligere nr." cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkClaim {
    pub code: String,
    pub cell: PreviousCell,
}

/// One recommendation of the file and what it continues of the previous round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedLink {
    pub code: String,
    pub kind: LinkKind,
    /// The previous round's (id, number) it continues, its own first.
    pub from: Vec<(i32, String)>,
}

/// The whole set's links to the previous round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedLinks {
    pub previous_round_id: i32,
    pub previous_year: i32,
    /// In file order.
    pub links: Vec<PlannedLink>,
    /// The previous round's recommendations no row continues: (number, text).
    pub retired: Vec<(String, String)>,
}

impl PlannedLinks {
    /// The plan in Danish, one line per kind, each with old → new number.
    pub fn lines(&self) -> Vec<String> {
        let year = self.previous_year;
        let mut lines = Vec::new();
        let mut list = |label: String, items: Vec<String>| {
            if !items.is_empty() {
                lines.push(format!("{label} ({}): {}", items.len(), items.join("; ")));
            }
        };
        let of = |kind: LinkKind| self.links.iter().filter(move |l| l.kind == kind);
        let olds = |l: &PlannedLink| {
            l.from
                .iter()
                .map(|(_, c)| c.as_str())
                .collect::<Vec<_>>()
                .join(" + ")
        };
        list(
            format!("Videreført fra {year} med samme nummer"),
            of(LinkKind::Continued).map(|l| l.code.clone()).collect(),
        );
        list(
            format!("Flyttet siden {year}"),
            of(LinkKind::Moved)
                .map(|l| format!("{} → {}", olds(l), l.code))
                .collect(),
        );
        list(
            format!("Lagt sammen siden {year}"),
            of(LinkKind::Merged)
                .map(|l| format!("{} → {}", olds(l), l.code))
                .collect(),
        );
        list(
            "Nye anbefalinger uden forgænger".to_owned(),
            of(LinkKind::New).map(|l| l.code.clone()).collect(),
        );
        list(
            format!("Udgår fra {year}"),
            self.retired.iter().map(|(code, _)| code.clone()).collect(),
        );
        lines
    }
}

/// Why a set's links to a previous round cannot be planned; nothing is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LinkRefusal {
    /// The file has a "Tidligere nr." column, but the round's KKR has no earlier round.
    NoPreviousRound,
    /// The round named to link to is not an earlier round of the same KKR.
    NotAnEarlierRound { round_id: i32 },
    /// A round to link to was named, but the file has no "Tidligere nr." column.
    NoPreviousColumn,
}

/// "1.2", "1.2+3.2", "1.2 + 3.2" or empty: the previous numbers a cell names, in its order.
pub fn parse_previous_codes(raw: &str) -> Result<Vec<String>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(Vec::new());
    }
    raw.split(['+', ','])
        .map(|part| {
            let code = part.trim();
            let valid = code.split_once('.').is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && a.chars().all(|c| c.is_ascii_digit())
                    && b.chars().all(|c| c.is_ascii_digit())
            });
            if valid {
                Ok(code.to_owned())
            } else {
                Err(format!(
                    "«{raw}» er ikke tidligere numre; skriv fx 1.2, eller 1.2+3.2 for anbefalinger, der lægges sammen."
                ))
            }
        })
        .collect()
}

/// Plans the links of `claims` (every row of the file, in order) to `previous`: each named
/// number must be one of the previous round's, named by one row only.
pub fn plan_links(
    claims: &[LinkClaim],
    previous: &RoundContent,
) -> Result<PlannedLinks, Vec<ImportError>> {
    let by_code: HashMap<&str, (i32, &str)> = previous
        .recommendations
        .iter()
        .map(|r| (r.code.as_str(), (r.id, r.code.as_str())))
        .collect();
    let year = previous.round.year;
    let mut claimed: HashMap<i32, usize> = HashMap::new();
    let mut errors = Vec::new();
    let mut links = Vec::new();
    for claim in claims {
        let codes = match parse_previous_codes(&claim.cell.raw) {
            Ok(codes) => codes,
            Err(message) => {
                errors.push(claim.cell.error(message));
                continue;
            }
        };
        let mut from = Vec::new();
        for code in codes {
            let Some(&(id, code)) = by_code.get(code.as_str()) else {
                errors.push(
                    claim
                        .cell
                        .error(format!("{code} er ikke et nummer i {year}-runden.")),
                );
                continue;
            };
            if let Some(first) = claimed.get(&id) {
                errors.push(claim.cell.error(format!(
                    "{code} fra {year} er allerede videreført i række {first}; en anbefaling kan kun videreføres ét sted."
                )));
                continue;
            }
            claimed.insert(id, claim.cell.row);
            from.push((id, code.to_owned()));
        }
        let kind = match from.as_slice() {
            [] => LinkKind::New,
            [(_, old)] if *old == claim.code => LinkKind::Continued,
            [_] => LinkKind::Moved,
            _ => LinkKind::Merged,
        };
        links.push(PlannedLink {
            code: claim.code.clone(),
            kind,
            from,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let retired = previous
        .recommendations
        .iter()
        .filter(|r| !claimed.contains_key(&r.id))
        .map(|r| (r.code.clone(), r.text.clone()))
        .collect();
    Ok(PlannedLinks {
        previous_round_id: previous.round.id,
        previous_year: year,
        links,
        retired,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::*;
    use chrono::NaiveDate;

    fn previous() -> RoundContent {
        let rec = |id: i32, code: &str| Recommendation {
            id,
            focus_area_id: 1,
            code: code.into(),
            text: format!("Tekst {code}"),
            binding: true,
            position: id,
            carried_from: None,
            merged_from: Vec::new(),
        };
        RoundContent {
            groups: Vec::new(),
            round: Round {
                id: 7,
                kkr_id: 1,
                kkr_name: "KKR Sjælland".into(),
                year: 2017,
                title: "Status 2017".into(),
                subject: String::new(),
                deadline: NaiveDate::from_ymd_opt(2017, 12, 1)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap(),
                state: RoundState::Published,
            },
            focus_areas: Vec::new(),
            recommendations: vec![
                rec(1, "1.1"),
                rec(2, "1.2"),
                rec(3, "2.1"),
                rec(4, "3.2"),
                rec(5, "3.3"),
            ],
            municipalities: Vec::new(),
        }
    }

    fn claim(row: usize, code: &str, raw: &str) -> LinkClaim {
        LinkClaim {
            code: code.into(),
            cell: PreviousCell {
                file: "sæt.xlsx".into(),
                sheet: Some("Ark1".into()),
                row,
                column: "F (Tidligere nr.)".into(),
                raw: raw.into(),
            },
        }
    }

    #[test]
    fn each_row_is_continued_moved_merged_or_new_and_the_rest_retired() {
        let plan = plan_links(
            &[
                claim(2, "1.1", "1.1"),
                claim(3, "3.2", "1.2"),
                claim(4, "2.1", "2.1 + 3.2"),
                claim(5, "2.2", ""),
            ],
            &previous(),
        )
        .unwrap();
        let kinds: Vec<LinkKind> = plan.links.iter().map(|l| l.kind).collect();
        assert_eq!(
            kinds,
            [
                LinkKind::Continued,
                LinkKind::Moved,
                LinkKind::Merged,
                LinkKind::New
            ]
        );
        assert_eq!(plan.links[2].from, [(3, "2.1".into()), (4, "3.2".into())]);
        assert_eq!(plan.retired, [("3.3".to_owned(), "Tekst 3.3".to_owned())]);
        assert_eq!(
            plan.lines(),
            [
                "Videreført fra 2017 med samme nummer (1): 1.1",
                "Flyttet siden 2017 (1): 1.2 → 3.2",
                "Lagt sammen siden 2017 (1): 2.1 + 3.2 → 2.1",
                "Nye anbefalinger uden forgænger (1): 2.2",
                "Udgår fra 2017 (1): 3.3",
            ]
        );
    }

    #[test]
    fn unknown_doubly_claimed_and_malformed_numbers_are_refused_at_their_cell() {
        let errors = plan_links(
            &[
                claim(2, "1.1", "1.9"),
                claim(3, "1.2", "1.2"),
                claim(4, "1.3", "1.2"),
                claim(5, "1.4", "to"),
            ],
            &previous(),
        )
        .unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "sæt.xlsx, ark «Ark1», række 2, kolonne F (Tidligere nr.): 1.9 er ikke et nummer i 2017-runden.",
                "sæt.xlsx, ark «Ark1», række 4, kolonne F (Tidligere nr.): 1.2 fra 2017 er allerede videreført i række 3; en anbefaling kan kun videreføres ét sted.",
                "sæt.xlsx, ark «Ark1», række 5, kolonne F (Tidligere nr.): «to» er ikke tidligere numre; skriv fx 1.2, eller 1.2+3.2 for anbefalinger, der lægges sammen.",
            ]
        );
    }
}
