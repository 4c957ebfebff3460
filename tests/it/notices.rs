//! The round runs itself: the reminder plan sends each planned reminder once at its time
//! (the app's clock moved, a real SMTP server receiving), the notices (deadline moved, form
//! reopened, receipt, published) reach their people with round, municipality, deadline and
//! link, deadlines in the past ask for a confirmation, closing names who has not submitted,
//! and users turn the optional notices off on `/account`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::helpers::*;
use crate::reminders::{add_editor, SmtpSink};
use trafiklys::domain::{Answer, MunicipalityCode, Role, Status, SubmissionState};
use trafiklys::notices::Links;
use trafiklys::store::reminder_plan::{self, Outcome};
use trafiklys::store::schema::mail_outbox;
use trafiklys::store::{reminders, rounds, submissions, users};

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap()
}

/// The mails queued in the outbox (kind, recipient, subject, body), oldest first.
fn queued(app: &TestApp) -> Vec<(String, String, String, String)> {
    mail_outbox::table
        .order(mail_outbox::id.asc())
        .select((
            mail_outbox::kind,
            mail_outbox::recipient,
            mail_outbox::subject,
            mail_outbox::body,
        ))
        .load(&mut *app.conn())
        .unwrap()
}

/// A 2018 round of Frederiksberg, Gribskov and Dragør (2017's recommendations), with an
/// editor each (Frederiksberg's is the demo's); the clock at 1 October 2018.
fn round_2018(app: &TestApp) -> i32 {
    app.clock.set(utc(2018, 10, 1, 8, 0));
    let codes = ["147", "270", "155"]
        .map(|c| MunicipalityCode::parse(c).unwrap())
        .to_vec();
    let id = app.create_2018_draft(Some(codes), true);
    add_editor(app, "redaktoer@gribskov.example", "270", true);
    add_editor(app, "redaktoer@dragoer.example", "155", true);
    id
}

fn admin_id(app: &TestApp) -> i32 {
    users::find_by_email(&mut app.conn(), &app.email(Role::Admin))
        .unwrap()
        .unwrap()
        .0
        .id
}

/// Saves a form in the store as the admin: the first `answered` recommendations green.
fn store_partly(app: &TestApp, round_id: i32, code: &str, answered: usize, state: SubmissionState) {
    let content = rounds::load_content(&mut app.conn(), round_id)
        .unwrap()
        .unwrap();
    let save = submissions::SaveSubmission {
        round_id,
        municipality_code: MunicipalityCode::parse(code).unwrap(),
        base_version: app.submission(round_id, code).map_or(0, |s| s.version),
        answers: content
            .recommendations
            .iter()
            .take(answered)
            .map(|r| Answer {
                recommendation_id: r.id,
                status: Some(Status::Green),
                comment: String::new(),
                carried: false,
                evidence: None,
            })
            .collect(),
        proposals: String::new(),
        state,
    };
    let saved = submissions::save(&mut app.conn(), &save, admin_id(app), app.clock.now()).unwrap();
    assert!(matches!(saved, submissions::SaveOutcome::Saved(_)));
}

fn open_round(app: &TestApp, admin: &ureq::Agent, round_id: i32) {
    let csrf = app.csrf(admin);
    let opened = app.post(
        admin,
        &format!("/admin/rounds/{round_id}/state"),
        &[("csrf_token", &csrf), ("to", "open"), ("confirmed", "ja")],
    );
    assert_eq!(opened.status, 303, "{}", opened.text());
}

fn by_recipient(mut messages: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    messages.sort_by_key(|m| m["rcpt_tos"].to_string());
    messages
}

