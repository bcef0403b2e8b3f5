//! PostgreSQL's bulk load: one transaction on one connection; events and history with
//! `COPY … FROM STDIN` (text format; the events held back and sorted by member and time a
//! million at a time, [`super::held`]), members and groups created with one `insert … select
//! from unnest(…) returning` per batch, memberships upserted the same way. Only rows are
//! written: no DDL, no table lock, so every other tenant goes on reading and writing.
//!
//! Duplicates: a tenant that had no event when the load began can only meet its own keys,
//! which the reader made unique; otherwise each batch first asks which of its keys are
//! stored. An event with one of the load's keys stored by another writer while the load runs
//! makes the load fail on the unique index, and roll back, rather than be lost.

use std::collections::HashSet;

use quanzi_domain::TenantId;
use sqlx::postgres::{PgConnection, PgPool};
use tokio::sync::mpsc::Receiver;

use super::copy_text::{COPY_CHUNK, CopyRow, copy_filled};
use super::held::Held;
use super::ids::EXTERNAL_RANGE;
use super::{BulkOutcome, BulkSetup, Feed, FileEvent, Ids, KeyForm, Shape, external_id, file_id};
use crate::{Result, StoreError};

mod membership;

/// The last value the event id sequence gave out (any session's).
const LAST_EVENT_ID: &str = "select coalesce(pg_sequence_last_value(pg_get_serial_sequence('event', 'event_id')::regclass), 0)";

/// Runs the load; see the module documentation of `bulk`.
pub(super) async fn load(
    pool: &PgPool,
    tenant: TenantId,
    setup: &BulkSetup,
    mut feed: Receiver<Feed>,
) -> Result<BulkOutcome> {
    let mut tx = pool.begin().await?;
    let c: &mut PgConnection = &mut tx;
    let mut load = Load {
        t: tenant,
        setup,
        shape: Shape::default(),
        had_events: false,
        other_forms: false,
        held: Held::default(),
        held_run: None,
    };
    load.preload(c).await?;
    let before: i64 = sqlx::query_scalar(LAST_EVENT_ID).fetch_one(&mut *c).await?;
    loop {
        match feed.recv().await {
            Some(Feed::Rows(batch)) => load.batch(c, batch).await?,
            Some(Feed::Commit) => break,
            // The reader gave up: dropping the transaction rolls it back.
            None => return Ok(BulkOutcome::default()),
        }
    }
    load.copy_held(c).await?;
    let after: i64 = sqlx::query_scalar(LAST_EVENT_ID).fetch_one(&mut *c).await?;
    if load.shape.out.imported > 0 {
        // Other sessions may have taken ids in between too: the span is wide, never short.
        load.shape.first_event_id = Some(before + 1);
        load.shape.last_event_id = Some(after);
    }
    load.membership(c).await?;
    load.record(c).await?;
    let mut out = load.shape.out;
    tx.commit().await?;
    out.committed = true;
    Ok(out)
}

/// The event rows' `COPY`, in [`CopyRow`]'s text format.
const EVENT_COPY: &str =
    "copy event (tenant_id, received_at_ms, idempotency_key, kind, member_id, group_id,
    occurred_at_ms, amount_fen, product, reference, properties) from stdin";

/// One load under way: its tenant and set-up, what it found and did so far, and the event
/// rows held back to be copied in sorted.
struct Load<'a> {
    t: TenantId,
    setup: &'a BulkSetup,
    shape: Shape,
    had_events: bool,
    /// Whether the tenant has derived keys in the reader's form ([`super::OTHER_FORM_KEYS`]).
    other_forms: bool,
    /// Event rows not yet copied in.
    held: Held,
    /// The run of lines ([`RowKey::run`]) the held rows' derived keys are in.
    held_run: Option<u64>,
}

