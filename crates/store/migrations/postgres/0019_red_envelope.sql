-- Red-envelope plans (红包): a plan sends one envelope to each of its groups at each of its
-- times; every envelope (`red_envelope_send`) is split into its shares when the plan is
-- created, from a seed drawn for it and kept, so the split is recorded and can be recomputed.
--
-- A claim takes the send's next share by a conditional update of `claimed` (never past
-- `share_count`), then that share by its number; a member holds at most one share of a send
-- (the unique key). The checks are the last word: a plan never commits more than its budget,
-- a send never gives more than its total, a share is claimed before it is paid.
create table red_envelope_plan (
    red_envelope_plan_id bigserial,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    name text not null,
    group_ids text not null,
    at_ms text not null,
    total_fen bigint not null check (total_fen > 0),
    share_count bigint not null check (share_count > 0),
    split text not null check (split in ('equal', 'random')),
    budget_fen bigint not null,
    committed_fen bigint not null check (committed_fen >= 0),
    created_at_ms bigint not null,
    check (committed_fen <= budget_fen),
    primary key (tenant_id, red_envelope_plan_id)
);

create table red_envelope_send (
    red_envelope_send_id bigserial,
    tenant_id bigint not null,
    red_envelope_plan_id bigint not null,
    group_id bigint not null,
    at_ms bigint not null,
    total_fen bigint not null check (total_fen > 0),
    share_count bigint not null check (share_count > 0),
    split text not null check (split in ('equal', 'random')),
    seed text not null,
    claimed bigint not null default 0 check (claimed >= 0),
    claimed_fen bigint not null default 0 check (claimed_fen >= 0),
    check (claimed <= share_count),
    check (claimed_fen <= total_fen),
    unique (tenant_id, red_envelope_plan_id, group_id, at_ms),
    primary key (tenant_id, red_envelope_send_id),
    foreign key (tenant_id, red_envelope_plan_id) references red_envelope_plan(tenant_id, red_envelope_plan_id) on delete cascade,
    foreign key (tenant_id, group_id) references chat_group(tenant_id, group_id) on delete cascade
);
create index red_envelope_send_group on red_envelope_send(tenant_id, group_id, at_ms);

create table red_envelope_share (
    red_envelope_share_id bigserial,
    tenant_id bigint not null,
    red_envelope_send_id bigint not null,
    seq bigint not null check (seq >= 1),
    amount_fen bigint not null check (amount_fen >= 1),
    member_id bigint,
    claimed_at_ms bigint,
    paid_at_ms bigint,
    payment_ref text,
    unique (tenant_id, red_envelope_send_id, seq),
    check ((member_id is null) = (claimed_at_ms is null)),
    check (paid_at_ms is null or member_id is not null),
    primary key (tenant_id, red_envelope_share_id),
    foreign key (tenant_id, red_envelope_send_id) references red_envelope_send(tenant_id, red_envelope_send_id) on delete cascade,
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
);
-- A member opens a send once (unclaimed shares have no member and do not collide).
create unique index red_envelope_share_member on red_envelope_share(tenant_id, red_envelope_send_id, member_id);
create index red_envelope_share_of_member on red_envelope_share(tenant_id, member_id) where member_id is not null;
