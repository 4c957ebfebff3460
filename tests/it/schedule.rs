//! The round's schedule: set up once on the round's page, the running server opens the
//! round, closes it when the deadline has passed and publishes it, each at its time by the
//! app's clock and once, with the same notices as the buttons; refused schedules keep what
//! was typed and write nothing; a step taken by hand leaves the schedule; the closing step
//! follows the deadline; the command line sets the same schedule.

use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::helpers::*;
use trafiklys::domain::schedule::{ScheduledStep, StepOutcome};
use trafiklys::domain::{MunicipalityCode, Role, RoundState, Status, SubmissionState};
use trafiklys::store::schema::mail_outbox;
use trafiklys::store::{rounds, schedule};

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap()
}

/// A 2018 draft of Frederiksberg and Gribskov with 2017's set; deadline 1 December 2018
/// 23.59; the clock at 1 October 2018.
fn draft_2018(app: &TestApp) -> i32 {
    app.clock.set(utc(2018, 10, 1, 8, 0));
    let codes = ["147", "270"]
        .map(|c| MunicipalityCode::parse(c).unwrap())
        .to_vec();
    app.create_2018_draft(Some(codes), true)
}

fn state(app: &TestApp, round_id: i32) -> RoundState {
    rounds::get_round(&mut app.conn(), round_id)
        .unwrap()
        .unwrap()
        .state
}

/// Waits (at most a minute) for the server's own thread to take the round to `to`.
fn wait_for(app: &TestApp, round_id: i32, to: RoundState) {
    let started = Instant::now();
    while state(app, round_id) != to {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "round {round_id} is still {:?}, not {to:?}",
            state(app, round_id)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn subjects(app: &TestApp) -> Vec<(String, String)> {
    mail_outbox::table
        .order(mail_outbox::id.asc())
        .select((mail_outbox::recipient, mail_outbox::subject))
        .load(&mut *app.conn())
        .unwrap()
}

/// The next `n` mails the server receives, each as "recipients subject", sorted.
fn mails(sink: &crate::reminders::SmtpSink, n: usize) -> Vec<String> {
    let mut mails: Vec<String> = sink
        .messages(n)
        .iter()
        .map(|m| format!("{} {}", m["rcpt_tos"], m["subject"]))
        .collect();
    mails.sort();
    mails
}

fn set_schedule(
    app: &TestApp,
    admin: &ureq::Agent,
    round_id: i32,
    fields: &[(&str, &str)],
) -> Response {
    let csrf = app.csrf(admin);
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    app.post(admin, &format!("/admin/rounds/{round_id}/schedule"), &all)
}

/// Opens on 1 November at 9.00, closes after the deadline, publishes on 10 December at 9.00.
const FULL_YEAR: &[(&str, &str)] = &[
    ("schedule_open", "1.11.2018 9.00"),
    ("schedule_close", "ja"),
    ("schedule_publish", "10.12.2018 9.00"),
];

/// The 2018 draft with `fields` saved as its schedule on the round's page, and the admin
/// who saved it.
fn scheduled_draft(app: &TestApp, fields: &[(&str, &str)]) -> (i32, ureq::Agent) {
    let round_id = draft_2018(app);
    let admin = app.signed_in(Role::Admin);
    let saved = set_schedule(app, &admin, round_id, fields);
    assert_eq!(saved.status, 303, "{}", saved.text());
    (round_id, admin)
}

#[test]
fn a_round_set_up_once_opens_closes_and_publishes_itself_with_its_notices() {
    let app = spawn_app();
    let (round_id, admin) = scheduled_draft(&app, FULL_YEAR);
    let page = parse(&app.get(&admin, &format!("/admin/rounds/{round_id}")).text());
    assert_eq!(
        page.rows("[aria-labelledby=tbl-schedule] table"),
        [
            ["Runden åbnes", "1. november 2018 kl. 09.00", "⏳ Venter"],
            [
                "Runden lukkes ved fristen",
                "når fristen er udløbet (2. december 2018 kl. 00.00)",
                "⏳ Venter"
            ],
            [
                "Resultaterne offentliggøres",
                "10. december 2018 kl. 09.00",
                "⏳ Venter"
            ],
        ]
    );
    assert_eq!(
        page.attr("#schedule_open", "value").as_deref(),
        Some("1.11.2018 09.00")
    );

    // Nothing happens before its time.
    app.clock.set(utc(2018, 11, 1, 7, 59));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(state(&app, round_id), RoundState::Draft);

    // 9.00 Danish time: the round opens (with a mail server, the reminder plan's opening
    // mail follows in the same pass: tests/it/notices.rs).
    app.clock.set(utc(2018, 11, 1, 8, 0));
    wait_for(&app, round_id, RoundState::Open);

    // Both submit; after the deadline the round closes itself.
    for code in ["147", "270"] {
        app.store_answers(round_id, code, SubmissionState::Submitted, "", |_| {
            (Status::Green, String::new())
        });
    }
    app.clock.set(utc(2018, 12, 1, 22, 59));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        state(&app, round_id),
        RoundState::Open,
        "the deadline's last minute"
    );
    app.clock.set(utc(2018, 12, 1, 23, 0));
    wait_for(&app, round_id, RoundState::Closed);

    // And publishes itself: the readers and the KKR's members are told.
    app.clock.set(utc(2018, 12, 10, 8, 0));
    wait_for(&app, round_id, RoundState::Published);
    let published: Vec<(String, String)> = subjects(&app)
        .into_iter()
        .filter(|(_, s)| s.contains("er offentliggjort"))
        .collect();
    assert!(published
        .iter()
        .any(|(to, _)| to == "reader@frederiksberg.example"));
    assert!(published
        .iter()
        .any(|(to, _)| to == "kkr@kkr-hovedstaden.example"));
    let anonymous = client();
    assert_eq!(
        app.get(&anonymous, &format!("/public/rounds/{round_id}"))
            .status,
        200
    );

    // Each step once, by the application, and said on the page and in the history.
    let steps = schedule::steps(&mut app.conn(), round_id).unwrap();
    assert_eq!(steps.len(), 3);
    assert!(steps
        .iter()
        .all(|s| s.outcome == Some(StepOutcome::Taken) && s.done_at.is_some()));
    let mails = subjects(&app);
    let mut unique = mails.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), mails.len(), "no mail queued twice: {mails:?}");
    // A new sign-in: the clock moved on past the session's end.
    let admin = app.signed_in(Role::Admin);
    let page = app.get(&admin, &format!("/admin/rounds/{round_id}")).text();
    for said in [
        "Runden blev åbnet.",
        "Runden blev lukket.",
        "Resultaterne blev offentliggjort.",
        "Planlagt trin i runden",
    ] {
        assert!(page.contains(said), "{said}");
    }
}

