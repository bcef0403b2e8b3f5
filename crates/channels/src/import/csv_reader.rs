//! The CSV reader: UTF-8 (with or without BOM) streamed record by record, raw records for the
//! bulk path, rows with their defects, and a counting pass for a progress bar.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use super::error::{ImportError, io_err};
use super::format::format_of;
use super::reader::{Inner, RowReader};
use super::row::{Row, RowError};
use crate::records::Records;

/// The reason given for text that is not UTF-8.
const NOT_UTF8: &str =
    "is not UTF-8 text; save the file as \"CSV UTF-8\" (GBK/ANSI files are not supported)";

impl RowReader {
    /// Reads CSV from any reader (comma-separated, UTF-8, optional BOM).
    pub fn from_csv<R: Read + Send + 'static>(r: R) -> Result<Self, ImportError> {
        Self::from_csv_with(r, b',')
    }

    /// Reads CSV separated by `delimiter` from any reader (UTF-8, optional BOM).
    pub(super) fn from_csv_with<R: Read + Send + 'static>(
        r: R,
        delimiter: u8,
    ) -> Result<Self, ImportError> {
        let mut br = BufReader::with_capacity(1 << 16, r);
        let head = br
            .fill_buf()
            .map_err(|e| ImportError::Format(format!("cannot read the file: {e}")))?;
        if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            br.consume(3);
        } else if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
            return Err(ImportError::Format(
                "the file is UTF-16 text; save it as \"CSV UTF-8\"".into(),
            ));
        }
        // A final newline makes every record end with one, so its first line is known.
        let boxed: Box<dyn Read + Send> = Box::new(br.chain(&b"\n"[..]));
        let mut rdr = Box::new(Records::new(boxed, delimiter));
        let mut rec = csv::ByteRecord::new();
        let mut header_line;
        let headers: Vec<String> = loop {
            let more = rdr
                .read_byte_record(&mut rec)
                .map_err(|e| ImportError::Format(format!("cannot read the file: {e}")))?;
            if !more {
                return Err(ImportError::Format(
                    "the file is empty: the first line must name the columns".into(),
                ));
            }
            header_line = first_line(&rdr, &rec);
            if rec.iter().all(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            let mut out = Vec::with_capacity(rec.len());
            for f in rec.iter() {
                let s = std::str::from_utf8(f).map_err(|_| {
                    ImportError::Format(format!("line {header_line} (the header) {NOT_UTF8}"))
                })?;
                out.push(s.trim().to_string());
            }
            break out;
        };
        Ok(Self {
            headers: headers.into(),
            header_line,
            total: None,
            inner: Inner::Csv { rdr, rec },
        })
    }

    /// The next non-blank CSV record without a string made of its cells (the bulk path);
    /// `None` at the end. A spreadsheet has no raw records: this is an error for one.
    pub fn next_record(&mut self) -> Result<Option<RawRecord<'_>>, ImportError> {
        let Inner::Csv { rdr, rec } = &mut self.inner else {
            return Err(ImportError::Format(
                "raw records are read from CSV files only".into(),
            ));
        };
        loop {
            let more = rdr
                .read_byte_record(rec)
                .map_err(|e| ImportError::Format(format!("cannot read the file: {e}")))?;
            if !more {
                return Ok(None);
            }
            if rec.iter().all(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            let line = first_line(rdr, rec);
            return Ok(Some(RawRecord {
                line,
                rec,
                headers: &self.headers,
            }));
        }
    }
}

/// A record's cells as text ([`RawRecord::text`]).
#[derive(Debug, Clone, Copy)]
pub struct RecordText<'a> {
    all: &'a str,
    rec: &'a csv::ByteRecord,
}

impl<'a> RecordText<'a> {
    /// Cell `i`, untrimmed; `None` past the last cell, or for a cell that is not UTF-8 by
    /// itself (a character split across two cells).
    pub fn get(&self, i: usize) -> Option<&'a str> {
        self.all.get(self.rec.range(i)?)
    }
}

/// A CSV record as read: its line and its cells as bytes, untrimmed.
#[derive(Debug, Clone, Copy)]
pub struct RawRecord<'a> {
    /// 1-based line the record starts on.
    pub line: usize,
    rec: &'a csv::ByteRecord,
    headers: &'a Arc<[String]>,
}

impl<'a> RawRecord<'a> {
    /// Number of cells.
    pub fn len(&self) -> usize {
        self.rec.len()
    }

    /// True for a record without cells.
    pub fn is_empty(&self) -> bool {
        self.rec.is_empty()
    }

    /// Cell `i` as bytes.
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        self.rec.get(i)
    }

    /// The cells as text, UTF-8 checked once for the whole record rather than cell by
    /// cell; `None` when some cell is not UTF-8.
    pub fn text(&self) -> Option<RecordText<'a>> {
        let all = std::str::from_utf8(self.rec.as_slice()).ok()?;
        Some(RecordText { all, rec: self.rec })
    }

    /// The record as a [`Row`] (cells decoded and trimmed, defects noted), e.g. for the
    /// reject file.
    pub fn to_row(&self) -> Row {
        csv_row(self.line, self.headers.clone(), self.rec)
    }
}

/// The line a record just read starts on: the reader is past its final `\n`, and quoted
/// newlines inside it are counted back. (The record's own position would point at the blank
/// lines skipped before it.)
fn first_line(rdr: &Records, rec: &csv::ByteRecord) -> usize {
    let inner = rec.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
    rdr.line().saturating_sub(1 + inner).max(1) as usize
}

/// A record as a [`Row`]: cells decoded and trimmed, a cell that is not UTF-8 or a count of
/// cells that is not the header's noted as the row's defect.
fn csv_row(line: usize, headers: Arc<[String]>, rec: &csv::ByteRecord) -> Row {
    let mut defect = None;
    let mut values = Vec::with_capacity(rec.len());
    for (i, f) in rec.iter().enumerate() {
        match std::str::from_utf8(f) {
            Ok(s) => values.push(s.trim().to_string()),
            Err(_) => {
                if defect.is_none() {
                    let field = headers.get(i).cloned().unwrap_or_default();
                    defect = Some(RowError::new(line, field, NOT_UTF8));
                }
                values.push(String::from_utf8_lossy(f).trim().to_string());
            }
        }
    }
    let n = headers.len();
    let extra_filled = values.iter().skip(n).any(|v| !v.is_empty());
    if defect.is_none() && (values.len() < n || extra_filled) {
        defect = Some(RowError::new(
            line,
            "",
            format!(
                "has {} cells but the header has {n} columns (check the quotes and commas)",
                values.len()
            ),
        ));
    }
    if !extra_filled {
        values.truncate(n);
    }
    let mut row = Row::new(line, headers, values);
    row.defect = defect;
    row
}

/// Counts the data rows of a CSV file (blank lines and the header left out) by reading it
/// once without decoding, for a progress bar's total.
pub fn count_csv_rows(path: &Path) -> Result<u64, ImportError> {
    let (_, delimiter) = format_of(path);
    let file = File::open(path).map_err(io_err(path))?;
    let mut rdr = Records::new(Box::new(file), delimiter);
    let mut rec = csv::ByteRecord::new();
    let mut n: u64 = 0;
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| ImportError::Format(format!("cannot read the file: {e}")))?
    {
        if !rec.iter().all(|f| f.trim_ascii().is_empty()) {
            n += 1;
        }
    }
    Ok(n.saturating_sub(1))
}
