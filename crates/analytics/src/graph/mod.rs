//! The interaction graph: compressed sparse rows, influence scores, roles, spread simulation.
//!
//! - [`csr`]: the directed weighted graph; [`build`]: a tenant's graph from its events.
//! - [`pagerank`], [`components`] (WCC, k-core), [`betweenness`]: structure and influence.
//! - [`roles`]: per-member scores with explanations and the KOL ranking.
//! - [`diffusion`]: Monte Carlo IC/LT spread; [`learn`]: edge probabilities from history.
//! - [`imm`]: influence maximization; [`heuristics`]: degree-based seed sets.
//! - [`rng`]: the seeded generators every randomised routine uses.

pub mod betweenness;
pub mod build;
pub mod components;
pub mod csr;
pub mod diffusion;
pub mod heuristics;
pub mod imm;
pub mod learn;
mod marks;
pub mod pagerank;
mod par;
mod probability;
pub mod rng;
pub mod roles;
mod rr;
mod signals;

#[cfg(test)]
mod testgen;
