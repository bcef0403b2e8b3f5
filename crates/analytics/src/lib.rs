//! Quanzi analytics: KPI kernels over a columnar event index (to come with the KPI issue).
