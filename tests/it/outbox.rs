//! Mail that never blocks: every mail waits in the outbox and a sender thread delivers it, so
//! a mail server that accepts connections and never answers holds up no request; once a real
//! server answers, each mail arrives exactly once, also with two senders on one database; and
//! one editor gets at most one reminder about a round in 12 hours, however often the button is
//! pressed. The mail tests start aiosmtpd (`apt-get install python3-aiosmtpd`) and are
//! skipped, saying so, without it.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::helpers::*;
use crate::reminders::{add_editor, add_editors, SmtpSink};
use trafiklys::domain::time::danish_datetime;
use trafiklys::domain::Role;
use trafiklys::mail::Mailer;
use trafiklys::outbox::Sender;
use trafiklys::store::outbox::{self, MailKind, MailState, NewMail};
use trafiklys::store::{self, reminders};

/// Polls `done` until it holds; panics (naming `what`) if it has not after two minutes.
pub(crate) fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let give_up = Instant::now() + Duration::from_secs(120);
    while !done() {
        assert!(Instant::now() < give_up, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A mail server that accepts connections and never says a word, until `forward_to` makes
/// it pass each new connection on to a real server.
struct SilentServer {
    port: u16,
    accepted: Arc<AtomicUsize>,
    forward: Arc<Mutex<Option<u16>>>,
    stop: Arc<AtomicBool>,
}

impl SilentServer {
    fn start() -> SilentServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let forward: Arc<Mutex<Option<u16>>> = Arc::new(Mutex::new(None));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, target, stopped) = (accepted.clone(), forward.clone(), stop.clone());
        std::thread::spawn(move || {
            // Silent connections stay open, unanswered, until the server stops.
            let mut held = Vec::new();
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = stream else { continue };
                count.fetch_add(1, Ordering::SeqCst);
                let to = *target.lock().unwrap();
                match to {
                    None => held.push(client),
                    Some(port) => {
                        if let Ok(server) = TcpStream::connect(("127.0.0.1", port)) {
                            relay(client, server);
                        }
                    }
                }
            }
            drop(held);
        });
        SilentServer {
            port,
            accepted,
            forward,
            stop,
        }
    }

    fn forward_to(&self, port: u16) {
        *self.forward.lock().unwrap() = Some(port);
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Copies bytes both ways between two connections until either side closes.
fn relay(client: TcpStream, server: TcpStream) {
    let pairs = [
        (client.try_clone(), server.try_clone()),
        (server.try_clone(), client.try_clone()),
    ];
    for (from, to) in pairs {
        let (Ok(mut from), Ok(mut to)) = (from, to) else {
            return;
        };
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n) = from.read(&mut buffer) {
                if n == 0 || to.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
            let _ = to.shutdown(Shutdown::Write);
        });
    }
}

fn mails(app: &TestApp) -> Vec<outbox::Mail> {
    outbox::all(&mut app.conn()).unwrap()
}

fn invite(app: &TestApp, admin: &ureq::Agent, email: &str) -> String {
    let form = app.get(admin, "/users/new").text();
    let response = app.post(
        admin,
        "/users",
        &[
            ("csrf_token", &csrf_from(&form)),
            ("email", email),
            ("name", "Ny Læser"),
            ("role", "reader"),
            ("municipality", "147"),
        ],
    );
    assert_eq!(response.status, 200);
    response.text()
}

