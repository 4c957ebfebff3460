//! Faults a form must survive without losing what was typed: a save refused by the round's
//! rules, and a database that cannot be reached before the save could even be read.

use crate::helpers::*;
use trafiklys::domain::Role;

const FORM: &str = "/rounds/2/municipalities/147/form";

/// The form as a user fills it in: every answer yellow with a comment of its own.
fn typed_form(page: &str, action: &str) -> Vec<(String, String)> {
    let mut fields = vec![
        ("csrf_token".to_owned(), csrf_from(page)),
        ("version".to_owned(), hidden_value(page, "version")),
        ("action".to_owned(), action.to_owned()),
    ];
    for id in recommendation_ids(page) {
        fields.push((format!("status-{id}"), "yellow".into()));
        fields.push((format!("comment-{id}"), typed_comment(&id.to_string())));
    }
    fields.push(("proposals".into(), "Et forslag skrevet i hånden".into()));
    fields
}

fn typed_comment(id: &str) -> String {
    format!("Skrevet i hånden til anbefaling {id}")
}

/// Every typed comment and the proposal stand in the page's fields.
fn assert_every_typed_field_kept(page: &str, fields: &[(String, String)]) {
    let doc = parse(page);
    let mut comments = 0;
    for (name, value) in fields {
        if name.starts_with("comment-") || name == "proposals" {
            let field = format!("[name=\"{name}\"]");
            assert!(
                doc.texts(&format!("textarea{field}")).contains(value)
                    || doc.attrs(&format!("input{field}"), "value").contains(value),
                "{name} is kept with its text"
            );
            comments += 1;
        }
    }
    assert!(comments > 1, "the form had comments");
}

#[test]
fn a_save_after_the_deadline_comes_back_with_the_input_and_the_reason_in_the_error_summary() {
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    let page = app.get(&editor, FORM).text();
    let before = app.submission(ROUND_2017, "147").expect("the demo draft");
    app.set_deadline_hours_from_now(ROUND_2017, -1);

    for action in ["save", "submit"] {
        let mut fields = typed_form(&page, action);
        if action == "submit" {
            // Incomplete as well: the deadline is still what the user is told.
            fields.retain(|(name, _)| !name.starts_with("status-"));
        }
        let response = app.post_fields(&editor, FORM, &fields);
        assert_eq!(response.status, 409, "{action}");
        let text = response.text();
        let doc = parse(&text);
        const SUMMARY: &str = ".error-summary[role=\"alert\"]";
        assert!(doc.has(SUMMARY), "an error summary");
        assert_eq!(
            doc.text(&format!("{SUMMARY} h2")).as_deref(),
            Some("Skemaet er ikke gemt")
        );
        let reason = doc.text(&format!("{SUMMARY} p")).unwrap_or_default();
        assert!(
            reason.starts_with("Runden tager ikke længere imod svar: fristen er overskredet"),
            "{reason}"
        );
        assert!(folded(&text).contains("så du kan kopiere det"));
        assert_every_typed_field_kept(&text, &fields);
    }
    let after = app.submission(ROUND_2017, "147").expect("the draft");
    assert_eq!(after.version, before.version, "nothing was saved");
    assert!(after
        .answers
        .iter()
        .all(|a| !a.comment.contains("i hånden")));
}

/// The hidden inputs and text fields of the page that kept a form, as the browser would post
/// them again (the typed texts hold no characters that HTML escapes).
fn kept_fields(page: &str, action: &str) -> Vec<(String, String)> {
    let doc = parse(page);
    let mut fields = vec![("action".to_owned(), action.to_owned())];
    let hidden = doc.attrs("input[type=\"hidden\"][name]", "name");
    let values = doc.attrs("input[type=\"hidden\"][name]", "value");
    assert_eq!(hidden.len(), values.len(), "every hidden field has a value");
    fields.extend(hidden.into_iter().zip(values));
    let names = doc.attrs("textarea[name]", "name");
    fields.extend(names.into_iter().zip(doc.texts_raw("textarea[name]")));
    fields
}

