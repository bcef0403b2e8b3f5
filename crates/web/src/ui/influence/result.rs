//! What a finished run shows: the seeds and how IMM compares with top degree, PageRank and
//! degree discount (cards, tables and ECharts options), a simulation's spread, a scores run's
//! summary.

use quanzi_core::influence::Run;
use serde::Deserialize;
use serde_json::json;

use super::scores_summary;
use crate::AppState;
use crate::ui::format::thousands;
use crate::ui::{Layout, UiUser};

/// The comparison's methods, in the order the charts show them.
const METHODS: [&str; 4] = ["imm", "degree", "pagerank", "degree_discount"];

/// A Monte Carlo spread estimate, as the core stores it.
#[derive(Debug, Default, Deserialize)]
struct Spread {
    mean_reach: f64,
    ci95: [f64; 2],
    mean_members: f64,
    mean_outside: f64,
    #[serde(default)]
    per_generation: Vec<f64>,
    runs: u64,
    std_dev: f64,
}

#[derive(Debug, Deserialize)]
struct Pick {
    member_id: i64,
    name: String,
    marginal_gain: f64,
}

#[derive(Debug, Deserialize)]
struct Imm {
    estimated_spread: f64,
    rr_sets: u64,
    lower_bound: f64,
}

#[derive(Debug, Deserialize)]
struct Method {
    method: String,
    spread: Spread,
}

#[derive(Debug, Deserialize)]
struct SeedsResult {
    candidates: u64,
    seeds: Vec<Pick>,
    imm: Imm,
    comparison: Vec<Method>,
}

#[derive(Debug, Deserialize)]
struct SimulateResult {
    member_ids: Vec<i64>,
    spread: Spread,
}

/// A chart: title, ECharts option (JSON) and height in pixels.
pub(super) struct ChartView {
    pub(super) title: String,
    pub(super) option: String,
    pub(super) height: u32,
}

/// One row of the comparison table.
pub(super) struct MethodView {
    pub(super) name: String,
    pub(super) imm: bool,
    pub(super) reach: String,
    pub(super) ci: String,
    pub(super) members: String,
    pub(super) outside: String,
    pub(super) std_dev: String,
    pub(super) runs: u64,
}

/// What a finished run shows.
#[derive(Default)]
pub(super) struct ResultView {
    pub(super) cards: Vec<(String, String)>,
    pub(super) seeds: Vec<(usize, i64, String, String, String)>,
    pub(super) methods: Vec<MethodView>,
    pub(super) charts: Vec<ChartView>,
    pub(super) seeded: Vec<(i64, String)>,
    pub(super) simulate: bool,
    pub(super) notes: Vec<String>,
}

fn card(l: &Layout, key: &str, value: String) -> (String, String) {
    (l.t(key).to_string(), value)
}

fn spread_cards(l: &Layout, s: &Spread) -> Vec<(String, String)> {
    vec![
        card(l, "inf.c.mean_reach", format!("{:.1}", s.mean_reach)),
        card(
            l,
            "inf.c.ci95",
            format!("{:.1}–{:.1}", s.ci95[0], s.ci95[1]),
        ),
        card(l, "inf.c.members", format!("{:.1}", s.mean_members)),
        card(l, "inf.c.outside", format!("{:.1}", s.mean_outside)),
    ]
}

/// A count with a comma every three digits.
fn method_name(l: &Layout, m: &str) -> String {
    l.t(&format!("inf.method.{m}")).to_string()
}

/// A seeds run's cards, seed table, comparison table and charts.
pub(super) fn seeds_view(l: &Layout, run: &Run) -> ResultView {
    let Some(res) = run
        .result
        .clone()
        .and_then(|r| serde_json::from_value::<SeedsResult>(r).ok())
    else {
        return unreadable(l);
    };
    let mut methods: Vec<&Method> = res.comparison.iter().collect();
    methods.sort_by_key(|m| METHODS.iter().position(|x| *x == m.method).unwrap_or(9));
    let imm_reach = methods
        .iter()
        .find(|m| m.method == "imm")
        .map_or(0.0, |m| m.spread.mean_reach);
    let best_other = methods
        .iter()
        .filter(|m| m.method != "imm")
        .map(|m| m.spread.mean_reach)
        .fold(0.0, f64::max);
    let mut cards = vec![
        card(l, "inf.run.candidates", thousands(res.candidates as i64)),
        card(
            l,
            "inf.run.imm_spread",
            format!("{:.1}", res.imm.estimated_spread),
        ),
        card(
            l,
            "inf.run.lower_bound",
            format!("{:.1}", res.imm.lower_bound),
        ),
        card(l, "inf.run.rr_sets", thousands(res.imm.rr_sets as i64)),
    ];
    if best_other > 0.0 {
        let lift = 100.0 * (imm_reach - best_other) / best_other;
        cards.push(card(l, "inf.run.lift", format!("{lift:+.0}%")));
    }
    let mut total = 0.0;
    let seeds = res
        .seeds
        .iter()
        .enumerate()
        .map(|(i, p)| {
            total += p.marginal_gain;
            (
                i + 1,
                p.member_id,
                p.name.clone(),
                format!("{:.2}", p.marginal_gain),
                format!("{total:.1}"),
            )
        })
        .collect();
    ResultView {
        cards,
        seeds,
        methods: methods.iter().map(|m| method_view(l, m)).collect(),
        charts: vec![
            ChartView {
                title: l.t("inf.run.compare").into(),
                option: comparison_chart(l, &methods),
                height: 340,
            },
            ChartView {
                title: l.t("inf.run.generations").into(),
                option: generations_chart(
                    l,
                    &methods
                        .iter()
                        .map(|m| (method_name(l, &m.method), &m.spread, m.method == "imm"))
                        .collect::<Vec<_>>(),
                ),
                height: 300,
            },
        ],
        simulate: !res.seeds.is_empty(),
        notes: vec![l.t("inf.run.outside_note").to_string()],
        ..ResultView::default()
    }
}