#[test]
fn with_a_mail_server_each_mail_of_the_year_lands_once_at_its_time() {
    let Some(sink) = crate::reminders::SmtpSink::start() else {
        return;
    };
    let port = sink.port;
    let app = spawn_app_with(|s| s.smtp_url = Some(format!("smtp://127.0.0.1:{port}")));
    crate::reminders::add_editor(&app, "redaktoer@gribskov.example", "270", true);
    let (round_id, _) = scheduled_draft(&app, FULL_YEAR);
    assert!(sink.nothing_more());

    // The opening: each editor once, in the pass that opened the round.
    app.clock.set(utc(2018, 11, 1, 8, 0));
    let opened = mails(&sink, 2);
    assert!(
        opened[0].contains("editor@frederiksberg.example"),
        "{opened:?}"
    );
    assert!(
        opened[1].contains("redaktoer@gribskov.example"),
        "{opened:?}"
    );
    assert!(opened
        .iter()
        .all(|m| m.contains("Statusrunden 2018 er åbnet")));
    assert!(sink.nothing_more());
    assert_eq!(state(&app, round_id), RoundState::Open);

    // Both submit; no reminder is due to anyone; the round closes after the deadline.
    for code in ["147", "270"] {
        app.store_answers(round_id, code, SubmissionState::Submitted, "", |_| {
            (Status::Green, String::new())
        });
    }
    app.clock.set(utc(2018, 12, 1, 23, 0));
    wait_for(&app, round_id, RoundState::Closed);
    assert!(
        sink.nothing_more(),
        "nobody is reminded: everyone submitted"
    );

    // Publishing: the reader and the KKR member, each once.
    app.clock.set(utc(2018, 12, 10, 8, 0));
    let published = mails(&sink, 2);
    assert!(
        published[0].contains("kkr@kkr-hovedstaden.example"),
        "{published:?}"
    );
    assert!(
        published[1].contains("reader@frederiksberg.example"),
        "{published:?}"
    );
    assert!(published.iter().all(|m| m.contains("er offentliggjort")));
    std::thread::sleep(Duration::from_secs(3));
    assert!(sink.nothing_more());
    assert_eq!(state(&app, round_id), RoundState::Published);
}

