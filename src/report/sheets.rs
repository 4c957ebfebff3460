//! Data exports: one row per municipality × recommendation, as XLSX (with a summary sheet)
//! or CSV. Text that a spreadsheet could take for a formula is always written as text.
//!
//! The XLSX is ready to print for a council: a title row, the summary sentence in a merged,
//! wrapped cell, real date cells in a Danish format, landscape A4 fitted to the page width
//! with the header row repeated on every page.

use chrono::{Datelike, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::Europe::Copenhagen;
use rust_xlsxwriter::{
    Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};
use serde::Serialize;

use crate::domain::analysis::RoundAnalysis;
use crate::domain::time::danish_datetime;
use crate::domain::{official_name, MunicipalityCode, RoundData, Status};

/// Which rows an export holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every municipality of the round, submitted answers only.
    Round,
    /// One municipality; with `include_draft` its draft answers too (marked as such).
    Municipality {
        code: MunicipalityCode,
        include_draft: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportRow {
    pub round: String,
    pub year: i32,
    pub kkr: String,
    pub municipality_code: String,
    pub municipality: String,
    pub focus_area: String,
    pub code: String,
    pub text: String,
    pub binding: &'static str,
    pub status: Option<Status>,
    pub comment: String,
    /// The answer's evidence link; empty without one.
    pub evidence: String,
    /// Last round's number(s) of what it continues, where they differ from `code`: "1.2",
    /// "1.3 og 3.2" for a merge; empty when unchanged or new.
    pub former_codes: String,
    /// The municipality's submitted status(es) last round to what it continues: "I proces",
    /// or "I proces (1.3); Igangsat efter planen (3.2)" for a merge.
    pub last_year: String,
    /// "Indsendt", "Kladde" or "Ikke indsendt".
    pub form: &'static str,
    /// Danish time as text ("23. november 2026 kl. 14.05"), for CSV.
    pub submitted_at: String,
    /// The same moment in UTC, for a date cell.
    #[serde(skip)]
    pub submitted_at_utc: Option<NaiveDateTime>,
}

pub const HEADERS: [&str; 16] = [
    "Runde",
    "År",
    "KKR",
    "Kommunekode",
    "Kommune",
    "Indsatsområde",
    "Nr.",
    "Tidl. nr.",
    "Anbefaling",
    "Type",
    "Status",
    "Status sidste år",
    "Kommentar",
    "Dokumentation",
    "Skema",
    "Indsendt",
];

impl ExportRow {
    fn status_word(&self) -> &'static str {
        self.status.map_or("", Status::label_da)
    }

    /// The row's cells as text, in the order of [`HEADERS`].
    pub fn cells(&self) -> [String; 16] {
        [
            self.round.clone(),
            self.year.to_string(),
            self.kkr.clone(),
            self.municipality_code.clone(),
            self.municipality.clone(),
            self.focus_area.clone(),
            self.code.clone(),
            self.former_codes.clone(),
            self.text.clone(),
            self.binding.to_owned(),
            self.status_word().to_owned(),
            self.last_year.clone(),
            self.comment.clone(),
            self.evidence.clone(),
            self.form.to_owned(),
            self.submitted_at.clone(),
        ]
    }
}

/// The rows of an export, municipalities in name order, recommendations in round order.
pub fn rows(analysis: &RoundAnalysis, scope: &Scope) -> Vec<ExportRow> {
    let data: RoundData = match scope {
        Scope::Round => analysis.data_without_drafts(None),
        Scope::Municipality {
            code,
            include_draft: true,
        } => analysis.data_without_drafts(Some(code)),
        Scope::Municipality { .. } => analysis.data_without_drafts(None),
    };
    let content = &data.content;
    let round = &content.round;
    let mut out = Vec::new();
    for m in &content.municipalities {
        if let Scope::Municipality { code, .. } = scope {
            if &m.code != code {
                continue;
            }
        }
        let submission = data.submission_of(&m.code);
        // A job cluster's focus areas are asked of its members only: nobody else has a row.
        for area in content
            .focus_areas
            .iter()
            .filter(|a| content.area_applies_to(a, &m.code))
        {
            for rec in content.recommendations_of(area.id) {
                let answer = submission.and_then(|s| s.answer(rec.id));
                out.push(ExportRow {
                    round: round.title.clone(),
                    year: round.year,
                    kkr: round.kkr_name.clone(),
                    municipality_code: m.code.to_string(),
                    municipality: m.name.clone(),
                    focus_area: match area.group_id.and_then(|id| content.group(id)) {
                        Some(group) => format!("{}. {} ({})", area.number, area.title, group.name),
                        None => format!("{}. {}", area.number, area.title),
                    },
                    code: rec.code.clone(),
                    text: rec.text.clone(),
                    binding: crate::views::binding_label(rec.binding),
                    status: answer.and_then(|a| a.status),
                    comment: answer.map(|a| a.comment.clone()).unwrap_or_default(),
                    evidence: answer
                        .and_then(crate::domain::Answer::evidence_url)
                        .unwrap_or_default(),
                    former_codes: analysis
                        .trend
                        .lineage
                        .link(rec.id)
                        .and_then(|l| l.former_codes())
                        .unwrap_or_default(),
                    last_year: last_year_words(&analysis.previous_answers(&m.code, rec.id)),
                    form: crate::views::submission_line(submission).short,
                    submitted_at: submission
                        .and_then(|s| s.submitted_at)
                        .map(danish_datetime)
                        .unwrap_or_default(),
                    submitted_at_utc: submission.and_then(|s| s.submitted_at),
                });
            }
        }
    }
    out
}

/// Last round's statuses in words, each with its number when there are several (a merge).
fn last_year_words(answers: &[crate::domain::lineage::PreviousAnswer]) -> String {
    match answers {
        [one] => one.status.label_da().to_owned(),
        many => many
            .iter()
            .map(|a| format!("{} ({})", a.status.label_da(), a.code))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Field separator for CSV: comma, or semicolon for Danish Excel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    Comma,
    Semicolon,
}

/// A cell a spreadsheet could read as a formula gets a leading apostrophe (OWASP's advice
/// against CSV injection), so it is shown as the text it is.
fn defuse(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// CSV, UTF-8 with a byte order mark (so Excel reads æøå), a header row, `\r\n` line ends.
///
/// Every text field is quoted, whatever it holds: a spreadsheet that splits the file on the
/// other separator (Danish Excel reads a comma file by semicolons) then still sees each
/// field whole, so a comment such as `ok;=1+1` never becomes a cell of its own. Only numbers
/// (year, municipality code, recommendation number) go unquoted; they hold no separator.
pub fn csv(rows: &[ExportRow], separator: Separator) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from("\u{FEFF}".as_bytes());
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(match separator {
                Separator::Comma => b',',
                Separator::Semicolon => b';',
            })
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::NonNumeric)
            .from_writer(&mut out);
        writer.write_record(HEADERS)?;
        for row in rows {
            writer.write_record(row.cells().iter().map(|c| defuse(c)))?;
        }
        writer.flush()?;
    }
    Ok(out)
}

