//! The products report: concentration cards, the Pareto chart and the product table.

use quanzi_core::kpi;
use serde_json::json;

use super::format::{badge_cell, int_cell, money_cell, num, pct, pct_cell, text_cell};
use super::{CardView, ChartView, TableView, View};
use crate::ui::Layout;

/// The products page body.
pub(super) fn products_view(l: &Layout, r: &kpi::ProductsReport) -> View {
    let cards = r
        .concentration
        .iter()
        .map(|c| {
            CardView::plain(
                l.t("kpi.top_share")
                    .replace("{p}", &format!("{}", (c.fraction * 100.0).round()))
                    .replace("{n}", &c.products.to_string()),
                pct(c.share),
                l.t("kpi.def.top_share").into(),
            )
        })
        .chain([CardView::plain(
            l.t("kpi.c.products").into(),
            num(r.products as f64),
            l.t("kpi.def.products").into(),
        )])
        .collect();
    let top: Vec<&kpi::ProductRow> = r.rows.iter().take(50).collect();
    let (rev, cum) = (l.t("kpi.c.revenue"), l.t("kpi.c.cumulative_share"));
    let pareto = json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [rev, cum]},
        "grid": {"left": 60, "right": 56, "top": 40, "bottom": 60},
        "xAxis": {"type": "category", "data": top.iter().map(|p| p.product.clone()).collect::<Vec<_>>(), "axisLabel": {"rotate": 45}},
        "yAxis": [{"type": "value", "name": "¥"}, {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}}],
        "series": [
            {"name": rev, "type": "bar", "data": top.iter().map(|p| p.revenue_fen as f64 / 100.0).collect::<Vec<_>>(), "itemStyle": {"color": "#0f9d58"}},
            {"name": cum, "type": "line", "yAxisIndex": 1, "data": top.iter().map(|p| (p.cumulative_share * 1000.0).round() / 10.0).collect::<Vec<_>>(), "itemStyle": {"color": "#ef6c00"}},
        ],
    })
    .to_string();
    let rows = r
        .rows
        .iter()
        .map(|p| {
            let class = match p.repurchase_class {
                "high" => "badge ok",
                "low" => "badge warn",
                _ => "badge",
            };
            vec![
                int_cell(p.rank as i64),
                text_cell(p.product.clone()),
                money_cell(p.revenue_fen),
                pct_cell(p.share),
                pct_cell(p.cumulative_share),
                int_cell(i64::from(p.orders)),
                int_cell(i64::from(p.buyers)),
                int_cell(i64::from(p.repeat_buyers)),
                p.repurchase_interval_days
                    .map_or_else(|| text_cell(String::new()), |d| int_cell(i64::from(d))),
                badge_cell(l.t(&format!("kpi.class.{}", p.repurchase_class)), class),
            ]
        })
        .collect();
    View {
        cards,
        charts: vec![ChartView {
            title: l.t("kpi.ch.pareto").into(),
            option: pareto,
            height: 340,
        }],
        tables: vec![TableView {
            title: l.t("kpi.tab.products").into(),
            headers: [
                "kpi.c.rank",
                "kpi.c.product",
                "kpi.c.revenue",
                "kpi.c.share",
                "kpi.c.cumulative_share",
                "kpi.card.orders",
                "kpi.card.buyers",
                "kpi.c.repeat_buyers",
                "kpi.c.interval",
                "kpi.c.class",
            ]
            .iter()
            .map(|k| l.t(k).to_string())
            .collect(),
            rows,
        }],
        notes: vec![
            l.t("kpi.note.products").to_string(),
            match r.typical_interval_days {
                Some(d) => l.t("kpi.note.interval").replace("{n}", &d.to_string()),
                None => l.t("kpi.note.no_interval").to_string(),
            },
            l.t("kpi.hint.high").to_string(),
            l.t("kpi.hint.low").to_string(),
        ],
    }
}
