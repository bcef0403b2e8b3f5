-- Quanzi schema v4 (PostgreSQL): event blocks. A bulk load keeps its events in blocks of up to
-- 65,536 rows, column by column (crate::block::codec), instead of one row each: event ids
-- first_event_id ..= last_event_id are taken from the event table's sequence, keys are
-- implied by file line and row hash. Readers of events read both.

create table event_block (
    block_id bigserial primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    first_event_id bigint not null,
    last_event_id bigint not null,
    rows bigint not null,
    first_line bigint not null,
    last_line bigint not null,
    min_at_ms bigint not null,
    max_at_ms bigint not null,
    received_at_ms bigint not null,
    member_filter bytea not null,
    who bytea not null,
    data bytea not null
);
create index event_block_tenant on event_block(tenant_id, first_event_id);
-- The blobs are varint columns already: stored out of line, not compressed again.
alter table event_block alter column member_filter set storage external,
    alter column who set storage external, alter column data set storage external;
