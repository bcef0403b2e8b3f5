//! The "happening now" list of a member's own page: the member's open teams and bargains,
//! then the promotions open to them.

use super::{Visit, text};
use crate::AppState;

/// One line of the "happening now" list: a promotion open now, or the member's own team or
/// bargain in one.
pub(super) struct Happening {
    /// Its member page.
    pub href: String,
    /// What it is: name and kind.
    pub title: String,
    /// One line on where it stands for the member.
    pub detail: String,
    /// The member's own (their team, their bargain).
    pub mine: bool,
}

/// At most this many red envelopes are listed (the newest).
const ENVELOPES_LISTED: usize = 5;

/// What is open now for member `m` (holding coupons `held`): their open teams and bargains,
/// then the lotteries, group buys, bargains, coupons they may still take and the red
/// envelopes of their groups. A query per list, and one per open lottery, group buy and
/// bargain for the member's own part in it.
pub(super) async fn happening(
    s: &AppState,
    v: &Visit,
    m: quanzi_domain::MemberId,
    held: &[quanzi_core::views::OfferGrant],
    offers: &[quanzi_core::views::Offer],
) -> quanzi_core::Result<Vec<Happening>> {
    use quanzi_domain::Fen;
    let t = |k: &str| text::t(v.lang, k);
    let yuan = |f: i64| Fen(f).yuan_string();
    let now = quanzi_core::read::now_ms();
    // The kind after the name, unless the name says it already (e.g. "周末福利 · 抽奖").
    let named = |name: &str, kind: &str| {
        if name.contains(kind) {
            name.to_string()
        } else {
            format!("{name} · {kind}")
        }
    };
    let (mut mine, mut open) = (Vec::new(), Vec::new());
    for l in quanzi_core::lotteries::list(&s.db, &s.server, v.tenant).await? {
        if l.status != "open" {
            continue;
        }
        let drawn = quanzi_core::lotteries::events_of(&s.db, v.tenant, l.lottery_id, m)
            .await?
            .iter()
            .filter(|e| e.kind == "draw")
            .count();
        let left = i64::from(l.draws_per_member) - i64::try_from(drawn).unwrap_or(i64::MAX);
        open.push(Happening {
            href: format!("/h/{}/l/{}", v.slug, l.lottery_id.0),
            title: named(&l.name, t("now.lottery")),
            detail: t("now.draws_left").replace("{n}", &left.max(0).to_string()),
            mine: false,
        });
    }
    for g in quanzi_core::group_buys::list(&s.db, v.tenant).await? {
        let teams = quanzi_core::group_buys::teams_of(&s.db, v.tenant, g.group_buy_id, m).await?;
        for team in teams.iter().filter(|x| {
            x.state == quanzi_domain::group_buy::TeamState::Open && x.deadline_at_ms > now
        }) {
            mine.push(Happening {
                href: format!("/h/{}/t/{}", v.slug, team.team_id.0),
                title: format!("{} · {}", t("gb.my_teams"), g.product_name),
                detail: t("team.need").replace("{n}", &team.places_left.to_string()),
                mine: true,
            });
        }
        if g.left == Some(0) || g.closed_at_ms.is_some() {
            continue;
        }
        open.push(Happening {
            href: format!("/h/{}/gb/{}", v.slug, g.group_buy_id.0),
            // The kind leads the detail: product names often say it in their own words.
            title: g.product_name.clone(),
            detail: format!(
                "{} · {} ¥{}",
                t("now.team_of").replace("{n}", &g.team_size.to_string()),
                t("gb.team_price"),
                yuan(g.team_price_fen)
            ),
            mine: false,
        });
    }
    for b in quanzi_core::bargains::list(&s.db, v.tenant).await? {
        let run = quanzi_core::bargains::run_of(&s.db, v.tenant, b.bargain_id, m).await?;
        if let Some(r) = run.filter(|r| r.bought_at_ms.is_none() && r.expires_at_ms > now) {
            mine.push(Happening {
                href: format!("/h/{}/bk/{}", v.slug, r.bargain_run_id.0),
                title: format!("{} · {}", t("now.my_bargain"), b.product_name),
                detail: format!("{} ¥{}", t("bargain.now"), yuan(r.price_fen)),
                mine: true,
            });
        }
        if b.left == Some(0) || b.closed_at_ms.is_some() {
            continue;
        }
        open.push(Happening {
            href: format!("/h/{}/bg/{}", v.slug, b.bargain_id.0),
            title: b.product_name.clone(),
            detail: format!(
                "{} · {} ¥{} · {} ¥{}",
                t("bargain.kicker"),
                t("bargain.start"),
                yuan(b.start_price_fen),
                t("bargain.floor"),
                yuan(b.floor_price_fen)
            ),
            mine: false,
        });
    }
    for o in offers {
        if o.kind != quanzi_domain::wallet::OfferKind::Coupon {
            continue;
        }
        let n = held.iter().filter(|g| g.offer_id == o.offer_id).count();
        if quanzi_core::offers::standing(o, n).is_some() {
            continue;
        }
        open.push(Happening {
            href: format!("/h/{}/o/{}", v.slug, o.offer_id.0),
            title: o.name.clone(),
            detail: format!("{} · {}", super::offer::reward(v.lang, o), t("of.claim")),
            mine: false,
        });
    }
    let envelopes =
        quanzi_core::red_envelopes::open_for(&s.db, v.tenant, m, ENVELOPES_LISTED).await?;
    for e in envelopes {
        open.push(Happening {
            href: format!("/h/{}/re/{}", v.slug, e.send),
            title: named(&e.name, t("re.title")),
            detail: format!(
                "¥{} · {}",
                yuan(e.total_fen),
                t("now.shares_left").replace("{n}", &e.left.to_string())
            ),
            mine: false,
        });
    }
    mine.append(&mut open);
    Ok(mine)
}
