//! The spreadsheet reader (XLSX and the other formats calamine reads): the first sheet loaded
//! whole, its first non-empty row the header, cells as a CSV export of them would read.

use std::path::Path;
use std::sync::Arc;

use calamine::{Data, Range, Reader};

use super::error::ImportError;
use super::reader::{Inner, RowReader};
use super::row::Row;
use crate::convert::{excel_serial_to_text, number_to_text};

impl RowReader {
    /// Opens the first sheet of the workbook at `path`.
    pub(super) fn open_spreadsheet(path: &Path) -> Result<Self, ImportError> {
        let bad = |e: calamine::Error| {
            ImportError::Format(format!(
                "{} is not a readable spreadsheet: {e}",
                path.display()
            ))
        };
        let mut book = calamine::open_workbook_auto(path).map_err(bad)?;
        let range = book
            .worksheet_range_at(0)
            .ok_or_else(|| ImportError::Format("the workbook has no sheet".into()))?
            .map_err(bad)?;
        Self::from_range(range)
    }

    /// Reads a sheet already loaded (the first non-empty row is the header).
    pub fn from_range(range: Range<Data>) -> Result<Self, ImportError> {
        let first_row = range.start().map_or(0, |(r, _)| r as usize);
        let (height, width) = range.get_size();
        let mut this = Self {
            headers: Arc::from(Vec::new()),
            header_line: first_row + 1,
            total: Some(0),
            inner: Inner::Sheet {
                range,
                next: 0,
                first_row,
            },
        };
        let Inner::Sheet { range, next, .. } = &mut this.inner else {
            return Err(ImportError::Format("internal: not a sheet".into()));
        };
        while *next < height && row_is_blank(range, *next, width) {
            *next += 1;
        }
        if *next >= height {
            return Err(ImportError::Format(
                "the sheet is empty: the first row must name the columns".into(),
            ));
        }
        let headers: Vec<String> = (0..width)
            .map(|c| cell_text(range.get((*next, c))).trim().to_string())
            .collect();
        this.header_line = first_row + *next + 1;
        *next += 1;
        let data = (*next..height)
            .filter(|&r| !row_is_blank(range, r, width))
            .count();
        this.total = Some(data as u64);
        this.headers = headers.into();
        Ok(this)
    }

    /// The next non-blank row of a sheet, `None` at its end (and for a CSV reader).
    pub(super) fn next_sheet_row(&mut self) -> Option<Row> {
        let Inner::Sheet {
            range,
            next,
            first_row,
        } = &mut self.inner
        else {
            return None;
        };
        let (height, width) = range.get_size();
        while *next < height && row_is_blank(range, *next, width) {
            *next += 1;
        }
        if *next >= height {
            return None;
        }
        let r = *next;
        *next += 1;
        let values = (0..width)
            .map(|c| cell_text(range.get((r, c))).trim().to_string())
            .collect();
        Some(Row::new(*first_row + r + 1, self.headers.clone(), values))
    }
}

/// True when every cell of row `r` is blank.
fn row_is_blank(range: &Range<Data>, r: usize, width: usize) -> bool {
    (0..width).all(|c| cell_text(range.get((r, c))).trim().is_empty())
}

/// A spreadsheet cell as the text a CSV export of it would hold.
fn cell_text(cell: Option<&Data>) -> String {
    match cell {
        None | Some(Data::Empty) | Some(Data::Error(_)) => String::new(),
        Some(Data::String(s)) => s.clone(),
        Some(Data::Int(i)) => i.to_string(),
        Some(Data::Float(f)) => number_to_text(*f),
        Some(Data::Bool(b)) => b.to_string(),
        Some(Data::DateTime(d)) => excel_serial_to_text(d.as_f64()),
        Some(Data::DateTimeIso(s)) | Some(Data::DurationIso(s)) => s.clone(),
    }
}
