use super::*;
use crate::domain::model::*;
use chrono::NaiveDate;

fn municipality(code: &str, name: &str) -> Municipality {
    Municipality {
        code: MunicipalityCode::parse(code).unwrap(),
        name: name.into(),
        kkr_id: 1,
        council_name: "Byrådet".into(),
    }
}

fn all() -> Vec<Municipality> {
    vec![
        municipality("101", "København"),
        municipality("147", "Frederiksberg"),
        municipality("400", "Bornholm"),
        municipality("480", "Nordfyns"),
        municipality("751", "Aarhus"),
    ]
}

fn content() -> RoundContent {
    let rec = |id: i32, code: &str| Recommendation {
        id,
        focus_area_id: 1,
        code: code.into(),
        text: format!("Anbefaling {code}"),
        binding: true,
        position: id,
        carried_from: None,
        merged_from: Vec::new(),
    };
    RoundContent {
        groups: Vec::new(),
        round: Round {
            id: 1,
            kkr_id: 1,
            kkr_name: "KKR Hovedstaden".into(),
            year: 2017,
            title: "T".into(),
            subject: "beskæftigelsesområdet".into(),
            deadline: NaiveDate::from_ymd_opt(2017, 12, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
            state: RoundState::Draft,
        },
        focus_areas: vec![FocusArea {
            group_id: None,
            id: 1,
            number: 1,
            title: "Virksomheder".into(),
        }],
        recommendations: vec![rec(1, "1.1"), rec(2, "1.2")],
        municipalities: all().into_iter().take(3).collect(),
    }
}

/// Reads a file and parses its answers, a read error as the one error.
fn answers_of(file: ImportFile<'_>) -> Result<Vec<ImportedAnswer>, Vec<ImportError>> {
    let table = match read_table(file) {
        Ok(table) => table,
        Err(ReadFailure::Invalid(e)) => return Err(vec![e]),
        Err(ReadFailure::OverLimit(refusal)) => panic!("refused: {refusal:?}"),
    };
    let content = content();
    let all = all();
    parse_answers(
        &table,
        AnswerImportContext {
            content: &content,
            all_municipalities: &all,
        },
    )
}

fn answers(text: &str) -> Result<Vec<ImportedAnswer>, Vec<ImportError>> {
    answers_of(ImportFile {
        name: "svar.csv",
        bytes: text.as_bytes(),
    })
}

fn set_of(file: ImportFile<'_>) -> Result<Vec<ImportedFocusArea>, Vec<ImportError>> {
    match read_table(file) {
        Ok(table) => parse_recommendation_set(&table),
        Err(ReadFailure::Invalid(e)) => Err(vec![e]),
        Err(ReadFailure::OverLimit(refusal)) => panic!("refused: {refusal:?}"),
    }
}

fn only_error(result: Result<Vec<ImportedAnswer>, Vec<ImportError>>) -> String {
    let errors = result.unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors[0].to_string()
}

#[test]
fn answers_name_municipalities_by_code_or_name_in_any_case() {
    let parsed = answers(
        "Kommune;Nr.;Status;Kommentar\n\
         101;1.1;Grøn;Godt\n\
         Københavns Kommune;1.2;RØD;Ikke nået\n\
         frederiksberg kommune;1.1;yellow;\n\
         Bornholms Regionskommune;1.1;Igangsat efter planen;x\n\
         ;;;\n\
         FREDERIKSBERG;1.2;red;y\n",
    )
    .unwrap();
    let got: Vec<(usize, &str, i32, Status)> = parsed
        .iter()
        .map(|a| {
            (
                a.row,
                a.municipality.as_str(),
                a.recommendation_id,
                a.status,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (2, "101", 1, Status::Green),
            (3, "101", 2, Status::Red),
            (4, "147", 1, Status::Yellow),
            (5, "400", 1, Status::Green),
            (7, "147", 2, Status::Red),
        ]
    );
    assert_eq!(parsed[1].comment, "Ikke nået");
}

#[test]
fn every_answer_error_names_file_row_column_and_what_is_wrong() {
    assert_eq!(
        only_error(answers("kommune,nr,status\nGotham,1.1,grøn\n")),
        "svar.csv, række 2, kolonne A (kommune): kommunen «Gotham» findes ikke; skriv kommunekoden (fx 147) eller navnet (fx Frederiksberg)."
    );
    assert_eq!(
        only_error(answers("kommune,nr,status\nAarhus,1.1,grøn\n")),
        "svar.csv, række 2, kolonne A (kommune): Aarhus (751) deltager ikke i runden."
    );
    assert_eq!(
        only_error(answers("kommune,nr,status\n147,9.9,grøn\n")),
        "svar.csv, række 2, kolonne B (nr): anbefaling «9.9» findes ikke i runden; rundens anbefalinger er 1.1, 1.2."
    );
    assert_eq!(
        only_error(answers("kommune,nr,status\n147,1.1,blå\n")),
        "svar.csv, række 2, kolonne C (status): «blå» er ikke en status; skriv grøn, gul eller rød (eller green, yellow, red)."
    );
    assert_eq!(
        only_error(answers("kommune,nr,status\n147,1.1,grøn\n147,1.1,rød\n")),
        "svar.csv, række 3: kommune 147 og anbefaling 1.1 står to gange: også i række 2."
    );
    assert_eq!(
        only_error(answers("kommune,status\n147,grøn\n")),
        "svar.csv, række 1: kolonnen «Nr.» mangler i overskriftsrækken (fundet: «kommune», «status»)."
    );
    assert_eq!(only_error(answers("")), "svar.csv: filen er tom.");
    assert_eq!(
        only_error(answers("kommune,nr,status\n")),
        "svar.csv, række 1: filen har kun en overskriftsrække og ingen rækker at importere."
    );
    let latin1 = b"kommune,nr,status\n147,1.1,gr\xf8n\n";
    let errors = answers_of(ImportFile {
        name: "svar.csv",
        bytes: latin1,
    })
    .unwrap_err();
    assert!(
        errors[0]
            .to_string()
            .starts_with("svar.csv, række 2: filen er ikke gemt som UTF-8"),
        "{}",
        errors[0]
    );
    let big = vec![b'a'; MAX_FILE_BYTES + 1];
    assert_eq!(
        read_table(ImportFile {
            name: "stor.csv",
            bytes: &big,
        }),
        Err(ReadFailure::OverLimit(OverLimit {
            file: "stor.csv".into(),
            sheet: None,
            limit: Limit::FileBytes {
                bytes: Some(MAX_FILE_BYTES as u64 + 1)
            },
        }))
    );
}

#[test]
fn all_errors_of_a_file_are_reported_together() {
    let errors = answers("kommune,nr,status\nGotham,1.1,grøn\n147,1.1,lilla\n").unwrap_err();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[1].row, Some(3));
}

#[test]
fn a_set_is_read_with_binding_words_and_grouped_by_focus_area() {
    let text = "focus_area_no,focus_area,code,recommendation,binding\n\
                2,Unge,2.1,Alle unge,Frivillig\n\
                1,Virksomheder,1.1,Alle kommuner,forpligtende\n\
                1,Virksomheder,1.2,Fælles indgang,JA\n\
                2,Unge,2.2,Mentorer,false\n";
    let set = set_of(ImportFile {
        name: "sæt.csv",
        bytes: text.as_bytes(),
    })
    .unwrap();
    assert_eq!(set.len(), 2);
    assert_eq!(set[0].number, 1);
    assert_eq!(
        set[0]
            .recommendations
            .iter()
            .map(|r| (r.code.as_str(), r.binding))
            .collect::<Vec<_>>(),
        [("1.1", true), ("1.2", true)]
    );
    assert_eq!(
        set[1]
            .recommendations
            .iter()
            .map(|r| (r.code.as_str(), r.binding))
            .collect::<Vec<_>>(),
        [("2.1", false), ("2.2", false)]
    );
}

#[test]
fn the_bundled_recommendations_file_imports_as_a_set() {
    let set = set_of(ImportFile {
        name: "kkr-hovedstaden-2017-recommendations.csv",
        bytes: include_bytes!("../../../data/kkr-hovedstaden-2017-recommendations.csv"),
    })
    .unwrap();
    assert_eq!(set.len(), 5);
    assert_eq!(
        set.iter().map(|a| a.recommendations.len()).sum::<usize>(),
        12
    );
}

#[test]
fn set_errors_name_the_row_and_column() {
    let text = "Indsatsområde nr.;Indsatsområde;Nr.;Anbefaling;Forpligtende\n\
                1;A;1.1;Tekst;måske\n\
                x;A;1.2;Tekst;ja\n\
                1;B;1.3;Tekst;ja\n\
                1;A;1.1;Tekst;ja\n\
                1;A;1.4;;ja\n";
    let errors = set_of(ImportFile {
        name: "sæt.csv",
        bytes: text.as_bytes(),
    })
    .unwrap_err();
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        shown,
        [
            "sæt.csv, række 2, kolonne E (Forpligtende): «måske» siger ikke, om anbefalingen er forpligtende; skriv forpligtende eller frivillig (ja/nej, true/false).",
            "sæt.csv, række 3, kolonne A (Indsatsområde nr.): «x» er ikke et nummer på et indsatsområde (1, 2, 3 …).",
            "sæt.csv, række 4, kolonne B (Indsatsområde): indsatsområde 1 hedder «A» i en tidligere række, men «B» her.",
            "sæt.csv, række 5, kolonne C (Nr.): anbefaling 1.1 står to gange: også i række 2.",
            "sæt.csv, række 6, kolonne D (Anbefaling): anbefalingens tekst skal have 1 til 2000 tegn.",
        ]
    );
    let missing = set_of(ImportFile {
        name: "sæt.csv",
        bytes: "Nr.;Anbefaling\n1.1;Tekst\n".as_bytes(),
    })
    .unwrap_err();
    assert_eq!(missing.len(), 3, "{missing:?}");
}

