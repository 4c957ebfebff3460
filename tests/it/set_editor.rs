//! The set editor forgives: a move, retirement or merge is shown on a confirmation page before
//! anything changes; every reword, move, merge and retirement of a draft round can be undone,
//! leaving the set exactly as it was (texts, binding, focus areas, positions and the links to
//! last year); each change ends with a message naming what was saved; errors sit at their
//! field; once the round is open nothing can be undone.

use crate::helpers::*;
use trafiklys::domain::{Role, RoundState};
use trafiklys::store::{audit, reference, rounds};

const KKR_HOVEDSTADEN: i32 = 1;

/// Creates 2018 from 2017 through the page; returns its id.
fn create_2018(app: &TestApp, agent: &ureq::Agent) -> i32 {
    let page = app.get(agent, "/admin/rounds/new");
    let mut fields = vec![
        ("csrf_token".to_owned(), csrf_from(&page.text())),
        ("year".to_owned(), "2018".to_owned()),
        (
            "title".to_owned(),
            "Status på anbefalingerne 2018".to_owned(),
        ),
        ("subject".to_owned(), "beskæftigelsesområdet".to_owned()),
        ("deadline".to_owned(), "1.12.2018 23.59".to_owned()),
        ("from_previous".to_owned(), "ja".to_owned()),
    ];
    for m in reference::municipalities_of_kkr(&mut app.conn(), KKR_HOVEDSTADEN).unwrap() {
        fields.push(("municipality".to_owned(), m.code.to_string()));
    }
    let response = app.post_fields(agent, "/admin/rounds", &fields);
    assert_eq!(response.status, 303, "{}", response.text());
    let location = response.location.unwrap();
    location
        .trim_start_matches("/admin/rounds/")
        .split(['?', '/'])
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap()
}

/// One recommendation of the set, everything that defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    id: i32,
    area_number: i32,
    area_title: String,
    code: String,
    text: String,
    binding: bool,
    position: i32,
    carried_from: Option<i32>,
    merged_from: Vec<i32>,
}

/// The whole set of a round as the database holds it.
fn whole_set(app: &TestApp, round_id: i32) -> Vec<Row> {
    let content = rounds::load_content(&mut app.conn(), round_id)
        .unwrap()
        .unwrap();
    content
        .recommendations
        .iter()
        .map(|r| {
            let area = content
                .focus_areas
                .iter()
                .find(|a| a.id == r.focus_area_id)
                .unwrap();
            let mut merged_from = r.merged_from.clone();
            merged_from.sort_unstable();
            Row {
                id: r.id,
                area_number: area.number,
                area_title: area.title.clone(),
                code: r.code.clone(),
                text: r.text.clone(),
                binding: r.binding,
                position: r.position,
                carried_from: r.carried_from,
                merged_from,
            }
        })
        .collect()
}

fn row<'a>(set: &'a [Row], code: &str) -> &'a Row {
    set.iter()
        .find(|r| r.code == code)
        .unwrap_or_else(|| panic!("no recommendation {code}"))
}

fn area_id(app: &TestApp, round_id: i32, number: i32) -> i32 {
    rounds::load_content(&mut app.conn(), round_id)
        .unwrap()
        .unwrap()
        .focus_areas
        .iter()
        .find(|a| a.number == number)
        .unwrap()
        .id
}

