//! Live codes, gifts and their codes, referral programmes and rewards as the API and the
//! pages show them.

use quanzi_domain::live_code::RouteRule;
use quanzi_domain::live_code::staff::StaffSlot;
use quanzi_domain::referral::ReferralRules;
use quanzi_domain::{GroupId, MemberId};
use serde::Serialize;

/// A live code (活码).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveCode {
    /// Id.
    pub live_code_id: i64,
    /// URL slug: the code's page is `/h/{tenant}/c/{slug}`.
    pub slug: String,
    /// Name.
    pub name: String,
    /// `poster`, `partner`, `store` or `staff`.
    pub kind: String,
    /// Store.
    pub store: Option<String>,
    /// The groups it fills, in order (groups it opened itself included).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<i64>))]
    pub group_ids: Vec<GroupId>,
    /// Routing rules; the first match wins.
    pub rules: Vec<RouteRule>,
    /// Group copied when every group is full.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub template_group_id: Option<GroupId>,
    /// Lead gift.
    pub gift_id: Option<i64>,
    /// Whether visitors answer the two-question form first.
    pub ask: bool,
    /// Staff of a staff code.
    pub staff: Vec<StaffSlot>,
    /// Backup staff.
    pub backup_staff: Option<String>,
    /// Welcome message.
    pub welcome: Option<String>,
    /// Tags given to whoever comes through it.
    pub auto_tags: Vec<String>,
    /// WeCom config id of its contact or join way, when made.
    pub wecom_config_id: Option<String>,
    /// WeCom's QR image URL for it.
    pub wecom_qr_url: Option<String>,
    /// When archived.
    pub archived_at_ms: Option<i64>,
    /// Created.
    pub created_at_ms: i64,
    /// Changed.
    pub updated_at_ms: i64,
}

impl LiveCode {
    /// The view of a stored code and its pool.
    pub fn of(row: quanzi_store::live_code::LiveCode, pool: Vec<i64>) -> Self {
        let quanzi_store::live_code::LiveCode {
            live_code_id,
            slug,
            name,
            kind,
            store,
            template_group_id,
            gift_id,
            ask,
            rules,
            staff,
            backup_staff,
            welcome,
            auto_tags,
            wecom_config_id,
            wecom_qr_url,
            archived_at_ms,
            created_at_ms,
            updated_at_ms,
        } = row;
        LiveCode {
            live_code_id,
            slug,
            name,
            kind,
            store,
            group_ids: pool.into_iter().map(GroupId).collect(),
            rules: serde_json::from_str(&rules).unwrap_or_default(),
            template_group_id: template_group_id.map(GroupId),
            gift_id,
            ask: ask != 0,
            staff: serde_json::from_str(&staff).unwrap_or_default(),
            backup_staff,
            welcome,
            auto_tags: serde_json::from_str(&auto_tags).unwrap_or_default(),
            wecom_config_id,
            wecom_qr_url,
            archived_at_ms,
            created_at_ms,
            updated_at_ms,
        }
    }
}

/// What a live code did: scans, visitors, seats, joins.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Funnel {
    /// Code.
    pub live_code_id: i64,
    /// Visits of its page.
    pub scans: i64,
    /// Distinct visitors.
    pub visitors: i64,
    /// Sent to a group or a staff member.
    pub seated: i64,
    /// Joined the group.
    pub joined: i64,
}

from_row!(quanzi_store::live_code_funnel::Funnel => Funnel { live_code_id, scans, visitors, seated, joined; ; });

/// A lead gift.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gift {
    /// Id.
    pub gift_id: i64,
    /// Name.
    pub name: String,
    /// Cost, fen.
    pub cost_fen: i64,
    /// Stock, none for no limit.
    pub stock: Option<i64>,
    /// Codes issued.
    pub issued: i64,
    /// Days a code stays redeemable.
    pub valid_days: i64,
    /// When archived.
    pub archived_at_ms: Option<i64>,
    /// Created.
    pub created_at_ms: i64,
    /// Changed.
    pub updated_at_ms: i64,
}

from_row!(quanzi_store::gift::Gift => Gift { gift_id, name, cost_fen, stock, issued, valid_days, archived_at_ms, created_at_ms, updated_at_ms; ; });

