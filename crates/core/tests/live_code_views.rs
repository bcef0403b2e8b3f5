//! A landing page reads its live code a moment before the scan, and the scanner keeps codes
//! and pools for the next pages: a scan must still route by the code as it is when the scan
//! is written — changed rules, an archived code, a pool grown by another path — on both
//! stores.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::live_codes::lane::Scanner;
use quanzi_core::live_codes::scan::{ScanInput, scan};
use quanzi_core::{access, groups, live_codes};
use quanzi_domain::group::GroupInput;
use quanzi_domain::live_code::LiveCodeInput;
use quanzi_domain::{GroupId, TenantId};
use quanzi_store::Db;
use quanzi_testkit::TestDb;

async fn group(db: &Db, t: TenantId, name: &str, hard: i64) -> GroupId {
    let input = GroupInput {
        name: Some(name.into()),
        capacity_hard: Some(hard),
        capacity_advised: Some(hard),
        ..Default::default()
    };
    groups::create(db, t, input).await.unwrap().group_id
}

fn code_input(groups: Vec<GroupId>) -> LiveCodeInput {
    LiveCodeInput {
        name: Some("海报".into()),
        slug: Some("poster".into()),
        group_ids: Some(groups),
        ..Default::default()
    }
}

fn visitor(i: usize) -> ScanInput {
    ScanInput {
        visitor: Some(format!("{i:032x}")),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_scan_routes_by_the_code_as_it_is_not_as_its_page_read_it() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let backend = db.backend();
        let t = access::create_tenant(db, "views", "views")
            .await
            .unwrap()
            .tenant_id;
        let a = group(db, t, "群 A", 100).await;
        let b = group(db, t, "群 B", 100).await;
        let code = live_codes::create(db, t, code_input(vec![a]))
            .await
            .unwrap();
        let scanner = Scanner::new(db.clone());
        let read = scanner.code(t, "poster").await.unwrap();
        let placed = |l: live_codes::scan::Landing| l.group.unwrap().group_id;
        assert_eq!(
            placed(
                scanner
                    .scan_code(t, read.clone(), visitor(1))
                    .await
                    .unwrap()
            ),
            a
        );
        // The operator moves the code to group B (in the same millisecond, maybe).
        live_codes::update(db, t, code.live_code_id, code_input(vec![b]))
            .await
            .unwrap();
        let l = scanner
            .scan_code(t, read.clone(), visitor(2))
            .await
            .unwrap();
        assert_eq!(
            placed(l.clone()),
            b,
            "{backend}: routed by the code as changed"
        );
        assert_eq!(
            l.code.group_ids,
            vec![b],
            "{backend}: the page shows it too"
        );
        // The page read before the code was archived: the scan is refused all the same.
        live_codes::set_archived(db, t, code.live_code_id, true)
            .await
            .unwrap();
        let e = scanner.scan_code(t, read, visitor(3)).await.unwrap_err();
        assert!(e.to_string().contains("ended"), "{backend}: {e}");
    }
}

#[tokio::test]
async fn a_pool_grown_by_a_scan_elsewhere_is_read_again_and_one_group_is_opened_at_a_time() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let backend = db.backend();
        let t = access::create_tenant(db, "pools", "pools")
            .await
            .unwrap()
            .tenant_id;
        let a = group(db, t, "南山店群 1", 2).await;
        let code = live_codes::create(db, t, code_input(vec![a]))
            .await
            .unwrap();
        let id = code.live_code_id;
        let scanner = Scanner::new(db.clone());
        // The scanner reads the pool [A] and keeps it.
        for i in 0..2 {
            scanner.scan(t, id, visitor(i)).await.unwrap();
        }
        // A scan in a transaction of its own (another path) finds A full and opens group 2.
        let l = scan(db, t, id, visitor(10)).await.unwrap();
        assert!(l.opened, "{backend}");
        let second = l.group.unwrap().group_id;
        // The scanner's pool is outdated: it must see group 2 (one place left) and not open
        // another.
        let l = scanner.scan(t, id, visitor(11)).await.unwrap();
        assert_eq!(
            (l.group.unwrap().group_id, l.opened),
            (second, false),
            "{backend}"
        );
        // Group 2 is full now: the next scan opens group 3, and the one after uses it.
        let l = scanner.scan(t, id, visitor(12)).await.unwrap();
        assert!(l.opened, "{backend}");
        let third = l.group.unwrap();
        assert_eq!(third.name, "南山店群 3", "{backend}");
        let l = scanner.scan(t, id, visitor(13)).await.unwrap();
        assert_eq!(
            (l.group.unwrap().group_id, l.opened),
            (third.group_id, false),
            "{backend}"
        );
        let code = live_codes::get(db, t, id).await.unwrap();
        assert_eq!(code.group_ids.len(), 3, "{backend}: {:?}", code.group_ids);
    }
}
