//! Creating a group buy (拼团, `/ui/campaigns/group-buys/new`): the product, its price alone
//! and the team price typed in yuan (stored in fen), the team's size, the hours it has to
//! fill, the stock at the team price and whether virtual members may complete a short team.

use quanzi_core::group_buys;
use quanzi_domain::group_buy::GroupBuyInput;
use quanzi_domain::{Invalid, TenantId};

use super::super::Layout;
use super::super::form::{FormErrors, label};
use super::super::growth::{Pairs, fen, whole};
use super::campaign_form::{CampaignForm, Kind, Reason, Spec};
use crate::AppState;

/// The group-buy form.
pub(super) struct GroupBuyForm;

impl CampaignForm for GroupBuyForm {
    type Input = GroupBuyInput;
    const PREFIX: &'static str = "group_buy_form";
    const TITLE: &'static str = "group_buy_form.title";
    const INTRO: &'static str = "group_buy_form.intro";
    const IDS: (&'static str, &'static str) = ("group-buy-form", "group-buys");
    const FIELDS: &'static [Spec] = &[
        ("product_name", Kind::Text(64), true),
        ("price", Kind::Yuan, true),
        ("team_price", Kind::Yuan, true),
        ("team_size", Kind::Whole, true),
        ("hours", Kind::Whole, false),
        ("stock", Kind::Whole, false),
        ("allow_virtual", Kind::Check, false),
    ];
    const REASONS: &'static [Reason] = &[
        ("price_fen", "must be between", "group_buy_form.price_range"),
        (
            "team_price_fen",
            "must be at least",
            "group_buy_form.team_price_below",
        ),
    ];

    fn defaults(_offset_secs: i64) -> Vec<(String, String)> {
        vec![("hours".into(), "24".into())]
    }

    fn input(p: &Pairs, l: &Layout, errs: &mut FormErrors) -> GroupBuyInput {
        let labels = |f: &str| label(l, Self::PREFIX, f);
        GroupBuyInput {
            product_name: Some(p.get("product_name").to_string()),
            price_fen: fen(l, errs, &labels, "price", p.get("price")),
            team_price_fen: fen(l, errs, &labels, "team_price", p.get("team_price")),
            team_size: whole(l, errs, &labels, "team_size", p.get("team_size")),
            hours: whole(l, errs, &labels, "hours", p.get("hours")),
            stock: whole(l, errs, &labels, "stock", p.get("stock")),
            allow_virtual: Some(!p.get("allow_virtual").is_empty()),
        }
    }

    fn check(input: GroupBuyInput) -> Result<(), Invalid> {
        input.into_new().map(drop)
    }

    async fn create(s: &AppState, t: TenantId, input: GroupBuyInput) -> quanzi_core::Result<()> {
        group_buys::create(&s.db, t, input).await.map(drop)
    }
}
