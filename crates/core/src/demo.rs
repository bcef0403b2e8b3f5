//! The demo community (`quanzi demo`): a fresh-produce chain with three stores in 深圳, about
//! forty groups, thousands of members with Chinese personas and 90 days of deterministic
//! activity — joins, chatter, shares, clicks, visits, orders, refunds, referrals, leaves, a
//! flash sale and 双十一 — written through the ordinary store functions.
//!
//! The data is planned in memory first (a pure function of the seed, the size and the end of
//! the window), then stored; the same seed and end give the same data.

mod activity;
mod calendar;
mod campaigns;
mod catalog;
mod convert;
mod event;
mod groups;
mod growth;
mod names;
mod offers;
mod people;
mod plan;
mod promotions;
mod rng;
mod sim;
mod stats;
mod teams;
#[cfg(test)]
mod tests;

pub use stats::plan_summary;

use quanzi_domain::access::OperatorRole;
use quanzi_domain::group::NewGroup;
use quanzi_domain::tag::TagName;
use quanzi_domain::{GroupId, Invalid, MemberId, TagId, TenantId};
use quanzi_store::{Db, group, member, tag, tenant};

use crate::Result;

/// Events stored per transaction.
const EVENTS_PER_TX: usize = 20_000;
/// Members inserted between two progress reports.
const MEMBERS_PER_STEP: usize = 1_000;

/// What demo to make.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Seed of every random choice; the same seed (and end) gives the same data.
    pub seed: u64,
    /// Tenant slug (default `demo`); an existing tenant with it is deleted first.
    pub slug: String,
    /// The owner's login email (default `owner@demo.quanzi.local`); the admin and viewer
    /// get `admin@` and `viewer@` on the same domain.
    pub owner_email: String,
    /// Password of all three operators (default `quanzi-demo`).
    pub owner_password: String,
    /// Number of members (default 8000).
    pub members: usize,
    /// Days of activity (default 90, at least 7).
    pub days: i64,
    /// End of the window, unix ms, rounded down to midnight China time; default now. Events
    /// fall in the `days` days before it.
    pub end_ms: Option<i64>,
    /// The server's settings, to seal the lotteries' seeds; without them the demo has no
    /// lottery.
    pub server: Option<crate::server::ServerSettings>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 20_240_611,
            slug: "demo".into(),
            owner_email: "owner@demo.quanzi.local".into(),
            owner_password: "quanzi-demo".into(),
            members: 8000,
            days: 90,
            end_ms: None,
            server: None,
        }
    }
}

/// What was created.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DemoReport {
    /// The new tenant.
    pub tenant_id: i64,
    /// Its slug.
    pub slug: String,
    /// The owner's email.
    pub owner_email: String,
    /// The owner's password (a demo: shown so the user can log in).
    pub owner_password: String,
    /// Groups created.
    pub groups: usize,
    /// Members created.
    pub members: usize,
    /// Events stored.
    pub events: usize,
}

fn check(opts: &DemoOptions) -> Result<()> {
    let mut e = Invalid::default();
    if !(1..=100_000).contains(&opts.members) {
        e.push("members", "must be between 1 and 100000");
    }
    if !(7..=366).contains(&opts.days) {
        e.push("days", "must be between 7 and 366");
    }
    if !opts.owner_email.contains('@') {
        e.push("owner_email", "must be an email address");
    }
    Ok(e.or_ok(())?)
}

/// `admin@domain` for `owner@domain`.
fn sibling_email(owner: &str, local: &str) -> String {
    let domain = owner
        .rsplit_once('@')
        .map_or("demo.quanzi.local", |(_, d)| d);
    format!("{local}@{domain}")
}

