//! Reading import files row by row: CSV (UTF-8, with or without BOM) streamed, spreadsheets
//! (XLSX and the other formats calamine reads; first sheet, first non-empty row = header)
//! loaded whole; and writing the reject file of bad rows.
//!
//! `format` tells how a file is read, `reader` is the [`RowReader`] over both formats, with
//! `csv_reader` and `sheet_reader` its halves; `row` holds a row and [`RowError`], `error`
//! the file-level [`ImportError`], `reject` the [`RejectWriter`], `kind` the [`ImportKind`].

mod csv_reader;
mod error;
mod format;
mod kind;
mod reader;
mod reject;
mod row;
mod sheet_reader;

pub use csv_reader::{RawRecord, RecordText, count_csv_rows};
pub use error::ImportError;
pub use format::FileFormat;
pub use kind::ImportKind;
pub use reader::RowReader;
pub use reject::{ERROR_COLUMN, RejectWriter, default_reject_path};
pub use row::{Row, RowError};

#[cfg(test)]
mod tests;
