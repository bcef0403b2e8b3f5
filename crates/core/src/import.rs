//! Imports of members, groups and events from CSV or XLSX files (`quanzi import KIND FILE`).
//!
//! Every row is checked: its cells (by [`quanzi_channels::mapping`]), the domain's rules, and
//! against the store (members and groups an event names must be the tenant's; a member's
//! phone, unionid and external_userid, and a group's external_chat_id, must not repeat).
//! Rows are read, checked and written in chunks inside ONE transaction, so a file of millions
//! of events is never held in memory and is still all or nothing:
//!
//! * by default, if any row is bad nothing is written: the transaction is rolled back as soon
//!   as the first bad row is seen and the rest of the file is only checked, so every bad row
//!   is reported. The result is `Ok` with `committed: false`, `imported: 0` and the errors by
//!   line (a file that cannot be read at all is an `Err`); the CLI should exit non-zero
//!   whenever [`ImportReport::is_success`] is false.
//! * with `skip_bad`, the good rows are written (still in one transaction) and the bad ones
//!   go to a reject file: the input's columns plus an `error` column (always CSV, also for
//!   XLSX input). The reject file can be fixed and imported again as it is.
//!
//! Re-importing is safe for events (each row's idempotency key is the file's or one derived
//! from the line and the row's content), for members that carry a phone, unionid or
//! external_userid, and for groups that carry an external_chat_id: rows already stored are
//! counted as `duplicates` and skipped (never updated).
//!
//! The reading is blocking file IO inside an async function: fine for the CLI; a server should
//! run it on a blocking-friendly task.

use std::path::{Path, PathBuf};

use quanzi_channels::import::{
    FileFormat, ImportError, RejectWriter, Row, RowReader, count_csv_rows, default_reject_path,
};
pub use quanzi_channels::import::{ImportKind, RowError};
use quanzi_channels::mapping::{GroupColumns, MemberColumns};
use quanzi_domain::{Invalid, TenantId};
use quanzi_store::{Db, tenant};
use serde::Serialize;

use crate::{CoreError, Result};

mod directory;
mod events;

use directory::Importer;
pub use events::{GROUP_NAME, MEMBER_NAME};

/// At most this many row errors are kept in a report (the reject file has them all).
pub const MAX_REPORTED_ERRORS: usize = 100;
/// Event rows read, checked and stored per step.
pub const EVENT_CHUNK: usize = 50_000;
/// Member rows per step.
pub const MEMBER_CHUNK: usize = 5_000;
/// Group rows per step.
pub const GROUP_CHUNK: usize = 1_000;

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Write the good rows and put the bad ones in the reject file, instead of writing nothing
    /// when a row is bad.
    pub skip_bad: bool,
    /// Where to write bad rows; with `skip_bad` it defaults to `<input stem>.rejects.csv` next
    /// to the input. Without `skip_bad` bad rows are written here only if it is given.
    pub reject_path: Option<PathBuf>,
    /// Events files with a `tenant_id` column (the benchmark's): leave out, without error,
    /// the rows of other tenants. Otherwise such rows are bad rows.
    pub skip_other_tenants: bool,
    /// Events files with a `tenant_id` column: import every row into this tenant whatever
    /// the column says (with `create_missing`, the benchmark's whole file into one tenant).
    pub ignore_tenant_column: bool,
    /// Events files: read `member_id`, `group_id` and `properties.inviter_member_id` as the
    /// file's own ids, kept as the tenant's members' `external_userid` and groups'
    /// `external_chat_id` `import:<id>`, and create the members and groups the tenant does not
    /// have yet, in the same transaction (see [`quanzi_store::bulk`]).
    pub create_missing: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    /// Data rows read (blank lines and the header left out).
    pub rows: u64,
    /// Rows written now (0 when nothing was committed).
    pub imported: u64,
    /// Rows already stored (same idempotency key, phone/unionid/external_userid or
    /// external_chat_id), skipped.
    pub duplicates: u64,
    /// Bad rows: written to the reject file with `skip_bad`, else the reason nothing was
    /// written.
    pub rejected: u64,
    /// Rows of other tenants left out (`skip_other_tenants`).
    pub other_tenant: u64,
    /// Members created for the file's ids (`create_missing`).
    pub members_created: u64,
    /// Groups created for the file's ids (`create_missing`).
    pub groups_created: u64,
    /// The first [`MAX_REPORTED_ERRORS`] errors, by line; header errors are on the header's line.
    pub errors: Vec<RowError>,
    /// True when the transaction was committed (nothing is written otherwise).
    pub committed: bool,
    /// The reject file, when one was written.
    pub reject_file: Option<PathBuf>,
}

impl ImportReport {
    /// True when every row was imported or was a duplicate: committed and nothing rejected.
    pub fn is_success(&self) -> bool {
        self.committed && self.rejected == 0 && self.errors.is_empty()
    }

    fn note(&mut self, errors: &[RowError]) {
        let room = MAX_REPORTED_ERRORS.saturating_sub(self.errors.len());
        self.errors.extend(errors.iter().take(room).cloned());
    }

    /// Counts and notes the bad rows of a chunk, and writes them to the reject file (made on
    /// the first) when there is one.
    fn reject(
        &mut self,
        bad: &[(Row, Vec<RowError>)],
        rejects: &mut Option<RejectWriter>,
        reject_path: Option<&Path>,
        headers: &[String],
    ) -> Result<()> {
        for (row, errors) in bad {
            self.rejected += 1;
            self.note(errors);
            if let Some(p) = reject_path {
                if rejects.is_none() {
                    *rejects = Some(RejectWriter::create(p, headers).map_err(reject_error)?);
                }
                if let Some(w) = rejects {
                    w.write(row, errors).map_err(reject_error)?;
                }
            }
        }
        Ok(())
    }
}

