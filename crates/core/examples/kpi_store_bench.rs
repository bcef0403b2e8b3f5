//! The KPI benchmark's Quanzi side on the real path: builds a tenant's analytics index from the
//! store (as the server does on first use), runs the kernels of the shared queries (b)–(f)
//! several times, and writes their answers with the file's own ids (`import:<id>`) for
//! `bench/kpi.sh` to compare with DuckDB's.
//!
//! `kpi_store_bench DATABASE_URL TENANT_SLUG OUT_DIR [RUNS]` (days in UTC, as DuckDB's).

use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use quanzi_analytics::kpi::{activity, commerce, default_threads, retention};
use quanzi_analytics::{KindMask, Scope};
use quanzi_domain::TenantId;
use quanzi_store::{Db, tenant};

const T0: i64 = 1_735_689_600;
const T0_DAY: i32 = (T0 / 86_400) as i32;

fn timed<R>(runs: usize, name: &str, mut f: impl FnMut() -> R) -> Option<R> {
    let mut out = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        out = Some(f());
        println!("quanzi {name} {:.4}", t.elapsed().as_secs_f64());
    }
    out
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(url), Some(slug), Some(out)) = (args.get(1), args.get(2), args.get(3)) else {
        return Err("usage: kpi_store_bench DATABASE_URL TENANT_SLUG OUT_DIR [RUNS]".into());
    };
    let runs: usize = args.get(4).map_or(Ok(5), |s| s.parse())?;
    std::fs::create_dir_all(out)?;
    let db = Db::connect(url).await?;
    let t = tenant::by_slug(&db, slug).await?.ok_or("no such tenant")?;
    let t = TenantId(t.tenant_id);

    let started = Instant::now();
    let (ix, _) = quanzi_core::kpi::build_index(&db, t, 0).await?;
    println!("quanzi index_build {:.4}", started.elapsed().as_secs_f64());
    println!("quanzi rows {}", ix.len());
    println!(
        "quanzi index_mib {:.1}",
        ix.memory_bytes() as f64 / 1_048_576.0
    );

    // The file's group ids, from the external ids the import gave the groups.
    let file_gid: HashMap<i64, String> = quanzi_core::groups::all(&db, t)
        .await?
        .into_iter()
        .map(|g| {
            let ext = g.external_chat_id.unwrap_or_default();
            (
                g.group_id.0,
                ext.strip_prefix("import:").unwrap_or(&ext).to_string(),
            )
        })
        .collect();
    let gid = |g: usize| {
        ix.groups
            .id(g as u32)
            .and_then(|id| file_gid.get(id).cloned())
            .unwrap_or_default()
    };
    let threads = default_threads();
    let scope = Scope {
        active_kinds: KindMask::ALL,
        ..Scope::days(T0_DAY..T0_DAY + 90)
    };
    let file = |name: &str| -> std::io::Result<std::io::BufWriter<std::fs::File>> {
        Ok(std::io::BufWriter::new(std::fs::File::create(format!(
            "{out}/{name}"
        ))?))
    };

    if let Some(dau) = timed(runs, "b_dau", || {
        activity::dau_by_group_day(&ix, &scope, threads)
    }) {
        let mut w = file("b_dau.csv")?;
        writeln!(w, "group_id,day,dau")?;
        for g in 0..dau.n_groups {
            for day in dau.days.clone() {
                let v = dau.get(g, day);
                if v > 0 {
                    writeln!(w, "{},{},{v}", gid(g), day - T0_DAY)?;
                }
            }
        }
    }
    if let Some(st) = timed(runs, "c_stickiness", || {
        activity::stickiness(&ix, &scope, 30, threads)
    }) {
        let mut w = file("c_stickiness.csv")?;
        writeln!(w, "group_id,period,avg_dau,mau,stickiness")?;
        for s in st {
            writeln!(
                w,
                "{},{},{},{},{}",
                gid(s.group as usize),
                s.period,
                s.avg_dau(),
                s.mau,
                s.ratio()
            )?;
        }
    }
    if let Some(co) = timed(runs, "d_retention", || {
        retention::retention(&ix, &scope, T0, 604_800, threads)
    }) {
        let mut w = file("d_retention.csv")?;
        writeln!(w, "cohort,week,active,retention")?;
        for c in 0..co.n_cohorts {
            for p in 0..co.n_periods {
                if co.active(c, p) > 0 {
                    writeln!(w, "{c},{p},{},{}", co.active(c, p), co.rate(c, p))?;
                }
            }
        }
    }
    if let Some(sales) = timed(runs, "e_gmv", || commerce::sales(&ix, &scope, threads)) {
        let mut w = file("e_gmv.csv")?;
        writeln!(w, "group_id,gmv,buyers,repeat_buyers,repurchase_rate")?;
        for (g, s) in sales
            .groups
            .iter()
            .enumerate()
            .filter(|(_, s)| s.orders > 0)
        {
            let yuan = s.gmv_fen as f64 / 100.0;
            writeln!(
                w,
                "{},{yuan:.2},{},{},{}",
                gid(g),
                s.buyers,
                s.repeat_buyers,
                s.repurchase_rate()
            )?;
        }
    }
    if let Some((ranked, top)) = timed(runs, "f_top_products", || {
        let ranked = commerce::products(&ix, &scope, threads);
        let top = commerce::concentration(&ranked, &[0.01])[0];
        (ranked, top)
    }) {
        let mut w = file("f_top_products.csv")?;
        writeln!(w, "product_id,rk,rev,share,cum_share,n_products")?;
        let total: i64 = ranked.iter().map(|p| p.revenue_fen).sum();
        let mut cum = 0i64;
        for (i, p) in ranked.iter().take(top.products).enumerate() {
            cum += p.revenue_fen;
            let name = ix.products.id(p.product).map_or("?", String::as_str);
            let share = p.revenue_fen as f64 / total as f64;
            let cum_share = cum as f64 / total as f64;
            writeln!(
                w,
                "{name},{},{:.2},{share},{cum_share},{}",
                i + 1,
                p.revenue_fen as f64 / 100.0,
                ranked.len()
            )?;
        }
    }
    println!("quanzi peak_rss_mib {:.1}", peak_rss_mib());
    Ok(())
}
