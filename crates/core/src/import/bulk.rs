//! `quanzi import events --create-missing`: the benchmark's CSV format (and the events
//! columns that map one-to-one to it) read at engine speed and handed to the store's bulk
//! load ([`quanzi_store::bulk`]) — members and groups by the file's ids, created when missing.
//!
//! The file is read on a thread of its own while the store writes on another: one reused
//! byte record per line, each cell checked in place with the same rules and messages as the
//! row-by-row path (no string per cell, no JSON), keys derived exactly as
//! [`quanzi_channels::mapping::derived_key`] derives them, so either path recognises rows the
//! other stored. Semantics are the module's: all or nothing unless `skip_bad`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use quanzi_channels::convert::{parse_int, parse_occurred_at, parse_unix_seconds, yuan_to_fen};
use quanzi_channels::import::{
    ERROR_COLUMN, FileFormat, RawRecord, RejectWriter, RowError, RowReader,
};
use quanzi_channels::mapping::{EventColumns, ROW_HASH_START, RowHasher, trim_cell};
use quanzi_domain::event::{BUILTIN_KINDS, MAX_FUTURE_SKEW_MS, MIN_OCCURRED_AT_MS};
use quanzi_domain::group::GroupInput;
use quanzi_domain::member::MemberInput;
use quanzi_domain::{Invalid, TenantId};
use quanzi_store::bulk::{self, BulkEvent, BulkSetup, EventBatch, Feed};
use quanzi_store::{Db, now_ms, tenant};
use tokio::sync::mpsc::Sender;

use super::{
    ImportOptions, ImportReport, MAX_REPORTED_ERRORS, file_error, reject_error, row_tenant,
};
use crate::{CoreError, Result};

/// Rows per batch handed to the store.
const BATCH: usize = 65_536;
/// Batches read ahead of the store.
const AHEAD: usize = 8;
/// Name of a created member; `{id}` is the file's id.
pub const MEMBER_NAME: &str = "导入成员 {id}";
/// Name of a created group; `{id}` is the file's id.
pub const GROUP_NAME: &str = "导入群 {id}";

/// What a column of the file is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Tenant,
    Member,
    Group,
    Kind,
    /// `ts`: unix seconds (or a date-time).
    Ts,
    /// `occurred_at` / `occurred_at_ms`: unix ms (or a date-time).
    OccurredAt,
    /// `amount`: yuan, 0 meaning none.
    Amount,
    AmountYuan,
    AmountFen,
    /// `product_id`: 0 meaning none.
    ProductId,
    Product,
    Ignored,
}

const COLUMNS: &str = "tenant_id, member_id, group_id, kind, ts (or occurred_at), amount (or \
     amount_yuan, amount_fen) and product_id (or product)";

/// The file's columns, as resolved for the bulk path.
struct Columns {
    cols: Vec<Col>,
    /// The file's name of each column, for errors in its cells.
    names: Vec<String>,
    /// The file's names of the fields the domain's rules name, made once.
    field: FieldNames,
    /// The derived key's row hash under this header.
    hasher: RowHasher,
}

/// The file's names of the fields (as [`EventColumns::column_name`] answers them), for the
/// errors of the rules that name a field rather than a cell.
struct FieldNames {
    tenant: String,
    kind: String,
    member: String,
    group: String,
    time: String,
    amount: String,
    product: String,
}

impl Columns {
    fn new(headers: &[String], line: usize) -> std::result::Result<Self, Vec<RowError>> {
        let ec = EventColumns::new(headers, line)?;
        let mut errors = Vec::new();
        let mut cols = Vec::with_capacity(headers.len());
        for h in headers {
            let col = match h.trim().to_lowercase().as_str() {
                "tenant_id" => Col::Tenant,
                "member_id" => Col::Member,
                "group_id" => Col::Group,
                "kind" => Col::Kind,
                "ts" => Col::Ts,
                "occurred_at" | "occurred_at_ms" => Col::OccurredAt,
                "amount" => Col::Amount,
                "amount_yuan" => Col::AmountYuan,
                "amount_fen" => Col::AmountFen,
                "product_id" => Col::ProductId,
                "product" => Col::Product,
                ERROR_COLUMN => Col::Ignored,
                _ => {
                    errors.push(RowError::new(
                        line,
                        h.trim(),
                        format!("is not read with create_missing, which reads {COLUMNS}"),
                    ));
                    Col::Ignored
                }
            };
            cols.push(col);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Columns {
            cols,
            hasher: RowHasher::new(headers),
            names: headers.iter().map(|h| h.trim().to_string()).collect(),
            field: FieldNames {
                tenant: ec.column_name("tenant_id"),
                kind: ec.column_name("kind"),
                member: ec.column_name("member_id"),
                group: ec.column_name("group_id"),
                time: ec.column_name("occurred_at_ms"),
                amount: ec.column_name("amount_fen"),
                product: ec.column_name("product"),
            },
        })
    }
}

/// One good row: the event, its product cell, the file's tenant id, and its row hash (the
/// derived key's: [`quanzi_channels::mapping::derived_hash`]).
struct Good<'r> {
    event: BulkEvent,
    product: Option<&'r str>,
    tenant: Option<i64>,
    hash: u64,
}

/// Row checks against the tenant's kinds and the clock.
struct Checker {
    cols: Columns,
    kinds: Vec<String>,
    now_ms: i64,
}

