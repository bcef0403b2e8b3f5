//! Fixtures shared by the correcting-data and money test files: a tenant with one member
//! (with personal data) and one group, events on known days, and a block stored as a bulk
//! load stores it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use quanzi_core::kpi::{self, KpiQuery};
use quanzi_core::{groups, members};
use quanzi_domain::TenantId;
use quanzi_domain::event::EventInput;
use quanzi_domain::group::GroupInput;
use quanzi_domain::member::MemberInput;
use quanzi_store::{Db, on_pool};
use quanzi_testkit::tenant;

/// 10:00 in Shanghai on 2026-11-02 plus `day` days, unix ms.
pub fn at(day: i64) -> i64 {
    ((20_759 + day) * 86_400 + 2 * 3600) * 1000
}

pub fn ev(key: &str, kind: &str, m: i64, g: i64, day: i64, amount: Option<i64>) -> EventInput {
    EventInput {
        idempotency_key: key.into(),
        kind: kind.into(),
        member_id: m,
        group_id: Some(g),
        occurred_at_ms: at(day),
        amount_fen: amount,
        product: amount.map(|_| "tea".into()),
        reference: Some("poster-7".into()),
        properties: Some(
            serde_json::json!({"note": "王芳 13800138000"})
                .as_object()
                .cloned()
                .unwrap(),
        ),
    }
}

pub async fn community(db: &Db, slug: &str) -> (TenantId, i64, i64) {
    let t = tenant(db, slug).await.id;
    let m = members::create(
        db,
        t,
        MemberInput {
            name: Some("王芳".into()),
            phone: Some("13800138000".into()),
            external_userid: Some("wmEXT001".into()),
            unionid: Some("oUNION001".into()),
            district: Some("南山区".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .member_id;
    let g = groups::create(
        db,
        t,
        GroupInput {
            name: Some("宝妈群".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .group_id;
    (t, m, g)
}

pub fn params() -> kpi::Params {
    KpiQuery {
        from: Some("2026-11-02".into()),
        to: Some("2026-11-08".into()),
        ..KpiQuery::default()
    }
    .validate(20_780)
    .unwrap()
}

pub fn card(o: &kpi::Overview, key: &str) -> f64 {
    o.cards.iter().find(|c| c.key == key).unwrap().value
}

/// Stores a block of `n` orders of `amount` fen by member `m` in group `g`, event ids from
/// `first`, as a bulk load does.
pub async fn block(db: &Db, t: TenantId, m: i64, g: i64, first: i64, n: usize, amount: i64) {
    use quanzi_store::block::{Columns, codec};
    let c = Columns {
        members: vec![m; n],
        groups: vec![g; n],
        kinds: vec![0; n],
        kind_names: vec!["order".into()],
        at_ms: vec![at(2); n],
        amounts: vec![Some(amount); n],
        products: vec![1; n],
        product_names: vec!["tea".into()],
        lines: (2..2 + n as u64).collect(),
        hashes: (0..n as u64).collect(),
    };
    let (who, data) = codec::encode(&c);
    let sql = "insert into event_block (tenant_id, first_event_id, last_event_id, rows, first_line,
        last_line, min_at_ms, max_at_ms, received_at_ms, member_filter, who, data)
        values ($1, $2, $3, $4, 2, $5, $6, $6, 0, $7, $8, $9)";
    let last = first + n as i64 - 1;
    on_pool!(db, p => sqlx::query(sql).bind(t.0).bind(first).bind(last).bind(n as i64)
        .bind(1 + n as i64).bind(at(2)).bind(codec::member_filter(&c.members)).bind(who).bind(data)
        .execute(p).await.map(|_| ()))
    .unwrap();
}

pub async fn event_id(db: &Db, t: TenantId, key: &str) -> i64 {
    on_pool!(db, p => sqlx::query_scalar::<_, i64>(
        "select event_id from event where tenant_id = $1 and idempotency_key = $2")
        .bind(t.0).bind(key).fetch_one(p).await)
    .unwrap()
}
