//! Spawns the real application on a free port with a fresh SQLite file holding the demo data,
//! and gives tests a cookie-keeping HTTP client.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};

use trafiklys::demo::{self, DemoOutcome, DemoSignIn};
use trafiklys::domain::{Answer, MunicipalityCode, Role, Status, Submission, SubmissionState};
use trafiklys::store::{self, DbPool};
use trafiklys::store::{rounds, submissions, users};
use trafiklys::web;

pub struct TestApp {
    pub address: String,
    pub db_path: std::path::PathBuf,
    pub pool: DbPool,
    pub sign_ins: Vec<DemoSignIn>,
    /// The app's clock: `advance` it to move past a deadline without sleeping.
    pub clock: trafiklys::clock::Clock,
    _dir: tempfile::TempDir,
}

pub struct Response {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
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

fn spawn(with_demo: bool, adjust: impl FnOnce(&mut web::Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("trafiklys-test.db");
    let pool = store::connect(db_path.to_str().expect("utf-8 path")).expect("database");
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
    let state = web::AppState::new(pool.clone(), &settings).expect("state");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            web::server(listener, state, &settings)
                .expect("server")
                .await
                .expect("server ran")
        })
    });
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        db_path: db_path.clone(),
        pool,
        sign_ins,
        clock,
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

fn finish(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Response {
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
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn get(&self, agent: &ureq::Agent, path: &str) -> Response {
        finish(agent.get(&self.url(path)).call())
    }

    pub fn post(&self, agent: &ureq::Agent, path: &str, fields: &[(&str, &str)]) -> Response {
        finish(
            agent
                .post(&self.url(path))
                .send_form(fields.iter().copied()),
        )
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
        if home.contains("name=\"csrf_token\"") {
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
    pub fn store_form(&self, round_id: i32, code: &str, state: SubmissionState) -> Submission {
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
                .map(|r| Answer {
                    recommendation_id: r.id,
                    status: Some(Status::Green),
                    comment: "Sat op af testen".into(),
                    carried: false,
                })
                .collect(),
            proposals: String::new(),
            state,
        };
        match submissions::save(&mut conn, &save, admin.id).expect("save") {
            submissions::SaveOutcome::Saved(s) => s,
            other => panic!("not saved: {other:?}"),
        }
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
        submissions::save(&mut conn, &save, admin.id).expect("save");
    }

    /// Moves a round's deadline by `hours` from now (negative: in the past).
    pub fn set_deadline_hours_from_now(&self, round_id: i32, hours: i64) {
        let deadline = chrono::Utc::now().naive_utc() + chrono::Duration::hours(hours);
        rounds::set_deadline(&mut self.conn(), round_id, deadline, None).expect("deadline");
    }
}

/// The value of the first hidden field with this name on a page.
pub fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden field {name} on the page"))
        + marker.len();
    let end = html[start..].find('"').expect("end of value") + start;
    html[start..end].to_owned()
}

pub fn csrf_from(html: &str) -> String {
    hidden_value(html, "csrf_token")
}

/// The text of a PDF, through poppler's pdftotext (Debian package poppler-utils).
pub fn pdf_text(pdf: &[u8]) -> String {
    let mut child = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
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