impl Checker {
    /// Checks a record: its cells as the mapping reads them, then the domain's rules.
    fn check<'r>(&self, rec: &RawRecord<'r>) -> std::result::Result<Good<'r>, Vec<RowError>> {
        let line = rec.line;
        let n = self.cols.cols.len();
        let extra = (n..rec.len()).any(|i| rec.get(i).is_some_and(|c| !c.trim_ascii().is_empty()));
        if rec.len() < n || extra {
            return Err(rec.to_row().defect.into_iter().collect());
        }
        let defect = || rec.to_row().defect.into_iter().collect::<Vec<_>>();
        let Some(text) = rec.text() else {
            return Err(defect());
        };
        let mut errors = Vec::new();
        let (mut kind, mut member, mut group, mut at) = (None, None, None, None);
        let (mut amount, mut product, mut tenant) = (None, None, None);
        let hasher = &self.cols.hasher;
        let mut hash = ROW_HASH_START;
        for (i, col) in self.cols.cols.iter().enumerate() {
            let Some(v) = text.get(i) else {
                return Err(defect());
            };
            let v = trim_cell(v);
            hash = hasher.step(hash, i, v);
            if v.is_empty() {
                continue;
            }
            let id = |what: &str| {
                parse_int(v).map_err(|_| format!("must be a {what} id (a whole number)"))
            };
            let done: std::result::Result<(), String> = match col {
                Col::Tenant => id("tenant").map(|x| tenant = Some(x)),
                Col::Member => id("member").map(|x| member = Some(x)),
                Col::Group => id("group").map(|x| group = Some(x)),
                Col::Kind => {
                    kind = Some(v);
                    Ok(())
                }
                Col::Ts => parse_unix_seconds(v).map(|ms| at = Some(ms)),
                Col::OccurredAt => parse_occurred_at(v).map(|ms| at = Some(ms)),
                Col::Amount => yuan_to_fen(v).map(|f| amount = (f != 0).then_some(f)),
                Col::AmountYuan => yuan_to_fen(v).map(|f| amount = Some(f)),
                Col::AmountFen => parse_int(v)
                    .map(|f| amount = Some(f))
                    .map_err(|_| "must be a whole number of fen".to_string()),
                Col::ProductId => {
                    product = (v != "0").then_some(v);
                    Ok(())
                }
                Col::Product => {
                    product = Some(v);
                    Ok(())
                }
                Col::Ignored => Ok(()),
            };
            if let Err(reason) = done {
                errors.push(RowError::new(line, self.cols.names[i].clone(), reason));
            }
        }
        let names = &self.cols.field;
        for (present, name) in [
            (kind.is_some(), &names.kind),
            (member.is_some(), &names.member),
            (at.is_some(), &names.time),
        ] {
            if !present && !errors.iter().any(|e| e.field == *name) {
                errors.push(RowError::new(line, name.clone(), "is required"));
            }
        }
        let (Some(kind), Some(member), Some(at), true) = (kind, member, at, errors.is_empty())
        else {
            return Err(errors);
        };
        let hash = hasher.end(hash, n);
        // The domain's rules (quanzi_domain::event::EventInput::parse), in its order.
        let k = self.kinds.iter().position(|x| x == kind);
        if k.is_none() {
            let reason = format!(
                "unknown kind; built-in kinds are {}",
                BUILTIN_KINDS.join(", ")
            );
            errors.push(RowError::new(line, names.kind.clone(), reason));
        }
        if member <= 0 {
            let reason = "must be a positive member id";
            errors.push(RowError::new(line, names.member.clone(), reason));
        }
        if matches!(group, Some(g) if g <= 0) {
            let reason = "must be a positive group id";
            errors.push(RowError::new(line, names.group.clone(), reason));
        }
        if at < MIN_OCCURRED_AT_MS {
            let reason = "must be unix milliseconds after 2000-01-01";
            errors.push(RowError::new(line, names.time.clone(), reason));
        } else if at > self.now_ms.saturating_add(MAX_FUTURE_SKEW_MS) {
            let reason = "must not be more than a day in the future";
            errors.push(RowError::new(line, names.time.clone(), reason));
        }
        if k.is_some() {
            if (kind == "join" || kind == "leave") && group.is_none() {
                let reason = "is required for join and leave";
                errors.push(RowError::new(line, names.group.clone(), reason));
            }
            if let Some(r) = quanzi_domain::event::amount_problem(kind, amount) {
                errors.push(RowError::new(line, names.amount.clone(), r));
            }
        }
        if let Some(p) = product {
            let reason = if p.chars().count() > 128 {
                Some("must be at most 128 characters")
            } else if p.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                Some("must not contain control characters")
            } else {
                None
            };
            if let Some(r) = reason {
                errors.push(RowError::new(line, names.product.clone(), r));
            }
        }
        match k {
            Some(k) if errors.is_empty() => Ok(Good {
                event: BulkEvent {
                    kind: k as u16,
                    member,
                    group,
                    occurred_at_ms: at,
                    amount_fen: amount,
                },
                product,
                tenant,
                hash,
            }),
            _ => Err(errors),
        }
    }
}

/// What the reading thread found.
#[derive(Default)]
struct Read {
    rows: u64,
    rejected: u64,
    other_tenant: u64,
    errors: Vec<RowError>,
    reject_file: Option<PathBuf>,
}

/// Counters the reader and the writer share with the progress bar.
#[derive(Default)]
struct Counters {
    rows: AtomicU64,
    bytes: AtomicU64,
}

/// What the reading thread works with.
struct Reading {
    reader: RowReader,
    checker: Checker,
    tenant: TenantId,
    opts: ImportOptions,
    reject_path: Option<PathBuf>,
    counters: Arc<Counters>,
}

