use crate::helpers::*;
use trafiklys::domain::Role;

const ATTACHMENT: &str = "/rounds/2/municipalities/147/attachment.pdf";

#[test]
fn the_reader_downloads_an_accessible_pdf_attachment() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Reader);
    let response = app.get(&agent, ATTACHMENT);
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type, "application/pdf");
    assert!(response.bytes.starts_with(b"%PDF-"));
    let text = pdf_text(&response.bytes);
    assert!(text.contains("Frederiksberg Kommune"));
    // pdftotext breaks long lines; compare with whitespace folded.
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(folded.contains(
        "Fem af anbefalingerne er igangsat, tre anbefalinger er i proces, og fire anbefalinger er endnu ikke igangsat."
    ));
    assert!(folded.contains("Initiativer som er igangsat efter planen (5)"));
    let info = pdf_info(&response.bytes);
    assert!(info.contains("Tagged:          yes"), "{info}");
    assert!(info.contains("Frederiksberg Kommune"), "document title");
}

#[test]
fn the_attachment_of_another_municipality_is_forbidden_for_its_reader() {
    let app = spawn_app();
    let agent = app.signed_in(Role::Reader);
    assert_eq!(
        app.get(&agent, "/rounds/2/municipalities/101/attachment.pdf")
            .status,
        403
    );
    assert_eq!(
        app.get(&agent, "/rounds/2/municipalities/999/attachment.pdf")
            .status,
        404
    );
}

#[test]
fn a_kkr_member_does_not_see_a_municipalitys_draft_in_its_attachment() {
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    let own = pdf_text(&app.get(&reader, ATTACHMENT).bytes);
    assert!(own.contains("Kladde, endnu ikke indsendt"));
    let kkr = app.signed_in(Role::Kkr);
    let theirs = pdf_text(&app.get(&kkr, ATTACHMENT).bytes);
    assert!(theirs.contains("Skemaet er endnu ikke indsendt."));
    assert!(!theirs.contains("Kladde"));
}

const EVIL_FIRST: &str = "=SUM(1+2)";
const EVIL: &str = "#set page(fill: red) <b>fed</b> *ikke fed* $x$ @ref";

#[test]
fn the_attachment_holds_the_region_the_own_answers_and_literal_comments() {
    let app = spawn_app();
    app.submit_with_comments("101", EVIL_FIRST, EVIL);
    let admin = app.signed_in(Role::Admin);
    let response = app.get(&admin, "/rounds/2/municipalities/101/attachment.pdf");
    assert_eq!(response.status, 200);
    let text = folded(&pdf_text(&response.bytes));
    assert!(text.contains("København Kommune har meldt grøn på 12 af de 12 anbefalinger."));
    assert!(text.contains("Initiativer som er igangsat efter planen (5)"));
    assert!(text.contains("Initiativer som er i proces (3)"));
    assert!(text.contains("Initiativer som endnu ikke er igangsat (4)"));
    assert!(text.contains("Egne svar: København"));
    assert!(text.contains("Ny anbefaling"), "5.1–5.3 are new in 2017");
    assert!(text.contains("→"), "a change since 2016");
    // User text is never markup: it appears as typed.
    assert!(text.contains("=SUM(1+2)"));
    assert!(text.contains("#set page(fill: red) <b>fed</b> *ikke fed* $x$ @ref"));
}

