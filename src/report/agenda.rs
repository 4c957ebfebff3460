//! The draft of a city council's agenda item, in the structure Danish agendas use
//! (Beslutningstema, Sagsfremstilling og økonomi, Bevilling, Retsgrundlag, Kompetence,
//! Indstilling), generated from the analysis and the set's changes since last round; as
//! plain text to paste into an agenda system, and as DOCX that drops into a municipality's
//! Word template: real heading and list styles, Word's own numbering, Danish language.

use chrono::{Datelike, NaiveDate};
use docx_rs::{
    AbstractNumbering, Docx, Header, IndentLevel, Level, LevelJc, LevelOverride, LevelText,
    LineSpacing, LineSpacingType, NumberFormat, Numbering, NumberingId, Paragraph, Run, RunFonts,
    SpecialIndentType, Start, Style, StyleType,
};

use crate::domain::analysis::RoundAnalysis;
use crate::domain::prose::{municipality_sentence, number_word};
use crate::domain::set_changes::{Moved, SetChanges};
use crate::domain::summary::Response;
use crate::domain::time::danish_day;
use crate::domain::{control_character, MunicipalityCode, Status};

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
const DATE_EXAMPLE: &str = "fx 18.12.2017 eller 2017-12-18";

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

fn para(text: impl Into<String>) -> Block {
    Block::Paragraph(text.into())
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "én anbefaling" / "tre anbefalinger".
fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("én {singular}")
    } else {
        format!("{} {plural}", number_word(n as u32))
    }
}

/// "a", "a og b", "a, b og c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} og {last}", init.join(", ")),
    }
}

/// A name in the Danish genitive: "KKR Sjællands", "KKR Hovedstadens"; a name ending in
/// s, x or z takes an apostrophe instead ("Mors'").
fn genitive(name: &str) -> String {
    let name = name.trim();
    match name.chars().last() {
        Some('s' | 'x' | 'z' | 'S' | 'X' | 'Z') => format!("{name}'"),
        _ => format!("{name}s"),
    }
}

/// "de 17 kommuner i KKR Sjælland" when all the KKR's municipalities take part,
/// "16 af KKR Sjællands 17 kommuner" when some are left out.
fn participants_phrase(participating: usize, of_kkr: usize, kkr: &str) -> String {
    if participating >= of_kkr {
        format!("de {participating} kommuner i {kkr}")
    } else {
        format!("{participating} af {} {of_kkr} kommuner", genitive(kkr))
    }
}

/// One bullet of the moves: "1.2 er flyttet til indsatsområde 3 som 3.2: …".
fn moved_line(m: &Moved) -> String {
    let place = match m.to_focus_area {
        Some(area) => format!(
            "{} er flyttet til indsatsområde {area} som {}",
            m.before_code, m.code
        ),
        None => format!("{} har nu nummer {}", m.before_code, m.code),
    };
    match &m.before_text {
        Some(before) => format!(
            "{place} og har fået en ny formulering: {} (tidligere: {before})",
            m.text
        ),
        None => format!("{place}: {}", m.text),
    }
}

