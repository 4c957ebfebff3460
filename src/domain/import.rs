//! Imports from the spreadsheets the municipalities used before: a round's recommendation set,
//! and answers (one row per municipality × recommendation), from CSV or XLSX.
//!
//! Pure: bytes in, a typed import or every error out, each naming the file, sheet, row and
//! column (rows are counted as a spreadsheet shows them, the header being row 1). Reading a
//! file ([`read_table`]) is bounded: only non-empty cells are kept, and a file beyond a limit
//! (size, unpacked size, rows × columns, cells, text) is refused as a typed [`OverLimit`] as
//! soon as that is seen. Planning what an import would create or change is pure too; the store
//! carries a plan out in one transaction.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Serialize;

use super::model::{Comment, Municipality, MunicipalityCode, RoundContent, Submission};
use super::rounds::{TEXT_MAX_CHARS, TITLE_MAX_CHARS};
use super::set_lineage::{LinkClaim, PlannedLinks, PreviousCell};
use super::status::Status;

/// The largest file an import takes.
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

/// The most the parts of a spreadsheet that are read may unpack to, as its archive declares
/// them (the unpacker stops at a part's declared size, so a part cannot unpack to more).
pub const MAX_UNPACKED_BYTES: u64 = 24 * 1024 * 1024;

/// The most parts (files inside the archive) a spreadsheet may have; Excel writes about 10.
pub const MAX_PARTS: usize = 1_000;

/// Rows a table may use: a non-empty cell below this row is refused.
pub const MAX_ROWS: u32 = 20_000;

/// Columns a table may use (A to CV): a non-empty cell right of these is refused.
pub const MAX_COLUMNS: u32 = 100;

/// Non-empty cells a table may have.
pub const MAX_CELLS: usize = 100_000;

/// Text the non-empty cells may hold together, in bytes.
pub const MAX_TEXT_BYTES: usize = 16 * 1024 * 1024;

/// Texts a workbook's shared text table may hold (each is kept in memory while reading).
pub const MAX_SHARED_STRINGS: u64 = 200_000;

/// Sheets looked through for the first one with content. Each is streamed from its start and
/// a workbook may name one part many times, so fewer are looked through when parts are big:
/// as many as keep the XML streamed within [`MAX_UNPACKED_BYTES`], counting each sheet as big
/// as the largest part.
pub const MAX_SHEETS: usize = 20;

/// At most this many errors are listed; a file with more is surely the wrong file.
const MAX_ERRORS: usize = 100;

/// A file to import: its name (for messages) and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct ImportFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// One thing wrong with an import, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportError {
    pub file: String,
    pub sheet: Option<String>,
    /// As the spreadsheet numbers rows: the header is row 1.
    pub row: Option<usize>,
    /// "C (Status)".
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(sheet) = &self.sheet {
            write!(f, ", ark «{sheet}»")?;
        }
        if let Some(row) = self.row {
            write!(f, ", række {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", kolonne {column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Which limit a file goes beyond. The file is refused before more of it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Limit {
    /// The file is over [`MAX_FILE_BYTES`]: its size, when known.
    FileBytes { bytes: Option<u64> },
    /// The spreadsheet's parts unpack to more than [`MAX_UNPACKED_BYTES`].
    UnpackedBytes { bytes: u64 },
    /// The spreadsheet has more than [`MAX_PARTS`] parts.
    Parts { parts: usize },
    /// The workbook's shared text table holds (or declares) more than [`MAX_SHARED_STRINGS`].
    SharedStrings { count: u64 },
    /// A non-empty cell outside [`MAX_ROWS`] × [`MAX_COLUMNS`] (0-based, as read).
    CellOutside { row: u32, column: u32 },
    /// More than [`MAX_CELLS`] non-empty cells.
    Cells,
    /// More than [`MAX_TEXT_BYTES`] of text in the cells.
    TextBytes,
    /// The first `looked` sheets are empty, and the workbook has `sheets` (more); see
    /// [`MAX_SHEETS`].
    Sheets { sheets: usize, looked: usize },
}

/// A file refused for its size or extent: which file and sheet, and which limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverLimit {
    pub file: String,
    pub sheet: Option<String>,
    pub limit: Limit,
}

/// Why a file could not be read into a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadFailure {
    /// Bigger than an import may be; nothing more of it was read.
    OverLimit(OverLimit),
    /// Not readable, or empty: what is wrong, and where.
    Invalid(ImportError),
}

impl From<ImportError> for ReadFailure {
    fn from(e: ImportError) -> Self {
        ReadFailure::Invalid(e)
    }
}

/// The cell at `row` and `column` (0-based) as a spreadsheet names it: "XFD1048576".
pub fn cell_name(row: u32, column: u32) -> String {
    format!("{}{}", column_letters(column as usize), u64::from(row) + 1)
}

/// A column's letters (0-based): "A", "Z", "AA".
pub fn column_name(column: u32) -> String {
    column_letters(column as usize)
}

/// A row's non-empty cells as (column index, text), in column order.
type Cells = Vec<(usize, String)>;

/// A table read from a file: its header and its non-empty rows, each holding only its
/// non-empty cells (a sheet's declared extent never sizes anything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    file: String,
    sheet: Option<String>,
    header_row: usize,
    headers: Vec<String>,
    /// (row number, cells).
    rows: Vec<(usize, Cells)>,
}

impl Table {
    /// The name of the file the table was read from.
    pub fn file_name(&self) -> &str {
        &self.file
    }