/// The recorded change a redirect after a change names (`?aendring=N#besked`).
fn edit_of(response: &Response) -> i32 {
    assert_eq!(response.status, 303, "{}", response.text());
    let location = response.location.as_deref().unwrap();
    location
        .split("aendring=")
        .nth(1)
        .and_then(|rest| rest.split('#').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no change in {location}"))
}

/// Follows a redirect to the set page (the fragment stays in the browser).
fn follow(app: &TestApp, agent: &ureq::Agent, response: &Response) -> String {
    let location = response.location.as_deref().unwrap();
    assert!(location.ends_with("#besked"), "{location}");
    app.get(agent, location.trim_end_matches("#besked")).text()
}

fn undo(app: &TestApp, agent: &ureq::Agent, round_id: i32, edit: i32) -> Response {
    app.post(
        agent,
        &format!("/admin/rounds/{round_id}/set/aendringer/{edit}/fortryd"),
        &[("csrf_token", &app.csrf(agent))],
    )
}

fn history(app: &TestApp, agent: &ureq::Agent, round_id: i32) -> String {
    app.get(agent, &format!("/admin/rounds/{round_id}")).text()
}

#[test]
fn a_reword_is_saved_with_a_message_naming_it_and_undone_exactly() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let id = create_2018(&app, &admin);
    let before = whole_set(&app, id);
    let rec = row(&before, "1.1").id;
    let saved = app.post(
        &admin,
        &format!("/admin/rounds/{id}/recommendations/{rec}"),
        &[
            ("csrf_token", &app.csrf(&admin)),
            ("action", "gem"),
            (
                "text",
                "Alle kommuner skal udvikle den fælles rekrutteringsservice",
            ),
            ("binding", "frivillig"),
            ("from", "anbefaling"),
        ],
    );
    let edit = edit_of(&saved);
    let page = follow(&app, &admin, &saved);
    assert!(
        parse(&page).has("#besked[tabindex=\"-1\"]"),
        "focusable message"
    );
    assert!(page.contains("Anbefaling 1.1 er gemt."));
    assert!(page.contains(&format!("/set/aendringer/{edit}/fortryd")));
    let changed = whole_set(&app, id);
    assert_ne!(changed, before);
    assert!(!row(&changed, "1.1").binding);

    let undone = undo(&app, &admin, id, edit);
    assert_eq!(undone.status, 303, "{}", undone.text());
    assert_eq!(whole_set(&app, id), before, "the set exactly as before");
    let page = follow(&app, &admin, &undone);
    assert!(page
        .contains("Ændringen er fortrudt: anbefaling 1.1 har igen sin tidligere tekst og type."));
    assert!(history(&app, &admin, id).contains("Ændring af anbefaling fortrudt"));
    // Undone once; a second undo is refused and changes nothing.
    let fingerprint = app.fingerprint();
    let again = undo(&app, &admin, id, edit);
    assert_eq!(again.status, 409);
    assert!(again.text().contains("Ændringen er allerede fortrudt."));
    assert_eq!(app.fingerprint(), fingerprint);
}

#[test]
fn a_move_is_confirmed_first_audited_from_and_to_and_moved_back_exactly() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let id = create_2018(&app, &admin);
    let before = whole_set(&app, id);
    let moved = row(&before, "2.2").clone();
    let target = area_id(&app, id, 3);
    let in_three = before.iter().filter(|r| r.area_number == 3).count();
    let new_code = format!("3.{}", in_three + 1);

    // The form leads to a page that says what will happen; nothing changes yet.
    let fingerprint = app.fingerprint();
    let asked = app.get(
        &admin,
        &format!(
            "/admin/rounds/{id}/recommendations/{}/bekraeft?action=flyt&area={target}&from=anbefaling",
            moved.id
        ),
    );
    assert_eq!(asked.status, 200);
    let asked = asked.text();
    assert!(asked.contains("Flyt anbefaling 2.2?"));
    assert!(
        asked.contains(&format!("2.2 «{}» flyttes til indsatsområde 3", moved.text)),
        "{asked}"
    );
    assert!(asked.contains(&format!("som {new_code}.")));
    assert!(asked.contains("2.3 bliver 2.2"), "the others renumbered");
    assert!(parse(&asked).has("[name=\"confirmed\"][value=\"ja\"]"));
    assert_eq!(app.fingerprint(), fingerprint, "showing changes nothing");
    // A post without the confirmation only asks again.
    let unconfirmed = app.post(
        &admin,
        &format!("/admin/rounds/{id}/recommendations/{}", moved.id),
        &[
            ("csrf_token", &app.csrf(&admin)),
            ("action", "flyt"),
            ("area", &target.to_string()),
        ],
    );
    assert_eq!(unconfirmed.status, 200);
    assert!(unconfirmed.text().contains("Flyt anbefaling 2.2?"));
    assert_eq!(app.fingerprint(), fingerprint);

    let done = app.post(
        &admin,
        &format!("/admin/rounds/{id}/recommendations/{}", moved.id),
        &[
            ("csrf_token", &app.csrf(&admin)),
            ("action", "flyt"),
            ("area", &target.to_string()),
            ("from", "anbefaling"),
            ("confirmed", "ja"),
        ],
    );
    let edit = edit_of(&done);
    let page = follow(&app, &admin, &done);
    assert!(page.contains(&format!(
        "Anbefaling 2.2 er flyttet til indsatsområde 3 og gemt som {new_code}."
    )));
    assert_eq!(row(&whole_set(&app, id), &new_code).id, moved.id);
    assert!(
        history(&app, &admin, id).contains(&format!("flyttet fra 2.2 til {new_code}")),
        "the audit line says where it went"
    );

    let back = undo(&app, &admin, id, edit);
    assert_eq!(back.status, 303, "{}", back.text());
    assert_eq!(whole_set(&app, id), before, "moved back exactly");
    assert!(follow(&app, &admin, &back)
        .contains(&format!("Flytningen er fortrudt: {new_code} er igen 2.2.")));
    assert!(history(&app, &admin, id).contains(&format!("flyttet fra {new_code} til 2.2")));
}