#[test]
fn a_save_while_the_database_cannot_be_reached_keeps_the_input_and_sends_it_again() {
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    let page = app.get(&editor, FORM).text();
    let before = app.submission(ROUND_2017, "147").expect("the demo draft");
    let fields = typed_form(&page, "save");

    app.cut_database();
    let response = app.post_fields(&editor, FORM, &fields);
    app.restore_database();

    assert_eq!(response.status, 503);
    assert!(response.header("retry-after").is_some());
    let kept = response.text();
    let text = folded(&kept);
    let doc = parse(&kept);
    assert_eq!(
        doc.text("h1").as_deref(),
        Some("Skemaet er ikke gemt"),
        "{text}"
    );
    assert!(doc.has("[role=\"alert\"]"));
    assert!(text.contains("Intet er gemt, og dine indtastninger står i felterne."));
    assert!(doc.has(&format!("form[action=\"{FORM}\"]")));
    assert_every_typed_field_kept(&kept, &fields);
    assert_eq!(
        app.submission(ROUND_2017, "147")
            .expect("the draft")
            .version,
        before.version
    );

    // Trying again from that page, with the database back, saves what was typed.
    let again = app.post_fields(&editor, FORM, &kept_fields(&kept, "save"));
    assert_eq!(again.status, 303, "{}", again.text());
    let saved = app.submission(ROUND_2017, "147").expect("the draft");
    assert_eq!(saved.version, before.version + 1);
    assert!(saved
        .answers
        .iter()
        .all(|a| a.comment == typed_comment(&a.recommendation_id.to_string())));
    assert_eq!(saved.proposals, "Et forslag skrevet i hånden");
}

/// A TCP proxy in front of PostgreSQL that a test can cut: then it ends every connection it
/// carries and takes new ones without ever answering (a server that is gone, or restarting
/// behind a listener), until it is restored.
struct Proxy {
    address: String,
    state: std::sync::Arc<ProxyState>,
}

#[derive(Default)]
struct ProxyState {
    cut: std::sync::atomic::AtomicBool,
    carried: std::sync::Mutex<Vec<std::net::TcpStream>>,
    held: std::sync::Mutex<Vec<std::net::TcpStream>>,
}

impl Proxy {
    fn start(upstream: String) -> Proxy {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let address = listener.local_addr().expect("address").to_string();
        let state = std::sync::Arc::new(ProxyState::default());
        let shared = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                if shared.cut.load(Ordering::SeqCst) {
                    shared.held.lock().expect("lock").push(client);
                    continue;
                }
                let Ok(server) = std::net::TcpStream::connect(&upstream) else {
                    continue;
                };
                let mut carried = shared.carried.lock().expect("lock");
                for stream in [&client, &server] {
                    carried.push(stream.try_clone().expect("clone"));
                }
                for (mut from, mut to) in [
                    (
                        client.try_clone().expect("clone"),
                        server.try_clone().expect("clone"),
                    ),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Proxy { address, state }
    }

    fn cut(&self) {
        self.state
            .cut
            .store(true, std::sync::atomic::Ordering::SeqCst);
        for stream in self.state.carried.lock().expect("lock").drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.state
            .cut
            .store(false, std::sync::atomic::Ordering::SeqCst);
        for stream in self.state.held.lock().expect("lock").drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// `postgres://user@host:port/db?x` with another host and port.
fn through(url: &str, address: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let user = authority
        .rsplit_once('@')
        .map(|(user, _)| format!("{user}@"))
        .unwrap_or_default();
    format!("{scheme}://{user}{address}{tail}")
}

/// The host and port of a PostgreSQL URL.
fn host_port(url: &str) -> String {
    let rest = url.split_once("://").expect("a URL").1;
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    }
}

/// A client that gives up on an answer after 5 s: a page that waits longer than that for the
/// database fails the test (the promise is an answer within about a second).
fn impatient_client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(std::time::Duration::from_secs(5)))
        .build()
        .into()
}

