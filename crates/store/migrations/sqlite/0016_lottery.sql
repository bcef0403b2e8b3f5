-- Lotteries (抽奖). `lottery_event` is the published record: every draw and paid upgrade in
-- the order it happened (`seq`), from which anyone can recompute each outcome once the seed
-- is revealed. Its member ids are not foreign keys: the record outlives an erased member, and
-- a merge must not renumber it (tickets hash the member id). The tier counters and each
-- player's draws and wins are kept beside it so a draw reads three rows, not the record.
create table lottery (
    lottery_id integer primary key autoincrement,
    tenant_id integer not null references tenant(tenant_id) on delete cascade,
    name text not null,
    rules text not null,
    seed_sealed text not null,
    commitment text not null,
    seed text,
    starts_at_ms integer not null,
    ends_at_ms integer not null,
    closed_at_ms integer,
    events integer not null default 0,
    budget_fen integer not null check (budget_fen >= 0),
    spent_fen integer not null default 0 check (spent_fen >= 0),
    created_at_ms integer not null,
    updated_at_ms integer not null,
    check (spent_fen <= budget_fen)
);
create unique index lottery_pkey on lottery(tenant_id, lottery_id);

create table lottery_tier (
    tenant_id integer not null,
    lottery_id integer not null,
    tier integer not null,
    stock_left integer not null check (stock_left >= 0),
    given integer not null default 0 check (given >= 0),
    primary key (tenant_id, lottery_id, tier),
    foreign key (tenant_id, lottery_id) references lottery(tenant_id, lottery_id) on delete cascade
);

create table lottery_player (
    tenant_id integer not null,
    lottery_id integer not null,
    member_id integer not null,
    draws integer not null check (draws >= 0),
    wins integer not null check (wins >= 0),
    primary key (tenant_id, lottery_id, member_id),
    foreign key (tenant_id, lottery_id) references lottery(tenant_id, lottery_id) on delete cascade
);

create table lottery_event (
    tenant_id integer not null,
    lottery_id integer not null,
    seq integer not null,
    kind text not null check (kind in ('draw', 'upgrade')),
    member_id integer not null,
    draw_no integer not null,
    ticket integer,
    tier integer,
    from_tier integer,
    price_fen integer,
    at_ms integer not null,
    primary key (tenant_id, lottery_id, seq),
    unique (tenant_id, lottery_id, member_id, kind, draw_no),
    foreign key (tenant_id, lottery_id) references lottery(tenant_id, lottery_id) on delete cascade
);
