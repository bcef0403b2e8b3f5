//! Imports of events files: every row parsed and checked by the same rules and messages as
//! the API's ([`quanzi_channels::mapping::EventColumns`] on the domain's event rules), every
//! column kept (`properties.*`, reference, idempotency key), then streamed to the store's
//! bulk load ([`quanzi_store::bulk`]) — one transaction, ordinary event rows, membership
//! through the domain's one rule — while the next rows are read.
//!
//! With `create_missing` the file's member and group ids (and inviters) are its own, kept as
//! external ids and created when missing; otherwise they must be the tenant's.

use std::path::{Path, PathBuf};

use quanzi_channels::import::{FileFormat, RejectWriter, Row, RowReader, count_csv_rows};
use quanzi_channels::mapping::EventColumns;
use quanzi_domain::event::BatchContext;
use quanzi_domain::group::GroupInput;
use quanzi_domain::member::MemberInput;
use quanzi_domain::{Invalid, TenantId};
use quanzi_store::bulk::{self, BulkSetup, Feed, FileEvent, Ids};
use quanzi_store::{Db, group, member, now_ms, tenant};

use super::{
    Checked, EVENT_CHUNK, ImportOptions, ImportReport, RowError, file_error, reject_error,
    row_tenant,
};
use crate::{CoreError, Result};

/// Name of a created member; `{id}` is the file's id.
pub const MEMBER_NAME: &str = "导入成员 {id}";
/// Name of a created group; `{id}` is the file's id.
pub const GROUP_NAME: &str = "导入群 {id}";
/// Chunks read ahead of the store.
const AHEAD: usize = 2;

/// Imports the events file at `path`; see [`super::import_file`].
pub(super) async fn import(
    db: &Db,
    t: TenantId,
    path: &Path,
    opts: &ImportOptions,
    reject_path: Option<PathBuf>,
    progress: &(dyn Fn(u64, Option<u64>) + Sync),
) -> Result<ImportReport> {
    let mut reader = RowReader::open(path).map_err(file_error)?;
    let total = match reader.format() {
        FileFormat::Csv => Some(count_csv_rows(path).map_err(file_error)?),
        FileFormat::Spreadsheet => reader.total_rows(),
    };
    let headers = reader.headers().to_vec();
    let mut report = ImportReport::default();
    let cols = match EventColumns::new(&headers, reader.header_line()) {
        Ok(c) => c,
        Err(errors) => {
            report.note(&errors);
            return Ok(report);
        }
    };
    let mut checker = Checker {
        cols,
        kinds: tenant::custom_kinds(db, t).await?,
        now: now_ms(),
        keys: std::collections::HashMap::new(),
        create_missing: opts.create_missing,
    };
    let setup = BulkSetup {
        ids: if opts.create_missing {
            Ids::CreateMissing {
                member: Box::new(
                    MemberInput {
                        name: Some(MEMBER_NAME.into()),
                        ..Default::default()
                    }
                    .into_new(&[])?,
                ),
                group: Box::new(
                    GroupInput {
                        name: Some(GROUP_NAME.into()),
                        ..Default::default()
                    }
                    .into_new()?,
                ),
            }
        } else {
            Ids::Tenant
        },
        now_ms: checker.now,
    };
    let (sender, feed) = tokio::sync::mpsc::channel(AHEAD);
    let load = tokio::spawn({
        let db = db.clone();
        async move { bulk::load(&db, t, setup, feed).await }
    });
    let mut sender = Some(sender);
    let mut rejects: Option<RejectWriter> = None;
    progress(0, total);
    loop {
        let rows = reader.read_chunk(EVENT_CHUNK).map_err(file_error)?;
        if rows.is_empty() {
            break;
        }
        report.rows += rows.len() as u64;
        let checked = checker.check(db, t, opts, rows).await?;
        report.other_tenant += checked.other_tenant;
        report.reject(&checked.bad, &mut rejects, reject_path.as_deref(), &headers)?;
        if !opts.skip_bad && report.rejected > 0 {
            // Nothing will be written: the load rolls back at once, the rest is only checked.
            sender = None;
        }
        if let Some(s) = &sender
            && s.send(Feed::Rows(checked.good)).await.is_err()
        {
            // The load failed: its error is told below.
            sender = None;
            break;
        }
        progress(report.rows, total);
    }
    if let Some(w) = rejects {
        report.reject_file = Some(w.finish().map_err(reject_error)?);
    }
    if let Some(s) = sender {
        let _ = s.send(Feed::Commit).await;
    }
    let outcome = load.await.map_err(|e| {
        CoreError::Invalid(Invalid::one("file", format!("the import stopped: {e}")))
    })??;
    report.committed = outcome.committed;
    if outcome.committed {
        report.imported = outcome.imported;
        report.duplicates = outcome.duplicates;
        report.members_created = outcome.members_created;
        report.groups_created = outcome.groups_created;
    }
    progress(report.rows, Some(report.rows));
    Ok(report)
}

