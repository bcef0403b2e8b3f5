//! The "choose seeds" form: k, model, probabilities and candidates; a valid form starts a
//! seeds run and opens its page, an invalid one comes back with each field's error in the UI
//! language. Below it, the recent seed choices and simulations.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use quanzi_core::CoreError;
use quanzi_core::influence::{self, Run, RunParams, RunRequest};
use quanzi_domain::FieldError;
use quanzi_domain::member::LifecycleStage;
use serde::Deserialize;

use super::{can_write, fill, guard, kind_label, runs, state_label};
use crate::AppState;
use crate::ui::form::FormErrors;
use crate::ui::{Layout, UiUser, render, server_error};

/// The fields the form shows; errors on others are listed above it.
const FIELDS: [&str; 11] = [
    "k",
    "model",
    "probability",
    "p",
    "group_id",
    "tag_id",
    "lifecycle_stage",
    "exclude_tag_id",
    "runs",
    "seed",
    "epsilon",
];

/// Seed choices and simulations listed below the form.
const RECENT: usize = 15;

/// The form as sent (and as shown again): every value a string.
#[derive(Debug, Clone, Deserialize)]
pub struct SeedsForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    k: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    probability: String,
    #[serde(default)]
    p: String,
    #[serde(default)]
    group_id: String,
    #[serde(default)]
    tag_id: String,
    #[serde(default)]
    lifecycle_stage: String,
    #[serde(default)]
    exclude_tag_id: String,
    #[serde(default)]
    runs: String,
    #[serde(default)]
    seed: String,
    #[serde(default)]
    epsilon: String,
}

impl Default for SeedsForm {
    fn default() -> Self {
        SeedsForm {
            csrf: String::new(),
            k: "10".into(),
            model: "ic".into(),
            probability: "learned".into(),
            p: "0.05".into(),
            group_id: String::new(),
            tag_id: String::new(),
            lifecycle_stage: String::new(),
            exclude_tag_id: String::new(),
            runs: "1000".into(),
            seed: "42".into(),
            epsilon: "0.1".into(),
        }
    }
}

/// Adds each field's first error to `errs`: the sentence the locale files have for the field
/// (`inf.err.<field>`), else the field and the reason as the use-case gave them.
fn extend<'a>(errs: &mut FormErrors, l: &Layout, errors: impl IntoIterator<Item = &'a FieldError>) {
    for e in errors {
        let key = format!("inf.err.{}", e.field);
        let text = match l.t(&key) {
            t if t == key => format!("{}: {}", e.field, e.reason),
            t => t.to_string(),
        };
        errs.push(&e.field, text);
    }
}

fn int(v: &str, field: &str, bad: &mut Vec<FieldError>) -> Option<i64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    v.parse::<i64>()
        .map_err(|_| bad.push(FieldError::new(field, "must be a whole number")))
        .ok()
}

fn float(v: &str, field: &str, bad: &mut Vec<FieldError>) -> Option<f64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    v.parse::<f64>().ok().filter(|x| x.is_finite()).or_else(|| {
        bad.push(FieldError::new(field, "must be a number"));
        None
    })
}

fn text(v: &str) -> Option<String> {
    Some(v.trim().to_string()).filter(|v| !v.is_empty())
}

impl SeedsForm {
    /// The run it asks for, and the values that are not numbers.
    fn request(&self) -> (RunRequest, Vec<FieldError>) {
        let mut bad = Vec::new();
        let p = match self.probability.trim() {
            "constant" => float(&self.p, "p", &mut bad),
            _ => None,
        };
        let epsilon = float(&self.epsilon, "epsilon", &mut bad);
        let req = RunRequest {
            kind: "seeds".into(),
            epsilon,
            k: int(&self.k, "k", &mut bad),
            model: text(&self.model),
            probability: text(&self.probability),
            p,
            group_id: int(&self.group_id, "group_id", &mut bad),
            tag_id: int(&self.tag_id, "tag_id", &mut bad),
            lifecycle_stage: text(&self.lifecycle_stage),
            exclude_tag_id: int(&self.exclude_tag_id, "exclude_tag_id", &mut bad),
            runs: int(&self.runs, "runs", &mut bad),
            seed: int(&self.seed, "seed", &mut bad),
            ..RunRequest::default()
        };
        (req, bad)
    }
}

