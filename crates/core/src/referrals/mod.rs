//! Referral programmes (裂变): the operator's programmes, members' share links and progress,
//! the reward ledger with its review queue, and the cash export for the payment tool.

use quanzi_domain::referral::ProgramInput;
use quanzi_domain::referral::ledger::RewardAction;
use quanzi_domain::{Invalid, MemberId, TenantId};
use quanzi_store::referral as repo;
use quanzi_store::{Db, now_ms};

use crate::views::{self, Decision, Program, Reward};
use crate::{CoreError, Result, ResultExt};

mod grant;
pub mod tick;

pub(crate) use grant::{on_join, on_visit};

/// How often a programme's rewards are looked at (maturity, leaves, first orders).
pub const TICK_CRON: &str = "*/10 * * * *";

fn on_slug<T>(r: std::result::Result<T, quanzi_store::StoreError>) -> Result<T> {
    r.on_constraint(quanzi_store::unique::REFERRAL_PROGRAM_SLUG, |_| {
        CoreError::conflict("slug")
    })
}

async fn check_code(db: &Db, t: TenantId, code: Option<i64>) -> Result<()> {
    if let Some(c) = code
        && quanzi_store::live_code::get(db, t, c).await?.is_none()
    {
        return Err(Invalid::one("live_code_id", "no such live code").into());
    }
    Ok(())
}

/// Creates a programme and schedules its ledger's upkeep.
pub async fn create(db: &Db, t: TenantId, input: ProgramInput) -> Result<Program> {
    let p = input.into_new()?;
    check_code(db, t, p.live_code_id).await?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let row = on_slug(repo::create(&mut tx, t, &p, now).await)?;
    let last = repo::last_event_id(&mut tx, t).await?;
    repo::set_watermark(&mut tx, t, row.program_id, last).await?;
    tick::schedule(&mut tx, t, now).await?;
    tx.commit().await?;
    get(db, t, row.program_id).await
}

/// Replaces a programme's settings; the budget cannot fall below what was spent.
pub async fn update(db: &Db, t: TenantId, id: i64, input: ProgramInput) -> Result<Program> {
    let p = input.into_new()?;
    check_code(db, t, p.live_code_id).await?;
    get(db, t, id).await?;
    let mut tx = db.begin().await?;
    let row = on_slug(repo::update(&mut tx, t, id, &p, now_ms()).await)?
        .ok_or_else(|| Invalid::one("budget_fen", "is below what the programme has spent"))?;
    tx.commit().await?;
    Ok(row.into())
}

/// A programme.
pub async fn get(db: &Db, t: TenantId, id: i64) -> Result<Program> {
    Ok(repo::get(db, t, id)
        .await?
        .ok_or(CoreError::NotFound("programme"))?
        .into())
}

/// A programme by slug.
pub async fn by_slug(db: &Db, t: TenantId, slug: &str) -> Result<Program> {
    Ok(repo::by_slug(db, t, slug)
        .await?
        .ok_or(CoreError::NotFound("programme"))?
        .into())
}

/// Every programme, newest first.
pub async fn list(db: &Db, t: TenantId) -> Result<Vec<Program>> {
    Ok(views::all(repo::list(db, t).await?))
}

/// Rewards, newest first, by programme, state or member.
pub async fn rewards(
    db: &Db,
    t: TenantId,
    program: Option<i64>,
    state: Option<&str>,
    member: Option<MemberId>,
    limit: i64,
) -> Result<Vec<Reward>> {
    if let Some(s) = state
        && quanzi_domain::referral::ledger::RewardState::parse(s).is_none()
    {
        return Err(Invalid::one(
            "state",
            format!(
                "must be one of: {}",
                quanzi_domain::referral::ledger::RewardState::expected()
            ),
        )
        .into());
    }
    Ok(views::all(
        repo::rewards(db, t, program, state, member, limit.clamp(1, 1000)).await?,
    ))
}

/// The tenant's rewards counted per programme and state: (programme, state, rewards).
pub async fn state_counts(db: &Db, t: TenantId) -> Result<Vec<(i64, String, i64)>> {
    Ok(repo::state_counts(db, t).await?)
}

/// Rewards held for review, in every programme of the tenant.
pub async fn held(db: &Db, t: TenantId) -> Result<i64> {
    Ok(state_counts(db, t)
        .await?
        .iter()
        .filter(|(_, s, _)| s == "held")
        .map(|(_, _, n)| n)
        .sum())
}

