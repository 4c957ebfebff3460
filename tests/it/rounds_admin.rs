//! The secretariat's year in the browser: a round from last year, the set adjusted while a
//! draft and frozen once open, the life cycle with confirmation, the deadline, closing,
//! publishing, proposals, council names, and who may do any of it.

use crate::helpers::*;
use trafiklys::domain::{MunicipalityCode, Role, RoundState, Status, SubmissionState};
use trafiklys::store::{audit, reference, rounds, submissions, users};

const KKR_HOVEDSTADEN: i32 = 1;

fn id_from_location(response: &Response, prefix: &str) -> i32 {
    let location = response.location.as_deref().expect("a redirect");
    location
        .strip_prefix(prefix)
        .and_then(|rest| rest.split(['?', '/']).next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no id in {location}"))
}

/// Creates a round through the page for KKR Hovedstaden; returns the response.
fn post_new_round(
    app: &TestApp,
    agent: &ureq::Agent,
    year: &str,
    subject: &str,
    from_previous: bool,
    leave_out: &[&str],
) -> Response {
    let page = app.get(agent, "/admin/rounds/new");
    assert_eq!(page.status, 200);
    let mut fields = vec![
        ("csrf_token".to_owned(), csrf_from(&page.text())),
        ("year".to_owned(), year.to_owned()),
        (
            "title".to_owned(),
            format!("Status på anbefalingerne {year}"),
        ),
        ("subject".to_owned(), subject.to_owned()),
        ("deadline".to_owned(), format!("1.12.{year} 23.59")),
    ];
    if from_previous {
        fields.push(("from_previous".to_owned(), "ja".to_owned()));
    }
    for m in reference::municipalities_of_kkr(&mut app.conn(), KKR_HOVEDSTADEN).unwrap() {
        if !leave_out.contains(&m.code.as_str()) {
            fields.push(("municipality".to_owned(), m.code.to_string()));
        }
    }
    app.post_fields(agent, "/admin/rounds", &fields)
}

fn create_2018(app: &TestApp, agent: &ureq::Agent, leave_out: &[&str]) -> i32 {
    let response = post_new_round(app, agent, "2018", "beskæftigelsesområdet", true, leave_out);
    assert_eq!(response.status, 303, "{}", response.text());
    id_from_location(&response, "/admin/rounds/")
}

/// Moves a round one step through the page, confirming.
/// One confirmed step of the life cycle. These rounds' deadlines (2018) have passed by the
/// system clock, so opening also confirms that (see `notices.rs` for the question itself).
fn step(app: &TestApp, agent: &ureq::Agent, round_id: i32, to: &str) -> Response {
    let page = app.get(agent, &format!("/admin/rounds/{round_id}")).text();
    app.post(
        agent,
        &format!("/admin/rounds/{round_id}/state"),
        &[
            ("csrf_token", &csrf_from(&page)),
            ("to", to),
            ("confirmed", "ja"),
            ("past_deadline", "ja"),
        ],
    )
}

fn content(app: &TestApp, round_id: i32) -> trafiklys::domain::RoundContent {
    rounds::load_content(&mut app.conn(), round_id)
        .unwrap()
        .unwrap()
}

fn rec_id(app: &TestApp, round_id: i32, code: &str) -> i32 {
    content(app, round_id)
        .recommendations
        .iter()
        .find(|r| r.code == code)
        .unwrap_or_else(|| panic!("no recommendation {code}"))
        .id
}

fn round_actions(app: &TestApp, round_id: i32) -> Vec<String> {
    audit::history(&mut app.conn(), "round", &round_id.to_string())
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[test]
fn a_fresh_installation_has_every_municipality_and_kkr_without_the_demo() {
    let app = spawn_app_without_demo();
    let mut conn = app.conn();
    let all = reference::list_municipalities(&mut conn).unwrap();
    assert_eq!(all.len(), 98);
    assert_eq!(reference::list_kkrs(&mut conn).unwrap().len(), 5);
    let kbh = all.iter().find(|m| m.code.as_str() == "101").unwrap();
    assert_eq!(kbh.council_name, "Borgerrepræsentationen");
    assert!(rounds::list_rounds(&mut conn).unwrap().is_empty());

    // The first admin (made here in the store; the command line has its own command).
    let sjaelland = reference::kkr_by_name(&mut conn, "KKR Sjælland")
        .unwrap()
        .unwrap();
    let password = "et-langt-kodeord-til-admin";
    users::create_user(
        &mut conn,
        &users::NewUser {
            email: "sekretariat@kkr-sjaelland.example".into(),
            name: "Sekretariatet".into(),
            role: Role::Admin,
            kkr_id: Some(sjaelland),
            municipality_code: None,
        },
        &trafiklys::password::hash(password).unwrap(),
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    let agent = app.signed_in_as("sekretariat@kkr-sjaelland.example", password);
    let admin = app.get(&agent, "/admin").text();
    assert!(admin.contains("KKR Sjælland har ingen statusrunder endnu"));
    let new = app.get(&agent, "/admin/rounds/new").text();
    assert!(
        new.contains("Køge (259)"),
        "the KKR's municipalities to choose"
    );
    assert!(new.contains("ingen tidligere runde at starte fra"));

    let before = app.fingerprint();
    let fields = [
        ("csrf_token", csrf_from(&new)),
        ("year", "2017".to_owned()),
        ("title", "Status 2017".to_owned()),
        ("subject", "beskæftigelsesområdet".to_owned()),
        ("deadline", "2017-12-01T23:59".to_owned()),
        ("from_previous", "ja".to_owned()),
        ("municipality", "259".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = app.post(&agent, "/admin/rounds", &fields);
    assert_eq!(refused.status, 409);
    assert!(refused
        .text()
        .contains("KKR Sjælland har ingen statusrunde før 2017 at starte fra"));
    assert_eq!(app.fingerprint(), before, "nothing was created");

    let without_previous: Vec<(&str, &str)> = fields
        .iter()
        .copied()
        .filter(|(k, _)| *k != "from_previous")
        .collect();
    let created = app.post(&agent, "/admin/rounds", &without_previous);
    assert_eq!(created.status, 303, "{}", created.text());
    let id = id_from_location(&created, "/admin/rounds/");
    let round = content(&app, id);
    assert_eq!(round.round.state, RoundState::Draft);
    assert_eq!(
        round
            .municipalities
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>(),
        ["Køge"]
    );
}

#[test]
fn a_new_round_from_last_year_copies_the_set_linked_to_last_years_recommendations() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Admin);
    let id = create_2018(&app, &agent, &["155"]);
    let new = content(&app, id);
    let old = content(&app, ROUND_2017);
    assert_eq!(new.round.state, RoundState::Draft);
    assert_eq!(new.round.subject, "beskæftigelsesområdet");
    assert_eq!(
        new.round.deadline,
        chrono::NaiveDate::from_ymd_opt(2018, 12, 1)
            .unwrap()
            .and_hms_opt(22, 59, 0)
            .unwrap(),
        "23.59 Danish winter time"
    );
    assert_eq!(new.focus_areas.len(), 5);
    assert_eq!(new.recommendations.len(), 12);
    for rec in &new.recommendations {
        let from = old
            .recommendations
            .iter()
            .find(|r| Some(r.id) == rec.carried_from)
            .expect("linked to last year");
        assert_eq!(
            (from.code.as_str(), from.text.as_str()),
            (rec.code.as_str(), rec.text.as_str())
        );
    }
    assert_eq!(new.municipalities.len(), 28);
    assert!(!new.municipalities.iter().any(|m| m.code.as_str() == "155"));
    assert_eq!(round_actions(&app, id), ["create"]);

    let page = app.get(&agent, &format!("/admin/rounds/{id}")).text();
    assert!(page.contains("Under forberedelse"));
    assert_eq!(
        parse(&page).description("Deltagende kommuner").as_deref(),
        Some("28")
    );
    // A round being prepared is the secretariat's: the editors do not see it yet.
    let editor = app.signed_in(Role::Editor);
    assert!(!app
        .get(&editor, "/")
        .text()
        .contains("Status på anbefalingerne 2018"));
    assert_eq!(app.get(&editor, &format!("/rounds/{id}")).status, 403);
}

#[test]
fn bad_round_input_gets_danish_messages_with_the_input_kept() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Admin);
    let before = app.fingerprint();
    let page = app.get(&agent, "/admin/rounds/new").text();
    let response = app.post(
        &agent,
        "/admin/rounds",
        &[
            ("csrf_token", &csrf_from(&page)),
            ("year", "18"),
            ("title", "Min titel"),
            ("subject", ""),
            ("deadline", "snart"),
            ("municipality", "147"),
        ],
    );
    assert_eq!(response.status, 422);
    let text = response.text();
    assert!(text.contains("«18» er ikke et årstal mellem 2000 og 2100."));
    let doc = parse(&text);
    assert!(doc.has_text(
        "a[href=\"#subject\"]",
        "Skriv et emne, fx beskæftigelsesområdet."
    ));
    assert!(text.contains("«snart» kan ikke læses som dato og klokkeslæt"));
    assert!(doc.has("[value=\"Min titel\"]"), "the title is kept");
    assert!(doc.has("[value=\"snart\"]"), "the deadline is kept");
    assert_eq!(app.fingerprint(), before);

    let duplicate = post_new_round(&app, &agent, "2017", "x", false, &[]);
    assert_eq!(duplicate.status, 409);
    assert!(duplicate
        .text()
        .contains("KKR Hovedstaden har allerede en statusrunde for 2017."));
    assert_eq!(app.fingerprint(), before);
}

#[test]
fn the_set_is_adjusted_while_the_round_is_a_draft_every_change_audited() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Admin);
    let id = create_2018(&app, &agent, &[]);
    let set = app.get(&agent, &format!("/admin/rounds/{id}/set")).text();
    assert!(set.contains("Fortsætter 1.1 (2017)"));
    let token = csrf_from(&set);
    let rec = |code: &str| rec_id(&app, id, code);
    let area = |number: i32| {
        content(&app, id)
            .focus_areas
            .iter()
            .find(|a| a.number == number)
            .unwrap()
            .id
    };
    let ok = |response: Response| {
        assert_eq!(response.status, 303, "{}", response.text());
    };
    // Reword 1.1 and make it voluntary.
    ok(app.post(
        &agent,
        &format!("/admin/rounds/{id}/recommendations/{}", rec("1.1")),
        &[
            ("csrf_token", &token),
            ("action", "gem"),
            (
                "text",
                "Alle kommuner skal udvikle den fælles rekrutteringsservice",
            ),
            ("binding", "frivillig"),
            ("from", "anbefaling"),
        ],
    ));
    // Add a recommendation to focus area 2.
    ok(app.post(
        &agent,
        &format!("/admin/rounds/{id}/set/areas/{}/recommendations", area(2)),
        &[
            ("csrf_token", &token),
            ("text", "Alle kommuner skal tilbyde mentorer til unge"),
            ("binding", "forpligtende"),
        ],
    ));
    // Merge 2.3 into 2.2.
    let kept = rec("2.2");
    let absorbed = rec("2.3");
    ok(app.post(
        &agent,
        &format!("/admin/rounds/{id}/recommendations/{kept}"),
        &[
            ("csrf_token", &token),
            ("action", "saml"),
            ("other", &absorbed.to_string()),
            ("text", "Samlet anbefaling om borgerrettede indsatser"),
            ("from", "anbefaling"),
            ("confirmed", "ja"),
        ],
    ));
    // Retire 4.2, move 3.2 to focus area 4, move 5.3 up.
    ok(app.post(
        &agent,
        &format!("/admin/rounds/{id}/recommendations/{}", rec("4.2")),
        &[
            ("csrf_token", &token),
            ("action", "udgaar"),
            ("confirmed", "ja"),
        ],
    ));
    let moved = rec("3.2");
    ok(app.post(
        &agent,
        &format!("/admin/rounds/{id}/recommendations/{moved}"),
        &[
            ("csrf_token", &token),
            ("action", "flyt"),
            ("area", &area(4).to_string()),
            ("from", "anbefaling"),
            ("confirmed", "ja"),
        ],
    ));
    let up = rec("5.3");
    ok(app.post(
        &agent,
        &format!("/admin/rounds/{id}/recommendations/{up}"),
        &[("csrf_token", &token), ("action", "op")],
    ));
    // Add a focus area, rename it, move it up before focus area 5.
    ok(app.post(
        &agent,
        &format!("/admin/rounds/{id}/set/areas"),
        &[("csrf_token", &token), ("title", "Unge uden uddannelse")],
    ));
    let new_area = area(6);
    ok(app.post(
        &agent,
        &format!("/admin/rounds/{id}/set/areas/{new_area}"),
        &[
            ("csrf_token", &token),
            ("action", "omdoeb"),
            ("title", "Unge uden job og uddannelse"),
        ],
    ));
    ok(app.post(
        &agent,
        &format!("/admin/rounds/{id}/set/areas/{new_area}"),
        &[("csrf_token", &token), ("action", "op")],
    ));

    let after = content(&app, id);
    let described: Vec<(String, String, bool, bool)> = after
        .recommendations
        .iter()
        .map(|r| {
            (
                r.code.clone(),
                r.text.chars().take(30).collect(),
                r.binding,
                r.is_new(),
            )
        })
        .collect();
    let codes: Vec<&str> = described.iter().map(|d| d.0.as_str()).collect();
    assert_eq!(
        codes,
        ["1.1", "1.2", "2.1", "2.2", "2.3", "3.1", "4.1", "4.2", "6.1", "6.2", "6.3"],
        "numbered again in order"
    );
    let one_one = &after.recommendations[0];
    assert!(one_one
        .text
        .starts_with("Alle kommuner skal udvikle den fælles"));
    assert!(!one_one.binding);
    assert!(
        one_one.carried_from.is_some(),
        "a reworded one keeps its history"
    );
    let merged = after.recommendations.iter().find(|r| r.id == kept).unwrap();
    assert_eq!(merged.code, "2.2");
    assert_eq!(merged.text, "Samlet anbefaling om borgerrettede indsatser");
    assert_eq!(merged.merged_from.len(), 1, "2.3's history flows in");
    let mentors = &after.recommendations[4];
    assert!(mentors
        .text
        .starts_with("Alle kommuner skal tilbyde mentorer"));
    assert!(mentors.is_new());
    let in_four = after
        .recommendations
        .iter()
        .find(|r| r.id == moved)
        .unwrap();
    assert_eq!(in_four.code, "4.2");
    assert_eq!(
        after
            .focus_areas
            .iter()
            .map(|a| a.title.as_str())
            .collect::<Vec<_>>()[4],
        "Unge uden job og uddannelse"
    );
    assert!(after.recommendations.iter().all(|r| r.id != absorbed));

    assert_eq!(
        round_actions(&app, id),
        [
            "create",
            "update_recommendation",
            "add_recommendation",
            "merge_recommendations",
            "retire_recommendation",
            "move_recommendation",
            "move_recommendation",
            "add_focus_area",
            "rename_focus_area",
            "move_focus_area",
        ]
    );
    let history = app.get(&agent, &format!("/admin/rounds/{id}")).text();
    assert!(history.contains("Anbefalinger lagt sammen"));
    assert!(history.contains("Anne Admin"));
}

