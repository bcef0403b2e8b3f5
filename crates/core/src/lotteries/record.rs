//! A lottery's published record — its rules, the commitment, the seed once revealed, and every
//! draw and upgrade in order — and its check, which needs nothing but the record: the seed
//! against the commitment, each draw's ticket, and each outcome replayed under the rules
//! (`quanzi_domain::lottery::verify`). `quanzi verify-draw` and the member page run it.

use quanzi_domain::lottery::{LotteryInput, Step, ticket, verify};
use quanzi_domain::{LotteryId, MemberId, TenantId};
use quanzi_store::Db;
use quanzi_store::lottery as repo;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::server::ServerSettings;

/// One event of the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordEvent {
    /// Its place in the record, from 1.
    pub seq: i64,
    /// `draw` or `upgrade`.
    pub kind: String,
    /// The member (an id only).
    pub member_id: i64,
    /// The member's draw number (of an upgrade: the draw whose prize was upgraded).
    pub draw_no: i64,
    /// A draw's ticket, 0–999,999.
    pub ticket: Option<i64>,
    /// The tier given (0-based), none for nothing.
    pub tier: Option<i64>,
    /// An upgrade's tier given back.
    pub from_tier: Option<i64>,
}

/// A lottery's published record.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LotteryRecord {
    /// The lottery.
    pub lottery_id: i64,
    /// Its rules as created.
    pub rules: LotteryInput,
    /// SHA-256 (lowercase hex) of the seed, published before the first draw.
    pub commitment: String,
    /// The seed, revealed when the lottery ended; none before.
    pub seed: Option<String>,
    /// Every draw and upgrade, in order.
    pub events: Vec<RecordEvent>,
}

/// The record of a lottery as published now (the seed only once it ended).
pub async fn record(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
    id: LotteryId,
) -> Result<LotteryRecord> {
    let l = super::current(db, server, t, id, quanzi_store::now_ms()).await?;
    let (rules, _) = super::rules_of(&l)?;
    let events = repo::events(db, t, id)
        .await?
        .into_iter()
        .map(|e| RecordEvent {
            seq: e.seq,
            kind: e.kind,
            member_id: e.member_id,
            draw_no: e.draw_no,
            ticket: e.ticket,
            tier: e.tier,
            from_tier: e.from_tier,
        })
        .collect();
    Ok(LotteryRecord {
        lottery_id: id.0,
        rules,
        commitment: l.commitment,
        seed: l.seed,
        events,
    })
}

/// What checking a record found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// Every event recomputes as published.
    Fair {
        /// Draws checked.
        draws: usize,
        /// Upgrades checked.
        upgrades: usize,
    },
    /// The seed is not revealed yet: nothing can be checked before the lottery ends.
    NotRevealed,
    /// It does not check out, and why (the first event that differs, or the seed).
    Unfair(String),
}

/// Checks a record with nothing but its own content.
pub fn check(r: &LotteryRecord) -> Checked {
    let Some(seed) = r.seed.as_deref() else {
        return Checked::NotRevealed;
    };
    let rules = match r.rules.clone().into_new() {
        Ok(rules) => rules,
        Err(e) => return Checked::Unfair(format!("the rules are not valid: {e:?}")),
    };
    let lottery = LotteryId(r.lottery_id);
    // The seed itself first: a tampered seed is named as such, not by the first ticket it
    // changes.
    if let Err(e) = verify(&rules, lottery, seed, &r.commitment, &[]) {
        return Checked::Unfair(e.to_string());
    }
    let tier = |v: Option<i64>| v.and_then(|t| usize::try_from(t).ok());
    let mut steps = Vec::with_capacity(r.events.len());
    let (mut draws, mut upgrades) = (0, 0);
    for (i, e) in r.events.iter().enumerate() {
        let member = MemberId(e.member_id);
        let draw_no = u32::try_from(e.draw_no).unwrap_or(0);
        match e.kind.as_str() {
            "draw" => {
                // The ticket is recomputed from the seed, whatever the record says.
                if quanzi_domain::lottery::check_seed(seed)
                    && e.ticket != Some(i64::from(ticket(seed, lottery, member, draw_no)))
                {
                    return Checked::Unfair(format!("event {i} was published with another ticket"));
                }
                draws += 1;
                steps.push(Step::Draw {
                    member,
                    draw_no,
                    tier: tier(e.tier),
                });
            }
            "upgrade" => {
                let (Some(from), Some(to)) = (tier(e.from_tier), tier(e.tier)) else {
                    return Checked::Unfair(format!("event {i} is an upgrade without its tiers"));
                };
                upgrades += 1;
                steps.push(Step::Upgrade { from, to });
            }
            other => return Checked::Unfair(format!("event {i} is of an unknown kind {other:?}")),
        }
    }
    match verify(&rules, lottery, seed, &r.commitment, &steps) {
        Ok(()) => Checked::Fair { draws, upgrades },
        Err(e) => Checked::Unfair(e.to_string()),
    }
}
