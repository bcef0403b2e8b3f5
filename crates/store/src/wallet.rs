//! Wallets: the tenant's top-up plan, each member's balances (locked by a request and checked
//! never negative by the rows), the entries once per idempotency key, and their postings.

use quanzi_domain::{MemberId, TenantId};

use crate::{Db, Result, Tx, on_pool, on_tx};

/// The tenant's top-up plan: (tiers JSON, bonus validity days), if set.
pub async fn plan(db: &Db, t: TenantId) -> Result<Option<(String, i64)>> {
    on_pool!(db, p => sqlx::query_as("select tiers, bonus_valid_days from wallet_plan where tenant_id = $1")
        .bind(t.0).fetch_optional(p).await.map_err(Into::into))
}

/// The tenant's top-up plan in a transaction.
pub async fn plan_tx(tx: &mut Tx, t: TenantId) -> Result<Option<(String, i64)>> {
    on_tx!(tx, c => sqlx::query_as("select tiers, bonus_valid_days from wallet_plan where tenant_id = $1")
        .bind(t.0).fetch_optional(c).await.map_err(Into::into))
}

/// Sets the tenant's top-up plan.
pub async fn set_plan(db: &Db, t: TenantId, tiers: &str, days: i64, now: i64) -> Result<()> {
    on_pool!(db, p => sqlx::query("insert into wallet_plan (tenant_id, tiers, bonus_valid_days, updated_at_ms) values ($1, $2, $3, $4)
        on conflict (tenant_id) do update set tiers = excluded.tiers, bonus_valid_days = excluded.bonus_valid_days,
          updated_at_ms = excluded.updated_at_ms")
        .bind(t.0).bind(tiers).bind(days).bind(now).execute(p).await.map(|_| ()).map_err(Into::into))
}

/// Takes the member's wallet for one request (made empty the first time), locked until the
/// transaction ends: (principal, bonus) fen.
pub async fn lock(tx: &mut Tx, t: TenantId, m: MemberId, now: i64) -> Result<(i64, i64)> {
    on_tx!(tx, c => sqlx::query("insert into wallet (tenant_id, member_id, updated_at_ms) values ($1, $2, $3)
        on conflict (tenant_id, member_id) do nothing")
        .bind(t.0).bind(m.0).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    // SQLite's write transaction holds the whole store; PostgreSQL locks the row.
    let sql = if tx.is_sqlite() {
        "select principal_fen, bonus_fen from wallet where tenant_id = $1 and member_id = $2"
    } else {
        "select principal_fen, bonus_fen from wallet where tenant_id = $1 and member_id = $2 for update"
    };
    on_tx!(tx, c => sqlx::query_as(sql).bind(t.0).bind(m.0).fetch_one(c).await.map_err(Into::into))
}

/// A member's balances: (principal, bonus) fen; zero without a wallet.
pub async fn balance(db: &Db, t: TenantId, m: MemberId) -> Result<(i64, i64)> {
    let row: Option<(i64, i64)> = on_pool!(db, p => sqlx::query_as(
        "select principal_fen, bonus_fen from wallet where tenant_id = $1 and member_id = $2")
        .bind(t.0).bind(m.0).fetch_optional(p).await)?;
    Ok(row.unwrap_or((0, 0)))
}

/// An entry as stored.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct WalletEntry {
    /// Id.
    pub entry_id: i64,
    /// Member.
    pub member_id: i64,
    /// `top_up`, `spend`, `refund` or `expire`.
    pub op: String,
    /// The client's idempotency key.
    pub idempotency_key: String,
    /// The amount asked for, fen (of a refund: the spend's).
    pub amount_fen: i64,
    /// A refund's spend.
    pub refund_of: Option<i64>,
    /// What it was for.
    pub note: Option<String>,
    /// A top-up's bonus lapses at.
    pub bonus_expires_at_ms: Option<i64>,
    /// A top-up's bonus lapsed at.
    pub bonus_expired_at_ms: Option<i64>,
    /// When.
    pub at_ms: i64,
}

const COLS: &str = "entry_id, member_id, op, idempotency_key, amount_fen, refund_of, note, bonus_expires_at_ms, bonus_expired_at_ms, at_ms";

/// An entry to write.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// Member.
    pub member: MemberId,
    /// Kind.
    pub op: &'a str,
    /// Idempotency key.
    pub key: &'a str,
    /// Amount, fen.
    pub amount_fen: i64,
    /// A refund's spend.
    pub refund_of: Option<i64>,
    /// Note.
    pub note: Option<&'a str>,
    /// A top-up's bonus lapses at.
    pub bonus_expires_at_ms: Option<i64>,
    /// When.
    pub at_ms: i64,
}

/// The entry of an idempotency key, in a transaction.
pub async fn by_key(tx: &mut Tx, t: TenantId, key: &str) -> Result<Option<WalletEntry>> {
    let sql =
        format!("select {COLS} from wallet_entry where tenant_id = $1 and idempotency_key = $2");
    on_tx!(tx, c => sqlx::query_as::<_, WalletEntry>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(key)
        .fetch_optional(c).await.map_err(Into::into))
}

/// An entry of the tenant, in a transaction.
pub async fn entry_tx(tx: &mut Tx, t: TenantId, id: i64) -> Result<Option<WalletEntry>> {
    let sql = format!("select {COLS} from wallet_entry where tenant_id = $1 and entry_id = $2");
    on_tx!(tx, c => sqlx::query_as::<_, WalletEntry>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id)
        .fetch_optional(c).await.map_err(Into::into))
}