#[test]
fn spreadsheets_hold_one_row_per_municipality_and_recommendation_and_no_formulas() {
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
    let app = spawn_app();
    app.submit_with_comments("101", EVIL_FIRST, EVIL);
    let kkr = app.signed_in(Role::Kkr);
    let response = app.get(&kkr, "/rounds/2/export.xlsx");
    assert_eq!(response.status, 200);
    let mut book: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(response.bytes.clone())).unwrap();
    assert_eq!(book.sheet_names(), ["Svar", "Detaljer", "Opsummering"]);
    let answers = book.worksheet_range("Svar").unwrap();
    // A title, the summary sentence and a blank row above the header row.
    assert_eq!(answers.height(), 4 + 29 * 12);
    let header = sheet_row(&answers, 3);
    assert_eq!(header[..4], ["Kommune", "Nr.", "Tidl. nr.", "Anbefaling"]);
    let copenhagen: Vec<&[Data]> = answers
        .rows()
        .filter(|r| r[0] == Data::String("København".into()))
        .collect();
    assert_eq!(copenhagen.len(), 12);
    assert_eq!(
        copenhagen[0][6],
        Data::String(EVIL_FIRST.into()),
        "stored as text"
    );
    assert_eq!(
        copenhagen[0][4],
        Data::String("Igangsat efter planen".into())
    );
    let overview = book.worksheet_range("Opsummering").unwrap();
    let sentence = overview.get_value((2, 0)).unwrap().to_string();
    assert!(sentence.starts_with("Fem af anbefalingerne er igangsat"));
    // Drafts never reach the round export.
    assert!(answers
        .rows()
        .filter(|r| r[0] == Data::String("Frederiksberg".into()))
        .all(|r| r[4].to_string().is_empty()));

    let csv = app.get(&kkr, "/rounds/2/export.csv?sep=semikolon");
    assert_eq!(csv.status, 200);
    let text = csv.text();
    assert!(text.starts_with("\u{FEFF}\"Runde\";\"År\";\"KKR\";\"Kommunekode\";\"Kommune\";"));
    assert_eq!(text.lines().count(), 1 + 29 * 12);
    assert!(
        text.contains(";\"'=SUM(1+2)\";"),
        "a formula-like cell is defused"
    );
    assert_eq!(app.get(&kkr, "/rounds/2/export.csv?sep=tab").status, 400);
}

#[test]
fn the_agenda_item_draft_follows_the_council_structure() {
    use std::io::Read;
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    let text = app
        .get(&reader, "/rounds/2/municipalities/147/agenda.txt")
        .text();
    for heading in AGENDA_HEADINGS {
        assert!(text.contains(&format!("\n{heading}\n")), "{heading}");
    }
    assert!(text.contains("Fem af anbefalingerne er igangsat, tre anbefalinger er i proces, og fire anbefalinger er endnu ikke igangsat."));
    assert!(text.contains("Aktiv beskæftigelsesindsats i forhold til flygtninge (nyt)"));
    assert!(text.contains(" 1. At status på anbefalinger vedrørende det tværkommunale samarbejde på beskæftigelsesområdet godkendes."));
    assert!(text.contains("Frederiksberg Kommune har endnu ikke indsendt sit skema."));

    let docx = app.get(&reader, "/rounds/2/municipalities/147/agenda.docx");
    assert_eq!(docx.status, 200);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx.bytes)).unwrap();
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(xml.contains("Beslutningstema"));
    assert!(xml.contains("w:val=\"Heading1\""));
    assert!(xml.contains("Fem af anbefalingerne er igangsat"));
}

#[test]
fn a_comment_with_markup_stays_literal_in_word() {
    use std::io::Read;
    let app = spawn_app();
    app.submit_with_comments("147", EVIL_FIRST, EVIL);
    let reader = app.signed_in(Role::Reader);
    let xlsx = app.get(&reader, "/rounds/2/municipalities/147/answers.xlsx");
    assert_eq!(xlsx.status, 200);
    let csv = app
        .get(&reader, "/rounds/2/municipalities/147/answers.csv")
        .text();
    assert_eq!(csv.lines().count(), 13);
    assert!(csv.contains("<b>fed</b>"));
    // The agenda item has no comments, but the region's figures now count Frederiksberg.
    let docx = app.get(&reader, "/rounds/2/municipalities/147/agenda.docx");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx.bytes)).unwrap();
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(xml.contains("25 af 29 kommuner har indsendt"));
    assert!(xml.contains("Frederiksberg Kommune har meldt grøn på 12 af de 12 anbefalinger."));
}