fn status_format(status: Status) -> Format {
    let fill = u32::from_str_radix(status.fill_hex().trim_start_matches('#'), 16).unwrap_or(0);
    Format::new()
        .set_background_color(Color::RGB(fill))
        .set_border(FormatBorder::Thin)
}

/// Copenhagen wall-clock time of a UTC moment, as a spreadsheet date.
fn excel_datetime(utc: NaiveDateTime) -> Result<ExcelDateTime, XlsxError> {
    let local = Copenhagen.from_utc_datetime(&utc).naive_local();
    let year = u16::try_from(local.year()).map_err(|_| {
        XlsxError::ParameterError(format!("the year {} cannot be a date cell", local.year()))
    })?;
    // The calendar's parts always fit: month 1–12, day 1–31, hours 0–23, minutes 0–59.
    let part = |n: u32| u8::try_from(n).unwrap_or(0);
    ExcelDateTime::from_ymd(year, part(local.month()), part(local.day()))?.and_hms(
        u16::from(part(local.hour())),
        part(local.minute()),
        part(local.second()),
    )
}

/// Danish date and time as Excel shows them, whatever the reader's own locale.
const DANISH_DATETIME: &str = "[$-406]dd-mm-yyyy hh:mm";

/// Landscape A4, one page wide (as many pages long as it takes), `header_row` repeated at
/// the top of every page, and the sheet's name and page numbers in the margins.
fn print_setup(sheet: &mut Worksheet, header_row: u32) -> Result<(), XlsxError> {
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(header_row, header_row)?;
    sheet.set_header("&L&A");
    sheet.set_footer("&CSide &P af &N");
    Ok(())
}

