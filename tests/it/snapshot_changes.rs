//! What changed since the council saw it: a saved snapshot of an attachment compared with
//! today on its page, in the snapshot list and in the API, with who made each change and
//! when; who may see it; and snapshots saved before the comparison's record was stored.

use crate::api::{assert_documented, json, openapi};
use crate::helpers::*;
use crate::html::spaced_text_of;
use serde_json::Value;
use trafiklys::domain::time::danish_datetime;
use trafiklys::domain::{MunicipalityCode, Role};
use trafiklys::store::{audit, recommendation_sets, rounds, snapshots, submissions, users};

const MUNICIPALITY: &str = "/rounds/2/municipalities/147";
const FORM: &str = "/rounds/2/municipalities/147/form";
const EDITOR: &str = "Emma Editor (Frederiksberg)";

fn post_fields(app: &TestApp, agent: &ureq::Agent, path: &str, fields: &[(String, String)]) {
    let response = app.post_fields(agent, path, fields);
    assert_eq!(response.status, 303, "{path}: {}", response.text());
}

/// The round's recommendations as (id, code), in order.
fn recommendations(app: &TestApp, round_id: i32) -> Vec<(i32, String)> {
    rounds::load_content(&mut app.conn(), round_id)
        .unwrap()
        .unwrap()
        .recommendations
        .iter()
        .map(|r| (r.id, r.code.clone()))
        .collect()
}

/// Submits Frederiksberg's 2017 form as its editor: every recommendation green with the
/// comment "Kommentar til {id}", except those given in `overrides` as (id, status, comment).
fn submit_form(app: &TestApp, editor: &ureq::Agent, overrides: &[(i32, &str, &str)]) {
    let page = app.get(editor, FORM).text();
    let mut fields = vec![
        ("csrf_token".to_owned(), csrf_from(&page)),
        ("version".to_owned(), hidden_value(&page, "version")),
        ("action".to_owned(), "submit".to_owned()),
    ];
    for (id, _) in recommendations(app, ROUND_2017) {
        let (status, comment) = overrides
            .iter()
            .find(|(o, _, _)| *o == id)
            .map(|(_, s, c)| (s.to_string(), c.to_string()))
            .unwrap_or(("green".into(), format!("Kommentar til {id}")));
        fields.push((format!("status-{id}"), status));
        fields.push((format!("comment-{id}"), comment));
    }
    post_fields(app, editor, FORM, &fields);
}

fn withdraw(app: &TestApp, editor: &ureq::Agent) {
    let page = app.get(editor, FORM).text();
    post_fields(
        app,
        editor,
        "/rounds/2/municipalities/147/withdraw",
        &[
            ("csrf_token".to_owned(), csrf_from(&page)),
            ("version".to_owned(), hidden_value(&page, "version")),
        ],
    );
}

/// Saves a snapshot of the municipality's attachment as `agent`; returns its id.
fn take_snapshot(app: &TestApp, agent: &ureq::Agent, municipality: &str) -> i32 {
    let page = app.get(agent, municipality).text();
    let saved = app.post(
        agent,
        &format!("{municipality}/snapshots"),
        &[("csrf_token", &csrf_from(&page))],
    );
    assert_eq!(saved.status, 303, "{}", saved.text());
    first_snapshot_id(&app.get(agent, municipality).text())
}

/// The snapshot list's row of one snapshot, as text.
fn list_row(page: &str, id: i32) -> String {
    let page = parse(page);
    let row = page.select(&format!("tr:has(a[href=\"/snapshots/{id}/bilag.pdf\"])"));
    spaced_text_of(*row.first().expect("the snapshot is listed"))
}

/// The rows of the changes table: the text of each row of its body.
fn change_rows(page: &str) -> Vec<String> {
    parse(page).row_texts("tbody")
}

/// When the last audit entry for an answer of Frederiksberg's 2017 form was written.
fn answer_changed_at(app: &TestApp, recommendation_id: i32) -> chrono::NaiveDateTime {
    submissions::history(
        &mut app.conn(),
        ROUND_2017,
        &MunicipalityCode::parse("147").unwrap(),
    )
    .unwrap()
    .into_iter()
    .rev()
    .find(|e| {
        e.action == "answer"
            && e.after.as_deref().is_some_and(|a| {
                serde_json::from_str::<Value>(a).unwrap()["recommendation_id"] == recommendation_id
            })
    })
    .expect("an answer entry")
    .at
}

