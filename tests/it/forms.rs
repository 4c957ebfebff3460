use crate::helpers::*;
use trafiklys::domain::{MunicipalityCode, Role, Status, SubmissionState};
use trafiklys::store::submissions;

const FORM: &str = "/rounds/2/municipalities/147/form";

fn frederiksberg(app: &TestApp) -> Option<trafiklys::domain::Submission> {
    submissions::get_submission(
        &mut app.conn(),
        ROUND_2017,
        &MunicipalityCode::parse("147").unwrap(),
    )
    .unwrap()
}

/// Every recommendation answered green with a comment, plus the hidden fields.
fn complete_form(page: &str, action: &str) -> Vec<(String, String)> {
    answered_form(page, action, |id| {
        ("green".into(), format!("Kommentar til {id}"))
    })
}

#[test]
fn the_editor_sees_the_draft_with_its_saved_answers() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let response = app.get(&agent, FORM);
    assert_eq!(response.status, 200);
    let page = response.text();
    assert!(page.contains("Statusskema 2017: Frederiksberg Kommune"));
    assert_eq!(recommendation_ids(&page).len(), 12);
    assert_eq!(
        page.matches(" checked").count(),
        9,
        "the demo draft has seven answers, and two come from 2016"
    );
    assert!(page.contains(
        "<legend><h2>5. Aktiv beskæftigelsesindsats i forhold til flygtninge</h2></legend>"
    ));
    assert!(page.contains("(Forpligtende)") && page.contains("(Frivillig)"));
}

#[test]
fn submitting_the_form_stores_the_answers_and_changes_the_dashboard() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let page = app.get(&agent, FORM).text();
    let response = app.post_fields(&agent, FORM, &complete_form(&page, "submit"));
    assert_eq!(response.status, 303, "{}", response.text());
    assert_eq!(
        response.location.as_deref(),
        Some("/rounds/2/municipalities/147/form?gemt=indsendt")
    );

    let stored = frederiksberg(&app).unwrap();
    assert_eq!(stored.state, SubmissionState::Submitted);
    assert_eq!(stored.answers.len(), 12);
    assert!(stored
        .answers
        .iter()
        .all(|a| a.status == Some(Status::Green)));
    assert_eq!(
        stored.submitted_by.as_deref(),
        Some("Emma Editor (Frederiksberg)")
    );

    let kkr = app.signed_in(Role::Kkr);
    let dashboard = app.get(&kkr, "/rounds/2").text();
    assert!(dashboard.contains("25 af 29 kommuner har indsendt"));
    let after = app
        .get(&agent, response.location.as_deref().unwrap())
        .text();
    assert!(after.contains("Skemaet er indsendt. Tak!"));
    assert!(after.contains("Skemaet kan ikke længere ændres"));
    assert!(
        !parse(&after).has("[name=\"action\"]"),
        "no save buttons after submit"
    );
}

#[test]
fn saving_a_draft_keeps_it_out_of_the_dashboard() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let page = app.get(&agent, FORM).text();
    let ids = recommendation_ids(&page);
    let fields = vec![
        ("csrf_token".to_owned(), csrf_from(&page)),
        ("version".to_owned(), hidden_value(&page, "version")),
        ("action".to_owned(), "save".to_owned()),
        (format!("status-{}", ids[0]), "red".to_owned()),
        (format!("comment-{}", ids[0]), "Afventer budget".to_owned()),
    ];
    let response = app.post_fields(&agent, FORM, &fields);
    assert_eq!(response.status, 303);
    let stored = frederiksberg(&app).unwrap();
    assert_eq!(stored.state, SubmissionState::Draft);
    assert_eq!(stored.answers.len(), 1);
    assert_eq!(stored.answers[0].comment, "Afventer budget");
    let kkr = app.signed_in(Role::Kkr);
    assert!(app
        .get(&kkr, "/rounds/2")
        .text()
        .contains("24 af 29 kommuner har indsendt"));
}

#[test]
fn submitting_an_incomplete_form_lists_the_missing_fields_and_keeps_the_input() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let page = app.get(&agent, FORM).text();
    let before = frederiksberg(&app).unwrap();
    let ids = recommendation_ids(&page);
    let fields = vec![
        ("csrf_token".to_owned(), csrf_from(&page)),
        ("version".to_owned(), hidden_value(&page, "version")),
        ("action".to_owned(), "submit".to_owned()),
        (format!("status-{}", ids[0]), "yellow".to_owned()),
        (
            format!("comment-{}", ids[1]),
            "Min tekst <b>fed</b>".to_owned(),
        ),
    ];
    let response = app.post_fields(&agent, FORM, &fields);
    assert_eq!(response.status, 422);
    let body = response.text();
    let doc = parse(&body);
    assert!(doc.has(".error-summary"));
    assert!(
        doc.has(&format!("[href=\"#comment-{}\"]", ids[0])),
        "yellow needs a comment"
    );
    assert!(doc.has(&format!("[href=\"#status-{}\"]", ids[1])));
    assert!(
        body.contains("Min tekst &lt;b&gt;fed&lt;&#x2F;b&gt;")
            || body.contains("Min tekst &lt;b&gt;fed&lt;/b&gt;")
    );
    assert!(body.contains(&format!(
        "name=\"status-{}\" value=\"yellow\" checked",
        ids[0]
    )));
    assert_eq!(frederiksberg(&app).unwrap(), before, "nothing written");
}

