//! Influence runs (member scores, seed selection, spread simulation) with their parameters,
//! progress and results; the latest scores of each member; and the members the interaction
//! graph is built over (its events come from [`crate::analytics`]'s scan).

use quanzi_domain::TenantId;
use serde::Serialize;

use crate::{Arg, Db, Result, SqlBuf, Tx, bind_args, on_pool, on_tx};

/// One influence run as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RunRow {
    /// Id.
    pub run_id: i64,
    /// Owner.
    pub tenant_id: i64,
    /// `scores`, `seeds` or `simulate`.
    pub kind: String,
    /// The parameters, JSON text.
    pub params: String,
    /// `pending`, `running`, `done` or `failed`.
    pub state: String,
    /// 0 to 1.
    pub progress: f64,
    /// What the run is doing now, e.g. `graph`.
    pub stage: Option<String>,
    /// The result, JSON text, once done.
    pub result: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Asked for at, unix ms.
    pub created_at_ms: i64,
    /// Started at, unix ms.
    pub started_at_ms: Option<i64>,
    /// Finished (done or failed) at, unix ms.
    pub finished_at_ms: Option<i64>,
}

const RUN_COLS: &str = "run_id, tenant_id, kind, params, state, progress, stage, result, error,
    created_at_ms, started_at_ms, finished_at_ms";

