//! The report builders' shared helpers, and the groups, retention, funnel and products reports.

use std::sync::Arc;

use quanzi_analytics::index::EventIndex;
use quanzi_analytics::kpi::{activity, commerce, funnel, retention};
use quanzi_analytics::{Scope, zone};
use quanzi_domain::TenantId;
use quanzi_store::{Db, member};

use super::index::{Analytics, TenantIndex, blocking};
use super::query::Params;
use super::report::{
    Card, CohortRow, ConcentrationRow, FunnelReport, GroupKpi, GroupsReport, ProductRow,
    ProductsReport, Range, RetentionReport, Stage,
};
use crate::Result;

pub(super) fn range_of(p: &Params) -> Range {
    Range {
        from: zone::format_date(p.from_day),
        to: zone::format_date(p.to_day),
    }
}

/// Resolves the scope with the index unlocked while the store is asked for the segment.
pub(super) async fn prepare(
    a: &Analytics,
    db: &Db,
    t: TenantId,
    p: &Params,
) -> Result<(Arc<TenantIndex>, Scope)> {
    let e = a.fresh(db, t).await?;
    let segment = match &p.segment {
        Some(f) => Some(member::ids(db, t, f).await?),
        None => None,
    };
    let scope = {
        let ix = e.read();
        let mut s = Scope::days(p.from_day as i32..p.to_day as i32 + 1);
        if let Some(g) = &p.groups {
            s = s.with_groups(&ix, g);
        }
        if let Some(ids) = &segment {
            s = s.with_members(&ix, ids);
        }
        s
    };
    Ok((e, scope))
}

/// Runs CPU-bound work on the index on a blocking thread, off the async workers.
pub(super) async fn on_index<R: Send + 'static>(
    e: Arc<TenantIndex>,
    f: impl FnOnce(&EventIndex) -> R + Send + 'static,
) -> Result<R> {
    blocking(move || f(&e.read())).await
}

pub(super) fn card(key: &'static str, value: f64, previous: f64) -> Card {
    Card {
        key,
        value,
        previous,
        change: (previous != 0.0).then(|| (value - previous) / previous),
    }
}

pub(super) fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

/// The groups table: activity, size, sales, lurkers and the dead flag of every group.
pub async fn groups(a: &Analytics, db: &Db, t: TenantId, p: &Params) -> Result<GroupsReport> {
    let (e, scope) = prepare(a, db, t, p).await?;
    let all = crate::groups::all(db, t).await?;
    let th = a.threads();
    let pc = p.clone();
    let mut rows = on_index(e, move |ix| group_rows(ix, &scope, &pc, th, all)).await?;
    rows.sort_by(|a, b| {
        b.avg_dau
            .total_cmp(&a.avg_dau)
            .then(a.group_id.cmp(&b.group_id))
    });
    Ok(GroupsReport {
        range: range_of(p),
        dead_days: p.dead_days,
        lurker_days: p.lurker_days,
        groups: rows,
    })
}

fn group_rows(
    ix: &EventIndex,
    scope: &Scope,
    p: &Params,
    th: usize,
    all: Vec<crate::views::Group>,
) -> Vec<GroupKpi> {
    let s = activity::range_activity(ix, scope, th);
    let quiet = activity::silence(ix, scope, p.lurker_days, th);
    let sales = commerce::sales(ix, scope, th);
    let nd = s.dau.len().max(1);
    let end = scope.days.end;
    all.into_iter()
        .filter(|g| {
            p.groups
                .as_ref()
                .is_none_or(|ids| ids.contains(&g.group_id.0))
        })
        .map(|g| {
            let Some(n) = ix.groups.get(&g.group_id.0).map(|n| n as usize) else {
                return GroupKpi {
                    group_id: g.group_id.0,
                    name: g.name,
                    members: 0,
                    active_members: 0,
                    active_rate: 0.0,
                    avg_dau: 0.0,
                    messages: 0,
                    gmv_fen: 0,
                    orders: 0,
                    buyers: 0,
                    repurchase_rate: 0.0,
                    lurkers: 0,
                    dead: true,
                    last_message: None,
                };
            };
            let members = quiet.group_members[n];
            let dau_sum = s.group_dau_sum[n];
            let sl = sales.groups[n];
            GroupKpi {
                group_id: g.group_id.0,
                name: g.name,
                members,
                active_members: quiet.group_active[n],
                active_rate: ratio(f64::from(quiet.group_active[n]), f64::from(members)),
                avg_dau: dau_sum as f64 / nd as f64,
                messages: s.group_messages[n],
                gmv_fen: sl.gmv_fen,
                orders: sl.orders,
                buyers: sl.buyers,
                repurchase_rate: sl.repurchase_rate(),
                lurkers: quiet.group_lurkers[n],
                dead: quiet.is_dead(n, end, p.dead_days),
                last_message: quiet.group_last_message[n].map(|d| zone::format_date(i64::from(d))),
            }
        })
        .collect()
}

