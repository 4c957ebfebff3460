//! The item as DOCX: Word's own heading and list styles and numbering, Danish language.

use docx_rs::{
    AbstractNumbering, Docx, Header, IndentLevel, Level, LevelJc, LevelOverride, LevelText,
    LineSpacing, LineSpacingType, NumberFormat, Numbering, NumberingId, Paragraph, Run, RunFonts,
    SpecialIndentType, Start, Style, StyleType,
};

use super::*;

// Numbering definitions. docx-rs always writes its own abstract numbering 1 and numbering 1,
// so these start at 2.
pub(super) const DECIMAL_LIST: usize = 2;
pub(super) const BULLET_LIST: usize = 3;
pub(super) const HEADING_NUMBERS: usize = 4;
/// The first numbering instance; every list (and each section's numbered headings) gets its
/// own instance, restarting at 1.
pub(super) const FIRST_INSTANCE: usize = 10;

pub(super) fn list_level(format: &str, text: &str, left: i32, hanging: i32) -> Level {
    Level::new(
        0,
        Start::new(1),
        NumberFormat::new(format),
        LevelText::new(text),
        LevelJc::new("left"),
    )
    .indent(
        Some(left),
        Some(SpecialIndentType::Hanging(hanging)),
        None,
        None,
    )
}

/// Twentieths of a point: Word's unit for spacing.
pub(super) const fn points(pt: u32) -> u32 {
    pt * 20
}

pub(super) fn styles(doc: Docx) -> Docx {
    let heading = |id: &str, name: &str, size: usize, before: u32, outline: usize| {
        Style::new(id, StyleType::Paragraph)
            .name(name)
            .based_on("Normal")
            .next("Normal")
            .q_format(true)
            .size(size)
            .bold()
            .outline_lvl(outline)
            .line_spacing(LineSpacing::new().before(points(before)).after(points(6)))
    };
    doc.default_fonts(
        RunFonts::new()
            .ascii("Calibri")
            .hi_ansi("Calibri")
            .cs("Calibri"),
    )
    .default_size(22)
    // The rule said outright: without it LibreOffice takes 264 as an exact height, and the
    // title's larger lines overlap.
    .default_line_spacing(
        LineSpacing::new()
            .after(points(8))
            .line(264)
            .line_rule(LineSpacingType::Auto),
    )
    .add_style(
        Style::new("Title", StyleType::Paragraph)
            .name("Title")
            .based_on("Normal")
            .next("Normal")
            .q_format(true)
            .size(36)
            .bold()
            .line_spacing(LineSpacing::new().after(points(12))),
    )
    .add_style(
        Style::new("Header", StyleType::Paragraph)
            .name("header")
            .based_on("Normal")
            .size(18)
            .line_spacing(LineSpacing::new().after(0)),
    )
    .add_style(heading("Heading1", "heading 1", 28, 18, 0))
    .add_style(heading("Heading2", "heading 2", 24, 12, 1))
    .add_style(
        Style::new("ListParagraph", StyleType::Paragraph)
            .name("List Paragraph")
            .based_on("Normal")
            .q_format(true)
            .line_spacing(LineSpacing::new().after(points(4))),
    )
    .add_abstract_numbering(
        AbstractNumbering::new(DECIMAL_LIST).add_level(list_level("decimal", "%1.", 720, 360)),
    )
    .add_abstract_numbering(
        AbstractNumbering::new(BULLET_LIST).add_level(list_level("bullet", "•", 720, 360)),
    )
    .add_abstract_numbering(
        AbstractNumbering::new(HEADING_NUMBERS).add_level(list_level("decimal", "%1.", 432, 432)),
    )
}

pub(super) fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The document's core properties: title, author and language, which docx-rs cannot set.
pub(super) fn core_properties(item: &AgendaItem) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <dc:title>{title}</dc:title><dc:subject>Udkast til dagsordenspunkt</dc:subject>\
         <dc:creator>{author}</dc:creator><cp:lastModifiedBy>{author}</cp:lastModifiedBy>\
         <dc:language>da-DK</dc:language></cp:coreProperties>",
        title = escape_xml(&item.title),
        author = escape_xml(&item.author),
    )
    .into_bytes()
}