    fn error(&self, row: Option<usize>, column: Option<usize>, message: String) -> ImportError {
        ImportError {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row,
            column: column.map(|c| self.column_name(c)),
            message,
        }
    }

    /// "C (Status)".
    fn column_name(&self, index: usize) -> String {
        let header = self.headers.get(index).map(|h| h.trim()).unwrap_or("");
        if header.is_empty() {
            column_letters(index)
        } else {
            format!("{} ({header})", column_letters(index))
        }
    }

    /// The first column whose header is one of `aliases` (earlier aliases win).
    fn find(&self, aliases: &[&str]) -> Option<usize> {
        let normalised: Vec<String> = self.headers.iter().map(|h| normalise_header(h)).collect();
        aliases
            .iter()
            .find_map(|alias| normalised.iter().position(|h| h == alias))
    }

    fn require(&self, aliases: &[&str], label: &str) -> Result<usize, ImportError> {
        self.find(aliases).ok_or_else(|| {
            self.error(
                Some(self.header_row),
                None,
                format!(
                    "kolonnen «{label}» mangler i overskriftsrækken (fundet: {}).",
                    self.headers
                        .iter()
                        .filter(|h| !h.trim().is_empty())
                        .map(|h| format!("«{}»", h.trim()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
    }
}

/// "A", "B", …, "Z", "AA".
fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// "Indsatsområde nr." -> "indsatsområde nr"; "focus_area_no" -> "focus area no".
fn normalise_header(header: &str) -> String {
    header
        .trim()
        .to_lowercase()
        .replace(['_', '-'], " ")
        .trim_end_matches(['.', ':'])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn file_error(file: &ImportFile<'_>, row: Option<usize>, message: String) -> ImportError {
    ImportError {
        file: file.name.to_owned(),
        sheet: None,
        row,
        column: None,
        message,
    }
}

fn over_limit(file: &ImportFile<'_>, sheet: Option<&str>, limit: Limit) -> ReadFailure {
    ReadFailure::OverLimit(OverLimit {
        file: file.name.to_owned(),
        sheet: sheet.map(str::to_owned),
        limit,
    })
}

/// The spreadsheet formats other than XLSX, which are not read (their readers size a sheet
/// by its extent): the format's name, by the file's first bytes or its extension.
fn other_spreadsheet_format(file: &ImportFile<'_>) -> Option<&'static str> {
    let name = file.name.to_lowercase();
    if file.bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) || name.ends_with(".xls") {
        Some("XLS (Excel 97-2003)")
    } else if name.ends_with(".xlsb") {
        Some("XLSB (binær Excel-projektmappe)")
    } else if name.ends_with(".ods") {
        Some("ODS (OpenDocument)")
    } else {
        None
    }
}

fn is_zip(file: &ImportFile<'_>) -> bool {
    file.bytes.starts_with(b"PK\x03\x04")
}

/// Reads the file's first table: the first sheet with content, or the CSV. Pure and bounded:
/// a file over [`MAX_FILE_BYTES`], a spreadsheet that unpacks to more than
/// [`MAX_UNPACKED_BYTES`], or a table beyond [`MAX_ROWS`] × [`MAX_COLUMNS`], [`MAX_CELLS`] or
/// [`MAX_TEXT_BYTES`] is refused as soon as that is seen. Call it before taking a database
/// connection: this is the expensive part of an import.
pub fn read_table(file: ImportFile<'_>) -> Result<Table, ReadFailure> {
    if file.bytes.len() > MAX_FILE_BYTES {
        return Err(over_limit(
            &file,
            None,
            Limit::FileBytes {
                bytes: Some(file.bytes.len() as u64),
            },
        ));
    }
    if file.bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(file_error(&file, None, "filen er tom.".into()).into());
    }
    let (sheet, rows) = if let Some(format) = other_spreadsheet_format(&file) {
        return Err(file_error(
            &file,
            None,
            format!(
                "filen er i formatet {format}, som ikke kan importeres. Gem den i Excel som «Excel-projektmappe (*.xlsx)» eller som «CSV UTF-8 (kommasepareret)»."
            ),
        )
        .into());
    } else if is_zip(&file) || file.name.to_lowercase().ends_with(".xlsx") {
        let (sheet, rows) = xlsx::read_first_sheet(&file)?;
        (Some(sheet), rows)
    } else {
        (None, read_csv(&file)?)
    };
    let mut rows = rows.into_iter();
    let Some((header_row, header_cells)) = rows.next() else {
        return Err(ImportError {
            file: file.name.to_owned(),
            sheet,
            row: None,
            column: None,
            message: "filen er tom.".into(),
        }
        .into());
    };
    let rows: Vec<(usize, Cells)> = rows.collect();
    if rows.is_empty() {
        return Err(ImportError {
            file: file.name.to_owned(),
            sheet,
            row: Some(header_row),
            column: None,
            message: "filen har kun en overskriftsrække og ingen rækker at importere.".into(),
        }
        .into());
    }
    // The header row is the one row made dense: it is at most MAX_COLUMNS wide.
    let width = header_cells.last().map_or(0, |(c, _)| c + 1);
    let mut headers = vec![String::new(); width];
    for (column, text) in header_cells {
        headers[column] = text;
    }
    Ok(Table {
        file: file.name.to_owned(),
        sheet,
        header_row,
        headers,
        rows,
    })
}

/// Rows as (row number, non-empty cells), in row order.
type Rows = Vec<(usize, Cells)>;

/// Collects a table's non-empty cells, refusing any beyond the limits as it goes.
struct Collector<'a> {
    file: &'a ImportFile<'a>,
    sheet: Option<&'a str>,
    /// Row number -> cells, as they came.
    rows: std::collections::BTreeMap<usize, Cells>,
    cells: usize,
    text_bytes: usize,
}

impl<'a> Collector<'a> {
    fn new(file: &'a ImportFile<'a>, sheet: Option<&'a str>) -> Self {
        Collector {
            file,
            sheet,
            rows: std::collections::BTreeMap::new(),
            cells: 0,
            text_bytes: 0,
        }
    }

    /// Checks a cell at `row` and `column` (0-based) holding `len` bytes against the limits,
    /// before its text is copied (`check_row`: whether rows are limited, as in a sheet).
    fn admit(
        &mut self,
        row: u32,
        column: u32,
        len: usize,
        check_row: bool,
    ) -> Result<(), ReadFailure> {
        if (check_row && row >= MAX_ROWS) || column >= MAX_COLUMNS {
            return Err(over_limit(
                self.file,
                self.sheet,
                Limit::CellOutside { row, column },
            ));
        }
        self.cells += 1;
        if self.cells > MAX_CELLS {
            return Err(over_limit(self.file, self.sheet, Limit::Cells));
        }
        self.text_bytes = self.text_bytes.saturating_add(len);
        if self.text_bytes > MAX_TEXT_BYTES {
            return Err(over_limit(self.file, self.sheet, Limit::TextBytes));
        }
        Ok(())
    }

    /// Keeps a cell's text; a blank one is dropped without counting.
    fn push(
        &mut self,
        row: u32,
        column: u32,
        text: &str,
        check_row: bool,
    ) -> Result<(), ReadFailure> {
        if text.trim().is_empty() {
            return Ok(());
        }
        self.admit(row, column, text.len(), check_row)?;
        self.rows
            .entry(row as usize + 1)
            .or_default()
            .push((column as usize, text.to_owned()));
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn into_rows(self) -> Rows {
        self.rows
            .into_iter()
            .map(|(row, mut cells)| {
                cells.sort_by_key(|(column, _)| *column);
                // A cell given twice keeps its last value.
                cells.reverse();
                cells.dedup_by_key(|(column, _)| *column);
                cells.reverse();
                (row, cells)
            })
            .collect()
    }
}

/// XLSX, read sparsely: the archive is checked and copied without the parts that are not
/// needed (styles and theme, which the reader would expand into memory), then each sheet's
/// cells are streamed one at a time until a sheet with content is found.
mod xlsx {
    use std::io::{BufReader, Cursor, Read};

    use calamine::{DataRef, Reader, Xlsx, XlsxError};

    use super::{
        file_error, over_limit, Collector, ImportFile, Limit, ReadFailure, Rows, MAX_PARTS,
        MAX_SHARED_STRINGS, MAX_SHEETS, MAX_UNPACKED_BYTES,
    };

    fn unreadable(file: &ImportFile<'_>, cause: &dyn std::fmt::Display) -> ReadFailure {
        file_error(
            file,
            None,
            format!(
                "filen kan ikke læses som et regneark ({cause}). Gem den som XLSX eller CSV (UTF-8)."
            ),
        )
        .into()
    }

    /// Parts the reader would load whole and expand (cell styles, the theme's colours): not
    /// needed for an import, so left out.
    fn is_left_out(normalised: &str) -> bool {
        normalised.ends_with("styles.xml") || normalised.ends_with("theme1.xml")
    }

    /// Checks the archive's declared sizes and shared text table, and copies the parts that
    /// are read into a new archive (compressed data copied as is). Returns it and the size of
    /// its largest part other than the shared text table (what one sheet may cost to stream).
    fn checked_archive(file: &ImportFile<'_>) -> Result<(Vec<u8>, u64), ReadFailure> {
        let mut archive =
            zip::ZipArchive::new(Cursor::new(file.bytes)).map_err(|e| unreadable(file, &e))?;
        if archive.len() > MAX_PARTS {
            return Err(over_limit(
                file,
                None,
                Limit::Parts {
                    parts: archive.len(),
                },
            ));
        }
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(file.bytes.len())));
        let mut unpacked: u64 = 0;
        let mut largest: u64 = 0;
        let mut shared_strings = Vec::new();
        for index in 0..archive.len() {
            let part = archive
                .by_index_raw(index)
                .map_err(|e| unreadable(file, &e))?;
            let name = part
                .name()
                .map_err(|e| unreadable(file, &e))?
                .replace('\\', "/")
                .to_ascii_lowercase();
            if is_left_out(&name) {
                continue;
            }
            unpacked = unpacked.saturating_add(part.size());
            if name.ends_with("sharedstrings.xml") {
                shared_strings.push(index);
            } else {
                // Any other part may be a sheet, streamed once per sheet that names it.
                largest = largest.max(part.size());
            }
            out.raw_copy_file(part).map_err(|e| unreadable(file, &e))?;
        }
        if unpacked > MAX_UNPACKED_BYTES {
            return Err(over_limit(
                file,
                None,
                Limit::UnpackedBytes { bytes: unpacked },
            ));
        }
        for index in shared_strings {
            let part = archive.by_index(index).map_err(|e| unreadable(file, &e))?;
            check_shared_strings(file, part)?;
        }
        let archive = out.finish().map_err(|e| unreadable(file, &e))?.into_inner();
        Ok((archive, largest))
    }

    /// The shared text table is loaded whole by the reader, which also reserves room for
    /// as many texts as it declares: both are checked against [`MAX_SHARED_STRINGS`] first,
    /// streaming.
    fn check_shared_strings(file: &ImportFile<'_>, part: impl Read) -> Result<(), ReadFailure> {
        let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
        let mut buf = Vec::new();
        let mut count: u64 = 0;
        let too_many = |count| over_limit(file, None, Limit::SharedStrings { count });
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf) {
                Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                    match e.local_name().as_ref() {
                        "sst" => {
                            let declared = e
                                .try_get_attribute("uniqueCount")
                                .map_err(|e| unreadable(file, &e))?;
                            if let Some(declared) = declared {
                                let n = declared.value.parse::<u64>().ok().ok_or_else(|| {
                                    unreadable(file, &"tabellen over tekster er beskadiget")
                                })?;
                                if n > MAX_SHARED_STRINGS {
                                    return Err(too_many(n));
                                }
                            }
                        }
                        "si" => {
                            count += 1;
                            if count > MAX_SHARED_STRINGS {
                                return Err(too_many(count));
                            }
                        }
                        _ => {}
                    }
                }
                Ok(quick_xml::events::Event::Eof) => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(unreadable(file, &e)),
            }
        }
    }

    /// The first sheet with a non-empty cell: its name and rows.
    pub(super) fn read_first_sheet(file: &ImportFile<'_>) -> Result<(String, Rows), ReadFailure> {
        let (archive, largest) = checked_archive(file)?;
        let looked = usize::try_from(MAX_UNPACKED_BYTES / largest.max(1))
            .unwrap_or(MAX_SHEETS)
            .clamp(1, MAX_SHEETS);
        // The reader is a third party's parser of hostile input: a panic in it (an arithmetic
        // overflow on a crafted cell reference, say) refuses the file instead of ending the
        // process or the worker.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_sheets(file, archive, looked)
        }))
        .unwrap_or_else(|_| Err(unreadable(file, &"regnearket er beskadiget")))
    }

    /// Streams the first `looked` sheets until one has content.
    fn read_sheets(
        file: &ImportFile<'_>,
        archive: Vec<u8>,
        looked: usize,
    ) -> Result<(String, Rows), ReadFailure> {
        let mut workbook: Xlsx<_> =
            Xlsx::new(Cursor::new(archive)).map_err(|e| unreadable(file, &e))?;
        let names = workbook.sheet_names();
        for name in names.iter().take(looked) {
            let mut cells = match workbook.worksheet_cells_reader(name) {
                Ok(cells) => cells,
                Err(XlsxError::NotAWorksheet(_)) => continue,
                Err(e) => return Err(unreadable(file, &e)),
            };
            let mut collector = Collector::new(file, Some(name));
            while let Some(cell) = cells.next_cell().map_err(|e| unreadable(file, &e))? {
                let (row, column) = cell.get_position();
                match cell.get_value() {
                    DataRef::Empty => {}
                    DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                        collector.push(row, column, s, true)?
                    }
                    DataRef::SharedString(s) => collector.push(row, column, s, true)?,
                    DataRef::Int(n) => collector.push(row, column, &n.to_string(), true)?,
                    DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        collector.push(row, column, &format!("{}", *f as i64), true)?
                    }
                    DataRef::Float(f) => collector.push(row, column, &f.to_string(), true)?,
                    DataRef::Bool(b) => collector.push(row, column, &b.to_string(), true)?,
                    DataRef::DateTime(d) => collector.push(row, column, &d.to_string(), true)?,
                    DataRef::Error(e) => collector.push(row, column, &format!("#{e:?}"), true)?,
                }
            }
            if !collector.is_empty() {
                let rows = collector.into_rows();
                return Ok((name.clone(), rows));
            }
        }
        if names.len() > looked {
            return Err(over_limit(
                file,
                None,
                Limit::Sheets {
                    sheets: names.len(),
                    looked,
                },
            ));
        }
        Err(file_error(file, None, "regnearket er tomt.".into()).into())
    }
}