#[test]
fn while_postgresql_cannot_be_reached_pages_answer_503_in_danish_and_recover_when_it_returns() {
    if backend() != Backend::Postgres {
        println!("skipped: this test runs in the PostgreSQL pass");
        return;
    }
    let proxy = std::sync::Arc::new(std::sync::Mutex::new(None::<Proxy>));
    let made = proxy.clone();
    let app = spawn_app_reaching(move |url| {
        let started = Proxy::start(host_port(url));
        let reached = through(url, &started.address);
        *made.lock().expect("lock") = Some(started);
        reached
    });
    let proxy = proxy.lock().expect("lock").take().expect("the proxy");
    let reader = app.signed_in(Role::Reader);
    assert_eq!(app.get(&reader, "/rounds/2").status, 200);

    proxy.cut();
    app.until_nothing_is_served_from_memory();
    // The reader's session, on requests that do not wait long.
    let impatient = reader.clone();
    for _ in 0..3 {
        for path in ["/rounds/2", "/rounds/2/municipalities/147"] {
            let response = finish(
                impatient
                    .get(&app.url(path))
                    .config()
                    .timeout_global(Some(std::time::Duration::from_secs(5)))
                    .build()
                    .call(),
            );
            assert_eq!(response.status, 503, "{path}");
            let page = folded(&response.text());
            assert!(page.contains("Databasen kan ikke bruges lige nu"), "{page}");
            assert!(page.contains("lang=\"da\""));
        }
        let health = finish(impatient_client().get(&app.url("/healthz")).call());
        assert_eq!(health.status, 503);
        assert!(
            health.text().starts_with("utilgængelig"),
            "{}",
            health.text()
        );
        assert!(!health.text().contains("127.0.0.1"), "no server named");
    }

    proxy.restore();
    let back = (0..100).any(|_| {
        let ok = app.get(&reader, "/rounds/2").status == 200;
        if !ok {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        ok
    });
    assert!(back, "pages are served again once the database is back");
    assert_eq!(app.get(&client(), "/healthz").status, 200);
}

#[test]
fn nginx_answers_with_the_applications_danish_page_when_no_process_answers() {
    if backend() == Backend::Postgres {
        println!("skipped on PostgreSQL: no database is involved");
        return;
    }
    let Some(nginx) = crate::scale_out::find_nginx() else {
        println!("skipped: nginx is not installed (apt-get install nginx-light)");
        return;
    };
    // An upstream address where nothing listens.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .to_string();
    let prefix = tempfile::tempdir().expect("temp dir");
    let (_nginx, address) = crate::scale_out::start_nginx(&nginx, prefix.path(), &[&dead]);
    for path in ["/", "/rounds/2"] {
        let response = TestApp::request_to(&client(), &address, path, None);
        assert_eq!(response.status, 503, "{path}");
        let page = response.text();
        assert!(parse(&page).has("html[lang=\"da\"]"), "{page}");
        assert!(
            page.contains("Trafiklys er midlertidigt utilgængelig"),
            "{page}"
        );
        assert!(!page.to_lowercase().contains("nginx"), "{page}");
        assert_eq!(response.header("retry-after"), Some("30"));
    }
}

#[test]
fn health_says_degraded_while_the_database_cannot_be_written() {
    let app = spawn_app();
    assert_eq!(app.get(&client(), "/healthz").status, 200);
    app.set_read_only(true);
    let degraded = (0..100).find_map(|_| {
        let health = app.get(&client(), "/healthz");
        if health.text().starts_with("degraded") {
            return Some(health);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        None
    });
    let health = degraded.expect("health says degraded");
    assert_eq!(health.status, 503);
    let text = health.text();
    assert!(text.contains("kan læses, men ikke skrives"), "{text}");
    assert!(
        !text.contains(app.database_url.as_str()) && !text.contains("readonly"),
        "the reason is in the log only: {text}"
    );

    app.set_read_only(false);
    let healthy = (0..100).any(|_| {
        let ok = app.get(&client(), "/healthz").status == 200;
        if !ok {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        ok
    });
    assert!(healthy, "healthy again once the database takes writes");
}

#[test]
fn an_interrupted_backup_never_leaves_a_file_at_the_final_path_and_the_next_run_clears_up() {
    if skip_on_postgres(
        "an_interrupted_backup_never_leaves_a_file_at_the_final_path_and_the_next_run_clears_up",
        "PostgreSQL is backed up with pg_dump",
    ) {
        return;
    }
    let app = spawn_app();
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join("kopi.db");
    let partial = dir.path().join("kopi.db.partial");
    let backup = || app.cli(&["backup", copy.to_str().expect("path")]);

    // A run that cannot finish (its temporary file's place is taken by a folder it cannot
    // remove) leaves nothing at the final path.
    std::fs::create_dir(&partial).expect("a folder in the way");
    std::fs::write(partial.join("x"), b"x").expect("fill it");
    let failed = backup();
    assert!(!failed.status.success());
    assert!(!copy.exists(), "no partial copy at the final path");
    std::fs::remove_dir_all(&partial).expect("clear");

    // What a killed run leaves: a partial copy under the temporary name.
    std::fs::write(&partial, b"SQLite format 3\0 cut off").expect("a partial copy");
    let output = backup();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("Removed") && stdout.contains("kopi.db.partial"),
        "{stdout}"
    );
    assert!(!partial.exists(), "the leftover is gone");
    let pool = trafiklys::store::connect(copy.to_str().expect("path")).expect("the copy opens");
    assert!(
        trafiklys::store::holds_rounds_or_users(&mut pool.get().expect("connection"))
            .expect("query"),
        "the copy is the whole database"
    );
}

#[test]
fn sixteen_migrations_started_at_once_on_a_fresh_sqlite_file_all_succeed() {
    if skip_on_postgres(
        "sixteen_migrations_started_at_once_on_a_fresh_sqlite_file_all_succeed",
        "scale_out.rs runs concurrent migrations on PostgreSQL",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fresh.db");
    let children: Vec<_> = (0..16)
        .map(|_| {
            std::process::Command::new(BINARY)
                .arg("migrate")
                .env("TRAFIKLYS_DATABASE_URL", &path)
                .env("TRAFIKLYS_LOG", "warn")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("start trafiklys migrate")
        })
        .collect();
    let mut applied_total = 0;
    for child in children {
        let output = child.wait_with_output().expect("migrate ran");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout} {}",
            String::from_utf8_lossy(&output.stderr)
        );
        applied_total += migrations_applied(&stdout);
    }
    let count = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .expect("the migrations")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().is_dir()))
        .count();
    assert_eq!(applied_total, count, "each migration ran once");
    let mut conn = trafiklys::store::open(path.to_str().expect("path")).expect("open");
    assert_eq!(trafiklys::store::migrate(&mut conn).expect("migrate"), 0);
}