#[test]
fn the_reminder_plan_reminds_each_missing_municipality_once_at_its_planned_time() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let port = sink.port;
    let app = spawn_app_with(|s| s.smtp_url = Some(format!("smtp://127.0.0.1:{port}")));
    let round_id = round_2018(&app);
    let admin = app.signed_in(Role::Admin);

    // The draft already has the default plan, counted from the deadline (1 December 2018
    // 23.59, Copenhagen): 14 and 3 days before and the day after, at 9.00 Danish time.
    let plan = reminder_plan::plan(&mut app.conn(), round_id).unwrap();
    let due: Vec<Option<NaiveDateTime>> = plan.steps.iter().map(|s| s.due_at).collect();
    assert_eq!(
        due,
        [
            None,
            Some(utc(2018, 11, 17, 8, 0)),
            Some(utc(2018, 11, 28, 8, 0)),
            Some(utc(2018, 12, 2, 8, 0)),
        ]
    );
    let page = app
        .get(&admin, &format!("/rounds/{round_id}/reminders"))
        .text();
    assert!(page.contains("14 dage før fristen"), "{page}");
    assert!(page.contains("17. november 2018 kl. 09.00"));
    assert!(page.contains("Dagen efter fristen"));

    // Opening: each editor is told, with the deadline and what is missing.
    open_round(&app, &admin, round_id);
    let opened = by_recipient(sink.messages(3));
    let link = |code: &str| {
        format!(
            "{}/rounds/{round_id}/municipalities/{code}/form",
            app.address
        )
    };
    for (message, (email, name, code)) in opened.iter().zip([
        ("editor@frederiksberg.example", "Frederiksberg", "147"),
        ("redaktoer@dragoer.example", "Dragør", "155"),
        ("redaktoer@gribskov.example", "Gribskov", "270"),
    ]) {
        assert_eq!(message["rcpt_tos"], serde_json::json!([email]));
        assert_eq!(
            message["subject"],
            format!(
                "Statusrunden 2018 er åbnet: {name} skal indsende senest 1. december 2018 kl. 23.59"
            )
        );
        let body = message["body"].as_str().unwrap();
        assert!(
            body.contains("Det mangler: Skemaet er ikke påbegyndt."),
            "{body}"
        );
        assert!(body.contains(&link(code)), "{body}");
        assert!(
            body.contains("Fristen er 1. december 2018 kl. 23.59."),
            "{body}"
        );
    }
    assert!(sink.nothing_more());

    // Frederiksberg submits; Gribskov saves a draft with 3 answers.
    app.clock.set(utc(2018, 11, 10, 12, 0));
    store_partly(
        &app,
        round_id,
        "147",
        usize::MAX,
        SubmissionState::Submitted,
    );
    store_partly(&app, round_id, "270", 3, SubmissionState::Draft);
    let asked = rounds::load_content(&mut app.conn(), round_id)
        .unwrap()
        .unwrap()
        .recommendations
        .len();

    // A minute before its time, the step is not due (asked of the plan directly, as the
    // sender asks it).
    let links = Links::new(&app.address);
    assert_eq!(
        reminder_plan::run_due(&mut app.conn(), &links, utc(2018, 11, 17, 7, 59)).unwrap(),
        0
    );
    // At its time the sender sends it: to Gribskov and Dragør, not Frederiksberg.
    app.clock.set(utc(2018, 11, 17, 8, 0));
    let reminded = by_recipient(sink.messages(2));
    assert_eq!(
        reminded[0]["rcpt_tos"],
        serde_json::json!(["redaktoer@dragoer.example"])
    );
    assert!(reminded[0]["body"]
        .as_str()
        .unwrap()
        .contains("Det mangler: Skemaet er ikke påbegyndt."));
    assert_eq!(
        reminded[1]["subject"],
        "Påmindelse: statusskemaet for Gribskov skal indsendes senest 1. december 2018 kl. 23.59"
    );
    assert!(reminded[1]["body"].as_str().unwrap().contains(&format!(
        "Det mangler: Skemaet er gemt som kladde med 3 af {asked} anbefalinger besvaret."
    )));
    assert!(sink.nothing_more(), "a reminder too many");

    // The plan and the sending on the round's page (a new sign-in: the clock moved on).
    let admin = app.signed_in(Role::Admin);
    crate::outbox::wait_for("the reminders recorded as delivered", || {
        reminders::list(&mut app.conn(), round_id).unwrap()[0]
            .recipients
            .iter()
            .all(|r| matches!(r.delivery, reminders::Delivery::Sent { .. }))
    });
    let page = app
        .get(&admin, &format!("/rounds/{round_id}/reminders"))
        .text();
    assert!(
        page.contains("Sendt til 2 redaktører, 2 afleveret"),
        "{page}"
    );
    assert!(
        page.contains("af påmindelsesplanen: 2 af 2 afleveret"),
        "{page}"
    );

    // Paused, the next step is not sent; its row says so.
    let csrf = csrf_from(&page);
    let paused = app.post(
        &admin,
        &format!("/rounds/{round_id}/reminders/plan"),
        &[("csrf_token", &csrf), ("action", "pause")],
    );
    assert_eq!(paused.status, 200);
    assert!(paused.text().contains("Påmindelsesplanen er sat på pause."));
    app.clock.set(utc(2018, 11, 28, 8, 0));
    crate::outbox::wait_for("the paused step marked", || {
        reminder_plan::plan(&mut app.conn(), round_id)
            .unwrap()
            .steps
            .iter()
            .any(|s| s.outcome == Some(Outcome::Paused))
    });
    assert!(sink.nothing_more(), "a paused plan sent a reminder");
    let admin = app.signed_in(Role::Admin);
    let page = app
        .get(&admin, &format!("/rounds/{round_id}/reminders"))
        .text();
    assert!(page.contains("Ikke sendt: planen var sat på pause"));

    // Resumed, with a step of its own added: both go out, each once.
    let csrf = csrf_from(&page);
    for fields in [
        vec![("csrf_token", csrf.as_str()), ("action", "resume")],
        vec![
            ("csrf_token", csrf.as_str()),
            ("action", "at"),
            ("at", "30.11.2018 14.00"),
        ],
    ] {
        let changed = app.post(
            &admin,
            &format!("/rounds/{round_id}/reminders/plan"),
            &fields,
        );
        assert_eq!(changed.status, 200, "{}", changed.text());
    }
    // A time that has gone is refused, with the input kept.
    let refused = app.post(
        &admin,
        &format!("/rounds/{round_id}/reminders/plan"),
        &[
            ("csrf_token", &csrf),
            ("action", "at"),
            ("at", "1.11.2018 9.00"),
        ],
    );
    assert_eq!(refused.status, 409);
    assert!(refused.text().contains("Tidspunktet er allerede passeret"));
    assert!(refused.text().contains("value=\"1.11.2018 9.00\""));

    app.clock.set(utc(2018, 11, 30, 13, 0));
    assert_eq!(sink.messages(2).len(), 2);
    assert!(sink.nothing_more());
    app.clock.set(utc(2018, 12, 2, 8, 0));
    let after = by_recipient(sink.messages(2));
    assert!(after[0]["subject"]
        .as_str()
        .unwrap()
        .starts_with("Påmindelse"));
    assert!(sink.nothing_more());
    let sendings = reminders::list(&mut app.conn(), round_id).unwrap();
    assert_eq!(
        sendings.len(),
        4,
        "opening, 14 days, the chosen time, the day after"
    );
    assert!(sendings.iter().all(|s| s.planned_id.is_some()));
}

