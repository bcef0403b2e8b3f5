//! The `influence.run` job: computes a run stage by stage (read the graph input, build the
//! graph, then scores, seeds or a simulation), reports progress, and stores the result or the
//! failure on the run.

use quanzi_analytics::graph::build::{GraphBuildOptions, build_interaction_graph};
use quanzi_domain::TenantId;
use quanzi_domain::influence::RunParams;
use quanzi_store::influence as store;
use quanzi_store::{Db, now_ms};
use serde_json::json;

use super::seeds::{self, SeedsRun};
use super::spread::{probabilities, spread};
use super::{RUN_JOB, graph_input, scores};
use crate::jobs::{Claimed, JobContext, JobError, JobRegistry};

/// Registers the influence jobs with the worker.
pub fn register(registry: &mut JobRegistry) {
    registry.add(RUN_JOB, |ctx, c| Box::pin(run_job(ctx, c)));
}

/// Runs one `influence.run` job.
pub async fn run_job(ctx: &JobContext, c: &Claimed) -> std::result::Result<(), JobError> {
    let t = c.tenant();
    let payload = c.payload()?;
    let run_id = match payload.get("run_id").and_then(serde_json::Value::as_i64) {
        Some(id) => id,
        None => {
            let text = serde_json::to_string(&RunParams::Scores { seed: 42 })
                .map_err(|e| JobError::Fatal(e.to_string()))?;
            let mut tx = ctx.db.begin().await?;
            let id = store::create_run(&mut tx, t, "scores", &text, now_ms()).await?;
            tx.commit().await?;
            id
        }
    };
    let outcome = compute(ctx, c, t, run_id).await;
    if let Err(e) = &outcome {
        let last_try = c.job.attempts >= c.job.max_attempts;
        if matches!(e, JobError::Fatal(_)) || last_try {
            store::fail_run(&ctx.db, t, run_id, &e.to_string(), now_ms()).await?;
        }
    }
    outcome
}

/// Computes run `run_id` stage by stage and stores its result with the job's end.
async fn compute(
    ctx: &JobContext,
    c: &Claimed,
    t: TenantId,
    run_id: i64,
) -> std::result::Result<(), JobError> {
    let db = &ctx.db;
    let Some(run) = store::get_run(db, t, run_id).await? else {
        c.finish(db).await?;
        return Ok(());
    };
    if !store::start_run(db, t, run_id, now_ms()).await? {
        // Already done or failed: a duplicate job.
        c.finish(db).await?;
        return Ok(());
    }
    let params: RunParams = serde_json::from_str(&run.params)
        .map_err(|e| JobError::Fatal(format!("stored parameters are unreadable: {e}")))?;
    let as_of = now_ms();
    let mut stages = Stages::new(db, t, run_id);
    stages.next(0.05, "load").await?;
    let loaded = graph_input::load(db, t, as_of).await?;
    stages.next(0.25, "graph").await?;
    let events = loaded.event_count;
    let (loaded, ig) = blocking(move || {
        let opts = GraphBuildOptions::as_of(as_of);
        let ig = build_interaction_graph(loaded.ids.len() as u32, &loaded.events, &opts)
            .map_err(|e| JobError::Fatal(e.to_string()));
        ig.map(|ig| (loaded, ig))
    })
    .await?;
    let graph = json!({
        "nodes": ig.graph.node_count(),
        "edges": ig.graph.edge_count(),
        "events": events,
        "as_of_ms": as_of,
    });
    match params {
        RunParams::Scores { seed } => {
            stages.next(0.45, "scores").await?;
            let (rows, top) =
                blocking(move || Ok(scores::score_rows(&loaded, &ig, as_of, seed, run_id))).await?;
            stages.next(0.9, "save").await?;
            let result = json!({ "graph": graph, "scored": rows.len(), "top": top });
            let mut tx = db.begin().await?;
            store::replace_scores(&mut tx, t, &rows, db.is_sqlite()).await?;
            store::finish_run(&mut tx, t, run_id, &result.to_string(), now_ms()).await?;
            if c.finish_in(&mut tx).await? {
                tx.commit().await?;
            }
        }
        RunParams::Seeds {
            k,
            epsilon,
            model,
            probability,
            candidates,
            runs,
            seed,
        } => {
            let mask = seeds::candidate_mask(db, t, &loaded.ids, &candidates).await?;
            let count = mask
                .as_ref()
                .map_or(loaded.ids.len(), |m| m.iter().filter(|x| **x).count());
            if count < k {
                let who = if count == 1 { "member" } else { "members" };
                return Err(JobError::Fatal(format!(
                    "{k} seeds asked for, but only {count} {who} may be seeds"
                )));
            }
            let run = SeedsRun {
                k,
                epsilon,
                model,
                probability,
                runs,
                seed,
                as_of,
            };
            stages.next(0.4, "imm").await?;
            let chosen = blocking(move || seeds::choose(loaded, ig, mask, &run)).await?;
            stages.next(0.7, "compare").await?;
            let result = blocking(move || seeds::compare(chosen, &run, graph, count)).await?;
            finish(ctx, c, t, run_id, &result).await?;
        }
        RunParams::Simulate {
            member_ids,
            model,
            probability,
            runs,
            seed,
        } => {
            stages.next(0.5, "simulate").await?;
            let result = blocking(move || {
                let index = graph_input::ids_index(&loaded.ids);
                let set: Vec<u32> = member_ids
                    .iter()
                    .filter_map(|m| index.get(m).copied())
                    .collect();
                if set.is_empty() {
                    return Err(JobError::Fatal(
                        "none of the members is in the graph".into(),
                    ));
                }
                let probs = probabilities(&ig, &loaded, probability, as_of);
                let est = spread(&ig, &probs, model, &set, &loaded.outside, runs, seed)?;
                Ok(json!({ "graph": graph, "member_ids": member_ids, "spread": est }))
            })
            .await?;
            finish(ctx, c, t, run_id, &result).await?;
        }
    }
    Ok(())
}

/// A run's progress as it goes from stage to stage; each stage's time goes to the log.
struct Stages<'a> {
    db: &'a Db,
    t: TenantId,
    run_id: i64,
    stage: &'static str,
    since: std::time::Instant,
}

impl<'a> Stages<'a> {
    fn new(db: &'a Db, t: TenantId, run_id: i64) -> Self {
        Stages {
            db,
            t,
            run_id,
            stage: "start",
            since: std::time::Instant::now(),
        }
    }

    /// Ends the current stage and records `progress` (0 to 1) at the start of `stage`.
    async fn next(&mut self, progress: f64, stage: &'static str) -> quanzi_store::Result<()> {
        let ms = self.since.elapsed().as_millis() as u64;
        tracing::info!(
            run = self.run_id,
            stage = self.stage,
            ms,
            "influence run stage done"
        );
        self.stage = stage;
        self.since = std::time::Instant::now();
        store::set_progress(self.db, self.t, self.run_id, progress, stage).await
    }
}

/// Stores a run's result and ends its job in one transaction.
async fn finish(
    ctx: &JobContext,
    c: &Claimed,
    t: TenantId,
    run_id: i64,
    result: &serde_json::Value,
) -> std::result::Result<(), JobError> {
    let mut tx = ctx.db.begin().await?;
    store::finish_run(&mut tx, t, run_id, &result.to_string(), now_ms()).await?;
    if c.finish_in(&mut tx).await? {
        tx.commit().await?;
    }
    Ok(())
}

/// Runs a computation off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::result::Result<T, JobError> + Send + 'static,
) -> std::result::Result<T, JobError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| JobError::Retry(format!("computation stopped: {e}")))?
}
