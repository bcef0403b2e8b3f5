//! [`RowReader`]: a file's rows one at a time, whatever its format; the CSV and spreadsheet
//! halves are in `csv_reader` and `sheet_reader`.

use std::fmt;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use calamine::{Data, Range};

use super::error::{ImportError, io_err};
use super::format::{FileFormat, sniff};
use super::row::Row;
use crate::records::Records;

/// The source under a [`RowReader`].
pub(super) enum Inner {
    /// A CSV file, streamed record by record.
    Csv {
        rdr: Box<Records>,
        rec: csv::ByteRecord,
    },
    /// A spreadsheet's first sheet, loaded whole.
    Sheet {
        range: Range<Data>,
        /// Next row to read, relative to the range.
        next: usize,
        /// The range's first row, 0-based in the sheet.
        first_row: usize,
    },
}

/// Reads a file's rows one at a time; CSV is never held in memory as a whole.
pub struct RowReader {
    pub(super) headers: Arc<[String]>,
    pub(super) header_line: usize,
    pub(super) total: Option<u64>,
    pub(super) inner: Inner,
}

impl fmt::Debug for RowReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RowReader")
            .field("headers", &self.headers)
            .field("format", &self.format())
            .finish()
    }
}

impl RowReader {
    /// Opens `path`: `.xlsx`/`.xlsm`/`.xls`/`.xlsb`/`.ods` (or any file starting like a zip)
    /// as a spreadsheet, `.tsv` as tab-separated, anything else as CSV.
    pub fn open(path: &Path) -> Result<Self, ImportError> {
        match sniff(path)? {
            (FileFormat::Csv, delimiter) => {
                let file = File::open(path).map_err(io_err(path))?;
                Self::from_csv_with(file, delimiter)
            }
            (FileFormat::Spreadsheet, _) => Self::open_spreadsheet(path),
        }
    }

    /// The column names, trimmed, in file order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The line the header is on (1 unless blank lines come first).
    pub fn header_line(&self) -> usize {
        self.header_line
    }

    /// How the file is read.
    pub fn format(&self) -> FileFormat {
        match self.inner {
            Inner::Csv { .. } => FileFormat::Csv,
            Inner::Sheet { .. } => FileFormat::Spreadsheet,
        }
    }

    /// The number of data rows, when known without reading them (spreadsheets); for CSV use
    /// [`count_csv_rows`](super::count_csv_rows).
    pub fn total_rows(&self) -> Option<u64> {
        self.total
    }

    /// Reads up to `max` rows; an empty vector means the end of the file.
    pub fn read_chunk(&mut self, max: usize) -> Result<Vec<Row>, ImportError> {
        let mut out = Vec::with_capacity(max.min(65_536));
        while out.len() < max {
            match self.next_row()? {
                Some(r) => out.push(r),
                None => break,
            }
        }
        Ok(out)
    }

    /// The next non-blank row, `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<Row>, ImportError> {
        match self.inner {
            Inner::Sheet { .. } => Ok(self.next_sheet_row()),
            Inner::Csv { .. } => Ok(self.next_record()?.map(|r| r.to_row())),
        }
    }

    /// Bytes of a CSV file read so far (0 for spreadsheets), for a progress estimate.
    pub fn bytes_read(&self) -> u64 {
        match &self.inner {
            Inner::Csv { rdr, .. } => rdr.byte(),
            Inner::Sheet { .. } => 0,
        }
    }
}

impl Iterator for RowReader {
    type Item = Result<Row, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().transpose()
    }
}
