//! Evidence links beside answers: typed on the form (http and https only, the input kept
//! when refused), and shown on the municipality page, the recommendation page, the
//! attachment, the exports and the API; imported from a sheet's "Dokumentation" column.

use crate::helpers::*;
use trafiklys::domain::{Role, SubmissionState};

const FORM: &str = "/rounds/2/municipalities/147/form";
const LINK: &str = "https://www.frederiksberg.dk/dagsordener/byraadet-2017-11-20#punkt-4";

/// The form with every recommendation answered green, and `link` typed as the first one's
/// evidence.
fn form_with_link(page: &str, action: &str, link: &str) -> (i32, Vec<(String, String)>) {
    let first = recommendation_ids(page)[0];
    let mut fields = answered_form(page, action, |id| ("green".into(), format!("Svar {id}")));
    fields.push((format!("evidence-{first}"), link.to_owned()));
    (first, fields)
}

#[test]
fn a_link_that_is_not_http_or_https_is_refused_with_the_input_kept() {
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    let page = app.get(&editor, FORM).text();
    let version = app.submission(2, "147").unwrap().version;
    let cases = [
        (
            "javascript:alert(1)",
            "Linket skal begynde med https:// eller http://.",
        ),
        (
            "ftp://filer.frederiksberg.dk/plan.pdf",
            "Linket skal begynde med https:// eller http://.",
        ),
        (
            "www.frederiksberg.dk/plan",
            "Linket er ikke en gyldig webadresse.",
        ),
        ("https://www.frederiksberg.dk/min plan.pdf", "mellemrum"),
        (
            "https://bruger:hemmelig@www.frederiksberg.dk/",
            "brugernavn eller en adgangskode",
        ),
    ];
    for (typed, message) in cases {
        let (first, fields) = form_with_link(&page, "save", typed);
        let response = app.post_fields(&editor, FORM, &fields);
        assert_eq!(response.status, 422, "{typed}: the form comes back");
        let html = parse(&response.text());
        let error = html
            .text(&format!("#evidence-{first}-error"))
            .unwrap_or_else(|| panic!("{typed}: an error beside the field"));
        assert!(error.contains(message), "{typed}: {error}");
        assert!(
            html.has(&format!("a[href=\"#evidence-{first}\"]")),
            "{typed}: the summary links to the field"
        );
        assert_eq!(
            html.attr(&format!("#evidence-{first}"), "value").as_deref(),
            Some(typed),
            "what was typed is kept"
        );
        assert_eq!(
            html.attr(&format!("#evidence-{first}"), "aria-invalid")
                .as_deref(),
            Some("true")
        );
        assert_eq!(
            app.submission(2, "147").unwrap().version,
            version,
            "{typed}: nothing was saved"
        );
    }
}

#[test]
fn a_link_follows_the_answer_to_every_page_document_and_the_api() {
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    let page = app.get(&editor, FORM).text();
    let (first, fields) = form_with_link(&page, "submit", &format!("  {LINK} "));
    let response = app.post_fields(&editor, FORM, &fields);
    assert_eq!(response.status, 303, "{}", response.text());
    let stored = app.submission(2, "147").unwrap();
    assert_eq!(stored.state, SubmissionState::Submitted);
    let answer = stored.answer(first).unwrap();
    assert_eq!(
        answer.evidence_url().as_deref(),
        Some(LINK),
        "stored trimmed"
    );
    assert!(stored
        .answers
        .iter()
        .filter(|a| a.recommendation_id != first)
        .all(|a| a.evidence.is_none()));

    // The form shows it in its field.
    let form = parse(&app.get(&editor, FORM).text());
    assert_eq!(
        form.attr(&format!("#evidence-{first}"), "value").as_deref(),
        Some(LINK)
    );

    // The municipality page and the recommendation page link to it, as its address.
    let kkr = app.signed_in(Role::Kkr);
    let link_css = format!("a.evidence-link[href=\"{LINK}\"]");
    for path in [
        "/rounds/2/municipalities/147".to_owned(),
        format!("/rounds/2/recommendations/{first}"),
    ] {
        let html = parse(&app.get(&kkr, &path).text());
        assert_eq!(html.count(&link_css), 1, "{path}");
        assert_eq!(html.text(&link_css).as_deref(), Some(LINK), "{path}");
        assert_eq!(
            html.attr(&link_css, "rel").as_deref(),
            Some("noreferrer"),
            "{path}"
        );
    }

    // The API.
    let body: serde_json::Value = serde_json::from_str(
        &app.get(&kkr, "/api/v1/rounds/2/municipalities/147/submission")
            .text(),
    )
    .unwrap();
    let answers = body["answers"].as_array().unwrap();
    let with_link: Vec<&serde_json::Value> = answers
        .iter()
        .filter(|a| !a["evidence_url"].is_null())
        .collect();
    assert_eq!(with_link.len(), 1);
    assert_eq!(with_link[0]["recommendation_id"], first);
    assert_eq!(with_link[0]["evidence_url"], LINK);

    // The exports: a "Dokumentation" column in CSV, and on the XLSX's "Detaljer" sheet.
    let csv = app
        .get(&kkr, "/rounds/2/municipalities/147/answers.csv")
        .text();
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("\"Kommentar\",\"Dokumentation\""),
        "{header}"
    );
    assert_eq!(csv.matches(LINK).count(), 1);
    {
        use calamine::{open_workbook_from_rs, Reader, Xlsx};
        let xlsx = app.get(&kkr, "/rounds/2/municipalities/147/answers.xlsx");
        let mut book: Xlsx<_> =
            open_workbook_from_rs(std::io::Cursor::new(xlsx.bytes.clone())).unwrap();
        let details = book.worksheet_range("Detaljer").unwrap();
        assert_eq!(sheet_row(&details, 3)[8], "Dokumentation");
        let links: Vec<String> = (4..details.height())
            .map(|r| sheet_row(&details, r)[8].clone())
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(links, [LINK]);
    }

    // The attachment says it beside the answer.
    let pdf = app.get(&kkr, "/rounds/2/municipalities/147/attachment.pdf");
    assert_eq!(pdf.status, 200);
    let text = folded(&pdf_text(&pdf.bytes));
    assert!(text.contains("Dokumentation:"), "{text}");
    // The address may break over lines in its column.
    let joined: String = text.split_whitespace().collect();
    assert!(joined.contains(LINK), "{text}");
}

