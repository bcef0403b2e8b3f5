-- Quanzi schema v8 (PostgreSQL): correcting data. A voided event stays stored (a row or a
-- slot of an event block) and is named here, with who voided it, when and why; every count,
-- total, KPI and the analytics index leave it out. A member erased on request (PIPL) is
-- logged here by id only: who, when, no personal data.

create table event_void (
    event_void_id bigserial primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    event_id bigint not null,
    reason text not null,
    voided_by text not null,
    voided_at_ms bigint not null,
    unique (tenant_id, event_id)
);

create table member_erasure (
    member_erasure_id bigserial primary key,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    member_id bigint not null,
    erased_by text not null,
    erased_at_ms bigint not null,
    unique (tenant_id, member_id)
);
