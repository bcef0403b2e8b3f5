//! File format detection: CSV, tab-separated or a spreadsheet, from the file's name and its
//! first bytes.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::error::{ImportError, io_err};

/// How the file was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Comma- (or, for `.tsv`, tab-) separated text, streamed.
    Csv,
    /// A spreadsheet (XLSX, XLSM, XLS, XLSB, ODS): the first sheet, loaded whole.
    Spreadsheet,
}

/// How a path's name says it should be read.
pub(super) fn format_of(path: &Path) -> (FileFormat, u8) {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => (FileFormat::Spreadsheet, b','),
        "tsv" | "tab" => (FileFormat::Csv, b'\t'),
        _ => (FileFormat::Csv, b','),
    }
}

/// How `path` is read: by its name ([`format_of`]), except that a file not named as a
/// spreadsheet but starting like a zip is one. Returns the format and the CSV delimiter; the
/// file must open.
pub(super) fn sniff(path: &Path) -> Result<(FileFormat, u8), ImportError> {
    let (mut format, delimiter) = format_of(path);
    let mut file = File::open(path).map_err(io_err(path))?;
    if format == FileFormat::Csv {
        let mut magic = [0u8; 4];
        let n = file.read(&mut magic).map_err(io_err(path))?;
        if n == 4 && magic == *b"PK\x03\x04" {
            format = FileFormat::Spreadsheet;
        }
    }
    Ok((format, delimiter))
}