#[test]
fn an_editor_cannot_open_another_municipalitys_form() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    assert_eq!(
        app.get(&agent, "/rounds/2/municipalities/101/form").status,
        403
    );
    let page = app.get(&agent, FORM).text();
    let response = app.post_fields(
        &agent,
        "/rounds/2/municipalities/101/form",
        &complete_form(&page, "save"),
    );
    assert_eq!(response.status, 403);
}

#[test]
fn a_save_without_the_csrf_token_changes_nothing() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let page = app.get(&agent, FORM).text();
    let before = frederiksberg(&app).unwrap();
    let mut fields = complete_form(&page, "save");
    fields.retain(|(k, _)| k != "csrf_token");
    assert_eq!(app.post_fields(&agent, FORM, &fields).status, 403);
    fields.push(("csrf_token".into(), "forged".into()));
    assert_eq!(app.post_fields(&agent, FORM, &fields).status, 403);
    assert_eq!(frederiksberg(&app).unwrap(), before);
}

#[test]
fn two_editors_saving_at_once_never_overwrite_each_other() {
    let app = spawn_app();
    let first = app.signed_in(Role::Editor);
    let second = app.signed_in(Role::Admin);
    let first_page = app.get(&first, FORM).text();
    let second_page = app.get(&second, FORM).text();

    let saved = app.post_fields(&second, FORM, &complete_form(&second_page, "save"));
    assert_eq!(saved.status, 303);
    let after_second = frederiksberg(&app).unwrap();

    let mut mine = complete_form(&first_page, "save");
    for (k, v) in mine.iter_mut() {
        if k.starts_with("comment-") {
            *v = "Min egen tekst".into();
        }
    }
    let conflict = app.post_fields(&first, FORM, &mine);
    assert_eq!(conflict.status, 409);
    let body = conflict.text();
    assert!(body.contains("Skemaet er ændret af en anden"));
    assert!(body.contains("Anne Admin"), "says who saved");
    assert!(
        body.contains(">Min egen tekst</textarea>"),
        "this user's input is kept"
    );
    assert!(body.contains("Det gemte svar"));
    assert_eq!(
        frederiksberg(&app).unwrap(),
        after_second,
        "nothing overwritten"
    );

    // Saving again from the conflict page applies this user's input on the newer version.
    let retry = app.post_fields(
        &first,
        FORM,
        &complete_form(&body, "save")
            .into_iter()
            .map(|(k, v)| {
                if k.starts_with("comment-") {
                    (k, "Min egen tekst".to_owned())
                } else {
                    (k, v)
                }
            })
            .collect::<Vec<_>>(),
    );
    assert_eq!(retry.status, 303);
    let stored = frederiksberg(&app).unwrap();
    assert!(stored.answers.iter().all(|a| a.comment == "Min egen tekst"));
    assert_eq!(stored.version, after_second.version + 1);
}

#[test]
fn malformed_forms_are_rejected_with_a_reason_and_change_nothing() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let page = app.get(&agent, FORM).text();
    let before = frederiksberg(&app).unwrap();
    let ids = recommendation_ids(&page);
    let base = |extra: Vec<(String, String)>| {
        let mut fields = vec![
            ("csrf_token".to_owned(), csrf_from(&page)),
            ("version".to_owned(), hidden_value(&page, "version")),
            ("action".to_owned(), "save".to_owned()),
        ];
        fields.extend(extra);
        fields
    };
    let cases = vec![
        (
            vec![(format!("status-{}", ids[0]), "purple".to_owned())],
            "ukendt status",
        ),
        (
            vec![("status-99999".to_owned(), "green".to_owned())],
            "hører ikke til denne statusrunde",
        ),
        (
            vec![
                (format!("status-{}", ids[0]), "green".to_owned()),
                (format!("status-{}", ids[0]), "red".to_owned()),
            ],
            "mere end én gang",
        ),
        (
            vec![("municipality".to_owned(), "101".to_owned())],
            "er ukendt",
        ),
    ];
    for (extra, reason) in cases {
        let response = app.post_fields(&agent, FORM, &base(extra));
        assert_eq!(response.status, 400);
        assert!(response.text().contains(reason), "expected «{reason}»");
    }
    assert_eq!(frederiksberg(&app).unwrap(), before);
}

#[test]
fn an_oversized_body_is_refused() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Editor);
    let page = app.get(&agent, FORM).text();
    let huge = "x".repeat(2 * 1024 * 1024);
    let fields = vec![
        ("csrf_token".to_owned(), csrf_from(&page)),
        ("version".to_owned(), hidden_value(&page, "version")),
        ("comment-1".to_owned(), huge),
    ];
    assert_eq!(app.post_fields(&agent, FORM, &fields).status, 413);
}
