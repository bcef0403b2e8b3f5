//! The interaction graph: compressed sparse rows, influence scores, roles, spread simulation.

pub mod build;
pub mod components;
pub mod csr;
pub mod diffusion;
pub mod heuristics;
pub mod imm;
pub mod pagerank;
pub mod probability;
pub mod rng;
pub mod roles;
pub mod rr;

#[cfg(test)]
mod testgen;
