//! Reading import files row by row: CSV (UTF-8, with or without BOM) streamed, spreadsheets
//! (XLSX and the other formats calamine reads; first sheet, first non-empty row = header)
//! loaded whole; and writing the reject file of bad rows.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use calamine::{Data, Range, Reader};
use serde::Serialize;

use crate::convert::{excel_serial_to_text, number_to_text};
use crate::records::Records;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// Behavioural events (also the benchmark's `tenant_id,member_id,group_id,kind,ts,amount,product_id`).
    Events,
    /// Members (customers).
    Members,
    /// Chat groups.
    Groups,
}

impl ImportKind {
    /// Parses `events`, `members` or `groups`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "events" => Some(Self::Events),
            "members" => Some(Self::Members),
            "groups" => Some(Self::Groups),
            _ => None,
        }
    }

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Events => "events",
            Self::Members => "members",
            Self::Groups => "groups",
        }
    }
}

impl std::str::FromStr for ImportKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| format!("`{s}` is not one of: events, members, groups"))
    }
}

impl fmt::Display for ImportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why one row (or, on line 1, the header) cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based line of the file (CSV: the physical line the record starts on; spreadsheets:
    /// the sheet's row number), as an editor or Excel shows it.
    pub line: usize,
    /// The column as the file names it (e.g. `phone`, `custom.birthday`, `ts`); empty when
    /// the whole row is wrong.
    pub field: String,
    /// A short English reason.
    pub reason: String,
}

impl RowError {
    /// An error on `field` of `line`.
    pub fn new(line: usize, field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            line,
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "line {}: {}", self.line, self.reason)
        } else {
            write!(f, "line {}: {}: {}", self.line, self.field, self.reason)
        }
    }
}

/// Why a file cannot be read at all (as opposed to a bad row).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not in a format or encoding we read.
    #[error("{0}")]
    Format(String),
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> ImportError + '_ {
    move |source| ImportError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// How the file was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Comma- (or, for `.tsv`, tab-) separated text, streamed.
    Csv,
    /// A spreadsheet (XLSX, XLSM, XLS, XLSB, ODS): the first sheet, loaded whole.
    Spreadsheet,
}

/// One data row: its line, the file's headers and its cell texts (trimmed).
#[derive(Debug, Clone)]
pub struct Row {
    /// 1-based line in the file.
    pub line: usize,
    headers: Arc<[String]>,
    /// Cell texts in header order (a CSV row may have fewer or more; see `defect`).
    pub values: Vec<String>,
    /// Set when the row as a whole is unreadable (not UTF-8, wrong number of cells).
    pub defect: Option<RowError>,
}

impl Row {
    /// A row over `headers` (for tests and callers that build rows themselves).
    pub fn new(line: usize, headers: Arc<[String]>, values: Vec<String>) -> Self {
        Self {
            line,
            headers,
            values,
            defect: None,
        }
    }

    /// The file's headers.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The cell under `header`, if the file has that column.
    pub fn get(&self, header: &str) -> Option<&str> {
        let i = self.headers.iter().position(|h| h == header)?;
        self.values.get(i).map(String::as_str)
    }

    /// `(header, value)` pairs in file order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers
            .iter()
            .map(String::as_str)
            .zip(self.values.iter().map(String::as_str))
    }

    /// The row as `(header, value)` pairs.
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.headers.iter().cloned().zip(self.values).collect()
    }
}

const NOT_UTF8: &str =
    "is not UTF-8 text; save the file as \"CSV UTF-8\" (GBK/ANSI files are not supported)";

enum Inner {
    Csv {
        rdr: Box<Records>,
        rec: csv::ByteRecord,
    },
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
    headers: Arc<[String]>,
    header_line: usize,
    total: Option<u64>,
    inner: Inner,
}

impl fmt::Debug for RowReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RowReader")
            .field("headers", &self.headers)
            .field("format", &self.format())
            .finish()
    }
}

