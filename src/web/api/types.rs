//! The API's public contract: the JSON bodies `/api/v1/` answers with, and their schemas in the
//! OpenAPI document.
//!
//! These types are the API's own, built from the domain by explicit conversions, so that a
//! change to a domain struct cannot silently change what API clients receive: a renamed or
//! added domain field does not show here until a conversion below is changed on purpose, and
//! a new domain enum variant fails to compile here until it is given an API name. Every
//! object denies unknown fields in its schema (`additionalProperties: false`), so a response
//! with a field the document does not list fails validation. Times are UTC, written with `Z`.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{self, lineage, summary, trend};

fn utc(time: NaiveDateTime) -> DateTime<Utc> {
    time.and_utc()
}

/// A traffic light: green is "igangsat efter planen", yellow "i proces", red "endnu ikke
/// igangsat".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Green,
    Yellow,
    Red,
}

impl From<domain::Status> for Status {
    fn from(status: domain::Status) -> Self {
        match status {
            domain::Status::Green => Status::Green,
            domain::Status::Yellow => Status::Yellow,
            domain::Status::Red => Status::Red,
        }
    }
}

fn status(status: Option<domain::Status>) -> Option<Status> {
    status.map(Status::from)
}

/// Where a status round is in its year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoundState {
    Draft,
    Open,
    Closed,
    Published,
}

impl From<domain::RoundState> for RoundState {
    fn from(state: domain::RoundState) -> Self {
        match state {
            domain::RoundState::Draft => RoundState::Draft,
            domain::RoundState::Open => RoundState::Open,
            domain::RoundState::Closed => RoundState::Closed,
            domain::RoundState::Published => RoundState::Published,
        }
    }
}

/// One KKR's status round for one year.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Round {
    pub id: i32,
    pub kkr_id: i32,
    pub kkr_name: String,
    pub year: i32,
    pub title: String,
    /// The answers are due by this time (UTC).
    pub deadline: DateTime<Utc>,
    pub state: RoundState,
}

impl From<&domain::Round> for Round {
    fn from(round: &domain::Round) -> Self {
        Round {
            id: round.id,
            kkr_id: round.kkr_id,
            kkr_name: round.kkr_name.clone(),
            year: round.year,
            title: round.title.clone(),
            deadline: utc(round.deadline),
            state: round.state.into(),
        }
    }
}

/// The rounds the caller may see, newest year first.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundList {
    pub rounds: Vec<Round>,
}

/// How many municipalities answered each colour, and how many gave no submitted answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    pub green: u32,
    pub yellow: u32,
    pub red: u32,
    pub unanswered: u32,
}

impl From<&summary::Counts> for Counts {
    fn from(c: &summary::Counts) -> Self {
        Counts {
            green: c.green,
            yellow: c.yellow,
            red: c.red,
            unanswered: c.unanswered,
        }
    }
}

/// The counts as percentages of the total, to one decimal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Shares {
    pub green: f64,
    pub yellow: f64,
    pub red: f64,
    pub unanswered: f64,
}

impl From<&summary::Shares> for Shares {
    fn from(s: &summary::Shares) -> Self {
        Shares {
            green: s.green,
            yellow: s.yellow,
            red: s.red,
            unanswered: s.unanswered,
        }
    }
}

/// How many recommendations ended in each region-wide classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassificationCounts {
    pub green: u32,
    pub yellow: u32,
    pub red: u32,
    pub unclassified: u32,
}

impl From<&summary::ClassificationCounts> for ClassificationCounts {
    fn from(c: &summary::ClassificationCounts) -> Self {
        ClassificationCounts {
            green: c.green,
            yellow: c.yellow,
            red: c.red,
            unclassified: c.unclassified,
        }
    }
}

/// A group of recommendations (the binding or the voluntary ones) classified, and the Danish
/// sentence that says so.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupSummary {
    pub classification_counts: ClassificationCounts,
    pub sentence: String,
}

impl From<&summary::GroupSummary> for GroupSummary {
    fn from(g: &summary::GroupSummary) -> Self {
        GroupSummary {
            classification_counts: (&g.classification_counts).into(),
            sentence: g.sentence.clone(),
        }
    }
}

