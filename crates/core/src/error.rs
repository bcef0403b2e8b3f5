//! The one error type of use-cases; the web layer maps each variant to a stable code.

use quanzi_domain::Invalid;
use quanzi_store::StoreError;

/// Why a use-case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The input broke a rule; each entry names the field.
    #[error("invalid input: {0}")]
    Invalid(Invalid),
    /// The object does not exist in this tenant (or at all: we do not say which).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique field collided with an existing object.
    #[error("{0} already exists")]
    Conflict(String),
    /// Wrong email or password.
    #[error("wrong email or password")]
    BadCredentials,
    /// Authenticated but not allowed.
    #[error("not allowed")]
    Forbidden,
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
    /// A stored secret does not open with the server key (the server was started with
    /// another key file): a server misconfiguration, never shown to clients in detail.
    #[error("{0}")]
    ServerKey(String),
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { field } => CoreError::Conflict(field),
            other => CoreError::Store(other),
        }
    }
}

impl From<Invalid> for CoreError {
    fn from(e: Invalid) -> Self {
        CoreError::Invalid(e)
    }
}

/// The use-cases' result type.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
