//! Size and speed of the demo, for tuning its generator: what the default plan contains
//! (events per kind, groups, stages, tiers, orders, events per day) and how long each stage of
//! `create_demo` takes on a fresh SQLite store.
//!
//! `cargo run --release -p quanzi-core --example demo_probe [-- plan|timing]` (both by
//! default). The plan's window ends on 2024-12-10 (China time), so 双十一 falls inside it.

use std::time::Instant;

use quanzi_core::Db;
use quanzi_core::demo::{DemoOptions, create_demo, plan_summary};

/// 2024-12-10 00:00 China time: 双十一 falls inside a 90-day window.
const PLAN_END_MS: i64 = 1_733_760_000_000;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    let what = std::env::args().nth(1).unwrap_or_default();
    if !matches!(what.as_str(), "" | "plan" | "timing") {
        return Err(format!("unknown probe {what:?}: plan or timing").into());
    }
    if what != "timing" {
        plan();
    }
    if what != "plan" {
        timing().await?;
    }
    Ok(())
}

/// What the default plan contains.
fn plan() {
    let opts = DemoOptions::default();
    let started = Instant::now();
    let summary = plan_summary(opts.seed, opts.members, opts.days, PLAN_END_MS);
    println!("planned in {:.2}s", started.elapsed().as_secs_f64());
    println!("{summary}");
}

/// The default demo stored in a temporary SQLite file, with the time of each stage.
async fn timing() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Db::connect(&format!("{}/demo.db", dir.path().display())).await?;
    db.migrate().await?;
    let started = Instant::now();
    let last = std::sync::Mutex::new(String::new());
    let progress = |stage: &str, done: u64, total: u64| {
        if let Ok(mut l) = last.lock()
            && (*l != stage || stage == "events")
        {
            println!(
                "{:>6.2}s {stage} ({done}/{total})",
                started.elapsed().as_secs_f64()
            );
            *l = stage.to_string();
        }
    };
    let r = create_demo(&db, &DemoOptions::default(), &progress).await?;
    println!("{r:?} in {:.2}s", started.elapsed().as_secs_f64());
    db.close().await;
    Ok(())
}
