-- Flash sales (限时抢购): a sale's stock and what is taken from it, each member's units, and
-- the orders. `taken` counts the units of held and paid orders; a unit goes back when its
-- hold expires or the order is cancelled. The checks are the last word: the store refuses a
-- row over its stock or a member over the limit whatever the code above it does.
create table flash_sale (
    flash_sale_id integer primary key autoincrement,
    tenant_id integer not null references tenant(tenant_id) on delete cascade,
    product text not null,
    description text not null default '',
    price_fen integer not null check (price_fen > 0),
    original_price_fen integer,
    stock integer not null check (stock > 0),
    taken integer not null default 0 check (taken >= 0),
    per_member_limit integer not null check (per_member_limit > 0),
    starts_at_ms integer not null,
    ends_at_ms integer not null,
    hold_minutes integer not null,
    group_ids text not null default '[]',
    closed_at_ms integer,
    created_at_ms integer not null,
    updated_at_ms integer not null,
    check (taken <= stock)
);
create unique index flash_sale_pkey on flash_sale(tenant_id, flash_sale_id);

create table flash_buyer (
    tenant_id integer not null,
    flash_sale_id integer not null,
    member_id integer not null,
    taken integer not null check (taken >= 0),
    primary key (tenant_id, flash_sale_id, member_id),
    foreign key (tenant_id, flash_sale_id) references flash_sale(tenant_id, flash_sale_id) on delete cascade,
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
);

create table flash_order (
    order_id integer primary key autoincrement,
    tenant_id integer not null,
    flash_sale_id integer not null,
    member_id integer not null,
    quantity integer not null check (quantity > 0),
    amount_fen integer not null check (amount_fen >= 0),
    state text not null check (state in ('held', 'paid', 'expired', 'cancelled')),
    request_key text not null,
    held_at_ms integer not null,
    hold_until_ms integer not null,
    settled_at_ms integer,
    payment_ref text,
    unique (tenant_id, flash_sale_id, member_id, request_key),
    foreign key (tenant_id, flash_sale_id) references flash_sale(tenant_id, flash_sale_id) on delete cascade,
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
);
create unique index flash_order_pkey on flash_order(tenant_id, order_id);
create index flash_order_sale on flash_order(tenant_id, flash_sale_id, order_id);
create index flash_order_member on flash_order(tenant_id, member_id, order_id);
create index flash_order_holds on flash_order(tenant_id, hold_until_ms) where state = 'held';
