//! Earlier rounds' data kept for this year's trend: a round's own change marker moves with
//! every write to its data (database triggers), the cache reuses an earlier round's data until
//! then, and a change to last year's round shows in this year's trend at once.

use crate::helpers::*;
use diesel::RunQueryDsl;
use serde_json::Value;
use trafiklys::domain::{Role, SubmissionState};
use trafiklys::store::rounds;

/// The demo KKR's round markers: (2016's, 2017's).
fn markers(app: &TestApp) -> (i64, i64) {
    let mut conn = app.conn();
    let kkr = rounds::get_round(&mut conn, ROUND_2017)
        .unwrap()
        .unwrap()
        .kkr_id;
    let list = rounds::earlier_round_versions(&mut conn, kkr, 2018).unwrap();
    let of = |id: i32| {
        list.iter()
            .find(|(round, _)| *round == id)
            .map(|(_, v)| *v)
            .expect("a marker for every round")
    };
    assert_eq!(list.len(), 2, "{list:?}");
    (of(ROUND_2016), of(ROUND_2017))
}

fn sql(app: &TestApp, statement: &str) {
    diesel::sql_query(statement)
        .execute(&mut app.conn())
        .expect(statement);
}

#[test]
fn a_rounds_marker_moves_with_a_write_to_its_own_data_and_no_other_rounds() {
    let app = spawn_app();
    let start = markers(&app);

    app.store_form(
        ROUND_2017,
        &app.not_submitted(ROUND_2017),
        SubmissionState::Draft,
    );
    let after_2017_save = markers(&app);
    assert_eq!(
        after_2017_save.0, start.0,
        "a save this year leaves 2016's marker"
    );
    assert!(after_2017_save.1 > start.1, "and moves 2017's");

    app.store_form(
        ROUND_2016,
        &app.not_submitted(ROUND_2016),
        SubmissionState::Submitted,
    );
    let after_2016_save = markers(&app);
    assert!(after_2016_save.0 > after_2017_save.0);
    assert_eq!(after_2016_save.1, after_2017_save.1);

    app.set_deadline_hours_from_now(ROUND_2016, -24);
    let after_deadline = markers(&app);
    assert!(after_deadline.0 > after_2016_save.0, "the round's own row");
    assert_eq!(after_deadline.1, after_2016_save.1);

    // Writes no store function makes today still move the right marker: a recommendation's
    // text, a form's row (answers are only ever written with it), a focus area's title.
    sql(
        &app,
        &format!(
            "UPDATE recommendations SET text = text || ' (rettet)' WHERE focus_area_id IN \
         (SELECT id FROM focus_areas WHERE round_id = {ROUND_2016})"
        ),
    );
    let after_text = markers(&app);
    assert!(after_text.0 > after_deadline.0);
    assert_eq!(after_text.1, after_deadline.1);
    sql(
        &app,
        &format!(
            "UPDATE submissions SET proposals = proposals || '.' WHERE round_id = {ROUND_2017}"
        ),
    );
    let after_form = markers(&app);
    assert_eq!(after_form.0, after_text.0);
    assert!(after_form.1 > after_text.1);
    sql(
        &app,
        &format!("UPDATE focus_areas SET title = title || '.' WHERE round_id = {ROUND_2017}"),
    );
    let after_title = markers(&app);
    assert_eq!(after_title.0, after_form.0);
    assert!(after_title.1 > after_form.1);

    // A name shown with the answers (who submitted) moves every round's marker; a write to
    // a user that leaves the name alone moves none.
    sql(
        &app,
        "UPDATE users SET session_generation = session_generation + 1",
    );
    assert_eq!(markers(&app), after_title);
    sql(&app, "UPDATE users SET name = name || ' Jensen'");
    let after_rename = markers(&app);
    assert!(after_rename.0 > after_title.0 && after_rename.1 > after_title.1);
}

fn json(response: &Response) -> Value {
    assert_eq!(response.status, 200, "{}", response.text());
    serde_json::from_slice(&response.bytes).expect("JSON")
}

/// The earlier-round cache's (hits, misses) from /metrics.
fn earlier_lookups(app: &TestApp) -> (u64, u64) {
    let text = app.get(&client(), "/metrics").text();
    let of = |label: &str| {
        let prefix = format!("trafiklys_earlier_round_cache_lookups_total{{result=\"{label}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {prefix} in\n{text}"))
    };
    (of("hit"), of("miss"))
}

