//! The models of the municipality's status form: the form itself (stored, as typed, refused,
//! or after a conflict), the page that keeps the input when the database failed, and the
//! form's history.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::domain::form::{self, FieldError, TypedAnswer};
use crate::domain::lineage::{self, Lineage, PreviousAnswer};
use crate::domain::status::StatusView;
use crate::domain::time::danish_datetime;
use crate::domain::{
    Comment, EvidenceLink, MunicipalityCode, Round, RoundContent, Status, Submission,
};

/// What another user saved, shown beside this user's input after a conflict.
#[derive(Debug, Serialize)]
pub struct SavedAnswer {
    pub status: Option<StatusView>,
    pub comment: String,
    pub evidence: Option<String>,
}

/// Last round's answer to what a recommendation continues.
#[derive(Debug, Serialize)]
pub struct LastYear {
    pub year: i32,
    /// Its number last round.
    pub code: String,
    pub status: StatusView,
    pub comment: String,
    pub evidence: Option<String>,
}

impl From<&PreviousAnswer> for LastYear {
    fn from(p: &PreviousAnswer) -> Self {
        LastYear {
            year: p.year,
            code: p.code.clone(),
            status: p.status.into(),
            comment: p.comment.clone(),
            evidence: p.evidence.as_ref().map(|e| e.as_str().to_owned()),
        }
    }
}

/// One recommendation of the form with its answer.
#[derive(Debug, Serialize)]
pub struct FormRec {
    pub id: i32,
    pub code: String,
    /// "3.2 (tidl. 1.2)" where the number changed since last round.
    pub code_label: String,
    pub text: String,
    pub binding: &'static str,
    pub status: String,
    pub comment: String,
    /// The evidence link as typed or stored.
    pub evidence: String,
    pub carried: bool,
    /// Last round's answers to what it continues: one, or one per recommendation merged.
    pub last_year: Vec<LastYear>,
    /// It took in several recommendations: each last-year answer is listed with its number.
    pub last_year_merged: bool,
    pub last_year_year: Option<i32>,
    pub status_error: Option<String>,
    pub comment_error: Option<String>,
    pub evidence_error: Option<String>,
    pub confirm_error: Option<String>,
    /// What another user saved, shown beside this user's input after a conflict.
    pub theirs: Option<SavedAnswer>,
}

#[derive(Debug, Serialize)]
pub struct FormArea {
    pub number: i32,
    pub title: String,
    pub recs: Vec<FormRec>,
}

/// A recommendation whose answer another user changed, listed once in the conflict summary.
#[derive(Debug, Serialize)]
pub struct ChangedAnswer {
    pub id: i32,
    pub code: String,
}

/// What the page shows besides the stored form: the user's input and messages.
#[derive(Debug, Default)]
pub struct FormEntry {
    pub typed: BTreeMap<i32, TypedAnswer>,
    pub proposals: String,
    pub version: i32,
    pub errors: Vec<FieldError>,
    pub notice: Option<&'static str>,
    pub conflict: Option<String>,
    /// Why nothing was saved when the round's rules or the database refused the write.
    pub failure: Option<String>,
    pub theirs: Option<Submission>,
    /// After a conflict: the answers the other person changed since this user's version.
    pub changed: BTreeSet<i32>,
}

