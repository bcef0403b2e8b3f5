//! Creating an offer (`/ui/campaigns/offers/new`): its name, kind (买满送 applied at the till,
//! or a coupon members take), the threshold and the money off typed in yuan (stored in fen) or
//! a gift, the stock, how many one member may get, and its window in the tenant's time zone.

use quanzi_core::offers;
use quanzi_domain::wallet::{OfferInput, OfferKind};
use quanzi_domain::{Invalid, TenantId};

use super::super::Layout;
use super::super::form::{FormErrors, label};
use super::super::growth::{Pairs, fen, whole};
use super::campaign_form::{CampaignForm, Kind, Reason, Spec, time};
use super::local_value;
use crate::AppState;

/// The offer form.
pub(super) struct OfferForm;

impl CampaignForm for OfferForm {
    type Input = OfferInput;
    const PREFIX: &'static str = "offer_form";
    const TITLE: &'static str = "offer_form.title";
    const INTRO: &'static str = "offer_form.intro";
    const IDS: (&'static str, &'static str) = ("offer-form", "offers");
    const FIELDS: &'static [Spec] = &[
        ("name", Kind::Text(64), true),
        ("kind", Kind::Choice(&["spend_get", "coupon"]), true),
        ("threshold", Kind::Yuan, false),
        ("discount", Kind::Yuan, false),
        ("gift_name", Kind::Text(64), false),
        ("stock", Kind::Whole, false),
        ("per_member", Kind::Whole, false),
        ("valid_from", Kind::Time, true),
        ("valid_until", Kind::Time, true),
    ];
    const REASONS: &'static [Reason] = &[
        (
            "threshold_fen",
            "must be between",
            "offer_form.threshold_range",
        ),
        (
            "discount_fen",
            "must be between",
            "offer_form.discount_range",
        ),
        (
            "discount_fen",
            "set discount_fen or gift_name, not",
            "offer_form.reward_both",
        ),
        (
            "discount_fen",
            "set discount_fen or gift_name",
            "offer_form.reward_none",
        ),
        ("valid_until_ms", "must be after", "offer_form.until_after"),
    ];

    fn defaults(offset_secs: i64) -> Vec<(String, String)> {
        let minute = 60_000;
        let now = quanzi_core::read::now_ms() / minute * minute;
        vec![
            ("kind".into(), OfferKind::SpendGet.as_str().into()),
            ("per_member".into(), "1".into()),
            ("valid_from".into(), local_value(now, offset_secs)),
            (
                "valid_until".into(),
                local_value(now + 30 * 86_400_000, offset_secs),
            ),
        ]
    }

    fn input(p: &Pairs, l: &Layout, errs: &mut FormErrors) -> OfferInput {
        let labels = |f: &str| label(l, Self::PREFIX, f);
        let kind = OfferKind::parse(p.get("kind"));
        if kind.is_none() {
            let reason = l
                .t("reason.one_of")
                .replace("{list}", &OfferKind::expected());
            errs.push("kind", l.lang.labelled(&labels("kind"), &reason));
        }
        let gift = p.get("gift_name").trim();
        OfferInput {
            name: Some(p.get("name").to_string()),
            kind,
            threshold_fen: fen(l, errs, &labels, "threshold", p.get("threshold")),
            discount_fen: fen(l, errs, &labels, "discount", p.get("discount")),
            gift_name: (!gift.is_empty()).then(|| gift.to_string()),
            stock: whole(l, errs, &labels, "stock", p.get("stock")),
            per_member: whole(l, errs, &labels, "per_member", p.get("per_member")),
            valid_from_ms: time(p, l, errs, Self::PREFIX, "valid_from"),
            valid_until_ms: time(p, l, errs, Self::PREFIX, "valid_until"),
        }
    }

    fn check(input: OfferInput) -> Result<(), Invalid> {
        input.into_new().map(drop)
    }

    async fn create(s: &AppState, t: TenantId, input: OfferInput) -> quanzi_core::Result<()> {
        offers::create(&s.db, t, input).await.map(drop)
    }
}
