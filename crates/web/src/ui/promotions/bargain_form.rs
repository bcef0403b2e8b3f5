//! Creating a bargain (砍一刀, `/ui/campaigns/bargains/new`): the product, the start price and
//! the floor typed in yuan (stored in fen), how many friends' cuts reach the floor, the hours
//! a member has to gather them and the stock.

use quanzi_core::bargains;
use quanzi_domain::bargain::BargainInput;
use quanzi_domain::{Invalid, TenantId};

use super::super::Layout;
use super::super::form::{FormErrors, label};
use super::super::growth::{Pairs, fen, whole};
use super::campaign_form::{CampaignForm, Kind, Reason, Spec};
use crate::AppState;

/// The bargain form.
pub(super) struct BargainForm;

impl CampaignForm for BargainForm {
    type Input = BargainInput;
    const PREFIX: &'static str = "bargain_form";
    const TITLE: &'static str = "bargain_form.title";
    const INTRO: &'static str = "bargain_form.intro";
    const IDS: (&'static str, &'static str) = ("bargain-form", "bargains");
    const FIELDS: &'static [Spec] = &[
        ("product_name", Kind::Text(64), true),
        ("start_price", Kind::Yuan, true),
        ("floor_price", Kind::Yuan, true),
        ("cuts_to_floor", Kind::Whole, true),
        ("hours", Kind::Whole, false),
        ("stock", Kind::Whole, false),
    ];
    const REASONS: &'static [Reason] = &[
        (
            "start_price_fen",
            "must be between",
            "bargain_form.start_range",
        ),
        (
            "floor_price_fen",
            "must be at least",
            "bargain_form.floor_below",
        ),
        ("cuts_to_floor", "must be at most", "bargain_form.cuts_fen"),
    ];

    fn defaults(_offset_secs: i64) -> Vec<(String, String)> {
        vec![("hours".into(), "24".into())]
    }

    fn input(p: &Pairs, l: &Layout, errs: &mut FormErrors) -> BargainInput {
        let labels = |f: &str| label(l, Self::PREFIX, f);
        let (start, floor) = (p.get("start_price"), p.get("floor_price"));
        BargainInput {
            product_name: Some(p.get("product_name").to_string()),
            start_price_fen: fen(l, errs, &labels, "start_price", start),
            floor_price_fen: fen(l, errs, &labels, "floor_price", floor),
            cuts_to_floor: whole(l, errs, &labels, "cuts_to_floor", p.get("cuts_to_floor")),
            hours: whole(l, errs, &labels, "hours", p.get("hours")),
            stock: whole(l, errs, &labels, "stock", p.get("stock")),
        }
    }

    fn check(input: BargainInput) -> Result<(), Invalid> {
        input.into_new().map(drop)
    }

    async fn create(s: &AppState, t: TenantId, input: BargainInput) -> quanzi_core::Result<()> {
        bargains::create(&s.db, t, input).await.map(drop)
    }
}
