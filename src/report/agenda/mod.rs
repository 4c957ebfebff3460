//! The draft of a city council's agenda item, in the structure Danish agendas use
//! (Beslutningstema, Sagsfremstilling og økonomi, Bevilling, Retsgrundlag, Kompetence,
//! Indstilling), generated from the analysis and the set's changes since last round; as
//! plain text to paste into an agenda system, and as DOCX that drops into a municipality's
//! Word template: real heading and list styles, Word's own numbering, Danish language.

mod compose;
mod docx;
#[cfg(test)]
mod tests;

use chrono::{Datelike, NaiveDate};

use crate::domain::analysis::RoundAnalysis;
use crate::domain::prose::{municipality_sentence, number_word};
use crate::domain::set_changes::{Moved, SetChanges};
use crate::domain::summary::Response;
use crate::domain::time::danish_day;
use crate::domain::{control_character, MunicipalityCode, Scope, Status};

pub use compose::*;
pub use docx::*;

/// A piece of an agenda item's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A subheading numbered within its section ("1. Tværkommunale samarbejder"); the
    /// number is Word's (or the text version's), not part of the text.
    NumberedHeading(String),
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
    /// The municipality, as the document's author.
    pub author: String,
    pub case_number: Option<String>,
    /// Why the item is preliminary (the round is a draft or open), as the attachment says
    /// it; empty for a closed or published round. Non-empty marks every page's header
    /// "FORELØBIGT UDKAST".
    pub provisional: Vec<String>,
    pub sections: Vec<Section>,
}

/// The mark a preliminary item carries at the top of every page.
pub const PROVISIONAL_MARK: &str = "FORELØBIGT UDKAST";

/// What the item states about the cooperation besides the round's analysis, from the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CooperationFacts {
    /// The year the cooperation began, as the secretariat gave it for the round; without
    /// it the item does not say when.
    pub start_year: Option<i32>,
    /// How many municipalities the KKR has, participating or not.
    pub kkr_municipalities: usize,
}

/// What the council secretary adds on the download form; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgendaDetails {
    /// Sagsnr., as the municipality writes it ("15/12508").
    pub case_number: Option<String>,
    /// The meeting where the council treats the item finally.
    pub meeting: Option<NaiveDate>,
    /// Earlier meetings where the council treated the cooperation, oldest first.
    pub earlier: Vec<NaiveDate>,
}

/// A field of the download form that could not be read, with the Danish reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailError {
    pub field: &'static str,
    pub message: String,
}

pub const CASE_NUMBER_MAX_CHARS: usize = 60;
pub(super) const DATE_EXAMPLE: &str = "fx 18.12.2017 eller 2017-12-18";

/// A date as a browser's date field sends it (2017-12-18) or as a Danish reader writes it
/// (18.12.2017, 18-12-2017, 18/12/2017).
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let text = raw.trim();
    let danish = || {
        let parts: Vec<&str> = text.split(['.', '-', '/']).map(str::trim).collect();
        match parts.as_slice() {
            [d, m, y] if y.len() == 4 && !d.is_empty() && d.len() <= 2 && m.len() <= 2 => {
                NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
            }
            _ => None,
        }
    };
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .or_else(danish)
        .filter(|d| (2000..=2100).contains(&d.year()))
}

/// Why a council meeting's date was not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingDateRefusal {
    /// What was typed is not a date in any form [`parse_date`] reads; `shown` is its start,
    /// without control characters.
    NotADate { shown: String },
}

/// The meeting date to keep for an attachment: `None` for an empty field (the kept date is
/// cleared).
pub fn parse_meeting_date(raw: &str) -> Result<Option<NaiveDate>, MeetingDateRefusal> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    parse_date(text)
        .map(Some)
        .ok_or_else(|| MeetingDateRefusal::NotADate {
            shown: text.chars().filter(|c| !c.is_control()).take(30).collect(),
        })
}