#[test]
fn the_set_is_frozen_once_the_round_opens_with_a_clear_message() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Admin);
    let id = create_2018(&app, &agent, &[]);
    // Opening needs a confirmation: the first post only asks.
    let page = app.get(&agent, &format!("/admin/rounds/{id}")).text();
    let asked = app.post(
        &agent,
        &format!("/admin/rounds/{id}/state"),
        &[("csrf_token", &csrf_from(&page)), ("to", "open")],
    );
    assert_eq!(asked.status, 200);
    assert!(asked.text().contains("Åbn runden?"));
    assert!(asked
        .text()
        .contains("Anbefalingerne og indsatsområderne låses"));
    assert_eq!(content(&app, id).round.state, RoundState::Draft);
    assert_eq!(step(&app, &agent, id, "open").status, 303);
    assert_eq!(content(&app, id).round.state, RoundState::Open);

    let set = app.get(&agent, &format!("/admin/rounds/{id}/set")).text();
    assert!(set.contains("Anbefalingerne er låst, fordi runden er åbnet"));
    assert!(!set.contains("Tilføj anbefaling"));
    let token = csrf_from(&set);
    let rec = rec_id(&app, id, "1.1");
    let other = rec_id(&app, id, "1.2");
    let area = content(&app, id).focus_areas[0].id;
    let before = app.fingerprint();
    let attempts: Vec<(String, Vec<(&str, String)>)> = vec![
        (
            format!("/admin/rounds/{id}/recommendations/{rec}"),
            vec![
                ("action", "gem".into()),
                ("text", "Ny tekst".into()),
                ("binding", "frivillig".into()),
            ],
        ),
        (
            format!("/admin/rounds/{id}/recommendations/{rec}"),
            vec![("action", "ned".into())],
        ),
        (
            format!("/admin/rounds/{id}/recommendations/{rec}"),
            vec![("action", "udgaar".into())],
        ),
        (
            format!("/admin/rounds/{id}/recommendations/{rec}"),
            vec![("action", "saml".into()), ("other", other.to_string())],
        ),
        (
            format!("/admin/rounds/{id}/set/areas/{area}/recommendations"),
            vec![("text", "Ny".into()), ("binding", "frivillig".into())],
        ),
        (
            format!("/admin/rounds/{id}/set/areas"),
            vec![("title", "Nyt område".into())],
        ),
        (
            format!("/admin/rounds/{id}/set/areas/{area}"),
            vec![("action", "omdoeb".into()), ("title", "Nyt navn".into())],
        ),
        (
            format!("/admin/rounds/{id}/set/areas/{area}"),
            vec![("action", "ned".into())],
        ),
    ];
    for (path, fields) in attempts {
        let mut all = vec![("csrf_token", token.clone())];
        all.extend(fields);
        let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = app.post(&agent, &path, &all);
        assert_eq!(response.status, 409, "{path}");
        assert!(
            response
                .text()
                .contains("Anbefalingerne er låst, fordi runden er åbnet: indsatsområder og anbefalinger kan kun ændres, mens runden er under forberedelse."),
            "{path}"
        );
    }
    assert_eq!(app.fingerprint(), before, "nothing changed");
}