/// How a path's name says it should be read.
fn format_of(path: &Path) -> (FileFormat, u8) {
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

impl RowReader {
    /// Opens `path`: `.xlsx`/`.xlsm`/`.xls`/`.xlsb`/`.ods` (or any file starting like a zip)
    /// as a spreadsheet, `.tsv` as tab-separated, anything else as CSV.
    pub fn open(path: &Path) -> Result<Self, ImportError> {
        let (mut format, delimiter) = format_of(path);
        let mut file = File::open(path).map_err(io_err(path))?;
        if format == FileFormat::Csv {
            let mut magic = [0u8; 4];
            let n = file.read(&mut magic).map_err(io_err(path))?;
            if n == 4 && magic == *b"PK\x03\x04" {
                format = FileFormat::Spreadsheet;
            }
            file = File::open(path).map_err(io_err(path))?;
        }
        match format {
            FileFormat::Csv => Self::from_csv_with(file, delimiter),
            FileFormat::Spreadsheet => {
                drop(file);
                Self::open_spreadsheet(path)
            }
        }
    }

    /// Reads CSV from any reader (comma-separated, UTF-8, optional BOM).
    pub fn from_csv<R: Read + Send + 'static>(r: R) -> Result<Self, ImportError> {
        Self::from_csv_with(r, b',')
    }

    fn from_csv_with<R: Read + Send + 'static>(r: R, delimiter: u8) -> Result<Self, ImportError> {
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

    fn open_spreadsheet(path: &Path) -> Result<Self, ImportError> {
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
    /// [`count_csv_rows`].
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
        let Inner::Sheet {
            range,
            next,
            first_row,
        } = &mut self.inner
        else {
            return Ok(self.next_record()?.map(|r| r.to_row()));
        };
        let (height, width) = range.get_size();
        while *next < height && row_is_blank(range, *next, width) {
            *next += 1;
        }
        if *next >= height {
            return Ok(None);
        }
        let r = *next;
        *next += 1;
        let values = (0..width)
            .map(|c| cell_text(range.get((r, c))).trim().to_string())
            .collect();
        Ok(Some(Row::new(
            *first_row + r + 1,
            self.headers.clone(),
            values,
        )))
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

    /// Bytes of a CSV file read so far (0 for spreadsheets), for a progress estimate.
    pub fn bytes_read(&self) -> u64 {
        match &self.inner {
            Inner::Csv { rdr, .. } => rdr.byte(),
            Inner::Sheet { .. } => 0,
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

impl Iterator for RowReader {
    type Item = Result<Row, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().transpose()
    }
}

/// The line a record just read starts on: the reader is past its final `\n`, and quoted
/// newlines inside it are counted back. (The record's own position would point at the blank
/// lines skipped before it.)
fn first_line(rdr: &Records, rec: &csv::ByteRecord) -> usize {
    let inner = rec.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
    rdr.line().saturating_sub(1 + inner).max(1) as usize
}

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
    Row {
        line,
        headers,
        values,
        defect,
    }
}

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

/// The reject file next to `input`: `events.csv` → `events.rejects.csv`.
pub fn default_reject_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import".into());
    input.with_file_name(format!("{stem}.rejects.csv"))
}

/// Name of the reason column of a reject file; import ignores a column of this name, so a
/// fixed reject file can be imported again as it is.
pub const ERROR_COLUMN: &str = "error";

/// Writes bad rows as CSV (UTF-8 with BOM, so Excel shows Chinese text): the input's columns
/// plus an [`ERROR_COLUMN`] with every reason.
pub struct RejectWriter {
    w: csv::Writer<File>,
    path: PathBuf,
    /// Index of an `error` column the input already had (dropped: ours replaces it).
    old_error: Option<usize>,
    rows: u64,
}

impl fmt::Debug for RejectWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RejectWriter")
            .field("path", &self.path)
            .field("rows", &self.rows)
            .finish()
    }
}

impl RejectWriter {
    /// Creates (or truncates) `path` and writes the header.
    pub fn create(path: &Path, headers: &[String]) -> Result<Self, ImportError> {
        let mut file = File::create(path).map_err(io_err(path))?;
        file.write_all(&[0xEF, 0xBB, 0xBF]).map_err(io_err(path))?;
        let old_error = headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(ERROR_COLUMN));
        let mut w = csv::WriterBuilder::new().flexible(true).from_writer(file);
        let mut head: Vec<&str> = headers
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != old_error)
            .map(|(_, h)| h.as_str())
            .collect();
        head.push(ERROR_COLUMN);
        w.write_record(&head).map_err(|e| csv_write_err(path, e))?;
        Ok(Self {
            w,
            path: path.to_path_buf(),
            old_error,
            rows: 0,
        })
    }

    /// Writes one bad row with its reasons.
    pub fn write(&mut self, row: &Row, errors: &[RowError]) -> Result<(), ImportError> {
        let reason = errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        let width = row.headers().len().max(row.values.len());
        let mut rec: Vec<&str> = (0..width)
            .filter(|i| Some(*i) != self.old_error)
            .map(|i| row.values.get(i).map_or("", String::as_str))
            .collect();
        rec.push(&reason);
        self.w
            .write_record(&rec)
            .map_err(|e| csv_write_err(&self.path, e))?;
        self.rows += 1;
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flushes and returns the path.
    pub fn finish(mut self) -> Result<PathBuf, ImportError> {
        self.w.flush().map_err(io_err(&self.path))?;
        Ok(self.path)
    }
}

