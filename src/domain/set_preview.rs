//! What a change to a draft round's set will do to the numbers, before it is made: the set
//! editor's confirmation pages say "1.2 flyttes til indsatsområde 3 som 3.2" and which other
//! recommendations get a new number. Codes follow the order ("area.position"), as the store
//! numbers them after every change.

use super::model::RoundContent;
use super::rounds::recommendation_code;

/// A change whose effect on the numbers is previewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlannedChange {
    /// The recommendation goes last in another focus area.
    Move {
        recommendation: i32,
        focus_area: i32,
    },
    /// The recommendation leaves the set (retired, or merged into another).
    Remove { recommendation: i32 },
}

/// A recommendation whose code a change alters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renumbered {
    pub id: i32,
    pub before: String,
    pub after: String,
}

/// Every recommendation left in the set after `change` whose code differs from today's, in
/// the set's new order.
pub fn renumbered(content: &RoundContent, change: PlannedChange) -> Vec<Renumbered> {
    let moving = match change {
        PlannedChange::Move { recommendation, .. } | PlannedChange::Remove { recommendation } => {
            recommendation
        }
    };
    let mut result = Vec::new();
    for area in &content.focus_areas {
        let mut ids: Vec<i32> = content
            .recommendations_of(area.id)
            .map(|r| r.id)
            .filter(|id| *id != moving)
            .collect();
        if change
            == (PlannedChange::Move {
                recommendation: moving,
                focus_area: area.id,
            })
        {
            ids.push(moving);
        }
        for (position, id) in (1..).zip(&ids) {
            let after = recommendation_code(area.number, position);
            if let Some(rec) = content.recommendations.iter().find(|r| r.id == *id) {
                if rec.code != after {
                    result.push(Renumbered {
                        id: *id,
                        before: rec.code.clone(),
                        after,
                    });
                }
            }
        }
    }
    result
}

/// The code a recommendation has after `change`: unchanged if the change leaves it be, `None`
/// if it leaves the set.
pub fn code_after(content: &RoundContent, change: PlannedChange, id: i32) -> Option<String> {
    if change == (PlannedChange::Remove { recommendation: id }) {
        return None;
    }
    renumbered(content, change)
        .into_iter()
        .find(|r| r.id == id)
        .map(|r| r.after)
        .or_else(|| {
            content
                .recommendations
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.code.clone())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{FocusArea, Recommendation, Round, RoundState};

    fn set(areas: &[usize]) -> RoundContent {
        let mut recommendations = Vec::new();
        for (a, count) in areas.iter().enumerate() {
            for p in 1..=*count {
                let id = (a as i32 + 1) * 10 + p as i32;
                recommendations.push(Recommendation {
                    id,
                    focus_area_id: a as i32 + 1,
                    code: format!("{}.{p}", a + 1),
                    text: format!("Anbefaling {id}"),
                    binding: true,
                    position: p as i32,
                    carried_from: None,
                    merged_from: Vec::new(),
                });
            }
        }
        RoundContent {
            groups: Vec::new(),
            round: Round {
                id: 1,
                kkr_id: 1,
                kkr_name: "KKR Hovedstaden".into(),
                year: 2018,
                title: "Status 2018".into(),
                subject: String::new(),
                deadline: chrono::NaiveDate::from_ymd_opt(2018, 12, 1)
                    .and_then(|d| d.and_hms_opt(22, 59, 0))
                    .unwrap_or_default(),
                state: RoundState::Draft,
            },
            focus_areas: (1..=areas.len() as i32)
                .map(|n| FocusArea {
                    group_id: None,
                    id: n,
                    number: n,
                    title: format!("Område {n}"),
                })
                .collect(),
            recommendations,
            municipalities: Vec::new(),
        }
    }

    fn pairs(list: &[Renumbered]) -> Vec<(&str, &str)> {
        list.iter()
            .map(|r| (r.before.as_str(), r.after.as_str()))
            .collect()
    }

    #[test]
    fn a_move_goes_last_in_the_new_area_and_closes_the_gap_it_leaves() {
        let content = set(&[3, 1, 1]);
        let change = PlannedChange::Move {
            recommendation: 12,
            focus_area: 3,
        };
        assert_eq!(
            pairs(&renumbered(&content, change)),
            [("1.3", "1.2"), ("1.2", "3.2")]
        );
        assert_eq!(code_after(&content, change, 12).as_deref(), Some("3.2"));
        assert_eq!(code_after(&content, change, 11).as_deref(), Some("1.1"));
    }

    #[test]
    fn a_removal_renumbers_those_after_it_and_the_removed_one_has_no_code() {
        let content = set(&[3]);
        let change = PlannedChange::Remove { recommendation: 11 };
        assert_eq!(
            pairs(&renumbered(&content, change)),
            [("1.2", "1.1"), ("1.3", "1.2")]
        );
        assert_eq!(code_after(&content, change, 11), None);
    }

    #[test]
    fn removing_the_last_one_renumbers_nothing() {
        let content = set(&[2, 2]);
        assert!(renumbered(&content, PlannedChange::Remove { recommendation: 22 }).is_empty());
    }
}