#[test]
fn every_notice_reaches_its_people_with_round_municipality_deadline_and_link() {
    // No mail server: the notices wait in the outbox with their text.
    let app = spawn_app();
    let round_id = round_2018(&app);
    add_editor(&app, "redaktoer2@gribskov.example", "270", true);
    let admin = app.signed_in(Role::Admin);
    open_round(&app, &admin, round_id);

    // The deadline moved: every editor of a participating municipality, old and new.
    let page = app.get(&admin, &format!("/admin/rounds/{round_id}")).text();
    let moved = app.post(
        &admin,
        &format!("/admin/rounds/{round_id}/deadline"),
        &[
            ("csrf_token", &csrf_from(&page)),
            ("deadline", "8.12.2018 12.00"),
        ],
    );
    assert_eq!(moved.status, 303, "{}", moved.text());
    let mails = queued(&app);
    let moved: Vec<_> = mails
        .iter()
        .filter(|m| m.2.starts_with("Ny frist"))
        .collect();
    assert_eq!(moved.len(), 4, "{mails:?}");
    let gribskov = moved
        .iter()
        .find(|m| m.1 == "redaktoer@gribskov.example")
        .unwrap();
    assert_eq!(gribskov.0, "notice");
    assert_eq!(
        gribskov.2,
        "Ny frist for statusskemaet for Gribskov: 8. december 2018 kl. 12.00"
    );
    assert!(gribskov.3.contains("Kære kollega i Gribskov Kommune"));
    assert!(gribskov
        .3
        .contains("Tidligere frist: 1. december 2018 kl. 23.59"));
    assert!(gribskov.3.contains("Ny frist: 8. december 2018 kl. 12.00"));
    assert!(gribskov.3.contains(&format!(
        "{}/rounds/{round_id}/municipalities/270/form",
        app.address
    )));
    // The plan's steps moved with the deadline.
    let plan = reminder_plan::plan(&mut app.conn(), round_id).unwrap();
    assert!(plan
        .steps
        .iter()
        .any(|s| s.due_at == Some(utc(2018, 11, 24, 8, 0))));

    // A receipt to the editor who submits, with a summary of the answers.
    let editor = app.signed_in(Role::Editor);
    let form_path = format!("/rounds/{round_id}/municipalities/147/form");
    let form = app.get(&editor, &form_path).text();
    let submitted = app.post_fields(
        &editor,
        &form_path,
        &form_fields(&form, "submit", "green", "Godt i gang"),
    );
    assert_eq!(submitted.status, 303, "{}", submitted.text());
    let mails = queued(&app);
    let receipt = mails
        .iter()
        .find(|m| m.2.starts_with("Kvittering"))
        .expect("a receipt");
    assert_eq!(receipt.1, "editor@frederiksberg.example");
    assert_eq!(
        receipt.2,
        "Kvittering: statusskemaet for Frederiksberg er indsendt"
    );
    assert!(receipt
        .3
        .contains("har modtaget statusskemaet for Frederiksberg Kommune"));
    assert!(receipt.3.contains("Igangsat efter planen grøn: "));
    assert!(receipt.3.contains("1.1 grøn: Godt i gang"), "{}", receipt.3);
    assert!(receipt.3.contains("Fristen er 8. december 2018 kl. 12.00."));

    // Reopened by the secretariat: the municipality's editors get the reason, and the form
    // shows it.
    app.clock.set(utc(2018, 12, 10, 9, 0));
    let admin = app.signed_in(Role::Admin);
    let form = app.get(&admin, &form_path).text();
    let version = parse(&form)
        .attr("form[action$=\"/reopen\"] input[name=\"version\"]", "value")
        .expect("the reopen form");
    let reopened = app.post(
        &admin,
        &format!("/rounds/{round_id}/municipalities/147/reopen"),
        &[
            ("csrf_token", &csrf_from(&form)),
            ("version", &version),
            ("reason", "Kommentaren til 2.1 mangler"),
        ],
    );
    assert_eq!(reopened.status, 303, "{}", reopened.text());
    let mails = queued(&app);
    let reopen = mails
        .iter()
        .find(|m| m.2 == "Statusskemaet for Frederiksberg er genåbnet")
        .expect("the reopen notice");
    assert_eq!(reopen.1, "editor@frederiksberg.example");
    assert!(reopen
        .3
        .contains("Begrundelse fra KKR-sekretariatet:\nKommentaren til 2.1 mangler"));
    let editor = app.signed_in(Role::Editor);
    let form = app.get(&editor, &form_path).text();
    assert!(form.contains("Begrundelse fra KKR-sekretariatet: «Kommentaren til 2.1 mangler»"));

    // Published: the readers (attachment and agenda item) and the KKR's members.
    app.clock.set(utc(2018, 12, 20, 9, 0));
    let admin = app.signed_in(Role::Admin);
    for to in ["closed", "published"] {
        let csrf = app.csrf(&admin);
        let done = app.post(
            &admin,
            &format!("/admin/rounds/{round_id}/state"),
            &[("csrf_token", &csrf), ("to", to), ("confirmed", "ja")],
        );
        assert_eq!(done.status, 303, "{}", done.text());
    }
    let mails = queued(&app);
    let reader = mails
        .iter()
        .find(|m| m.1 == "reader@frederiksberg.example")
        .expect("the reader's notice");
    assert_eq!(
        reader.2,
        "Statusrunden 2018 er offentliggjort: bilag og dagsordenspunkt for Frederiksberg er klar"
    );
    for path in ["attachment.pdf", "agenda"] {
        assert!(reader.3.contains(&format!(
            "{}/rounds/{round_id}/municipalities/147/{path}",
            app.address
        )));
    }
    let member = mails
        .iter()
        .find(|m| m.1 == "kkr@kkr-hovedstaden.example")
        .expect("the member's notice");
    assert!(member
        .3
        .contains(&format!("{}/rounds/{round_id}/kkr-report.pdf", app.address)));
    // The round's history names the notices.
    let page = app.get(&admin, &format!("/admin/rounds/{round_id}")).text();
    assert!(
        page.contains("Runden er offentliggjort til 2 modtagere"),
        "{page}"
    );
}