/// A recent run as its list shows it.
pub struct RecentView {
    run_id: i64,
    kind: String,
    state: String,
    state_label: String,
    created: String,
    params: String,
    reach: String,
}

fn recent_view(l: &Layout, r: &Run, names: &Names) -> RecentView {
    let reach = r
        .result
        .as_ref()
        .and_then(|res| {
            res["comparison"][0]["spread"]["mean_reach"]
                .as_f64()
                .or_else(|| res["spread"]["mean_reach"].as_f64())
        })
        .map(|x| format!("{x:.1}"))
        .unwrap_or_default();
    RecentView {
        run_id: r.run_id.0,
        kind: kind_label(l.lang, r),
        state: r.state.clone(),
        state_label: state_label(l.lang, r),
        created: l.fmt_ms(r.created_at_ms),
        params: serde_json::from_value::<RunParams>(r.params.clone())
            .map(|p| params_text(l, &p, names))
            .unwrap_or_default(),
        reach,
    }
}

/// Group and tag names, for parameter summaries.
#[derive(Default)]
pub struct Names {
    groups: HashMap<i64, String>,
    tags: HashMap<i64, String>,
}

impl Names {
    /// True when `params` name a group or tag, so their summary needs [`Names::load`].
    pub fn needed(params: &RunParams) -> bool {
        matches!(params, RunParams::Seeds { candidates: c, .. }
            if c.group_id.is_some() || c.tag_id.is_some() || c.exclude_tag_id.is_some())
    }

    /// The tenant's group and tag names.
    pub async fn load(s: &AppState, u: &UiUser) -> Result<Names, quanzi_core::read::StoreError> {
        let t = u.tenant();
        let tags = quanzi_core::read::tag::list(&s.db, t).await?;
        Ok(Names {
            groups: quanzi_core::read::group::names(&s.db, t).await?,
            tags: tags
                .into_iter()
                .map(|x| (x.tag_id.0, format!("{} · {}", x.group_name, x.name)))
                .collect(),
        })
    }
}

/// A run's parameters in one line: "k=10 · IC · learned · 1000 runs · seed 42 · group …".
pub fn params_text(l: &Layout, p: &RunParams, names: &Names) -> String {
    let model = |m: &influence::ModelName| match m {
        influence::ModelName::Ic => "IC",
        influence::ModelName::Lt => "LT",
    };
    let prob = |p: &influence::Probability| match p {
        influence::Probability::Learned => l.t("inf.prob.learned").to_string(),
        influence::Probability::WeightedCascade => l.t("inf.prob.weighted_cascade").to_string(),
        influence::Probability::Constant(p) => format!("p={p}"),
    };
    let runs = |n: &u32| fill(l.t("inf.runs_n"), &[("n", n.to_string())]);
    let mut parts = match p {
        RunParams::Scores { seed } => vec![format!("seed {seed}")],
        RunParams::Seeds {
            k,
            model: m,
            probability,
            candidates: c,
            runs: n,
            seed,
            epsilon,
        } => {
            let mut v = vec![
                format!("k={k}"),
                format!("ε={epsilon}"),
                model(m).into(),
                prob(probability),
                runs(n),
                format!("seed {seed}"),
            ];
            let name = |map: &HashMap<i64, String>, id: i64| {
                map.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
            };
            if let Some(g) = c.group_id {
                v.push(format!(
                    "{}: {}",
                    l.t("inf.f.group_id"),
                    name(&names.groups, g)
                ));
            }
            if let Some(x) = c.tag_id {
                v.push(format!("{}: {}", l.t("inf.f.tag_id"), name(&names.tags, x)));
            }
            if let Some(s) = &c.lifecycle_stage {
                v.push(format!(
                    "{}: {}",
                    l.t("inf.f.lifecycle_stage"),
                    l.t(&format!("stage.{s}"))
                ));
            }
            if let Some(x) = c.exclude_tag_id {
                v.push(format!(
                    "{}: {}",
                    l.t("inf.f.exclude_tag_id"),
                    name(&names.tags, x)
                ));
            }
            v
        }
        RunParams::Simulate {
            member_ids,
            model: m,
            probability,
            runs: n,
            seed,
        } => vec![
            format!("{} × {}", l.t("inf.run.seeded"), member_ids.len()),
            model(m).into(),
            prob(probability),
            runs(n),
            format!("seed {seed}"),
        ],
    };
    parts.retain(|p| !p.is_empty());
    parts.join(" · ")
}

