//! The draft of a city council's agenda item, in the structure Danish agendas use
//! (Beslutningstema, Sagsfremstilling, Bevilling, Retsgrundlag, Kompetence, Indstilling),
//! generated from the analysis; as plain text to paste into an agenda system, and as DOCX.

use docx_rs::{Docx, Paragraph, Run, RunFonts, SpecialIndentType, Style, StyleType};

use crate::domain::analysis::RoundAnalysis;
use crate::domain::prose::{municipality_sentence, number_word};
use crate::domain::summary::Response;
use crate::domain::{MunicipalityCode, Status};

/// A piece of an agenda item's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Subheading(String),
    Paragraph(String),
    Bullets(Vec<String>),
    Numbered(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: &'static str,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaItem {
    pub title: String,
    pub sections: Vec<Section>,
}

fn para(text: impl Into<String>) -> Block {
    Block::Paragraph(text.into())
}

/// The agenda item for one municipality, or `None` if it is not one of the round's.
/// Only submitted answers count, in the region's figures as in the municipality's own.
pub fn build(analysis: &RoundAnalysis, code: &MunicipalityCode) -> Option<AgendaItem> {
    let content = &analysis.data.content;
    let round = &content.round;
    let summary = &analysis.summary;
    let municipality = content.municipality(code)?;
    let own = summary.municipalities.iter().find(|m| &m.code == code)?;
    let official = municipality.official_name();
    let n = content.recommendations.len() as u32;
    let areas = content.focus_areas.len() as u32;
    // " på beskæftigelsesområdet", or nothing for a round without a subject.
    let on_subject = match round.subject.trim() {
        "" => String::new(),
        subject => format!(" på {subject}"),
    };

    let mut case = vec![
        Block::Subheading(format!("1. Statusrunden {}", round.year)),
        para(format!(
            "{kkr} har vedtaget en række anbefalinger for det tværkommunale samarbejde{on_subject}. \
             KKR har besluttet, at der årligt gøres status på anbefalingerne, og at status \
             behandles i de enkelte kommunalbestyrelser og derefter drøftes i KKR. Alle \
             kommuner er blevet bedt om at udfylde et skema med farverne grøn (igangsat efter \
             planen), gul (i proces) og rød (endnu ikke igangsat) for hver anbefaling. \
             {submitted} af {total} kommuner har indsendt deres skema.",
            kkr = round.kkr_name,
            submitted = summary.submitted_count,
            total = summary.municipality_count,
        )),
        Block::Subheading("2. Indsatsområder".to_owned()),
        para(format!(
            "Anbefalingerne for {} er samlet i {} indsatsområder:",
            round.year,
            number_word(areas)
        )),
        Block::Numbered(
            content
                .focus_areas
                .iter()
                .map(|a| {
                    let is_new = content.recommendations_of(a.id).all(|r| r.is_new())
                        && !analysis.earlier.is_empty();
                    if is_new {
                        format!("{} (nyt)", a.title)
                    } else {
                        a.title.clone()
                    }
                })
                .collect(),
        ),
        Block::Subheading(format!(
            "3. Opfølgning på de {} anbefalinger",
            number_word(n)
        )),
        para("Nedenfor er status på de enkelte anbefalinger i hele KKR'en.".to_owned()),
    ];
    for status in Status::ALL {
        let items = summary.classified(status);
        case.push(para(format!("{}:", status.list_heading_da())));
        if items.is_empty() {
            case.push(Block::Bullets(vec!["Ingen.".to_owned()]));
        } else {
            case.push(Block::Bullets(
                items.iter().map(|r| r.text.clone()).collect(),
            ));
        }
    }
    case.push(Block::Subheading("Opsummering".to_owned()));
    case.push(para(format!(
        "{} {} For uddybning henvises til vedlagte bilag.",
        summary.sentence,
        municipality_sentence(&official, &own.counts, own.response == Response::Submitted)
    )));

    Some(AgendaItem {
        title: format!("{} – {}", round.title, official),
        sections: vec![
            Section {
                heading: "Beslutningstema",
                blocks: vec![para(format!(
                    "Behandling af status på anbefalingerne for det tværkommunale samarbejde{on_subject} i {} for {}. \
                     KKR har besluttet, at status på anbefalingerne behandles årligt i de enkelte \
                     kommunalbestyrelser og derefter drøftes i KKR.",
                    round.kkr_name, round.year
                ))],
            },
            Section {
                heading: "Sagsfremstilling",
                blocks: case,
            },
            Section {
                heading: "Bevilling",
                blocks: vec![para("Sagen har ingen bevillingsmæssige konsekvenser.")],
            },
            Section {
                heading: "Retsgrundlag",
                blocks: vec![para("Ingen bemærkninger.")],
            },
            Section {
                heading: "Kompetence",
                blocks: vec![para(format!("{}.", municipality.council_name))],
            },
            Section {
                heading: "Indstilling",
                blocks: vec![Block::Numbered(vec![format!(
                    "At status på anbefalinger vedrørende det tværkommunale samarbejde{on_subject} godkendes."
                )])],
            },
        ],
    })
}