fn read_csv(file: &ImportFile<'_>) -> Result<Rows, ReadFailure> {
    let wrong_encoding = |row: usize| -> ReadFailure {
        file_error(
            file,
            Some(row),
            "filen er ikke gemt som UTF-8, så æ, ø og å kan ikke læses. Gem den i Excel som «CSV UTF-8 (kommasepareret)», eller importér XLSX-filen direkte.".into(),
        )
        .into()
    };
    if file.bytes.starts_with(&[0xFF, 0xFE]) || file.bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(wrong_encoding(1));
    }
    let bytes = file
        .bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(file.bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        wrong_encoding(line + 1)
    })?;
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = [b';', b',', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut collector = Collector::new(file, None);
    let mut record = csv::StringRecord::new();
    let mut records = 0usize;
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let row = e.position().map(|p| usize::try_from(p.line()).unwrap_or(0));
            ReadFailure::from(file_error(
                file,
                row,
                format!("rækken kan ikke læses som CSV ({e})."),
            ))
        })?;
        if !more {
            break;
        }
        records += 1;
        // A CSV row is numbered by its line, as an editor shows it.
        let row = record
            .position()
            .map_or(records, |p| usize::try_from(p.line()).unwrap_or(records));
        let row = u32::try_from(row.saturating_sub(1)).unwrap_or(u32::MAX);
        for (column, field) in record.iter().enumerate() {
            let column = u32::try_from(column).unwrap_or(u32::MAX);
            // A CSV's size is bounded by the file's; its lines are not rows of a sheet.
            collector.push(row, column, field, false)?;
        }
    }
    Ok(collector.into_rows())
}

