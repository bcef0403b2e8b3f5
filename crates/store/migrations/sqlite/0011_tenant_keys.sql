-- no-transaction
-- Quanzi schema v11 (SQLite): a schema ready to be distributed by tenant (the same rule as on
-- PostgreSQL). Every unique key of a tenant's table begins with tenant_id, and every foreign
-- key between tenant tables carries it, so a row can never name another tenant's row, even
-- through a bug.
--
-- A tenant table's id stays SQLite's row id (`integer primary key`: the only column SQLite
-- numbers itself, and the row's address); beside it a unique index on (tenant_id, id), named
-- like PostgreSQL's primary key, is the key other tables reference. Where an index on
-- (tenant_id, id) already served listings, the key takes its place.
--
-- SQLite cannot change a foreign key in place: the six tables whose keys name a row by its id
-- alone are rebuilt (the documented procedure: foreign keys off, copy, drop, rename, check).
-- The directory tables stay global, as on PostgreSQL: `tenant`, `operator`, `session`,
-- `api_key`, `login_throttle`.
pragma foreign_keys = off;
begin immediate;

drop index member_tenant;
create unique index member_pkey on member(tenant_id, member_id);
create unique index tag_group_pkey on tag_group(tenant_id, tag_group_id);
create unique index tag_pkey on tag(tenant_id, tag_id);
drop index chat_group_tenant;
create unique index chat_group_pkey on chat_group(tenant_id, group_id);
drop index event_tenant_id;
create unique index event_pkey on event(tenant_id, event_id);
drop index job_tenant_id;
create unique index job_pkey on job(tenant_id, job_id);
create unique index job_schedule_pkey on job_schedule(tenant_id, job_schedule_id);
create unique index inbound_event_pkey on inbound_event(tenant_id, inbound_event_id);
create unique index webhook_subscription_pkey on webhook_subscription(tenant_id, webhook_subscription_id);
drop index webhook_outbox_tenant;
create unique index webhook_outbox_pkey on webhook_outbox(tenant_id, webhook_outbox_id);
create unique index influence_run_pkey on influence_run(tenant_id, run_id);
create unique index event_void_pkey on event_void(tenant_id, event_void_id);
create unique index member_erasure_pkey on member_erasure(tenant_id, member_erasure_id);
drop index event_load_tenant;
create unique index event_load_pkey on event_load(tenant_id, event_load_id);
create unique index operator_tenant_id_operator_id_key on operator(tenant_id, operator_id);

create table session_v11 (
    session_hash text primary key,
    tenant_id integer not null references tenant(tenant_id) on delete cascade,
    operator_id integer not null,
    csrf_token text not null,
    created_at_ms integer not null,
    expires_at_ms integer not null,
    foreign key (tenant_id, operator_id) references operator(tenant_id, operator_id) on delete cascade
);
insert into session_v11 select session_hash, tenant_id, operator_id, csrf_token, created_at_ms, expires_at_ms from session;
drop table session;
alter table session_v11 rename to session;
create index session_operator on session(tenant_id, operator_id);

create table tag_v11 (
    tag_id integer primary key autoincrement,
    tenant_id integer not null references tenant(tenant_id) on delete cascade,
    tag_group_id integer not null,
    name text not null,
    unique (tenant_id, tag_group_id, name),
    foreign key (tenant_id, tag_group_id) references tag_group(tenant_id, tag_group_id) on delete cascade
);
insert into tag_v11 select tag_id, tenant_id, tag_group_id, name from tag;
drop table tag;
alter table tag_v11 rename to tag;
create unique index tag_pkey on tag(tenant_id, tag_id);

create table member_tag_v11 (
    tenant_id integer not null,
    member_id integer not null,
    tag_id integer not null,
    primary key (tenant_id, member_id, tag_id),
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade,
    foreign key (tenant_id, tag_id) references tag(tenant_id, tag_id) on delete cascade
);
insert into member_tag_v11 select tenant_id, member_id, tag_id from member_tag;
drop table member_tag;
alter table member_tag_v11 rename to member_tag;
create index member_tag_tag on member_tag(tenant_id, tag_id);

create table group_membership_v11 (
    tenant_id integer not null,
    group_id integer not null,
    member_id integer not null,
    role text not null,
    joined_at_ms integer not null,
    join_scene text,
    inviter_member_id integer,
    left_at_ms integer,
    primary key (tenant_id, group_id, member_id),
    foreign key (tenant_id, group_id) references chat_group(tenant_id, group_id) on delete cascade,
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
);
insert into group_membership_v11 select tenant_id, group_id, member_id, role, joined_at_ms, join_scene,
    inviter_member_id, left_at_ms from group_membership;
drop table group_membership;
alter table group_membership_v11 rename to group_membership;
create index group_membership_member on group_membership(tenant_id, member_id);

create table membership_change_v11 (
    membership_change_id integer primary key autoincrement,
    tenant_id integer not null,
    group_id integer not null,
    member_id integer not null,
    change text not null check (change in ('join','leave','role')),
    role text,
    join_scene text,
    inviter_member_id integer,
    at_ms integer not null,
    foreign key (tenant_id, group_id) references chat_group(tenant_id, group_id) on delete cascade,
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
);
insert into membership_change_v11 select membership_change_id, tenant_id, group_id, member_id, change, role,
    join_scene, inviter_member_id, at_ms from membership_change;
drop table membership_change;
alter table membership_change_v11 rename to membership_change;
create unique index membership_change_pkey on membership_change(tenant_id, membership_change_id);
create index membership_change_group on membership_change(tenant_id, group_id, at_ms, membership_change_id);
create index membership_change_member on membership_change(tenant_id, member_id, at_ms, membership_change_id);

create table webhook_delivery_v11 (
    webhook_delivery_id integer primary key autoincrement,
    tenant_id integer not null references tenant(tenant_id) on delete cascade,
    webhook_outbox_id integer not null,
    webhook_subscription_id integer not null,
    state text not null default 'pending' check (state in ('pending','delivered','dead')),
    attempts integer not null default 0,
    last_status integer,
    last_error text,
    created_at_ms integer not null,
    delivered_at_ms integer,
    foreign key (tenant_id, webhook_outbox_id)
        references webhook_outbox(tenant_id, webhook_outbox_id) on delete cascade,
    foreign key (tenant_id, webhook_subscription_id)
        references webhook_subscription(tenant_id, webhook_subscription_id) on delete cascade
);
insert into webhook_delivery_v11 select webhook_delivery_id, tenant_id, webhook_outbox_id, webhook_subscription_id,
    state, attempts, last_status, last_error, created_at_ms, delivered_at_ms from webhook_delivery;
drop table webhook_delivery;
alter table webhook_delivery_v11 rename to webhook_delivery;
create unique index webhook_delivery_pkey on webhook_delivery(tenant_id, webhook_delivery_id);

commit;
pragma foreign_keys = on;
