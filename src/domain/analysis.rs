//! A round analysed: its data with the aggregation and the trend against earlier rounds.
//! What every view reads (pages, charts, PDFs, spreadsheets, the API), computed in one place.

use super::model::{MunicipalityCode, RoundData, SubmissionState};
use super::summary::{summarise, Summary};
use super::trend::{trend, Trend};

#[derive(Debug, Clone)]
pub struct RoundAnalysis {
    pub data: RoundData,
    pub summary: Summary,
    pub trend: Trend,
    /// The earlier rounds of the same KKR, oldest first.
    pub earlier: Vec<RoundData>,
}

/// Analyses a round against the earlier rounds of its KKR.
pub fn analyse(data: RoundData, earlier: Vec<RoundData>) -> RoundAnalysis {
    let summary = summarise(&data);
    let trend = trend(&data, &summary, &earlier);
    RoundAnalysis {
        data,
        summary,
        trend,
        earlier,
    }
}

impl RoundAnalysis {
    /// How a municipality's answer to a recommendation moved since last round ("rød → gul"),
    /// "Ny anbefaling" for one new this round, or `None` with nothing to compare.
    pub fn change_label(&self, code: &MunicipalityCode, recommendation_id: i32) -> Option<String> {
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

    /// The round seen for some of its municipalities only (a group): the one aggregation and
    /// trend, run over just those municipalities in this round and in the earlier rounds.
    pub fn restricted_to(&self, members: &[MunicipalityCode]) -> RoundAnalysis {
        let keep = |data: &RoundData| {
            let mut data = data.clone();
            data.content
                .municipalities
                .retain(|m| members.contains(&m.code));
            data.submissions
                .retain(|s| members.contains(&s.municipality_code));
            data
        };
        analyse(keep(&self.data), self.earlier.iter().map(keep).collect())
    }
}