#[test]
fn a_retired_recommendation_is_listed_as_udgaaet_and_reinstated_exactly() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let id = create_2018(&app, &admin);
    let before = whole_set(&app, id);
    let retired = row(&before, "1.2").clone();

    let set = app.get(&admin, &format!("/admin/rounds/{id}/set")).text();
    let link = format!(
        "/admin/rounds/{id}/recommendations/{}/bekraeft?action=udgaar",
        retired.id
    );
    assert!(set.contains(&link), "Udgår leads to a confirmation");
    let asked = app.get(&admin, &link);
    assert_eq!(asked.status, 200);
    assert!(asked
        .text()
        .contains(&format!("1.2 «{}» udgår af årets sæt.", retired.text)));
    assert_eq!(whole_set(&app, id), before, "showing changes nothing");

    let done = app.post(
        &admin,
        &format!("/admin/rounds/{id}/recommendations/{}", retired.id),
        &[
            ("csrf_token", &app.csrf(&admin)),
            ("action", "udgaar"),
            ("confirmed", "ja"),
        ],
    );
    let edit = edit_of(&done);
    let page = follow(&app, &admin, &done);
    assert!(page.contains("Anbefaling 1.2 er udgået af årets sæt."));
    let retired_section = page.split("id=\"retired-heading\"").nth(1).unwrap();
    assert!(
        retired_section.contains(&retired.text),
        "listed under Udgået"
    );
    assert!(retired_section.contains(&format!("/set/aendringer/{edit}/fortryd")));
    assert!(retired_section.contains("Genindsæt"));
    let after = whole_set(&app, id);
    assert!(after.iter().all(|r| r.id != retired.id), "out of the set");
    // Every other reader sees it gone: the form of the round has one recommendation less.
    let content = rounds::load_content(&mut app.conn(), id).unwrap().unwrap();
    assert_eq!(content.recommendations.len(), before.len() - 1);

    let back = undo(&app, &admin, id, edit);
    assert_eq!(back.status, 303, "{}", back.text());
    assert_eq!(
        whole_set(&app, id),
        before,
        "reinstated exactly, links included"
    );
    let page = follow(&app, &admin, &back);
    assert!(page.contains("Anbefaling 1.2 er genindsat."));
    assert!(page.contains("Ingen anbefalinger er udgået af årets sæt."));
    assert!(history(&app, &admin, id).contains("Anbefaling genindsat"));
}

/// Merges `absorbed` into `kept` through the confirmation page; returns the recorded change.
fn merge(app: &TestApp, agent: &ureq::Agent, round_id: i32, kept: &Row, absorbed: &Row) -> i32 {
    let asked = app.get(
        agent,
        &format!(
            "/admin/rounds/{round_id}/recommendations/{}/bekraeft?action=saml&other={}&text=&from=anbefaling",
            kept.id, absorbed.id
        ),
    );
    assert_eq!(asked.status, 200, "{}", asked.text());
    assert!(asked.text().contains(&format!(
        "{} «{}» lægges sammen med {} «{}».",
        absorbed.code, absorbed.text, kept.code, kept.text
    )));
    let done = app.post(
        agent,
        &format!("/admin/rounds/{round_id}/recommendations/{}", kept.id),
        &[
            ("csrf_token", &app.csrf(agent)),
            ("action", "saml"),
            ("other", &absorbed.id.to_string()),
            ("text", ""),
            ("from", "anbefaling"),
            ("confirmed", "ja"),
        ],
    );
    edit_of(&done)
}

