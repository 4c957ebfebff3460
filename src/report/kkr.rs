//! The data of the KKR's own report: the region-wide result, the lists, the heatmap of every
//! municipality's answers, the response rate, the trend, and every comment.

use serde::Serialize;

use crate::domain::analysis::{ClusterPart, RoundAnalysis};
use crate::domain::status::StatusView;
use crate::domain::summary::{ClassificationCounts, ClassifiedList, Counts, Response};
use crate::domain::time::danish_date;
use crate::domain::{Scope, Status};
use crate::views::{self, HeatRow};

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub code: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct YearRow {
    pub year: i32,
    pub counts: ClassificationCounts,
    /// Green among the round's submitted answers, "29,6 %", or "–" without any.
    pub green_share: String,
}

/// A recommendation's comments, grouped by the status they came with.
#[derive(Debug, Clone, Serialize)]
pub struct CommentGroup {
    pub code: String,
    pub text: String,
    /// Green first; only statuses with at least one comment.
    pub statuses: Vec<StatusComments>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusComments {
    pub status: StatusView,
    pub comments: Vec<CommentItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommentItem {
    pub municipality: String,
    pub comment: String,
    /// The answer's evidence link, said after the comment.
    pub evidence: Option<String>,
}

/// A municipality's proposal for new focus areas, from its submitted form.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalItem {
    pub municipality: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecRow {
    pub code: String,
    pub counts: Counts,
    pub classification: Option<StatusView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KkrReportData {
    pub title: String,
    pub kkr: String,
    pub year: i32,
    pub extracted: String,
    pub sentence: String,
    pub binding_sentence: String,
    pub voluntary_sentence: String,
    pub lists: Vec<ClassifiedList>,
    pub recommendations: Vec<RecRow>,
    pub codes: Vec<String>,
    pub heatmap: Vec<HeatRow>,
    /// The trend chart and table are shown from two rounds on.
    pub show_trend: bool,
    pub submitted_count: u32,
    pub municipality_count: u32,
    /// "82,8".
    pub submitted_share: String,
    pub missing: Vec<String>,
    pub years: Vec<YearRow>,
    /// The like-for-like change on the recommendations carried over, in Danish.
    pub like_for_like: Option<String>,
    /// The merged recommendations' figures, then which answers each figure counts.
    pub comparison: Vec<String>,
    /// Recommendations whose number changed since last round: "3.2 (tidl. 1.2)".
    pub renumbered: Vec<String>,
    pub retired: Vec<Item>,
    /// Recommendations with at least one comment.
    pub comments: Vec<CommentGroup>,
    /// The codes of those without any ("2.1, 3.4"), for one sentence.
    pub uncommented: Vec<String>,
    pub proposals: Vec<ProposalItem>,
    pub chart_alt: String,
    pub trend_alt: String,
    /// One section per job cluster (its own focus areas among its municipalities); empty in a
    /// round without clusters. The figures above then cover the common focus areas.
    pub clusters: Vec<ClusterSection>,
}

/// A job cluster's part of the KKR report.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterSection {
    pub name: String,
    /// "Faxe, Køge og Stevns".
    pub members: String,
    pub sentence: String,
    pub counts: ClassificationCounts,
    pub submitted_count: u32,
    pub municipality_count: u32,
    pub submitted_share: String,
    pub lists: Vec<ClassifiedList>,
    pub recommendations: Vec<RecRow>,
    pub codes: Vec<String>,
    pub heatmap: Vec<HeatRow>,
    /// The like-for-like change on the cluster's recommendations carried over, in Danish.
    pub like_for_like: Option<String>,
    /// Its "forventninger til det kommende års klyngesamarbejde"; empty when none is written.
    pub expectations: String,
}

fn rec_rows(analysis: &RoundAnalysis) -> Vec<RecRow> {
    analysis
        .summary
        .recommendations()
        .map(|r| RecRow {
            code: analysis
                .code_label(r.recommendation_id)
                .unwrap_or_else(|| r.code.clone()),
            counts: r.counts,
            classification: r.classification.map(StatusView::from),
        })
        .collect()
}

fn cluster_section(part: &ClusterPart) -> ClusterSection {
    let view = &part.analysis;
    let summary = &view.summary;
    let names: Vec<String> = view
        .data
        .content
        .municipalities
        .iter()
        .map(|m| m.name.clone())
        .collect();
    ClusterSection {
        name: part.group.name.clone(),
        members: crate::domain::prose::join_and(&names),
        sentence: summary.sentence.clone(),
        counts: summary.classification_counts,
        submitted_count: summary.submitted_count,
        municipality_count: summary.municipality_count,
        submitted_share: crate::domain::prose::decimal(summary.submitted_share),
        lists: summary.council_lists(),
        recommendations: rec_rows(view),
        codes: view
            .data
            .content
            .recommendations
            .iter()
            .map(|r| r.code.clone())
            .collect(),
        heatmap: views::heatmap_rows(view),
        like_for_like: view
            .trend
            .like_for_like
            .as_ref()
            .map(|l| l.sentence.clone()),
        expectations: part.group.expectations.clone(),
    }
}

/// The part of a round the KKR report's main figures cover: the common focus areas when the
/// round has job clusters, else the whole round (`None`: `analysis` itself).
pub fn region_part(analysis: &RoundAnalysis) -> Option<RoundAnalysis> {
    analysis
        .has_clusters()
        .then(|| analysis.scoped(Scope::Common))
}

/// The KKR report's data; only submitted answers appear anywhere in it. `region` is the part
/// its main figures cover ([`region_part`]); the comments and proposals cover the whole round.
pub fn build(
    analysis: &RoundAnalysis,
    region: &RoundAnalysis,
    chart_alt: String,
    trend_alt: String,
    now: chrono::NaiveDateTime,
) -> KkrReportData {
    let data = analysis.data_without_drafts(None);
    let content = &data.content;
    let summary = &region.summary;
    let heatmap = views::heatmap_rows(region);
    let (comments, uncommented): (Vec<CommentGroup>, Vec<CommentGroup>) = content
        .recommendations
        .iter()
        .map(|r| CommentGroup {
            code: analysis.code_label(r.id).unwrap_or_else(|| r.code.clone()),
            text: r.text.clone(),
            statuses: Status::ALL
                .iter()
                .map(|&status| StatusComments {
                    status: status.into(),
                    comments: content
                        .municipalities
                        .iter()
                        .filter_map(|m| {
                            let answer = data.submission_of(&m.code)?.answer(r.id)?;
                            (answer.status == Some(status) && !answer.comment.trim().is_empty())
                                .then(|| CommentItem {
                                    municipality: m.name.clone(),
                                    comment: answer.comment.clone(),
                                    evidence: answer.evidence_url(),
                                })
                        })
                        .collect(),
                })
                .filter(|group| !group.comments.is_empty())
                .collect(),
        })
        .partition(|group| !group.statuses.is_empty());
    KkrReportData {
        title: format!(
            "{} – samlet status for {}",
            content.round.title, content.round.kkr_name
        ),
        kkr: content.round.kkr_name.clone(),
        year: content.round.year,
        extracted: danish_date(now),
        sentence: summary.sentence.clone(),
        binding_sentence: summary.binding.sentence.clone(),
        voluntary_sentence: summary.voluntary.sentence.clone(),
        lists: summary.council_lists(),
        recommendations: rec_rows(region),
        codes: region
            .data
            .content
            .recommendations
            .iter()
            .map(|r| r.code.clone())
            .collect(),
        heatmap,
        show_trend: region.trend.rounds.len() >= 2,
        submitted_count: summary.submitted_count,
        municipality_count: summary.municipality_count,
        submitted_share: crate::domain::prose::decimal(summary.submitted_share),
        missing: summary
            .municipalities
            .iter()
            .filter(|m| m.response != Response::Submitted)
            .map(|m| m.name.clone())
            .collect(),
        years: region
            .trend
            .rounds
            .iter()
            .map(|r| YearRow {
                year: r.year,
                counts: r.classification_counts,
                // Among the submitted answers: see `trend::RoundPoint::submitted_shares`.
                green_share: r.submitted_shares.map_or_else(
                    || crate::views::NOTHING.to_owned(),
                    |s| format!("{} %", crate::domain::prose::decimal(s.green)),
                ),
            })
            .collect(),
        like_for_like: region
            .trend
            .like_for_like
            .as_ref()
            .map(|l| l.sentence.clone()),
        comparison: region
            .trend
            .comparison
            .iter()
            .flat_map(|c| {
                c.merged
                    .iter()
                    .map(|m| m.sentence.clone())
                    .chain(std::iter::once(c.scope_sentence.clone()))
            })
            .collect(),
        renumbered: analysis
            .trend
            .lineage
            .links
            .iter()
            .filter(|l| l.former_codes().is_some())
            .map(|l| l.code_label())
            .collect(),
        retired: analysis
            .trend
            .retired
            .iter()
            .map(|r| Item {
                code: r.code.clone(),
                text: format!("{} – {}", r.text, r.sentence),
            })
            .collect(),
        comments,
        uncommented: uncommented.into_iter().map(|g| g.code).collect(),
        proposals: content
            .municipalities
            .iter()
            .filter_map(|m| {
                let text = data.submission_of(&m.code)?.proposals.trim();
                (!text.is_empty()).then(|| ProposalItem {
                    municipality: m.name.clone(),
                    text: text.to_owned(),
                })
            })
            .collect(),
        chart_alt,
        trend_alt,
        clusters: analysis
            .cluster_parts()
            .iter()
            .map(cluster_section)
            .collect(),
    }
}
