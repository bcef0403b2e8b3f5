//! Offers as the API and the pages show them: an offer (买满送, coupon) with what it gave and
//! what it brought in, and each grant (an order it was applied to, a coupon a member holds).

use quanzi_domain::wallet::{OfferKind, OfferReward};
use quanzi_domain::{MemberId, OfferId};
use serde::Serialize;

/// An offer with its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Offer {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub offer_id: OfferId,
    /// Name shown to members.
    pub name: String,
    /// `spend_get` (买满送) or `coupon`.
    pub kind: OfferKind,
    /// The order must reach this, fen (0: no threshold, 无门槛).
    pub threshold_fen: i64,
    /// What it gives: money off (fen) or a gift.
    pub reward: OfferReward,
    /// How many may be given; none for no limit.
    pub stock: Option<i64>,
    /// Given so far (orders applied to, coupons handed out).
    pub taken: i64,
    /// Used on an order (a spend-get offer's grants are used when given).
    pub used: i64,
    /// The orders it was used on, fen together.
    pub order_fen: i64,
    /// Members who got one.
    pub members: i64,
    /// Window start, unix ms.
    pub valid_from_ms: i64,
    /// Window end (excluded), unix ms.
    pub valid_until_ms: i64,
    /// How many one member may get.
    pub per_member: i64,
    /// When the operator closed it (no more grants).
    pub closed_at_ms: Option<i64>,
    /// Created, unix ms.
    pub created_at_ms: i64,
}

/// One grant: an offer applied to an order, or a coupon a member holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferGrant {
    /// Id.
    pub grant_id: i64,
    /// The offer.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub offer_id: OfferId,
    /// The member.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub member_id: MemberId,
    /// Its cause: the order's key, or the coupon's claim key.
    pub cause_key: String,
    /// A coupon's code, shown to the member and typed at the till.
    pub code: Option<String>,
    /// Given, unix ms.
    pub granted_at_ms: i64,
    /// Used, unix ms.
    pub used_at_ms: Option<i64>,
    /// Who took it at the till.
    pub used_by: Option<String>,
    /// The order it was used on.
    pub order_key: Option<String>,
    /// That order's amount, fen.
    pub order_fen: Option<i64>,
}

from_row!(quanzi_store::offer::Grant => OfferGrant {
    grant_id, cause_key, code, granted_at_ms, used_at_ms, used_by, order_key, order_fen;
    offer_id: OfferId, member_id: MemberId;
});
