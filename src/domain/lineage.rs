//! Where each recommendation of a round comes from in the previous round, and the questions
//! every view asks of that: which answers a municipality gave last year to what a
//! recommendation continues, which previous answers a like-for-like figure may compare, and a
//! municipality's status history along a recommendation's ancestry.
//!
//! A recommendation's link to the previous round is one of four kinds:
//! - continued: one predecessor with the same number (its text may be reworded);
//! - moved: one predecessor with another number (another position or focus area);
//! - merged: several predecessors (its own `carried_from` first, then those merged into it);
//! - new: no predecessor in the previous round.
//!
//! A previous recommendation that nothing continues is retired. Every previous answer thus
//! belongs to exactly one of: a one-to-one continuation (continued or moved, compared like for
//! like), a merge, or a retirement.

use std::collections::{HashMap, HashSet, VecDeque};

use serde::Serialize;

use super::model::{MunicipalityCode, Recommendation, RoundContent, RoundData, Submission};
use super::status::Status;

/// A recommendation of the previous round as a later one refers to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Former {
    pub round_id: i32,
    pub year: i32,
    pub recommendation_id: i32,
    /// Its number then, e.g. "1.2".
    pub code: String,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    Continued,
    Moved,
    Merged,
    New,
}

impl LinkKind {
    /// Whether answers to it compare one to one with last round's (like for like).
    pub fn is_one_to_one(self) -> bool {
        matches!(self, LinkKind::Continued | LinkKind::Moved)
    }

    pub fn label_da(self) -> &'static str {
        match self {
            LinkKind::Continued => "Videreført",
            LinkKind::Moved => "Flyttet",
            LinkKind::Merged => "Sammenlagt",
            LinkKind::New => "Ny",
        }
    }
}

/// One recommendation of the round and what it continues of the previous round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub recommendation_id: i32,
    pub code: String,
    pub kind: LinkKind,
    /// Its text differs from its own predecessor's (case and spacing aside).
    pub reworded: bool,
    /// Its predecessors in the previous round: `carried_from` first, then those merged in.
    pub from: Vec<Former>,
}

impl Link {
    /// Last round's numbers, when they are not just this one's: "1.2" for a move, "1.2 og 3.2"
    /// for a merge. `None` for a recommendation continued under its own number, or a new one.
    pub fn former_codes(&self) -> Option<String> {
        if self.from.is_empty() || (self.from.len() == 1 && self.from[0].code == self.code) {
            return None;
        }
        let codes: Vec<&str> = self.from.iter().map(|f| f.code.as_str()).collect();
        Some(super::prose::join_and(&codes))
    }

    /// "tidl. 1.2" where the number changed since last round: the one wording of it.
    pub fn former_label(&self) -> Option<String> {
        self.former_codes().map(|former| format!("tidl. {former}"))
    }

    /// The number as every view shows it: "3.2 (tidl. 1.2)" where it changed, else "3.2".
    pub fn code_label(&self) -> String {
        match self.former_label() {
            Some(former) => format!("{} ({former})", self.code),
            None => self.code.clone(),
        }
    }
}

/// A round's recommendations against the previous round's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Lineage {
    /// The previous round's id and year; `None` for a first round.
    pub previous: Option<(i32, i32)>,
    /// One per recommendation of the round, in the round's order.
    pub links: Vec<Link>,
    /// The previous round's recommendations that nothing continues, in their order.
    pub retired: Vec<Former>,
}

