//! When the database goes away, turns read-only or fills up: people get a clear Danish answer,
//! a form keeps what was typed, nothing is half-written, and the application recovers by
//! itself when the database is back.

use diesel::connection::SimpleConnection;

use crate::helpers::*;
use trafiklys::domain::Role;

const FORM: &str = "/rounds/2/municipalities/147/form";

fn moved(path: &std::path::Path) -> std::path::PathBuf {
    path.with_extension("moved")
}

#[test]
fn pages_answer_503_in_danish_while_the_database_file_is_gone_and_recover_when_it_returns() {
    if skip_on_postgres(
        "pages_answer_503_in_danish_while_the_database_file_is_gone_and_recover_when_it_returns",
        "it is about the SQLite file",
    ) {
        return;
    }
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    assert_eq!(app.get(&reader, "/rounds/2").status, 200);

    std::fs::rename(&app.db_path, moved(&app.db_path)).unwrap();
    for path in ["/rounds/2", "/", "/rounds/2/municipalities/147"] {
        let response = app.get(&reader, path);
        assert_eq!(response.status, 503, "{path}");
        assert!(response.header("retry-after").is_some());
        let page = folded(&response.text());
        assert!(page.contains("Databasen kan ikke bruges lige nu"), "{page}");
        assert!(page.contains("Fejl-id:"));
    }
    let api = app.get(&reader, "/api/v1/rounds");
    assert_eq!(api.status, 503);
    let body: serde_json::Value = serde_json::from_slice(&api.bytes).unwrap();
    assert_eq!(body["error"], "unavailable");
    let health = app.get(&client(), "/healthz");
    assert_eq!(health.status, 503);
    assert!(
        health.text().starts_with("utilgængelig") && !health.text().contains(".db"),
        "{}",
        health.text()
    );
    assert!(
        !app.db_path.exists(),
        "no empty database was made in its place"
    );

    // Something that cannot be read as the database in its place.
    std::fs::create_dir(&app.db_path).unwrap();
    assert_eq!(app.get(&reader, "/rounds/2").status, 503);
    assert_eq!(app.get(&client(), "/healthz").status, 503);
    std::fs::remove_dir(&app.db_path).unwrap();

    std::fs::rename(moved(&app.db_path), &app.db_path).unwrap();
    assert_eq!(app.get(&client(), "/healthz").status, 200);
    assert_eq!(app.get(&reader, "/rounds/2").status, 200);
}

#[test]
fn a_database_file_replaced_while_running_is_not_used() {
    if skip_on_postgres(
        "a_database_file_replaced_while_running_is_not_used",
        "it is about the SQLite file",
    ) {
        return;
    }
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    std::fs::rename(&app.db_path, moved(&app.db_path)).unwrap();
    std::fs::copy(moved(&app.db_path), &app.db_path).unwrap();
    let response = app.get(&reader, "/rounds/2");
    assert_eq!(response.status, 503);
    assert_eq!(app.get(&client(), "/healthz").status, 503);
    std::fs::rename(moved(&app.db_path), &app.db_path).unwrap();
    assert_eq!(app.get(&reader, "/rounds/2").status, 200);
}

/// Runs `sql` on every connection of the application's pool.
fn on_every_connection(app: &TestApp, sql: &str) {
    let all: Vec<_> = (0..app.pool.max_size()).map(|_| app.conn()).collect();
    for mut conn in all {
        conn.batch_execute(sql).unwrap();
    }
}

