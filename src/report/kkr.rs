//! The data of the KKR's own report: the region-wide result, the lists, the heatmap of every
//! municipality's answers, the response rate, the trend, and every comment.

use serde::Serialize;

use crate::domain::analysis::RoundAnalysis;
use crate::domain::status::StatusView;
use crate::domain::summary::{ClassificationCounts, ClassifiedList, Counts, Response};
use crate::domain::time::danish_date;
use crate::domain::Status;
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
}

/// The KKR report's data; only submitted answers appear anywhere in it.
pub fn build(
    analysis: &RoundAnalysis,
    chart_alt: String,
    trend_alt: String,
    now: chrono::NaiveDateTime,
) -> KkrReportData {
    let data = analysis.data_without_drafts(None);
    let content = &data.content;
    let summary = &analysis.summary;
    let heatmap = views::heatmap_rows(analysis);
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
        recommendations: summary
            .recommendations()
            .map(|r| RecRow {
                code: analysis
                    .code_label(r.recommendation_id)
                    .unwrap_or_else(|| r.code.clone()),
                counts: r.counts,
                classification: r.classification.map(StatusView::from),
            })
            .collect(),
        codes: content
            .recommendations
            .iter()
            .map(|r| r.code.clone())
            .collect(),
        heatmap,
        show_trend: analysis.trend.rounds.len() >= 2,
        submitted_count: summary.submitted_count,
        municipality_count: summary.municipality_count,
        submitted_share: crate::domain::prose::decimal(summary.submitted_share),
        missing: summary
            .municipalities
            .iter()
            .filter(|m| m.response != Response::Submitted)
            .map(|m| m.name.clone())
            .collect(),
        years: analysis
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
        like_for_like: analysis
            .trend
            .like_for_like
            .as_ref()
            .map(|l| l.sentence.clone()),
        comparison: analysis
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
    }
}