/// Creates (or recreates) the demo tenant with its operators, groups, members, tags and
/// events; `progress(stage, done, total)` is called as it goes (stages `plan`, `tenant`,
/// `groups`, `members`, `tags`, `events`, `roles`).
pub async fn create_demo(
    db: &Db,
    opts: &DemoOptions,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> Result<DemoReport> {
    check(opts)?;
    crate::access::check_slug(&opts.slug)?;
    progress("plan", 0, 1);
    let end = opts.end_ms.unwrap_or_else(quanzi_store::now_ms);
    let plan = plan::build(opts.seed, opts.members, opts.days, end);
    progress("plan", 1, 1);

    progress("tenant", 0, 1);
    if let Some(old) = tenant::by_slug(db, &opts.slug).await? {
        let mut tx = db.begin().await?;
        tenant::delete(&mut tx, TenantId(old.tenant_id)).await?;
        tx.commit().await?;
    }
    let t = crate::access::create_tenant(db, &opts.slug, catalog::TENANT_NAME).await?;
    let tid = t.tenant_id;
    let filled = fill(db, tid, opts, &plan, progress).await;
    let (groups, members, events) = match filled {
        Ok(sizes) => sizes,
        Err(e) => {
            // Leave no half-made demo behind (e.g. when an operator email is taken).
            if let Ok(mut tx) = db.begin().await
                && tenant::delete(&mut tx, tid).await.is_ok()
            {
                let _ = tx.commit().await;
            }
            return Err(e);
        }
    };
    Ok(DemoReport {
        tenant_id: t.tenant_id.0,
        slug: t.slug,
        owner_email: opts.owner_email.trim().to_lowercase(),
        owner_password: opts.owner_password.clone(),
        groups,
        members,
        events,
    })
}

/// Fills a new tenant: operators, groups, members, tags, events, roles. Returns the numbers
/// of groups, members and events.
async fn fill(
    db: &Db,
    tid: TenantId,
    opts: &DemoOptions,
    plan: &plan::Plan,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> Result<(usize, usize, usize)> {
    let operators = [
        (opts.owner_email.clone(), "店长 陈丽", OperatorRole::Owner),
        (
            sibling_email(&opts.owner_email, "admin"),
            "社群运营 林小雨",
            OperatorRole::Admin,
        ),
        (
            sibling_email(&opts.owner_email, "viewer"),
            "财务 王会计",
            OperatorRole::Viewer,
        ),
    ];
    for (email, name, role) in &operators {
        let pw = &opts.owner_password;
        crate::access::create_operator(db, tid, email, name, *role, pw).await?;
    }
    progress("tenant", 1, 1);

    let (group_ids, member_ids) = store_people(db, tid, plan, progress).await?;

    let total = plan.events.len();
    let mut stored = 0usize;
    progress("events", 0, total as u64);
    for (n, chunk) in plan.events.chunks(EVENTS_PER_TX).enumerate() {
        let first = n * EVENTS_PER_TX;
        let batch = convert::events(chunk, plan.cal.start, first, &member_ids, &group_ids);
        let mut tx = db.begin().await?;
        stored += crate::events::store(&mut tx, tid, &batch).await?.len();
        tx.commit().await?;
        progress("events", (first + chunk.len()) as u64, total as u64);
    }

    // KOLs and seed users get their group roles (the store stamps these changes "now").
    let n = plan.roles.len() as u64;
    progress("roles", 0, n);
    let mut tx = db.begin().await?;
    for (m, g, role) in &plan.roles {
        if let (Some(m), Some(g)) = (member_ids.get(*m), group_ids.get(*g)) {
            group::set_role(&mut tx, tid, *g, *m, *role).await?;
        }
    }
    tx.commit().await?;
    progress("roles", n, n);
    // The KOL list is computed by the worker as soon as the server runs.
    let scores = crate::influence::RunRequest {
        kind: "scores".into(),
        ..Default::default()
    };
    crate::influence::request(db, tid, &scores).await?;
    // The growth loop plays out now: a demo pinned to a past window keeps its history exact.
    if opts.end_ms.is_none() {
        progress("growth", 0, 1);
        growth::fill(db, tid, &group_ids, &member_ids).await?;
        progress("growth", 1, 1);
        progress("promotions", 0, 1);
        promotions::fill(db, opts.server.as_ref(), tid, &group_ids, &member_ids).await?;
        if group_ids.len() >= 2 {
            teams::fill(db, tid, &group_ids).await?;
        }
        if member_ids.len() >= 530 {
            offers::fill(db, tid, &member_ids[400..]).await?;
        }
        progress("promotions", 1, 1);
    }
    Ok((group_ids.len(), member_ids.len(), stored))
}

/// Stores the groups, the members and their tags in one transaction.
async fn store_people(
    db: &Db,
    tid: TenantId,
    plan: &plan::Plan,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> Result<(Vec<GroupId>, Vec<MemberId>)> {
    let mut tx = db.begin().await?;
    let n = plan.groups.len() as u64;
    progress("groups", 0, n);
    let mut group_ids = Vec::with_capacity(plan.groups.len());
    for g in &plan.groups {
        let new = NewGroup {
            name: g.name.clone(),
            dimension: g.dimension,
            theme: Some(g.theme.clone()),
            rules: Some(g.rules.clone()),
            capacity_hard: quanzi_domain::group::HARD_CAPACITY_MAX,
            capacity_advised: quanzi_domain::group::ADVISED_CAPACITY_DEFAULT,
            external_chat_id: None,
        };
        group_ids.push(GroupId(
            group::create(&mut tx, tid, &new, g.created_at)
                .await?
                .group_id,
        ));
    }
    progress("groups", n, n);

    let rows = convert::members(plan);
    let n = rows.len() as u64;
    progress("members", 0, n);
    let mut member_ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(MEMBERS_PER_STEP) {
        member_ids.extend(member::create_many(&mut tx, tid, chunk).await?);
        progress("members", member_ids.len() as u64, n);
    }

    let tags = plan::tags(plan);
    let n = tags.len() as u64;
    progress("tags", 0, n);
    for (k, (group_name, name, who)) in tags.iter().enumerate() {
        let name = TagName {
            group: group_name.to_string(),
            name: name.to_string(),
        };
        let id: TagId = tag::ensure(&mut tx, tid, &name).await?;
        let ids: Vec<MemberId> = who
            .iter()
            .filter_map(|i| member_ids.get(*i).copied())
            .collect();
        tag::tag_members(&mut tx, tid, id, &ids).await?;
        progress("tags", k as u64 + 1, n);
    }
    tx.commit().await?;
    Ok((group_ids, member_ids))
}
