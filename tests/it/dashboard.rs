use crate::helpers::*;
use trafiklys::domain::Role;

const SEED_SENTENCE: &str = "Fem af anbefalingerne er igangsat, tre anbefalinger er i proces, og fire anbefalinger er endnu ikke igangsat.";

fn figures(page: &str) -> Vec<String> {
    page.match_indices("<span class=\"figure\">")
        .map(|(i, m)| {
            page[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect()
        })
        .collect()
}

#[test]
fn the_demo_dashboard_for_2017_shows_five_three_four() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Kkr);
    let response = app.get(&agent, &format!("/rounds/{ROUND_2017}"));
    assert_eq!(response.status, 200);
    let page = response.text();
    assert!(page.contains(SEED_SENTENCE));
    assert_eq!(figures(&page), vec!["5", "3", "4"]);
    assert!(page.contains("24 af 29 kommuner har indsendt"));
    assert!(page.contains("Initiativer som er igangsat efter planen (5)"));
    assert!(page.contains("Initiativer som er i proces (3)"));
    assert!(page.contains("Initiativer som endnu ikke er igangsat (4)"));
    // Status is never colour alone: the symbol and the word stand beside it.
    assert!(page.contains("✔</span> Igangsat efter planen"));
    assert!(page.contains("<svg"));
    assert!(page.contains("role=\"img\""));
}

#[test]
fn the_2016_round_has_four_focus_areas_and_eleven_recommendations() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Admin);
    let page = app.get(&agent, &format!("/rounds/{ROUND_2016}")).text();
    assert_eq!(
        page.matches("<caption>").count() - 1,
        4,
        "four focus area tables"
    );
    assert!(
        !page.contains("flygtninge"),
        "the refugee area came in 2017"
    );
    assert_eq!(page.matches("<th scope=\"row\">").count() - 29, 11);
}

#[test]
fn a_kkr_member_of_another_kkr_may_not_see_the_round() {
    let app = spawn_app();
    let mut conn = app.conn();
    let other = trafiklys::store::reference::kkr_by_name(&mut conn, "KKR Sjælland")
        .unwrap()
        .unwrap();
    trafiklys::store::users::create_user(
        &mut conn,
        &trafiklys::store::users::NewUser {
            email: "member@sjaelland.example".into(),
            name: "Sjælland".into(),
            role: Role::Kkr,
            kkr_id: Some(other),
            municipality_code: None,
        },
        &trafiklys::password::hash("en-lang-adgangskode").unwrap(),
        None,
    )
    .unwrap();
    let agent = client();
    let token = csrf_from(&app.get(&agent, "/login").text());
    app.post(
        &agent,
        "/login",
        &[
            ("email", "member@sjaelland.example"),
            ("password", "en-lang-adgangskode"),
            ("csrf_token", &token),
        ],
    );
    assert_eq!(
        app.get(&agent, &format!("/rounds/{ROUND_2017}")).status,
        403
    );
}

#[test]
fn chart_downloads_are_svg_and_png() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Kkr);
    let svg = app.get(&agent, &format!("/rounds/{ROUND_2017}/chart.svg"));
    assert_eq!(svg.status, 200);
    assert_eq!(svg.content_type, "image/svg+xml");
    assert!(svg.text().contains("<title id=\"fordeling-title\">"));
    let png = app.get(&agent, &format!("/rounds/{ROUND_2017}/chart.png"));
    assert_eq!(png.status, 200);
    assert_eq!(&png.bytes[..4], b"\x89PNG");
}

#[test]
fn unknown_pages_and_rounds_are_a_danish_404() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Kkr);
    let missing = app.get(&agent, "/rounds/999");
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("Siden findes ikke"));
    assert_eq!(app.get(&agent, "/no/such/page").status, 404);
}