fn same_text(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

fn former(previous: &RoundContent, rec: &Recommendation) -> Former {
    Former {
        round_id: previous.round.id,
        year: previous.round.year,
        recommendation_id: rec.id,
        code: rec.code.clone(),
        text: rec.text.clone(),
    }
}

/// How `current`'s recommendations descend from `previous`'s. A predecessor that is not a
/// recommendation of `previous` is ignored; a previous recommendation claimed by two
/// recommendations of `current` belongs to the first of them only, so that every previous
/// answer is counted once.
pub fn lineage(current: &RoundContent, previous: Option<&RoundContent>) -> Lineage {
    let Some(previous) = previous else {
        return Lineage {
            previous: None,
            links: current
                .recommendations
                .iter()
                .map(|r| Link {
                    recommendation_id: r.id,
                    code: r.code.clone(),
                    kind: LinkKind::New,
                    reworded: false,
                    from: Vec::new(),
                })
                .collect(),
            retired: Vec::new(),
        };
    };
    let by_id: HashMap<i32, &Recommendation> =
        previous.recommendations.iter().map(|r| (r.id, r)).collect();
    let mut claimed: HashSet<i32> = HashSet::new();
    let links = current
        .recommendations
        .iter()
        .map(|rec| {
            let from: Vec<&Recommendation> = rec
                .predecessors()
                .filter_map(|id| by_id.get(&id).copied())
                .filter(|p| claimed.insert(p.id))
                .collect();
            let kind = match from.as_slice() {
                [] => LinkKind::New,
                [one] if one.code == rec.code => LinkKind::Continued,
                [_] => LinkKind::Moved,
                _ => LinkKind::Merged,
            };
            let reworded = from.first().is_some_and(|p| !same_text(&p.text, &rec.text));
            Link {
                recommendation_id: rec.id,
                code: rec.code.clone(),
                kind,
                reworded,
                from: from.iter().map(|p| former(previous, p)).collect(),
            }
        })
        .collect();
    let retired = previous
        .recommendations
        .iter()
        .filter(|r| !claimed.contains(&r.id))
        .map(|r| former(previous, r))
        .collect();
    Lineage {
        previous: Some((previous.round.id, previous.round.year)),
        links,
        retired,
    }
}

impl Lineage {
    pub fn link(&self, recommendation_id: i32) -> Option<&Link> {
        self.links
            .iter()
            .find(|l| l.recommendation_id == recommendation_id)
    }

    /// "3.2 (tidl. 1.2)" for a recommendation whose number changed, else its number.
    pub fn code_label(&self, recommendation_id: i32) -> Option<String> {
        self.link(recommendation_id).map(Link::code_label)
    }
}

/// A municipality's submitted answer in the previous round to a recommendation that a
/// recommendation of this round continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviousAnswer {
    pub year: i32,
    pub round_id: i32,
    pub recommendation_id: i32,
    /// Its number last round.
    pub code: String,
    pub status: Status,
    pub comment: String,
    pub evidence: Option<super::model::EvidenceLink>,
}

/// The one answer to "what did this municipality answer last year to what this
/// recommendation continues?": in `previous`, the municipality's form in the round `lineage`
/// was made against, its submitted answers to each predecessor, in the link's order. Empty
/// for a new recommendation, a form not submitted, or predecessors it left unanswered.
pub fn previous_answers(
    lineage: &Lineage,
    previous: Option<&Submission>,
    recommendation_id: i32,
) -> Vec<PreviousAnswer> {
    let Some(link) = lineage.link(recommendation_id) else {
        return Vec::new();
    };
    let Some(submission) = previous.filter(|s| s.is_submitted()) else {
        return Vec::new();
    };
    link.from
        .iter()
        .filter_map(|f| {
            let answer = submission.answer(f.recommendation_id)?;
            Some(PreviousAnswer {
                year: f.year,
                round_id: f.round_id,
                recommendation_id: f.recommendation_id,
                code: f.code.clone(),
                status: answer.status?,
                comment: answer.comment.clone(),
                evidence: answer.evidence.clone(),
            })
        })
        .collect()
}

/// [`previous_answers`] for every recommendation of a round that has any, keyed by the
/// round's recommendation id: what a municipality's form shows as last year's answers, from
/// its form in the round `lineage` was made against.
pub fn previous_answers_by_recommendation(
    lineage: &Lineage,
    previous: Option<&Submission>,
) -> HashMap<i32, Vec<PreviousAnswer>> {
    lineage
        .links
        .iter()
        .map(|l| {
            (
                l.recommendation_id,
                previous_answers(lineage, previous, l.recommendation_id),
            )
        })
        .filter(|(_, answers)| !answers.is_empty())
        .collect()
}

/// Previous answers as a view says them: "gul" for one, "gul (1.2) og grøn (3.2)" for a merge.
pub fn previous_label(answers: &[PreviousAnswer]) -> Option<String> {
    match answers {
        [] => None,
        [one] => Some(one.status.colour_da().to_owned()),
        many => {
            let parts: Vec<String> = many
                .iter()
                .map(|a| format!("{} ({})", a.status.colour_da(), a.code))
                .collect();
            Some(super::prose::join_and(&parts))
        }
    }
}

