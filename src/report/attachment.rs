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
use crate::domain::{MunicipalityCode, Scope, Status};
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
    /// The job clusters the municipality belongs to, each with its own focus areas' result
    /// among the cluster's municipalities; empty in a round without clusters. The region's
    /// figures above then cover the common focus areas only.
    pub clusters: Vec<ClusterResult>,
}

/// A job cluster's result on its own focus areas, among its municipalities.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterResult {
    pub name: String,
    /// "Faxe, Køge og Stevns".
    pub members: String,
    pub member_count: u32,
    pub submitted_count: u32,
    pub sentence: String,
    pub lists: Vec<ClassifiedList>,
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
    // Without clusters the region and the municipality see the same round. With them, the
    // region's part is the common focus areas, and the municipality's table holds what it was
    // asked: the common focus areas beside the region, its clusters' beside the cluster.
    let parts;
    let (region, asked) = if analysis.has_clusters() {
        parts = (
            analysis.scoped(Scope::Common),
            analysis.for_municipality(code),
        );
        (&parts.0, &parts.1)
    } else {
        (analysis, analysis)
    };
    let data = &analysis.data_without_drafts(include_draft.then_some(code));
    let summary = &region.summary;
    let content = &data.content;
    let municipality = content.municipality(code)?;
    let official = municipality.official_name();
    let own_summary = asked
        .summary
        .municipalities
        .iter()
        .find(|m| &m.code == code)?;
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
    let areas = views::own_areas(asked, code, submission)?;
    let council = municipality.council_name.clone();
    let label = match meeting {
        Some(date) => format!(
            "Bilag til {}s møde den {}",
            council,
            views::danish_day(date)
        ),
        None => "Bilag".to_owned(),
    };
    let clusters = content
        .clusters_of(code)
        .map(|group| {
            let part = analysis.scoped(Scope::Group(group.id));
            let names: Vec<String> = part
                .data
                .content
                .municipalities
                .iter()
                .map(|m| m.name.clone())
                .collect();
            ClusterResult {
                name: group.name.clone(),
                members: crate::domain::prose::join_and(&names),
                member_count: part.summary.municipality_count,
                submitted_count: part.summary.submitted_count,
                sentence: part.summary.sentence.clone(),
                lists: part.summary.council_lists(),
            }
        })
        .collect();

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
        clusters,
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
