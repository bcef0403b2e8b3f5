//! One run's page: its progress while the worker computes it, then its result — the chosen
//! seeds and how IMM compares with the simpler methods, a simulation's spread, or a scores
//! run's summary — and "simulate these seeds".

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use quanzi_core::CoreError;
use quanzi_core::influence::{self, ModelName, Probability, Run, RunParams, RunRequest};
use quanzi_domain::RunId;
use serde_json::json;

use super::result::{self, ResultView};
use super::seeds::{Names, params_text};
use super::{
    CsrfForm, ProgressView, can_write, fill, guard, kind_label, not_found, notice_text, parse_id,
    stage_label, state_label,
};
use crate::AppState;
use crate::error::AppQuery;
use crate::ui::pages::{Outcome, SelectionBar};
use crate::ui::{Layout, UiUser, render, server_error};

/// The page of run `id`.
pub fn href(id: i64) -> String {
    format!("/ui/influence/runs/{id}")
}

#[derive(Template)]
#[template(path = "influence_run.html")]
struct RunPage {
    l: Layout,
    run_id: i64,
    title: String,
    kind_name: String,
    kind: String,
    state: String,
    state_label: String,
    asked: String,
    finished: String,
    params: String,
    progress: Option<ProgressView>,
    error: Option<String>,
    r: ResultView,
    write: bool,
    /// The selection bar over the chosen seeds.
    sel: Option<SelectionBar>,
    /// What the last action on a selection of the seeds did.
    notice: Option<(String, bool)>,
}

/// GET /ui/influence/runs/{id}: the run's progress or result; 404 for another tenant's run.
pub async fn page(
    State(s): State<AppState>,
    u: UiUser,
    Path(raw): Path<String>,
    AppQuery(outcome): AppQuery<Outcome>,
) -> Response {
    let run = match load(&s, &u, &raw).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let params = serde_json::from_value::<RunParams>(run.params.clone()).ok();
    let names = match params.as_ref().filter(|p| Names::needed(p)) {
        Some(_) => match Names::load(&s, &u).await {
            Ok(n) => n,
            Err(e) => return server_error(e),
        },
        None => Names::default(),
    };
    let l = u.layout("influence");
    let r = match (run.state.as_str(), run.kind.as_str()) {
        ("done", "seeds") => result::seeds_view(&l, &run),
        ("done", "simulate") => match result::simulate_view(&s, &u, &l, &run).await {
            Ok(v) => v,
            Err(e) => return server_error(e),
        },
        ("done", _) => result::scores_view(&l, &run),
        _ => ResultView::default(),
    };
    let sel = if r.seeds.is_empty() {
        None
    } else {
        match SelectionBar::load(&s, &u, &href(run.run_id.0)).await {
            Ok(b) => Some(b),
            Err(e) => return server_error(e),
        }
    };
    let notice = sel.as_ref().and_then(|b| outcome.notice(&l, &b.groups));
    render(RunPage {
        sel,
        notice,
        run_id: run.run_id.0,
        title: fill(l.t("inf.run.title"), &[("id", run.run_id.to_string())]),
        kind_name: run.kind.clone(),
        kind: kind_label(l.lang, &run),
        state: run.state.clone(),
        state_label: state_label(l.lang, &run),
        asked: u.fmt_ms(run.created_at_ms),
        finished: run
            .finished_at_ms
            .map(|ms| u.fmt_ms(ms))
            .unwrap_or_default(),
        params: params
            .map(|p| params_text(&l, &p, &names))
            .unwrap_or_default(),
        progress: ProgressView::of(&l, &run),
        error: (run.state == "failed").then(|| failure(&l, run.error.as_deref().unwrap_or(""))),
        write: can_write(&u),
        r,
        l,
    })
}

/// The tenant's run named by a path segment, or the page to answer instead (404 for
/// another tenant's run or a segment that is not an id).
async fn load(s: &AppState, u: &UiUser, raw: &str) -> Result<Run, Response> {
    let Some(id) = parse_id(raw) else {
        return Err(not_found(u));
    };
    influence::get(&s.db, u.tenant(), RunId(id))
        .await
        .map_err(|e| match e {
            CoreError::NotFound(_) => not_found(u),
            e => server_error(e),
        })
}

