//! Several processes on one PostgreSQL database: `trafiklys migrate` run by many at once, and
//! two real `trafiklys serve` processes behind a real nginx (`deploy/nginx.conf`), where a
//! sign-in and a saved answer are seen by both processes at once.
//!
//! These tests run in the PostgreSQL pass (see `postgres_pass.rs`); the nginx test also needs
//! nginx (Debian: `apt-get install nginx-light`). Without them a test says it was skipped.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::helpers::*;
use trafiklys::demo::{self, DemoOutcome, DemoSignIn};
use trafiklys::domain::Role;
use trafiklys::store;

const SECRET: &str = "a-secret-key-every-process-behind-nginx-shares-0123456789";
const NGINX_TEMPLATE: &str = include_str!("../../deploy/nginx.conf");
const FORM: &str = "/rounds/2/municipalities/147/form";

/// The database for a test of this file, or why the test is skipped.
fn postgres_database(test: &str) -> Option<TestDatabase> {
    if postgres_url().is_none() {
        println!("skipped {test}: it needs PostgreSQL ({POSTGRES_URL_VAR} is not set)");
        return None;
    }
    if backend() != Backend::Postgres {
        println!("{test} runs in the PostgreSQL pass, not in this SQLite pass");
        return None;
    }
    Some(TestDatabase::create())
}

/// A child process, killed when the test ends however it ends.
pub struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts `trafiklys serve` on a free loopback port; returns it with its address.
fn serve(database_url: &str) -> (Running, String) {
    let mut child = Command::new(BINARY)
        .arg("serve")
        .env("TRAFIKLYS_DATABASE_URL", database_url)
        .env("TRAFIKLYS_BIND", "127.0.0.1:0")
        .env("TRAFIKLYS_SECRET_KEY", SECRET)
        .env("TRAFIKLYS_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start trafiklys serve");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    let address = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.strip_prefix("Trafiklys is running at ")
                .map(|a| a.trim_end_matches('/').to_owned())
        })
        .expect("the process says where it listens");
    // Keep reading, so the process never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (running, address)
}

pub fn find_nginx() -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin"].map(PathBuf::from))
        .map(|dir| dir.join("nginx"))
        .find(|candidate| candidate.is_file())
}

