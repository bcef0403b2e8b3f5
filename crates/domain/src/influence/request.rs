//! A run as an operator or API client asks for it, and its checks: each field in range,
//! each field taken only by the kinds of run that use it, defaults filled in.

use serde::{Deserialize, Serialize};

use super::{Candidates, MAX_K, MAX_RUNS, ModelName, Probability, RunParams};
use crate::error::Invalid;
use crate::member::LifecycleStage;

/// A run as an operator or API client asks for it; every field but `kind` is optional, and
/// an unknown field is refused (a misspelt `exclude_tag_id` must not seed the staff).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunRequest {
    /// `scores`, `seeds` or `simulate`.
    pub kind: String,
    /// Seeds to choose (`seeds`), 1-200 (default 10).
    pub k: Option<i64>,
    /// IMM's ε in [0.05, 0.5] (default 0.1): the guarantee is 1 − 1/e − ε.
    pub epsilon: Option<f64>,
    /// `ic` (Independent Cascade, default) or `lt` (Linear Threshold).
    pub model: Option<String>,
    /// `learned` (from past cascades, default), `weighted_cascade` or `constant`.
    pub probability: Option<String>,
    /// The edge probability when `probability` is `constant`, in (0, 1].
    pub p: Option<f64>,
    /// Seed candidates: current members of this group.
    pub group_id: Option<i64>,
    /// Seed candidates: members with this tag.
    pub tag_id: Option<i64>,
    /// Seed candidates: members at this lifecycle stage.
    pub lifecycle_stage: Option<String>,
    /// Never seed members with this tag (e.g. staff).
    pub exclude_tag_id: Option<i64>,
    /// The members to seed (`simulate`), 1-200 ids.
    pub member_ids: Option<Vec<i64>>,
    /// Monte Carlo runs of each spread estimate, 1-100000 (default 1000).
    pub runs: Option<i64>,
    /// The random seed, 0 or more (default 42): the same seed gives the same result.
    pub seed: Option<i64>,
}

