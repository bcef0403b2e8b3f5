-- Offers (买满送 and coupons). `offer` holds the rule and how many were given (`taken`, never
-- above `stock`: the row a grant takes from). `offer_grant` is one grant per cause: a
-- spend-get offer applied to one order (its key), or one coupon a member holds (its claim
-- key) with its code, used once.
create table offer (
    offer_id bigserial,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    name text not null,
    kind text not null check (kind in ('spend_get', 'coupon')),
    threshold_fen bigint not null check (threshold_fen >= 0),
    discount_fen bigint,
    gift_name text,
    stock bigint,
    taken bigint not null default 0 check (taken >= 0 and (stock is null or taken <= stock)),
    valid_from_ms bigint not null,
    valid_until_ms bigint not null,
    per_member bigint not null,
    closed_at_ms bigint,
    created_at_ms bigint not null,
    check ((discount_fen is null) <> (gift_name is null)),
    primary key (tenant_id, offer_id)
);

create table offer_grant (
    grant_id bigserial,
    tenant_id bigint not null,
    offer_id bigint not null,
    member_id bigint not null,
    cause_key text not null,
    code text,
    granted_at_ms bigint not null,
    used_at_ms bigint,
    used_by text,
    order_key text,
    order_fen bigint,
    primary key (tenant_id, grant_id),
    unique (tenant_id, offer_id, cause_key),
    unique (tenant_id, code),
    foreign key (tenant_id, offer_id) references offer(tenant_id, offer_id) on delete cascade,
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
);
create index offer_grant_member on offer_grant(tenant_id, member_id, offer_id);
