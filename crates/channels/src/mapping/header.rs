//! Column resolution: a file's header read once into what each column feeds, with unknown,
//! repeated and missing columns reported on the header's line.

use quanzi_domain::member::CustomFieldKind;

use crate::import::{ERROR_COLUMN, Row, RowError};

/// What one column of the file feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Col<F> {
    /// A known field.
    Field(F),
    /// `custom.<key>` (members) or `properties.<key>` (events).
    Keyed(String, Option<CustomFieldKind>),
    /// A column without a name: must stay empty.
    Unnamed,
    /// The reject file's `error` column: ignored.
    Ignored,
}

/// The resolved header of one file.
#[derive(Debug, Clone)]
pub(super) struct Header<F> {
    /// What each column feeds, in file order.
    pub(super) cols: Vec<Col<F>>,
    /// The header texts, trimmed, in file order.
    pub(super) names: Vec<String>,
}

impl<F: Copy + PartialEq> Header<F> {
    /// Resolves `headers` with `known(lowercased name) -> field`, `keyed(name) -> key` for
    /// prefixed columns (`Err` = reason), reporting unknown and repeated columns on `line`.
    pub(super) fn resolve(
        headers: &[String],
        line: usize,
        known: impl Fn(&str) -> Option<F>,
        keyed: impl Fn(&str) -> Option<Result<(String, Option<CustomFieldKind>), String>>,
        expected: &str,
    ) -> Result<Self, Vec<RowError>> {
        let mut errors = Vec::new();
        let mut cols: Vec<Col<F>> = Vec::with_capacity(headers.len());
        for (i, raw) in headers.iter().enumerate() {
            let h = raw.trim();
            let lower = h.to_lowercase();
            let col = if h.is_empty() {
                Col::Unnamed
            } else if lower == ERROR_COLUMN {
                Col::Ignored
            } else if let Some(f) = known(&lower) {
                Col::Field(f)
            } else if let Some(k) = keyed(h) {
                match k {
                    Ok((key, kind)) => Col::Keyed(key, kind),
                    Err(reason) => {
                        errors.push(RowError::new(line, h, reason));
                        Col::Ignored
                    }
                }
            } else {
                errors.push(RowError::new(
                    line,
                    h,
                    format!("unknown column; the columns are {expected}"),
                ));
                Col::Ignored
            };
            let repeated = match &col {
                Col::Field(_) | Col::Keyed(..) => cols.iter().position(|c| *c == col),
                _ => None,
            };
            if let Some(first) = repeated {
                errors.push(RowError::new(
                    line,
                    h,
                    format!("appears twice (columns {} and {})", first + 1, i + 1),
                ));
            }
            cols.push(col);
        }
        if errors.is_empty() {
            Ok(Self {
                cols,
                names: headers.iter().map(|h| h.trim().to_string()).collect(),
            })
        } else {
            Err(errors)
        }
    }

    /// True when the file has a column for field `f`.
    pub(super) fn has(&self, f: F) -> bool {
        self.cols.contains(&Col::Field(f))
    }

    /// The header text of field `f`, if the file has it.
    pub(super) fn name_of(&self, f: F) -> Option<&str> {
        self.cols
            .iter()
            .position(|c| *c == Col::Field(f))
            .map(|i| self.names[i].as_str())
    }

    /// Non-empty cells with their column, reporting values under unnamed columns.
    pub(super) fn cells<'r>(
        &'r self,
        row: &'r Row,
        errors: &mut Vec<RowError>,
    ) -> Vec<(&'r Col<F>, &'r str, &'r str)> {
        let mut out = Vec::with_capacity(self.cols.len());
        for (i, v) in row.values.iter().enumerate() {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match self.cols.get(i) {
                Some(Col::Ignored) => {}
                Some(Col::Unnamed) | None => errors.push(RowError::new(
                    row.line,
                    format!("column {}", i + 1),
                    "has a value but no header",
                )),
                Some(c) => out.push((c, self.names[i].as_str(), v)),
            }
        }
        out
    }
}

/// Reports each `(any of these fields, name)` the header lacks as a missing column on `line`.
pub(super) fn check_required<F: Copy + PartialEq>(
    h: &Header<F>,
    line: usize,
    required: &[(&[F], &str)],
) -> Result<(), Vec<RowError>> {
    let missing: Vec<RowError> = required
        .iter()
        .filter(|(any_of, _)| !any_of.iter().any(|f| h.has(*f)))
        .map(|(_, name)| RowError::new(line, *name, "is a required column and is missing"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing)
    }
}
