//! The form's life cycle: withdraw, deadline, reopen, prefill from last round, history,
//! idle sessions, and input that cannot be taken.

use crate::helpers::*;
use trafiklys::domain::{Role, RoundState, SubmissionState};
use trafiklys::store::{audit, rounds};

const FORM: &str = "/rounds/2/municipalities/147/form";

#[test]
fn an_editor_can_withdraw_a_submitted_form_before_the_deadline() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let page = app.get(&agent, FORM).text();
    assert_eq!(
        app.post_fields(
            &agent,
            FORM,
            &form_fields(&page, "submit", "red", "Ikke nået")
        )
        .status,
        303
    );
    let submitted = app.get(&agent, FORM).text();
    assert!(submitted.contains("Træk tilbage til kladde"));
    let response = app.post(
        &agent,
        "/rounds/2/municipalities/147/withdraw",
        &[
            ("csrf_token", &csrf_from(&submitted)),
            ("version", &hidden_value(&submitted, "version")),
        ],
    );
    assert_eq!(response.status, 303);
    let stored = app.submission(ROUND_2017, "147").unwrap();
    assert_eq!(stored.state, SubmissionState::Draft);
    assert_eq!(stored.submitted_at, None);
    let again = app.get(&agent, FORM).text();
    assert!(
        parse(&again).has("[name=\"action\"][value=\"submit\"]"),
        "editable again"
    );
}

#[test]
fn after_the_deadline_the_form_is_locked_for_editors() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let page = app.get(&agent, FORM).text();
    app.set_deadline_hours_from_now(ROUND_2017, -1);
    let before = app.submission(ROUND_2017, "147");
    let response = app.post_fields(
        &agent,
        FORM,
        &form_fields(&page, "save", "green", "For sent"),
    );
    assert_eq!(response.status, 409);
    assert!(response.text().contains("fristen er overskredet"));
    assert_eq!(app.submission(ROUND_2017, "147"), before);
    let locked = app.get(&agent, FORM).text();
    assert!(locked.contains("Runden tager ikke imod svar"));
    assert!(!parse(&locked).has("[name=\"action\"]"));
}

#[test]
fn an_editor_cannot_withdraw_after_the_deadline() {
    let app = spawn_app();
    let submitted = app.store_form(ROUND_2017, "147", SubmissionState::Submitted);
    app.set_deadline_hours_from_now(ROUND_2017, -1);
    let agent = app.signed_in(Role::Editor);
    let page = app.get(&agent, FORM).text();
    assert!(!page.contains("Træk tilbage til kladde"));
    let response = app.post(
        &agent,
        "/rounds/2/municipalities/147/withdraw",
        &[
            ("csrf_token", &csrf_from(&page)),
            ("version", &submitted.version.to_string()),
        ],
    );
    assert_eq!(response.status, 409);
    assert!(app.submission(ROUND_2017, "147").unwrap().is_submitted());
}

#[test]
fn an_admin_reopens_after_the_deadline_with_a_recorded_reason_and_the_editor_resubmits() {
    let app = spawn_app();
    let submitted = app.store_form(ROUND_2017, "147", SubmissionState::Submitted);
    app.set_deadline_hours_from_now(ROUND_2017, -1);
    let admin = app.signed_in(Role::Admin);
    let page = app.get(&admin, FORM).text();
    assert!(page.contains("Genåbn skemaet"));
    let reopen = "/rounds/2/municipalities/147/reopen";
    let token = csrf_from(&page);
    let version = submitted.version.to_string();

    let no_reason = app.post(
        &admin,
        reopen,
        &[
            ("csrf_token", &token),
            ("version", &version),
            ("reason", "  "),
        ],
    );
    assert_eq!(no_reason.status, 400);
    assert!(no_reason.text().contains("Skriv en begrundelse"));
    assert!(
        app.submission(ROUND_2017, "147").unwrap().is_submitted(),
        "unchanged"
    );

    let response = app.post(
        &admin,
        reopen,
        &[
            ("csrf_token", &token),
            ("version", &version),
            ("reason", "Kommunen har meldt en fejl i 2.3"),
        ],
    );
    assert_eq!(response.status, 303);
    let stored = app.submission(ROUND_2017, "147").unwrap();
    assert_eq!(stored.state, SubmissionState::Draft);
    assert!(stored.reopened);
    let events = audit::history(&mut app.conn(), "submission", &stored.id.to_string()).unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.action, "reopen");
    assert_eq!(
        last.user_name.as_deref(),
        Some("Anne Admin (KKR-sekretariatet)")
    );
    assert!(last
        .after
        .as_deref()
        .unwrap()
        .contains("Kommunen har meldt en fejl i 2.3"));

    // The municipality's editor may now save and submit despite the deadline.
    let editor = app.signed_in(Role::Editor);
    let form = app.get(&editor, FORM).text();
    assert!(form.contains("genåbnet af KKR-sekretariatet"));
    let response = app.post_fields(
        &editor,
        FORM,
        &form_fields(&form, "submit", "yellow", "Rettet"),
    );
    assert_eq!(response.status, 303);
    let resubmitted = app.submission(ROUND_2017, "147").unwrap();
    assert!(resubmitted.is_submitted());
    assert!(!resubmitted.reopened, "submitting again ends the reopening");

    let history = app
        .get(&admin, "/rounds/2/municipalities/147/history")
        .text();
    assert!(history.contains("Genåbnet af KKR-sekretariatet"));
    assert!(history.contains("Begrundelse: Kommunen har meldt en fejl i 2.3"));
    assert!(history.contains("Indsendt"));
    assert!(history.contains("Emma Editor (Frederiksberg)"));
}

