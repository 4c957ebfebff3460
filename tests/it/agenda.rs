//! The agenda item draft as a council secretary puts it on the agenda: its structure after
//! the real agenda items, the account of the set's changes since last round, the details
//! from the download form, the Word document's numbering, styles, language and properties;
//! the form's validation; and the council-ready spreadsheet.

use std::io::Read;

use crate::helpers::*;
use trafiklys::domain::Role;
use trafiklys::store::{recommendation_sets, rounds};

const BASE: &str = "/rounds/2/municipalities/147";

fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut xml = String::new();
    archive
        .by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// The texts of a Word document's paragraphs, in order.
fn paragraphs(document: &str) -> Vec<String> {
    document
        .split("<w:p ")
        .skip(1)
        .map(|p| {
            p.split("<w:t")
                .skip(1)
                .filter_map(|t| t.split_once('>').map(|(_, rest)| rest))
                .filter_map(|t| t.split_once("</w:t>").map(|(text, _)| text))
                .collect::<String>()
        })
        .collect()
}

#[test]
fn the_agenda_item_tells_what_changed_in_the_set_since_last_round() {
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    let response = app.get(&reader, &format!("{BASE}/agenda.txt"));
    assert_eq!(response.status, 200);
    let text = response.text();
    // The demo's 2017 round is open: the item is preliminary, and says so first.
    assert!(
        text.starts_with("FORELØBIGT UDKAST · Foreløbig: statusrunden er åben til "),
        "{text}"
    );
    assert!(
        text.contains(
            "\n\nStatus på anbefalinger af tværkommunale samarbejder på beskæftigelsesområdet 2017\n"
        ),
        "{text}"
    );
    for heading in AGENDA_HEADINGS {
        assert!(text.contains(&format!("\n{heading}\n")), "{heading}");
    }
    // No start year is given in the demo: the item does not say when the cooperation began
    // (2016 is only the first round in the database).
    assert!(text.contains("Status for 2017 omfatter de 29 kommuner i KKR Hovedstaden.\n"));
    assert!(!text.contains("indgået") && !text.contains("i 2016 en række"));
    assert!(text.contains("\n1. Tværkommunale samarbejder på beskæftigelsesområdet\n"));
    assert!(text.contains("\n2. Justering af anbefalinger\n"));
    assert!(text.contains("\n3. Opfølgning på de 12 anbefalinger\n"));
    // The demo's 2017 retired two of 2016's recommendations and added refugees as a new area.
    assert!(text.contains("I 2017 er der tolv anbefalinger mod elleve i 2016."));
    assert!(text.contains(
        "To anbefalinger fra 2016 er udgået:\n\n • 1.3 Alle kommuner skal bidrage til en fælles indgang for virksomhederne på tværs af kommunegrænserne\n • 2.4 Alle kommuner skal samarbejde om tilbud til unge på uddannelseshjælp\n"
    ));
    assert!(text.contains(
        "Tre anbefalinger er nye:\n\n • 5.1 Effektiv kompetenceafklaring af flygtninge\n"
    ));
    // The demo's 2017 kept every continued recommendation's number: nothing moved.
    assert!(!text.contains("nyt nummer") && !text.contains("nye numre"));
    assert!(text.contains(
        "»Aktiv beskæftigelsesindsats i forhold til flygtninge« er kommet med som et nyt indsatsområde."
    ));
    assert!(text.contains(
        "Indsatsområderne er:\n\n 1. Virksomhedsrettede indsatser\n 2. Borgerrettede indsatser\n"
    ));
    assert!(text.contains(" 5. Aktiv beskæftigelsesindsats i forhold til flygtninge (nyt)\n"));
    assert!(!text.contains("Borgerrettede indsatser (nyt)"));
    assert!(text.contains("Initiativer som er igangsat efter planen:\n\n • "));
    assert!(text.contains("Kompetence\n\nKommunalbestyrelsen.\n"));
    // Nothing the secretary did not fill in.
    assert!(!text.contains("Sagsnr."));
    assert!(!text.contains("tidligere behandlet"));
    assert!(!text.contains("endelig behandling"));

    // The first round has nothing to compare with: its focus areas, none of them new.
    let first = app
        .get(&reader, "/rounds/1/municipalities/147/agenda.txt")
        .text();
    assert!(first.contains("\n2. Indsatsområder\n"), "{first}");
    assert!(first.contains("Anbefalingerne for 2016 er samlet i fire indsatsområder:"));
    assert!(!first.contains("Justering") && !first.contains("(nyt)"));
    assert!(!first.contains("ligesom ved sidste status"));
}

