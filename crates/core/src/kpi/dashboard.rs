//! The dashboard: the analytics page's default 30 days (the same figures, from the same
//! index) and what needs the operator's attention today: dead groups, groups over their
//! advised size, churn and a rising lurker share.

use quanzi_domain::TenantId;
use quanzi_store::Db;

use super::{Analytics, GroupKpi, KpiQuery, Overview, groups, overview, resolve};
use crate::Result;

/// Something the operator should look at, with what it is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Attention {
    /// A group with members where nobody wrote for the dead-group threshold.
    DeadGroup {
        /// Group id.
        group_id: i64,
        /// Name.
        name: String,
        /// Members.
        members: u32,
        /// The last day anyone wrote, YYYY-MM-DD, if ever.
        last_message: Option<String>,
    },
    /// A group above its advised size (still below its hard capacity, or at it).
    OverAdvised {
        /// Group id.
        group_id: i64,
        /// Name.
        name: String,
        /// Members now.
        size: i64,
        /// Advised size.
        advised: i64,
        /// Hard capacity.
        hard: i64,
    },
    /// More members left than joined over the period.
    Churn {
        /// Leaves over the period.
        leaves: u32,
        /// Joins over the period.
        joins: u32,
    },
    /// A group a live code fills shows no valid QR image to its scanners: a group the code
    /// opened waits for one, or WeChat's 7 days run out within a day.
    GroupQr {
        /// Group id.
        group_id: i64,
        /// Name.
        name: String,
        /// When its image expires (or expired); none when it never had one.
        expires_at_ms: Option<i64>,
    },
    /// Referral rewards held by the fraud guards wait for a decision.
    RewardsHeld {
        /// How many.
        count: usize,
    },
    /// The share of lurkers among members grew against the period before.
    LurkersRising {
        /// Lurker share now.
        share: f64,
        /// Lurker share over the period before.
        previous: f64,
    },
}

/// The growth loop's part of the attention list: groups of live codes without a valid QR
/// image (or about to lose it), and held rewards.
async fn growth_attention(
    db: &Db,
    t: TenantId,
    all: &[crate::views::Group],
) -> Result<Vec<Attention>> {
    let now = quanzi_store::now_ms();
    let soon = now + quanzi_domain::live_code::GROUP_QR_ALERT_MS;
    let expiries = crate::live_codes::qr_expiries(db, t).await?;
    let mut shown = std::collections::HashSet::new();
    let mut out = Vec::new();
    for code in crate::live_codes::all(db, t).await? {
        if code.archived_at_ms.is_some() || code.kind == "staff" {
            continue;
        }
        for g in &code.group_ids {
            let Some(group) = all
                .iter()
                .find(|x| x.group_id == *g && x.archived_at_ms.is_none())
            else {
                continue;
            };
            let expires = expiries.iter().find(|(id, _)| id == g).map(|(_, e)| *e);
            if expires.is_none_or(|e| e < soon) && shown.insert(g.0) {
                out.push(Attention::GroupQr {
                    group_id: g.0,
                    name: group.name.clone(),
                    expires_at_ms: expires,
                });
            }
        }
    }
    let held = crate::referrals::held(db, t).await?;
    if held > 0 {
        out.push(Attention::RewardsHeld {
            count: held as usize,
        });
    }
    Ok(out)
}

/// The dashboard's figures.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// The analytics overview of the default range (the last 30 days up to today).
    pub overview: Overview,
    /// Per group, over the same range.
    pub groups: Vec<GroupKpi>,
    /// Every group as it is now (archived ones included).
    pub all: Vec<crate::views::Group>,
    /// What needs attention, most urgent kind first.
    pub attention: Vec<Attention>,
}

/// The dashboard of tenant `t`: the analytics page's default query, and the attention list.
pub async fn dashboard(a: &Analytics, db: &Db, t: TenantId) -> Result<Dashboard> {
    let p = resolve(db, t, &KpiQuery::default()).await?;
    let o = overview(a, db, t, &p).await?;
    let g = groups(a, db, t, &p).await?.groups;
    let all = crate::groups::all(db, t).await?;
    // Archived groups need no attention.
    let live: std::collections::HashSet<i64> = all
        .iter()
        .filter(|x| x.archived_at_ms.is_none())
        .map(|x| x.group_id.0)
        .collect();
    let mut attention: Vec<Attention> = g
        .iter()
        .filter(|x| x.dead && x.members > 0 && live.contains(&x.group_id))
        .map(|x| Attention::DeadGroup {
            group_id: x.group_id,
            name: x.name.clone(),
            members: x.members,
            last_message: x.last_message.clone(),
        })
        .collect();
    attention.extend(
        all.iter()
            .filter(|x| x.archived_at_ms.is_none() && x.size > x.capacity_advised)
            .map(|x| Attention::OverAdvised {
                group_id: x.group_id.0,
                name: x.name.clone(),
                size: x.size,
                advised: x.capacity_advised,
                hard: x.capacity_hard,
            }),
    );
    attention.extend(growth_attention(db, t, &all).await?);
    let card = |key: &str| o.cards.iter().find(|c| c.key == key);
    if let (Some(j), Some(l)) = (card("joins"), card("leaves"))
        && l.value > j.value
    {
        attention.push(Attention::Churn {
            leaves: l.value as u32,
            joins: j.value as u32,
        });
    }
    if let (Some(lk), Some(m)) = (card("lurkers"), card("members")) {
        let share = |l: f64, m: f64| if m > 0.0 { l / m } else { 0.0 };
        let (now, before) = (share(lk.value, m.value), share(lk.previous, m.previous));
        // A rise of at least two points is worth a look; smaller moves are noise.
        if now > before + 0.02 {
            attention.push(Attention::LurkersRising {
                share: now,
                previous: before,
            });
        }
    }
    Ok(Dashboard {
        overview: o,
        groups: g,
        all,
        attention,
    })
}