#[test]
fn a_schedule_the_round_cannot_keep_is_refused_with_the_input_kept() {
    let app = spawn_app();
    let round_id = draft_2018(&app);
    let admin = app.signed_in(Role::Admin);
    let before = app.fingerprint();
    // The fields sent, the field the refusal is about, and what it says.
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case<'_>; 4] = [
        (
            &[("schedule_open", "2.12.2018 9.00")],
            "schedule_open",
            "Runden skal åbnes før fristen (1. december 2018 kl. 23.59)",
        ),
        (
            &[("schedule_publish", "1.12.2018 12.00")],
            "schedule_publish",
            "tidligst offentliggøres, når fristen (1. december 2018 kl. 23.59) er udløbet",
        ),
        (
            &[("schedule_open", "1.9.2018 9.00")],
            "schedule_open",
            "Tidspunktet for åbningen er allerede passeret.",
        ),
        (
            &[("schedule_publish", "efter jul")],
            "schedule_publish",
            "Tidspunktet for offentliggørelsen: «efter jul» kan ikke læses",
        ),
    ];
    for (fields, field, message) in cases {
        let refused = set_schedule(&app, &admin, round_id, fields);
        assert_eq!(refused.status, 422, "{fields:?}");
        let html = parse(&refused.text());
        let error = html
            .text(&format!("#{field}-error"))
            .unwrap_or_else(|| panic!("{fields:?}: an error beside {field}"));
        assert!(error.contains(message), "{error}");
        assert!(html.has(&format!(".error-summary a[href=\"#{field}\"]")));
        assert_eq!(
            html.attr(&format!("#{field}"), "value").as_deref(),
            Some(fields[0].1),
            "what was typed is kept"
        );
        assert_eq!(app.fingerprint(), before, "{fields:?}: nothing written");
    }
    assert!(schedule::steps(&mut app.conn(), round_id)
        .unwrap()
        .is_empty());
}

#[test]
fn a_step_taken_by_hand_leaves_the_schedule_and_closing_follows_the_deadline() {
    let app = spawn_app();
    let (round_id, admin) = scheduled_draft(
        &app,
        &[
            ("schedule_open", "1.11.2018 9.00"),
            ("schedule_close", "ja"),
        ],
    );

    // Opened by hand before its time: the opening step has no more use.
    let csrf = app.csrf(&admin);
    let opened = app.post(
        &admin,
        &format!("/admin/rounds/{round_id}/state"),
        &[("csrf_token", &csrf), ("to", "open"), ("confirmed", "ja")],
    );
    assert_eq!(opened.status, 303, "{}", opened.text());
    let steps = schedule::steps(&mut app.conn(), round_id).unwrap();
    assert_eq!(
        steps.iter().map(|s| s.step).collect::<Vec<_>>(),
        [ScheduledStep::Close]
    );

    // The deadline moves a week: so does the closing.
    let csrf = app.csrf(&admin);
    let moved = app.post(
        &admin,
        &format!("/admin/rounds/{round_id}/deadline"),
        &[("csrf_token", &csrf), ("deadline", "8.12.2018 23.59")],
    );
    assert_eq!(moved.status, 303, "{}", moved.text());
    let close = schedule::steps(&mut app.conn(), round_id).unwrap()[0].clone();
    assert_eq!(close.due_at, utc(2018, 12, 8, 23, 0));

    // An open round can no longer be planned to open.
    let refused = set_schedule(
        &app,
        &admin,
        round_id,
        &[("schedule_open", "1.11.2018 9.00")],
    );
    assert_eq!(refused.status, 422);
    assert!(refused
        .text()
        .contains("Runden er «åben», så åbningen kan ikke planlægges."));
    // Clearing the schedule is saving it empty.
    let cleared = set_schedule(&app, &admin, round_id, &[]);
    assert_eq!(cleared.status, 303);
    assert!(schedule::steps(&mut app.conn(), round_id)
        .unwrap()
        .is_empty());
}

