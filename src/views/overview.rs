//! The models of the pages that show a round as a whole: the round's dashboard (signed in)
//! and its public page (the front page's list of rounds is in [`super::home`]). The dashboard and the public page show
//! the same recommendations by focus area ([`AreaView`]).

use serde::Serialize;

use crate::domain::analysis::{ClusterPart, RoundAnalysis};
use crate::domain::group::Group;
use crate::domain::status::StatusView;
use crate::domain::summary::{ClassificationCounts, ClassifiedList, Counts, Response, Summary};
use crate::domain::time::danish_datetime;
use crate::domain::trend::{Comparison, LikeForLike, RoundPoint};
use crate::domain::{access, MunicipalityCode, Round, User};

use super::HeatRow;

/// One recommendation with its counts, as the dashboard and the public page list it.
#[derive(Debug, Serialize)]
pub struct RecView {
    pub id: i32,
    pub code: String,
    pub text: String,
    pub binding: &'static str,
    pub counts: Counts,
    pub classification: Option<StatusView>,
}

/// A focus area with its recommendations.
#[derive(Debug, Serialize)]
pub struct AreaView {
    pub number: i32,
    pub title: String,
    pub recs: Vec<RecView>,
}

/// The summary's focus areas, each with its recommendations' counts.
pub fn areas(summary: &Summary) -> Vec<AreaView> {
    summary
        .focus_areas
        .iter()
        .map(|a| AreaView {
            number: a.number,
            title: a.title.clone(),
            recs: a
                .recommendations
                .iter()
                .map(|r| RecView {
                    id: r.recommendation_id,
                    code: r.code.clone(),
                    text: r.text.clone(),
                    binding: super::binding_label(r.binding),
                    counts: r.counts,
                    classification: r.classification.map(StatusView::from),
                })
                .collect(),
        })
        .collect()
}

/// A group of the KKR's municipalities: one offered by the selector, or the one shown.
#[derive(Debug, Clone, Serialize)]
pub struct GroupRef {
    pub id: i32,
    pub name: String,
    pub size: usize,
}

impl From<Group> for GroupRef {
    fn from(g: Group) -> GroupRef {
        GroupRef {
            id: g.id,
            size: g.members.len(),
            name: g.name,
        }
    }
}

/// The dashboard's headline: only what the page shows, since the whole summary holds every
/// municipality's standing.
#[derive(Debug, Serialize)]
pub struct Headline<'a> {
    pub sentence: &'a str,
    pub classification_counts: ClassificationCounts,
    pub submitted_count: u32,
    pub municipality_count: u32,
    pub submitted_share: f64,
    pub binding: &'a str,
    pub voluntary: &'a str,
}

impl<'a> From<&'a Summary> for Headline<'a> {
    fn from(summary: &'a Summary) -> Headline<'a> {
        Headline {
            sentence: &summary.sentence,
            classification_counts: summary.classification_counts,
            submitted_count: summary.submitted_count,
            municipality_count: summary.municipality_count,
            submitted_share: summary.submitted_share,
            binding: &summary.binding.sentence,
            voluntary: &summary.voluntary.sentence,
        }
    }
}

/// A recommendation not carried on from the previous round.
#[derive(Debug, Serialize)]
pub struct ItemView {
    pub code: String,
    pub text: String,
}

/// A municipality's form in the response tracker.
#[derive(Debug, Serialize)]
pub struct ResponseView {
    pub code: String,
    pub name: String,
    pub response: &'static str,
    pub submitted: bool,
    pub when: Option<String>,
    /// Who submitted it, for those who may see that.
    pub by: Option<String>,
}

/// The trend part of the dashboard and the public page.
#[derive(Debug, Serialize)]
pub struct TrendView<'a> {
    pub trend_rounds: &'a [RoundPoint],
    pub like_for_like: &'a Option<LikeForLike>,
    pub comparison: &'a Option<Comparison>,
}