/// The sheet's title and, below it, `sentence` across `columns` columns in one merged,
/// wrapped cell tall enough for two lines.
fn title_rows(
    sheet: &mut Worksheet,
    title: &str,
    sentence: &str,
    columns: u16,
) -> Result<(), XlsxError> {
    let title_format = Format::new().set_bold().set_font_size(14);
    let sentence_format = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    sheet.write_string_with_format(0, 0, title, &title_format)?;
    sheet.set_row_height(0, 21)?;
    sheet.merge_range(1, 0, 1, columns - 1, sentence, &sentence_format)?;
    sheet.set_row_height(1, 32)?;
    Ok(())
}

/// The columns of the printed answers sheet: what fits A4 landscape at a readable size.
/// The round, its year and KKR stand once in the title row; the rest of each row's data is on
/// the "Detaljer" sheet.
const PRINTED: [(&str, f64); 7] = [
    ("Kommune", 15.0),
    ("Nr.", 5.0),
    ("Tidl. nr.", 8.0),
    ("Anbefaling", 38.0),
    ("Status", 17.0),
    ("Status sidste år", 17.0),
    ("Kommentar", 42.0),
];

/// The details sheet's columns: one row per answer like the printed sheet, in the same order.
const DETAILS: [(&str, f64); 9] = [
    ("Kommune", 15.0),
    ("Kommunekode", 12.0),
    ("Nr.", 5.0),
    ("Indsatsområde", 34.0),
    ("Type", 13.0),
    ("Skema", 13.0),
    ("Indsendt", 17.0),
    ("Status", 20.0),
    ("Dokumentation", 40.0),
];

/// The points of one line of text in Excel's default font.
const LINE_POINTS: f64 = 15.0;
/// The tallest row a spreadsheet allows.
const MAX_ROW_POINTS: f64 = 409.0;

/// Lines `text` takes wrapped in a column `width` characters wide: each paragraph at least
/// one line, long ones as many as their characters need. Column widths count the digit "0";
/// text averages a little narrower, so this errs towards a row a little too tall, never one
/// whose text runs past its bottom edge.
fn wrapped_lines(text: &str, width: f64) -> f64 {
    let per_line = (width - 1.0).max(1.0);
    text.split('\n')
        .map(|paragraph| {
            let chars = paragraph.chars().count() as f64;
            (chars / per_line).ceil().max(1.0)
        })
        .sum::<f64>()
        .max(1.0)
}

/// A row tall enough for the longest of its wrapped cells.
fn row_points(cells: &[(&str, f64)]) -> f64 {
    let lines = cells
        .iter()
        .map(|(text, width)| wrapped_lines(text, *width))
        .fold(1.0, f64::max);
    (lines * LINE_POINTS).min(MAX_ROW_POINTS)
}

