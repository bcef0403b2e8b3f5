-- SQLite's timeline tables got a bucket after the tenant (its 0025; crates/store/src/timeline.rs).
-- PostgreSQL's timelines are the event table's own indexes. Nothing changes here; the file keeps
-- both stores' versions in step.
select 1;
