-- Quanzi schema v10 (SQLite): every event is a row of `event`. The event blocks of v4-v9
-- (`event_block`) are turned into event and membership-history rows by the store right
-- after this migration (crate::legacy), which then drops their table.
--
-- A bulk import leaves a record of itself: what it stored and the span of event ids it
-- took, for the operator's import history and for the analytics index, which must notice an
-- import that committed after rows with higher ids were read.
create table event_load (
    event_load_id integer primary key autoincrement,
    tenant_id integer not null references tenant(tenant_id) on delete cascade,
    first_event_id integer,
    last_event_id integer,
    events integer not null,
    duplicates integer not null,
    members_created integer not null,
    groups_created integer not null,
    loaded_at_ms integer not null
);
create index event_load_tenant on event_load(tenant_id, event_load_id);