impl FormEntry {
    /// The form after another user saved it since this user opened it: this user's input in
    /// the fields, and the other user's saved answer beside each of the `candidates` (the
    /// answers they changed) that now differs from this user's input, since an answer both
    /// set alike needs no decision.
    pub fn after_conflict(
        typed: BTreeMap<i32, TypedAnswer>,
        proposals: String,
        theirs: Submission,
        candidates: BTreeSet<i32>,
    ) -> FormEntry {
        let changed: BTreeSet<i32> = candidates
            .into_iter()
            .filter(|id| {
                let saved = theirs.answer(*id);
                let saved_status = saved.and_then(|a| a.status).map(|s| s.as_str());
                let saved_comment = saved.map_or("", |a| a.comment.as_str());
                let saved_link = saved
                    .and_then(|a| a.evidence.as_ref())
                    .map_or("", |e| e.as_str());
                typed.get(id).is_none_or(|typed| {
                    let typed_link = EvidenceLink::parse(&typed.evidence)
                        .ok()
                        .flatten()
                        .map(|e| e.as_str().to_owned())
                        .unwrap_or_else(|| typed.evidence.trim().to_owned());
                    (
                        Some(typed.status.as_str()).filter(|s| !s.is_empty()),
                        typed.comment.trim(),
                        typed_link.as_str(),
                    ) != (saved_status, saved_comment.trim(), saved_link)
                })
            })
            .collect();
        FormEntry {
            typed,
            proposals,
            version: theirs.version,
            conflict: Some(conflict_message(&theirs, changed.is_empty())),
            theirs: Some(theirs),
            changed,
            ..FormEntry::default()
        }
    }

    fn error_for(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    }

    /// What another user saved for `rec_id`, when they changed it.
    fn theirs(&self, rec_id: i32) -> Option<SavedAnswer> {
        let theirs = self
            .theirs
            .as_ref()
            .filter(|_| self.changed.contains(&rec_id))?;
        let a = theirs.answer(rec_id);
        Some(SavedAnswer {
            status: a.and_then(|a| a.status).map(StatusView::from),
            comment: a.map(|a| a.comment.clone()).unwrap_or_default(),
            evidence: a
                .and_then(|a| a.evidence.as_ref())
                .map(|e| e.as_str().to_owned()),
        })
    }
}

/// What happened, in words: who saved the form when, and what to do now.
fn conflict_message(theirs: &Submission, no_answer_changed: bool) -> String {
    let who = theirs.updated_by.as_deref().unwrap_or("en anden bruger");
    format!(
        "\u{2068}{who}\u{2069} gemte skemaet {} (version {}), efter at du åbnede det. Intet af det, du skrev, er gemt endnu: \
         dine indtastninger står i felterne. {}",
        danish_datetime(theirs.updated_at),
        theirs.version,
        if no_answer_changed {
            "Ingen af svarene er ændret, kun forslagene eller skemaets tilstand. Gem igen for at bruge dine indtastninger."
        } else {
            "Svarene herunder er ændret; det gemte svar står ved hver af dem. Ret til, og gem igen for at bruge dine indtastninger."
        }
    )
}

/// What the form is built from: the round, the stored submission, last round's answers.
pub struct FormFacts<'a> {
    pub content: &'a RoundContent,
    pub submission: Option<&'a Submission>,
    pub previous: &'a HashMap<i32, Vec<PreviousAnswer>>,
    /// The round's recommendations against the previous round's: "3.2 (tidl. 1.2)".
    pub lineage: &'a Lineage,
    pub code: &'a MunicipalityCode,
}

/// What the viewer may do with the form now.
#[derive(Debug, Clone, Copy)]
pub struct FormRights {
    pub editable: bool,
    pub can_withdraw: bool,
    pub can_reopen: bool,
    pub can_see_history: bool,
}

/// Why a form that is neither submitted nor editable takes no answers.
const CLOSED: &str = "Runden tager ikke imod svar: fristen er overskredet, eller runden er lukket. Kontakt KKR-sekretariatet, hvis skemaet skal genåbnes.";

/// The municipality's status form.
#[derive(Debug, Serialize)]
pub struct FormPage<'a> {
    pub round: &'a Round,
    pub municipality_name: String,
    pub code: &'a str,
    pub version: i32,
    pub editable: bool,
    pub areas: Vec<FormArea>,
    pub errors: &'a [FieldError],
    pub notice: Option<&'static str>,
    pub conflict: Option<&'a str>,
    pub conflict_changes: Vec<ChangedAnswer>,
    pub failure: Option<&'a str>,
    pub proposals: &'a str,
    pub proposals_error: Option<String>,
    pub proposals_max: usize,
    pub deadline: String,
    pub statuses: [StatusView; 3],
    pub state_label: &'static str,
    pub submitted_info: Option<String>,
    pub can_withdraw: bool,
    pub can_reopen: bool,
    pub can_see_history: bool,
    pub reopened: bool,
    pub closed_reason: Option<&'static str>,
    pub comment_max: usize,
    pub evidence_max: usize,
}