/// "Justering af anbefalinger": what changed in the set since last round, and the focus
/// areas with the new ones marked. `None` for a first round.
fn adjustments(changes: &SetChanges, year: i32) -> Option<Vec<Block>> {
    let previous = changes.previous_year?;
    let recommendations = |n: usize| count(n, "anbefaling", "anbefalinger");
    let mut blocks = Vec::new();
    if changes.recommendations_changed() {
        blocks.push(para(format!(
            "Med udgangspunkt i statusopsamlingen fra {previous} er der foretaget en række \
             justeringer af anbefalingerne. I {year} er der {} mod {} i {previous}.",
            recommendations(changes.current_count),
            number_word(changes.previous_count as u32),
        )));
    } else {
        blocks.push(para(format!(
            "Anbefalingerne er de samme som i {previous}: {}.",
            recommendations(changes.current_count)
        )));
    }
    if !changes.moved.is_empty() {
        let n = changes.moved.len();
        blocks.push(para(if n == 1 {
            "Én anbefaling har fået et nyt nummer:".to_owned()
        } else {
            format!(
                "{} anbefalinger har fået nye numre:",
                capitalise(&number_word(n as u32))
            )
        }));
        blocks.push(Block::Bullets(
            changes.moved.iter().map(moved_line).collect(),
        ));
    }
    if !changes.reworded.is_empty() {
        let n = changes.reworded.len();
        blocks.push(para(format!(
            "{} har fået en ny formulering:",
            capitalise(&recommendations(n))
        )));
        blocks.push(Block::Bullets(
            changes
                .reworded
                .iter()
                .map(|r| format!("{} {} (tidligere: {})", r.code, r.text, r.before))
                .collect(),
        ));
    }
    if !changes.merged.is_empty() {
        let n = changes.merged.len();
        blocks.push(para(format!(
            "{} samler nu anbefalinger fra {previous}:",
            capitalise(&recommendations(n))
        )));
        blocks.push(Block::Bullets(
            changes
                .merged
                .iter()
                .map(|m| {
                    let from: Vec<String> = m.from.iter().map(|f| f.code.clone()).collect();
                    let texts: Vec<String> = m
                        .from
                        .iter()
                        .map(|f| format!("{} {}", f.code, f.text))
                        .collect();
                    format!(
                        "{} er lagt sammen i {}: {} (tidligere: {})",
                        and_list(&from),
                        m.code,
                        m.text,
                        texts.join("; ")
                    )
                })
                .collect(),
        ));
    }
    if !changes.added.is_empty() {
        let n = changes.added.len();
        blocks.push(para(format!(
            "{} {}:",
            capitalise(&recommendations(n)),
            if n == 1 { "er ny" } else { "er nye" }
        )));
        blocks.push(Block::Bullets(
            changes
                .added
                .iter()
                .map(|r| format!("{} {}", r.code, r.text))
                .collect(),
        ));
    }
    if !changes.retired.is_empty() {
        blocks.push(para(format!(
            "{} fra {previous} er udgået:",
            capitalise(&recommendations(changes.retired.len()))
        )));
        blocks.push(Block::Bullets(
            changes
                .retired
                .iter()
                .map(|r| format!("{} {}", r.code, r.text))
                .collect(),
        ));
    }

    let mut areas = Vec::new();
    let proposed: Vec<_> = changes
        .new_focus_areas()
        .filter(|a| !a.proposed_by.is_empty())
        .collect();
    if !proposed.is_empty() {
        areas.push(format!(
            "I forbindelse med statusopsamlingen i {previous} havde kommunerne mulighed for at \
             foreslå nye indsatsområder."
        ));
        for a in &proposed {
            areas.push(format!(
                "Efter forslag fra {} er »{}« kommet med som et nyt indsatsområde.",
                and_list(&a.proposed_by),
                a.title
            ));
        }
    }
    let unproposed: Vec<String> = changes
        .new_focus_areas()
        .filter(|a| a.proposed_by.is_empty())
        .map(|a| format!("»{}«", a.title))
        .collect();
    match unproposed.len() {
        0 => {}
        1 => areas.push(format!(
            "{} er kommet med som et nyt indsatsområde.",
            unproposed[0]
        )),
        _ => areas.push(format!(
            "{} er kommet med som nye indsatsområder.",
            and_list(&unproposed)
        )),
    }
    for a in &changes.focus_areas {
        if let Some(old) = &a.renamed_from {
            areas.push(format!("Indsatsområdet »{old}« hedder nu »{}«.", a.title));
        }
    }
    let retired: Vec<String> = changes
        .retired_focus_areas
        .iter()
        .map(|t| format!("»{t}«"))
        .collect();
    match retired.len() {
        0 => {}
        1 => areas.push(format!("Indsatsområdet {} er udgået.", retired[0])),
        _ => areas.push(format!(
            "Indsatsområderne {} er udgået.",
            and_list(&retired)
        )),
    }
    if !areas.is_empty() {
        blocks.push(para(areas.join(" ")));
    }
    blocks.push(para(if changes.focus_areas.len() == 1 {
        "Indsatsområdet er:"
    } else {
        "Indsatsområderne er:"
    }));
    blocks.push(focus_area_list(changes));
    Some(blocks)
}

