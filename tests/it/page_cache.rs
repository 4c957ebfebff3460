//! Cached pages: rendered once per viewer class and data version, but every person sees their
//! own name and token, every write shows at once, and no class sees another's content.

use crate::form_cache::page_lookups;
use crate::helpers::*;
use trafiklys::domain::{MunicipalityCode, Role, SubmissionState};
use trafiklys::store::{rounds, users};

const PASSWORD: &str = "en-lang-adgangskode-til-test";

/// A second user of the demo KKR with this role and name, signed in.
fn another(app: &TestApp, role: Role, email: &str, name: &str) -> ureq::Agent {
    let mut conn = app.conn();
    let kkr_id = users::find_by_email(&mut conn, &app.email(Role::Admin))
        .unwrap()
        .unwrap()
        .0
        .kkr_id;
    users::create_user(
        &mut conn,
        &users::NewUser {
            email: email.into(),
            name: name.into(),
            role,
            kkr_id,
            municipality_code: None,
        },
        &trafiklys::password::hash(PASSWORD).unwrap(),
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    app.signed_in_as(email, PASSWORD)
}

/// The token of the sign-out form in the page header.
fn header_token(page: &str) -> String {
    let form = page.find("action=\"/logout\"").expect("a sign-out form");
    csrf_from(&page[form..])
}

#[test]
fn two_people_of_the_same_role_each_see_their_own_name_and_token_on_cached_pages() {
    let app = spawn_app();
    let anna = another(&app, Role::Kkr, "anna@kkr.example", "Anna <Æbelø> & Co");
    let bo = another(&app, Role::Kkr, "bo@kkr.example", "Bo Ørsted");
    let admin_a = another(&app, Role::Admin, "ida@kkr.example", "Ida Admin");
    let admin_b = another(&app, Role::Admin, "jens@kkr.example", "Jens Admin");
    let token_of = |agent: &ureq::Agent| header_token(&app.get(agent, "/account").text());
    for path in [
        format!("/rounds/{ROUND_2017}"),
        format!("/rounds/{ROUND_2017}/heatmap"),
    ] {
        let (first, second) = if path.ends_with("heatmap") {
            ((&admin_a, "Ida Admin"), (&admin_b, "Jens Admin"))
        } else {
            ((&anna, "Anna &lt;Æbelø&gt; &amp; Co"), (&bo, "Bo Ørsted"))
        };
        // The first request renders the page; the second is served from the cache.
        let page_one = app.get(first.0, &path);
        let page_two = app.get(second.0, &path);
        assert_eq!(page_one.status, 200, "{path}");
        assert_eq!(page_two.status, 200, "{path}");
        let (one, two) = (page_one.text(), page_two.text());
        assert!(one.contains(first.1), "{path}: the first sees their name");
        assert!(two.contains(second.1), "{path}: the second sees their name");
        assert!(!two.contains(first.1), "{path}: not the first one's name");
        assert!(!one.contains(second.1), "{path}: not the second one's name");
        assert!(!one.contains("tlslot") && !two.contains("tlslot"));
        assert_eq!(header_token(&one), token_of(first.0), "{path}");
        assert_eq!(header_token(&two), token_of(second.0), "{path}");
        assert_ne!(header_token(&one), header_token(&two), "{path}");
        // Asked again, the first person still gets their own page from the cache.
        let again = app.get(first.0, &path).text();
        assert!(
            again.contains(first.1) && !again.contains(second.1),
            "{path}"
        );
    }
    // The token served from the cache works: signing out with it ends the session.
    let token = header_token(&app.get(&bo, &format!("/rounds/{ROUND_2017}")).text());
    let out = app.post(&bo, "/logout", &[("csrf_token", &token)]);
    assert_eq!(out.status, 303);
    assert_ne!(app.get(&bo, &format!("/rounds/{ROUND_2017}")).status, 200);
}

#[test]
fn a_save_shows_in_the_next_dashboard_and_heatmap() {
    let app = spawn_app();
    let kkr = app.signed_in(Role::Kkr);
    let admin = app.signed_in(Role::Admin);
    let dashboard = format!("/rounds/{ROUND_2017}");
    let heatmap = format!("/rounds/{ROUND_2017}/heatmap");
    assert!(app
        .get(&kkr, &dashboard)
        .text()
        .contains("24 af 29 kommuner har indsendt"));
    let before = app.get(&admin, &heatmap).text();
    // Served from the cache, still the same.
    assert!(app
        .get(&kkr, &dashboard)
        .text()
        .contains("24 af 29 kommuner har indsendt"));
    let code = app.not_submitted(ROUND_2017);
    app.store_form(ROUND_2017, &code, SubmissionState::Submitted);
    let after = app.get(&kkr, &dashboard).text();
    assert!(
        after.contains("25 af 29 kommuner har indsendt"),
        "the next request shows the new figure"
    );
    let heat_after = app.get(&admin, &heatmap).text();
    assert_ne!(before, heat_after, "the heatmap shows the new answers");
    let name = trafiklys::store::reference::get_municipality(
        &mut app.conn(),
        &MunicipalityCode::parse(&code).unwrap(),
    )
    .unwrap()
    .unwrap()
    .name;
    assert!(heat_after.contains(&format!("{name}, 1.1: Igangsat efter planen")));
}

#[test]
fn what_an_admin_sees_is_never_served_to_a_kkr_member_and_drafts_show_to_no_one() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let kkr = app.signed_in(Role::Kkr);
    let reader = app.signed_in(Role::Reader);
    let dashboard = format!("/rounds/{ROUND_2017}");
    let code = app.not_submitted(ROUND_2017);
    // A draft with a comment only its own municipality may read.
    let draft = app.store_form(ROUND_2017, &code, SubmissionState::Draft);
    let secret = "Hemmelig kladdekommentar 4711";
    let mut answers = draft.answers.clone();
    answers[0].comment = secret.into();
    trafiklys::store::submissions::save(
        &mut app.conn(),
        &trafiklys::store::submissions::SaveSubmission {
            round_id: ROUND_2017,
            municipality_code: MunicipalityCode::parse(&code).unwrap(),
            base_version: draft.version,
            answers,
            proposals: String::new(),
            state: SubmissionState::Draft,
        },
        users::find_by_email(&mut app.conn(), &app.email(Role::Admin))
            .unwrap()
            .unwrap()
            .0
            .id,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    // The admin's page (with the tracker of editors to remind) is rendered first.
    let admin_page = app.get(&admin, &dashboard).text();
    assert!(admin_page.contains("Mangler at indsende"));
    for (who, agent) in [("kkr", &kkr), ("reader", &reader)] {
        let page = app.get(agent, &dashboard);
        assert_eq!(page.status, 200, "{who}");
        let page = page.text();
        assert!(!page.contains("Mangler at indsende"), "{who}");
        assert!(!page.contains("Redaktørernes e-mailadresser"), "{who}");
        assert!(!page.contains("Administrér runden"), "{who}");
        assert!(page.contains("24 af 29 kommuner har indsendt"), "{who}");
    }
    for (who, agent) in [("admin", &admin), ("kkr", &kkr), ("reader", &reader)] {
        let page = app.get(agent, &dashboard).text();
        assert!(!page.contains(secret), "{who}: the draft's comment");
    }
    // A reader may not see the heatmap, cached for others or not.
    assert!(app.get(&admin, &format!("{dashboard}/heatmap")).status == 200);
    assert_eq!(
        app.get(&reader, &format!("{dashboard}/heatmap")).status,
        403
    );
    let heat = app.get(&admin, &format!("{dashboard}/heatmap")).text();
    assert!(!heat.contains(secret), "drafts are not in the heatmap");
}

#[test]
fn the_chart_download_is_the_chart_on_the_dashboard() {
    let app = spawn_app();
    let kkr = app.signed_in(Role::Kkr);
    let page = app.get(&kkr, &format!("/rounds/{ROUND_2017}")).text();
    let download = app
        .get(&kkr, &format!("/rounds/{ROUND_2017}/chart.svg"))
        .text();
    assert!(download.starts_with("<svg") || download.contains("<svg"));
    assert!(page.contains(download.trim()), "the same drawing");
    let trend = app
        .get(
            &kkr,
            &format!("/rounds/{ROUND_2017}/chart.svg?diagram=udvikling"),
        )
        .text();
    assert!(page.contains(trend.trim()));
    assert_ne!(download, trend);
}

#[test]
fn a_dashboard_from_the_cache_sends_no_new_session_cookie_and_the_idle_stamp_stays() {
    let app = spawn_app();
    let kkr = app.signed_in(Role::Kkr);
    let dashboard = format!("/rounds/{ROUND_2017}");
    let first = app.get(&kkr, &dashboard);
    assert_eq!(first.status, 200);
    let cached = app.get(&kkr, &dashboard);
    assert_eq!(cached.status, 200);
    assert!(cached.text().contains("24 af 29 kommuner har indsendt"));
    assert_eq!(
        cached.header("set-cookie"),
        None,
        "nothing in the session changed, so the cookie is not sent again"
    );
}

#[test]
fn a_cached_dashboard_is_not_served_to_someone_deactivated_since() {
    let app = spawn_app();
    let anna = another(&app, Role::Kkr, "anna@kkr.example", "Anna Andersen");
    let bo = another(&app, Role::Kkr, "bo@kkr.example", "Bo Ørsted");
    let dashboard = format!("/rounds/{ROUND_2017}");
    assert!(app.get(&anna, &dashboard).text().contains("Anna Andersen"));
    assert!(app.get(&bo, &dashboard).text().contains("Bo Ørsted"));
    let mut conn = app.conn();
    let bo_id = users::find_by_email(&mut conn, "bo@kkr.example")
        .unwrap()
        .unwrap()
        .0
        .id;
    let admin_id = users::find_by_email(&mut conn, &app.email(Role::Admin))
        .unwrap()
        .unwrap()
        .0
        .id;
    assert!(users::deactivate(
        &mut conn,
        bo_id,
        admin_id,
        trafiklys::clock::Clock::system().now()
    )
    .unwrap());
    drop(conn);
    // Anna's request fills the cache again at the new version.
    assert!(app.get(&anna, &dashboard).text().contains("Anna Andersen"));
    let refused = app.get(&bo, &dashboard);
    assert_ne!(refused.status, 200);
    assert!(!refused.text().contains("kommuner har indsendt"));
}

/// The data version and the shown marker.
fn markers(app: &TestApp) -> (i64, i64) {
    let mut conn = app.conn();
    (
        trafiklys::store::data_version(&mut conn).unwrap(),
        trafiklys::store::shown_version(&mut conn).unwrap(),
    )
}

/// Saves a municipality's form through the form page, as `editor` would: every answer green
/// with `comment`, `action` "save" (a draft) or "submit".
fn save_through_the_form(
    app: &TestApp,
    editor: &ureq::Agent,
    code: &str,
    action: &str,
    comment: &str,
) {
    let path = format!("/rounds/{ROUND_2017}/municipalities/{code}/form");
    let form = app.get(editor, &path).text();
    let saved = app.post_fields(editor, &path, &form_fields(&form, action, "green", comment));
    assert_eq!(saved.status, 303, "{}", saved.text());
}

#[test]
fn a_draft_saved_again_leaves_the_dashboard_cached_and_every_other_save_shows_at_once() {
    let app = spawn_app();
    let kkr = app.signed_in(Role::Kkr);
    let editor = app.signed_in(Role::Editor);
    let dashboard = format!("/rounds/{ROUND_2017}");
    let first = app.get(&kkr, &dashboard).text();
    assert!(first.contains("24 af 29 kommuner har indsendt"));
    assert_eq!(
        app.submission(ROUND_2017, "147").map(|s| s.state),
        Some(SubmissionState::Draft),
        "Frederiksberg's 2017 form is a draft in the demo"
    );

    // A draft saved as a draft, through the form writer: the data moved, the shown marker
    // did not, and the dashboard is sent from the cache as it was.
    let (data, shown) = markers(&app);
    save_through_the_form(&app, &editor, "147", "save", "Stadig en kladde");
    let (data_after, shown_after) = markers(&app);
    assert!(data_after > data, "the save is a write");
    assert_eq!(shown_after, shown, "a draft's contents are not shown");
    let before = page_lookups(&app);
    assert_eq!(app.get(&kkr, &dashboard).text(), first);
    let after = page_lookups(&app);
    assert_eq!(
        (after.0 - before.0, after.1 - before.1),
        (1, 0),
        "sent from the cache"
    );

    // The page kept through the draft's save is the page rendered afresh: a write that shows
    // nothing new moves the shown marker, and the dashboard rendered again is the same.
    trafiklys::store::write_tx(&mut app.conn(), |_| Ok::<(), diesel::result::Error>(())).unwrap();
    let before = page_lookups(&app);
    assert_eq!(app.get(&kkr, &dashboard).text(), first);
    assert_eq!(page_lookups(&app).1, before.1 + 1, "rendered again");

    // A form that appears (its first save, a draft) shows at once.
    let code = rounds::participants(&mut app.conn(), ROUND_2017)
        .unwrap()
        .into_iter()
        .map(|m| m.code.to_string())
        .find(|code| app.submission(ROUND_2017, code).is_none())
        .expect("a municipality without a form in 2017");
    let newcomer = editor_of(&app, &code);
    save_through_the_form(&app, &newcomer, &code, "save", "Første kladde");
    assert!(markers(&app).1 > shown_after, "a new form is shown");
    let drafts = |page: &str| page.matches("Kladde").count();
    assert_eq!(
        drafts(&app.get(&kkr, &dashboard).text()),
        drafts(&first) + 1,
        "the new draft is listed"
    );

    // A draft submitted shows at once.
    save_through_the_form(&app, &editor, "147", "submit", "Indsendt nu");
    assert!(app
        .get(&kkr, &dashboard)
        .text()
        .contains("25 af 29 kommuner har indsendt"));
}

/// A new editor of the municipality `code`, signed in.
fn editor_of(app: &TestApp, code: &str) -> ureq::Agent {
    let email = format!("redaktoer-{code}@kommune.example");
    users::create_user(
        &mut app.conn(),
        &users::NewUser {
            email: email.clone(),
            name: "Ny Redaktør".into(),
            role: Role::Editor,
            kkr_id: None,
            municipality_code: Some(MunicipalityCode::parse(code).unwrap()),
        },
        &trafiklys::password::hash(PASSWORD).unwrap(),
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    app.signed_in_as(&email, PASSWORD)
}
