//! One history across the years: a set changed between two rounds (reworded, moved, merged,
//! retired, added, from a spreadsheet with "Tidligere nr.") tells the same story on the form,
//! the municipality page, the attachment, the spreadsheet and the API, and the like-for-like,
//! merged and retired figures count every one of last year's answers once.

use crate::helpers::*;
use trafiklys::domain::{Answer, MunicipalityCode, Role, RoundState, Status, SubmissionState};
use trafiklys::store::{rounds, submissions, users};

const FREDERIKSBERG: &str = "147";

/// The 2018 set: 1.1 reworded, 1.2 moved to 3.2, 3.1 and 3.2 merged into 3.1, 4.2 retired,
/// 6.1 new; the rest continued.
fn set_2018() -> String {
    let mut csv =
        String::from("Indsatsområde nr.;Indsatsområde;Nr.;Anbefaling;Forpligtende;Tidligere nr.\n");
    let mut texts = std::collections::HashMap::new();
    for record in recommendation_records_2017() {
        texts.insert(
            record[2].to_owned(),
            (
                record[0].to_owned(),
                record[1].to_owned(),
                record[3].to_owned(),
            ),
        );
    }
    let row = |area: &str, code: &str, text: &str, previous: &str| {
        let title = &texts
            .values()
            .find(|(n, _, _)| n == area)
            .map_or("Unge uden uddannelse".to_owned(), |(_, t, _)| t.clone());
        format!("{area};{title};{code};\"{text}\";ja;{previous}\n")
    };
    let text = |code: &str| texts[code].2.clone();
    csv.push_str(&row(
        "1",
        "1.1",
        "Alle kommuner skal udvikle rekrutteringsservicen",
        "1.1",
    ));
    for code in ["2.1", "2.2", "2.3"] {
        csv.push_str(&row("2", code, &text(code), code));
    }
    csv.push_str(&row("3", "3.1", &text("3.1"), "3.1+3.2"));
    csv.push_str(&row("3", "3.2", &text("1.2"), "1.2"));
    csv.push_str(&row("4", "4.1", &text("4.1"), "4.1"));
    for code in ["5.1", "5.2", "5.3"] {
        csv.push_str(&row("5", code, &text(code), code));
    }
    csv.push_str(&row(
        "6",
        "6.1",
        "Alle kommuner skal have en ungeindsats",
        "",
    ));
    csv
}