#[test]
fn users_turn_the_optional_notices_off_on_their_account() {
    let app = spawn_app();
    let round_id = round_2018(&app);
    let admin = app.signed_in(Role::Admin);
    open_round(&app, &admin, round_id);

    let editor = app.signed_in(Role::Editor);
    let page = app.get(&editor, "/account").text();
    let doc = parse(&page);
    assert!(doc.has_text("fieldset label", "Når fristen for en runde flyttes"));
    // Keep the receipt, turn off the deadline and the publication notices.
    let saved = app.post(
        &editor,
        "/account/notices",
        &[
            ("csrf_token", &csrf_from(&page)),
            ("notice", "submission_received"),
        ],
    );
    assert_eq!(saved.status, 200);
    assert!(saved.text().contains("Dine valg af beskeder er gemt."));
    assert!(parse(&saved.text())
        .attr("input[value=\"deadline_moved\"]", "checked")
        .is_none());

    let csrf = app.csrf(&admin);
    let moved = app.post(
        &admin,
        &format!("/admin/rounds/{round_id}/deadline"),
        &[("csrf_token", &csrf), ("deadline", "8.12.2018 12.00")],
    );
    assert_eq!(moved.status, 303);
    let to: Vec<String> = queued(&app)
        .into_iter()
        .filter(|m| m.2.starts_with("Ny frist"))
        .map(|m| m.1)
        .collect();
    assert!(
        !to.contains(&"editor@frederiksberg.example".to_owned()),
        "{to:?}"
    );
    assert!(to.contains(&"redaktoer@gribskov.example".to_owned()));

    // The reminders are not optional: the plan still reaches the editor.
    let planned = reminder_plan::run_due(
        &mut app.conn(),
        &Links::new(&app.address),
        utc(2018, 11, 24, 8, 0),
    )
    .unwrap();
    assert!(planned >= 1);
    assert!(queued(&app)
        .iter()
        .any(|m| m.0 == "reminder" && m.1 == "editor@frederiksberg.example"));
}

