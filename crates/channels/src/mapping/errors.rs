//! The row errors every mapper shares: a row's own defect, and the domain's field errors
//! renamed to the file's columns.

use quanzi_domain::FieldError;

use crate::import::{Row, RowError};

/// A row the reader already found unreadable: its defect is its only error.
pub(super) fn defect(row: &Row) -> Result<(), Vec<RowError>> {
    match &row.defect {
        Some(d) => Err(vec![d.clone()]),
        None => Ok(()),
    }
}

/// Converts domain field errors to row errors, naming the file's column.
pub(super) fn field_errors(
    line: usize,
    errs: Vec<FieldError>,
    name: impl Fn(&str) -> String,
) -> Vec<RowError> {
    errs.into_iter()
        .map(|e| {
            // `interests[3]` → column `interests`, reason prefixed with the item.
            let (field, reason) = match e.field.split_once('[') {
                Some((base, rest)) => {
                    let item = rest
                        .trim_end_matches(']')
                        .parse::<usize>()
                        .map_or(0, |i| i + 1);
                    (base.to_string(), format!("item {item}: {}", e.reason))
                }
                None => (e.field, e.reason),
            };
            RowError::new(line, name(&field), reason)
        })
        .collect()
}
