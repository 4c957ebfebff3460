//! Groups of a KKR's municipalities: made by the KKR's admins, and the round dashboard,
//! heatmap and API summary narrowed to one group.

use serde_json::Value;

use crate::helpers::*;
use trafiklys::domain::{MunicipalityCode, Role};
use trafiklys::store::{groups, reference, users};

/// København (submitted), Frederiksberg (draft) and Dragør (not started) in the demo round.
const MEMBERS: [&str; 3] = ["101", "147", "155"];

fn create_group(app: &TestApp, agent: &ureq::Agent, name: &str, members: &[&str]) -> Response {
    let csrf = csrf_from(&app.get(agent, "/groups").text());
    let mut fields = vec![("csrf_token", csrf.as_str()), ("name", name)];
    fields.extend(members.iter().map(|c| ("members", *c)));
    app.post(agent, "/groups", &fields)
}

fn group_id(app: &TestApp, name: &str) -> i32 {
    let kkr = reference::kkr_by_name(&mut app.conn(), "KKR Hovedstaden")
        .unwrap()
        .unwrap();
    groups::list(&mut app.conn(), kkr)
        .unwrap()
        .into_iter()
        .find(|g| g.name == name)
        .expect("the group")
        .id
}

/// How many of the members have submitted, read from the database itself.
fn submitted_members(app: &TestApp) -> usize {
    MEMBERS
        .iter()
        .filter(|code| {
            app.submission(ROUND_2017, code)
                .is_some_and(|s| s.is_submitted())
        })
        .count()
}

#[test]
fn a_groups_dashboard_counts_only_its_members() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let created = create_group(&app, &admin, "Jobklynge Øst", &MEMBERS);
    assert_eq!(created.status, 303);
    let id = group_id(&app, "Jobklynge Øst");
    assert_eq!(submitted_members(&app), 1);

    let whole = app.get(&admin, &format!("/rounds/{ROUND_2017}")).text();
    assert!(whole.contains("24 af 29 kommuner har indsendt"));
    assert!(whole.contains(&format!(
        "<option value=\"{id}\">Jobklynge Øst (3 kommuner)</option>"
    )));

    let page = app
        .get(&admin, &format!("/rounds/{ROUND_2017}?gruppe={id}"))
        .text();
    assert!(page.contains("1 af 3 kommuner har indsendt deres skema (33,3 %)"));
    assert!(page.contains("Viser kun gruppen «Jobklynge Øst» (3 kommuner)"));
    // The response tracker lists the members only.
    assert!(page.contains("Kommunernes skemaer (1 af 3 indsendt)"));
    for other in ["Gentofte", "Ballerup", "Bornholm"] {
        assert!(
            !page.contains(&format!(">{other}<")),
            "{other} is not a member"
        );
    }
    // Every recommendation's counts add up to the group's three municipalities.
    let rows: Vec<&str> = page.split("<td class=\"num\">").skip(1).collect();
    assert!(!rows.is_empty());
    // The distribution tables: green, yellow, red, unanswered per recommendation.
    let numbers: Vec<u32> = rows
        .iter()
        .filter_map(|r| r.split('<').next()?.trim().parse().ok())
        .collect();
    let per_recommendation: Vec<u32> = numbers.chunks(4).take(12).map(|c| c.iter().sum()).collect();
    assert_eq!(per_recommendation, vec![3; 12]);

    // The heatmap shows the members only.
    let heatmap = parse(
        &app.get(&admin, &format!("/rounds/{ROUND_2017}/heatmap?gruppe={id}"))
            .text(),
    );
    assert_eq!(heatmap.count("th[scope=\"row\"]"), 3);
    let links = heatmap.texts("a");
    assert!(links.iter().any(|l| l == "Frederiksberg"));
    assert!(!links.iter().any(|l| l == "Gentofte"));
}

#[test]
fn the_api_summary_can_be_narrowed_to_a_group() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    create_group(&app, &admin, "Jobklynge Øst", &MEMBERS);
    let id = group_id(&app, "Jobklynge Øst");
    let response = app.get(
        &admin,
        &format!("/api/v1/rounds/{ROUND_2017}/summary?group={id}"),
    );
    assert_eq!(response.status, 200);
    let body: Value = serde_json::from_slice(&response.bytes).unwrap();
    let summary = &body["summary"];
    assert_eq!(summary["municipality_count"], 3);
    assert_eq!(summary["submitted_count"], submitted_members(&app));
    let codes: Vec<&str> = summary["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(sorted, MEMBERS);
    for area in summary["focus_areas"].as_array().unwrap() {
        for rec in area["recommendations"].as_array().unwrap() {
            let c = &rec["counts"];
            let total: u64 = ["green", "yellow", "red", "unanswered"]
                .iter()
                .map(|k| c[k].as_u64().unwrap())
                .sum();
            assert_eq!(total, 3);
        }
    }
    let whole = app.get(&admin, &format!("/api/v1/rounds/{ROUND_2017}/summary"));
    let body: Value = serde_json::from_slice(&whole.bytes).unwrap();
    assert_eq!(body["summary"]["municipality_count"], 29);
}