impl<'a> FormPage<'a> {
    /// The form; `None` when the round has no such municipality.
    pub fn new(
        facts: &FormFacts<'a>,
        entry: &'a FormEntry,
        rights: FormRights,
    ) -> Option<FormPage<'a>> {
        let content = facts.content;
        let round = &content.round;
        let municipality = content.municipality(facts.code)?;
        let submission = facts.submission;
        let submitted = submission.is_some_and(|s| s.is_submitted());
        Some(FormPage {
            round,
            municipality_name: municipality.official_name(),
            code: facts.code.as_str(),
            version: entry.version,
            editable: rights.editable,
            areas: areas(facts, entry),
            errors: &entry.errors,
            notice: entry.notice,
            conflict: entry.conflict.as_deref(),
            conflict_changes: content
                .focus_areas
                .iter()
                .flat_map(|area| content.recommendations_of(area.id))
                .filter(|rec| entry.changed.contains(&rec.id))
                .map(|rec| ChangedAnswer {
                    id: rec.id,
                    code: rec.code.clone(),
                })
                .collect(),
            failure: entry.failure.as_deref(),
            proposals: &entry.proposals,
            proposals_error: entry.error_for("proposals"),
            proposals_max: form::PROPOSALS_MAX_CHARS,
            deadline: danish_datetime(round.deadline),
            statuses: Status::ALL.map(StatusView::from),
            state_label: submission.map_or("Ikke påbegyndt", |s| s.state.label_da()),
            submitted_info: submission
                .filter(|s| s.is_submitted())
                .map(|s| super::submission_line(Some(s)).sentence),
            can_withdraw: rights.can_withdraw,
            can_reopen: rights.can_reopen,
            can_see_history: rights.can_see_history,
            reopened: submission.is_some_and(|s| s.reopened),
            closed_reason: (!submitted && !rights.editable).then_some(CLOSED),
            comment_max: Comment::MAX_CHARS,
            evidence_max: EvidenceLink::MAX_CHARS,
        })
    }
}

/// The round's focus areas with each recommendation's answer as the page shows it.
fn areas(facts: &FormFacts<'_>, entry: &FormEntry) -> Vec<FormArea> {
    let content = facts.content;
    content
        .focus_areas
        .iter()
        .map(|area| FormArea {
            number: area.number,
            title: area.title.clone(),
            recs: content
                .recommendations_of(area.id)
                .map(|rec| {
                    let mine = entry.typed.get(&rec.id).cloned().unwrap_or_default();
                    FormRec {
                        id: rec.id,
                        code: rec.code.clone(),
                        text: rec.text.clone(),
                        binding: super::binding_label(rec.binding),
                        status: mine.status,
                        comment: mine.comment,
                        evidence: mine.evidence,
                        carried: mine.carried,
                        code_label: facts
                            .lineage
                            .code_label(rec.id)
                            .unwrap_or_else(|| rec.code.clone()),
                        last_year_merged: facts
                            .lineage
                            .link(rec.id)
                            .is_some_and(|l| l.kind == lineage::LinkKind::Merged),
                        last_year_year: facts.lineage.previous.map(|(_, year)| year),
                        last_year: facts
                            .previous
                            .get(&rec.id)
                            .into_iter()
                            .flatten()
                            .map(LastYear::from)
                            .collect(),
                        status_error: entry.error_for(&format!("status-{}", rec.id)),
                        comment_error: entry.error_for(&format!("comment-{}", rec.id)),
                        evidence_error: entry.error_for(&format!("evidence-{}", rec.id)),
                        confirm_error: entry.error_for(&format!("confirm-{}", rec.id)),
                        theirs: entry.theirs(rec.id),
                    }
                })
                .collect(),
        })
        .collect()
}

