//! A second object with a unique field is a conflict naming the field, mapped by the use-case
//! that knows the key, the same on both stores; a key nobody mapped stays a store error.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::read::StoreError;
use quanzi_core::{CoreError, ResultExt, access, groups, members};
use quanzi_domain::access::OperatorRole;
use quanzi_domain::group::GroupInput;
use quanzi_domain::member::MemberInput;
use quanzi_testkit::TestDb;

fn conflict_on(r: Result<impl std::fmt::Debug, CoreError>) -> String {
    match r {
        Err(CoreError::Conflict(f)) => f,
        other => panic!("not a conflict: {other:?}"),
    }
}

#[tokio::test]
async fn each_unique_field_collides_under_its_own_name_on_both_stores() {
    for t in TestDb::all().await {
        let db = &t.db;
        let backend = db.backend();
        let tenant = access::create_tenant(db, "acme", "Acme").await.unwrap();
        let id = tenant.tenant_id;
        let slug = access::create_tenant(db, "acme", "Acme again").await;
        assert_eq!(conflict_on(slug), "slug", "{backend}");

        let email = "op@acme.test";
        let op =
            || access::create_operator(db, id, email, "Op", OperatorRole::Admin, "password123");
        op().await.unwrap();
        assert_eq!(conflict_on(op().await), "email", "{backend}");

        for (field, input) in [
            (
                "phone",
                MemberInput {
                    phone: Some("13800138000".into()),
                    ..Default::default()
                },
            ),
            (
                "unionid",
                MemberInput {
                    unionid: Some("u-1".into()),
                    ..Default::default()
                },
            ),
            (
                "external_userid",
                MemberInput {
                    external_userid: Some("wm-1".into()),
                    ..Default::default()
                },
            ),
        ] {
            let input = MemberInput {
                name: Some(field.into()),
                ..input
            };
            members::create(db, id, input.clone()).await.unwrap();
            let again = members::create(db, id, input.clone()).await;
            assert_eq!(conflict_on(again), field, "{backend}");
            let other = members::create(
                db,
                id,
                MemberInput {
                    name: Some("x".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            let update = members::update(db, id, other.member_id, input).await;
            assert_eq!(conflict_on(update), field, "{backend} update");
        }

        let group = GroupInput {
            name: Some("读书会".into()),
            external_chat_id: Some("wr-1".into()),
            ..Default::default()
        };
        groups::create(db, id, group.clone()).await.unwrap();
        let again = groups::create(db, id, group).await;
        assert_eq!(conflict_on(again), "external_chat_id", "{backend}");
    }
}

#[test]
fn a_conflict_on_a_key_the_call_did_not_name_stays_a_store_error() {
    let broke = |name: &str| -> Result<(), StoreError> {
        Err(StoreError::Conflict {
            constraint: name.to_string(),
        })
    };
    let mapped =
        broke("member_phone").on_constraint("member_phone", |_| CoreError::conflict("phone"));
    assert!(matches!(mapped, Err(CoreError::Conflict(f)) if f == "phone"));
    let other =
        broke("member_unionid").on_constraint("member_phone", |_| CoreError::conflict("phone"));
    assert!(matches!(
        other,
        Err(CoreError::Store(StoreError::Conflict { constraint })) if constraint == "member_unionid"
    ));
}
