-- Quanzi schema v3 (SQLite): influence runs (scores, seed selection, spread simulation) with
-- their parameters, progress and results, and the latest scores of each member.

create table influence_run (
    run_id integer primary key autoincrement,
    tenant_id integer not null references tenant(tenant_id) on delete cascade,
    kind text not null check (kind in ('scores','seeds','simulate')),
    params text not null,
    state text not null default 'pending' check (state in ('pending','running','done','failed')),
    progress real not null default 0,
    stage text,
    result text,
    error text,
    created_at_ms integer not null,
    started_at_ms integer,
    finished_at_ms integer
);
create index influence_run_tenant on influence_run(tenant_id, kind, run_id);

-- One row per scored member, replaced whole by each finished scores run.
create table member_score (
    tenant_id integer not null references tenant(tenant_id) on delete cascade,
    member_id integer not null,
    run_id integer not null,
    influence real not null,
    influence_rank integer not null,
    engagement real not null,
    engagement_level integer not null,
    connector_groups integer not null,
    betweenness real not null,
    k_shell integer not null,
    inner_core integer not null,
    messages integer not null,
    messages_responded integer not null,
    responses integer not null,
    brought integer not null,
    brought_joined integer not null,
    brought_ordered integer not null,
    brought_gmv_fen integer not null,
    score_influencer real not null,
    score_connector real not null,
    score_maven real not null,
    score_salesman real not null,
    score_engaged real not null,
    score_core real not null,
    roles text not null default '[]',
    explanations text not null default '{}',
    neighbours text not null default '[]',
    primary key (tenant_id, member_id)
);
