//! The offers' words on the member pages (买满送, coupons), in zh-CN and English.

/// (key, zh-CN, English) of the offer page and the member's coupons.
pub(super) const TEXT: &[(&str, &str, &str)] = &[
    ("of.kind.spend_get", "满额优惠", "Spend offer"),
    ("of.kind.coupon", "优惠券", "Coupon"),
    ("of.off", "立减 ¥{yuan}", "¥{yuan} off"),
    ("of.gift", "送 {gift}", "Free {gift}"),
    (
        "of.threshold",
        "满 ¥{yuan} 可用",
        "On orders of ¥{yuan} or more",
    ),
    ("of.no_threshold", "无门槛", "No minimum spend"),
    (
        "of.valid",
        "有效期 {from} 至 {until}",
        "Valid {from} to {until}",
    ),
    ("of.left", "还剩 {n} 份", "{n} left"),
    ("of.per_member", "每人限 {n} 份", "Up to {n} per person"),
    (
        "of.spend_how",
        "到店结账时告诉店员，满额即享。",
        "Tell the staff at the till: it applies when your order reaches the amount.",
    ),
    ("of.claim", "领取", "Get it"),
    (
        "of.got",
        "领取成功！到店出示券码即可使用。",
        "It's yours! Show the code at the shop.",
    ),
    ("of.code", "券码", "Code"),
    (
        "of.show",
        "到店出示券码，店员核销",
        "Show this code at the shop",
    ),
    ("of.used", "已使用", "Used"),
    ("of.mine", "我的券", "My coupons"),
    ("of.no_coupons", "还没有优惠券。", "No coupons yet."),
    (
        "of.r.sold_out",
        "来晚了，已经领完了。",
        "Too late: they are all gone.",
    ),
    ("of.r.limit", "你已经领过了。", "You already have yours."),
    (
        "of.r.not_started",
        "还没开始，请稍后再来。",
        "Not open yet; come back later.",
    ),
    ("of.r.ended", "活动已结束。", "This offer has ended."),
    ("of.r.closed", "活动已结束。", "This offer has ended."),
    (
        "of.r.below_threshold",
        "订单未达到使用门槛。",
        "The order does not reach the minimum.",
    ),
];
