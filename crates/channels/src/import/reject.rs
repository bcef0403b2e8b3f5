//! The reject file: the bad rows written back out with the input's columns and an `error`
//! column giving every reason, ready to fix and import again.

use std::fmt;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::{ImportError, io_err};
use super::row::{Row, RowError};

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

/// A CSV writer's error as an [`ImportError`] about `path`.
fn csv_write_err(path: &Path, e: csv::Error) -> ImportError {
    match e.into_kind() {
        csv::ErrorKind::Io(source) => ImportError::Io {
            path: path.display().to_string(),
            source,
        },
        other => ImportError::Format(format!("cannot write {}: {other:?}", path.display())),
    }
}
