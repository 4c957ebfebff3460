//! Attachment PDFs kept beside the cached pages: rendered once per round, municipality, data,
//! meeting date and viewer class, sent from memory after that; a new answer in the round
//! makes a new one; who may read it is decided before the cache is asked.

use crate::helpers::*;
use trafiklys::domain::{Role, Status, SubmissionState};

const ATTACHMENT: &str = "/rounds/2/municipalities/147/attachment.pdf";

/// (sent from the cache, rendered) for attachments, and the renders the PDF timer counted.
fn pdf_counts(app: &TestApp) -> (u64, u64, u64) {
    (
        app.metric("trafiklys_pdf_cache_lookups_total{result=\"hit\"}"),
        app.metric("trafiklys_pdf_cache_lookups_total{result=\"miss\"}"),
        app.metric("trafiklys_pdf_render_seconds_count{document=\"attachment\"}"),
    )
}

fn download(app: &TestApp, agent: &ureq::Agent, path: &str) -> Vec<u8> {
    let response = app.get(agent, path);
    assert_eq!(response.status, 200, "{path}");
    assert_eq!(response.content_type, "application/pdf");
    assert!(response.bytes.starts_with(b"%PDF-"));
    response.bytes
}

#[test]
fn a_second_download_is_sent_from_the_cache_to_every_viewer_allowed_to_read_it() {
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    let first = download(&app, &reader, ATTACHMENT);
    assert_eq!(pdf_counts(&app), (0, 1, 1));
    let second = download(&app, &reader, ATTACHMENT);
    assert_eq!(second, first, "the same document");
    assert_eq!(pdf_counts(&app), (1, 1, 1), "not rendered again");
    // The KKR's admin sees the municipality's draft too: the same document, from the cache.
    let admin = app.signed_in(Role::Admin);
    assert_eq!(download(&app, &admin, ATTACHMENT), first);
    assert_eq!(pdf_counts(&app), (2, 1, 1));
    // A KKR member does not see the draft: a document of its own.
    let kkr = app.signed_in(Role::Kkr);
    let theirs = download(&app, &kkr, ATTACHMENT);
    assert_ne!(theirs, first);
    assert!(!pdf_text(&theirs).contains("Kladde"));
    assert_eq!(pdf_counts(&app), (2, 2, 2));
    // Another meeting date is another document.
    let dated = download(&app, &reader, &format!("{ATTACHMENT}?moededato=2018-01-31"));
    assert!(folded(&pdf_text(&dated)).contains("møde den 31. januar 2018"));
    assert_eq!(pdf_counts(&app), (2, 3, 3));
    download(&app, &reader, &format!("{ATTACHMENT}?moededato=2018-01-31"));
    assert_eq!(pdf_counts(&app), (3, 3, 3));
}

#[test]
fn the_cache_is_asked_only_after_the_reader_may_read_the_attachment() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    download(&app, &admin, "/rounds/2/municipalities/101/attachment.pdf");
    // Frederiksberg's reader asks for København's kept attachment: refused, not sent.
    let reader = app.signed_in(Role::Reader);
    let refused = app.get(&reader, "/rounds/2/municipalities/101/attachment.pdf");
    assert_eq!(refused.status, 403);
    assert!(!refused.bytes.starts_with(b"%PDF-"));
    let anonymous = app.get(&client(), "/rounds/2/municipalities/101/attachment.pdf");
    assert_ne!(anonymous.status, 200, "signed out");
    assert!(!anonymous.bytes.starts_with(b"%PDF-"));
    assert_eq!(pdf_counts(&app), (0, 1, 1));
}

#[test]
fn a_new_answer_changes_the_data_version_and_so_the_attachment() {
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    let last_year = "/rounds/1/municipalities/147/attachment.pdf";
    let before = download(&app, &reader, ATTACHMENT);
    download(&app, &reader, last_year);
    assert!(!pdf_text(&before).contains("Et nyt svar i dag"));
    app.store_answers(ROUND_2017, "147", SubmissionState::Draft, "", |_| {
        (Status::Red, "Et nyt svar i dag".to_owned())
    });
    let after = download(&app, &reader, ATTACHMENT);
    assert_ne!(after, before);
    assert!(folded(&pdf_text(&after)).contains("Et nyt svar i dag"));
    assert_eq!(pdf_counts(&app), (0, 3, 3), "rendered anew");
    // Last year's round did not change: its attachment is still the kept one.
    download(&app, &reader, last_year);
    assert_eq!(pdf_counts(&app), (1, 3, 3));
}

#[test]
fn requests_at_once_for_one_attachment_share_one_render_and_other_attachments_render_beside_it() {
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    let admin = app.signed_in(Role::Admin);
    const AT_ONCE: usize = 6;
    let barrier = std::sync::Barrier::new(AT_ONCE + 2);
    let other = "/rounds/2/municipalities/101/attachment.pdf";
    let pdfs: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let same: Vec<_> = (0..AT_ONCE)
            .map(|_| {
                let (app, barrier, reader) = (&app, &barrier, reader.clone());
                scope.spawn(move || {
                    barrier.wait();
                    download(app, &reader, ATTACHMENT)
                })
            })
            .collect();
        // Two other attachments asked at the same moment (the admin may read every one).
        let others: Vec<_> = ["101", "151"]
            .map(|code| {
                let (app, barrier, admin) = (&app, &barrier, admin.clone());
                scope.spawn(move || {
                    barrier.wait();
                    let path = format!("/rounds/2/municipalities/{code}/attachment.pdf");
                    download(app, &admin, &path)
                })
            })
            .into_iter()
            .collect();
        let mut pdfs: Vec<Vec<u8>> = same
            .into_iter()
            .map(|t| t.join().expect("client"))
            .collect();
        for t in others {
            t.join().expect("client");
        }
        pdfs.dedup();
        pdfs
    });
    assert_eq!(pdfs.len(), 1, "every request for it got the same document");
    let (hits, misses, renders) = pdf_counts(&app);
    assert_eq!(
        (hits, misses, renders),
        (AT_ONCE as u64 - 1, 3, 3),
        "one render for the six requests, one for each other attachment"
    );
    assert!(folded(&pdf_text(&download(&app, &admin, other))).contains("København"));
}
