//! View models shared by pages, PDFs and spreadsheets: each concept is built here once, from
//! the one `RoundAnalysis`, so that a wording or a rule changes in one place for every view.
//!
//! Everything here is pure and serialisable; templates (tera and typst) only lay it out.

pub mod account;
pub mod admin;
pub mod agenda;
pub mod audit;
pub mod details;
pub mod expectations;
pub mod fields;
pub mod form;
pub mod groups;
pub mod home;
pub mod overview;
pub mod password_link;
pub mod reminders;
pub mod set_editor;
pub mod site_pages;
pub mod snapshot_changes;
pub mod users;

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::analysis::RoundAnalysis;
use crate::domain::lineage::{previous_label, unchanged_since, Ancestry};
use crate::domain::model::{RoundState, SubmissionState};
use crate::domain::status::StatusView;
use crate::domain::summary::{Counts, Response};
use crate::domain::time::danish_datetime;
use crate::domain::{MunicipalityCode, Round, Submission};

/// What a table shows where there is nothing to show or compare.
pub const NOTHING: &str = "–";

/// "Forpligtende" or "Frivillig": whether the municipalities have committed to a
/// recommendation.
pub fn binding_label(binding: bool) -> &'static str {
    if binding {
        "Forpligtende"
    } else {
        "Frivillig"
    }
}

/// "23. november 2026" for a calendar date (a council meeting's, say).
pub fn danish_day(date: NaiveDate) -> String {
    crate::domain::time::danish_day(date)
}

/// Where a municipality's form is, as one sentence and as flags for templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubmissionLine {
    pub submitted: bool,
    /// Shown to the reader as a draft (only those who may see drafts get one).
    pub draft: bool,
    /// "Indsendt", "Kladde" or "Ikke indsendt", for a table cell.
    pub short: &'static str,
    /// "Indsendt 1. oktober 2017 kl. 10.00 af Emma Hansen.",
    /// "Kladde, endnu ikke indsendt: svarene er foreløbige." or
    /// "Skemaet er endnu ikke indsendt."
    pub sentence: String,
}

/// The line for a municipality's submission as the viewer may see it (`None`: none, or a
/// draft the viewer may not see).
pub fn submission_line(submission: Option<&Submission>) -> SubmissionLine {
    match submission {
        Some(s) if s.is_submitted() => {
            let when = s
                .submitted_at
                .map(|at| format!(" {}", danish_datetime(at)))
                .unwrap_or_default();
            // A name is isolated (FSI … PDI) so right-to-left letters in it cannot reorder
            // the sentence around it.
            let by = s
                .submitted_by
                .as_ref()
                .map(|by| format!(" af \u{2068}{by}\u{2069}"))
                .unwrap_or_default();
            SubmissionLine {
                submitted: true,
                draft: false,
                short: SubmissionState::Submitted.label_da(),
                sentence: format!("Indsendt{when}{by}."),
            }
        }
        Some(_) => SubmissionLine {
            submitted: false,
            draft: true,
            short: SubmissionState::Draft.label_da(),
            sentence: "Kladde, endnu ikke indsendt: svarene er foreløbige.".to_owned(),
        },
        None => SubmissionLine {
            submitted: false,
            draft: false,
            short: "Ikke indsendt",
            sentence: "Skemaet er endnu ikke indsendt.".to_owned(),
        },
    }
}

/// Where a municipality's form is, for a document that may go on a public agenda: which
/// municipality submitted and when, never who ("Indsendt af Frederiksberg Kommune
/// 1. oktober 2017 kl. 10.00."). `municipality` is its official name.
pub fn public_submission_sentence(submission: Option<&Submission>, municipality: &str) -> String {
    match submission {
        Some(s) if s.is_submitted() => {
            let when = s
                .submitted_at
                .map(|at| format!(" {}", danish_datetime(at)))
                .unwrap_or_default();
            format!("Indsendt af {municipality}{when}.")
        }
        other => submission_line(other).sentence,
    }
}