#[derive(Template)]
#[template(path = "influence_seeds.html")]
struct SeedsPage {
    l: Layout,
    f: SeedsForm,
    errs: FormErrors,
    /// Errors on fields the form does not show, listed above it.
    others: Vec<String>,
    groups: Vec<(i64, String)>,
    tags: Vec<(i64, String)>,
    stages: Vec<(String, String)>,
    probs: Vec<(&'static str, String)>,
    recent: Vec<RecentView>,
    write: bool,
}

async fn page(s: &AppState, u: &UiUser, f: SeedsForm, errs: FormErrors) -> Response {
    let t = u.tenant();
    let l = u.layout("influence");
    let names = match Names::load(s, u).await {
        Ok(n) => n,
        Err(e) => return server_error(e),
    };
    let mut runs = Vec::with_capacity(2 * RECENT);
    for kind in ["seeds", "simulate"] {
        match influence::list(&s.db, t, Some(kind), RECENT as i64).await {
            Ok(r) => runs.extend(r),
            Err(e) => return server_error(e),
        }
    }
    runs.sort_by_key(|r| std::cmp::Reverse(r.run_id));
    let recent = runs
        .iter()
        .take(RECENT)
        .map(|r| recent_view(&l, r, &names))
        .collect();
    let by_name = |map: &HashMap<i64, String>| {
        let mut v: Vec<(i64, String)> = map.iter().map(|(k, n)| (*k, n.clone())).collect();
        v.sort_by(|a, b| a.1.cmp(&b.1));
        v
    };
    let (groups, tags) = (by_name(&names.groups), by_name(&names.tags));
    render(SeedsPage {
        f,
        others: errs.others(&FIELDS),
        errs,
        groups,
        tags,
        stages: LifecycleStage::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_string(),
                    l.t(&format!("stage.{s}")).to_string(),
                )
            })
            .collect(),
        probs: ["learned", "weighted_cascade", "constant"]
            .into_iter()
            .map(|p| (p, l.t(&format!("inf.prob.{p}")).to_string()))
            .collect(),
        recent,
        write: can_write(u),
        l,
    })
}

/// GET /ui/influence/seeds: the form with its defaults and the recent runs.
pub async fn form(State(s): State<AppState>, u: UiUser) -> Response {
    page(&s, &u, SeedsForm::default(), FormErrors::default()).await
}

/// POST /ui/influence/seeds: starts a seeds run and opens it, or shows the form's errors
/// (422).
pub async fn submit(State(s): State<AppState>, u: UiUser, Form(f): Form<SeedsForm>) -> Response {
    if let Some(r) = guard(&u, &f.csrf) {
        return r;
    }
    let l = u.layout("influence");
    let (req, bad) = f.request();
    let mut errs = FormErrors::default();
    extend(&mut errs, &l, &bad);
    if let Err(inv) = req.parse() {
        extend(&mut errs, &l, &inv.0);
    }
    if errs.is_empty() {
        match influence::request(&s.db, u.tenant(), &req).await {
            Ok(run) => return Redirect::to(&runs::href(run.run_id.0)).into_response(),
            Err(CoreError::Invalid(inv)) => extend(&mut errs, &l, &inv.0),
            Err(e) => return server_error(e),
        }
    }
    let mut r = page(&s, &u, f, errs).await;
    if r.status() == StatusCode::OK {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}
