//! The red envelopes' words on the member pages, in zh-CN and English.

/// (key, zh-CN, English) of the red-envelope page.
pub(super) const TEXT: &[(&str, &str, &str)] = &[
    ("re.title", "红包", "Red envelope"),
    ("re.kind.random", "拼手气红包", "Lucky red envelope"),
    ("re.kind.equal", "普通红包", "Red envelope"),
    ("re.from", "{shop}的红包", "A red envelope from {shop}"),
    ("re.claim", "抢", "Open"),
    ("re.got", "你抢到 ¥{amount}", "You got ¥{amount}"),
    (
        "re.pay_how",
        "商家会把红包转到你的微信，请留意到账。",
        "The shop will send it to your WeChat; watch for the transfer.",
    ),
    ("re.paid", "已到账", "Paid to you"),
    ("re.not_open", "还没开始", "Not open yet"),
    ("re.cancelled", "已取消", "Cancelled"),
    (
        "re.cancelled_hint",
        "商家取消了这个红包。",
        "The shop cancelled this red envelope.",
    ),
    ("re.opens_at", "开抢时间", "Opens at"),
    ("re.all_claimed", "已抢完", "All taken"),
    (
        "re.all_claimed_hint",
        "手慢了，红包派完了。",
        "Too late: every share has been taken.",
    ),
    ("re.not_in_group", "不在本群", "Not in this group"),
    (
        "re.not_in_group_hint",
        "这个红包只发给本群的群成员。",
        "This envelope is only for members of its group.",
    ),
    (
        "re.summary",
        "已领取 {n}/{count} 个，共 ¥{claimed}/¥{total}",
        "{n} of {count} taken, ¥{claimed} of ¥{total}",
    ),
    ("re.best_luck", "手气最佳", "Best luck"),
    ("re.nobody", "还没有人领取。", "Nobody has opened it yet."),
];
