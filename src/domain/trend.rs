//! How a round moved against the rounds before it, along each recommendation's
//! predecessors: its `carried_from` and the recommendations merged into it (`merged_from`).
//! Per recommendation its classification and distribution in every earlier round (a merged
//! recommendation has one point per predecessor, so both histories show); per municipality
//! each transition since last round (e.g. rød -> gul), measured against `carried_from`'s
//! answer, or a merged predecessor's when that one has none. Recommendations new this round,
//! and last round's that were retired (neither carried on nor merged), are named as such.

use serde::Serialize;
use std::collections::HashMap;

use super::model::{MunicipalityCode, RoundData};
use super::status::Status;
use super::summary::{summarise, ClassificationCounts, Counts, Shares, Summary};

/// One recommendation in one round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    pub year: i32,
    pub round_id: i32,
    pub recommendation_id: i32,
    pub code: String,
    pub counts: Counts,
    pub shares: Shares,
    pub classification: Option<Status>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecommendationTrend {
    pub recommendation_id: i32,
    pub code: String,
    /// Oldest first, ending with this round.
    pub points: Vec<TrendPoint>,
    /// Not carried over from the previous round.
    pub is_new: bool,
}

/// A recommendation of the previous round that this round does not carry on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetiredRecommendation {
    pub year: i32,
    pub recommendation_id: i32,
    pub code: String,
    pub text: String,
    pub classification: Option<Status>,
}

/// A whole round at a glance, for the trend chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundPoint {
    pub year: i32,
    pub round_id: i32,
    pub classification_counts: ClassificationCounts,
    /// All submitted answers of the round added up, and their shares of every
    /// municipality × recommendation (the unanswered included).
    pub answers: Counts,
    pub shares: Shares,
    /// The shares among the submitted answers only: what the trend headline shows, since
    /// non-submitters and new recommendations say nothing about progress. `None` when the
    /// round has no submitted answer.
    pub submitted_shares: Option<Shares>,
}

/// The like-for-like change since last round: the recommendations carried over, compared
/// answer by answer where the same municipality submitted an answer in both rounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LikeForLike {
    pub previous_year: i32,
    pub year: i32,
    /// Recommendations of this round carried over (or merged) from last round's.
    pub carried_recommendations: u32,
    /// Pairs of answers compared: one municipality, one carried recommendation, both years.
    pub pairs: u32,
    /// Share of green among those answers last round and this round, in per cent.
    pub previous_green_share: f64,
    pub green_share: f64,
    pub improved: u32,
    pub unchanged: u32,
    pub worsened: u32,
    /// The comparison in Danish, for every view that shows it.
    pub sentence: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    Improved,
    Unchanged,
    Worsened,
}

/// One municipality's answer to one recommendation, last round and this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub recommendation_id: i32,
    pub from: Status,
    pub to: Status,
    pub movement: Movement,
    /// "rød → gul".
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MunicipalityTrend {
    pub code: MunicipalityCode,
    /// Only recommendations it answered (submitted) in both rounds.
    pub transitions: Vec<Transition>,
    pub improved: u32,
    pub unchanged: u32,
    pub worsened: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    /// Oldest first, ending with this round.
    pub rounds: Vec<RoundPoint>,
    pub recommendations: Vec<RecommendationTrend>,
    pub retired: Vec<RetiredRecommendation>,
    pub municipalities: Vec<MunicipalityTrend>,
    /// `None` for a first round, or when no carried recommendation was answered both years.
    pub like_for_like: Option<LikeForLike>,
}

impl Trend {
    pub fn of_municipality(&self, code: &MunicipalityCode) -> Option<&MunicipalityTrend> {
        self.municipalities.iter().find(|m| &m.code == code)
    }

    pub fn of_recommendation(&self, id: i32) -> Option<&RecommendationTrend> {
        self.recommendations
            .iter()
            .find(|r| r.recommendation_id == id)
    }
}