fn cell(cells: &Cells, index: usize) -> &str {
    cells
        .binary_search_by_key(&index, |(column, _)| *column)
        .map_or("", |i| cells[i].1.trim())
}

/// Collects errors up to [`MAX_ERRORS`].
#[derive(Debug, Default)]
struct Errors(Vec<ImportError>);

impl Errors {
    fn push(&mut self, error: ImportError) {
        if self.0.len() < MAX_ERRORS {
            self.0.push(error);
        }
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<ImportError>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Recommendation sets

/// A focus area as the file gives it, with its recommendations in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedFocusArea {
    pub number: i32,
    pub title: String,
    pub recommendations: Vec<ImportedRecommendation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedRecommendation {
    pub row: usize,
    pub code: String,
    pub text: String,
    pub binding: bool,
    /// Its "Tidligere nr." cell, when the file has that column: what it continues of the
    /// previous round.
    pub previous: Option<PreviousCell>,
}

/// The previous round's numbers a row continues: "1.2", "1.2+3.2"; empty for a new one.
const PREVIOUS_CODES: &[&str] = &[
    "tidligere nr",
    "tidl nr",
    "tidligere nummer",
    "tidligere numre",
    "forrige nr",
    "previous code",
    "previous codes",
];

const AREA_NUMBER: &[&str] = &[
    "indsatsområde nr",
    "indsatsområdenr",
    "indsatsområde nummer",
    "område nr",
    "områdenr",
    "focus area no",
    "focus area number",
    "focus area nr",
];
const AREA_TITLE: &[&str] = &[
    "indsatsområde",
    "indsatsområde titel",
    "titel på indsatsområde",
    "focus area",
    "focus area title",
];
const REC_CODE: &[&str] = &[
    "nr",
    "anbefaling nr",
    "anbefalingsnr",
    "anbefalingsnummer",
    "kode",
    "code",
    "recommendation code",
];
const REC_TEXT: &[&str] = &[
    "anbefaling",
    "tekst",
    "anbefalingstekst",
    "recommendation",
    "text",
];
const BINDING: &[&str] = &[
    "forpligtende",
    "type",
    "forpligtende/frivillig",
    "binding",
    "bindende",
];

/// "forpligtende"/"frivillig", "ja"/"nej", "true"/"false", any case.
pub fn parse_binding(raw: &str) -> Option<bool> {
    match raw.trim().to_lowercase().as_str() {
        "forpligtende" | "ja" | "true" | "sand" | "x" | "1" => Some(true),
        "frivillig" | "nej" | "false" | "falsk" | "0" => Some(false),
        _ => None,
    }
}

/// Reads a recommendation set: one row per recommendation with its focus area's number and
/// title, its code, its text and whether it is binding.
pub fn parse_recommendation_set(table: &Table) -> Result<Vec<ImportedFocusArea>, Vec<ImportError>> {
    let columns = [
        table.require(AREA_NUMBER, "Indsatsområde nr."),
        table.require(AREA_TITLE, "Indsatsområde"),
        table.require(REC_CODE, "Nr."),
        table.require(REC_TEXT, "Anbefaling"),
        table.require(BINDING, "Forpligtende"),
    ];
    let missing: Vec<ImportError> = columns.iter().filter_map(|c| c.clone().err()).collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let [number_col, title_col, code_col, text_col, binding_col] =
        columns.map(|c| c.unwrap_or_default());
    let previous_col = table.find(PREVIOUS_CODES);
    let mut errors = Errors::default();
    let mut areas: Vec<ImportedFocusArea> = Vec::new();
    let mut codes: HashMap<String, usize> = HashMap::new();
    // Each area's title as first given.
    let mut titles: HashMap<i32, String> = HashMap::new();
    for (row, cells) in &table.rows {
        let row = *row;
        let number = match cell(cells, number_col).parse::<i32>() {
            Ok(n) if (1..=999).contains(&n) => Some(n),
            _ => {
                errors.push(table.error(
                    Some(row),
                    Some(number_col),
                    format!(
                        "«{}» er ikke et nummer på et indsatsområde (1, 2, 3 …).",
                        cell(cells, number_col)
                    ),
                ));
                None
            }
        };
        let title = cell(cells, title_col);
        if title.is_empty() || title.chars().count() > TITLE_MAX_CHARS {
            errors.push(table.error(
                Some(row),
                Some(title_col),
                format!("indsatsområdets titel skal have 1 til {TITLE_MAX_CHARS} tegn."),
            ));
        } else if let Some(number) = number {
            match titles.get(&number) {
                Some(first) if first != title => errors.push(table.error(
                    Some(row),
                    Some(title_col),
                    format!(
                        "indsatsområde {number} hedder «{first}» i en tidligere række, men «{title}» her."
                    ),
                )),
                Some(_) => {}
                None => {
                    titles.insert(number, title.to_owned());
                }
            }
        }
        let code = cell(cells, code_col);
        if code.is_empty() {
            errors.push(table.error(
                Some(row),
                Some(code_col),
                "anbefalingens nummer mangler (fx 1.2).".into(),
            ));
        } else if let Some(first) = codes.get(code) {
            errors.push(table.error(
                Some(row),
                Some(code_col),
                format!("anbefaling {code} står to gange: også i række {first}."),
            ));
        } else {
            codes.insert(code.to_owned(), row);
        }
        let text = cell(cells, text_col);
        if text.is_empty() || text.chars().count() > TEXT_MAX_CHARS {
            errors.push(table.error(
                Some(row),
                Some(text_col),
                format!("anbefalingens tekst skal have 1 til {TEXT_MAX_CHARS} tegn."),
            ));
        }
        let binding = parse_binding(cell(cells, binding_col));
        if binding.is_none() {
            errors.push(table.error(
                Some(row),
                Some(binding_col),
                format!(
                    "«{}» siger ikke, om anbefalingen er forpligtende; skriv forpligtende eller frivillig (ja/nej, true/false).",
                    cell(cells, binding_col)
                ),
            ));
        }
        let (Some(number), Some(binding)) = (number, binding) else {
            continue;
        };
        let rec = ImportedRecommendation {
            row,
            code: code.to_owned(),
            text: text.to_owned(),
            binding,
            previous: previous_col.map(|col| PreviousCell {
                file: table.file.clone(),
                sheet: table.sheet.clone(),
                row,
                column: table.column_name(col),
                raw: cell(cells, col).to_owned(),
            }),
        };
        match areas.iter_mut().find(|a| a.number == number) {
            Some(area) => area.recommendations.push(rec),
            None => areas.push(ImportedFocusArea {
                number,
                title: title.to_owned(),
                recommendations: vec![rec],
            }),
        }
    }
    areas.sort_by_key(|a| a.number);
    errors.finish(areas)
}

/// What importing a set into a round would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SetPlan {
    /// The links to the previous round a "Tidligere nr." column gives, when the file has it.
    pub links: Option<PlannedLinks>,
    pub areas_created: Vec<String>,
    pub areas_renamed: Vec<String>,
    pub areas_removed: Vec<String>,
    pub recommendations_created: Vec<String>,
    pub recommendations_changed: Vec<String>,
    pub recommendations_unchanged: usize,
    pub recommendations_removed: Vec<String>,
}

impl SetPlan {
    /// The plan in Danish, one line per kind of change.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let mut list = |label: &str, items: &[String]| {
            if !items.is_empty() {
                lines.push(format!("{label} ({}): {}", items.len(), items.join("; ")));
            }
        };
        list("Nye indsatsområder", &self.areas_created);
        list("Indsatsområder der får ny titel", &self.areas_renamed);
        list("Indsatsområder der fjernes", &self.areas_removed);
        list("Nye anbefalinger", &self.recommendations_created);
        list("Ændrede anbefalinger", &self.recommendations_changed);
        list("Anbefalinger der fjernes", &self.recommendations_removed);
        lines.push(format!(
            "Uændrede anbefalinger: {}",
            self.recommendations_unchanged
        ));
        if let Some(links) = &self.links {
            lines.extend(links.lines());
        }
        lines
    }

    /// The rows' claims on the previous round, when the file has a "Tidligere nr." column.
    pub fn link_claims(set: &[ImportedFocusArea]) -> Option<Vec<LinkClaim>> {
        let recs = set.iter().flat_map(|a| &a.recommendations);
        recs.map(|r| {
            r.previous.clone().map(|cell| LinkClaim {
                code: r.code.clone(),
                cell,
            })
        })
        .collect()
    }

    pub fn changes_anything(&self) -> bool {
        !(self.areas_created.is_empty()
            && self.areas_renamed.is_empty()
            && self.areas_removed.is_empty()
            && self.recommendations_created.is_empty()
            && self.recommendations_changed.is_empty()
            && self.recommendations_removed.is_empty())
    }
}

