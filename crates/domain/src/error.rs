//! Validation errors that name the field (and, in a batch, the item) that is wrong.

use serde::Serialize;

/// One reason an input was refused: which field, which item of a batch, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Position of the item in a batch (0-based), or none for a single object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// The field's name as the client sent it, e.g. `phone` or `custom.birthday`.
    pub field: String,
    /// A short English reason an operator or a developer can act on.
    pub reason: String,
}

impl FieldError {
    /// A field error on a single object.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            index: None,
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The same error, attributed to item `index` of a batch.
    pub fn at(mut self, index: usize) -> Self {
        self.index = Some(index);
        self
    }
}

/// All the field errors found in one input; never empty when returned as an `Err`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    /// An error list with a single entry.
    pub fn one(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, reason)])
    }

    /// Adds one error.
    pub fn push(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FieldError::new(field, reason));
    }

    /// `Ok(value)` when no error was collected, else `Err(self)`.
    pub fn or_ok<T>(self, value: T) -> Result<T, Invalid> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// True when nothing was wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| match e.index {
                Some(i) => format!("[{i}].{}: {}", e.field, e.reason),
                None => format!("{}: {}", e.field, e.reason),
            })
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for Invalid {}
