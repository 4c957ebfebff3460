//! What changed since a council saw a municipality's attachment: a saved snapshot compared
//! with what an attachment made today would show, answer by answer and recommendation by
//! recommendation, and who made each change according to the audit log.
//!
//! A snapshot stores a [`Record`] of what it showed (new snapshots under [`RECORD_KEY`] in
//! their data); older snapshots are read from the attachment data they were rendered from
//! ([`read_stored`] says which, as a [`Basis`]). Both sides hold submitted answers only, as
//! the attachment does.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::model::{MunicipalityCode, RoundData};
use super::Status;

/// The key of a snapshot's data JSON that holds its [`Record`].
pub const RECORD_KEY: &str = "comparison";

/// The format of [`Record`] written now; a record of a later format is not read.
pub const RECORD_FORMAT: u32 = 1;

/// What an attachment showed of a municipality's answers and the round's recommendations, in
/// a form meant to be compared later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub format: u32,
    /// Whether the municipality's form was submitted (otherwise no answers were shown).
    pub submitted: bool,
    /// In the round's order.
    pub recommendations: Vec<RecordedRecommendation>,
}

/// One recommendation with the municipality's submitted answer to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRecommendation {
    /// `None` in snapshots saved before recommendations were recorded by id.
    pub id: Option<i32>,
    /// "1.2".
    pub code: String,
    pub text: String,
    pub status: Option<Status>,
    pub comment: String,
}

/// What an attachment of the municipality would show today: its submitted answers (none
/// while its form is a draft) to the round's recommendations.
pub fn record(data: &RoundData, code: &MunicipalityCode) -> Record {
    let submission = data.submission_of(code).filter(|s| s.is_submitted());
    Record {
        format: RECORD_FORMAT,
        submitted: submission.is_some(),
        recommendations: data
            .content
            .recommendations
            .iter()
            .map(|r| {
                let answer = submission.and_then(|s| s.answer(r.id));
                RecordedRecommendation {
                    id: Some(r.id),
                    code: r.code.clone(),
                    text: r.text.clone(),
                    status: answer.and_then(|a| a.status),
                    comment: answer.map(|a| a.comment.clone()).unwrap_or_default(),
                }
            })
            .collect(),
    }
}

/// A snapshot's data: the attachment's JSON with `record` added under [`RECORD_KEY`].
pub fn with_record(attachment: &str, record: &Record) -> serde_json::Result<String> {
    let mut data: serde_json::Value = serde_json::from_str(attachment)?;
    if let Some(fields) = data.as_object_mut() {
        fields.insert(RECORD_KEY.to_owned(), serde_json::to_value(record)?);
    }
    serde_json::to_string(&data)
}

/// Where a snapshot's side of the comparison comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Basis {
    /// The record the snapshot stored for this comparison.
    Recorded,
    /// The attachment data of a snapshot saved before records were stored: the same answers
    /// and recommendations, read from the document's layout.
    Attachment,
    /// The attachment data of an early snapshot without recommendation ids: recommendations
    /// are matched by number, so a renumbered one counts as removed and added.
    AttachmentByNumber,
}

/// The comparable part of a snapshot's stored data, or `None` when it holds nothing that
/// can be compared (then only its PDF is left).
pub fn read_stored(data: &str) -> Option<(Record, Basis)> {
    let stored: StoredData = serde_json::from_str(data).ok()?;
    if let Some(record) = stored.comparison.filter(|r| r.format <= RECORD_FORMAT) {
        return Some((record, Basis::Recorded));
    }
    let own = stored.own?;
    let areas = stored.areas?;
    let mut recommendations = Vec::new();
    for row in areas.into_iter().flat_map(|a| a.rows) {
        let status = match row.own {
            Some(own) => Some(Status::parse(&own.code).ok()?),
            None => None,
        };
        recommendations.push(RecordedRecommendation {
            id: row.id,
            code: row.code,
            text: row.text,
            status,
            comment: row.comment,
        });
    }
    let basis = if recommendations.iter().all(|r| r.id.is_some()) {
        Basis::Attachment
    } else {
        Basis::AttachmentByNumber
    };
    Some((
        Record {
            format: RECORD_FORMAT,
            submitted: own.submitted,
            recommendations,
        },
        basis,
    ))
}

