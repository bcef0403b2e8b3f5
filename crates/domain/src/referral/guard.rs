//! Fraud guards: signals that a referral may not be what it looks like. They flag and hold
//! a reward for the operator's review; they never block the member.

use crate::name_enum;

/// Joins through one member's link within [`VELOCITY_WINDOW_MS`] above which the rest are held.
pub const VELOCITY_LIMIT: i64 = 5;
/// The window of the velocity guard.
pub const VELOCITY_WINDOW_MS: i64 = 10 * 60 * 1000;
/// Friends of one inviter from one IPv4 /24 within a day above which the rest are held.
pub const IP_CLUSTER_LIMIT: i64 = 3;

name_enum! {
    /// Why a reward is held.
    HoldReason {
        /// The inviter invited themselves.
        SelfInvite = "self_invite",
        /// Inviter and friend share a phone, unionid or device.
        SamePerson = "same_person",
        /// Many joins through one link within minutes.
        Velocity = "velocity",
        /// Several friends from one network (/24).
        IpCluster = "ip_cluster",
        /// Friends of this inviter tend to leave soon after the reward.
        LeftSoon = "left_soon",
    }
}

/// What is known about a referral when its reward is granted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signals {
    /// Inviter and friend are the same member.
    pub self_invite: bool,
    /// They share a phone, a unionid or a device (visitor key or openid).
    pub same_person: bool,
    /// Joins through the inviter's link in the last [`VELOCITY_WINDOW_MS`], this one included.
    pub recent_joins: i64,
    /// The inviter's friends from this friend's /24 in the last day, this one included.
    pub same_network: i64,
    /// The inviter's earlier friends who left within the stay period.
    pub left_soon: i64,
}

/// The first reason to hold a reward with these signals, if any.
pub fn hold_reason(s: &Signals) -> Option<HoldReason> {
    if s.self_invite {
        Some(HoldReason::SelfInvite)
    } else if s.same_person {
        Some(HoldReason::SamePerson)
    } else if s.recent_joins > VELOCITY_LIMIT {
        Some(HoldReason::Velocity)
    } else if s.same_network > IP_CLUSTER_LIMIT {
        Some(HoldReason::IpCluster)
    } else if s.left_soon >= 2 {
        Some(HoldReason::LeftSoon)
    } else {
        None
    }
}

/// The /24 network of an IPv4 address ("10.1.2.3" → "10.1.2"); IPv6 keeps its first four
/// groups (a /64); `None` for anything else.
pub fn network(ip: &str) -> Option<String> {
    match ip.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(v4) => {
            let o = v4.octets();
            Some(format!("{}.{}.{}", o[0], o[1], o[2]))
        }
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            Some(format!("{:x}:{:x}:{:x}:{:x}", s[0], s[1], s[2], s[3]))
        }
    }
}
