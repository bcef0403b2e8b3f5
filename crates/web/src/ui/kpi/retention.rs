//! The retention report: the cohort heatmap and the retention and value-per-member tables.

use quanzi_core::kpi;
use serde_json::json;

use super::format::{int_cell, money_cell, pct_cell, text_cell};
use super::{ChartView, TableView, View};
use crate::ui::Layout;

/// The retention page body.
pub(super) fn retention_view(l: &Layout, r: &kpi::RetentionReport) -> View {
    let n = r.cohorts.iter().map(|c| c.rates.len()).max().unwrap_or(0);
    let unit = if r.period == "month" {
        l.t("kpi.month_n")
    } else {
        l.t("kpi.week_n")
    };
    let cols: Vec<String> = (0..n)
        .map(|i| unit.replace("{n}", &i.to_string()))
        .collect();
    let ys: Vec<String> = r
        .cohorts
        .iter()
        .map(|c| format!("{} ({})", c.start, c.size))
        .collect();
    let mut data = Vec::new();
    for (y, c) in r.cohorts.iter().enumerate() {
        for (x, rate) in c.rates.iter().enumerate() {
            let v = json!([x, y, (rate * 1000.0).round() / 10.0]);
            // An unfinished period is drawn faded and starred, never as a drop.
            if c.last_partial && x + 1 == c.rates.len() {
                data.push(json!({"value": v, "itemStyle": {"opacity": 0.45},
                    "label": {"formatter": "{@[2]}%*"}}));
            } else {
                data.push(v);
            }
        }
    }
    let heat = json!({
        "tooltip": {"position": "top"},
        "grid": {"left": 150, "right": 30, "top": 20, "bottom": 70},
        "xAxis": {"type": "category", "data": cols, "splitArea": {"show": true}},
        "yAxis": {"type": "category", "data": ys, "inverse": true, "splitArea": {"show": true}},
        "visualMap": {"min": 0, "max": 100, "calculable": true, "orient": "horizontal", "left": "center", "bottom": 5, "inRange": {"color": ["#f7fbff", "#0f9d58"]}},
        "series": [{"type": "heatmap", "data": data, "label": {"show": true, "formatter": "{@[2]}%"}}],
    })
    .to_string();
    let mut headers = vec![
        l.t("kpi.c.cohort").to_string(),
        l.t("kpi.c.size").to_string(),
    ];
    headers.extend(cols.iter().cloned());
    let rows = r
        .cohorts
        .iter()
        .map(|c| {
            let mut row = vec![text_cell(c.start.clone()), int_cell(i64::from(c.size))];
            row.extend((0..n).map(|i| match c.rates.get(i) {
                None => text_cell(""),
                Some(v) if c.last_partial && i + 1 == c.rates.len() => {
                    let mut cell = pct_cell(*v);
                    cell.mark_partial();
                    cell
                }
                Some(v) => pct_cell(*v),
            }));
            row
        })
        .collect();
    let mut ltv_headers = vec![
        l.t("kpi.c.cohort").to_string(),
        l.t("kpi.c.size").to_string(),
    ];
    ltv_headers.extend(cols.iter().cloned());
    let ltv_rows = r
        .cohorts
        .iter()
        .map(|c| {
            let mut row = vec![text_cell(c.start.clone()), int_cell(i64::from(c.size))];
            row.extend((0..n).map(|i| {
                c.value_per_member_fen
                    .get(i)
                    .map_or_else(|| text_cell(""), |v| money_cell(v.round() as i64))
            }));
            row
        })
        .collect();
    View {
        charts: vec![ChartView {
            title: l.t("kpi.ch.retention").into(),
            option: heat,
            height: (120 + 28 * r.cohorts.len() as u32).clamp(220, 900),
        }],
        tables: vec![
            TableView {
                title: l.t("kpi.t.retention").into(),
                headers,
                rows,
            },
            TableView {
                title: l.t("kpi.t.ltv").into(),
                headers: ltv_headers,
                rows: ltv_rows,
            },
        ],
        notes: vec![
            l.t("kpi.note.retention").to_string(),
            l.t("kpi.note.partial").to_string(),
        ],
        ..View::default()
    }
}