impl AgendaItem {
    /// The item with every text made safe for a document ([`super::text::for_document`]).
    fn for_document(&self) -> AgendaItem {
        let clean = |t: &String| super::text::for_document(t);
        let all = |items: &Vec<String>| items.iter().map(clean).collect();
        AgendaItem {
            title: clean(&self.title),
            sections: self
                .sections
                .iter()
                .map(|section| Section {
                    heading: section.heading,
                    blocks: section
                        .blocks
                        .iter()
                        .map(|block| match block {
                            Block::Subheading(h) => Block::Subheading(clean(h)),
                            Block::Paragraph(p) => Block::Paragraph(clean(p)),
                            Block::Bullets(items) => Block::Bullets(all(items)),
                            Block::Numbered(items) => Block::Numbered(all(items)),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Plain text, to paste into an agenda system.
pub fn text(item: &AgendaItem) -> String {
    let item = &item.for_document();
    let mut out = format!("{}\n", item.title);
    for section in &item.sections {
        out.push_str(&format!("\n{}\n\n", section.heading));
        for block in &section.blocks {
            match block {
                Block::Subheading(h) => out.push_str(&format!("{h}\n\n")),
                Block::Paragraph(p) => out.push_str(&format!("{p}\n\n")),
                Block::Bullets(items) => {
                    for i in items {
                        out.push_str(&format!(" • {i}\n"));
                    }
                    out.push('\n');
                }
                Block::Numbered(items) => {
                    for (n, i) in items.iter().enumerate() {
                        out.push_str(&format!(" {}. {i}\n", n + 1));
                    }
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// A Word document with real heading styles, so the agenda system keeps the structure.
pub fn docx(item: &AgendaItem) -> Result<Vec<u8>, super::ReportError> {
    let item = &item.for_document();
    let mut doc = Docx::new()
        .default_fonts(RunFonts::new().ascii("Calibri").hi_ansi("Calibri"))
        .default_size(22)
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .size(36)
                .bold(),
        )
        .add_style(
            Style::new("Heading1", StyleType::Paragraph)
                .name("Heading 1")
                .size(28)
                .bold(),
        )
        .add_style(
            Style::new("Heading2", StyleType::Paragraph)
                .name("Heading 2")
                .size(24)
                .bold(),
        )
        .add_paragraph(
            Paragraph::new()
                .add_run(Run::new().add_text(&item.title))
                .style("Title"),
        );
    for section in &item.sections {
        doc = doc.add_paragraph(
            Paragraph::new()
                .add_run(Run::new().add_text(section.heading))
                .style("Heading1"),
        );
        for block in &section.blocks {
            match block {
                Block::Subheading(h) => {
                    doc = doc.add_paragraph(
                        Paragraph::new()
                            .add_run(Run::new().add_text(h))
                            .style("Heading2"),
                    )
                }
                Block::Paragraph(p) => {
                    doc = doc.add_paragraph(Paragraph::new().add_run(Run::new().add_text(p)))
                }
                Block::Bullets(items) => {
                    for i in items {
                        doc = doc.add_paragraph(
                            Paragraph::new()
                                .add_run(Run::new().add_text(format!("•\t{i}")))
                                .indent(
                                    Some(720),
                                    Some(SpecialIndentType::Hanging(360)),
                                    None,
                                    None,
                                ),
                        );
                    }
                }
                Block::Numbered(items) => {
                    for (n, i) in items.iter().enumerate() {
                        doc = doc.add_paragraph(
                            Paragraph::new()
                                .add_run(Run::new().add_text(format!("{}.\t{i}", n + 1)))
                                .indent(
                                    Some(720),
                                    Some(SpecialIndentType::Hanging(360)),
                                    None,
                                    None,
                                ),
                        );
                    }
                }
            }
        }
    }
    let mut buffer = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut buffer)
        .map_err(|e| super::ReportError::Docx(e.to_string()))?;
    Ok(buffer.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn documents_drop_unpaired_direction_controls_and_control_characters() {
        let item = AgendaItem {
            title: "Bilag\u{202E}txt.exe".into(),
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
        assert!(plain.contains("før\u{FFFD}efter \u{202B}עברית\u{202C}"));
        assert!(plain.contains(" • punkt\n"));

        let bytes = docx(&item).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        archive
            .by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(xml.contains("Bilagtxt.exe"));
        assert!(xml.contains("\u{202B}עברית\u{202C}"), "balanced pairs stay");
        assert!(!xml.contains('\u{202E}') && !xml.contains('\u{1b}') && !xml.contains('\u{2066}'));
    }
}