/// The parts of a snapshot's data JSON the comparison reads: its record, or else the
/// attachment's own state and rows (in both layouts attachments have had).
#[derive(Debug, Deserialize)]
struct StoredData {
    /// Under [`RECORD_KEY`].
    comparison: Option<Record>,
    own: Option<StoredOwn>,
    areas: Option<Vec<StoredArea>>,
}

#[derive(Debug, Deserialize)]
struct StoredOwn {
    submitted: bool,
}

#[derive(Debug, Deserialize)]
struct StoredArea {
    rows: Vec<StoredRow>,
}

#[derive(Debug, Deserialize)]
struct StoredRow {
    #[serde(default)]
    id: Option<i32>,
    code: String,
    text: String,
    own: Option<StoredStatus>,
    #[serde(default, alias = "own_comment")]
    comment: String,
}

#[derive(Debug, Deserialize)]
struct StoredStatus {
    code: String,
}

/// The recommendation a change concerns, as it is today (as it was, for a removed one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subject {
    pub id: Option<i32>,
    pub code: String,
    pub text: String,
}

/// One difference between the snapshot and today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `None` for a change of the whole form ([`What::Submission`]).
    pub recommendation: Option<Subject>,
    pub what: What,
}

/// What differs, with the snapshot's value (`before`) and today's (`now`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum What {
    /// The form was submitted then and is not now (withdrawn or reopened), or the reverse.
    Submission { before: bool, now: bool },
    /// The municipality's submitted status.
    Status {
        before: Option<Status>,
        now: Option<Status>,
    },
    /// The municipality's submitted comment.
    Comment { before: String, now: String },
    /// The recommendation's number.
    Number { before: String, now: String },
    /// The recommendation's wording.
    Text { before: String, now: String },
    /// A recommendation the snapshot did not have.
    Added,
    /// A recommendation the snapshot had and the round no longer has.
    Removed,
}

/// Every difference between what a snapshot showed and what is shown today: the form's
/// state first, then each of today's recommendations in the round's order (number, wording,
/// status, comment), then the recommendations that are gone. Empty when nothing changed.
///
/// `created_since` lists the recommendations created after the snapshot was saved
/// ([`created_since`]): none of them is one the snapshot showed, even when the database gave
/// one the id of a recommendation removed before it (SQLite reuses the highest id).
pub fn compare(snapshot: &Record, today: &Record, created_since: &[i32]) -> Vec<Change> {
    let by_id = snapshot.recommendations.iter().all(|r| r.id.is_some());
    let same = |then: &RecordedRecommendation, now: &RecordedRecommendation| {
        if by_id {
            then.id == now.id && now.id.is_some_and(|id| !created_since.contains(&id))
        } else {
            then.code == now.code
        }
    };
    let mut changes = Vec::new();
    if snapshot.submitted != today.submitted {
        changes.push(Change {
            recommendation: None,
            what: What::Submission {
                before: snapshot.submitted,
                now: today.submitted,
            },
        });
    }
    for now in &today.recommendations {
        let subject = Subject {
            id: now.id,
            code: now.code.clone(),
            text: now.text.clone(),
        };
        let change = |what| Change {
            recommendation: Some(subject.clone()),
            what,
        };
        let Some(then) = snapshot.recommendations.iter().find(|t| same(t, now)) else {
            changes.push(change(What::Added));
            continue;
        };
        if then.code != now.code {
            changes.push(change(What::Number {
                before: then.code.clone(),
                now: now.code.clone(),
            }));
        }
        if then.text != now.text {
            changes.push(change(What::Text {
                before: then.text.clone(),
                now: now.text.clone(),
            }));
        }
        if then.status != now.status {
            changes.push(change(What::Status {
                before: then.status,
                now: now.status,
            }));
        }
        if then.comment != now.comment {
            changes.push(change(What::Comment {
                before: then.comment.clone(),
                now: now.comment.clone(),
            }));
        }
    }
    for then in &snapshot.recommendations {
        if !today.recommendations.iter().any(|now| same(then, now)) {
            changes.push(Change {
                recommendation: Some(Subject {
                    id: then.id,
                    code: then.code.clone(),
                    text: then.text.clone(),
                }),
                what: What::Removed,
            });
        }
    }
    changes
}