#[test]
fn the_life_cycle_goes_one_confirmed_step_at_a_time_by_the_kkrs_admin() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Admin);
    let id = create_2018(&app, &agent, &[]);
    for role in [Role::Editor, Role::Kkr, Role::Reader] {
        let other = app.signed_in(role);
        let token = app.csrf(&other);
        let response = app.post(
            &other,
            &format!("/admin/rounds/{id}/state"),
            &[("csrf_token", &token), ("to", "open"), ("confirmed", "ja")],
        );
        assert_eq!(response.status, 403, "{role:?}");
        assert_eq!(app.get(&other, "/admin").status, 403);
    }
    assert_eq!(
        app.get(&client(), "/admin").status,
        303,
        "anonymous: sign in"
    );
    let skip = step(&app, &agent, id, "published");
    assert_eq!(skip.status, 409);
    assert!(skip.text().contains("ét trin ad gangen"));
    assert_eq!(step(&app, &agent, id, "open").status, 303);
    assert_eq!(step(&app, &agent, id, "closed").status, 303);
    assert_eq!(step(&app, &agent, id, "published").status, 303);
    assert_eq!(content(&app, id).round.state, RoundState::Published);
    let again = step(&app, &agent, id, "open");
    assert_eq!(again.status, 409, "no step after published");
    assert_eq!(
        round_actions(&app, id),
        // Publishing told the reader and the KKR's member.
        [
            "create",
            "set_state",
            "set_state",
            "set_state",
            "queue_notices"
        ]
    );
    let page = app.get(&agent, &format!("/admin/rounds/{id}")).text();
    assert!(page.contains("Fra «lukket» til «offentliggjort»"));
    assert!(page.contains("Runden er offentliggjort; der er ikke flere trin."));
}