/// Retention by join week (`monthly`: 30-day periods) with lifetime value.
pub async fn retention(
    a: &Analytics,
    db: &Db,
    t: TenantId,
    p: &Params,
    monthly: bool,
) -> Result<RetentionReport> {
    let (e, scope) = prepare(a, db, t, p).await?;
    let period: i64 = if monthly { 30 * 86_400 } else { 7 * 86_400 };
    let (th, from_day) = (a.threads(), p.from_day);
    let lt = on_index(e, move |ix| {
        let anchor = from_day * 86_400 - ix.tz_offset_secs();
        retention::lifetime_value(ix, &scope, anchor, period, th)
    })
    .await?;
    let c = &lt.cohorts;
    let cohorts = (0..c.n_cohorts)
        .map(|k| {
            // Periods a cohort has had time to live through by the end of the range.
            let start_day = p.from_day + (k as i64 * period) / 86_400;
            let lived_secs = (p.to_day + 1 - start_day) * 86_400;
            let lived = (lived_secs + period - 1) / period;
            let n = (lived.max(1) as usize).min(c.n_periods);
            // The last period listed is unfinished when the range ends inside it.
            let last_partial = lived_secs < n as i64 * period;
            CohortRow {
                start: zone::format_date(start_day),
                size: c.size[k],
                active: (0..n).map(|q| c.active(k, q)).collect(),
                rates: (0..n).map(|q| c.rate(k, q)).collect(),
                value_per_member_fen: (0..n).map(|q| lt.per_member(k, q)).collect(),
                last_partial,
            }
        })
        .collect();
    Ok(RetentionReport {
        range: range_of(p),
        period: if monthly { "month" } else { "week" },
        cohorts,
    })
}

/// The funnel attracted → joined → active → ordered → repurchased → referred.
pub async fn funnel(a: &Analytics, db: &Db, t: TenantId, p: &Params) -> Result<FunnelReport> {
    let (e, scope) = prepare(a, db, t, p).await?;
    let th = a.threads();
    let f = on_index(e, move |ix| funnel::funnel(ix, &scope, th)).await?;
    let top = f64::from(f.counts[0]);
    let stages = funnel::STAGES
        .iter()
        .enumerate()
        .map(|(i, key)| Stage {
            key,
            members: f.counts[i],
            rate_from_previous: f.step_rate(i),
            rate_from_top: ratio(f64::from(f.counts[i]), top),
        })
        .collect();
    Ok(FunnelReport {
        range: range_of(p),
        stages,
    })
}

/// Products: ranking, concentration and repurchase classes; at most `limit` rows.
pub async fn products(
    a: &Analytics,
    db: &Db,
    t: TenantId,
    p: &Params,
    limit: usize,
) -> Result<ProductsReport> {
    let (e, scope) = prepare(a, db, t, p).await?;
    let th = a.threads();
    let (ranked, names) = on_index(e, move |ix| {
        let ranked = commerce::products(ix, &scope, th);
        let names: Vec<String> = ranked
            .iter()
            .take(limit)
            .map(|r| ix.products.id(r.product).cloned().unwrap_or_default())
            .collect();
        (ranked, names)
    })
    .await?;
    let total = quanzi_domain::money::sum_i128(ranked.iter().map(|r| r.revenue_fen));
    let conc = commerce::concentration(&ranked, &[0.01, 0.02, 0.2]);
    let mut cum = 0i128;
    let typical = commerce::typical_interval(&ranked);
    let rows = ranked
        .iter()
        .take(limit)
        .enumerate()
        .map(|(i, r)| {
            cum += i128::from(r.revenue_fen);
            let class = commerce::RepurchaseClass::of(r, typical);
            ProductRow {
                rank: i + 1,
                product: names.get(i).cloned().unwrap_or_default(),
                revenue_fen: r.revenue_fen,
                share: ratio(r.revenue_fen as f64, total as f64),
                cumulative_share: ratio(cum as f64, total as f64),
                orders: r.orders,
                buyers: r.buyers,
                repeat_buyers: r.repeat_buyers,
                repurchase_interval_days: r.median_interval_days,
                repurchase_class: class.code(),
                hint: class.hint(),
            }
        })
        .collect();
    Ok(ProductsReport {
        range: range_of(p),
        products: ranked.len(),
        typical_interval_days: typical,
        revenue_fen: quanzi_domain::money::saturate(total),
        concentration: conc
            .iter()
            .map(|c| ConcentrationRow {
                fraction: c.fraction,
                products: c.products,
                share: c.share,
            })
            .collect(),
        rows,
    })
}
