//! Influence: a tenant's interaction graph built from its events, member scores and the KOL
//! list, seed selection (IMM against top-degree, PageRank and degree-discount) and spread
//! simulation. Each is a run: asked for, stored with its parameters and seed, computed by a
//! background job that reports progress, and kept with its result.
//!
//! - `runs`: asking for a run, the nightly schedule, reading runs back;
//! - `read`: member scores, the KOL list and neighbourhoods, as the pages read them;
//! - `job`: the run's job and its stages, registered with the worker;
//! - `graph_input`: how stored events become the graph's interactions;
//! - `scores`, `seeds`, `spread`: the computation of each kind of run.
//!
//! A run's parameters and their checks are the domain's ([`quanzi_domain::influence`]).

mod graph_input;
mod job;
mod read;
mod runs;
mod scores;
mod seeds;
mod spread;

pub use job::{register, run_job};
pub use quanzi_domain::influence::{
    Candidates, MAX_K, MAX_RUNS, ModelName, Probability, RunParams, RunRequest,
};
pub use read::{
    KolEntry, MemberInfluence, NeighbourEdge, NeighbourNode, Neighbourhood, ROLES, Tie, kol,
    member, neighbourhood, role_by_name,
};
pub use runs::{NIGHTLY, NIGHTLY_CRON, Run, get, latest_scores, list, request};
pub use scores::NEIGHBOURS;

/// The job kind that computes a run (payload `{"run_id": …}`; without one, a scores run
/// with default parameters is created, for the nightly schedule).
pub const RUN_JOB: &str = "influence.run";
