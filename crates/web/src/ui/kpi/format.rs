//! Number, money and percentage formatting for the KPI pages, the table cells built from them,
//! and the small chart helpers the reports share.

use quanzi_channels::export::Cell;
use serde_json::json;

use crate::ui::Layout;

use super::CellView;

use crate::ui::format::thousands;

/// Fen given as a float (an average) rounded to the fen, written as the UI writes money.
pub(super) fn yuan(fen: f64) -> String {
    crate::ui::format::yuan(fen.round() as i64)
}

/// A ratio as a percentage with one decimal, e.g. `12.3%`.
pub(super) fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// A number as a grouped integer when whole, else with one decimal.
pub(super) fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        thousands(v as i64)
    } else {
        format!("{v:.1}")
    }
}

/// A right-aligned integer cell.
pub(super) fn int_cell(v: i64) -> CellView {
    CellView {
        text: thousands(v),
        sort: v.to_string(),
        href: String::new(),
        class: "num",
        raw: Cell::Int(v),
    }
}

/// A right-aligned money cell (fen shown as yuan, exported as yuan).
pub(super) fn money_cell(fen: i64) -> CellView {
    CellView {
        text: yuan(fen as f64),
        sort: fen.to_string(),
        href: String::new(),
        class: "num",
        raw: Cell::Num(fen as f64 / 100.0),
    }
}

/// A right-aligned percentage cell (exported as the ratio).
pub(super) fn pct_cell(v: f64) -> CellView {
    CellView {
        text: pct(v),
        sort: format!("{v:.6}"),
        href: String::new(),
        class: "num",
        raw: Cell::Percent(v),
    }
}

/// A right-aligned number cell with one decimal.
pub(super) fn num_cell(v: f64) -> CellView {
    CellView {
        text: format!("{v:.1}"),
        sort: format!("{v:.6}"),
        href: String::new(),
        class: "num",
        raw: Cell::Num(v),
    }
}

/// A plain text cell.
pub(super) fn text_cell(s: impl Into<String>) -> CellView {
    let s = s.into();
    CellView {
        sort: s.clone(),
        text: s.clone(),
        href: String::new(),
        class: "",
        raw: Cell::Text(s),
    }
}

/// A text cell drawn as a badge of the given CSS class.
pub(super) fn badge_cell(s: &str, class: &'static str) -> CellView {
    CellView {
        class,
        ..text_cell(s)
    }
}

/// A text cell linking to `href`.
pub(super) fn link_cell(s: impl Into<String>, href: String) -> CellView {
    CellView {
        href,
        ..text_cell(s)
    }
}

/// A card's value formatted by its key: money, percentage or number.
pub(super) fn card_value(key: &str, v: f64) -> String {
    match key {
        "gmv_fen" | "average_order_fen" => yuan(v),
        "stickiness" | "active_rate" | "conversion_rate" | "repurchase_rate" => pct(v),
        _ => num(v),
    }
}

/// Shades today on a chart over days (`YYYY-MM-DD` categories) when the range reaches it:
/// today is unfinished, so its figures are partial, never a plunge.
pub(in crate::ui) fn mark_today(l: &Layout, option: &mut serde_json::Value) {
    let today = crate::ui::fmt_ms_in(quanzi_core::read::now_ms(), l.zone_offset_secs);
    let today = &today[..10];
    let days = option.pointer("/xAxis/data").and_then(|d| d.as_array());
    let Some(label) = days
        .and_then(|d| d.last())
        .and_then(|d| d.as_str())
        .filter(|d| *d == today || today.ends_with(*d))
        .map(str::to_string)
    else {
        return;
    };
    if let Some(first) = option.pointer_mut("/series/0") {
        first["markArea"] = json!({
            "silent": true,
            "itemStyle": {"color": "rgba(107,114,128,0.12)"},
            "label": {"show": true, "position": "insideTop", "color": "#6b7280", "formatter": l.t("chart.partial_today")},
            "data": [[{"xAxis": label}, {"xAxis": label}]],
        });
    }
}

/// A smooth ECharts line series named `name`.
pub(super) fn line(name: &str, data: &serde_json::Value) -> serde_json::Value {
    json!({"name": name, "type": "line", "smooth": true, "showSymbol": false, "data": data})
}

#[cfg(test)]
mod tests {
    use super::{thousands, yuan};

    #[test]
    fn money_and_counts_are_grouped_by_thousands() {
        assert_eq!(yuan(123_456_789.0), "¥1,234,567.89");
        assert_eq!(yuan(1234.0), "¥12.34");
        assert_eq!(yuan(-50.0), "¥-0.50");
        assert_eq!(yuan(99.6), "¥1.00");
        assert_eq!(thousands(-1_000_000), "-1,000,000");
        assert_eq!(thousands(999), "999");
    }
}
