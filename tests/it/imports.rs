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
    let setup = trafiklys::domain::rounds::RoundSetup::parse(
        "2018",
        "Status 2018",
        "beskæftigelsesområdet",
        "1.12.2018 23.59",
    )
    .unwrap();
    let id = rounds::create_round(
        &mut app.conn(),
        &rounds::CreateRound {
            kkr_id: 1,
            setup,
            participants: None,
            from_previous: true,
        },
        None,
    )
    .unwrap();
    let before_import = rounds::load_content(&mut app.conn(), id).unwrap().unwrap();
    let old_one_one = before_import.recommendations[0].clone();
    let mut csv = String::from("Indsatsområde nr.;Indsatsområde;Nr.;Anbefaling;Forpligtende\n");
    for line in include_str!("../../data/kkr-hovedstaden-2017-recommendations.csv")
        .lines()
        .skip(1)
    {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes());
        let record = r.records().next().unwrap().unwrap();
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
    rounds::change_state(&mut app.conn(), id, RoundState::Open, None).unwrap();
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

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_trafiklys"))
        .args(args)
        .env("TRAFIKLYS_DATABASE_URL", &app.db_path)
        .env("TRAFIKLYS_LOG", "warn")
        .output()
        .expect("run trafiklys")
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
    let created = cli(
        &app,
        &[
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
        ],
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let id = stdout(&created).trim().to_owned();
    assert_eq!(id, "1");
    let import = cli(
        &app,
        &[
            "import",
            "recommendations",
            set.to_str().unwrap(),
            "--round",
            "1",
        ],
    );
    assert!(import.status.success(), "{}", stderr(&import));
    assert!(stdout(&import).contains("Nye anbefalinger (12)"));

    let answers = dir.path().join("svar.csv");
    std::fs::write(
        &answers,
        "Kommune,Nr.,Status,Kommentar\nKøge,1.1,grøn,Godt\nRoskilde Kommune,1.1,rød,Ikke endnu\n",
    )
    .unwrap();
    let before = app.fingerprint();
    let dry = cli(
        &app,
        &[
            "import",
            "answers",
            answers.to_str().unwrap(),
            "--round",
            "1",
            "--dry-run",
        ],
    );
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(stdout(&dry).contains("Dry run, nothing was written"));
    assert!(stdout(&dry).contains("Køge (259): nyt skema"));
    assert_eq!(app.fingerprint(), before);

    let bad = dir.path().join("forkert.csv");
    std::fs::write(&bad, "Kommune,Nr.,Status\nFrederiksberg,1.1,grøn\n").unwrap();
    let refused = cli(
        &app,
        &["import", "answers", bad.to_str().unwrap(), "--round", "1"],
    );
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains(
        "forkert.csv, række 2, kolonne A (Kommune): Frederiksberg (147) deltager ikke i runden."
    ));
    assert_eq!(app.fingerprint(), before);

    for command in ["open", "close"] {
        let out = cli(&app, &["round", command, "1"]);
        assert!(out.status.success(), "{command}: {}", stderr(&out));
    }
    let imported = cli(
        &app,
        &[
            "import",
            "answers",
            answers.to_str().unwrap(),
            "--round",
            "1",
        ],
    );
    assert!(imported.status.success(), "{}", stderr(&imported));
    let koge = app.submission(1, "259").unwrap();
    assert_eq!(koge.state, SubmissionState::Submitted);
    let published = cli(&app, &["round", "publish", "1"]);
    assert!(published.status.success());
    let again = cli(&app, &["round", "open", "1"]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("ét trin ad gangen"));
    let list = cli(&app, &["round", "list"]);
    assert!(stdout(&list).contains("KKR Sjælland"));
    assert!(stdout(&list).contains("published"));

    let next = cli(
        &app,
        &[
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
        ],
    );
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
