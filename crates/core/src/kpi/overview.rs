//! The overview and store-visit report builders (the overview page shows both).

use quanzi_analytics::index::EventIndex;
use quanzi_analytics::kpi::{activity, commerce};
use quanzi_analytics::{Scope, zone};
use quanzi_domain::TenantId;
use quanzi_store::Db;

use super::build::{card, on_index, prepare, range_of, ratio};
use super::index::Analytics;
use super::query::Params;
use super::report::{DailySeries, Overview, VisitRow, VisitsReport};
use crate::Result;

/// The overview: cards against the previous period, and the daily series.
pub async fn overview(a: &Analytics, db: &Db, t: TenantId, p: &Params) -> Result<Overview> {
    let (e, scope) = prepare(a, db, t, p).await?;
    let (th, pc) = (a.threads(), p.clone());
    on_index(e, move |ix| overview_on(ix, &scope, &pc, th)).await
}

/// The overview and the store-visit buckets over one catch-up and one segment lookup (the
/// overview page shows both).
pub async fn overview_and_visits(
    a: &Analytics,
    db: &Db,
    t: TenantId,
    p: &Params,
) -> Result<(Overview, VisitsReport)> {
    let (e, scope) = prepare(a, db, t, p).await?;
    let (th, pc) = (a.threads(), p.clone());
    on_index(e, move |ix| {
        (
            overview_on(ix, &scope, &pc, th),
            visits_on(ix, &scope, &pc, th),
        )
    })
    .await
}

fn overview_on(ix: &EventIndex, scope: &Scope, p: &Params, th: usize) -> Overview {
    let prev = scope.previous();
    let [s_old, s_cur] = activity::series_with_previous(ix, scope, th);
    let ends = [prev.days.end, scope.days.end];
    let mut quiet = activity::silence_at(ix, scope, p.lurker_days, &ends, th);
    let (q_cur, q_old) = (
        quiet.pop().unwrap_or_default(),
        quiet.pop().unwrap_or_default(),
    );
    let cur = overview_figures(ix, scope, p, th, s_cur, q_cur);
    let old = overview_figures(ix, &prev, p, th, s_old, q_old);
    let daily = commerce::daily(ix, scope);
    let keys = [
        "members",
        "joins",
        "leaves",
        "net_growth",
        "dau",
        "wau",
        "mau",
        "stickiness",
        "active_rate",
        "dead_groups",
        "lurkers",
        "gmv_fen",
        "orders",
        "buyers",
        "conversion_rate",
        "average_order_fen",
        "repurchase_rate",
    ];
    let cards = keys
        .iter()
        .zip(cur.values.iter().zip(old.values.iter()))
        .map(|(k, (v, o))| card(k, *v, *o))
        .collect();
    let s = cur.series;
    Overview {
        range: range_of(p),
        cards,
        series: DailySeries {
            days: s
                .days
                .clone()
                .map(|d| zone::format_date(i64::from(d)))
                .collect(),
            dau: s.dau,
            wau: s.wau,
            mau: s.mau,
            joins: s.joins,
            leaves: s.leaves,
            orders: daily.orders,
            gmv_fen: daily.gmv_fen,
        },
    }
}

struct Figures {
    values: [f64; 17],
    series: activity::Series,
}

fn overview_figures(
    ix: &EventIndex,
    scope: &Scope,
    p: &Params,
    th: usize,
    s: activity::Series,
    quiet: activity::Silence,
) -> Figures {
    let sales = commerce::sales(ix, scope, th).total;
    let end = scope.days.end;
    let dead = (0..ix.groups.len())
        .filter(|&g| scope.keeps_group(g as u32) && quiet.group_members[g] > 0)
        .filter(|&g| quiet.is_dead(g, end, p.dead_days))
        .count();
    let joins: u32 = s.joins.iter().sum();
    let leaves: u32 = s.leaves.iter().sum();
    let last = |v: &[u32]| v.last().copied().unwrap_or(0) as f64;
    let values = [
        f64::from(quiet.members),
        f64::from(joins),
        f64::from(leaves),
        f64::from(joins) - f64::from(leaves),
        s.avg_dau(),
        last(&s.wau),
        last(&s.mau),
        s.stickiness(),
        ratio(f64::from(quiet.active_members), f64::from(quiet.members)),
        dead as f64,
        f64::from(quiet.lurkers),
        sales.gmv_fen as f64,
        f64::from(sales.orders),
        f64::from(sales.buyers),
        ratio(f64::from(sales.buyers), f64::from(s.active_members)),
        sales.average_order_fen(),
        sales.repurchase_rate(),
    ];
    Figures { values, series: s }
}

/// Store visits beside community activity.
pub async fn visits(a: &Analytics, db: &Db, t: TenantId, p: &Params) -> Result<VisitsReport> {
    let (e, scope) = prepare(a, db, t, p).await?;
    let (th, pc) = (a.threads(), p.clone());
    on_index(e, move |ix| visits_on(ix, &scope, &pc, th)).await
}

fn visits_on(ix: &EventIndex, scope: &Scope, p: &Params, th: usize) -> VisitsReport {
    let buckets = commerce::visits(ix, scope, th)
        .iter()
        .map(|x| VisitRow {
            visits: match (x.min_visits, x.max_visits) {
                (lo, u32::MAX) => format!("{lo}+"),
                (lo, hi) if lo == hi => lo.to_string(),
                (lo, hi) => format!("{lo}-{hi}"),
            },
            members: x.members,
            messages_per_member: x.messages_per_member(),
            orders_per_member: x.orders_per_member(),
            gmv_per_member_fen: ratio(x.gmv_fen as f64, f64::from(x.members)),
        })
        .collect();
    VisitsReport {
        range: range_of(p),
        buckets,
    }
}