/// The refund of a spend, if there is one, in a transaction.
pub async fn refund_of(tx: &mut Tx, t: TenantId, spend: i64) -> Result<Option<WalletEntry>> {
    let sql = format!("select {COLS} from wallet_entry where tenant_id = $1 and refund_of = $2");
    on_tx!(tx, c => sqlx::query_as::<_, WalletEntry>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(spend)
        .fetch_optional(c).await.map_err(Into::into))
}

/// Writes an entry, its postings (account, fen) and the balances after it.
pub async fn write(
    tx: &mut Tx,
    t: TenantId,
    e: &NewEntry<'_>,
    postings: &[(&str, i64)],
    after: (i64, i64),
) -> Result<WalletEntry> {
    let sql = format!("insert into wallet_entry (tenant_id, member_id, op, idempotency_key, amount_fen, refund_of, note,
            bonus_expires_at_ms, at_ms) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning {COLS}");
    let row = on_tx!(tx, c => sqlx::query_as::<_, WalletEntry>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(e.member.0)
        .bind(e.op).bind(e.key).bind(e.amount_fen).bind(e.refund_of).bind(e.note).bind(e.bonus_expires_at_ms)
        .bind(e.at_ms).fetch_one(c).await)?;
    for (account, fen) in postings {
        on_tx!(tx, c => sqlx::query("insert into wallet_posting (tenant_id, entry_id, account, amount_fen) values ($1, $2, $3, $4)")
            .bind(t.0).bind(row.entry_id).bind(*account).bind(*fen).execute(c).await.map(|r| r.rows_affected()))?;
    }
    on_tx!(tx, c => sqlx::query("update wallet set principal_fen = $3, bonus_fen = $4, updated_at_ms = $5
        where tenant_id = $1 and member_id = $2")
        .bind(t.0).bind(e.member.0).bind(after.0).bind(after.1).bind(e.at_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(row)
}

/// An entry's postings: (account, fen).
pub async fn postings_tx(tx: &mut Tx, t: TenantId, entry: i64) -> Result<Vec<(String, i64)>> {
    on_tx!(tx, c => sqlx::query_as("select account, amount_fen from wallet_posting where tenant_id = $1 and entry_id = $2 order by account")
        .bind(t.0).bind(entry).fetch_all(c).await.map_err(Into::into))
}

/// An entry with what it moved on the member's two accounts.
#[derive(Debug, Clone, sqlx::FromRow)]
struct HistoryRow {
    #[sqlx(flatten)]
    entry: WalletEntry,
    principal_moved: i64,
    bonus_moved: i64,
}

/// A member's entries, newest first, with each one's principal and bonus change.
pub async fn history(
    db: &Db,
    t: TenantId,
    m: MemberId,
    limit: i64,
) -> Result<Vec<(WalletEntry, i64, i64)>> {
    let moved = |account: &str| {
        format!("cast(coalesce((select sum(p.amount_fen) from wallet_posting p where p.tenant_id = e.tenant_id
            and p.entry_id = e.entry_id and p.account = '{account}'), 0) as bigint)")
    };
    let sql = format!(
        "select {COLS}, {} as principal_moved, {} as bonus_moved from wallet_entry e
         where e.tenant_id = $1 and e.member_id = $2 order by e.entry_id desc limit $3",
        moved("principal"),
        moved("bonus")
    );
    let rows = on_pool!(db, p => sqlx::query_as::<_, HistoryRow>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(m.0).bind(limit)
        .fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.entry, r.principal_moved, r.bonus_moved))
        .collect())
}

