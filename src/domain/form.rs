//! The status form as submitted by a browser: parsed into typed answers, or rejected with a
//! Danish message, keeping what the user typed so the page can show it again.
//!
//! Field names: `version`, `action` (`save` | `submit`), `status-<recommendation id>`,
//! `comment-<recommendation id>`, `evidence-<recommendation id>` (an optional link),
//! `confirm-<recommendation id>` (keep last round's answer),
//! `proposals`, and `csrf_token` (checked by the web layer).
//!
//! An answer taken over from last round is marked "fra sidste år" (`carried`) until the user
//! confirms it or changes it; a form cannot be submitted with such answers left.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::lineage::PreviousAnswer;
use super::model::{Answer, Comment, EvidenceLink, RoundContent, Submission};
use super::status::Status;

/// The most characters the proposals field takes.
pub const PROPOSALS_MAX_CHARS: usize = 2000;

/// What a form is parsed against: the round, last round's answers, and what is stored now.
#[derive(Debug, Clone, Copy)]
pub struct FormContext<'a> {
    pub content: &'a RoundContent,
    /// Last round's answers to what each recommendation continues (several for a merge; the
    /// first is the one a form takes over).
    pub previous: &'a HashMap<i32, Vec<PreviousAnswer>>,
    pub stored: Option<&'a Submission>,
}

impl FormContext<'_> {
    /// Whether the stored form still holds this recommendation as taken over from last round
    /// (or holds nothing for it, so the page shows last round's answer).
    fn still_carried(&self, id: i32) -> bool {
        self.carried_over(id).is_some()
            && self
                .stored
                .and_then(|s| s.answer(id))
                .is_none_or(|a| a.carried)
    }

    /// The previous answer a form takes over for a recommendation: its own predecessor's, or a
    /// merged one's when that has none.
    fn carried_over(&self, id: i32) -> Option<&PreviousAnswer> {
        self.previous.get(&id).and_then(|all| all.first())
    }

    /// The values the form opens with: the stored answers, and last round's where there is
    /// none yet.
    pub fn initial(&self) -> BTreeMap<i32, TypedAnswer> {
        self.content
            .recommendations
            .iter()
            .filter_map(|rec| {
                let stored = self.stored.and_then(|s| s.answer(rec.id));
                let typed = match (stored, self.carried_over(rec.id)) {
                    (Some(a), _) => TypedAnswer {
                        status: a.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                        comment: a.comment.clone(),
                        evidence: link_text(a.evidence.as_ref()),
                        carried: a.carried,
                    },
                    (None, Some(p)) => TypedAnswer {
                        status: p.status.as_str().to_owned(),
                        comment: p.comment.clone(),
                        evidence: link_text(p.evidence.as_ref()),
                        carried: true,
                    },
                    (None, None) => return None,
                };
                Some((rec.id, typed))
            })
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormAction {
    SaveDraft,
    Submit,
}

/// What the user typed for one recommendation, kept verbatim for showing the form again.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TypedAnswer {
    pub status: String,
    pub comment: String,
    /// The evidence link as typed.
    pub evidence: String,
    /// Still last round's answer, unconfirmed.
    pub carried: bool,
}

/// An evidence link as a form field shows it: empty for none.
fn link_text(link: Option<&EvidenceLink>) -> String {
    link.map(|l| l.as_str().to_owned()).unwrap_or_default()
}

/// A problem with one field, shown in the error summary and beside the field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub recommendation_id: i32,
    /// The id of the input the summary links to, e.g. "status-12".
    pub field: String,
    pub message: String,
}

