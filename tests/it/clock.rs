//! The app's one clock: a test moves it (`TestApp.clock`) instead of sleeping, and what the
//! app stamps or checks against time follows it — sessions, invitations, audit rows and the
//! time a form was submitted.

use chrono::{Duration, NaiveDateTime};
use trafiklys::domain::{MunicipalityCode, Role, SubmissionState};
use trafiklys::store::{invitations as invitation_store, reference, submissions, users};

use crate::helpers::*;

const FORM: &str = "/rounds/2/municipalities/147/form";

/// `at` is `expected` give or take a minute (the test's own run time).
fn about(at: NaiveDateTime, expected: NaiveDateTime) -> bool {
    (at - expected).num_seconds().abs() < 60
}

#[test]
fn an_idle_session_ends_when_the_clock_passes_the_idle_time() {
    let app = spawn_app_with(|s| s.session_idle = Some(std::time::Duration::from_secs(600)));
    let agent = app.signed_in(Role::Editor);
    assert_eq!(app.get(&agent, "/account").status, 200);
    app.clock.advance(Duration::minutes(9));
    assert_eq!(
        app.get(&agent, "/account").status,
        200,
        "nine idle minutes of ten"
    );
    app.clock.advance(Duration::minutes(11));
    let response = app.get(&agent, "/account");
    assert_eq!(response.status, 303);
    let location = response.location.unwrap();
    assert!(location.ends_with("&udlobet=1"), "{location}");
}

#[test]
fn a_sign_in_ends_when_the_clock_passes_its_lifetime_however_active() {
    let app = spawn_app_with(|s| {
        s.session_max = Some(std::time::Duration::from_secs(2 * 3600));
        s.session_idle = Some(std::time::Duration::from_secs(3600));
    });
    let agent = app.signed_in(Role::Editor);
    // A request every 50 minutes keeps the session from idling out.
    for _ in 0..2 {
        app.clock.advance(Duration::minutes(50));
        assert_eq!(app.get(&agent, "/account").status, 200);
    }
    app.clock.advance(Duration::minutes(50));
    let response = app.get(&agent, "/account");
    assert_eq!(response.status, 303);
    let location = response.location.unwrap();
    assert!(location.ends_with("&levetid=1"), "{location}");
}

#[test]
fn an_invitation_expires_when_the_clock_passes_its_validity() {
    let app = spawn_app();
    let mut conn = app.conn();
    let kkr = reference::kkr_by_name(&mut conn, "KKR Hovedstaden")
        .unwrap()
        .unwrap();
    let new = users::NewUser {
        email: "senere@kkr.example".into(),
        name: "Senere Bruger".into(),
        role: Role::Kkr,
        kkr_id: Some(kkr),
        municipality_code: None,
    };
    let (_, invitation) = invitation_store::invite(
        &mut conn,
        &new,
        "clocktoken123456",
        None,
        |_, _| None,
        app.clock.now(),
    )
    .unwrap();
    drop(conn);
    assert!(about(
        invitation.expires_at,
        app.clock.now() + Duration::days(invitation_store::VALID_DAYS)
    ));
    let path = "/invitation/clocktoken123456";
    assert_eq!(app.get(&client(), path).status, 200);
    app.clock
        .advance(Duration::days(invitation_store::VALID_DAYS) - Duration::hours(1));
    assert_eq!(
        app.get(&client(), path).status,
        200,
        "valid until its last hour"
    );
    app.clock.advance(Duration::hours(2));
    let expired = app.get(&client(), path);
    assert_eq!(expired.status, 410);
    assert!(expired.text().contains("Linket er udløbet."));
}

#[test]
fn a_submitted_form_and_its_audit_rows_carry_the_moved_clock_time() {
    let app = spawn_app();
    // Three days on: still before the round's deadline.
    app.clock.advance(Duration::days(3));
    let moved = app.clock.now();
    let agent = app.signed_in(Role::Editor);
    let page = app.get(&agent, FORM).text();
    let mut fields = vec![
        ("csrf_token".to_owned(), csrf_from(&page)),
        ("version".to_owned(), hidden_value(&page, "version")),
        ("action".to_owned(), "submit".to_owned()),
    ];
    let mut ids: Vec<String> = page
        .match_indices("name=\"status-")
        .map(|(i, m)| {
            page[i + m.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect()
        })
        .collect();
    ids.dedup();
    for id in ids {
        fields.push((format!("status-{id}"), "green".into()));
        fields.push((format!("comment-{id}"), "Efter planen".into()));
    }
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let response = app.post(&agent, FORM, &borrowed);
    assert_eq!(response.status, 303, "{}", response.text());

    let code = MunicipalityCode::parse("147").unwrap();
    let stored = submissions::get_submission(&mut app.conn(), ROUND_2017, &code)
        .unwrap()
        .unwrap();
    assert_eq!(stored.state, SubmissionState::Submitted);
    let submitted_at = stored.submitted_at.unwrap();
    assert!(about(submitted_at, moved), "{submitted_at} is not {moved}");

    let history = submissions::history(&mut app.conn(), ROUND_2017, &code).unwrap();
    let written: Vec<_> = history
        .iter()
        .filter(|e| e.at > moved - Duration::days(1))
        .collect();
    assert!(
        written.iter().any(|e| e.action == "submit"),
        "the submission's own row is stamped with the moved clock: {history:?}"
    );
    assert!(written.iter().all(|e| about(e.at, moved)));
    assert!(
        written.len() >= 2,
        "the changed answers' rows too: {written:?}"
    );
}
