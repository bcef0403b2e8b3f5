//! The analytics pages under `/ui/kpi`: overview, groups, retention, funnel and products, each
//! with a date range, a group and segment filter, charts, and CSV/XLSX exports of its tables.
//!
//! A page is a shell (filters and tabs) whose body is fetched by htmx with a progress
//! indicator, since the first question of a large tenant builds its index. Every report is
//! turned into one [`View`] — cards, charts, tables — which the body template draws and the
//! export writes out, so what is exported is exactly what is shown.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use quanzi_channels::export::{self, Cell, Table};
use quanzi_core::kpi;
use quanzi_domain::Fen;
use quanzi_domain::member::{LifecycleStage, SpendingTier};
use quanzi_store::tag;
use serde_json::json;

use super::{Layout, UiUser, render, server_error};
use crate::AppState;
use crate::api::kpi::KpiParams;
use crate::error::{ApiError, AppQuery};

/// The report pages, in tab order.
const PAGES: [&str; 5] = ["overview", "groups", "retention", "funnel", "products"];

/// A KPI card as shown.
pub struct CardView {
    label: String,
    value: String,
    change: String,
    trend: &'static str,
}

/// One table cell: what is shown, what it sorts by, what is exported.
pub struct CellView {
    text: String,
    sort: String,
    href: String,
    class: &'static str,
    raw: Cell,
}

/// A table as shown and exported.
pub struct TableView {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<CellView>>,
}

/// A chart: title, ECharts option (JSON) and height in pixels.
pub struct ChartView {
    title: String,
    option: String,
    height: u32,
}

/// A whole report page body.
#[derive(Default)]
pub struct View {
    cards: Vec<CardView>,
    charts: Vec<ChartView>,
    tables: Vec<TableView>,
    notes: Vec<String>,
}

#[derive(Template)]
#[template(path = "kpi.html")]
struct KpiPage {
    l: Layout,
    page: &'static str,
    tabs: Vec<(&'static str, String)>,
    query: String,
    from: String,
    to: String,
    groups: Vec<(i64, String, bool)>,
    stages: Vec<(String, String, bool)>,
    tiers: Vec<(String, String, bool)>,
    tags: Vec<(i64, String, bool)>,
    period: String,
    dead_days: String,
    lurker_days: String,
    errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "kpi_body.html")]
struct KpiBody {
    l: Layout,
    page: &'static str,
    query: String,
    v: View,
}

fn page_of(name: &str) -> Option<&'static str> {
    PAGES.iter().copied().find(|p| *p == name)
}

/// Fen as `¥1,234.56` (rounded to the fen; the digits are [`Fen::yuan_string`]'s).
fn yuan(fen: f64) -> String {
    let s = Fen(fen.round() as i64).yuan_string();
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    format!("¥{sign}{}.{frac}", group_digits(digits))
}

/// Digits with a comma every three from the right.
fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// An integer with thousands separators, e.g. `-1,234,567`.
pub(super) fn thousands(v: i64) -> String {
    let digits = group_digits(&v.unsigned_abs().to_string());
    if v < 0 { format!("-{digits}") } else { digits }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        thousands(v as i64)
    } else {
        format!("{v:.1}")
    }
}

fn int_cell(v: i64) -> CellView {
    CellView {
        text: thousands(v),
        sort: v.to_string(),
        href: String::new(),
        class: "num",
        raw: Cell::Int(v),
    }
}

fn money_cell(fen: i64) -> CellView {
    CellView {
        text: yuan(fen as f64),
        sort: fen.to_string(),
        href: String::new(),
        class: "num",
        raw: Cell::Num(fen as f64 / 100.0),
    }
}

fn pct_cell(v: f64) -> CellView {
    CellView {
        text: pct(v),
        sort: format!("{v:.6}"),
        href: String::new(),
        class: "num",
        raw: Cell::Num(v),
    }
}

fn num_cell(v: f64) -> CellView {
    CellView {
        text: format!("{v:.1}"),
        sort: format!("{v:.6}"),
        href: String::new(),
        class: "num",
        raw: Cell::Num(v),
    }
}