#[test]
fn a_round_cannot_open_without_recommendations() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Admin);
    let response = post_new_round(&app, &agent, "2018", "socialområdet", false, &[]);
    let id = id_from_location(&response, "/admin/rounds/");
    let before = app.fingerprint();
    let refused = step(&app, &agent, id, "open");
    assert_eq!(refused.status, 409);
    assert!(refused
        .text()
        .contains("Runden har ingen anbefalinger endnu og kan ikke åbnes."));
    assert_eq!(app.fingerprint(), before);
}

#[test]
fn the_deadline_moves_while_open_and_closing_stops_editors() {
    let app = spawn_app();
    let form = "/rounds/2/municipalities/147/form";
    // Past the deadline: the editor cannot save. (Signed in after the clock moves: a sign-in
    // ends when the app clock passes its lifetime.)
    app.clock.advance(chrono::Duration::days(40));
    let admin = app.signed_in(Role::Admin);
    let editor = app.signed_in(Role::Editor);
    let page = app.get(&editor, form).text();
    assert!(page.contains("Runden tager ikke imod svar"));
    let late = app.post_fields(&editor, form, &form_fields(&page, "save", "green", "Sent"));
    assert_eq!(late.status, 409);

    // The admin moves the deadline past the (moved) clock.
    let new_deadline =
        trafiklys::domain::time::deadline_input(app.clock.now() + chrono::Duration::days(7));
    let round_page = app.get(&admin, "/admin/rounds/2").text();
    let moved = app.post(
        &admin,
        "/admin/rounds/2/deadline",
        &[
            ("csrf_token", &csrf_from(&round_page)),
            ("deadline", &new_deadline),
        ],
    );
    assert_eq!(moved.status, 303, "{}", moved.text());
    assert!(round_actions(&app, ROUND_2017).contains(&"set_deadline".to_owned()));
    let page = app.get(&editor, form).text();
    let saved = app.post_fields(&editor, form, &form_fields(&page, "save", "green", "Nu"));
    assert_eq!(saved.status, 303, "the editor may save again");

    // A bad deadline is explained, with the input kept.
    let bad = app.post(
        &admin,
        "/admin/rounds/2/deadline",
        &[
            ("csrf_token", &csrf_from(&round_page)),
            ("deadline", "31.2.2018"),
        ],
    );
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("value=\"31.2.2018\""));

    // Closing stops the editors (and everyone else) at once.
    assert_eq!(step(&app, &admin, ROUND_2017, "closed").status, 303);
    let page = app.get(&editor, form).text();
    assert!(page.contains("Runden tager ikke imod svar"));
    let closed = app.post_fields(
        &editor,
        form,
        &form_fields(&page, "submit", "green", "Lukket"),
    );
    assert_eq!(closed.status, 409);
    assert!(closed.text().contains("Intet er gemt"));
    let stored = app.submission(ROUND_2017, "147").unwrap();
    assert_eq!(stored.state, SubmissionState::Draft);
    assert!(stored.answers.iter().all(|a| a.comment == "Nu"));
    // The deadline cannot move once closed.
    let too_late = app.post(
        &admin,
        "/admin/rounds/2/deadline",
        &[
            ("csrf_token", &csrf_from(&round_page)),
            ("deadline", &new_deadline),
        ],
    );
    assert_eq!(too_late.status, 409);
    assert!(too_late
        .text()
        .contains("fristen kan kun flyttes, mens runden er under forberedelse eller åben"));
}

