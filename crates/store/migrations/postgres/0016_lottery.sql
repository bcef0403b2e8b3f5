-- Lotteries (抽奖). `lottery_event` is the published record: every draw and paid upgrade in
-- the order it happened (`seq`), from which anyone can recompute each outcome once the seed
-- is revealed. Its member ids are not foreign keys: the record outlives an erased member, and
-- a merge must not renumber it (tickets hash the member id). The tier counters and each
-- player's draws and wins are kept beside it so a draw reads three rows, not the record.
create table lottery (
    lottery_id bigserial,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    name text not null,
    rules text not null,
    seed_sealed text not null,
    commitment text not null,
    seed text,
    starts_at_ms bigint not null,
    ends_at_ms bigint not null,
    closed_at_ms bigint,
    events bigint not null default 0,
    budget_fen bigint not null check (budget_fen >= 0),
    spent_fen bigint not null default 0 check (spent_fen >= 0),
    created_at_ms bigint not null,
    updated_at_ms bigint not null,
    check (spent_fen <= budget_fen),
    primary key (tenant_id, lottery_id)
);

create table lottery_tier (
    tenant_id bigint not null,
    lottery_id bigint not null,
    tier bigint not null,
    stock_left bigint not null check (stock_left >= 0),
    given bigint not null default 0 check (given >= 0),
    primary key (tenant_id, lottery_id, tier),
    foreign key (tenant_id, lottery_id) references lottery(tenant_id, lottery_id) on delete cascade
);

create table lottery_player (
    tenant_id bigint not null,
    lottery_id bigint not null,
    member_id bigint not null,
    draws bigint not null check (draws >= 0),
    wins bigint not null check (wins >= 0),
    primary key (tenant_id, lottery_id, member_id),
    foreign key (tenant_id, lottery_id) references lottery(tenant_id, lottery_id) on delete cascade
);

create table lottery_event (
    tenant_id bigint not null,
    lottery_id bigint not null,
    seq bigint not null,
    kind text not null check (kind in ('draw', 'upgrade')),
    member_id bigint not null,
    draw_no bigint not null,
    ticket bigint,
    tier bigint,
    from_tier bigint,
    price_fen bigint,
    at_ms bigint not null,
    primary key (tenant_id, lottery_id, seq),
    unique (tenant_id, lottery_id, member_id, kind, draw_no),
    foreign key (tenant_id, lottery_id) references lottery(tenant_id, lottery_id) on delete cascade
);