/// One recommendation's answers across the region and its classification: the colour most
/// municipalities answered, a tie going to the less advanced colour; null without submitted
/// answers.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationSummary {
    pub recommendation_id: i32,
    pub focus_area_id: i32,
    /// "1.2": the focus area's number and the recommendation's position in it.
    pub code: String,
    pub text: String,
    /// Binding for every municipality (forpligtende), else voluntary (frivillig).
    pub binding: bool,
    pub counts: Counts,
    pub shares: Shares,
    #[schema(required = true)]
    pub classification: Option<Status>,
}

impl From<&summary::RecommendationSummary> for RecommendationSummary {
    fn from(r: &summary::RecommendationSummary) -> Self {
        RecommendationSummary {
            recommendation_id: r.recommendation_id,
            focus_area_id: r.focus_area_id,
            code: r.code.clone(),
            text: r.text.clone(),
            binding: r.binding,
            counts: (&r.counts).into(),
            shares: (&r.shares).into(),
            classification: status(r.classification),
        }
    }
}

/// A focus area (indsatsområde) with its recommendations.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FocusAreaSummary {
    pub focus_area_id: i32,
    pub number: i32,
    pub title: String,
    /// The group (job cluster) whose own focus area it is: only its members are asked and
    /// counted. Null for a focus area of the whole round.
    pub group_id: Option<i32>,
    pub recommendations: Vec<RecommendationSummary>,
    /// All submitted answers to the area's recommendations, added up.
    pub counts: Counts,
    pub shares: Shares,
    pub classification_counts: ClassificationCounts,
    pub sentence: String,
}

impl From<&summary::FocusAreaSummary> for FocusAreaSummary {
    fn from(a: &summary::FocusAreaSummary) -> Self {
        FocusAreaSummary {
            focus_area_id: a.focus_area_id,
            number: a.number,
            title: a.title.clone(),
            group_id: a.group_id,
            recommendations: a.recommendations.iter().map(Into::into).collect(),
            counts: (&a.counts).into(),
            shares: (&a.shares).into(),
            classification_counts: (&a.classification_counts).into(),
            sentence: a.sentence.clone(),
        }
    }
}

/// Where a municipality is with its form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResponseState {
    NotStarted,
    Draft,
    Submitted,
}

impl From<summary::Response> for ResponseState {
    fn from(r: summary::Response) -> Self {
        match r {
            summary::Response::NotStarted => ResponseState::NotStarted,
            summary::Response::Draft => ResponseState::Draft,
            summary::Response::Submitted => ResponseState::Submitted,
        }
    }
}

/// Where a municipality's answer stands against the region-wide classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Ahead,
    Same,
    Behind,
    /// No submitted answer of the municipality, or no classification of the region.
    NotComparable,
}

impl From<summary::Relation> for Relation {
    fn from(r: summary::Relation) -> Self {
        match r {
            summary::Relation::Ahead => Relation::Ahead,
            summary::Relation::Same => Relation::Same,
            summary::Relation::Behind => Relation::Behind,
            summary::Relation::NotComparable => Relation::NotComparable,
        }
    }
}

/// A municipality's own submitted status for one recommendation against the region's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Standing {
    pub recommendation_id: i32,
    #[schema(required = true)]
    pub own: Option<Status>,
    #[schema(required = true)]
    pub region: Option<Status>,
    pub relation: Relation,
}

impl From<&summary::Standing> for Standing {
    fn from(s: &summary::Standing) -> Self {
        Standing {
            recommendation_id: s.recommendation_id,
            own: status(s.own),
            region: status(s.region),
            relation: s.relation.into(),
        }
    }
}

/// One municipality's answers in the round, counted.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MunicipalitySummary {
    /// The municipality's three-digit code (kommunekode).
    pub code: String,
    pub name: String,
    pub response: ResponseState,
    #[schema(required = true)]
    pub submitted_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub submitted_by: Option<String>,
    /// Its own submitted answers; all unanswered until it submits.
    pub counts: Counts,
    /// Per recommendation, in order.
    pub standing: Vec<Standing>,
}

