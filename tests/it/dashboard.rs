use crate::helpers::*;
use trafiklys::domain::Role;

const SEED_SENTENCE: &str = "Fem af anbefalingerne er igangsat, tre anbefalinger er i proces, og fire anbefalinger er endnu ikke igangsat.";

fn figures(page: &str) -> Vec<String> {
    parse(page)
        .texts("span.figure")
        .iter()
        .map(|figure| figure.chars().take_while(char::is_ascii_digit).collect())
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
    let doc = parse(&page);
    assert!(doc.has("svg"));
    assert!(doc.has("[role=\"img\"]"));
}

#[test]
fn the_2016_round_has_four_focus_areas_and_eleven_recommendations() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Admin);
    let page = app.get(&agent, &format!("/rounds/{ROUND_2016}")).text();
    let doc = parse(&page);
    assert_eq!(doc.count("table.distribution"), 4, "four focus area tables");
    assert!(
        !page.contains("flygtninge"),
        "the refugee area came in 2017"
    );
    assert_eq!(doc.count("a[href^=\"/rounds/1/recommendations/\"]"), 11);
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
        trafiklys::clock::Clock::system().now(),
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
    assert!(parse(&svg.text()).has("title#fordeling-title"));
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

#[test]
fn the_dashboard_shows_the_trend_from_2016_and_what_2017_retired() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Kkr);
    let page = app.get(&agent, &format!("/rounds/{ROUND_2017}")).text();
    assert!(page.contains("Udvikling over årene"));
    // 2016: 5 green, 3 yellow, 3 red of eleven; 2017: the seed's 5 / 3 / 4.
    let doc = parse(&page);
    let trend = doc.rows("table:has(> caption#tbl-trend-table)");
    assert!(trend
        .iter()
        .any(|row| row.starts_with(&["2016", "5", "3", "3"].map(String::from))));
    assert!(trend
        .iter()
        .any(|row| row.starts_with(&["2017", "5", "3", "4"].map(String::from))));
    assert!(page.contains("Anbefalinger fra 2016, som ikke er videreført"));
    assert!(page.contains("1.3 Alle kommuner skal bidrage til en fælles indgang"));
    assert!(page.contains("2.4 Alle kommuner skal samarbejde om tilbud til unge"));
    assert!(doc.has("title#udvikling-title"));
}

#[test]
fn the_response_tracker_names_who_submitted_and_who_has_not() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Admin);
    let page = app.get(&agent, &format!("/rounds/{ROUND_2017}")).text();
    assert!(page.contains("24 af 29 kommuner har indsendt deres skema (82,8 %)"));
    let doc = parse(&page);
    // The responses table (the reminders' table lists the same municipalities again).
    const RESPONSES: &str = "table:has(> caption#tbl-responses-table) td";
    assert_eq!(doc.count_with_text(RESPONSES, "Ikke påbegyndt"), 3);
    assert_eq!(doc.count_with_text(RESPONSES, "Kladde"), 2);
    assert!(doc
        .texts(RESPONSES)
        .iter()
        .any(|cell| cell.ends_with(" af Anne Admin (KKR-sekretariatet)")));
}

#[test]
fn the_heatmap_shows_every_municipality_and_sorts_by_green() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Kkr);
    let page = app.get(&agent, "/rounds/2/heatmap").text();
    let doc = parse(&page);
    assert_eq!(doc.count("th[scope=\"row\"]"), 29);
    // 24 submitted × 12 answers, each cell with a symbol and an accessible name.
    assert_eq!(doc.count(".cell-green, .cell-yellow, .cell-red"), 24 * 12);
    assert_eq!(doc.count(".cell-none"), 5 * 12);
    assert!(doc.has("[aria-label=\"Frederiksberg, 1.1: ikke indsendt\"]"));
    let links = doc.texts("a");
    let at = |name: &str| links.iter().position(|l| l == name).unwrap();
    assert!(at("Albertslund") < at("Ballerup"));
    let sorted = parse(&app.get(&agent, "/rounds/2/heatmap?sort=groen").text());
    assert!(sorted.count_with_text("strong", "flest grønne") > 0);
    let greens: Vec<u32> = sorted
        .texts("td.num")
        .iter()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(greens.len(), 29);
    assert!(greens.windows(2).all(|w| w[0] >= w[1]), "{greens:?}");
    // Municipal users see only their own municipality.
    let reader = app.signed_in(Role::Reader);
    assert_eq!(app.get(&reader, "/rounds/2/heatmap").status, 403);
}

#[test]
fn the_recommendation_page_lists_every_answer_and_its_history() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Kkr);
    let dashboard = parse(&app.get(&agent, "/rounds/2").text());
    let href = dashboard
        .attr("a[href^=\"/rounds/2/recommendations/\"]", "href")
        .unwrap();
    let id: String = href["/rounds/2/recommendations/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let page = app
        .get(&agent, &format!("/rounds/2/recommendations/{id}"))
        .text();
    assert!(page.contains("Anbefaling 1.1: Alle kommuner skal aktivt medvirke"));
    let doc = parse(&page);
    assert!(doc.has_row_starting(&["2016", "1.1"]));
    assert!(doc.has_row_starting(&["2017", "1.1"]));
    assert_eq!(doc.count("tr[id^=\"k\"]"), 29);
    assert_eq!(doc.count_with_text("td", "Ikke indsendt"), 5);
    assert!(page.contains("Indsatsen er forankret i jobcentret"));
    assert_eq!(
        app.get(&agent, "/rounds/2/recommendations/99999").status,
        404
    );
}

