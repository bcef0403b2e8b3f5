//! The funnel report: members at each stage, as a funnel chart and a table of conversion rates.

use quanzi_core::kpi;
use serde_json::json;

use super::format::{int_cell, pct_cell, text_cell};
use super::{ChartView, TableView, View};
use crate::ui::Layout;

/// The funnel page body.
pub(super) fn funnel_view(l: &Layout, r: &kpi::FunnelReport) -> View {
    let names: Vec<String> = r
        .stages
        .iter()
        .map(|s| l.t(&format!("kpi.stage.{}", s.key)).to_string())
        .collect();
    let data: Vec<serde_json::Value> = r
        .stages
        .iter()
        .zip(&names)
        .map(|(s, n)| json!({"name": n, "value": s.members}))
        .collect();
    let chart = json!({
        "tooltip": {"trigger": "item"},
        "series": [{"type": "funnel", "left": "10%", "width": "80%", "sort": "none", "minSize": "4%", "gap": 2,
            "label": {"show": true, "position": "inside", "formatter": "{b}: {c}"}, "data": data}],
    })
    .to_string();
    let rows = r
        .stages
        .iter()
        .zip(names)
        .map(|(s, n)| {
            vec![
                text_cell(n),
                int_cell(i64::from(s.members)),
                pct_cell(s.rate_from_previous),
                pct_cell(s.rate_from_top),
            ]
        })
        .collect();
    View {
        charts: vec![ChartView {
            title: l.t("kpi.tab.funnel").into(),
            option: chart,
            height: 360,
        }],
        tables: vec![TableView {
            title: l.t("kpi.tab.funnel").into(),
            headers: [
                "kpi.c.stage",
                "kpi.c.members",
                "kpi.c.rate_prev",
                "kpi.c.rate_top",
            ]
            .iter()
            .map(|k| l.t(k).to_string())
            .collect(),
            rows,
        }],
        notes: vec![l.t("kpi.note.funnel").to_string()],
        ..View::default()
    }
}
