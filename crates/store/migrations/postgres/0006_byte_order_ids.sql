-- Quanzi schema v6 (PostgreSQL): external ids and idempotency keys are opaque identifiers,
-- compared byte by byte. Under the database's linguistic collation every comparison in
-- their unique indexes went through the locale (strcoll); under "C" it is memcmp, and an
-- index build sorts them with abbreviated keys. Equality is unchanged.

alter table member alter column external_userid type text collate "C";
alter table chat_group alter column external_chat_id type text collate "C";
alter table event alter column idempotency_key type text collate "C";
