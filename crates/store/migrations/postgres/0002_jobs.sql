-- Quanzi schema v2 (PostgreSQL): the durable job queue and its schedules, raw inbound callbacks,
-- the WeCom connection of each tenant, outbound webhook subscriptions, outbox and deliveries.

-- The queue is read across tenants by the workers, so its claim index leads with the state;
-- every row still carries its tenant.
create table job (
    job_id bigserial primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    kind text not null,
    payload text not null default '{}',
    state text not null default 'pending' check (state in ('pending','running','done','dead')),
    run_at_ms bigint not null,
    attempts bigint not null default 0,
    max_attempts bigint not null,
    backoff_ms bigint not null,
    locked_by text,
    locked_until_ms bigint,
    last_error text,
    singleton_key text,
    created_at_ms bigint not null,
    updated_at_ms bigint not null
);
create index job_due on job(state, run_at_ms);
create index job_lease on job(state, locked_until_ms);
create index job_tenant on job(tenant_id, state, job_id);
-- At most one pending or running job per (tenant, singleton key): a resync asked for twice
-- runs once.
create unique index job_singleton on job(tenant_id, singleton_key)
    where singleton_key is not null and state in ('pending','running');

create table job_schedule (
    job_schedule_id bigserial primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    name text not null,
    cron text not null,
    kind text not null,
    payload text not null default '{}',
    next_run_at_ms bigint not null,
    enabled boolean not null default true,
    unique (tenant_id, name)
);
create index job_schedule_due on job_schedule(enabled, next_run_at_ms);

-- A callback as received (decrypted), once per (tenant, source, dedupe key).
create table inbound_event (
    inbound_event_id bigserial primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    source text not null,
    dedupe_key text not null,
    body text not null,
    received_at_ms bigint not null,
    processed_at_ms bigint
);
create unique index inbound_event_dedupe on inbound_event(tenant_id, source, dedupe_key);

create table wecom_connection (
    tenant_id bigint primary key references tenant(tenant_id) on delete cascade,
    corp_id text not null,
    token text not null,
    encoding_aes_key text not null,
    api_secret text,
    api_base text,
    created_at_ms bigint not null,
    updated_at_ms bigint not null
);

-- What Quanzi holds of a WeCom customer group: its member version, for gap detection.
create table wecom_chat (
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    chat_id text not null,
    mem_ver text,
    owner_userid text,
    updated_at_ms bigint not null,
    primary key (tenant_id, chat_id)
);

create table webhook_subscription (
    webhook_subscription_id bigserial primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    url text not null,
    event_types text not null,
    secret text not null,
    previous_secret text,
    previous_secret_until_ms bigint,
    active boolean not null default true,
    created_at_ms bigint not null
);
create index webhook_subscription_tenant on webhook_subscription(tenant_id, active);

create table webhook_outbox (
    webhook_outbox_id bigserial primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    event_type text not null,
    payload text not null,
    created_at_ms bigint not null
);
create index webhook_outbox_tenant on webhook_outbox(tenant_id, webhook_outbox_id);

create table webhook_delivery (
    webhook_delivery_id bigserial primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    webhook_outbox_id bigint not null references webhook_outbox(webhook_outbox_id) on delete cascade,
    webhook_subscription_id bigint not null references webhook_subscription(webhook_subscription_id) on delete cascade,
    state text not null default 'pending' check (state in ('pending','delivered','dead')),
    attempts bigint not null default 0,
    last_status bigint,
    last_error text,
    created_at_ms bigint not null,
    delivered_at_ms bigint
);
create index webhook_delivery_tenant on webhook_delivery(tenant_id, webhook_delivery_id);