fn text_cell(s: impl Into<String>) -> CellView {
    let s = s.into();
    CellView {
        sort: s.clone(),
        text: s.clone(),
        href: String::new(),
        class: "",
        raw: Cell::Text(s),
    }
}

fn badge_cell(s: &str, class: &'static str) -> CellView {
    CellView {
        class,
        ..text_cell(s)
    }
}

fn link_cell(s: impl Into<String>, href: String) -> CellView {
    CellView {
        href,
        ..text_cell(s)
    }
}

/// Turns a report error into the page's error list (a bad filter) or a server error.
fn explain(l: &Layout, e: ApiError) -> Result<Vec<String>, Box<Response>> {
    match e.fields.is_empty() {
        false => Ok(e
            .fields
            .iter()
            .map(|f| format!("{}: {}", l.t(&format!("kpi.f.{}", f.field)), f.reason))
            .collect()),
        true => Err(Box::new(e.into_response())),
    }
}

/// GET /ui/kpi: the overview.
pub async fn index(s: State<AppState>, u: UiUser, q: AppQuery<KpiParams>) -> Response {
    shell(s, u, "overview", q).await
}

/// GET /ui/kpi/{page}: a report page's shell (filters, tabs, body loaded by htmx).
pub async fn page(
    s: State<AppState>,
    u: UiUser,
    Path(name): Path<String>,
    q: AppQuery<KpiParams>,
) -> Response {
    match page_of(&name) {
        Some(p) => shell(s, u, p, q).await,
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

async fn shell(
    State(s): State<AppState>,
    u: UiUser,
    page: &'static str,
    AppQuery(q): AppQuery<KpiParams>,
) -> Response {
    let l = u.layout("kpi");
    let t = u.tenant();
    let (params, errors) = match q.resolve(&s, t).await {
        Ok(p) => (Some(p), Vec::new()),
        Err(e) => match explain(&l, e) {
            Ok(errors) => (None, errors),
            Err(r) => return *r,
        },
    };
    let groups = match quanzi_core::groups::all(&s.db, t).await {
        Ok(g) => g,
        Err(e) => return server_error(e),
    };
    let chosen: Vec<i64> = params
        .as_ref()
        .and_then(|p| p.groups.clone())
        .unwrap_or_default();
    let tags = match tag::list(&s.db, t).await {
        Ok(t) => t,
        Err(e) => return server_error(e),
    };
    let (from, to) = params
        .as_ref()
        .map(|p| (kpi::format_date(p.from_day), kpi::format_date(p.to_day)))
        .unwrap_or_else(|| {
            (
                q.from.clone().unwrap_or_default(),
                q.to.clone().unwrap_or_default(),
            )
        });
    let eq = |a: &Option<String>, b: &str| a.as_deref() == Some(b);
    let query = serde_urlencoded::to_string(&q).unwrap_or_default();
    let tabs = PAGES
        .iter()
        .map(|p| (*p, l.t(&format!("kpi.tab.{p}")).to_string()))
        .collect();
    render(KpiPage {
        page,
        tabs,
        query,
        from,
        to,
        groups: groups
            .into_iter()
            .map(|g| (g.group_id, g.name, chosen.contains(&g.group_id)))
            .collect(),
        stages: LifecycleStage::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_string(),
                    l.t(&format!("stage.{s}")).to_string(),
                    eq(&q.lifecycle_stage, s.as_str()),
                )
            })
            .collect(),
        tiers: SpendingTier::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_string(),
                    l.t(&format!("tier.{s}")).to_string(),
                    eq(&q.spending_tier, s.as_str()),
                )
            })
            .collect(),
        tags: tags
            .into_iter()
            .map(|x| {
                let on = q.tag_id.as_deref() == Some(x.tag_id.to_string().as_str());
                (x.tag_id, format!("{} · {}", x.group_name, x.name), on)
            })
            .collect(),
        period: q.period.clone().unwrap_or_default(),
        dead_days: q.dead_days.clone().unwrap_or_default(),
        lurker_days: q.lurker_days.clone().unwrap_or_default(),
        errors,
        l,
    })
}

