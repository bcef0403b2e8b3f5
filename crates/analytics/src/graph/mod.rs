//! The interaction graph: compressed sparse rows, influence scores, roles, spread simulation.