#[test]
fn a_silent_mail_server_holds_up_no_request_and_each_waiting_mail_is_delivered_once_when_a_real_server_answers(
) {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let silent = SilentServer::start();
    let port = silent.port;
    let app = spawn_app_with(|s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        s.smtp_timeout = Some(Duration::from_secs(1));
    });
    // 96 more editors in the four municipalities that have not submitted, and Frederiksberg's.
    for i in 0..96 {
        let code = ["270", "155", "187", "400"][i % 4];
        add_editor(
            &app,
            &format!("redaktoer{i}@kommune{code}.example"),
            code,
            true,
        );
    }
    let admin = app.signed_in(Role::Admin);
    let page = app
        .get(&admin, &format!("/rounds/{ROUND_2017}/reminders"))
        .text();
    assert!(page.contains("Send påmindelse til 97 redaktører"));
    let sent = app.post(
        &admin,
        &format!("/rounds/{ROUND_2017}/reminders"),
        &[("csrf_token", &csrf_from(&page)), ("confirm", "ja")],
    );
    assert_eq!(sent.status, 200);
    assert!(sent
        .text()
        .contains("Påmindelsen er lagt i kø til 97 redaktører"));
    for i in 0..3 {
        let page = invite(&app, &admin, &format!("laeser{i}@frederiksberg.example"));
        assert!(page.contains("Linket sendes med mail til"));
        assert!(!page.contains("/invitation/"), "the link is not shown");
    }
    let queued = mails(&app);
    assert_eq!(queued.len(), 100);
    assert_eq!(
        queued
            .iter()
            .filter(|m| m.kind == MailKind::Invitation)
            .count(),
        3
    );

    // The sender is stuck on the silent server; a failed attempt gets recorded.
    wait_for("the sender connects to the silent server", || {
        silent.accepted.load(Ordering::SeqCst) >= 1
    });
    wait_for("a failed attempt recorded", || {
        mails(&app).iter().any(|m| {
            matches!(
                &m.state,
                MailState::Queued {
                    attempts: 1,
                    last_error: Some(_),
                    ..
                }
            )
        })
    });

    // Meanwhile sign-in and pages answer as always.
    let editor = app.signed_in(Role::Editor);
    assert_eq!(
        app.get(&editor, &format!("/rounds/{ROUND_2017}")).status,
        200
    );
    let reader = app.signed_in(Role::Reader);
    assert_eq!(
        app.get(&reader, &format!("/rounds/{ROUND_2017}")).status,
        200
    );
    assert_eq!(
        app.get(&admin, &format!("/rounds/{ROUND_2017}")).status,
        200
    );
    assert_eq!(app.get(&admin, "/users").status, 200);
    let page = invite(&app, &admin, "laeser-under-vejs@frederiksberg.example");
    assert!(page.contains("Linket sendes med mail til"));
    let page = app
        .get(&admin, &format!("/rounds/{ROUND_2017}/reminders"))
        .text();
    assert!(page.contains("0 af 97 afleveret, 97 i kø"));
    assert!(page.contains("I kø: 1 forsøg er mislykkedes (sidst: "));
    assert!(page.contains("I kø, sendes om lidt"));
    let waiting = mails(&app);
    assert_eq!(waiting.len(), 101);
    assert!(waiting
        .iter()
        .all(|m| matches!(m.state, MailState::Queued { .. })));

    // The server answers again: past the pause and the back-off, every mail arrives once.
    silent.forward_to(sink.port);
    app.clock.advance(chrono::Duration::hours(2));
    let received = sink.messages(101);
    let recipients: HashSet<String> = received
        .iter()
        .map(|m| m["rcpt_tos"][0].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(recipients.len(), 101, "each mail once");
    assert!(recipients.contains("redaktoer95@kommune400.example"));
    assert!(recipients.contains("laeser-under-vejs@frederiksberg.example"));
    assert!(sink.nothing_more(), "a mail was sent twice");
    wait_for("every mail recorded as sent", || {
        mails(&app)
            .iter()
            .all(|m| matches!(m.state, MailState::Sent { .. }))
    });
    // Two hours on, the admin's sign-in has ended by the app's clock: sign in again.
    let admin = app.signed_in(Role::Admin);
    let page = app
        .get(&admin, &format!("/rounds/{ROUND_2017}/reminders"))
        .text();
    assert!(page.contains("97 af 97 afleveret</caption>"));
    // The one-time links are no longer in the database once mailed.
    let bodies: Vec<String> = store::schema::mail_outbox::table
        .select(store::schema::mail_outbox::body)
        .load(&mut *app.conn())
        .unwrap();
    assert!(bodies.iter().all(String::is_empty));
    // The admin's page of an invited user says the mail went.
    let id = trafiklys::store::users::find_by_email(
        &mut app.conn(),
        "laeser-under-vejs@frederiksberg.example",
    )
    .unwrap()
    .unwrap()
    .0
    .id;
    let user_page = app.get(&admin, &format!("/users/{id}")).text();
    assert!(user_page.contains("Sendt til laeser-under-vejs@frederiksberg.example"));
}

