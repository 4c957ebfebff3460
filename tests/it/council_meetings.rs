//! The council meeting's date kept with a municipality's attachment: given once on the agenda
//! form, carried by every download without a date of its own, and, for a closed or published
//! round whose meeting is ahead, the attachment rendered before anyone asks for it.

use std::time::{Duration, Instant};

use crate::helpers::*;
use crate::html::parse;
use trafiklys::domain::events::{AttachmentEvent, Event};
use trafiklys::domain::{MunicipalityCode, Role};
use trafiklys::store::council_meetings;

const AGENDA: &str = "/rounds/2/municipalities/147/agenda";
const MEETING: &str = "/rounds/2/municipalities/147/meeting";
const ATTACHMENT: &str = "/rounds/2/municipalities/147/attachment.pdf";

fn kept(app: &TestApp, round_id: i32, code: &str) -> Option<chrono::NaiveDate> {
    let code = MunicipalityCode::parse(code).expect("code");
    council_meetings::meeting(&mut app.conn(), round_id, &code).expect("read")
}

fn keep(app: &TestApp, agent: &ureq::Agent, path: &str, date: &str) -> Response {
    let token = app.csrf(agent);
    app.post(agent, path, &[("csrf_token", &token), ("moededato", date)])
}

fn renders(app: &TestApp) -> u64 {
    app.metric("trafiklys_pdf_render_seconds_count{document=\"attachment\"}")
}

/// (wanted, ready) of the renders ahead at their last look.
fn ahead(app: &TestApp) -> (u64, u64) {
    (
        app.metric("trafiklys_pdf_ahead_attachments{state=\"wanted\"}"),
        app.metric("trafiklys_pdf_ahead_attachments{state=\"ready\"}"),
    )
}

