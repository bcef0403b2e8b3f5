//! A group's hard capacity holds under a rush: many operators adding members to the same
//! group at the same moment fill it exactly, never past it, on both stores.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::{CoreError, access, groups, members};
use quanzi_domain::MemberId;
use quanzi_domain::group::GroupInput;
use quanzi_domain::member::MemberInput;
use quanzi_testkit::TestDb;

#[tokio::test]
async fn concurrent_joins_fill_a_group_to_its_hard_capacity_and_no_further() {
    for t in TestDb::all().await {
        let db = &t.db;
        let backend = db.backend();
        let tenant = access::create_tenant(db, "rush", "Rush")
            .await
            .unwrap()
            .tenant_id;
        let g = groups::create(
            db,
            tenant,
            GroupInput {
                name: Some("限量群".into()),
                capacity_hard: Some(5),
                capacity_advised: Some(5),
                ..GroupInput::default()
            },
        )
        .await
        .unwrap()
        .group_id;
        let mut ids = Vec::new();
        for i in 0..24 {
            let m = members::create(
                db,
                tenant,
                MemberInput {
                    name: Some(format!("m{i}")),
                    ..MemberInput::default()
                },
            )
            .await
            .unwrap();
            ids.push(m.member_id);
        }
        let tasks: Vec<_> = ids
            .iter()
            .map(|m: &MemberId| {
                let (db, m) = (db.clone(), *m);
                tokio::spawn(async move {
                    groups::add_member(&db, tenant, g, m, None, None, None).await
                })
            })
            .collect();
        let mut joined = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => joined += 1,
                Err(CoreError::Invalid(_)) => {}
                Err(e) => panic!("{backend}: {e}"),
            }
        }
        let size = groups::get(db, tenant, g).await.unwrap().size;
        assert_eq!((joined, size), (5, 5), "{backend}");
    }
}
