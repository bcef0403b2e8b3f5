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
