-- Quanzi schema v7 (PostgreSQL): an index under every listing's ORDER BY, so a page is read in index order
-- from the cursor on (keyset pagination) and never sorts the tenant's rows.

-- GET /api/v1/events with no filter, and with a kind: newest id first.
create index event_tenant_id on event(tenant_id, event_id);
create index event_tenant_kind on event(tenant_id, kind, event_id);
-- A member's or a group's timeline: newest (time, id) first; the id breaks equal times.
drop index event_member;
create index event_member on event(tenant_id, member_id, occurred_at_ms, event_id);
drop index event_group;
create index event_group on event(tenant_id, group_id, occurred_at_ms, event_id);
-- Membership history of a group or a member: newest (time, id) first.
drop index membership_change_group;
create index membership_change_group on membership_change(tenant_id, group_id, at_ms, membership_change_id);
drop index membership_change_member;
create index membership_change_member on membership_change(tenant_id, member_id, at_ms, membership_change_id);
-- The job list of any state, newest first.
create index job_tenant_id on job(tenant_id, job_id);
-- Blocks newest by time first (a timeline read from blocks).
create index event_block_time on event_block(tenant_id, max_at_ms, block_id);