/// Saves the form with long comments; returns the response and one comment typed.
fn save_long_comments(app: &TestApp, agent: &ureq::Agent) -> (Response, String) {
    let page = app.get(agent, FORM).text();
    let mut fields = vec![
        ("csrf_token".to_owned(), csrf_from(&page)),
        ("version".to_owned(), hidden_value(&page, "version")),
        ("action".to_owned(), "save".to_owned()),
    ];
    let ids: Vec<String> = page
        .match_indices("name=\"comment-")
        .map(|(i, m)| {
            page[i + m.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect()
        })
        .collect();
    let typed = format!("Indtastet tekst {}", "som fylder ".repeat(150));
    for id in &ids {
        fields.push((format!("comment-{id}"), typed.clone()));
    }
    (app.post_fields(agent, FORM, &fields), typed)
}

fn assert_refused_with_input_kept(app: &TestApp, response: &Response, typed: &str, version: i32) {
    assert_eq!(response.status, 503);
    let page = response.text();
    assert!(folded(&page).contains("Skemaet er ikke gemt"), "{page}");
    assert!(folded(&page).contains("Intet er gemt, og dine indtastninger står i felterne."));
    assert!(
        page.contains(typed.trim()),
        "the typed comment is on the page"
    );
    let stored = app.submission(ROUND_2017, "147").unwrap();
    assert_eq!(stored.version, version, "nothing was written");
    assert!(stored
        .answers
        .iter()
        .all(|a| !a.comment.contains("som fylder")));
}

#[test]
fn a_read_only_database_refuses_a_save_in_danish_and_keeps_the_input() {
    if skip_on_postgres(
        "a_read_only_database_refuses_a_save_in_danish_and_keeps_the_input",
        "it is about the SQLite file",
    ) {
        return;
    }
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    let before = app.submission(ROUND_2017, "147").unwrap();
    on_every_connection(&app, "PRAGMA query_only = ON;");
    let (response, typed) = save_long_comments(&app, &editor);
    assert_refused_with_input_kept(&app, &response, &typed, before.version);

    on_every_connection(&app, "PRAGMA query_only = OFF;");
    let (again, _) = save_long_comments(&app, &editor);
    assert_eq!(again.status, 303, "saving works again");
}

#[test]
fn a_full_disk_refuses_a_save_in_danish_and_keeps_the_input() {
    if skip_on_postgres(
        "a_full_disk_refuses_a_save_in_danish_and_keeps_the_input",
        "it is about the SQLite file",
    ) {
        return;
    }
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    let before = app.submission(ROUND_2017, "147").unwrap();
    // SQLite answers "database or disk is full" when a write needs more pages than allowed.
    let pages: i64 = {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Pages {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            page_count: i64,
        }
        diesel::sql_query("PRAGMA page_count")
            .get_result::<Pages>(&mut app.conn())
            .unwrap()
            .page_count
    };
    on_every_connection(&app, &format!("PRAGMA max_page_count = {pages};"));
    let (response, typed) = save_long_comments(&app, &editor);
    assert_refused_with_input_kept(&app, &response, &typed, before.version);
}

#[test]
fn healthz_tells_an_anonymous_caller_nothing_of_the_database_file_and_the_log_says_why() {
    if skip_on_postgres(
        "healthz_tells_an_anonymous_caller_nothing_of_the_database_file_and_the_log_says_why",
        "it is about the SQLite file",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hemmelig-sti.db");
    let server = crate::binary::Server::start(&db, &[], &[]);
    let health =
        |server: &crate::binary::Server| finish(client().get(&server.url("/healthz")).call());
    assert_eq!(health(&server).status, 200);
    std::fs::rename(&db, moved(&db)).unwrap();
    let refused = health(&server);
    assert_eq!(refused.status, 503);
    let body = refused.text();
    assert_eq!(
        body,
        "utilgængelig: databasen kan ikke bruges lige nu; årsagen står i loggen\n"
    );
    assert!(!body.contains("hemmelig-sti") && !body.contains(dir.path().to_str().unwrap()));
    let mut logged = false;
    for _ in 0..100 {
        if server
            .log()
            .iter()
            .any(|l| l.contains("health check failed") && l.contains("hemmelig-sti.db"))
        {
            logged = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        logged,
        "the log names the file:\n{}",
        server.log().join("\n")
    );
    std::fs::rename(moved(&db), &db).unwrap();
    assert_eq!(health(&server).status, 200);
}