#[test]
fn a_group_of_another_kkr_or_none_is_not_found() {
    let app = spawn_app();
    let mut conn = app.conn();
    let sjaelland = reference::kkr_by_name(&mut conn, "KKR Sjælland")
        .unwrap()
        .unwrap();
    let admin = users::find_by_email(&mut conn, &app.email(Role::Admin))
        .unwrap()
        .unwrap()
        .0;
    let other = groups::create(
        &mut conn,
        sjaelland,
        "Vestsjælland",
        &[MunicipalityCode::parse("259").unwrap()],
        Some(admin.id),
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    drop(conn);
    let agent = app.signed_in(Role::Kkr);
    for path in [
        format!("/rounds/{ROUND_2017}?gruppe={other}"),
        format!("/rounds/{ROUND_2017}/heatmap?gruppe={other}"),
        format!("/rounds/{ROUND_2017}?gruppe=9999"),
        format!("/rounds/{ROUND_2017}?gruppe=abc"),
        format!("/api/v1/rounds/{ROUND_2017}/summary?group={other}"),
    ] {
        assert_eq!(app.get(&agent, &path).status, 404, "{path}");
    }
}

#[test]
fn a_bad_group_keeps_the_input_and_only_admins_make_groups() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let response = create_group(&app, &admin, "  ", &[]);
    assert_eq!(response.status, 422);
    let page = response.text();
    assert!(page.contains("Gruppen er ikke oprettet: ret 2 fejl"));
    assert!(page.contains("Giv gruppen et navn"));
    assert!(page.contains("Vælg mindst én kommune til gruppen."));

    let foreign = create_group(&app, &admin, "Blandet", &["147", "259"]);
    assert_eq!(foreign.status, 422);
    let page = foreign.text();
    assert!(page.contains("Kommune 259 hører ikke til jeres KKR."));
    assert!(page.contains("value=\"Blandet\""), "name kept");
    assert!(page.contains("value=\"147\" checked"), "choice kept");

    assert_eq!(create_group(&app, &admin, "Nord", &["201"]).status, 303);
    let twice = create_group(&app, &admin, "Nord", &["219"]);
    assert_eq!(twice.status, 422);
    assert!(twice
        .text()
        .contains("Der findes allerede en gruppe, der hedder «Nord»."));

    let kkr = app.signed_in(Role::Kkr);
    assert_eq!(app.get(&kkr, "/groups").status, 403);
    let csrf = app.csrf(&kkr);
    let refused = app.post(
        &kkr,
        "/groups",
        &[("csrf_token", &csrf), ("name", "Syd"), ("members", "101")],
    );
    assert_eq!(refused.status, 403);
}

#[test]
fn an_admin_renames_changes_and_deletes_a_group_with_audit_rows() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    create_group(&app, &admin, "Nord", &["201", "219"]);
    let id = group_id(&app, "Nord");
    let page = app.get(&admin, &format!("/groups/{id}")).text();
    let csrf = csrf_from(&page);
    let updated = app.post(
        &admin,
        &format!("/groups/{id}"),
        &[
            ("csrf_token", &csrf),
            ("name", "Nordsjælland"),
            ("members", "201"),
            ("members", "219"),
            ("members", "210"),
        ],
    );
    assert_eq!(updated.status, 303);
    let group = groups::get(&mut app.conn(), id).unwrap().unwrap();
    assert_eq!(group.name, "Nordsjælland");
    assert_eq!(group.members.len(), 3);

    let unconfirmed = app.post(
        &admin,
        &format!("/groups/{id}/delete"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(unconfirmed.status, 422);
    assert!(groups::get(&mut app.conn(), id).unwrap().is_some());
    let deleted = app.post(
        &admin,
        &format!("/groups/{id}/delete"),
        &[("csrf_token", &csrf), ("confirm", "ja")],
    );
    assert_eq!(deleted.status, 303);
    assert!(groups::get(&mut app.conn(), id).unwrap().is_none());
    let history =
        trafiklys::store::audit::history(&mut app.conn(), "group", &id.to_string()).unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "update", "delete"]);
    assert!(history[2]
        .before
        .as_deref()
        .unwrap()
        .contains("Nordsjælland"));
}
