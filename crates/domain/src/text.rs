//! Small text rules shared by every input: trimmed, bounded, printable.

use crate::error::Invalid;

/// Trims `value` and checks it is 1..=`max` characters without control characters.
/// Records an error on `field` in `errors` and returns `None` when it is not.
pub fn required(errors: &mut Invalid, field: &str, value: &str, max: usize) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        errors.push(field, "must not be empty");
        return None;
    }
    bounded(errors, field, v, max)
}

/// Like [`required`] for an optional value: absent or blank becomes `None` without error.
pub fn optional(
    errors: &mut Invalid,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    match value.map(str::trim) {
        None | Some("") => None,
        Some(v) => bounded(errors, field, v, max),
    }
}

fn bounded(errors: &mut Invalid, field: &str, v: &str, max: usize) -> Option<String> {
    if v.chars().count() > max {
        errors.push(field, format!("must be at most {max} characters"));
        return None;
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        errors.push(field, "must not contain control characters");
        return None;
    }
    Some(v.to_string())
}

/// A required text field of a create request: "is required" when absent, else as
/// [`required`].
pub fn present(
    errors: &mut Invalid,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    match value {
        Some(v) => required(errors, field, v, max),
        None => {
            errors.push(field, "is required");
            None
        }
    }
}

/// Checks a machine key (idempotency key, custom field key, event kind): ASCII letters,
/// digits and `_-.:` only, 1..=`max` long.
pub fn key(errors: &mut Invalid, field: &str, value: &str, max: usize) -> Option<String> {
    if value.is_empty() || value.len() > max {
        errors.push(field, format!("must be 1 to {max} characters"));
        return None;
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
    {
        errors.push(field, "may contain only letters, digits and _ - . :");
        return None;
    }
    Some(value.to_string())
}