/// Saves a municipality's form in `round_id` with the given statuses by number (every other
/// recommendation green), as the admin; submitted.
fn submit(app: &TestApp, round_id: i32, code: &str, statuses: &[(&str, Status, &str)]) {
    let mut conn = app.conn();
    let content = rounds::load_content(&mut conn, round_id).unwrap().unwrap();
    let admin = users::find_by_email(&mut conn, &app.email(Role::Admin))
        .unwrap()
        .unwrap()
        .0;
    let current = app.submission(round_id, code);
    let save = submissions::SaveSubmission {
        round_id,
        municipality_code: MunicipalityCode::parse(code).unwrap(),
        base_version: current.map_or(0, |s| s.version),
        answers: content
            .recommendations
            .iter()
            .map(|r| {
                let (status, comment) = statuses
                    .iter()
                    .find(|(c, _, _)| *c == r.code)
                    .map_or((Status::Green, "Som planlagt"), |(_, s, c)| (*s, *c));
                Answer {
                    recommendation_id: r.id,
                    status: Some(status),
                    comment: comment.into(),
                    carried: false,
                    evidence: None,
                }
            })
            .collect(),
        proposals: String::new(),
        state: SubmissionState::Submitted,
    };
    match submissions::save(
        &mut conn,
        &save,
        admin.id,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap()
    {
        submissions::SaveOutcome::Saved(_) => {}
        other => panic!("not saved: {other:?}"),
    }
}

/// A 2018 draft of KKR Hovedstaden with no recommendations yet; returns its id.
fn empty_2018_draft(app: &TestApp) -> i32 {
    app.create_2018_draft(None, false)
}

/// Imports the 2018 set into a new empty draft after a dry run; returns the round's id.
fn round_2018(app: &TestApp) -> i32 {
    let id = empty_2018_draft(app);
    let admin = app.signed_in(Role::Admin);
    let path = format!("/admin/rounds/{id}/import");
    let token = csrf_from(&app.get(&admin, &path).text());
    let csv = set_2018();
    let dry = app.post_multipart(
        &admin,
        &path,
        &[("csrf_token", &token), ("kind", "anbefalinger")],
        Some(("anbefalinger-2018.csv", csv.as_bytes())),
    );
    assert_eq!(dry.status, 200, "{}", dry.text());
    let page = dry.text();
    for line in [
        "Flyttet siden 2017 (1): 1.2 → 3.2",
        "Lagt sammen siden 2017 (1): 3.1 + 3.2 → 3.1",
        "Nye anbefalinger uden forgænger (1): 6.1",
        "Udgår fra 2017 (1): 4.2",
    ] {
        assert!(page.contains(line), "{line} in {page}");
    }
    assert!(rounds::load_content(&mut app.conn(), id)
        .unwrap()
        .unwrap()
        .recommendations
        .is_empty());
    let done = app.post_multipart(
        &admin,
        &path,
        &[
            ("csrf_token", &csrf_from(&page)),
            ("kind", &hidden_value(&page, "kind")),
            ("step", "udfoer"),
            ("file_name", &hidden_value(&page, "file_name")),
            ("file_data", &hidden_value(&page, "file_data")),
        ],
        None,
    );
    assert!(done.status < 400, "{}", done.text());
    rounds::change_state(
        &mut app.conn(),
        id,
        RoundState::Open,
        None,
        &trafiklys::notices::Links::new(&app.address),
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    id
}

#[test]
fn a_changed_set_tells_one_story_on_every_page_document_and_api_answer() {
    let app = spawn_app();
    // Frederiksberg's 2017 answers: 1.2 (moved to 3.2) yellow, 3.1 yellow and 3.2 green
    // (merged into 3.1), 4.2 (retired) red.
    submit(
        &app,
        ROUND_2017,
        FREDERIKSBERG,
        &[
            ("1.2", Status::Yellow, "Kompetenceplan undervejs"),
            ("3.1", Status::Yellow, "Projekt under opstart"),
            ("3.2", Status::Green, "Best practice deles"),
            ("4.2", Status::Red, "Ikke prioriteret"),
        ],
    );
    let id = round_2018(&app);
    submit(&app, id, FREDERIKSBERG, &[]);

    let content = rounds::load_content(&mut app.conn(), id).unwrap().unwrap();
    let rec = |code: &str| {
        content
            .recommendations
            .iter()
            .find(|r| r.code == code)
            .unwrap()
            .id
    };

    // The form: both answers of the merge, each with its old number; the move's old number.
    let editor = app.signed_in(Role::Editor);
    let form = folded(
        &app.get(
            &editor,
            &format!("/rounds/{id}/municipalities/{FREDERIKSBERG}/form"),
        )
        .text(),
    );
    assert!(form.contains("3.2 (tidl. 1.2)"), "{form}");
    assert!(form.contains("Sidste år (2017, som 1.2)"), "{form}");
    assert!(form.contains("Kompetenceplan undervejs"));
    assert!(form.contains("3.1 (tidl. 3.1 og 3.2)"));
    assert!(form.contains("Projekt under opstart") && form.contains("Best practice deles"));

    // The municipality page: last year's answers and the change since, merge included.
    let reader = app.signed_in(Role::Reader);
    let page = folded(
        &app.get(
            &reader,
            &format!("/rounds/{id}/municipalities/{FREDERIKSBERG}"),
        )
        .text(),
    );
    assert!(page.contains("gul (3.1) og grøn (3.2) → grøn"), "{page}");
    assert!(page.contains("gul → grøn"));
    assert!(page.contains("3.2 (tidl. 1.2)"));
    assert!(page.contains("Forløb over årene"));

    // The attachment says the same.
    let pdf = app.get(
        &reader,
        &format!("/rounds/{id}/municipalities/{FREDERIKSBERG}/attachment.pdf"),
    );
    assert_eq!(pdf.status, 200);
    let text = folded(&pdf_text(&pdf.bytes));
    assert!(text.contains("tidl. 1.2"), "{text}");
    assert!(text.contains("gul (3.1) og grøn (3.2)"), "{text}");

    // The spreadsheet: last year's numbers and statuses.
    let xlsx = app.get(
        &reader,
        &format!("/rounds/{id}/municipalities/{FREDERIKSBERG}/answers.xlsx"),
    );
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(xlsx.bytes)).unwrap();
    let sheet = book.worksheet_range("Svar").unwrap();
    let row_of = |code: &str| {
        sheet
            .rows()
            .find(|r| r[1] == Data::String(code.into()))
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(row_of("3.2")[2..=2], ["1.2"]);
    assert_eq!(row_of("3.2")[5], "I proces");
    assert_eq!(row_of("3.1")[2], "3.1 og 3.2");
    assert_eq!(
        row_of("3.1")[5],
        "I proces (3.1); Igangsat efter planen (3.2)"
    );
    assert_eq!(row_of("6.1")[5], "");

    // The API: the same previous answers, and the timeline through the move.
    let history: serde_json::Value = serde_json::from_str(
        &app.get(
            &reader,
            &format!("/api/v1/rounds/{id}/municipalities/{FREDERIKSBERG}/history"),
        )
        .text(),
    )
    .unwrap();
    let of = |rec_id: i32| {
        history["recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["link"]["recommendation_id"] == rec_id)
            .unwrap()
            .clone()
    };
    let moved = of(rec("3.2"));
    assert_eq!(moved["link"]["kind"], "moved");
    assert_eq!(moved["link"]["code_label"], "3.2 (tidl. 1.2)");
    assert_eq!(moved["previous_answers"][0]["code"], "1.2");
    assert_eq!(moved["previous_answers"][0]["status"], "yellow");
    let merged = of(rec("3.1"));
    assert_eq!(merged["link"]["kind"], "merged");
    let previous: Vec<(String, String)> = merged["previous_answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["code"].as_str().unwrap().into(),
                a["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        previous,
        [
            ("3.1".into(), "yellow".into()),
            ("3.2".into(), "green".into())
        ]
    );
    let years: Vec<(i64, String)> = moved["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["year"].as_i64().unwrap(),
                e["code"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        years,
        [
            (2016, "1.2".into()),
            (2017, "1.2".into()),
            (2018, "3.2".into())
        ]
    );
    assert_eq!(of(rec("6.1"))["link"]["kind"], "new");
    assert!(of(rec("6.1"))["previous_answers"]
        .as_array()
        .unwrap()
        .is_empty());

    // Every one of 2017's submitted answers counted once: like-for-like, merged or retired,
    // as this test counts them from the stored 2017 answers.
    let data = rounds::load_round_data(&mut app.conn(), ROUND_2017)
        .unwrap()
        .unwrap();
    let (mut like, mut merge, mut retired) = (0u64, 0u64, 0u64);
    for s in data.submissions.iter().filter(|s| s.is_submitted()) {
        for a in s.answers.iter().filter(|a| a.status.is_some()) {
            let code = &data
                .content
                .recommendations
                .iter()
                .find(|r| r.id == a.recommendation_id)
                .unwrap()
                .code;
            match code.as_str() {
                "3.1" | "3.2" => merge += 1,
                "4.2" => retired += 1,
                _ => like += 1,
            }
        }
    }
    let kkr = app.signed_in(Role::Kkr);
    let summary: serde_json::Value = serde_json::from_str(
        &app.get(&kkr, &format!("/api/v1/rounds/{id}/summary"))
            .text(),
    )
    .unwrap();
    let comparison = &summary["trend"]["comparison"];
    assert_eq!(comparison["like_for_like_previous"]["answers"], like);
    assert_eq!(comparison["merged"][0]["previous"]["answers"], merge);
    assert_eq!(comparison["retired_previous"]["answers"], retired);
    assert_eq!(comparison["like_for_like_recommendations"], 9);
    assert_eq!(
        comparison["merged"][0]["sentence"]
            .as_str()
            .unwrap()
            .split(':')
            .next(),
        Some("3.1 og 3.2 er lagt sammen i 3.1")
    );
    let dashboard = folded(&app.get(&kkr, &format!("/rounds/{id}")).text());
    assert!(dashboard.contains(&folded(comparison["scope_sentence"].as_str().unwrap())));
}

#[test]
fn the_command_line_links_a_set_to_the_round_it_names_and_refuses_one_that_is_not_earlier() {
    if skip_on_postgres(
        "the_command_line_links_a_set_to_the_round_it_names_and_refuses_one_that_is_not_earlier",
        "the command line is tested on the SQLite file",
    ) {
        return;
    }
    let app = spawn_app();
    let id = empty_2018_draft(&app);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("anbefalinger-2018.csv");
    std::fs::write(&file, set_2018()).unwrap();
    let file = file.to_str().unwrap();
    let round = id.to_string();
    // Named explicitly: 2017, the round the numbers refer to.
    let dry = app.cli(&[
        "import",
        "recommendations",
        file,
        "--round",
        &round,
        "--from-round",
        &ROUND_2017.to_string(),
        "--dry-run",
    ]);
    let out = String::from_utf8_lossy(&dry.stdout).into_owned();
    assert!(
        dry.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(out.contains("Flyttet siden 2017 (1): 1.2 → 3.2"), "{out}");
    assert!(out.contains("Udgår fra 2017 (1): 4.2"), "{out}");
    // The round itself is not an earlier round: refused, nothing written.
    let refused = app.cli(&[
        "import",
        "recommendations",
        file,
        "--round",
        &round,
        "--from-round",
        &round,
    ]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(
        err.contains(&format!(
            "Runde {id} er ikke en tidligere statusrunde i samme KKR"
        )),
        "{err}"
    );
    assert!(rounds::load_content(&mut app.conn(), id)
        .unwrap()
        .unwrap()
        .recommendations
        .is_empty());
    // Carried out with the default (the KKR's latest earlier round): links written.
    let done = app.cli(&["import", "recommendations", file, "--round", &round]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let content = rounds::load_content(&mut app.conn(), id).unwrap().unwrap();
    let merged = content
        .recommendations
        .iter()
        .find(|r| r.code == "3.1")
        .unwrap();
    assert!(merged.carried_from.is_some());
    assert_eq!(merged.merged_from.len(), 1);
    assert!(content
        .recommendations
        .iter()
        .find(|r| r.code == "6.1")
        .unwrap()
        .is_new());
}