impl From<&summary::MunicipalitySummary> for MunicipalitySummary {
    fn from(m: &summary::MunicipalitySummary) -> Self {
        MunicipalitySummary {
            code: m.code.as_str().to_owned(),
            name: m.name.clone(),
            response: m.response.into(),
            submitted_at: m.submitted_at.map(utc),
            submitted_by: m.submitted_by.clone(),
            counts: (&m.counts).into(),
            standing: m.standing.iter().map(Into::into).collect(),
        }
    }
}

/// The aggregation of a round: only submitted answers count.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
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
    pub binding: GroupSummary,
    pub voluntary: GroupSummary,
    /// Only the municipalities whose answers the caller may read.
    pub municipalities: Vec<MunicipalitySummary>,
}

impl From<&summary::Summary> for Summary {
    fn from(s: &summary::Summary) -> Self {
        Summary {
            round_id: s.round_id,
            municipality_count: s.municipality_count,
            submitted_count: s.submitted_count,
            submitted_share: s.submitted_share,
            focus_areas: s.focus_areas.iter().map(Into::into).collect(),
            classification_counts: (&s.classification_counts).into(),
            sentence: s.sentence.clone(),
            binding: (&s.binding).into(),
            voluntary: (&s.voluntary).into(),
            municipalities: s.municipalities.iter().map(Into::into).collect(),
        }
    }
}

/// A whole round at a glance, for the trend over the years.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundPoint {
    pub year: i32,
    pub round_id: i32,
    pub classification_counts: ClassificationCounts,
    /// All submitted answers of the round added up.
    pub answers: Counts,
    /// Shares of every municipality × recommendation, the unanswered included.
    pub shares: Shares,
    /// Shares of the submitted answers only (`unanswered` is 0); null without any.
    #[schema(required = true)]
    pub submitted_shares: Option<Shares>,
}

impl From<&trend::RoundPoint> for RoundPoint {
    fn from(p: &trend::RoundPoint) -> Self {
        RoundPoint {
            year: p.year,
            round_id: p.round_id,
            classification_counts: (&p.classification_counts).into(),
            answers: (&p.answers).into(),
            shares: (&p.shares).into(),
            submitted_shares: p.submitted_shares.as_ref().map(Into::into),
        }
    }
}

/// The recommendations continued one to one from last round (reworded and moved ones
/// included; merged and new ones not), compared answer by answer where the same municipality
/// answered (submitted) both years.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LikeForLike {
    pub previous_year: i32,
    pub year: i32,
    pub carried_recommendations: u32,
    /// Answers compared: one municipality and one carried recommendation, both years.
    pub pairs: u32,
    /// Per cent green among those answers last round.
    pub previous_green_share: f64,
    /// Per cent green among those answers this round.
    pub green_share: f64,
    pub improved: u32,
    pub unchanged: u32,
    pub worsened: u32,
    /// The comparison in Danish.
    pub sentence: String,
}

impl From<&trend::LikeForLike> for LikeForLike {
    fn from(l: &trend::LikeForLike) -> Self {
        LikeForLike {
            previous_year: l.previous_year,
            year: l.year,
            carried_recommendations: l.carried_recommendations,
            pairs: l.pairs,
            previous_green_share: l.previous_green_share,
            green_share: l.green_share,
            improved: l.improved,
            unchanged: l.unchanged,
            worsened: l.worsened,
            sentence: l.sentence.clone(),
        }
    }
}

/// One recommendation in one round.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrendPoint {
    pub year: i32,
    pub round_id: i32,
    pub recommendation_id: i32,
    pub code: String,
    pub counts: Counts,
    pub shares: Shares,
    #[schema(required = true)]
    pub classification: Option<Status>,
}

impl From<&trend::TrendPoint> for TrendPoint {
    fn from(p: &trend::TrendPoint) -> Self {
        TrendPoint {
            year: p.year,
            round_id: p.round_id,
            recommendation_id: p.recommendation_id,
            code: p.code.clone(),
            counts: (&p.counts).into(),
            shares: (&p.shares).into(),
            classification: status(p.classification),
        }
    }
}

/// A recommendation followed back through the rounds it was carried over from.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationTrend {
    pub recommendation_id: i32,
    pub code: String,
    /// Oldest first, ending with this round.
    pub points: Vec<TrendPoint>,
    /// Not carried over from the previous round.
    pub is_new: bool,
}

