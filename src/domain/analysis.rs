//! A round analysed: its data with the aggregation and the trend against earlier rounds.
//! What every view reads (pages, charts, PDFs, spreadsheets, the API), computed in one place.

use std::sync::Arc;

use super::lineage::{previous_answers, previous_label, Ancestry, LinkKind, PreviousAnswer};
use super::model::{MunicipalityCode, RoundData, RoundGroup, Scope, SubmissionState};
use super::summary::{summarise, Summary};
use super::trend::{trend, trend_summarised, Trend};

#[derive(Debug, Clone)]
pub struct RoundAnalysis {
    pub data: RoundData,
    pub summary: Summary,
    pub trend: Trend,
    /// The earlier rounds of the same KKR, oldest first. Shared: the cache keeps an earlier
    /// round's data for every later round's analysis until that round changes.
    pub earlier: Vec<Arc<RoundData>>,
}

/// A job cluster's own part of a round (see [`RoundAnalysis::cluster_parts`]).
#[derive(Debug, Clone)]
pub struct ClusterPart {
    pub group: RoundGroup,
    pub analysis: RoundAnalysis,
}

/// Analyses a round against the earlier rounds of its KKR.
pub fn analyse(data: RoundData, earlier: Vec<Arc<RoundData>>) -> RoundAnalysis {
    let summary = summarise(&data);
    let trend = trend(&data, &summary, &earlier);
    RoundAnalysis {
        data,
        summary,
        trend,
        earlier,
    }
}

/// [`analyse`] with each earlier round's summary given (`summarise(data)`, kept by a cache
/// beside the data).
pub fn analyse_summarised(
    data: RoundData,
    earlier: Vec<(Arc<RoundData>, Arc<Summary>)>,
) -> RoundAnalysis {
    let summary = summarise(&data);
    let pairs: Vec<(&RoundData, &Summary)> = earlier
        .iter()
        .map(|(d, s)| (d.as_ref(), s.as_ref()))
        .collect();
    let trend = trend_summarised(&data, &summary, &pairs);
    RoundAnalysis {
        trend,
        summary,
        data,
        earlier: earlier.into_iter().map(|(d, _)| d).collect(),
    }
}

impl RoundAnalysis {
    /// The round this one is compared with: the latest earlier one, as the trend's lineage.
    pub fn previous_round(&self) -> Option<&RoundData> {
        let (id, _) = self.trend.lineage.previous?;
        self.earlier
            .iter()
            .find(|d| d.content.round.id == id)
            .map(|d| &**d)
    }

    /// A municipality's submitted answers last round to what a recommendation continues: one
    /// for a continued or moved recommendation, one per predecessor of a merge, none for a
    /// new one. What the form, the municipality and recommendation pages, the attachment, the
    /// sheets and the API show as "sidste år".
    pub fn previous_answers(
        &self,
        code: &MunicipalityCode,
        recommendation_id: i32,
    ) -> Vec<PreviousAnswer> {
        self.previous_round().map_or_else(Vec::new, |previous| {
            previous_answers(
                &self.trend.lineage,
                previous.submission_of(code),
                recommendation_id,
            )
        })
    }

    /// A recommendation's number as every view shows it: "3.2 (tidl. 1.2)" where it changed.
    pub fn code_label(&self, recommendation_id: i32) -> Option<String> {
        self.trend.lineage.code_label(recommendation_id)
    }

    /// This round and its earlier ones indexed for following ancestries back: build it once
    /// per page or document and ask it for every timeline there.
    pub fn ancestry(&self) -> Ancestry<'_> {
        Ancestry::new(
            self.earlier
                .iter()
                .map(|d| &**d)
                .filter(|d| d.content.round.year < self.data.content.round.year)
                .chain(std::iter::once(&self.data)),
        )
    }

    /// "tidl. 1.2" for a recommendation whose number changed since last round.
    pub fn former_label(&self, recommendation_id: i32) -> Option<String> {
        self.trend
            .lineage
            .link(recommendation_id)
            .and_then(|l| l.former_label())
    }

    /// How a municipality's answer to a recommendation moved since last round ("rød → gul";
    /// "gul (1.3) og grøn (3.2) → grøn" for a merge), "Ny anbefaling" for one new this round,
    /// or `None` with nothing to compare.
    pub fn change_label(&self, code: &MunicipalityCode, recommendation_id: i32) -> Option<String> {
        let merged = self
            .trend
            .lineage
            .link(recommendation_id)
            .is_some_and(|l| l.kind == LinkKind::Merged);
        if merged {
            let now = self
                .data
                .submission_of(code)
                .filter(|s| s.is_submitted())
                .and_then(|s| s.answer(recommendation_id))
                .and_then(|a| a.status)?;
            let before = previous_label(&self.previous_answers(code, recommendation_id))?;
            return Some(format!("{before} → {}", now.colour_da()));
        }
        self.trend
            .of_municipality(code)
            .and_then(|t| {
                t.transitions
                    .iter()
                    .find(|tr| tr.recommendation_id == recommendation_id)
            })
            .map(|tr| tr.label.clone())
            .or_else(|| {
                self.trend
                    .of_recommendation(recommendation_id)
                    .filter(|t| t.is_new && !self.earlier.is_empty())
                    .map(|_| "Ny anbefaling".to_owned())
            })
    }

    /// The round's data as a viewer sees it: drafts removed, except the draft of `keep_draft`
    /// (the viewer's own municipality, when they may see it). The aggregation never counts
    /// drafts, so it stays valid for the filtered data.
    pub fn data_without_drafts(&self, keep_draft: Option<&MunicipalityCode>) -> RoundData {
        let mut data = self.data.clone();
        data.submissions.retain(|s| {
            s.state == SubmissionState::Submitted || keep_draft == Some(&s.municipality_code)
        });
        data
    }

    /// Each job cluster's own part of the round, in name order: its focus areas over its
    /// members, analysed by the one aggregation (trend included).
    pub fn cluster_parts(&self) -> Vec<ClusterPart> {
        self.data
            .content
            .clusters()
            .map(|group| ClusterPart {
                group: group.clone(),
                analysis: self.scoped(Scope::Group(group.id)),
            })
            .collect()
    }

    /// The analysis as a municipality's attachment sees the round: the focus areas asked of
    /// it (see [`RoundData::for_municipality`]), in this round and the earlier ones.
    pub fn for_municipality(&self, code: &MunicipalityCode) -> RoundAnalysis {
        analyse(
            self.data.for_municipality(code),
            self.earlier
                .iter()
                .map(|d| Arc::new(d.for_municipality(code)))
                .collect(),
        )
    }

    /// Whether this round or an earlier one has focus areas of a group (job cluster).
    pub fn has_clusters(&self) -> bool {
        self.data.content.has_clusters() || self.earlier.iter().any(|d| d.content.has_clusters())
    }

    /// The analysis of a part of the round (and the same part of the earlier rounds): the one
    /// aggregation over what the [`Scope`] covers.
    pub fn scoped(&self, scope: Scope) -> RoundAnalysis {
        analyse(
            self.data.scoped(scope),
            self.earlier
                .iter()
                .map(|d| Arc::new(d.scoped(scope)))
                .collect(),
        )
    }
}