/// A member's redemption code for a gift.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Redemption {
    /// Id.
    pub redemption_id: i64,
    /// Gift.
    pub gift_id: i64,
    /// Member.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub member_id: MemberId,
    /// The code that brought the member.
    pub live_code_id: Option<i64>,
    /// The code staff type or scan.
    pub code: String,
    /// Issued.
    pub issued_at_ms: i64,
    /// Redeemable until.
    pub expires_at_ms: i64,
    /// When redeemed.
    pub redeemed_at_ms: Option<i64>,
    /// Who redeemed it.
    pub redeemed_by: Option<String>,
}

from_row!(quanzi_store::gift::Redemption => Redemption {
    redemption_id, gift_id, live_code_id, code, issued_at_ms, expires_at_ms, redeemed_at_ms, redeemed_by;
    member_id: MemberId;
});

/// What a gift cost per member it brought, per live code.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GiftCost {
    /// Gift.
    pub gift_id: i64,
    /// Live code, none for codes given elsewhere.
    pub live_code_id: Option<i64>,
    /// Codes issued (members acquired).
    pub issued: i64,
    /// Codes redeemed.
    pub redeemed: i64,
    /// Members issued a code 30 days ago or more.
    pub matured: i64,
    /// Of those, still active after 30 days.
    pub retained: i64,
    /// Gift cost spent (redeemed × cost), fen.
    pub spent_fen: i64,
    /// Spent per member acquired, fen.
    pub per_acquired_fen: Option<i64>,
    /// Spent on matured members per retained member, fen.
    pub per_retained_fen: Option<i64>,
    /// Whether the cost per acquired member is within the seed's ¥3.
    pub within_target: bool,
}

/// A referral programme (裂变).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Program {
    /// Id.
    pub program_id: i64,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Landing live code.
    pub live_code_id: Option<i64>,
    /// Rules.
    pub rules: ReferralRules,
    /// Budget, fen.
    pub budget_fen: i64,
    /// Spent by rewards that count, fen.
    pub spent_fen: i64,
    /// What one member may earn at most, fen.
    pub member_cap_fen: Option<i64>,
    /// When archived.
    pub archived_at_ms: Option<i64>,
    /// Created.
    pub created_at_ms: i64,
    /// Changed.
    pub updated_at_ms: i64,
}

impl From<quanzi_store::referral::Program> for Program {
    fn from(row: quanzi_store::referral::Program) -> Self {
        let quanzi_store::referral::Program {
            program_id,
            slug,
            name,
            live_code_id,
            rules,
            budget_fen,
            spent_fen,
            member_cap_fen,
            order_watermark: _,
            archived_at_ms,
            created_at_ms,
            updated_at_ms,
        } = row;
        Program {
            program_id,
            slug,
            name,
            live_code_id,
            rules: serde_json::from_str(&rules).unwrap_or_default(),
            budget_fen,
            spent_fen,
            member_cap_fen,
            archived_at_ms,
            created_at_ms,
            updated_at_ms,
        }
    }
}

/// A reward in the ledger.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reward {
    /// Id.
    pub reward_id: i64,
    /// Programme.
    pub program_id: i64,
    /// Who gets it.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub member_id: MemberId,
    /// Its one cause (`join:42`, `milestone:5`, `visit:7`, `order:42`…).
    pub cause: String,
    /// The friend behind it.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub invitee_member_id: Option<MemberId>,
    /// `points`, `coupon`, `gift` or `cash`.
    pub kind: String,
    /// Amount (points, count, or fen for cash).
    pub amount: i64,
    /// Cost to the budget, fen.
    pub value_fen: i64,
    /// `pending`, `held`, `approved`, `paid`, `reversed` or `rejected`.
    pub state: String,
    /// Why a guard held it.
    pub hold_reason: Option<String>,
    /// The friend's network (/24).
    pub network: Option<String>,
    /// When it matures (the friend stayed long enough).
    pub mature_at_ms: i64,
    /// Created.
    pub created_at_ms: i64,
    /// Changed.
    pub updated_at_ms: i64,
}

from_row!(quanzi_store::referral::Reward => Reward {
    reward_id, program_id, cause, kind, amount, value_fen, state, hold_reason, network, mature_at_ms, created_at_ms, updated_at_ms;
    member_id: MemberId;
    invitee_member_id: MemberId,
});

/// One change of a reward's state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    /// From state.
    pub from_state: String,
    /// To state.
    pub to_state: String,
    /// Who decided (`operator:3`, `system`).
    pub actor: String,
    /// Why.
    pub note: Option<String>,
    /// When.
    pub at_ms: i64,
}
