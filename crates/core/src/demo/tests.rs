//! Tests of the demo: structure, determinism, recreation, and a timing probe.

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
    assert_eq!(login.session.tenant_id, r.tenant_id);
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
    crate::access::create_operator(db, TenantId(other.tenant_id), email, "x", role, "password1")
        .await?;
    let r = create_demo(db, &small(), &quiet).await;
    assert!(matches!(r, Err(crate::CoreError::Conflict(_))), "{r:?}");
    assert!(quanzi_store::tenant::by_slug(db, "demo").await?.is_none());
    Ok(())
}

/// Size and speed of the default demo: `cargo test --release -p quanzi-core demo_timing --
/// --ignored --nocapture`.
#[tokio::test]
#[ignore]
async fn demo_timing() -> TestResult {
    let tmp = fresh_db("timing").await?;
    let db = &tmp.db;
    let started = std::time::Instant::now();
    let last = std::sync::Mutex::new(String::new());
    let progress = |stage: &str, done: u64, total: u64| {
        if let Ok(mut l) = last.lock()
            && (*l != stage || stage == "events")
        {
            eprintln!(
                "{:>6.2}s {stage} ({done}/{total})",
                started.elapsed().as_secs_f64()
            );
            *l = stage.to_string();
        }
    };
    let r = create_demo(db, &DemoOptions::default(), &progress).await?;
    eprintln!("{r:?} in {:.2}s", started.elapsed().as_secs_f64());
    Ok(())
}

/// What the default plan contains: `cargo test --release -p quanzi-core demo_plan_stats --
/// --ignored --nocapture`.
#[test]
#[ignore]
fn demo_plan_stats() {
    let started = std::time::Instant::now();
    let p = plan::build(DemoOptions::default().seed, 8000, 90, END + 20 * DAY);
    eprintln!("planned in {:.2}s", started.elapsed().as_secs_f64());
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &p.events {
        *kinds.entry(e.kind.as_str()).or_default() += 1;
    }
    eprintln!("{} events {kinds:?}", p.events.len());
    let mut sizes: BTreeMap<usize, (usize, usize, usize)> = BTreeMap::new();
    for pe in &p.people {
        for m in &pe.memberships {
            let s = sizes.entry(m.group).or_default();
            s.0 += 1;
            if m.leave.is_some() {
                s.1 += 1;
            }
        }
    }
    for e in &p.events {
        if let Some(g) = e.group {
            sizes.entry(g as usize).or_default().2 += 1;
        }
    }
    for (g, spec) in p.groups.iter().enumerate() {
        let s = sizes.get(&g).copied().unwrap_or_default();
        let last = p
            .events
            .iter()
            .rev()
            .find(|e| {
                e.group == Some(g as u16) && !matches!(e.kind, plan::Kind::Join | plan::Kind::Leave)
            })
            .map(|e| (p.cal.end - e.t) / DAY);
        eprintln!(
            "{:>2} {:<14} {:?} joins {} left {} events {} quiet {:?}d",
            g, spec.name, spec.dimension, s.0, s.1, s.2, last
        );
    }
    let mut stages: BTreeMap<String, usize> = BTreeMap::new();
    let mut tiers: BTreeMap<String, usize> = BTreeMap::new();
    let mut arche: BTreeMap<String, usize> = BTreeMap::new();
    let mut sources: BTreeMap<&str, usize> = BTreeMap::new();
    for (pe, o) in p.people.iter().zip(&p.outcomes) {
        *stages
            .entry(plan::lifecycle(pe, o, p.cal.end).to_string())
            .or_default() += 1;
        *tiers.entry(plan::tier(o.spend).to_string()).or_default() += 1;
        *arche.entry(format!("{:?}", pe.archetype)).or_default() += 1;
        *sources.entry(pe.source.as_str()).or_default() += 1;
    }
    eprintln!("stages {stages:?}\ntiers {tiers:?}\narchetypes {arche:?}\nsources {sources:?}");
    let orders: Vec<i64> = p
        .events
        .iter()
        .filter(|e| e.kind == plan::Kind::Order)
        .map(|e| e.amount)
        .collect();
    let gmv: i64 = orders.iter().sum();
    eprintln!(
        "orders {} avg ¥{:.1} gmv ¥{}",
        orders.len(),
        gmv as f64 / orders.len().max(1) as f64 / 100.0,
        gmv / 100
    );
    let mut prod: BTreeMap<u16, usize> = BTreeMap::new();
    for e in p.events.iter().filter(|e| e.kind == plan::Kind::Order) {
        *prod.entry(e.product.unwrap_or(999)).or_default() += 1;
    }
    let mut top: Vec<(usize, u16)> = prod.iter().map(|(k, v)| (*v, *k)).collect();
    top.sort_unstable_by(|a, b| b.cmp(a));
    eprintln!(
        "top products {:?}",
        top.iter()
            .take(10)
            .map(|(n, k)| (catalog::product(*k as usize).name, *n))
            .collect::<Vec<_>>()
    );
    let mut per_day = vec![0usize; 90];
    for e in &p.events {
        if let Some(x) = per_day.get_mut(p.cal.day_index(e.t) as usize) {
            *x += 1;
        }
    }
    eprintln!(
        "per day {per_day:?}\nflash {} big {} {}",
        p.cal.day_index(p.cal.flash_day),
        p.cal.day_index(p.cal.big_day),
        p.cal.big_ref
    );
}

#[tokio::test]
async fn the_demo_future_can_move_between_threads() -> TestResult {
    fn send<T: Send>(_: &T) {}
    let tmp = fresh_db("send").await?;
    let opts = small();
    send(&create_demo(&tmp.db, &opts, &quiet));
    Ok(())
}