#[test]
fn deadlines_in_the_past_ask_for_a_confirmation_that_names_the_consequence() {
    let app = spawn_app();
    let round_id = round_2018(&app);
    let admin = app.signed_in(Role::Admin);

    drop(admin);
    // Opening a draft whose deadline has passed: the confirmation says what that means.
    app.clock.set(utc(2018, 12, 5, 12, 0));
    let admin = app.signed_in(Role::Admin);
    let csrf = app.csrf(&admin);
    let asked = app.post(
        &admin,
        &format!("/admin/rounds/{round_id}/state"),
        &[("csrf_token", &csrf), ("to", "open"), ("confirmed", "ja")],
    );
    assert_eq!(asked.status, 200);
    let text = asked.text();
    assert!(
        text.contains("Fristen 1. december 2018 kl. 23.59 er passeret."),
        "{text}"
    );
    assert!(text.contains("kan kommunerne ikke gemme eller indsende deres skemaer"));
    assert!(text.contains("med en frist, der er passeret"));
    assert_eq!(
        rounds::get_round(&mut app.conn(), round_id)
            .unwrap()
            .unwrap()
            .state,
        trafiklys::domain::RoundState::Draft,
        "not opened without the confirmation"
    );
    let confirmed = app.post(
        &admin,
        &format!("/admin/rounds/{round_id}/state"),
        &[
            ("csrf_token", &csrf),
            ("to", "open"),
            ("confirmed", "ja"),
            ("past_deadline", "ja"),
        ],
    );
    assert_eq!(confirmed.status, 303);

    // Moving the deadline into the past: a confirmation first, nothing changed.
    let asked = app.post(
        &admin,
        &format!("/admin/rounds/{round_id}/deadline"),
        &[("csrf_token", &csrf), ("deadline", "4.12.2018 12.00")],
    );
    assert_eq!(asked.status, 200);
    let text = asked.text();
    assert!(text.contains(
        "Den nye frist, <strong>4. december 2018 kl. 12.00</strong>, er allerede passeret"
    ));
    assert!(text.contains("kan kommunerne ikke længere gemme eller indsende deres skemaer"));
    let round = rounds::get_round(&mut app.conn(), round_id)
        .unwrap()
        .unwrap();
    assert_eq!(round.deadline, utc(2018, 12, 1, 22, 59));
    let confirmed = app.post(
        &admin,
        &format!("/admin/rounds/{round_id}/deadline"),
        &[
            ("csrf_token", &csrf),
            ("deadline", "4.12.2018 12.00"),
            ("past_deadline", "ja"),
        ],
    );
    assert_eq!(confirmed.status, 303);
    let round = rounds::get_round(&mut app.conn(), round_id)
        .unwrap()
        .unwrap();
    assert_eq!(round.deadline, utc(2018, 12, 4, 11, 0));

    // The command line asks the same: refused without --past-deadline.
    let out = app.cli(&[
        "round",
        "deadline",
        &round_id.to_string(),
        "3.12.2018 12.00",
    ]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("--past-deadline"), "{said}");
}

