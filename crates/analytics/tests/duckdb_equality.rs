//! Quanzi's KPI kernels give DuckDB's answers to the shared benchmark queries (b)–(f) on a
//! sample of the shared generator's data (seed 42, members with `member_id % 50 = 7`, about
//! 194,000 events). The fixture and DuckDB's answers were made by `bench/kpi_reference.py`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};

use flate2::read::GzDecoder;
use quanzi_analytics::kpi::{activity, commerce, retention};
use quanzi_analytics::{EventIndex, KindMask, Scope, benchfile};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const T0: i64 = 1_735_689_600;
const T0_DAY: i32 = (T0 / 86_400) as i32;

fn open(name: &str) -> Result<BufReader<GzDecoder<std::fs::File>>, std::io::Error> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    Ok(BufReader::new(GzDecoder::new(std::fs::File::open(path)?)))
}

/// DuckDB's answer: rows of fields, header dropped.
fn expected(name: &str) -> Result<Vec<Vec<String>>, std::io::Error> {
    let mut rows = Vec::new();
    for line in open(name)?.lines().skip(1) {
        rows.push(line?.split(',').map(str::to_string).collect());
    }
    Ok(rows)
}

fn num(s: &str) -> Result<f64, std::num::ParseFloatError> {
    s.parse::<f64>()
}

fn index() -> Result<EventIndex, Box<dyn std::error::Error>> {
    let mut ix = EventIndex::new(0);
    let n = benchfile::load(open("events-sample.csv.gz")?, &mut ix)?;
    assert!(n > 150_000, "the fixture has {n} rows");
    ix.compact();
    Ok(ix)
}

fn bench_scope() -> Scope {
    Scope {
        active_kinds: KindMask::ALL,
        ..Scope::days(T0_DAY..T0_DAY + 90)
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn all_five_queries_equal_duckdb() -> TestResult {
    let ix = index()?;
    let scope = bench_scope();
    for threads in [1, 2] {
        check_dau(&ix, &scope, threads)?;
        check_stickiness(&ix, &scope, threads)?;
        check_retention(&ix, &scope, threads)?;
        check_gmv(&ix, &scope, threads)?;
        check_products(&ix, &scope, threads)?;
    }
    Ok(())
}

fn group_id(ix: &EventIndex, g: usize) -> i64 {
    ix.groups.id(g as u32).copied().unwrap_or(-1)
}

fn check_dau(ix: &EventIndex, scope: &Scope, threads: usize) -> TestResult {
    let got = activity::dau_by_group_day(ix, scope, threads);
    let mut mine: HashMap<(i64, i32), u32> = HashMap::new();
    for g in 0..got.n_groups {
        for day in got.days.clone() {
            let v = got.get(g, day);
            if v > 0 {
                mine.insert((group_id(ix, g), day - T0_DAY), v);
            }
        }
    }
    let want = expected("b_dau.csv.gz")?;
    assert_eq!(mine.len(), want.len(), "(b) number of group-day rows");
    for r in &want {
        let key = (r[0].parse::<i64>()?, r[1].parse::<i32>()?);
        assert_eq!(
            mine.get(&key).copied(),
            Some(r[2].parse::<u32>()?),
            "(b) DAU of {key:?}"
        );
    }
    Ok(())
}

fn check_stickiness(ix: &EventIndex, scope: &Scope, threads: usize) -> TestResult {
    let got = activity::stickiness(ix, scope, 30, threads);
    let want = expected("c_stickiness.csv.gz")?;
    assert_eq!(got.len(), want.len(), "(c) rows");
    let mine: HashMap<(i64, u32), _> = got
        .iter()
        .map(|s| ((group_id(ix, s.group as usize), s.period), s))
        .collect();
    for r in &want {
        let key = (r[0].parse::<i64>()?, r[1].parse::<u32>()?);
        let s = mine.get(&key).ok_or(format!("(c) missing {key:?}"))?;
        assert!(close(s.avg_dau(), num(&r[2])?), "(c) avg_dau of {key:?}");
        assert_eq!(s.mau, r[3].parse::<u32>()?, "(c) mau of {key:?}");
        assert!(close(s.ratio(), num(&r[4])?), "(c) stickiness of {key:?}");
    }
    Ok(())
}

fn check_retention(ix: &EventIndex, scope: &Scope, threads: usize) -> TestResult {
    let got = retention::retention(ix, scope, T0, 604_800, threads);
    let want = expected("d_retention.csv.gz")?;
    let mut rows = 0;
    for c in 0..got.n_cohorts {
        for p in 0..got.n_periods {
            rows += usize::from(got.active(c, p) > 0);
        }
    }
    assert_eq!(rows, want.len(), "(d) rows");
    for r in &want {
        let (c, w) = (r[0].parse::<usize>()?, r[1].parse::<usize>()?);
        assert_eq!(
            got.active(c, w),
            r[2].parse::<u32>()?,
            "(d) active of cohort {c} week {w}"
        );
        assert!(
            close(got.rate(c, w), num(&r[3])?),
            "(d) retention of cohort {c} week {w}"
        );
    }
    Ok(())
}

fn check_gmv(ix: &EventIndex, scope: &Scope, threads: usize) -> TestResult {
    let got = commerce::sales(ix, scope, threads);
    let want = expected("e_gmv.csv.gz")?;
    let with_orders = got.groups.iter().filter(|s| s.orders > 0).count();
    assert_eq!(with_orders, want.len(), "(e) rows");
    for r in &want {
        let gid = r[0].parse::<i64>()?;
        let g = ix
            .groups
            .get(&gid)
            .ok_or(format!("(e) unknown group {gid}"))?;
        let s = got.groups[g as usize];
        assert_eq!(
            s.gmv_fen,
            (num(&r[1])? * 100.0).round() as i64,
            "(e) GMV of {gid}"
        );
        assert_eq!(s.buyers, r[2].parse::<u32>()?, "(e) buyers of {gid}");
        assert_eq!(
            s.repeat_buyers,
            r[3].parse::<u32>()?,
            "(e) repeat buyers of {gid}"
        );
        assert!(close(s.repurchase_rate(), num(&r[4])?), "(e) rate of {gid}");
    }
    Ok(())
}

fn check_products(ix: &EventIndex, scope: &Scope, threads: usize) -> TestResult {
    let ranked = commerce::products(ix, scope, threads);
    let want = expected("f_top_products.csv.gz")?;
    let n_products: usize = want[0][5].parse()?;
    assert_eq!(ranked.len(), n_products, "(f) products with revenue");
    let top = commerce::concentration(&ranked, &[0.01])[0];
    assert_eq!(top.products, want.len(), "(f) top 1% size");
    let total: i64 = ranked.iter().map(|p| p.revenue_fen).sum();
    let mut cum = 0i64;
    for (i, r) in want.iter().enumerate() {
        let p = ranked[i];
        let name = ix.products.id(p.product).ok_or("(f) unknown product")?;
        assert_eq!(name, &r[0], "(f) product at rank {}", i + 1);
        assert_eq!(
            p.revenue_fen,
            (num(&r[2])? * 100.0).round() as i64,
            "(f) revenue of {name}"
        );
        cum += p.revenue_fen;
        assert!(
            (p.revenue_fen as f64 / total as f64 - num(&r[3])?).abs() < 1e-9,
            "(f) share"
        );
        assert!(
            (cum as f64 / total as f64 - num(&r[4])?).abs() < 1e-9,
            "(f) cumulative share"
        );
    }
    assert!((top.share - num(&want[want.len() - 1][4])?).abs() < 1e-9);
    Ok(())
}
