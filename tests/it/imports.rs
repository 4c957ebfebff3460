//! Imports from spreadsheets, on the page and on the command line: always a dry run first,
//! then all or nothing; every kind of error named with its place, the database unchanged.

use crate::helpers::*;
use trafiklys::domain::{MunicipalityCode, Role, RoundState, Status, SubmissionState};
use trafiklys::store::{audit, rounds};

const IMPORT: &str = "/admin/rounds/2/import";

fn upload(
    app: &TestApp,
    agent: &ureq::Agent,
    path: &str,
    kind: &str,
    name: &str,
    bytes: &[u8],
) -> Response {
    let token = csrf_from(&app.get(agent, path).text());
    app.post_multipart(
        agent,
        path,
        &[("csrf_token", &token), ("kind", kind)],
        Some((name, bytes)),
    )
}

/// Carries out the dry run shown on `page` (its confirmation form).
fn confirm(app: &TestApp, agent: &ureq::Agent, path: &str, page: &str) -> Response {
    app.post_multipart(
        agent,
        path,
        &[
            ("csrf_token", &csrf_from(page)),
            ("kind", &hidden_value(page, "kind")),
            ("step", "udfoer"),
            ("file_name", &hidden_value(page, "file_name")),
            ("file_data", &hidden_value(page, "file_data")),
        ],
        None,
    )
}

fn answers_xlsx(rows: &[[&str; 4]]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Svar 2017").unwrap();
    for (col, header) in ["Kommune", "Nr.", "Status", "Kommentar"].iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *value).unwrap();
        }
    }
    workbook.save_to_buffer().unwrap()
}

#[test]
fn answers_are_imported_after_a_dry_run_as_submitted_forms_by_the_admin() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    // Dragør (155) has no form; Frederiksberg (147) has a draft.
    let file = answers_xlsx(&[
        ["Dragør Kommune", "1.1", "Grøn", "Kører efter planen"],
        ["dragør", "1.2", "RØD", "Ikke startet"],
        ["147", "1.1", "yellow", "I gang"],
    ]);
    let before = app.fingerprint();
    let dry = upload(&app, &admin, IMPORT, "svar", "svar-2017.xlsx", &file);
    assert_eq!(dry.status, 200, "{}", dry.text());
    let page = dry.text();
    assert!(page.contains("Prøvekørsel af svar-2017.xlsx: intet er gemt endnu"));
    assert!(page.contains("3 rækker: svar for 2 kommuner (1 nye skemaer, 1 ændrede)"));
    assert!(page.contains(
        "Dragør (155): nyt skema, 2 svar nye eller ændrede, 0 uændrede, 10 anbefalinger uden svar"
    ));
    assert_eq!(app.fingerprint(), before, "a dry run writes nothing");

    let done = confirm(&app, &admin, IMPORT, &page);
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done
        .text()
        .contains("Importen af svar fra svar-2017.xlsx er gennemført"));
    let dragor = app.submission(ROUND_2017, "155").unwrap();
    assert_eq!(dragor.state, SubmissionState::Submitted);
    assert_eq!(
        dragor.submitted_by.as_deref(),
        Some("Anne Admin (KKR-sekretariatet)")
    );
    assert_eq!(dragor.answers.len(), 2);
    let round = rounds::load_content(&mut app.conn(), ROUND_2017)
        .unwrap()
        .unwrap();
    let id = |code: &str| {
        round
            .recommendations
            .iter()
            .find(|r| r.code == code)
            .unwrap()
            .id
    };
    assert_eq!(dragor.answer(id("1.2")).unwrap().status, Some(Status::Red));
    assert_eq!(dragor.answer(id("1.2")).unwrap().comment, "Ikke startet");
    let frb = app.submission(ROUND_2017, "147").unwrap();
    assert_eq!(frb.state, SubmissionState::Submitted);
    assert_eq!(frb.answer(id("1.1")).unwrap().status, Some(Status::Yellow));
    assert_eq!(frb.answers.len(), 7, "the draft's other answers are kept");
    let actions: Vec<String> = audit::history(&mut app.conn(), "round", "2")
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"import_answers".to_owned()));
    let history = app
        .get(&admin, "/rounds/2/municipalities/155/history")
        .text();
    assert!(history.contains("Indsendt"));
    assert!(history.contains("Svar på 1.1 ændret"));
}

