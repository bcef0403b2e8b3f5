//! The review queue (`/ui/growth/review`): rewards a fraud guard held, with why, who invited
//! whom and every decision made on them; an operator approves or rejects each, with a note.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::views::{Decision, Reward};
use quanzi_core::{CoreError, Result, referrals};
use quanzi_domain::access::Actor;
use serde::Deserialize;

use super::super::form::{refusal, refused, see_other, sentences, unprocessable};
use super::super::format::yuan;
use super::super::{Layout, UiUser, render, server_error};
use super::not_found;
use super::program_rules::{cause_text, reward_text};
use crate::AppState;
use crate::api::IdPath;
use crate::error::AppQuery;

/// Held rewards shown at most.
const QUEUE: i64 = 200;

/// A reward as the queue shows it.
pub struct RewardView {
    /// Id.
    pub id: i64,
    /// Programme's id and name.
    pub program: (i64, String),
    /// Who gets it.
    pub member: (i64, String),
    /// What they are to the cause: the inviter, or the friend rewarded for coming.
    pub member_label: &'static str,
    /// The friend behind it.
    pub invitee: Option<(i64, String)>,
    /// The cause as the operator reads it.
    pub cause: String,
    /// What it is ("积分 100").
    pub reward: String,
    /// What it costs the budget.
    pub value: String,
    /// Its state's name.
    pub state: String,
    /// Why it was held, translated.
    pub reason: String,
    /// The friend's network.
    pub network: String,
    /// When it was granted.
    pub created: String,
    /// Its decisions: (when, from → to, who, note).
    pub history: Vec<(String, String, String, String)>,
    /// Why the last decision on it was refused.
    pub error: String,
}

#[derive(Template)]
#[template(path = "growth_review.html")]
struct ReviewPage {
    l: Layout,
    held: Vec<RewardView>,
    /// The reward just decided, with its history.
    decided: Option<RewardView>,
    can_write: bool,
}

/// The queue's query: the reward just decided.
#[derive(Debug, Default, Deserialize)]
pub struct ReviewQuery {
    decided: Option<String>,
}

/// GET /ui/growth/review[?decided={id}].
pub async fn page(
    State(s): State<AppState>,
    u: UiUser,
    AppQuery(q): AppQuery<ReviewQuery>,
) -> Response {
    let decided = q.decided.as_deref().and_then(|d| d.parse().ok());
    match show(&s, &u, decided, None).await {
        Ok(r) => r,
        Err(e) => server_error(e),
    }
}

async fn show(
    s: &AppState,
    u: &UiUser,
    decided: Option<i64>,
    refused: Option<(i64, String)>,
) -> Result<Response> {
    let t = u.tenant();
    let l = u.layout("growth");
    let held = referrals::rewards(&s.db, t, None, Some("held"), None, QUEUE).await?;
    let mut rows = Vec::with_capacity(held.len() + 1);
    for r in held {
        let (r, history) = referrals::reward(&s.db, t, r.reward_id).await?;
        rows.push((r, history));
    }
    let decided = match decided {
        Some(id) => match referrals::reward(&s.db, t, id).await {
            Ok(d) => Some(d),
            Err(CoreError::NotFound(_)) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    let mut ids: Vec<i64> = rows
        .iter()
        .chain(decided.iter())
        .flat_map(|(r, _)| [Some(r.member_id.0), r.invitee_member_id.map(|m| m.0)])
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names = quanzi_core::read::member::names(&s.db, t, &ids).await?;
    let programs: HashMap<i64, String> = referrals::list(&s.db, t)
        .await?
        .into_iter()
        .map(|p| (p.program_id, p.name))
        .collect();
    let shown = |(r, history): (Reward, Vec<Decision>)| {
        let mut v = view(u, &l, &r, history, &names, &programs);
        if let Some((id, why)) = &refused
            && *id == r.reward_id
        {
            v.error = why.clone();
        }
        v
    };
    let was_refused = refused.is_some();
    let page = render(ReviewPage {
        held: rows.into_iter().map(shown).collect(),
        decided: decided.map(shown),
        can_write: u.perms().write,
        l,
    });
    Ok(if was_refused {
        unprocessable(page)
    } else {
        page
    })
}

/// A reward with its history, as the pages show it.
pub fn view(
    u: &UiUser,
    l: &Layout,
    r: &Reward,
    history: Vec<Decision>,
    names: &HashMap<i64, String>,
    programs: &HashMap<i64, String>,
) -> RewardView {
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    RewardView {
        id: r.reward_id,
        program: (
            r.program_id,
            programs.get(&r.program_id).cloned().unwrap_or_default(),
        ),
        member: (r.member_id.0, name(r.member_id.0)),
        member_label: if r.cause.starts_with("welcome:") {
            "growth.rv.beneficiary"
        } else {
            "growth.rv.inviter"
        },
        // A friend's own reward names the friend once.
        invitee: r
            .invitee_member_id
            .filter(|_| !r.cause.starts_with("welcome:"))
            .map(|m| (m.0, name(m.0))),
        cause: cause_text(l, &r.cause),
        reward: reward_text(l, &r.kind, r.amount),
        value: yuan(r.value_fen),
        state: l.code("reward_state", &r.state),
        reason: r
            .hold_reason
            .as_deref()
            .map(|h| l.code("hold_reason", h))
            .unwrap_or_default(),
        network: r.network.clone().unwrap_or_default(),
        created: u.fmt_ms(r.created_at_ms),
        history: history
            .into_iter()
            .map(|d| {
                (
                    u.fmt_ms(d.at_ms),
                    format!(
                        "{} → {}",
                        l.code("reward_state", &d.from_state),
                        l.code("reward_state", &d.to_state)
                    ),
                    actor(l, &d.actor),
                    d.note.unwrap_or_default(),
                )
            })
            .collect(),
        error: String::new(),
    }
}

/// Who decided: the system, or an operator by number.
fn actor(l: &Layout, actor: &str) -> String {
    match actor.split_once(':') {
        Some(("operator", id)) => l.t("growth.rv.operator").replace("{id}", id),
        _ if actor == "system" => l.t("growth.rv.system").to_string(),
        _ => actor.to_string(),
    }
}

/// A decision on a held reward.
#[derive(Debug, Default, Deserialize)]
pub struct DecideForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
}

/// POST /ui/growth/rewards/{id}/decide: approves or rejects the reward as the operator and
/// comes back to the queue, which shows the decision; a refused note is shown beside it.
pub async fn decide(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath,
    Form(f): Form<DecideForm>,
) -> Response {
    if let Some(why) = refusal(&u, &f.csrf, u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let action = match f.action.as_str() {
        a @ ("approve" | "reject") => a,
        _ => return refused("growth.rv.bad_action"),
    };
    let who = Actor::Operator(u.session.operator_id).to_string();
    let note = Some(f.note.as_str());
    let why = match referrals::decide(&s.db, u.tenant(), id, action, &who, note).await {
        // Decided, or decided by someone else meanwhile: the page shows where it stands.
        Ok(_) | Err(CoreError::Conflict(_)) => {
            return see_other(&format!("/ui/growth/review?decided={id}"));
        }
        Err(CoreError::NotFound(_)) => return not_found(),
        Err(CoreError::Invalid(inv)) => {
            let l = u.layout("growth");
            sentences(&l, |f| l.t(&format!("growth.rv.{f}")).to_string(), &inv.0)
        }
        Err(e) => return server_error(e),
    };
    match show(&s, &u, None, Some((id, why))).await {
        Ok(r) => r,
        Err(e) => server_error(e),
    }
}