/// Plans importing `set` into a round holding `content`: recommendations are matched by code
/// (a match keeps its link to last year), focus areas by number; what the file does not hold
/// is removed. Recommendations with answers in the round cannot be removed (`answered`).
pub fn plan_set(
    file_name: &str,
    set: &[ImportedFocusArea],
    content: &RoundContent,
    answered: &HashSet<i32>,
) -> Result<SetPlan, Vec<ImportError>> {
    let mut plan = SetPlan::default();
    let mut errors = Errors::default();
    for area in set {
        match content.focus_areas.iter().find(|a| a.number == area.number) {
            None => plan
                .areas_created
                .push(format!("{}. {}", area.number, area.title)),
            Some(existing) if existing.title != area.title => plan.areas_renamed.push(format!(
                "{}. «{}» bliver til «{}»",
                area.number, existing.title, area.title
            )),
            Some(_) => {}
        }
    }
    for existing in &content.focus_areas {
        if !set.iter().any(|a| a.number == existing.number) {
            plan.areas_removed
                .push(format!("{}. {}", existing.number, existing.title));
        }
    }
    let area_number = |id: i32| {
        content
            .focus_areas
            .iter()
            .find(|a| a.id == id)
            .map_or(0, |a| a.number)
    };
    let mut seen = HashSet::new();
    for area in set {
        for (position, rec) in (1..).zip(&area.recommendations) {
            let Some(existing) = content.recommendations.iter().find(|r| r.code == rec.code) else {
                plan.recommendations_created.push(rec.code.clone());
                continue;
            };
            seen.insert(existing.id);
            let mut what = Vec::new();
            if existing.text != rec.text {
                what.push("ny tekst");
            }
            if existing.binding != rec.binding {
                what.push(if rec.binding {
                    "bliver forpligtende"
                } else {
                    "bliver frivillig"
                });
            }
            if area_number(existing.focus_area_id) != area.number {
                what.push("flyttes til et andet indsatsområde");
            } else if existing.position != position {
                what.push("ny placering");
            }
            if what.is_empty() {
                plan.recommendations_unchanged += 1;
            } else {
                plan.recommendations_changed
                    .push(format!("{}: {}", rec.code, what.join(", ")));
            }
        }
    }
    for existing in &content.recommendations {
        if seen.contains(&existing.id) {
            continue;
        }
        if answered.contains(&existing.id) {
            errors.push(ImportError {
                file: file_name.to_owned(),
                sheet: None,
                row: None,
                column: None,
                message: format!(
                    "anbefaling {} findes ikke i filen, men har allerede svar i runden og kan derfor ikke fjernes.",
                    existing.code
                ),
            });
        }
        plan.recommendations_removed.push(existing.code.clone());
    }
    errors.finish(plan)
}