#[test]
fn the_word_document_uses_words_numbering_heading_styles_danish_and_its_properties() {
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    let response = app.get(
        &reader,
        &format!(
            "{BASE}/agenda.docx?sagsnr=15%2F12508&moededato=2017-12-18&tidligere=2016-03-29,2015-06-22"
        ),
    );
    assert_eq!(response.status, 200);
    let document = part(&response.bytes, "word/document.xml");
    let texts = paragraphs(&document);
    assert!(texts.contains(&"Sagsnr.: 15/12508".to_owned()), "{texts:?}");
    assert!(texts.contains(
        &"Samarbejdet er tidligere behandlet i Kommunalbestyrelsen den 22. juni 2015 og den 29. marts 2016."
            .to_owned()
    ));
    assert!(texts.contains(
        &"Sagen skal til endelig behandling i Kommunalbestyrelsen den 18. december 2017."
            .to_owned()
    ));
    assert!(document.contains("<w:pStyle w:val=\"Heading1\" />"));
    assert!(texts.contains(&"Sagsfremstilling og økonomi".to_owned()));
    assert!(
        texts.contains(&"Justering af anbefalinger".to_owned()),
        "no typed number"
    );

    // Every list item and numbered heading is numbered by Word: no typed "1." or "•".
    let numbered = document
        .split("<w:p ")
        .filter(|p| p.contains("<w:numPr>"))
        .count();
    // 5 focus areas, 12 classified, 2 retired, 3 new, 1 proposed decision, 3 numbered headings.
    assert_eq!(numbered, 5 + 12 + 2 + 3 + 1 + 3);
    assert!(texts
        .iter()
        .all(|t| !t.starts_with('•') && !t.starts_with("1. ") && !t.starts_with("1.\t")));
    assert!(document
        .split("<w:p ")
        .filter(|p| p.contains("<w:pStyle w:val=\"ListParagraph\" />"))
        .all(|p| p.contains("<w:numPr>")));
    let numbering = part(&response.bytes, "word/numbering.xml");
    assert!(
        numbering.contains("<w:numFmt w:val=\"bullet\" />"),
        "{numbering}"
    );
    assert!(numbering.contains("<w:numFmt w:val=\"decimal\" />"));
    assert!(numbering.contains("<w:startOverride w:val=\"1\" />"));

    let styles = part(&response.bytes, "word/styles.xml");
    assert!(styles.contains("<w:lang w:val=\"da-DK\""), "{styles}");
    for style in ["Title", "Heading1", "Heading2", "ListParagraph"] {
        assert!(
            styles.contains(&format!("w:styleId=\"{style}\"")),
            "{style}"
        );
    }
    assert!(styles.contains("<w:spacing"), "paragraph spacing");
    let core = part(&response.bytes, "docProps/core.xml");
    assert!(core.contains(
        "<dc:title>Status på anbefalinger af tværkommunale samarbejder på beskæftigelsesområdet 2017</dc:title>"
    ));
    assert!(core.contains("<dc:creator>Frederiksberg Kommune</dc:creator>"));
    assert!(core.contains("<dc:language>da-DK</dc:language>"));

    // Without the details, none of their sentences.
    let plain = app.get(&reader, &format!("{BASE}/agenda.docx"));
    let texts = paragraphs(&part(&plain.bytes, "word/document.xml"));
    assert!(!texts.iter().any(|t| t.starts_with("Sagsnr.")
        || t.contains("tidligere behandlet")
        || t.contains("endelig behandling")));
}

#[test]
fn the_council_is_called_by_its_own_name() {
    let app = spawn_app();
    let admin = app.signed_in(Role::Admin);
    let text = app
        .get(
            &admin,
            "/rounds/2/municipalities/101/agenda.txt?moededato=18.12.2017",
        )
        .text();
    assert!(text.contains(
        "Sagen skal til endelig behandling i Borgerrepræsentationen den 18. december 2017."
    ));
    assert!(text.contains("behandles i Borgerrepræsentationen, ligesom i de andre kommuner"));
    assert!(text.contains("Kompetence\n\nBorgerrepræsentationen.\n"));
}

