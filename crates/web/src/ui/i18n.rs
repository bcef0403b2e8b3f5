//! The operator UI's two languages: zh-CN (default) and English.

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文 (default).
    Zh,
    /// English.
    En,
}

impl Lang {
    /// From a `lang` cookie or query value; anything unknown is zh-CN.
    pub fn from_code(code: Option<&str>) -> Lang {
        match code {
            Some(c) if c.starts_with("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    /// The HTML `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The translation of `key`; the key itself when missing (visible, never a crash).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        match TEXTS.iter().find(|(k, _, _)| *k == key) {
            Some((_, zh, en)) => match self {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => key,
        }
    }
}

/// key, zh-CN, en.
const TEXTS: &[(&str, &str, &str)] = &[
    ("app", "圈子 Quanzi", "Quanzi"),
    ("nav.dashboard", "仪表盘", "Dashboard"),
    ("nav.members", "成员", "Members"),
    ("nav.groups", "社群", "Groups"),
    ("nav.campaigns", "活动", "Campaigns"),
    ("nav.growth", "增长", "Growth"),
    ("nav.settings", "设置", "Settings"),
    ("nav.api_docs", "API 文档", "API docs"),
    ("nav.kpi", "数据分析", "Analytics"),
    ("kpi.tab.overview", "概览", "Overview"),
    ("kpi.tab.groups", "社群表现", "Groups"),
    ("kpi.tab.retention", "留存", "Retention"),
    ("kpi.tab.funnel", "转化漏斗", "Funnel"),
    ("kpi.tab.products", "商品", "Products"),
    ("kpi.f.from", "开始日期", "From"),
    ("kpi.f.to", "结束日期", "To"),
    ("kpi.f.groups", "社群", "Group"),
    ("kpi.f.tag_id", "标签", "Tag"),
    ("kpi.f.period", "周期", "Period"),
    ("kpi.f.dead_days", "死群天数", "Dead after (days)"),
    ("kpi.f.lurker_days", "潜水天数", "Lurker after (days)"),
    ("kpi.f.lifecycle_stage", "生命周期", "Lifecycle stage"),
    ("kpi.f.spending_tier", "消费层级", "Spending tier"),
    ("kpi.f.source_channel", "来源渠道", "Source channel"),
    ("kpi.f.limit", "行数", "Rows"),
    ("kpi.f.query", "查询参数", "Query"),
    ("kpi.f.format", "格式", "Format"),
    ("kpi.f.table", "表格", "Table"),
    ("kpi.apply", "查询", "Apply"),
    (
        "kpi.loading",
        "正在计算……首次打开需要建立索引",
        "Computing… the first view builds the index",
    ),
    ("kpi.week", "按周", "Weekly"),
    ("kpi.month", "按月（30天）", "Monthly (30 days)"),
    ("kpi.week_n", "第{n}周", "Week {n}"),
    ("kpi.month_n", "第{n}月", "Month {n}"),
    ("kpi.vs_previous", "较上期", "vs previous period"),
    ("kpi.empty", "该范围内没有数据", "No data in this range"),
    ("kpi.card.members", "社群规模", "Members"),
    ("kpi.card.joins", "入群", "Joins"),
    ("kpi.card.leaves", "退群", "Leaves"),
    ("kpi.card.net_growth", "净增长", "Net growth"),
    ("kpi.card.dau", "日活 DAU", "DAU"),
    ("kpi.card.wau", "周活 WAU", "WAU"),
    ("kpi.card.mau", "月活 MAU", "MAU"),
    ("kpi.card.stickiness", "粘性 DAU/MAU", "Stickiness DAU/MAU"),
    ("kpi.card.active_rate", "活跃率", "Active rate"),
    ("kpi.card.dead_groups", "死群", "Dead groups"),
    ("kpi.card.lurkers", "潜水成员", "Lurkers"),
    ("kpi.card.gmv_fen", "GMV", "GMV"),
    ("kpi.card.orders", "订单", "Orders"),
    ("kpi.card.buyers", "购买人数", "Buyers"),
    ("kpi.card.conversion_rate", "转化率", "Conversion rate"),
    ("kpi.card.average_order_fen", "客单价", "Average order"),
    ("kpi.card.repurchase_rate", "复购率", "Repurchase rate"),
    (
        "kpi.ch.activity",
        "活跃趋势：周活变日活了吗？",
        "Activity: are weekly actives becoming daily actives?",
    ),
    ("kpi.ch.growth", "入群与退群", "Joins and leaves"),
    ("kpi.ch.sales", "每日销售", "Daily sales"),
    (
        "kpi.ch.visits",
        "店+社群：到店频次与社群活跃",
        "Store + community: visits beside activity",
    ),
    (
        "kpi.ch.retention",
        "留存热力图（按入群周期）",
        "Retention heatmap (by join period)",
    ),
    (
        "kpi.ch.pareto",
        "帕累托：少数商品贡献多数销售额",
        "Pareto: a few products make most sales",
    ),
    ("kpi.t.daily", "每日明细", "Day by day"),
    ("kpi.t.visits", "到店频次分组", "Members by store visits"),
    ("kpi.t.retention", "留存率", "Retention"),
    (
        "kpi.t.ltv",
        "人均累计消费（生命周期价值）",
        "Cumulative GMV per member (lifetime value)",
    ),
    ("kpi.c.day", "日期", "Day"),
    ("kpi.c.visits", "到店次数", "Store visits"),
    ("kpi.c.members", "人数", "Members"),
    (
        "kpi.c.messages_per_member",
        "人均发言",
        "Messages per member",
    ),
    ("kpi.c.orders_per_member", "人均订单", "Orders per member"),
    ("kpi.c.gmv_per_member", "人均消费", "GMV per member"),
    ("kpi.c.group", "社群", "Group"),
    ("kpi.c.groups", "社群数", "Groups"),
    ("kpi.c.active", "活跃人数", "Active"),
    ("kpi.c.messages", "消息数", "Messages"),
    ("kpi.c.status", "状态", "Status"),
    ("kpi.c.last_message", "最后发言", "Last message"),
    ("kpi.c.cohort", "入群批次", "Cohort"),
    ("kpi.c.size", "人数", "Size"),
    ("kpi.c.stage", "阶段", "Stage"),
    ("kpi.c.rate_prev", "环节转化率", "From previous stage"),
    ("kpi.c.rate_top", "总转化率", "From the top"),
    ("kpi.c.products", "有销量的商品", "Products sold"),
    ("kpi.c.revenue", "销售额", "Revenue"),
    ("kpi.c.cumulative_share", "累计占比", "Cumulative share"),
    ("kpi.c.share", "占比", "Share"),
    ("kpi.c.rank", "排名", "Rank"),
    ("kpi.c.product", "商品", "Product"),
    ("kpi.c.repeat_buyers", "复购人数", "Repeat buyers"),
    ("kpi.c.class", "复购类型", "Repurchase class"),
    ("kpi.dead", "死群", "Dead"),
    ("kpi.lurking", "多数潜水", "Mostly lurking"),
    ("kpi.alive", "活跃", "Alive"),
    ("kpi.stage.attracted", "引流", "Attracted"),
    ("kpi.stage.joined", "拉群", "Joined a group"),
    ("kpi.stage.active", "促活", "Active"),
    ("kpi.stage.ordered", "转化", "Ordered"),
    ("kpi.stage.repurchased", "复购", "Ordered again"),
    ("kpi.stage.referred", "裂变", "Brought someone in"),
    (
        "kpi.top_share",
        "前{p}%商品（{n}个）销售额占比",
        "Top {p}% of products ({n}): share of revenue",
    ),
    ("kpi.class.high", "高复购", "High repurchase"),
    ("kpi.class.low", "低复购", "Low repurchase"),
    ("kpi.class.unknown", "待观察", "Too early"),
    (
        "kpi.hint.high",
        "高复购品：用储值、会员价和定期补货提醒把顾客留在群里，社群就是销售渠道。",
        "High repurchase: keep buyers in the group with stored value, member prices and restock reminders; the group is the sales channel.",
    ),
    (
        "kpi.hint.low",
        "低复购品：适合做引流礼品或拼团，先卖体验再卖产品，把买家引向高复购品。",
        "Low repurchase: use it to attract people (a lead gift, a group buy), sell the experience first, and move buyers on to high-repurchase items.",
    ),
    (
        "kpi.hint.unknown",
        "购买人数还太少，暂时无法判断。",
        "Too few buyers yet to tell.",
    ),
    (
        "kpi.note.overview",
        "活跃指互动（发言、回应、分享、点击、到店、下单等，不含入群退群）；卡片与上一等长周期对比。",
        "Active means an interaction (message, reaction, share, click, visit, order…, not joining or leaving); cards compare with the previous period of the same length.",
    ),
    (
        "kpi.note.dead",
        "死群：最近无人发言的天数达到",
        "Dead group: no message for",
    ),
    (
        "kpi.note.lurker",
        "潜水：未发言或回应的天数达到",
        "lurker: no message or reaction for",
    ),
    (
        "kpi.note.retention",
        "每位成员按其在所选范围内首次入群的时间归入批次；第0期包含入群当期。",
        "Members are grouped by their first join in the range; period 0 is the joining period.",
    ),
    (
        "kpi.note.funnel",
        "以在所选范围内首次出现的人为起点，每一环节都是上一环节的子集。",
        "Starts from the people first seen in the range; each stage is a subset of the one before.",
    ),
    (
        "kpi.note.products",
        "2:80——看看少数爆品贡献了多少销售额；复购类型决定运营打法。",
        "2:80 — how much of revenue a few hot products make; the repurchase class decides the play.",
    ),
    ("logout", "退出", "Log out"),
    ("login.title", "登录圈子", "Log in to Quanzi"),
    ("login.email", "邮箱", "Email"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Log in"),
    ("login.failed", "邮箱或密码错误", "Wrong email or password"),
    (
        "login.limited",
        "尝试次数过多，请稍后再试",
        "Too many attempts; try again later",
    ),
    (
        "login.expired",
        "表单已过期，请重试",
        "The form expired; please try again",
    ),
    ("dash.members", "成员总数", "Members"),
    ("dash.groups", "社群数", "Groups"),
    (
        "dash.active7",
        "近7日活跃成员",
        "Active members, last 7 days",
    ),
    ("dash.events30", "近30日互动", "Interactions, last 30 days"),
    ("dash.gmv30", "近30日 GMV", "GMV, last 30 days"),
    ("dash.orders30", "近30日订单", "Orders, last 30 days"),
    (
        "dash.activity",
        "每日互动与订单",
        "Daily interactions and orders",
    ),
    ("chart.interactions", "互动", "Interactions"),
    ("dash.top_groups", "规模最大的社群", "Largest groups"),
    (
        "dash.more_coming",
        "完整的社群 KPI（留存、漏斗、复购、2:80）即将上线。",
        "Full community KPIs (retention, funnel, repurchase, 2:80) are coming.",
    ),
    (
        "members.search",
        "搜索姓名、手机号、外部ID",
        "Search name, phone, external id",
    ),
    ("members.all", "全部", "All"),
    ("members.filter", "筛选", "Filter"),
    ("members.next", "下一页", "Next page"),
    ("members.none", "没有符合条件的成员", "No members match"),
    ("col.id", "ID", "ID"),
    ("col.name", "姓名", "Name"),
    ("col.gender", "性别", "Gender"),
    ("col.district", "区域", "District"),
    ("col.interests", "兴趣", "Interests"),
    ("col.tier", "消费层级", "Spending tier"),
    ("col.stage", "生命周期", "Lifecycle stage"),
    ("col.source", "来源渠道", "Source channel"),
    ("col.phone", "手机号", "Phone"),
    ("col.external", "企微外部ID", "WeCom external id"),
    ("col.unionid", "UnionID", "UnionID"),
    ("col.joined", "加入时间", "Joined"),
    ("col.created", "创建时间", "Created"),
    ("col.role", "角色", "Role"),
    ("col.size", "人数", "Size"),
    ("col.capacity", "容量", "Capacity"),
    ("col.dimension", "维度", "Dimension"),
    ("col.theme", "群主题", "Theme"),
    ("col.rules", "群规", "Rules"),
    ("col.time", "时间", "Time"),
    ("col.kind", "类型", "Kind"),
    ("col.group", "社群", "Group"),
    ("col.amount", "金额", "Amount"),
    ("col.product", "商品", "Product"),
    ("col.reference", "来源/活动", "Reference"),
    ("col.change", "变动", "Change"),
    ("col.scene", "入群方式", "Join scene"),
    ("col.inviter", "邀请人", "Inviter"),
    ("member.profile", "成员画像", "Profile"),
    ("member.tags", "标签", "Tags"),
    ("member.groups", "所在社群", "Groups"),
    ("member.timeline", "行为时间线", "Event timeline"),
    ("member.history", "入群/退群记录", "Join / leave history"),
    ("member.custom", "自定义字段", "Custom fields"),
    ("member.merged", "已合并到", "Merged into"),
    (
        "group.size_vs",
        "人数 / 建议 / 上限",
        "Size / advised / hard limit",
    ),
    ("group.roles", "群员结构", "Member structure"),
    ("group.recent", "最近动态", "Recent activity"),
    (
        "group.daily",
        "近30日每日活跃",
        "Daily activity, last 30 days",
    ),
    ("group.members", "群成员", "Members"),
    ("group.full", "已满", "Full"),
    ("group.over_advised", "超过建议人数", "Above advised size"),
    ("coming.title", "即将上线", "Coming soon"),
    (
        "coming.campaigns",
        "活码、抽奖、限时抢购、拼团、砍价、裂变奖励——按七大激活法则分类并比较效果。",
        "Live codes, lotteries, flash sales, group buys, bargains and referral rewards — typed by the seven activation levers and compared.",
    ),
    (
        "coming.growth",
        "影响力排行、联络员/内行人/推销员识别、种子用户选择与传播模拟。",
        "Influence ranking, connectors / mavens / salesmen, seed selection and spread simulation.",
    ),
    ("settings.keys", "API 密钥", "API keys"),
    ("settings.new_key", "新建密钥", "New key"),
    ("settings.key_name", "用途", "Name"),
    ("settings.scope", "权限", "Scope"),
    ("settings.create", "创建", "Create"),
    (
        "settings.secret_once",
        "请立即复制此密钥，它不会再次显示：",
        "Copy this key now; it will not be shown again:",
    ),
    ("settings.revoked", "已吊销", "Revoked"),
    ("settings.operators", "运营人员", "Operators"),
    (
        "settings.admin_only",
        "仅管理员可管理密钥。",
        "Only admins can manage keys.",
    ),
    ("settings.fields", "自定义字段", "Custom fields"),
    ("settings.kinds", "事件类型", "Event kinds"),
    ("kind.join", "入群", "Join"),
    ("kind.leave", "退群", "Leave"),
    ("kind.message", "发言", "Message"),
    ("kind.reaction", "互动", "Reaction"),
    ("kind.share", "分享", "Share"),
    ("kind.click", "点击", "Click"),
    ("kind.visit", "到店", "Store visit"),
    ("kind.order", "下单", "Order"),
    ("kind.refund", "退款", "Refund"),
    ("kind.referral", "推荐", "Referral"),
    ("role.owner", "群主", "Owner"),
    ("role.admin", "管理员", "Admin"),
    ("role.kol", "达人/KOL", "KOL"),
    ("role.seed", "种子用户", "Seed user"),
    ("role.member", "成员", "Member"),
    ("dim.district", "区域", "District"),
    ("dim.interest", "兴趣", "Interest"),
    ("dim.value_tier", "价值层级", "Value tier"),
    ("dim.vip", "VIP", "VIP"),
    ("dim.seed", "种子用户", "Seed users"),
    ("dim.other", "其他", "Other"),
    ("gender.unknown", "未知", "Unknown"),
    ("gender.female", "女", "Female"),
    ("gender.male", "男", "Male"),
    ("tier.none", "无消费", "None"),
    ("tier.low", "低", "Low"),
    ("tier.mid", "中", "Mid"),
    ("tier.high", "高", "High"),
    ("tier.vip", "VIP", "VIP"),
    ("stage.prospect", "潜客", "Prospect"),
    ("stage.new", "新成员", "New"),
    ("stage.active", "活跃", "Active"),
    ("stage.customer", "已转化", "Customer"),
    ("stage.loyal", "忠诚复购", "Loyal"),
    ("stage.dormant", "沉睡", "Dormant"),
    ("stage.churned", "流失", "Churned"),
    ("change.join", "入群", "Joined"),
    ("change.leave", "退群", "Left"),
    ("change.role", "角色变更", "Role changed"),
    ("none", "—", "—"),
    ("back", "返回", "Back"),
];

/// Every key of the table, for tests.
pub fn keys() -> impl Iterator<Item = &'static str> {
    TEXTS.iter().map(|(k, _, _)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages_and_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for (k, zh, en) in TEXTS {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
        }
        assert_eq!(Lang::En.t("nav.members"), "Members");
        assert_eq!(Lang::Zh.t("nav.members"), "成员");
        assert_eq!(Lang::from_code(None), Lang::Zh);
    }
}