fn csv_write_err(path: &Path, e: csv::Error) -> ImportError {
    match e.into_kind() {
        csv::ErrorKind::Io(source) => ImportError::Io {
            path: path.display().to_string(),
            source,
        },
        other => ImportError::Format(format!("cannot write {}: {other:?}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> (Vec<String>, Vec<Row>) {
        let r = RowReader::from_csv(std::io::Cursor::new(bytes.to_vec()));
        let mut r = match r {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        let headers = r.headers().to_vec();
        let rows = r.by_ref().collect::<Result<Vec<_>, _>>();
        (headers, rows.unwrap_or_default())
    }

    #[test]
    fn csv_rows_carry_their_line_and_skip_blank_lines() {
        let (h, rows) = read_all(b"\xEF\xBB\xBFname , phone\n\nA,1\n\"B\nB\",2\n,\nC,3\n");
        assert_eq!(h, vec!["name", "phone"]);
        let got: Vec<(usize, &str)> = rows
            .iter()
            .map(|r| (r.line, r.values[0].as_str()))
            .collect();
        assert_eq!(got, vec![(3, "A"), (4, "B\nB"), (7, "C")]);
        assert_eq!(rows[0].get("phone"), Some("1"));
        assert_eq!(
            rows[2].clone().into_pairs(),
            vec![("name".into(), "C".into()), ("phone".into(), "3".into())]
        );
    }

    #[test]
    fn crlf_files_and_a_missing_final_newline_keep_line_numbers() {
        let (h, rows) = read_all(b"name,phone\r\n\r\nA,1\r\n\"B\r\nB\",2\r\nC,3");
        assert_eq!(h, vec!["name", "phone"]);
        let got: Vec<(usize, &str, &str)> = rows
            .iter()
            .map(|r| (r.line, r.values[0].as_str(), r.values[1].as_str()))
            .collect();
        assert_eq!(got, vec![(3, "A", "1"), (4, "B\r\nB", "2"), (6, "C", "3")]);
    }

    #[test]
    fn short_rows_and_non_utf8_cells_are_defects_of_their_line() {
        let (_, rows) = read_all(b"name,phone\nA\nB,2,\n\xC4\xE3\xBA\xC3,3\n");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].defect.as_ref().map(|d| d.line), Some(2));
        assert!(rows[1].defect.is_none(), "an empty trailing cell is fine");
        assert_eq!(rows[1].values.len(), 2);
        let d = rows[2].defect.clone();
        assert_eq!(
            d.as_ref().map(|d| (d.line, d.field.as_str())),
            Some((4, "name"))
        );
        assert!(d.map(|d| d.reason).unwrap_or_default().contains("UTF-8"));
    }

    #[test]
    fn a_gbk_header_or_utf16_file_is_refused_clearly() {
        let gbk = RowReader::from_csv(std::io::Cursor::new(b"\xD0\xD5\xC3\xFB,phone\n".to_vec()));
        assert!(matches!(gbk, Err(ImportError::Format(m)) if m.contains("CSV UTF-8")));
        let utf16 = RowReader::from_csv(std::io::Cursor::new(b"\xFF\xFEn\0".to_vec()));
        assert!(matches!(utf16, Err(ImportError::Format(m)) if m.contains("UTF-16")));
        let empty = RowReader::from_csv(std::io::Cursor::new(b"\n\n".to_vec()));
        assert!(matches!(empty, Err(ImportError::Format(_))));
    }

    #[test]
    fn chunks_and_counts_agree() -> Result<(), ImportError> {
        let dir = tempfile::tempdir().map_err(|e| ImportError::Format(e.to_string()))?;
        let path = dir.path().join("e.csv");
        let mut text = String::from("kind,member_id\n");
        for i in 0..2500 {
            text.push_str(&format!("message,{i}\n"));
        }
        std::fs::write(&path, text).map_err(io_err(&path))?;
        assert_eq!(count_csv_rows(&path)?, 2500);
        let mut r = RowReader::open(&path)?;
        assert_eq!(r.format(), FileFormat::Csv);
        let sizes: Vec<usize> = std::iter::from_fn(|| {
            let c = r.read_chunk(1000).ok()?;
            (!c.is_empty()).then_some(c.len())
        })
        .collect();
        assert_eq!(sizes, vec![1000, 1000, 500]);
        Ok(())
    }

    #[test]
    fn reject_file_keeps_the_columns_and_replaces_an_old_error_column() -> Result<(), ImportError> {
        let dir = tempfile::tempdir().map_err(|e| ImportError::Format(e.to_string()))?;
        let path = dir.path().join("m.rejects.csv");
        let headers: Arc<[String]> = vec!["name".into(), "error".into(), "phone".into()].into();
        let mut w = RejectWriter::create(&path, &headers)?;
        let row = Row::new(
            3,
            headers.clone(),
            vec!["王芳".into(), "old".into(), "12".into()],
        );
        w.write(&row, &[RowError::new(3, "phone", "must be 11 digits")])?;
        assert_eq!(w.rows(), 1);
        let p = w.finish()?;
        let text = std::fs::read_to_string(&p).map_err(io_err(&p))?;
        assert_eq!(
            text,
            "\u{feff}name,phone,error\n王芳,12,line 3: phone: must be 11 digits\n"
        );
        assert_eq!(
            default_reject_path(Path::new("/x/events.csv")),
            PathBuf::from("/x/events.rejects.csv")
        );
        Ok(())
    }
}