impl<'a> TrendView<'a> {
    pub fn of(view: &'a RoundAnalysis) -> TrendView<'a> {
        TrendView {
            trend_rounds: &view.trend.rounds,
            like_for_like: &view.trend.like_for_like,
            comparison: &view.trend.comparison,
        }
    }
}

/// The reminder tracker the KKR's admins see on the dashboard: the municipalities that have
/// not submitted (`O`) and the reminders sent (`S`), as the reminders page builds them.
#[derive(Debug, Serialize)]
pub struct ReminderPanel<O, S> {
    pub emails: String,
    pub outstanding: Vec<O>,
    pub tracker_level: u8,
    pub sendings: Vec<S>,
    pub round_open: bool,
}

/// The round's dashboard.
#[derive(Debug, Serialize)]
pub struct DashboardPage<'a, O, S> {
    pub round: &'a Round,
    pub state_label: &'static str,
    pub deadline: String,
    pub today: String,
    pub summary: Headline<'a>,
    pub lists: Vec<ClassifiedList>,
    pub areas: Vec<AreaView>,
    pub chart_svg: &'a str,
    pub trend_svg: &'a str,
    #[serde(flatten)]
    pub trend: TrendView<'a>,
    pub retired: Vec<ItemView>,
    pub retired_year: Option<i32>,
    pub can_read_answers: bool,
    pub responses: Vec<ResponseView>,
    pub own_code: Option<String>,
    pub groups: Vec<GroupRef>,
    pub group: Option<GroupRef>,
    pub can_remind: bool,
    /// For the KKR's admins only.
    #[serde(flatten)]
    pub reminders: Option<ReminderPanel<O, S>>,
    /// The job clusters' own parts of the round (none without clusters, or narrowed to a
    /// group).
    #[serde(flatten)]
    pub clusters: ClustersView<'a>,
    pub can_write_expectations: bool,
    /// False: the shared cluster sections link the signed-in pages.
    pub public: bool,
}

/// What the dashboard shows besides the analysis: its charts, the day, the groups.
pub struct DashboardParts<'a, O, S> {
    pub chart_svg: &'a str,
    pub trend_svg: &'a str,
    pub today: String,
    pub groups: Vec<GroupRef>,
    pub group: Option<GroupRef>,
    pub reminders: Option<ReminderPanel<O, S>>,
    pub clusters: &'a [ClusterPart],
}

impl<'a, O, S> DashboardPage<'a, O, S> {
    pub fn new(
        view: &'a RoundAnalysis,
        user: Option<&User>,
        parts: DashboardParts<'a, O, S>,
    ) -> DashboardPage<'a, O, S> {
        let summary = &view.summary;
        let round = &view.data.content.round;
        DashboardPage {
            round,
            state_label: round.state.label_da(),
            deadline: danish_datetime(round.deadline),
            today: parts.today,
            summary: Headline::from(summary),
            lists: summary.council_lists(),
            areas: areas(summary),
            chart_svg: parts.chart_svg,
            trend_svg: parts.trend_svg,
            trend: TrendView::of(view),
            retired: view
                .trend
                .retired
                .iter()
                .map(|r| ItemView {
                    code: r.code.clone(),
                    text: format!("{} ({})", r.text, r.sentence),
                })
                .collect(),
            retired_year: view.trend.retired.first().map(|r| r.year),
            can_read_answers: user.is_some_and(|u| access::can_read_all_answers(u, round)),
            responses: summary
                .municipalities
                .iter()
                .map(|m| ResponseView {
                    code: m.code.to_string(),
                    name: m.name.clone(),
                    response: m.response.label_da(),
                    submitted: m.response == Response::Submitted,
                    when: m.submitted_at.map(danish_datetime),
                    by: m
                        .submitted_by
                        .clone()
                        .filter(|_| access::can_see_submitter(user, round, &m.code)),
                })
                .collect(),
            own_code: user
                .and_then(|u| u.municipality_code.as_ref())
                .map(|c| c.to_string()),
            groups: parts.groups,
            group: parts.group,
            can_remind: parts.reminders.is_some(),
            reminders: parts.reminders,
            clusters: ClustersView::new(parts.clusters, user),
            can_write_expectations: user
                .is_some_and(|u| access::can_write_expectations(u, round, false)),
            public: false,
        }
    }
}

/// A heatmap column's header on the public page.
#[derive(Debug, Serialize)]
pub struct CodeHeader {
    pub code: String,
    /// " (tidl. 1.2)" where the number changed since last round: read out after the number,
    /// as on the signed-in heatmap.
    pub former: String,
}

/// A published round's page for everyone: names municipalities, never people.
#[derive(Debug, Serialize)]
pub struct PublicRoundPage<'a> {
    pub round: &'a Round,
    pub deadline: String,
    pub sentence: &'a str,
    pub classification_counts: ClassificationCounts,
    pub binding: &'a str,
    pub voluntary: &'a str,
    pub submitted_count: u32,
    pub municipality_count: u32,
    pub submitted_share: f64,
    pub lists: Vec<ClassifiedList>,
    pub areas: Vec<AreaView>,
    pub chart_svg: String,
    pub trend_svg: String,
    #[serde(flatten)]
    pub trend: TrendView<'a>,
    pub codes: Vec<CodeHeader>,
    pub heatmap: Vec<HeatRow>,
    #[serde(flatten)]
    pub clusters: ClustersView<'a>,
    /// For the shared cluster sections: a page without sign-in links nothing signed in.
    pub public: bool,
    pub can_read_answers: bool,
    pub can_write_expectations: bool,
}

