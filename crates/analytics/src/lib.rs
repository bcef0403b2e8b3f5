//! Quanzi analytics: pure compute over a tenant's events — the columnar event index with its
//! KPI kernels, and the interaction graph with influence scores and spread simulation.

pub mod graph;
