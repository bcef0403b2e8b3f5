-- A group can be archived: kept with its history, hidden from the lists and closed to joins.
alter table chat_group add column archived_at_ms integer;
