-- Quanzi schema v22: an operator closes a group buy, a bargain or a red-envelope plan. A
-- closed group buy opens no new team and a closed bargain no new run (those under way run to
-- their deadline); a closed plan's envelopes not open by then never open.
alter table group_buy add column closed_at_ms bigint;
alter table bargain add column closed_at_ms bigint;
alter table red_envelope_plan add column closed_at_ms bigint;