#[test]
fn the_download_form_sends_each_choice_on_and_keeps_bad_input_with_a_danish_message() {
    let app = spawn_app();
    let reader = app.signed_in(Role::Reader);
    let page = app.get(&reader, &format!("{BASE}/agenda"));
    assert_eq!(page.status, 200);
    let html = page.text();
    for label in [
        "<label for=\"sagsnr\">",
        "<label for=\"moededato\">",
        "<label for=\"tidligere\">",
    ] {
        assert!(html.contains(label), "{label}");
    }
    assert!(!html.contains("error-summary"));
    let municipality = app.get(&reader, BASE).text();
    assert!(parse(&municipality).has(&format!("[href=\"{BASE}/agenda\"]")));

    let bad = app.get(
        &reader,
        &format!("{BASE}/agenda?sagsnr=15%2F12508&moededato=31.2.2017&tidligere=22.6.2015%2C+i+g%C3%A5r&format=docx"),
    );
    assert_eq!(bad.status, 400);
    let html = bad.text();
    assert!(html.contains("Intet er hentet: ret 2 fejl"), "{html}");
    assert!(html.contains("Mødedatoen »31.2.2017« er ikke en dato"));
    assert!(html.contains("»i går« under tidligere behandlinger er ikke en dato"));
    let doc = parse(&html);
    assert!(doc.has("a[href=\"#moededato\"]"));
    assert!(doc.has(
        "#moededato[name=\"moededato\"][value=\"31.2.2017\"][autocomplete=\"off\"][maxlength=\"40\"]\
         [aria-describedby=\"moededato-hint moededato-error\"][aria-invalid=\"true\"]"
    ));
    assert!(html.contains("value=\"15/12508\""), "input kept");
    assert!(html.contains("value=\"22.6.2015, i går\""));
    assert!(!html.contains("sagsnr-error"), "a good field has no error");

    let fields = "sagsnr=15%2F12508&moededato=18.12.2017&tidligere=22.6.2015+og+29.3.2016";
    let docx = app.get(&reader, &format!("{BASE}/agenda?{fields}&format=docx"));
    assert_eq!(docx.status, 303);
    let location = docx.location.unwrap();
    assert_eq!(
        location,
        format!("{BASE}/agenda.docx?sagsnr=15%2F12508&moededato=2017-12-18&tidligere=2015%2D06%2D22%2C2016%2D03%2D29")
    );
    let downloaded = app.get(&reader, &location);
    assert_eq!(downloaded.status, 200);
    assert!(part(&downloaded.bytes, "word/document.xml").contains("15/12508"));
    let txt = app.get(&reader, &format!("{BASE}/agenda?{fields}&format=txt"));
    let location = txt.location.unwrap();
    assert!(location.starts_with(&format!("{BASE}/agenda.txt?")));
    assert!(app
        .get(&reader, &location)
        .text()
        .contains("\nSagsnr.: 15/12508\n"));
    let pdf = app.get(&reader, &format!("{BASE}/agenda?{fields}&format=pdf"));
    assert_eq!(pdf.status, 303);
    assert_eq!(
        pdf.location.as_deref(),
        Some(format!("{BASE}/attachment.pdf?moededato=2017-12-18").as_str())
    );
    // A blank meeting date asks for none, not for the date kept for the attachment.
    let pdf = app.get(&reader, &format!("{BASE}/agenda?format=pdf"));
    assert_eq!(
        pdf.location.as_deref(),
        Some(format!("{BASE}/attachment.pdf?moededato=").as_str())
    );

    // The downloads refuse a bad date too, and the form is the municipality's own.
    let refused = app.get(&reader, &format!("{BASE}/agenda.txt?moededato=i+morgen"));
    assert_eq!(refused.status, 400);
    assert!(refused
        .text()
        .contains("Mødedatoen »i morgen« er ikke en dato"));
    assert_eq!(
        app.get(&reader, "/rounds/2/municipalities/101/agenda")
            .status,
        403
    );
    assert_eq!(app.get(&client(), &format!("{BASE}/agenda")).status, 303);
}

