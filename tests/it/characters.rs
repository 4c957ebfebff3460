//! Every character a comment may hold gets into the documents: drawn with an embedded font, or
//! shown as a visible marker (U+FFFD) in PDFs when no embedded font has it, while the data
//! exports keep the original text. Directional controls cannot turn text around.

use std::process::Command;

use crate::helpers::*;
use trafiklys::domain::{Answer, MunicipalityCode, Role, Status, SubmissionState};
use trafiklys::store::{rounds, submissions, users};

/// One entry per kind of text, each led by a Danish word that the PDF must show as typed.
const CORPUS: &[(&str, &str)] = &[
    ("Trafiklys", "🚦 tommel 👍🏽 ✅"),
    ("Familie", "👩‍👩‍👧‍👦 regnbue 🏳️‍🌈 tast 1️⃣"),
    ("Flag", "🇩🇰 🇬🇱 🇫🇴 🏴󠁧󠁢󠁳󠁣󠁴󠁿"),
    ("Kinesisk", "中文测试 日本語 한국어"),
    ("Thai", "ภาษาไทย"),
    ("Arabisk", "مرحبا بالعالم"),
    ("Hebraisk", "שלום"),
    ("Grønlandsk", "Kalaallit Nunaat, ĸalâĸ, Qaqortoq, Ilulissat"),
    ("Kombineret", "e\u{301}ble a\u{308}\u{330} Z\u{324}\u{354}"),
    ("Styretegn", "før\u{1b}[31m\u{7}efter\u{0}slut"),
    (
        "Retning",
        "faktura\u{202E}txt.exe\u{202C} og \u{2067}\u{2069} \u{202E}fil.pdf",
    ),
    ("Privat", "tegn \u{E000} \u{FEFF}\u{FFFF} slut"),
];