impl Reading {
    /// Reads, checks and sends every row; stops sending (so the load rolls back) at the
    /// first bad row unless `skip_bad`, and keeps checking to report every bad row.
    fn run(mut self, feed: Sender<Feed>) -> Result<Read> {
        let mut out = Read::default();
        let mut rejects: Option<RejectWriter> = None;
        let mut feed = Some(feed);
        let mut batch = EventBatch::with_capacity(BATCH);
        let headers = self.reader.headers().to_vec();
        while let Some(rec) = self.reader.next_record().map_err(file_error)? {
            out.rows += 1;
            let verdict = self.checker.check(&rec).and_then(|g| {
                let column = || self.checker.cols.field.tenant.clone();
                match row_tenant(&self.opts, self.tenant, g.tenant, rec.line, column) {
                    Ok(keep) => Ok(keep.then_some(g)),
                    Err(e) => Err(vec![e]),
                }
            });
            match verdict {
                Ok(Some(g)) => {
                    if feed.is_some() {
                        batch.push(g.event, (rec.line as u64, g.hash), g.product);
                    }
                }
                Ok(None) => out.other_tenant += 1,
                Err(errors) => {
                    out.rejected += 1;
                    let room = MAX_REPORTED_ERRORS.saturating_sub(out.errors.len());
                    out.errors.extend(errors.iter().take(room).cloned());
                    if let Some(p) = &self.reject_path {
                        if rejects.is_none() {
                            rejects =
                                Some(RejectWriter::create(p, &headers).map_err(reject_error)?);
                        }
                        if let Some(w) = &mut rejects {
                            w.write(&rec.to_row(), &errors).map_err(reject_error)?;
                        }
                    }
                    if !self.opts.skip_bad {
                        // Nothing will be written: let the load roll back at once.
                        feed = None;
                    }
                }
            }
            if batch.len() >= BATCH {
                self.counters.rows.store(out.rows, Ordering::Relaxed);
                self.counters
                    .bytes
                    .store(self.reader.bytes_read(), Ordering::Relaxed);
                let full = std::mem::replace(&mut batch, EventBatch::with_capacity(BATCH));
                if let Some(f) = &feed
                    && f.blocking_send(Feed::Rows(full)).is_err()
                {
                    // The load failed; its error is the one to report.
                    return Ok(out);
                }
            }
        }
        if let Some(w) = rejects {
            out.reject_file = Some(w.finish().map_err(reject_error)?);
        }
        if let Some(f) = feed {
            if !batch.is_empty() && f.blocking_send(Feed::Rows(batch)).is_err() {
                return Ok(out);
            }
            let _ = f.blocking_send(Feed::Commit);
        }
        Ok(out)
    }
}

