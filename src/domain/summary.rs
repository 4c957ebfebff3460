//! The aggregation of a round: the one computation every view (page, chart, PDF, API) reads.
//!
//! Only submitted answers count; drafts never do. A municipality of the round that has not
//! submitted counts as "not answered" for every recommendation.

use serde::Serialize;
use std::collections::HashMap;

use super::model::{MunicipalityCode, RoundData, SubmissionState};
use super::prose;
use super::status::{Status, StatusView};

/// How many municipalities answered each colour, and how many gave no (submitted) answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub green: u32,
    pub yellow: u32,
    pub red: u32,
    pub unanswered: u32,
}

impl Counts {
    pub fn get(&self, status: Status) -> u32 {
        match status {
            Status::Green => self.green,
            Status::Yellow => self.yellow,
            Status::Red => self.red,
        }
    }

    fn add(&mut self, status: Status) {
        match status {
            Status::Green => self.green += 1,
            Status::Yellow => self.yellow += 1,
            Status::Red => self.red += 1,
        }
    }

    pub fn answered(&self) -> u32 {
        self.green + self.yellow + self.red
    }

    pub fn total(&self) -> u32 {
        self.answered() + self.unanswered
    }

    /// Each part as a percentage of the total, to one decimal.
    pub fn shares(&self) -> Shares {
        let total = f64::from(self.total().max(1));
        let pct = |n: u32| (f64::from(n) * 1000.0 / total).round() / 10.0;
        Shares {
            green: pct(self.green),
            yellow: pct(self.yellow),
            red: pct(self.red),
            unanswered: pct(self.unanswered),
        }
    }

    /// Each colour as a percentage of the answers given (submitted answers only), to one
    /// decimal; `None` without any. Municipalities that have not submitted and
    /// recommendations nobody answered do not pull the shares down.
    pub fn answered_shares(&self) -> Option<Shares> {
        let answered = self.answered();
        if answered == 0 {
            return None;
        }
        let total = f64::from(answered);
        let pct = |n: u32| (f64::from(n) * 1000.0 / total).round() / 10.0;
        Some(Shares {
            green: pct(self.green),
            yellow: pct(self.yellow),
            red: pct(self.red),
            unanswered: 0.0,
        })
    }

    fn absorb(&mut self, other: &Counts) {
        self.green += other.green;
        self.yellow += other.yellow;
        self.red += other.red;
        self.unanswered += other.unanswered;
    }
}

/// Counts as percentages of the municipalities in the round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Shares {
    pub green: f64,
    pub yellow: f64,
    pub red: f64,
    pub unanswered: f64,
}

/// The region-wide classification of one recommendation.
///
/// The rule: the colour most municipalities answered (a plurality of the submitted answers).
/// A tie goes to the less advanced colour, so a result is never shown as further along than
/// the answers support. With no submitted answers the recommendation is unclassified (`None`).
pub fn classify(counts: &Counts) -> Option<Status> {
    // Least advanced first, and only a strictly larger count replaces the leader: ties stay
    // with the less advanced colour.
    let mut leader: Option<(Status, u32)> = None;
    for status in [Status::Red, Status::Yellow, Status::Green] {
        let n = counts.get(status);
        if n > 0 && leader.is_none_or(|(_, best)| n > best) {
            leader = Some((status, n));
        }
    }
    leader.map(|(status, _)| status)
}

/// How many recommendations ended in each classification: the "5 / 3 / 4" of a council report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ClassificationCounts {
    pub green: u32,
    pub yellow: u32,
    pub red: u32,
    pub unclassified: u32,
}

impl ClassificationCounts {
    fn add(&mut self, classification: Option<Status>) {
        match classification {
            Some(Status::Green) => self.green += 1,
            Some(Status::Yellow) => self.yellow += 1,
            Some(Status::Red) => self.red += 1,
            None => self.unclassified += 1,
        }
    }

    pub fn get(&self, status: Status) -> u32 {
        match status {
            Status::Green => self.green,
            Status::Yellow => self.yellow,
            Status::Red => self.red,
        }
    }

