//! Group buys and bargains as the API and the pages show them: a group buy with its stock
//! left, a team with its places and time left, a member's bargain with its price, floor and
//! cuts.

use quanzi_domain::group_buy::TeamState;
use quanzi_domain::{BargainId, GroupBuyId, MemberId, TeamId};
use serde::Serialize;

use crate::bargains::BargainRunId;

/// A group buy (拼团).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupBuy {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub group_buy_id: GroupBuyId,
    /// Product.
    pub product_name: String,
    /// Price alone, fen.
    pub price_fen: i64,
    /// Price in a team that fills, fen.
    pub team_price_fen: i64,
    /// Members a team needs, its leader included.
    pub team_size: i64,
    /// Hours a team has to fill from its opening.
    pub hours: i64,
    /// Units that may be held or sold at the team price; none for no limit.
    pub stock: Option<i64>,
    /// Units held by open teams' members or sold to succeeded teams' members.
    pub taken: i64,
    /// Units left to hold now (none without a stock); a failed team's holds come back.
    pub left: Option<i64>,
    /// A short team may be completed with virtual members on the merchant's request.
    pub allow_virtual: bool,
    /// Created.
    pub created_at_ms: i64,
    /// Changed.
    pub updated_at_ms: i64,
    /// When the operator closed it: nothing new opens (what is under way runs its course).
    pub closed_at_ms: Option<i64>,
}

impl From<quanzi_store::group_buy::GroupBuy> for GroupBuy {
    fn from(row: quanzi_store::group_buy::GroupBuy) -> GroupBuy {
        let quanzi_store::group_buy::GroupBuy {
            group_buy_id,
            product_name,
            price_fen,
            team_price_fen,
            team_size,
            hours,
            stock,
            taken,
            allow_virtual,
            created_at_ms,
            updated_at_ms,
            closed_at_ms,
        } = row;
        GroupBuy {
            group_buy_id: GroupBuyId(group_buy_id),
            product_name,
            price_fen,
            team_price_fen,
            team_size,
            hours,
            stock,
            taken,
            left: stock.map(|s| (s - taken).max(0)),
            allow_virtual,
            created_at_ms,
            updated_at_ms,
            closed_at_ms,
        }
    }
}

/// A team of a group buy, with its state at the time it was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Team {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub team_id: TeamId,
    /// Group buy.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub group_buy_id: GroupBuyId,
    /// The member who opened it.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub leader_member_id: MemberId,
    /// Members it needs.
    pub team_size: i64,
    /// Real members in it, its leader included.
    pub member_count: i64,
    /// Virtual members the merchant completed it with.
    pub virtual_members: i64,
    /// Places still open (0 once settled).
    pub places_left: i64,
    /// Open, succeeded or failed.
    pub state: TeamState,
    /// Opened, unix ms.
    pub opened_at_ms: i64,
    /// Fails unless full by then, unix ms.
    pub deadline_at_ms: i64,
    /// Succeeded or failed at, unix ms.
    pub settled_at_ms: Option<i64>,
}

impl From<quanzi_store::group_buy::Team> for Team {
    fn from(row: quanzi_store::group_buy::Team) -> Team {
        let quanzi_store::group_buy::Team {
            team_id,
            group_buy_id,
            leader_member_id,
            team_size,
            member_count,
            virtual_members,
            state,
            opened_at_ms,
            deadline_at_ms,
            settled_at_ms,
        } = row;
        // The store's check admits only these three names.
        let state = TeamState::parse(&state).unwrap_or(TeamState::Failed);
        let places_left = match state {
            TeamState::Open => (team_size - member_count - virtual_members).max(0),
            _ => 0,
        };
        Team {
            team_id: TeamId(team_id),
            group_buy_id: GroupBuyId(group_buy_id),
            leader_member_id: MemberId(leader_member_id),
            team_size,
            member_count,
            virtual_members,
            places_left,
            state,
            opened_at_ms,
            deadline_at_ms,
            settled_at_ms,
        }
    }
}

/// A member of a team.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamMember {
    /// Member.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub member_id: MemberId,
    /// Place in the team, from 1 (the leader).
    pub seq: i64,
    /// `held` while the team is open, `ordered` once it succeeded (an `order` event),
    /// `released` when it failed (nobody pays).
    pub state: String,
    /// Joined, unix ms.
    pub joined_at_ms: i64,
}

impl From<quanzi_store::group_buy::TeamMember> for TeamMember {
    fn from(row: quanzi_store::group_buy::TeamMember) -> TeamMember {
        let quanzi_store::group_buy::TeamMember {
            member_id,
            seq,
            state,
            joined_at_ms,
        } = row;
        TeamMember {
            member_id: MemberId(member_id),
            seq,
            state,
            joined_at_ms,
        }
    }
}

