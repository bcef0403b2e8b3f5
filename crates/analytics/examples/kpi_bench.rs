//! Times the KPI kernels (b)–(f) on the shared benchmark's event CSV and writes their answers
//! as CSV for `bench/kpi.sh` to compare with DuckDB's.
//!
//! `cargo run --release -p quanzi-analytics --example kpi_bench -- EVENTS.csv OUT_DIR [RUNS]`

use std::io::{BufReader, Write};
use std::time::Instant;

use quanzi_analytics::kpi::{activity, commerce, default_threads, retention};
use quanzi_analytics::{EventIndex, KindMask, Scope, benchfile};

const T0: i64 = 1_735_689_600;
const T0_DAY: i32 = (T0 / 86_400) as i32;

fn best<R>(runs: usize, name: &str, mut f: impl FnMut() -> R) -> R {
    let mut out = None;
    let mut times = Vec::new();
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        out = Some(f());
        times.push(t.elapsed().as_secs_f64());
    }
    for t in &times {
        println!("quanzi {name} {t:.4}");
    }
    match out {
        Some(o) => o,
        None => unreachable!("runs is at least 1"),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(file), Some(out)) = (args.get(1), args.get(2)) else {
        return Err("usage: kpi_bench EVENTS.csv OUT_DIR [RUNS]".into());
    };
    let runs: usize = args.get(3).map_or(Ok(5), |s| s.parse())?;
    std::fs::create_dir_all(out)?;
    let threads = default_threads();

    let t = Instant::now();
    let mut ix = EventIndex::new(0);
    let n = benchfile::load(
        BufReader::with_capacity(1 << 20, std::fs::File::open(file)?),
        &mut ix,
    )?;
    let load = t.elapsed().as_secs_f64();
    let t = Instant::now();
    ix.compact();
    let compact = t.elapsed().as_secs_f64();
    println!("quanzi rows {n}");
    println!("quanzi load_csv {load:.4}");
    println!("quanzi compact {compact:.4}");
    println!(
        "quanzi index_mib {:.1}",
        ix.memory_bytes() as f64 / 1048576.0
    );
    println!("quanzi threads {threads}");

    let scope = Scope {
        active_kinds: KindMask::ALL,
        ..Scope::days(T0_DAY..T0_DAY + 90)
    };
    let gid = |g: usize| ix.groups.id(g as u32).copied().unwrap_or(-1);

    let dau = best(runs, "b_dau", || {
        activity::dau_by_group_day(&ix, &scope, threads)
    });
    let mut w = std::io::BufWriter::new(std::fs::File::create(format!("{out}/b_dau.csv"))?);
    writeln!(w, "group_id,day,dau")?;
    let mut rows: Vec<(i64, i32, u32)> = Vec::new();
    for g in 0..dau.n_groups {
        for day in dau.days.clone() {
            let v = dau.get(g, day);
            if v > 0 {
                rows.push((gid(g), day - T0_DAY, v));
            }
        }
    }
    rows.sort_unstable();
    for (g, d, v) in rows {
        writeln!(w, "{g},{d},{v}")?;
    }
    w.flush()?;

    let st = best(runs, "c_stickiness", || {
        activity::stickiness(&ix, &scope, 30, threads)
    });
    let mut w = std::io::BufWriter::new(std::fs::File::create(format!("{out}/c_stickiness.csv"))?);
    writeln!(w, "group_id,period,avg_dau,mau,stickiness")?;
    let mut rows: Vec<_> = st.iter().map(|s| (gid(s.group as usize), s)).collect();
    rows.sort_by_key(|(g, s)| (*g, s.period));
    for (g, s) in rows {
        writeln!(
            w,
            "{g},{},{},{},{}",
            s.period,
            s.avg_dau(),
            s.mau,
            s.ratio()
        )?;
    }
    w.flush()?;

    let co = best(runs, "d_retention", || {
        retention::retention(&ix, &scope, T0, 604_800, threads)
    });
    let mut w = std::io::BufWriter::new(std::fs::File::create(format!("{out}/d_retention.csv"))?);
    writeln!(w, "cohort,week,active,retention")?;
    for c in 0..co.n_cohorts {
        for p in 0..co.n_periods {
            if co.active(c, p) > 0 {
                writeln!(w, "{c},{p},{},{}", co.active(c, p), co.rate(c, p))?;
            }
        }
    }
    w.flush()?;

    let sales = best(runs, "e_gmv", || commerce::sales(&ix, &scope, threads));
    let mut w = std::io::BufWriter::new(std::fs::File::create(format!("{out}/e_gmv.csv"))?);
    writeln!(w, "group_id,gmv,buyers,repeat_buyers,repurchase_rate")?;
    let mut rows: Vec<_> = (0..sales.groups.len())
        .filter(|&g| sales.groups[g].orders > 0)
        .map(|g| (gid(g), sales.groups[g]))
        .collect();
    rows.sort_by_key(|r| r.0);
    for (g, s) in rows {
        writeln!(
            w,
            "{g},{}.{:02},{},{},{}",
            s.gmv_fen / 100,
            s.gmv_fen % 100,
            s.buyers,
            s.repeat_buyers,
            s.repurchase_rate()
        )?;
    }
    w.flush()?;

    let (ranked, top) = best(runs, "f_top_products", || {
        let ranked = commerce::products(&ix, &scope, threads);
        let top = commerce::concentration(&ranked, &[0.01])[0];
        (ranked, top)
    });
    let mut w =
        std::io::BufWriter::new(std::fs::File::create(format!("{out}/f_top_products.csv"))?);
    writeln!(w, "product_id,rk,rev,share,cum_share,n_products")?;
    let total: i64 = ranked.iter().map(|p| p.revenue_fen).sum();
    let mut cum = 0;
    for (i, p) in ranked.iter().take(top.products).enumerate() {
        cum += p.revenue_fen;
        let name = ix.products.id(p.product).map_or("?", String::as_str);
        writeln!(
            w,
            "{name},{},{}.{:02},{},{},{}",
            i + 1,
            p.revenue_fen / 100,
            p.revenue_fen % 100,
            p.revenue_fen as f64 / total as f64,
            cum as f64 / total as f64,
            ranked.len()
        )?;
    }
    w.flush()?;
    Ok(())
}