/// Why a document's figures are not final yet, for a marker on each of its pages: the round
/// is still being prepared or open, or the municipality's own answers are a draft. Empty when
/// the figures are final.
pub fn provisional_notes(round: &Round, own_draft: bool) -> Vec<String> {
    let mut notes = Vec::new();
    match round.state {
        RoundState::Draft => notes
            .push("Udkast: statusrunden er under forberedelse, og intet er endeligt.".to_owned()),
        RoundState::Open => notes.push(format!(
            "Foreløbig: statusrunden er åben til {}, og tallene kan ændre sig.",
            danish_datetime(round.deadline)
        )),
        RoundState::Closed | RoundState::Published => {}
    }
    if own_draft {
        notes.push("Kladde: kommunens egne svar er endnu ikke indsendt.".to_owned());
    }
    notes
}

/// Why an imported set cannot be linked to a previous round, in Danish.
pub fn link_refusal_da(refusal: crate::domain::set_lineage::LinkRefusal) -> String {
    use crate::domain::set_lineage::LinkRefusal;
    match refusal {
        LinkRefusal::NoPreviousRound => "Filen har kolonnen «Tidligere nr.», men KKR'en har ingen tidligere statusrunde, som numrene kan henvise til.".to_owned(),
        LinkRefusal::NotAnEarlierRound { round_id } => format!(
            "Runde {round_id} er ikke en tidligere statusrunde i samme KKR; numrene i «Tidligere nr.» kan kun henvise til en af dem."
        ),
        LinkRefusal::NoPreviousColumn => "Der er angivet en tidligere runde, men filen har ingen kolonne «Tidligere nr.».".to_owned(),
    }
}

/// One cell of the heatmap: a municipality's submitted answer to one recommendation.
#[derive(Debug, Clone, Serialize)]
pub struct HeatCell {
    pub recommendation_id: i32,
    pub status: Option<StatusView>,
    /// The status symbol, or "–" with no submitted answer.
    pub symbol: &'static str,
    /// The status colour, or white with no submitted answer.
    pub fill: &'static str,
    /// The accessible name: "Ballerup, 1.1: Igangsat efter planen".
    pub label: String,
}

/// One municipality's row of the heatmap.
#[derive(Debug, Clone, Serialize)]
pub struct HeatRow {
    pub code: String,
    pub name: String,
    pub submitted: bool,
    /// Its green answers, for sorting by them.
    pub greens: u32,
    pub cells: Vec<HeatCell>,
}

/// The heatmap of every municipality's submitted answers, in the round's municipality order.
pub fn heatmap_rows(analysis: &RoundAnalysis) -> Vec<HeatRow> {
    let recommendations: Vec<_> = analysis.summary.recommendations().collect();
    analysis
        .summary
        .municipalities
        .iter()
        .map(|m| HeatRow {
            code: m.code.to_string(),
            name: m.name.clone(),
            submitted: m.response == Response::Submitted,
            greens: m.counts.green,
            cells: m
                .standing
                .iter()
                .zip(&recommendations)
                .map(|(standing, rec)| HeatCell {
                    recommendation_id: rec.recommendation_id,
                    status: standing.own.map(StatusView::from),
                    symbol: standing.own.map_or(NOTHING, |s| s.symbol()),
                    fill: standing.own.map_or("#FFFFFF", |s| s.fill_hex()),
                    label: format!(
                        "{}, {}: {}",
                        m.name,
                        rec.code,
                        standing.own.map_or("ikke indsendt", |s| s.label_da())
                    ),
                })
                .collect(),
        })
        .collect()
}

/// One round of a municipality's history of a recommendation.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineStep {
    pub year: i32,
    /// Its number that year.
    pub code: String,
    pub status: Option<StatusView>,
    pub comment: String,
    /// "2016 (1.2): gul", "2017: ikke indsendt".
    pub label: String,
}

/// A municipality's history of one recommendation, as pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub steps: Vec<TimelineStep>,
    /// "Gul siden 2016", or empty when this round has no submitted status or it is the only
    /// round.
    pub since: String,
}