impl From<&trend::RecommendationTrend> for RecommendationTrend {
    fn from(r: &trend::RecommendationTrend) -> Self {
        RecommendationTrend {
            recommendation_id: r.recommendation_id,
            code: r.code.clone(),
            points: r.points.iter().map(Into::into).collect(),
            is_new: r.is_new,
        }
    }
}

/// A recommendation of the previous round that this round does not carry on.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetiredRecommendation {
    pub year: i32,
    pub recommendation_id: i32,
    pub code: String,
    pub text: String,
    #[schema(required = true)]
    pub classification: Option<Status>,
    /// Last round's submitted answers to it.
    pub previous: Tally,
    /// In Danish, e.g. "1.4 er udgået: sidste år 1 grøn af 2 svar."
    pub sentence: String,
}

impl From<&trend::RetiredRecommendation> for RetiredRecommendation {
    fn from(r: &trend::RetiredRecommendation) -> Self {
        RetiredRecommendation {
            year: r.year,
            recommendation_id: r.recommendation_id,
            code: r.code.clone(),
            text: r.text.clone(),
            classification: status(r.classification),
            previous: r.previous.into(),
            sentence: r.sentence.clone(),
        }
    }
}

/// Submitted answers, and how many of them were green.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Tally {
    pub answers: u32,
    pub green: u32,
}

impl From<lineage::Tally> for Tally {
    fn from(t: lineage::Tally) -> Self {
        Tally {
            answers: t.answers,
            green: t.green,
        }
    }
}

/// A recommendation that several of last round's were merged into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergedRecommendation {
    pub recommendation_id: i32,
    pub code: String,
    /// Last round's numbers of the recommendations merged into it.
    pub from_codes: Vec<String>,
    /// Last round's submitted answers to those.
    pub previous: Tally,
    /// This round's submitted answers to it.
    pub current: Tally,
    /// In Danish, e.g. "1.2 og 3.2 er lagt sammen i 3.1: sidste år 9 grønne af 26 svar, i år
    /// 12 af 15."
    pub sentence: String,
}

/// What last round's submitted answers became: each is counted in exactly one of
/// like-for-like, merged and retired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    pub previous_year: i32,
    pub year: i32,
    /// Recommendations continued one to one (reworded and moved ones included).
    pub like_for_like_recommendations: u32,
    /// Last round's answers to those, and this round's answers to their continuations.
    pub like_for_like_previous: Tally,
    pub like_for_like_current: Tally,
    pub merged: Vec<MergedRecommendation>,
    /// Last round's answers to recommendations retired since (each one in `retired`).
    pub retired_previous: Tally,
    /// Which answers each figure counts, in Danish.
    pub scope_sentence: String,
}

impl From<&trend::Comparison> for Comparison {
    fn from(c: &trend::Comparison) -> Self {
        let mut retired = lineage::Tally::default();
        for r in &c.buckets.retired {
            retired.answers += r.previous.answers;
            retired.green += r.previous.green;
        }
        Comparison {
            previous_year: c.previous_year,
            year: c.year,
            like_for_like_recommendations: c.buckets.like_for_like_recommendations,
            like_for_like_previous: c.buckets.like_for_like_previous.into(),
            like_for_like_current: c.buckets.like_for_like_current.into(),
            merged: c
                .merged
                .iter()
                .map(|m| MergedRecommendation {
                    recommendation_id: m.figure.recommendation_id,
                    code: m.figure.code.clone(),
                    from_codes: m.figure.from_codes.clone(),
                    previous: m.figure.previous.into(),
                    current: m.figure.current.into(),
                    sentence: m.sentence.clone(),
                })
                .collect(),
            retired_previous: retired.into(),
            scope_sentence: c.scope_sentence.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    Continued,
    Moved,
    Merged,
    New,
}

impl From<lineage::LinkKind> for LinkKind {
    fn from(k: lineage::LinkKind) -> Self {
        match k {
            lineage::LinkKind::Continued => LinkKind::Continued,
            lineage::LinkKind::Moved => LinkKind::Moved,
            lineage::LinkKind::Merged => LinkKind::Merged,
            lineage::LinkKind::New => LinkKind::New,
        }
    }
}

/// A recommendation of the previous round as a later one refers to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Former {
    pub round_id: i32,
    pub year: i32,
    pub recommendation_id: i32,
    /// Its number then.
    pub code: String,
    pub text: String,
}

impl From<&lineage::Former> for Former {
    fn from(f: &lineage::Former) -> Self {
        Former {
            round_id: f.round_id,
            year: f.year,
            recommendation_id: f.recommendation_id,
            code: f.code.clone(),
            text: f.text.clone(),
        }
    }
}

/// Where a recommendation of the round comes from in the previous round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub recommendation_id: i32,
    pub code: String,
    /// "3.2 (tidl. 1.2)" where the number changed since last round, else the number.
    pub code_label: String,
    pub kind: LinkKind,
    /// Its text differs from its own predecessor's.
    pub reworded: bool,
    /// Its predecessors: its own first, then those merged into it.
    pub from: Vec<Former>,
}

