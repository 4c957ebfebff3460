//! The stored form page from the page cache: each editor sees their own name and token, a
//! save shows in the next request, and the deadline passing changes the page at once.

use crate::helpers::*;
use trafiklys::domain::{MunicipalityCode, Role, Status, SubmissionState};
use trafiklys::store::{rounds, users};

const FORM: &str = "/rounds/2/municipalities/147/form";
const PASSWORD: &str = "en-lang-adgangskode-til-test";

/// (hits, misses) of the page cache from /metrics.
pub(crate) fn page_lookups(app: &TestApp) -> (u64, u64) {
    let text = app.get(&client(), "/metrics").text();
    let of = |label: &str| {
        let prefix = format!("trafiklys_page_cache_lookups_total{{result=\"{label}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    };
    (of("hit"), of("miss"))
}

/// Another editor of Frederiksberg, signed in.
fn second_editor(app: &TestApp, name: &str) -> ureq::Agent {
    let mut conn = app.conn();
    let kkr_id = users::find_by_email(&mut conn, &app.email(Role::Editor))
        .unwrap()
        .unwrap()
        .0
        .kkr_id;
    users::create_user(
        &mut conn,
        &users::NewUser {
            email: "anden@frederiksberg.example".into(),
            name: name.into(),
            role: Role::Editor,
            kkr_id,
            municipality_code: Some(MunicipalityCode::parse("147").unwrap()),
        },
        &trafiklys::password::hash(PASSWORD).unwrap(),
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    app.signed_in_as("anden@frederiksberg.example", PASSWORD)
}

#[test]
fn editors_of_one_municipality_each_get_their_own_name_and_token_on_the_cached_form() {
    let app = spawn_app();
    let first = app.signed_in(Role::Editor);
    let second = second_editor(&app, "Søren <Søndergaard>");
    let one = app.get(&first, FORM);
    assert_eq!(one.status, 200);
    let before = page_lookups(&app);
    let two = app.get(&second, FORM);
    assert_eq!(two.status, 200);
    let after = page_lookups(&app);
    assert_eq!(
        after.0,
        before.0 + 1,
        "the second form page came from the cache"
    );
    let (one, two) = (one.text(), two.text());
    assert!(two.contains("Søren &lt;Søndergaard&gt;"));
    assert!(!one.contains("Søndergaard"));
    assert!(!one.contains("tlslot") && !two.contains("tlslot"));
    assert_eq!(csrf_from(&one), app.csrf(&first));
    assert_eq!(csrf_from(&two), app.csrf(&second));
    assert_ne!(csrf_from(&one), csrf_from(&two));
}

#[test]
fn a_save_shows_in_the_next_form_page() {
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    assert_eq!(app.get(&editor, FORM).status, 200);
    app.store_answers(ROUND_2017, "147", SubmissionState::Draft, "", |_| {
        (Status::Yellow, "Skrevet lige nu".to_owned())
    });
    let page = app.get(&editor, FORM).text();
    assert!(page.contains("Skrevet lige nu"));
}

/// Last year's answers on this year's form come from the cache of last year's round, kept
/// under that round's change marker: a change to last year's form shows at the next request.
#[test]
fn a_change_to_last_years_form_shows_on_this_years_form_at_once() {
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    let before = app.get(&editor, FORM).text();
    assert!(before.contains("Sidste år (2016"), "{before}");
    app.store_answers(ROUND_2016, "147", SubmissionState::Submitted, "", |_| {
        (Status::Red, "Rettet i 2016-skemaet".to_owned())
    });
    let after = app.get(&editor, FORM).text();
    assert!(!before.contains("Rettet i 2016-skemaet"));
    assert!(after.contains("Rettet i 2016-skemaet"), "{after}");
}

#[test]
fn the_deadline_passing_closes_the_cached_form_at_once() {
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    let deadline = app.clock.now() + chrono::Duration::minutes(30);
    rounds::set_deadline(&mut app.conn(), ROUND_2017, deadline, None, app.clock.now())
        .expect("deadline");
    let open = app.get(&editor, FORM).text();
    assert!(!open.contains(" disabled"), "open: the fields take answers");
    assert!(app.get(&editor, FORM).text() == open, "the same page again");
    app.clock.advance(chrono::Duration::minutes(31));
    let closed = app.get(&editor, FORM).text();
    assert!(
        closed.contains(" disabled"),
        "closed: the fields are read-only"
    );
}