impl<'a> PublicRoundPage<'a> {
    /// `view` is the round's common part; `clusters` its job clusters' own parts.
    pub fn new(
        view: &'a RoundAnalysis,
        clusters: &'a [ClusterPart],
        chart_svg: String,
        trend_svg: String,
    ) -> Self {
        let content = &view.data.content;
        let summary = &view.summary;
        PublicRoundPage {
            round: &content.round,
            deadline: danish_datetime(content.round.deadline),
            sentence: &summary.sentence,
            classification_counts: summary.classification_counts,
            binding: &summary.binding.sentence,
            voluntary: &summary.voluntary.sentence,
            submitted_count: summary.submitted_count,
            municipality_count: summary.municipality_count,
            submitted_share: summary.submitted_share,
            lists: summary.council_lists(),
            areas: areas(summary),
            chart_svg,
            trend_svg,
            trend: TrendView::of(view),
            codes: content
                .recommendations
                .iter()
                .map(|r| CodeHeader {
                    code: r.code.clone(),
                    former: former_suffix(view, r.id),
                })
                .collect(),
            heatmap: super::heatmap_rows(view),
            clusters: ClustersView::new(clusters, None),
            public: true,
            can_read_answers: false,
            can_write_expectations: false,
        }
    }
}

/// " (tidl. 1.2)" where a recommendation's number changed since last round, else empty.
pub fn former_suffix(view: &RoundAnalysis, recommendation_id: i32) -> String {
    view.former_label(recommendation_id)
        .map(|f| format!(" ({f})"))
        .unwrap_or_default()
}

/// A job cluster's row in the table of clusters side by side: its own recommendations'
/// classifications and how many of its members have submitted.
#[derive(Debug, Serialize)]
pub struct ClusterRow {
    pub id: i32,
    pub name: String,
    pub member_count: u32,
    pub submitted_count: u32,
    pub submitted_share: f64,
    pub counts: ClassificationCounts,
    pub recommendation_count: usize,
}

/// A job cluster's section of a round's page: its own focus areas over its members, with the
/// cluster's expectations for next year.
#[derive(Debug, Serialize)]
pub struct ClusterSection<'a> {
    pub id: i32,
    pub name: String,
    /// The members' names, in the round's order.
    pub members: Vec<String>,
    pub summary: Headline<'a>,
    pub lists: Vec<ClassifiedList>,
    pub areas: Vec<AreaView>,
    pub columns: Vec<super::details::Column>,
    pub heatmap: Vec<HeatRow>,
    pub expectations: &'a str,
    pub expectations_updated: Option<String>,
    /// Whether the viewer's own municipality is a member (its editors see where coordinators
    /// write the expectations).
    pub own_cluster: bool,
}

/// A round's job clusters as a page shows them: side by side, then one section each. Empty
/// for a round whose focus areas all belong to the whole round.
#[derive(Debug, Serialize)]
pub struct ClustersView<'a> {
    pub cluster_rows: Vec<ClusterRow>,
    pub clusters: Vec<ClusterSection<'a>>,
}

impl<'a> ClustersView<'a> {
    pub fn new(parts: &'a [ClusterPart], user: Option<&User>) -> ClustersView<'a> {
        let own = user.and_then(|u| u.municipality_code.as_ref());
        ClustersView {
            cluster_rows: parts.iter().map(ClusterRow::of).collect(),
            clusters: parts
                .iter()
                .map(|part| ClusterSection::new(part, own))
                .collect(),
        }
    }
}

impl ClusterRow {
    pub fn of(part: &ClusterPart) -> ClusterRow {
        let summary = &part.analysis.summary;
        ClusterRow {
            id: part.group.id,
            name: part.group.name.clone(),
            member_count: summary.municipality_count,
            submitted_count: summary.submitted_count,
            submitted_share: summary.submitted_share,
            counts: summary.classification_counts,
            recommendation_count: summary.recommendations().count(),
        }
    }
}

impl<'a> ClusterSection<'a> {
    fn new(part: &'a ClusterPart, own: Option<&MunicipalityCode>) -> ClusterSection<'a> {
        let view = &part.analysis;
        let content = &view.data.content;
        ClusterSection {
            id: part.group.id,
            name: part.group.name.clone(),
            members: content
                .municipalities
                .iter()
                .map(|m| m.name.clone())
                .collect(),
            summary: Headline::from(&view.summary),
            lists: view.summary.council_lists(),
            areas: areas(&view.summary),
            columns: content
                .recommendations
                .iter()
                .map(|r| super::details::Column {
                    id: r.id,
                    code: r.code.clone(),
                    former: former_suffix(view, r.id),
                    text: r.text.clone(),
                })
                .collect(),
            heatmap: super::heatmap_rows(view),
            expectations: &part.group.expectations,
            expectations_updated: part.group.expectations_updated.map(danish_datetime),
            own_cluster: own.is_some_and(|c| part.group.members.contains(c)),
        }
    }
}
