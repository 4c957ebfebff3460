//! Spawns the real application on a free port with a fresh database holding the demo data,
//! and gives tests a cookie-keeping HTTP client.
//!
//! The database is a SQLite file, or, when `TRAFIKLYS_TEST_BACKEND=postgres`, a PostgreSQL
//! database of its own created through `TRAFIKLYS_TEST_POSTGRES_URL` and dropped when the
//! test ends. `postgres_pass.rs` runs the whole suite that second way when the URL is set.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};

use trafiklys::demo::{self, DemoOutcome, DemoSignIn};
use trafiklys::domain::{Answer, MunicipalityCode, Role, Status, Submission, SubmissionState};
use trafiklys::store::{self, DbPool};
use trafiklys::store::{rounds, submissions, users};
use trafiklys::web;

pub use crate::html::{
    answered_form, csrf_from, first_snapshot_id, form_fields, hidden_value, parse,
    recommendation_ids,
};

/// The application's binary, as cargo built it for these tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_trafiklys");

pub struct TestApp {
    pub address: String,
    /// The database as the command line takes it: the SQLite file, or the PostgreSQL URL.
    pub db_path: std::path::PathBuf,
    /// The same as a string (`TRAFIKLYS_DATABASE_URL`).
    pub database_url: String,
    pub backend: Backend,
    pub pool: DbPool,
    pub sign_ins: Vec<DemoSignIn>,
    server: actix_web::dev::ServerHandle,
    // Dropped after the server stops: the PostgreSQL database, then the SQLite file's folder.
    _database: Option<TestDatabase>,
    /// The app's clock: `advance` it to move past a deadline without sleeping.
    pub clock: trafiklys::clock::Clock,
    /// What the app knows of the data version (PostgreSQL), for [`TestApp::settle`].
    versions: Option<std::sync::Arc<trafiklys::web::infra::versions::VersionWatch>>,
    _dir: tempfile::TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        actix_web::rt::System::new().block_on(self.server.stop(false));
    }
}

/// Which database the tests of this run use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The variable that points the suite at PostgreSQL: an admin URL through which each test
/// creates (and afterwards drops) a database of its own.
pub const POSTGRES_URL_VAR: &str = "TRAFIKLYS_TEST_POSTGRES_URL";
/// `postgres` runs every test of this process on PostgreSQL; anything else (or unset), SQLite.
pub const BACKEND_VAR: &str = "TRAFIKLYS_TEST_BACKEND";

/// The backend of this test process.
/// True (after saying so) when this pass runs on PostgreSQL and the test is SQLite's only.
pub fn skip_on_postgres(test: &str, why: &str) -> bool {
    let skip = matches!(backend(), Backend::Postgres);
    if skip {
        println!("skipped {test} on PostgreSQL: {why}");
    }
    skip
}

