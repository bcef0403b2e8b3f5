-- Quanzi schema v1 (PostgreSQL): tenants, access, members, tags, groups, events.
create table tenant (
    tenant_id bigserial primary key,
    slug text not null unique,
    name text not null,
    time_zone text not null default 'Asia/Shanghai',
    created_at_ms bigint not null
);

create table operator (
    operator_id bigserial primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    email text not null unique,
    display_name text not null,
    role text not null check (role in ('owner','admin','operator','viewer')),
    password_hash text not null,
    created_at_ms bigint not null
);
create index operator_tenant on operator(tenant_id);

create table session (
    session_hash text primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    operator_id bigint not null references operator(operator_id) on delete cascade,
    csrf_token text not null,
    created_at_ms bigint not null,
    expires_at_ms bigint not null
);
create index session_operator on session(tenant_id, operator_id);

create table api_key (
    api_key_id bigserial primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    name text not null,
    prefix text not null,
    key_hash text not null unique,
    scope text not null check (scope in ('read','write')),
    created_at_ms bigint not null,
    revoked_at_ms bigint
);
create index api_key_tenant on api_key(tenant_id);

create table custom_field (
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    field_key text not null,
    label text not null,
    kind text not null check (kind in ('text','number','bool','date')),
    primary key (tenant_id, field_key)
);

create table custom_event_kind (
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    name text not null,
    primary key (tenant_id, name)
);

create table member (
    member_id bigserial primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    name text not null,
    gender text not null,
    district text,
    interests text not null default '[]',
    spending_tier text not null,
    lifecycle_stage text not null,
    source_channel text,
    external_userid text,
    unionid text,
    phone text,
    custom text not null default '{}',
    merged_into bigint,
    created_at_ms bigint not null,
    updated_at_ms bigint not null
);
create index member_tenant on member(tenant_id, member_id);
create unique index member_external_userid on member(tenant_id, external_userid);
create unique index member_unionid on member(tenant_id, unionid);
create unique index member_phone on member(tenant_id, phone);

create table tag_group (
    tag_group_id bigserial primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    name text not null,
    unique (tenant_id, name)
);

create table tag (
    tag_id bigserial primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    tag_group_id bigint not null references tag_group(tag_group_id) on delete cascade,
    name text not null,
    unique (tenant_id, tag_group_id, name)
);

create table member_tag (
    tenant_id bigint not null,
    member_id bigint not null references member(member_id) on delete cascade,
    tag_id bigint not null references tag(tag_id) on delete cascade,
    primary key (tenant_id, member_id, tag_id)
);
create index member_tag_tag on member_tag(tenant_id, tag_id);

create table chat_group (
    group_id bigserial primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    name text not null,
    dimension text not null,
    theme text,
    rules text,
    capacity_hard bigint not null,
    capacity_advised bigint not null,
    external_chat_id text,
    created_at_ms bigint not null,
    updated_at_ms bigint not null
);
create index chat_group_tenant on chat_group(tenant_id, group_id);
create unique index chat_group_external on chat_group(tenant_id, external_chat_id);

create table group_membership (
    tenant_id bigint not null,
    group_id bigint not null references chat_group(group_id) on delete cascade,
    member_id bigint not null references member(member_id) on delete cascade,
    role text not null,
    joined_at_ms bigint not null,
    join_scene text,
    inviter_member_id bigint,
    left_at_ms bigint,
    primary key (tenant_id, group_id, member_id)
);
create index group_membership_member on group_membership(tenant_id, member_id);

create table membership_change (
    membership_change_id bigserial primary key,
    tenant_id bigint not null,
    group_id bigint not null references chat_group(group_id) on delete cascade,
    member_id bigint not null references member(member_id) on delete cascade,
    change text not null check (change in ('join','leave','role')),
    role text,
    join_scene text,
    inviter_member_id bigint,
    at_ms bigint not null
);
create index membership_change_group on membership_change(tenant_id, group_id, at_ms);
create index membership_change_member on membership_change(tenant_id, member_id, at_ms);

create table event (
    event_id bigserial primary key,
    tenant_id bigint not null,
    idempotency_key text not null,
    kind text not null,
    member_id bigint not null,
    group_id bigint,
    occurred_at_ms bigint not null,
    amount_fen bigint,
    product text,
    reference text,
    properties text not null default '{}',
    received_at_ms bigint not null
);
create unique index event_idempotency on event(tenant_id, idempotency_key);
create index event_member on event(tenant_id, member_id, occurred_at_ms);
create index event_group on event(tenant_id, group_id, occurred_at_ms);