/// XLSX ready to print: the answers on the first sheet (status cells filled with their
/// colour, the word always written too, last year's status beside this year's), each row as
/// tall as its longest comment; the rest of each answer's data on "Detaljer"; the region-wide
/// summary on "Opsummering".
pub fn xlsx(analysis: &RoundAnalysis, rows: &[ExportRow]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let date = Format::new()
        .set_num_format(DANISH_DATETIME)
        .set_align(FormatAlign::Top);
    let summary = &analysis.summary;
    let round = &analysis.data.content.round;
    let submitted = format!(
        "{} af {} kommuner har indsendt.",
        summary.submitted_count, summary.municipality_count
    );

    let mut names: Vec<&str> = rows.iter().map(|r| r.municipality.as_str()).collect();
    names.dedup();
    let title = match names.as_slice() {
        [one] => format!("{}: svar fra {}", round.title, official_name(one)),
        _ => format!("{}: kommunernes svar, {}", round.title, round.kkr_name),
    };
    let previous_year = analysis.trend.lineage.previous.map(|(_, year)| year);
    let last_year_header = previous_year.map_or_else(
        || "Status sidste år".to_owned(),
        |year| format!("Status {year}"),
    );

    let sheet = workbook.add_worksheet();
    sheet.set_name("Svar")?;
    title_rows(
        sheet,
        &title,
        &format!("{} {submitted}", summary.sentence),
        PRINTED.len() as u16,
    )?;
    const HEADER_ROW: u32 = 3;
    for (col, (header, width)) in PRINTED.iter().enumerate() {
        let header = if col == 5 { &last_year_header } else { *header };
        sheet.write_string_with_format(HEADER_ROW, col as u16, header, &bold)?;
        sheet.set_column_width(col as u16, *width)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = HEADER_ROW + 1 + i as u32;
        // write_string stores text, never a formula, whatever the cell begins with.
        sheet.write_string_with_format(r, 0, &row.municipality, &wrap)?;
        sheet.write_string_with_format(r, 1, &row.code, &wrap)?;
        sheet.write_string_with_format(r, 2, &row.former_codes, &wrap)?;
        sheet.write_string_with_format(r, 3, &row.text, &wrap)?;
        match row.status {
            Some(s) => sheet.write_string_with_format(
                r,
                4,
                s.label_da(),
                &status_format(s).set_text_wrap().set_align(FormatAlign::Top),
            )?,
            None => sheet.write_string_with_format(r, 4, "", &wrap)?,
        };
        sheet.write_string_with_format(r, 5, &row.last_year, &wrap)?;
        sheet.write_string_with_format(r, 6, &row.comment, &wrap)?;
        let status = row.status_word();
        let cells = [
            (row.municipality.as_str(), PRINTED[0].1),
            (row.former_codes.as_str(), PRINTED[2].1),
            (row.text.as_str(), PRINTED[3].1),
            (status, PRINTED[4].1),
            (row.last_year.as_str(), PRINTED[5].1),
            (row.comment.as_str(), PRINTED[6].1),
        ];
        sheet.set_row_height(r, row_points(&cells))?;
    }
    sheet.set_freeze_panes(HEADER_ROW + 1, 0)?;
    sheet.autofilter(
        HEADER_ROW,
        0,
        HEADER_ROW + rows.len() as u32,
        (PRINTED.len() - 1) as u16,
    )?;
    print_setup(sheet, HEADER_ROW)?;

    let details = workbook.add_worksheet();
    details.set_name("Detaljer")?;
    title_rows(
        details,
        &title,
        "Resten af oplysningerne til hvert svar på arket «Svar», i samme rækkefølge.",
        DETAILS.len() as u16,
    )?;
    for (col, (header, width)) in DETAILS.iter().enumerate() {
        details.write_string_with_format(HEADER_ROW, col as u16, *header, &bold)?;
        details.set_column_width(col as u16, *width)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = HEADER_ROW + 1 + i as u32;
        details.write_string_with_format(r, 0, &row.municipality, &wrap)?;
        details.write_string_with_format(r, 1, &row.municipality_code, &wrap)?;
        details.write_string_with_format(r, 2, &row.code, &wrap)?;
        details.write_string_with_format(r, 3, &row.focus_area, &wrap)?;
        details.write_string_with_format(r, 4, row.binding, &wrap)?;
        details.write_string_with_format(r, 5, row.form, &wrap)?;
        if let Some(at) = row.submitted_at_utc {
            details.write_datetime_with_format(r, 6, excel_datetime(at)?, &date)?;
        }
        details.write_string_with_format(r, 7, row.status_word(), &wrap)?;
        if !row.evidence.is_empty() {
            // A link Excel can follow; one it would refuse (its own length or character
            // rules) is still written, as text.
            let link = rust_xlsxwriter::Url::new(row.evidence.as_str());
            if details.write_url(r, 8, link).is_err() {
                details.write_string_with_format(r, 8, &row.evidence, &wrap)?;
            }
        }
        details.set_row_height(
            r,
            row_points(&[
                (row.municipality.as_str(), DETAILS[0].1),
                (row.focus_area.as_str(), DETAILS[3].1),
            ]),
        )?;
    }
    details.set_freeze_panes(HEADER_ROW + 1, 0)?;
    details.autofilter(
        HEADER_ROW,
        0,
        HEADER_ROW + rows.len() as u32,
        (DETAILS.len() - 1) as u16,
    )?;
    print_setup(details, HEADER_ROW)?;

    let overview = workbook.add_worksheet();
    overview.set_name("Opsummering")?;
    let headers = [
        "Nr.",
        "Anbefaling",
        "Type",
        "Grøn",
        "Gul",
        "Rød",
        "Ikke besvaret",
        "Samlet",
    ];
    overview.write_string_with_format(0, 0, &round.title, &bold)?;
    overview.write_string(1, 0, &round.kkr_name)?;
    overview.merge_range(2, 0, 2, headers.len() as u16 - 1, &summary.sentence, &wrap)?;
    overview.set_row_height(2, 32)?;
    overview.write_string(3, 0, &submitted)?;
    const OVERVIEW_HEADER_ROW: u32 = 5;
    for (col, header) in headers.iter().enumerate() {
        overview.write_string_with_format(OVERVIEW_HEADER_ROW, col as u16, *header, &bold)?;
    }
    for (i, r) in summary.recommendations().enumerate() {
        let row = OVERVIEW_HEADER_ROW + 1 + i as u32;
        overview.write_string(row, 0, &r.code)?;
        overview.write_string_with_format(row, 1, &r.text, &wrap)?;
        overview.write_string(row, 2, crate::views::binding_label(r.binding))?;
        overview.write_number(row, 3, f64::from(r.counts.green))?;
        overview.write_number(row, 4, f64::from(r.counts.yellow))?;
        overview.write_number(row, 5, f64::from(r.counts.red))?;
        overview.write_number(row, 6, f64::from(r.counts.unanswered))?;
        match r.classification {
            Some(s) => {
                overview.write_string_with_format(row, 7, s.label_da(), &status_format(s))?
            }
            None => overview.write_string(row, 7, "Ingen indsendte svar")?,
        };
    }
    overview.set_column_width(0, 8)?;
    overview.set_column_width(1, 60)?;
    overview.set_column_width(7, 24)?;
    print_setup(overview, OVERVIEW_HEADER_ROW)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::{csv, defuse, row_points, wrapped_lines, ExportRow, Separator};
    use crate::domain::Status;
    use proptest::prelude::*;

    #[test]
    fn a_row_is_as_tall_as_its_longest_wrapped_cell() {
        assert_eq!(wrapped_lines("", 40.0), 1.0);
        assert_eq!(wrapped_lines("kort", 40.0), 1.0);
        // 78 characters in a 40-wide column: two lines of 39.
        assert_eq!(wrapped_lines(&"a".repeat(78), 40.0), 2.0);
        assert_eq!(wrapped_lines(&"a".repeat(79), 40.0), 3.0);
        assert_eq!(wrapped_lines("a\nb\n\nc", 40.0), 4.0);
        assert_eq!(
            row_points(&[("kort", 10.0), (&"a".repeat(90), 10.0)]),
            150.0
        );
        // Never taller than a spreadsheet allows.
        assert_eq!(row_points(&[(&"a".repeat(5000), 10.0)]), 409.0);
    }

    #[test]
    fn formula_like_cells_are_defused() {
        assert_eq!(defuse("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(defuse("+45 1234"), "'+45 1234");
        assert_eq!(defuse("-1"), "'-1");
        assert_eq!(defuse("@cmd"), "'@cmd");
        assert_eq!(defuse("Almindelig tekst"), "Almindelig tekst");
    }

    /// The cells a spreadsheet makes of CSV text when it splits on `separator`: a quote
    /// opens or closes a quoted stretch wherever it stands (a doubled quote inside one is a
    /// quote), and a separator or line end only counts outside quotes. This is how Excel
    /// reads a file, also one written with the other separator.
    fn spreadsheet_cells(text: &str, separator: char) -> Vec<String> {
        let mut cells = vec![String::new()];
        let mut quoted = false;
        let mut chars = text.trim_start_matches('\u{FEFF}').chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    chars.next();
                    if let Some(cell) = cells.last_mut() {
                        cell.push('"')
                    }
                }
                '"' => quoted = !quoted,
                c if !quoted && (c == separator || c == '\r' || c == '\n') => {
                    cells.push(String::new())
                }
                c => {
                    if let Some(cell) = cells.last_mut() {
                        cell.push(c)
                    }
                }
            }
        }
        cells
    }

    fn row(text: String) -> ExportRow {
        ExportRow {
            round: text.clone(),
            year: 2017,
            kkr: text.clone(),
            municipality_code: "147".into(),
            municipality: text.clone(),
            focus_area: text.clone(),
            code: text.clone(),
            text: text.clone(),
            binding: "Forpligtende",
            status: Some(Status::Yellow),
            comment: text.clone(),
            evidence: String::new(),
            former_codes: text.clone(),
            last_year: text.clone(),
            form: "Indsendt",
            submitted_at: text,
            submitted_at_utc: None,
        }
    }

    #[test]
    fn a_comment_with_the_other_separator_stays_one_cell_in_both_exports() {
        for separator in [Separator::Comma, Separator::Semicolon] {
            let bytes = csv(&[row("ok;=1+1, og +2".into())], separator).unwrap();
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.contains("\"ok;=1+1, og +2\""), "{text}");
            for reading in [',', ';'] {
                let cells = spreadsheet_cells(&text, reading);
                assert!(cells.iter().all(|c| !c.starts_with('=')), "{cells:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn no_field_becomes_a_formula_cell_whichever_separator_the_spreadsheet_splits_on(
            texts in proptest::collection::vec("[=+@;,\"'\t\r\n a-z0-9-]{0,10}|\\PC{0,6}", 1..4),
            comma in any::<bool>(),
        ) {
            let separator = if comma { Separator::Comma } else { Separator::Semicolon };
            let rows: Vec<ExportRow> = texts.into_iter().map(row).collect();
            let text = String::from_utf8(csv(&rows, separator).unwrap()).unwrap();
            for reading in [',', ';'] {
                for cell in spreadsheet_cells(&text, reading) {
                    prop_assert!(
                        !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                        "{:?} makes the cell {:?} when read by {:?}", text, cell, reading
                    );
                }
            }
            // Read with its own separator, every field comes back as written (defused).
            let own = match separator { Separator::Comma => b',', Separator::Semicolon => b';' };
            let mut reader = ::csv::ReaderBuilder::new().delimiter(own).from_reader(
                text.trim_start_matches('\u{FEFF}').as_bytes(),
            );
            for (record, original) in reader.records().zip(&rows) {
                let record = record.unwrap();
                let expected: Vec<String> = original.cells().iter().map(|c| defuse(c)).collect();
                prop_assert_eq!(record.iter().collect::<Vec<_>>(), expected);
            }
        }
    }
}
