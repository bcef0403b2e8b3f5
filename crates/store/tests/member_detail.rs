//! A member's detail (one statement) reads the same as the member, their tags and their
//! current groups read one by one, on both stores: empty, ordered, a left group left out, and
//! another tenant's member not found.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_domain::MemberId;
use quanzi_domain::tag::TagName;
use quanzi_store::group::JoinInfo;
use quanzi_store::{Db, group, member, tag};
use quanzi_testkit::TestDb;

mod common;
use common::{add_group, add_member, new_tenant};

/// The detail of `m`, checked against the three one-by-one reads; answers its tag and group
/// counts.
async fn same_as_one_by_one(db: &Db, t: quanzi_domain::TenantId, m: MemberId) -> (usize, usize) {
    let (got, tags, groups) = member::detail(db, t, m).await.unwrap().expect("the member");
    let want = member::get(db, t, m).await.unwrap().unwrap();
    assert_eq!(format!("{got:?}"), format!("{want:?}"), "{}", db.backend());
    assert_eq!(tags, tag::of_member(db, t, m).await.unwrap());
    let one_by_one = group::groups_of_member(db, t, m).await.unwrap();
    assert_eq!(format!("{groups:?}"), format!("{one_by_one:?}"));
    (tags.len(), groups.len())
}

#[tokio::test]
async fn a_members_detail_reads_as_its_parts_do() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = new_tenant(db, "detail").await;
        let other = new_tenant(db, "detail-other").await;
        let m = add_member(db, t, "王小明", Some("13800138111")).await;
        assert_eq!(same_as_one_by_one(db, t, m).await, (0, 0));

        let groups = [
            add_group(db, t, "南山店1群").await,
            add_group(db, t, "福田店群").await,
            add_group(db, t, "已退群").await,
        ];
        let mut tx = db.begin().await.unwrap();
        for (i, g) in groups.iter().enumerate() {
            let at = 1_700_000_000_000 - i as i64 * 60_000;
            group::join(&mut tx, t, *g, m, &JoinInfo::default(), at)
                .await
                .unwrap();
        }
        group::leave(&mut tx, t, groups[2], m, 1_700_000_100_000)
            .await
            .unwrap();
        for (g, name) in [
            ("兴趣", "健身"),
            ("价值", "复购客"),
            ("兴趣", "宝妈 \"甜\""),
        ] {
            let tg = tag::ensure(
                &mut tx,
                t,
                &TagName {
                    group: g.into(),
                    name: name.into(),
                },
            )
            .await
            .unwrap();
            tag::tag_members(&mut tx, t, tg, &[m]).await.unwrap();
        }
        tx.commit().await.unwrap();
        assert_eq!(same_as_one_by_one(db, t, m).await, (3, 2));

        assert!(member::detail(db, other, m).await.unwrap().is_none());
        assert!(
            member::detail(db, t, MemberId(m.0 + 1_000_000))
                .await
                .unwrap()
                .is_none()
        );
    }
}