/// One audit log entry as the comparison reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// UTC.
    pub at: NaiveDateTime,
    /// The person's name; `None` when no user is recorded (e.g. an import from the command
    /// line).
    pub by: Option<String>,
    pub entry: LoggedEntry,
}

/// What an audit entry changed, as far as the comparison cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoggedEntry {
    /// An answer of the municipality's form.
    Answer {
        recommendation_id: i32,
        status_changed: bool,
        comment_changed: bool,
    },
    /// The form's state: submitted (`true`) or taken back to draft.
    Submission { submitted: bool },
    /// A change to the round's recommendations naming these recommendations, or to the
    /// whole set (`whole_set`: an import that replaced it); `created` is the one it added.
    Recommendations {
        ids: Vec<i32>,
        whole_set: bool,
        created: Option<i32>,
    },
}

/// The recommendations the log says were created after `since`.
pub fn created_since(log: &[Logged], since: NaiveDateTime) -> Vec<i32> {
    log.iter()
        .filter(|l| l.at > since)
        .filter_map(|l| match l.entry {
            LoggedEntry::Recommendations { created, .. } => created,
            _ => None,
        })
        .collect()
}

/// Who made a change, and when (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stamp {
    pub at: NaiveDateTime,
    pub by: Option<String>,
}

/// A change with the audit entries that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attributed {
    pub change: Change,
    /// Oldest first; empty when the log names no entry for it (a recommendation renumbered
    /// because another one moved, say).
    pub made: Vec<Stamp>,
}

/// Finds, for each change, the log entries that made it: those of its kind after the
/// snapshot was saved (`since`). An answer that was not edited since but left or entered
/// the attachment with the form's state (a withdrawal, a submission) is credited to those
/// state changes. With neither (a save that landed while the snapshot was being rendered),
/// the last entry of its kind before counts. `log` is oldest first.
pub fn attribute(changes: Vec<Change>, log: &[Logged], since: NaiveDateTime) -> Vec<Attributed> {
    changes
        .into_iter()
        .map(|change| {
            let after = |matches: &dyn Fn(&Logged) -> bool| -> Vec<&Logged> {
                log.iter().filter(|l| l.at > since && matches(l)).collect()
            };
            let mut chosen = after(&|l| made_by(&change, l));
            if chosen.is_empty()
                && matches!(change.what, What::Status { .. } | What::Comment { .. })
            {
                chosen = after(&|l| matches!(l.entry, LoggedEntry::Submission { .. }));
            }
            if chosen.is_empty() {
                chosen = log
                    .iter()
                    .rev()
                    .find(|l| made_by(&change, l))
                    .into_iter()
                    .collect();
            }
            Attributed {
                made: chosen
                    .into_iter()
                    .map(|l| Stamp {
                        at: l.at,
                        by: l.by.clone(),
                    })
                    .collect(),
                change,
            }
        })
        .collect()
}