pub fn backend() -> Backend {
    match std::env::var(BACKEND_VAR).as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

/// The PostgreSQL admin URL, if the run has one.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// A PostgreSQL database of a test's own, dropped (with any connections left) on drop.
pub struct TestDatabase {
    pub url: String,
    admin_url: String,
    name: String,
}

impl TestDatabase {
    /// Creates an empty database through `TRAFIKLYS_TEST_POSTGRES_URL`.
    pub fn create() -> TestDatabase {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let admin_url = postgres_url()
            .unwrap_or_else(|| panic!("{POSTGRES_URL_VAR} must be set for tests on PostgreSQL"));
        let name = format!(
            "trafiklys_it_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        admin_execute(&admin_url, &format!("CREATE DATABASE {name}"));
        TestDatabase {
            url: with_database_name(&admin_url, &name),
            admin_url,
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        admin_execute(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

fn admin_execute(admin_url: &str, sql: &str) {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let mut conn = diesel::PgConnection::establish(admin_url)
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
    conn.batch_execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// `postgres://user@host:5432/test?x=y` with another database name.
fn with_database_name(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, format!("?{query}")),
        None => (rest, String::new()),
    };
    let authority = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{authority}/{name}{query}")
}

/// A fresh empty database of this run's backend, as its URL, with what keeps it alive.
pub fn fresh_database() -> (String, FreshDatabase) {
    match backend() {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("trafiklys-test.db");
            (
                path.to_str().expect("utf-8 path").to_owned(),
                FreshDatabase {
                    _dir: Some(dir),
                    _database: None,
                },
            )
        }
        Backend::Postgres => {
            let db = TestDatabase::create();
            (
                db.url.clone(),
                FreshDatabase {
                    _dir: None,
                    _database: Some(db),
                },
            )
        }
    }
}

/// Keeps a fresh database alive: the SQLite file's folder, or the PostgreSQL database.
pub struct FreshDatabase {
    _dir: Option<tempfile::TempDir>,
    _database: Option<TestDatabase>,
}

pub struct Response {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The value of a response header (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The demo round ids: 2016 is created first.
pub const ROUND_2016: i32 = 1;
pub const ROUND_2017: i32 = 2;

pub fn spawn_app() -> TestApp {
    spawn_app_with(|_| {})
}

/// Spawns the app with adjusted settings (e.g. a short idle timeout).
pub fn spawn_app_with(adjust: impl FnOnce(&mut web::Settings)) -> TestApp {
    spawn(true, adjust)
}

/// Spawns the app on a fresh installation: the migrations' reference data, no demo.
pub fn spawn_app_without_demo() -> TestApp {
    spawn(false, |_| {})
}

/// Spawns the app with the demo data, its pool reaching the database through the URL
/// `reach` makes of the database's own (e.g. through a proxy the test can cut); the test's own
/// connections (`conn`, `pool`) go to the database directly.
pub fn spawn_app_reaching(reach: impl FnOnce(&str) -> String) -> TestApp {
    spawn_with_url(true, |_| {}, Some(reach))
}

fn spawn(with_demo: bool, adjust: impl FnOnce(&mut web::Settings)) -> TestApp {
    spawn_with_url(with_demo, adjust, None::<fn(&str) -> String>)
}

fn spawn_with_url(
    with_demo: bool,
    adjust: impl FnOnce(&mut web::Settings),
    reach: Option<impl FnOnce(&str) -> String>,
) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = backend();
    let (database_url, database) = match backend {
        Backend::Sqlite => {
            let path = dir.path().join("trafiklys-test.db");
            (path.to_str().expect("utf-8 path").to_owned(), None)
        }
        Backend::Postgres => {
            let db = TestDatabase::create();
            (db.url.clone(), Some(db))
        }
    };
    let pool = store::connect(&database_url).expect("database");
    let sign_ins = if with_demo {
        match demo::load(&mut pool.get().expect("connection")).expect("demo data") {
            DemoOutcome::Loaded(sign_ins) => sign_ins,
            other => panic!("demo data not loaded: {other:?}"),
        }
    } else {
        Vec::new()
    };
    let clock = trafiklys::clock::Clock::system();
    let mut settings = web::Settings {
        secret_key: Some("test-secret-key-that-is-long-enough-for-cookies-0123456789".into()),
        clock: clock.clone(),
        ..web::Settings::default()
    };
    adjust(&mut settings);
    let app_pool = match reach {
        Some(reach) => store::connect(&reach(&database_url)).expect("database through the proxy"),
        None => pool.clone(),
    };
    let state = web::AppState::new(app_pool, &settings).expect("state");
    let versions = state.versions.clone();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let (handle_tx, handle_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = web::server(listener, state, &settings).expect("server");
            handle_tx.send(server.handle()).expect("test waits");
            server.await.expect("server ran")
        })
    });
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        db_path: std::path::PathBuf::from(&database_url),
        database_url,
        backend,
        pool,
        sign_ins,
        server: handle_rx.recv().expect("server started"),
        _database: database,
        clock,
        versions,
        _dir: dir,
    }
}

pub fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

pub fn finish(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Response {
    let mut response = result.expect("request");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let bytes = response
        .body_mut()
        .with_config()
        .limit(50 * 1024 * 1024)
        .read_to_vec()
        .expect("body");
    Response {
        status,
        location,
        content_type,
        bytes,
        headers,
    }
}

impl TestApp {
    /// A GET (`fields` = None) or form POST to `path` on the server at `base` (any server,
    /// e.g. another process or a proxy in front of it).
    pub fn request_to(
        agent: &ureq::Agent,
        base: &str,
        path: &str,
        fields: Option<&[(String, String)]>,
    ) -> Response {
        let url = format!("{base}{path}");
        match fields {
            None => finish(agent.get(&url).call()),
            Some(fields) => finish(
                agent
                    .post(&url)
                    .send_form(fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            ),
        }
    }

    /// The address of `path` on this app, for a request about to be sent: first the app
    /// has heard of every write committed so far (see [`TestApp::settle`]).
    pub fn url(&self, path: &str) -> String {
        self.settle();
        format!("{}{}", self.address, path)
    }

    /// On PostgreSQL, waits until the app has heard of every write committed so far, the
    /// test's own writes through `conn` included (as a person's next request a moment later
    /// would find it: the app keeps signed-in users between changes, and hears of a change
    /// a few milliseconds after its commit). At once when the database cannot be read or
    /// the app serves nothing from memory.
    pub fn settle(&self) {
        let Some(watch) = &self.versions else {
            return;
        };
        let Ok(mut conn) = self.pool.get() else {
            return;
        };
        let Ok(markers) = store::versions::read_versions(&mut *conn) else {
            return;
        };
        drop(conn);
        for _ in 0..5000 {
            if watch.has_heard(markers.into()) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        panic!("the app did not hear of the markers {markers:?} within 5 s");
    }

    /// On PostgreSQL, waits until the app serves nothing from memory, after its database
    /// connections were cut: its listening thread notices within milliseconds (at most a
    /// second without an answer), and until then it may serve a signed-in user a page it keeps,
    /// as the data cannot have changed without the database.
    pub fn until_nothing_is_served_from_memory(&self) {
        let Some(watch) = &self.versions else {
            return;
        };
        for _ in 0..5000 {
            if !watch.serves_from_memory() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        panic!("the app still serves from memory 5 s after its database went away");
    }

    pub fn get(&self, agent: &ureq::Agent, path: &str) -> Response {
        finish(agent.get(&self.url(path)).call())
    }

    /// Posts a body as it is, with the given content type (for bodies a browser would not send).
    pub fn post_raw(
        &self,
        agent: &ureq::Agent,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> Response {
        finish(
            agent
                .post(&self.url(path))
                .header("Content-Type", content_type)
                .send(body),
        )
    }

    /// A request with any method and optional headers.
    pub fn request(
        &self,
        agent: &ureq::Agent,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut builder = ureq::http::Request::builder()
            .method(method)
            .uri(self.url(path));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        finish(agent.run(builder.body(ureq::SendBody::none()).expect("request")))
    }

    pub fn post(&self, agent: &ureq::Agent, path: &str, fields: &[(&str, &str)]) -> Response {
        finish(
            agent
                .post(&self.url(path))
                .send_form(fields.iter().copied()),
        )
    }

    /// Runs the command line on this app's database (its log at warnings only) and waits
    /// for it.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        Command::new(BINARY)
            .args(args)
            .env("TRAFIKLYS_DATABASE_URL", &self.db_path)
            .env("TRAFIKLYS_LOG", "warn")
            .output()
            .expect("run trafiklys")
    }

    /// Posts form fields held as owned pairs (as the form helpers build them).
    pub fn post_fields(
        &self,
        agent: &ureq::Agent,
        path: &str,
        fields: &[(String, String)],
    ) -> Response {
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.post(agent, path, &borrowed)
    }

    pub fn password(&self, role: Role) -> String {
        self.sign_ins
            .iter()
            .find(|s| s.role == role)
            .map(|s| s.password.clone())
            .expect("demo user")
    }

    pub fn email(&self, role: Role) -> String {
        self.sign_ins
            .iter()
            .find(|s| s.role == role)
            .map(|s| s.email.clone())
            .expect("demo user")
    }

    /// A client signed in with this email and password.
    pub fn signed_in_as(&self, email: &str, password: &str) -> ureq::Agent {
        let agent = client();
        let token = csrf_from(&self.get(&agent, "/login").text());
        let response = self.post(
            &agent,
            "/login",
            &[
                ("email", email),
                ("password", password),
                ("csrf_token", &token),
                ("next", "/"),
            ],
        );
        assert_eq!(response.status, 303, "sign-in as {email} failed");
        agent
    }

    /// Posts a multipart form: text fields and one file field named "file".
    pub fn post_multipart(
        &self,
        agent: &ureq::Agent,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Response {
        let boundary = "----trafiklys-test-boundary-7d1f";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((file_name, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        finish(
            agent
                .post(&self.url(path))
                .header(
                    "Content-Type",
                    &format!("multipart/form-data; boundary={boundary}"),
                )
                .send(&body[..]),
        )
    }

    /// A series of /metrics (name and labels as printed), 0 when it is not there.
    pub fn metric(&self, series: &str) -> u64 {
        let text = self.get(&client(), "/metrics").text();
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{series} ")))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Row counts and the data version: changes with any write.
    pub fn fingerprint(&self) -> Vec<(&'static str, i64)> {
        store::imports::fingerprint(&mut self.conn()).expect("fingerprint")
    }

    /// A client signed in as the demo user with this role.
    pub fn signed_in(&self, role: Role) -> ureq::Agent {
        let agent = client();
        let token = csrf_from(&self.get(&agent, "/login").text());
        let response = self.post(
            &agent,
            "/login",
            &[
                ("email", &self.email(role)),
                ("password", &self.password(role)),
                ("csrf_token", &token),
                ("next", "/"),
            ],
        );
        assert_eq!(response.status, 303, "sign-in as {role:?} failed");
        agent
    }

    pub fn conn(&self) -> store::PooledDb {
        self.pool.get().expect("connection")
    }

    /// A CSRF token of this client's session (read from a page that carries one).
    pub fn csrf(&self, agent: &ureq::Agent) -> String {
        let home = self.get(agent, "/").text();
        if parse(&home).has("input[name=\"csrf_token\"]") {
            csrf_from(&home)
        } else {
            csrf_from(&self.get(agent, "/login").text())
        }
    }

    pub fn submission(&self, round_id: i32, code: &str) -> Option<Submission> {
        submissions::get_submission(
            &mut self.conn(),
            round_id,
            &MunicipalityCode::parse(code).expect("code"),
        )
        .expect("query")
    }

    /// Puts a municipality's form in the given state directly in the store, every answer
    /// green with a comment, as the admin.
    /// A municipality of the round whose form is not submitted.
    pub fn not_submitted(&self, round_id: i32) -> String {
        rounds::participants(&mut self.conn(), round_id)
            .unwrap()
            .into_iter()
            .map(|m| m.code.to_string())
            .find(|code| {
                self.submission(round_id, code)
                    .is_none_or(|s| s.state != SubmissionState::Submitted)
            })
            .expect("a municipality without a submitted form")
    }

    pub fn store_form(&self, round_id: i32, code: &str, state: SubmissionState) -> Submission {
        self.store_answers(round_id, code, state, "", |_| {
            (Status::Green, "Sat op af testen".to_owned())
        })
    }

    /// Saves a municipality's form in the given state directly in the store, as the admin:
    /// each recommendation (by its position in the round, from 0) answered as `answer` says,
    /// with `proposals`. Panics unless it is saved.
    pub fn store_answers(
        &self,
        round_id: i32,
        code: &str,
        state: SubmissionState,
        proposals: &str,
        answer: impl Fn(usize) -> (Status, String),
    ) -> Submission {
        let mut conn = self.conn();
        let content = rounds::load_content(&mut conn, round_id)
            .expect("query")
            .expect("round");
        let admin = users::find_by_email(&mut conn, &self.email(Role::Admin))
            .expect("query")
            .expect("admin")
            .0;
        let current = self.submission(round_id, code);
        let save = submissions::SaveSubmission {
            round_id,
            municipality_code: MunicipalityCode::parse(code).expect("code"),
            base_version: current.map_or(0, |s| s.version),
            answers: content
                .recommendations
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let (status, comment) = answer(i);
                    Answer {
                        recommendation_id: r.id,
                        status: Some(status),
                        comment,
                        carried: false,
                        evidence: None,
                    }
                })
                .collect(),
            proposals: proposals.to_owned(),
            state,
        };
        match submissions::save(
            &mut conn,
            &save,
            admin.id,
            trafiklys::clock::Clock::system().now(),
        )
        .expect("save")
        {
            submissions::SaveOutcome::Saved(s) => s,
            other => panic!("not saved: {other:?}"),
        }
    }

    /// A 2018 round of KKR Hovedstaden, a draft made in the store as the command line makes
    /// it: `participants` (None: every municipality of the KKR); `from_previous` carries
    /// 2017's recommendations over. Returns its id.
    pub fn create_2018_draft(
        &self,
        participants: Option<Vec<MunicipalityCode>>,
        from_previous: bool,
    ) -> i32 {
        let setup = trafiklys::domain::rounds::RoundSetup::parse(
            "2018",
            "Status 2018",
            "beskæftigelsesområdet",
            "1.12.2018 23.59",
        )
        .expect("round setup");
        rounds::create_round(
            &mut self.conn(),
            &rounds::CreateRound {
                kkr_id: 1,
                setup,
                participants,
                from_previous,
            },
            None,
            trafiklys::clock::Clock::system().now(),
        )
        .expect("round created")
    }

    /// Sets one municipality's submitted answers: every recommendation green with
    /// `comment`, except the first, which gets `first_comment`.
    pub fn submit_with_comments(&self, code: &str, first_comment: &str, comment: &str) {
        let stored = self.store_form(ROUND_2017, code, SubmissionState::Draft);
        let mut conn = self.conn();
        let admin = users::find_by_email(&mut conn, &self.email(Role::Admin))
            .expect("query")
            .expect("admin")
            .0;
        let answers = stored
            .answers
            .iter()
            .enumerate()
            .map(|(i, a)| Answer {
                comment: if i == 0 { first_comment } else { comment }.to_owned(),
                ..a.clone()
            })
            .collect();
        let save = submissions::SaveSubmission {
            round_id: ROUND_2017,
            municipality_code: MunicipalityCode::parse(code).expect("code"),
            base_version: stored.version,
            answers,
            proposals: String::new(),
            state: SubmissionState::Submitted,
        };
        submissions::save(
            &mut conn,
            &save,
            admin.id,
            trafiklys::clock::Clock::system().now(),
        )
        .expect("save");
    }

    /// Moves a round's deadline by `hours` from now (negative: in the past).
    pub fn set_deadline_hours_from_now(&self, round_id: i32, hours: i64) {
        let deadline = chrono::Utc::now().naive_utc() + chrono::Duration::hours(hours);
        rounds::set_deadline(
            &mut self.conn(),
            round_id,
            deadline,
            None,
            trafiklys::clock::Clock::system().now(),
        )
        .expect("deadline");
    }
}

/// The records of the demo's 2017 recommendations (`data/kkr-hovedstaden-2017-recommendations.csv`,
/// without its header): focus area number and title, code, text, binding.
pub fn recommendation_records_2017() -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(
        include_str!("../../data/kkr-hovedstaden-2017-recommendations.csv").as_bytes(),
    )
    .records()
    .map(|r| r.expect("a record"))
    .collect()
}

/// The session cookie of a signed-in client, as a `Cookie` header value (to replay it from
/// elsewhere).
pub fn session_cookie(agent: &ureq::Agent) -> String {
    let jar = agent.cookie_jar_lock();
    let cookie = jar
        .iter()
        .find(|c| c.name() == "trafiklys")
        .map(|c| format!("{}={}", c.name(), c.value()))
        .expect("a session cookie");
    cookie
}

/// One row of a spreadsheet's sheet (from 0), each cell as text.
pub fn sheet_row(sheet: &calamine::Range<calamine::Data>, row: usize) -> Vec<String> {
    sheet
        .rows()
        .nth(row)
        .unwrap_or_else(|| panic!("no row {row} in the sheet"))
        .iter()
        .map(|c| c.to_string())
        .collect()
}

/// How many migrations a `migrate` run says it applied ("… (n migrations applied now)").
pub fn migrations_applied(stdout: &str) -> usize {
    stdout
        .split('(')
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("how many migrations ran: {stdout}"))
}

/// The headings of a council agenda item, in order.
pub const AGENDA_HEADINGS: [&str; 6] = [
    "Beslutningstema",
    "Sagsfremstilling og økonomi",
    "Bevilling",
    "Retsgrundlag",
    "Kompetence",
    "Indstilling",
];

/// Text with its whitespace folded to single spaces: a page's or a PDF's text as a reader
/// sees it, whatever the line breaks.
pub fn folded(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of a PDF, through poppler's pdftotext (Debian package poppler-utils).
pub fn pdf_text(pdf: &[u8]) -> String {
    pdftotext(pdf, &[])
}

/// The text of one page of a PDF (from 1).
pub fn pdf_page_text(pdf: &[u8], page: usize) -> String {
    let page = page.to_string();
    pdftotext(pdf, &["-f", &page, "-l", &page])
}

fn pdftotext(pdf: &[u8], pages: &[&str]) -> String {
    let mut child = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .args(pages)
        .args(["-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("pdftotext is needed for the PDF tests: apt-get install poppler-utils");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(pdf)
        .expect("write pdf");
    let output = child.wait_with_output().expect("pdftotext output");
    assert!(output.status.success(), "pdftotext failed");
    String::from_utf8(output.stdout).expect("utf-8 text")
}

/// pdfinfo's fields of a PDF.
pub fn pdf_info(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).expect("write pdf");
    let output = Command::new("pdfinfo")
        .arg(&path)
        .output()
        .expect("pdfinfo is needed for the PDF tests: apt-get install poppler-utils");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

impl TestDatabase {
    /// Refuses (or again accepts) every connection to this database, and ends those open:
    /// to the application the database server is gone.
    fn refuse_connections(&self, refuse: bool) {
        admin_execute(
            &self.admin_url,
            &format!(
                "ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}",
                self.name, !refuse
            ),
        );
        if refuse {
            admin_execute(
                &self.admin_url,
                &format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = '{}' AND pid <> pg_backend_pid()",
                    self.name
                ),
            );
        }
    }
}

impl TestApp {
    /// Takes the database away from the running application: the SQLite file is moved
    /// aside, or the PostgreSQL database refuses connections and its open ones end.
    pub fn cut_database(&self) {
        match &self._database {
            Some(db) => db.refuse_connections(true),
            None => std::fs::rename(&self.db_path, self.db_path.with_extension("cut"))
                .expect("move the database file aside"),
        }
    }

    /// Gives the database back after [`TestApp::cut_database`], and waits (a bounded number
    /// of tries) until `/healthz` says the application can use it again.
    pub fn restore_database(&self) {
        match &self._database {
            Some(db) => db.refuse_connections(false),
            None => std::fs::rename(self.db_path.with_extension("cut"), &self.db_path)
                .expect("put the database file back"),
        }
        let agent = client();
        let back = (0..300).any(|_| {
            let ok = self.get(&agent, "/healthz").status == 200;
            if !ok {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            ok
        });
        assert!(back, "the application uses the database again");
    }
}

impl TestApp {
    /// Makes the database refuse writes (`true`) or take them again: every connection of the
    /// pool set `query_only` on SQLite; on PostgreSQL the database's transactions read-only
    /// by default, its connections ended so that new ones take the setting.
    pub fn set_read_only(&self, read_only: bool) {
        use diesel::connection::SimpleConnection;
        match &self._database {
            Some(db) => {
                admin_execute(
                    &db.admin_url,
                    &format!(
                        "ALTER DATABASE {} SET default_transaction_read_only = {}",
                        db.name,
                        if read_only { "on" } else { "off" }
                    ),
                );
                admin_execute(
                    &db.admin_url,
                    &format!(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE datname = '{}' AND pid <> pg_backend_pid()",
                        db.name
                    ),
                );
            }
            None => {
                let all: Vec<_> = (0..self.pool.max_size()).map(|_| self.conn()).collect();
                for mut conn in all {
                    conn.batch_execute(&format!(
                        "PRAGMA query_only = {};",
                        if read_only { "ON" } else { "OFF" }
                    ))
                    .expect("set query_only");
                }
            }
        }
    }
}