/// One answer of a form that could not be saved, as the page that keeps it shows it.
#[derive(Debug, Serialize)]
pub struct KeptAnswer {
    /// Its place among the answers posted (the page has no round to name it by).
    pub number: usize,
    pub id: String,
    pub status: String,
    pub status_view: Option<StatusView>,
    pub comment: String,
    pub evidence: String,
    pub confirm: Option<String>,
}

/// The page that keeps a form's input when the database failed before the form could be
/// read: built from the posted fields alone, so it shows nothing the database holds.
#[derive(Debug, Serialize)]
pub struct UnsavedPage {
    pub form_path: String,
    pub reason: &'static str,
    pub version: String,
    pub answers: Vec<KeptAnswer>,
    pub proposals: String,
    pub comment_max: usize,
    pub proposals_max: usize,
}

impl UnsavedPage {
    pub fn from_fields(
        form_path: String,
        reason: &'static str,
        fields: &[(String, String)],
    ) -> UnsavedPage {
        let mut answers: Vec<KeptAnswer> = Vec::new();
        let mut answer = |id: &str| -> usize {
            if let Some(i) = answers.iter().position(|a| a.id == id) {
                return i;
            }
            answers.push(KeptAnswer {
                number: answers.len() + 1,
                id: id.to_owned(),
                status: String::new(),
                status_view: None,
                comment: String::new(),
                evidence: String::new(),
                confirm: None,
            });
            answers.len() - 1
        };
        let is_id =
            |id: &str| !id.is_empty() && id.len() <= 9 && id.bytes().all(|b| b.is_ascii_digit());
        let mut version = String::new();
        let mut proposals = String::new();
        let mut rows: Vec<(usize, &str, &str)> = Vec::new();
        for (name, value) in fields {
            match name.split_once('-') {
                Some((kind @ ("status" | "comment" | "evidence" | "confirm"), id)) if is_id(id) => {
                    rows.push((answer(id), kind, value));
                }
                _ if name == "version" => value.clone_into(&mut version),
                _ if name == "proposals" => value.clone_into(&mut proposals),
                _ => {}
            }
        }
        for (i, kind, value) in rows {
            let kept = &mut answers[i];
            match kind {
                "status" => {
                    value.clone_into(&mut kept.status);
                    kept.status_view = Status::parse(value).ok().map(StatusView::from);
                }
                "comment" => value.clone_into(&mut kept.comment),
                "evidence" => value.clone_into(&mut kept.evidence),
                _ => kept.confirm = Some(value.to_owned()),
            }
        }
        UnsavedPage {
            form_path,
            reason,
            version,
            answers,
            proposals,
            comment_max: Comment::MAX_CHARS,
            proposals_max: form::PROPOSALS_MAX_CHARS,
        }
    }
}

/// The form's history: every recorded change (`R`, one row each) in words.
#[derive(Debug, Serialize)]
pub struct HistoryPage<'a, R> {
    pub round: &'a Round,
    pub municipality_name: String,
    pub code: &'a str,
    pub rows: Vec<R>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_unsaved_page_keeps_every_answer_in_the_order_posted() {
        let fields = pairs(&[
            ("csrf_token", "t"),
            ("version", "3"),
            ("comment-12", "Min tekst"),
            ("status-12", "yellow"),
            ("status-7", "lilla"),
            ("confirm-7", "1"),
            ("status-x", "green"),
            ("proposals", "Flere cykelstier"),
        ]);
        let page = UnsavedPage::from_fields("/form".into(), "nej", &fields);
        assert_eq!(page.version, "3");
        assert_eq!(page.proposals, "Flere cykelstier");
        let ids: Vec<&str> = page.answers.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["12", "7"], "a field that names no id is left out");
        let first = &page.answers[0];
        assert_eq!((first.number, first.status.as_str()), (1, "yellow"));
        assert_eq!(first.comment, "Min tekst");
        assert!(first.status_view.is_some());
        let second = &page.answers[1];
        assert_eq!(second.status, "lilla", "kept as typed");
        assert!(second.status_view.is_none(), "but not shown as a status");
        assert_eq!(second.confirm.as_deref(), Some("1"));
    }
}
