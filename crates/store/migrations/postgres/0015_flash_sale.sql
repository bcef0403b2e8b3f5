-- Flash sales (限时抢购): a sale's stock and what is taken from it, each member's units, and
-- the orders. `taken` counts the units of held and paid orders; a unit goes back when its
-- hold expires or the order is cancelled. The checks are the last word: the store refuses a
-- row over its stock or a member over the limit whatever the code above it does.
create table flash_sale (
    flash_sale_id bigserial,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    product text not null,
    description text not null default '',
    price_fen bigint not null check (price_fen > 0),
    original_price_fen bigint,
    stock bigint not null check (stock > 0),
    taken bigint not null default 0 check (taken >= 0),
    per_member_limit bigint not null check (per_member_limit > 0),
    starts_at_ms bigint not null,
    ends_at_ms bigint not null,
    hold_minutes bigint not null,
    group_ids text not null default '[]',
    closed_at_ms bigint,
    created_at_ms bigint not null,
    updated_at_ms bigint not null,
    check (taken <= stock),
    primary key (tenant_id, flash_sale_id)
);

create table flash_buyer (
    tenant_id bigint not null,
    flash_sale_id bigint not null,
    member_id bigint not null,
    taken bigint not null check (taken >= 0),
    primary key (tenant_id, flash_sale_id, member_id),
    foreign key (tenant_id, flash_sale_id) references flash_sale(tenant_id, flash_sale_id) on delete cascade,
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
);

create table flash_order (
    order_id bigserial,
    tenant_id bigint not null,
    flash_sale_id bigint not null,
    member_id bigint not null,
    quantity bigint not null check (quantity > 0),
    amount_fen bigint not null check (amount_fen >= 0),
    state text not null check (state in ('held', 'paid', 'expired', 'cancelled')),
    request_key text not null,
    held_at_ms bigint not null,
    hold_until_ms bigint not null,
    settled_at_ms bigint,
    payment_ref text,
    unique (tenant_id, flash_sale_id, member_id, request_key),
    primary key (tenant_id, order_id),
    foreign key (tenant_id, flash_sale_id) references flash_sale(tenant_id, flash_sale_id) on delete cascade,
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
);
create index flash_order_sale on flash_order(tenant_id, flash_sale_id, order_id);
create index flash_order_member on flash_order(tenant_id, member_id, order_id);
create index flash_order_holds on flash_order(tenant_id, hold_until_ms) where state = 'held';