fn method_view(l: &Layout, m: &Method) -> MethodView {
    let s = &m.spread;
    MethodView {
        name: method_name(l, &m.method),
        imm: m.method == "imm",
        reach: format!("{:.1}", s.mean_reach),
        ci: format!("{:.1} – {:.1}", s.ci95[0], s.ci95[1]),
        members: format!("{:.1}", s.mean_members),
        outside: format!("{:.1}", s.mean_outside),
        std_dev: format!("{:.1}", s.std_dev),
        runs: s.runs,
    }
}

/// Stacked bars (members + outside = mean reach) with the 95% interval as error bars; the
/// error bars are a custom series that `app.js` draws (`renderItem: "errorbar"`).
fn comparison_chart(l: &Layout, methods: &[&Method]) -> String {
    let names: Vec<String> = methods.iter().map(|m| method_name(l, &m.method)).collect();
    let (inside, outside) = (l.t("inf.c.members"), l.t("inf.c.outside"));
    let bars =
        |f: fn(&Spread) -> f64| -> Vec<f64> { methods.iter().map(|m| f(&m.spread)).collect() };
    let errors: Vec<_> = methods
        .iter()
        .enumerate()
        .map(|(i, m)| json!([i, m.spread.ci95[0], m.spread.ci95[1], m.spread.mean_reach]))
        .collect();
    json!({
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"data": [inside, outside, l.t("inf.c.ci95")]},
        "grid": {"left": 56, "right": 30, "top": 40, "bottom": 44},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0, "width": 96, "overflow": "break"}},
        "yAxis": {"type": "value", "name": l.t("inf.c.reach")},
        "series": [
            {"name": inside, "type": "bar", "stack": "reach", "barMaxWidth": 70, "data": bars(|s| s.mean_members), "itemStyle": {"color": "#0f9d58"}},
            {"name": outside, "type": "bar", "stack": "reach", "barMaxWidth": 70, "data": bars(|s| s.mean_outside), "itemStyle": {"color": "#f4a300"}},
            {"name": l.t("inf.c.ci95"), "type": "custom", "renderItem": "errorbar", "data": errors,
             "itemStyle": {"color": "#1f2937"}, "encode": {"x": 0, "y": [1, 2]}, "z": 10,
             "tooltip": {"show": false}},
        ],
    })
    .to_string()
}

/// Newly reached people per generation: one line per (name, spread, drawn bold).
fn generations_chart(l: &Layout, lines: &[(String, &Spread, bool)]) -> String {
    let depth = lines
        .iter()
        .map(|(_, s, _)| s.per_generation.len())
        .max()
        .unwrap_or(0);
    let series: Vec<_> = lines
        .iter()
        .map(|(name, s, bold)| {
            json!({"name": name, "type": "line", "smooth": true,
                "data": s.per_generation, "lineStyle": {"width": if *bold { 3.0 } else { 1.5 }}})
        })
        .collect();
    json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"data": lines.iter().map(|(name, _, _)| name).collect::<Vec<_>>()},
        "grid": {"left": 56, "right": 30, "top": 40, "bottom": 40},
        "xAxis": {"type": "category", "name": l.t("inf.c.generation"), "nameLocation": "middle", "nameGap": 26,
            "data": (0..depth).collect::<Vec<_>>()},
        "yAxis": {"type": "value"},
        "series": series,
    })
    .to_string()
}

/// A simulation's spread, its seeded members by name and its generations.
pub(super) async fn simulate_view(
    s: &AppState,
    u: &UiUser,
    l: &Layout,
    run: &Run,
) -> Result<ResultView, quanzi_core::read::StoreError> {
    let Some(res) = run
        .result
        .clone()
        .and_then(|r| serde_json::from_value::<SimulateResult>(r).ok())
    else {
        return Ok(unreadable(l));
    };
    let mut names = quanzi_core::read::member::names(&s.db, u.tenant(), &res.member_ids).await?;
    let seeded: Vec<(i64, String)> = res
        .member_ids
        .iter()
        .map(|id| (*id, names.remove(id).unwrap_or_else(|| format!("#{id}"))))
        .collect();
    let line = generations_chart(
        l,
        &[(l.t("inf.kind.simulate").to_string(), &res.spread, true)],
    );
    Ok(ResultView {
        cards: spread_cards(l, &res.spread),
        charts: vec![ChartView {
            title: l.t("inf.run.generations").into(),
            option: line,
            height: 300,
        }],
        seeded,
        notes: vec![l.t("inf.run.outside_note").to_string()],
        ..ResultView::default()
    })
}

/// A scores run's summary (the KOL list is the real view).
pub(super) fn scores_view(l: &Layout, run: &Run) -> ResultView {
    let (graph, scored) = scores_summary(l, run);
    ResultView {
        notes: vec![scored, graph],
        ..ResultView::default()
    }
}

fn unreadable(l: &Layout) -> ResultView {
    ResultView {
        notes: vec![l.t("inf.run.unreadable").to_string()],
        ..ResultView::default()
    }
}

/// The IMM seeds of a finished seeds run.
pub(super) fn imm_seeds(run: &Run) -> Option<Vec<i64>> {
    let res: SeedsResult = serde_json::from_value(run.result.clone()?).ok()?;
    Some(res.seeds.iter().map(|s| s.member_id).collect())
}
