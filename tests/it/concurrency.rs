//! Many people saving the same form at the same moment, through the real server: every save
//! either lands whole on the version it was made from or is refused as a conflict.

use std::sync::Barrier;

use crate::helpers::*;
use trafiklys::domain::{Role, Submission, SubmissionState};
use trafiklys::store::audit;

const FORM: &str = "/rounds/2/municipalities/147/form";
const CLIENTS: usize = 50;
const ATTEMPTS: usize = 2;

#[derive(Debug)]
struct Attempt {
    /// The version the client's form page showed.
    base: i32,
    comment: String,
    status: u16,
}

/// Every recommendation on the page answered green with `comment`, as a draft.
fn form_with_comment(page: &str, comment: &str) -> Vec<(String, String)> {
    form_fields(page, "save", "green", comment)
}

#[test]
fn fifty_clients_saving_the_same_form_at_once_lose_no_update() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let start = app.submission(ROUND_2017, "147").map_or(0, |s| s.version);
    let barrier = Barrier::new(CLIENTS);

    let attempts: Vec<Attempt> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|client| {
                let agent = agent.clone();
                let (app, barrier) = (&app, &barrier);
                scope.spawn(move || {
                    let mut made = Vec::new();
                    for attempt in 0..ATTEMPTS {
                        let page = app.get(&agent, FORM).text();
                        let base: i32 = hidden_value(&page, "version").parse().expect("version");
                        let comment = format!("Klient {client}, forsøg {attempt}");
                        let fields = form_with_comment(&page, &comment);
                        if attempt == 0 {
                            // Every client has its form; all save at the same moment.
                            barrier.wait();
                        }
                        let response = app.post_fields(&agent, FORM, &fields);
                        if response.status == 409 {
                            assert!(
                                response.text().contains("gemte skemaet"),
                                "a conflict says who saved"
                            );
                        }
                        made.push(Attempt {
                            base,
                            comment,
                            status: response.status,
                        });
                    }
                    made
                })
            })
            .collect();
        clients
            .into_iter()
            .flat_map(|c| c.join().expect("client thread"))
            .collect()
    });

    assert_eq!(attempts.len(), CLIENTS * ATTEMPTS);
    let unexpected: Vec<&Attempt> = attempts
        .iter()
        .filter(|a| a.status != 303 && a.status != 409)
        .collect();
    assert!(
        unexpected.is_empty(),
        "only saves and conflicts: {unexpected:?}"
    );
    let mut acknowledged: Vec<&Attempt> = attempts.iter().filter(|a| a.status == 303).collect();
    acknowledged.sort_by_key(|a| a.base);
    let bases: Vec<i32> = acknowledged.iter().map(|a| a.base).collect();
    let n = i32::try_from(acknowledged.len()).expect("count");
    assert!(n >= 1, "some save lands");
    assert!(
        n < i32::try_from(attempts.len()).expect("count"),
        "the race was real: {bases:?}"
    );
    assert_eq!(
        bases,
        (start..start + n).collect::<Vec<_>>(),
        "exactly one save per version"
    );

    // The stored form is the last acknowledged save, whole.
    let stored = app.submission(ROUND_2017, "147").expect("saved");
    assert_eq!(stored.version, start + n);
    let last = acknowledged.last().expect("one");
    assert!(
        stored.answers.iter().all(|a| a.comment == last.comment),
        "every answer is from the last acknowledged save ({})",
        last.comment
    );

    // The audit log holds exactly the acknowledged saves.
    let events = audit::history(&mut app.conn(), "submission", &stored.id.to_string()).unwrap();
    let json = |text: &Option<String>| -> serde_json::Value {
        serde_json::from_str(text.as_deref().unwrap_or("null")).expect("audit json")
    };
    let saved_versions: Vec<i64> = events
        .iter()
        .filter(|e| e.action == "save")
        .filter_map(|e| json(&e.after)["version"].as_i64())
        .filter(|v| *v > i64::from(start))
        .collect();
    assert_eq!(
        saved_versions,
        (i64::from(start) + 1..=i64::from(start + n)).collect::<Vec<_>>()
    );
    let recorded_comments: Vec<String> = events
        .iter()
        .filter(|e| e.action == "answer")
        .filter_map(|e| {
            json(&e.after)["answer"]["comment"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    for attempt in &attempts {
        let recorded = recorded_comments.contains(&attempt.comment);
        assert_eq!(
            recorded,
            attempt.status == 303,
            "the audit log records «{}» if and only if it was acknowledged",
            attempt.comment
        );
    }
}

#[test]
fn a_round_closed_between_loading_the_form_and_saving_it_refuses_the_save() {
    use trafiklys::domain::access::Refusal;
    use trafiklys::domain::{Answer, MunicipalityCode, RoundState, Status, SubmissionState};
    use trafiklys::store::{rounds, submissions, users};

    let app = spawn_app();
    let mut conn = app.conn();
    let editor = users::find_by_email(&mut conn, &app.email(Role::Editor))
        .unwrap()
        .expect("editor")
        .0;
    // What the handler saw: an open round and the form as stored.
    let loaded = app.submission(ROUND_2017, "147");
    let content = rounds::load_content(&mut conn, ROUND_2017)
        .unwrap()
        .unwrap();
    assert_eq!(content.round.state, RoundState::Open);
    // Then, before the write, the secretariat closes the round.
    rounds::set_state(
        &mut conn,
        ROUND_2017,
        RoundState::Closed,
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    let save = submissions::SaveSubmission {
        round_id: ROUND_2017,
        municipality_code: MunicipalityCode::parse("147").unwrap(),
        base_version: loaded.as_ref().map_or(0, |s| s.version),
        answers: vec![Answer {
            recommendation_id: content.recommendations[0].id,
            status: Some(Status::Green),
            comment: "For sent".into(),
            carried: false,
            evidence: None,
        }],
        proposals: String::new(),
        state: SubmissionState::Draft,
    };
    let outcome = submissions::save_form(
        &mut conn,
        &save,
        &editor,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    assert_eq!(
        outcome,
        submissions::SaveOutcome::Refused(Refusal::RoundClosed)
    );
    assert_eq!(app.submission(ROUND_2017, "147"), loaded, "nothing written");
}

#[test]
fn a_deadline_passed_between_loading_and_withdrawing_refuses_the_withdrawal() {
    use trafiklys::domain::access::Refusal;
    use trafiklys::domain::{MunicipalityCode, SubmissionState};
    use trafiklys::store::{submissions, users};

    let app = spawn_app();
    let submitted = app.store_form(ROUND_2017, "147", SubmissionState::Submitted);
    let editor = users::find_by_email(&mut app.conn(), &app.email(Role::Editor))
        .unwrap()
        .expect("editor")
        .0;
    app.set_deadline_hours_from_now(ROUND_2017, -1);
    let outcome = submissions::reopen(
        &mut app.conn(),
        ROUND_2017,
        &MunicipalityCode::parse("147").unwrap(),
        submitted.version,
        &submissions::Reopening::Withdraw,
        editor.id,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    assert_eq!(
        outcome,
        submissions::SaveOutcome::Refused(Refusal::DeadlinePassed)
    );
    assert_eq!(app.submission(ROUND_2017, "147"), Some(submitted));
}

#[test]
fn twenty_forms_saved_at_the_same_moment_each_land_whole_with_their_own_audit_rows() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let codes: Vec<String> = trafiklys::store::rounds::participants(&mut app.conn(), ROUND_2017)
        .unwrap()
        .into_iter()
        .map(|m| m.code.to_string())
        .take(20)
        .collect();
    // Drafts, so that each may be saved (a submitted form must be reopened first).
    let before: Vec<i32> = codes
        .iter()
        .map(|c| {
            app.store_form(ROUND_2017, c, SubmissionState::Draft)
                .version
        })
        .collect();
    let barrier = Barrier::new(codes.len());
    let statuses: Vec<(u16, String)> = std::thread::scope(|scope| {
        let clients: Vec<_> = codes
            .iter()
            .map(|code| {
                let (app, barrier, agent) = (&app, &barrier, admin.clone());
                scope.spawn(move || {
                    let path = format!("/rounds/{ROUND_2017}/municipalities/{code}/form");
                    let page = app.get(&agent, &path).text();
                    let fields = form_with_comment(&page, &format!("Samtidig gemt for {code}"));
                    barrier.wait();
                    let response = app.post_fields(&agent, &path, &fields);
                    let said = parse(&response.text())
                        .text("[role=\"alert\"]")
                        .unwrap_or_default();
                    (response.status, format!("{code}: {said}"))
                })
            })
            .collect();
        clients
            .into_iter()
            .map(|c| c.join().expect("client"))
            .collect()
    });
    assert!(statuses.iter().all(|(s, _)| *s == 303), "{statuses:#?}");
    for (code, version) in codes.iter().zip(before) {
        let stored = app.submission(ROUND_2017, code).expect("saved");
        assert_eq!(stored.version, version + 1, "{code}: one save, one version");
        assert!(
            stored
                .answers
                .iter()
                .all(|a| a.comment == format!("Samtidig gemt for {code}")),
            "{code}: its own answers, whole"
        );
        let events = audit::history(&mut app.conn(), "submission", &stored.id.to_string()).unwrap();
        assert_eq!(
            events
                .iter()
                .filter(|e| e.action == "save" || e.action == "submit")
                .filter(|e| {
                    let after: serde_json::Value =
                        serde_json::from_str(e.after.as_deref().unwrap_or("null")).unwrap();
                    after["version"] == version + 1
                })
                .count(),
            1,
            "{code}: one audit row for the save"
        );
    }
}

/// The saves of one writer's group, as form saves of the admin at one moment: a draft of
/// 147, the next draft of 147 made from it, a third made from 147's first version (a
/// conflict), a first save of 155, a submission of 153 and a save of 153 after it (refused).
fn group_of_saves(
    app: &TestApp,
    now: chrono::NaiveDateTime,
) -> Vec<trafiklys::store::submissions::FormSave> {
    use trafiklys::domain::{Answer, MunicipalityCode, Status};
    use trafiklys::store::{rounds, submissions, users};
    let mut conn = app.conn();
    let admin = users::find_by_email(&mut conn, &app.email(Role::Admin))
        .unwrap()
        .expect("admin")
        .0;
    let content = rounds::load_content(&mut conn, ROUND_2017)
        .unwrap()
        .unwrap();
    let first = app.store_form(ROUND_2017, "147", SubmissionState::Draft);
    let third = app.store_form(ROUND_2017, "153", SubmissionState::Draft);
    assert_eq!(
        app.submission(ROUND_2017, "155"),
        None,
        "155 has no form yet"
    );
    let answers = |comment: &str, status: Status| -> Vec<Answer> {
        content
            .recommendations
            .iter()
            .take(3)
            .map(|r| Answer {
                recommendation_id: r.id,
                status: Some(status),
                comment: format!("{comment} {}", r.code),
                carried: false,
                evidence: None,
            })
            .collect()
    };
    let save = |code: &str, base_version: i32, state, answers, stored: Option<&Submission>| {
        submissions::FormSave {
            save: submissions::SaveSubmission {
                round_id: ROUND_2017,
                municipality_code: MunicipalityCode::parse(code).unwrap(),
                base_version,
                answers,
                proposals: format!("Forslag fra {code}"),
                state,
            },
            user: admin.clone(),
            now,
            stored: stored.cloned(),
        }
    };
    vec![
        save(
            "147",
            first.version,
            SubmissionState::Draft,
            answers("Først", Status::Yellow),
            Some(&first),
        ),
        save(
            "147",
            first.version + 1,
            SubmissionState::Draft,
            answers("Siden", Status::Green),
            None,
        ),
        save(
            "147",
            first.version,
            SubmissionState::Draft,
            answers("For sent", Status::Red),
            Some(&first),
        ),
        save(
            "155",
            0,
            SubmissionState::Draft,
            answers("Ny", Status::Red),
            None,
        ),
        save(
            "153",
            third.version,
            SubmissionState::Submitted,
            answers("Indsendt", Status::Green),
            Some(&third),
        ),
        save(
            "153",
            third.version + 1,
            SubmissionState::Draft,
            answers("Efter", Status::Red),
            None,
        ),
    ]
}

/// A form's history as (action, before, after), without the times.
type History = Vec<(String, Option<String>, Option<String>)>;

/// A form as stored and its history, without the ids and times that two databases give
/// differently.
fn stored_with_history(app: &TestApp, code: &str) -> (Option<Submission>, History) {
    let stored = app.submission(ROUND_2017, code);
    let history = trafiklys::store::submissions::history(
        &mut app.conn(),
        ROUND_2017,
        &trafiklys::domain::MunicipalityCode::parse(code).unwrap(),
    )
    .unwrap()
    .into_iter()
    .map(|e| (e.action, e.before, e.after))
    .collect();
    (stored, history)
}

#[test]
fn a_group_of_saves_written_together_ends_as_the_same_saves_one_after_the_other() {
    use trafiklys::store::submissions::{self, SaveOutcome};
    use trafiklys::store::write_tx_drafts;

    let (together, one_by_one) = (spawn_app(), spawn_app());
    let now = trafiklys::clock::Clock::system().now();
    let saves = group_of_saves(&together, now);
    let saves_before = stored_with_history(&together, "147")
        .1
        .iter()
        .filter(|(action, _, _)| action == "save")
        .count();
    let _ = trafiklys::store::take_committed_versions();
    let outcomes_together = write_tx_drafts(&mut together.conn(), |conn| {
        let group: Vec<&submissions::FormSave> = saves.iter().collect();
        submissions::save_forms_in_tx(conn, &group)
    })
    .unwrap();
    let left = trafiklys::store::take_committed_versions();
    let markers = |app: &TestApp| {
        trafiklys::store::versions::read_versions(&mut *app.pool.get().unwrap()).unwrap()
    };
    let after_group = markers(&together);
    if matches!(backend(), Backend::Postgres) {
        assert_eq!(
            left,
            Some(after_group),
            "the markers the group's writes read are the committed ones (a form submitted moved the shown marker)"
        );
    }
    let saves = group_of_saves(&one_by_one, now);
    let outcomes_one_by_one = write_tx_drafts(&mut one_by_one.conn(), |conn| {
        saves
            .iter()
            .map(|s| submissions::save_form_in_tx(conn, &s.save, &s.user, s.now, s.stored.as_ref()))
            .collect::<Result<Vec<_>, _>>()
    })
    .unwrap();

    let kinds: Vec<&str> = outcomes_together
        .iter()
        .map(|o| match o {
            SaveOutcome::Saved(_) => "saved",
            SaveOutcome::Conflict(_) => "conflict",
            SaveOutcome::Refused(_) => "refused",
        })
        .collect();
    assert_eq!(
        kinds,
        ["saved", "saved", "conflict", "saved", "saved", "refused"]
    );
    assert_eq!(outcomes_together, outcomes_one_by_one);
    for code in ["147", "155", "153"] {
        let (stored, history) = stored_with_history(&together, code);
        assert_eq!(
            (stored, history),
            stored_with_history(&one_by_one, code),
            "{code}: the same form and history"
        );
    }
    let (stored, history) = stored_with_history(&together, "147");
    let stored = stored.expect("147");
    assert!(
        stored
            .answers
            .iter()
            .all(|a| a.comment.starts_with("Siden")),
        "{stored:?}"
    );
    assert_eq!(
        history
            .iter()
            .filter(|(action, _, _)| action == "save")
            .count(),
        saves_before + 2,
        "147: the group's two saves recorded, the conflict not"
    );

    // A group that keeps a draft a draft and drops an answer: the answer deleted, the data
    // version moved and the shown marker not, the markers left as committed.
    let mut kept = saves_again_as_draft(&together, "147", now);
    kept.save.answers.truncate(2);
    kept.save.answers[0].comment = "Tredje gang".into();
    let outcomes = write_tx_drafts(&mut together.conn(), |conn| {
        submissions::save_forms_in_tx(conn, &[&kept])
    })
    .unwrap();
    assert!(
        matches!(outcomes[..], [SaveOutcome::Saved(_)]),
        "{outcomes:?}"
    );
    let left = trafiklys::store::take_committed_versions();
    let after_draft = markers(&together);
    assert_eq!(after_draft.data, after_group.data + 1);
    assert_eq!(after_draft.shown, after_group.shown, "a draft kept a draft");
    if matches!(backend(), Backend::Postgres) {
        assert_eq!(left, Some(after_draft));
    }
    let stored = together.submission(ROUND_2017, "147").expect("147");
    assert_eq!(stored.answers.len(), 2, "{stored:?}");
    assert_eq!(stored.answers[0].comment, "Tredje gang");
}

/// A group whose only form is a municipality's first in the round (no stored form of its codes)
/// finds the round and saves the form, and the next group finds the form it made.
#[test]
fn a_group_of_a_first_form_alone_finds_its_round_and_the_next_group_finds_the_form() {
    use trafiklys::store::submissions::{self, SaveOutcome};
    use trafiklys::store::write_tx_drafts;

    let app = spawn_app();
    let now = trafiklys::clock::Clock::system().now();
    let saves = group_of_saves(&app, now);
    let first_form = saves
        .iter()
        .find(|s| s.save.municipality_code.as_str() == "155")
        .expect("a save of 155's first form");
    let outcomes = write_tx_drafts(&mut app.conn(), |conn| {
        submissions::save_forms_in_tx(conn, &[first_form])
    })
    .unwrap();
    let [SaveOutcome::Saved(saved)] = &outcomes[..] else {
        panic!("{outcomes:?}");
    };
    assert_eq!(saved.version, 1);
    assert_eq!(app.submission(ROUND_2017, "155").as_ref(), Some(saved));

    // The same save again, from version 0: the group finds the stored form and calls it a
    // conflict, and a save from its version is saved.
    let mut again = first_form.clone();
    again.save.answers[0].comment = "Anden gang".into();
    let mut next = again.clone();
    next.save.base_version = 1;
    let outcomes = write_tx_drafts(&mut app.conn(), |conn| {
        submissions::save_forms_in_tx(conn, &[&again, &next])
    })
    .unwrap();
    assert!(
        matches!(
            &outcomes[..],
            [SaveOutcome::Conflict(_), SaveOutcome::Saved(s)] if s.version == 2
        ),
        "{outcomes:?}"
    );
    let stored = app.submission(ROUND_2017, "155").expect("155");
    assert_eq!(stored.version, 2);
    assert_eq!(stored.answers[0].comment, "Anden gang");
}

/// A save of the form of `code` as stored, as a draft with its answers unchanged.
fn saves_again_as_draft(
    app: &TestApp,
    code: &str,
    now: chrono::NaiveDateTime,
) -> trafiklys::store::submissions::FormSave {
    use trafiklys::domain::MunicipalityCode;
    use trafiklys::store::{submissions, users};
    let admin = users::find_by_email(&mut app.conn(), &app.email(Role::Admin))
        .unwrap()
        .expect("admin")
        .0;
    let stored = app.submission(ROUND_2017, code).expect("a stored form");
    submissions::FormSave {
        save: submissions::SaveSubmission {
            round_id: ROUND_2017,
            municipality_code: MunicipalityCode::parse(code).unwrap(),
            base_version: stored.version,
            answers: stored.answers.clone(),
            proposals: stored.proposals.clone(),
            state: SubmissionState::Draft,
        },
        user: admin,
        now,
        stored: Some(stored),
    }
}
