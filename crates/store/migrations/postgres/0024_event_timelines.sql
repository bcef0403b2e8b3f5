-- SQLite's member and group timelines moved to derived tables caught up off the commit path
-- (its 0024; crates/store/src/timeline.rs). On PostgreSQL they stay the event table's own
-- indexes, `event_member` and `event_group`: its writers do not share one commit path, so
-- a batch's scattered index entries do not hold up the others', and a watermark over a
-- sequence would skip the ids of transactions that commit late. Nothing changes here; the
-- file keeps both stores' versions in step.
select 1;