    pub fn total(&self) -> u32 {
        self.green + self.yellow + self.red + self.unclassified
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecommendationSummary {
    pub recommendation_id: i32,
    pub focus_area_id: i32,
    pub code: String,
    pub text: String,
    pub binding: bool,
    pub counts: Counts,
    pub shares: Shares,
    pub classification: Option<Status>,
}

/// The classification of a group of recommendations (all, binding, voluntary) in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    pub classification_counts: ClassificationCounts,
    pub sentence: String,
}

impl GroupSummary {
    fn of<'a>(recommendations: impl Iterator<Item = &'a RecommendationSummary>) -> GroupSummary {
        let mut classification_counts = ClassificationCounts::default();
        for r in recommendations {
            classification_counts.add(r.classification);
        }
        GroupSummary {
            sentence: prose::round_sentence(&classification_counts),
            classification_counts,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FocusAreaSummary {
    pub focus_area_id: i32,
    pub number: i32,
    pub title: String,
    /// The group (job cluster) whose own focus area it is; `None` for the whole round's.
    pub group_id: Option<i32>,
    pub recommendations: Vec<RecommendationSummary>,
    /// All submitted answers to the area's recommendations, added up.
    pub counts: Counts,
    pub shares: Shares,
    pub classification_counts: ClassificationCounts,
    pub sentence: String,
}

/// Where a municipality is with its form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    NotStarted,
    Draft,
    Submitted,
}

impl Response {
    pub fn label_da(self) -> &'static str {
        match self {
            Response::NotStarted => "Ikke påbegyndt",
            Response::Draft => "Kladde",
            Response::Submitted => "Indsendt",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MunicipalitySummary {
    pub code: MunicipalityCode,
    pub name: String,
    pub response: Response,
    /// UTC.
    pub submitted_at: Option<chrono::NaiveDateTime>,
    pub submitted_by: Option<String>,
    /// Its own submitted answers; all unanswered until it submits.
    pub counts: Counts,
    /// Per recommendation, in order: its own submitted status against the region's.
    pub standing: Vec<Standing>,
}

/// Where a municipality's answer stands against the region-wide classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Ahead,
    Same,
    Behind,
    /// The municipality has no submitted answer, or the region no classification.
    NotComparable,
}

impl Relation {
    pub fn label_da(self) -> &'static str {
        match self {
            Relation::Ahead => "Foran regionen",
            Relation::Same => "Som regionen",
            Relation::Behind => "Bagud i forhold til regionen",
            Relation::NotComparable => "Kan ikke sammenlignes",
        }
    }

    /// The same against a job cluster's classification (its own focus areas).
    pub fn label_cluster_da(self) -> &'static str {
        match self {
            Relation::Ahead => "Foran klyngen",
            Relation::Same => "Som klyngen",
            Relation::Behind => "Bagud i forhold til klyngen",
            Relation::NotComparable => "Kan ikke sammenlignes",
        }
    }

    fn of(own: Option<Status>, region: Option<Status>) -> Relation {
        match (own, region) {
            (Some(o), Some(r)) if o > r => Relation::Ahead,
            (Some(o), Some(r)) if o < r => Relation::Behind,
            (Some(_), Some(_)) => Relation::Same,
            _ => Relation::NotComparable,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub recommendation_id: i32,
    /// Whether the municipality is asked this recommendation (a job cluster's own are asked
    /// of its members only). When not, `own` is `None`.
    pub asked: bool,
    pub own: Option<Status>,
    pub region: Option<Status>,
    pub relation: Relation,
}

/// The aggregation of one round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub round_id: i32,
    pub municipality_count: u32,
    pub submitted_count: u32,
    /// Percentage of the round's municipalities that have submitted, to one decimal.
    pub submitted_share: f64,
    pub focus_areas: Vec<FocusAreaSummary>,
    pub classification_counts: ClassificationCounts,
    /// The Danish sentence a council report opens with.
    pub sentence: String,
    /// The same for the binding and for the voluntary recommendations alone.
    pub binding: GroupSummary,
    pub voluntary: GroupSummary,
    pub municipalities: Vec<MunicipalitySummary>,
}

impl Summary {
    /// Every recommendation, in focus area and position order.
    pub fn recommendations(&self) -> impl Iterator<Item = &RecommendationSummary> {
        self.focus_areas
            .iter()
            .flat_map(|area| area.recommendations.iter())
    }

    /// The recommendations classified `status`, in order: one of a council report's three lists.
    pub fn classified(&self, status: Status) -> Vec<&RecommendationSummary> {
        self.recommendations()
            .filter(|r| r.classification == Some(status))
            .collect()
    }

    /// The three lists a council report writes, green first, ready for a template.
    pub fn council_lists(&self) -> Vec<ClassifiedList> {
        Status::ALL
            .iter()
            .map(|status| ClassifiedList {
                heading: status.list_heading_da(),
                status: (*status).into(),
                items: self
                    .classified(*status)
                    .into_iter()
                    .map(|r| ListedRecommendation {
                        code: r.code.clone(),
                        text: r.text.clone(),
                    })
                    .collect(),
            })
            .collect()
    }
}

/// One of the council report's lists: "Initiativer som er i proces" and its recommendations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassifiedList {
    pub heading: &'static str,
    pub status: StatusView,
    pub items: Vec<ListedRecommendation>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedRecommendation {
    pub code: String,
    pub text: String,
}

/// Aggregates a round. Only the round's own municipalities and recommendations are counted;
/// answers to anything else are ignored, so a stray row can never inflate a count.
pub fn summarise(data: &RoundData) -> Summary {
    let content = &data.content;
    let municipality_count = content.municipalities.len() as u32;

    // Who is asked each recommendation: every participant, or a group's members only.
    let asked_of = |rec: &crate::domain::Recommendation, code: &MunicipalityCode| {
        content.applies_to(rec, code)
    };
    let asked_count: HashMap<i32, u32> = content
        .recommendations
        .iter()
        .map(|r| {
            let n = content
                .municipalities
                .iter()
                .filter(|m| asked_of(r, &m.code))
                .count();
            (r.id, n as u32)
        })
        .collect();

    // Submitted answers per recommendation, counted once per municipality asked it.
    let mut per_recommendation: HashMap<i32, Counts> = content
        .recommendations
        .iter()
        .map(|r| (r.id, Counts::default()))
        .collect();
    let mut municipalities = Vec::with_capacity(content.municipalities.len());
    let mut submitted_count = 0;

    for municipality in &content.municipalities {
        let submission = data.submission_of(&municipality.code);
        let response = match submission.map(|s| s.state) {
            None => Response::NotStarted,
            Some(SubmissionState::Draft) => Response::Draft,
            Some(SubmissionState::Submitted) => Response::Submitted,
        };
        let mut own = Counts::default();
        let asked = content.recommendations_for(&municipality.code).count() as u32;
        if let Some(submission) = submission.filter(|s| s.is_submitted()) {
            submitted_count += 1;
            for recommendation in content.recommendations_for(&municipality.code) {
                let status = submission.answer(recommendation.id).and_then(|a| a.status);
                if let (Some(status), Some(counts)) =
                    (status, per_recommendation.get_mut(&recommendation.id))
                {
                    counts.add(status);
                    own.add(status);
                }
            }
        }
        own.unanswered = asked - own.answered();
        let submitted = submission.filter(|s| s.is_submitted());
        municipalities.push(MunicipalitySummary {
            code: municipality.code.clone(),
            name: municipality.name.clone(),
            response,
            submitted_at: submitted.and_then(|s| s.submitted_at),
            submitted_by: submitted.and_then(|s| s.submitted_by.clone()),
            counts: own,
            standing: Vec::new(),
        });
    }

    let mut classification_counts = ClassificationCounts::default();
    let focus_areas = content
        .focus_areas
        .iter()
        .map(|area| {
            let mut area_counts = Counts::default();
            let mut area_classes = ClassificationCounts::default();
            let recommendations = content
                .recommendations_of(area.id)
                .map(|r| {
                    let mut counts = per_recommendation.get(&r.id).copied().unwrap_or_default();
                    let asked = asked_count.get(&r.id).copied().unwrap_or(0);
                    counts.unanswered = asked - counts.answered();
                    let classification = classify(&counts);
                    area_counts.absorb(&counts);
                    area_classes.add(classification);
                    classification_counts.add(classification);
                    RecommendationSummary {
                        recommendation_id: r.id,
                        focus_area_id: area.id,
                        code: r.code.clone(),
                        text: r.text.clone(),
                        binding: r.binding,
                        counts,
                        shares: counts.shares(),
                        classification,
                    }
                })
                .collect();
            FocusAreaSummary {
                focus_area_id: area.id,
                number: area.number,
                title: area.title.clone(),
                group_id: area.group_id,
                recommendations,
                counts: area_counts,
                shares: area_counts.shares(),
                classification_counts: area_classes,
                sentence: prose::round_sentence(&area_classes),
            }
        })
        .collect::<Vec<FocusAreaSummary>>();

    let all = || focus_areas.iter().flat_map(|a| a.recommendations.iter());
    let region: HashMap<i32, Option<Status>> = all()
        .map(|r| (r.recommendation_id, r.classification))
        .collect();
    for m in &mut municipalities {
        let submission = data.submission_of(&m.code).filter(|s| s.is_submitted());
        m.standing = content
            .recommendations
            .iter()
            .map(|rec| {
                let asked = content.applies_to(rec, &m.code);
                let own = submission
                    .filter(|_| asked)
                    .and_then(|s| s.answer(rec.id))
                    .and_then(|a| a.status);
                let region = region.get(&rec.id).copied().flatten();
                Standing {
                    recommendation_id: rec.id,
                    asked,
                    own,
                    region,
                    relation: Relation::of(own, region),
                }
            })
            .collect();
    }

    Summary {
        round_id: content.round.id,
        municipality_count,
        submitted_count,
        submitted_share: if municipality_count == 0 {
            0.0
        } else {
            (f64::from(submitted_count) * 1000.0 / f64::from(municipality_count)).round() / 10.0
        },
        binding: GroupSummary::of(all().filter(|r| r.binding)),
        voluntary: GroupSummary::of(all().filter(|r| !r.binding)),
        sentence: prose::round_sentence(&classification_counts),
        classification_counts,
        focus_areas,
        municipalities,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::*;
    use chrono::NaiveDate;

    fn counts(green: u32, yellow: u32, red: u32) -> Counts {
        Counts {
            green,
            yellow,
            red,
            unanswered: 0,
        }
    }

    #[test]
    fn classification_is_the_plurality() {
        assert_eq!(classify(&counts(5, 3, 1)), Some(Status::Green));
        assert_eq!(classify(&counts(1, 4, 3)), Some(Status::Yellow));
        assert_eq!(classify(&counts(0, 1, 2)), Some(Status::Red));
    }

    #[test]
    fn classification_tie_goes_to_the_less_advanced_colour() {
        assert_eq!(classify(&counts(4, 4, 1)), Some(Status::Yellow));
        assert_eq!(classify(&counts(3, 1, 3)), Some(Status::Red));
        assert_eq!(classify(&counts(2, 2, 2)), Some(Status::Red));
        assert_eq!(classify(&counts(0, 2, 2)), Some(Status::Red));
    }

    #[test]
    fn classification_without_answers_is_none() {
        let none = Counts {
            unanswered: 29,
            ..Counts::default()
        };
        assert_eq!(classify(&none), None);
    }

    fn municipality(code: &str, name: &str) -> Municipality {
        Municipality {
            code: MunicipalityCode::parse(code).unwrap(),
            name: name.to_owned(),
            kkr_id: 1,
            council_name: "Byrådet".into(),
        }
    }

    fn recommendation(id: i32, focus_area_id: i32, code: &str) -> Recommendation {
        Recommendation {
            id,
            focus_area_id,
            code: code.to_owned(),
            text: format!("Anbefaling {code}"),
            binding: id % 2 == 0,
            position: id,
            carried_from: None,
            merged_from: Vec::new(),
        }
    }

    fn submission(code: &str, state: SubmissionState, answers: &[(i32, Status)]) -> Submission {
        Submission {
            id: 0,
            round_id: 1,
            municipality_code: MunicipalityCode::parse(code).unwrap(),
            state,
            submitted_at: None,
            submitted_by: None,
            version: 1,
            updated_at: NaiveDate::from_ymd_opt(2017, 9, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
            updated_by: None,
            proposals: String::new(),
            reopened: false,
            answers: answers
                .iter()
                .map(|&(recommendation_id, status)| Answer {
                    recommendation_id,
                    status: Some(status),
                    comment: String::new(),
                    carried: false,
                    evidence: None,
                })
                .collect(),
        }
    }

    fn round_data(submissions: Vec<Submission>) -> RoundData {
        RoundData {
            content: RoundContent {
                round: Round {
                    id: 1,
                    kkr_id: 1,
                    kkr_name: "KKR Test".into(),
                    year: 2017,
                    title: "Test".into(),
                    subject: String::new(),
                    deadline: NaiveDate::from_ymd_opt(2017, 10, 1)
                        .unwrap()
                        .and_hms_opt(0, 0, 0)
                        .unwrap(),
                    state: RoundState::Open,
                },
                focus_areas: vec![
                    FocusArea {
                        id: 10,
                        number: 1,
                        title: "Første".into(),
                        group_id: None,
                    },
                    FocusArea {
                        id: 20,
                        number: 2,
                        title: "Anden".into(),
                        group_id: None,
                    },
                ],
                recommendations: vec![
                    recommendation(1, 10, "1.1"),
                    recommendation(2, 10, "1.2"),
                    recommendation(3, 20, "2.1"),
                ],
                municipalities: vec![
                    municipality("101", "København"),
                    municipality("147", "Frederiksberg"),
                    municipality("151", "Ballerup"),
                    municipality("153", "Brøndby"),
                ],
                groups: Vec::new(),
            },
            submissions,
        }
    }

    /// The same round with focus area 2 belonging to a cluster of København and Ballerup.
    fn clustered(submissions: Vec<Submission>) -> RoundData {
        let mut data = round_data(submissions);
        data.content.focus_areas[1].group_id = Some(7);
        data.content.groups = vec![crate::domain::RoundGroup {
            id: 7,
            name: "Jobklynge Nord".into(),
            members: vec![
                MunicipalityCode::parse("101").unwrap(),
                MunicipalityCode::parse("151").unwrap(),
            ],
            expectations: String::new(),
            expectations_updated: None,
        }];
        data
    }

    #[test]
    fn a_clusters_recommendations_are_counted_among_its_members_only() {
        use crate::domain::Scope;
        use Status::*;
        let data = clustered(vec![
            submission(
                "101",
                SubmissionState::Submitted,
                &[(1, Green), (2, Red), (3, Yellow)],
            ),
            // Frederiksberg is not in the cluster: a stray answer to 2.1 is not counted.
            submission(
                "147",
                SubmissionState::Submitted,
                &[(1, Green), (2, Red), (3, Red)],
            ),
            submission("151", SubmissionState::Submitted, &[(1, Red), (2, Red)]),
        ]);
        let whole = summarise(&data);
        let rec = |s: &Summary, code: &str| -> RecommendationSummary {
            s.recommendations()
                .find(|r| r.code == code)
                .unwrap()
                .clone()
        };
        // 2.1 is asked of København and Ballerup: one yellow, Ballerup unanswered.
        assert_eq!(
            rec(&whole, "2.1").counts,
            Counts {
                green: 0,
                yellow: 1,
                red: 0,
                unanswered: 1
            }
        );
        assert_eq!(rec(&whole, "2.1").classification, Some(Yellow));
        // 1.1 over all four: two green, one red, Brøndby unanswered.
        assert_eq!(rec(&whole, "1.1").counts.unanswered, 1);
        // Frederiksberg's own counts leave 2.1 out; its standing says it is not asked.
        let frb = whole
            .municipalities
            .iter()
            .find(|m| m.code.as_str() == "147")
            .unwrap();
        assert_eq!(frb.counts.answered() + frb.counts.unanswered, 2);
        assert!(!frb.standing[2].asked);
        assert_eq!(frb.standing[2].own, None);

        // The common scope: focus area 1 over everyone.
        let common = summarise(&data.scoped(Scope::Common));
        assert_eq!(common.municipality_count, 4);
        assert_eq!(common.recommendations().count(), 2);
        assert_eq!(common.submitted_count, 3);
        // The cluster's own scope: focus area 2 over its two members.
        let own = summarise(&data.scoped(Scope::Group(7)));
        assert_eq!(own.municipality_count, 2);
        assert_eq!(own.submitted_count, 2);
        assert_eq!(own.recommendations().count(), 1);
        assert_eq!(rec(&own, "2.1"), rec(&whole, "2.1"));
        assert_eq!(own.classification_counts.yellow, 1);
        assert!(own.sentence.contains("i proces"), "{}", own.sentence);
        // Narrowed to the members: both focus areas, counted among the two.
        let members = summarise(&data.scoped(Scope::Members(7)));
        assert_eq!(members.municipality_count, 2);
        assert_eq!(rec(&members, "1.1").counts.green, 1);
        assert_eq!(rec(&members, "1.1").counts.red, 1);
        // An unknown group leaves nothing.
        assert_eq!(
            summarise(&data.scoped(Scope::Group(8))).municipality_count,
            0
        );
    }

    #[test]
    fn summary_counts_only_submitted_answers() {
        use Status::*;
        let data = round_data(vec![
            submission(
                "101",
                SubmissionState::Submitted,
                &[(1, Green), (2, Red), (3, Yellow)],
            ),
            submission("147", SubmissionState::Submitted, &[(1, Green), (2, Red)]),
            submission(
                "151",
                SubmissionState::Draft,
                &[(1, Red), (2, Red), (3, Red)],
            ),
        ]);
        let summary = summarise(&data);
        assert_eq!(summary.municipality_count, 4);
        assert_eq!(summary.submitted_count, 2);
        let recs: Vec<_> = summary.recommendations().collect();
        assert_eq!(
            recs[0].counts,
            Counts {
                green: 2,
                yellow: 0,
                red: 0,
                unanswered: 2
            }
        );
        assert_eq!(recs[0].classification, Some(Green));
        assert_eq!(recs[1].counts.red, 2);
        assert_eq!(recs[2].counts.yellow, 1);
        assert_eq!(recs[2].counts.unanswered, 3);
        assert_eq!(
            summary.classification_counts,
            ClassificationCounts {
                green: 1,
                yellow: 1,
                red: 1,
                unclassified: 0
            }
        );
        assert_eq!(summary.focus_areas[0].counts.green, 2);
        assert_eq!(summary.focus_areas[0].counts.red, 2);
        assert_eq!(summary.focus_areas[0].counts.unanswered, 4);
        assert_eq!(summary.focus_areas[0].classification_counts.green, 1);
        assert_eq!(summary.focus_areas[1].classification_counts.yellow, 1);
    }

    #[test]
    fn summary_gives_each_municipality_its_response_and_own_counts() {
        use Status::*;
        let data = round_data(vec![
            submission(
                "101",
                SubmissionState::Submitted,
                &[(1, Green), (2, Red), (3, Yellow)],
            ),
            submission("151", SubmissionState::Draft, &[(1, Red)]),
        ]);
        let summary = summarise(&data);
        let by_code = |code: &str| {
            summary
                .municipalities
                .iter()
                .find(|m| m.code.as_str() == code)
                .unwrap()
        };
        assert_eq!(by_code("101").response, Response::Submitted);
        assert_eq!(by_code("101").counts, counts(1, 1, 1));
        assert_eq!(by_code("151").response, Response::Draft);
        assert_eq!(by_code("151").counts.unanswered, 3, "drafts never count");
        assert_eq!(by_code("153").response, Response::NotStarted);
    }

    #[test]
    fn summary_ignores_answers_outside_the_round() {
        use Status::*;
        let data = round_data(vec![
            submission("101", SubmissionState::Submitted, &[(1, Green), (99, Red)]),
            submission("999", SubmissionState::Submitted, &[(1, Red)]),
        ]);
        let summary = summarise(&data);
        let first = summary.recommendations().next().unwrap();
        assert_eq!(first.counts.green, 1);
        assert_eq!(first.counts.red, 0);
        assert_eq!(first.counts.total(), 4);
    }

    #[test]
    fn summary_of_a_round_without_submissions_is_unclassified() {
        let summary = summarise(&round_data(vec![]));
        assert_eq!(summary.classification_counts.unclassified, 3);
        assert!(summary.classified(Status::Green).is_empty());
        assert_eq!(
            summary.sentence,
            "Ingen af anbefalingerne har endnu indsendte svar."
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::domain::model::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    /// A random round: per municipality, no form / a draft / a submitted form, each with a
    /// random subset of answers (status index 0..3, or 3 for none).
    fn round_strategy() -> impl Strategy<Value = (usize, Vec<(u8, Vec<u8>)>)> {
        (1usize..12).prop_flat_map(|recs| {
            (
                Just(recs),
                prop::collection::vec((0u8..3, prop::collection::vec(0u8..4, recs)), 1..30),
            )
        })
    }

    fn build(recs: usize, municipalities: &[(u8, Vec<u8>)]) -> RoundData {
        let at = NaiveDate::from_ymd_opt(2017, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let recommendations: Vec<Recommendation> = (0..recs as i32)
            .map(|i| Recommendation {
                id: i + 1,
                focus_area_id: 1 + i % 2,
                code: format!("{}.{}", 1 + i % 2, i),
                text: String::new(),
                binding: i % 3 == 0,
                position: i,
                carried_from: None,
                merged_from: Vec::new(),
            })
            .collect();
        let munis: Vec<Municipality> = (0..municipalities.len())
            .map(|i| Municipality {
                code: MunicipalityCode::parse(&format!("{:03}", 100 + i)).unwrap(),
                name: format!("K{i}"),
                kkr_id: 1,
                council_name: "Byrådet".into(),
            })
            .collect();
        let submissions = municipalities
            .iter()
            .zip(&munis)
            .filter(|((state, _), _)| *state > 0)
            .map(|((state, answers), m)| Submission {
                id: 0,
                round_id: 1,
                municipality_code: m.code.clone(),
                state: if *state == 1 {
                    SubmissionState::Draft
                } else {
                    SubmissionState::Submitted
                },
                submitted_at: None,
                submitted_by: None,
                version: 1,
                updated_at: at,
                updated_by: None,
                proposals: String::new(),
                reopened: false,
                answers: answers
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| **s < 3)
                    .map(|(i, s)| Answer {
                        recommendation_id: i as i32 + 1,
                        status: Some([Status::Green, Status::Yellow, Status::Red][*s as usize]),
                        comment: String::new(),
                        carried: false,
                        evidence: None,
                    })
                    .collect(),
            })
            .collect();
        RoundData {
            content: RoundContent {
                groups: Vec::new(),
                round: Round {
                    id: 1,
                    kkr_id: 1,
                    kkr_name: "K".into(),
                    year: 2017,
                    title: "T".into(),
                    subject: String::new(),
                    deadline: at,
                    state: RoundState::Open,
                },
                focus_areas: vec![
                    FocusArea {
                        group_id: None,
                        id: 1,
                        number: 1,
                        title: "A".into(),
                    },
                    FocusArea {
                        group_id: None,
                        id: 2,
                        number: 2,
                        title: "B".into(),
                    },
                ],
                recommendations,
                municipalities: munis,
            },
            submissions,
        }
    }

    proptest! {
        #[test]
        fn counts_always_add_up_to_the_municipalities((recs, munis) in round_strategy()) {
            let summary = summarise(&build(recs, &munis));
            for r in summary.recommendations() {
                prop_assert_eq!(r.counts.total(), munis.len() as u32);
            }
            for m in &summary.municipalities {
                prop_assert_eq!(m.counts.total(), recs as u32);
            }
            prop_assert_eq!(summary.classification_counts.total(), recs as u32);
        }

        #[test]
        fn classification_is_a_counted_colour_with_the_most_answers((recs, munis) in round_strategy()) {
            let summary = summarise(&build(recs, &munis));
            for r in summary.recommendations() {
                match r.classification {
                    None => prop_assert_eq!(r.counts.answered(), 0),
                    Some(s) => {
                        prop_assert!(r.counts.get(s) > 0);
                        for other in Status::ALL {
                            prop_assert!(r.counts.get(s) >= r.counts.get(other));
                        }
                    }
                }
            }
        }

        #[test]
        fn summaries_do_not_depend_on_row_order((recs, munis) in round_strategy(), seed in 0u64..1000) {
            let data = build(recs, &munis);
            let mut shuffled = data.clone();
            shuffled.submissions.reverse();
            let n = shuffled.submissions.len().max(1);
            shuffled.submissions.rotate_left(seed as usize % n);
            for s in &mut shuffled.submissions {
                s.answers.reverse();
            }
            prop_assert_eq!(summarise(&data), summarise(&shuffled));
        }
    }
}
