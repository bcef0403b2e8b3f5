//! The overview report: KPI cards, activity, growth, sales and visit charts, and the daily and
//! visit tables.

use quanzi_core::kpi;
use serde_json::json;

use super::format::{card_value, int_cell, line, mark_today, money_cell, num_cell, text_cell};
use super::{CardView, CellView, ChartView, TableView, View};
use crate::ui::Layout;

/// The cards as shown: value, change against the period before (green when it is the good
/// direction), and how each is computed.
pub(in crate::ui) fn card_views(l: &Layout, cards: &[kpi::Card]) -> Vec<CardView> {
    cards
        .iter()
        .map(|c| {
            // Fewer leaves, dead groups and lurkers are the good direction.
            let lower_is_better = matches!(c.key, "leaves" | "dead_groups" | "lurkers");
            let (change, trend) = match c.change {
                None => (String::new(), "flat"),
                Some(x) if x.abs() < 0.0005 => ("±0%".into(), "flat"),
                Some(x) => (
                    format!("{}{:.1}%", if x > 0.0 { "▲" } else { "▼" }, x.abs() * 100.0),
                    if (x > 0.0) != lower_is_better {
                        "up"
                    } else {
                        "down"
                    },
                ),
            };
            CardView {
                label: l.t(&format!("kpi.card.{}", c.key)).to_string(),
                value: card_value(c.key, c.value),
                change,
                trend,
                definition: l.t(&format!("kpi.def.{}", c.key)).to_string(),
            }
        })
        .collect()
}

/// The overview page body.
pub(super) fn overview_view(l: &Layout, o: &kpi::Overview, visits: &kpi::VisitsReport) -> View {
    let cards = card_views(l, &o.cards);
    let s = &o.series;
    let days = json!(s.days);
    let axis = |extra: serde_json::Value| {
        let mut o = json!({
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 56, "right": 56, "top": 40, "bottom": 30},
            "xAxis": {"type": "category", "data": days},
        });
        if let (Some(o), Some(e)) = (o.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        mark_today(l, &mut o);
        o.to_string()
    };
    let (dau, wau, mau) = (
        l.t("kpi.card.dau"),
        l.t("kpi.card.wau"),
        l.t("kpi.card.mau"),
    );
    let activity = axis(json!({
        "legend": {"data": [dau, wau, mau]},
        "yAxis": {"type": "value"},
        "series": [line(dau, &json!(s.dau)), line(wau, &json!(s.wau)), line(mau, &json!(s.mau))],
    }));
    let net: Vec<i64> = s
        .joins
        .iter()
        .zip(&s.leaves)
        .map(|(j, x)| i64::from(*j) - i64::from(*x))
        .collect();
    let (joins, leaves, netl) = (
        l.t("kpi.card.joins"),
        l.t("kpi.card.leaves"),
        l.t("kpi.card.net_growth"),
    );
    let growth = axis(json!({
        "legend": {"data": [joins, leaves, netl]},
        "yAxis": {"type": "value"},
        "series": [
            {"name": joins, "type": "bar", "data": s.joins, "itemStyle": {"color": "#0f9d58"}},
            {"name": leaves, "type": "bar", "data": s.leaves.iter().map(|v| -i64::from(*v)).collect::<Vec<_>>(), "itemStyle": {"color": "#c62828"}},
            line(netl, &json!(net)),
        ],
    }));
    let gmv_yuan: Vec<f64> = s.gmv_fen.iter().map(|f| *f as f64 / 100.0).collect();
    let (gmv, orders) = (l.t("kpi.card.gmv_fen"), l.t("kpi.card.orders"));
    let sales = axis(json!({
        "legend": {"data": [gmv, orders]},
        "yAxis": [{"type": "value", "name": "¥"}, {"type": "value"}],
        "series": [
            {"name": gmv, "type": "bar", "data": gmv_yuan, "itemStyle": {"color": "#f4a300"}},
            {"name": orders, "type": "line", "yAxisIndex": 1, "data": s.orders, "smooth": true},
        ],
    }));
    let daily = TableView {
        title: l.t("kpi.t.daily").to_string(),
        headers: [
            "kpi.c.day",
            "kpi.card.dau",
            "kpi.card.wau",
            "kpi.card.mau",
            "kpi.card.joins",
            "kpi.card.leaves",
            "kpi.card.orders",
            "kpi.card.gmv_fen",
        ]
        .iter()
        .map(|k| l.t(k).to_string())
        .collect(),
        rows: (0..s.days.len())
            .map(|i| {
                vec![
                    text_cell(s.days[i].clone()),
                    int_cell(i64::from(s.dau[i])),
                    int_cell(i64::from(s.wau[i])),
                    int_cell(i64::from(s.mau[i])),
                    int_cell(i64::from(s.joins[i])),
                    int_cell(i64::from(s.leaves[i])),
                    int_cell(i64::from(s.orders[i])),
                    money_cell(s.gmv_fen[i]),
                ]
            })
            .collect(),
    };
    let visit_rows: Vec<Vec<CellView>> = visits
        .buckets
        .iter()
        .map(|b| {
            vec![
                text_cell(b.visits.clone()),
                int_cell(i64::from(b.members)),
                num_cell(b.messages_per_member),
                num_cell(b.orders_per_member),
                money_cell(b.gmv_per_member_fen.round() as i64),
            ]
        })
        .collect();
    let (msgs, ords) = (
        l.t("kpi.c.messages_per_member"),
        l.t("kpi.c.orders_per_member"),
    );
    let visit_chart = json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [msgs, ords]},
        "grid": {"left": 56, "right": 56, "top": 40, "bottom": 40},
        "xAxis": {"type": "category", "name": l.t("kpi.c.visits"), "data": visits.buckets.iter().map(|b| b.visits.clone()).collect::<Vec<_>>()},
        "yAxis": [{"type": "value"}, {"type": "value"}],
        "series": [
            {"name": msgs, "type": "bar", "data": visits.buckets.iter().map(|b| (b.messages_per_member * 10.0).round() / 10.0).collect::<Vec<_>>()},
            {"name": ords, "type": "line", "yAxisIndex": 1, "data": visits.buckets.iter().map(|b| (b.orders_per_member * 100.0).round() / 100.0).collect::<Vec<_>>()},
        ],
    })
    .to_string();
    View {
        cards,
        charts: vec![
            ChartView {
                title: l.t("kpi.ch.activity").into(),
                option: activity,
                height: 300,
            },
            ChartView {
                title: l.t("kpi.ch.growth").into(),
                option: growth,
                height: 260,
            },
            ChartView {
                title: l.t("kpi.ch.sales").into(),
                option: sales,
                height: 260,
            },
            ChartView {
                title: l.t("kpi.ch.visits").into(),
                option: visit_chart,
                height: 260,
            },
        ],
        tables: vec![
            daily,
            TableView {
                title: l.t("kpi.t.visits").to_string(),
                headers: [
                    "kpi.c.visits",
                    "kpi.c.members",
                    "kpi.c.messages_per_member",
                    "kpi.c.orders_per_member",
                    "kpi.c.gmv_per_member",
                ]
                .iter()
                .map(|k| l.t(k).to_string())
                .collect(),
                rows: visit_rows,
            },
        ],
        notes: vec![l.t("kpi.note.overview").to_string()],
    }
}
