//! Tests of the demo: structure, determinism, recreation.

use std::collections::BTreeMap;

use quanzi_store::Db;
use quanzi_store::event::{Event, EventFilter};

use super::calendar::DAY;
use super::*;

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// 2024-11-20 00:00 China time: 双十一 falls inside a 30-day window.
const END: i64 = 1_732_032_000_000;

/// A migrated SQLite store in its own temporary folder, removed when dropped.
struct TempDb {
    db: Db,
    dir: std::path::PathBuf,
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn fresh_db(name: &str) -> std::result::Result<TempDb, Box<dyn std::error::Error>> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos();
    let dir =
        std::env::temp_dir().join(format!("quanzi-demo-{}-{name}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = Db::connect(&format!("{}/demo.db", dir.display())).await?;
    db.migrate().await?;
    Ok(TempDb { db, dir })
}

fn small() -> DemoOptions {
    DemoOptions {
        members: 300,
        days: 30,
        end_ms: Some(END),
        seed: 7,
        ..Default::default()
    }
}

fn quiet(_: &str, _: u64, _: u64) {}

/// Every event of the tenant, oldest id first.
async fn all_events(
    db: &Db,
    t: i64,
) -> std::result::Result<Vec<Event>, Box<dyn std::error::Error>> {
    let f = EventFilter {
        limit: 10_000_000,
        ..Default::default()
    };
    let mut v = quanzi_store::event::list(db, TenantId(t), &f).await?;
    v.reverse();
    Ok(v)
}

#[tokio::test]
async fn a_small_demo_has_groups_members_and_ordered_events() -> TestResult {
    let tmp = fresh_db("small").await?;
    let db = &tmp.db;
    let r = create_demo(db, &small(), &quiet).await?;
    assert!(r.groups >= 20, "{} groups", r.groups);
    assert_eq!(r.members, 300 + 300 / super::plan::PROSPECTS_PER);
    assert!(r.events > 3000, "{} events", r.events);
    let events = all_events(db, r.tenant_id).await?;
    assert_eq!(events.len(), r.events);
    // Per member and group: the first event is the join; 1–3 groups each.
    let mut first: BTreeMap<(i64, i64), &str> = BTreeMap::new();
    let mut joins: BTreeMap<i64, usize> = BTreeMap::new();
    let mut by_time = events.clone();
    by_time.sort_by_key(|e| (e.occurred_at_ms, e.event_id));
    for e in &by_time {
        assert!(e.occurred_at_ms < END && e.occurred_at_ms >= END - 30 * DAY);
        if let Some(g) = e.group_id {
            first.entry((e.member_id, g)).or_insert(e.kind.as_str());
        }
        if e.kind == "join" {
            *joins.entry(e.member_id).or_default() += 1;
        }
        if e.kind == "order" || e.kind == "refund" {
            assert!(
                e.amount_fen.is_some_and(|a| (100..=20_000).contains(&a)),
                "{e:?}"
            );
        }
    }
    for ((m, g), kind) in &first {
        // A referral is credited in the inviter's group, which they are in.
        assert_eq!(*kind, "join", "member {m} group {g}");
    }
    assert_eq!(joins.len(), 300);
    assert!(joins.values().all(|n| (1..=3).contains(n)));
    // Prospects are in no group: members' shared links are all that reached them.
    let outside: Vec<_> = events
        .iter()
        .filter(|e| !joins.contains_key(&e.member_id))
        .collect();
    assert!(outside.len() > 10, "{} outside clicks", outside.len());
    assert!(outside.iter().all(|e| e.kind == "click"
        && e.group_id.is_none()
        && e.properties.to_string().contains("sharer_member_id")));
    for kind in [
        "message", "share", "click", "order", "referral", "visit", "leave",
    ] {
        assert!(events.iter().any(|e| e.kind == kind), "no {kind}");
    }
    assert!(
        events
            .iter()
            .any(|e| e.reference.as_deref() == Some("flash-sale-1"))
    );
    assert!(
        events
            .iter()
            .any(|e| e.reference.as_deref() == Some("double-11"))
    );
    let login = crate::access::login(db, "owner@demo.quanzi.local", "quanzi-demo").await?;
    assert_eq!(login.session.tenant_id.0, r.tenant_id);
    assert!(
        crate::access::login(db, "viewer@demo.quanzi.local", "quanzi-demo")
            .await
            .is_ok()
    );
    let sizes = quanzi_store::group::list(db, TenantId(r.tenant_id), None, None, 200).await?;
    assert!(sizes.iter().all(|g| g.size <= 500));
    Ok(())
}

#[tokio::test]
async fn the_same_seed_gives_the_same_demo() -> TestResult {
    let (ta, tb) = (fresh_db("det-a").await?, fresh_db("det-b").await?);
    let (a, b) = (&ta.db, &tb.db);
    let ra = create_demo(a, &small(), &quiet).await?;
    let rb = create_demo(b, &small(), &quiet).await?;
    assert_eq!(ra, rb);
    let ea = all_events(a, ra.tenant_id).await?;
    let eb = all_events(b, rb.tenant_id).await?;
    assert_eq!(
        ea.iter().take(100).collect::<Vec<_>>(),
        eb.iter().take(100).collect::<Vec<_>>()
    );
    assert_eq!(ea, eb);
    let other = plan::build(8, 300, 30, END);
    let same = plan::build(7, 300, 30, END);
    assert_eq!(same.events.len(), ea.len());
    assert_ne!(other.events.len(), same.events.len());
    Ok(())
}

#[tokio::test]
async fn running_twice_recreates_the_tenant() -> TestResult {
    let tmp = fresh_db("twice").await?;
    let db = &tmp.db;
    let opts = DemoOptions {
        members: 150,
        ..small()
    };
    let r1 = create_demo(db, &opts, &quiet).await?;
    let r2 = create_demo(db, &opts, &quiet).await?;
    assert_ne!(r1.tenant_id, r2.tenant_id);
    assert_eq!(
        (r1.groups, r1.members, r1.events),
        (r2.groups, r2.members, r2.events)
    );
    assert!(
        quanzi_store::tenant::get(db, TenantId(r1.tenant_id))
            .await?
            .is_none()
    );
    let t = TenantId(r2.tenant_id);
    assert_eq!(quanzi_store::member::count(db, t).await?, r2.members as i64);
    assert_eq!(quanzi_store::event::count(db, t).await?, r2.events as i64);
    assert!(
        crate::access::login(db, "admin@demo.quanzi.local", "quanzi-demo")
            .await
            .is_ok()
    );
    Ok(())
}

#[tokio::test]
async fn a_failed_demo_leaves_no_tenant_behind() -> TestResult {
    let tmp = fresh_db("taken").await?;
    let db = &tmp.db;
    let other = crate::access::create_tenant(db, "other", "别家").await?;
    let (email, role) = ("admin@demo.quanzi.local", OperatorRole::Admin);
    crate::access::create_operator(db, other.tenant_id, email, "x", role, "password1").await?;
    let r = create_demo(db, &small(), &quiet).await;
    assert!(matches!(r, Err(crate::CoreError::Conflict(_))), "{r:?}");
    assert!(quanzi_store::tenant::by_slug(db, "demo").await?.is_none());
    Ok(())
}

#[test]
fn the_plan_summary_counts_every_planned_event() {
    let p = plan::build(7, 300, 30, END);
    let text = plan_summary(7, 300, 30, END);
    assert!(
        text.starts_with(&format!("{} events ", p.events.len())),
        "{text}"
    );
    assert!(text.contains("\nper day ["), "{text}");
}

#[tokio::test]
async fn the_demo_future_can_move_between_threads() -> TestResult {
    fn send<T: Send>(_: &T) {}
    let tmp = fresh_db("send").await?;
    let opts = small();
    send(&create_demo(&tmp.db, &opts, &quiet));
    Ok(())
}

#[tokio::test]
async fn a_demo_ending_now_has_live_codes_a_gift_and_rewards_some_held() -> TestResult {
    let tmp = fresh_db("growth").await?;
    let db = &tmp.db;
    let opts = DemoOptions {
        end_ms: None,
        ..small()
    };
    let r = create_demo(db, &opts, &quiet).await?;
    let t = TenantId(r.tenant_id);
    let codes = crate::live_codes::list(db, t).await?;
    assert_eq!(codes.len(), 4);
    assert!(codes.iter().any(|(_, f)| f.joined > 30), "{codes:?}");
    assert_eq!(crate::gifts::list(db, t).await?.len(), 1);
    let costs = crate::gifts::costs(db, t).await?;
    assert!(
        costs.iter().any(|c| c.issued >= 40 && c.redeemed >= 20),
        "{costs:?}"
    );
    let rewards = crate::referrals::rewards(db, t, None, None, None, 1000).await?;
    assert!(rewards.len() >= 30, "{} rewards", rewards.len());
    for state in ["held", "reversed", "paid", "approved"] {
        assert!(
            rewards.iter().any(|r| r.state == state),
            "no {state} reward"
        );
    }
    Ok(())
}
