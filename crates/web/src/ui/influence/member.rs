//! The influence section of a member's page: scores, badges and explanations in the UI
//! language, and a force-layout graph of the member's neighbourhood.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use quanzi_core::influence::{self, MemberInfluence, Neighbourhood};
use quanzi_domain::{MemberId, RunId};
use serde_json::json;

use super::{explain, fill, finished_text, graph_nodes, parse_id};
use crate::AppState;
use crate::ui::{Layout, UiUser, render, server_error};

/// The member's figures as shown.
struct ScoresView {
    rank: String,
    level: i64,
    groups: i64,
    k_shell: i64,
    inner: bool,
    betweenness: String,
    maven: String,
    salesman: String,
    badges: Vec<(String, String)>,
    whys: Vec<(String, String)>,
    computed: String,
}

#[derive(Template)]
#[template(path = "influence_member_partial.html")]
struct Section {
    l: Layout,
    s: Option<ScoresView>,
    chart: String,
}

/// GET /ui/members/{id}/influence: the section (htmx partial); 404 for another tenant's
/// member.
pub async fn section(State(s): State<AppState>, u: UiUser, Path(raw): Path<String>) -> Response {
    let t = u.tenant();
    let Some(id) = parse_id(&raw) else {
        return missing();
    };
    // Scores are only found for the tenant's members; without them, ask whether it is one.
    let scores = match influence::member(&s.db, t, MemberId(id)).await {
        Ok(m) => m,
        Err(e) => return server_error(e),
    };
    let l = u.layout("members");
    let Some(m) = scores else {
        match quanzi_core::read::member::get(&s.db, t, MemberId(id)).await {
            Ok(Some(_)) => {}
            Ok(None) => return missing(),
            Err(e) => return server_error(e),
        }
        return render(Section {
            l,
            s: None,
            chart: String::new(),
        });
    };
    let (n, computed) = match influence::get(&s.db, t, RunId(m.run_id)).await {
        Ok(run) => (graph_nodes(&run), finished_text(&l, &run)),
        Err(_) => (0, String::new()),
    };
    let chart = match influence::neighbourhood(&s.db, t, MemberId(id)).await {
        Ok(nb) if nb.nodes.len() > 1 => graph_chart(&nb, n),
        Ok(_) | Err(quanzi_core::CoreError::NotFound(_)) => String::new(),
        Err(e) => return server_error(e),
    };
    render(Section {
        s: Some(scores_view(&l, &m, n, computed)),
        chart,
        l,
    })
}

fn missing() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

fn scores_view(l: &Layout, m: &MemberInfluence, n: u64, computed: String) -> ScoresView {
    let rank = if m.influence_rank > 0 {
        fill(
            l.t("inf.m.rank_of"),
            &[("rank", m.influence_rank.to_string()), ("n", n.to_string())],
        )
    } else {
        "—".to_string()
    };
    ScoresView {
        rank,
        level: m.engagement_level,
        groups: m.connector_groups,
        k_shell: m.k_shell,
        inner: m.inner_core,
        betweenness: format!("{:.2}%", 100.0 * m.betweenness),
        maven: fill(
            l.t("inf.m.maven_v"),
            &[
                ("responded", m.messages_responded.to_string()),
                ("messages", m.messages.to_string()),
                ("responses", m.responses.to_string()),
            ],
        ),
        salesman: fill(l.t("inf.m.salesman_v"), &explain::brought(m)),
        badges: explain::badges(l.lang, &m.roles),
        whys: influence::ROLES
            .iter()
            .map(|(_, r, _)| {
                (
                    l.t(&format!("inf.role.{r}")).to_string(),
                    explain::why(l.lang, r, m, n),
                )
            })
            .collect(),
        computed,
    }
}

/// An ECharts force graph of the neighbourhood: node size by influence, the member in the
/// middle highlighted, edge width by weight; a click on a node opens that member.
fn graph_chart(nb: &Neighbourhood, n: u64) -> String {
    let max_inf = nb
        .nodes
        .iter()
        .map(|x| x.influence)
        .fold(f64::MIN_POSITIVE, f64::max);
    let max_w = nb
        .edges
        .iter()
        .map(|e| e.weight)
        .fold(f64::MIN_POSITIVE, f64::max);
    let scale = if n > 0 { n as f64 } else { 1.0 };
    let nodes: Vec<_> = nb
        .nodes
        .iter()
        .map(|x| {
            let centre = x.member_id == nb.member_id;
            json!({
                "name": x.name,
                "value": (x.influence * scale * 10.0).round() / 10.0,
                "symbolSize": 10.0 + 26.0 * (x.influence / max_inf).sqrt(),
                "itemStyle": {"color": if centre { "#ef6c00" } else { "#0f9d58" },
                    "borderColor": if centre { "#7a3400" } else { "#fff" }, "borderWidth": if centre { 3 } else { 1 }},
                "label": {"fontWeight": if centre { "bold" } else { "normal" }},
                "url": format!("/ui/members/{}", x.member_id),
            })
        })
        .collect();
    let index = |id: i64| nb.nodes.iter().position(|x| x.member_id == id);
    let links: Vec<_> = nb
        .edges
        .iter()
        .filter_map(|e| {
            let (from, to) = (index(e.from)?, index(e.to)?);
            let touches = e.from == nb.member_id || e.to == nb.member_id;
            Some(json!({
                "source": from,
                "target": to,
                "value": e.weight,
                "lineStyle": {"width": 0.6 + 5.0 * e.weight / max_w,
                    "color": if touches { "#ef6c00" } else { "#94a3b8" },
                    "opacity": if touches { 0.7 } else { 0.35 }},
            }))
        })
        .collect();
    json!({
        "tooltip": {},
        "series": [{
            "type": "graph", "layout": "force", "roam": true, "draggable": true,
            "force": {"repulsion": 700, "edgeLength": [90, 220], "gravity": 0.06},
            "label": {"show": true, "position": "right", "fontSize": 12},
            "edgeSymbol": ["none", "arrow"], "edgeSymbolSize": 7,
            "lineStyle": {"color": "#94a3b8", "opacity": 0.55, "curveness": 0.15},
            "emphasis": {"focus": "adjacency", "lineStyle": {"opacity": 0.9}},
            "data": nodes,
            "links": links,
        }],
    })
    .to_string()
}
