//! Snapshot tests (insta): the public contract and what readers read, kept as files under
//! `tests/it/snapshots/` so that any change to them shows up in review. The OpenAPI document,
//! the JSON of every API operation on the demo data, the Danish prose of the demo round and the
//! chart SVGs.
//!
//! What changes from run to run (times, and dates counted from today, such as the demo
//! round's deadline) is replaced by a placeholder before the snapshot is compared. The demo
//! data is otherwise the same on every run and on both backends.
//!
//! After an intended change: `INSTA_UPDATE=always <it binary> snapshots::` writes the new
//! snapshots (or `cargo insta review`); `CI=true` fails on any difference instead.

use serde_json::Value;

use crate::api::json;
use crate::helpers::*;
use trafiklys::charts::DistributionChart;
use trafiklys::domain::analysis::RoundAnalysis;
use trafiklys::domain::prose::municipality_sentence;
use trafiklys::domain::summary::Response as FormResponse;
use trafiklys::domain::Role;
use trafiklys::store::rounds;

/// Replaces what varies between runs with a placeholder naming it: any date-time
/// ("2026-12-05T00:31:11Z") and today's date or one counted from it.
fn redacted(mut value: Value) -> Value {
    redact(&mut value);
    value
}

fn redact(value: &mut Value) {
    match value {
        Value::String(text) => {
            if let Some(placeholder) = placeholder(text) {
                *text = placeholder.to_owned();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        Value::Object(fields) => fields.values_mut().for_each(redact),
        _ => {}
    }
}

fn placeholder(text: &str) -> Option<&'static str> {
    let is_time = chrono::DateTime::parse_from_rfc3339(text).is_ok()
        || chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok();
    if is_time {
        return Some("[date-time]");
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .is_ok()
        .then_some("[date]")
}

/// GET `path` as `agent`, which must answer 200 with JSON.
fn api(app: &TestApp, agent: &ureq::Agent, path: &str) -> Value {
    let response = app.get(agent, path);
    assert_eq!(response.status, 200, "{path}: {}", response.text());
    json(&response)
}

#[test]
fn the_openapi_document_is_as_recorded() {
    let app = spawn_app();
    let document = api(&app, &client(), "/api/v1/openapi.json");
    insta::assert_json_snapshot!("openapi", document);
}

#[test]
fn every_api_operation_answers_the_demo_data_as_recorded() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let municipality = "/api/v1/rounds/2/municipalities/147";
    for (name, path) in [
        ("api_rounds", "/api/v1/rounds".to_owned()),
        ("api_summary_2016", "/api/v1/rounds/1/summary".to_owned()),
        ("api_summary_2017", "/api/v1/rounds/2/summary".to_owned()),
        ("api_groups_2017", "/api/v1/rounds/2/groups".to_owned()),
        (
            "api_responses_2017",
            "/api/v1/rounds/2/responses".to_owned(),
        ),
        ("api_submission_147", format!("{municipality}/submission")),
        (
            "api_submission_101",
            "/api/v1/rounds/2/municipalities/101/submission".to_owned(),
        ),
        ("api_history_147", format!("{municipality}/history")),
    ] {
        let body = redacted(api(&app, &admin, &path));
        insta::assert_json_snapshot!(name, body);
    }

    // A snapshot of Frederiksberg's attachment, then one answer changed: the list of
    // snapshots and the changes since.
    let page = app.get(&admin, "/rounds/2/municipalities/147").text();
    let saved = app.post(
        &admin,
        "/rounds/2/municipalities/147/snapshots",
        &[("csrf_token", &csrf_from(&page))],
    );
    assert_eq!(saved.status, 303, "{}", saved.text());
    let editor = app.signed_in(Role::Editor);
    let form = app.get(&editor, "/rounds/2/municipalities/147/form").text();
    let first = recommendation_ids(&form)[0];
    let changed = answered_form(&form, "submit", |id| {
        let comment = if id == first {
            "Ændret efter øjebliksbilledet".to_owned()
        } else {
            format!("Kommentar til {id}")
        };
        ("yellow".to_owned(), comment)
    });
    let response = app.post_fields(&editor, "/rounds/2/municipalities/147/form", &changed);
    assert_eq!(response.status, 303, "{}", response.text());

    let listed = redacted(api(&app, &admin, &format!("{municipality}/snapshots")));
    let snapshot = listed["snapshots"][0]["id"]
        .as_i64()
        .expect("the snapshot is listed");
    insta::assert_json_snapshot!("api_snapshots_147", listed);
    let changes = redacted(api(
        &app,
        &admin,
        &format!("{municipality}/snapshots/{snapshot}/changes"),
    ));
    insta::assert_json_snapshot!("api_snapshot_changes_147", changes);
}

fn analysis(app: &TestApp, round_id: i32) -> RoundAnalysis {
    rounds::analyse_round(&mut app.conn(), round_id)
        .expect("query")
        .expect("round")
}

/// Every Danish sentence the aggregation writes about a round, each under a heading that
/// says where it is shown.
fn prose(analysis: &RoundAnalysis) -> String {
    let summary = &analysis.summary;
    let content = &analysis.data.content;
    let mut lines = vec![
        format!("# {}", content.round.title),
        String::new(),
        "## Regionen (dashboard, bilag, KKR-rapport)".to_owned(),
        summary.sentence.clone(),
        format!("Bindende: {}", summary.binding.sentence),
        format!("Frivillige: {}", summary.voluntary.sentence),
        String::new(),
        "## Fokusområder".to_owned(),
    ];
    for area in &summary.focus_areas {
        lines.push(format!(
            "{}. {}: {}",
            area.number, area.title, area.sentence
        ));
    }
    lines.push(String::new());
    lines.push("## Lister i bilaget".to_owned());
    for list in summary.council_lists() {
        let codes: Vec<&str> = list.items.iter().map(|i| i.code.as_str()).collect();
        lines.push(format!("{}: {}", list.heading, codes.join(", ")));
    }
    lines.push(String::new());
    lines.push("## Kommunerne (bilag, dagsorden, kommunens side)".to_owned());
    for m in &summary.municipalities {
        let official = content
            .municipality(&m.code)
            .map(|m| m.official_name())
            .unwrap_or_else(|| m.name.clone());
        lines.push(municipality_sentence(
            &official,
            &m.counts,
            m.response == FormResponse::Submitted,
        ));
    }
    lines.push(String::new());
    lines.push("## Udviklingen siden sidste runde".to_owned());
    let trend = &analysis.trend;
    match &trend.like_for_like {
        Some(like) => lines.push(like.sentence.clone()),
        None => lines.push("(ingen sammenligning)".to_owned()),
    }
    if let Some(comparison) = &trend.comparison {
        lines.push(comparison.scope_sentence.clone());
        lines.extend(comparison.merged.iter().map(|m| m.sentence.clone()));
    }
    lines.extend(trend.retired.iter().map(|r| r.sentence.clone()));
    lines.push(String::new());
    lines.push("## Diagrammernes tekstalternativ".to_owned());
    lines.push(DistributionChart::from_summary(summary, "Fordeling").description());
    lines.push(DistributionChart::from_trend(trend, "Udvikling").description());
    lines.join("\n") + "\n"
}

#[test]
fn the_danish_prose_of_the_demo_rounds_is_as_recorded() {
    let app = spawn_app();
    insta::assert_snapshot!("prose_2016", prose(&analysis(&app, ROUND_2016)));
    insta::assert_snapshot!("prose_2017", prose(&analysis(&app, ROUND_2017)));
}

/// GET a chart as `agent`: an SVG document.
fn svg(app: &TestApp, agent: &ureq::Agent, path: &str) -> String {
    let response = app.get(agent, path);
    assert_eq!(response.status, 200, "{path}");
    assert!(
        response.content_type.starts_with("image/svg+xml"),
        "{path}: {}",
        response.content_type
    );
    response.text()
}

#[test]
fn the_chart_svgs_of_the_demo_rounds_are_as_recorded() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    for (name, path) in [
        ("chart_distribution_2016", "/rounds/1/chart.svg"),
        ("chart_distribution_2017", "/rounds/2/chart.svg"),
        ("chart_trend_2017", "/rounds/2/chart.svg?diagram=udvikling"),
    ] {
        insta::assert_snapshot!(name, svg(&app, &admin, path));
    }
    // The attachment's chart: the region's distribution with one municipality's own
    // submitted answers beside it (København's, as its attachment shows them).
    let analysis = analysis(&app, ROUND_2017);
    let summary = &analysis.summary;
    let code = trafiklys::domain::MunicipalityCode::parse("101").expect("code");
    let data = analysis.data_without_drafts(None);
    let own = data.submission_of(&code);
    let marks: Vec<_> = summary
        .recommendations()
        .map(|r| {
            own.and_then(|s| s.answer(r.recommendation_id))
                .and_then(|a| a.status)
        })
        .collect();
    assert!(marks.iter().any(Option::is_some), "København has submitted");
    let name = &data.content.municipality(&code).expect("København").name;
    let chart = DistributionChart::from_summary(
        summary,
        &trafiklys::report::attachment::chart_title(&analysis.data.content.round),
    )
    .with_marks(name, &marks)
    .svg("fordeling")
    .expect("chart");
    insta::assert_snapshot!("chart_attachment_101", chart);
}
