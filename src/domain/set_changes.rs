//! How a round's recommendation set differs from the previous round's: what the agenda item's
//! "Justering af anbefalinger" reports. Derived from the links the set already keeps
//! (`carried_from`, `merged_from`), so it needs no record of the edits themselves.
//!
//! - added: a recommendation that continues nothing from the previous round;
//! - moved: one continued one to one (`carried_from`, nothing merged in) whose number
//!   changed, to another focus area or within its own; it may also be reworded, and is then
//!   told once, with both facts;
//! - reworded: one continued one to one under its old number whose text differs from its
//!   predecessor's (whitespace aside);
//! - merged: one that took in other recommendations of the previous round (told once, as a
//!   merge, even when its text or number changed too);
//! - retired: a previous recommendation that nothing of this round continues;
//! - a set that continues nothing of the previous round is compared with nothing;
//! - focus areas: new (a proposal was adopted as it, or neither its title nor any of its
//!   recommendations comes from the previous round), renamed (its recommendations come from a
//!   previous area whose title is gone), or kept; previous areas with no successor are retired.

use serde::Serialize;

use super::analysis::RoundAnalysis;
use super::model::{RoundContent, RoundData};

/// A municipality whose proposal became a focus area of the round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposer {
    pub focus_area_id: i32,
    /// As a council document names it: "Fredensborg Kommune".
    pub municipality: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedRecommendation {
    pub code: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reworded {
    pub code: String,
    pub text: String,
    pub before: String,
}

/// A recommendation continued one to one under another number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moved {
    /// Its number in this round ("3.2").
    pub code: String,
    pub text: String,
    /// Its number in the previous round ("1.2").
    pub before_code: String,
    /// The number of the focus area it moved to, when it left its previous focus area (or
    /// that area's successor); `None` when only its number within the area changed.
    pub to_focus_area: Option<i32>,
    /// Its previous text, when it was reworded as well.
    pub before_text: Option<String>,
    /// Where it moved between the whole round and a job cluster, as the agenda item says it:
    /// "fra Jobklynge Vest til de fælles indsatsområder"; `None` when it stayed.
    pub between_groups: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Merged {
    pub code: String,
    pub text: String,
    /// The previous round's recommendations it took in, its own predecessor first.
    pub from: Vec<ChangedRecommendation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FocusAreaChange {
    pub number: i32,
    pub title: String,
    pub is_new: bool,
    /// Who proposed it, when it came from a municipality's proposal.
    pub proposed_by: Vec<String>,
    /// Its title in the previous round, when it was renamed.
    pub renamed_from: Option<String>,
}

/// The set of a round against the previous round's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetChanges {
    /// The previous round's year; `None` for a first round, or a set that continues nothing
    /// of the previous round (then every list is empty and no focus area counts as new).
    pub previous_year: Option<i32>,
    pub previous_count: usize,
    pub current_count: usize,
    pub added: Vec<ChangedRecommendation>,
    pub moved: Vec<Moved>,
    pub reworded: Vec<Reworded>,
    pub merged: Vec<Merged>,
    pub retired: Vec<ChangedRecommendation>,
    /// Every focus area of this round, in number order.
    pub focus_areas: Vec<FocusAreaChange>,
    /// Titles of the previous round's focus areas that nothing continues.
    pub retired_focus_areas: Vec<String>,
}

impl SetChanges {
    /// Whether any recommendation was added, moved, reworded, merged or retired.
    pub fn recommendations_changed(&self) -> bool {
        !(self.added.is_empty()
            && self.moved.is_empty()
            && self.reworded.is_empty()
            && self.merged.is_empty()
            && self.retired.is_empty())
    }

    pub fn new_focus_areas(&self) -> impl Iterator<Item = &FocusAreaChange> {
        self.focus_areas.iter().filter(|a| a.is_new)
    }
}

/// Texts compared as a reader sees them: case and spacing aside.
fn same_text(a: &str, b: &str) -> bool {
    let fold = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    fold(a) == fold(b)
}

fn same_title(a: &str, b: &str) -> bool {
    same_text(&a.to_lowercase(), &b.to_lowercase())
}

/// The round the analysis compares with: the latest earlier one, as the trend does.
fn previous_round(analysis: &RoundAnalysis) -> Option<&RoundData> {
    let year = analysis.data.content.round.year;
    analysis
        .earlier
        .iter()
        .filter(|d| d.content.round.year < year)
        .max_by_key(|d| d.content.round.year)
        .map(|d| &**d)
}

/// The changes of an analysed round's set since its previous round.
pub fn of_analysis(analysis: &RoundAnalysis, proposers: &[Proposer]) -> SetChanges {
    changes(
        &analysis.data.content,
        previous_round(analysis).map(|d| &d.content),
        proposers,
    )
}

/// The changes of `current`'s set since `previous`.
pub fn changes(
    current: &RoundContent,
    previous: Option<&RoundContent>,
    proposers: &[Proposer],
) -> SetChanges {
    // A set that continues nothing of the previous round (a round on another policy area,
    // say) is a new set, not an adjusted one: there is nothing to compare it with.
    let continues = |previous: &RoundContent| {
        current
            .recommendations
            .iter()
            .flat_map(|r| r.predecessors())
            .any(|id| previous.recommendations.iter().any(|p| p.id == id))
    };
    let Some(previous) = previous.filter(|p| continues(p)) else {
        return SetChanges {
            previous_year: None,
            previous_count: 0,
            current_count: current.recommendations.len(),
            added: Vec::new(),
            moved: Vec::new(),
            reworded: Vec::new(),
            merged: Vec::new(),
            retired: Vec::new(),
            focus_areas: current
                .focus_areas
                .iter()
                .map(|a| FocusAreaChange {
                    number: a.number,
                    title: a.title.clone(),
                    is_new: false,
                    proposed_by: Vec::new(),
                    renamed_from: None,
                })
                .collect(),
            retired_focus_areas: Vec::new(),
        };
    };
    let before = |id: i32| previous.recommendations.iter().find(|r| r.id == id);
    let summary = |code: &str, text: &str| ChangedRecommendation {
        code: code.to_owned(),
        text: text.to_owned(),
    };

    // The previous focus areas each current one draws recommendations from.
    let sources = |area_id: i32| -> Vec<i32> {
        let mut ids: Vec<i32> = current
            .recommendations_of(area_id)
            .flat_map(|r| r.predecessors())
            .filter_map(before)
            .map(|p| p.focus_area_id)
            .collect();
        ids.dedup();
        ids
    };
    let title_kept = |title: &str| -> bool {
        current
            .focus_areas
            .iter()
            .any(|a| same_title(&a.title, title))
    };
    // (current area, the previous area it continues).
    let mut successors: Vec<(i32, i32)> = Vec::new();
    let focus_areas = current
        .focus_areas
        .iter()
        .map(|area| {
            let proposed_by: Vec<String> = proposers
                .iter()
                .filter(|p| p.focus_area_id == area.id)
                .map(|p| p.municipality.clone())
                .collect();
            let same = previous
                .focus_areas
                .iter()
                .find(|p| same_title(&p.title, &area.title));
            let renamed = if same.is_none() && proposed_by.is_empty() {
                sources(area.id).into_iter().find_map(|id| {
                    previous.focus_areas.iter().find(|p| {
                        p.id == id
                            && !title_kept(&p.title)
                            && !successors.iter().any(|&(_, old)| old == p.id)
                    })
                })
            } else {
                None
            };
            if let Some(p) = same.or(renamed) {
                successors.push((area.id, p.id));
            }
            FocusAreaChange {
                number: area.number,
                title: area.title.clone(),
                is_new: same.is_none() && renamed.is_none(),
                proposed_by,
                renamed_from: renamed.map(|p| p.title.clone()),
            }
        })
        .collect();
    let retired_focus_areas = previous
        .focus_areas
        .iter()
        .filter(|p| !successors.iter().any(|&(_, old)| old == p.id))
        .map(|p| p.title.clone())
        .collect();

    let area_number = |area_id: i32| {
        current
            .focus_areas
            .iter()
            .find(|a| a.id == area_id)
            .map_or(0, |a| a.number)
    };
    let mut added = Vec::new();
    let mut moved = Vec::new();
    let mut reworded = Vec::new();
    let mut merged = Vec::new();
    for rec in &current.recommendations {
        let predecessors: Vec<_> = rec.predecessors().filter_map(before).collect();
        if predecessors.is_empty() {
            added.push(summary(&rec.code, &rec.text));
            continue;
        }
        let own = rec.carried_from.and_then(before);
        match own {
            Some(own) if predecessors.len() == 1 => {
                let new_text = !same_text(&own.text, &rec.text);
                let was = group_of(previous, own.focus_area_id);
                let is = group_of(current, rec.focus_area_id);
                let between_groups = (was != is).then(|| {
                    format!(
                        "fra {} til {}",
                        place_of(previous, was),
                        place_of(current, is)
                    )
                });
                if own.code != rec.code || between_groups.is_some() {
                    let same_area = successors
                        .iter()
                        .any(|&(now, old)| now == rec.focus_area_id && old == own.focus_area_id);
                    moved.push(Moved {
                        code: rec.code.clone(),
                        text: rec.text.clone(),
                        before_code: own.code.clone(),
                        to_focus_area: (!same_area).then(|| area_number(rec.focus_area_id)),
                        before_text: new_text.then(|| own.text.clone()),
                        between_groups,
                    });
                } else if new_text {
                    reworded.push(Reworded {
                        code: rec.code.clone(),
                        text: rec.text.clone(),
                        before: own.text.clone(),
                    });
                }
            }
            _ => merged.push(Merged {
                code: rec.code.clone(),
                text: rec.text.clone(),
                from: predecessors
                    .iter()
                    .map(|p| summary(&p.code, &p.text))
                    .collect(),
            }),
        }
    }
    let continued: Vec<i32> = current
        .recommendations
        .iter()
        .flat_map(|r| r.predecessors())
        .collect();
    let retired = previous
        .recommendations
        .iter()
        .filter(|r| !continued.contains(&r.id))
        .map(|r| summary(&r.code, &r.text))
        .collect();

    SetChanges {
        previous_year: Some(previous.round.year),
        previous_count: previous.recommendations.len(),
        current_count: current.recommendations.len(),
        added,
        moved,
        reworded,
        merged,
        retired,
        focus_areas,
        retired_focus_areas,
    }
}

/// The group a focus area of a round belongs to.
fn group_of(content: &RoundContent, area_id: i32) -> Option<i32> {
    content.focus_area(area_id).and_then(|a| a.group_id)
}

/// "de fælles indsatsområder" or the group's name.
fn place_of(content: &RoundContent, group: Option<i32>) -> String {
    match group.and_then(|id| content.group(id)) {
        Some(g) => g.name.clone(),
        None => "de fælles indsatsområder".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::*;
    use chrono::NaiveDate;

    fn rec(
        id: i32,
        area: i32,
        code: &str,
        text: &str,
        carried_from: Option<i32>,
    ) -> Recommendation {
        Recommendation {
            id,
            focus_area_id: area,
            code: code.into(),
            text: text.into(),
            binding: true,
            position: id,
            carried_from,
            merged_from: Vec::new(),
        }
    }

    fn area(id: i32, number: i32, title: &str) -> FocusArea {
        FocusArea {
            group_id: None,
            id,
            number,
            title: title.into(),
        }
    }

    fn content(
        id: i32,
        year: i32,
        focus_areas: Vec<FocusArea>,
        recommendations: Vec<Recommendation>,
    ) -> RoundContent {
        RoundContent {
            groups: Vec::new(),
            round: Round {
                id,
                kkr_id: 1,
                kkr_name: "KKR Hovedstaden".into(),
                year,
                title: format!("Status {year}"),
                subject: String::new(),
                deadline: NaiveDate::from_ymd_opt(year, 12, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .unwrap(),
                state: RoundState::Closed,
            },
            focus_areas,
            recommendations,
            municipalities: Vec::new(),
        }
    }

    fn y2016() -> RoundContent {
        content(
            1,
            2016,
            vec![area(1, 1, "Virksomheder"), area(2, 2, "Borgere")],
            vec![
                rec(1, 1, "1.1", "Fælles rekruttering", None),
                rec(2, 1, "1.2", "Fælles indgang", None),
                rec(3, 2, "2.1", "Unge på uddannelseshjælp", None),
                rec(4, 2, "2.2", "Akademikere", None),
                rec(5, 2, "2.3", "Små målgrupper", None),
            ],
        )
    }

    #[test]
    fn a_first_round_has_no_changes_and_no_new_focus_area() {
        let first = y2016();
        let c = changes(&first, None, &[]);
        assert_eq!(c.previous_year, None);
        assert!(!c.recommendations_changed());
        assert_eq!(c.current_count, 5);
        assert_eq!(c.new_focus_areas().count(), 0);
        assert_eq!(c.focus_areas.len(), 2);
    }

    #[test]
    fn added_merged_and_retired_recommendations_are_told_apart_and_a_merge_only_once() {
        let mut merged = rec(13, 12, "2.1", "Særlige indsatser for akademikere", Some(4));
        merged.merged_from = vec![5];
        let y2017 = content(
            2,
            2017,
            vec![
                area(11, 1, "Virksomheder"),
                area(12, 2, "Borgere"),
                area(13, 3, "Flygtninge"),
            ],
            vec![
                // Only spacing changed: not a rewording.
                rec(11, 11, "1.1", "Fælles  rekruttering ", Some(1)),
                merged,
                rec(14, 13, "3.1", "Kompetenceafklaring af flygtninge", None),
            ],
        );
        let c = changes(&y2017, Some(&y2016()), &[]);
        assert_eq!(c.previous_year, Some(2016));
        assert_eq!((c.previous_count, c.current_count), (5, 3));
        assert_eq!(
            c.added,
            [ChangedRecommendation {
                code: "3.1".into(),
                text: "Kompetenceafklaring af flygtninge".into()
            }]
        );
        // The merged one has a new text too, but it is told once: as a merge.
        assert!(c.reworded.is_empty(), "{:?}", c.reworded);
        assert!(c.moved.is_empty());
        assert_eq!(c.merged.len(), 1);
        assert_eq!(
            c.merged[0]
                .from
                .iter()
                .map(|r| r.code.as_str())
                .collect::<Vec<_>>(),
            ["2.2", "2.3"]
        );
        assert_eq!(
            c.retired
                .iter()
                .map(|r| r.code.as_str())
                .collect::<Vec<_>>(),
            ["1.2", "2.1"]
        );
        assert_eq!(
            c.focus_areas
                .iter()
                .map(|a| (a.title.as_str(), a.is_new))
                .collect::<Vec<_>>(),
            [
                ("Virksomheder", false),
                ("Borgere", false),
                ("Flygtninge", true)
            ]
        );
        assert!(c.retired_focus_areas.is_empty());
    }

    #[test]
    fn a_renamed_focus_area_is_not_new_and_a_proposed_one_names_who_proposed_it() {
        let y2017 = content(
            2,
            2017,
            vec![
                area(11, 1, "virksomheder"),
                area(12, 2, "Borgerrettede indsatser"),
                area(13, 3, "Integration"),
            ],
            vec![
                rec(11, 11, "1.1", "Fælles rekruttering", Some(1)),
                rec(12, 12, "2.1", "Akademikere", Some(4)),
                // Moved into the proposed area: the area is still new.
                rec(13, 13, "3.1", "Små målgrupper", Some(5)),
            ],
        );
        let proposers = [Proposer {
            focus_area_id: 13,
            municipality: "Fredensborg Kommune".into(),
        }];
        let c = changes(&y2017, Some(&y2016()), &proposers);
        let [first, second, third] = c.focus_areas.as_slice() else {
            panic!("three areas");
        };
        assert!(!first.is_new, "the title matches whatever its case");
        assert!(!second.is_new);
        assert_eq!(second.renamed_from.as_deref(), Some("Borgere"));
        assert!(third.is_new);
        assert_eq!(third.proposed_by, ["Fredensborg Kommune"]);
        assert!(c.retired_focus_areas.is_empty());

        // Without the proposal, an area of moved recommendations would be an old one renamed,
        // but "Borgere" is already continued by area 2: an old area has one successor.
        let c = changes(&y2017, Some(&y2016()), &[]);
        assert!(c.focus_areas[2].is_new);
    }

    #[test]
    fn a_set_that_continues_nothing_is_not_an_adjusted_one() {
        let other = content(
            2,
            2017,
            vec![area(11, 1, "Socialområdet")],
            vec![rec(11, 11, "1.1", "Fælles tilbud", None)],
        );
        let c = changes(&other, Some(&y2016()), &[]);
        assert_eq!(c.previous_year, None);
        assert!(c.retired.is_empty() && c.added.is_empty());
        assert!(!c.focus_areas[0].is_new);
    }

    #[test]
    fn a_focus_area_nothing_continues_is_retired() {
        let y2017 = content(
            2,
            2017,
            vec![area(11, 1, "Virksomheder")],
            vec![rec(11, 11, "1.1", "Fælles rekruttering", Some(1))],
        );
        let c = changes(&y2017, Some(&y2016()), &[]);
        assert_eq!(c.retired_focus_areas, ["Borgere"]);
        assert_eq!(c.retired.len(), 4);
    }

    #[test]
    fn a_recommendation_continued_under_another_number_is_moved_and_told_once() {
        let y2017 = content(
            2,
            2017,
            vec![area(11, 1, "Virksomheder"), area(12, 2, "Borgere")],
            vec![
                // Reworded under its old number.
                rec(11, 11, "1.1", "Fælles rekruttering på tværs", Some(1)),
                // 2.2 moves up within its area to 2.1; 2.1 is retired.
                rec(12, 12, "2.1", "Akademikere", Some(4)),
                // 1.2 moves to area 2 as 2.2 and gets a new text.
                rec(13, 12, "2.2", "En fælles indgang for virksomheder", Some(2)),
                rec(14, 12, "2.3", "Små målgrupper", Some(5)),
            ],
        );
        let c = changes(&y2017, Some(&y2016()), &[]);
        assert_eq!(
            c.moved,
            [
                Moved {
                    code: "2.1".into(),
                    text: "Akademikere".into(),
                    before_code: "2.2".into(),
                    to_focus_area: None,
                    before_text: None,
                    between_groups: None,
                },
                Moved {
                    code: "2.2".into(),
                    text: "En fælles indgang for virksomheder".into(),
                    before_code: "1.2".into(),
                    to_focus_area: Some(2),
                    before_text: Some("Fælles indgang".into()),
                    between_groups: None,
                },
            ]
        );
        assert_eq!(
            c.reworded,
            [Reworded {
                code: "1.1".into(),
                text: "Fælles rekruttering på tværs".into(),
                before: "Fælles rekruttering".into()
            }],
            "a moved one is not also listed as reworded"
        );
        assert!(c.merged.is_empty() && c.added.is_empty());
        assert_eq!(
            c.retired
                .iter()
                .map(|r| r.code.as_str())
                .collect::<Vec<_>>(),
            ["2.1"]
        );
        assert!(c.recommendations_changed());
    }

    #[test]
    fn a_move_into_a_renamed_area_is_a_move_within_it_and_into_a_new_area_names_the_area() {
        let y2017 = content(
            2,
            2017,
            vec![
                area(11, 1, "Virksomheder"),
                area(12, 2, "Borgerrettede indsatser"),
                area(13, 3, "Flygtninge"),
            ],
            vec![
                rec(11, 11, "1.1", "Fælles rekruttering", Some(1)),
                rec(12, 11, "1.2", "Fælles indgang", Some(2)),
                // Area "Borgere" is renamed; 2.3 becomes 2.1 in it.
                rec(13, 12, "2.1", "Små målgrupper", Some(5)),
                rec(14, 12, "2.2", "Akademikere", Some(4)),
                // 2.1 goes to the new area 3.
                rec(15, 13, "3.1", "Unge på uddannelseshjælp", Some(3)),
            ],
        );
        let c = changes(&y2017, Some(&y2016()), &[]);
        let told: Vec<_> = c
            .moved
            .iter()
            .map(|m| (m.before_code.as_str(), m.code.as_str(), m.to_focus_area))
            .collect();
        // 2.2 kept its number: not moved.
        assert_eq!(told, [("2.3", "2.1", None), ("2.1", "3.1", Some(3))]);
        assert!(c.retired.is_empty() && c.reworded.is_empty());
    }
}
