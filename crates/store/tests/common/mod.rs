//! The store tests' shared set-up: a tenant, a member and a group, each in a transaction
//! of its own.

#![allow(dead_code, clippy::unwrap_used)]

use quanzi_domain::group::GroupInput;
use quanzi_domain::member::MemberInput;
use quanzi_domain::{GroupId, MemberId, TenantId};
use quanzi_store::{Db, group, member, tenant};

/// A new tenant `slug`.
pub async fn new_tenant(db: &Db, slug: &str) -> TenantId {
    let mut tx = db.begin().await.unwrap();
    let t = tenant::create(&mut tx, slug, slug).await.unwrap();
    tx.commit().await.unwrap();
    TenantId(t.tenant_id)
}

/// A member called `name` (in 南山区), with `phone` if given, ready to create.
pub fn person(name: &str, phone: Option<&str>) -> quanzi_domain::member::NewMember {
    MemberInput {
        name: Some(name.into()),
        phone: phone.map(Into::into),
        district: Some("南山区".into()),
        ..Default::default()
    }
    .into_new(&[])
    .unwrap()
}

/// Creates a member called `name` with `phone`.
pub async fn add_member(db: &Db, t: TenantId, name: &str, phone: Option<&str>) -> MemberId {
    let mut tx = db.begin().await.unwrap();
    let m = member::create(&mut tx, t, &person(name, phone))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    MemberId(m.member_id)
}

/// Creates a district group called `name`.
pub async fn add_group(db: &Db, t: TenantId, name: &str) -> GroupId {
    let g = GroupInput {
        name: Some(name.into()),
        dimension: Some("district".into()),
        ..Default::default()
    }
    .into_new()
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let g = group::create(&mut tx, t, &g, 1_700_000_000_000)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    GroupId(g.group_id)
}