/// The sums of every posting of the tenant by account, and of each member's by account — a
/// wallet's balances rebuilt from its ledger: (member or none, account, fen).
pub async fn sums(db: &Db, t: TenantId) -> Result<Vec<(Option<i64>, String, i64)>> {
    on_pool!(db, p => sqlx::query_as(
        "select e.member_id, p.account, cast(sum(p.amount_fen) as bigint) from wallet_posting p
           join wallet_entry e on e.tenant_id = p.tenant_id and e.entry_id = p.entry_id
         where p.tenant_id = $1 group by e.member_id, p.account order by e.member_id, p.account")
        .bind(t.0).fetch_all(p).await.map_err(Into::into))
}

/// The tenant's top-ups whose bonus lapses by `now` and has not been taken yet, oldest
/// first, up to `limit`: (entry, member).
pub async fn bonus_due(tx: &mut Tx, t: TenantId, now: i64, limit: i64) -> Result<Vec<(i64, i64)>> {
    on_tx!(tx, c => sqlx::query_as("select entry_id, member_id from wallet_entry where tenant_id = $1 and op = 'top_up'
        and bonus_expired_at_ms is null and bonus_expires_at_ms <= $2 order by bonus_expires_at_ms limit $3")
        .bind(t.0).bind(now).bind(limit).fetch_all(c).await.map_err(Into::into))
}

/// Marks a top-up's bonus as lapsed.
pub async fn mark_lapsed(tx: &mut Tx, t: TenantId, entry: i64, now: i64) -> Result<()> {
    on_tx!(tx, c => sqlx::query("update wallet_entry set bonus_expired_at_ms = $3 where tenant_id = $1 and entry_id = $2")
        .bind(t.0).bind(entry).bind(now).execute(c).await.map(|_| ()).map_err(Into::into))
}

/// What a member's bonus lots hold, oldest first: (entry, bonus granted, lapsed already) — and
/// the bonus the member has used so far (spent and lapsed, less refunded), for FIFO.
pub async fn bonus_lots(
    tx: &mut Tx,
    t: TenantId,
    m: MemberId,
) -> Result<(Vec<(i64, i64, bool)>, i64)> {
    let lots: Vec<(i64, i64, Option<i64>)> = on_tx!(tx, c => sqlx::query_as(
        "select e.entry_id, p.amount_fen, e.bonus_expired_at_ms from wallet_entry e join wallet_posting p
           on p.tenant_id = e.tenant_id and p.entry_id = e.entry_id and p.account = 'bonus'
         where e.tenant_id = $1 and e.member_id = $2 and e.op = 'top_up' order by e.entry_id")
        .bind(t.0).bind(m.0).fetch_all(c).await)?;
    let used: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(
        "select cast(sum(-p.amount_fen) as bigint) from wallet_entry e join wallet_posting p
           on p.tenant_id = e.tenant_id and p.entry_id = e.entry_id and p.account = 'bonus'
         where e.tenant_id = $1 and e.member_id = $2 and e.op <> 'top_up'")
        .bind(t.0).bind(m.0).fetch_one(c).await)?;
    Ok((
        lots.into_iter()
            .map(|(e, b, x)| (e, b, x.is_some()))
            .collect(),
        used.unwrap_or(0),
    ))
}