impl RunRequest {
    /// Checks every field and fills in the defaults; each error names its field.
    pub fn parse(&self) -> Result<RunParams, Invalid> {
        let mut bad = Invalid::default();
        let seed = match self.seed {
            None => 42,
            Some(s) if s >= 0 => s as u64,
            Some(_) => {
                bad.push("seed", "must be 0 or more");
                0
            }
        };
        let runs = match self.runs {
            None => 1000,
            Some(r) if (1..=i64::from(MAX_RUNS)).contains(&r) => r as u32,
            Some(_) => {
                bad.push("runs", format!("must be between 1 and {MAX_RUNS}"));
                1
            }
        };
        let model = match self.model.as_deref().map(str::trim) {
            None | Some("") | Some("ic") => ModelName::Ic,
            Some("lt") => ModelName::Lt,
            Some(_) => {
                bad.push("model", "must be ic or lt");
                ModelName::Ic
            }
        };
        let probability = match self.probability.as_deref().map(str::trim) {
            None | Some("") | Some("learned") => Probability::Learned,
            Some("weighted_cascade") => Probability::WeightedCascade,
            Some("constant") => match self.p {
                Some(p) if p > 0.0 && p <= 1.0 => Probability::Constant(p),
                Some(_) => {
                    bad.push("p", "must be above 0 and at most 1");
                    Probability::Learned
                }
                None => {
                    bad.push("p", "is required when probability is constant");
                    Probability::Learned
                }
            },
            Some(_) => {
                bad.push(
                    "probability",
                    "must be learned, weighted_cascade or constant",
                );
                Probability::Learned
            }
        };
        if self.p.is_some() && self.probability.as_deref().map(str::trim) != Some("constant") {
            bad.push("p", "is only taken when probability is constant");
        }
        let kind = self.kind.trim();
        let params = match kind {
            "scores" => RunParams::Scores { seed },
            "seeds" => {
                let k = match self.k {
                    None => 10,
                    Some(k) if (1..=MAX_K as i64).contains(&k) => k as usize,
                    Some(_) => {
                        bad.push("k", format!("must be between 1 and {MAX_K}"));
                        1
                    }
                };
                let epsilon = match self.epsilon {
                    None => 0.1,
                    Some(e) if (0.05..=0.5).contains(&e) => e,
                    Some(_) => {
                        bad.push("epsilon", "must be between 0.05 and 0.5");
                        0.1
                    }
                };
                let lifecycle_stage = match self.lifecycle_stage.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(s) => match LifecycleStage::parse(s) {
                        Some(_) => Some(s.to_string()),
                        None => {
                            bad.push("lifecycle_stage", "is not a lifecycle stage");
                            None
                        }
                    },
                };
                for (field, v) in [
                    ("group_id", self.group_id),
                    ("tag_id", self.tag_id),
                    ("exclude_tag_id", self.exclude_tag_id),
                ] {
                    if v.is_some_and(|v| v <= 0) {
                        bad.push(field, "must be a positive id");
                    }
                }
                RunParams::Seeds {
                    k,
                    epsilon,
                    model,
                    probability,
                    candidates: Candidates {
                        group_id: self.group_id,
                        tag_id: self.tag_id,
                        lifecycle_stage,
                        exclude_tag_id: self.exclude_tag_id,
                    },
                    runs,
                    seed,
                }
            }
            "simulate" => {
                let member_ids = match &self.member_ids {
                    Some(ids) if !ids.is_empty() && ids.len() <= MAX_K => {
                        let mut ids = ids.clone();
                        ids.sort_unstable();
                        ids.dedup();
                        ids
                    }
                    Some(_) => {
                        bad.push("member_ids", format!("must hold 1 to {MAX_K} member ids"));
                        Vec::new()
                    }
                    None => {
                        bad.push("member_ids", "is required to simulate");
                        Vec::new()
                    }
                };
                RunParams::Simulate {
                    member_ids,
                    model,
                    probability,
                    runs,
                    seed,
                }
            }
            _ => {
                bad.push("kind", "must be scores, seeds or simulate");
                RunParams::Scores { seed }
            }
        };
        if kind != "seeds" {
            for (field, set) in [
                ("k", self.k.is_some()),
                ("epsilon", self.epsilon.is_some()),
                ("group_id", self.group_id.is_some()),
                ("tag_id", self.tag_id.is_some()),
                ("lifecycle_stage", self.lifecycle_stage.is_some()),
                ("exclude_tag_id", self.exclude_tag_id.is_some()),
            ] {
                if set {
                    bad.push(field, "is only taken by seeds runs");
                }
            }
        }
        if kind != "simulate" && self.member_ids.is_some() {
            bad.push("member_ids", "is only taken by simulate runs");
        }
        if kind == "scores" {
            for (field, set) in [
                ("model", self.model.is_some()),
                ("probability", self.probability.is_some()),
                ("runs", self.runs.is_some()),
            ] {
                if set {
                    bad.push(field, "is not taken by scores runs");
                }
            }
        }
        bad.or_ok(params)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn req(v: serde_json::Value) -> RunRequest {
        serde_json::from_value(v).unwrap_or_else(|e| panic!("not a request: {e}"))
    }