/// One round's entry in a municipality's history of a recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEntry {
    pub year: i32,
    pub round_id: i32,
    pub recommendation_id: i32,
    /// Its number in that round.
    pub code: String,
    /// The submitted status; `None` when the municipality submitted no answer to it.
    pub status: Option<Status>,
    pub comment: String,
}

/// How long a timeline's latest status has held: the status and the first year of the
/// unbroken run of rounds that ends with the latest, every answer of each round in it having
/// that status ("gul siden 2016"). `None` when the latest round has no submitted status.
pub fn unchanged_since(timeline: &[TimelineEntry]) -> Option<(Status, i32)> {
    let last = timeline.last()?;
    let status = last.status?;
    let mut since = last.year;
    let mut years: Vec<i32> = timeline.iter().map(|e| e.year).collect();
    years.dedup();
    for year in years.iter().rev().skip(1) {
        let same = timeline
            .iter()
            .filter(|e| e.year == *year)
            .all(|e| e.status == Some(status));
        if !same {
            break;
        }
        since = *year;
    }
    Some((status, since))
}

/// Every recommendation of several rounds by id, for following ancestries back.
pub struct Ancestry<'a> {
    /// Oldest first; the round an ancestry starts from is among them.
    rounds: Vec<&'a RoundData>,
    by_id: HashMap<i32, (usize, &'a Recommendation)>,
}

impl<'a> Ancestry<'a> {
    /// `rounds` in any order; they are sorted by year here.
    pub fn new(rounds: impl IntoIterator<Item = &'a RoundData>) -> Ancestry<'a> {
        let mut rounds: Vec<&RoundData> = rounds.into_iter().collect();
        rounds.sort_by_key(|d| d.content.round.year);
        let by_id = rounds
            .iter()
            .enumerate()
            .flat_map(|(i, d)| {
                d.content
                    .recommendations
                    .iter()
                    .map(move |r| (r.id, (i, r)))
            })
            .collect();
        Ancestry { rounds, by_id }
    }

    /// The recommendation and every recommendation it descends from in earlier rounds
    /// (through continuations, moves and merges), each once, oldest round first; within a
    /// round in the order the links name them.
    pub fn ancestors(&self, recommendation_id: i32) -> Vec<(&'a RoundData, &'a Recommendation)> {
        let mut found: Vec<(usize, usize, &Recommendation)> = Vec::new();
        let mut seen: HashSet<i32> = HashSet::new();
        let mut queue: VecDeque<i32> = VecDeque::from([recommendation_id]);
        while let Some(id) = queue.pop_front() {
            if !seen.insert(id) {
                continue;
            }
            let Some(&(round, rec)) = self.by_id.get(&id) else {
                continue;
            };
            found.push((round, found.len(), rec));
            // Only links into an earlier round count: a malformed link sideways or forward
            // would otherwise repeat a year.
            queue.extend(
                rec.predecessors()
                    .filter(|p| self.by_id.get(p).is_some_and(|(r, _)| *r < round)),
            );
        }
        found.sort_by_key(|(round, order, _)| (*round, *order));
        found
            .into_iter()
            .map(|(round, _, rec)| (self.rounds[round], rec))
            .collect()
    }

    /// A municipality's submitted status and comment in every round along a recommendation's
    /// ancestry, oldest first: the status history a council asks for ("how long has this
    /// been yellow?").
    pub fn timeline(
        &self,
        municipality: &MunicipalityCode,
        recommendation_id: i32,
    ) -> Vec<TimelineEntry> {
        self.ancestors(recommendation_id)
            .into_iter()
            .map(|(data, rec)| {
                let answer = data
                    .submission_of(municipality)
                    .filter(|s| s.is_submitted())
                    .and_then(|s| s.answer(rec.id));
                TimelineEntry {
                    year: data.content.round.year,
                    round_id: data.content.round.id,
                    recommendation_id: rec.id,
                    code: rec.code.clone(),
                    status: answer.and_then(|a| a.status),
                    comment: answer.map(|a| a.comment.clone()).unwrap_or_default(),
                }
            })
            .collect()
    }
}

/// Green answers among some answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Tally {
    pub answers: u32,
    pub green: u32,
}

impl Tally {
    fn add(&mut self, status: Status) {
        self.answers += 1;
        self.green += u32::from(status == Status::Green);
    }
}