fn file_error(e: ImportError) -> CoreError {
    CoreError::Invalid(Invalid::one("file", e.to_string()))
}

/// A row's `tenant_id` cell against the tenant imported into: `Ok(true)` import the row,
/// `Ok(false)` leave it out (`skip_other_tenants`), `Err` on the `column` of a bad row.
fn row_tenant(
    opts: &ImportOptions,
    t: TenantId,
    cell: Option<i64>,
    line: usize,
    column: impl FnOnce() -> String,
) -> std::result::Result<bool, RowError> {
    match cell {
        Some(tid) if tid != t.0 && !opts.ignore_tenant_column => {
            if opts.skip_other_tenants {
                Ok(false)
            } else {
                let reason = format!("is {tid}, but this import is into tenant {}", t.0);
                Err(RowError::new(line, column(), reason))
            }
        }
        _ => Ok(true),
    }
}

fn reject_error(e: ImportError) -> CoreError {
    CoreError::Invalid(Invalid::one("reject_path", e.to_string()))
}

/// Imports `path` into the tenant; see the module documentation for the semantics.
/// `progress(rows_done, total)` is called at the start and after each chunk (the total is
/// known for XLSX and, after a quick counting pass, for CSV).
pub async fn import_file(
    db: &Db,
    tenant: TenantId,
    kind: ImportKind,
    path: &Path,
    opts: &ImportOptions,
    progress: &(dyn Fn(u64, Option<u64>) + Sync),
) -> Result<ImportReport> {
    if opts.create_missing && kind != ImportKind::Events {
        return Err(Invalid::one("create_missing", "applies to events files only").into());
    }
    if opts.ignore_tenant_column && opts.skip_other_tenants {
        return Err(Invalid::one(
            "ignore_tenant_column",
            "give only one of ignore_tenant_column and skip_other_tenants",
        )
        .into());
    }
    let reject_path = opts
        .reject_path
        .clone()
        .or_else(|| opts.skip_bad.then(|| default_reject_path(path)));
    if let Some(r) = &reject_path
        && (r == path || std::fs::canonicalize(r).ok() == std::fs::canonicalize(path).ok())
    {
        return Err(Invalid::one("reject_path", "must not be the file being imported").into());
    }
    if kind == ImportKind::Events {
        return events::import(db, tenant, path, opts, reject_path, progress).await;
    }
    let mut reader = RowReader::open(path).map_err(file_error)?;
    let total = match reader.format() {
        FileFormat::Csv => Some(count_csv_rows(path).map_err(file_error)?),
        FileFormat::Spreadsheet => reader.total_rows(),
    };
    let headers = reader.headers().to_vec();
    let line = reader.header_line();
    let mut report = ImportReport::default();
    let columns = if kind == ImportKind::Members {
        let defs = tenant::custom_fields(db, tenant).await?;
        MemberColumns::new(&headers, line, &defs).map(Importer::members)
    } else {
        GroupColumns::new(&headers, line).map(Importer::groups)
    };
    let mut importer = match columns {
        Ok(i) => i,
        Err(errors) => {
            report.note(&errors);
            return Ok(report);
        }
    };
    importer.prepare(db, tenant).await?;

    let mut rejects: Option<RejectWriter> = None;
    let mut tx = Some(db.begin().await?);
    progress(0, total);
    loop {
        let rows = reader
            .read_chunk(importer.chunk_size())
            .map_err(file_error)?;
        if rows.is_empty() {
            break;
        }
        report.rows += rows.len() as u64;
        let checked = importer.check(rows);
        report.duplicates += checked.duplicates;
        report.other_tenant += checked.other_tenant;
        report.reject(&checked.bad, &mut rejects, reject_path.as_deref(), &headers)?;
        if !opts.skip_bad && report.rejected > 0 {
            // Nothing will be written: give the store back at once, keep checking.
            tx = None;
        }
        if let Some(tx) = &mut tx {
            let (new, dup) = importer.store(tx, tenant, checked.good).await?;
            report.imported += new;
            report.duplicates += dup;
        }
        progress(report.rows, total);
    }
    if let Some(w) = rejects {
        report.reject_file = Some(w.finish().map_err(reject_error)?);
    }
    match tx {
        Some(tx) => {
            tx.commit().await?;
            report.committed = true;
        }
        None => {
            report.imported = 0;
            report.duplicates = 0;
        }
    }
    progress(report.rows, Some(report.rows));
    Ok(report)
}

/// The rows of one chunk, sorted.
struct Checked<T> {
    good: T,
    bad: Vec<(Row, Vec<RowError>)>,
    duplicates: u64,
    other_tenant: u64,
}

impl<T> Checked<Vec<T>> {
    fn with_capacity(n: usize) -> Self {
        Checked {
            good: Vec::with_capacity(n),
            bad: Vec::new(),
            duplicates: 0,
            other_tenant: 0,
        }
    }

    /// Files a checked row: bad when it has errors, a duplicate when it matches a stored
    /// object, good otherwise. True when it was taken as good.
    fn file(&mut self, row: Row, errors: Vec<RowError>, stored: bool, item: T) -> bool {
        if !errors.is_empty() {
            self.bad.push((row, errors));
            false
        } else if stored {
            self.duplicates += 1;
            false
        } else {
            self.good.push(item);
            true
        }
    }
}

impl<T> Checked<T> {
    fn map_good<U>(self, f: impl FnOnce(T) -> U) -> Checked<U> {
        Checked {
            good: f(self.good),
            bad: self.bad,
            duplicates: self.duplicates,
            other_tenant: self.other_tenant,
        }
    }
}

#[cfg(test)]
mod tests;
