//! The features the worker runs jobs for: each registers its own job kinds and handlers, and
//! this list is the one place that names them all.

use crate::jobs::JobRegistry;

/// Each feature's registration of its jobs. A new feature with jobs adds its line here.
const FEATURES: [fn(&mut JobRegistry); 10] = [
    crate::jobs::register,
    crate::wecom::register,
    crate::webhooks::register,
    crate::influence::register,
    crate::live_codes::qr_expiry::register,
    crate::live_codes::wecom::register,
    crate::referrals::tick::register,
    crate::flash_sales::release::register,
    crate::group_buys::deadline::register,
    crate::wallets::expiry::register,
];

/// The registry of every feature's jobs, which a worker runs by.
pub fn job_registry() -> JobRegistry {
    let mut registry = JobRegistry::new();
    for register in FEATURES {
        register(&mut registry);
    }
    registry
}

#[cfg(test)]
mod tests {

    use quanzi_store::jobs::{self, NewJob};
    use quanzi_store::now_ms;
    use quanzi_testkit::TestDb;
    use serde_json::json;

    use super::*;
    use crate::jobs::{JobContext, TEST_JOB, WorkerOptions, run_once};
    use crate::server::{Sealer, ServerKey, ServerSettings};

    #[test]
    fn every_feature_registers_its_jobs() {
        assert_eq!(
            job_registry().kinds(),
            [
                crate::flash_sales::release::RELEASE_JOB,
                crate::group_buys::deadline::DEADLINE_JOB,
                crate::influence::RUN_JOB,
                crate::live_codes::qr_expiry::ALERT_JOB,
                crate::live_codes::wecom::WAY_JOB,
                crate::live_codes::wecom::WELCOME_JOB,
                TEST_JOB,
                crate::referrals::tick::TICK_JOB,
                crate::wallets::expiry::LAPSE_JOB,
                quanzi_store::webhook::DELIVERY_JOB,
                crate::wecom::EVENT_JOB,
                crate::wecom::RESYNC_JOB,
                crate::wecom::SYNC_JOB,
            ]
        );
    }

    #[test]
    #[should_panic(expected = "has two handlers")]
    fn a_kind_registered_twice_stops_the_start() {
        let mut registry = job_registry();
        crate::jobs::register(&mut registry);
    }

    #[tokio::test]
    async fn a_kind_no_feature_handles_dies_at_its_first_try_and_a_known_one_runs() {
        let server = ServerSettings::new(Sealer::new(ServerKey::generate().unwrap()));
        for tdb in TestDb::all().await {
            let db = &tdb.db;
            let t = crate::access::create_tenant(db, "registry", "Registry")
                .await
                .unwrap();
            let t = t.tenant_id;
            let now = now_ms();
            let mut ids = Vec::new();
            for kind in ["nowhere.job", TEST_JOB] {
                let job = NewJob::new(kind, json!({}), now);
                ids.push(crate::jobs::enqueue(db, t, &job).await.unwrap().unwrap());
            }
            let ctx = JobContext::new(db.clone(), server.clone());
            assert_eq!(
                run_once(&ctx, &WorkerOptions::default(), now)
                    .await
                    .unwrap(),
                2
            );
            let unknown = jobs::get(db, t, ids[0]).await.unwrap().unwrap();
            assert_eq!(unknown.state, "dead", "{}", db.backend());
            assert_eq!(
                unknown.last_error.as_deref(),
                Some(r#"no handler for job kind "nowhere.job""#)
            );
            let noop = jobs::get(db, t, ids[1]).await.unwrap().unwrap();
            assert_eq!(noop.state, "done", "{}", db.backend());
        }
    }
}