/// Sets Danish as the language of all text (spelling, hyphenation) in the style defaults;
/// docx-rs has no setting for it.
pub(super) fn danish_styles(styles: Vec<u8>) -> Result<Vec<u8>, crate::report::ReportError> {
    const LANG: &str = "<w:lang w:val=\"da-DK\" w:eastAsia=\"da-DK\" w:bidi=\"ar-SA\" />";
    let xml =
        String::from_utf8(styles).map_err(|e| crate::report::ReportError::Docx(e.to_string()))?;
    let patched = if let Some(at) = xml.find("</w:rPr></w:rPrDefault>") {
        format!("{}{LANG}{}", &xml[..at], &xml[at..])
    } else if xml.contains("<w:rPr /></w:rPrDefault>") {
        xml.replacen(
            "<w:rPr /></w:rPrDefault>",
            &format!("<w:rPr>{LANG}</w:rPr></w:rPrDefault>"),
            1,
        )
    } else {
        return Err(crate::report::ReportError::Docx(
            "the styles have no run defaults to set the language in".to_owned(),
        ));
    };
    Ok(patched.into_bytes())
}

/// A Word document with heading styles, Word's numbering for lists and numbered headings,
/// paragraph spacing, Danish language and the title and author in its properties, so that
/// the agenda system and the municipality's template keep the structure.
pub fn docx(item: &AgendaItem) -> Result<Vec<u8>, crate::report::ReportError> {
    let item = &item.for_document();
    let mut doc = styles(Docx::new());
    if let Some(mark) = item.provisional_line() {
        // The default header is every page's: the mark cannot be lost with the first page.
        doc = doc.header(
            Header::new().add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_text(mark).bold())
                    .style("Header"),
            ),
        );
    }
    doc = doc.add_paragraph(
        Paragraph::new()
            .add_run(Run::new().add_text(&item.title))
            .style("Title")
            .keep_next(true),
    );
    if let Some(case) = &item.case_number {
        doc = doc.add_paragraph(
            Paragraph::new()
                .add_run(Run::new().add_text("Sagsnr.: ").bold())
                .add_run(Run::new().add_text(case)),
        );
    }
    let mut next_instance = FIRST_INSTANCE;
    let mut instance = |doc: Docx, abstract_id: usize| -> (Docx, usize) {
        let id = next_instance;
        next_instance += 1;
        let doc = doc.add_numbering(
            Numbering::new(id, abstract_id).add_override(LevelOverride::new(0).start(1)),
        );
        (doc, id)
    };
    let item_paragraph = |text: &str, id: usize| {
        Paragraph::new()
            .add_run(Run::new().add_text(text))
            .style("ListParagraph")
            .numbering(NumberingId::new(id), IndentLevel::new(0))
    };
    for section in &item.sections {
        doc = doc.add_paragraph(
            Paragraph::new()
                .add_run(Run::new().add_text(section.heading))
                .style("Heading1")
                .keep_next(true),
        );
        let mut headings: Option<usize> = None;
        for block in &section.blocks {
            match block {
                Block::NumberedHeading(h) => {
                    let id = match headings {
                        Some(id) => id,
                        None => {
                            let (with, id) = instance(doc, HEADING_NUMBERS);
                            doc = with;
                            headings = Some(id);
                            id
                        }
                    };
                    doc = doc.add_paragraph(
                        Paragraph::new()
                            .add_run(Run::new().add_text(h))
                            .style("Heading2")
                            .keep_next(true)
                            .numbering(NumberingId::new(id), IndentLevel::new(0)),
                    );
                }
                Block::Subheading(h) => {
                    doc = doc.add_paragraph(
                        Paragraph::new()
                            .add_run(Run::new().add_text(h))
                            .style("Heading2")
                            .keep_next(true),
                    )
                }
                Block::Paragraph(p) => {
                    // A lead-in ("… er udgået:") stays with the list it introduces.
                    doc = doc.add_paragraph(
                        Paragraph::new()
                            .add_run(Run::new().add_text(p))
                            .keep_next(p.ends_with(':')),
                    )
                }
                Block::Bullets(items) | Block::Numbered(items) => {
                    let kind = if matches!(block, Block::Bullets(_)) {
                        BULLET_LIST
                    } else {
                        DECIMAL_LIST
                    };
                    let (with, id) = instance(doc, kind);
                    doc = with;
                    for i in items {
                        doc = doc.add_paragraph(item_paragraph(i, id));
                    }
                }
            }
        }
    }
    let mut xml = doc.build();
    xml.doc_props.core = core_properties(item);
    xml.styles = danish_styles(xml.styles)?;
    let mut buffer = std::io::Cursor::new(Vec::new());
    xml.pack(&mut buffer)
        .map_err(|e| crate::report::ReportError::Docx(e.to_string()))?;
    Ok(buffer.into_inner())
}