impl From<&lineage::Link> for Link {
    fn from(l: &lineage::Link) -> Self {
        Link {
            recommendation_id: l.recommendation_id,
            code: l.code.clone(),
            code_label: l.code_label(),
            kind: l.kind.into(),
            reworded: l.reworded,
            from: l.from.iter().map(Into::into).collect(),
        }
    }
}

/// A municipality's submitted answer last round to what a recommendation continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviousAnswer {
    pub year: i32,
    pub round_id: i32,
    pub recommendation_id: i32,
    /// Its number last round.
    pub code: String,
    pub status: Status,
    pub comment: String,
    /// The answer's evidence link (http or https), null without one.
    #[schema(required = true, example = "https://www.kommune.dk/dagsorden/punkt-4")]
    pub evidence_url: Option<String>,
}

impl From<&lineage::PreviousAnswer> for PreviousAnswer {
    fn from(p: &lineage::PreviousAnswer) -> Self {
        PreviousAnswer {
            year: p.year,
            round_id: p.round_id,
            recommendation_id: p.recommendation_id,
            code: p.code.clone(),
            status: p.status.into(),
            comment: p.comment.clone(),
            evidence_url: p.evidence.as_ref().map(|e| e.as_str().to_owned()),
        }
    }
}

/// A municipality's submitted status and comment in one round along the lineage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    pub year: i32,
    pub round_id: i32,
    pub recommendation_id: i32,
    /// Its number in that round.
    pub code: String,
    /// Null when the municipality submitted no answer to it that round.
    #[schema(required = true)]
    pub status: Option<Status>,
    pub comment: String,
}

impl From<&lineage::TimelineEntry> for TimelineEntry {
    fn from(e: &lineage::TimelineEntry) -> Self {
        TimelineEntry {
            year: e.year,
            round_id: e.round_id,
            recommendation_id: e.recommendation_id,
            code: e.code.clone(),
            status: status(e.status),
            comment: e.comment.clone(),
        }
    }
}

/// One recommendation's history for one municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationHistory {
    pub link: Link,
    /// Last round's submitted answers to what it continues: one, one per merged predecessor,
    /// or none.
    pub previous_answers: Vec<PreviousAnswer>,
    /// Every round along its lineage, oldest first, ending with this round (submitted answers
    /// only).
    pub timeline: Vec<TimelineEntry>,
}

impl MunicipalityHistory {
    /// Read from the analysis by the same functions every page and document uses.
    pub fn of(
        analysis: &domain::analysis::RoundAnalysis,
        code: &domain::MunicipalityCode,
    ) -> MunicipalityHistory {
        let ancestry = analysis.ancestry();
        MunicipalityHistory {
            round_id: analysis.data.content.round.id,
            municipality_code: code.as_str().to_owned(),
            previous_year: analysis.trend.lineage.previous.map(|(_, year)| year),
            recommendations: analysis
                .trend
                .lineage
                .links
                .iter()
                .map(|l| RecommendationHistory {
                    link: l.into(),
                    previous_answers: analysis
                        .previous_answers(code, l.recommendation_id)
                        .iter()
                        .map(Into::into)
                        .collect(),
                    timeline: ancestry
                        .timeline(code, l.recommendation_id)
                        .iter()
                        .map(Into::into)
                        .collect(),
                })
                .collect(),
        }
    }
}

