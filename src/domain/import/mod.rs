//! Imports from the spreadsheets the municipalities used before: a round's recommendation set,
//! and answers (one row per municipality × recommendation), from CSV or XLSX; and the users a
//! KKR invites at once (one row per person).
//!
//! Pure: bytes in, a typed import or every error out, each naming the file, sheet, row and
//! column (rows are counted as a spreadsheet shows them, the header being row 1). Reading a
//! file ([`read_table`]) is bounded: only non-empty cells are kept, and a file beyond a limit
//! (size, unpacked size, rows × columns, cells, text) is refused as a typed [`OverLimit`] as
//! soon as that is seen. Planning what an import would create or change is pure too; the store
//! carries a plan out in one transaction.

mod answers;
mod set;
mod table;
#[cfg(test)]
mod tests;
mod users;

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Serialize;

use super::model::{
    Answer, Comment, EvidenceLink, Municipality, MunicipalityCode, RoundContent, Submission,
};
use super::rounds::{TEXT_MAX_CHARS, TITLE_MAX_CHARS};
use super::set_lineage::{LinkClaim, PlannedLinks, PreviousCell};
use super::status::Status;

pub use answers::*;
pub use set::*;
pub use table::*;
pub use users::*;

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

/// Collects errors up to [`MAX_ERRORS`].
#[derive(Debug, Default)]
pub(super) struct Errors(Vec<ImportError>);

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