// ---------------------------------------------------------------------------------------------
// Answers

/// What an answers import is checked against.
#[derive(Debug, Clone, Copy)]
pub struct AnswerImportContext<'a> {
    /// The round: its participants and recommendations.
    pub content: &'a RoundContent,
    /// Every municipality, to tell an unknown one from one that is not in the round.
    pub all_municipalities: &'a [Municipality],
}

/// One answer from the file, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedAnswer {
    pub row: usize,
    pub municipality: MunicipalityCode,
    pub recommendation_id: i32,
    pub status: Status,
    pub comment: String,
}

const MUNICIPALITY: &[&str] = &[
    "kommunekode",
    "kommune",
    "kommunenavn",
    "kommune nr",
    "municipality",
    "municipality code",
    "municipality name",
];
const ANSWER_REC_CODE: &[&str] = &[
    "nr",
    "anbefaling nr",
    "anbefalingsnr",
    "anbefalingsnummer",
    "kode",
    "code",
    "recommendation code",
    "recommendation",
    "anbefaling",
];
const STATUS: &[&str] = &[
    "status",
    "farve",
    "trafiklys",
    "status farve",
    "colour",
    "color",
];
const COMMENT: &[&str] = &[
    "kommentar",
    "kommentarer",
    "bemærkning",
    "bemærkninger",
    "comment",
];

