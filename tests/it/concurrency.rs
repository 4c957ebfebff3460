//! Many people saving the same form at the same moment, through the real server: every save
//! either lands whole on the version it was made from or is refused as a conflict.

use std::sync::Barrier;

use crate::helpers::*;
use trafiklys::domain::{Role, SubmissionState};
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