#[test]
fn an_admin_still_reopens_a_single_submission_after_the_deadline() {
    let app = spawn_app();
    let submitted = app.store_form(ROUND_2017, "147", SubmissionState::Submitted);
    app.clock.advance(chrono::Duration::days(40));
    // Signed in after the clock moves: a sign-in ends when the app clock passes its lifetime.
    let admin = app.signed_in(Role::Admin);
    let editor = app.signed_in(Role::Editor);
    let form = "/rounds/2/municipalities/147/form";
    let page = app.get(&admin, form).text();
    let reopened = app.post(
        &admin,
        "/rounds/2/municipalities/147/reopen",
        &[
            ("csrf_token", &csrf_from(&page)),
            ("version", &submitted.version.to_string()),
            ("reason", "Forkert svar på 1.1"),
        ],
    );
    assert_eq!(reopened.status, 303);
    let page = app.get(&editor, form).text();
    let saved = app.post_fields(
        &editor,
        form,
        &form_fields(&page, "submit", "yellow", "Rettet"),
    );
    assert_eq!(saved.status, 303, "{}", saved.text());
}

#[test]
fn a_municipality_left_out_is_not_counted_as_missing() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let id = create_2018(&app, &admin, &["147", "155"]);
    assert_eq!(step(&app, &admin, id, "open").status, 303);
    let kkr = app.signed_in(Role::Kkr);
    let dashboard = app.get(&kkr, &format!("/rounds/{id}")).text();
    assert!(dashboard.contains("0 af 27 kommuner har indsendt"));
    assert!(!dashboard.contains("Dragør"));
    let heatmap = app.get(&kkr, &format!("/rounds/{id}/heatmap")).text();
    assert!(!heatmap.contains("Frederiksberg"));
    let api = app
        .get(&kkr, &format!("/api/v1/rounds/{id}/responses"))
        .text();
    assert!(!api.contains("\"155\""));
    // Frederiksberg's editor has no form in it.
    let editor = app.signed_in(Role::Editor);
    assert_eq!(
        app.get(&editor, &format!("/rounds/{id}/municipalities/147/form"))
            .status,
        404
    );
    // ... and its home page says so instead of offering the form and the attachment.
    let home = app.get(&editor, "/").text();
    assert!(!home.contains(&format!("/rounds/{id}/municipalities/147/")));
    assert!(home.contains("Din kommune deltager ikke i denne runde."));
    assert!(home.contains(&format!("/rounds/{ROUND_2017}/municipalities/147/form")));
    // A municipality with a form cannot be left out afterwards.
    let ballerup = MunicipalityCode::parse("151").unwrap();
    let (admin_user, _) = users::find_by_email(&mut app.conn(), &app.email(Role::Admin))
        .unwrap()
        .unwrap();
    submissions::save(
        &mut app.conn(),
        &submissions::SaveSubmission {
            round_id: id,
            municipality_code: ballerup,
            base_version: 0,
            answers: Vec::new(),
            proposals: String::new(),
            state: SubmissionState::Draft,
        },
        admin_user.id,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    let page = app.get(&admin, &format!("/admin/rounds/{id}")).text();
    let before = app.fingerprint();
    let refused = app.post(
        &admin,
        &format!("/admin/rounds/{id}/participants"),
        &[("csrf_token", &csrf_from(&page)), ("municipality", "101")],
    );
    assert_eq!(refused.status, 409);
    assert!(refused
        .text()
        .contains("Ballerup har allerede et skema i runden og kan ikke tages ud."));
    assert_eq!(app.fingerprint(), before);
}