#[test]
fn the_command_line_sets_the_same_schedule() {
    let app = spawn_app();
    // The command line runs on the system clock: a round with its deadline far ahead.
    let setup = trafiklys::domain::rounds::RoundSetup::parse(
        "2031",
        "Status 2031",
        "beskæftigelsesområdet",
        "1.12.2031 23.59",
    )
    .unwrap();
    let round_id = rounds::create_round(
        &mut app.conn(),
        &rounds::CreateRound {
            kkr_id: 1,
            setup,
            participants: None,
            from_previous: true,
        },
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    let id = round_id.to_string();
    let out = app.cli(&[
        "round",
        "schedule",
        &id,
        "--open",
        "1.11.2031 9.00",
        "--close-at-deadline",
        "--publish",
        "10.12.2031 9.00",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Runden åbnes: 1. november 2031 kl. 09.00"),
        "{stdout}"
    );
    assert_eq!(schedule::steps(&mut app.conn(), round_id).unwrap().len(), 3);

    let refused = app.cli(&["round", "schedule", &id, "--publish", "1.11.2031 9.00"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr)
        .contains("Resultaterne kan tidligst offentliggøres"));
    assert_eq!(
        schedule::steps(&mut app.conn(), round_id).unwrap().len(),
        3,
        "the refused schedule changed nothing"
    );
}

#[test]
fn two_server_processes_on_postgresql_take_each_scheduled_step_once() {
    if postgres_url().is_none() || backend() != Backend::Postgres {
        println!("two_server_processes_on_postgresql_take_each_scheduled_step_once runs in the PostgreSQL pass");
        return;
    }
    let Some(sink) = crate::reminders::SmtpSink::start() else {
        return;
    };
    let db = TestDatabase::create();
    let pool = trafiklys::store::connect(&db.url).expect("database");
    let mut conn = pool.get().expect("connection");
    trafiklys::demo::load(&mut conn).expect("demo data");
    let round_id = crate::notices::round_a_month_ahead(&mut conn, &["147"]);
    let now = trafiklys::clock::Clock::system().now();
    // Both processes look for due steps every two seconds; the opening falls due between.
    let planned = trafiklys::domain::schedule::Schedule {
        open_at: Some(now + chrono::Duration::seconds(4)),
        ..Default::default()
    };
    schedule::set(&mut conn, round_id, &planned, None, now).unwrap();
    let _first = crate::notices::serve_with_mail(&db.url, sink.port);
    let _second = crate::notices::serve_with_mail(&db.url, sink.port);

    let opened = sink.messages(1);
    assert_eq!(
        opened[0]["rcpt_tos"],
        serde_json::json!(["editor@frederiksberg.example"])
    );
    std::thread::sleep(Duration::from_secs(5));
    assert!(sink.nothing_more(), "the opening mail once");
    assert_eq!(state_in(&mut conn, round_id), RoundState::Open);
    use trafiklys::store::schema::audit_events;
    let runs: i64 = audit_events::table
        .filter(audit_events::action.eq("run_scheduled_step"))
        .filter(audit_events::entity_id.eq(round_id.to_string()))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(runs, 1, "one process took the step");
    let opened_by: i64 = audit_events::table
        .filter(audit_events::action.eq("set_state"))
        .filter(audit_events::entity_id.eq(round_id.to_string()))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(opened_by, 1, "the round opened once");
}

fn state_in(conn: &mut trafiklys::store::DbConnection, round_id: i32) -> RoundState {
    rounds::get_round(conn, round_id).unwrap().unwrap().state
}
