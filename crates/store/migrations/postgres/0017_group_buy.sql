-- Group buys (拼团) and bargains (砍一刀).
--
-- A group buy's `taken` counts the units held by members of open teams and sold to members of
-- teams that succeeded; a failed team's holds go back. A team's `member_count` is taken by a
-- conditional update (never past `team_size`), and each member's row is numbered by it
-- (`seq`, unique in the team), so a team can never hold more than its size. The checks are
-- the last word: the store refuses a team over its size, a group buy over its stock or a
-- bargain below its floor whatever the code above it does.
create table group_buy (
    group_buy_id bigserial,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    product_name text not null,
    price_fen bigint not null check (price_fen > 0),
    team_price_fen bigint not null check (team_price_fen > 0),
    team_size bigint not null check (team_size >= 2),
    hours bigint not null check (hours > 0),
    stock bigint check (stock >= 0),
    taken bigint not null default 0 check (taken >= 0),
    allow_virtual boolean not null default false,
    created_at_ms bigint not null,
    updated_at_ms bigint not null,
    check (stock is null or taken <= stock),
    primary key (tenant_id, group_buy_id)
);

create table team (
    team_id bigserial,
    tenant_id bigint not null,
    group_buy_id bigint not null,
    leader_member_id bigint not null,
    team_size bigint not null check (team_size >= 2),
    member_count bigint not null check (member_count >= 0),
    virtual_members bigint not null default 0 check (virtual_members >= 0),
    state text not null check (state in ('open', 'succeeded', 'failed')),
    opened_at_ms bigint not null,
    deadline_at_ms bigint not null,
    settled_at_ms bigint,
    check (member_count + virtual_members <= team_size),
    primary key (tenant_id, team_id),
    foreign key (tenant_id, group_buy_id) references group_buy(tenant_id, group_buy_id) on delete cascade,
    foreign key (tenant_id, leader_member_id) references member(tenant_id, member_id) on delete cascade
);
create index team_group_buy on team(tenant_id, group_buy_id, team_id);
create index team_due on team(tenant_id, deadline_at_ms) where state = 'open';
-- A member leads one open team of a group buy at a time (a double tap opens one).
create unique index team_open_leader on team(tenant_id, group_buy_id, leader_member_id) where state = 'open';

create table team_member (
    tenant_id bigint not null,
    team_id bigint not null,
    member_id bigint not null,
    seq bigint not null check (seq >= 1),
    state text not null check (state in ('held', 'ordered', 'released')),
    joined_at_ms bigint not null,
    primary key (tenant_id, team_id, member_id),
    unique (tenant_id, team_id, seq),
    foreign key (tenant_id, team_id) references team(tenant_id, team_id) on delete cascade,
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
);
create index team_member_member on team_member(tenant_id, member_id, team_id);

-- A bargain offer; `taken` counts the units its members bought.
create table bargain (
    bargain_id bigserial,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    product_name text not null,
    start_price_fen bigint not null check (start_price_fen > 0),
    floor_price_fen bigint not null check (floor_price_fen >= 0),
    cuts_to_floor bigint not null check (cuts_to_floor >= 2),
    hours bigint not null check (hours > 0),
    stock bigint check (stock >= 0),
    taken bigint not null default 0 check (taken >= 0),
    created_at_ms bigint not null,
    updated_at_ms bigint not null,
    check (floor_price_fen < start_price_fen),
    check (stock is null or taken <= stock),
    primary key (tenant_id, bargain_id)
);

-- A member's run of a bargain (one per member and offer): the price friends cut so far.
-- The floor is copied so the row itself refuses a price below it.
create table bargain_run (
    bargain_run_id bigserial,
    tenant_id bigint not null,
    bargain_id bigint not null,
    member_id bigint not null,
    price_fen bigint not null,
    floor_price_fen bigint not null,
    cuts bigint not null default 0 check (cuts >= 0),
    opened_at_ms bigint not null,
    expires_at_ms bigint not null,
    bought_at_ms bigint,
    paid_fen bigint,
    unique (tenant_id, bargain_id, member_id),
    primary key (tenant_id, bargain_run_id),
    check (price_fen >= floor_price_fen),
    foreign key (tenant_id, bargain_id) references bargain(tenant_id, bargain_id) on delete cascade,
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
);
create index bargain_run_bargain on bargain_run(tenant_id, bargain_id, bargain_run_id);

-- One cut per friend and run, numbered in the order they came.
create table bargain_cut (
    tenant_id bigint not null,
    bargain_run_id bigint not null,
    member_id bigint not null,
    cut_no bigint not null check (cut_no >= 1),
    amount_fen bigint not null check (amount_fen >= 0),
    price_after_fen bigint not null,
    at_ms bigint not null,
    primary key (tenant_id, bargain_run_id, member_id),
    unique (tenant_id, bargain_run_id, cut_no),
    foreign key (tenant_id, bargain_run_id) references bargain_run(tenant_id, bargain_run_id) on delete cascade,
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
);
