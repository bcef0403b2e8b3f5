//! The store's errors: unique and foreign-key violations named, time-outs and retryable
//! aborts told apart, from either driver.

/// Errors of the store, with unique violations turned into the key that refused the write.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key refused the write; the caller that knows the key maps it
    /// (core's `ResultExt::on_constraint`).
    #[error("the unique key {constraint} refused the write")]
    Conflict {
        /// The key's name on PostgreSQL (one of [`crate::unique`]'s), on both backends.
        constraint: String,
    },
    /// A member merge named a member that was already merged into another.
    #[error("one of the two members was already merged")]
    AlreadyMerged,
    /// A foreign key refused the write (a referenced row does not exist).
    #[error("a referenced row does not exist")]
    MissingReference,
    /// The database URL is not one we can use.
    #[error("unsupported database url: {0}")]
    BadUrl(String),
    /// Any other database error.
    #[error(transparent)]
    Db(sqlx::Error),
    /// The commit of a group of writes failed, or the write lane is gone; nothing of the
    /// write was kept.
    #[error("the write was not committed: {0}")]
    Commit(String),
    /// An error of the embedded store's writer connection.
    #[error(transparent)]
    Embedded(rusqlite::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A statement ran past the store's statement time limit and was cancelled.
    #[error("the statement ran past its time limit")]
    Timeout,
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// Whether the write lost a race the database resolved by aborting it (PostgreSQL's
    /// deadlock victim `40P01` or serialization failure `40001`): the same write may succeed
    /// when tried again.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Db(sqlx::Error::Database(e)) => {
                matches!(e.code().as_deref(), Some("40P01" | "40001"))
            }
            _ => false,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, msg) = &e {
            match f.extended_code {
                rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => return StoreError::MissingReference,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    return StoreError::Conflict {
                        constraint: crate::unique::from_sqlite(msg.as_deref().unwrap_or_default()),
                    };
                }
                _ => {}
            }
        }
        StoreError::Embedded(e)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(d) = &e {
            // PostgreSQL's query_canceled: `statement_timeout` struck.
            if d.code().as_deref() == Some("57014") {
                return StoreError::Timeout;
            }
            match d.kind() {
                sqlx::error::ErrorKind::UniqueViolation => {
                    return StoreError::Conflict {
                        constraint: d.constraint().map_or_else(
                            || crate::unique::from_sqlite(d.message()),
                            str::to_string,
                        ),
                    };
                }
                sqlx::error::ErrorKind::ForeignKeyViolation => return StoreError::MissingReference,
                _ => {}
            }
        }
        StoreError::Db(e)
    }
}
