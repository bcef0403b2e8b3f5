-- Quanzi schema v11 (PostgreSQL): a schema ready to be distributed by tenant. Every primary
-- and unique key of a tenant's table begins with tenant_id, and every foreign key between
-- tenant tables carries it, so a row can never name another tenant's row, even through a
-- bug, and the schema runs unchanged on a cluster that shards by tenant_id (Citus: see
-- docs/architecture.md).
--
-- The directory tables stay global: `tenant`, and the three a request passes through
-- before its tenant is known (`operator` by email, `session` by cookie, `api_key` by key
-- hash), plus `login_throttle`, which has no tenant. `operator` gains a unique
-- (tenant_id, operator_id) so a session's operator is always of the session's tenant.

-- Foreign keys that name a row by its id alone go first: they hang on the keys replaced below.
alter table session drop constraint session_operator_id_fkey;
alter table tag drop constraint tag_tag_group_id_fkey;
alter table member_tag drop constraint member_tag_member_id_fkey;
alter table member_tag drop constraint member_tag_tag_id_fkey;
alter table group_membership drop constraint group_membership_group_id_fkey;
alter table group_membership drop constraint group_membership_member_id_fkey;
alter table membership_change drop constraint membership_change_group_id_fkey;
alter table membership_change drop constraint membership_change_member_id_fkey;
alter table webhook_delivery drop constraint webhook_delivery_webhook_outbox_id_fkey;
alter table webhook_delivery drop constraint webhook_delivery_webhook_subscription_id_fkey;

-- Primary keys led by the tenant. Where an index on (tenant_id, id) already served listings,
-- the new key takes its place.
alter table member drop constraint member_pkey, add primary key (tenant_id, member_id);
drop index member_tenant;
alter table tag_group drop constraint tag_group_pkey, add primary key (tenant_id, tag_group_id);
alter table tag drop constraint tag_pkey, add primary key (tenant_id, tag_id);
alter table chat_group drop constraint chat_group_pkey, add primary key (tenant_id, group_id);
drop index chat_group_tenant;
alter table membership_change drop constraint membership_change_pkey,
    add primary key (tenant_id, membership_change_id);
alter table event drop constraint event_pkey, add primary key (tenant_id, event_id);
drop index event_tenant_id;
alter table job drop constraint job_pkey, add primary key (tenant_id, job_id);
drop index job_tenant_id;
alter table job_schedule drop constraint job_schedule_pkey, add primary key (tenant_id, job_schedule_id);
alter table inbound_event drop constraint inbound_event_pkey, add primary key (tenant_id, inbound_event_id);
alter table webhook_subscription drop constraint webhook_subscription_pkey,
    add primary key (tenant_id, webhook_subscription_id);
alter table webhook_outbox drop constraint webhook_outbox_pkey, add primary key (tenant_id, webhook_outbox_id);
drop index webhook_outbox_tenant;
alter table webhook_delivery drop constraint webhook_delivery_pkey,
    add primary key (tenant_id, webhook_delivery_id);
drop index webhook_delivery_tenant;
alter table influence_run drop constraint influence_run_pkey, add primary key (tenant_id, run_id);
alter table event_void drop constraint event_void_pkey, add primary key (tenant_id, event_void_id);
alter table member_erasure drop constraint member_erasure_pkey, add primary key (tenant_id, member_erasure_id);
alter table event_load drop constraint event_load_pkey, add primary key (tenant_id, event_load_id);
drop index event_load_tenant;
alter table operator add unique (tenant_id, operator_id);

-- Foreign keys that carry the tenant.
alter table session add foreign key (tenant_id, operator_id)
    references operator(tenant_id, operator_id) on delete cascade;
alter table tag add foreign key (tenant_id, tag_group_id)
    references tag_group(tenant_id, tag_group_id) on delete cascade;
alter table member_tag add foreign key (tenant_id, member_id)
    references member(tenant_id, member_id) on delete cascade;
alter table member_tag add foreign key (tenant_id, tag_id)
    references tag(tenant_id, tag_id) on delete cascade;
alter table group_membership add foreign key (tenant_id, group_id)
    references chat_group(tenant_id, group_id) on delete cascade;
alter table group_membership add foreign key (tenant_id, member_id)
    references member(tenant_id, member_id) on delete cascade;
alter table membership_change add foreign key (tenant_id, group_id)
    references chat_group(tenant_id, group_id) on delete cascade;
alter table membership_change add foreign key (tenant_id, member_id)
    references member(tenant_id, member_id) on delete cascade;
alter table webhook_delivery add foreign key (tenant_id, webhook_outbox_id)
    references webhook_outbox(tenant_id, webhook_outbox_id) on delete cascade;
alter table webhook_delivery add foreign key (tenant_id, webhook_subscription_id)
    references webhook_subscription(tenant_id, webhook_subscription_id) on delete cascade;
