//! One data row as read (its line, the file's headers, its cells) and why a row (or the
//! header) cannot be imported.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

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