#[test]
fn the_kkr_report_has_the_heatmap_the_missing_and_every_comment() {
    let app = spawn_app();
    let kkr = app.signed_in(Role::Kkr);
    let response = app.get(&kkr, "/rounds/2/kkr-report.pdf");
    assert_eq!(response.status, 200);
    let text = folded(&pdf_text(&response.bytes));
    assert!(text.contains("Fem af anbefalingerne er igangsat"));
    assert!(text.contains("24 af 29 kommuner har indsendt deres skema (82,8 %)."));
    assert!(text
        .contains("Endnu ikke indsendt: Bornholm, Dragør, Frederiksberg, Gribskov, Vallensbæk."));
    assert!(text.contains("Kommunernes svar"));
    assert!(text.contains("Bilag: kommentarer pr. anbefaling"));
    assert!(text.contains("Indsatsen er forankret i jobcentret"));
    assert!(pdf_info(&response.bytes).contains("Tagged:          yes"));
    let reader = app.signed_in(Role::Reader);
    assert_eq!(app.get(&reader, "/rounds/2/kkr-report.pdf").status, 403);
    assert_eq!(app.get(&reader, "/rounds/2/export.xlsx").status, 403);
}

#[test]
fn a_snapshot_keeps_the_attachment_as_presented() {
    let app = spawn_app();
    app.submit_with_comments("147", "Som præsenteret", "Som præsenteret");
    let reader = app.signed_in(Role::Reader);
    let page = app.get(&reader, "/rounds/2/municipalities/147").text();
    let saved = app.post(
        &reader,
        "/rounds/2/municipalities/147/snapshots",
        &[("csrf_token", &csrf_from(&page))],
    );
    assert_eq!(saved.status, 303);
    let page = app.get(&reader, saved.location.as_deref().unwrap()).text();
    assert!(page.contains("Bilaget er gemt som øjebliksbillede."));
    let id = first_snapshot_id(&page);
    let first = app.get(&reader, &format!("/snapshots/{id}/bilag.pdf"));
    assert_eq!(first.status, 200);
    assert!(pdf_text(&first.bytes).contains("Som præsenteret"));

    // The answers change afterwards; the snapshot does not.
    app.store_form(
        ROUND_2017,
        "147",
        trafiklys::domain::SubmissionState::Submitted,
    );
    let current = pdf_text(&app.get(&reader, ATTACHMENT).bytes);
    assert!(!current.contains("Som præsenteret"));
    let again = app.get(&reader, &format!("/snapshots/{id}/bilag.pdf"));
    assert_eq!(again.bytes, first.bytes);

    // Members of the KKR read but do not make snapshots; other municipalities see none.
    let kkr = app.signed_in(Role::Kkr);
    let kkr_page = app.get(&kkr, "/rounds/2/municipalities/147").text();
    assert_eq!(
        app.post(
            &kkr,
            "/rounds/2/municipalities/147/snapshots",
            &[("csrf_token", &csrf_from(&kkr_page))]
        )
        .status,
        403
    );
    assert_eq!(
        app.get(&kkr, &format!("/snapshots/{id}/bilag.pdf")).status,
        200
    );
}