/// A municipality's answers across the years, recommendation by recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityHistory {
    pub round_id: i32,
    pub municipality_code: String,
    /// The round compared with; null for a first round.
    #[schema(required = true)]
    pub previous_year: Option<i32>,
    pub recommendations: Vec<RecommendationHistory>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    Improved,
    Unchanged,
    Worsened,
}

impl From<trend::Movement> for Movement {
    fn from(m: trend::Movement) -> Self {
        match m {
            trend::Movement::Improved => Movement::Improved,
            trend::Movement::Unchanged => Movement::Unchanged,
            trend::Movement::Worsened => Movement::Worsened,
        }
    }
}

/// One municipality's answer to one recommendation, last round and this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    pub recommendation_id: i32,
    pub from: Status,
    pub to: Status,
    pub movement: Movement,
    /// In Danish, e.g. "rød → gul".
    pub label: String,
}

impl From<&trend::Transition> for Transition {
    fn from(t: &trend::Transition) -> Self {
        Transition {
            recommendation_id: t.recommendation_id,
            from: t.from.into(),
            to: t.to.into(),
            movement: t.movement.into(),
            label: t.label.clone(),
        }
    }
}

/// How one municipality's answers moved since last round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityTrend {
    pub code: String,
    /// Only recommendations it answered (submitted) in both rounds.
    pub transitions: Vec<Transition>,
    pub improved: u32,
    pub unchanged: u32,
    pub worsened: u32,
}

impl From<&trend::MunicipalityTrend> for MunicipalityTrend {
    fn from(m: &trend::MunicipalityTrend) -> Self {
        MunicipalityTrend {
            code: m.code.as_str().to_owned(),
            transitions: m.transitions.iter().map(Into::into).collect(),
            improved: m.improved,
            unchanged: m.unchanged,
            worsened: m.worsened,
        }
    }
}

/// How the round moved against the earlier rounds of its KKR.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Trend {
    /// Oldest first, ending with this round.
    pub rounds: Vec<RoundPoint>,
    pub recommendations: Vec<RecommendationTrend>,
    pub retired: Vec<RetiredRecommendation>,
    /// Only the municipalities whose answers the caller may read.
    pub municipalities: Vec<MunicipalityTrend>,
    /// Null for a first round or when no carried recommendation was answered both years.
    #[schema(required = true)]
    pub like_for_like: Option<LikeForLike>,
    /// Null for a first round.
    #[schema(required = true)]
    pub comparison: Option<Comparison>,
    /// Where each recommendation of the round comes from in the previous round.
    pub lineage: Vec<Link>,
}

impl From<&trend::Trend> for Trend {
    fn from(t: &trend::Trend) -> Self {
        Trend {
            rounds: t.rounds.iter().map(Into::into).collect(),
            recommendations: t.recommendations.iter().map(Into::into).collect(),
            retired: t.retired.iter().map(Into::into).collect(),
            municipalities: t.municipalities.iter().map(Into::into).collect(),
            like_for_like: t.like_for_like.as_ref().map(Into::into),
            comparison: t.comparison.as_ref().map(Into::into),
            lineage: t.lineage.links.iter().map(Into::into).collect(),
        }
    }
}

/// Everything the round's dashboard shows.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundSummary {
    pub round: Round,
    pub summary: Summary,
    pub trend: Trend,
}

/// A group of the round's KKR, and for a job cluster (a group with focus areas of its own in
/// the round) its own part: its focus areas counted among its members.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupPart {
    pub id: i32,
    pub name: String,
    /// Its members among the round's municipalities (codes; as they were when the round
    /// closed, for a closed round's clusters).
    pub members: Vec<String>,
    /// Whether the group owns focus areas in the round.
    pub cluster: bool,
    /// The cluster's own focus areas among its members, with per-municipality figures only
    /// for municipalities whose answers the caller may read; null for a group without focus
    /// areas of its own.
    pub summary: Option<Summary>,
    /// Its "forventninger til det kommende års klyngesamarbejde" for the round; empty when none
    /// is written.
    pub expectations: String,
}

/// The round's groups side by side.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundGroups {
    pub round: Round,
    pub groups: Vec<GroupPart>,
}