#[test]
fn a_set_plan_matches_by_code_and_refuses_to_remove_answered_recommendations() {
    let set = vec![ImportedFocusArea {
        group: None,
        number: 1,
        title: "Virksomheder".into(),
        recommendations: vec![
            ImportedRecommendation {
                row: 2,
                code: "1.1".into(),
                text: "Anbefaling 1.1".into(),
                binding: true,
                previous: None,
            },
            ImportedRecommendation {
                row: 3,
                code: "1.3".into(),
                text: "Ny".into(),
                binding: false,
                previous: None,
            },
        ],
    }];
    let plan = plan_set("sæt.csv", &set, &content(), &HashSet::new()).unwrap();
    assert_eq!(plan.recommendations_created, ["1.3"]);
    assert_eq!(plan.recommendations_removed, ["1.2"]);
    assert_eq!(plan.recommendations_unchanged, 1);
    let errors = plan_set("sæt.csv", &set, &content(), &HashSet::from([2])).unwrap_err();
    assert!(errors[0].to_string().contains("anbefaling 1.2"));
}

#[test]
fn an_answer_plan_counts_new_and_changed_answers() {
    let parsed = answers("kommune;nr;status;kommentar\n147;1.1;grøn;a\n101;1.1;rød;b\n").unwrap();
    let stored = Submission {
        id: 1,
        round_id: 1,
        municipality_code: MunicipalityCode::parse("101").unwrap(),
        state: SubmissionState::Submitted,
        submitted_at: None,
        submitted_by: None,
        version: 1,
        updated_at: NaiveDate::from_ymd_opt(2017, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
        updated_by: None,
        proposals: String::new(),
        reopened: false,
        answers: vec![Answer {
            recommendation_id: 1,
            status: Some(Status::Red),
            comment: "b".into(),
            carried: false,
            evidence: None,
        }],
    };
    let plan = plan_answers(&parsed, &content(), &[stored]);
    let by_code = |c: &str| {
        plan.municipalities
            .iter()
            .find(|m| m.code.as_str() == c)
            .unwrap()
    };
    assert!(by_code("147").creates_form);
    assert_eq!((by_code("147").changed, by_code("147").unanswered), (1, 1));
    assert!(!by_code("101").creates_form);
    assert_eq!((by_code("101").changed, by_code("101").unchanged), (0, 1));
    assert!(plan.lines()[0].starts_with("2 rækker: svar for 2 kommuner (1 nye skemaer, 1 ændrede)"));
}

#[test]
fn xlsx_files_are_read_from_their_first_sheet_with_content() {
    use rust_xlsxwriter::Workbook;
    let mut workbook = Workbook::new();
    workbook.add_worksheet().set_name("Tom").unwrap();
    let sheet = workbook.add_worksheet().set_name("Svar").unwrap();
    for (col, header) in ["Kommunekode", "Nr.", "Status", "Kommentar"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    sheet.write_number(1, 0, 147.0).unwrap();
    sheet.write_string(1, 1, "1.2").unwrap();
    sheet.write_string(1, 2, "Gul").unwrap();
    sheet.write_string(1, 3, "I gang").unwrap();
    sheet.write_number(2, 0, 101.0).unwrap();
    sheet.write_string(2, 1, "1.1").unwrap();
    sheet.write_string(2, 2, "lilla").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let errors = answers_of(ImportFile {
        name: "svar.xlsx",
        bytes: &bytes,
    })
    .unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "svar.xlsx, ark «Svar», række 3, kolonne C (Status): «lilla» er ikke en status; skriv grøn, gul eller rød (eller green, yellow, red)."
    );
}

#[test]
fn municipality_names_match_with_or_without_kommune() {
    let all = all();
    for (raw, code) in [
        ("147", "147"),
        ("Frederiksberg", "147"),
        ("FREDERIKSBERG KOMMUNE", "147"),
        ("Københavns Kommune", "101"),
        ("københavn", "101"),
        ("Bornholms Regionskommune", "400"),
        ("Nordfyns Kommune", "480"),
    ] {
        assert_eq!(
            find_municipality(raw, &all).map(|m| m.code.as_str()),
            Some(code),
            "{raw}"
        );
    }
    assert!(find_municipality("999", &all).is_none());
    assert!(find_municipality("Gotham", &all).is_none());
}

/// An XLSX made by hand: one sheet ("Ark1") with `sheet_data` inside `<sheetData>`, and a
/// shared text table when given.
fn hand_made_xlsx(sheet_data: &[u8], shared_strings: Option<&[u8]>) -> Vec<u8> {
    hand_made_xlsx_with_sheets(1, sheet_data, shared_strings)
}

/// The same with `sheets` sheets ("Ark1", "Ark2", …) that all show the one sheet part.
fn hand_made_xlsx_with_sheets(
    sheets: usize,
    sheet_data: &[u8],
    shared_strings: Option<&[u8]>,
) -> Vec<u8> {
    use std::io::Write as _;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut part = |name: &str, bytes: &[u8]| {
        zip.start_file(name, options).unwrap();
        zip.write_all(bytes).unwrap();
    };
    part(
        "[Content_Types].xml",
        br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#,
    );
    part(
        "_rels/.rels",
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    let sheet_list: String = (1..=sheets)
        .map(|n| format!(r#"<sheet name="Ark{n}" sheetId="{n}" r:id="rId1"/>"#))
        .collect();
    part(
        "xl/workbook.xml",
        format!(r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheet_list}</sheets></workbook>"#).as_bytes(),
    );
    part(
        "xl/_rels/workbook.xml.rels",
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
    );
    if let Some(shared) = shared_strings {
        part("xl/sharedStrings.xml", shared);
    }
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#).unwrap();
    zip.write_all(sheet_data).unwrap();
    zip.write_all(b"</sheetData></worksheet>").unwrap();
    zip.finish().unwrap().into_inner()
}

fn refusal(bytes: &[u8]) -> Limit {
    match read_table(ImportFile {
        name: "fjendtlig.xlsx",
        bytes,
    }) {
        Err(ReadFailure::OverLimit(refusal)) => {
            assert_eq!(refusal.file, "fjendtlig.xlsx");
            refusal.limit
        }
        other => panic!("not refused for a limit: {other:?}"),
    }
}

#[test]
fn a_sheet_with_a_cell_in_its_last_corner_is_refused_naming_the_sheet_and_the_cell() {
    let bytes = hand_made_xlsx(
        br#"<row r="1"><c r="A1" t="inlineStr"><is><t>Kommune</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#,
        None,
    );
    assert!(bytes.len() < 4_000, "a small file: {}", bytes.len());
    match read_table(ImportFile {
        name: "hjørne.xlsx",
        bytes: &bytes,
    }) {
        Err(ReadFailure::OverLimit(refusal)) => {
            assert_eq!(refusal.file, "hjørne.xlsx");
            assert_eq!(refusal.sheet.as_deref(), Some("Ark1"));
            assert_eq!(
                refusal.limit,
                Limit::CellOutside {
                    row: 1_048_575,
                    column: 16_383
                }
            );
            assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
        }
        other => panic!("{other:?}"),
    }
    // Past the last row only, or the last column only, the same.
    let far_down = hand_made_xlsx(br#"<row r="20001"><c r="A20001"><v>1</v></c></row>"#, None);
    assert_eq!(
        refusal(&far_down),
        Limit::CellOutside {
            row: 20_000,
            column: 0
        }
    );
    let far_right = hand_made_xlsx(br#"<row r="1"><c r="CW1"><v>1</v></c></row>"#, None);
    assert_eq!(
        refusal(&far_right),
        Limit::CellOutside {
            row: 0,
            column: 100
        }
    );
}

#[test]
fn a_declared_extent_and_empty_cells_far_out_cost_nothing() {
    // A sheet that declares the whole grid and has formatted empty cells in its corner,
    // as Excel writes after a whole column was formatted: read as its two real rows.
    let bytes = hand_made_xlsx(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Kommune</t></is></c><c r="B1" t="inlineStr"><is><t>Nr.</t></is></c><c r="C1" t="inlineStr"><is><t>Status</t></is></c></row><row r="2"><c r="A2"><v>147</v></c><c r="B2" t="inlineStr"><is><t>1.1</t></is></c><c r="C2" t="inlineStr"><is><t>grøn</t></is></c></row><row r="1048576"><c r="XFD1048576" s="1"/></row>"#.as_bytes(),
        None,
    );
    let parsed = answers_of(ImportFile {
        name: "svar.xlsx",
        bytes: &bytes,
    })
    .unwrap();
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].status, Status::Green);
}

#[test]
fn a_zip_bomb_is_refused_by_its_unpacked_size_before_it_is_unpacked() {
    // 40 MiB of empty rows, deflated to a few tens of kilobytes.
    let rows = b"<row/>".repeat(40 * 1024 * 1024 / 6);
    let bytes = hand_made_xlsx(&rows, None);
    assert!(bytes.len() < MAX_FILE_BYTES, "{}", bytes.len());
    assert!(
        matches!(refusal(&bytes), Limit::UnpackedBytes { bytes } if bytes > MAX_UNPACKED_BYTES)
    );
}

#[test]
fn a_part_that_unpacks_to_more_than_it_declares_is_not_read_past_its_declared_size() {
    // The sheet declares 200 bytes but unpacks to 20 MiB: the unpacker stops at 200.
    let rows = b"<row/>".repeat(20 * 1024 * 1024 / 6);
    let mut bytes = hand_made_xlsx(&rows, None);
    let name = b"xl/worksheets/sheet1.xml";
    let mut patched = 0;
    // Central directory entries (PK\1\2): the uncompressed size is at offset 24, the name
    // at 46; local headers (PK\3\4): the size at 22, the name at 30.
    for start in 0..bytes.len().saturating_sub(64) {
        let (size_at, name_at) = match &bytes[start..start + 4] {
            b"PK\x01\x02" => (24, 46),
            b"PK\x03\x04" => (22, 30),
            _ => continue,
        };
        if bytes[start + name_at..].starts_with(name) {
            bytes[start + size_at..start + size_at + 4].copy_from_slice(&200u32.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "both headers of the sheet patched");
    match read_table(ImportFile {
        name: "lyver.xlsx",
        bytes: &bytes,
    }) {
        Err(ReadFailure::Invalid(error)) => {
            assert!(
                error
                    .message
                    .starts_with("filen kan ikke læses som et regneark"),
                "{error}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_shared_text_table_declaring_or_holding_too_many_texts_is_refused() {
    let declared = hand_made_xlsx(
        br#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#,
        Some(br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="99999999999"><si><t>Kommune</t></si></sst>"#),
    );
    assert_eq!(
        refusal(&declared),
        Limit::SharedStrings {
            count: 99_999_999_999
        }
    );
    let mut many =
        br#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#.to_vec();
    many.extend(b"<si><t/></si>".repeat(MAX_SHARED_STRINGS as usize + 1));
    many.extend(b"</sst>");
    let held = hand_made_xlsx(
        br#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#,
        Some(&many),
    );
    assert_eq!(
        refusal(&held),
        Limit::SharedStrings {
            count: MAX_SHARED_STRINGS + 1
        }
    );
}

#[test]
fn cells_and_text_beyond_their_limits_are_refused_while_streaming() {
    // One shared text of 1,000 bytes in 20,000 cells: 20 MB of text from a small table.
    let mut shared =
        br#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>"#
            .to_vec();
    shared.extend(b"x".repeat(1_000));
    shared.extend(b"</t></si></sst>");
    let mut rows = Vec::new();
    for r in 1..=4_000 {
        rows.extend(format!(r#"<row r="{r}">"#).into_bytes());
        for c in ["A", "B", "C", "D", "E"] {
            rows.extend(format!(r#"<c r="{c}{r}" t="s"><v>0</v></c>"#).into_bytes());
        }
        rows.extend(b"</row>");
    }
    let text = hand_made_xlsx(&rows, Some(&shared));
    assert_eq!(refusal(&text), Limit::TextBytes);
    let mut rows = Vec::new();
    for r in 1..=(MAX_CELLS / 10 + 1) {
        rows.extend(format!(r#"<row r="{r}">"#).into_bytes());
        for c in 0..10 {
            rows.extend(format!(r#"<c r="{}{r}"><v>1</v></c>"#, column_letters(c)).into_bytes());
        }
        rows.extend(b"</row>");
    }
    let cells = hand_made_xlsx(&rows, None);
    assert_eq!(refusal(&cells), Limit::Cells);
    // A CSV of only separators keeps nothing and is empty.
    let commas = ",".repeat(MAX_FILE_BYTES - 1);
    assert_eq!(only_error(answers(&commas)), "svar.csv: filen er tom.");
}

#[test]
fn a_workbook_naming_one_sheet_part_many_times_is_looked_through_only_so_far() {
    // 10,000 names for one part of 20 MiB of empty rows: each name would stream it anew;
    // it is streamed once.
    let rows = b"<row/>".repeat(20 * 1024 * 1024 / 6);
    let bytes = hand_made_xlsx_with_sheets(10_000, &rows, None);
    assert_eq!(
        refusal(&bytes),
        Limit::Sheets {
            sheets: 10_000,
            looked: 1
        }
    );
    // Small parts: twenty sheets are looked through.
    let small = hand_made_xlsx_with_sheets(10_000, b"<row/>", None);
    assert_eq!(
        refusal(&small),
        Limit::Sheets {
            sheets: 10_000,
            looked: MAX_SHEETS
        }
    );
    // A few empty sheets are just empty.
    let few = hand_made_xlsx_with_sheets(3, b"", None);
    assert_eq!(
        only_error(answers_of(ImportFile {
            name: "tom.xlsx",
            bytes: &few,
        })),
        "tom.xlsx: regnearket er tomt."
    );
}

#[test]
fn xls_ods_and_xlsb_files_are_refused_with_what_to_save_them_as() {
    let message = only_error(answers_of(ImportFile {
        name: "svar.xls",
        bytes: &[0xD0, 0xCF, 0x11, 0xE0, 0, 0, 0, 0],
    }));
    assert_eq!(
        message,
        "svar.xls: filen er i formatet XLS (Excel 97-2003), som ikke kan importeres. Gem den i Excel som «Excel-projektmappe (*.xlsx)» eller som «CSV UTF-8 (kommasepareret)»."
    );
}

#[test]
fn columns_are_lettered_as_in_a_spreadsheet() {
    assert_eq!(column_letters(0), "A");
    assert_eq!(column_letters(25), "Z");
    assert_eq!(column_letters(26), "AA");
}

proptest::proptest! {
    /// Whatever the cells hold, an answer import either names what is wrong or gives
    /// answers that are all valid: a known municipality and recommendation, a row inside
    /// the file and a comment the form would accept.
    #[test]
    fn any_answer_rows_parse_to_valid_answers_or_named_errors(
        rows in proptest::collection::vec(
            (
                proptest::prop_oneof![
                    proptest::strategy::Just("101".to_owned()),
                    proptest::strategy::Just("frederiksberg Kommune".to_owned()),
                    "\\PC{0,12}",
                ],
                proptest::prop_oneof![
                    proptest::strategy::Just("1.1".to_owned()),
                    proptest::strategy::Just("1.2".to_owned()),
                    "[0-9.]{0,4}",
                ],
                proptest::prop_oneof![
                    proptest::strategy::Just("GRØN".to_owned()),
                    proptest::strategy::Just("gul".to_owned()),
                    "\\PC{0,8}",
                ],
                "(\\PC|[\\x00-\\x1f]){0,40}",
            ),
            0..8,
        )
    ) {
        let mut text = String::from("Kommune;Nr.;Status;Kommentar\n");
        for (municipality, code, status, comment) in &rows {
            let clean = |cell: &str| cell.replace([';', '"', '\n', '\r'], " ");
            text.push_str(&format!(
                "{};{};{};{}\n",
                clean(municipality),
                clean(code),
                clean(status),
                clean(comment)
            ));
        }
        let content = content();
        let all = all();
        let ids: Vec<i32> = content.recommendations.iter().map(|r| r.id).collect();
        match answers(&text) {
            Ok(parsed) => {
                for answer in parsed {
                    proptest::prop_assert!(answer.row >= 2 && answer.row <= rows.len() + 1);
                    proptest::prop_assert!(all.iter().any(|m| m.code == answer.municipality));
                    proptest::prop_assert!(ids.contains(&answer.recommendation_id));
                    proptest::prop_assert!(Comment::parse(&answer.comment).is_ok());
                }
            }
            Err(errors) => {
                proptest::prop_assert!(!errors.is_empty());
                for error in errors {
                    proptest::prop_assert!(!error.message.is_empty());
                }
            }
        }
    }
}