fn round_point(data: &RoundData, summary: &Summary) -> RoundPoint {
    let mut answers = Counts::default();
    for area in &summary.focus_areas {
        answers.green += area.counts.green;
        answers.yellow += area.counts.yellow;
        answers.red += area.counts.red;
        answers.unanswered += area.counts.unanswered;
    }
    RoundPoint {
        year: data.content.round.year,
        round_id: data.content.round.id,
        classification_counts: summary.classification_counts,
        answers,
        shares: answers.shares(),
        submitted_shares: answers.answered_shares(),
    }
}

fn like_for_like(
    current: &RoundData,
    previous: Option<&RoundData>,
    municipalities: &[MunicipalityTrend],
) -> Option<LikeForLike> {
    let previous = previous?;
    let previous_ids: Vec<i32> = previous
        .content
        .recommendations
        .iter()
        .map(|r| r.id)
        .collect();
    let carried = current
        .content
        .recommendations
        .iter()
        .filter(|r| r.predecessors().any(|id| previous_ids.contains(&id)))
        .count();
    let transitions = municipalities.iter().flat_map(|m| &m.transitions);
    let (mut pairs, mut green_before, mut green_now) = (0u32, 0u32, 0u32);
    for t in transitions {
        pairs += 1;
        green_before += u32::from(t.from == Status::Green);
        green_now += u32::from(t.to == Status::Green);
    }
    if pairs == 0 {
        return None;
    }
    let pct = |n: u32| (f64::from(n) * 1000.0 / f64::from(pairs)).round() / 10.0;
    let mut l = LikeForLike {
        previous_year: previous.content.round.year,
        year: current.content.round.year,
        carried_recommendations: u32::try_from(carried).unwrap_or(u32::MAX),
        pairs,
        previous_green_share: pct(green_before),
        green_share: pct(green_now),
        improved: municipalities.iter().map(|m| m.improved).sum(),
        unchanged: municipalities.iter().map(|m| m.unchanged).sum(),
        worsened: municipalities.iter().map(|m| m.worsened).sum(),
        sentence: String::new(),
    };
    l.sentence = super::prose::like_for_like_sentence(&l);
    Some(l)
}

/// The trend of `current` against `earlier` rounds (any order; sorted by year here).
/// `current_summary` must be `summarise(current)`; it is passed in so it is computed once.
pub fn trend<E: std::borrow::Borrow<RoundData>>(
    current: &RoundData,
    current_summary: &Summary,
    earlier: &[E],
) -> Trend {
    let summaries: Vec<Summary> = earlier.iter().map(|d| summarise(d.borrow())).collect();
    let pairs: Vec<(&RoundData, &Summary)> =
        earlier.iter().map(|d| d.borrow()).zip(&summaries).collect();
    trend_summarised(current, current_summary, &pairs)
}