/// GET /ui/kpi/{page}/body: the report itself (htmx partial).
pub async fn body(
    State(s): State<AppState>,
    u: UiUser,
    Path(name): Path<String>,
    AppQuery(q): AppQuery<KpiParams>,
) -> Response {
    let Some(page) = page_of(&name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let l = u.layout("kpi");
    match view(&s, &u, &l, page, &q).await {
        Ok(v) => render(KpiBody {
            page,
            query: serde_urlencoded::to_string(&q).unwrap_or_default(),
            v,
            l,
        }),
        Err(e) => match explain(&l, e) {
            Ok(errors) => render(KpiBody {
                page,
                query: String::new(),
                v: View {
                    notes: errors,
                    ..View::default()
                },
                l,
            }),
            Err(r) => *r,
        },
    }
}

/// GET /ui/kpi/{page}/export?format=csv|xlsx&table=N: one of the page's tables as a file.
pub async fn export_table(
    State(s): State<AppState>,
    u: UiUser,
    Path(name): Path<String>,
    AppQuery(q): AppQuery<ExportParams>,
) -> Response {
    let Some(page) = page_of(&name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let csv = match q.format.as_deref() {
        Some("csv") | None => true,
        Some("xlsx") => false,
        Some(_) => return ApiError::field("format", "must be csv or xlsx").into_response(),
    };
    let index = match q.table.as_deref().map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return ApiError::field("table", "must be a table number").into_response(),
    };
    let l = u.layout("kpi");
    let v = match view(&s, &u, &l, page, &q.kpi).await {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let Some(t) = v.tables.into_iter().nth(index) else {
        return ApiError::field("table", "this page has no such table").into_response();
    };
    let table = Table {
        name: t.title.clone(),
        headers: t.headers,
        rows: t
            .rows
            .into_iter()
            .map(|r| r.into_iter().map(|c| c.raw).collect())
            .collect(),
    };
    download(&table, csv, &format!("quanzi-{page}-{index}"))
}

/// `table` as a CSV or XLSX attachment named `file` (without extension).
pub(super) fn download(table: &Table, csv: bool, file: &str) -> Response {
    let (bytes, mime, ext) = if csv {
        (export::to_csv(table), "text/csv; charset=utf-8", "csv")
    } else {
        match export::to_xlsx(table) {
            Ok(b) => (
                b,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
            Err(e) => return server_error(e),
        }
    };
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The export's own parameters beside the report's.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ExportParams {
    /// csv (default) or xlsx.
    format: Option<String>,
    /// Which of the page's tables (0-based, default 0).
    table: Option<String>,
    #[serde(flatten)]
    kpi: KpiParams,
}

async fn view(
    s: &AppState,
    u: &UiUser,
    l: &Layout,
    page: &str,
    q: &KpiParams,
) -> Result<View, ApiError> {
    let t = u.tenant();
    let p = q.resolve(s, t).await?;
    let a = &s.analytics;
    let db = &s.db;
    Ok(match page {
        "groups" => groups_view(l, &kpi::groups(a, db, t, &p).await?),
        "retention" => retention_view(l, &kpi::retention(a, db, t, &p, q.monthly()?).await?),
        "funnel" => funnel_view(l, &kpi::funnel(a, db, t, &p).await?),
        "products" => products_view(l, &kpi::products(a, db, t, &p, q.limit()?).await?),
        _ => {
            let (o, v) = kpi::overview_and_visits(a, db, t, &p).await?;
            overview_view(l, &o, &v)
        }
    })
}

fn card_value(key: &str, v: f64) -> String {
    match key {
        "gmv_fen" | "average_order_fen" => yuan(v),
        "stickiness" | "active_rate" | "conversion_rate" | "repurchase_rate" => pct(v),
        _ => num(v),
    }
}

fn line(name: &str, data: &serde_json::Value) -> serde_json::Value {
    json!({"name": name, "type": "line", "smooth": true, "showSymbol": false, "data": data})
}

fn overview_view(l: &Layout, o: &kpi::Overview, visits: &kpi::VisitsReport) -> View {
    let cards = o
        .cards
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
            }
        })
        .collect();
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

fn groups_view(l: &Layout, r: &kpi::GroupsReport) -> View {
    let headers = [
        "kpi.c.group",
        "kpi.c.members",
        "kpi.c.active",
        "kpi.card.active_rate",
        "kpi.card.dau",
        "kpi.c.messages",
        "kpi.card.gmv_fen",
        "kpi.card.orders",
        "kpi.card.buyers",
        "kpi.card.repurchase_rate",
        "kpi.card.lurkers",
        "kpi.c.status",
        "kpi.c.last_message",
    ]
    .iter()
    .map(|k| l.t(k).to_string())
    .collect();
    let rows = r
        .groups
        .iter()
        .map(|g| {
            vec![
                link_cell(g.name.clone(), format!("/ui/groups/{}", g.group_id)),
                int_cell(i64::from(g.members)),
                int_cell(i64::from(g.active_members)),
                pct_cell(g.active_rate),
                num_cell(g.avg_dau),
                int_cell(g.messages as i64),
                money_cell(g.gmv_fen),
                int_cell(i64::from(g.orders)),
                int_cell(i64::from(g.buyers)),
                pct_cell(g.repurchase_rate),
                int_cell(i64::from(g.lurkers)),
                if g.dead {
                    badge_cell(l.t("kpi.dead"), "badge red")
                } else if g.members > 0 && f64::from(g.lurkers) > 0.8 * f64::from(g.members) {
                    badge_cell(l.t("kpi.lurking"), "badge warn")
                } else {
                    badge_cell(l.t("kpi.alive"), "badge ok")
                },
                text_cell(g.last_message.clone().unwrap_or_default()),
            ]
        })
        .collect();
    let dead = r.groups.iter().filter(|g| g.dead).count();
    View {
        cards: vec![
            CardView {
                label: l.t("kpi.c.groups").into(),
                value: num(r.groups.len() as f64),
                change: String::new(),
                trend: "flat",
            },
            CardView {
                label: l.t("kpi.card.dead_groups").into(),
                value: num(dead as f64),
                change: String::new(),
                trend: "flat",
            },
        ],
        tables: vec![TableView {
            title: l.t("kpi.tab.groups").into(),
            headers,
            rows,
        }],
        notes: vec![format!(
            "{} {} · {} {}",
            l.t("kpi.note.dead"),
            r.dead_days,
            l.t("kpi.note.lurker"),
            r.lurker_days
        )],
        ..View::default()
    }
}

fn retention_view(l: &Layout, r: &kpi::RetentionReport) -> View {
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
            data.push(json!([x, y, (rate * 1000.0).round() / 10.0]));
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
            row.extend((0..n).map(|i| {
                c.rates
                    .get(i)
                    .map_or_else(|| text_cell(""), |v| pct_cell(*v))
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
        notes: vec![l.t("kpi.note.retention").to_string()],
        ..View::default()
    }
}

fn funnel_view(l: &Layout, r: &kpi::FunnelReport) -> View {
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

fn products_view(l: &Layout, r: &kpi::ProductsReport) -> View {
    let cards = r
        .concentration
        .iter()
        .map(|c| CardView {
            label: l
                .t("kpi.top_share")
                .replace("{p}", &format!("{}", (c.fraction * 100.0).round()))
                .replace("{n}", &c.products.to_string()),
            value: pct(c.share),
            change: String::new(),
            trend: "flat",
        })
        .chain([CardView {
            label: l.t("kpi.c.products").into(),
            value: num(r.products as f64),
            change: String::new(),
            trend: "flat",
        }])
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
                "kpi.c.class",
            ]
            .iter()
            .map(|k| l.t(k).to_string())
            .collect(),
            rows,
        }],
        notes: vec![
            l.t("kpi.note.products").to_string(),
            format!("{}: {}", l.t("kpi.class.high"), l.t("kpi.hint.high")),
            format!("{}: {}", l.t("kpi.class.low"), l.t("kpi.hint.low")),
        ],
    }
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
