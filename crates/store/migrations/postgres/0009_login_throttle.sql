-- Quanzi schema v9: failed-login counters, kept in the store so a restart does not reset them
-- and every web node sees the same ones. One row per key: `account:<email>@<address>` (an
-- account's failures from one client address) or `address:<address>` (all of an address's
-- failures). Logins come before any tenant is known, so the table has no tenant column.

create table login_throttle (
    throttle_key text primary key,
    failures bigint not null,
    last_failure_at_ms bigint not null,
    blocked_until_ms bigint not null
);
create index login_throttle_last_failure on login_throttle(last_failure_at_ms);