impl Load<'_> {
    /// Whether the tenant has events, and its members and groups filed under a load's
    /// external ids.
    async fn preload(&mut self, c: &mut PgConnection) -> Result<()> {
        self.had_events =
            sqlx::query_scalar("select exists (select 1 from event where tenant_id = $1)")
                .bind(self.t.0)
                .fetch_one(&mut *c)
                .await?;
        if self.had_events {
            let (lo, hi) = KeyForm::Sorted.other_range();
            self.other_forms = sqlx::query_scalar(super::OTHER_FORM_KEYS)
                .bind(self.t.0)
                .bind(lo)
                .bind(hi)
                .fetch_one(&mut *c)
                .await?;
        }
        if matches!(self.setup.ids, Ids::Tenant) {
            return Ok(());
        }
        for (sql, members) in [
            (
                "select external_userid, member_id from member where tenant_id = $1 and external_userid >= $2 and external_userid < $3",
                true,
            ),
            (
                "select external_chat_id, group_id from chat_group where tenant_id = $1 and external_chat_id >= $2 and external_chat_id < $3",
                false,
            ),
        ] {
            let rows: Vec<(String, i64)> = sqlx::query_as(sql)
                .bind(self.t.0)
                .bind(EXTERNAL_RANGE.0)
                .bind(EXTERNAL_RANGE.1)
                .fetch_all(&mut *c)
                .await?;
            let map = if members {
                &mut self.shape.members
            } else {
                &mut self.shape.groups
            };
            for (ext, id) in rows {
                if let Some(f) = file_id(&ext) {
                    map.insert(f, id);
                }
            }
        }
        Ok(())
    }

    async fn batch(&mut self, c: &mut PgConnection, batch: Vec<FileEvent>) -> Result<()> {
        if let Ids::CreateMissing { .. } = &self.setup.ids {
            let (members, groups) = self.shape.missing(&batch);
            self.create_members(c, &members).await?;
            self.create_groups(c, &groups).await?;
        }
        let runs: Vec<Option<u64>> = batch.iter().map(|f| f.derived.map(|k| k.run())).collect();
        let mapped = self
            .shape
            .map(&self.setup.ids, batch, KeyForm::Sorted, self.other_forms)?;
        let held: HashSet<String> = if self.had_events {
            let mut keys: Vec<&str> = mapped
                .events
                .iter()
                .map(|e| e.idempotency_key.as_str())
                .collect();
            keys.extend(mapped.other_form_keys());
            sqlx::query_scalar(
                "select idempotency_key from event where tenant_id = $1 and idempotency_key = any($2)",
            )
            .bind(self.t.0)
            .bind(&keys)
            .fetch_all(&mut *c)
            .await?
            .into_iter()
            .collect()
        } else {
            Default::default()
        };
        let new: Vec<usize> = (0..mapped.events.len())
            .filter(|&i| !mapped.stored_in(i, &held))
            .collect();
        for &i in &new {
            // A run's derived keys go in together, so they enter the key index in order.
            if let Some(run) = runs[i] {
                if self.held_run.is_some_and(|r| r != run) {
                    self.copy_held(c).await?;
                }
                self.held_run = Some(run);
            }
            let e = &mapped.events[i];
            self.held.start_row(e.member_id.0, e.occurred_at_ms);
            CopyRow::start(self.held.buf())
                .int(self.t.0)
                .int(self.setup.now_ms)
                .field(&e.idempotency_key)
                .field(e.kind.as_str())
                .int(e.member_id.0)
                .number(e.group_id.map(|g| g.0))
                .int(e.occurred_at_ms)
                .number(e.amount_fen)
                .text(e.product.as_deref())
                .text(e.reference.as_deref())
                .field(&e.properties)
                .end();
            self.held.end_row();
            if self.held.full() {
                self.copy_held(c).await?;
            }
        }
        self.shape.stored(&mapped.events, &new);
        Ok(())
    }

    /// Copies the held event rows in, sorted ([`super::held`]).
    async fn copy_held(&mut self, c: &mut PgConnection) -> Result<()> {
        if self.held.is_empty() {
            return Ok(());
        }
        self.held.sort();
        let held = &mut self.held;
        copy_filled(c, EVENT_COPY, |piece| held.next_piece(COPY_CHUNK, piece)).await?;
        self.held.clear();
        Ok(())
    }

    /// Creates the members of file ids `missing`.
    async fn create_members(&mut self, c: &mut PgConnection, missing: &[i64]) -> Result<()> {
        let Ids::CreateMissing { member: m, .. } = &self.setup.ids else {
            return Ok(());
        };
        if missing.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = missing
            .iter()
            .map(|id| m.name.replace("{id}", &id.to_string()))
            .collect();
        let externals: Vec<String> = missing.iter().map(|id| external_id(*id)).collect();
        let interests = serde_json::to_string(&m.interests).unwrap_or_else(|_| "[]".into());
        let custom = serde_json::to_string(&m.custom).unwrap_or_else(|_| "{}".into());
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "insert into member (tenant_id, gender, interests, spending_tier, lifecycle_stage, custom,
                created_at_ms, updated_at_ms, district, source_channel, name, external_userid)
             select $1, $2, $3, $4, $5, $6, $7, $7, $8, $9, u.name, u.ext
             from unnest($10::text[], $11::text[]) as u(name, ext)
             returning member_id, external_userid",
        )
        .bind(self.t.0)
        .bind(m.gender.as_str())
        .bind(&interests)
        .bind(m.spending_tier.as_str())
        .bind(m.lifecycle_stage.as_str())
        .bind(&custom)
        .bind(self.setup.now_ms)
        .bind(&m.district)
        .bind(&m.source_channel)
        .bind(&names)
        .bind(&externals)
        .fetch_all(&mut *c)
        .await?;
        self.take_created(rows, true)?;
        self.shape.out.members_created += missing.len() as u64;
        Ok(())
    }

    /// Creates the groups of file ids `missing`.
    async fn create_groups(&mut self, c: &mut PgConnection, missing: &[i64]) -> Result<()> {
        let Ids::CreateMissing { group: g, .. } = &self.setup.ids else {
            return Ok(());
        };
        if missing.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = missing
            .iter()
            .map(|id| g.name.replace("{id}", &id.to_string()))
            .collect();
        let externals: Vec<String> = missing.iter().map(|id| external_id(*id)).collect();
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "insert into chat_group (tenant_id, dimension, theme, rules, capacity_hard, capacity_advised,
                created_at_ms, updated_at_ms, name, external_chat_id)
             select $1, $2, $3, $4, $5, $6, $7, $7, u.name, u.ext
             from unnest($8::text[], $9::text[]) as u(name, ext)
             returning group_id, external_chat_id",
        )
        .bind(self.t.0)
        .bind(g.dimension.as_str())
        .bind(&g.theme)
        .bind(&g.rules)
        .bind(g.capacity_hard)
        .bind(g.capacity_advised)
        .bind(self.setup.now_ms)
        .bind(&names)
        .bind(&externals)
        .fetch_all(&mut *c)
        .await?;
        self.take_created(rows, false)?;
        self.shape.out.groups_created += missing.len() as u64;
        Ok(())
    }

    /// Maps the file ids of created rows (id, external id).
    fn take_created(&mut self, rows: Vec<(i64, String)>, members: bool) -> Result<()> {
        let map = if members {
            &mut self.shape.members
        } else {
            &mut self.shape.groups
        };
        for (id, ext) in rows {
            let f = file_id(&ext)
                .ok_or_else(|| StoreError::Commit(format!("bulk load: created {ext}")))?;
            map.insert_created(f, id);
        }
        Ok(())
    }

    /// Records the load in `event_load`.
    async fn record(&self, c: &mut PgConnection) -> Result<()> {
        let s = &self.shape;
        sqlx::query(
            "insert into event_load (tenant_id, first_event_id, last_event_id, events, duplicates,
                members_created, groups_created, loaded_at_ms) values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(self.t.0)
        .bind(s.first_event_id)
        .bind(s.last_event_id)
        .bind(s.out.imported as i64)
        .bind(s.out.duplicates as i64)
        .bind(s.out.members_created as i64)
        .bind(s.out.groups_created as i64)
        .bind(self.setup.now_ms)
        .execute(&mut *c)
        .await?;
        Ok(())
    }
}
