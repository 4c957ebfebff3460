//! The council documents as a secretary and a KKR read them: the attachment's running header
//! and draft marker on every page, page 1's content, long comments, and the KKR report's
//! trend, comments table and proposals. Pages are read back one at a time with pdftotext.

use crate::helpers::*;
use trafiklys::domain::{Answer, MunicipalityCode, Role, Status, SubmissionState};
use trafiklys::store::{rounds, submissions, users};

const ATTACHMENT: &str = "/rounds/2/municipalities/147/attachment.pdf";

fn folded(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn page_count(pdf: &[u8]) -> usize {
    let info = pdf_info(pdf);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in {info}"))
}

/// The text of one page (from 1), whitespace folded.
fn page_text(pdf: &[u8], page: usize) -> String {
    folded(&pdf_page_text(pdf, page))
}

fn pages(pdf: &[u8]) -> Vec<String> {
    (1..=page_count(pdf)).map(|p| page_text(pdf, p)).collect()
}

/// Submits a municipality's 2017 form: every answer yellow with `comment`, and `proposals`.
fn submit(app: &TestApp, code: &str, comment: &str, proposals: &str) {
    let mut conn = app.conn();
    let content = rounds::load_content(&mut conn, ROUND_2017)
        .unwrap()
        .unwrap();
    let admin = users::find_by_email(&mut conn, &app.email(Role::Admin))
        .unwrap()
        .unwrap()
        .0;
    let current = app.submission(ROUND_2017, code);
    let save = submissions::SaveSubmission {
        round_id: ROUND_2017,
        municipality_code: MunicipalityCode::parse(code).unwrap(),
        base_version: current.map_or(0, |s| s.version),
        answers: content
            .recommendations
            .iter()
            .map(|r| Answer {
                recommendation_id: r.id,
                status: Some(Status::Yellow),
                comment: comment.to_owned(),
                carried: false,
            })
            .collect(),
        proposals: proposals.to_owned(),
        state: SubmissionState::Submitted,
    };
    assert!(matches!(
        submissions::save(
            &mut conn,
            &save,
            admin.id,
            trafiklys::clock::Clock::system().now()
        )
        .unwrap(),
        submissions::SaveOutcome::Saved(_)
    ));
}

#[test]
fn every_page_of_the_attachment_names_the_sender_and_the_meeting_date() {
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    let response = app.get(&reader, &format!("{ATTACHMENT}?moededato=2018-01-31"));
    assert_eq!(response.status, 200);
    let pages = pages(&response.bytes);
    assert!(pages.len() >= 2, "a front page and the table");
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains("KKR Hovedstaden · Frederiksberg Kommune"),
            "page {}: {page}",
            i + 1
        );
        assert!(
            page.contains("Bilag til Kommunalbestyrelsens møde den 31. januar 2018"),
            "page {}: {page}",
            i + 1
        );
        assert!(page.contains(&format!("Side {} af {}", i + 1, pages.len())));
    }
    // Without a date the header still says what the document is.
    let plain = app.get(&reader, &format!("{ATTACHMENT}?moededato="));
    assert_eq!(plain.status, 200);
    let first = page_text(&plain.bytes, 1);
    assert!(first.contains("Bilag"));
    assert!(!first.contains("møde den"));
}

#[test]
fn a_malformed_meeting_date_is_refused_with_a_danish_message() {
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    for bad in ["31-01-2018", "2018-02-30", "i%20morgen", "2018-1-5"] {
        let response = app.get(&reader, &format!("{ATTACHMENT}?moededato={bad}"));
        assert_eq!(response.status, 400, "{bad}");
        assert!(
            response.text().contains(
                "Mødedatoen kunne ikke læses. Skriv den som år-måned-dag, fx 2018-01-31."
            ),
            "{bad}"
        );
    }
}

#[test]
fn an_open_round_and_a_draft_are_marked_on_every_page_of_the_attachment() {
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    let pdf = app.get(&reader, ATTACHMENT).bytes;
    for (i, page) in pages(&pdf).iter().enumerate() {
        assert!(page.contains("FORELØBIGT BILAG"), "page {}: {page}", i + 1);
        assert!(
            page.contains("Foreløbig: statusrunden er åben til"),
            "page {}",
            i + 1
        );
        assert!(
            page.contains("Kladde: kommunens egne svar er endnu ikke indsendt."),
            "page {}",
            i + 1
        );
    }
    // The closed round of 2016 with its submitted answers is final: no marker anywhere.
    let closed = app.get(&reader, "/rounds/1/municipalities/147/attachment.pdf");
    assert_eq!(closed.status, 200);
    let text = folded(&pdf_text(&closed.bytes));
    assert!(!text.contains("FORELØBIG"), "{text}");
    assert!(!text.contains("Kladde"));
}