/// Whether the log entry is of the kind that makes this change.
fn made_by(change: &Change, logged: &Logged) -> bool {
    let id = change.recommendation.as_ref().and_then(|r| r.id);
    match (&change.what, &logged.entry) {
        (What::Submission { now, .. }, LoggedEntry::Submission { submitted }) => now == submitted,
        (
            What::Status { .. },
            LoggedEntry::Answer {
                recommendation_id,
                status_changed: true,
                ..
            },
        )
        | (
            What::Comment { .. },
            LoggedEntry::Answer {
                recommendation_id,
                comment_changed: true,
                ..
            },
        ) => id == Some(*recommendation_id),
        (
            What::Number { .. } | What::Text { .. } | What::Added | What::Removed,
            LoggedEntry::Recommendations { ids, whole_set, .. },
        ) => *whole_set || id.is_some_and(|id| ids.contains(&id)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn rec(id: i32, code: &str, status: Option<Status>, comment: &str) -> RecordedRecommendation {
        RecordedRecommendation {
            id: Some(id),
            code: code.into(),
            text: format!("Anbefaling {id}"),
            status,
            comment: comment.into(),
        }
    }

    fn record_of(recommendations: Vec<RecordedRecommendation>) -> Record {
        Record {
            format: RECORD_FORMAT,
            submitted: true,
            recommendations,
        }
    }

    fn at(hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    #[test]
    fn an_unchanged_attachment_has_no_changes() {
        let then = record_of(vec![rec(1, "1.1", Some(Status::Green), "Godt")]);
        assert_eq!(compare(&then, &then.clone(), &[]), vec![]);
    }

    #[test]
    fn status_comment_wording_and_number_are_each_a_change_of_their_own() {
        let then = record_of(vec![
            rec(1, "1.1", Some(Status::Green), "Godt"),
            rec(2, "1.2", Some(Status::Green), "Fint"),
            rec(3, "2.1", None, ""),
        ]);
        let mut now = then.clone();
        now.recommendations[0].status = Some(Status::Yellow);
        now.recommendations[1].comment = "Nu bedre".into();
        now.recommendations[2].code = "3.1".into();
        now.recommendations[2].text = "Ny ordlyd".into();
        let whats: Vec<What> = compare(&then, &now, &[])
            .into_iter()
            .map(|c| c.what)
            .collect();
        assert_eq!(
            whats,
            vec![
                What::Status {
                    before: Some(Status::Green),
                    now: Some(Status::Yellow)
                },
                What::Comment {
                    before: "Fint".into(),
                    now: "Nu bedre".into()
                },
                What::Number {
                    before: "2.1".into(),
                    now: "3.1".into()
                },
                What::Text {
                    before: "Anbefaling 3".into(),
                    now: "Ny ordlyd".into()
                },
            ]
        );
    }

    #[test]
    fn added_and_removed_recommendations_are_named_with_their_numbers() {
        let then = record_of(vec![rec(1, "1.1", None, ""), rec(2, "1.2", None, "")]);
        let now = record_of(vec![rec(1, "1.1", None, ""), rec(4, "1.2", None, "")]);
        let changes = compare(&then, &now, &[]);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].what, What::Added);
        assert_eq!(changes[0].recommendation.as_ref().unwrap().id, Some(4));
        assert_eq!(changes[1].what, What::Removed);
        assert_eq!(changes[1].recommendation.as_ref().unwrap().code, "1.2");
    }

    #[test]
    fn a_withdrawn_form_is_a_change_of_the_form_and_of_every_answer_it_showed() {
        let then = record_of(vec![rec(1, "1.1", Some(Status::Red), "Ikke nået")]);
        let mut now = then.clone();
        now.submitted = false;
        now.recommendations[0].status = None;
        now.recommendations[0].comment = String::new();
        let changes = compare(&then, &now, &[]);
        assert_eq!(
            changes[0],
            Change {
                recommendation: None,
                what: What::Submission {
                    before: true,
                    now: false
                }
            }
        );
        assert_eq!(changes.len(), 3);
    }

    #[test]
    fn a_recommendation_created_since_is_new_even_with_a_removed_ones_id() {
        let then = record_of(vec![rec(1, "1.1", None, ""), rec(2, "1.2", None, "")]);
        let mut now = record_of(vec![rec(1, "1.1", None, ""), rec(2, "1.2", None, "")]);
        now.recommendations[1].text = "Tilføjet efter den gamle 1.2".into();
        let whats: Vec<What> = compare(&then, &now, &[2])
            .into_iter()
            .map(|c| c.what)
            .collect();
        assert_eq!(whats, vec![What::Added, What::Removed]);
        let log = [Logged {
            at: at(10),
            by: None,
            entry: LoggedEntry::Recommendations {
                ids: vec![2],
                whole_set: false,
                created: Some(2),
            },
        }];
        assert_eq!(created_since(&log, at(9)), vec![2]);
        assert_eq!(created_since(&log, at(11)), Vec::<i32>::new());
    }

    #[test]
    fn without_ids_recommendations_are_matched_by_number() {
        let mut then = record_of(vec![rec(1, "1.1", Some(Status::Green), "")]);
        then.recommendations[0].id = None;
        let mut now = record_of(vec![rec(7, "1.1", Some(Status::Green), "")]);
        now.recommendations[0].text = then.recommendations[0].text.clone();
        assert_eq!(compare(&then, &now, &[]), vec![]);
        now.recommendations[0].code = "1.2".into();
        let whats: Vec<What> = compare(&then, &now, &[])
            .into_iter()
            .map(|c| c.what)
            .collect();
        assert_eq!(whats, vec![What::Added, What::Removed]);
    }

    #[test]
    fn a_stored_record_is_read_before_the_attachment_data() {
        let record = record_of(vec![rec(1, "1.1", Some(Status::Green), "Godt")]);
        let data = serde_json::json!({
            "own": {"submitted": false},
            "areas": [],
            "comparison": record,
        });
        assert_eq!(
            read_stored(&data.to_string()),
            Some((record, Basis::Recorded))
        );
    }

    #[test]
    fn a_record_added_to_attachment_data_is_read_back_as_stored() {
        let record = record_of(vec![rec(1, "1.1", Some(Status::Red), "Æ ø å")]);
        let data = with_record(r#"{"own": {"submitted": true}, "areas": []}"#, &record).unwrap();
        assert_eq!(read_stored(&data), Some((record, Basis::Recorded)));
    }

    #[test]
    fn older_snapshots_are_read_from_their_attachment_rows_in_either_layout() {
        let current = serde_json::json!({
            "own": {"submitted": true},
            "areas": [{"number": 1, "title": "A", "rows": [
                {"id": 5, "code": "1.1", "text": "T", "own": {"code": "yellow", "label": "I proces"}, "comment": "K"},
                {"id": 6, "code": "1.2", "text": "U", "own": null, "comment": ""}
            ]}]
        });
        let (record, basis) = read_stored(&current.to_string()).unwrap();
        assert_eq!(basis, Basis::Attachment);
        assert!(record.submitted);
        assert_eq!(record.recommendations[0].status, Some(Status::Yellow));
        assert_eq!(record.recommendations[0].comment, "K");
        assert_eq!(record.recommendations[1].id, Some(6));

        let early = serde_json::json!({
            "own": {"submitted": true},
            "areas": [{"number": 1, "title": "A", "rows": [
                {"code": "1.1", "text": "T", "own": {"code": "red"}, "own_comment": "Gammel"}
            ]}]
        });
        let (record, basis) = read_stored(&early.to_string()).unwrap();
        assert_eq!(basis, Basis::AttachmentByNumber);
        assert_eq!(record.recommendations[0].comment, "Gammel");
        assert_eq!(record.recommendations[0].id, None);
    }

    #[test]
    fn data_that_holds_nothing_comparable_is_not_read() {
        assert_eq!(read_stored("not json"), None);
        assert_eq!(read_stored("{}"), None);
        let unknown_status = serde_json::json!({
            "own": {"submitted": true},
            "areas": [{"rows": [{"id": 1, "code": "1.1", "text": "T", "own": {"code": "blue"}, "comment": ""}]}]
        });
        assert_eq!(read_stored(&unknown_status.to_string()), None);
        let future = serde_json::json!({
            "comparison": {"format": RECORD_FORMAT + 1, "submitted": true, "recommendations": []}
        });
        assert_eq!(read_stored(&future.to_string()), None);
    }

    #[test]
    fn each_change_is_credited_to_the_entries_of_its_kind_after_the_snapshot() {
        let then = record_of(vec![
            rec(1, "1.1", Some(Status::Green), "Godt"),
            rec(2, "1.2", Some(Status::Green), "Fint"),
        ]);
        let mut now = then.clone();
        now.recommendations[0].status = Some(Status::Yellow);
        now.recommendations[1].text = "Ny ordlyd".into();
        let answer = |hour, id, status_changed, comment_changed, by: &str| Logged {
            at: at(hour),
            by: Some(by.into()),
            entry: LoggedEntry::Answer {
                recommendation_id: id,
                status_changed,
                comment_changed,
            },
        };
        let log = vec![
            answer(8, 1, true, true, "Før"),
            answer(10, 1, false, true, "Kun kommentar"),
            answer(11, 1, true, false, "Emma"),
            Logged {
                at: at(12),
                by: None,
                entry: LoggedEntry::Recommendations {
                    ids: vec![2, 9],
                    whole_set: false,
                    created: None,
                },
            },
        ];
        let attributed = attribute(compare(&then, &now, &[]), &log, at(9));
        assert_eq!(
            attributed[0].made,
            vec![Stamp {
                at: at(11),
                by: Some("Emma".into())
            }]
        );
        assert_eq!(
            attributed[1].made,
            vec![Stamp {
                at: at(12),
                by: None
            }]
        );
    }

    #[test]
    fn answers_that_left_the_attachment_with_a_withdrawal_are_credited_to_it() {
        let then = record_of(vec![rec(1, "1.1", Some(Status::Green), "Godt")]);
        let mut now = then.clone();
        now.submitted = false;
        now.recommendations[0].status = None;
        let log = vec![
            Logged {
                at: at(8),
                by: Some("Emma".into()),
                entry: LoggedEntry::Answer {
                    recommendation_id: 1,
                    status_changed: true,
                    comment_changed: true,
                },
            },
            Logged {
                at: at(10),
                by: Some("Ole".into()),
                entry: LoggedEntry::Submission { submitted: false },
            },
        ];
        let attributed = attribute(compare(&then, &now, &[]), &log, at(9));
        let by: Vec<Option<&str>> = attributed.iter().map(|a| a.made[0].by.as_deref()).collect();
        assert_eq!(by, vec![Some("Ole"), Some("Ole")]);
    }

    #[test]
    fn a_change_with_no_entry_after_the_snapshot_is_credited_to_the_last_one_before() {
        let then = record_of(vec![rec(1, "1.1", Some(Status::Green), "")]);
        let mut now = then.clone();
        now.recommendations[0].status = Some(Status::Red);
        let log = vec![Logged {
            at: at(8),
            by: Some("Emma".into()),
            entry: LoggedEntry::Answer {
                recommendation_id: 1,
                status_changed: true,
                comment_changed: false,
            },
        }];
        let attributed = attribute(compare(&then, &now, &[]), &log, at(9));
        assert_eq!(attributed[0].made.len(), 1);
        assert_eq!(attributed[0].made[0].at, at(8));
        let renumbered = attribute(
            vec![Change {
                recommendation: Some(Subject {
                    id: Some(3),
                    code: "1.3".into(),
                    text: "T".into(),
                }),
                what: What::Number {
                    before: "1.2".into(),
                    now: "1.3".into(),
                },
            }],
            &log,
            at(9),
        );
        assert!(renumbered[0].made.is_empty());
    }
}
