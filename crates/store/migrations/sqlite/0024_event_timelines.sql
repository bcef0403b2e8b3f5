-- A member's and a group's timelines leave the event table's commit path. With thousands of
-- members and times spread over an hour nearly every new event landed on a leaf of its own
-- in each of the two timeline indexes, so a 1,000-event commit dirtied about two thousand
-- pages (bench/README.md). The timelines are now two derived tables, written by a
-- background step many commits at a time in key order (crates/store/src/timeline.rs):
-- `event_index_mark` says up to which event id they hold every event, and a reader takes
-- them up to the mark and the events after it from the event table itself.
drop index event_member;
drop index event_group;
create table event_member_ix (
    tenant_id integer not null,
    member_id integer not null,
    occurred_at_ms integer not null,
    event_id integer not null,
    primary key (tenant_id, member_id, occurred_at_ms, event_id)
) without rowid;
create table event_group_ix (
    tenant_id integer not null,
    group_id integer not null,
    occurred_at_ms integer not null,
    event_id integer not null,
    primary key (tenant_id, group_id, occurred_at_ms, event_id)
) without rowid;
create table event_index_mark (
    id integer primary key check (id = 1),
    through_event_id integer not null
);
insert into event_member_ix (tenant_id, member_id, occurred_at_ms, event_id)
    select tenant_id, member_id, occurred_at_ms, event_id from event order by 1, 2, 3, 4;
insert into event_group_ix (tenant_id, group_id, occurred_at_ms, event_id)
    select tenant_id, group_id, occurred_at_ms, event_id from event where group_id is not null
    order by 1, 2, 3, 4;
insert into event_index_mark (id, through_event_id)
    select 1, coalesce(max(event_id), 0) from event;