/// 2016 as 2017's trend shows it, and as 2016's own summary counts it.
fn last_year_both_ways(app: &TestApp, agent: &ureq::Agent) -> (Value, Value) {
    let this_year = json(&app.get(agent, &format!("/api/v1/rounds/{ROUND_2017}/summary")));
    let point = this_year["trend"]["rounds"]
        .as_array()
        .expect("trend rounds")
        .iter()
        .find(|p| p["round_id"] == ROUND_2016)
        .expect("2016 in 2017's trend")
        .clone();
    let last_year = json(&app.get(agent, &format!("/api/v1/rounds/{ROUND_2016}/summary")));
    let own = last_year["trend"]["rounds"]
        .as_array()
        .expect("trend rounds")
        .last()
        .expect("2016's own point")
        .clone();
    (point, own)
}

#[test]
fn this_years_trend_reads_last_years_round_again_only_when_that_round_changed() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let dashboard = format!("/rounds/{ROUND_2017}");
    let (before, own_before) = last_year_both_ways(&app, &admin);
    assert_eq!(before, own_before);
    let start = earlier_lookups(&app);

    // A save in 2017: its dashboard is analysed again, with 2016's data from the cache.
    app.store_form(
        ROUND_2017,
        &app.not_submitted(ROUND_2017),
        SubmissionState::Submitted,
    );
    assert_eq!(app.get(&admin, &dashboard).status, 200);
    let after_save = earlier_lookups(&app);
    assert_eq!(after_save.1, start.1, "2016 was not loaded again");
    assert!(after_save.0 > start.0, "2016 came from the cache");

    // A late form in 2016: 2017's trend counts it at once.
    app.store_form(
        ROUND_2016,
        &app.not_submitted(ROUND_2016),
        SubmissionState::Submitted,
    );
    let (after, own_after) = last_year_both_ways(&app, &admin);
    assert!(
        earlier_lookups(&app).1 > after_save.1,
        "2016 was loaded again"
    );
    assert_eq!(
        after, own_after,
        "2017's trend shows 2016 as 2016 counts itself"
    );
    assert_ne!(after["answers"], before["answers"], "with the new answers");
    let added: i64 = ["green", "yellow", "red"]
        .iter()
        .map(|s| after["answers"][s].as_i64().unwrap() - before["answers"][s].as_i64().unwrap())
        .sum();
    assert_eq!(added, 11, "one more form of eleven answers");
}

/// 2017's (round marker, content marker).
fn content_markers(app: &TestApp) -> (i64, i64) {
    let mut conn = app.conn();
    (
        rounds::round_version(&mut conn, ROUND_2017)
            .unwrap()
            .unwrap(),
        rounds::content_version(&mut conn, ROUND_2017)
            .unwrap()
            .unwrap(),
    )
}

#[test]
fn saving_forms_leaves_the_content_marker_and_a_change_to_the_content_moves_it() {
    let app = spawn_app();
    let code = app.not_submitted(ROUND_2017);
    let admin = app.signed_in(Role::Admin);
    let form = format!("/rounds/{ROUND_2017}/municipalities/{code}/form");
    // The form page caches the round's content at its content marker.
    let page = app.get(&admin, &form);
    assert_eq!(page.status, 200);
    let start = content_markers(&app);

    app.store_form(ROUND_2017, &code, SubmissionState::Draft);
    sql(
        &app,
        &format!(
            "UPDATE submissions SET proposals = proposals || '' WHERE round_id = {ROUND_2017}"
        ),
    );
    let after_saves = content_markers(&app);
    assert!(
        after_saves.0 > start.0,
        "a form's change moves the round's marker"
    );
    assert_eq!(after_saves.1, start.1, "and leaves the content marker");

    // A change to the content, made where no store function looks: the marker moves, and the
    // form page shows it at once instead of the content it cached.
    sql(
        &app,
        &format!(
            "UPDATE recommendations SET text = 'Ny ordlyd til prøve' WHERE id = \
             (SELECT MIN(r.id) FROM recommendations r JOIN focus_areas f ON f.id = r.focus_area_id \
              WHERE f.round_id = {ROUND_2017})"
        ),
    );
    let after_text = content_markers(&app);
    assert!(
        after_text.1 > after_saves.1,
        "{after_text:?} {after_saves:?}"
    );
    assert!(app
        .get(&admin, &form)
        .text()
        .contains("Ny ordlyd til prøve"));

    app.set_deadline_hours_from_now(ROUND_2017, 48);
    assert!(
        content_markers(&app).1 > after_text.1,
        "the round's own row"
    );
    let before_rename = content_markers(&app);
    sql(
        &app,
        &format!("UPDATE municipalities SET name = 'Omdøbt Kommune' WHERE code = '{code}'"),
    );
    assert!(
        content_markers(&app).1 > before_rename.1,
        "a municipality's name"
    );
    assert!(app.get(&admin, &form).text().contains("Omdøbt Kommune"));
}