fn utc_of(value: &Value) -> chrono::NaiveDateTime {
    chrono::DateTime::parse_from_rfc3339(value.as_str().expect("a time"))
        .expect("RFC 3339")
        .naive_utc()
}

fn changes_path(round: i32, code: &str, id: i32) -> String {
    format!("/rounds/{round}/municipalities/{code}/snapshots/{id}/changes")
}

#[test]
fn the_page_and_the_api_list_exactly_the_answers_changed_since_the_snapshot_with_who_and_when() {
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    let reader = app.signed_in(Role::Reader);
    submit_form(&app, &editor, &[]);
    let snapshot = take_snapshot(&app, &reader, MUNICIPALITY);

    // Nothing has changed yet.
    let list = app.get(&reader, MUNICIPALITY).text();
    assert!(list_row(&list, snapshot).contains("Uændret."), "{list}");
    let page = app.get(&reader, &changes_path(2, "147", snapshot));
    assert_eq!(page.status, 200);
    let page = page.text();
    assert!(page.contains("<strong>Uændret.</strong> Ingen ændringer:"));
    assert!(page.contains("Der er ingen ændringer."));
    assert!(change_rows(&page).is_empty());

    // One answer's status and another's comment change; the form is submitted again.
    let recs = recommendations(&app, ROUND_2017);
    let ((status_id, status_code), (comment_id, comment_code)) = (recs[0].clone(), recs[3].clone());
    withdraw(&app, &editor);
    submit_form(
        &app,
        &editor,
        &[
            (status_id, "yellow", &format!("Kommentar til {status_id}")),
            (comment_id, "green", "Nu med en anden kommentar"),
        ],
    );
    let status_at = danish_datetime(answer_changed_at(&app, status_id));
    let comment_at = danish_datetime(answer_changed_at(&app, comment_id));

    let list = app.get(&reader, MUNICIPALITY).text();
    assert!(
        list_row(&list, snapshot).contains("Ændret siden."),
        "{list}"
    );
    let page = app.get(&reader, &changes_path(2, "147", snapshot)).text();
    assert!(page.contains("<strong>Ændret siden.</strong> 2 ændringer siden øjebliksbilledet"));
    let columns = parse(&page).texts("th[scope=\"col\"]");
    assert!(
        columns.windows(2).any(|pair| pair == ["Før", "Nu"]),
        "{columns:?}"
    );
    let rows = change_rows(&page);
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert!(
        rows[0].starts_with(&status_code)
            && rows[0].contains("Status ✔ Igangsat efter planen ◐ I proces")
            && rows[0].ends_with(&format!("{EDITOR} , {status_at}")),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].starts_with(&comment_code)
            && rows[1].contains(&format!(
                "Kommentar Kommentar til {comment_id} Nu med en anden kommentar"
            ))
            && rows[1].ends_with(&format!("{EDITOR} , {comment_at}")),
        "{}",
        rows[1]
    );

    // The API says the same.
    let api = app.get(
        &reader,
        &format!("/api/v1{}", changes_path(2, "147", snapshot)),
    );
    assert_eq!(api.status, 200);
    let body = json(&api);
    assert_eq!(body["snapshot"]["state"], "changed");
    assert_eq!(body["basis"], "recorded");
    let changes = body["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{body:#}");
    assert_eq!(changes[0]["kind"], "status");
    assert_eq!(changes[0]["recommendation"]["id"], status_id);
    assert_eq!(
        (&changes[0]["before"], &changes[0]["now"]),
        (&Value::from("green"), &Value::from("yellow"))
    );
    assert_eq!(changes[1]["kind"], "comment");
    assert_eq!(changes[1]["recommendation"]["code"], comment_code.as_str());
    assert_eq!(changes[1]["now"], "Nu med en anden kommentar");
    for (change, id) in [(&changes[0], status_id), (&changes[1], comment_id)] {
        let made = change["made"].as_array().unwrap();
        assert_eq!(made.len(), 1);
        assert_eq!(made[0]["by"], EDITOR);
        assert_eq!(utc_of(&made[0]["at"]), answer_changed_at(&app, id));
    }
    let listed = app.get(&reader, "/api/v1/rounds/2/municipalities/147/snapshots");
    let doc = openapi(&app);
    assert_documented(
        &doc,
        "/api/v1/rounds/{id}/municipalities/{code}/snapshots",
        &listed,
    );
    assert_documented(
        &doc,
        "/api/v1/rounds/{id}/municipalities/{code}/snapshots/{snapshot_id}/changes",
        &api,
    );
    let listed = json(&listed);
    assert_eq!(listed["snapshots"][0]["id"], snapshot);
    assert_eq!(listed["snapshots"][0]["state"], "changed");

    // A snapshot taken now is unchanged, beside the changed one.
    let second = take_snapshot(&app, &reader, MUNICIPALITY);
    let list = app.get(&reader, MUNICIPALITY).text();
    assert!(list_row(&list, second).contains("Uændret."));
    assert!(list_row(&list, snapshot).contains("Ændret siden."));
    let page = app.get(&reader, &changes_path(2, "147", second)).text();
    assert!(page.contains("Der er ingen ændringer."));
    let body = json(&app.get(
        &reader,
        &format!("/api/v1{}", changes_path(2, "147", second)),
    ));
    assert_eq!(body["snapshot"]["state"], "unchanged");
    assert_eq!(body["changes"], Value::Array(Vec::new()));
}