/// Imports an events CSV with ids mapped; see the module documentation.
pub(super) async fn import(
    db: &Db,
    t: TenantId,
    path: &Path,
    opts: &ImportOptions,
    reject_path: Option<PathBuf>,
    progress: &(dyn Fn(u64, Option<u64>) + Sync),
) -> Result<ImportReport> {
    let reader = RowReader::open(path).map_err(file_error)?;
    if reader.format() != FileFormat::Csv {
        return Err(Invalid::one(
            "create_missing",
            "reads CSV files; save the sheet as CSV UTF-8",
        )
        .into());
    }
    let file_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut report = ImportReport::default();
    let cols = match Columns::new(reader.headers(), reader.header_line()) {
        Ok(c) => c,
        Err(errors) => {
            report.note(&errors);
            return Ok(report);
        }
    };
    let mut kinds: Vec<String> = BUILTIN_KINDS.iter().map(|k| k.to_string()).collect();
    kinds.extend(tenant::custom_kinds(db, t).await?);
    let setup = BulkSetup {
        kinds: kinds.clone(),
        member: MemberInput {
            name: Some(MEMBER_NAME.into()),
            ..Default::default()
        }
        .into_new(&[])?,
        group: GroupInput {
            name: Some(GROUP_NAME.into()),
            ..Default::default()
        }
        .into_new()?,
        now_ms: now_ms(),
        // The benchmark's lines are about 37 bytes.
        expected_rows: file_bytes / 37,
    };
    let counters = Arc::new(Counters::default());
    let reading = Reading {
        reader,
        checker: Checker {
            cols,
            kinds,
            now_ms: setup.now_ms,
        },
        tenant: t,
        opts: opts.clone(),
        reject_path,
        counters: counters.clone(),
    };
    let (tx, rx) = tokio::sync::mpsc::channel(AHEAD);
    let reader = tokio::task::spawn_blocking(move || reading.run(tx));
    let written = Arc::new(AtomicU64::new(0));
    let load = bulk::load(db, t, setup, rx, written.clone());
    tokio::pin!(load);
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    progress(0, None);
    let loaded = loop {
        tokio::select! {
            r = &mut load => break r,
            _ = tick.tick() => {
                let (rows, bytes) = (counters.rows.load(Ordering::Relaxed), counters.bytes.load(Ordering::Relaxed));
                let total = (bytes > 0).then(|| (rows as f64 * file_bytes as f64 / bytes as f64) as u64);
                progress(written.load(Ordering::Relaxed), total);
            }
        }
    };
    let read = reader.await.map_err(|e| {
        CoreError::Invalid(Invalid::one("file", format!("the reader stopped: {e}")))
    })?;
    let outcome = loaded?;
    let read = read?;
    report.rows = read.rows;
    report.rejected = read.rejected;
    report.other_tenant = read.other_tenant;
    report.note(&read.errors);
    report.reject_file = read.reject_file;
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use quanzi_channels::mapping::derived_key;
    use quanzi_domain::event::{BatchContext, EventInput, NewEvent};
    use quanzi_domain::{GroupId, MemberId};
    use quanzi_store::bulk::external_id;
    use quanzi_store::{event, group, member};
    use quanzi_testkit::TestDb;

    use super::*;
    use crate::import::{ImportKind, import_file};

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    const HEADER: &str = "tenant_id,member_id,group_id,kind,ts,amount,product_id\n";

    /// A file in the temporary directory, removed when dropped.
    struct TempFile(PathBuf);

    impl TempFile {
        fn new(text: &str) -> std::io::Result<Self> {
            static N: AtomicU64 = AtomicU64::new(0);
            let p = std::env::temp_dir().join(format!(
                "quanzi-bulk-{}-{}-{}.csv",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed),
                now_ms()
            ));
            std::fs::write(&p, text)?;
            Ok(TempFile(p))
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    async fn new_tenant(db: &Db, slug: &str) -> Result<TenantId> {
        let mut tx = db.begin().await?;
        let t = tenant::create(&mut tx, slug, slug).await?;
        tx.commit().await?;
        Ok(TenantId(t.tenant_id))
    }

    fn mapped() -> ImportOptions {
        ImportOptions {
            create_missing: true,
            ignore_tenant_column: true,
            ..Default::default()
        }
    }

    fn quiet(_: u64, _: Option<u64>) {}

    async fn import(db: &Db, t: TenantId, file: &TempFile) -> Result<ImportReport> {
        import_file(db, t, ImportKind::Events, &file.0, &mapped(), &quiet).await
    }

    /// `n` benchmark rows over 500 members and 7 groups, every 20th an order, the first
    /// of each member a join.
    fn bench_file(n: u64) -> String {
        let mut text = String::from(HEADER);
        let mut seen = std::collections::HashSet::new();
        for i in 0..n {
            let m = (i * 7919) % 500 + 1;
            let g = m % 7 + 1;
            let (kind, amount, product) = if seen.insert(m) {
                ("join", "0", "0")
            } else if i % 20 == 0 {
                ("order", "30.5", "42")
            } else {
                ("message", "0", "0")
            };
            text.push_str(&format!(
                "{},{m},{g},{kind},{},{amount},{product}\n",
                i % 3 + 1,
                1_735_689_600 + i
            ));
        }
        text
    }

    #[tokio::test]
    async fn a_benchmark_file_creates_members_and_groups_once_and_imports_every_row() -> TestResult
    {
        for tdb in TestDb::all().await {
            let db = &tdb.db;
            let t = new_tenant(db, "bulk").await?;
            // More rows than one batch, so the members of a later batch are found, not made.
            let n = BATCH as u64 + 4_464;
            let file = TempFile::new(&bench_file(n))?;
            let r = import(db, t, &file).await?;
            assert!(r.is_success(), "{} {:?}", db.backend(), r.errors);
            assert_eq!((r.rows, r.imported, r.duplicates), (n, n, 0));
            assert_eq!((r.members_created, r.groups_created), (500, 7));
            assert_eq!(event::count(db, t).await?, n as i64);
            assert_eq!(member::count(db, t).await?, 500);
            let again = import(db, t, &file).await?;
            assert!(again.is_success());
            assert_eq!(
                (again.imported, again.duplicates),
                (0, n),
                "{}",
                db.backend()
            );
            assert_eq!((again.members_created, again.groups_created), (0, 0));
            assert_eq!(event::count(db, t).await?, n as i64);
            assert_eq!(member::count(db, t).await?, 500);
            let groups = group::list(db, t, None, None, 100).await?;
            assert_eq!(groups.len(), 7);
            // Every member joined their group once: the groups hold all 500.
            assert_eq!(groups.iter().map(|g| g.size).sum::<i64>(), 500);
            let order = event::list(
                db,
                t,
                &event::EventFilter {
                    kind: Some("order".into()),
                    limit: 1,
                    ..Default::default()
                },
            )
            .await?;
            let o = order.first().ok_or("no order")?;
            assert_eq!(
                (o.amount_fen, o.product.as_deref()),
                (Some(3050), Some("42"))
            );
        }
        Ok(())
    }

    /// The names of the event table's indexes, sorted (not the primary key's).
    async fn event_indexes(db: &Db) -> std::result::Result<Vec<String>, sqlx::Error> {
        let mut names: Vec<String> = match db {
            Db::Sqlite(p, _) => {
                sqlx::query_scalar(
                    "select name from sqlite_master where type = 'index' and tbl_name = 'event' and sql is not null",
                )
                .fetch_all(p)
                .await?
            }
            Db::Postgres(p) => {
                sqlx::query_scalar(
                    "select indexname::text from pg_indexes where schemaname = current_schema()
                     and tablename = 'event' and indexname <> 'event_pkey'",
                )
                .fetch_all(p)
                .await?
            }
        };
        names.sort();
        Ok(names)
    }

    /// The foreign keys of the tables a bulk load writes, as `table: definition` lines, sorted.
    async fn foreign_keys(db: &Db) -> std::result::Result<Vec<String>, sqlx::Error> {
        let tables = [
            "member",
            "chat_group",
            "membership_change",
            "group_membership",
        ];
        let mut keys = Vec::new();
        for table in tables {
            let found: Vec<String> =
                match db {
                    Db::Sqlite(p, _) => sqlx::query_scalar(
                        "select \"from\" || ' -> ' || \"table\" from pragma_foreign_key_list(?1)",
                    )
                    .bind(table)
                    .fetch_all(p)
                    .await?,
                    Db::Postgres(p) => {
                        sqlx::query_scalar(
                            "select pg_get_constraintdef(oid) from pg_constraint
                         where contype = 'f' and conrelid = $1::text::regclass",
                        )
                        .bind(table)
                        .fetch_all(p)
                        .await?
                    }
                };
            keys.extend(found.into_iter().map(|k| format!("{table}: {k}")));
        }
        keys.sort();
        Ok(keys)
    }

    #[tokio::test]
    async fn a_load_of_many_joins_keeps_every_membership_and_every_key() -> TestResult {
        for tdb in TestDb::all().await {
            let db = &tdb.db;
            let t = new_tenant(db, "joins").await?;
            let keys = foreign_keys(db).await?;
            assert!(keys.len() >= 4, "{} {keys:?}", db.backend());
            // Enough joins that PostgreSQL writes the history without its foreign keys.
            let n = 60_000u64;
            let mut text = String::from(HEADER);
            for m in 1..=n {
                let ts = 1_735_689_600 + m;
                text.push_str(&format!("1,{m},{},join,{ts},0,0\n", m % 7 + 1));
            }
            let r = import(db, t, &TempFile::new(&text)?).await?;
            assert!(r.is_success(), "{} {:?}", db.backend(), r.errors);
            assert_eq!((r.imported, r.members_created), (n, n), "{}", db.backend());
            let groups = group::list(db, t, None, None, 100).await?;
            assert_eq!(groups.iter().map(|g| g.size).sum::<i64>(), n as i64);
            assert_eq!(foreign_keys(db).await?, keys, "{}", db.backend());
        }
        Ok(())
    }

    #[tokio::test]
    async fn a_grown_file_stores_only_its_new_lines_and_the_event_indexes_come_back() -> TestResult
    {
        for tdb in TestDb::all().await {
            let db = &tdb.db;
            let t = new_tenant(db, "grown").await?;
            let keys = foreign_keys(db).await?;
            let all = [
                "event_group",
                "event_idempotency",
                "event_member",
                "event_tenant_id",
                "event_tenant_kind",
            ];
            // Large enough against the empty table that the load builds the indexes at the end.
            let n = BATCH as u64 + 4_464;
            let first = bench_file(n);
            let r = import(db, t, &TempFile::new(&first)?).await?;
            assert_eq!(r.imported, n, "{}", db.backend());
            assert_eq!(event_indexes(db).await?, all, "{}", db.backend());
            assert_eq!(foreign_keys(db).await?, keys, "{}", db.backend());
            // The same file with four more lines: two new members, one joining and leaving.
            let ts = 1_735_689_600 + 100_000;
            let grown = format!(
                "{first}1,501,1,join,{ts},0,0\n1,502,2,join,{},0,0\n1,501,1,leave,{},0,0\n1,3,4,order,{},12.5,7\n",
                ts + 1,
                ts + 2,
                ts + 3
            );
            let r = import(db, t, &TempFile::new(&grown)?).await?;
            assert!(r.is_success(), "{} {:?}", db.backend(), r.errors);
            assert_eq!(
                (r.imported, r.duplicates, r.members_created),
                (4, n, 2),
                "{}",
                db.backend()
            );
            assert_eq!(event::count(db, t).await?, n as i64 + 4);
            assert_eq!(member::count(db, t).await?, 502);
            // 502 joined; 501 joined and left.
            let groups = group::list(db, t, None, None, 100).await?;
            assert_eq!(groups.iter().map(|g| g.size).sum::<i64>(), 501);
            assert_eq!(event_indexes(db).await?, all, "{}", db.backend());
        }
        Ok(())
    }

    #[tokio::test]
    async fn a_bad_row_in_the_middle_writes_nothing() -> TestResult {
        for tdb in TestDb::all().await {
            let db = &tdb.db;
            let t = new_tenant(db, "bulk").await?;
            let mut text = bench_file(BATCH as u64 + 10);
            // Line BATCH + 5 (well after the first batch went to the store) is bad.
            let bad_line = BATCH + 5;
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            lines[bad_line - 1] = "1,3,1,wave,1735689600,0,0".into();
            lines.push("1,3,1,order,1735689600,-1,0".into());
            text = lines.join("\n");
            let file = TempFile::new(&text)?;
            let r = import(db, t, &file).await?;
            assert!(!r.committed, "{}", db.backend());
            assert_eq!(r.rejected, 2);
            let at: Vec<(usize, &str)> = r
                .errors
                .iter()
                .map(|e| (e.line, e.field.as_str()))
                .collect();
            assert_eq!(at, vec![(bad_line, "kind"), (lines.len(), "amount")]);
            assert_eq!(r.imported, 0);
            assert_eq!(event::count(db, t).await?, 0, "{}", db.backend());
            assert_eq!(member::count(db, t).await?, 0);
            assert!(group::list(db, t, None, None, 10).await?.is_empty());
        }
        Ok(())
    }

    #[tokio::test]
    async fn another_tenants_member_with_the_same_external_id_is_not_reused() -> TestResult {
        for tdb in TestDb::all().await {
            let db = &tdb.db;
            let (a, b) = (new_tenant(db, "a").await?, new_tenant(db, "b").await?);
            let theirs = MemberInput {
                name: Some("别家".into()),
                external_userid: Some(external_id(7)),
                ..Default::default()
            }
            .into_new(&[])?;
            let mut tx = db.begin().await?;
            let theirs = member::create(&mut tx, b, &theirs).await?;
            tx.commit().await?;
            let file = TempFile::new(&format!("{HEADER}2,7,1,join,1735689600,0,0\n"))?;
            let r = import(db, a, &file).await?;
            assert_eq!((r.imported, r.members_created), (1, 1), "{:?}", r.errors);
            let filter = quanzi_store::member::MemberFilter {
                limit: 10,
                ..Default::default()
            };
            let ours = member::list(db, a, &filter).await?;
            assert_eq!(ours.len(), 1);
            assert_ne!(ours[0].member_id, theirs.member_id);
            assert_eq!(ours[0].external_userid.as_deref(), Some("import:7"));
            assert_eq!(event::count(db, b).await?, 0);
            let events = event::list(
                db,
                a,
                &event::EventFilter {
                    limit: 5,
                    ..Default::default()
                },
            )
            .await?;
            assert_eq!(
                events.iter().map(|e| e.member_id).collect::<Vec<_>>(),
                vec![ours[0].member_id]
            );
        }
        Ok(())
    }

    /// The tenant's groups and members by external id: current members with role, joined,
    /// scene and inviter; and the whole history.
    async fn membership(
        db: &Db,
        t: TenantId,
    ) -> Result<BTreeMap<String, (Vec<String>, Vec<String>)>> {
        let names: BTreeMap<i64, String> = member::list(
            db,
            t,
            &quanzi_store::member::MemberFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .map(|m| (m.member_id, m.external_userid.unwrap_or_default()))
        .collect();
        let mut out = BTreeMap::new();
        for g in group::list(db, t, None, None, 100).await? {
            let who = |id: i64| names.get(&id).cloned().unwrap_or_default();
            let mut now: Vec<String> = group::members(db, t, GroupId(g.group_id), None, 1000)
                .await?
                .into_iter()
                .map(|m| {
                    format!(
                        "{} {} {} {:?} {:?}",
                        who(m.member_id),
                        m.role,
                        m.joined_at_ms,
                        m.join_scene,
                        m.inviter_member_id
                    )
                })
                .collect();
            now.sort();
            let mut history: Vec<String> =
                group::history_of_group(db, t, GroupId(g.group_id), 1000)
                    .await?
                    .into_iter()
                    .map(|h| format!("{} {} {:?} {}", who(h.member_id), h.change, h.role, h.at_ms))
                    .collect();
            history.reverse();
            out.insert(g.external_chat_id.unwrap_or_default(), (now, history));
        }
        Ok(out)
    }

    #[tokio::test]
    async fn joins_and_leaves_change_membership_exactly_as_the_api_path() -> TestResult {
        // Rejoin of a closed membership, a leave without one, a leave and a join at the same
        // second, a join of a member already in, and a line earlier in time than the others.
        let rows = [
            (1, 1, "join", 1_735_689_700),
            (2, 1, "join", 1_735_689_700),
            (2, 1, "message", 1_735_689_701),
            (3, 2, "leave", 1_735_689_702),
            (2, 1, "leave", 1_735_689_703),
            (2, 1, "join", 1_735_689_703),
            (4, 2, "join", 1_735_689_704),
            (1, 1, "join", 1_735_689_706),
            (5, 1, "join", 1_735_689_650),
            (5, 1, "leave", 1_735_689_800),
        ];
        let mut text = String::from(HEADER);
        for (m, g, kind, ts) in rows {
            text.push_str(&format!("1,{m},{g},{kind},{ts},0,0\n"));
        }
        let file = TempFile::new(&text)?;
        for tdb in TestDb::all().await {
            let db = &tdb.db;
            let (bulk_t, api_t) = (new_tenant(db, "bulk").await?, new_tenant(db, "api").await?);
            let mut ids = Vec::new();
            for t in [bulk_t, api_t] {
                // Both start with member 1 having joined and left group 1 through the API.
                // Members 2..5 exist only in the API tenant; the bulk load creates them.
                let last = if t == api_t { 5 } else { 1 };
                let (members, groups) = people(db, t, 1..=last).await?;
                let before = vec![
                    api_event("pre-1", "join", members[&1], groups[&1], 1_735_689_000_000),
                    api_event("pre-2", "leave", members[&1], groups[&1], 1_735_689_100_000),
                ];
                event::append(db, t, before).await?;
                ids.push((members, groups));
            }
            let r = import(db, bulk_t, &file).await?;
            assert!(r.is_success(), "{:?}", r.errors);
            assert_eq!(r.members_created, 4);
            let (members, groups) = &ids[1];
            let through_api: Vec<NewEvent> = rows
                .iter()
                .enumerate()
                .map(|(i, (m, g, kind, ts))| {
                    api_event(&format!("k{i}"), kind, members[m], groups[g], ts * 1000)
                })
                .collect();
            event::append(db, api_t, through_api).await?;
            assert_eq!(
                membership(db, bulk_t).await?,
                membership(db, api_t).await?,
                "{}",
                db.backend()
            );
        }
        Ok(())
    }

    /// Members `ms` (named `m1`…) and groups 1..=2 (`g1`, `g2`) of `t` under their file ids'
    /// external ids: (members, groups) as file id → id.
    async fn people(
        db: &Db,
        t: TenantId,
        ms: std::ops::RangeInclusive<i64>,
    ) -> Result<(BTreeMap<i64, i64>, BTreeMap<i64, i64>)> {
        let mut tx = db.begin().await?;
        let (mut members, mut groups) = (BTreeMap::new(), BTreeMap::new());
        for m in ms {
            let new = MemberInput {
                name: Some(format!("m{m}")),
                external_userid: Some(external_id(m)),
                ..Default::default()
            }
            .into_new(&[])?;
            members.insert(m, member::create(&mut tx, t, &new).await?.member_id);
        }
        for g in 1..=2 {
            let new = GroupInput {
                name: Some(format!("g{g}")),
                external_chat_id: Some(external_id(g)),
                ..Default::default()
            }
            .into_new()?;
            groups.insert(g, group::create(&mut tx, t, &new, 0).await?.group_id);
        }
        tx.commit().await?;
        Ok((members, groups))
    }

    /// When `member` joined `group` of `t`, while a member of it.
    async fn joined(db: &Db, t: TenantId, group: i64, member: i64) -> Result<Option<i64>> {
        let now = group::members(db, t, GroupId(group), None, 100).await?;
        Ok(now
            .iter()
            .find(|x| x.member_id == member)
            .map(|x| x.joined_at_ms))
    }

    /// (member name, change, role, at_ms) of each history entry.
    fn told(h: &[group::MembershipChange]) -> Vec<(String, String, Option<String>, i64)> {
        h.iter()
            .map(|c| {
                (
                    c.member_name.clone(),
                    c.change.clone(),
                    c.role.clone(),
                    c.at_ms,
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn a_bulk_loads_history_is_its_blocks_joins_and_leaves_read_beside_the_rows() -> TestResult
    {
        let s = 1_735_689_600;
        let first = format!(
            "{HEADER}1,1,1,join,{},0,0\n1,2,1,join,{},0,0\n1,1,1,leave,{},0,0\n1,1,1,message,{},0,0\n1,3,2,join,{},0,0\n",
            s + 100,
            s + 101,
            s + 102,
            s + 103,
            s + 104
        );
        let second = format!("{HEADER}1,1,1,join,{},0,0\n", s + 200);
        for tdb in TestDb::all().await {
            let db = &tdb.db;
            let (t, other) = (
                new_tenant(db, "hist").await?,
                new_tenant(db, "other").await?,
            );
            let (m, g) = people(db, t, 1..=3).await?;
            let (om, og) = people(db, other, 1..=3).await?;
            for (tenant, text) in [(t, &first), (t, &second), (other, &first)] {
                let r = import(db, tenant, &TempFile::new(text)?).await?;
                assert!(r.is_success(), "{:?}", r.errors);
            }
            // Two loads, two blocks; then a leave through the API, out of order: older than
            // the second load's join.
            assert_eq!(quanzi_store::block::metas(db, t).await?.len(), 2);
            let late = api_event("api-leave", "leave", m[&1], g[&1], (s + 150) * 1000);
            event::append(db, t, vec![late]).await?;
            let join = |n: &str, at: i64| {
                (
                    n.to_owned(),
                    "join".to_owned(),
                    Some("member".to_owned()),
                    at * 1000,
                )
            };
            let leave = |n: &str, at: i64| (n.to_owned(), "leave".to_owned(), None, at * 1000);
            let whole = vec![
                join("m1", s + 200),
                leave("m1", s + 150),
                leave("m1", s + 102),
                join("m2", s + 101),
                join("m1", s + 100),
            ];
            let of_group = group::history_of_group(db, t, GroupId(g[&1]), 10).await?;
            assert_eq!(told(&of_group), whole, "{}", db.backend());
            assert!(
                of_group
                    .iter()
                    .all(|c| c.group_name == "g1" && c.join_scene.is_none())
            );
            let newest = group::history_of_group(db, t, GroupId(g[&1]), 2).await?;
            assert_eq!(told(&newest), whole[..2].to_vec());
            let of_member = group::history_of_member(db, t, MemberId(m[&1]), 10).await?;
            let mine: Vec<_> = whole.iter().filter(|c| c.0 == "m1").cloned().collect();
            assert_eq!(told(&of_member), mine, "{}", db.backend());
            // Member 3's join of the other group.
            let third = group::history_of_member(db, t, MemberId(m[&3]), 10).await?;
            assert_eq!(told(&third), vec![join("m3", s + 104)]);
            // The other tenant's history is its own load's alone; neither reads the other's.
            let theirs = group::history_of_group(db, other, GroupId(og[&1]), 10).await?;
            assert_eq!(told(&theirs), whole[2..].to_vec(), "{}", db.backend());
            assert!(
                group::history_of_group(db, other, GroupId(g[&1]), 10)
                    .await?
                    .is_empty()
            );
            assert!(
                group::history_of_member(db, t, MemberId(om[&1]), 10)
                    .await?
                    .is_empty()
            );
            // The late leave closed member 1's membership; settling it against the history
            // finds the later join in the second block and opens it again from then.
            assert_eq!(joined(db, t, g[&1], m[&1]).await?, None, "{}", db.backend());
            let mut tx = db.begin().await?;
            quanzi_store::wecom::settle_membership(&mut tx, t, g[&1], m[&1]).await?;
            tx.commit().await?;
            assert_eq!(
                joined(db, t, g[&1], m[&1]).await?,
                Some((s + 200) * 1000),
                "{}",
                db.backend()
            );
        }
        Ok(())
    }

    /// The events of `t` as listed newest first, all of them.
    async fn all_events(db: &Db, t: TenantId) -> Result<Vec<event::Event>> {
        let f = event::EventFilter {
            limit: 1_000_000,
            ..Default::default()
        };
        Ok(event::list(db, t, &f).await?)
    }

    #[tokio::test]
    async fn rows_and_blocks_read_as_one_event_store() -> TestResult {
        for tdb in TestDb::all().await {
            let db = &tdb.db;
            let (t, other) = (new_tenant(db, "one").await?, new_tenant(db, "other").await?);
            let n = BATCH as u64 + 100;
            let r = import(db, t, &TempFile::new(&bench_file(n))?).await?;
            assert_eq!(r.imported, n, "{}", db.backend());
            // Rows through the API after the blocks: they get the higher ids.
            let listed = all_events(db, t).await?;
            let some = &listed[0];
            let g = some.group_id.ok_or("no group")?;
            let at = 1_735_689_600_000 + 100_000_000;
            let api = vec![
                api_event("api-1", "message", some.member_id, g, at),
                api_event("api-2", "message", some.member_id, g, at + 1),
            ];
            assert_eq!(event::append(db, t, api).await?, vec![0, 1]);
            assert_eq!(event::count(db, t).await?, n as i64 + 2);
            let all = all_events(db, t).await?;
            assert_eq!(all.len() as u64, n + 2, "{}", db.backend());
            let ids: Vec<i64> = all.iter().map(|e| e.event_id).collect();
            assert!(ids.windows(2).all(|w| w[0] > w[1]), "{}", db.backend());
            assert_eq!(
                (
                    all[0].idempotency_key.as_str(),
                    all[1].idempotency_key.as_str()
                ),
                ("api-2", "api-1")
            );
            // A block's row as served: its key the file line's, no properties.
            let b = &all[2];
            assert!(b.idempotency_key.starts_with("import-"), "{b:?}");
            assert_eq!(
                (b.properties.as_str(), b.reference.as_deref()),
                ("{}", None)
            );
            // Paging by cursor crosses from rows into blocks and from block to block.
            let mut paged = Vec::new();
            let mut before = None;
            loop {
                let f = event::EventFilter {
                    before,
                    limit: 9_000,
                    ..Default::default()
                };
                let page = event::list(db, t, &f).await?;
                let Some(last) = page.last() else { break };
                before = Some(last.event_id);
                paged.extend(page.into_iter().map(|e| e.event_id));
            }
            assert_eq!(paged, ids, "{}", db.backend());
            // A member's events, rows and blocks, newest first by time.
            let f = event::EventFilter {
                member_id: Some(some.member_id),
                limit: 1_000,
                ..Default::default()
            };
            let mine = event::list(db, t, &f).await?;
            let expected = all.iter().filter(|e| e.member_id == some.member_id).count();
            assert_eq!(mine.len(), expected, "{}", db.backend());
            assert_eq!(mine[0].idempotency_key, "api-2");
            assert!(
                mine.windows(2)
                    .all(|w| w[0].occurred_at_ms >= w[1].occurred_at_ms)
            );
            // Daily counts and totals over both, equal to counting the listed events.
            let days = event::daily(db, t, None, 0).await?;
            assert_eq!(days.iter().map(|d| d.events).sum::<i64>(), n as i64 + 2);
            let totals = event::totals_since(db, t, 0).await?;
            let interactions: Vec<&event::Event> = all
                .iter()
                .filter(|e| e.kind != "join" && e.kind != "leave")
                .collect();
            let orders = all.iter().filter(|e| e.kind == "order").count() as i64;
            let active: std::collections::HashSet<i64> =
                interactions.iter().map(|e| e.member_id).collect();
            assert_eq!(
                (
                    totals.events,
                    totals.orders,
                    totals.gmv_fen,
                    totals.active_members
                ),
                (
                    interactions.len() as i64,
                    orders,
                    orders * 3050,
                    active.len() as i64
                ),
                "{}",
                db.backend()
            );
            // The analytics scan: every event once, in id order, from any watermark.
            let scanned = quanzi_store::analytics::scan_events(db, t, 0, Vec::new(), |v, r| {
                v.push(r.event_id)
            })
            .await?;
            let mut ascending = ids.clone();
            ascending.reverse();
            assert_eq!(scanned, ascending, "{}", db.backend());
            let mid = ascending[ascending.len() / 2];
            let after = quanzi_store::analytics::scan_events(db, t, mid, Vec::new(), |v, r| {
                v.push(r.event_id)
            })
            .await?;
            let tail: Vec<i64> = ascending.iter().copied().filter(|id| *id > mid).collect();
            assert_eq!(after, tail, "{}", db.backend());
            assert!(quanzi_store::analytics::max_event_id(db).await? >= ids[0]);
            // Nothing of it shows in another tenant.
            assert_eq!(event::count(db, other).await?, 0);
            assert!(all_events(db, other).await?.is_empty());
            assert!(event::daily(db, other, None, 0).await?.is_empty());
        }
        Ok(())
    }

    #[tokio::test]
    async fn a_key_in_a_block_is_not_stored_again_by_the_row_path_nor_the_other_way() -> TestResult
    {
        for tdb in TestDb::all().await {
            let db = &tdb.db;
            let (a, b) = (
                new_tenant(db, "bulk-a").await?,
                new_tenant(db, "bulk-b").await?,
            );
            let n = 3_000;
            let file = TempFile::new(&bench_file(n))?;
            assert_eq!(import(db, a, &file).await?.imported, n);
            let listed = all_events(db, a).await?;
            let messages: Vec<&event::Event> = listed
                .iter()
                .filter(|e| e.kind == "message")
                .take(3)
                .collect();
            let again: Vec<NewEvent> = messages
                .iter()
                .map(|e| {
                    let g = e.group_id.unwrap_or(1);
                    api_event(
                        &e.idempotency_key,
                        "message",
                        e.member_id,
                        g,
                        e.occurred_at_ms,
                    )
                })
                .collect();
            // The row path (the API, a row-by-row import) finds the keys in tenant a's blocks.
            assert_eq!(
                event::append(db, a, again.clone()).await?,
                Vec::<usize>::new()
            );
            assert_eq!(event::count(db, a).await?, n as i64, "{}", db.backend());
            // In tenant b the same keys are new rows; a bulk load of the file then skips them.
            assert_eq!(event::append(db, b, again).await?, vec![0, 1, 2]);
            let r = import(db, b, &file).await?;
            assert_eq!((r.imported, r.duplicates), (n - 3, 3), "{}", db.backend());
            assert_eq!(event::count(db, b).await?, n as i64);
            let keys: std::collections::HashSet<String> = all_events(db, b)
                .await?
                .into_iter()
                .map(|e| e.idempotency_key)
                .collect();
            assert_eq!(keys.len() as u64, n, "{}", db.backend());
        }
        Ok(())
    }

    #[tokio::test]
    async fn merging_a_member_moves_their_events_out_of_the_blocks() -> TestResult {
        for tdb in TestDb::all().await {
            let db = &tdb.db;
            let t = new_tenant(db, "merge").await?;
            let n = 2_000;
            import(db, t, &TempFile::new(&bench_file(n))?).await?;
            let listed = all_events(db, t).await?;
            let source = listed[0].member_id;
            let target = listed
                .iter()
                .map(|e| e.member_id)
                .find(|m| *m != source)
                .ok_or("one member")?;
            let theirs = |m: i64| listed.iter().filter(|e| e.member_id == m).count();
            let (from_source, from_target) = (theirs(source), theirs(target));
            let mut tx = db.begin().await?;
            member::merge(&mut tx, t, MemberId(target), MemberId(source)).await?;
            tx.commit().await?;
            let of = |m: i64| event::EventFilter {
                member_id: Some(m),
                limit: 10_000,
                ..Default::default()
            };
            assert!(
                event::list(db, t, &of(source)).await?.is_empty(),
                "{}",
                db.backend()
            );
            assert_eq!(
                event::list(db, t, &of(target)).await?.len(),
                from_source + from_target,
                "{}",
                db.backend()
            );
            assert_eq!(event::count(db, t).await?, n as i64);
        }
        Ok(())
    }

    fn api_event(key: &str, kind: &str, m: i64, g: i64, at_ms: i64) -> NewEvent {
        let ctx = BatchContext {
            custom_kinds: &[],
            now_ms: now_ms(),
        };
        let input = EventInput {
            idempotency_key: key.into(),
            kind: kind.into(),
            member_id: MemberId(m).0,
            group_id: Some(g),
            occurred_at_ms: at_ms,
            amount_fen: None,
            product: None,
            reference: None,
            properties: None,
        };
        match input.parse(0, &ctx) {
            Ok(e) => e,
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn the_bulk_key_is_the_row_by_row_paths_key() -> TestResult {
        let text = "\u{feff}\"tenant_id\",member_id,group_id,kind,ts,amount,product_id,error\n\n 3 ,919839,1381,join,1735689600,0,0,old\n45,\" 18\",1,order,1735689626,\"12.5\",\"7,茶 \",\n";
        let mut reader = RowReader::from_csv(std::io::Cursor::new(text.as_bytes().to_vec()))?;
        let cols = match Columns::new(reader.headers(), reader.header_line()) {
            Ok(c) => c,
            Err(e) => return Err(format!("{e:?}").into()),
        };
        let checker = Checker {
            cols,
            kinds: vec!["join".into(), "order".into()],
            now_ms: now_ms(),
        };
        let mut lines = Vec::new();
        while let Some(rec) = reader.next_record()? {
            let good = checker.check(&rec).map_err(|e| format!("{e:?}"))?;
            assert_eq!(
                quanzi_store::block::key(rec.line as u64, good.hash),
                derived_key(&rec.to_row())
            );
            lines.push(rec.line);
        }
        assert_eq!(lines, vec![3, 4]);
        Ok(())
    }
}
