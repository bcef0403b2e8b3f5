//! The analytics pages under `/ui/kpi`: overview, groups, retention, funnel and products, each
//! with a date range, a group and segment filter, charts, and CSV/XLSX exports of its tables.
//!
//! A page is a shell (filters and tabs) whose body is fetched by htmx with a progress
//! indicator, since the first question of a large tenant builds its index. Every report is
//! turned into one [`View`] — cards, charts, tables — which the body template draws and the
//! export writes out, so what is exported is exactly what is shown.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use quanzi_channels::export::Cell;
use quanzi_core::kpi;
use quanzi_core::read::tag;
use quanzi_domain::member::{LifecycleStage, SpendingTier};

use super::{Layout, UiUser, render, server_error};
use crate::AppState;
use crate::api::kpi::KpiParams;
use crate::error::{ApiError, AppQuery};

mod export;
mod format;
mod funnel;
mod groups;
mod overview;
mod products;
mod retention;

// Re-exported so the other UI pages keep their `super::kpi::…` paths.
pub(super) use export::download;
pub use export::export_table;
pub(in crate::ui) use format::mark_today;
use funnel::funnel_view;
use groups::groups_view;
pub(in crate::ui) use overview::card_views;
use overview::overview_view;
use products::products_view;
use retention::retention_view;

/// The report pages, in tab order.
const PAGES: [&str; 5] = ["overview", "groups", "retention", "funnel", "products"];

/// A KPI card as shown.
pub struct CardView {
    pub(crate) label: String,
    pub(crate) value: String,
    pub(crate) change: String,
    pub(crate) trend: &'static str,
    /// How the figure is computed (`kpi.def.<key>`), shown on hover.
    pub(crate) definition: String,
}

impl CardView {
    /// A card with no comparison to the period before.
    pub fn plain(label: String, value: String, definition: String) -> CardView {
        CardView {
            label,
            value,
            change: String::new(),
            trend: "flat",
            definition,
        }
    }
}

/// One table cell: what is shown, what it sorts by, what is exported.
pub struct CellView {
    text: String,
    sort: String,
    href: String,
    class: &'static str,
    raw: Cell,
}

impl CellView {
    /// Marks the figure as covering an unfinished period: starred, and greyed.
    pub fn mark_partial(&mut self) {
        self.text.push('*');
        self.class = "num partial";
    }
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
    /// The groups chosen, comma-separated (the `groups` field the checkboxes fill).
    groups_csv: String,
    /// `(label, query)` of the range presets: the last 7 and 30 days, this month, last month,
    /// the last 90 days, each with the other filters kept.
    presets: Vec<(String, String)>,
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

/// Turns a report error into the page's error list (a bad filter) or a server error.
fn explain(l: &Layout, e: ApiError) -> Result<Vec<String>, Box<Response>> {
    match e.fields.is_empty() {
        false => Ok(e
            .fields
            .iter()
            .map(|f| {
                let key = format!("kpi.f.{}", f.field);
                let label = match l.t(&key) {
                    t if t == key => f.field.as_str(),
                    t => t,
                };
                l.lang.labelled(label, &l.lang.reason(&f.reason))
            })
            .collect()),
        true => Err(Box::new(e.into_response())),
    }
}

/// The range presets as of `today` (days since 1970): `(label key, first day, last day)`.
fn presets(today: i64) -> [(&'static str, i64, i64); 5] {
    use quanzi_domain::date::{civil_from_days, days_from_civil};
    let (y, m, _) = civil_from_days(today);
    let month_start = days_from_civil(y, m, 1);
    let (py, pm) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    [
        ("kpi.preset.7", today - 6, today),
        ("kpi.preset.30", today - 29, today),
        ("kpi.preset.month", month_start, today),
        (
            "kpi.preset.last_month",
            days_from_civil(py, pm, 1),
            month_start - 1,
        ),
        ("kpi.preset.90", today - 89, today),
    ]
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
    let today = match quanzi_core::zone::today(&s.db, t).await {
        Ok(d) => d,
        Err(e) => return server_error(e),
    };
    let presets = presets(today)
        .into_iter()
        .map(|(key, from, to)| {
            let mut p = q.clone();
            p.from = Some(kpi::format_date(from));
            p.to = Some(kpi::format_date(to));
            (
                l.t(key).to_string(),
                serde_urlencoded::to_string(&p).unwrap_or_default(),
            )
        })
        .collect();
    let groups_csv = chosen
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let tabs = PAGES
        .iter()
        .map(|p| (*p, l.t(&format!("kpi.tab.{p}")).to_string()))
        .collect();
    render(KpiPage {
        page,
        groups_csv,
        presets,
        tabs,
        query,
        from,
        to,
        groups: groups
            .into_iter()
            .map(|g| (g.group_id.0, g.name, chosen.contains(&g.group_id.0)))
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
                (x.tag_id.0, format!("{} · {}", x.group_name, x.name), on)
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