#[test]
fn a_merge_is_split_back_with_both_recommendations_and_their_links_to_last_year() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let id = create_2018(&app, &admin);
    let before = whole_set(&app, id);
    // 2.3 into 2.2 (with a new text); then that merged 2.2 into 1.1, so 1.1 carries three
    // histories and the merged-away 2.2 had a merge of its own.
    let (two_two, two_three) = (row(&before, "2.2").clone(), row(&before, "2.3").clone());
    let asked = app.get(
        &admin,
        &format!(
            "/admin/rounds/{id}/recommendations/{}/bekraeft?action=saml&other={}&text=Samlet+anbefaling&from=anbefaling",
            two_two.id, two_three.id
        ),
    );
    assert!(asked
        .text()
        .contains("Den samlede anbefaling får teksten «Samlet anbefaling»."));
    let first = app.post(
        &admin,
        &format!("/admin/rounds/{id}/recommendations/{}", two_two.id),
        &[
            ("csrf_token", &app.csrf(&admin)),
            ("action", "saml"),
            ("other", &two_three.id.to_string()),
            ("text", "Samlet anbefaling"),
            ("confirmed", "ja"),
        ],
    );
    let first = edit_of(&first);
    let middle = whole_set(&app, id);
    let merged = row(&middle, "2.2").clone();
    assert_eq!(merged.text, "Samlet anbefaling");
    assert_eq!(
        merged.merged_from,
        two_three.carried_from.into_iter().collect::<Vec<_>>()
    );
    let second = merge(&app, &admin, id, row(&middle, "1.1"), &merged);
    let page = app
        .get(&admin, &format!("/admin/rounds/{id}/set?aendring={second}"))
        .text();
    assert!(page.contains("Anbefaling 2.2 er lagt sammen med 1.1 og gemt som 1.1"));
    let both = whole_set(&app, id);
    assert_eq!(
        row(&both, "1.1").merged_from.len(),
        2,
        "both histories flow in"
    );

    // The older merge cannot be split while the newer one holds its result.
    let refused = undo(&app, &admin, id, first);
    assert_eq!(refused.status, 409);
    assert!(refused
        .text()
        .contains("Anbefaling 2.2 er ikke længere i sættet, så ændringen kan ikke fortrydes."));
    assert_eq!(whole_set(&app, id), both);

    let split = undo(&app, &admin, id, second);
    assert_eq!(split.status, 303, "{}", split.text());
    assert_eq!(
        whole_set(&app, id),
        middle,
        "1.1 and the merged 2.2 as they were"
    );
    assert!(follow(&app, &admin, &split)
        .contains("Sammenlægningen er delt: 1.1 og 2.2 er igen to anbefalinger."));
    assert_eq!(undo(&app, &admin, id, first).status, 303);
    assert_eq!(whole_set(&app, id), before, "2.2 and 2.3 as they were");
    assert!(history(&app, &admin, id).contains("Sammenlægning delt igen"));
}

