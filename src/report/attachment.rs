//! The data of a municipality's attachment (bilag), built from the one aggregation.
//!
//! The typst template receives exactly this, as JSON; everything a person reads is already
//! worded here, so the template only lays it out.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::charts::DistributionChart;
use crate::domain::analysis::RoundAnalysis;
use crate::domain::prose::municipality_sentence;
use crate::domain::status::StatusView;
use crate::domain::summary::{ClassifiedList, Counts};
use crate::domain::time::{danish_date, danish_datetime};
use crate::domain::{MunicipalityCode, Status};

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub code: String,
    pub text: String,
    pub binding: &'static str,
    pub own: Option<StatusView>,
    pub own_comment: String,
    pub region: Counts,
    pub classification: Option<StatusView>,
    /// "gul → grøn", "Ny anbefaling", or "" when there is nothing to compare.
    pub change: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Area {
    pub number: i32,
    pub title: String,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Own {
    pub sentence: String,
    pub submitted: bool,
    /// "Indsendt 1. oktober 2017 kl. 10.00 af ..." or "Kladde, ikke indsendt".
    pub state: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttachmentData {
    pub title: String,
    pub municipality_code: String,
    pub municipality: String,
    /// The council the attachment goes to: "Byrådet", "Kommunalbestyrelsen".
    pub council: String,
    /// The policy area, e.g. "beskæftigelsesområdet"; empty when the round names none.
    pub subject: String,
    pub kkr: String,
    pub year: i32,
    pub extracted: String,
    pub region_sentence: String,
    pub municipality_count: u32,
    pub submitted_count: u32,
    pub lists: Vec<ClassifiedList>,
    pub own: Own,
    pub areas: Vec<Area>,
    pub chart_alt: String,
}

/// The attachment for one municipality, or `None` when it is not one of the round's.
/// With `include_draft` the municipality's draft answers are shown (marked as a draft).
pub fn build(
    analysis: &RoundAnalysis,
    code: &MunicipalityCode,
    include_draft: bool,
    now: NaiveDateTime,
) -> Option<(AttachmentData, DistributionChart)> {
    let data = &analysis.data_without_drafts(include_draft.then_some(code));
    let summary = &analysis.summary;
    let content = &data.content;
    let municipality = content.municipality(code)?;
    let official = municipality.official_name();
    let own_summary = summary.municipalities.iter().find(|m| &m.code == code)?;
    let submission = data.submission_of(code);
    let submitted = submission.is_some_and(|s| s.is_submitted());
    // Only submitted answers are the municipality's reported status; a draft is shown as such.
    let state = match submission {
        Some(s) if s.is_submitted() => match (s.submitted_at, &s.submitted_by) {
            (Some(at), Some(by)) => format!("Indsendt {} af {}", danish_datetime(at), by),
            (Some(at), None) => format!("Indsendt {}", danish_datetime(at)),
            _ => "Indsendt".to_owned(),
        },
        Some(_) => "Kladde, endnu ikke indsendt: kommunens svar nedenfor er foreløbige".to_owned(),
        None => "Skemaet er endnu ikke udfyldt".to_owned(),
    };

    let marks: Vec<Option<Status>> = summary
        .recommendations()
        .map(|r| {
            submission
                .and_then(|s| s.answer(r.recommendation_id))
                .and_then(|a| a.status)
        })
        .collect();
    let chart = DistributionChart::from_summary(summary, &chart_title(&content.round))
        .with_marks(&municipality.name, &marks);
    let lists = summary.council_lists();

    let areas = summary
        .focus_areas
        .iter()
        .map(|area| Area {
            number: area.number,
            title: area.title.clone(),
            rows: area
                .recommendations
                .iter()
                .map(|r| {
                    let answer = submission.and_then(|s| s.answer(r.recommendation_id));
                    let change = analysis
                        .change_label(code, r.recommendation_id)
                        .unwrap_or_default();
                    Row {
                        change,
                        code: r.code.clone(),
                        text: r.text.clone(),
                        binding: r.binding_label_da(),
                        own: answer.and_then(|a| a.status).map(StatusView::from),
                        own_comment: answer.map(|a| a.comment.clone()).unwrap_or_default(),
                        region: r.counts,
                        classification: r.classification.map(StatusView::from),
                    }
                })
                .collect(),
        })
        .collect();

    let chart_alt = chart.description();
    let attachment = AttachmentData {
        title: content.round.title.clone(),
        municipality_code: code.to_string(),
        municipality: official.clone(),
        council: municipality.council_name.clone(),
        subject: content.round.subject.clone(),
        kkr: content.round.kkr_name.clone(),
        year: content.round.year,
        extracted: danish_date(now),
        region_sentence: summary.sentence.clone(),
        municipality_count: summary.municipality_count,
        submitted_count: summary.submitted_count,
        lists,
        own: Own {
            sentence: municipality_sentence(&official, &own_summary.counts, submitted),
            submitted,
            state,
        },
        areas,
        chart_alt,
    };
    Some((attachment, chart))
}

/// The title of the distribution chart of a round.
pub fn chart_title(round: &crate::domain::Round) -> String {
    format!(
        "Fordeling af svar pr. anbefaling, {} {}",
        round.kkr_name, round.year
    )
}