/// Waits (three minutes at most: a debug build's render on a machine busy with the other
/// tests) until the renders ahead report `wanted` attachments, all ready,
/// with at least `rendered` renders counted.
fn wait_ahead(app: &TestApp, wanted: u64, rendered: u64) {
    let until = Instant::now() + Duration::from_secs(180);
    while !(ahead(app) == (wanted, wanted) && renders(app) >= rendered) {
        assert!(
            Instant::now() < until,
            "renders ahead: {:?}, {} renders; wanted {wanted} ready, {rendered} renders",
            ahead(app),
            renders(app)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_kept_meeting_date_is_carried_by_every_download_without_a_date_of_its_own() {
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    let page = app.get(&reader, AGENDA);
    assert_eq!(page.status, 200);
    assert!(folded(&page.text()).contains("Der er ikke gemt en mødedato for"));

    let saved = keep(&app, &reader, MEETING, "18.12.2030");
    assert_eq!(saved.status, 303);
    assert_eq!(
        saved.location.as_deref(),
        Some(format!("{AGENDA}?gemt=moede#moede").as_str())
    );
    assert_eq!(
        kept(&app, 2, "147"),
        chrono::NaiveDate::from_ymd_opt(2030, 12, 18)
    );
    let page = app.get(&reader, &format!("{AGENDA}?gemt=moede"));
    let text = folded(&page.text());
    assert!(text.contains("Mødedatoen er gemt."), "{text}");
    assert!(text.contains("Der er gemt mødedatoen 18. december 2030"));
    let html = parse(&page.text());
    assert_eq!(
        html.attr("#gem-moededato", "value").as_deref(),
        Some("18.12.2030")
    );
    // The download form starts from the kept date too.
    assert_eq!(
        html.attr("#moededato", "value").as_deref(),
        Some("18.12.2030")
    );

    // A download without a date carries the kept one; an empty date asks for none.
    let dated = app.get(&reader, ATTACHMENT);
    assert_eq!(dated.status, 200);
    assert!(folded(&pdf_text(&dated.bytes)).contains("møde den 18. december 2030"));
    let undated = app.get(&reader, &format!("{ATTACHMENT}?moededato="));
    assert_eq!(undated.status, 200);
    assert!(!folded(&pdf_text(&undated.bytes)).contains("18. december 2030"));
    let other = app.get(&reader, &format!("{ATTACHMENT}?moededato=2031-01-31"));
    assert!(folded(&pdf_text(&other.bytes)).contains("møde den 31. januar 2031"));

    // A date that cannot be read: the reason at its field, the input kept, nothing changed.
    let refused = keep(&app, &reader, MEETING, "31.02.2030\u{7}");
    assert_eq!(refused.status, 400);
    let text = folded(&refused.text());
    assert!(
        text.contains("Mødedatoen »31.02.2030« er ikke en dato"),
        "{text}"
    );
    let html = parse(&refused.text());
    assert_eq!(
        html.attr("#gem-moededato", "aria-invalid").as_deref(),
        Some("true")
    );
    assert!(html.has("#gem-moededato-error"));
    assert_eq!(
        kept(&app, 2, "147"),
        chrono::NaiveDate::from_ymd_opt(2030, 12, 18)
    );

    // The KKR's members read the attachment but do not plan the council's meetings; another
    // municipality's reader may not touch it; a post without its token changes nothing.
    let kkr = app.signed_in(Role::Kkr);
    assert_eq!(keep(&app, &kkr, MEETING, "1.1.2031").status, 403);
    assert!(!parse(&app.get(&kkr, AGENDA).text()).has("#gem-moededato"));
    let other_reader = keep(
        &app,
        &reader,
        "/rounds/2/municipalities/101/meeting",
        "1.1.2031",
    );
    assert_eq!(other_reader.status, 403);
    let tokenless = app.post(&reader, MEETING, &[("moededato", "1.1.2031")]);
    assert_ne!(tokenless.status, 303);
    assert_eq!(
        kept(&app, 2, "147"),
        chrono::NaiveDate::from_ymd_opt(2030, 12, 18)
    );
    assert_eq!(kept(&app, 2, "101"), None);

    // The KKR's admin may, and an empty field clears it; both are in the audit trail.
    let admin = app.signed_in(Role::Admin);
    assert_eq!(keep(&app, &admin, MEETING, "").status, 303);
    assert_eq!(kept(&app, 2, "147"), None);
    let page = app.get(&reader, &format!("{AGENDA}?gemt=moede"));
    assert!(folded(&page.text()).contains("Mødedatoen er slettet."));
    let events =
        trafiklys::store::audit::history(&mut app.conn(), "attachment", "2/147").expect("audit");
    let dates: Vec<_> = events
        .iter()
        .map(|e| match e.event().expect("typed") {
            Event::Attachment(AttachmentEvent::SetMeeting { before, after }) => {
                (before.date, after.date)
            }
            other => panic!("{other:?}"),
        })
        .collect();
    let date = chrono::NaiveDate::from_ymd_opt(2030, 12, 18);
    assert_eq!(dates, [(None, date), (date, None)]);
}

#[test]
fn attachments_of_a_closed_round_whose_meeting_is_ahead_are_rendered_before_anyone_asks() {
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    let admin = app.signed_in(Role::Admin);
    let today = trafiklys::domain::time::copenhagen_day(app.clock.now());
    let next_week = (today + chrono::Duration::days(7))
        .format("%d.%m.%Y")
        .to_string();
    let yesterday = (today - chrono::Duration::days(1))
        .format("%d.%m.%Y")
        .to_string();
    // Last year's round is closed: Frederiksberg's council meets next week.
    let last_year = "/rounds/1/municipalities/147";
    assert_eq!(
        keep(&app, &reader, &format!("{last_year}/meeting"), &next_week).status,
        303
    );
    // Meetings not ahead, or of a round still open, are left to the downloads.
    assert_eq!(
        keep(
            &app,
            &admin,
            "/rounds/1/municipalities/101/meeting",
            &yesterday
        )
        .status,
        303
    );
    assert_eq!(keep(&app, &reader, MEETING, &next_week).status, 303);
    wait_ahead(&app, 1, 1);
    assert_eq!(renders(&app), 1, "only the one ahead");

    // The secretary's download is sent from the cache, with the meeting's date.
    let pdf = app.get(&reader, &format!("{last_year}/attachment.pdf"));
    assert_eq!(pdf.status, 200);
    let words = crate::helpers::folded(&pdf_text(&pdf.bytes));
    let date = trafiklys::domain::time::danish_day(today + chrono::Duration::days(7));
    assert!(words.contains(&format!("møde den {date}")), "{words}");
    assert_eq!(renders(&app), 1, "not rendered again");
    assert_eq!(
        app.metric("trafiklys_pdf_cache_lookups_total{result=\"hit\"}"),
        1
    );

    // A new day is a new extraction date: once woken (or at its next look) it is rendered
    // for the new day.
    app.clock.advance(chrono::Duration::days(1));
    assert_eq!(
        keep(&app, &reader, &format!("{last_year}/meeting"), &next_week).status,
        303
    );
    wait_ahead(&app, 1, 2);
    assert_eq!(renders(&app), 2);
    app.get(&reader, &format!("{last_year}/attachment.pdf"));
    assert_eq!(renders(&app), 2, "the new day's is the kept one");
}

#[test]
fn the_command_line_keeps_and_clears_a_meeting_date_and_refuses_what_it_cannot_read() {
    let app = spawn_app();
    let kept_by = |args: &[&str]| {
        let out = app.cli(args);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, stdout, _) = kept_by(&["round", "meeting", "1", "101", "1.2.2031"]);
    assert!(ok);
    assert!(stdout.contains("meeting of 1. februar 2031"), "{stdout}");
    assert_eq!(
        kept(&app, 1, "101"),
        chrono::NaiveDate::from_ymd_opt(2031, 2, 1)
    );

    let (ok, _, stderr) = kept_by(&["round", "meeting", "1", "101", "i morgen"]);
    assert!(!ok);
    assert!(
        stderr.contains("Mødedatoen »i morgen« er ikke en dato"),
        "{stderr}"
    );
    let (ok, _, stderr) = kept_by(&["round", "meeting", "99", "101", "1.2.2031"]);
    assert!(!ok);
    assert!(stderr.contains("no round has the id 99"), "{stderr}");
    assert_eq!(
        kept(&app, 1, "101"),
        chrono::NaiveDate::from_ymd_opt(2031, 2, 1)
    );

    let (ok, stdout, _) = kept_by(&["round", "meeting", "1", "101", ""]);
    assert!(ok);
    assert!(stdout.contains("has no meeting date"), "{stdout}");
    assert_eq!(kept(&app, 1, "101"), None);
}
