//! Quanzi analytics: pure compute over a tenant's events — the columnar event index with its
//! KPI kernels, and the interaction graph with influence scores and spread simulation.

pub mod benchfile;
pub mod graph;
pub mod index;
pub mod kpi;
pub mod zone;

pub use index::{EventIndex, IndexRow, Kind, KindMask};
pub use kpi::Scope;
