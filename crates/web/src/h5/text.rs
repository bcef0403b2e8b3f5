//! The member pages' words, in zh-CN and English, kept beside each other so neither can be
//! missing.

use crate::ui::i18n::Lang;

/// Every string of the member pages: (key, zh-CN, English).
const TEXT: &[(&str, &str, &str)] = &[
    ("app", "圈子", "Quanzi"),
    ("not_found.title", "找不到这个页面", "Page not found"),
    (
        "not_found.body",
        "链接可能有误，或活动已下线。",
        "The link may be wrong, or the campaign was taken down.",
    ),
    ("ended.title", "活动已结束", "This campaign has ended"),
    (
        "ended.body",
        "感谢关注，请留意店内的新活动。",
        "Thank you. Watch for new campaigns in store.",
    ),
    (
        "refused.forged",
        "链接无效：它不是本店发出的链接。",
        "This link is not valid: it was not issued by this shop.",
    ),
    (
        "refused.expired",
        "链接已过期，请向店员索取新的链接。",
        "This link has expired. Ask the shop for a new one.",
    ),
    (
        "refused.revoked",
        "链接已被撤销，请向店员索取新的链接。",
        "This link was revoked. Ask the shop for a new one.",
    ),
    (
        "refused.other_tenant",
        "这个链接属于另一家商户，不能在这里使用。",
        "This link belongs to another merchant and cannot be used here.",
    ),
    (
        "refused.bad_state",
        "登录请求无效或已使用过，请重新扫码进入。",
        "This sign-in was not started here or was used already. Scan the code again.",
    ),
    (
        "refused.wechat",
        "微信登录失败，请稍后再试。",
        "WeChat sign-in failed. Please try again later.",
    ),
    ("refused.title", "无法打开", "Cannot open this page"),
    ("ask.title", "先回答两个小问题", "Two quick questions first"),
    (
        "ask.lead",
        "帮你找到离你最近、最合适的群。",
        "So we can find the group nearest and best for you.",
    ),
    ("ask.district", "你在哪个区？", "Which district are you in?"),
    (
        "ask.interest",
        "你最感兴趣的是？",
        "What interests you most?",
    ),
    ("ask.skip", "跳过", "Skip"),
    ("ask.go", "找群", "Find my group"),
    ("landing.for_you", "为你推荐的群", "Your group"),
    (
        "landing.scan_qr",
        "长按识别二维码加入群聊",
        "Press and hold the QR code to join the group",
    ),
    (
        "landing.preparing",
        "新群正在准备中，店员会尽快发出群二维码，请稍后再来这个页面。",
        "A new group is being prepared; the shop will post its QR soon. Please come back to this page later.",
    ),
    (
        "landing.no_qr",
        "群二维码正在更新，请稍后再来，或联系店员拉你进群。",
        "The group's QR code is being renewed. Come back later, or ask the staff to add you.",
    ),
    (
        "landing.no_group",
        "暂时没有可加入的群，请联系店员。",
        "There is no group to join right now. Please ask the staff.",
    ),
    (
        "landing.staff",
        "添加店员企业微信",
        "Add our staff on WeCom",
    ),
    (
        "landing.staff_is",
        "为你服务的店员",
        "Your contact at the shop",
    ),
    ("landing.joined_button", "我已加入群聊", "I have joined"),
    ("landing.joined", "你已加入", "You have joined"),
    (
        "landing.held_until",
        "名额为你保留到",
        "Your place is held until",
    ),
    ("gift.title", "入群礼品", "Your welcome gift"),
    (
        "gift.show",
        "到店出示此券码给店员核销",
        "Show this code to the staff in store",
    ),
    ("gift.valid_until", "有效期至", "Valid until"),
    ("gift.redeemed", "已核销", "Redeemed"),
    (
        "gift.none_left",
        "礼品已领完",
        "The gifts have all been given",
    ),
    ("me.title", "我的", "Me"),
    ("me.gifts", "我的礼品", "My gifts"),
    ("me.no_gifts", "还没有礼品", "No gifts yet"),
    ("me.programs", "邀请好友", "Invite friends"),
    ("me.invited", "已邀请", "Invited"),
    ("me.next", "下一个奖励", "Next reward"),
    (
        "me.share",
        "复制链接发给好友或朋友圈",
        "Copy this link to friends or Moments",
    ),
    ("me.rewards", "我的奖励", "My rewards"),
    (
        "me.no_rewards",
        "邀请好友入群即可获得奖励",
        "Invite friends into the group to earn rewards",
    ),
    ("me.friends_unit", "位好友", "friends"),
    ("reward.pending", "待确认", "Pending"),
    ("reward.held", "审核中", "Under review"),
    ("reward.approved", "已发放", "Granted"),
    ("reward.paid", "已到账", "Paid"),
    ("reward.reversed", "已撤回", "Taken back"),
    ("reward.rejected", "未通过", "Not granted"),
    ("unit.points", "积分", "points"),
    ("unit.coupon", "张优惠券", "coupon(s)"),
    ("unit.gift", "份礼品", "gift(s)"),
    ("unit.cash", "元", "yuan"),
    ("cause.join", "好友入群", "A friend joined"),
    ("cause.welcome", "受邀入群", "Joined by invitation"),
    ("cause.milestone", "达成邀请里程碑", "Milestone reached"),
    ("cause.visit", "分享带来访问", "Your share brought a visit"),
    ("cause.order", "好友首单", "A friend's first order"),
    ("cause.first_order", "首单奖励", "First-order reward"),
    ("lang.switch", "English", "中文"),
    ("now.title", "正在进行", "Happening now"),
    (
        "now.none",
        "眼下没有进行中的活动。",
        "Nothing is running right now.",
    ),
    ("now.lottery", "抽奖", "Lottery"),
    ("now.draws_left", "剩余 {n} 次", "{n} draws left"),
    ("now.team_of", "{n}人团", "Team of {n}"),
    ("now.my_bargain", "我的砍价", "My bargain"),
    ("now.shares_left", "剩 {n} 个", "{n} left"),
    ("now.mine", "我的", "Mine"),
];

/// The string `key` in `lang`; the key itself when unknown (a test keeps that from happening).
pub fn t(lang: Lang, key: &str) -> &'static str {
    TEXT.iter()
        .chain(super::text_promo::TEXT)
        .chain(super::text_team::TEXT)
        .chain(super::text_red::TEXT)
        .chain(super::text_offer::TEXT)
        .find(|(k, _, _)| *k == key)
        .map_or("", |(_, zh, en)| if lang == Lang::En { en } else { zh })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_every_string_is_said_in_both_languages() {
        let all = || {
            TEXT.iter()
                .chain(super::super::text_promo::TEXT)
                .chain(super::super::text_team::TEXT)
                .chain(super::super::text_red::TEXT)
                .chain(super::super::text_offer::TEXT)
        };
        let mut keys: Vec<_> = all().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "a key is defined twice");
        assert!(all().all(|(_, zh, en)| !zh.is_empty() && !en.is_empty()));
        assert_eq!(t(Lang::En, "me.title"), "Me");
        assert_eq!(t(Lang::Zh, "me.title"), "我的");
    }
}