#[test]
fn a_reworded_recommendation_and_an_adopted_proposal_are_told_with_who_proposed_it() {
    let app = spawn_app();
    let draft = app.create_2018_draft(None, true);
    let conn = &mut app.conn();
    // Frederiksberg's 2017 draft proposes a new focus area; it is adopted into 2018.
    let submission = app.submission(ROUND_2017, "147").unwrap().id;
    rounds::adopt_proposal(
        conn,
        submission,
        "Unge uden uddannelse",
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    let content = rounds::load_content(conn, draft).unwrap().unwrap();
    let first = &content.recommendations[0];
    recommendation_sets::update_recommendation(
        conn,
        first.id,
        "Alle kommuner skal udvikle Hovedstadens Rekrutteringsservice",
        first.binding,
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();

    let admin = app.signed_in(Role::Admin);
    let text = app
        .get(
            &admin,
            &format!("/rounds/{draft}/municipalities/147/agenda.txt"),
        )
        .text();
    assert!(
        text.contains("I 2018 er der tolv anbefalinger mod tolv i 2017."),
        "{text}"
    );
    assert!(text.contains(
        "Én anbefaling har fået en ny formulering:\n\n • 1.1 Alle kommuner skal udvikle Hovedstadens Rekrutteringsservice (tidligere: Alle kommuner skal aktivt medvirke til at udvikle og forankre Hovedstadens Rekrutteringsservice og Nordsjællands Rekrutteringsservice)\n"
    ));
    assert!(text.contains(
        "I forbindelse med statusopsamlingen i 2017 havde kommunerne mulighed for at foreslå nye indsatsområder. Efter forslag fra Frederiksberg Kommune er »Unge uden uddannelse« kommet med som et nyt indsatsområde."
    ));
    assert!(text.contains(" 6. Unge uden uddannelse (nyt)\n"));
    assert!(text.contains(" 5. Aktiv beskæftigelsesindsats i forhold til flygtninge\n"));
    assert!(!text.contains("er udgået"));
}

#[test]
fn the_spreadsheet_prints_landscape_on_one_page_width_with_title_sentence_and_dates() {
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
    let app = spawn_app();
    app.submit_with_comments("101", "Fint", "Fint");
    let kkr = app.signed_in(Role::Kkr);
    let response = app.get(&kkr, "/rounds/2/export.xlsx");
    assert_eq!(response.status, 200);
    let sheet = part(&response.bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{sheet}");
    assert!(sheet.contains("orientation=\"landscape\""));
    assert!(
        sheet.contains("fitToHeight=\"0\""),
        "as many pages long as needed"
    );
    assert!(!sheet.contains("fitToWidth=\"0\""));
    assert!(sheet.contains("<mergeCell ref=\"A2:G2\"/>"));
    // Each answer row as tall as its wrapped text: set heights, never Excel's default guess.
    assert!(sheet.contains("customHeight=\"1\""), "{sheet}");
    let workbook = part(&response.bytes, "xl/workbook.xml");
    assert!(
        workbook.contains(
            "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">Svar!$4:$4</definedName>"
        ),
        "{workbook}"
    );
    let styles = part(&response.bytes, "xl/styles.xml");
    assert!(
        styles.contains("formatCode=\"[$-406]dd-mm-yyyy hh:mm\""),
        "{styles}"
    );
    assert!(styles.contains("wrapText=\"1\""));

    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(response.bytes)).unwrap();
    let answers = book.worksheet_range("Svar").unwrap();
    let title = answers.get_value((0, 0)).unwrap().to_string();
    assert_eq!(
        title,
        "Status på anbefalinger for det tværkommunale samarbejde på beskæftigelsesområdet 2017: kommunernes svar, KKR Hovedstaden"
    );
    let sentence = answers.get_value((1, 0)).unwrap().to_string();
    assert!(
        sentence.starts_with("Fem af anbefalingerne er igangsat"),
        "{sentence}"
    );
    assert!(sentence.ends_with("24 af 29 kommuner har indsendt."));
    // The printed sheet holds what fits A4 landscape; the round's title is not a column.
    let header = sheet_row(&answers, 3);
    assert_eq!(
        header,
        [
            "Kommune",
            "Nr.",
            "Tidl. nr.",
            "Anbefaling",
            "Status",
            "Status 2016",
            "Kommentar"
        ]
    );
    assert!(!answers.rows().skip(4).any(|r| r
        .iter()
        .any(|c| c.to_string().starts_with("Status på anbefalinger"))));
    // The rest, the date among it, on the details sheet.
    let details = book.worksheet_range("Detaljer").unwrap();
    assert_eq!(
        details.get_value((3, 6)),
        Some(&Data::String("Indsendt".into()))
    );
    let copenhagen: Vec<&[Data]> = details
        .rows()
        .filter(|r| r[1] == Data::String("101".into()))
        .collect();
    assert_eq!(copenhagen.len(), 12);
    assert!(
        matches!(copenhagen[0][6], Data::DateTime(_)),
        "{:?}",
        copenhagen[0][6]
    );
    // A municipality that has not submitted has no date.
    assert!(details
        .rows()
        .filter(|r| r[1] == Data::String("147".into()))
        .all(|r| r[6] == Data::Empty));

    // The municipality's own export is named for it; CSV keeps the date as Danish text.
    let reader = app.signed_in(Role::Reader);
    let own = app.get(&reader, &format!("{BASE}/answers.xlsx"));
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(own.bytes)).unwrap();
    let answers = book.worksheet_range("Svar").unwrap();
    assert_eq!(
        answers.get_value((0, 0)).unwrap().to_string(),
        "Status på anbefalinger for det tværkommunale samarbejde på beskæftigelsesområdet 2017: svar fra Frederiksberg Kommune"
    );
    let csv = app.get(&kkr, "/rounds/2/export.csv?sep=semikolon").text();
    let line = csv
        .lines()
        .find(|l| l.contains(";101;"))
        .unwrap()
        .to_owned();
    assert!(
        line.contains(";\"Indsendt\";") && line.contains(" kl. "),
        "{line}"
    );
}

/// The text between "Justering af anbefalinger" and the next numbered heading.
fn adjustments_of(text: &str) -> String {
    let start = text.find("2. Justering af anbefalinger\n").expect(text);
    let end = text[start..]
        .find("\n3. ")
        .map_or(text.len(), |e| start + e);
    text[start..end].to_owned()
}

#[test]
fn a_round_with_a_left_out_municipality_and_no_start_year_says_neither_when_nor_all() {
    let app = spawn_app();
    let all = trafiklys::store::reference::municipalities_of_kkr(&mut app.conn(), 1).unwrap();
    assert_eq!(all.len(), 29);
    let taking_part: Vec<_> = all
        .iter()
        .map(|m| m.code.clone())
        .filter(|c| c.as_str() != "165")
        .collect();
    let draft = app.create_2018_draft(Some(taking_part), true);
    let admin = app.signed_in(Role::Admin);
    let text = app
        .get(
            &admin,
            &format!("/rounds/{draft}/municipalities/147/agenda.txt"),
        )
        .text();
    assert!(
        text.contains(
            "Behandling af status på de tværkommunale samarbejder på beskæftigelsesområdet. \
             Status for 2018 omfatter 28 af KKR Hovedstadens 29 kommuner.\n"
        ),
        "{text}"
    );
    assert!(!text.contains("indgået"), "no start year given: {text}");
    assert!(!text.contains("godkendte i"), "no year guessed: {text}");
    assert!(text.contains("28 kommuner"));
    assert!(text.starts_with(
        "FORELØBIGT UDKAST · Udkast: statusrunden er under forberedelse, og intet er endeligt.\n\n"
    ));

    // The download form says the year is not given; the admin is led to the round's page,
    // with the earliest earlier treatment offered.
    let form = app
        .get(
            &admin,
            &format!("/rounds/{draft}/municipalities/147/agenda?tidligere=29.3.2016%2C+22.6.2015"),
        )
        .text();
    assert!(form.contains(
        "KKR-sekretariatet har ikke angivet, hvornår samarbejdet blev indgået, så dagsordenspunktet nævner det ikke."
    ), "{form}");
    let link = format!("/admin/rounds/{draft}?samarbejde_fra=2015#cooperation_start_year");
    assert!(parse(&form).has(&format!("[href=\"{link}\"]")), "{form}");
    let round_page = app.get(&admin, &link).text();
    let doc = parse(&round_page);
    assert!(
        doc.has(
            "[name=\"cooperation_start_year\"][type=\"text\"][inputmode=\"numeric\"]\
             [maxlength=\"4\"][value=\"2015\"]"
        ),
        "{round_page}"
    );
    assert_eq!(
        doc.description("Samarbejdet indgået").as_deref(),
        Some("Ikke angivet")
    );
    // A reader sees the fact, not the link.
    let reader = app.signed_in(Role::Reader);
    let form = app
        .get(
            &reader,
            &format!("/rounds/{draft}/municipalities/147/agenda"),
        )
        .text();
    assert!(form.contains("nævner det ikke") && !form.contains("samarbejde_fra"));
}

#[test]
fn a_start_year_given_on_the_round_page_is_stated_and_holds_for_the_rounds_after() {
    let app = spawn_app();
    let draft = app.create_2018_draft(None, true);
    let admin = app.signed_in(Role::Admin);
    let agenda = format!("/rounds/{draft}/municipalities/147/agenda.txt");
    let text = app.get(&admin, &agenda).text();
    assert!(
        text.contains("Status for 2018 omfatter de 29 kommuner i KKR Hovedstaden.\n"),
        "{text}"
    );
    assert!(!text.contains("indgået"));

    // A year after the round's is refused at its field, the input kept, nothing saved.
    let page = app.get(&admin, &format!("/admin/rounds/{draft}")).text();
    let csrf = csrf_from(&page);
    let refused = app.post(
        &admin,
        &format!("/admin/rounds/{draft}/cooperation"),
        &[("csrf_token", &csrf), ("cooperation_start_year", "2019")],
    );
    assert_eq!(refused.status, 422);
    let html = refused.text();
    assert!(html.contains(
        "<a href=\"#cooperation_start_year\">Samarbejdet kan ikke være indgået efter rundens år, 2018; ret året, eller lad feltet være tomt.</a>"
    ), "{html}");
    assert!(html.contains("value=\"2019\" autocomplete=\"off\" aria-describedby=\"cooperation_start_year-hint cooperation_start_year-error\" aria-invalid=\"true\""));
    assert_eq!(
        rounds::cooperation_start(&mut app.conn(), draft).unwrap(),
        None
    );

    // Given for 2017, it holds for 2018 too.
    let page = app
        .get(&admin, &format!("/admin/rounds/{ROUND_2017}"))
        .text();
    let saved = app.post(
        &admin,
        &format!("/admin/rounds/{ROUND_2017}/cooperation"),
        &[
            ("csrf_token", &csrf_from(&page)),
            ("cooperation_start_year", " 2015 "),
        ],
    );
    assert_eq!(saved.status, 303);
    assert_eq!(
        saved.location.as_deref(),
        Some(format!("/admin/rounds/{ROUND_2017}?ok=samarbejde#cooperation_start_year").as_str())
    );
    let round_page = app.get(&admin, saved.location.as_deref().unwrap()).text();
    assert!(round_page.contains("Året, samarbejdet blev indgået, er gemt."));
    assert!(round_page.contains("Fra ikke angivet til 2015"), "audited");
    let text = app.get(&admin, &agenda).text();
    assert!(
        text.contains(
            "Behandling af status på de tværkommunale samarbejder på beskæftigelsesområdet. \
             Samarbejdet blev indgået i 2015 mellem kommunerne i KKR Hovedstaden. \
             Status for 2018 omfatter de 29 kommuner i KKR Hovedstaden.\n"
        ),
        "{text}"
    );
    let draft_page = app.get(&admin, &format!("/admin/rounds/{draft}")).text();
    assert_eq!(
        parse(&draft_page)
            .description("Samarbejdet indgået")
            .as_deref(),
        Some("2015 (angivet for runden 2017)")
    );

    // The round's own year overrides the earlier round's.
    let saved = app.post(
        &admin,
        &format!("/admin/rounds/{draft}/cooperation"),
        &[
            ("csrf_token", &csrf_from(&draft_page)),
            ("cooperation_start_year", "2014"),
        ],
    );
    assert_eq!(saved.status, 303);
    assert!(app
        .get(&admin, &agenda)
        .text()
        .contains("Samarbejdet blev indgået i 2014 mellem"));
    assert_eq!(
        rounds::cooperation_start(&mut app.conn(), ROUND_2017)
            .unwrap()
            .map(|s| s.year),
        Some(2015)
    );
}

#[test]
fn a_move_a_merge_a_reword_and_a_retirement_are_each_told_once_with_old_and_new_numbers() {
    let app = spawn_app();
    let draft = app.create_2018_draft(None, true);
    let conn = &mut app.conn();
    let content = rounds::load_content(conn, draft).unwrap().unwrap();
    let by_code = |code: &str| {
        content
            .recommendations
            .iter()
            .find(|r| r.code == code)
            .unwrap()
            .clone()
    };
    let (reworded, moved, kept, absorbed, retired) = (
        by_code("1.1"),
        by_code("1.2"),
        by_code("2.2"),
        by_code("2.3"),
        by_code("4.2"),
    );
    recommendation_sets::update_recommendation(
        conn,
        reworded.id,
        "Alle kommuner skal udvikle Hovedstadens Rekrutteringsservice",
        reworded.binding,
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    let area_3 = content
        .focus_areas
        .iter()
        .find(|a| a.number == 3)
        .unwrap()
        .id;
    recommendation_sets::move_recommendation_to_area(
        conn,
        moved.id,
        area_3,
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    recommendation_sets::merge_recommendations(
        conn,
        kept.id,
        absorbed.id,
        Some("Særlige indsatser for akademikere og små målgrupper"),
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();
    recommendation_sets::retire_recommendation(
        conn,
        retired.id,
        None,
        trafiklys::clock::Clock::system().now(),
    )
    .unwrap();

    let admin = app.signed_in(Role::Admin);
    let text = app
        .get(
            &admin,
            &format!("/rounds/{draft}/municipalities/147/agenda.txt"),
        )
        .text();
    let told = adjustments_of(&text);
    for expected in [
        "I 2018 er der ti anbefalinger mod tolv i 2017.",
        "Én anbefaling har fået et nyt nummer:\n\n • 1.2 er flyttet til indsatsområde 3 som 3.3: Alle kommuner skal have fokus på",
        "Én anbefaling har fået en ny formulering:\n\n • 1.1 Alle kommuner skal udvikle Hovedstadens Rekrutteringsservice (tidligere: Alle kommuner skal aktivt medvirke",
        "Én anbefaling samler nu anbefalinger fra 2017:\n\n • 2.2 og 2.3 er lagt sammen i 2.2: Særlige indsatser for akademikere og små målgrupper (tidligere: 2.2 Særlige indsatser for akademikere; 2.3 Særlige indsatser for små målgrupper med andre udfordringer end ledighed)\n",
        "Én anbefaling fra 2017 er udgået:\n\n • 4.2 Indgå i fælleskommunale dokumentationsprojekter\n",
    ] {
        assert!(told.contains(expected), "{expected}\n---\n{told}");
    }
    // Each is told once: the merged one (whose text changed) is not also reworded, and
    // nothing else is said to have moved.
    for once in [
        "Hovedstadens Rekrutteringsservice (tidligere",
        "1.2 er flyttet",
        "Særlige indsatser for akademikere og små målgrupper",
        "dokumentationsprojekter",
    ] {
        assert_eq!(told.matches(once).count(), 1, "{once}: {told}");
    }
    assert!(!told.contains("nye numre") && !told.contains("har nu nummer"));
    assert_eq!(told.matches("har fået en ny formulering").count(), 1);

    // The Word document of the draft says it is preliminary in the header of every page,
    // and keeps each heading with the paragraph after it.
    let docx = app.get(
        &admin,
        &format!("/rounds/{draft}/municipalities/147/agenda.docx"),
    );
    assert_eq!(docx.status, 200);
    let header = part(&docx.bytes, "word/header1.xml");
    assert!(
        header.contains("FORELØBIGT UDKAST · Udkast: statusrunden er under forberedelse"),
        "{header}"
    );
    let document = part(&docx.bytes, "word/document.xml");
    assert!(document.contains("<w:headerReference w:type=\"default\""));
    let headings: Vec<&str> = document
        .split("<w:p ")
        .filter(|p| p.contains("w:val=\"Heading") || p.contains("w:val=\"Title\""))
        .collect();
    assert!(headings.len() >= 9, "{}", headings.len());
    assert!(headings.iter().all(|p| p.contains("<w:keepNext />")));
    let texts = paragraphs(&document);
    assert!(texts.contains(
        &"1.2 er flyttet til indsatsområde 3 som 3.3: Alle kommuner skal have fokus på, at medarbejderne har de nødvendige kompetencer til at yde en professionel service over for virksomhederne".to_owned()
    ) || texts.iter().any(|t| t.starts_with("1.2 er flyttet til indsatsområde 3 som 3.3: ")), "{texts:?}");

    // A closed round's item is final: no mark.
    let closed = "/rounds/1/municipalities/147/agenda";
    let docx = app.get(&admin, &format!("{closed}.docx"));
    assert!(!part(&docx.bytes, "word/document.xml").contains("headerReference"));
    assert!(!app
        .get(&admin, &format!("{closed}.txt"))
        .text()
        .contains("FORELØBIGT"));
}