fn focus_area_list(changes: &SetChanges) -> Block {
    Block::Numbered(
        changes
            .focus_areas
            .iter()
            .map(|a| {
                if a.is_new {
                    format!("{} (nyt)", a.title)
                } else {
                    a.title.clone()
                }
            })
            .collect(),
    )
}

/// "den 22. juni 2015 og den 29. marts 2016".
fn meeting_dates(dates: &[NaiveDate]) -> String {
    let days: Vec<String> = dates
        .iter()
        .map(|d| format!("den {}", danish_day(*d)))
        .collect();
    and_list(&days)
}

/// The agenda item for one municipality, or `None` if it is not one of the round's.
/// Only submitted answers count, in the region's figures as in the municipality's own.
/// `changes` is the set's changes since last round ([`crate::domain::set_changes`]);
/// `facts` what the store knows of the cooperation beyond the round. Every sentence states
/// what these hold or what the secretary gave in `details`, and nothing else: without a
/// start year, the item does not say when the cooperation began.
pub fn build(
    analysis: &RoundAnalysis,
    code: &MunicipalityCode,
    details: &AgendaDetails,
    changes: &SetChanges,
    facts: &CooperationFacts,
) -> Option<AgendaItem> {
    let content = &analysis.data.content;
    let round = &content.round;
    let summary = &analysis.summary;
    let municipality = content.municipality(code)?;
    let own = summary.municipalities.iter().find(|m| &m.code == code)?;
    let official = municipality.official_name();
    let council = municipality.council_name.trim();
    let n = content.recommendations.len();
    // " på beskæftigelsesområdet", or nothing for a round without a subject.
    let on_subject = match round.subject.trim() {
        "" => String::new(),
        subject => format!(" på {subject}"),
    };
    let kkr = round.kkr_name.trim();
    let mut opening = format!("Behandling af status på de tværkommunale samarbejder{on_subject}.");
    if let Some(year) = facts.start_year {
        opening.push_str(&format!(
            " Samarbejdet blev indgået i {year} mellem kommunerne i {kkr}."
        ));
    }
    opening.push_str(&format!(
        " Status for {} omfatter {}.",
        round.year,
        participants_phrase(
            summary.municipality_count as usize,
            facts.kkr_municipalities,
            kkr
        )
    ));

    let mut theme = vec![para(opening)];
    if !details.earlier.is_empty() {
        theme.push(para(format!(
            "Samarbejdet er tidligere behandlet i {council} {}.",
            meeting_dates(&details.earlier)
        )));
    }
    theme.push(para(format!(
        "KKR har besluttet, at status på anbefalingerne hvert år behandles i {council}, ligesom \
         i de andre kommuner, og derefter drøftes i KKR."
    )));
    if let Some(meeting) = details.meeting {
        theme.push(para(format!(
            "Sagen skal til endelig behandling i {council} den {}.",
            danish_day(meeting)
        )));
    }

    let mut case = vec![
        Block::NumberedHeading(format!("Tværkommunale samarbejder{on_subject}")),
        para(format!(
            "{kkr} har godkendt en række anbefalinger, der skal øge det tværkommunale \
             samarbejde{on_subject}. KKR besluttede, at anbefalingerne skal drøftes i alle \
             kommuner, og at der hvert år gøres status på anbefalingerne. Her følger status for \
             {year}.",
            year = round.year,
        )),
    ];
    match adjustments(changes, round.year) {
        Some(blocks) => {
            case.push(Block::NumberedHeading(
                "Justering af anbefalinger".to_owned(),
            ));
            case.extend(blocks);
        }
        None => {
            case.push(Block::NumberedHeading("Indsatsområder".to_owned()));
            let areas = changes.focus_areas.len();
            case.push(para(format!(
                "Anbefalingerne for {} er samlet i {}:",
                round.year,
                count(areas, "indsatsområde", "indsatsområder")
            )));
            case.push(focus_area_list(changes));
        }
    }
    case.push(Block::NumberedHeading(if n == 1 {
        "Opfølgning på anbefalingen".to_owned()
    } else {
        format!("Opfølgning på de {n} anbefalinger")
    }));
    let as_before = if changes.previous_year.is_none() {
        ""
    } else {
        " ligesom ved sidste status"
    };
    case.push(para(format!(
        "Alle kommuner, der er en del af samarbejdet, er{as_before} blevet bedt om at udfylde \
         et skema med farverne grøn (igangsat efter planen), gul (i proces) og rød (endnu ikke \
         igangsat) for hver anbefaling. {submitted} af {total} kommuner har indsendt deres \
         skema. Nedenfor er status på de enkelte anbefalinger i hele KKR'en.",
        submitted = summary.submitted_count,
        total = summary.municipality_count,
    )));
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
        title: format!(
            "Status på anbefalinger af tværkommunale samarbejder{on_subject} {}",
            round.year
        ),
        author: official.clone(),
        case_number: details.case_number.clone(),
        // Only submitted answers count, so only the round's state makes the item preliminary.
        provisional: crate::views::provisional_notes(round, false),
        sections: vec![
            Section {
                heading: "Beslutningstema",
                blocks: theme,
            },
            Section {
                heading: "Sagsfremstilling og økonomi",
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
                blocks: vec![para(format!("{council}."))],
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

    /// The item with every text made safe for a document ([`super::text::for_document`]).
    fn for_document(&self) -> AgendaItem {
        let clean = |t: &String| super::text::for_document(t);
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

// Numbering definitions. docx-rs always writes its own abstract numbering 1 and numbering 1,
// so these start at 2.
const DECIMAL_LIST: usize = 2;
const BULLET_LIST: usize = 3;
const HEADING_NUMBERS: usize = 4;
/// The first numbering instance; every list (and each section's numbered headings) gets its
/// own instance, restarting at 1.
const FIRST_INSTANCE: usize = 10;

fn list_level(format: &str, text: &str, left: i32, hanging: i32) -> Level {
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
const fn points(pt: u32) -> u32 {
    pt * 20
}

fn styles(doc: Docx) -> Docx {
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

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The document's core properties: title, author and language, which docx-rs cannot set.
fn core_properties(item: &AgendaItem) -> Vec<u8> {
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
fn danish_styles(styles: Vec<u8>) -> Result<Vec<u8>, super::ReportError> {
    const LANG: &str = "<w:lang w:val=\"da-DK\" w:eastAsia=\"da-DK\" w:bidi=\"ar-SA\" />";
    let xml = String::from_utf8(styles).map_err(|e| super::ReportError::Docx(e.to_string()))?;
    let patched = if let Some(at) = xml.find("</w:rPr></w:rPrDefault>") {
        format!("{}{LANG}{}", &xml[..at], &xml[at..])
    } else if xml.contains("<w:rPr /></w:rPrDefault>") {
        xml.replacen(
            "<w:rPr /></w:rPrDefault>",
            &format!("<w:rPr>{LANG}</w:rPr></w:rPrDefault>"),
            1,
        )
    } else {
        return Err(super::ReportError::Docx(
            "the styles have no run defaults to set the language in".to_owned(),
        ));
    };
    Ok(patched.into_bytes())
}

/// A Word document with heading styles, Word's numbering for lists and numbered headings,
/// paragraph spacing, Danish language and the title and author in its properties, so that
/// the agenda system and the municipality's template keep the structure.
pub fn docx(item: &AgendaItem) -> Result<Vec<u8>, super::ReportError> {
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
        .map_err(|e| super::ReportError::Docx(e.to_string()))?;
    Ok(buffer.into_inner())
}

#[cfg(test)]
mod tests {
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
                },
                Moved {
                    code: "1.2".into(),
                    text: "Mentorer".into(),
                    before_code: "1.4".into(),
                    to_focus_area: None,
                    before_text: None,
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
    fn a_preliminary_word_document_says_so_in_every_pages_header_and_keeps_headings_with_their_text(
    ) {
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
}