#[test]
fn the_cli_exports_every_attachment_and_the_kkr_report() {
    let app = spawn_app();
    let out = tempfile::tempdir().unwrap();
    let binary = env!("CARGO_BIN_EXE_trafiklys");
    let run = |args: &[&str]| {
        let output = std::process::Command::new(binary)
            .args(args)
            .arg("--database-url")
            .arg(&app.db_path)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let dir = out.path().join("alle");
    let summary = run(&[
        "export",
        "all",
        "--round",
        "2",
        "--out-dir",
        dir.to_str().unwrap(),
    ]);
    assert!(summary.contains("Wrote 29 attachments and the KKR report"));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 30);
    let report = std::fs::read(dir.join("kkr-rapport-2017.pdf")).unwrap();
    assert!(pdf_text(&report).contains("Bilag: kommentarer pr. anbefaling"));

    // Several rounds in one run: each round's documents in a folder of its own.
    let both = out.path().join("begge");
    let summary = run(&[
        "export",
        "all",
        "--round",
        "1",
        "--round",
        "2",
        "--out-dir",
        both.to_str().unwrap(),
    ]);
    assert!(
        summary.contains("Wrote 58 attachments and 2 KKR reports"),
        "{summary}"
    );
    for (folder, year) in [("hovedstaden-2016", 2016), ("hovedstaden-2017", 2017)] {
        let folder = both.join(folder);
        assert_eq!(
            std::fs::read_dir(&folder).unwrap().count(),
            30,
            "{folder:?}"
        );
        let attachment = std::fs::read(folder.join(format!("bilag-{year}-101.pdf"))).unwrap();
        assert!(pdf_text(&attachment).contains(&year.to_string()));
        assert!(folder.join(format!("kkr-rapport-{year}.pdf")).exists());
    }
    // Every KKR's round of a year: the demo has one for 2017, in its folder all the same.
    let year = out.path().join("aar");
    let summary = run(&[
        "export",
        "all",
        "--year",
        "2017",
        "--out-dir",
        year.to_str().unwrap(),
    ]);
    assert!(summary.contains("Wrote 29 attachments and the KKR report"));
    assert_eq!(std::fs::read_dir(&year).unwrap().count(), 1);
    assert_eq!(
        std::fs::read_dir(year.join("hovedstaden-2017"))
            .unwrap()
            .count(),
        30
    );
    let no_year = std::process::Command::new(binary)
        .args(["export", "all", "--year", "2030", "--out-dir"])
        .arg(out.path().join("ingen"))
        .arg("--database-url")
        .arg(&app.db_path)
        .output()
        .unwrap();
    assert!(!no_year.status.success());
    assert!(String::from_utf8_lossy(&no_year.stderr).contains("no KKR has a round for 2030"));

    let csv = out.path().join("svar.csv");
    run(&[
        "export",
        "attachment",
        "--round",
        "2",
        "--municipality",
        "101",
        "--format",
        "csv",
        "--semicolon",
        "-o",
        csv.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().count(), 13);
    assert!(text.contains(";\"København\";"));
    let failed = std::process::Command::new(binary)
        .args([
            "export",
            "attachment",
            "--round",
            "2",
            "--municipality",
            "751",
            "-o",
        ])
        .arg(out.path().join("x.pdf"))
        .arg("--database-url")
        .arg(&app.db_path)
        .output()
        .unwrap();
    assert!(!failed.status.success());
    assert!(
        String::from_utf8_lossy(&failed.stderr).contains("municipality 751 is not part of round 2")
    );
}

#[test]
fn the_cli_exports_with_the_report_templates_the_server_uses() {
    let app = spawn_app();
    let out = tempfile::tempdir().unwrap();
    let templates = out.path().join("skabeloner");
    std::fs::create_dir(&templates).unwrap();
    // The secretariat's own version of both templates: the built-in one with a line added.
    for name in ["attachment.typ", "kkr-report.typ"] {
        let builtin =
            std::fs::read_to_string(format!("{}/reports/{name}", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        std::fs::write(
            templates.join(name),
            format!("{builtin}\n\nTilpasset af sekretariatet.\n"),
        )
        .unwrap();
    }
    let dir = out.path().join("alle");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trafiklys"))
        .args(["export", "all", "--round", "2", "--out-dir"])
        .arg(&dir)
        .arg("--reports-dir")
        .arg(&templates)
        .arg("--database-url")
        .arg(&app.db_path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for file in ["kkr-rapport-2017.pdf", "bilag-2017-101.pdf"] {
        let text = pdf_text(&std::fs::read(dir.join(file)).unwrap());
        assert!(text.contains("Tilpasset af sekretariatet."), "{file}");
    }
    // Without the option, the built-in templates.
    let plain = out.path().join("uden");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trafiklys"))
        .args(["export", "kkr-report", "--round", "2", "--output"])
        .arg(&plain)
        .arg("--database-url")
        .arg(&app.db_path)
        .env_remove("TRAFIKLYS_REPORTS_DIR")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(!pdf_text(&std::fs::read(&plain).unwrap()).contains("Tilpasset af sekretariatet."));
}