#[test]
fn a_deadline_shown_to_the_minute_takes_saves_until_its_last_second() {
    let app = spawn_app();
    let round_id = round_2018(&app);
    let admin = app.signed_in(Role::Admin);
    open_round(&app, &admin, round_id);
    // 23:59:30 Danish time on the deadline's day, shown as «kl. 23.59».
    app.clock
        .set(utc(2018, 12, 1, 22, 59) + chrono::Duration::seconds(30));
    let editor = app.signed_in(Role::Editor);
    let form_path = format!("/rounds/{round_id}/municipalities/147/form");
    let form = app.get(&editor, &form_path).text();
    let saved = app.post_fields(
        &editor,
        &form_path,
        &form_fields(&form, "save", "green", "Næsten"),
    );
    assert_eq!(saved.status, 303, "{}", saved.text());
    let form = app.get(&editor, &form_path).text();
    app.clock
        .set(utc(2018, 12, 1, 23, 0) + chrono::Duration::seconds(5));
    let late = app.post_fields(
        &editor,
        &form_path,
        &form_fields(&form, "save", "green", "For sent"),
    );
    assert_eq!(late.status, 409);
    let stored = app.submission(round_id, "147").unwrap();
    assert!(stored.answers.iter().all(|a| a.comment == "Næsten"));
}

#[test]
fn the_close_confirmation_names_who_has_not_submitted_and_who_has_a_draft() {
    let app = spawn_app();
    let round_id = round_2018(&app);
    let admin = app.signed_in(Role::Admin);
    open_round(&app, &admin, round_id);
    store_partly(
        &app,
        round_id,
        "147",
        usize::MAX,
        SubmissionState::Submitted,
    );
    store_partly(&app, round_id, "270", 2, SubmissionState::Draft);
    let asked = app.post(
        &admin,
        &format!("/admin/rounds/{round_id}/state"),
        &[("csrf_token", &app.csrf(&admin)), ("to", "closed")],
    );
    assert_eq!(asked.status, 200);
    let doc = parse(&asked.text());
    assert!(doc.has_text("h3", "Ikke påbegyndt (1)"));
    assert!(doc.has_text("li", "Dragør"));
    assert!(doc.has_text("h3", "Kladde, ikke indsendt (1)"));
    assert!(doc
        .texts("li")
        .iter()
        .any(|t| t.starts_with("Gribskov (2 af ")));
    assert!(!doc.texts("li").iter().any(|t| t.contains("Frederiksberg")));
}