/// A status word: grøn/gul/rød or green/yellow/red in any case, or the labels the exports
/// write ("Igangsat efter planen", "I proces", "Endnu ikke igangsat").
pub fn parse_status_word(raw: &str) -> Option<Status> {
    match raw.trim().to_lowercase().as_str() {
        "grøn" | "groen" | "green" | "igangsat efter planen" | "✔" => Some(Status::Green),
        "gul" | "yellow" | "i proces" | "◐" => Some(Status::Yellow),
        "rød" | "roed" | "red" | "endnu ikke igangsat" | "✖" => Some(Status::Red),
        _ => None,
    }
}

/// A municipality by code ("147") or name ("Frederiksberg", "frederiksberg kommune",
/// "Københavns Kommune", "Bornholms Regionskommune"), in any case.
pub fn find_municipality<'a>(raw: &str, all: &'a [Municipality]) -> Option<&'a Municipality> {
    let text = raw.trim();
    if let Ok(code) = MunicipalityCode::parse(text) {
        return all.iter().find(|m| m.code == code);
    }
    let lower = text.to_lowercase();
    let bare = lower
        .strip_suffix(" regionskommune")
        .or_else(|| lower.strip_suffix(" kommune"))
        .unwrap_or(&lower)
        .trim();
    let by_name = |name: &str| all.iter().find(|m| m.name.to_lowercase() == name);
    by_name(bare).or_else(|| bare.strip_suffix('s').and_then(by_name))
}

