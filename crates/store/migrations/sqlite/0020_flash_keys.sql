-- no-transaction
-- Quanzi schema v20 (SQLite): fewer index pages per flash-sale buy. An order's request key
-- is unique per member first, (tenant_id, member_id, flash_sale_id, request_key), so the same
-- index serves a member's orders and the member's foreign key, and the separate member index
-- goes: each buy writes one fewer page at a random place. A buyer's count is kept in its
-- primary key's B-tree alone (`without rowid`). The documented rebuild: foreign keys off,
-- copy, drop, rename, check.
pragma foreign_keys = off;
begin immediate;

create temp table flash_order_seq as select seq from sqlite_sequence where name = 'flash_order';

create table flash_order_v20 (
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
    unique (tenant_id, member_id, flash_sale_id, request_key),
    foreign key (tenant_id, flash_sale_id) references flash_sale(tenant_id, flash_sale_id) on delete cascade,
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
);
insert into flash_order_v20 (order_id, tenant_id, flash_sale_id, member_id, quantity, amount_fen, state,
        request_key, held_at_ms, hold_until_ms, settled_at_ms, payment_ref)
    select order_id, tenant_id, flash_sale_id, member_id, quantity, amount_fen, state,
        request_key, held_at_ms, hold_until_ms, settled_at_ms, payment_ref from flash_order;
drop table flash_order;
alter table flash_order_v20 rename to flash_order;
-- Ids are never reused: the sequence goes on from where the old table's stood.
insert into sqlite_sequence (name, seq)
    select 'flash_order', seq from flash_order_seq
    where not exists (select 1 from sqlite_sequence where name = 'flash_order');
update sqlite_sequence set seq = max(seq, coalesce((select seq from flash_order_seq), 0))
    where name = 'flash_order';
drop table flash_order_seq;
create unique index flash_order_pkey on flash_order(tenant_id, order_id);
create index flash_order_sale on flash_order(tenant_id, flash_sale_id, order_id);
create index flash_order_holds on flash_order(tenant_id, hold_until_ms) where state = 'held';

create table flash_buyer_v20 (
    tenant_id integer not null,
    flash_sale_id integer not null,
    member_id integer not null,
    taken integer not null check (taken >= 0),
    primary key (tenant_id, flash_sale_id, member_id),
    foreign key (tenant_id, flash_sale_id) references flash_sale(tenant_id, flash_sale_id) on delete cascade,
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
) without rowid;
insert into flash_buyer_v20 (tenant_id, flash_sale_id, member_id, taken)
    select tenant_id, flash_sale_id, member_id, taken from flash_buyer;
drop table flash_buyer;
alter table flash_buyer_v20 rename to flash_buyer;

commit;
pragma foreign_keys = on;
