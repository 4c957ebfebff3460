//! The models of the pages that show a round answer by answer: the heatmap, one
//! recommendation, one municipality, and all KKRs of a year side by side.

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::analysis::RoundAnalysis;
use crate::domain::status::StatusView;
use crate::domain::summary::{Counts, MunicipalitySummary, Relation, Response, Shares, Summary};
use crate::domain::time::danish_datetime;
use crate::domain::{
    danish_sort_key, FocusArea, Kkr, MunicipalityCode, Recommendation, Round, Status, Submission,
};
use crate::store::snapshots::SnapshotInfo;

use super::overview::{former_suffix, GroupRef};
use super::snapshot_changes::ListState;
use super::{HeatRow, OwnRow, Timeline};

/// A heatmap column: one recommendation.
#[derive(Debug, Serialize)]
pub struct Column {
    pub id: i32,
    pub code: String,
    /// " (tidl. 1.2)" where the number changed since last round, read out after the number.
    pub former: String,
    pub text: String,
}

/// Every municipality's submitted answers, one row each.
#[derive(Debug, Serialize)]
pub struct HeatmapPage<'a> {
    pub round: &'a Round,
    pub columns: Vec<Column>,
    pub rows: Vec<HeatRow>,
    pub sorted_by_green: bool,
    pub groups: Vec<GroupRef>,
    pub group: Option<GroupRef>,
}

impl<'a> HeatmapPage<'a> {
    /// The heatmap in the municipalities' order, or most green first (ties by name).
    pub fn new(
        view: &'a RoundAnalysis,
        by_green: bool,
        groups: Vec<GroupRef>,
        group: Option<GroupRef>,
    ) -> HeatmapPage<'a> {
        let content = &view.data.content;
        let mut rows = super::heatmap_rows(view);
        if by_green {
            rows.sort_by(|a, b| {
                b.greens
                    .cmp(&a.greens)
                    .then_with(|| danish_sort_key(&a.name).cmp(&danish_sort_key(&b.name)))
            });
        }
        HeatmapPage {
            round: &content.round,
            columns: content
                .recommendations
                .iter()
                .map(|r| Column {
                    id: r.id,
                    code: r.code.clone(),
                    former: former_suffix(view, r.id),
                    text: r.text.clone(),
                })
                .collect(),
            rows,
            sorted_by_green: by_green,
            groups,
            group,
        }
    }
}

/// One municipality's submitted answer to the recommendation.
#[derive(Debug, Serialize)]
pub struct AnswerRow {
    pub code: String,
    pub name: String,
    pub status: Option<StatusView>,
    pub comment: String,
    pub evidence: Option<String>,
    pub state: &'static str,
    /// Its status in every round along the recommendation's lineage.
    pub timeline: Timeline,
}

/// The recommendation's region-wide figures in one earlier round.
#[derive(Debug, Serialize)]
pub struct HistoryPoint {
    pub year: i32,
    pub round_id: i32,
    pub code: String,
    pub counts: Counts,
    pub classification: Option<StatusView>,
}

/// Where a recommendation comes from: "Videreført", "Lagt sammen" …, with what it continues.
#[derive(Debug, Serialize)]
pub struct LinkView {
    pub kind: &'static str,
    pub from: Vec<String>,
}

/// One recommendation with every municipality's answer.
#[derive(Debug, Serialize)]
pub struct RecommendationPage<'a> {
    pub round: &'a Round,
    pub rec: &'a Recommendation,
    pub area: &'a FocusArea,
    pub counts: Counts,
    pub shares: Shares,
    pub classification: Option<StatusView>,
    pub answers: Vec<AnswerRow>,
    pub history: Vec<HistoryPoint>,
    pub is_new: bool,
    pub code_label: Option<String>,
    pub link: Option<LinkView>,
    pub has_earlier: bool,
}

