//! String table for the shared chrome: app name and the top navigation.

/// key, zh-CN, en.
pub(super) const TEXTS: &[(&str, &str, &str)] = &[
    ("app", "圈子 Quanzi", "Quanzi"),
    ("nav.dashboard", "仪表盘", "Dashboard"),
    ("nav.members", "成员", "Members"),
    ("nav.groups", "社群", "Groups"),
    ("nav.campaigns", "活动", "Campaigns"),
    ("nav.growth", "增长", "Growth"),
    ("nav.settings", "设置", "Settings"),
    ("nav.api_docs", "API 文档", "API docs"),
    ("nav.kpi", "数据分析", "Analytics"),
];
