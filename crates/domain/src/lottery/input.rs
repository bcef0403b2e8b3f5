//! A lottery as a client sends it and as it is validated: its tiers, limits and budget.

use serde::{Deserialize, Serialize};

use super::{MAX_TIERS, ODDS_SCALE};
use crate::error::Invalid;
use crate::text;

/// One prize tier as a client sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PrizeTierInput {
    /// Name shown to members (e.g. "一等奖"), unique within the lottery.
    pub name: Option<String>,
    /// What one prize costs the merchant, fen.
    pub cost_fen: Option<i64>,
    /// How many prizes of this tier there are.
    pub stock: Option<i64>,
    /// Chance of a draw landing in this tier, parts per million; left out for the
    /// everyone-wins tier, which takes the rest.
    pub odds_ppm: Option<i64>,
    /// Whether every draw that wins nothing else gets this tier while it lasts.
    pub everyone_wins: Option<bool>,
    /// The tier (0-based position) a prize of this one can be upgraded to, for a price.
    pub upgrade_to: Option<usize>,
    /// What the member pays for that upgrade, fen.
    pub upgrade_price_fen: Option<i64>,
}

/// A lottery as a client sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LotteryInput {
    /// Name shown to members.
    pub name: Option<String>,
    /// The prize tiers, 1 to 10, best first by convention.
    pub tiers: Option<Vec<PrizeTierInput>>,
    /// Draws one member may make (1–100, default 1).
    pub draws_per_member: Option<i64>,
    /// Prizes one member may win, the everyone-wins tier not counted (1–100, default 1).
    pub wins_per_member: Option<i64>,
    /// What all prizes given may cost together, fen.
    pub budget_fen: Option<i64>,
}

/// A paid upgrade of a prize to a better tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Upgrade {
    /// The tier it upgrades to.
    pub to: usize,
    /// What the member pays, fen.
    pub price_fen: i64,
}

/// A validated prize tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrizeTier {
    /// Name.
    pub name: String,
    /// Cost of one prize, fen.
    pub cost_fen: i64,
    /// Prizes at the start.
    pub stock: i64,
    /// Parts per million of tickets; for the everyone-wins tier, the rest of them.
    pub odds_ppm: u32,
    /// Whether this is the everyone-wins tier.
    pub everyone_wins: bool,
    /// Its paid upgrade, if any.
    pub upgrade: Option<Upgrade>,
}

/// A validated lottery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewLottery {
    /// Name.
    pub name: String,
    /// Tiers, in the order their ticket ranges are laid out.
    pub tiers: Vec<PrizeTier>,
    /// Draws per member.
    pub draws_per_member: u32,
    /// Wins per member, the everyone-wins tier not counted.
    pub wins_per_member: u32,
    /// Prize budget, fen.
    pub budget_fen: i64,
}

impl NewLottery {
    /// The position of the everyone-wins tier, if there is one.
    pub fn everyone_wins(&self) -> Option<usize> {
        self.tiers.iter().position(|t| t.everyone_wins)
    }

    /// What the merchant keeps from upgrading a prize of tier `from`: the price paid less the
    /// extra cost of the better prize. Negative when the upgrade loses money (the console
    /// shows it in red); `None` when the tier has no upgrade.
    pub fn margin_fen(&self, from: usize) -> Option<i64> {
        let source = self.tiers.get(from)?;
        let up = source.upgrade?;
        let target = self.tiers.get(up.to)?;
        Some(up.price_fen - (target.cost_fen - source.cost_fen))
    }
}

impl LotteryInput {
    /// Validates the input.
    pub fn into_new(self) -> Result<NewLottery, Invalid> {
        let mut e = Invalid::default();
        let name = text::present(&mut e, "name", self.name.as_deref(), 64);
        let inputs = self.tiers.unwrap_or_default();
        if !(1..=MAX_TIERS).contains(&inputs.len()) {
            e.push("tiers", format!("must have 1 to {MAX_TIERS} tiers"));
        }
        let mut tiers: Vec<PrizeTier> = inputs
            .iter()
            .enumerate()
            .map(|(k, t)| tier(&mut e, k, t))
            .collect();
        let mut everyone = None;
        for (k, t) in tiers.iter().enumerate() {
            if !t.name.is_empty() && tiers[..k].iter().any(|o| o.name == t.name) {
                e.push(
                    format!("tiers[{k}].name"),
                    "must differ from the other tiers' names",
                );
            }
            if t.everyone_wins && everyone.replace(k).is_some() {
                e.push(
                    format!("tiers[{k}].everyone_wins"),
                    "only one tier may be the everyone-wins tier",
                );
            }
        }
        let odds: i64 = tiers.iter().map(|t| i64::from(t.odds_ppm)).sum();
        if odds > i64::from(ODDS_SCALE) {
            e.push(
                "tiers",
                format!("odds_ppm must add up to at most {ODDS_SCALE}"),
            );
        }
        let upgrades: Vec<Option<Upgrade>> = inputs
            .iter()
            .enumerate()
            .map(|(k, t)| check_upgrade(&mut e, k, t, &tiers))
            .collect();
        for (t, up) in tiers.iter_mut().zip(upgrades) {
            t.upgrade = up;
        }
        if let Some(k) = everyone {
            tiers[k].odds_ppm = ODDS_SCALE.saturating_sub(u32::try_from(odds).unwrap_or(0));
        }
        let draws_per_member = limit(&mut e, "draws_per_member", self.draws_per_member);
        let wins_per_member = limit(&mut e, "wins_per_member", self.wins_per_member);
        let budget_fen = match self.budget_fen {
            None => {
                e.push("budget_fen", "is required");
                0
            }
            Some(b) if !(0..=1_000_000_000).contains(&b) => {
                e.push("budget_fen", "must be between 0 and 1000000000");
                0
            }
            Some(b) => b,
        };
        e.or_ok(NewLottery {
            name: name.unwrap_or_default(),
            tiers,
            draws_per_member,
            wins_per_member,
            budget_fen,
        })
    }
}