impl<'a> RecommendationPage<'a> {
    /// The page of recommendation `rec_id`; `None` when the round has no such recommendation.
    pub fn new(view: &'a RoundAnalysis, rec_id: i32) -> Option<RecommendationPage<'a>> {
        let content = &view.data.content;
        let rec = content.recommendations.iter().find(|r| r.id == rec_id)?;
        let summary = view
            .summary
            .recommendations()
            .find(|r| r.recommendation_id == rec_id)?;
        let area = content
            .focus_areas
            .iter()
            .find(|a| a.id == rec.focus_area_id)?;
        let trend = view.trend.of_recommendation(rec_id);
        Some(RecommendationPage {
            round: &content.round,
            rec,
            area,
            counts: summary.counts,
            shares: summary.shares,
            classification: summary.classification.map(StatusView::from),
            answers: answers(view, rec_id),
            history: trend
                .map(|t| {
                    t.points
                        .iter()
                        .map(|p| HistoryPoint {
                            year: p.year,
                            round_id: p.round_id,
                            code: p.code.clone(),
                            counts: p.counts,
                            classification: p.classification.map(StatusView::from),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            is_new: trend.is_some_and(|t| t.is_new),
            code_label: view.code_label(rec_id),
            link: view.trend.lineage.link(rec_id).map(|l| LinkView {
                kind: l.kind.label_da(),
                from: l
                    .from
                    .iter()
                    .map(|f| format!("{} ({}): {}", f.code, f.year, f.text))
                    .collect(),
            }),
            has_earlier: !view.earlier.is_empty(),
        })
    }
}

/// Every municipality's submitted answer to the recommendation, with its timeline.
fn answers(view: &RoundAnalysis, rec_id: i32) -> Vec<AnswerRow> {
    let ancestry = view.ancestry();
    view.data
        .content
        .municipalities
        .iter()
        .map(|m| {
            let submission = view
                .data
                .submission_of(&m.code)
                .filter(|s| s.is_submitted());
            let answer = submission.and_then(|s| s.answer(rec_id));
            AnswerRow {
                code: m.code.to_string(),
                name: m.name.clone(),
                status: answer.and_then(|a| a.status).map(StatusView::from),
                comment: answer.map(|a| a.comment.clone()).unwrap_or_default(),
                evidence: answer.and_then(crate::domain::Answer::evidence_url),
                state: super::submission_line(submission).short,
                timeline: super::timeline(view, &ancestry, &m.code, rec_id),
            }
        })
        .collect()
}

/// A saved snapshot of the municipality's attachment.
#[derive(Debug, Serialize)]
pub struct SnapshotView {
    pub id: i32,
    pub created: String,
    pub by: String,
    pub kilobytes: i64,
    /// "Ændret siden" or "Uændret" against today.
    pub state: &'static str,
}

impl SnapshotView {
    /// The snapshots, each with its state against today from `states` (by id).
    pub fn list(snapshots: Vec<SnapshotInfo>, states: &HashMap<i32, ListState>) -> Vec<Self> {
        snapshots
            .into_iter()
            .map(|s| SnapshotView {
                id: s.id,
                created: danish_datetime(s.created_at),
                by: s.created_by,
                kilobytes: (s.size + 1023) / 1024,
                state: states
                    .get(&s.id)
                    .copied()
                    .unwrap_or(ListState::NotComparable)
                    .label_da(),
            })
            .collect()
    }
}

/// What the viewer may do on the municipality's page.
#[derive(Debug, Clone, Copy)]
pub struct MunicipalityRights {
    /// Save a snapshot (who may see the draft).
    pub can_snapshot: bool,
    pub can_edit: bool,
}

/// One municipality's answers in the round, against the region and last round.
#[derive(Debug, Serialize)]
pub struct MunicipalityPage<'a> {
    pub snapshots: Vec<SnapshotView>,
    pub can_snapshot: bool,
    pub notice: Option<&'static str>,
    pub round: &'a Round,
    pub name: String,
    pub code: &'a str,
    pub rows: Vec<OwnRow>,
    pub sentence: String,
    pub state: String,
    pub improved: u32,
    pub unchanged: u32,
    pub worsened: u32,
    pub previous_year: Option<i32>,
    pub ahead: usize,
    pub behind: usize,
    pub can_edit: bool,
}

impl<'a> MunicipalityPage<'a> {
    /// The page of `code`, showing `submission` (its draft only for those who may see it);
    /// `None` when the round has no such municipality.
    pub fn new(
        view: &'a RoundAnalysis,
        code: &'a MunicipalityCode,
        submission: Option<&Submission>,
        snapshots: Vec<SnapshotView>,
        rights: MunicipalityRights,
        saved: bool,
    ) -> Option<MunicipalityPage<'a>> {
        let content = &view.data.content;
        let municipality = content.municipality(code)?;
        let own = own_summary(&view.summary, code)?;
        let name = municipality.official_name();
        let movement = view.trend.of_municipality(code);
        let count = |relation| {
            own.standing
                .iter()
                .filter(|s| s.relation == relation)
                .count()
        };
        Some(MunicipalityPage {
            snapshots,
            can_snapshot: rights.can_snapshot,
            notice: saved.then_some("Bilaget er gemt som øjebliksbillede."),
            round: &content.round,
            rows: super::own_rows(view, code, submission)?,
            sentence: crate::domain::prose::municipality_sentence(
                &name,
                &own.counts,
                own.response == Response::Submitted,
            ),
            name,
            code: code.as_str(),
            state: super::submission_line(submission).sentence,
            improved: movement.map_or(0, |m| m.improved),
            unchanged: movement.map_or(0, |m| m.unchanged),
            worsened: movement.map_or(0, |m| m.worsened),
            previous_year: view.earlier.last().map(|d| d.content.round.year),
            ahead: count(Relation::Ahead),
            behind: count(Relation::Behind),
            can_edit: rights.can_edit,
        })
    }
}

fn own_summary<'a>(
    summary: &'a Summary,
    code: &MunicipalityCode,
) -> Option<&'a MunicipalitySummary> {
    summary.municipalities.iter().find(|m| &m.code == code)
}

/// One KKR's round of the year.
#[derive(Debug, Serialize)]
pub struct KkrColumn {
    pub kkr: String,
    pub round_id: Option<i32>,
    pub title: Option<String>,
    pub visible: bool,
    pub sentence: Option<String>,
    pub green: u32,
    pub yellow: u32,
    pub red: u32,
    pub unclassified: u32,
    pub submitted: String,
}

impl KkrColumn {
    /// The KKR's column: its round of the year, if any, with the results when `summary` (the
    /// visitor may see them).
    pub fn new(kkr: &Kkr, round: Option<&Round>, summary: Option<&Summary>) -> KkrColumn {
        let counts = summary.map(|s| s.classification_counts);
        KkrColumn {
            kkr: kkr.name.clone(),
            round_id: round.map(|r| r.id),
            title: round.map(|r| r.title.clone()),
            visible: summary.is_some(),
            sentence: summary.map(|s| s.sentence.clone()),
            green: counts.map_or(0, |c| c.green),
            yellow: counts.map_or(0, |c| c.yellow),
            red: counts.map_or(0, |c| c.red),
            unclassified: counts.map_or(0, |c| c.unclassified),
            submitted: summary
                .map(|s| format!("{} af {}", s.submitted_count, s.municipality_count))
                .unwrap_or_default(),
        }
    }
}

/// All KKRs' rounds of a year side by side.
#[derive(Debug, Serialize)]
pub struct NationalPage {
    pub year: i32,
    /// Every year with a round, for the links to the others.
    pub years: Vec<i32>,
    pub columns: Vec<KkrColumn>,
    pub statuses: [StatusView; 3],
}

impl NationalPage {
    pub fn new(year: i32, all: &[Round], columns: Vec<KkrColumn>) -> NationalPage {
        let mut years: Vec<i32> = all.iter().map(|r| r.year).collect();
        years.sort_unstable();
        years.dedup();
        NationalPage {
            year,
            years,
            columns,
            statuses: Status::ALL.map(StatusView::from),
        }
    }
}
