//! Referral programmes and their reward ledger: one reward per (programme, member, cause),
//! the budget spent kept on the programme's row and changed in the reward's transaction.

use quanzi_domain::TenantId;
use quanzi_domain::referral::NewProgram;

use crate::{Db, Result, Tx, on_pool, on_tx};

mod reward;

pub use reward::{
    NewReward, Reward, cause_taken, cause_taken_any, decisions, friends, get_tx, insert,
    invitee_orders, inviter_of, last_event_id, leaderboard, left_invitees, left_soon, matured_of,
    member_fen, recent_joins, rewards, set_state, state_counts,
};

/// A programme as stored (rules as JSON text).
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct Program {
    /// Id.
    pub program_id: i64,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Landing code.
    pub live_code_id: Option<i64>,
    /// Rules, JSON.
    pub rules: String,
    /// Budget, fen.
    pub budget_fen: i64,
    /// Spent by rewards that count, fen.
    pub spent_fen: i64,
    /// Member cap, fen.
    pub member_cap_fen: Option<i64>,
    /// The last order event looked at for first-order rewards.
    pub order_watermark: i64,
    /// When archived.
    pub archived_at_ms: Option<i64>,
    /// Created.
    pub created_at_ms: i64,
    /// Changed.
    pub updated_at_ms: i64,
}

const PROGRAM_COLS: &str = "program_id, slug, name, live_code_id, rules, budget_fen, spent_fen, member_cap_fen, order_watermark, archived_at_ms, created_at_ms, updated_at_ms";

/// Creates a programme.
pub async fn create(tx: &mut Tx, tenant: TenantId, p: &NewProgram, now: i64) -> Result<Program> {
    let sql = format!("insert into referral_program (tenant_id, slug, name, live_code_id, rules, budget_fen, member_cap_fen, created_at_ms, updated_at_ms)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning {PROGRAM_COLS}");
    let rules = serde_json::to_string(&p.rules).unwrap_or_else(|_| "{}".into());
    on_tx!(tx, c => sqlx::query_as::<_, Program>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(&p.slug).bind(&p.name)
        .bind(p.live_code_id).bind(rules).bind(p.budget_fen).bind(p.member_cap_fen).bind(now).fetch_one(c).await.map_err(Into::into))
}

/// Updates a programme; `Ok(None)` when the budget would fall below what was spent.
pub async fn update(
    tx: &mut Tx,
    tenant: TenantId,
    id: i64,
    p: &NewProgram,
    now: i64,
) -> Result<Option<Program>> {
    let sql = format!("update referral_program set slug = $3, name = $4, live_code_id = $5, rules = $6, budget_fen = $7,
        member_cap_fen = $8, updated_at_ms = $9 where tenant_id = $1 and program_id = $2 and spent_fen <= $7 returning {PROGRAM_COLS}");
    let rules = serde_json::to_string(&p.rules).unwrap_or_else(|_| "{}".into());
    on_tx!(tx, c => sqlx::query_as::<_, Program>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id).bind(&p.slug).bind(&p.name)
        .bind(p.live_code_id).bind(rules).bind(p.budget_fen).bind(p.member_cap_fen).bind(now).fetch_optional(c).await.map_err(Into::into))
}

/// A programme.
pub async fn get(db: &Db, tenant: TenantId, id: i64) -> Result<Option<Program>> {
    let sql = format!(
        "select {PROGRAM_COLS} from referral_program where tenant_id = $1 and program_id = $2"
    );
    on_pool!(db, p => sqlx::query_as::<_, Program>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id).fetch_optional(p).await.map_err(Into::into))
}

/// A programme by slug.
pub async fn by_slug(db: &Db, tenant: TenantId, slug: &str) -> Result<Option<Program>> {
    let sql =
        format!("select {PROGRAM_COLS} from referral_program where tenant_id = $1 and slug = $2");
    on_pool!(db, p => sqlx::query_as::<_, Program>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(slug).fetch_optional(p).await.map_err(Into::into))
}

/// Every programme of the tenant, newest first.
pub async fn list(db: &Db, tenant: TenantId) -> Result<Vec<Program>> {
    let sql = format!(
        "select {PROGRAM_COLS} from referral_program where tenant_id = $1 order by program_id desc limit 200"
    );
    on_pool!(db, p => sqlx::query_as::<_, Program>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).fetch_all(p).await.map_err(Into::into))
}

/// The live programmes whose friends land on `code`.
pub async fn of_code(tx: &mut Tx, tenant: TenantId, code: i64) -> Result<Vec<Program>> {
    let sql = format!(
        "select {PROGRAM_COLS} from referral_program where tenant_id = $1 and live_code_id = $2 and archived_at_ms is null"
    );
    on_tx!(tx, c => sqlx::query_as::<_, Program>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(code).fetch_all(c).await.map_err(Into::into))
}

/// Reads the programme with its row locked (PostgreSQL; SQLite's writes are serial): every
/// grant and reversal of the programme passes here first, so budget and caps are decided one
/// at a time.
pub async fn lock(tx: &mut Tx, tenant: TenantId, id: i64) -> Result<Option<Program>> {
    let lock = if tx.is_sqlite() { "" } else { " for update" };
    let sql = format!(
        "select {PROGRAM_COLS} from referral_program where tenant_id = $1 and program_id = $2{lock}"
    );
    on_tx!(tx, c => sqlx::query_as::<_, Program>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id).fetch_optional(c).await.map_err(Into::into))
}

/// Moves the programme's spent amount by `delta` fen.
pub async fn add_spent(tx: &mut Tx, tenant: TenantId, id: i64, delta: i64) -> Result<()> {
    on_tx!(tx, c => sqlx::query("update referral_program set spent_fen = spent_fen + $3 where tenant_id = $1 and program_id = $2")
        .bind(tenant.0).bind(id).bind(delta).execute(c).await.map(|_| ()).map_err(Into::into))
}

/// Moves the programme's order watermark forward.
pub async fn set_watermark(tx: &mut Tx, tenant: TenantId, id: i64, event_id: i64) -> Result<()> {
    on_tx!(tx, c => sqlx::query("update referral_program set order_watermark = $3 where tenant_id = $1 and program_id = $2 and order_watermark < $3")
        .bind(tenant.0).bind(id).bind(event_id).execute(c).await.map(|_| ()).map_err(Into::into))
}
