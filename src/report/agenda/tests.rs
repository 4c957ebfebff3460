use super::*;
use std::io::Read;

fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut xml = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[test]
fn documents_drop_every_direction_control_and_mark_control_characters() {
    let item = AgendaItem {
        title: "Bilag\u{202E}txt.exe".into(),
        author: "Frederiksberg Kommune".into(),
        case_number: None,
        provisional: Vec::new(),
        sections: vec![Section {
            heading: "Indstilling",
            blocks: vec![
                Block::Paragraph("før\u{1b}efter \u{202B}עברית\u{202C}".into()),
                Block::Bullets(vec!["punkt\u{2066}".into()]),
            ],
        }],
    };
    let plain = text(&item);
    assert!(plain.starts_with("Bilagtxt.exe\n"), "{plain}");
    assert!(plain.contains("før\u{FFFD}efter עברית"));
    assert!(plain.contains(" • punkt\n"));

    let bytes = docx(&item).unwrap();
    let xml = part(&bytes, "word/document.xml");
    assert!(xml.contains("Bilagtxt.exe"));
    assert!(xml.contains("עברית"), "right-to-left letters stay");
    assert!(!xml.contains(crate::report::text::is_direction_control));
    assert!(!xml.contains('\u{1b}'));
}

#[test]
fn the_word_document_numbers_with_words_own_lists_and_says_it_is_danish() {
    let item = AgendaItem {
        title: "Status & mere <2017>".into(),
        author: "Frederiksberg Kommune".into(),
        case_number: Some("15/12508".into()),
        provisional: Vec::new(),
        sections: vec![Section {
            heading: "Sagsfremstilling og økonomi",
            blocks: vec![
                Block::NumberedHeading("Første".into()),
                Block::Numbered(vec!["Et".into(), "To".into()]),
                Block::NumberedHeading("Anden".into()),
                Block::Bullets(vec!["Punkt".into()]),
            ],
        }],
    };
    let bytes = docx(&item).unwrap();
    let document = part(&bytes, "word/document.xml");
    assert!(!document.contains("1.\t") && !document.contains('•'));
    assert_eq!(document.matches("<w:numPr>").count(), 5);
    let numbering = part(&bytes, "word/numbering.xml");
    assert!(numbering.contains("w:val=\"bullet\""));
    assert!(
        numbering.contains("<w:lvlText w:val=\"%1.\" />"),
        "{numbering}"
    );
    let styles = part(&bytes, "word/styles.xml");
    assert!(styles.contains("w:val=\"da-DK\""));
    assert!(
        styles.contains("<w:spacing w:after=\"160\" w:line=\"264\" w:lineRule=\"auto\" />"),
        "proportional line spacing, so larger lines do not overlap: {styles}"
    );
    assert!(styles.contains("w:styleId=\"Heading2\""));
    let core = part(&bytes, "docProps/core.xml");
    assert!(core.contains("<dc:title>Status &amp; mere &lt;2017&gt;</dc:title>"));
    assert!(core.contains("<dc:creator>Frederiksberg Kommune</dc:creator>"));

    let plain = text(&item);
    assert!(plain.contains("\nSagsnr.: 15/12508\n"));
    assert!(plain.contains("1. Første\n\n 1. Et\n 2. To\n\n2. Anden\n\n • Punkt\n"));
}

fn texts(blocks: &[Block]) -> Vec<String> {
    blocks
        .iter()
        .flat_map(|b| match b {
            Block::Paragraph(p) => vec![p.clone()],
            Block::Bullets(items) | Block::Numbered(items) => items.clone(),
            Block::NumberedHeading(h) | Block::Subheading(h) => vec![h.clone()],
        })
        .collect()
}

#[test]
fn the_adjustments_are_told_in_danish_singular_and_plural() {
    use crate::domain::set_changes::{ChangedRecommendation, FocusAreaChange, Merged};
    let rec = |code: &str, text: &str| ChangedRecommendation {
        code: code.into(),
        text: text.into(),
    };
    let area = |number, title: &str, is_new, renamed_from: Option<&str>| FocusAreaChange {
        number,
        title: title.into(),
        is_new,
        proposed_by: Vec::new(),
        renamed_from: renamed_from.map(str::to_owned),
    };
    let changes = SetChanges {
        previous_year: Some(2016),
        previous_count: 3,
        current_count: 2,
        added: vec![rec("2.1", "Ny indsats")],
        moved: vec![
            Moved {
                code: "2.2".into(),
                text: "Fælles sprogindsats".into(),
                before_code: "1.3".into(),
                to_focus_area: Some(2),
                before_text: Some("Sprog".into()),
                between_groups: None,
            },
            Moved {
                code: "1.2".into(),
                text: "Mentorer".into(),
                before_code: "1.4".into(),
                to_focus_area: None,
                before_text: None,
                between_groups: None,
            },
        ],
        reworded: Vec::new(),
        merged: vec![Merged {
            code: "1.1".into(),
            text: "Fælles indgang og rekruttering".into(),
            from: vec![rec("1.1", "Fælles indgang"), rec("1.2", "Rekruttering")],
        }],
        retired: vec![rec("3.1", "Gammel indsats")],
        focus_areas: vec![
            area(1, "Virksomheder", false, Some("Erhverv")),
            area(2, "Integration", true, None),
        ],
        retired_focus_areas: vec!["Dokumentation".into(), "Kompetencer".into()],
    };
    let told = texts(&adjustments(&changes, 2017).unwrap());
    for expected in [
        "Med udgangspunkt i statusopsamlingen fra 2016 er der foretaget en række justeringer \
         af anbefalingerne. I 2017 er der to anbefalinger mod tre i 2016.",
        "Én anbefaling samler nu anbefalinger fra 2016:",
        "1.1 og 1.2 er lagt sammen i 1.1: Fælles indgang og rekruttering (tidligere: 1.1 Fælles indgang; 1.2 Rekruttering)",
        "To anbefalinger har fået nye numre:",
        "1.3 er flyttet til indsatsområde 2 som 2.2 og har fået en ny formulering: Fælles sprogindsats (tidligere: Sprog)",
        "1.4 har nu nummer 1.2: Mentorer",
        "Én anbefaling er ny:",
        "2.1 Ny indsats",
        "3.1 Gammel indsats",
        "Én anbefaling fra 2016 er udgået:",
        "»Integration« er kommet med som et nyt indsatsområde. Indsatsområdet »Erhverv« hedder nu »Virksomheder«. Indsatsområderne »Dokumentation« og »Kompetencer« er udgået.",
        "Integration (nyt)",
    ] {
        assert!(told.iter().any(|t| t.as_str() == expected), "{expected}: {told:#?}");
    }
    let unchanged = SetChanges {
        added: Vec::new(),
        moved: Vec::new(),
        merged: Vec::new(),
        retired: Vec::new(),
        current_count: 1,
        focus_areas: vec![area(1, "Virksomheder", false, None)],
        retired_focus_areas: Vec::new(),
        ..changes
    };
    let told = texts(&adjustments(&unchanged, 2017).unwrap());
    assert_eq!(
        told,
        [
            "Anbefalingerne er de samme som i 2016: én anbefaling.",
            "Indsatsområdet er:",
            "Virksomheder"
        ]
    );
}