/// One municipality in the response tracker.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseEntry {
    pub code: String,
    pub name: String,
    pub response: ResponseState,
    #[schema(required = true)]
    pub submitted_at: Option<DateTime<Utc>>,
    /// Who submitted: only for a municipality whose answers the caller may read, else null.
    #[schema(required = true)]
    pub submitted_by: Option<String>,
}

impl From<&summary::MunicipalitySummary> for ResponseEntry {
    fn from(m: &summary::MunicipalitySummary) -> Self {
        ResponseEntry {
            code: m.code.as_str().to_owned(),
            name: m.name.clone(),
            response: m.response.into(),
            submitted_at: m.submitted_at.map(utc),
            submitted_by: m.submitted_by.clone(),
        }
    }
}

/// Which municipalities have submitted, and when.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Responses {
    pub round_id: i32,
    pub municipality_count: u32,
    pub submitted_count: u32,
    /// Percentage of the round's municipalities that have submitted, to one decimal.
    pub submitted_share: f64,
    pub municipalities: Vec<ResponseEntry>,
}

impl From<&summary::Summary> for Responses {
    fn from(s: &summary::Summary) -> Self {
        Responses {
            round_id: s.round_id,
            municipality_count: s.municipality_count,
            submitted_count: s.submitted_count,
            submitted_share: s.submitted_share,
            municipalities: s.municipalities.iter().map(Into::into).collect(),
        }
    }
}

/// Whether a form is still being worked on or has been handed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SubmissionState {
    Draft,
    Submitted,
}

impl From<domain::SubmissionState> for SubmissionState {
    fn from(state: domain::SubmissionState) -> Self {
        match state {
            domain::SubmissionState::Draft => SubmissionState::Draft,
            domain::SubmissionState::Submitted => SubmissionState::Submitted,
        }
    }
}

/// One recommendation's answer. A draft may hold a comment without a status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub recommendation_id: i32,
    #[schema(required = true)]
    pub status: Option<Status>,
    pub comment: String,
    /// A link to what documents the answer (a council decision, a plan): http or https,
    /// null without one.
    #[schema(required = true, example = "https://www.kommune.dk/dagsorden/punkt-4")]
    pub evidence_url: Option<String>,
    /// Taken over from last round and not yet confirmed or changed ("fra sidste år").
    pub carried: bool,
}

impl From<&domain::Answer> for Answer {
    fn from(a: &domain::Answer) -> Self {
        Answer {
            recommendation_id: a.recommendation_id,
            status: status(a.status),
            comment: a.comment.clone(),
            evidence_url: a.evidence.as_ref().map(|e| e.as_str().to_owned()),
            carried: a.carried,
        }
    }
}

/// A municipality's form for a round.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    pub id: i32,
    pub round_id: i32,
    pub municipality_code: String,
    pub state: SubmissionState,
    #[schema(required = true)]
    pub submitted_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub submitted_by: Option<String>,
    /// Bumped by every change.
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    #[schema(required = true)]
    pub updated_by: Option<String>,
    /// Proposals for new focus areas.
    pub proposals: String,
    /// Reopened by an admin after the deadline.
    pub reopened: bool,
    pub answers: Vec<Answer>,
}

impl From<&domain::Submission> for Submission {
    fn from(s: &domain::Submission) -> Self {
        Submission {
            id: s.id,
            round_id: s.round_id,
            municipality_code: s.municipality_code.as_str().to_owned(),
            state: s.state.into(),
            submitted_at: s.submitted_at.map(utc),
            submitted_by: s.submitted_by.clone(),
            version: s.version,
            updated_at: utc(s.updated_at),
            updated_by: s.updated_by.clone(),
            proposals: s.proposals.clone(),
            reopened: s.reopened,
            answers: s.answers.iter().map(Into::into).collect(),
        }
    }
}

/// What kind of error: one code per status the API answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Unauthorized,
    Forbidden,
    NotFound,
    BadRequest,
    MethodNotAllowed,
    PayloadTooLarge,
    TooManyRequests,
    Unavailable,
    Internal,
}

/// The body of every error the API answers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Error)]
pub struct ErrorBody<'a> {
    pub error: ErrorCode,
    /// What went wrong, in Danish, for the person calling the API.
    pub reason: &'a str,
}