/// A municipality's status and comment in every round along a recommendation's lineage,
/// oldest first (submitted answers only); `ancestry` is `analysis.ancestry()`, built once.
pub fn timeline(
    analysis: &RoundAnalysis,
    ancestry: &Ancestry<'_>,
    code: &MunicipalityCode,
    recommendation_id: i32,
) -> Timeline {
    let entries = ancestry.timeline(code, recommendation_id);
    let current = analysis.data.content.round.year;
    let steps = entries
        .iter()
        .map(|e| {
            let number = if e.year == current {
                String::new()
            } else {
                format!(" ({})", e.code)
            };
            TimelineStep {
                year: e.year,
                code: e.code.clone(),
                status: e.status.map(StatusView::from),
                comment: e.comment.clone(),
                label: format!(
                    "{}{number}: {}",
                    e.year,
                    e.status.map_or("ikke indsendt", |s| s.colour_da())
                ),
            }
        })
        .collect();
    let since = match unchanged_since(&entries) {
        Some((status, year)) if year < current => {
            let mut word = status.colour_da().to_owned();
            if let Some(first) = word.get(..1) {
                word = format!("{}{}", first.to_uppercase(), &word[1..]);
            }
            format!("{word} siden {year}")
        }
        _ => String::new(),
    };
    Timeline { steps, since }
}

/// One recommendation with a municipality's own answer beside the region's.
#[derive(Debug, Clone, Serialize)]
pub struct OwnRow {
    pub id: i32,
    pub code: String,
    /// "3.2 (tidl. 1.2)" where the number changed since last round, else the number.
    pub code_label: String,
    /// "tidl. 1.2" where the number changed since last round, else empty: for a narrow
    /// number column that shows it on a line of its own.
    pub former: String,
    /// Last round's submitted answers to what it continues, as words: "gul", "gul (1.3) og
    /// grøn (3.2)" for a merge, "–" with none.
    pub last_year: String,
    /// The municipality's status in every round along the recommendation's lineage.
    pub timeline: Timeline,
    pub text: String,
    pub binding: &'static str,
    pub own: Option<StatusView>,
    pub comment: String,
    /// The municipality's evidence link.
    pub evidence: Option<String>,
    /// The region's submitted answers.
    pub counts: Counts,
    /// The region's classification.
    pub region: Option<StatusView>,
    /// "Foran regionen", …, from its submitted answer only ("Foran klyngen" for a cluster's).
    pub relation: &'static str,
    /// The job cluster whose own recommendation it is: `counts` and `region` are then the
    /// cluster's municipalities'.
    pub cluster: Option<String>,
    /// "gul → grøn", "Ny anbefaling", or "–" with nothing to compare.
    pub change: String,
}

/// The recommendations of one focus area, with a municipality's rows.
#[derive(Debug, Clone, Serialize)]
pub struct OwnArea {
    pub number: i32,
    pub title: String,
    /// The job cluster whose own focus area it is: its counts and classification are the
    /// cluster's municipalities'. `None` for a focus area of the whole round.
    pub cluster: Option<String>,
    pub rows: Vec<OwnRow>,
}

/// A municipality's answers beside the region's, by focus area. `submission` is what the
/// viewer may see of its form (its draft, or only what it submitted). `None` when the
/// municipality is not one of the round's.
pub fn own_areas(
    analysis: &RoundAnalysis,
    code: &MunicipalityCode,
    submission: Option<&Submission>,
) -> Option<Vec<OwnArea>> {
    let own = analysis
        .summary
        .municipalities
        .iter()
        .find(|m| &m.code == code)?;
    let mut standing = own.standing.iter();
    let ancestry = analysis.ancestry();
    Some(
        analysis
            .summary
            .focus_areas
            .iter()
            .map(|area| {
                let cluster = analysis
                    .data
                    .content
                    .focus_area(area.focus_area_id)
                    .and_then(|a| a.group_id)
                    .and_then(|id| analysis.data.content.group(id))
                    .map(|g| g.name.clone());
                OwnArea {
                    number: area.number,
                    title: area.title.clone(),
                    cluster: cluster.clone(),
                    rows: area
                        .recommendations
                        .iter()
                        .map(|r| {
                            let answer = submission.and_then(|s| s.answer(r.recommendation_id));
                            let relation = standing
                                .next()
                                .map_or(crate::domain::summary::Relation::NotComparable, |s| {
                                    s.relation
                                });
                            OwnRow {
                                id: r.recommendation_id,
                                code: r.code.clone(),
                                code_label: analysis
                                    .code_label(r.recommendation_id)
                                    .unwrap_or_else(|| r.code.clone()),
                                former: analysis
                                    .former_label(r.recommendation_id)
                                    .unwrap_or_default(),
                                last_year: previous_label(
                                    &analysis.previous_answers(code, r.recommendation_id),
                                )
                                .unwrap_or_else(|| NOTHING.to_owned()),
                                timeline: timeline(analysis, &ancestry, code, r.recommendation_id),
                                text: r.text.clone(),
                                binding: binding_label(r.binding),
                                own: answer.and_then(|a| a.status).map(StatusView::from),
                                comment: answer.map(|a| a.comment.clone()).unwrap_or_default(),
                                evidence: answer.and_then(crate::domain::Answer::evidence_url),
                                counts: r.counts,
                                region: r.classification.map(StatusView::from),
                                relation: if cluster.is_some() {
                                    relation.label_cluster_da()
                                } else {
                                    relation.label_da()
                                },
                                cluster: cluster.clone(),
                                change: analysis
                                    .change_label(code, r.recommendation_id)
                                    .unwrap_or_else(|| NOTHING.to_owned()),
                            }
                        })
                        .collect(),
                }
            })
            .collect(),
    )
}