#[test]
fn the_command_line_moves_the_deadline_with_the_same_notices() {
    let app = spawn_app();
    let round_id = round_2018(&app);
    let admin = app.signed_in(Role::Admin);
    open_round(&app, &admin, round_id);
    drop(admin);
    // The command line runs on the system clock: a deadline far ahead.
    let out = app.cli(&[
        "round",
        "deadline",
        &round_id.to_string(),
        "1.12.2099 23.59",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let to: Vec<String> = queued(&app)
        .into_iter()
        .filter(|m| m.2.starts_with("Ny frist"))
        .map(|m| m.1)
        .collect();
    assert_eq!(to.len(), 3, "{to:?}");
}

/// A child process, killed when the test ends however it ends.
pub(crate) struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `trafiklys serve` on a free port with a mail server, killed when dropped.
pub(crate) fn serve_with_mail(database_url: &str, smtp_port: u16) -> Running {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(BINARY)
        .arg("serve")
        .env("TRAFIKLYS_DATABASE_URL", database_url)
        .env("TRAFIKLYS_BIND", "127.0.0.1:0")
        .env(
            "TRAFIKLYS_SECRET_KEY",
            "a-secret-key-both-processes-share-0123456789abcdef",
        )
        .env(
            "TRAFIKLYS_SMTP_URL",
            format!("smtp://127.0.0.1:{smtp_port}"),
        )
        .env("TRAFIKLYS_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start trafiklys serve");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    assert!(
        lines
            .by_ref()
            .map_while(Result::ok)
            .any(|line| line.starts_with("Trafiklys is running at ")),
        "the process started"
    );
    std::thread::spawn(move || lines.for_each(drop));
    running
}

/// A 2018 draft of these municipalities with 2017's set, its deadline 30 days from now by the
/// system clock (what a `serve` process runs on).
pub(crate) fn round_a_month_ahead(
    conn: &mut trafiklys::store::DbConnection,
    codes: &[&str],
) -> i32 {
    let now = trafiklys::clock::Clock::system().now();
    let deadline = trafiklys::domain::time::deadline_input(now + chrono::Duration::days(30));
    let setup = trafiklys::domain::rounds::RoundSetup::parse(
        "2018",
        "Status 2018",
        "beskæftigelsesområdet",
        &deadline,
    )
    .unwrap();
    rounds::create_round(
        conn,
        &rounds::CreateRound {
            kkr_id: 1,
            setup,
            participants: Some(
                codes
                    .iter()
                    .map(|c| MunicipalityCode::parse(c).unwrap())
                    .collect(),
            ),
            from_previous: true,
        },
        None,
        now,
    )
    .unwrap()
}

#[test]
fn two_server_processes_on_postgresql_send_each_planned_reminder_once() {
    if postgres_url().is_none() || backend() != Backend::Postgres {
        println!("two_server_processes_on_postgresql_send_each_planned_reminder_once runs in the PostgreSQL pass");
        return;
    }
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let db = TestDatabase::create();
    let pool = trafiklys::store::connect(&db.url).expect("database");
    let mut conn = pool.get().expect("connection");
    trafiklys::demo::load(&mut conn).expect("demo data");
    let now = trafiklys::clock::Clock::system().now();
    let hash = trafiklys::password::hash("en lang adgangskode til test").unwrap();
    for (email, code) in [
        ("redaktoer@gribskov.example", "270"),
        ("redaktoer@dragoer.example", "155"),
    ] {
        users::create_user(
            &mut conn,
            &users::NewUser {
                email: email.into(),
                name: format!("Redaktør {code}"),
                role: Role::Editor,
                kkr_id: None,
                municipality_code: Some(MunicipalityCode::parse(code).unwrap()),
            },
            &hash,
            None,
            now,
        )
        .unwrap();
    }
    let round_id = round_a_month_ahead(&mut conn, &["147", "270", "155"]);

    let _first = serve_with_mail(&db.url, sink.port);
    let _second = serve_with_mail(&db.url, sink.port);
    // Opened as the command line opens it: the opening step is due at once, and two more
    // steps a few seconds later; both processes look for due steps every two seconds.
    let links = Links::new("http://trafiklys.example");
    let now = trafiklys::clock::Clock::system().now();
    rounds::change_state(
        &mut conn,
        round_id,
        trafiklys::domain::RoundState::Open,
        None,
        &links,
        now,
    )
    .unwrap();
    for seconds in [3, 5] {
        reminder_plan::change(
            &mut conn,
            round_id,
            &reminder_plan::PlanChange::AddAt(now + chrono::Duration::seconds(seconds)),
            None,
            now,
        )
        .unwrap();
    }
    let opened = sink.messages(3);
    let mut to: Vec<String> = opened.iter().map(|m| m["rcpt_tos"].to_string()).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 3, "each editor once: {to:?}");
    crate::outbox::wait_for("every step done", || {
        reminder_plan::plan(&mut conn, round_id)
            .unwrap()
            .steps
            .iter()
            .filter(|s| {
                s.due_at
                    .is_some_and(|d| d <= now + chrono::Duration::seconds(5))
            })
            .all(|s| s.done_at.is_some())
    });
    // The later steps found every editor reminded within the cooldown.
    assert!(sink.nothing_more(), "a mail sent twice");
    assert_eq!(reminders::list(&mut conn, round_id).unwrap().len(), 1);
    let sent_steps: i64 = trafiklys::store::schema::audit_events::table
        .filter(trafiklys::store::schema::audit_events::action.eq("send_planned_reminder"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(sent_steps, 3, "each step done by one process");
    let mails: i64 = mail_outbox::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(mails, 3);
}