/// Last round's answers to some recommendations and this round's to what continues them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergedFigure {
    pub recommendation_id: i32,
    pub code: String,
    /// The previous round's numbers merged into it.
    pub from_codes: Vec<String>,
    /// Last round's submitted answers to those.
    pub previous: Tally,
    /// This round's submitted answers to it.
    pub current: Tally,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetiredFigure {
    pub recommendation_id: i32,
    pub code: String,
    pub text: String,
    /// Last round's submitted answers to it.
    pub previous: Tally,
}

/// Every submitted answer of the previous round, counted in exactly one bucket by what became
/// of its recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Buckets {
    /// Answers to recommendations continued one to one (reworded and moved ones included),
    /// and this round's answers to their continuations.
    pub like_for_like_previous: Tally,
    pub like_for_like_current: Tally,
    /// Recommendations continued one to one.
    pub like_for_like_recommendations: u32,
    pub merged: Vec<MergedFigure>,
    pub retired: Vec<RetiredFigure>,
}

impl Buckets {
    /// All previous answers the buckets hold: the previous round's submitted answers.
    pub fn previous_total(&self) -> u32 {
        self.like_for_like_previous.answers
            + self.merged.iter().map(|m| m.previous.answers).sum::<u32>()
            + self.retired.iter().map(|r| r.previous.answers).sum::<u32>()
    }
}

fn submitted_statuses(data: &RoundData) -> HashMap<i32, Vec<Status>> {
    let mut by_rec: HashMap<i32, Vec<Status>> = HashMap::new();
    for s in data.submissions.iter().filter(|s| s.is_submitted()) {
        for a in &s.answers {
            if let Some(status) = a.status {
                by_rec.entry(a.recommendation_id).or_default().push(status);
            }
        }
    }
    by_rec
}