#[test]
fn the_stay_signed_in_button_renews_the_session_and_says_how_long_it_lasts() {
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    let page = app.get(&editor, FORM);
    assert_eq!(page.status, 200);
    let text = page.text();
    // The page warns before the end, counting on the idle timeout less the stamp's slack.
    let doc = parse(&text);
    assert!(
        doc.has("[role=\"alertdialog\"]") && doc.has("[data-idle-seconds=\"3540\"]"),
        "the warning is on the page"
    );
    assert!(doc.has("script[src=\"/static/session.js\"][defer]"));
    assert!(
        page.header("set-cookie").is_none(),
        "an ordinary request this soon renews nothing"
    );
    let script = app.get(&client(), "/static/session.js");
    assert_eq!(script.status, 200);
    assert!(script.text().contains("/session/extend"));

    assert_eq!(
        app.post(&editor, "/session/extend", &[]).status,
        403,
        "only with the session's CSRF token"
    );
    let token = csrf_from(&text);
    let extended = app.post(&editor, "/session/extend", &[("csrf_token", &token)]);
    assert_eq!(extended.status, 200);
    let body: serde_json::Value = serde_json::from_slice(&extended.bytes).expect("JSON");
    assert_eq!(body["remaining_seconds"], 3600);
    assert!(
        extended.header("set-cookie").is_some(),
        "the session's last-request stamp was renewed"
    );
    assert_eq!(app.get(&editor, FORM).status, 200, "still signed in");

    // An ended session is sent to sign-in, like any other request.
    let anonymous = client();
    let response = app.post(&anonymous, "/session/extend", &[("csrf_token", &token)]);
    assert_eq!(response.status, 303);
    assert!(response
        .location
        .as_deref()
        .is_some_and(|l| l.starts_with("/login")));
    // Pages without a sign-in carry no warning.
    assert!(!app
        .get(&anonymous, "/login")
        .text()
        .contains("session-warning"));
}

/// Takes the immutable flag off a file when the test ends, however it ends.
struct Immutable(std::path::PathBuf);

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn a_sqlite_file_that_cannot_be_written_starts_degraded_with_the_reason_in_the_log() {
    use std::io::BufRead;
    if skip_on_postgres(
        "a_sqlite_file_that_cannot_be_written_starts_degraded_with_the_reason_in_the_log",
        "it is about the SQLite file",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("skrivebeskyttet.db");
    let migrated = std::process::Command::new(BINARY)
        .arg("migrate")
        .env("TRAFIKLYS_DATABASE_URL", &path)
        .env("TRAFIKLYS_LOG", "warn")
        .output()
        .expect("migrate");
    assert!(migrated.status.success());
    // Read-only even for root: the immutable flag (ext4, xfs, btrfs).
    let flagged = std::process::Command::new("chattr")
        .arg("+i")
        .arg(&path)
        .output()
        .is_ok_and(|o| o.status.success());
    if !flagged {
        println!("skipped: chattr +i is not available on this file system");
        return;
    }
    let _unflag = Immutable(path.clone());
    let log = dir.path().join("serve.log");
    let mut child = std::process::Command::new(BINARY)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("TRAFIKLYS_DATABASE_URL", &path)
        .env("TRAFIKLYS_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start trafiklys serve");
    let stdout = child.stdout.take().expect("stdout");
    let address = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.strip_prefix("Trafiklys is running at ")
                .map(|a| a.trim_end_matches('/').to_owned())
        });
    let health = address.map(|a| TestApp::request_to(&client(), &a, "/healthz", None));
    let _ = child.kill();
    let _ = child.wait();
    let health = health.expect("the server started");
    assert_eq!(health.status, 503);
    assert!(health.text().starts_with("degraded"), "{}", health.text());
    assert!(!health.text().contains("skrivebeskyttet.db"));
    let logged = std::fs::read_to_string(&log).expect("the log");
    assert!(
        logged.contains("cannot be written") && logged.contains("readonly"),
        "{logged}"
    );
}