#[test]
fn page_one_holds_the_summary_the_lists_the_own_sentence_and_the_chart() {
    let app = spawn_app();
    let kkr = app.signed_in(Role::Kkr);
    let pdf = app
        .get(&kkr, "/rounds/2/municipalities/101/attachment.pdf")
        .bytes;
    let first = page_text(&pdf, 1);
    assert!(first.contains("Til Borgerrepræsentationen · København Kommune (kommunekode 101)"));
    assert!(first.contains("Samlet status i KKR Hovedstaden"));
    assert!(first.contains(
        "Fem af anbefalingerne er igangsat, tre anbefalinger er i proces, og fire anbefalinger er endnu ikke igangsat."
    ));
    assert!(first.contains("Initiativer som er igangsat efter planen (5)"));
    assert!(first.contains("Initiativer som er i proces (3)"));
    assert!(first.contains("Initiativer som endnu ikke er igangsat (4)"));
    assert!(first.contains("København Kommune"));
    assert!(
        first.contains("Indsendt "),
        "the own submission line: {first}"
    );
    assert!(first.contains("Egne svar: København"), "the chart: {first}");
    assert!(first.contains("Figur 1"), "the chart's caption");
    // The table follows; nothing of it is needed on page 1, and its header repeats.
    let all = folded(&pdf_text(&pdf));
    assert!(all.contains("Anbefalinger pr. indsatsområde"));
    assert!(all.contains("Ny anbefaling"));
    assert!(all.contains("Siden sidst"));
}

#[test]
fn an_attachment_with_nothing_to_compare_shows_a_dash() {
    let app = spawn_app();
    let kkr = app.signed_in(Role::Kkr);
    // 2016 is the first round: no change to show for any recommendation.
    let pdf = app
        .get(&kkr, "/rounds/1/municipalities/101/attachment.pdf")
        .bytes;
    let text = folded(&pdf_text(&pdf));
    assert!(!text.contains("Ny anbefaling"));
    assert!(!text.contains("→"));
    assert!(text.contains("1.1 "));
    assert!(text.matches(" – ").count() >= 12, "{text}");
}

#[test]
fn a_comment_of_2000_characters_still_gives_a_valid_attachment_with_the_comment() {
    let app = spawn_app();
    let words = "Indsatsen følges tæt af jobcentret og virksomhedskonsulenterne 👍 ÆØÅ æøå ";
    let mut comment = String::from("Begyndelsen.");
    while comment.chars().count() + words.chars().count() < 1988 {
        comment.push_str(words);
    }
    comment.push_str("Slutningen.");
    assert!(comment.chars().count() <= 2000);
    submit(&app, "101", &comment, "");
    let kkr = app.signed_in(Role::Kkr);
    let response = app.get(&kkr, "/rounds/2/municipalities/101/attachment.pdf");
    assert_eq!(response.status, 200);
    assert!(pdf_info(&response.bytes).contains("Tagged:          yes"));
    let pages = pages(&response.bytes);
    let text = pages.join(" ");
    assert_eq!(
        text.matches("Begyndelsen.").count(),
        12,
        "every comment whole"
    );
    assert_eq!(text.matches("Slutningen.").count(), 12);
    assert!(text.contains("virksomhedskonsulenterne 👍 ÆØÅ æøå"));
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains("KKR Hovedstaden · København Kommune"),
            "page {}",
            i + 1
        );
    }
}

#[test]
fn the_kkr_report_of_a_single_round_has_no_trend_chart() {
    let app = spawn_app();
    let kkr = app.signed_in(Role::Kkr);
    let first = folded(&pdf_text(&app.get(&kkr, "/rounds/1/kkr-report.pdf").bytes));
    assert!(first.contains("Fordeling pr. anbefaling"));
    assert!(!first.contains("Udvikling"), "{first}");
    assert!(!first.contains("Grønne af indsendte"));
    assert!(!first.contains("Sammenlignet med sidste år"));
    let second = folded(&pdf_text(&app.get(&kkr, "/rounds/2/kkr-report.pdf").bytes));
    assert!(second.contains("Udvikling"));
    assert!(second.contains("Grønne af indsendte"));
    // The like-for-like change, worded as on the dashboard.
    assert!(
        second.contains(
            "Sammenlignet med sidste år: Blandt de ni anbefalinger, der er videreført fra 2016"
        ),
        "{second}"
    );
}

#[test]
fn the_kkr_reports_comments_come_by_recommendation_and_status_and_proposals_are_listed() {
    let app = spawn_app();
    submit(
        &app,
        "101",
        "Københavns kommentar i proces",
        "Et indsatsområde om seniorer på arbejdsmarkedet.",
    );
    let kkr = app.signed_in(Role::Kkr);
    let text = folded(&pdf_text(&app.get(&kkr, "/rounds/2/kkr-report.pdf").bytes));
    let appendix = &text[text
        .find("Bilag: kommentarer pr. anbefaling")
        .expect("the appendix")..];
    // 1.1's comments come under its heading, by status; then 1.2's.
    let first = appendix
        .find("1.1 Alle kommuner skal aktivt medvirke")
        .expect("1.1");
    let second = appendix
        .find("1.2 Alle kommuner skal have fokus")
        .expect("1.2");
    let yellow = appendix[first..]
        .find("◐ I proces (")
        .map(|i| i + first)
        .expect("1.1's yellow group");
    assert!(first < yellow && yellow < second, "{appendix}");
    let copenhagen = appendix[first..]
        .find("København: Københavns kommentar i proces")
        .map(|i| i + first)
        .expect("the municipality beside its comment");
    assert!(yellow < copenhagen && copenhagen < second);
    assert!(!appendix.contains("Ingen kommentarer."), "no empty groups");
    // Proposals from submitted forms, with their municipality.
    assert!(text.contains("Forslag til nye indsatsområder"));
    assert!(text.contains("København Et indsatsområde om seniorer på arbejdsmarkedet."));
}
