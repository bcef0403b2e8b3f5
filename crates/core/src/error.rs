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

impl CoreError {
    /// A collision on the unique field `field`, e.g. `phone`.
    pub fn conflict(field: &str) -> Self {
        CoreError::Conflict(field.to_string())
    }
}

/// A unique violation no caller mapped stays a store error: the write was not expected to
/// break that key, so it is a fault, not the client's conflict.
impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        CoreError::Store(e)
    }
}

/// Maps a unique violation to the caller's answer at the call that knows which key its write
/// may break (realworld-axum-sqlx's `on_constraint`): keyed on the key's name, never on a
/// database message.
pub trait ResultExt<T> {
    /// When the write broke the unique key `name` (one of [`quanzi_store::unique`]'s), answers
    /// `map(e)` instead; any other error is left as it is. Calls chain, one per key.
    fn on_constraint(self, name: &str, map: impl FnOnce(StoreError) -> CoreError) -> Result<T>;
}

impl<T, E: Into<CoreError>> ResultExt<T> for std::result::Result<T, E> {
    fn on_constraint(self, name: &str, map: impl FnOnce(StoreError) -> CoreError) -> Result<T> {
        self.map_err(|e| match e.into() {
            CoreError::Store(StoreError::Conflict { constraint }) if constraint == name => {
                map(StoreError::Conflict { constraint })
            }
            other => other,
        })
    }
}

impl From<Invalid> for CoreError {
    fn from(e: Invalid) -> Self {
        CoreError::Invalid(e)
    }
}

/// The use-cases' result type.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
