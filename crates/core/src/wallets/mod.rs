//! Wallets (储值): the tenant's top-up plan (充100送20), and each request on a member's
//! wallet — a top-up with its bonus, a spend, the refund of a spend, a bonus lapsing (see
//! [`expiry`]) — planned by the domain's double-entry rules on the locked balances and
//! written once per idempotency key: a retried or raced request answers the first.

pub mod expiry;

use quanzi_domain::wallet::{
    Balance, NewTopUpPlan, Posting, TopUpPlanInput, TopUpTier, TopUpTierInput, WalletOp,
    WalletRefusal, WalletRequest, plan,
};
use quanzi_domain::{Invalid, MemberId, TenantId};
use quanzi_store::unique::WALLET_ENTRY_KEY;
use quanzi_store::wallet::{self as repo, NewEntry};
use quanzi_store::{Db, Tx, now_ms, webhook};
use serde_json::json;

use crate::views::{WalletEntry, WalletView};
use crate::{CoreError, Result, ResultExt};

/// The tenant's top-up plan (no tiers and a year's validity until the operator sets one).
pub async fn top_up_plan(db: &Db, t: TenantId) -> Result<NewTopUpPlan> {
    Ok(parse_plan(repo::plan(db, t).await?))
}

fn parse_plan(row: Option<(String, i64)>) -> NewTopUpPlan {
    let (tiers, days) = row.unwrap_or_else(|| ("[]".into(), 365));
    NewTopUpPlan {
        tiers: serde_json::from_str::<Vec<TopUpTier>>(&tiers).unwrap_or_default(),
        bonus_valid_days: u32::try_from(days).unwrap_or(365),
    }
}

/// Sets the tenant's top-up plan.
pub async fn set_top_up_plan(db: &Db, t: TenantId, input: TopUpPlanInput) -> Result<NewTopUpPlan> {
    let p = input.into_new()?;
    let tiers = serde_json::to_string(&p.tiers).map_err(|e| CoreError::Conflict(e.to_string()))?;
    repo::set_plan(db, t, &tiers, i64::from(p.bonus_valid_days), now_ms()).await?;
    Ok(p)
}

/// What a member's wallet holds (nothing without a wallet).
pub async fn balance(db: &Db, t: TenantId, m: MemberId) -> Result<Balance> {
    let (principal_fen, bonus_fen) = repo::balance(db, t, m).await?;
    Ok(Balance {
        principal_fen,
        bonus_fen,
    })
}

/// A member's wallet: balances and latest entries.
pub async fn wallet(db: &Db, t: TenantId, m: MemberId, limit: i64) -> Result<WalletView> {
    crate::members::get(db, t, m).await?;
    let Balance {
        principal_fen,
        bonus_fen,
    } = balance(db, t, m).await?;
    let entries = repo::history(db, t, m, limit.clamp(1, 200))
        .await?
        .into_iter()
        .map(|(e, p, b)| WalletEntry::of(e, p, b))
        .collect();
    Ok(WalletView {
        member_id: m,
        principal_fen,
        bonus_fen,
        total_fen: principal_fen + bonus_fen,
        entries,
    })
}

/// A request on a wallet, as the API and pages send it.
#[derive(Debug, Clone)]
pub struct Request {
    /// What to do.
    pub op: WalletOp,
    /// Fen (a top-up, a spend); none for a refund.
    pub amount_fen: Option<i64>,
    /// A refund's spend.
    pub refund_of: Option<i64>,
    /// The client's idempotency key (1–64 printable ASCII).
    pub key: String,
    /// What it was for (up to 200 characters).
    pub note: Option<String>,
}

/// What a request came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Moved {
    /// Written: the entry and the balances after it.
    Done(WalletEntry, Balance),
    /// The key was used before by the same request: its entry, and the balances now.
    Again(WalletEntry, Balance),
    /// Refused (not enough balance…); nothing was written.
    Refused(WalletRefusal),
}

fn check(r: &Request) -> Result<()> {
    let mut e = Invalid::default();
    let key = r.key.trim();
    if key.is_empty() || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        e.push("key", "must be 1 to 64 printable ASCII characters");
    }
    if r.note.as_deref().is_some_and(|n| n.chars().count() > 200) {
        e.push("note", "must be at most 200 characters");
    }
    match r.op {
        WalletOp::Refund if r.refund_of.is_none() => e.push("refund_of", "is required"),
        WalletOp::TopUp | WalletOp::Spend | WalletOp::Expire => match r.amount_fen {
            None => e.push("amount_fen", "is required"),
            Some(a) if !(1..=quanzi_domain::wallet::MAX_TOP_UP_FEN).contains(&a) => {
                e.push("amount_fen", "must be between 1 and 100000000")
            }
            _ => {}
        },
        _ => {}
    }
    Ok(e.or_ok(())?)
}

/// Applies a request to member `m`'s wallet: once per key, never below zero.
pub async fn apply(db: &Db, t: TenantId, m: MemberId, r: Request) -> Result<Moved> {
    check(&r)?;
    crate::members::get(db, t, m).await?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let moved = apply_in(&mut tx, t, m, &r, now).await;
    match moved {
        Ok(m @ Moved::Done(..)) => {
            tx.commit().await?;
            Ok(m)
        }
        Ok(other) => Ok(other),
        Err(e) => Err(e),
    }
    .on_constraint(WALLET_ENTRY_KEY, |_| {
        CoreError::Conflict("key: was used for another member's request".into())
    })
}

