-- The timelines' derived tables get a bucket after the tenant: the event id's high bits
-- (crates/store/src/timeline.rs, BUCKET_SHIFT = 19). Keyed by member or group first, a
-- round of the checkpoint thread's catch-up wrote nearly every leaf of the member timeline
-- when the new events were spread over thousands of members, and the round cost more as the
-- table grew; now a round writes into the last bucket only. The tables are derived: they are
-- made again from the events.
drop table event_member_ix;
drop table event_group_ix;
create table event_member_ix (
    tenant_id integer not null,
    bucket integer not null,
    member_id integer not null,
    occurred_at_ms integer not null,
    event_id integer not null,
    primary key (tenant_id, bucket, member_id, occurred_at_ms, event_id)
) without rowid;
create table event_group_ix (
    tenant_id integer not null,
    bucket integer not null,
    group_id integer not null,
    occurred_at_ms integer not null,
    event_id integer not null,
    primary key (tenant_id, bucket, group_id, occurred_at_ms, event_id)
) without rowid;
insert into event_member_ix (tenant_id, bucket, member_id, occurred_at_ms, event_id)
    select tenant_id, event_id >> 19, member_id, occurred_at_ms, event_id from event
    where event_id <= (select through_event_id from event_index_mark where id = 1)
    order by 1, 2, 3, 4, 5;
insert into event_group_ix (tenant_id, bucket, group_id, occurred_at_ms, event_id)
    select tenant_id, event_id >> 19, group_id, occurred_at_ms, event_id from event
    where event_id <= (select through_event_id from event_index_mark where id = 1)
      and group_id is not null
    order by 1, 2, 3, 4, 5;