/// Reads answers: one row per municipality × recommendation with a status word and a comment.
pub fn parse_answers(
    table: &Table,
    context: AnswerImportContext<'_>,
) -> Result<Vec<ImportedAnswer>, Vec<ImportError>> {
    let columns = [
        table.require(MUNICIPALITY, "Kommune"),
        table.require(ANSWER_REC_CODE, "Nr."),
        table.require(STATUS, "Status"),
    ];
    let missing: Vec<ImportError> = columns.iter().filter_map(|c| c.clone().err()).collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let [municipality_col, code_col, status_col] = columns.map(|c| c.unwrap_or_default());
    let comment_col = table.find(COMMENT);
    let content = context.content;
    let mut errors = Errors::default();
    let mut answers = Vec::new();
    let mut seen: HashMap<(MunicipalityCode, i32), usize> = HashMap::new();
    for (row, cells) in &table.rows {
        let row = *row;
        let raw_municipality = cell(cells, municipality_col);
        let municipality = match find_municipality(raw_municipality, context.all_municipalities) {
            None => {
                errors.push(table.error(
                    Some(row),
                    Some(municipality_col),
                    format!(
                        "kommunen «{raw_municipality}» findes ikke; skriv kommunekoden (fx 147) eller navnet (fx Frederiksberg)."
                    ),
                ));
                None
            }
            Some(m) if content.municipality(&m.code).is_none() => {
                errors.push(table.error(
                    Some(row),
                    Some(municipality_col),
                    format!("{} ({}) deltager ikke i runden.", m.name, m.code),
                ));
                None
            }
            Some(m) => Some(m.code.clone()),
        };
        let code = cell(cells, code_col);
        let recommendation = content.recommendations.iter().find(|r| r.code == code);
        if recommendation.is_none() {
            errors.push(table.error(
                Some(row),
                Some(code_col),
                format!(
                    "anbefaling «{code}» findes ikke i runden; rundens anbefalinger er {}.",
                    content
                        .recommendations
                        .iter()
                        .map(|r| r.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let raw_status = cell(cells, status_col);
        let status = parse_status_word(raw_status);
        if status.is_none() {
            errors.push(table.error(
                Some(row),
                Some(status_col),
                if raw_status.is_empty() {
                    "status mangler; skriv grøn, gul eller rød.".to_owned()
                } else {
                    format!(
                        "«{raw_status}» er ikke en status; skriv grøn, gul eller rød (eller green, yellow, red)."
                    )
                },
            ));
        }
        let comment = match comment_col.map(|c| Comment::parse(cell(cells, c))) {
            None => Some(String::new()),
            Some(Ok(comment)) => Some(comment.into_string()),
            Some(Err(e)) => {
                errors.push(table.error(Some(row), comment_col, e.0));
                None
            }
        };
        let (Some(municipality), Some(recommendation), Some(status), Some(comment)) =
            (municipality, recommendation, status, comment)
        else {
            continue;
        };
        let key = (municipality.clone(), recommendation.id);
        if let Some(first) = seen.get(&key) {
            errors.push(table.error(
                Some(row),
                None,
                format!(
                    "kommune {} og anbefaling {} står to gange: også i række {first}.",
                    municipality, recommendation.code
                ),
            ));
            continue;
        }
        seen.insert(key, row);
        answers.push(ImportedAnswer {
            row,
            municipality,
            recommendation_id: recommendation.id,
            status,
            comment,
        });
    }
    errors.finish(answers)
}

/// What an answers import does to one municipality's form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MunicipalityPlan {
    pub code: MunicipalityCode,
    pub name: String,
    /// No form yet: one is created, submitted.
    pub creates_form: bool,
    /// Answers that are new or differ from the stored ones.
    pub changed: usize,
    pub unchanged: usize,
    /// The round's recommendations left without an answer afterwards.
    pub unanswered: usize,
}

/// What an answers import would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerPlan {
    pub rows: usize,
    pub municipalities: Vec<MunicipalityPlan>,
}

impl AnswerPlan {
    /// The plan in Danish, one line per municipality after a total.
    pub fn lines(&self) -> Vec<String> {
        let created = self
            .municipalities
            .iter()
            .filter(|m| m.creates_form)
            .count();
        let mut lines = vec![format!(
            "{} rækker: svar for {} kommuner ({} nye skemaer, {} ændrede). Alle skemaer bliver indsendt.",
            self.rows,
            self.municipalities.len(),
            created,
            self.municipalities.len() - created
        )];
        for m in &self.municipalities {
            let mut line = format!(
                "{} ({}): {}, {} svar nye eller ændrede, {} uændrede",
                m.name,
                m.code,
                if m.creates_form {
                    "nyt skema"
                } else {
                    "skemaet ændres"
                },
                m.changed,
                m.unchanged
            );
            if m.unanswered > 0 {
                line.push_str(&format!(", {} anbefalinger uden svar", m.unanswered));
            }
            lines.push(line);
        }
        lines
    }
}

/// Plans an answers import against the round's stored submissions: per municipality in the
/// file, whether its form is created or changed and how many answers change. Answers to
/// recommendations the file does not mention are kept.
pub fn plan_answers(
    answers: &[ImportedAnswer],
    content: &RoundContent,
    existing: &[Submission],
) -> AnswerPlan {
    let mut municipalities: Vec<MunicipalityPlan> = Vec::new();
    for m in &content.municipalities {
        let mine: Vec<&ImportedAnswer> = answers
            .iter()
            .filter(|a| a.municipality == m.code)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let stored = existing.iter().find(|s| s.municipality_code == m.code);
        let mut changed = 0;
        let mut unchanged = 0;
        for a in &mine {
            let before = stored.and_then(|s| s.answer(a.recommendation_id));
            if before
                .is_some_and(|b| b.status == Some(a.status) && b.comment == a.comment && !b.carried)
                && stored.is_some_and(|s| s.is_submitted())
            {
                unchanged += 1;
            } else {
                changed += 1;
            }
        }
        let answered = content
            .recommendations
            .iter()
            .filter(|r| {
                mine.iter().any(|a| a.recommendation_id == r.id)
                    || stored
                        .and_then(|s| s.answer(r.id))
                        .is_some_and(|a| a.status.is_some())
            })
            .count();
        municipalities.push(MunicipalityPlan {
            code: m.code.clone(),
            name: m.name.clone(),
            creates_form: stored.is_none(),
            changed,
            unchanged,
            unanswered: content.recommendations.len() - answered,
        });
    }
    AnswerPlan {
        rows: answers.len(),
        municipalities,
    }
}

#[cfg(test)]
mod tests {
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
            bytes: include_bytes!("../../data/kkr-hovedstaden-2017-recommendations.csv"),
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
        let parsed =
            answers("kommune;nr;status;kommentar\n147;1.1;grøn;a\n101;1.1;rød;b\n").unwrap();
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
        assert!(
            plan.lines()[0].starts_with("2 rækker: svar for 2 kommuner (1 nye skemaer, 1 ændrede)")
        );
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
                rows.extend(
                    format!(r#"<c r="{}{r}"><v>1</v></c>"#, column_letters(c)).into_bytes(),
                );
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
}