#[test]
fn the_form_reads_danish_and_iso_dates_and_names_each_bad_field() {
    let details = parse_details(" 15/12508 ", "2017-12-18", "29.3.2016 og 22.6.2015").unwrap();
    assert_eq!(details.case_number.as_deref(), Some("15/12508"));
    assert_eq!(details.meeting, NaiveDate::from_ymd_opt(2017, 12, 18));
    assert_eq!(
        details.earlier,
        [
            NaiveDate::from_ymd_opt(2015, 6, 22).unwrap(),
            NaiveDate::from_ymd_opt(2016, 3, 29).unwrap()
        ]
    );
    assert_eq!(parse_details("", "", "").unwrap(), AgendaDetails::default());
    let errors = parse_details("a\u{7}b", "31.2.2017", "22.6.2015, i går").unwrap_err();
    assert_eq!(
        errors.iter().map(|e| e.field).collect::<Vec<_>>(),
        ["sagsnr", "moededato", "tidligere"]
    );
    assert!(errors[1].message.contains("»31.2.2017« er ikke en dato"));
    assert!(errors[2].message.contains("»i går«"));
    assert_eq!(
        danish_day(NaiveDate::from_ymd_opt(2017, 12, 18).unwrap()),
        "18. december 2017"
    );
    assert_eq!(
        meeting_dates(&details.earlier),
        "den 22. juni 2015 og den 29. marts 2016"
    );
}

#[test]
fn the_kkr_is_named_in_the_genitive_when_some_of_its_municipalities_are_left_out() {
    assert_eq!(
        participants_phrase(16, 17, "KKR Sjælland"),
        "16 af KKR Sjællands 17 kommuner"
    );
    assert_eq!(
        participants_phrase(17, 17, "KKR Sjælland"),
        "de 17 kommuner i KKR Sjælland"
    );
    assert_eq!(genitive("KKR Hovedstaden"), "KKR Hovedstadens");
    assert_eq!(genitive("Mors"), "Mors'");
}

#[test]
fn a_preliminary_word_document_says_so_in_every_pages_header_and_keeps_headings_with_their_text() {
    let item = AgendaItem {
        title: "Status 2018".into(),
        author: "Frederiksberg Kommune".into(),
        case_number: None,
        provisional: vec!["Udkast: statusrunden er under forberedelse.".into()],
        sections: vec![Section {
            heading: "Sagsfremstilling og økonomi",
            blocks: vec![
                Block::NumberedHeading("Første".into()),
                Block::Paragraph("Indsatsområderne er:".into()),
                Block::Numbered(vec!["Et".into()]),
                Block::Paragraph("Slut.".into()),
            ],
        }],
    };
    let bytes = docx(&item).unwrap();
    let header = part(&bytes, "word/header1.xml");
    assert!(
        header.contains("FORELØBIGT UDKAST · Udkast: statusrunden er under forberedelse."),
        "{header}"
    );
    let document = part(&bytes, "word/document.xml");
    assert!(
        document.contains("<w:headerReference w:type=\"default\""),
        "{document}"
    );
    let kept: Vec<bool> = document
        .split("<w:p ")
        .skip(1)
        .map(|p| p.contains("<w:keepNext />"))
        .collect();
    // Title, heading 1, numbered heading, the lead-in; not the list item or the last one.
    assert_eq!(kept, [true, true, true, true, false, false]);
    assert!(text(&item).starts_with(
        "FORELØBIGT UDKAST · Udkast: statusrunden er under forberedelse.\n\nStatus 2018\n"
    ));

    let final_item = AgendaItem {
        provisional: Vec::new(),
        ..item
    };
    let bytes = docx(&final_item).unwrap();
    assert!(!part(&bytes, "word/document.xml").contains("headerReference"));
    assert!(!text(&final_item).contains("FORELØBIGT"));
}
