//! The promotions' words on the member pages, in zh-CN and English.

/// (key, zh-CN, English) of the flash-sale page.
pub(super) const TEXT: &[(&str, &str, &str)] = &[
    ("sale.title", "限时抢购", "Flash sale"),
    ("sale.kicker", "限时抢购", "Flash sale"),
    ("sale.starts_in", "距开抢还有", "Starts in"),
    ("sale.starts_at", "开抢时间", "Opens at"),
    ("sale.ends_in", "距结束", "Ends in"),
    ("sale.stock", "限量", "Units"),
    ("sale.left", "仅剩", "Left"),
    ("sale.sold_out", "已抢光", "Sold out"),
    (
        "sale.sold_out_hint",
        "未付款的订单超时后会释放库存，稍后可以再来看看。",
        "Unpaid holds return to stock when they time out; check back shortly.",
    ),
    ("sale.ended", "活动已结束", "This sale has ended"),
    ("sale.limit", "每人限购", "Limit per member"),
    ("sale.hold", "抢到后请在", "Pay within"),
    ("sale.minutes", "分钟内付款", "minutes of buying"),
    (
        "sale.need_link",
        "请通过店铺发给你的会员链接或活码打开本页，才能参加抢购。",
        "Open this page from the link or live code the shop sent you to take part.",
    ),
    (
        "sale.at_limit",
        "你已达到本活动的限购数量。",
        "You have bought as many as this sale allows.",
    ),
    ("sale.quantity", "数量", "Quantity"),
    ("sale.buy", "立即抢购", "Buy now"),
    ("sale.my_orders", "我的订单", "My orders"),
    ("sale.pay_by", "请在此时间前付款", "Pay before"),
    (
        "sale.pay_how",
        "到店或联系店员付款；超时未付，商品将释放给其他人。",
        "Pay in store or through the staff; unpaid units go back to others when the time is up.",
    ),
    ("sale.cancel", "不要了", "Let it go"),
    (
        "sale.cannot_cancel",
        "这个订单已付款或已超时，不能取消。",
        "This order was paid or has timed out; it cannot be cancelled.",
    ),
    ("sale.order.held", "待付款", "Awaiting payment"),
    ("sale.order.paid", "已付款", "Paid"),
    ("sale.order.expired", "已超时", "Timed out"),
    ("sale.order.cancelled", "已取消", "Cancelled"),
    (
        "sale.result.held",
        "抢到了！请按时付款。",
        "Got it! Please pay in time.",
    ),
    (
        "sale.result.sold_out",
        "手慢了，已经抢光。",
        "Too late: sold out.",
    ),
    (
        "sale.result.over_limit",
        "超过了每人限购数量。",
        "That would pass the limit per member.",
    ),
    (
        "sale.result.not_open",
        "还没开抢，请稍候。",
        "Not open yet. Hold on.",
    ),
    ("sale.result.ended", "活动已结束。", "The sale has ended."),
    (
        "sale.result.not_invited",
        "本活动仅限指定社群的成员参加。",
        "This sale is for members of its groups only.",
    ),
    (
        "sale.result.cancelled",
        "已取消，商品已释放。",
        "Cancelled; the units went back.",
    ),
];
