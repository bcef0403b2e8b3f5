//! A referral programme's page (`/ui/growth/programs/{id}`): its rules, budget, leaderboard
//! and reward ledger by state; the approved cash rewards as a CSV for the payment tool, and
//! the tool's file read back to mark them paid.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use quanzi_core::views::Program;
use quanzi_core::{CoreError, Result, live_codes, referrals};
use quanzi_domain::access::Actor;
use quanzi_domain::referral::ledger::RewardState;
use serde::Deserialize;

use super::super::form::{refusal, refused, see_other, unprocessable};
use super::super::format::yuan;
use super::super::{Layout, UiUser, render, server_error};
use super::review::{RewardView, view};
use super::{not_found, pct, program_rules, upload};
use crate::AppState;
use crate::api::IdPath;
use crate::error::AppQuery;

/// Ledger rows shown, and at most when all are asked for.
const LEDGER: (i64, i64) = (50, 1000);
/// Members shown on the leaderboard.
const LEADERS: usize = 10;

#[derive(Template)]
#[template(path = "growth_program.html")]
struct ProgramPage {
    l: Layout,
    p: Program,
    code: Option<(i64, String)>,
    rules: Vec<String>,
    spent: String,
    budget: String,
    cap: String,
    pct: i64,
    /// (rank, member id, name, friends, earned).
    leaders: Vec<(usize, i64, String, i64, String)>,
    /// The state the ledger is narrowed to ("" for all), and every state with its label.
    state: String,
    states: Vec<(&'static str, String)>,
    ledger: Vec<RewardView>,
    /// The ledger was cut at its first rows: how many are shown.
    cut: Option<usize>,
    /// What the last payment file did, or why it was refused.
    notice: Option<(String, bool)>,
    can_write: bool,
}

/// The page's query: the ledger's state, and what a payment file did.
#[derive(Debug, Default, Deserialize)]
pub struct ProgramQuery {
    state: Option<String>,
    all: Option<String>,
    paid: Option<String>,
    skipped: Option<String>,
}

/// GET /ui/growth/programs/{id}[?state=held].
pub async fn page(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath,
    AppQuery(q): AppQuery<ProgramQuery>,
) -> Response {
    let notice = q.paid.as_deref().map(|paid| {
        let text = u
            .lang
            .t("growth.program.paid_done")
            .replace("{paid}", paid)
            .replace("{skipped}", q.skipped.as_deref().unwrap_or("0"));
        (text, false)
    });
    let state = q
        .state
        .filter(|s| RewardState::parse(s).is_some())
        .unwrap_or_default();
    let all = q.all.as_deref() == Some("1");
    match show(&s, &u, id, (state, all), notice).await {
        Ok(r) => r,
        Err(CoreError::NotFound(_)) => not_found(),
        Err(e) => server_error(e),
    }
}

/// The page, its ledger narrowed to a state ("" for all) and cut unless `all`.
async fn show(
    s: &AppState,
    u: &UiUser,
    id: i64,
    (state, all): (String, bool),
    notice: Option<(String, bool)>,
) -> Result<Response> {
    let t = u.tenant();
    let p = referrals::get(&s.db, t, id).await?;
    let filter = Some(state.as_str()).filter(|s| !s.is_empty());
    let limit = if all { LEDGER.1 } else { LEDGER.0 };
    let (rewards, leaders) = tokio::try_join!(
        referrals::rewards(&s.db, t, Some(id), filter, None, limit),
        referrals::leaderboard(&s.db, t, id),
    )?;
    let code = match p.live_code_id {
        Some(c) => live_codes::get(&s.db, t, c)
            .await
            .ok()
            .map(|c| (c.live_code_id, c.name)),
        None => None,
    };
    let mut ids: Vec<i64> = rewards
        .iter()
        .flat_map(|r| [Some(r.member_id.0), r.invitee_member_id.map(|m| m.0)])
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names = quanzi_core::read::member::names(&s.db, t, &ids).await?;
    let programs = HashMap::from([(p.program_id, p.name.clone())]);
    let l = u.layout("growth");
    let ledger = rewards
        .iter()
        .map(|r| view(u, &l, r, Vec::new(), &names, &programs))
        .collect();
    let refused = notice.as_ref().is_some_and(|n| n.1);
    let page = render(ProgramPage {
        code,
        rules: program_rules::summary(&l, &p.rules),
        spent: yuan(p.spent_fen),
        budget: yuan(p.budget_fen),
        cap: p.member_cap_fen.map(yuan).unwrap_or_default(),
        pct: pct(p.spent_fen, p.budget_fen),
        leaders: leaders
            .into_iter()
            .take(LEADERS)
            .enumerate()
            .map(|(i, (m, name, friends, earned))| (i + 1, m.0, name, friends, yuan(earned)))
            .collect(),
        state,
        states: RewardState::ALL
            .iter()
            .map(|s| (s.as_str(), l.code("reward_state", s.as_str())))
            .collect(),
        cut: (!all && rewards.len() as i64 >= LEDGER.0).then_some(rewards.len()),
        ledger,
        notice,
        can_write: u.perms().write,
        p,
        l,
    });
    Ok(if refused { unprocessable(page) } else { page })
}

/// GET /ui/growth/programs/{id}/cash.csv: the approved cash rewards for the payment tool
/// (names and whole phone numbers, so operators and above only).
pub async fn cash_csv(State(s): State<AppState>, u: UiUser, IdPath(id): IdPath) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    let t = u.tenant();
    let p = match referrals::get(&s.db, t, id).await {
        Ok(p) => p,
        Err(CoreError::NotFound(_)) => return not_found(),
        Err(e) => return server_error(e),
    };
    match referrals::cash_export(&s.db, t, id).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}-cash.csv\"", p.slug),
                ),
            ],
            // A BOM, so that Excel opens the names as UTF-8.
            format!("\u{feff}{csv}"),
        )
            .into_response(),
        Err(e) => server_error(e),
    }
}

/// POST /ui/growth/programs/{id}/paid (multipart: `_csrf`, `file`): marks paid the rewards
/// the payment tool's file lists, then says how many were paid and skipped.
pub async fn paid(
    State(s): State<AppState>,
    u: UiUser,
    headers: HeaderMap,
    IdPath(id): IdPath,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parts = upload::parts(content_type, &body).unwrap_or_default();
    if let Some(why) = refusal(
        &u,
        upload::text(&parts, "_csrf"),
        u.perms().write,
        "correct.forbidden",
    ) {
        return refused(why);
    }
    let file = upload::file(&parts, "file").map(|f| std::str::from_utf8(f.data));
    let why = match file {
        None => "growth.program.paid_choose",
        Some(Err(_)) => "growth.program.paid_not_text",
        Some(Ok(text)) => {
            let who = Actor::Operator(u.session.operator_id).to_string();
            let text = text.trim_start_matches('\u{feff}');
            return match referrals::mark_paid(&s.db, u.tenant(), id, text, &who).await {
                Ok((paid, skipped)) => see_other(&format!(
                    "/ui/growth/programs/{id}?paid={paid}&skipped={skipped}#ledger"
                )),
                Err(CoreError::NotFound(_)) => not_found(),
                Err(e) => server_error(e),
            };
        }
    };
    let notice = Some((u.lang.t(why).to_string(), true));
    match show(&s, &u, id, (String::new(), false), notice).await {
        Ok(r) => r,
        Err(CoreError::NotFound(_)) => not_found(),
        Err(e) => server_error(e),
    }
}