#[test]
fn a_published_round_is_public_without_sign_in_and_names_no_people() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let anonymous = client();
    assert_eq!(
        app.get(&anonymous, "/public/rounds/2").status,
        404,
        "not yet"
    );
    assert_eq!(
        app.get(&anonymous, "/public/rounds/2/answers.csv").status,
        404
    );
    assert_eq!(step(&app, &admin, ROUND_2017, "closed").status, 303);
    assert_eq!(
        app.get(&anonymous, "/public/rounds/2/answers.json").status,
        404
    );
    assert_eq!(step(&app, &admin, ROUND_2017, "published").status, 303);

    let people = [
        "Anne Admin",
        "Emma Editor",
        "Karsten KKR",
        "Rasmus Reader",
        ".example",
    ];
    let page = app.get(&anonymous, "/public/rounds/2");
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(
        text.contains("Fem af anbefalingerne er igangsat"),
        "the summary"
    );
    assert!(
        text.contains("Initiativer som er igangsat efter planen"),
        "the lists"
    );
    assert!(text.contains("Kommuner × anbefalinger"), "the heatmap");
    assert!(text.contains("Ballerup, 1.1:"), "municipalities are named");
    assert!(
        text.contains("Frederiksberg, 1.1: ikke indsendt"),
        "a draft is not shown"
    );
    assert!(text.contains("Klassifikation pr. statusrunde"), "the trend");
    for person in people {
        assert!(!text.contains(person), "{person} on the public page");
    }
    // The dashboard sends visitors without sign-in to the public page.
    let dashboard = app.get(&anonymous, "/rounds/2");
    assert_eq!(dashboard.location.as_deref(), Some("/public/rounds/2"));

    let csv = app.get(&anonymous, "/public/rounds/2/answers.csv");
    assert_eq!(csv.status, 200);
    assert!(csv.content_type.starts_with("text/csv"));
    let csv = csv.text();
    let submitted = rounds::load_round_data(&mut app.conn(), ROUND_2017)
        .unwrap()
        .unwrap()
        .submissions
        .iter()
        .filter(|s| s.is_submitted())
        .count();
    assert_eq!(submitted, 24);
    assert_eq!(
        csv.lines().count(),
        1 + submitted * 12,
        "submitted answers only"
    );
    assert!(csv.contains("Ballerup"));
    for person in people {
        assert!(!csv.contains(person), "{person} in the CSV");
    }
    let json = app.get(&anonymous, "/public/rounds/2/answers.json");
    assert_eq!(json.status, 200);
    let value: serde_json::Value = serde_json::from_slice(&json.bytes).unwrap();
    assert_eq!(value["round"]["year"], 2017);
    let answers = value["answers"].as_array().unwrap();
    assert_eq!(answers.len(), submitted * 12);
    assert_eq!(answers[0]["municipality"], "Albertslund");
    assert!(["green", "yellow", "red"].contains(&answers[0]["status"].as_str().unwrap()));
    for person in people {
        assert!(!json.text().contains(person), "{person} in the JSON");
    }
}

#[test]
fn a_merged_recommendation_carries_both_histories_and_last_years_answer() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    // Frederiksberg submits 2017 (all green), so its 2018 form has last year's answers.
    app.store_form(ROUND_2017, "147", SubmissionState::Submitted);
    let id = create_2018(&app, &admin, &[]);
    let (kept, absorbed) = (rec_id(&app, id, "1.1"), rec_id(&app, id, "1.2"));
    let page = app
        .get(
            &admin,
            &format!("/admin/rounds/{id}/recommendations/{kept}"),
        )
        .text();
    assert!(page.contains("Læg en anden anbefaling sammen med denne"));
    let merged = app.post(
        &admin,
        &format!("/admin/rounds/{id}/recommendations/{kept}"),
        &[
            ("csrf_token", &csrf_from(&page)),
            ("action", "saml"),
            ("other", &absorbed.to_string()),
            ("text", ""),
            ("from", "anbefaling"),
            ("confirmed", "ja"),
        ],
    );
    assert_eq!(merged.status, 303);
    let set = app.get(&admin, &format!("/admin/rounds/{id}/set")).text();
    assert!(set.contains("Fortsætter 1.1 (2017); lagt sammen med 1.2 (2017)"));
    assert_eq!(step(&app, &admin, id, "open").status, 303);

    let editor = app.signed_in(Role::Editor);
    let form = app
        .get(&editor, &format!("/rounds/{id}/municipalities/147/form"))
        .text();
    assert!(form.contains("Sidste år (2017)"));
    app.store_form(id, "101", SubmissionState::Submitted);

    let analysis = rounds::analyse_round(&mut app.conn(), id).unwrap().unwrap();
    let trend = analysis.trend.of_recommendation(kept).unwrap();
    assert!(!trend.is_new);
    let points: Vec<(i32, &str)> = trend
        .points
        .iter()
        .map(|p| (p.year, p.code.as_str()))
        .collect();
    assert_eq!(
        points,
        [
            (2016, "1.1"),
            (2016, "1.2"),
            (2017, "1.1"),
            (2017, "1.2"),
            (2018, "1.1")
        ],
        "both histories"
    );
    assert!(
        analysis.trend.retired.iter().all(|r| r.code != "1.2"),
        "merged, not retired: {:?}",
        analysis.trend.retired
    );
    // The recommendation page shows both histories to the KKR.
    let kkr = app.signed_in(Role::Kkr);
    let page = app
        .get(&kkr, &format!("/rounds/{id}/recommendations/{kept}"))
        .text();
    let doc = parse(&page);
    for (year, code) in [("2016", "1.2"), ("2017", "1.1"), ("2017", "1.2")] {
        assert!(
            doc.has_row_starting(&[year, code]),
            "{year} {code} in the history"
        );
    }
    assert_eq!(
        Status::Green,
        analysis
            .data
            .submission_of(&MunicipalityCode::parse("101").unwrap())
            .unwrap()
            .answer(kept)
            .unwrap()
            .status
            .unwrap()
    );
}