/// Sorts the previous round's submitted answers by what became of their recommendations.
pub fn buckets(lineage: &Lineage, current: &RoundData, previous: &RoundData) -> Buckets {
    let before = submitted_statuses(previous);
    let now = submitted_statuses(current);
    let tally = |statuses: Option<&Vec<Status>>| {
        let mut t = Tally::default();
        for s in statuses.into_iter().flatten() {
            t.add(*s);
        }
        t
    };
    let mut b = Buckets {
        like_for_like_previous: Tally::default(),
        like_for_like_current: Tally::default(),
        like_for_like_recommendations: 0,
        merged: Vec::new(),
        retired: Vec::new(),
    };
    for link in &lineage.links {
        match link.kind {
            LinkKind::New => {}
            LinkKind::Continued | LinkKind::Moved => {
                b.like_for_like_recommendations += 1;
                for f in &link.from {
                    let t = tally(before.get(&f.recommendation_id));
                    b.like_for_like_previous.answers += t.answers;
                    b.like_for_like_previous.green += t.green;
                }
                let t = tally(now.get(&link.recommendation_id));
                b.like_for_like_current.answers += t.answers;
                b.like_for_like_current.green += t.green;
            }
            LinkKind::Merged => {
                let mut previous = Tally::default();
                for f in &link.from {
                    let t = tally(before.get(&f.recommendation_id));
                    previous.answers += t.answers;
                    previous.green += t.green;
                }
                b.merged.push(MergedFigure {
                    recommendation_id: link.recommendation_id,
                    code: link.code.clone(),
                    from_codes: link.from.iter().map(|f| f.code.clone()).collect(),
                    previous,
                    current: tally(now.get(&link.recommendation_id)),
                });
            }
        }
    }
    b.retired = lineage
        .retired
        .iter()
        .map(|f| RetiredFigure {
            recommendation_id: f.recommendation_id,
            code: f.code.clone(),
            text: f.text.clone(),
            previous: tally(before.get(&f.recommendation_id)),
        })
        .collect();
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn at(y: i32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(y, 10, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    }

    fn rec(id: i32, code: &str, carried_from: Option<i32>, merged: &[i32]) -> Recommendation {
        Recommendation {
            id,
            focus_area_id: 1,
            code: code.into(),
            text: format!("Anbefaling {id}"),
            binding: true,
            position: id,
            carried_from,
            merged_from: merged.to_vec(),
        }
    }

    fn round(
        id: i32,
        year: i32,
        recs: Vec<Recommendation>,
        answers: &[(&str, &[(i32, Status)])],
    ) -> RoundData {
        let municipalities = ["101", "147", "151"]
            .iter()
            .map(|c| Municipality {
                code: MunicipalityCode::parse(c).unwrap(),
                name: (*c).into(),
                kkr_id: 1,
                council_name: "Byrådet".into(),
            })
            .collect();
        RoundData {
            content: RoundContent {
                groups: Vec::new(),
                round: Round {
                    id,
                    kkr_id: 1,
                    kkr_name: "K".into(),
                    year,
                    title: "T".into(),
                    subject: String::new(),
                    deadline: at(year),
                    state: RoundState::Closed,
                },
                focus_areas: vec![FocusArea {
                    group_id: None,
                    id: 1,
                    number: 1,
                    title: "F".into(),
                }],
                recommendations: recs,
                municipalities,
            },
            submissions: answers
                .iter()
                .map(|(code, list)| Submission {
                    id: 0,
                    round_id: id,
                    municipality_code: MunicipalityCode::parse(code).unwrap(),
                    state: SubmissionState::Submitted,
                    submitted_at: Some(at(year)),
                    submitted_by: None,
                    version: 1,
                    updated_at: at(year),
                    updated_by: None,
                    proposals: String::new(),
                    reopened: false,
                    answers: list
                        .iter()
                        .map(|(id, s)| Answer {
                            recommendation_id: *id,
                            status: Some(*s),
                            comment: format!("k{id}"),
                            carried: false,
                            evidence: None,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    fn code(c: &str) -> MunicipalityCode {
        MunicipalityCode::parse(c).unwrap()
    }

    /// 2017: 1.1, 1.2, 1.3, 3.2; 2018: 1.1 (reworded), 3.2 (was 1.2), 3.1 (1.3 + 3.2 merged),
    /// 2.1 new; 2017's nothing retired but… 1.4 retired.
    fn two_years() -> (RoundData, RoundData) {
        use Status::*;
        let y2017 = round(
            1,
            2017,
            vec![
                rec(1, "1.1", None, &[]),
                rec(2, "1.2", None, &[]),
                rec(3, "1.3", None, &[]),
                rec(4, "3.2", None, &[]),
                rec(5, "1.4", None, &[]),
            ],
            &[
                (
                    "101",
                    &[(1, Red), (2, Yellow), (3, Yellow), (4, Green), (5, Red)],
                ),
                ("147", &[(1, Green), (2, Green), (3, Red), (5, Green)]),
            ],
        );
        let mut reworded = rec(11, "1.1", Some(1), &[]);
        reworded.text = "Ny ordlyd".into();
        let mut moved = rec(12, "3.2", Some(2), &[]);
        moved.text = "Anbefaling 2".into();
        let mut merged = rec(13, "3.1", Some(3), &[4]);
        merged.text = "Anbefaling 3".into();
        let y2018 = round(
            2,
            2018,
            vec![reworded, moved, merged, rec(14, "2.1", None, &[])],
            &[("101", &[(11, Yellow), (12, Green), (13, Green), (14, Red)])],
        );
        (y2017, y2018)
    }

    #[test]
    fn each_link_has_its_kind_and_a_changed_number_shows_the_old_one() {
        let (y2017, y2018) = two_years();
        let l = lineage(&y2018.content, Some(&y2017.content));
        let kinds: Vec<(LinkKind, bool)> = l.links.iter().map(|k| (k.kind, k.reworded)).collect();
        assert_eq!(
            kinds,
            [
                (LinkKind::Continued, true),
                (LinkKind::Moved, false),
                (LinkKind::Merged, false),
                (LinkKind::New, false)
            ]
        );
        assert_eq!(l.code_label(11).unwrap(), "1.1");
        assert_eq!(l.code_label(12).unwrap(), "3.2 (tidl. 1.2)");
        assert_eq!(l.code_label(13).unwrap(), "3.1 (tidl. 1.3 og 3.2)");
        assert_eq!(l.code_label(14).unwrap(), "2.1");
        assert_eq!(
            l.retired
                .iter()
                .map(|r| r.code.as_str())
                .collect::<Vec<_>>(),
            ["1.4"]
        );
    }

    #[test]
    fn a_merge_gives_both_previous_answers_each_with_its_old_number() {
        let (y2017, y2018) = two_years();
        let l = lineage(&y2018.content, Some(&y2017.content));
        let merged = previous_answers(&l, y2017.submission_of(&code("101")), 13);
        assert_eq!(
            merged
                .iter()
                .map(|a| (a.code.as_str(), a.status))
                .collect::<Vec<_>>(),
            [("1.3", Status::Yellow), ("3.2", Status::Green)]
        );
        assert_eq!(previous_label(&merged).unwrap(), "gul (1.3) og grøn (3.2)");
        let moved = previous_answers(&l, y2017.submission_of(&code("101")), 12);
        assert_eq!(moved.len(), 1);
        assert_eq!(
            (moved[0].code.as_str(), moved[0].status),
            ("1.2", Status::Yellow)
        );
        assert!(previous_answers(&l, y2017.submission_of(&code("101")), 14).is_empty());
        assert!(previous_answers(&l, y2017.submission_of(&code("151")), 11).is_empty());
        // 147 answered 1.3 but not 3.2 last year: only the answer it gave.
        assert_eq!(
            previous_answers(&l, y2017.submission_of(&code("147")), 13).len(),
            1
        );
    }

    #[test]
    fn every_previous_answer_is_in_exactly_one_bucket() {
        let (y2017, y2018) = two_years();
        let l = lineage(&y2018.content, Some(&y2017.content));
        let b = buckets(&l, &y2018, &y2017);
        // 1.1 and 1.2: 4 answers, 2 green.
        assert_eq!(
            b.like_for_like_previous,
            Tally {
                answers: 4,
                green: 2
            }
        );
        assert_eq!(
            b.like_for_like_current,
            Tally {
                answers: 2,
                green: 1
            }
        );
        assert_eq!(b.like_for_like_recommendations, 2);
        assert_eq!(b.merged.len(), 1);
        assert_eq!(
            b.merged[0].previous,
            Tally {
                answers: 3,
                green: 1
            }
        );
        assert_eq!(
            b.merged[0].current,
            Tally {
                answers: 1,
                green: 1
            }
        );
        assert_eq!(
            b.retired[0].previous,
            Tally {
                answers: 2,
                green: 1
            }
        );
        assert_eq!(b.previous_total(), 9);
    }

    #[test]
    fn the_timeline_follows_moves_and_merges_back() {
        use Status::*;
        let (y2017, y2018) = two_years();
        let y2019 = round(
            3,
            2019,
            vec![rec(21, "1.1", Some(13), &[])],
            &[("101", &[(21, Green)])],
        );
        let a = Ancestry::new([&y2019, &y2017, &y2018]);
        let t = a.timeline(&code("101"), 21);
        assert_eq!(
            t.iter()
                .map(|e| (e.year, e.code.as_str(), e.status))
                .collect::<Vec<_>>(),
            [
                (2017, "1.3", Some(Yellow)),
                (2017, "3.2", Some(Green)),
                (2018, "3.1", Some(Green)),
                (2019, "1.1", Some(Green)),
            ]
        );
        let other = a.timeline(&code("151"), 21);
        assert_eq!(other.len(), 4);
        assert!(other.iter().all(|e| e.status.is_none()));
    }

    #[test]
    fn a_status_held_since_an_earlier_round_says_since_when() {
        let entry = |year, status| TimelineEntry {
            year,
            round_id: year,
            recommendation_id: year,
            code: "1.1".into(),
            status,
            comment: String::new(),
        };
        use Status::*;
        let t = [
            entry(2015, Some(Red)),
            entry(2016, Some(Yellow)),
            entry(2017, Some(Yellow)),
            entry(2018, Some(Yellow)),
        ];
        assert_eq!(unchanged_since(&t), Some((Yellow, 2016)));
        assert_eq!(unchanged_since(&t[..1]), Some((Red, 2015)));
        assert_eq!(unchanged_since(&[entry(2018, None)]), None);
        // A merge whose two predecessors disagree breaks the run.
        let merged = [
            entry(2017, Some(Yellow)),
            entry(2017, Some(Green)),
            entry(2018, Some(Yellow)),
        ];
        assert_eq!(unchanged_since(&merged), Some((Yellow, 2018)));
    }

    /// Random set changes over three rounds: each round's recommendation continues, moves,
    /// merges or is new; the rest of the previous round is retired.
    fn chain() -> impl Strategy<Value = Vec<RoundData>> {
        let statuses = prop::sample::select(vec![Status::Red, Status::Yellow, Status::Green]);
        // Per round: for each new recommendation, a choice of predecessors (indices into the
        // previous round), a code, and per municipality an optional answer.
        let rec_plan = (
            prop::collection::vec(0usize..6, 0..3),
            0u8..4,
            prop::collection::vec(prop::option::of(statuses), 3),
        );
        prop::collection::vec(prop::collection::vec(rec_plan, 1..6), 3).prop_map(|rounds| {
            let mut out: Vec<RoundData> = Vec::new();
            let mut next_id = 1;
            for (r, plan) in rounds.into_iter().enumerate() {
                let previous_ids: Vec<i32> = out
                    .last()
                    .map(|d| d.content.recommendations.iter().map(|x| x.id).collect())
                    .unwrap_or_default();
                let mut recs = Vec::new();
                let mut answers: Vec<Vec<(i32, Status)>> = vec![Vec::new(); 3];
                for (preds, code, statuses) in plan {
                    let mut ids: Vec<i32> = preds
                        .iter()
                        .filter_map(|i| previous_ids.get(*i).copied())
                        .collect();
                    ids.dedup();
                    let id = next_id;
                    next_id += 1;
                    let carried = ids.first().copied();
                    let merged: Vec<i32> = ids.iter().skip(1).copied().collect();
                    recs.push(rec(id, &format!("1.{code}"), carried, &merged));
                    for (m, s) in statuses.into_iter().enumerate() {
                        if let Some(s) = s {
                            answers[m].push((id, s));
                        }
                    }
                }
                let codes = ["101", "147", "151"];
                let list: Vec<(&str, &[(i32, Status)])> = codes
                    .iter()
                    .zip(&answers)
                    .map(|(c, a)| (*c, a.as_slice()))
                    .collect();
                let id = i32::try_from(r).unwrap() + 1;
                out.push(round(id, 2016 + id, recs, &list));
            }
            out
        })
    }

    proptest! {
        #[test]
        fn every_previous_answer_lands_in_one_bucket_and_timelines_have_no_gaps_or_repeats(
            rounds in chain()
        ) {
            for pair in rounds.windows(2) {
                let (previous, current) = (&pair[0], &pair[1]);
                let l = lineage(&current.content, Some(&previous.content));
                let b = buckets(&l, current, previous);
                let all: u32 = previous
                    .submissions
                    .iter()
                    .map(|s| u32::try_from(s.answers.len()).unwrap())
                    .sum();
                prop_assert_eq!(b.previous_total(), all);
                // No previous recommendation is both continued and retired, or continued twice.
                let mut claimed: Vec<i32> = l.links.iter().flat_map(|k| k.from.iter().map(|f| f.recommendation_id)).collect();
                claimed.extend(l.retired.iter().map(|f| f.recommendation_id));
                claimed.sort_unstable();
                let before = claimed.len();
                claimed.dedup();
                prop_assert_eq!(before, claimed.len());
                prop_assert_eq!(claimed.len(), previous.content.recommendations.len());
            }
            let a = Ancestry::new(rounds.iter());
            let last = rounds.last().unwrap();
            for rec in &last.content.recommendations {
                for m in ["101", "147", "151"] {
                    let t = a.timeline(&code(m), rec.id);
                    // Ends with the recommendation itself; years never go backwards; no
                    // recommendation twice.
                    prop_assert_eq!(t.last().map(|e| e.recommendation_id), Some(rec.id));
                    prop_assert!(t.windows(2).all(|w| w[0].year <= w[1].year));
                    let mut ids: Vec<i32> = t.iter().map(|e| e.recommendation_id).collect();
                    ids.sort_unstable();
                    let n = ids.len();
                    ids.dedup();
                    prop_assert_eq!(n, ids.len());
                    // No gap: every entry but the last's round has a successor entry in the
                    // next round (the chain reaches the recommendation without skipping).
                    for e in &t {
                        if e.recommendation_id != rec.id {
                            let round_of = |id: i32| rounds.iter().position(|d| d.content.recommendations.iter().any(|r| r.id == id)).unwrap();
                            let here = round_of(e.recommendation_id);
                            let child = t.iter().any(|c| {
                                round_of(c.recommendation_id) == here + 1
                                    && rounds[here + 1].content.recommendations.iter().any(|r| r.id == c.recommendation_id && r.predecessors().any(|p| p == e.recommendation_id))
                            });
                            prop_assert!(child);
                        }
                        // The status is what the municipality submitted.
                        let data = rounds.iter().find(|d| d.content.round.id == e.round_id).unwrap();
                        let given = data.submission_of(&code(m)).and_then(|s| s.answer(e.recommendation_id)).and_then(|a| a.status);
                        prop_assert_eq!(e.status, given);
                    }
                }
            }
        }
    }
}