/// A parsed form.
#[derive(Debug, Clone, PartialEq)]
pub struct FormInput {
    pub version: i32,
    pub action: FormAction,
    /// Every recommendation with a status, a comment or a link, in the round's order.
    pub answers: Vec<Answer>,
    pub typed: BTreeMap<i32, TypedAnswer>,
    pub proposals: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FormRejection {
    /// The request could not have come from our form (unknown field, duplicate field,
    /// unknown status word, a recommendation of another round): a 400 with the reason.
    Malformed(String),
    /// The form is well-formed but incomplete or too long somewhere: the page comes back with
    /// an error summary and the user's input.
    Invalid {
        errors: Vec<FieldError>,
        typed: BTreeMap<i32, TypedAnswer>,
        version: i32,
        proposals: String,
    },
}

fn field_id(raw: &str, prefix: &str) -> Option<Result<i32, String>> {
    raw.strip_prefix(prefix).map(|id| {
        id.parse::<i32>().map_err(|_| {
            format!(
                "feltet «{}» er ukendt",
                raw.chars().take(40).collect::<String>()
            )
        })
    })
}

/// Parses the form's fields against the round it belongs to.
pub fn parse(
    pairs: &[(String, String)],
    context: FormContext<'_>,
) -> Result<FormInput, FormRejection> {
    let content = context.content;
    let malformed = |m: String| FormRejection::Malformed(m);
    let mut confirmed: HashSet<i32> = HashSet::new();
    let mut proposals = String::new();
    let round_ids: HashSet<i32> = content.recommendations.iter().map(|r| r.id).collect();
    let mut seen = HashSet::new();
    let mut version = None;
    let mut action = None;
    let mut typed: BTreeMap<i32, TypedAnswer> = BTreeMap::new();

    for (key, value) in pairs {
        if !seen.insert(key.as_str()) {
            return Err(malformed(format!(
                "feltet «{}» er sendt mere end én gang",
                key.chars().take(40).collect::<String>()
            )));
        }
        if key == "csrf_token" {
            continue;
        } else if key == "version" {
            version = Some(value.trim().parse::<i32>().map_err(|_| {
                malformed("skemaets versionsnummer mangler eller er ugyldigt".to_owned())
            })?);
        } else if key == "action" {
            action = Some(match value.as_str() {
                "save" => FormAction::SaveDraft,
                "submit" => FormAction::Submit,
                _ => {
                    return Err(malformed(
                        "ukendt handling: vælg «Gem kladde» eller «Indsend»".to_owned(),
                    ))
                }
            });
        } else if let Some(id) = field_id(key, "status-") {
            let id = id.map_err(malformed)?;
            check_id(id, &round_ids)?;
            if !value.is_empty() {
                Status::parse(value).map_err(|e| malformed(e.to_string()))?;
            }
            typed.entry(id).or_default().status = value.clone();
        } else if let Some(id) = field_id(key, "comment-") {
            let id = id.map_err(malformed)?;
            check_id(id, &round_ids)?;
            typed.entry(id).or_default().comment = value.clone();
        } else if let Some(id) = field_id(key, "evidence-") {
            let id = id.map_err(malformed)?;
            check_id(id, &round_ids)?;
            typed.entry(id).or_default().evidence = value.clone();
        } else if let Some(id) = field_id(key, "confirm-") {
            let id = id.map_err(malformed)?;
            check_id(id, &round_ids)?;
            confirmed.insert(id);
        } else if key == "proposals" {
            proposals = super::model::normalise_lines(value).trim().to_owned();
        } else {
            return Err(malformed(format!(
                "feltet «{}» er ukendt",
                key.chars().take(40).collect::<String>()
            )));
        }
    }
    let version = version.ok_or_else(|| malformed("skemaets versionsnummer mangler".to_owned()))?;
    let action = action.unwrap_or(FormAction::SaveDraft);

    let mut errors = Vec::new();
    let proposal_chars = proposals.chars().count();
    if let Some(problem) = super::model::control_character(&proposals) {
        errors.push(FieldError {
            recommendation_id: 0,
            field: "proposals".to_owned(),
            message: format!("Forslagene {problem}"),
        });
    } else if proposal_chars > PROPOSALS_MAX_CHARS {
        errors.push(FieldError {
            recommendation_id: 0,
            field: "proposals".to_owned(),
            message: format!(
                "Forslagene er {proposal_chars} tegn; de må højst være {PROPOSALS_MAX_CHARS} tegn."
            ),
        });
    }
    let mut answers = Vec::new();
    for rec in &content.recommendations {
        let entry = typed.get(&rec.id).cloned().unwrap_or_default();
        let previous = context.carried_over(rec.id);
        let status = if entry.status.is_empty() {
            None
        } else {
            Status::parse(&entry.status).ok()
        };
        let comment = match Comment::parse(&entry.comment) {
            Ok(c) => c.into_string(),
            Err(e) => {
                errors.push(FieldError {
                    recommendation_id: rec.id,
                    field: format!("comment-{}", rec.id),
                    message: format!("Anbefaling {}: {}", rec.code, e),
                });
                continue;
            }
        };
        let evidence = match EvidenceLink::parse(&entry.evidence) {
            Ok(link) => link,
            Err(e) => {
                errors.push(FieldError {
                    recommendation_id: rec.id,
                    field: format!("evidence-{}", rec.id),
                    message: format!("Anbefaling {}: {}", rec.code, e),
                });
                continue;
            }
        };
        // Still last round's answer unless the user confirmed it or changed it.
        let carried = context.still_carried(rec.id)
            && !confirmed.contains(&rec.id)
            && previous.is_some_and(|p| {
                Some(p.status) == status && p.comment == comment && p.evidence == evidence
            });
        if let Some(t) = typed.get_mut(&rec.id) {
            t.carried = carried;
        }
        if action == FormAction::Submit && carried {
            errors.push(FieldError {
                recommendation_id: rec.id,
                field: format!("confirm-{}", rec.id),
                message: format!(
                    "Anbefaling {}: bekræft sidste års svar, eller ret det.",
                    rec.code
                ),
            });
        }
        if action == FormAction::Submit {
            match status {
                None => errors.push(FieldError {
                    recommendation_id: rec.id,
                    field: format!("status-{}", rec.id),
                    message: format!("Anbefaling {}: vælg en status.", rec.code),
                }),
                Some(Status::Yellow | Status::Red) if comment.is_empty() => errors.push(FieldError {
                    recommendation_id: rec.id,
                    field: format!("comment-{}", rec.id),
                    message: format!(
                        "Anbefaling {}: skriv en kommentar om, hvad der står i vejen, eller hvad der er planlagt.",
                        rec.code
                    ),
                }),
                _ => {}
            }
        }
        if status.is_some() || !comment.is_empty() || evidence.is_some() {
            answers.push(Answer {
                recommendation_id: rec.id,
                status,
                comment,
                evidence,
                carried,
            });
        }
    }
    if errors.is_empty() {
        Ok(FormInput {
            version,
            action,
            answers,
            typed,
            proposals,
        })
    } else {
        Err(FormRejection::Invalid {
            errors,
            typed,
            version,
            proposals,
        })
    }
}

fn check_id(id: i32, round_ids: &HashSet<i32>) -> Result<(), FormRejection> {
    if round_ids.contains(&id) {
        Ok(())
    } else {
        Err(FormRejection::Malformed(format!(
            "anbefaling {id} hører ikke til denne statusrunde"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    /// Field names as a browser or a tamperer might send them.
    fn field_name() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("version".to_owned()),
            Just("action".to_owned()),
            Just("proposals".to_owned()),
            Just("csrf_token".to_owned()),
            (
                prop_oneof![
                    Just("status-"),
                    Just("comment-"),
                    Just("evidence-"),
                    Just("confirm-")
                ],
                prop_oneof![
                    Just("11".to_owned()),
                    Just("12".to_owned()),
                    "[0-9]{1,3}",
                    "\\PC{0,4}"
                ]
            )
                .prop_map(|(p, id)| format!("{p}{id}")),
            "\\PC{0,10}",
        ]
    }

    fn field_value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("green".to_owned()),
            Just("red".to_owned()),
            Just("submit".to_owned()),
            Just("save".to_owned()),
            "[0-9]{1,3}",
            "\\PC{0,30}",
            "[\\x00-\\x7f]{0,20}",
        ]
    }

    proptest! {
        #[test]
        fn any_form_body_is_parsed_into_valid_answers_or_refused_with_the_input_kept(
            pairs in proptest::collection::vec((field_name(), field_value()), 0..12)
        ) {
            let content = content();
            let previous = HashMap::new();
            let context = FormContext { content: &content, previous: &previous, stored: None };
            match parse(&pairs, context) {
                Ok(input) => {
                    let version = pairs.iter().find(|(k, _)| k == "version").map(|(_, v)| v.trim().parse::<i32>().unwrap());
                    prop_assert_eq!(Some(input.version), version);
                    for answer in &input.answers {
                        prop_assert!([11, 12].contains(&answer.recommendation_id));
                        prop_assert!(answer.comment.chars().count() <= Comment::MAX_CHARS);
                        prop_assert!(answer.comment.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'));
                        if let Some(link) = &answer.evidence {
                            prop_assert!(link.as_str().starts_with("http://") || link.as_str().starts_with("https://"));
                        }
                        let typed = pairs.iter().find(|(k, _)| *k == format!("status-{}", answer.recommendation_id)).map(|(_, v)| v.trim());
                        prop_assert_eq!(answer.status.map(Status::as_str), typed.filter(|t| !t.is_empty()));
                    }
                    if input.action == FormAction::Submit {
                        prop_assert_eq!(input.answers.len(), 2, "a submitted form answers everything");
                    }
                }
                Err(FormRejection::Malformed(message)) => {
                    prop_assert!(!message.is_empty());
                }
                Err(FormRejection::Invalid { errors, typed, .. }) => {
                    prop_assert!(!errors.is_empty());
                    for (key, value) in &pairs {
                        if let Some(id) = key.strip_prefix("comment-").and_then(|id| id.parse::<i32>().ok()) {
                            prop_assert_eq!(&typed[&id].comment, value, "what was typed is kept");
                        }
                        if let Some(id) = key.strip_prefix("evidence-").and_then(|id| id.parse::<i32>().ok()) {
                            prop_assert_eq!(&typed[&id].evidence, value, "what was typed is kept");
                        }
                    }
                }
            }
        }
    }

    fn content() -> RoundContent {
        let rec = |id: i32, code: &str| Recommendation {
            id,
            focus_area_id: 1,
            code: code.into(),
            text: "T".into(),
            binding: true,
            position: id,
            carried_from: None,
            merged_from: Vec::new(),
        };
        RoundContent {
            groups: Vec::new(),
            round: Round {
                id: 1,
                kkr_id: 1,
                kkr_name: "K".into(),
                year: 2017,
                title: "T".into(),
                subject: String::new(),
                deadline: NaiveDate::from_ymd_opt(2017, 1, 1)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap(),
                state: RoundState::Open,
            },
            focus_areas: vec![FocusArea {
                group_id: None,
                id: 1,
                number: 1,
                title: "F".into(),
            }],
            recommendations: vec![rec(11, "1.1"), rec(12, "1.2")],
            municipalities: vec![],
        }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn run(list: &[(&str, &str)]) -> Result<FormInput, FormRejection> {
        let content = content();
        let previous = HashMap::new();
        parse(
            &pairs(list),
            FormContext {
                content: &content,
                previous: &previous,
                stored: None,
            },
        )
    }

    fn last_year() -> HashMap<i32, Vec<PreviousAnswer>> {
        HashMap::from([(
            11,
            vec![PreviousAnswer {
                year: 2016,
                round_id: 1,
                recommendation_id: 1,
                code: "1.1".into(),
                status: Status::Yellow,
                comment: "I gang".into(),
                evidence: None,
            }],
        )])
    }

    #[test]
    fn last_years_answer_opens_the_form_marked_as_carried() {
        let content = content();
        let previous = last_year();
        let context = FormContext {
            content: &content,
            previous: &previous,
            stored: None,
        };
        let initial = context.initial();
        assert_eq!(initial[&11].status, "yellow");
        assert_eq!(initial[&11].comment, "I gang");
        assert!(initial[&11].carried);
        assert!(!initial.contains_key(&12));
    }

    #[test]
    fn a_carried_answer_stays_marked_until_confirmed_or_changed() {
        let content = content();
        let previous = last_year();
        let context = FormContext {
            content: &content,
            previous: &previous,
            stored: None,
        };
        let unchanged = pairs(&[
            ("version", "0"),
            ("status-11", "yellow"),
            ("comment-11", "I gang"),
        ]);
        let saved = parse(&unchanged, context).unwrap();
        assert!(saved.answers[0].carried);

        let mut confirmed = unchanged.clone();
        confirmed.push(("confirm-11".into(), "1".into()));
        assert!(!parse(&confirmed, context).unwrap().answers[0].carried);

        let changed = pairs(&[
            ("version", "0"),
            ("status-11", "green"),
            ("comment-11", "I gang"),
        ]);
        assert!(!parse(&changed, context).unwrap().answers[0].carried);

        let mut submit = unchanged.clone();
        submit.push(("action".into(), "submit".into()));
        submit.push(("status-12".into(), "green".into()));
        let FormRejection::Invalid { errors, .. } = parse(&submit, context).unwrap_err() else {
            panic!("expected invalid");
        };
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "confirm-11");
    }

    #[test]
    fn an_evidence_link_is_kept_with_its_answer_and_a_bad_one_is_refused_at_its_field() {
        let input = run(&[
            ("version", "0"),
            ("evidence-11", " https://www.kk.dk/beslutning "),
        ])
        .unwrap();
        assert_eq!(input.answers.len(), 1, "a link alone is an answer to keep");
        assert_eq!(
            input.answers[0].evidence_url().as_deref(),
            Some("https://www.kk.dk/beslutning")
        );
        let FormRejection::Invalid { errors, typed, .. } = run(&[
            ("version", "0"),
            ("status-11", "green"),
            ("evidence-11", "javascript:alert(1)"),
        ])
        .unwrap_err() else {
            panic!("expected invalid");
        };
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "evidence-11");
        assert!(errors[0]
            .message
            .starts_with("Anbefaling 1.1: Linket skal begynde"));
        assert_eq!(
            typed[&11].evidence, "javascript:alert(1)",
            "what was typed is kept"
        );
    }

    #[test]
    fn last_years_link_is_carried_with_its_answer_and_changing_it_is_a_change() {
        let content = content();
        let mut previous = last_year();
        previous.get_mut(&11).unwrap()[0].evidence =
            EvidenceLink::parse("https://www.kk.dk/plan").unwrap();
        let context = FormContext {
            content: &content,
            previous: &previous,
            stored: None,
        };
        assert_eq!(context.initial()[&11].evidence, "https://www.kk.dk/plan");
        let same = pairs(&[
            ("version", "0"),
            ("status-11", "yellow"),
            ("comment-11", "I gang"),
            ("evidence-11", "https://www.kk.dk/plan"),
        ]);
        assert!(parse(&same, context).unwrap().answers[0].carried);
        let other = pairs(&[
            ("version", "0"),
            ("status-11", "yellow"),
            ("comment-11", "I gang"),
            ("evidence-11", "https://www.kk.dk/ny-plan"),
        ]);
        assert!(!parse(&other, context).unwrap().answers[0].carried);
    }

    #[test]
    fn a_partial_draft_is_accepted() {
        let input = run(&[
            ("version", "3"),
            ("action", "save"),
            ("status-11", "green"),
            ("comment-12", "på vej"),
        ])
        .unwrap();
        assert_eq!(input.version, 3);
        assert_eq!(input.action, FormAction::SaveDraft);
        assert_eq!(input.answers.len(), 2);
        assert_eq!(input.answers[0].status, Some(Status::Green));
        assert_eq!(input.answers[1].status, None);
        assert_eq!(input.answers[1].comment, "på vej");
    }

    #[test]
    fn submit_requires_every_status_and_comments_for_yellow_and_red() {
        let err = run(&[
            ("version", "0"),
            ("action", "submit"),
            ("status-11", "red"),
            ("comment-11", ""),
        ])
        .unwrap_err();
        let FormRejection::Invalid { errors, typed, .. } = err else {
            panic!("expected invalid");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["comment-11", "status-12"]);
        assert_eq!(typed[&11].status, "red", "the user's input is kept");
    }

    #[test]
    fn unknown_status_words_and_foreign_ids_are_malformed() {
        let bad_status = run(&[("version", "0"), ("status-11", "blue")]);
        assert!(
            matches!(bad_status, Err(FormRejection::Malformed(m)) if m.contains("ukendt status"))
        );
        let foreign = run(&[("version", "0"), ("status-99", "green")]);
        assert!(
            matches!(foreign, Err(FormRejection::Malformed(m)) if m.contains("hører ikke til"))
        );
        let dup = run(&[
            ("version", "0"),
            ("status-11", "green"),
            ("status-11", "red"),
        ]);
        assert!(matches!(dup, Err(FormRejection::Malformed(m)) if m.contains("mere end én gang")));
        let unknown = run(&[("version", "0"), ("evil", "1")]);
        assert!(matches!(unknown, Err(FormRejection::Malformed(_))));
        let no_version = run(&[("status-11", "green")]);
        assert!(matches!(no_version, Err(FormRejection::Malformed(_))));
    }

    #[test]
    fn an_oversized_comment_is_an_error_on_its_field() {
        let long = "x".repeat(2001);
        let err = run(&[("version", "0"), ("comment-12", long.as_str())]).unwrap_err();
        let FormRejection::Invalid { errors, .. } = err else {
            panic!("expected invalid");
        };
        assert_eq!(errors[0].field, "comment-12");
        assert!(errors[0].message.contains("højst være 2000 tegn"));
    }
}