    fn first_bad_field(v: serde_json::Value) -> String {
        match req(v.clone()).parse() {
            Err(inv) => inv.0[0].field.clone(),
            Ok(p) => panic!("{v} was taken as {p:?}"),
        }
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = req(
            json!({"kind": "seeds", "k": 0, "epsilon": 0.9, "model": "sir",
            "probability": "constant", "p": 1.5, "runs": 0, "seed": -1,
            "lifecycle_stage": "vip", "group_id": -3}),
        );
        let Err(inv) = bad.parse() else {
            panic!("a request with eight bad fields was taken")
        };
        let mut fields: Vec<&str> = inv.0.iter().map(|f| f.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "epsilon",
                "group_id",
                "k",
                "lifecycle_stage",
                "model",
                "p",
                "runs",
                "seed"
            ]
        );
    }

    #[test]
    fn a_field_another_kind_takes_is_refused_by_name() {
        for (v, field) in [
            (json!({"kind": "rank"}), "kind"),
            (json!({"kind": "scores", "k": 3}), "k"),
            (json!({"kind": "scores", "runs": 3}), "runs"),
            (json!({"kind": "scores", "model": "ic"}), "model"),
            (
                json!({"kind": "simulate", "exclude_tag_id": 2, "member_ids": [1]}),
                "exclude_tag_id",
            ),
            (json!({"kind": "simulate"}), "member_ids"),
            (json!({"kind": "simulate", "member_ids": []}), "member_ids"),
            (json!({"kind": "seeds", "member_ids": [1]}), "member_ids"),
            (json!({"kind": "seeds", "p": 0.2}), "p"),
            (json!({"kind": "seeds", "probability": "constant"}), "p"),
            (
                json!({"kind": "seeds", "probability": "magic"}),
                "probability",
            ),
        ] {
            assert_eq!(first_bad_field(v.clone()), field, "{v}");
        }
    }

    #[test]
    fn limits_are_inclusive_and_the_next_value_is_refused() {
        let seeds = |k: i64| json!({"kind": "seeds", "k": k});
        assert!(req(seeds(1)).parse().is_ok());
        assert!(req(seeds(MAX_K as i64)).parse().is_ok());
        assert_eq!(first_bad_field(seeds(MAX_K as i64 + 1)), "k");
        let runs = |r: i64| json!({"kind": "simulate", "member_ids": [1], "runs": r});
        assert!(req(runs(i64::from(MAX_RUNS))).parse().is_ok());
        assert_eq!(first_bad_field(runs(i64::from(MAX_RUNS) + 1)), "runs");
        let ids: Vec<i64> = (1..=MAX_K as i64 + 1).collect();
        assert_eq!(
            first_bad_field(json!({"kind": "simulate", "member_ids": ids})),
            "member_ids"
        );
        let eps = |e: f64| json!({"kind": "seeds", "epsilon": e});
        assert!(req(eps(0.05)).parse().is_ok() && req(eps(0.5)).parse().is_ok());
        assert_eq!(first_bad_field(eps(0.04)), "epsilon");
        let p = |p: f64| json!({"kind": "seeds", "probability": "constant", "p": p});
        assert!(req(p(1.0)).parse().is_ok());
        assert_eq!(first_bad_field(p(0.0)), "p");
    }

    #[test]
    fn an_unknown_field_is_refused_before_it_can_seed_the_staff() {
        let r = serde_json::from_value::<RunRequest>(json!({"kind": "seeds", "exclude_tag": 3}));
        assert!(r.is_err());
    }

    #[test]
    fn defaults_are_stored_in_the_shape_runs_already_have() {
        let seeds = req(json!({"kind": "seeds", "lifecycle_stage": " active "}))
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(seeds.kind(), "seeds");
        assert_eq!(
            serde_json::to_value(&seeds).unwrap_or_default(),
            json!({"kind": "seeds", "k": 10, "epsilon": 0.1, "model": "ic",
                "probability": {"source": "learned"},
                "candidates": {"group_id": null, "tag_id": null,
                    "lifecycle_stage": "active", "exclude_tag_id": null},
                "runs": 1000, "seed": 42})
        );
        let sim = req(
            json!({"kind": "simulate", "member_ids": [3, 1, 3], "model": "lt",
            "probability": "constant", "p": 0.2}),
        )
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            serde_json::to_value(&sim).unwrap_or_default(),
            json!({"kind": "simulate", "member_ids": [1, 3], "model": "lt",
                "probability": {"source": "constant", "p": 0.2}, "runs": 1000, "seed": 42}),
            "ids are sorted and deduplicated"
        );
        let scores = req(json!({"kind": "scores", "seed": 7}))
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(scores, RunParams::Scores { seed: 7 });
        let back: RunParams = serde_json::from_value(json!({"kind": "scores", "seed": 7}))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, scores);
    }
}