/// [`trend`] with each earlier round's summary given (`summarise(data)`), as a cache keeps
/// them: the earlier rounds are not aggregated again for every change to this one.
pub fn trend_summarised(
    current: &RoundData,
    current_summary: &Summary,
    earlier: &[(&RoundData, &Summary)],
) -> Trend {
    let mut earlier: Vec<(&RoundData, &Summary)> = earlier
        .iter()
        .copied()
        .filter(|(d, _)| d.content.round.year < current.content.round.year)
        .collect();
    earlier.sort_by_key(|(d, _)| d.content.round.year);
    let summaries: Vec<&Summary> = earlier.iter().map(|(_, s)| *s).collect();
    let earlier: Vec<&RoundData> = earlier.iter().map(|(d, _)| *d).collect();

    // Every recommendation of every round, by id: (round index, summary of it).
    let mut by_id: HashMap<i32, (usize, &super::summary::RecommendationSummary)> = HashMap::new();
    for (i, summary) in summaries.iter().enumerate() {
        for r in summary.recommendations() {
            by_id.insert(r.recommendation_id, (i, r));
        }
    }
    let predecessors: HashMap<i32, Vec<i32>> = earlier
        .iter()
        .chain(std::iter::once(&current))
        .flat_map(|d| d.content.recommendations.iter())
        .map(|r| (r.id, r.predecessors().collect()))
        .collect();

    let point = |year: i32, round_id: i32, r: &super::summary::RecommendationSummary| TrendPoint {
        year,
        round_id,
        recommendation_id: r.recommendation_id,
        code: r.code.clone(),
        counts: r.counts,
        shares: r.shares,
        classification: r.classification,
    };

    let recommendations = current_summary
        .recommendations()
        .map(|r| {
            let mut points = Vec::new();
            // Walk every predecessor back, breadth first; a visited set guards against a
            // malformed loop.
            let mut seen = vec![r.recommendation_id];
            let mut queue: std::collections::VecDeque<i32> = predecessors
                .get(&r.recommendation_id)
                .cloned()
                .unwrap_or_default()
                .into();
            while let Some(id) = queue.pop_front() {
                if seen.contains(&id) {
                    continue;
                }
                seen.push(id);
                let Some((i, earlier_rec)) = by_id.get(&id) else {
                    continue;
                };
                let round = &earlier[*i].content.round;
                points.push((*i, point(round.year, round.id, earlier_rec)));
                queue.extend(predecessors.get(&id).into_iter().flatten().copied());
            }
            // Oldest first; within a year in the order the predecessors were found.
            points.sort_by_key(|(i, _)| *i);
            let mut points: Vec<TrendPoint> = points.into_iter().map(|(_, p)| p).collect();
            points.push(point(
                current.content.round.year,
                current.content.round.id,
                r,
            ));
            let is_new = predecessors
                .get(&r.recommendation_id)
                .is_none_or(|p| p.is_empty());
            RecommendationTrend {
                recommendation_id: r.recommendation_id,
                code: r.code.clone(),
                points,
                is_new,
            }
        })
        .collect();

    let previous = earlier.last().zip(summaries.last());
    let retired = previous
        .map(|(data, summary)| {
            let continued: Vec<i32> = current
                .content
                .recommendations
                .iter()
                .flat_map(|r| r.predecessors())
                .collect();
            summary
                .recommendations()
                .filter(|r| !continued.contains(&r.recommendation_id))
                .map(|r| RetiredRecommendation {
                    year: data.content.round.year,
                    recommendation_id: r.recommendation_id,
                    code: r.code.clone(),
                    text: r.text.clone(),
                    classification: r.classification,
                })
                .collect()
        })
        .unwrap_or_default();

    let municipalities: Vec<MunicipalityTrend> = current
        .content
        .municipalities
        .iter()
        .map(|m| {
            let now = current.submission_of(&m.code).filter(|s| s.is_submitted());
            let before = previous
                .and_then(|(data, _)| data.submission_of(&m.code))
                .filter(|s| s.is_submitted());
            let mut trend = MunicipalityTrend {
                code: m.code.clone(),
                transitions: Vec::new(),
                improved: 0,
                unchanged: 0,
                worsened: 0,
            };
            for rec in &current.content.recommendations {
                let to = now.and_then(|s| s.answer(rec.id)).and_then(|a| a.status);
                let from = rec
                    .predecessors()
                    .find_map(|id| before.and_then(|s| s.answer(id)).and_then(|a| a.status));
                if let (Some(from), Some(to)) = (from, to) {
                    let movement = match to.cmp(&from) {
                        std::cmp::Ordering::Greater => Movement::Improved,
                        std::cmp::Ordering::Equal => Movement::Unchanged,
                        std::cmp::Ordering::Less => Movement::Worsened,
                    };
                    match movement {
                        Movement::Improved => trend.improved += 1,
                        Movement::Unchanged => trend.unchanged += 1,
                        Movement::Worsened => trend.worsened += 1,
                    }
                    trend.transitions.push(Transition {
                        recommendation_id: rec.id,
                        from,
                        to,
                        movement,
                        label: format!("{} → {}", from.colour_da(), to.colour_da()),
                    });
                }
            }
            trend
        })
        .collect();

    let mut rounds: Vec<RoundPoint> = earlier
        .iter()
        .zip(&summaries)
        .map(|(d, s)| round_point(d, s))
        .collect();
    rounds.push(round_point(current, current_summary));
    let like_for_like = like_for_like(current, previous.map(|(d, _)| *d), &municipalities);

    Trend {
        rounds,
        recommendations,
        retired,
        municipalities,
        like_for_like,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::*;
    use chrono::NaiveDate;

    fn at(y: i32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(y, 10, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    }

    fn rec(id: i32, code: &str, carried_from: Option<i32>) -> Recommendation {
        Recommendation {
            id,
            focus_area_id: 1,
            code: code.into(),
            text: format!("Anbefaling {code}"),
            binding: true,
            position: id,
            carried_from,
            merged_from: Vec::new(),
        }
    }

    fn round(
        id: i32,
        year: i32,
        recs: Vec<Recommendation>,
        answers: &[(&str, &[(i32, Status)])],
    ) -> RoundData {
        let municipalities = ["101", "147"]
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
                            comment: String::new(),
                            carried: false,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn recommendations_are_followed_back_and_new_and_retired_ones_named() {
        use Status::*;
        let y2015 = round(1, 2015, vec![rec(1, "1.1", None)], &[("101", &[(1, Red)])]);
        let y2016 = round(
            2,
            2016,
            vec![rec(11, "1.1", Some(1)), rec(12, "1.2", None)],
            &[("101", &[(11, Yellow), (12, Green)]), ("147", &[(11, Red)])],
        );
        let y2017 = round(
            3,
            2017,
            vec![rec(21, "1.1", Some(11)), rec(22, "1.3", None)],
            &[("101", &[(21, Green), (22, Red)]), ("147", &[(21, Red)])],
        );
        let summary = summarise(&y2017);
        let t = trend(&y2017, &summary, &[y2016.clone(), y2015]);
        assert_eq!(
            t.rounds.iter().map(|r| r.year).collect::<Vec<_>>(),
            [2015, 2016, 2017]
        );
        let first = t.of_recommendation(21).unwrap();
        assert!(!first.is_new);
        assert_eq!(
            first
                .points
                .iter()
                .map(|p| (p.year, p.classification))
                .collect::<Vec<_>>(),
            [(2015, Some(Red)), (2016, Some(Red)), (2017, Some(Red))]
        );
        assert!(t.of_recommendation(22).unwrap().is_new);
        assert_eq!(t.retired.len(), 1);
        assert_eq!(t.retired[0].code, "1.2");
        assert_eq!(t.retired[0].year, 2016);

        let k = t
            .of_municipality(&MunicipalityCode::parse("101").unwrap())
            .unwrap();
        assert_eq!(k.transitions.len(), 1, "only answers in both rounds");
        assert_eq!(k.transitions[0].label, "gul → grøn");
        assert_eq!((k.improved, k.unchanged, k.worsened), (1, 0, 0));
        let f = t
            .of_municipality(&MunicipalityCode::parse("147").unwrap())
            .unwrap();
        assert_eq!((f.improved, f.unchanged, f.worsened), (0, 1, 0));
    }

    #[test]
    fn the_headline_counts_submitted_answers_and_compares_carried_ones_like_for_like() {
        use Status::*;
        // 2016: 1.1 and 1.2 (retired); 2017: 1.1 carried on, 1.3 new. Overall the green share
        // among submitted answers stays at a third, while the carried recommendation moved
        // from no green answer to one of two.
        let y2016 = round(
            2,
            2016,
            vec![rec(11, "1.1", None), rec(12, "1.2", None)],
            &[("101", &[(11, Yellow), (12, Green)]), ("147", &[(11, Red)])],
        );
        let y2017 = round(
            3,
            2017,
            vec![rec(21, "1.1", Some(11)), rec(22, "1.3", None)],
            &[("101", &[(21, Green), (22, Red)]), ("147", &[(21, Red)])],
        );
        let summary = summarise(&y2017);
        let t = trend(&y2017, &summary, &[y2016]);
        let greens: Vec<f64> = t
            .rounds
            .iter()
            .map(|r| r.submitted_shares.unwrap().green)
            .collect();
        assert_eq!(greens, [33.3, 33.3]);
        // Every municipality × recommendation counts in `shares`: 147 left 1.2/1.3 open.
        assert_eq!(t.rounds[1].shares.green, 25.0);
        let l = t.like_for_like.unwrap();
        assert_eq!(
            (l.previous_year, l.year, l.carried_recommendations, l.pairs),
            (2016, 2017, 1, 2)
        );
        assert_eq!((l.previous_green_share, l.green_share), (0.0, 50.0));
        assert_eq!((l.improved, l.unchanged, l.worsened), (1, 1, 0));
        assert_eq!(
            l.sentence,
            "Blandt den ene anbefaling, der er videreført fra 2016, er andelen af grønne svar steget fra 0,0 % til 50,0 %. Det er målt på de 2 svar, hvor samme kommune har svaret på samme anbefaling begge år: 1 er forbedret, 1 er uændret, og 0 er forværret."
        );
    }

    #[test]
    fn a_round_without_submitted_answers_has_no_submitted_shares() {
        let y2016 = round(2, 2016, vec![rec(11, "1.1", None)], &[]);
        let y2017 = round(3, 2017, vec![rec(21, "1.1", Some(11))], &[]);
        let summary = summarise(&y2017);
        let t = trend(&y2017, &summary, &[y2016]);
        assert!(t.rounds.iter().all(|r| r.submitted_shares.is_none()));
        assert!(t.like_for_like.is_none(), "nothing to compare");
    }

    #[test]
    fn a_first_round_has_no_history() {
        let only = round(1, 2015, vec![rec(1, "1.1", None)], &[]);
        let summary = summarise(&only);
        let t = trend::<RoundData>(&only, &summary, &[]);
        assert_eq!(t.rounds.len(), 1);
        assert!(t.retired.is_empty());
        assert!(t.recommendations[0].is_new);
        assert!(t.municipalities.iter().all(|m| m.transitions.is_empty()));
        assert!(t.like_for_like.is_none());
    }

    #[test]
    fn a_merged_recommendation_carries_both_histories_and_neither_is_retired() {
        use Status::*;
        // 2016: 1.1 and 1.2; 2017: 1.1 continues 1.1, and 1.2 was merged into it.
        let y2016 = round(
            1,
            2016,
            vec![rec(11, "1.1", None), rec(12, "1.2", None)],
            &[("101", &[(11, Red), (12, Yellow)]), ("147", &[(12, Green)])],
        );
        let mut merged = rec(21, "1.1", Some(11));
        merged.merged_from = vec![12];
        let y2017 = round(
            2,
            2017,
            vec![merged],
            &[("101", &[(21, Green)]), ("147", &[(21, Yellow)])],
        );
        let summary = summarise(&y2017);
        let t = trend(&y2017, &summary, &[y2016]);
        let r = t.of_recommendation(21).unwrap();
        assert!(!r.is_new);
        assert_eq!(
            r.points
                .iter()
                .map(|p| (p.year, p.code.as_str(), p.classification))
                .collect::<Vec<_>>(),
            [
                (2016, "1.1", Some(Red)),
                (2016, "1.2", Some(Yellow)),
                (2017, "1.1", Some(Yellow)),
            ]
        );
        assert!(
            t.retired.is_empty(),
            "merged is not retired: {:?}",
            t.retired
        );
        // København answered the carried recommendation: measured against it.
        let k = t
            .of_municipality(&MunicipalityCode::parse("101").unwrap())
            .unwrap();
        assert_eq!(k.transitions[0].label, "rød → grøn");
        // Frederiksberg answered only the merged one: measured against that.
        let f = t
            .of_municipality(&MunicipalityCode::parse("147").unwrap())
            .unwrap();
        assert_eq!(f.transitions[0].label, "grøn → gul");
    }
}