#[test]
fn answers_carried_from_last_year_are_marked_until_confirmed() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let page = app.get(&agent, FORM).text();
    // 4.1 and 4.2 continue from 2016 and are not in the draft: they open with 2016's answers.
    let doc = parse(&page);
    assert_eq!(doc.count_with_text("strong.tag", "Fra sidste år"), 2);
    assert!(page.contains("Sidste år (2016)"));
    assert_eq!(
        doc.count("input[checked]"),
        9,
        "seven draft answers and two from 2016"
    );

    // Submitting as it stands: the carried answers must be confirmed first.
    let mut fields: Vec<(String, String)> = vec![
        ("csrf_token".into(), csrf_from(&page)),
        ("version".into(), hidden_value(&page, "version")),
        ("action".into(), "submit".into()),
    ];
    // Keep every answer the page shows, with its comment, as a browser would.
    let shown = doc.field_values("form:has(input[name^=\"status-\"])");
    for (name, value) in shown.iter().filter(|(n, _)| n.starts_with("status-")) {
        fields.push((name.clone(), value.clone()));
        let comment = format!("comment-{}", name.trim_start_matches("status-"));
        let (_, text) = shown.iter().find(|(n, _)| *n == comment).unwrap();
        fields.push((comment, text.clone()));
    }
    let ids: Vec<String> = doc
        .attrs("input[name^=\"confirm-\"]", "name")
        .iter()
        .map(|name| name.trim_start_matches("confirm-").to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    // Answer the three new 2017 recommendations too.
    for id in recommendation_ids(&page) {
        if !fields.iter().any(|(k, _)| *k == format!("status-{id}")) {
            fields.push((format!("status-{id}"), "green".into()));
            fields.push((format!("comment-{id}"), "Nyt i år".into()));
        }
    }
    let refused = app.post_fields(&agent, FORM, &fields);
    assert_eq!(refused.status, 422);
    let body = parse(&refused.text());
    for id in &ids {
        assert!(body.has(&format!("[href=\"#confirm-{id}\"]")));
    }

    for id in &ids {
        fields.push((format!("confirm-{id}"), "1".into()));
    }
    let accepted = app.post_fields(&agent, FORM, &fields);
    assert_eq!(accepted.status, 303, "{}", accepted.text());
    let stored = app.submission(ROUND_2017, "147").unwrap();
    assert!(stored.is_submitted());
    assert_eq!(stored.answers.len(), 12);
    assert!(stored.answers.iter().all(|a| !a.carried));
}

#[test]
fn a_closed_round_takes_no_answers() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let page = app.get(&agent, FORM).text();
    rounds::set_state(
        &mut app.conn(),
        ROUND_2017,
        RoundState::Closed,
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    let before = app.submission(ROUND_2017, "147");
    let response = app.post_fields(&agent, FORM, &form_fields(&page, "save", "green", "x"));
    assert_eq!(response.status, 409);
    assert_eq!(app.submission(ROUND_2017, "147"), before);
}

#[test]
fn malformed_form_encoding_is_a_bad_request() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let page = app.get(&agent, FORM).text();
    let before = app.submission(ROUND_2017, "147");
    let id = form_fields(&page, "save", "green", "")[3].0.clone();
    // A broken percent-escape in a status: the bytes are not UTF-8, so the form is refused
    // before its fields are read.
    let body = format!(
        "csrf_token={}&version={}&{id}=gr%C3%ZZ",
        csrf_from(&page),
        hidden_value(&page, "version")
    );
    let mut response = agent
        .post(&app.url(FORM))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(body.as_str())
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert!(response
        .body_mut()
        .read_to_string()
        .unwrap()
        .contains("ikke kodet som UTF-8"));
    // Not a form at all.
    let wrong_type = agent
        .post(&app.url(FORM))
        .header("Content-Type", "application/json")
        .send("{\"status\": \"green\"}")
        .unwrap();
    assert_eq!(wrong_type.status().as_u16(), 400);
    assert_eq!(app.submission(ROUND_2017, "147"), before);
}

#[test]
fn an_idle_session_ends_and_says_so() {
    let app = spawn_app_with(|s| s.session_idle = Some(std::time::Duration::from_secs(1)));
    let agent = app.signed_in(Role::Editor);
    assert_eq!(app.get(&agent, FORM).status, 200);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let response = app.get(&agent, FORM);
    assert_eq!(response.status, 303);
    let location = response.location.unwrap();
    assert!(location.ends_with("&udlobet=1"), "{location}");
    let login = app.get(&agent, &location).text();
    assert!(login.contains("Du er blevet logget ud, fordi du ikke har været aktiv"));
}

#[test]
fn every_change_leaves_an_audit_row_naming_the_answer() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let page = app.get(&agent, FORM).text();
    let before = app.submission(ROUND_2017, "147").unwrap();
    let count = |id: i32| audit::history(&mut app.conn(), "submission", &id.to_string()).unwrap();
    let events_before = count(before.id).len();
    assert_eq!(
        app.post_fields(
            &agent,
            FORM,
            &form_fields(&page, "save", "green", "Opdateret")
        )
        .status,
        303
    );
    let events = count(before.id);
    let new: Vec<_> = events[events_before..].to_vec();
    assert_eq!(
        new.iter().filter(|e| e.action == "answer").count(),
        12,
        "one row per changed answer"
    );
    assert_eq!(new.last().unwrap().action, "save");
    assert!(new
        .iter()
        .all(|e| e.user_name.as_deref() == Some("Emma Editor (Frederiksberg)")));
    let first = new.iter().find(|e| e.action == "answer").unwrap();
    assert!(first
        .before
        .as_deref()
        .unwrap()
        .contains("recommendation_id"));
    assert!(first.after.as_deref().unwrap().contains("Opdateret"));
}
