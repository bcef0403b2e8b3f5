-- A live code's scans are the `visit` events that reference it (`lc:{id}`): counted per code
-- on its funnel, so they get an index of their own — partial, so no other event pays for it.
create index event_live_code_visit on event(tenant_id, reference) where kind = 'visit' and reference is not null;
