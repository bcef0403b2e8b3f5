-- Wallets (储值): a double-entry ledger in fen. `wallet_entry` is one request (a top-up, a
-- spend, a refund, a bonus expiry) once per idempotency key; `wallet_posting` its lines, which
-- sum to zero. `wallet` holds each member's two balances: the sums of their postings, kept as
-- the row a request locks and the checks that make a negative balance impossible (a test
-- rebuilds them from the postings).
create table wallet_plan (
    tenant_id integer primary key references tenant(tenant_id) on delete cascade,
    tiers text not null default '[]',
    bonus_valid_days integer not null default 365,
    updated_at_ms integer not null
);

create table wallet (
    tenant_id integer not null,
    member_id integer not null,
    principal_fen integer not null default 0 check (principal_fen >= 0),
    bonus_fen integer not null default 0 check (bonus_fen >= 0),
    updated_at_ms integer not null,
    primary key (tenant_id, member_id),
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
);

create table wallet_entry (
    entry_id integer primary key autoincrement,
    tenant_id integer not null,
    member_id integer not null,
    op text not null check (op in ('top_up', 'spend', 'refund', 'expire')),
    idempotency_key text not null,
    amount_fen integer not null,
    refund_of integer,
    note text,
    bonus_expires_at_ms integer,
    bonus_expired_at_ms integer,
    at_ms integer not null,
    unique (tenant_id, idempotency_key),
    unique (tenant_id, refund_of),
    foreign key (tenant_id, member_id) references wallet(tenant_id, member_id) on delete cascade
);
create unique index wallet_entry_pkey on wallet_entry(tenant_id, entry_id);
create index wallet_entry_member on wallet_entry(tenant_id, member_id, entry_id);
create index wallet_entry_bonus_due on wallet_entry(tenant_id, bonus_expires_at_ms) where op = 'top_up' and bonus_expired_at_ms is null;

create table wallet_posting (
    tenant_id integer not null,
    entry_id integer not null,
    account text not null check (account in ('principal', 'bonus', 'cash', 'bonus_grant', 'sales', 'expired')),
    amount_fen integer not null,
    primary key (tenant_id, entry_id, account),
    foreign key (tenant_id, entry_id) references wallet_entry(tenant_id, entry_id) on delete cascade
);