#[test]
fn a_withdrawn_form_shows_as_a_change_of_the_form_by_whoever_withdrew_it() {
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    let admin = app.signed_in(Role::Admin);
    submit_form(&app, &editor, &[]);
    let snapshot = take_snapshot(&app, &admin, MUNICIPALITY);
    withdraw(&app, &editor);
    let page = app.get(&admin, &changes_path(2, "147", snapshot)).text();
    let rows = change_rows(&page);
    assert!(
        rows[0].starts_with("– Hele skemaet Skemaets tilstand Indsendt Ikke indsendt")
            && rows[0].contains(EDITOR),
        "{}",
        rows[0]
    );
    // Every answer the attachment showed is gone from it today.
    assert_eq!(rows.len(), 1 + 2 * recommendations(&app, ROUND_2017).len());
}

#[test]
fn changes_to_a_draft_rounds_recommendations_are_listed_with_the_admin_who_made_them() {
    let app = spawn_app();
    let draft = app.create_2018_draft(None, true);
    let conn = &mut app.conn();
    let admin = app.signed_in(Role::Admin);
    let municipality = format!("/rounds/{draft}/municipalities/147");
    let snapshot = take_snapshot(&app, &admin, &municipality);

    let content = rounds::load_content(conn, draft).unwrap().unwrap();
    let admin_user = users::find_by_email(conn, &app.email(Role::Admin))
        .unwrap()
        .unwrap()
        .0;
    let actor = Some(admin_user.id);
    let reworded = &content.recommendations[0];
    recommendation_sets::update_recommendation(
        conn,
        reworded.id,
        "En ny ordlyd af den første anbefaling",
        reworded.binding,
        actor,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    let retired = content.recommendations.last().unwrap();
    recommendation_sets::retire_recommendation(
        conn,
        retired.id,
        actor,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    let added = recommendation_sets::add_recommendation(
        conn,
        content.focus_areas[0].id,
        "En helt ny anbefaling",
        false,
        actor,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    let content_now = rounds::load_content(conn, draft).unwrap().unwrap();
    let added_code = content_now
        .recommendations
        .iter()
        .find(|r| r.id == added)
        .unwrap()
        .code
        .clone();
    let set_changes: Vec<chrono::NaiveDateTime> = audit::history(conn, "round", &draft.to_string())
        .unwrap()
        .into_iter()
        .filter(|e| e.action.contains("recommendation"))
        .map(|e| e.at)
        .collect();
    assert_eq!(set_changes.len(), 3);

    let page = app
        .get(&admin, &changes_path(draft, "147", snapshot))
        .text();
    let rows = change_rows(&page);
    let by = |at: chrono::NaiveDateTime| format!("{} , {}", admin_user.name, danish_datetime(at));
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert!(
        rows[0].starts_with(&reworded.code)
            && rows[0].contains(&format!(
                "Ordlyd {} En ny ordlyd af den første anbefaling",
                reworded.text
            ))
            && rows[0].ends_with(&by(set_changes[0])),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].starts_with(&format!(
            "{added_code} En helt ny anbefaling Anbefaling tilføjet Fandtes ikke"
        )) && rows[1].ends_with(&by(set_changes[2])),
        "{}",
        rows[1]
    );
    assert!(
        rows[2].starts_with(&format!("{} {}", retired.code, retired.text))
            && rows[2].contains("Anbefaling fjernet")
            && rows[2].ends_with(&by(set_changes[1])),
        "{}",
        rows[2]
    );
    let body = json(&app.get(
        &admin,
        &format!("/api/v1{}", changes_path(draft, "147", snapshot)),
    ));
    let kinds: Vec<&str> = body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["text", "added", "removed"]);
    assert_eq!(body["changes"][1]["recommendation"]["id"], added);
}

#[test]
fn a_snapshot_saved_before_records_were_stored_is_compared_from_its_attachment_data() {
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    let admin = app.signed_in(Role::Admin);
    submit_form(&app, &editor, &[]);
    let recorded = take_snapshot(&app, &admin, MUNICIPALITY);
    // The same snapshot as one saved before the record was added to snapshots' data.
    let stored = snapshots::get(&mut app.conn(), recorded).unwrap().unwrap();
    let mut data: Value = serde_json::from_str(&stored.data).unwrap();
    assert!(data["comparison"].is_object());
    data.as_object_mut().unwrap().remove("comparison");
    let admin_id = users::find_by_email(&mut app.conn(), &app.email(Role::Admin))
        .unwrap()
        .unwrap()
        .0
        .id;
    let older = snapshots::save(
        &mut app.conn(),
        ROUND_2017,
        &MunicipalityCode::parse("147").unwrap(),
        b"%PDF-1.7",
        &data.to_string(),
        admin_id,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap()
    .unwrap();
    let changed = recommendations(&app, ROUND_2017)[1].0;
    withdraw(&app, &editor);
    submit_form(&app, &editor, &[(changed, "red", "Sat i bero")]);

    let recorded_page = app.get(&admin, &changes_path(2, "147", recorded)).text();
    let older_page = app.get(&admin, &changes_path(2, "147", older)).text();
    assert!(!recorded_page.contains("begyndte at gemme data til sammenligningen"));
    assert!(older_page.contains(
        "Øjebliksbilledet er gemt, før Trafiklys begyndte at gemme data til sammenligningen."
    ));
    assert_eq!(change_rows(&older_page), change_rows(&recorded_page));
    assert_eq!(change_rows(&older_page).len(), 2);
    let body = json(&app.get(&admin, &format!("/api/v1{}", changes_path(2, "147", older))));
    assert_eq!(body["basis"], "attachment");
}

#[test]
fn only_those_who_may_read_the_municipality_see_the_comparison_and_only_under_its_own_address() {
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    let reader = app.signed_in(Role::Reader);
    submit_form(&app, &editor, &[]);
    let snapshot = take_snapshot(&app, &reader, MUNICIPALITY);
    let path = changes_path(2, "147", snapshot);
    let api = format!("/api/v1{path}");

    // The KKR's members read it; a reader of another municipality does not.
    let kkr = app.signed_in(Role::Kkr);
    assert_eq!(app.get(&kkr, &path).status, 200);
    assert_eq!(app.get(&kkr, &api).status, 200);
    users::create_user(
        &mut app.conn(),
        &users::NewUser {
            email: "reader@kk.example".into(),
            name: "Karin København".into(),
            role: Role::Reader,
            kkr_id: Some(1),
            municipality_code: Some(MunicipalityCode::parse("101").unwrap()),
        },
        &trafiklys::password::hash("en-lang-adgangskode").unwrap(),
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    let other = app.signed_in_as("reader@kk.example", "en-lang-adgangskode");
    let refused = app.get(&other, &path);
    assert_eq!(refused.status, 403);
    assert!(!refused.text().contains(EDITOR));
    let refused = app.get(&other, &api);
    assert_eq!(refused.status, 403);
    assert!(json(&refused)["reason"].is_string());
    assert_documented(
        &openapi(&app),
        "/api/v1/rounds/{id}/municipalities/{code}/snapshots/{snapshot_id}/changes",
        &refused,
    );
    assert_eq!(
        app.get(&other, "/api/v1/rounds/2/municipalities/147/snapshots")
            .status,
        403
    );
    // Under the other municipality's address the snapshot is not found.
    assert_eq!(
        app.get(&other, &changes_path(2, "101", snapshot)).status,
        404
    );
    assert_eq!(
        app.get(
            &other,
            &format!("/api/v1{}", changes_path(2, "101", snapshot))
        )
        .status,
        404
    );
    assert_eq!(
        app.get(&reader, &changes_path(2, "147", 999_999)).status,
        404
    );

    // Nobody anonymous: the page asks for a sign-in, the API answers 401.
    assert_eq!(app.get(&client(), &path).status, 303);
    assert_eq!(app.get(&client(), &api).status, 401);
}