fn queue_mails(app: &TestApp, n: usize) {
    let mut conn = app.conn();
    for i in 0..n {
        store::write_tx(&mut conn, |conn| {
            outbox::enqueue(
                conn,
                &NewMail {
                    kind: MailKind::Reminder,
                    recipient: format!("modtager{i}@example.dk"),
                    subject: format!("Påmindelse {i}"),
                    body: "Husk skemaet.".into(),
                    user_id: None,
                    at: app.clock.now(),
                },
            )
        })
        .unwrap();
    }
}

#[test]
fn claims_never_hand_one_mail_to_two_senders_at_once() {
    let app = spawn_app();
    queue_mails(&app, 200);
    let claimed: Arc<Mutex<Vec<i32>>> = Arc::default();
    let threads: Vec<_> = (0..6)
        .map(|t| {
            // A pool each, as separate processes would have.
            let pool = store::connect(&app.database_url).unwrap();
            let (claimed, clock) = (claimed.clone(), app.clock.clone());
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                let name = format!("sender-{t}");
                loop {
                    let now = clock.now();
                    let mail =
                        outbox::claim_next(&mut conn, &name, now, now + chrono::Duration::hours(1))
                            .unwrap();
                    match mail {
                        Some(mail) => claimed.lock().unwrap().push(mail.id),
                        None => break,
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let claimed = claimed.lock().unwrap();
    let distinct: HashSet<&i32> = claimed.iter().collect();
    assert_eq!(distinct.len(), 200, "every mail claimed");
    assert_eq!(claimed.len(), 200, "no mail claimed twice");
}

#[test]
fn two_senders_on_one_database_deliver_each_mail_exactly_once() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = spawn_app();
    queue_mails(&app, 60);
    let url = format!("smtp://127.0.0.1:{}", sink.port);
    let senders: Vec<_> = (0..2)
        .map(|_| {
            let pool = store::connect(&app.database_url).unwrap();
            let mailer = Arc::new(
                Mailer::from_url(&url, trafiklys::mail::DEFAULT_FROM, Duration::from_secs(10))
                    .unwrap(),
            );
            let mut sender = Sender::new(pool, mailer, app.clock.clone(), Duration::from_secs(10));
            std::thread::spawn(move || {
                let mut sent = 0;
                loop {
                    let pass = sender.run_pass(&mut || false).unwrap();
                    assert_eq!((pass.retrying, pass.given_up), (0, 0));
                    if pass.sent == 0 {
                        return sent;
                    }
                    sent += pass.sent;
                }
            })
        })
        .collect();
    let sent: usize = senders.into_iter().map(|s| s.join().unwrap()).sum();
    assert_eq!(sent, 60);
    let received = sink.messages(60);
    let recipients: HashSet<String> = received
        .iter()
        .map(|m| m["rcpt_tos"][0].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(recipients.len(), 60);
    assert!(sink.nothing_more(), "a mail was sent twice");
    let stored = mails(&app);
    assert!(stored
        .iter()
        .all(|m| matches!(m.state, MailState::Sent { .. })));
    let attempts: Vec<i32> = store::schema::mail_outbox::table
        .select(store::schema::mail_outbox::attempts)
        .load(&mut *app.conn())
        .unwrap();
    assert!(attempts.iter().all(|a| *a == 1));
}

#[test]
fn ten_clicks_remind_each_editor_once_and_the_page_says_who_was_skipped_and_until_when() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let port = sink.port;
    let app = spawn_app_with(|s| s.smtp_url = Some(format!("smtp://127.0.0.1:{port}")));
    add_editors(&app);
    let admin = app.signed_in(Role::Admin);
    let page = app
        .get(&admin, &format!("/rounds/{ROUND_2017}/reminders"))
        .text();
    assert!(page.contains("højst én påmindelse om runden inden for 12 timer"));
    let csrf = csrf_from(&page);

    // Ten clicks at once: one sending, three mails.
    let clicks: Vec<_> = (0..10)
        .map(|_| {
            let (admin, url, csrf) = (
                admin.clone(),
                app.url(&format!("/rounds/{ROUND_2017}/reminders")),
                csrf.clone(),
            );
            std::thread::spawn(move || {
                let response = finish(
                    admin
                        .post(&url)
                        .send_form([("csrf_token", csrf.as_str()), ("confirm", "ja")]),
                );
                (response.status, response.text())
            })
        })
        .collect();
    let outcomes: Vec<(u16, String)> = clicks.into_iter().map(|c| c.join().unwrap()).collect();
    assert_eq!(outcomes.iter().filter(|o| o.0 == 200).count(), 1);
    assert_eq!(outcomes.iter().filter(|o| o.0 == 409).count(), 9);
    let sending = reminders::list(&mut app.conn(), ROUND_2017).unwrap();
    assert_eq!(sending.len(), 1);
    let reminded_at = sending[0].sent_at;
    let again = danish_datetime(reminded_at + chrono::Duration::hours(12));
    let refused = &outcomes.iter().find(|o| o.0 == 409).unwrap().1;
    assert!(refused.contains(&format!(
        "Påmindelsen er ikke sendt: alle redaktørerne har fået en påmindelse om runden inden for de sidste 12 timer. Den første kan mindes igen fra {again}."
    )));
    assert!(refused.contains("Springes over lige nu"));
    assert!(refused.contains(&format!(
        "<td>redaktoer@gribskov.example</td><td>{}</td><td>{again}</td>",
        danish_datetime(reminded_at)
    )));
    let received = sink.messages(3);
    assert_eq!(received.len(), 3);
    assert!(sink.nothing_more(), "more than one reminder per editor");

    // A new editor is reminded; the three others are skipped, and the page says so.
    add_editor(&app, "ny@dragoer.example", "155", true);
    let page = app
        .get(&admin, &format!("/rounds/{ROUND_2017}/reminders"))
        .text();
    assert!(page.contains("Send påmindelse til 1 redaktør<"));
    let response = app.post(
        &admin,
        &format!("/rounds/{ROUND_2017}/reminders"),
        &[("csrf_token", &csrf), ("confirm", "ja")],
    );
    assert_eq!(response.status, 200);
    let page = response.text();
    assert!(page.contains("Påmindelsen er lagt i kø til 1 redaktør og sendes om lidt."));
    assert!(page.contains(
        "3 redaktører blev sprunget over, fordi de har fået en påmindelse om runden inden for de sidste 12 timer:"
    ));
    assert!(page.contains(&format!(
        "<li>redaktoer@gribskov.example (Gribskov): påmindet {}, kan mindes igen fra {again}</li>",
        danish_datetime(reminded_at)
    )));
    let received = sink.messages(1);
    assert_eq!(received[0]["rcpt_tos"][0], "ny@dragoer.example");
    assert!(sink.nothing_more());

    // Twelve hours later everyone may be reminded again (signing in again: the sign-in of
    // twelve hours ago has ended by the app's clock).
    app.clock.advance(chrono::Duration::hours(12));
    let admin = app.signed_in(Role::Admin);
    let csrf = csrf_from(
        &app.get(&admin, &format!("/rounds/{ROUND_2017}/reminders"))
            .text(),
    );
    let response = app.post(
        &admin,
        &format!("/rounds/{ROUND_2017}/reminders"),
        &[("csrf_token", &csrf), ("confirm", "ja")],
    );
    assert_eq!(response.status, 200);
    assert!(response
        .text()
        .contains("Påmindelsen er lagt i kø til 4 redaktører"));
    assert_eq!(sink.messages(4).len(), 4);
    assert!(sink.nothing_more());
}
