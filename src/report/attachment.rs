//! The data of a municipality's attachment (bilag), built from the one aggregation.
//!
//! The typst template receives exactly this, as JSON; everything a person reads is already
//! worded here, so the template only lays it out.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::charts::DistributionChart;
use crate::domain::analysis::RoundAnalysis;
use crate::domain::prose::municipality_sentence;
use crate::domain::summary::ClassifiedList;
use crate::domain::time::danish_date;
use crate::domain::{MunicipalityCode, Status};
use crate::views::{self, OwnArea};

#[derive(Debug, Clone, Serialize)]
pub struct Own {
    pub sentence: String,
    pub submitted: bool,
    /// "Indsendt af Frederiksberg Kommune 1. oktober 2017 kl. 10.00." or "Kladde, endnu ikke
    /// indsendt: ...". The attachment goes on a public agenda: it names the municipality,
    /// never the person who submitted.
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
    /// The running header's right side: "Bilag til Byrådets møde 31. januar 2018", or
    /// "Bilag" without a meeting date.
    pub label: String,
    /// Why the figures are not final (round open, own draft); repeated on every page.
    pub provisional: Vec<String>,
    pub region_sentence: String,
    pub municipality_count: u32,
    pub submitted_count: u32,
    pub lists: Vec<ClassifiedList>,
    pub own: Own,
    pub areas: Vec<OwnArea>,
    pub chart_alt: String,
}

/// The attachment for one municipality, or `None` when it is not one of the round's.
/// With `include_draft` the municipality's draft answers are shown (marked as a draft).
/// `meeting` is the date of the council meeting whose agenda it goes on, when known.
pub fn build(
    analysis: &RoundAnalysis,
    code: &MunicipalityCode,
    include_draft: bool,
    meeting: Option<NaiveDate>,
    now: NaiveDateTime,
) -> Option<(AttachmentData, DistributionChart)> {
    let data = &analysis.data_without_drafts(include_draft.then_some(code));
    let summary = &analysis.summary;
    let content = &data.content;
    let municipality = content.municipality(code)?;
    let official = municipality.official_name();
    let own_summary = summary.municipalities.iter().find(|m| &m.code == code)?;
    let submission = data.submission_of(code);
    // Only submitted answers are the municipality's reported status; a draft is shown as such.
    let line = views::submission_line(submission);

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
    let areas = views::own_areas(analysis, code, submission)?;
    let council = municipality.council_name.clone();
    let label = match meeting {
        Some(date) => format!(
            "Bilag til {}s møde den {}",
            council,
            views::danish_day(date)
        ),
        None => "Bilag".to_owned(),
    };

    let attachment = AttachmentData {
        title: content.round.title.clone(),
        municipality_code: code.to_string(),
        municipality: official.clone(),
        council,
        subject: content.round.subject.clone(),
        kkr: content.round.kkr_name.clone(),
        year: content.round.year,
        extracted: danish_date(now),
        label,
        provisional: views::provisional_notes(&content.round, line.draft),
        region_sentence: summary.sentence.clone(),
        municipality_count: summary.municipality_count,
        submitted_count: summary.submitted_count,
        lists: summary.council_lists(),
        own: Own {
            sentence: municipality_sentence(&official, &own_summary.counts, line.submitted),
            submitted: line.submitted,
            state: views::public_submission_sentence(submission, &official),
        },
        areas,
        chart_alt: chart.description(),
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