#[test]
fn every_import_error_names_its_place_and_leaves_the_database_unchanged() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let header = "Kommune;Nr.;Status;Kommentar\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "unknown municipality",
            format!("{header}Gotham;1.1;grøn;x\n").into_bytes(),
            "svar.csv, række 2, kolonne A (Kommune): kommunen «Gotham» findes ikke",
        ),
        (
            "municipality not in the round",
            format!("{header}Aarhus Kommune;1.1;grøn;x\n").into_bytes(),
            "svar.csv, række 2, kolonne A (Kommune): Aarhus (751) deltager ikke i runden.",
        ),
        (
            "unknown recommendation code",
            format!("{header}147;9.9;grøn;x\n").into_bytes(),
            "svar.csv, række 2, kolonne B (Nr.): anbefaling «9.9» findes ikke i runden",
        ),
        (
            "bad status word",
            format!("{header}147;1.1;blå;x\n").into_bytes(),
            "svar.csv, række 2, kolonne C (Status): «blå» er ikke en status",
        ),
        (
            "duplicate row",
            format!("{header}147;1.1;grøn;x\nFrederiksberg;1.1;rød;y\n").into_bytes(),
            "svar.csv, række 3: kommune 147 og anbefaling 1.1 står to gange: også i række 2.",
        ),
        (
            "missing header",
            "Kommune;Nr.;Kommentar\n147;1.1;x\n".as_bytes().to_vec(),
            "svar.csv, række 1: kolonnen «Status» mangler i overskriftsrækken",
        ),
        ("empty file", Vec::new(), "svar.csv: filen er tom."),
        (
            "wrong encoding",
            b"Kommune;Nr.;Status\n147;1.1;gr\xf8n\n".to_vec(),
            "svar.csv, række 2: filen er ikke gemt som UTF-8",
        ),
        (
            "file over the size limit",
            vec![b'x'; trafiklys::domain::import::MAX_FILE_BYTES + 10],
            "svar.csv: filen fylder 2,0 MB; en import må højst fylde 2 MB.",
        ),
    ];
    let before = app.fingerprint();
    for (what, bytes, message) in &cases {
        let response = upload(&app, &admin, IMPORT, "svar", "svar.csv", bytes);
        assert_eq!(response.status, 422, "{what}");
        let text = response.text();
        assert!(text.contains("Intet er importeret"), "{what}");
        assert!(text.contains(message), "{what}: {text}");
        assert!(
            !text.contains("Gennemfør importen"),
            "{what}: no way to carry it out"
        );
        assert_eq!(app.fingerprint(), before, "{what}: the database changed");
    }
    // Carrying out a bad file directly (without the dry run's page) is refused the same way.
    for (what, bytes, message) in cases.iter().filter(|(_, b, _)| b.len() < 1000) {
        let token = csrf_from(&app.get(&admin, IMPORT).text());
        let encoded = base64_of(bytes);
        let response = app.post_multipart(
            &admin,
            IMPORT,
            &[
                ("csrf_token", &token),
                ("kind", "svar"),
                ("step", "udfoer"),
                ("file_name", "svar.csv"),
                ("file_data", &encoded),
            ],
            None,
        );
        assert_eq!(response.status, 422, "{what}");
        assert!(response.text().contains(message), "{what}");
        assert_eq!(app.fingerprint(), before, "{what}: the database changed");
    }
    // One bad row among good ones: nothing of the good ones is written either.
    let mixed = format!("{header}101;1.1;grøn;ok\n151;1.1;gul;ok\n153;1.1;lilla;x\n");
    let token = csrf_from(&app.get(&admin, IMPORT).text());
    let response = app.post_multipart(
        &admin,
        IMPORT,
        &[
            ("csrf_token", &token),
            ("kind", "svar"),
            ("step", "udfoer"),
            ("file_name", "svar.csv"),
            ("file_data", &base64_of(mixed.as_bytes())),
        ],
        None,
    );
    assert_eq!(response.status, 422);
    assert!(response
        .text()
        .contains("række 4, kolonne C (Status): «lilla»"));
    assert_eq!(app.fingerprint(), before);
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn a_recommendation_set_is_imported_into_a_draft_and_refused_once_open() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    // A 2018 draft from last year, on the command line's store function.
    let id = app.create_2018_draft(None, true);
    let before_import = rounds::load_content(&mut app.conn(), id).unwrap().unwrap();
    let old_one_one = before_import.recommendations[0].clone();
    let mut csv = String::from("Indsatsområde nr.;Indsatsområde;Nr.;Anbefaling;Forpligtende\n");
    for record in recommendation_records_2017() {
        let code = &record[2];
        if code == "4.2" {
            continue;
        }
        let text = if code == "1.1" {
            "Ny formulering af 1.1"
        } else {
            &record[3]
        };
        csv.push_str(&format!(
            "{};{};{};\"{}\";{}\n",
            &record[0],
            &record[1],
            code,
            text,
            if &record[4] == "forpligtende" {
                "ja"
            } else {
                "nej"
            }
        ));
    }
    csv.push_str("5;Aktiv beskæftigelsesindsats i forhold til flygtninge;5.4;Alle kommuner skal samarbejde om danskundervisning;frivillig\n");
    let path = format!("/admin/rounds/{id}/import");
    let before = app.fingerprint();
    let dry = upload(
        &app,
        &admin,
        &path,
        "anbefalinger",
        "anbefalinger-2018.csv",
        csv.as_bytes(),
    );
    assert_eq!(dry.status, 200, "{}", dry.text());
    let page = dry.text();
    assert!(page.contains("Nye anbefalinger (1): 5.4"));
    assert!(page.contains("Ændrede anbefalinger (1): 1.1: ny tekst"));
    assert!(page.contains("Anbefalinger der fjernes (1): 4.2"));
    assert!(page.contains("Uændrede anbefalinger: 10"));
    assert_eq!(app.fingerprint(), before);
    let done = confirm(&app, &admin, &path, &page);
    assert_eq!(done.status, 200, "{}", done.text());
    let after = rounds::load_content(&mut app.conn(), id).unwrap().unwrap();
    assert_eq!(after.recommendations.len(), 12);
    let one_one = after
        .recommendations
        .iter()
        .find(|r| r.code == "1.1")
        .unwrap();
    assert_eq!(one_one.id, old_one_one.id, "matched by code");
    assert_eq!(one_one.text, "Ny formulering af 1.1");
    assert_eq!(
        one_one.carried_from, old_one_one.carried_from,
        "still linked to 2017"
    );
    let new = after
        .recommendations
        .iter()
        .find(|r| r.code == "5.4")
        .unwrap();
    assert!(new.is_new());
    assert!(!new.binding);
    assert!(after.recommendations.iter().all(|r| r.code != "4.2"));

    // Once open, the set is frozen for imports too.
    rounds::change_state(
        &mut app.conn(),
        id,
        RoundState::Open,
        None,
        &trafiklys::notices::Links::new(&app.address),
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    let before = app.fingerprint();
    let refused = upload(
        &app,
        &admin,
        &path,
        "anbefalinger",
        "anbefalinger-2018.csv",
        csv.as_bytes(),
    );
    assert_eq!(refused.status, 409);
    assert!(refused
        .text()
        .contains("Anbefalingerne er låst, fordi runden er åbnet"));
    assert_eq!(app.fingerprint(), before);
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_command_line_runs_a_round_from_creation_to_publication_with_an_import() {
    let app = spawn_app_without_demo();
    let dir = tempfile::tempdir().unwrap();
    let set = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/kkr-hovedstaden-2017-recommendations.csv");
    let created = app.cli(&[
        "round",
        "create",
        "--kkr",
        "KKR Sjælland",
        "--year",
        "2017",
        "--title",
        "Status 2017",
        "--subject",
        "beskæftigelsesområdet",
        "--deadline",
        "2017-12-01T23:59",
    ]);
    assert!(created.status.success(), "{}", stderr(&created));
    let id = stdout(&created).trim().to_owned();
    assert_eq!(id, "1");
    let import = app.cli(&[
        "import",
        "recommendations",
        set.to_str().unwrap(),
        "--round",
        "1",
    ]);
    assert!(import.status.success(), "{}", stderr(&import));
    assert!(stdout(&import).contains("Nye anbefalinger (12)"));

    let answers = dir.path().join("svar.csv");
    std::fs::write(
        &answers,
        "Kommune,Nr.,Status,Kommentar\nKøge,1.1,grøn,Godt\nRoskilde Kommune,1.1,rød,Ikke endnu\n",
    )
    .unwrap();
    let before = app.fingerprint();
    let dry = app.cli(&[
        "import",
        "answers",
        answers.to_str().unwrap(),
        "--round",
        "1",
        "--dry-run",
    ]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(stdout(&dry).contains("Dry run, nothing was written"));
    assert!(stdout(&dry).contains("Køge (259): nyt skema"));
    assert_eq!(app.fingerprint(), before);

    let bad = dir.path().join("forkert.csv");
    std::fs::write(&bad, "Kommune,Nr.,Status\nFrederiksberg,1.1,grøn\n").unwrap();
    let refused = app.cli(&["import", "answers", bad.to_str().unwrap(), "--round", "1"]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains(
        "forkert.csv, række 2, kolonne A (Kommune): Frederiksberg (147) deltager ikke i runden."
    ));
    assert_eq!(app.fingerprint(), before);

    // Round 1's deadline (2016) has passed: opening it says so.
    for command in [&["open", "1", "--past-deadline"][..], &["close", "1"][..]] {
        let out = app.cli(&[&["round"][..], command].concat());
        assert!(out.status.success(), "{command:?}: {}", stderr(&out));
    }
    let imported = app.cli(&[
        "import",
        "answers",
        answers.to_str().unwrap(),
        "--round",
        "1",
    ]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let koge = app.submission(1, "259").unwrap();
    assert_eq!(koge.state, SubmissionState::Submitted);
    let published = app.cli(&["round", "publish", "1"]);
    assert!(published.status.success());
    let again = app.cli(&["round", "open", "1"]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("ét trin ad gangen"));
    let list = app.cli(&["round", "list"]);
    assert!(stdout(&list).contains("KKR Sjælland"));
    assert!(stdout(&list).contains("published"));

    let next = app.cli(&[
        "round",
        "create",
        "--kkr",
        "Sjælland",
        "--year",
        "2018",
        "--title",
        "Status 2018",
        "--subject",
        "beskæftigelsesområdet",
        "--deadline",
        "1.12.2018 23.59",
        "--from-previous",
    ]);
    assert!(next.status.success(), "{}", stderr(&next));
    let content = rounds::load_content(&mut app.conn(), 2).unwrap().unwrap();
    assert_eq!(content.recommendations.len(), 12);
    assert!(content
        .recommendations
        .iter()
        .all(|r| r.carried_from.is_some()));
    assert_eq!(content.municipalities.len(), 17);
    assert!(content
        .municipality(&MunicipalityCode::parse("259").unwrap())
        .is_some());
    let public = app.get(&client(), "/public/rounds/1");
    assert_eq!(public.status, 200);
    assert!(public.text().contains("Køge, 1.1: Igangsat efter planen"));
}

// ---------------------------------------------------------------------------------------------
// Hostile and careless files

/// An XLSX made by hand, as an attacker would: one sheet ("Ark1") whose `<sheetData>` is
/// written by `sheet_data` (streamed, so a bomb never sits in memory whole), and a shared text
/// table when given.
fn hand_made_xlsx(
    sheet_data: impl FnOnce(&mut dyn std::io::Write),
    shared_strings: Option<&[u8]>,
) -> Vec<u8> {
    use std::io::Write as _;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let part = |zip: &mut zip::ZipWriter<_>, name: &str, bytes: &[u8]| {
        zip.start_file(name, options).unwrap();
        zip.write_all(bytes).unwrap();
    };
    part(
        &mut zip,
        "[Content_Types].xml",
        br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#,
    );
    part(
        &mut zip,
        "_rels/.rels",
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    part(
        &mut zip,
        "xl/workbook.xml",
        br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Ark1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    );
    part(
        &mut zip,
        "xl/_rels/workbook.xml.rels",
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
    );
    if let Some(shared) = shared_strings {
        part(&mut zip, "xl/sharedStrings.xml", shared);
    }
    zip.start_file("xl/worksheets/sheet1.xml", options.large_file(true))
        .unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#).unwrap();
    sheet_data(&mut zip);
    zip.write_all(b"</sheetData></worksheet>").unwrap();
    zip.finish().unwrap().into_inner()
}

/// A sheet with one cell in A1 and one in XFD1048576, the last cell a sheet can have.
pub(crate) fn corner_xlsx() -> Vec<u8> {
    hand_made_xlsx(
        |w| {
            w.write_all(br#"<row r="1"><c r="A1" t="inlineStr"><is><t>Kommune</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#).unwrap();
        },
        None,
    )
}

#[test]
fn a_small_xlsx_with_a_cell_in_its_last_corner_is_refused_on_the_page_and_the_command_line() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let file = corner_xlsx();
    assert!(file.len() < 2_000, "{} bytes", file.len());
    let before = app.fingerprint();
    let response = upload(&app, &admin, IMPORT, "svar", "hjørne.xlsx", &file);
    assert_eq!(response.status, 422);
    let page = response.text();
    assert!(
        page.contains("Intet er importeret: hjørne.xlsx har 1 fejl"),
        "{page}"
    );
    assert!(page.contains(
        "hjørne.xlsx, ark «Ark1»: der er indhold i celle XFD1048576, men en import læser kun række 1 til 20.000 og kolonne A til CV."
    ), "{page}");
    assert!(!page.contains("Gennemfør importen"));
    assert_eq!(app.fingerprint(), before);
    // The server is still there for everyone.
    assert_eq!(app.get(&admin, IMPORT).status, 200);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hjørne.xlsx");
    std::fs::write(&path, &file).unwrap();
    let out = app.cli(&[
        "import",
        "answers",
        path.to_str().unwrap(),
        "--round",
        "2",
        "--dry-run",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("hjørne.xlsx, ark «Ark1»: der er indhold i celle XFD1048576"),
        "{}",
        stderr(&out)
    );
    assert_eq!(app.fingerprint(), before);
}

#[test]
fn a_zip_bomb_under_the_size_limit_is_refused_by_its_unpacked_size_on_the_page() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    // 434 MiB of empty rows, written in pieces and deflated to well under 2 MiB.
    let bomb = hand_made_xlsx(
        |w| {
            let piece = b"<row/>".repeat(1024 * 1024 / 6 * 6 / 6);
            let mut written = 0usize;
            while written < 434 * 1024 * 1024 {
                w.write_all(&piece).unwrap();
                written += piece.len();
            }
        },
        None,
    );
    assert!(
        bomb.len() < trafiklys::domain::import::MAX_FILE_BYTES,
        "{} bytes",
        bomb.len()
    );
    let before = app.fingerprint();
    let response = upload(&app, &admin, IMPORT, "svar", "bombe.xlsx", &bomb);
    assert_eq!(response.status, 422);
    let page = response.text();
    assert!(page.contains("bombe.xlsx: regnearket fylder 4"), "{page}");
    assert!(
        page.contains("MB udpakket; en import må højst fylde 24 MB udpakket."),
        "{page}"
    );
    assert_eq!(app.fingerprint(), before);
}

/// Runs the command line's import and reads the peak memory it logs at the end (its own
/// VmHWM): whether it succeeded, its standard error, and the peak in KiB.
fn run_measured(app: &TestApp, args: &[&str]) -> (bool, String, u64) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_trafiklys"))
        .args(args)
        .env("TRAFIKLYS_DATABASE_URL", &app.database_url)
        .env("TRAFIKLYS_LOG", "info")
        .env("NO_COLOR", "1")
        .output()
        .expect("run trafiklys");
    let err = stderr(&out);
    let peak = err
        .split("peak_memory_kib=")
        .nth(1)
        .and_then(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or_else(|| panic!("no peak memory logged: {err}"));
    (out.status.success(), err, peak)
}

/// An answers file at the reader's limits: 20,000 rows × 5 columns (100,000 cells, the limit;
/// about 12 MB of text; 199,007 distinct shared texts), under 2 MiB packed and 24 MiB unpacked.
fn largest_accepted_xlsx() -> Vec<u8> {
    use std::io::Write as _;
    let rows = 19_999usize;
    let filler = 179_000usize;
    let comment =
        "Indsatsen er forankret i jobcentret og følges op hvert kvartal med virksomhederne, \
                   uddannelsesinstitutionerne og a-kasserne; "
            .repeat(5);
    let mut shared = Vec::new();
    write!(
        shared,
        r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{}">"#,
        rows + filler + 8
    )
    .unwrap();
    for header in [
        "Kommune",
        "Nr.",
        "Status",
        "Kommentar",
        "Note",
        "147",
        "1.1",
        "grøn",
    ] {
        write!(shared, "<si><t>{header}</t></si>").unwrap();
    }
    for r in 0..rows {
        write!(shared, "<si><t>{r:05} {comment}</t></si>").unwrap();
    }
    for f in 0..filler {
        write!(shared, "<si><t>{f}</t></si>").unwrap();
    }
    shared.extend_from_slice(b"</sst>");
    hand_made_xlsx(
        |w| {
            for r in 1..=rows + 1 {
                write!(w, r#"<row r="{r}">"#).unwrap();
                let cells: [usize; 5] = if r == 1 {
                    [0, 1, 2, 3, 4]
                } else {
                    [5, 6, 7, 8 + r - 2, 8 + rows + (r % filler)]
                };
                for (c, index) in ["A", "B", "C", "D", "E"].iter().zip(cells) {
                    write!(w, r#"<c r="{c}{r}" t="s"><v>{index}</v></c>"#).unwrap();
                }
                w.write_all(b"</row>").unwrap();
            }
        },
        Some(&shared),
    )
}

#[cfg(target_os = "linux")]
#[test]
fn the_largest_accepted_import_stays_under_100_mb_above_a_tiny_one() {
    let app = spawn_app();
    let dir = tempfile::tempdir().unwrap();
    let tiny = dir.path().join("lille.csv");
    std::fs::write(&tiny, "Kommune;Nr.;Status;Kommentar\n147;1.1;grøn;ok\n").unwrap();
    let large = dir.path().join("stor.xlsx");
    let bytes = largest_accepted_xlsx();
    assert!(
        bytes.len() <= trafiklys::domain::import::MAX_FILE_BYTES,
        "{} bytes",
        bytes.len()
    );
    std::fs::write(&large, &bytes).unwrap();
    let args = |path: &std::path::Path| {
        vec![
            "import".to_owned(),
            "answers".to_owned(),
            path.to_str().unwrap().to_owned(),
            "--round".to_owned(),
            "2".to_owned(),
            "--dry-run".to_owned(),
        ]
    };
    let tiny_args = args(&tiny);
    let (ok, err, idle_kib) = run_measured(
        &app,
        &tiny_args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(ok, "{err}");
    let large_args = args(&large);
    let (_, err, peak_kib) = run_measured(
        &app,
        &large_args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    // Read whole and checked: the refusals are the rows' own (the same answer many times),
    // not a limit of the reader.
    assert!(err.contains("står to gange"), "{err}");
    assert!(!err.contains("højst"), "{err}");
    let above = peak_kib.saturating_sub(idle_kib);
    eprintln!("peak {peak_kib} KiB, tiny {idle_kib} KiB, above: {above} KiB");
    assert!(
        above < 100 * 1000 * 1000 / 1024,
        "{above} KiB above a tiny import"
    );
}

#[test]
fn the_command_line_reads_at_most_one_byte_past_the_limit() {
    let app = spawn_app();
    // /dev/zero never ends: reading it whole would exhaust memory. Under a 1 GiB address
    // space limit that ends the process instead of the machine.
    let out = std::process::Command::new("sh")
        .args([
            "-c",
            "ulimit -v 1048576 && exec \"$0\" import answers /dev/zero --round 2 --dry-run",
            env!("CARGO_BIN_EXE_trafiklys"),
        ])
        .env("TRAFIKLYS_DATABASE_URL", &app.database_url)
        .env("TRAFIKLYS_LOG", "warn")
        .output()
        .expect("run trafiklys");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("zero: filen fylder mere end 2 MB; en import må højst fylde 2 MB."),
        "{}",
        stderr(&out)
    );
    // A regular file over the limit is named with its size.
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("stor.csv");
    std::fs::write(&big, vec![b'x'; 3 * 1024 * 1024]).unwrap();
    let out = app.cli(&["import", "answers", big.to_str().unwrap(), "--round", "2"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("stor.csv: filen fylder 3,0 MB; en import må højst fylde 2 MB."));
}

/// Sends a POST's head (declaring `declared` bytes, or chunked), then `body` bytes of a
/// file field and no more: the body is never finished. Returns the answer (status line and
/// page) as read until the server closes the connection.
fn post_raw(app: &TestApp, cookie: &str, declared: Option<usize>, body: usize) -> String {
    use std::io::{Read as _, Write as _};
    let address = app.address.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    // Only a guard against hanging: a server that waits for the rest of the body never
    // answers, and the test then fails on the empty answer.
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let length = match declared {
        Some(n) => format!("Content-Length: {n}\r\n"),
        None => "Transfer-Encoding: chunked\r\n".to_owned(),
    };
    write!(
        stream,
        "POST {IMPORT} HTTP/1.1\r\nHost: {address}\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary=xyz\r\n{length}\r\n"
    )
    .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let chunked = declared.is_none();
    let sender = std::thread::spawn(move || {
        let mut sent = 0usize;
        let mut piece = b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"stor.csv\"\r\n\r\n".to_vec();
        piece.resize(64 * 1024, b'x');
        while sent < body {
            let result = if chunked {
                write!(writer, "{:x}\r\n", piece.len())
                    .and_then(|()| writer.write_all(&piece))
                    .and_then(|()| writer.write_all(b"\r\n"))
            } else {
                writer.write_all(&piece)
            };
            if result.is_err() {
                break;
            }
            sent += piece.len();
            piece.fill(b'x');
        }
    });
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let _ = stream.shutdown(std::net::Shutdown::Both);
    sender.join().unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn an_upload_is_refused_before_its_body_is_read_and_every_upload_has_a_body_limit() {
    let app = spawn_app();
    let before = app.fingerprint();
    let sixty_mib = 60 * 1024 * 1024;
    // A reader declares 60 MiB and sends none of it: the 403 comes without waiting for it.
    let reader = session_cookie(&app.signed_in(Role::Reader));
    let answer = post_raw(&app, &reader, Some(sixty_mib), 0);
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    // An admin declaring 60 MiB gets the import page saying so, before the body is read.
    let admin = session_cookie(&app.signed_in(Role::Admin));
    let answer = post_raw(&app, &admin, Some(sixty_mib), 0);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("Intet er importeret"), "{answer}");
    assert!(
        answer.contains("filen: filen fylder 60,0 MB; en import må højst fylde 2 MB."),
        "{answer}"
    );
    // Streamed without a declared length, 8 MiB of a body that never ends: reading stops at
    // the limit and the page says so, without waiting for the rest.
    let answer = post_raw(&app, &admin, None, 8 * 1024 * 1024);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("filen: filen fylder mere end 2 MB; en import må højst fylde 2 MB."),
        "{answer}"
    );
    assert_eq!(app.fingerprint(), before);
}