fn folded(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Submits Frederiksberg's form with one corpus entry per recommendation, directly in the
/// store (as data from before the form refused control characters would be).
fn submit_corpus(app: &TestApp, code: &str) {
    let mut conn = app.conn();
    let content = rounds::load_content(&mut conn, ROUND_2017)
        .unwrap()
        .unwrap();
    let admin = users::find_by_email(&mut conn, &app.email(Role::Admin))
        .unwrap()
        .unwrap()
        .0;
    let current = app.submission(ROUND_2017, code);
    let answers = content
        .recommendations
        .iter()
        .zip(CORPUS.iter().cycle())
        .map(|(r, (word, text))| Answer {
            recommendation_id: r.id,
            status: Some(Status::Yellow),
            comment: format!("{word}: {text}"),
            carried: false,
        })
        .collect();
    let save = submissions::SaveSubmission {
        round_id: ROUND_2017,
        municipality_code: MunicipalityCode::parse(code).unwrap(),
        base_version: current.map_or(0, |s| s.version),
        answers,
        proposals: String::new(),
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

/// What the PDF's text must show for the corpus: drawn characters as typed, the rest marked.
fn assert_corpus_shown(text: &str) {
    let text = folded(text);
    for expected in [
        "Trafiklys: 🚦",
        "👍🏽",
        "Flag: 🇩🇰 🇬🇱 🇫🇴",
        "Kinesisk: ���� ��� ���",
        "Thai: �������",
        "Hebraisk:",
        "tast 1\u{FFFD}",
        "Grønlandsk: Kalaallit Nunaat, ĸalâĸ, Qaqortoq, Ilulissat",
        "Styretegn: før�[31m�efter�slut",
        "Retning: fakturatxt.exe og fil.pdf",
        "Privat: tegn",
    ] {
        assert!(text.contains(expected), "{expected:?} missing in {text}");
    }
    assert!(
        text.contains('👩') && text.contains('🌈'),
        "joined emoji: {text}"
    );
    assert!(
        text.contains("مرحبا") || text.contains("ابحرم"),
        "Arabic: {text}"
    );
    assert!(
        text.contains("שלום") || text.contains("םולש"),
        "Hebrew: {text}"
    );
    assert!(
        text.contains("ble") && (text.contains("éble") || text.contains("e\u{301}ble")),
        "combining marks: {text}"
    );
    assert!(
        !text.contains("exe.txt") && !text.contains("fdp.lif"),
        "an override, paired or not, turned text around"
    );
}

#[test]
fn every_character_gets_into_the_attachment_and_the_kkr_report() {
    if skip_on_postgres("every_character_gets_into_the_attachment_and_the_kkr_report", "the rendering does not depend on the backend, and PostgreSQL text cannot hold the corpus\u{2019}s NUL") {
        return;
    }
    let app = spawn_app();
    submit_corpus(&app, "147");
    let reader = app.signed_in(Role::Reader);
    let attachment = app.get(&reader, "/rounds/2/municipalities/147/attachment.pdf");
    assert_eq!(attachment.status, 200, "{}", attachment.text());
    assert_corpus_shown(&pdf_text(&attachment.bytes));
    assert!(pdf_info(&attachment.bytes).contains("Tagged:          yes"));

    let admin = app.signed_in(Role::Admin);
    let report = app.get(&admin, "/rounds/2/kkr-report.pdf");
    assert_eq!(report.status, 200, "{}", report.text());
    assert_corpus_shown(&pdf_text(&report.bytes));

    // A snapshot renders too, and keeps the original text in its data.
    let token = app.csrf(&reader);
    let saved = app.post(
        &reader,
        "/rounds/2/municipalities/147/snapshots",
        &[("csrf_token", &token)],
    );
    assert_eq!(saved.status, 303);
    let page = app.get(&reader, saved.location.as_deref().unwrap()).text();
    let marker = "<a href=\"/snapshots/";
    let start = page.find(marker).unwrap() + marker.len();
    let id: String = page[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let snapshot = app.get(&reader, &format!("/snapshots/{id}/bilag.pdf"));
    assert_eq!(snapshot.status, 200);
    assert_corpus_shown(&pdf_text(&snapshot.bytes));
}

#[test]
fn the_data_exports_keep_the_original_characters() {
    if skip_on_postgres("the_data_exports_keep_the_original_characters", "the rendering does not depend on the backend, and PostgreSQL text cannot hold the corpus\u{2019}s NUL") {
        return;
    }
    let app = spawn_app();
    submit_corpus(&app, "147");
    let reader = app.signed_in(Role::Reader);
    let csv = app
        .get(&reader, "/rounds/2/municipalities/147/answers.csv")
        .text();
    for (word, text) in CORPUS {
        assert!(
            csv.contains(&format!("{word}: {text}")),
            "{word} changed in CSV"
        );
    }
    let api = app.get(&reader, "/api/v1/rounds/2/municipalities/147/submission");
    let body: serde_json::Value = serde_json::from_slice(&api.bytes).unwrap();
    let comments: Vec<&str> = body["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["comment"].as_str().unwrap())
        .collect();
    assert!(comments
        .contains(&"Retning: faktura\u{202E}txt.exe\u{202C} og \u{2067}\u{2069} \u{202E}fil.pdf"));
}

#[test]
fn export_all_writes_every_document_with_every_character() {
    if skip_on_postgres("export_all_writes_every_document_with_every_character", "the rendering does not depend on the backend, and PostgreSQL text cannot hold the corpus\u{2019}s NUL") {
        return;
    }
    let app = spawn_app();
    submit_corpus(&app, "147");
    submit_corpus(&app, "101");
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_trafiklys"))
        .args(["export", "all", "--round", "2", "--out-dir"])
        .arg(out.path())
        .env("TRAFIKLYS_DATABASE_URL", &app.db_path)
        .env("TRAFIKLYS_LOG", "warn")
        .status()
        .unwrap();
    assert!(status.success(), "export all failed");
    let mut pdfs = 0;
    for entry in std::fs::read_dir(out.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "pdf") {
            pdfs += 1;
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.contains("147") || name.contains("kkr") {
                assert_corpus_shown(&pdf_text(&std::fs::read(&path).unwrap()));
            }
        }
    }
    assert!(pdfs >= 2, "{pdfs} PDFs written");
}

#[test]
fn pages_isolate_user_text_from_its_surroundings() {
    if skip_on_postgres("pages_isolate_user_text_from_its_surroundings", "the rendering does not depend on the backend, and PostgreSQL text cannot hold the corpus\u{2019}s NUL") {
        return;
    }
    let app = spawn_app();
    submit_corpus(&app, "147");
    let reader = app.signed_in(Role::Reader);
    let page = app.get(&reader, "/rounds/2/municipalities/147").text();
    assert!(
        page.contains("<bdi>Retning: faktura\u{202E}txt.exe\u{202C} og \u{2067}\u{2069} \u{202E}fil.pdf</bdi>"),
        "the comment is isolated"
    );
}
