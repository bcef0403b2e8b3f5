-- Quanzi schema v6 (SQLite): PostgreSQL's v6 gives external ids and idempotency keys the
-- "C" collation; SQLite compares text byte by byte (BINARY) already. Nothing to change.

select 1;