/// A team with its group buy and its members in place order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamDetail {
    /// The team.
    pub team: Team,
    /// Its group buy.
    pub group_buy: GroupBuy,
    /// Its real members, the leader first.
    pub members: Vec<TeamMember>,
}

/// A bargain offer (砍一刀).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bargain {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub bargain_id: BargainId,
    /// Product.
    pub product_name: String,
    /// Price a member's bargain starts from, fen.
    pub start_price_fen: i64,
    /// Price friends can bring it down to, fen.
    pub floor_price_fen: i64,
    /// Friends' cuts that bring a bargain to its floor.
    pub cuts_to_floor: i64,
    /// Hours a member's bargain is open to cuts.
    pub hours: i64,
    /// Units that may be sold; none for no limit.
    pub stock: Option<i64>,
    /// Units sold.
    pub taken: i64,
    /// Units left (none without a stock).
    pub left: Option<i64>,
    /// Created.
    pub created_at_ms: i64,
    /// Changed.
    pub updated_at_ms: i64,
    /// When the operator closed it: nothing new opens (what is under way runs its course).
    pub closed_at_ms: Option<i64>,
}

impl From<quanzi_store::bargain::Bargain> for Bargain {
    fn from(row: quanzi_store::bargain::Bargain) -> Bargain {
        let quanzi_store::bargain::Bargain {
            bargain_id,
            product_name,
            start_price_fen,
            floor_price_fen,
            cuts_to_floor,
            hours,
            stock,
            taken,
            created_at_ms,
            updated_at_ms,
            closed_at_ms,
        } = row;
        Bargain {
            bargain_id: BargainId(bargain_id),
            product_name,
            start_price_fen,
            floor_price_fen,
            cuts_to_floor,
            hours,
            stock,
            taken,
            left: stock.map(|s| (s - taken).max(0)),
            created_at_ms,
            updated_at_ms,
            closed_at_ms,
        }
    }
}

/// A member's bargain: the offer's price as friends cut it so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BargainRun {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub bargain_run_id: BargainRunId,
    /// The offer.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub bargain_id: BargainId,
    /// The member who opened it (the only one who may buy).
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub member_id: MemberId,
    /// Price now, fen.
    pub price_fen: i64,
    /// The floor, fen.
    pub floor_price_fen: i64,
    /// Friends' cuts so far.
    pub cuts: i64,
    /// Opened, unix ms.
    pub opened_at_ms: i64,
    /// No cuts from then on, unix ms.
    pub expires_at_ms: i64,
    /// Bought at, unix ms.
    pub bought_at_ms: Option<i64>,
    /// Paid, fen.
    pub paid_fen: Option<i64>,
}

impl From<quanzi_store::bargain::BargainRun> for BargainRun {
    fn from(row: quanzi_store::bargain::BargainRun) -> BargainRun {
        let quanzi_store::bargain::BargainRun {
            bargain_run_id,
            bargain_id,
            member_id,
            price_fen,
            floor_price_fen,
            cuts,
            opened_at_ms,
            expires_at_ms,
            bought_at_ms,
            paid_fen,
        } = row;
        BargainRun {
            bargain_run_id: BargainRunId(bargain_run_id),
            bargain_id: BargainId(bargain_id),
            member_id: MemberId(member_id),
            price_fen,
            floor_price_fen,
            cuts,
            opened_at_ms,
            expires_at_ms,
            bought_at_ms,
            paid_fen,
        }
    }
}

/// A friend's cut.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BargainCut {
    /// The member's bargain.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub bargain_run_id: BargainRunId,
    /// The friend.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub member_id: MemberId,
    /// Its number, from 1.
    pub cut_no: i64,
    /// Taken off, fen.
    pub amount_fen: i64,
    /// The price after it, fen.
    pub price_after_fen: i64,
    /// When, unix ms.
    pub at_ms: i64,
}

impl From<quanzi_store::bargain::BargainCut> for BargainCut {
    fn from(row: quanzi_store::bargain::BargainCut) -> BargainCut {
        let quanzi_store::bargain::BargainCut {
            bargain_run_id,
            member_id,
            cut_no,
            amount_fen,
            price_after_fen,
            at_ms,
        } = row;
        BargainCut {
            bargain_run_id: BargainRunId(bargain_run_id),
            member_id: MemberId(member_id),
            cut_no,
            amount_fen,
            price_after_fen,
            at_ms,
        }
    }
}

/// A member's bargain with its offer and its cuts in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BargainRunDetail {
    /// The member's bargain.
    pub run: BargainRun,
    /// The offer.
    pub bargain: Bargain,
    /// Friends' cuts, first first.
    pub cuts: Vec<BargainCut>,
}