/// Checks one tier's own fields; the upgrade is checked once every tier is known.
fn tier(e: &mut Invalid, k: usize, t: &PrizeTierInput) -> PrizeTier {
    let f = |field: &str| format!("tiers[{k}].{field}");
    let name = text::present(e, &f("name"), t.name.as_deref(), 32);
    let cost_fen = t.cost_fen.unwrap_or(0);
    if !(0..=10_000_000).contains(&cost_fen) {
        e.push(f("cost_fen"), "must be between 0 and 10000000");
    }
    let stock = match t.stock {
        None => {
            e.push(f("stock"), "is required");
            0
        }
        Some(s) if !(0..=100_000_000).contains(&s) => {
            e.push(f("stock"), "must be between 0 and 100000000");
            0
        }
        Some(s) => s,
    };
    let everyone_wins = t.everyone_wins.unwrap_or(false);
    let odds_ppm = match (everyone_wins, t.odds_ppm) {
        (true, None) => 0,
        (true, Some(_)) => {
            e.push(
                f("odds_ppm"),
                "must be left out: the everyone-wins tier takes the rest",
            );
            0
        }
        (false, None) => {
            e.push(f("odds_ppm"), "is required");
            0
        }
        (false, Some(o)) => match u32::try_from(o) {
            Ok(o) if o <= ODDS_SCALE => o,
            _ => {
                e.push(f("odds_ppm"), format!("must be between 0 and {ODDS_SCALE}"));
                0
            }
        },
    };
    PrizeTier {
        name: name.unwrap_or_default(),
        cost_fen,
        stock,
        odds_ppm,
        everyone_wins,
        upgrade: None,
    }
}

/// Checks tier `k`'s upgrade against the other tiers; `None` when it has none or it is wrong.
fn check_upgrade(
    e: &mut Invalid,
    k: usize,
    t: &PrizeTierInput,
    tiers: &[PrizeTier],
) -> Option<Upgrade> {
    let f = |field: &str| format!("tiers[{k}].{field}");
    let (to, price_fen) = match (t.upgrade_to, t.upgrade_price_fen) {
        (None, None) => return None,
        (None, Some(_)) => {
            e.push(f("upgrade_to"), "is required with upgrade_price_fen");
            return None;
        }
        (Some(_), None) => {
            e.push(f("upgrade_price_fen"), "is required with upgrade_to");
            return None;
        }
        (Some(to), Some(price)) => (to, price),
    };
    let mut ok = true;
    if !(1..=10_000_000).contains(&price_fen) {
        e.push(f("upgrade_price_fen"), "must be between 1 and 10000000");
        ok = false;
    }
    let source_cost = tiers.get(k).map_or(0, |s| s.cost_fen);
    let reason = match tiers.get(to) {
        None => Some("must name a tier of this lottery"),
        Some(target) if target.everyone_wins => Some("must not name the everyone-wins tier"),
        Some(target) if target.cost_fen <= source_cost => Some("must name a tier that costs more"),
        Some(_) => None,
    };
    if let Some(r) = reason {
        e.push(f("upgrade_to"), r);
        ok = false;
    }
    ok.then_some(Upgrade { to, price_fen })
}

/// A per-member limit: 1–100, default 1.
fn limit(e: &mut Invalid, field: &str, value: Option<i64>) -> u32 {
    match value.map(u32::try_from) {
        None => 1,
        Some(Ok(v)) if (1..=100).contains(&v) => v,
        Some(_) => {
            e.push(field, "must be between 1 and 100");
            1
        }
    }
}

/// Odds typed as a percentage (`10`, `0.5`, `2.25%`, a full-width `％` too) in parts per
/// million: `10` → 100,000 ppm, `0.5%` → 5,000; `None` past 100 or with more than 4 decimals.
pub fn odds_from_percent(v: &str) -> Option<i64> {
    let v = v.trim().trim_end_matches(['%', '％']).trim_end();
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && frac.is_empty()
        || !digits(whole)
        || !digits(frac)
        || frac.len() > 4
        || whole.len() > 3
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac: i64 = format!("{frac:0<4}").parse().ok()?;
    let ppm = whole * 10_000 + frac;
    (ppm <= i64::from(ODDS_SCALE)).then_some(ppm)
}
