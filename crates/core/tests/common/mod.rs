//! Fixtures shared by the correcting-data and money test files: a tenant with one member
//! (with personal data) and one group, events on known days, and rows stored as a bulk load
//! stores them.

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
    (t, m.0, g.0)
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

/// Stores `n` orders of `amount` fen by member `m` in group `g` as event rows with ids from
/// `first` and file-derived keys, as a bulk load does.
pub async fn imported_orders(
    db: &Db,
    t: TenantId,
    m: i64,
    g: i64,
    first: i64,
    n: usize,
    amount: i64,
) {
    stored_orders(db, t, m, g, first, n, amount, at(2)).await
}

/// Stores `n` orders as event rows with ids from `first`, at `at_ms`.
#[allow(clippy::too_many_arguments)]
pub async fn stored_orders(
    db: &Db,
    t: TenantId,
    m: i64,
    g: i64,
    first: i64,
    n: usize,
    amount: i64,
    at_ms: i64,
) {
    for i in 0..n as i64 {
        let sql =
            "insert into event (event_id, tenant_id, idempotency_key, kind, member_id, group_id,
            occurred_at_ms, amount_fen, product, properties, received_at_ms)
            values ($1, $2, $3, 'order', $4, $5, $6, $7, 'tea', '{}', 0)";
        let key = format!("import-{}-{:016x}", i + 2, i);
        on_pool!(db, p => sqlx::query(sql).bind(first + i).bind(t.0).bind(key).bind(m).bind(g)
            .bind(at_ms).bind(amount).execute(p).await.map(|_| ()))
        .unwrap();
    }
}

pub async fn event_id(db: &Db, t: TenantId, key: &str) -> i64 {
    on_pool!(db, p => sqlx::query_scalar::<_, i64>(
        "select event_id from event where tenant_id = $1 and idempotency_key = $2")
        .bind(t.0).bind(key).fetch_one(p).await)
    .unwrap()
}