/// Reads the form's three fields (`sagsnr`, `moededato`, `tidligere`: dates separated by
/// commas, semicolons or "og"); every field's problem at once, so the form can name them all.
pub fn parse_details(
    case_number: &str,
    meeting: &str,
    earlier: &str,
) -> Result<AgendaDetails, Vec<DetailError>> {
    let mut errors = Vec::new();
    let case_number = case_number.trim();
    if let Some(problem) = control_character(case_number) {
        errors.push(DetailError {
            field: "sagsnr",
            message: format!("Sagsnummeret {problem}"),
        });
    } else if case_number.chars().count() > CASE_NUMBER_MAX_CHARS {
        errors.push(DetailError {
            field: "sagsnr",
            message: format!(
                "Sagsnummeret må højst være {CASE_NUMBER_MAX_CHARS} tegn; det er {}.",
                case_number.chars().count()
            ),
        });
    }
    let shown = |raw: &str| raw.trim().chars().take(30).collect::<String>();
    let meeting_date = match meeting.trim() {
        "" => None,
        raw => {
            let date = parse_date(raw);
            if date.is_none() {
                errors.push(DetailError {
                    field: "moededato",
                    message: format!(
                        "Mødedatoen »{}« er ikke en dato; skriv den som dag, måned og år, {DATE_EXAMPLE}.",
                        shown(raw)
                    ),
                });
            }
            date
        }
    };
    let mut earlier_dates = Vec::new();
    let lowered = earlier.to_lowercase().replace(" og ", ",");
    for raw in lowered.split([',', ';']).filter(|p| !p.trim().is_empty()) {
        match parse_date(raw) {
            Some(date) => earlier_dates.push(date),
            None => {
                errors.push(DetailError {
                    field: "tidligere",
                    message: format!(
                        "»{}« under tidligere behandlinger er ikke en dato; skriv datoerne adskilt af komma, fx 22.6.2015, 29.3.2016.",
                        shown(raw)
                    ),
                });
                break;
            }
        }
    }
    earlier_dates.sort();
    earlier_dates.dedup();
    if errors.is_empty() {
        Ok(AgendaDetails {
            case_number: Some(case_number.to_owned()).filter(|c| !c.is_empty()),
            meeting: meeting_date,
            earlier: earlier_dates,
        })
    } else {
        Err(errors)
    }
}

impl AgendaItem {
    /// "FORELØBIGT UDKAST · Foreløbig: statusrunden er åben til …", or `None` when the
    /// item is final.
    pub fn provisional_line(&self) -> Option<String> {
        if self.provisional.is_empty() {
            None
        } else {
            Some(format!(
                "{PROVISIONAL_MARK} · {}",
                self.provisional.join(" ")
            ))
        }
    }

    /// The item with every text made safe for a document ([`crate::report::text::for_document`]).
    fn for_document(&self) -> AgendaItem {
        let clean = |t: &String| crate::report::text::for_document(t);
        let all = |items: &Vec<String>| items.iter().map(clean).collect();
        AgendaItem {
            title: clean(&self.title),
            author: clean(&self.author),
            case_number: self.case_number.as_ref().map(clean),
            provisional: all(&self.provisional),
            sections: self
                .sections
                .iter()
                .map(|section| Section {
                    heading: section.heading,
                    blocks: section
                        .blocks
                        .iter()
                        .map(|block| match block {
                            Block::NumberedHeading(h) => Block::NumberedHeading(clean(h)),
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

/// Plain text, to paste into an agenda system: the same content as the Word document, with
/// the numbers written out.
pub fn text(item: &AgendaItem) -> String {
    let item = &item.for_document();
    let mut out = String::new();
    if let Some(mark) = item.provisional_line() {
        out.push_str(&format!("{mark}\n\n"));
    }
    out.push_str(&format!("{}\n", item.title));
    if let Some(case) = &item.case_number {
        out.push_str(&format!("\nSagsnr.: {case}\n"));
    }
    for section in &item.sections {
        out.push_str(&format!("\n{}\n\n", section.heading));
        let mut heading_number = 0;
        for block in &section.blocks {
            match block {
                Block::NumberedHeading(h) => {
                    heading_number += 1;
                    out.push_str(&format!("{heading_number}. {h}\n\n"));
                }
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