/// nginx on a free loopback port with deploy/nginx.conf, round-robin to `upstreams`.
pub fn start_nginx(nginx: &Path, prefix: &Path, upstreams: &[&str]) -> (Running, String) {
    let port = free_port();
    let servers: String = upstreams
        .iter()
        .map(|address| format!("server {}; ", address.trim_start_matches("http://")))
        .collect();
    let prefix_text = prefix.to_str().expect("utf-8 path");
    let config = NGINX_TEMPLATE
        .replace("@PREFIX@", prefix_text)
        .replace("@LISTEN@", &format!("127.0.0.1:{port}"))
        .replace("@UPSTREAMS@", &servers)
        .replace("@STATIC@", concat!(env!("CARGO_MANIFEST_DIR"), "/static"));
    let config_path = prefix.join("nginx.conf");
    std::fs::write(&config_path, config).expect("write nginx.conf");
    let child = Command::new(nginx)
        .arg("-p")
        .arg(prefix)
        .arg("-c")
        .arg(&config_path)
        .arg("-e")
        .arg(prefix.join("error.log"))
        // In the foreground and as one process, so that the test can stop it for sure.
        .args(["-g", "daemon off; master_process off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start nginx");
    let running = Running(child);
    let address = format!("127.0.0.1:{port}");
    // Wait until nginx listens (it takes a moment to read its configuration).
    for _ in 0..200 {
        if TcpStream::connect(&address).is_ok() {
            return (running, format!("http://{address}"));
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    let log = std::fs::read_to_string(prefix.join("error.log")).unwrap_or_default();
    panic!("nginx did not start listening on {address}: {log}");
}

fn get(agent: &ureq::Agent, base: &str, path: &str) -> Response {
    TestApp::request_to(agent, base, path, None)
}

fn post(agent: &ureq::Agent, base: &str, path: &str, fields: &[(String, String)]) -> Response {
    TestApp::request_to(agent, base, path, Some(fields))
}

/// The demo data loaded into the database; the demo's editor, to sign in as.
fn demo_editor(pool: &store::DbPool) -> DemoSignIn {
    let mut conn = pool.get().expect("connection");
    let sign_ins = match demo::load(&mut conn).expect("demo data") {
        DemoOutcome::Loaded(sign_ins) => sign_ins,
        other => panic!("demo data not loaded: {other:?}"),
    };
    sign_ins
        .into_iter()
        .find(|s| s.role == Role::Editor)
        .expect("demo editor")
}

/// Signs `agent` in as `editor` through the server at `base`; the response to the sign-in.
fn sign_in(agent: &ureq::Agent, base: &str, editor: &DemoSignIn) -> Response {
    let login = get(agent, base, "/login").text();
    post(
        agent,
        base,
        "/login",
        &[
            ("email".to_owned(), editor.email.clone()),
            ("password".to_owned(), editor.password.clone()),
            ("csrf_token".to_owned(), csrf_from(&login)),
            ("next".to_owned(), "/".to_owned()),
        ],
    )
}

/// Every recommendation answered green with `comment`, submitted.
fn submitted_form(page: &str, comment: &str) -> Vec<(String, String)> {
    form_fields(page, "submit", "green", comment)
}

fn submitted_count(dashboard: &str) -> u32 {
    let end = dashboard
        .find(" kommuner har indsendt deres skema")
        .expect("the response count");
    let before = &dashboard[..end];
    let of = before.rfind(" af ").expect("«n af m»");
    let start = before[..of]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    before[start..of].parse().expect("a number")
}

#[test]
fn several_processes_migrating_at_once_apply_each_migration_once() {
    let Some(db) =
        postgres_database("several_processes_migrating_at_once_apply_each_migration_once")
    else {
        return;
    };
    let children: Vec<Child> = (0..4)
        .map(|_| {
            Command::new(BINARY)
                .arg("migrate")
                .env("TRAFIKLYS_DATABASE_URL", &db.url)
                .env("TRAFIKLYS_LOG", "warn")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start trafiklys migrate")
        })
        .collect();
    let mut applied_now = Vec::new();
    for child in children {
        let output = child.wait_with_output().expect("migrate ran");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "migrate failed: {stdout} {}",
            String::from_utf8_lossy(&output.stderr)
        );
        applied_now.push(migrations_applied(&stdout));
    }
    let mut conn = store::open(&db.url).expect("connection");
    let total = store::migrations(&conn);
    let known = diesel_migrations::MigrationHarness::applied_migrations(&mut conn)
        .expect("applied migrations")
        .len();
    let embedded = diesel::migration::MigrationSource::<store::MultiBackend>::migrations(&total)
        .expect("embedded")
        .len();
    assert_eq!(known, embedded);
    applied_now.sort_unstable();
    assert_eq!(
        applied_now.iter().sum::<usize>(),
        embedded,
        "one process applied them all, the others found nothing to do: {applied_now:?}"
    );
}

#[test]
fn two_processes_behind_nginx_share_sign_ins_and_answers_at_once() {
    let Some(db) =
        postgres_database("two_processes_behind_nginx_share_sign_ins_and_answers_at_once")
    else {
        return;
    };
    let Some(nginx) = find_nginx() else {
        println!(
            "skipped two_processes_behind_nginx_share_sign_ins_and_answers_at_once: \
             nginx is not installed (apt-get install nginx-light)"
        );
        return;
    };
    // Both start on the empty database at once: one migrates, the other waits its turn.
    let (first, second) = std::thread::scope(|scope| {
        let a = scope.spawn(|| serve(&db.url));
        let b = scope.spawn(|| serve(&db.url));
        (a.join().expect("first"), b.join().expect("second"))
    });
    let ((_first, a), (_second, b)) = (first, second);
    let editor = demo_editor(&store::connect(&db.url).expect("database"));
    let prefix = tempfile::tempdir().expect("nginx prefix");
    let (_nginx, front) = start_nginx(&nginx, prefix.path(), &[&a, &b]);

    // Sign in through nginx: one of the two processes takes it.
    let agent = client();
    let response = sign_in(&agent, &front, &editor);
    assert_eq!(response.status, 303, "signed in through nginx");
    // The cookie holds for 127.0.0.1 on any port: ask each process directly, then nginx.
    for base in [&a, &b, &front, &front] {
        let account = get(&agent, base, "/account");
        assert_eq!(account.status, 200, "signed in on {base}");
        assert!(
            account.text().contains(&editor.email),
            "{base} knows the user"
        );
    }

    // The second process has computed (and cached) the round before the answer arrives.
    let dashboard_before = get(&agent, &b, "/rounds/2").text();
    let before = submitted_count(&dashboard_before);
    let api_before: serde_json::Value =
        serde_json::from_slice(&get(&agent, &b, "/api/v1/rounds/2/responses").bytes).expect("json");

    // The answer is saved and submitted through the first process.
    let comment = "Gemt gennem den første proces – æ, ø og å";
    let page = get(&agent, &a, FORM).text();
    let saved = post(&agent, &a, FORM, &submitted_form(&page, comment));
    assert_eq!(saved.status, 303, "saved through {a}");

    // The second process shows it at once, on the dashboard and in the API.
    let dashboard_after = get(&agent, &b, "/rounds/2").text();
    assert_eq!(submitted_count(&dashboard_after), before + 1);
    let api_after: serde_json::Value =
        serde_json::from_slice(&get(&agent, &b, "/api/v1/rounds/2/responses").bytes).expect("json");
    assert_eq!(
        api_after["submitted_count"].as_u64(),
        api_before["submitted_count"].as_u64().map(|n| n + 1)
    );
    let frederiksberg = api_after["municipalities"]
        .as_array()
        .expect("municipalities")
        .iter()
        .find(|m| m["code"] == "147")
        .expect("Frederiksberg");
    assert_eq!(frederiksberg["response"], "submitted");
    let submission: serde_json::Value = serde_json::from_slice(
        &get(&agent, &b, "/api/v1/rounds/2/municipalities/147/submission").bytes,
    )
    .expect("json");
    assert!(
        submission.to_string().contains(comment),
        "the API of the second process has the comment: {submission}"
    );
    // And nginx, whichever process answers.
    for _ in 0..4 {
        let page = get(&agent, &front, "/rounds/2").text();
        assert_eq!(submitted_count(&page), before + 1);
    }
}

/// The count of a labelled counter in a process's `/metrics`.
fn counter(metrics: &str, name_and_labels: &str) -> u64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name_and_labels))
        .and_then(|value| value.trim().parse::<f64>().ok())
        .map_or(0, |value| value as u64)
}