#[test]
fn set_editor_errors_sit_at_their_field_with_a_summary_linking_to_it() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let id = create_2018(&app, &admin);
    let set = whole_set(&app, id);
    let rec = row(&set, "1.1").clone();
    let fingerprint = app.fingerprint();
    let path = format!("/admin/rounds/{id}/recommendations/{}", rec.id);

    let too_long = "x".repeat(2001);
    let reworded = app.post(
        &admin,
        &path,
        &[
            ("csrf_token", &app.csrf(&admin)),
            ("action", "gem"),
            ("text", &too_long),
            ("binding", "forpligtende"),
            ("from", "anbefaling"),
        ],
    );
    assert_eq!(reworded.status, 422);
    let page = reworded.text();
    let doc = parse(&page);
    assert!(doc.has("#error-summary"));
    assert!(doc.has_text(
        "a[href=\"#text\"]",
        "Anbefalingens tekst er 2001 tegn; den må højst være 2000 tegn."
    ));
    assert!(doc.has("[aria-invalid=\"true\"][aria-describedby=\"text-error\"]"));
    assert!(doc.has("#text-error"));
    assert!(page.contains(&too_long), "the input kept");

    let same_area = app.get(
        &admin,
        &format!(
            "{path}/bekraeft?action=flyt&area={}&from=anbefaling",
            area_id(&app, id, 1)
        ),
    );
    assert_eq!(same_area.status, 422);
    let page = parse(&same_area.text());
    assert!(page.has_text(
        "a[href=\"#area\"]",
        "Anbefaling 1.1 står allerede i indsatsområde 1; vælg et andet."
    ));
    assert!(page
        .has("select#area[name=\"area\"][aria-invalid=\"true\"][aria-describedby=\"area-error\"]"));

    let no_other = app.get(
        &admin,
        &format!("{path}/bekraeft?action=saml&other=&from=anbefaling"),
    );
    assert_eq!(no_other.status, 422);
    let page = parse(&no_other.text());
    assert!(page.has_text(
        "a[href=\"#other\"]",
        "Vælg den anbefaling, der skal lægges sammen med 1.1."
    ));
    assert!(page.has(
        "select#other[name=\"other\"][aria-invalid=\"true\"][aria-describedby=\"other-error\"]"
    ));

    let area = area_id(&app, id, 2);
    let empty = app.post(
        &admin,
        &format!("/admin/rounds/{id}/set/areas/{area}/recommendations"),
        &[
            ("csrf_token", &app.csrf(&admin)),
            ("text", "   "),
            ("binding", "forpligtende"),
        ],
    );
    assert_eq!(empty.status, 422);
    let page = parse(&empty.text());
    assert!(page.has(&format!("a[href=\"#area-{area}-new-text\"]")));
    assert!(page.has(&format!(
        "[aria-invalid=\"true\"][aria-describedby=\"area-{area}-new-text-error\"]"
    )));
    assert_eq!(app.fingerprint(), fingerprint, "nothing written");
}

#[test]
fn undo_is_refused_in_danish_once_the_round_is_open() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let id = create_2018(&app, &admin);
    let rec = row(&whole_set(&app, id), "1.2").clone();
    let done = app.post(
        &admin,
        &format!("/admin/rounds/{id}/recommendations/{}", rec.id),
        &[
            ("csrf_token", &app.csrf(&admin)),
            ("action", "udgaar"),
            ("confirmed", "ja"),
        ],
    );
    let edit = edit_of(&done);
    let opened = app.post(
        &admin,
        &format!("/admin/rounds/{id}/state"),
        &[
            ("csrf_token", &app.csrf(&admin)),
            ("to", "open"),
            ("confirmed", "ja"),
            ("past_deadline", "ja"),
        ],
    );
    assert_eq!(opened.status, 303);
    let content = rounds::load_content(&mut app.conn(), id).unwrap().unwrap();
    assert_eq!(content.round.state, RoundState::Open);

    let set = app.get(&admin, &format!("/admin/rounds/{id}/set")).text();
    let retired_section = set.split("id=\"retired-heading\"").nth(1).unwrap();
    assert!(
        retired_section.contains(&rec.text),
        "still listed as retired"
    );
    assert!(!set.contains("Genindsæt"), "but no longer offered back");
    let fingerprint = app.fingerprint();
    let refused = undo(&app, &admin, id, edit);
    assert_eq!(refused.status, 409);
    assert!(refused
        .text()
        .contains("Runden er åbnet, så ændringer i anbefalingerne kan ikke længere fortrydes."));
    assert_eq!(app.fingerprint(), fingerprint);
    // The confirmation page is refused too.
    let other = row(&whole_set(&app, id), "1.1").id;
    let asked = app.get(
        &admin,
        &format!("/admin/rounds/{id}/recommendations/{other}/bekraeft?action=udgaar"),
    );
    assert_eq!(asked.status, 409);
    assert!(asked
        .text()
        .contains("Anbefalingerne er låst, fordi runden er åbnet"));
    assert!(audit::history(&mut app.conn(), "round", &id.to_string())
        .unwrap()
        .iter()
        .all(|e| e.action != "reinstate_recommendation"));
}