#[test]
fn proposals_become_focus_areas_of_next_years_draft_and_the_kkr_report_lists_them() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    // Fredensborg submits 2017 with a proposal.
    let stored = app.store_form(ROUND_2017, "210", SubmissionState::Draft);
    let (admin_user, _) = users::find_by_email(&mut app.conn(), &app.email(Role::Admin))
        .unwrap()
        .unwrap();
    submissions::save(
        &mut app.conn(),
        &submissions::SaveSubmission {
            round_id: ROUND_2017,
            municipality_code: MunicipalityCode::parse("210").unwrap(),
            base_version: stored.version,
            answers: stored.answers.clone(),
            proposals: "Indsats for borgere i jobafklaringsforløb\nMed fælles kurser.".into(),
            state: SubmissionState::Submitted,
        },
        admin_user.id,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    let page = app.get(&admin, "/admin/rounds/2/proposals").text();
    assert!(page.contains("Fredensborg"));
    assert!(page.contains("Indsats for borgere i jobafklaringsforløb"));
    assert!(
        page.contains("Frederiksberg"),
        "a draft's proposal shows to the admin"
    );
    assert!(page.contains("Et fælles indsatsområde om unge uden uddannelse."));
    assert!(page.contains("Opret næste års runde"));

    let draft = create_2018(&app, &admin, &[]);
    let page = app.get(&admin, "/admin/rounds/2/proposals").text();
    let submission = app.submission(ROUND_2017, "210").unwrap().id;
    assert!(page.contains("value=\"Indsats for borgere i jobafklaringsforløb\""));
    let adopted = app.post(
        &admin,
        &format!("/admin/rounds/2/proposals/{submission}/adopt"),
        &[
            ("csrf_token", &csrf_from(&page)),
            ("title", "Borgere i jobafklaringsforløb"),
        ],
    );
    assert_eq!(adopted.status, 303);
    assert_eq!(
        adopted.location.as_deref(),
        Some(format!("/admin/rounds/{draft}/set?ok=forslag").as_str())
    );
    let areas = content(&app, draft).focus_areas;
    assert_eq!(areas.len(), 6);
    assert_eq!(areas[5].title, "Borgere i jobafklaringsforløb");
    let page = app.get(&admin, "/admin/rounds/2/proposals").text();
    assert!(page.contains("Blev til Indsatsområde 6 i 2018: Borgere i jobafklaringsforløb"));
    assert!(round_actions(&app, draft).contains(&"adopt_proposal".to_owned()));

    let kkr = app.signed_in(Role::Kkr);
    let pdf = app.get(&kkr, "/rounds/2/kkr-report.pdf");
    assert_eq!(pdf.status, 200);
    let text = pdf_text(&pdf.bytes);
    assert!(text.contains("Forslag til nye indsatsområder"));
    // A table of municipality and proposal.
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(folded.contains("Fredensborg Indsats for borgere i jobafklaringsforløb"));
    assert!(
        !text.contains("unge uden uddannelse"),
        "a draft's proposal is not reported"
    );
}

#[test]
fn the_council_and_the_subject_are_named_in_the_agenda_item() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let agenda = app
        .get(&admin, "/rounds/2/municipalities/147/agenda.txt")
        .text();
    assert!(agenda.contains("Kompetence\n\nKommunalbestyrelsen."));
    assert!(agenda.contains("samarbejde på beskæftigelsesområdet godkendes"));

    let page = app.get(&admin, "/admin/municipalities").text();
    assert!(page.contains("value=\"Borgerrepræsentationen\""));
    let saved = app.post(
        &admin,
        "/admin/municipalities/147/council",
        &[
            ("csrf_token", &csrf_from(&page)),
            ("council_name", "Byrådet"),
        ],
    );
    assert_eq!(saved.status, 303);
    let agenda = app
        .get(&admin, "/rounds/2/municipalities/147/agenda.txt")
        .text();
    assert!(agenda.contains("Kompetence\n\nByrådet."));
    let empty = app.post(
        &admin,
        "/admin/municipalities/147/council",
        &[("csrf_token", &csrf_from(&page)), ("council_name", " ")],
    );
    assert_eq!(empty.status, 422);
    // Another KKR's municipality is not this admin's to name.
    let other = app.post(
        &admin,
        "/admin/municipalities/751/council",
        &[("csrf_token", &csrf_from(&page)), ("council_name", "Rådet")],
    );
    assert_eq!(other.status, 403);

    // A round on another policy area says so, and nothing about employment.
    let created = post_new_round(
        &app,
        &admin,
        "2018",
        "det specialiserede socialområde",
        false,
        &[],
    );
    let id = id_from_location(&created, "/admin/rounds/");
    let token = csrf_from(&app.get(&admin, &format!("/admin/rounds/{id}/set")).text());
    app.post(
        &admin,
        &format!("/admin/rounds/{id}/set/areas"),
        &[("csrf_token", &token), ("title", "Fælles tilbud")],
    );
    let area = content(&app, id).focus_areas[0].id;
    app.post(
        &admin,
        &format!("/admin/rounds/{id}/set/areas/{area}/recommendations"),
        &[
            ("csrf_token", &token),
            ("text", "Alle kommuner skal bruge de fælles tilbud"),
            ("binding", "forpligtende"),
        ],
    );
    assert_eq!(step(&app, &admin, id, "open").status, 303);
    let agenda = app
        .get(
            &admin,
            &format!("/rounds/{id}/municipalities/147/agenda.txt"),
        )
        .text();
    assert!(agenda.contains("samarbejde på det specialiserede socialområde"));
    assert!(!agenda.to_lowercase().contains("beskæftigelse"), "{agenda}");
    let pdf = app.get(
        &admin,
        &format!("/rounds/{id}/municipalities/147/attachment.pdf"),
    );
    let text = pdf_text(&pdf.bytes);
    assert!(text.contains("Byrådet"), "the attachment names the council");
    assert!(text.contains("det specialiserede socialområde"));
}

