-- Routing reads, in every scan, a code's pool in its order and the live seats of its
-- groups; both from an index alone. A code that opened many groups has a long pool, and a
-- group has up to its hard capacity of seats.
create index live_code_group_position on live_code_group(tenant_id, live_code_id, position, group_id, opened_at_ms);
drop index live_code_seat_group;
create index live_code_seat_group on live_code_seat(tenant_id, group_id, joined_at_ms, expires_at_ms);
