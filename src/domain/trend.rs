//! How a round moved against the rounds before it, along each recommendation's
//! predecessors: its `carried_from` and the recommendations merged into it (`merged_from`).
//! Per recommendation its classification and distribution in every earlier round (a merged
//! recommendation has one point per predecessor, so both histories show); per municipality
//! each transition since last round (e.g. rød -> gul), measured against `carried_from`'s
//! answer, or a merged predecessor's when that one has none. Recommendations new this round,
//! and last round's that were retired (neither carried on nor merged), are named as such.

use serde::Serialize;
use std::collections::HashMap;

use super::lineage::{buckets, lineage, Ancestry, Buckets, Lineage, MergedFigure, Tally};
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
    /// Last round's submitted answers to it.
    pub previous: Tally,
    /// "1.4 er udgået: sidste år 1 grøn af 2 svar."
    pub sentence: String,
}

/// A recommendation of this round that several of last round's were merged into.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergedRecommendation {
    #[serde(flatten)]
    pub figure: MergedFigure,
    /// "1.2 og 3.2 er lagt sammen i 3.1: sidste år 9 grønne af 26 svar, i år 12 af 15."
    pub sentence: String,
}

/// What last round's submitted answers became: every one is counted in exactly one of
/// like-for-like, merged and retired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub previous_year: i32,
    pub year: i32,
    pub buckets: Buckets,
    pub merged: Vec<MergedRecommendation>,
    /// Which answers each figure counts, in Danish.
    pub scope_sentence: String,
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
    /// Recommendations of this round continued one to one from last round's (reworded and
    /// moved ones included; merged and new ones not).
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
    /// This round's recommendations against the previous round's.
    pub lineage: Lineage,
    /// `None` for a first round.
    pub comparison: Option<Comparison>,
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
    lineage: &Lineage,
    municipalities: &[MunicipalityTrend],
) -> Option<LikeForLike> {
    let previous = previous?;
    let carried = lineage
        .links
        .iter()
        .filter(|l| l.kind.is_one_to_one())
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
    let ancestry = Ancestry::new(earlier.iter().copied().chain(std::iter::once(current)));
    let previous = earlier.last().zip(summaries.last());
    let lineage = lineage(&current.content, previous.map(|(d, _)| &d.content));
    let comparison = previous.map(|(data, _)| comparison(&lineage, current, data));

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
            // Every ancestor through continuations, moves and merges, oldest first.
            let mut points: Vec<TrendPoint> = ancestry
                .ancestors(r.recommendation_id)
                .into_iter()
                .filter(|(_, rec)| rec.id != r.recommendation_id)
                .filter_map(|(data, rec)| {
                    by_id
                        .get(&rec.id)
                        .map(|(_, s)| point(data.content.round.year, data.content.round.id, s))
                })
                .collect();
            points.push(point(
                current.content.round.year,
                current.content.round.id,
                r,
            ));
            let is_new = current
                .content
                .recommendations
                .iter()
                .find(|x| x.id == r.recommendation_id)
                .is_none_or(|x| x.is_new());
            RecommendationTrend {
                recommendation_id: r.recommendation_id,
                code: r.code.clone(),
                points,
                is_new,
            }
        })
        .collect();

    let retired = previous
        .zip(comparison.as_ref())
        .map(|((_, summary), comparison)| {
            let before = &comparison.buckets;
            lineage
                .retired
                .iter()
                .map(|f| {
                    let tally = before
                        .retired
                        .iter()
                        .find(|r| r.recommendation_id == f.recommendation_id)
                        .map(|r| r.previous)
                        .unwrap_or_default();
                    let classification = summary
                        .recommendations()
                        .find(|r| r.recommendation_id == f.recommendation_id)
                        .and_then(|r| r.classification);
                    RetiredRecommendation {
                        year: f.year,
                        recommendation_id: f.recommendation_id,
                        code: f.code.clone(),
                        text: f.text.clone(),
                        classification,
                        previous: tally,
                        sentence: super::prose::retired_sentence(&super::lineage::RetiredFigure {
                            recommendation_id: f.recommendation_id,
                            code: f.code.clone(),
                            text: f.text.clone(),
                            previous: tally,
                        }),
                    }
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
            for link in lineage.links.iter().filter(|l| l.kind.is_one_to_one()) {
                let to = now
                    .and_then(|s| s.answer(link.recommendation_id))
                    .and_then(|a| a.status);
                let from = link
                    .from
                    .first()
                    .and_then(|f| before.and_then(|s| s.answer(f.recommendation_id)))
                    .and_then(|a| a.status);
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
                        recommendation_id: link.recommendation_id,
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
    let like_for_like = like_for_like(
        current,
        previous.map(|(d, _)| *d),
        &lineage,
        &municipalities,
    );

    Trend {
        rounds,
        recommendations,
        retired,
        municipalities,
        like_for_like,
        lineage,
        comparison,
    }
}

fn comparison(lineage: &Lineage, current: &RoundData, previous: &RoundData) -> Comparison {
    let buckets = buckets(lineage, current, previous);
    let merged = buckets
        .merged
        .iter()
        .map(|m| MergedRecommendation {
            figure: m.clone(),
            sentence: super::prose::merged_sentence(m),
        })
        .collect();
    let previous_year = previous.content.round.year;
    let scope_sentence = super::prose::comparison_scope_sentence(previous_year, &buckets);
    Comparison {
        previous_year,
        year: current.content.round.year,
        buckets,
        merged,
        scope_sentence,
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
                            comment: String::new(),
                            carried: false,
                            evidence: None,
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
        // A merge is not compared like for like: no transition, and the comparison counts
        // last year's three answers under the merge.
        for code in ["101", "147"] {
            let m = t
                .of_municipality(&MunicipalityCode::parse(code).unwrap())
                .unwrap();
            assert!(m.transitions.is_empty(), "{code}: {:?}", m.transitions);
        }
        let c = t.comparison.as_ref().unwrap();
        assert_eq!(c.buckets.merged.len(), 1);
        assert_eq!(c.buckets.merged[0].previous.answers, 3);
        assert_eq!(c.buckets.like_for_like_previous.answers, 0);
        assert_eq!(
            c.merged[0].sentence,
            "1.1 og 1.2 er lagt sammen i 1.1: sidste år 1 grøn af 3 svar, i år 1 af 2."
        );
    }
}
