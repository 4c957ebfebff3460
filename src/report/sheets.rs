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
    /// "Indsendt", "Kladde" or "Ikke indsendt".
    pub form: &'static str,
    /// Danish time as text ("23. november 2026 kl. 14.05"), for CSV.
    pub submitted_at: String,
    /// The same moment in UTC, for a date cell.
    #[serde(skip)]
    pub submitted_at_utc: Option<NaiveDateTime>,
}

pub const HEADERS: [&str; 13] = [
    "Runde",
    "År",
    "KKR",
    "Kommunekode",
    "Kommune",
    "Indsatsområde",
    "Nr.",
    "Anbefaling",
    "Type",
    "Status",
    "Kommentar",
    "Skema",
    "Indsendt",
];

impl ExportRow {
    fn status_word(&self) -> &'static str {
        self.status.map_or("", Status::label_da)
    }

    /// The row's cells as text, in the order of [`HEADERS`].
    pub fn cells(&self) -> [String; 13] {
        [
            self.round.clone(),
            self.year.to_string(),
            self.kkr.clone(),
            self.municipality_code.clone(),
            self.municipality.clone(),
            self.focus_area.clone(),
            self.code.clone(),
            self.text.clone(),
            self.binding.to_owned(),
            self.status_word().to_owned(),
            self.comment.clone(),
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
        for area in &content.focus_areas {
            for rec in content.recommendations_of(area.id) {
                let answer = submission.and_then(|s| s.answer(rec.id));
                out.push(ExportRow {
                    round: round.title.clone(),
                    year: round.year,
                    kkr: round.kkr_name.clone(),
                    municipality_code: m.code.to_string(),
                    municipality: m.name.clone(),
                    focus_area: format!("{}. {}", area.number, area.title),
                    code: rec.code.clone(),
                    text: rec.text.clone(),
                    binding: crate::views::binding_label(rec.binding),
                    status: answer.and_then(|a| a.status),
                    comment: answer.map(|a| a.comment.clone()).unwrap_or_default(),
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

/// XLSX with the answers on the first sheet (status cells filled with their colour, the
/// word always written too) and the region-wide summary on the second.
pub fn xlsx(analysis: &RoundAnalysis, rows: &[ExportRow]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
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

    let sheet = workbook.add_worksheet();
    sheet.set_name("Svar")?;
    title_rows(
        sheet,
        &title,
        &format!("{} {submitted}", summary.sentence),
        HEADERS.len() as u16,
    )?;
    const HEADER_ROW: u32 = 3;
    for (col, header) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(HEADER_ROW, col as u16, *header, &bold)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = HEADER_ROW + 1 + i as u32;
        for (col, cell) in row.cells().iter().enumerate() {
            let col = col as u16;
            if col == 1 {
                sheet.write_number(r, col, f64::from(row.year))?;
            } else if col == 9 {
                match row.status {
                    Some(s) => sheet.write_string_with_format(r, col, cell, &status_format(s))?,
                    None => sheet.write_string(r, col, cell)?,
                };
            } else if col == 12 {
                if let Some(at) = row.submitted_at_utc {
                    sheet.write_datetime_with_format(r, col, excel_datetime(at)?, &date)?;
                }
            } else if col == 7 || col == 10 {
                sheet.write_string_with_format(r, col, cell, &wrap)?;
            } else {
                // write_string stores text, never a formula, whatever the cell begins with.
                sheet.write_string(r, col, cell)?;
            }
        }
    }
    sheet.set_freeze_panes(HEADER_ROW + 1, 0)?;
    sheet.autofilter(
        HEADER_ROW,
        0,
        HEADER_ROW + rows.len() as u32,
        (HEADERS.len() - 1) as u16,
    )?;
    for (col, width) in [
        (0u16, 30.0),
        (4, 16.0),
        (5, 28.0),
        (7, 50.0),
        (9, 22.0),
        (10, 50.0),
        (12, 17.0),
    ] {
        sheet.set_column_width(col, width)?;
    }
    print_setup(sheet, HEADER_ROW)?;

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
    use super::{csv, defuse, ExportRow, Separator};
    use crate::domain::Status;
    use proptest::prelude::*;

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