/// A reward with every decision made on it.
pub async fn reward(db: &Db, t: TenantId, id: i64) -> Result<(Reward, Vec<Decision>)> {
    let mut tx = db.begin().await?;
    let r = repo::get_tx(&mut tx, t, id)
        .await?
        .ok_or(CoreError::NotFound("reward"))?;
    tx.commit().await?;
    let d = repo::decisions(db, t, id)
        .await?
        .into_iter()
        .map(|(from_state, to_state, actor, note, at_ms)| Decision {
            from_state,
            to_state,
            actor,
            note,
            at_ms,
        })
        .collect();
    Ok((r.into(), d))
}

/// An operator's decision on a reward: `approve` or `reject` a held one, `pay` an approved
/// one, `reverse` one whose cause was undone. Every decision is kept.
pub async fn decide(
    db: &Db,
    t: TenantId,
    id: i64,
    action: &str,
    actor: &str,
    note: Option<&str>,
) -> Result<Reward> {
    let action = RewardAction::parse(action)
        .filter(|a| *a != RewardAction::Hold)
        .ok_or_else(|| Invalid::one("action", "must be one of: approve, reject, pay, reverse"))?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(Invalid::one("note", "must be at most 500 characters").into());
    }
    let mut tx = db.begin().await?;
    let r = grant::act(&mut tx, t, id, action, actor, note, now_ms()).await?;
    tx.commit().await?;
    Ok(r.into())
}

/// A member's standing in a programme: friends who joined and count, the next milestone
/// (friends needed), and their rewards.
pub async fn progress(
    db: &Db,
    t: TenantId,
    program: i64,
    m: MemberId,
) -> Result<(i64, Option<i64>, Vec<Reward>)> {
    let p = get(db, t, program).await?;
    let mut tx = db.begin().await?;
    let friends = repo::friends(&mut tx, t, program, m).await?;
    tx.commit().await?;
    let next = p.rules.next_milestone(friends).map(|m| m.friends);
    let rewards = rewards(db, t, Some(program), None, Some(m), 200).await?;
    Ok((friends, next, rewards))
}

/// A programme's leaderboard: (member, name, friends, earned fen), best first.
pub async fn leaderboard(
    db: &Db,
    t: TenantId,
    program: i64,
) -> Result<Vec<(MemberId, String, i64, i64)>> {
    get(db, t, program).await?;
    let rows = repo::leaderboard(db, t, program, 50).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let names = quanzi_store::member::names(db, t, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|(m, f, e)| {
            let name = names.get(&m).cloned().unwrap_or_default();
            (MemberId(m), name, f, e)
        })
        .collect())
}

/// The approved cash rewards as a CSV for the operator's payment tool:
/// `reward_id,member_id,name,phone,amount_fen,cause`.
pub async fn cash_export(db: &Db, t: TenantId, program: i64) -> Result<String> {
    let due = rewards(db, t, Some(program), Some("approved"), None, 1000).await?;
    let mut out = String::from("reward_id,member_id,name,phone,amount_fen,cause\n");
    for r in due.iter().filter(|r| r.kind == "cash") {
        let m = quanzi_store::member::get(db, t, r.member_id).await?;
        let (name, phone) = m
            .map(|m| (m.name, m.phone.unwrap_or_default()))
            .unwrap_or_default();
        let clean = |s: &str| s.replace([',', '"', '\n', '\r'], " ");
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            r.reward_id,
            r.member_id,
            clean(&name),
            clean(&phone),
            r.amount,
            r.cause
        ));
    }
    Ok(out)
}

/// Marks paid the rewards a payment tool's file lists by `reward_id` (the export's first
/// column; a header line is skipped). Answers (paid, skipped): a reward not approved, of
/// another programme or unknown is skipped, never an error, so the file can be re-imported.
pub async fn mark_paid(
    db: &Db,
    t: TenantId,
    program: i64,
    file: &str,
    actor: &str,
) -> Result<(usize, usize)> {
    get(db, t, program).await?;
    let (mut paid, mut skipped) = (0, 0);
    for line in file.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some(id) = line
            .split(',')
            .next()
            .and_then(|c| c.trim().parse::<i64>().ok())
        else {
            continue;
        };
        let mut tx = db.begin().await?;
        let due = matches!(repo::get_tx(&mut tx, t, id).await?,
            Some(r) if r.program_id == program && r.state == "approved");
        let note = Some("payment file");
        let ok = due
            && grant::act(&mut tx, t, id, RewardAction::Pay, actor, note, now_ms())
                .await
                .is_ok();
        if ok {
            tx.commit().await?;
        }
        if ok {
            paid += 1;
        } else {
            skipped += 1;
        }
    }
    Ok((paid, skipped))
}