/// The worker's failure in the UI language where it is one the operator can act on.
fn failure(l: &Layout, error: &str) -> String {
    let words: Vec<&str> = error.split_whitespace().collect();
    match words.as_slice() {
        [
            k,
            "seeds",
            "asked",
            "for,",
            "but",
            "only",
            count,
            _,
            "may",
            "be",
            "seeds",
        ]
        | ["only", count, "candidates", "for", k, "seeds"] => fill(
            l.t("inf.err.candidates"),
            &[("count", count.to_string()), ("k", k.to_string())],
        ),
        _ if error.contains("none of the members is in the graph") => {
            l.t("inf.err.not_in_graph").to_string()
        }
        _ => error.to_string(),
    }
}

/// GET /ui/influence/runs/{id}/progress: `{state, progress, label}` for the progress bar.
pub async fn progress(State(s): State<AppState>, u: UiUser, Path(raw): Path<String>) -> Response {
    match load(&s, &u, &raw).await {
        Ok(run) => Json(json!({
            "state": run.state,
            "progress": run.progress,
            "label": stage_label(u.lang, &run),
        }))
        .into_response(),
        Err(r) => r,
    }
}

/// The simulate run that replays a finished seeds run's IMM seeds with its model.
fn replay(run: &Run) -> Option<RunRequest> {
    let RunParams::Seeds {
        model,
        probability,
        runs,
        seed,
        ..
    } = serde_json::from_value(run.params.clone()).ok()?
    else {
        return None;
    };
    let member_ids = result::imm_seeds(run)?;
    let (probability, p) = match probability {
        Probability::Learned => ("learned", None),
        Probability::WeightedCascade => ("weighted_cascade", None),
        Probability::Constant(p) => ("constant", Some(p)),
    };
    Some(RunRequest {
        kind: "simulate".into(),
        model: Some(match model {
            ModelName::Ic => "ic".into(),
            ModelName::Lt => "lt".into(),
        }),
        probability: Some(probability.into()),
        p,
        member_ids: Some(member_ids),
        runs: Some(i64::from(runs)),
        seed: i64::try_from(seed).ok(),
        ..RunRequest::default()
    })
}

/// POST /ui/influence/runs/{id}/simulate: simulates a seeds run's IMM seeds and opens the
/// new run.
pub async fn simulate(
    State(s): State<AppState>,
    u: UiUser,
    Path(raw): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = guard(&u, &f.csrf) {
        return r;
    }
    let run = match load(&s, &u, &raw).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(req) = replay(&run).filter(|_| run.state == "done") else {
        return not_found(&u);
    };
    match influence::request(&s.db, u.tenant(), &req).await {
        Ok(new) => Redirect::to(&href(new.run_id.0)).into_response(),
        // E.g. a seed merged away since: say so rather than fail.
        Err(CoreError::Invalid(inv)) => notice_text(
            &u,
            StatusCode::UNPROCESSABLE_ENTITY,
            "inf.run.simulate",
            inv.0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.reason))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Err(e) => server_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::Lang;

    fn layout(lang: Lang) -> Layout {
        Layout {
            lang,
            user: String::new(),
            tenant: String::new(),
            csrf: String::new(),
            nav: "influence",
            path: String::new(),
            zone_offset_secs: 8 * 3600,
        }
    }

    #[test]
    fn too_few_candidates_is_said_in_the_ui_language_and_other_failures_as_they_are() {
        let zh = failure(
            &layout(Lang::Zh),
            "200 seeds asked for, but only 146 members may be seeds",
        );
        assert_eq!(
            zh,
            "候选人只有 146 位，少于种子数 200：请放宽候选条件或减少种子数。"
        );
        let en = failure(&layout(Lang::En), "only 3 candidates for 5 seeds");
        assert!(en.starts_with("Only 3 candidates for 5 seeds"), "{en}");
        assert_eq!(failure(&layout(Lang::Zh), "disk full"), "disk full");
    }
}