/// [`apply`] in an open transaction (the caller commits a `Done`).
pub(crate) async fn apply_in(
    tx: &mut Tx,
    t: TenantId,
    m: MemberId,
    r: &Request,
    now: i64,
) -> Result<Moved> {
    let (principal_fen, bonus_fen) = repo::lock(tx, t, m, now).await?;
    let balance = Balance {
        principal_fen,
        bonus_fen,
    };
    let key = r.key.trim();
    if let Some(e) = repo::by_key(tx, t, key).await? {
        let same = e.member_id == m.0
            && e.op == r.op.as_str()
            && (r.op == WalletOp::Refund || Some(e.amount_fen) == r.amount_fen);
        if !same {
            return Err(CoreError::Conflict(
                "key: was used for another request".into(),
            ));
        }
        let moves = repo::postings_tx(tx, t, e.entry_id).await?;
        let of = |a: &str| {
            moves
                .iter()
                .filter(|(x, _)| x == a)
                .map(|(_, v)| v)
                .sum::<i64>()
        };
        let (p, b) = (of("principal"), of("bonus"));
        return Ok(Moved::Again(WalletEntry::of(e, p, b), balance));
    }
    let plan_row = repo::plan_tx(tx, t).await?;
    let top_up = parse_plan(plan_row);
    let (request, amount) = match r.op {
        WalletOp::TopUp => (
            WalletRequest::TopUp {
                amount_fen: r.amount_fen.unwrap_or(0),
            },
            r.amount_fen,
        ),
        WalletOp::Spend => (
            WalletRequest::Spend {
                amount_fen: r.amount_fen.unwrap_or(0),
            },
            r.amount_fen,
        ),
        WalletOp::Expire => (
            WalletRequest::Expire {
                amount_fen: r.amount_fen.unwrap_or(0),
            },
            r.amount_fen,
        ),
        WalletOp::Refund => {
            let spend = r.refund_of.unwrap_or(0);
            let original = repo::entry_tx(tx, t, spend).await?;
            let Some(original) = original.filter(|o| o.op == "spend" && o.member_id == m.0) else {
                return Err(
                    Invalid::one("refund_of", "must be a spend of this member's wallet").into(),
                );
            };
            if repo::refund_of(tx, t, spend).await?.is_some() {
                return Err(CoreError::Conflict(
                    "refund_of: the spend was refunded already".into(),
                ));
            }
            let spend_postings = repo::postings_tx(tx, t, spend)
                .await?
                .into_iter()
                .filter_map(|(a, fen)| {
                    Some(Posting {
                        account: quanzi_domain::wallet::Account::parse(&a)?,
                        amount_fen: fen,
                    })
                })
                .collect();
            (
                WalletRequest::Refund {
                    spend: spend_postings,
                },
                Some(original.amount_fen),
            )
        }
    };
    let postings = match plan(&request, balance, &top_up.tiers) {
        Ok(p) => p,
        Err(why) => return Ok(Moved::Refused(why)),
    };
    let after = balance.apply(&postings);
    let bonus = postings
        .iter()
        .filter(|p| p.account == quanzi_domain::wallet::Account::Bonus)
        .map(|p| p.amount_fen)
        .sum::<i64>();
    let entry = NewEntry {
        member: m,
        op: r.op.as_str(),
        key,
        amount_fen: amount.unwrap_or(0),
        refund_of: r.refund_of.filter(|_| r.op == WalletOp::Refund),
        note: r.note.as_deref(),
        bonus_expires_at_ms: (r.op == WalletOp::TopUp && bonus > 0)
            .then(|| now + i64::from(top_up.bonus_valid_days) * 86_400_000),
        at_ms: now,
    };
    let lines: Vec<(&str, i64)> = postings
        .iter()
        .map(|p| (p.account.as_str(), p.amount_fen))
        .collect();
    let row = repo::write(
        tx,
        t,
        &entry,
        &lines,
        (after.principal_fen, after.bonus_fen),
    )
    .await?;
    if r.op == WalletOp::TopUp {
        expiry::schedule(tx, t, now).await?;
    }
    let payload = json!({
        "member_id": m.0, "entry_id": row.entry_id, "op": r.op.as_str(), "amount_fen": row.amount_fen,
        "principal_fen": after.principal_fen, "bonus_fen": after.bonus_fen, "at_ms": now,
    });
    webhook::emit(tx, t, "wallet.changed", &payload, now).await?;
    let delta = |a| {
        postings
            .iter()
            .filter(|p| p.account == a)
            .map(|p| p.amount_fen)
            .sum::<i64>()
    };
    let view = WalletEntry::of(row, delta(quanzi_domain::wallet::Account::Principal), bonus);
    Ok(Moved::Done(view, after))
}

/// The tiers as the client sends them, for a form showing the stored plan.
pub fn tier_inputs(p: &NewTopUpPlan) -> Vec<TopUpTierInput> {
    p.tiers
        .iter()
        .map(|t| TopUpTierInput {
            min_top_up_fen: Some(t.min_top_up_fen),
            bonus_fen: Some(t.bonus_fen),
        })
        .collect()
}