#[test]
fn a_link_of_last_year_is_taken_over_with_its_answer() {
    let app = spawn_app();
    let editor = app.signed_in(Role::Editor);
    let page = app.get(&editor, FORM).text();
    let (_, fields) = form_with_link(&page, "submit", LINK);
    assert_eq!(app.post_fields(&editor, FORM, &fields).status, 303);
    let close = app.cli(&["round", "close", "2"]);
    assert!(
        close.status.success(),
        "{}",
        String::from_utf8_lossy(&close.stderr)
    );
    let next = app.create_2018_draft(None, true);
    let opened = app.cli(&["round", "open", &next.to_string(), "--past-deadline"]);
    assert!(
        opened.status.success(),
        "{}",
        String::from_utf8_lossy(&opened.stderr)
    );
    let form_2018 = format!("/rounds/{next}/municipalities/147/form");
    let html = parse(&app.get(&editor, &form_2018).text());
    let inputs = html.attrs("input[name^=\"evidence-\"]", "value");
    assert_eq!(
        inputs.iter().filter(|v| v.as_str() == LINK).count(),
        1,
        "last year's link stands in this year's field: {inputs:?}"
    );
    assert!(
        html.has(&format!("p.last-year a.evidence-link[href=\"{LINK}\"]")),
        "and beside last year's answer"
    );
}

#[test]
fn an_answers_sheet_may_carry_links_and_a_bad_one_stops_the_import() {
    let app = spawn_app();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("svar.csv");
    std::fs::write(
        &bad,
        "Kommune,Nr.,Status,Kommentar,Dokumentation\n\
         København,1.1,grøn,Godt,https://www.kk.dk/beslutning\n\
         Gentofte,1.1,gul,I gang,javascript:alert(1)\n",
    )
    .unwrap();
    let before = app.fingerprint();
    let refused = app.cli(&["import", "answers", bad.to_str().unwrap(), "--round", "2"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("række 3, kolonne E (Dokumentation): Linket skal begynde med https://"),
        "{stderr}"
    );
    assert_eq!(app.fingerprint(), before, "nothing written");

    let good = dir.path().join("svar-rettet.csv");
    std::fs::write(
        &good,
        "Kommune,Nr.,Status,Kommentar,Dokumentation\n\
         København,1.1,grøn,Godt,https://www.kk.dk/beslutning\n\
         Gentofte,1.1,gul,I gang,\n",
    )
    .unwrap();
    let imported = app.cli(&["import", "answers", good.to_str().unwrap(), "--round", "2"]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let content = trafiklys::store::rounds::load_content(&mut app.conn(), 2)
        .unwrap()
        .unwrap();
    let rec = content
        .recommendations
        .iter()
        .find(|r| r.code == "1.1")
        .unwrap();
    let kk = app.submission(2, "101").unwrap();
    assert_eq!(
        kk.answer(rec.id).unwrap().evidence_url().as_deref(),
        Some("https://www.kk.dk/beslutning")
    );
    let gentofte = app.submission(2, "157").unwrap();
    assert_eq!(gentofte.answer(rec.id).unwrap().evidence, None);
}
