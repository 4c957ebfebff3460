//! Reminders: the tracker's list of municipalities that have not submitted, with their
//! editors, and the reminder mails, received by a real SMTP server (aiosmtpd) that the test
//! starts. Without aiosmtpd (Debian: `apt-get install python3-aiosmtpd`) the mail test says
//! so and is skipped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use crate::helpers::*;
use crate::outbox::wait_for;
use trafiklys::domain::time::danish_datetime;
use trafiklys::domain::{MunicipalityCode, Role};
use trafiklys::store::{reminders, rounds, users};

/// An SMTP server on a free loopback port that prints each message it receives as one JSON
/// line: envelope recipients, headers decoded, and the plain-text body decoded.
const SINK: &str = r#"
import asyncio, email, email.policy, json, sys
from aiosmtpd.controller import Controller

class Sink:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        print(json.dumps({
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "body": body.get_content() if body else "",
        }), flush=True)
        return "250 Message accepted for delivery"

controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"#;

pub(crate) struct SmtpSink {
    child: Child,
    pub(crate) port: u16,
    lines: mpsc::Receiver<String>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpSink {
    /// Starts aiosmtpd with the first Python that has it; `None` (and a note in the test's
    /// output) when none has.
    pub(crate) fn start() -> Option<SmtpSink> {
        let python = ["python3", "/usr/bin/python3"].into_iter().find(|p| {
            Command::new(p)
                .args(["-c", "import aiosmtpd"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
        let Some(python) = python else {
            eprintln!(
                "SKIPPED: no Python with aiosmtpd, so the reminder mail test cannot start its \
                 SMTP server. Install it with: apt-get install -y python3-aiosmtpd"
            );
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new(python)
            .args(["-u", "-c", SINK, &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP server");
        let stdout = child.stdout.take().expect("stdout");
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let sink = SmtpSink { child, port, lines };
        let first = sink
            .lines
            .recv_timeout(Duration::from_secs(30))
            .expect("the SMTP server starts");
        assert_eq!(first, "ready");
        Some(sink)
    }

    /// The next `n` messages the server received.
    pub(crate) fn messages(&self, n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| {
                let line = self
                    .lines
                    .recv_timeout(Duration::from_secs(60))
                    .unwrap_or_else(|_| panic!("message {} of {n} never arrived", i + 1));
                serde_json::from_str(&line).expect("a JSON line")
            })
            .collect()
    }

    pub(crate) fn nothing_more(&self) -> bool {
        self.lines.recv_timeout(Duration::from_millis(300)).is_err()
    }
}

pub(crate) fn add_editor(app: &TestApp, email: &str, code: &str, with_password: bool) -> i32 {
    let hash = if with_password {
        trafiklys::password::hash("en lang adgangskode til test").unwrap()
    } else {
        String::new()
    };
    users::create_user(
        &mut app.conn(),
        &users::NewUser {
            email: email.into(),
            name: format!("Redaktør {code}"),
            role: Role::Editor,
            kkr_id: None,
            municipality_code: Some(MunicipalityCode::parse(code).unwrap()),
        },
        &hash,
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap()
    .id
}

/// Editors for the demo round's missing municipalities: Gribskov (draft) and Dragør (not
/// started) can be reminded; Vallensbæk's is deactivated and Bornholm's has not chosen a
/// password yet, so neither is.
pub(crate) fn add_editors(app: &TestApp) {
    add_editor(app, "redaktoer@gribskov.example", "270", true);
    add_editor(app, "redaktoer@dragoer.example", "155", true);
    let gone = add_editor(app, "tidligere@vallensbaek.example", "187", true);
    let admin = users::find_by_email(&mut app.conn(), &app.email(Role::Admin))
        .unwrap()
        .unwrap()
        .0;
    users::deactivate(
        &mut app.conn(),
        gone,
        admin.id,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    add_editor(app, "inviteret@bornholm.example", "400", false);
}

#[test]
fn the_tracker_shows_admins_who_has_not_submitted_with_their_editors_emails() {
    let app = spawn_app();
    add_editors(&app);
    let admin = app.signed_in(Role::Admin);
    let page = app.get(&admin, &format!("/rounds/{ROUND_2017}")).text();
    assert!(page.contains("Mangler at indsende (5)"));
    let doc = parse(&page);
    for name in [
        "Frederiksberg",
        "Gribskov",
        "Dragør",
        "Vallensbæk",
        "Bornholm",
    ] {
        assert!(doc.has_text("th[scope=\"row\"]", name), "{name}");
    }
    assert!(page.contains(
        "redaktoer@dragoer.example; editor@frederiksberg.example; redaktoer@gribskov.example"
    ));
    assert!(!page.contains("tidligere@vallensbaek.example"));
    assert!(page.contains("Ingen redaktør med adgang"));
    assert!(page.contains("/rounds/2/reminders"));

    // Members of the KKR read the tracker, but not the editors' emails.
    let kkr = app.signed_in(Role::Kkr);
    let page = app.get(&kkr, &format!("/rounds/{ROUND_2017}")).text();
    assert!(!page.contains("Mangler at indsende"));
    assert!(!page.contains("redaktoer@gribskov.example"));
    assert_eq!(
        app.get(&kkr, &format!("/rounds/{ROUND_2017}/reminders"))
            .status,
        403
    );
}

#[test]
fn without_a_mail_server_reminders_are_not_sent_and_the_page_says_so() {
    let app = spawn_app();
    add_editors(&app);
    let admin = app.signed_in(Role::Admin);
    let page = app
        .get(&admin, &format!("/rounds/{ROUND_2017}/reminders"))
        .text();
    assert!(page.contains("Der er ikke sat en mailserver op (TRAFIKLYS_SMTP_URL)"));
    assert!(!parse(&page)
        .texts("button[type=\"submit\"]")
        .iter()
        .any(|b| b.starts_with("Send påmindelse")));
    let response = app.post(
        &admin,
        &format!("/rounds/{ROUND_2017}/reminders"),
        &[("csrf_token", &csrf_from(&page)), ("confirm", "ja")],
    );
    assert_eq!(response.status, 409);
    assert!(trafiklys::store::outbox::all(&mut app.conn())
        .unwrap()
        .is_empty());
    assert!(reminders::list(&mut app.conn(), ROUND_2017)
        .unwrap()
        .is_empty());
}

#[test]
fn reminders_are_mailed_to_each_editor_with_the_deadline_and_the_form_link_and_recorded() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let port = sink.port;
    let app = spawn_app_with(|s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        s.mail_from = Some("KKR Hovedstaden <kkr@kkr-hovedstaden.example>".into());
    });
    add_editors(&app);
    let round = rounds::get_round(&mut app.conn(), ROUND_2017)
        .unwrap()
        .unwrap();
    let deadline = danish_datetime(round.deadline);
    let admin = app.signed_in(Role::Admin);

    // The confirmation page: who gets what, before anything is sent.
    let page = app
        .get(&admin, &format!("/rounds/{ROUND_2017}/reminders"))
        .text();
    assert!(page.contains("Send påmindelse til 3 redaktører"));
    assert!(page.contains(&format!("Fristen er {deadline}.")));
    let csrf = csrf_from(&page);

    // Not without the confirmation, and not without the CSRF token.
    let unconfirmed = app.post(
        &admin,
        &format!("/rounds/{ROUND_2017}/reminders"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(unconfirmed.status, 409);
    let forged = app.post(
        &admin,
        &format!("/rounds/{ROUND_2017}/reminders"),
        &[("confirm", "ja")],
    );
    assert_eq!(forged.status, 403);
    assert!(
        sink.nothing_more(),
        "a message was sent without confirmation"
    );

    let sent = app.post(
        &admin,
        &format!("/rounds/{ROUND_2017}/reminders"),
        &[("csrf_token", &csrf), ("confirm", "ja")],
    );
    assert_eq!(sent.status, 200);
    assert!(sent
        .text()
        .contains("Påmindelsen er lagt i kø til 3 redaktører og sendes om lidt."));

    let mut messages = sink.messages(3);
    messages.sort_by_key(|m| m["rcpt_tos"].to_string());
    let expected = [
        ("editor@frederiksberg.example", "Frederiksberg", "147"),
        ("redaktoer@dragoer.example", "Dragør", "155"),
        ("redaktoer@gribskov.example", "Gribskov", "270"),
    ];
    for (message, (email, name, code)) in messages.iter().zip(expected) {
        assert_eq!(
            message["rcpt_tos"],
            serde_json::json!([email]),
            "one recipient each"
        );
        assert_eq!(message["mail_from"], "kkr@kkr-hovedstaden.example");
        assert_eq!(
            message["subject"],
            format!("Påmindelse: statusskemaet for {name} skal indsendes senest {deadline}")
        );
        let body = message["body"].as_str().unwrap();
        assert!(body.contains(&format!("Fristen er {deadline}.")), "{body}");
        let link = format!(
            "{}/rounds/{ROUND_2017}/municipalities/{code}/form",
            app.address
        );
        assert!(body.contains(&link), "{body}");
    }
    assert!(sink.nothing_more(), "a message too many");

    // The sending is recorded: who, when, to whom, and shown.
    wait_for("the three mails recorded as sent", || {
        reminders::list(&mut app.conn(), ROUND_2017).unwrap()[0]
            .recipients
            .iter()
            .all(|r| matches!(r.delivery, reminders::Delivery::Sent { at: Some(_) }))
    });
    let recorded = reminders::list(&mut app.conn(), ROUND_2017).unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].sent_by, "Anne Admin (KKR-sekretariatet)");
    let mut to: Vec<&str> = recorded[0]
        .recipients
        .iter()
        .map(|r| r.email.as_str())
        .collect();
    to.sort();
    assert_eq!(to, expected.map(|e| e.0));
    let page = app
        .get(&admin, &format!("/rounds/{ROUND_2017}/reminders"))
        .text();
    assert!(page.contains("af Anne Admin (KKR-sekretariatet): 3 af 3 afleveret</caption>"));
    assert!(page.contains("Afleveret til mailserveren"));
    let dashboard = app.get(&admin, &format!("/rounds/{ROUND_2017}")).text();
    assert!(dashboard.contains("3 af 3 afleveret til"));
}

#[test]
fn a_mail_server_that_cannot_be_reached_leaves_the_reminder_queued_with_its_failed_attempt() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let app = spawn_app_with(|s| s.smtp_url = Some(format!("smtp://127.0.0.1:{port}")));
    let admin = app.signed_in(Role::Admin);
    let page = app
        .get(&admin, &format!("/rounds/{ROUND_2017}/reminders"))
        .text();
    let sent = app.post(
        &admin,
        &format!("/rounds/{ROUND_2017}/reminders"),
        &[("csrf_token", &csrf_from(&page)), ("confirm", "ja")],
    );
    assert_eq!(sent.status, 200);
    wait_for("the failed attempt recorded", || {
        matches!(
            reminders::list(&mut app.conn(), ROUND_2017).unwrap()[0].recipients[..],
            [reminders::Recipient {
                delivery: reminders::Delivery::Queued {
                    attempts: 1,
                    last_error: Some(_),
                    ..
                },
                ..
            }]
        )
    });
    let page = app
        .get(&admin, &format!("/rounds/{ROUND_2017}/reminders"))
        .text();
    assert!(page.contains("0 af 1 afleveret, 1 i kø"));
    assert!(page.contains("I kø: 1 forsøg er mislykkedes (sidst: "));
    assert!(page.contains("Næste forsøg "));
}
