-- Quanzi schema v4 (SQLite): event blocks. A bulk load keeps its events in blocks of up to
-- 65,536 rows, column by column (crate::block::codec), instead of one row each: event ids
-- first_event_id ..= last_event_id are taken from the event table's sequence, keys are
-- implied by file line and row hash. Readers of events read both.

create table event_block (
    block_id integer primary key autoincrement,
    tenant_id integer not null references tenant(tenant_id) on delete cascade,
    first_event_id integer not null,
    last_event_id integer not null,
    rows integer not null,
    first_line integer not null,
    last_line integer not null,
    min_at_ms integer not null,
    max_at_ms integer not null,
    received_at_ms integer not null,
    member_filter blob not null,
    who blob not null,
    data blob not null
);
create index event_block_tenant on event_block(tenant_id, first_event_id);