/// The checks of an events file's rows.
struct Checker {
    cols: EventColumns,
    kinds: Vec<String>,
    now: i64,
    /// Hashes of the file's own idempotency keys → first line.
    keys: std::collections::HashMap<u64, usize>,
    create_missing: bool,
}

impl Checker {
    /// Parses and checks one chunk: the domain's rules on every row, the file's idempotency
    /// keys unique, and — unless the ids are the file's own — the members, groups and
    /// inviters the rows name among the tenant's.
    async fn check(
        &mut self,
        db: &Db,
        t: TenantId,
        opts: &ImportOptions,
        rows: Vec<Row>,
    ) -> Result<Checked<Vec<FileEvent>>> {
        let mut out = Checked::with_capacity(rows.len());
        let ctx = BatchContext {
            custom_kinds: &self.kinds,
            now_ms: self.now,
        };
        let mut parsed: Vec<(Row, FileEvent)> = Vec::with_capacity(rows.len());
        for row in rows {
            let p = match self.cols.parse(&row, &ctx) {
                Ok(p) => p,
                Err(e) => {
                    out.bad.push((row, e));
                    continue;
                }
            };
            let column = || self.cols.column_name("tenant_id");
            match row_tenant(opts, t, p.tenant_id, row.line, column) {
                Ok(true) => {}
                Ok(false) => {
                    out.other_tenant += 1;
                    continue;
                }
                Err(e) => {
                    out.bad.push((row, vec![e]));
                    continue;
                }
            }
            if p.explicit_key() {
                let h = quanzi_channels::convert::fnv1a64(&[p.event.idempotency_key.as_bytes()]);
                if let Some(&first) = self.keys.get(&h) {
                    let e = RowError::new(
                        row.line,
                        self.cols.column_name("idempotency_key"),
                        format!("repeats the idempotency_key of line {first}"),
                    );
                    out.bad.push((row, vec![e]));
                    continue;
                }
                self.keys.insert(h, row.line);
            }
            // A key the reader derived is stored in the load's sorted form.
            parsed.push((
                row,
                FileEvent {
                    event: p.event,
                    derived: p.derived,
                },
            ));
        }
        if self.create_missing {
            out.good.extend(parsed.into_iter().map(|(_, e)| e));
        } else {
            self.check_ids(db, t, parsed, &mut out).await?;
        }
        out.bad.sort_by_key(|(r, _)| r.line);
        Ok(out)
    }

    /// Files each parsed row as good when its member, group and inviter are the tenant's.
    async fn check_ids(
        &self,
        db: &Db,
        t: TenantId,
        parsed: Vec<(Row, FileEvent)>,
        out: &mut Checked<Vec<FileEvent>>,
    ) -> Result<()> {
        let mut member_ids: Vec<i64> = Vec::with_capacity(parsed.len());
        let mut group_ids: Vec<i64> = Vec::new();
        for (_, f) in &parsed {
            let e = &f.event;
            member_ids.push(e.member_id.0);
            member_ids.extend(e.inviter().map(|m| m.0));
            group_ids.extend(e.group_id.map(|g| g.0));
        }
        member_ids.sort_unstable();
        member_ids.dedup();
        group_ids.sort_unstable();
        group_ids.dedup();
        let members = member::existing(db, t, &member_ids).await?;
        let groups = group::existing(db, t, &group_ids).await?;
        for (row, f) in parsed {
            let e = &f.event;
            let mut errors = Vec::new();
            let missing = |errors: &mut Vec<RowError>, column: String, what: &str, id: i64| {
                errors.push(RowError::new(
                    row.line,
                    column,
                    format!("no {what} {id} in this tenant"),
                ));
            };
            if !members.contains(&e.member_id.0) {
                let column = self.cols.column_name("member_id");
                missing(&mut errors, column, "member", e.member_id.0);
            }
            if let Some(g) = e.group_id
                && !groups.contains(&g.0)
            {
                missing(&mut errors, self.cols.column_name("group_id"), "group", g.0);
            }
            if let Some(inv) = e.inviter()
                && !members.contains(&inv.0)
            {
                let column = "properties.inviter_member_id".to_string();
                missing(&mut errors, column, "member", inv.0);
            }
            if errors.is_empty() {
                out.good.push(f);
            } else {
                out.bad.push((row, errors));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