#[test]
fn the_municipality_page_sets_its_answers_beside_the_region_with_transitions() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Kkr);
    let page = app.get(&agent, "/rounds/2/municipalities/101").text();
    assert!(page.contains("København Kommune: status 2017"));
    assert!(page.contains("København Kommune har meldt"));
    assert!(page.contains("Siden 2016:"));
    assert!(page.contains(" → "), "a transition such as rød → gul");
    assert_eq!(page.matches("Ny anbefaling").count(), 3, "5.1–5.3 are new");
    // A reader sees its own municipality, with its draft, but no other.
    let reader = app.signed_in(Role::Reader);
    let own = app.get(&reader, "/rounds/2/municipalities/147").text();
    assert!(own.contains("Kladde, endnu ikke indsendt"));
    assert_eq!(app.get(&reader, "/rounds/2/municipalities/101").status, 403);
    // A KKR member does not see Frederiksberg's draft.
    let theirs = app.get(&agent, "/rounds/2/municipalities/147").text();
    assert!(theirs.contains("Skemaet er endnu ikke indsendt."));
    assert!(!theirs.contains("Indsatsen er forankret"));
}

#[test]
fn the_national_view_shows_each_kkr_of_the_year() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Kkr);
    let page = app.get(&agent, "/years/2017").text();
    let doc = parse(&page);
    assert_eq!(doc.count("th[scope=\"row\"]"), 5);
    assert!(doc.count_with_text("a[href=\"/rounds/2\"]", "KKR Hovedstaden") > 0);
    assert!(page.contains(SEED_SENTENCE));
    assert_eq!(page.matches("Ingen statusrunde i 2017.").count(), 4);
    // Anonymous visitors see only published rounds.
    let anonymous = app.get(&client(), "/years/2017").text();
    assert!(anonymous.contains("Runden er ikke offentliggjort endnu."));
    assert!(!anonymous.contains(SEED_SENTENCE));
}

#[test]
fn the_summary_is_recomputed_when_the_data_changes() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Kkr);
    assert!(app
        .get(&agent, "/rounds/2")
        .text()
        .contains("24 af 29 kommuner"));
    app.store_form(
        ROUND_2017,
        "147",
        trafiklys::domain::SubmissionState::Submitted,
    );
    assert!(app
        .get(&agent, "/rounds/2")
        .text()
        .contains("25 af 29 kommuner"));
}

#[test]
fn the_trend_headline_counts_submitted_answers_and_compares_carried_recommendations_like_for_like()
{
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let response = app.get(&admin, &format!("/api/v1/rounds/{ROUND_2017}/summary"));
    assert_eq!(response.status, 200);
    let json: serde_json::Value = serde_json::from_slice(&response.bytes).expect("JSON");
    let trend = &json["trend"];

    // The share in the table: green among the submitted answers only, worked out here from
    // the answer counts.
    let page = app.get(&admin, &format!("/rounds/{ROUND_2017}")).text();
    assert!(page.contains("Andel grønne blandt indsendte svar"));
    for point in trend["rounds"].as_array().expect("rounds") {
        let answers = &point["answers"];
        let count = |k: &str| answers[k].as_f64().expect("count");
        let answered = count("green") + count("yellow") + count("red");
        let expected = (count("green") * 1000.0 / answered).round() / 10.0;
        assert_eq!(point["submitted_shares"]["green"].as_f64(), Some(expected));
        let cell = format!("{expected:.1} %").replace('.', ",");
        let row_start = format!("<tr><th scope=\"row\">{}</th>", point["year"]);
        let row = page
            .split(&row_start)
            .nth(1)
            .and_then(|rest| rest.split("</tr>").next())
            .expect("the year's row");
        assert!(
            row.ends_with(&format!("<td class=\"num\">{cell}</td>")),
            "{row}"
        );
    }

    // Like for like: the same municipality's answer to a carried recommendation, both years,
    // counted here from the transitions the admin may read (every municipality).
    let (mut pairs, mut before, mut now, mut worse) = (0u32, 0u32, 0u32, 0u32);
    for m in trend["municipalities"].as_array().expect("municipalities") {
        for t in m["transitions"].as_array().expect("transitions") {
            pairs += 1;
            before += u32::from(t["from"] == "green");
            now += u32::from(t["to"] == "green");
            worse += u32::from(t["movement"] == "worsened");
        }
    }
    assert!(pairs > 0, "the demo's 2017 round carries answers from 2016");
    let like = &trend["like_for_like"];
    assert_eq!(like["pairs"].as_u64(), Some(u64::from(pairs)));
    assert_eq!(like["previous_year"].as_i64(), Some(2016));
    assert_eq!(like["worsened"].as_u64(), Some(u64::from(worse)));
    let pct = |n: u32| (f64::from(n) * 1000.0 / f64::from(pairs)).round() / 10.0;
    assert_eq!(like["previous_green_share"].as_f64(), Some(pct(before)));
    assert_eq!(like["green_share"].as_f64(), Some(pct(now)));
    let sentence = like["sentence"].as_str().expect("sentence");
    assert!(sentence.starts_with("Blandt de "), "{sentence}");
    assert!(page.contains(sentence), "the dashboard says it");
    assert!(page.contains("Sammenlignet med sidste år:"));

    // The first round has nothing to compare with.
    let first = app.get(&admin, &format!("/api/v1/rounds/{ROUND_2016}/summary"));
    let first: serde_json::Value = serde_json::from_slice(&first.bytes).expect("JSON");
    assert!(first["trend"]["like_for_like"].is_null());
    let page = app.get(&admin, &format!("/rounds/{ROUND_2016}")).text();
    assert!(!page.contains("Sammenlignet med sidste år:"));
}