/// Records a run of `kind` with `params` (JSON text) in `tx`; returns its id.
pub async fn create_run(
    tx: &mut Tx,
    tenant: TenantId,
    kind: &str,
    params: &str,
    now_ms: i64,
) -> Result<i64> {
    on_tx!(tx, c => sqlx::query_scalar::<_, i64>(
        "insert into influence_run (tenant_id, kind, params, state, progress, created_at_ms)
         values ($1, $2, $3, 'pending', 0, $4) returning run_id")
        .bind(tenant.0).bind(kind).bind(params).bind(now_ms)
        .fetch_one(c).await.map_err(Into::into))
}

/// Marks a pending (or retried running) run as running; `false` when it is finished or gone.
pub async fn start_run(db: &Db, tenant: TenantId, run_id: i64, now_ms: i64) -> Result<bool> {
    let n = on_pool!(db, p => sqlx::query(
        "update influence_run set state = 'running', progress = 0, stage = null,
            started_at_ms = $3
         where tenant_id = $1 and run_id = $2 and state in ('pending', 'running')")
        .bind(tenant.0).bind(run_id).bind(now_ms).execute(p).await?.rows_affected());
    Ok(n == 1)
}

/// Records a running run's progress (0 to 1) and stage.
pub async fn set_progress(
    db: &Db,
    tenant: TenantId,
    run_id: i64,
    progress: f64,
    stage: &str,
) -> Result<()> {
    on_pool!(db, p => sqlx::query(
        "update influence_run set progress = $3, stage = $4
         where tenant_id = $1 and run_id = $2 and state = 'running'")
        .bind(tenant.0).bind(run_id).bind(progress.clamp(0.0, 1.0)).bind(stage)
        .execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Marks a run done with its result (JSON text) in `tx`, the transaction of its writes.
pub async fn finish_run(
    tx: &mut Tx,
    tenant: TenantId,
    run_id: i64,
    result: &str,
    now_ms: i64,
) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "update influence_run set state = 'done', progress = 1, stage = null, result = $3,
            error = null, finished_at_ms = $4
         where tenant_id = $1 and run_id = $2 and state in ('pending', 'running')")
        .bind(tenant.0).bind(run_id).bind(result).bind(now_ms).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Marks a run failed with `error`.
pub async fn fail_run(
    db: &Db,
    tenant: TenantId,
    run_id: i64,
    error: &str,
    now_ms: i64,
) -> Result<()> {
    on_pool!(db, p => sqlx::query(
        "update influence_run set state = 'failed', stage = null, error = $3, finished_at_ms = $4
         where tenant_id = $1 and run_id = $2 and state in ('pending', 'running')")
        .bind(tenant.0).bind(run_id).bind(error).bind(now_ms).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// One run of the tenant.
pub async fn get_run(db: &Db, tenant: TenantId, run_id: i64) -> Result<Option<RunRow>> {
    let sql = format!("select {RUN_COLS} from influence_run where tenant_id = $1 and run_id = $2");
    on_pool!(db, p => sqlx::query_as::<_, RunRow>(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(run_id).fetch_optional(p).await.map_err(Into::into))
}

/// The tenant's latest runs, newest first, of one kind or all.
pub async fn list_runs(
    db: &Db,
    tenant: TenantId,
    kind: Option<&str>,
    limit: i64,
) -> Result<Vec<RunRow>> {
    let sql = format!(
        "select {RUN_COLS} from influence_run where tenant_id = $1 and ($2 is null or kind = $2)
         order by run_id desc limit $3"
    );
    on_pool!(db, p => sqlx::query_as::<_, RunRow>(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(kind).bind(limit).fetch_all(p).await.map_err(Into::into))
}

/// The latest finished scores run of the tenant.
pub async fn latest_done(db: &Db, tenant: TenantId, kind: &str) -> Result<Option<RunRow>> {
    let sql = format!(
        "select {RUN_COLS} from influence_run where tenant_id = $1 and kind = $2 and state = 'done'
         order by run_id desc limit 1"
    );
    on_pool!(db, p => sqlx::query_as::<_, RunRow>(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(kind).fetch_optional(p).await.map_err(Into::into))
}

/// One member's stored scores.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ScoreRow {
    /// The member.
    pub member_id: i64,
    /// The scores run that wrote the row.
    pub run_id: i64,
    /// PageRank on the endorsement graph.
    pub influence: f64,
    /// 1 = most influential.
    pub influence_rank: i64,
    /// Decayed weighted activity.
    pub engagement: f64,
    /// 0 (inactive) to 10.
    pub engagement_level: i64,
    /// Groups the member has ties into.
    pub connector_groups: i64,
    /// Share of shortest paths through the member.
    pub betweenness: f64,
    /// Core number.
    pub k_shell: i64,
    /// 1 when in the innermost core.
    pub inner_core: i64,
    /// Messages posted.
    pub messages: i64,
    /// Messages that drew replies or re-shares.
    pub messages_responded: i64,
    /// Replies and re-shares received.
    pub responses: i64,
    /// People brought in.
    pub brought: i64,
    /// Of those, joined.
    pub brought_joined: i64,
    /// Of those, ordered.
    pub brought_ordered: i64,
    /// Their GMV, fen.
    pub brought_gmv_fen: i64,
    /// Influencer role score.
    pub score_influencer: f64,
    /// Connector role score.
    pub score_connector: f64,
    /// Maven role score.
    pub score_maven: f64,
    /// Salesman role score.
    pub score_salesman: f64,
    /// Engaged role score.
    pub score_engaged: f64,
    /// Core role score.
    pub score_core: f64,
    /// Roles the member ranks at the top of, JSON array of names.
    pub roles: String,
    /// One English line per role, JSON object.
    pub explanations: String,
    /// Strongest ties, JSON `[[member_id, weight_out, weight_in], …]`.
    pub neighbours: String,
}

const SCORE_COLS: [&str; 27] = [
    "member_id",
    "run_id",
    "influence",
    "influence_rank",
    "engagement",
    "engagement_level",
    "connector_groups",
    "betweenness",
    "k_shell",
    "inner_core",
    "messages",
    "messages_responded",
    "responses",
    "brought",
    "brought_joined",
    "brought_ordered",
    "brought_gmv_fen",
    "score_influencer",
    "score_connector",
    "score_maven",
    "score_salesman",
    "score_engaged",
    "score_core",
    "roles",
    "explanations",
    "neighbours",
    "tenant_id",
];

/// The role columns a KOL list may be ordered by.
pub const ROLE_COLUMNS: [&str; 6] = [
    "score_influencer",
    "score_connector",
    "score_maven",
    "score_salesman",
    "score_engaged",
    "score_core",
];

impl ScoreRow {
    fn args(&self, tenant: TenantId) -> [Arg; 27] {
        [
            Arg::I64(self.member_id),
            Arg::I64(self.run_id),
            Arg::F64(self.influence),
            Arg::I64(self.influence_rank),
            Arg::F64(self.engagement),
            Arg::I64(self.engagement_level),
            Arg::I64(self.connector_groups),
            Arg::F64(self.betweenness),
            Arg::I64(self.k_shell),
            Arg::I64(self.inner_core),
            Arg::I64(self.messages),
            Arg::I64(self.messages_responded),
            Arg::I64(self.responses),
            Arg::I64(self.brought),
            Arg::I64(self.brought_joined),
            Arg::I64(self.brought_ordered),
            Arg::I64(self.brought_gmv_fen),
            Arg::F64(self.score_influencer),
            Arg::F64(self.score_connector),
            Arg::F64(self.score_maven),
            Arg::F64(self.score_salesman),
            Arg::F64(self.score_engaged),
            Arg::F64(self.score_core),
            Arg::Str(self.roles.clone()),
            Arg::Str(self.explanations.clone()),
            Arg::Str(self.neighbours.clone()),
            Arg::I64(tenant.0),
        ]
    }
}

/// Replaces the tenant's scores with `rows` in `tx`: readers see the old set or the new one.
pub async fn replace_scores(
    tx: &mut Tx,
    tenant: TenantId,
    rows: &[ScoreRow],
    sqlite: bool,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query("delete from member_score where tenant_id = $1")
        .bind(tenant.0).execute(c).await.map(|_| ()))?;
    for chunk in rows.chunks(400) {
        let mut b = SqlBuf::new(&format!(
            "insert into member_score ({}) values ",
            SCORE_COLS.join(", ")
        ));
        for (i, r) in chunk.iter().enumerate() {
            b.push(if i == 0 { "(" } else { ", (" });
            for (j, a) in r.args(tenant).into_iter().enumerate() {
                if j > 0 {
                    b.push(", ");
                }
                b.bind(a);
            }
            b.push(")");
        }
        let (sql, args) = b.finish(sqlite);
        on_tx!(tx, c => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql)), args).execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

const SELECT_SCORES: &str = "select s.member_id, s.run_id, s.influence, s.influence_rank,
    s.engagement, s.engagement_level, s.connector_groups, s.betweenness, s.k_shell, s.inner_core,
    s.messages, s.messages_responded, s.responses, s.brought, s.brought_joined, s.brought_ordered,
    s.brought_gmv_fen, s.score_influencer, s.score_connector, s.score_maven, s.score_salesman,
    s.score_engaged, s.score_core, s.roles, s.explanations, s.neighbours, m.name
    from member_score s join member m on m.tenant_id = s.tenant_id and m.member_id = s.member_id
    where s.tenant_id = ";

/// Stored scores of the given members (those scored), with their names.
pub async fn scores_of(db: &Db, tenant: TenantId, members: &[i64]) -> Result<Vec<NamedScores>> {
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let mut b = SqlBuf::new(SELECT_SCORES);
    b.bind(Arg::I64(tenant.0));
    b.push(" and s.member_id in (");
    for (i, m) in members.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.bind(Arg::I64(*m));
    }
    b.push(")");
    let (sql, args) = b.finish(db.is_sqlite());
    on_pool!(db, p => bind_args!(sqlx::query_as::<_, NamedScores>(sqlx::AssertSqlSafe(sql)), args)
        .fetch_all(p).await.map_err(Into::into))
}

/// A member's scores and name (a KOL list entry, a node of a neighbourhood).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct NamedScores {
    /// The scores.
    #[sqlx(flatten)]
    pub scores: ScoreRow,
    /// The member's name.
    pub name: String,
}

/// The top `limit` members by the role column `role` (one of [`ROLE_COLUMNS`]), with a score
/// above zero, optionally only current members of `group`; ties by lower id.
pub async fn kol(
    db: &Db,
    tenant: TenantId,
    role: &str,
    group: Option<i64>,
    limit: i64,
) -> Result<Vec<NamedScores>> {
    let Some(col) = ROLE_COLUMNS.iter().find(|c| **c == role) else {
        return Ok(Vec::new());
    };
    let mut b = SqlBuf::new(SELECT_SCORES);
    b.bind(Arg::I64(tenant.0));
    b.push(&format!(" and s.{col} > 1e-9"));
    if let Some(g) = group {
        b.push(" and exists (select 1 from group_membership gm where gm.tenant_id = s.tenant_id and gm.member_id = s.member_id and gm.left_at_ms is null and gm.group_id = ");
        b.bind(Arg::I64(g));
        b.push(")");
    }
    b.push(&format!(" order by s.{col} desc, s.member_id limit "));
    b.bind(Arg::I64(limit));
    let (sql, args) = b.finish(db.is_sqlite());
    on_pool!(db, p => bind_args!(sqlx::query_as::<_, NamedScores>(sqlx::AssertSqlSafe(sql)), args)
        .fetch_all(p).await.map_err(Into::into))
}

/// A member as the graph sees it: its id and whether it is still outside the community.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GraphMember {
    /// Id.
    pub member_id: i64,
    /// Name.
    pub name: String,
    /// Lifecycle stage (`prospect`: attracted, not yet in a group).
    pub lifecycle_stage: String,
}

/// Every unmerged member of the tenant, by id.
pub async fn graph_members(db: &Db, tenant: TenantId) -> Result<Vec<GraphMember>> {
    on_pool!(db, p => sqlx::query_as::<_, GraphMember>(
        "select member_id, name, lifecycle_stage from member
         where tenant_id = $1 and merged_into is null order by member_id")
        .bind(tenant.0).fetch_all(p).await.map_err(Into::into))
}
