//! The job queue on both stores: leases, a killed worker's job running again once, retries
//! with backoff, dead jobs, singleton keys, schedules firing once, and two workers draining
//! 1,000 jobs without running one twice.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashSet;

use quanzi_domain::TenantId;
use quanzi_store::Db;
use quanzi_store::jobs::{self, Failed, JobRow, NewJob};
use quanzi_testkit::TestDb;

mod common;
use common::new_tenant;

const T0: i64 = 1_800_000_000_000;
const LEASE: i64 = 60_000;

async fn enqueue(db: &Db, t: TenantId, job: NewJob) -> Option<i64> {
    let mut tx = db.begin().await.unwrap();
    let id = jobs::enqueue(&mut tx, t, &job, T0).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn finish(db: &Db, job: &JobRow, claim: &str, now: i64) -> bool {
    let mut tx = db.begin().await.unwrap();
    let ok = jobs::finish(&mut tx, job, claim, now).await.unwrap();
    tx.commit().await.unwrap();
    ok
}

#[tokio::test]
async fn a_killed_workers_job_runs_again_after_its_lease_and_completes_once() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = new_tenant(db, "acme").await;
        let id = enqueue(db, t, NewJob::new("noop", serde_json::json!({}), T0))
            .await
            .unwrap();
        // Worker A claims the job and is killed: it never finishes.
        let a = jobs::claim(db, "a", T0, LEASE, 10).await.unwrap();
        assert_eq!(a.len(), 1);
        // While A's lease holds, nobody else gets the job.
        assert!(
            jobs::claim(db, "b", T0 + LEASE - 1, LEASE, 10)
                .await
                .unwrap()
                .is_empty()
        );
        // After it, worker B does, as the second try.
        let b = jobs::claim(db, "b", T0 + LEASE + 1, LEASE, 10)
            .await
            .unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!((b[0].job_id, b[0].attempts), (id, 2));
        assert!(finish(db, &b[0], "b", T0 + LEASE + 2).await);
        // A waking up late cannot complete it a second time.
        assert!(!finish(db, &a[0], "a", T0 + LEASE + 3).await);
        let job = jobs::get(db, t, id).await.unwrap().unwrap();
        assert_eq!(job.state, "done");
        assert!(
            jobs::claim(db, "c", T0 + 10 * LEASE, LEASE, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_failing_job_backs_off_exponentially_then_dies_with_its_error() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = new_tenant(db, "acme").await;
        let mut job = NewJob::new("noop", serde_json::json!({}), T0);
        job.max_attempts = 3;
        job.backoff_ms = 1_000;
        let id = enqueue(db, t, job).await.unwrap();
        let mut now = T0;
        let mut delays = Vec::new();
        for _ in 0..2 {
            let c = jobs::claim(db, "w", now, LEASE, 1).await.unwrap();
            assert_eq!(c.len(), 1);
            match jobs::fail(db, &c[0], "w", "receiver said 500", now, 0)
                .await
                .unwrap()
            {
                Failed::Retry(at) => {
                    delays.push(at - now);
                    // Not due before its time.
                    assert!(
                        jobs::claim(db, "w", at - 1, LEASE, 1)
                            .await
                            .unwrap()
                            .is_empty()
                    );
                    now = at;
                }
                other => panic!("expected a retry, got {other:?}"),
            }
        }
        assert_eq!(delays, vec![1_000, 2_000]);
        let c = jobs::claim(db, "w", now, LEASE, 1).await.unwrap();
        assert_eq!(
            jobs::fail(db, &c[0], "w", "receiver said 500", now, 0)
                .await
                .unwrap(),
            Failed::Dead
        );
        let dead = jobs::get(db, t, id).await.unwrap().unwrap();
        assert_eq!(dead.state, "dead");
        assert_eq!(dead.last_error.as_deref(), Some("receiver said 500"));
        assert!(
            jobs::claim(db, "w", now + 100 * LEASE, LEASE, 1)
                .await
                .unwrap()
                .is_empty()
        );
        // Retried by an operator of the tenant, not of another.
        let other = new_tenant(db, "other").await;
        let mut tx = db.begin().await.unwrap();
        assert!(!jobs::retry(&mut tx, other, id, now).await.unwrap());
        assert!(jobs::retry(&mut tx, t, id, now).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(jobs::claim(db, "w", now, LEASE, 1).await.unwrap().len(), 1);
        assert!(jobs::get(db, other, id).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn a_singleton_job_is_enqueued_once_while_pending() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = new_tenant(db, "acme").await;
        let mut job = NewJob::new("resync", serde_json::json!({"chat": "wr1"}), T0);
        job.singleton_key = Some("resync:wr1".into());
        let first = enqueue(db, t, job.clone()).await;
        assert!(first.is_some());
        assert!(enqueue(db, t, job.clone()).await.is_none());
        let c = jobs::claim(db, "w", T0, LEASE, 5).await.unwrap();
        assert!(finish(db, &c[0], "w", T0).await);
        // Once done, the same key may be asked for again.
        assert!(enqueue(db, t, job).await.is_some());
        // Old done jobs are purged; pending ones are not.
        assert_eq!(jobs::purge_done(db, T0 + 1).await.unwrap(), 1);
        assert_eq!(
            jobs::counts(db, t).await.unwrap(),
            vec![("pending".to_string(), 1)]
        );
    }
}

#[tokio::test]
async fn a_schedule_fires_once_per_due_time() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = new_tenant(db, "acme").await;
        let mut tx = db.begin().await.unwrap();
        jobs::put_schedule(
            &mut tx,
            t,
            "nightly",
            "0 3 * * *",
            "noop",
            &serde_json::json!({}),
            T0,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let due = jobs::due_schedules(db, T0).await.unwrap();
        assert_eq!(due.len(), 1);
        // Two workers read the same due schedule; only one fires it.
        assert!(
            jobs::fire_schedule(db, &due[0], T0 + 86_400_000, T0)
                .await
                .unwrap()
        );
        assert!(
            !jobs::fire_schedule(db, &due[0], T0 + 86_400_000, T0)
                .await
                .unwrap()
        );
        assert!(jobs::due_schedules(db, T0 + 1).await.unwrap().is_empty());
        assert_eq!(jobs::claim(db, "w", T0, LEASE, 10).await.unwrap().len(), 1);
    }
}

async fn drain(db: Db, name: &'static str) -> Vec<i64> {
    let mut ran = Vec::new();
    loop {
        let claim = format!("{name}-{}", ran.len());
        let batch = jobs::claim(&db, &claim, T0, LEASE, 7).await.unwrap();
        if batch.is_empty() {
            return ran;
        }
        for j in batch {
            assert!(
                finish(&db, &j, &claim, T0).await,
                "a claimed job was taken away"
            );
            ran.push(j.job_id);
            tokio::task::yield_now().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_drain_a_thousand_jobs_and_none_runs_twice() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = new_tenant(db, "acme").await;
        let mut tx = db.begin().await.unwrap();
        for i in 0..1_000 {
            jobs::enqueue(
                &mut tx,
                t,
                &NewJob::new("noop", serde_json::json!({"i": i}), T0),
                T0,
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        let a = tokio::spawn(drain(db.clone(), "a"));
        let b = tokio::spawn(drain(db.clone(), "b"));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        let all: HashSet<i64> = a.iter().chain(&b).copied().collect();
        assert_eq!(a.len() + b.len(), 1_000, "{} backend", db.backend());
        assert_eq!(all.len(), 1_000, "a job ran twice on {}", db.backend());
        let counts = jobs::counts(db, t).await.unwrap();
        assert_eq!(counts, vec![("done".to_string(), 1_000)]);
    }
}