#[test]
fn another_kkrs_admin_cannot_see_or_change_a_round() {
    let app = spawn_app();
    let mut conn = app.conn();
    let sjaelland = reference::kkr_by_name(&mut conn, "KKR Sjælland")
        .unwrap()
        .unwrap();
    let password = "sjaelland-admin-kodeord";
    users::create_user(
        &mut conn,
        &users::NewUser {
            email: "admin@kkr-sjaelland.example".into(),
            name: "Sjælland".into(),
            role: Role::Admin,
            kkr_id: Some(sjaelland),
            municipality_code: None,
        },
        &trafiklys::password::hash(password).unwrap(),
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    let agent = app.signed_in_as("admin@kkr-sjaelland.example", password);
    let token = app.csrf(&agent);
    let before = app.fingerprint();
    for path in [
        "/admin/rounds/2",
        "/admin/rounds/2/set",
        "/admin/rounds/2/import",
    ] {
        assert_eq!(app.get(&agent, path).status, 403, "{path}");
    }
    let response = app.post(
        &agent,
        "/admin/rounds/2/state",
        &[
            ("csrf_token", &token),
            ("to", "closed"),
            ("confirmed", "ja"),
        ],
    );
    assert_eq!(response.status, 403);
    assert_eq!(app.fingerprint(), before);
    assert!(!app.get(&agent, "/admin").text().contains("2017"));
}

/// Every demo user's name and email, as the database holds them.
fn people(app: &TestApp) -> Vec<String> {
    let mut out = Vec::new();
    for role in [Role::Admin, Role::Kkr, Role::Editor, Role::Reader] {
        let (user, _) = trafiklys::store::users::find_by_email(&mut app.conn(), &app.email(role))
            .unwrap()
            .unwrap();
        // The name as written, and its first two words (a document may break the line there).
        let first_words: Vec<&str> = user.name.split_whitespace().take(2).collect();
        out.push(user.name.clone());
        out.push(first_words.join(" "));
        out.push(user.email.clone());
    }
    out
}

fn assert_names_nobody(people: &[String], what: &str, text: &str) {
    for person in people {
        assert!(!text.contains(person.as_str()), "{person} in {what}");
    }
}

#[test]
fn no_anonymous_route_or_public_document_names_a_person() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    assert_eq!(step(&app, &admin, ROUND_2017, "closed").status, 303);
    assert_eq!(step(&app, &admin, ROUND_2017, "published").status, 303);
    let people = people(&app);

    // The data does name people: the KKR's admin sees who submitted.
    let signed_in = app.get(&admin, "/api/v1/rounds/2/responses").text();
    assert!(
        people.iter().any(|p| signed_in.contains(p.as_str())),
        "the admin sees who submitted: {signed_in}"
    );

    let anonymous = client();
    let routes = [
        "/",
        "/rounds/2",
        "/rounds/2/chart.svg",
        "/years/2017",
        "/years/2016",
        "/public/rounds/1",
        "/public/rounds/2",
        "/public/rounds/2/answers.csv",
        "/public/rounds/2/answers.csv?sep=semikolon",
        "/public/rounds/2/answers.json",
        "/api/v1/openapi.json",
        "/api/v1/rounds",
        "/api/v1/rounds/1/summary",
        "/api/v1/rounds/2/summary",
        "/api/v1/rounds/2/responses",
        "/api/v1/rounds/1/responses",
        "/api/v1/rounds/2/municipalities/147/submission",
        "/tilgaengelighed",
        "/kontakt",
        "/privatliv",
        "/login",
        "/healthz",
        "/metrics",
    ];
    for route in routes {
        let response = app.get(&anonymous, route);
        assert!(response.status < 500, "{route}: {}", response.status);
        assert_names_nobody(&people, route, &response.text());
    }
    let responses: serde_json::Value =
        serde_json::from_slice(&app.get(&anonymous, "/api/v1/rounds/2/responses").bytes).unwrap();
    let entries = responses["municipalities"].as_array().unwrap();
    assert!(entries.iter().any(|m| m["response"] == "submitted"));
    assert!(entries.iter().all(|m| m["submitted_by"].is_null()));

    // The documents that go on a council's public agenda name the municipality, not the
    // employee who submitted.
    // Ballerup submitted (Frederiksberg's 2017 form is a draft in the demo).
    let reader = admin;
    let base = "/rounds/2/municipalities/151";
    let pdf = app.get(&reader, &format!("{base}/attachment.pdf"));
    assert_eq!(pdf.status, 200);
    let text = pdf_text(&pdf.bytes)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("Indsendt af Ballerup Kommune"), "{text}");
    assert_names_nobody(&people, "the attachment", &text);
    let plain = app.get(&reader, &format!("{base}/agenda.txt"));
    assert_eq!(plain.status, 200);
    assert_names_nobody(&people, "the agenda text", &plain.text());
    let docx = app.get(&reader, &format!("{base}/agenda.docx"));
    assert_eq!(docx.status, 200);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx.bytes)).unwrap();
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).unwrap();
        let name = part.name().unwrap().to_string();
        let mut text = String::new();
        if std::io::Read::read_to_string(&mut part, &mut text).is_ok() {
            assert_names_nobody(&people, &name, &text);
        }
    }
}
