//! Reading a CSV or XLSX file into a table of non-empty cells, within limits.

use super::*;

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
pub(super) const MAX_ERRORS: usize = 100;

/// A row's non-empty cells as (column index, text), in column order.
pub(super) type Cells = Vec<(usize, String)>;

/// A table read from a file: its header and its non-empty rows, each holding only its
/// non-empty cells (a sheet's declared extent never sizes anything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub(super) file: String,
    pub(super) sheet: Option<String>,
    pub(super) header_row: usize,
    pub(super) headers: Vec<String>,
    /// (row number, cells).
    pub(super) rows: Vec<(usize, Cells)>,
}

impl Table {
    /// The name of the file the table was read from.
    pub fn file_name(&self) -> &str {
        &self.file
    }

    pub(super) fn error(
        &self,
        row: Option<usize>,
        column: Option<usize>,
        message: String,
    ) -> ImportError {
        ImportError {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row,
            column: column.map(|c| self.column_name(c)),
            message,
        }
    }

    /// "C (Status)".
    pub(super) fn column_name(&self, index: usize) -> String {
        let header = self.headers.get(index).map(|h| h.trim()).unwrap_or("");
        if header.is_empty() {
            column_letters(index)
        } else {
            format!("{} ({header})", column_letters(index))
        }
    }

    /// The first column whose header is one of `aliases` (earlier aliases win).
    pub(super) fn find(&self, aliases: &[&str]) -> Option<usize> {
        let normalised: Vec<String> = self.headers.iter().map(|h| normalise_header(h)).collect();
        aliases
            .iter()
            .find_map(|alias| normalised.iter().position(|h| h == alias))
    }

    pub(super) fn require(&self, aliases: &[&str], label: &str) -> Result<usize, ImportError> {
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
pub(super) fn column_letters(index: usize) -> String {
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
pub(super) fn normalise_header(header: &str) -> String {
    header
        .trim()
        .to_lowercase()
        .replace(['_', '-'], " ")
        .trim_end_matches(['.', ':'])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn file_error(
    file: &ImportFile<'_>,
    row: Option<usize>,
    message: String,
) -> ImportError {
    ImportError {
        file: file.name.to_owned(),
        sheet: None,
        row,
        column: None,
        message,
    }
}

pub(super) fn over_limit(file: &ImportFile<'_>, sheet: Option<&str>, limit: Limit) -> ReadFailure {
    ReadFailure::OverLimit(OverLimit {
        file: file.name.to_owned(),
        sheet: sheet.map(str::to_owned),
        limit,
    })
}

/// The spreadsheet formats other than XLSX, which are not read (their readers size a sheet
/// by its extent): the format's name, by the file's first bytes or its extension.
pub(super) fn other_spreadsheet_format(file: &ImportFile<'_>) -> Option<&'static str> {
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

pub(super) fn is_zip(file: &ImportFile<'_>) -> bool {
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
pub(super) type Rows = Vec<(usize, Cells)>;

/// Collects a table's non-empty cells, refusing any beyond the limits as it goes.
pub(super) struct Collector<'a> {
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
pub(super) mod xlsx {
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

pub(super) fn read_csv(file: &ImportFile<'_>) -> Result<Rows, ReadFailure> {
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

pub(super) fn cell(cells: &Cells, index: usize) -> &str {
    cells
        .binary_search_by_key(&index, |(column, _)| *column)
        .map_or("", |i| cells[i].1.trim())
}