#[test]
fn each_process_keeps_signed_in_users_through_saves_until_a_user_changes_and_a_users_own_save_shows_everywhere(
) {
    let test = "each_process_keeps_signed_in_users_through_saves_until_a_user_changes_and_a_users_own_save_shows_everywhere";
    let Some(db) = postgres_database(test) else {
        return;
    };
    let pool = store::connect(&db.url).expect("database");
    let editor = demo_editor(&pool);
    let ((_first, a), (_second, b)) = (serve(&db.url), serve(&db.url));
    let agent = client();
    let response = sign_in(&agent, &a, &editor);
    assert_eq!(response.status, 303, "signed in on {a}");

    let hits = |base: &str| {
        counter(
            &get(&agent, base, "/metrics").text(),
            "trafiklys_signed_in_user_lookups_total{result=\"hit\"}",
        )
    };
    let misses = |base: &str| {
        counter(
            &get(&agent, base, "/metrics").text(),
            "trafiklys_signed_in_user_lookups_total{result=\"miss\"}",
        )
    };
    // Asks `base` for the form until it serves the user from memory: it has then heard of
    // the latest version and holds the form page at it.
    let served_from_memory = |base: &str| {
        let before = hits(base);
        for _ in 0..200 {
            assert_eq!(get(&agent, base, FORM).status, 200);
            if hits(base) > before {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        panic!("{base} never served the user from memory");
    };

    // A user's own saves in one process show at once in the other, every time, even though
    // the other process holds the user and the form page at the version before the save: the
    // session carries the data version its save left, so the other process serves no page it
    // keeps from before it until it has heard of that version. A save changes no user, so the
    // other process still serves the user from memory.
    for n in 0..12 {
        let (from, to) = if n % 2 == 0 { (&a, &b) } else { (&b, &a) };
        served_from_memory(to);
        let page = get(&agent, from, FORM).text();
        let comment = format!("Gemt nummer {n} i én proces, læst i den anden");
        let saved = post(
            &agent,
            from,
            FORM,
            &form_fields(&page, "save", "yellow", &comment),
        );
        assert_eq!(saved.status, 303, "save {n} through {from}");
        let before = (hits(to), misses(to));
        let shown = get(&agent, to, FORM);
        assert_eq!(shown.status, 200);
        assert!(
            shown.text().contains(&comment),
            "save {n}, made through {from}, shows at once through {to}"
        );
        let after = (hits(to), misses(to));
        assert!(
            after.0 > before.0 && after.1 == before.1,
            "save {n}: {to} served the user from memory after a save through {from} \
             (hits and misses before {before:?}, after {after:?})"
        );
    }

    // With the data unchanged, the second process serves the user from what it keeps.
    served_from_memory(&b);

    // Signed out everywhere by a write from outside both processes (as the command line or a
    // third process would): the kept user is dropped as soon as the process hears of it.
    let mut conn = pool.get().expect("connection");
    let (user, _) = store::users::find_by_email(&mut conn, &editor.email)
        .expect("read")
        .expect("the editor");
    store::users::end_sessions(&mut conn, user.id, chrono::Utc::now().naive_utc())
        .expect("sign out everywhere");
    let ended = (0..500).any(|_| {
        let status = get(&agent, &b, "/account").status;
        if status == 200 {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        status == 303
    });
    assert!(ended, "{b} no longer serves the signed-out session");
}

#[test]
fn every_committed_write_is_told_to_a_listening_connection_with_the_version_it_left() {
    let Some(db) = postgres_database(
        "every_committed_write_is_told_to_a_listening_connection_with_the_version_it_left",
    ) else {
        return;
    };
    let pool = store::connect(&db.url).expect("database");
    let (mut listener, read) = store::versions::Listener::open(&pool)
        .expect("listen")
        .expect("PostgreSQL listens");
    use diesel::RunQueryDsl;
    let mut conn = pool.get().expect("connection");
    let _ = store::take_committed_versions();
    // Told by the database's triggers alone: this connection never reads the markers.
    let mut heard = read;
    let mut told_by_now = |committed: store::users::Versions| {
        for _ in 0..5000 {
            if let Some(told) = listener.told().expect("the connection listens") {
                heard = heard.max(told);
            }
            if heard == committed {
                return heard;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        heard
    };
    for n in 1..=3 {
        store::write_tx(&mut conn, |_| Ok::<_, diesel::result::Error>(())).expect("a write");
        let committed = store::take_committed_versions().expect("the markers the write left");
        assert_eq!(committed.data, read.data + n, "write {n}");
        assert_eq!(committed.shown, read.shown + n, "and the shown marker");
        assert_eq!(committed.accounts, read.accounts, "no user changed");
        assert_eq!(
            told_by_now(committed),
            committed,
            "write {n} is told with the markers it left"
        );
    }
    // A change to what a session lookup reads (here a municipality's KKR, written as it was)
    // moves the accounts marker, by the database's trigger, and is told with the rest.
    store::write_tx(&mut conn, |conn| {
        diesel::sql_query("UPDATE municipalities SET kkr_id = kkr_id WHERE code = '101'")
            .execute(conn)
    })
    .expect("a write to a municipality");
    let committed = store::take_committed_versions().expect("the markers the write left");
    assert_eq!(committed.data, read.data + 4);
    assert_eq!(
        committed.accounts,
        read.accounts + 1,
        "the accounts marker moved"
    );
    assert_eq!(told_by_now(committed), committed);
    // A write that is rolled back leaves nothing to carry.
    let refused: Result<(), diesel::result::Error> = store::write_tx(&mut conn, |_| {
        Err(diesel::result::Error::RollbackTransaction)
    });
    assert!(refused.is_err());
    assert_eq!(store::take_committed_versions(), None);
}
