-- Quanzi schema v3 (PostgreSQL): influence runs (scores, seed selection, spread simulation) with
-- their parameters, progress and results, and the latest scores of each member.

create table influence_run (
    run_id bigserial primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    kind text not null check (kind in ('scores','seeds','simulate')),
    params text not null,
    state text not null default 'pending' check (state in ('pending','running','done','failed')),
    progress double precision not null default 0,
    stage text,
    result text,
    error text,
    created_at_ms bigint not null,
    started_at_ms bigint,
    finished_at_ms bigint
);
create index influence_run_tenant on influence_run(tenant_id, kind, run_id);

-- One row per scored member, replaced whole by each finished scores run.
create table member_score (
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    member_id bigint not null,
    run_id bigint not null,
    influence double precision not null,
    influence_rank bigint not null,
    engagement double precision not null,
    engagement_level bigint not null,
    connector_groups bigint not null,
    betweenness double precision not null,
    k_shell bigint not null,
    inner_core bigint not null,
    messages bigint not null,
    messages_responded bigint not null,
    responses bigint not null,
    brought bigint not null,
    brought_joined bigint not null,
    brought_ordered bigint not null,
    brought_gmv_fen bigint not null,
    score_influencer double precision not null,
    score_connector double precision not null,
    score_maven double precision not null,
    score_salesman double precision not null,
    score_engaged double precision not null,
    score_core double precision not null,
    roles text not null default '[]',
    explanations text not null default '{}',
    neighbours text not null default '[]',
    primary key (tenant_id, member_id)
);