/// The same rows without their focus areas, for one table.
pub fn own_rows(
    analysis: &RoundAnalysis,
    code: &MunicipalityCode,
    submission: Option<&Submission>,
) -> Option<Vec<OwnRow>> {
    own_areas(analysis, code, submission)
        .map(|areas| areas.into_iter().flat_map(|a| a.rows).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::SubmissionState;

    fn submission(state: SubmissionState, by: Option<&str>) -> Submission {
        let at = NaiveDate::from_ymd_opt(2017, 10, 1)
            .and_then(|d| d.and_hms_opt(8, 0, 0))
            .unwrap();
        Submission {
            id: 1,
            round_id: 1,
            municipality_code: MunicipalityCode::parse("147").unwrap(),
            state,
            submitted_at: (state == SubmissionState::Submitted).then_some(at),
            submitted_by: by.map(str::to_owned),
            version: 1,
            updated_at: at,
            updated_by: None,
            proposals: String::new(),
            reopened: false,
            answers: Vec::new(),
        }
    }

    #[test]
    fn the_submission_line_names_when_and_by_whom_or_says_draft() {
        let sent = submission_line(Some(&submission(
            SubmissionState::Submitted,
            Some("Emma Hansen"),
        )));
        assert!(sent.submitted && !sent.draft);
        assert_eq!(
            sent.sentence,
            "Indsendt 1. oktober 2017 kl. 10.00 af \u{2068}Emma Hansen\u{2069}."
        );
        let draft = submission_line(Some(&submission(SubmissionState::Draft, None)));
        assert!(draft.draft && !draft.submitted);
        assert_eq!(
            draft.sentence,
            "Kladde, endnu ikke indsendt: svarene er foreløbige."
        );
        assert_eq!(
            submission_line(None).sentence,
            "Skemaet er endnu ikke indsendt."
        );
    }

    #[test]
    fn the_sentence_for_a_public_document_names_the_municipality_not_the_person() {
        let sent = submission(SubmissionState::Submitted, Some("Emma Hansen"));
        assert_eq!(
            public_submission_sentence(Some(&sent), "Frederiksberg Kommune"),
            "Indsendt af Frederiksberg Kommune 1. oktober 2017 kl. 10.00."
        );
        let draft = submission(SubmissionState::Draft, None);
        assert_eq!(
            public_submission_sentence(Some(&draft), "Frederiksberg Kommune"),
            "Kladde, endnu ikke indsendt: svarene er foreløbige."
        );
    }

    #[test]
    fn binding_labels_are_danish_words() {
        assert_eq!(binding_label(true), "Forpligtende");
        assert_eq!(binding_label(false), "Frivillig");
    }

    #[test]
    fn a_meeting_date_reads_as_a_danish_date() {
        let date = NaiveDate::from_ymd_opt(2018, 1, 31).unwrap();
        assert_eq!(danish_day(date), "31. januar 2018");
    }
}
