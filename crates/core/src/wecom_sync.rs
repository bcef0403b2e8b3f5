//! WeCom sync jobs: a full pull (tags, customers with their tags and `State`, customer groups
//! with their members and member versions) and the resync of one group after a version gap.
//! Reconciles by external ids, so a re-run or a customer already known by unionid is never
//! duplicated; joins and leaves found go through the events path like the callbacks'.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use quanzi_domain::event::Builtin;
use quanzi_domain::group::GroupPatch;
use quanzi_domain::member::{MemberInput, MemberPatch};
use quanzi_domain::tag::TagInput;
use quanzi_domain::{MemberId, TagId, TenantId};
use quanzi_store::wecom as repo;
use quanzi_store::{Tx, group, member, now_ms, tag};

use crate::jobs::{Claimed, JobContext, JobError};
use crate::wecom_api::{ApiError, Client, ContactEntry};
use crate::wecom_apply::{ensure_group, ensure_member, store_events};

impl From<ApiError> for JobError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Refused { .. } => JobError::Fatal(e.to_string()),
            other => JobError::Retry(other.to_string()),
        }
    }
}

/// What a sync did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// Customers seen.
    pub contacts: usize,
    /// Groups seen.
    pub groups: usize,
    /// Joins and leaves recorded.
    pub changes: usize,
}

/// Runs `f` with a client for the tenant's connection; `Ok(None)` when it has no API secret.
pub(crate) async fn with_client(
    ctx: &JobContext,
    t: TenantId,
) -> Result<Option<Client<'_>>, JobError> {
    let Some(conn) = repo::connection(&ctx.db, t).await? else {
        return Ok(None);
    };
    let Some(sealed) = conn.api_secret else {
        return Ok(None);
    };
    let secret = ctx
        .server
        .sealer
        .open(&sealed)
        .map_err(|e| JobError::Fatal(e.to_string()))?;
    Ok(Some(Client {
        http: &ctx.http,
        base: ctx.server.wecom_api_base.trim_end_matches('/').to_string(),
        corp_id: conn.corp_id,
        secret,
        tokens: &ctx.tokens,
        retry_base: ctx.api_retry_base,
        max_tries: 5,
    }))
}

/// The job: a full sync (or only the tags, with `{"scope":"tags"}`).
pub async fn run_full_sync(ctx: &JobContext, c: &Claimed) -> Result<(), JobError> {
    let tags_only = c.payload()?["scope"].as_str() == Some("tags");
    sync(ctx, c.tenant(), tags_only).await?;
    c.finish(&ctx.db).await?;
    Ok(())
}

/// The job: pulls one group again.
pub async fn run_resync_group(ctx: &JobContext, c: &Claimed) -> Result<(), JobError> {
    let chat_id = c.payload()?["chat_id"]
        .as_str()
        .ok_or_else(|| JobError::Fatal("payload has no chat_id".into()))?
        .to_string();
    if let Some(api) = with_client(ctx, c.tenant()).await? {
        sync_chat(ctx, c.tenant(), &api, &chat_id).await?;
    } else {
        tracing::info!(
            tenant = c.job.tenant_id,
            "no WeCom API secret: group resync skipped"
        );
    }
    c.finish(&ctx.db).await?;
    Ok(())
}

/// Pulls everything (or only the tags) of the tenant's corp.
pub async fn sync(ctx: &JobContext, t: TenantId, tags_only: bool) -> Result<SyncReport, JobError> {
    let mut report = SyncReport::default();
    let Some(api) = with_client(ctx, t).await? else {
        tracing::info!(tenant = t.0, "no WeCom API secret: sync skipped");
        return Ok(report);
    };
    let tags = sync_tags(ctx, t, &api).await?;
    if tags_only {
        return Ok(report);
    }
    let users = api.follow_users().await?;
    let mut cursor = String::new();
    if !users.is_empty() {
        loop {
            let page = api.contacts_page(&users, &cursor).await?;
            let mut tx = ctx.db.begin().await?;
            for entry in &page.external_contact_list {
                sync_contact(&mut tx, t, entry, &tags).await?;
                report.contacts += 1;
            }
            tx.commit().await?;
            if page.next_cursor.is_empty() {
                break;
            }
            cursor = page.next_cursor;
        }
    }
    let mut cursor = String::new();
    loop {
        let page = api.chats_page(&cursor).await?;
        for chat in &page.group_chat_list {
            report.changes += sync_chat(ctx, t, &api, &chat.chat_id).await?;
            report.groups += 1;
        }
        if page.next_cursor.is_empty() {
            break;
        }
        cursor = page.next_cursor;
    }
    Ok(report)
}

/// Ensures every corp tag exists locally; returns WeCom tag id → local tag.
async fn sync_tags(
    ctx: &JobContext,
    t: TenantId,
    api: &Client<'_>,
) -> Result<HashMap<String, TagId>, JobError> {
    let groups = api.tags().await?;
    let mut map = HashMap::new();
    let mut tx = ctx.db.begin().await?;
    for g in groups {
        for wt in g.tag {
            let input = TagInput {
                group: clip(&g.group_name),
                name: clip(&wt.name),
            };
            if let Ok(name) = input.parse() {
                map.insert(wt.id, tag::ensure(&mut tx, t, &name).await?);
            }
        }
    }
    tx.commit().await?;
    Ok(map)
}

fn clip(s: &str) -> String {
    s.trim().chars().take(32).collect()
}

/// One customer: found by external_userid, else by unionid (then linked), else created;
/// placeholder names replaced by the WeCom name; tags added.
async fn sync_contact(
    tx: &mut Tx,
    t: TenantId,
    e: &ContactEntry,
    tags: &HashMap<String, TagId>,
) -> Result<(), JobError> {
    let c = &e.external_contact;
    let state = e.follow_info.state.as_deref();
    let by_union = match c.unionid.as_deref().filter(|u| !u.is_empty()) {
        Some(u)
            if repo::member_by_external(tx, t, &c.external_userid)
                .await?
                .is_none() =>
        {
            repo::member_by_unionid(tx, t, u).await?
        }
        _ => None,
    };
    let m = match by_union {
        Some(id) => {
            repo::link_external(tx, t, id, &c.external_userid).await?;
            MemberId(id)
        }
        None if repo::member_by_external(tx, t, &c.external_userid)
            .await?
            .is_none() =>
        {
            create_contact(tx, t, c, state).await?
        }
        None => ensure_member(tx, t, &c.external_userid, state).await?,
    };
    if let Some(s) = state.filter(|s| !s.trim().is_empty()) {
        repo::set_source_if_empty(tx, t, m.0, s.trim()).await?;
    }
    let name = clip(&c.name);
    if let Some(cur) = member::get_tx(tx, t, m).await?
        && cur.name.starts_with("客户 ")
        && !name.is_empty()
    {
        let patch = MemberPatch {
            name: Some(name),
            ..Default::default()
        };
        member::update(tx, t, m, &patch).await?;
    }
    for id in &e.follow_info.tag_id {
        if let Some(tag_id) = tags.get(id) {
            tag::tag_members(tx, t, *tag_id, &[m]).await?;
        }
    }
    Ok(())
}

async fn create_contact(
    tx: &mut Tx,
    t: TenantId,
    c: &crate::wecom_api::ExternalContact,
    state: Option<&str>,
) -> Result<MemberId, JobError> {
    let input = MemberInput {
        name: Some(clip(&c.name)).filter(|n| !n.is_empty()),
        external_userid: Some(c.external_userid.clone()),
        unionid: c.unionid.clone().filter(|u| !u.is_empty()),
        source_channel: state
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        ..Default::default()
    };
    match input.into_new(&[]) {
        Ok(new) => Ok(MemberId(member::create(tx, t, &new).await?.member_id)),
        // A name WeCom allows and we do not: keep the customer under a placeholder name.
        Err(_) => Ok(ensure_member(tx, t, &c.external_userid, state).await?),
    }
}

/// One group: name, members (joins for the new ones, leaves for the gone ones) and its
/// member version. Returns the joins and leaves recorded.
pub async fn sync_chat(
    ctx: &JobContext,
    t: TenantId,
    api: &Client<'_>,
    chat_id: &str,
) -> Result<usize, JobError> {
    let gc = api.chat(chat_id).await?;
    let now = now_ms();
    let mut tx = ctx.db.begin().await?;
    let g = ensure_group(&mut tx, t, chat_id).await?;
    let name = clip(&gc.name);
    if !name.is_empty() {
        let patch = GroupPatch {
            name: Some(name),
            ..Default::default()
        };
        group::update(&mut tx, t, g, &patch).await?;
    }
    let current: HashMap<String, i64> = repo::current_members(&mut tx, t, g.0)
        .await?
        .into_iter()
        .filter_map(|(m, ext)| ext.map(|e| (e, m)))
        .collect();
    let customers: Vec<_> = gc.member_list.iter().filter(|m| m.r#type == 2).collect();
    let present: HashSet<&str> = customers.iter().map(|m| m.userid.as_str()).collect();
    let version = gc.member_version.clone().unwrap_or_else(|| now.to_string());
    let mut inputs = Vec::new();
    for cm in &customers {
        // A join through one of Quanzi's join ways is the live code's (once).
        let code = cm
            .state
            .as_deref()
            .and_then(crate::live_codes::wecom::code_of_state);
        if current.contains_key(&cm.userid) && code.is_none() {
            continue;
        }
        let m = ensure_member(&mut tx, t, &cm.userid, cm.state.as_deref()).await?;
        if let Some(code) = code {
            use crate::live_codes::wecom::{Through, attribute};
            attribute(&mut tx, t, code, m, Through::Group(g)).await?;
        }
        if current.contains_key(&cm.userid) {
            continue;
        }
        let at = if cm.join_time > 0 {
            cm.join_time * 1000
        } else {
            now
        };
        let scene = match cm.join_scene {
            1 => "wecom_invite".to_string(),
            2 => "wecom_invite_link".to_string(),
            3 => "wecom_qr".to_string(),
            n => format!("wecom_scene_{n}"),
        };
        let props = serde_json::json!({ "source": "wecom.sync", "join_scene": scene });
        inputs.push(sync_event(
            chat_id,
            &cm.userid,
            Builtin::Join.as_str(),
            &at.to_string(),
            m,
            g,
            at,
            props,
        ));
    }
    for (ext, m) in &current {
        if !present.contains(ext.as_str()) {
            let props = serde_json::json!({ "source": "wecom.sync" });
            inputs.push(sync_event(
                chat_id,
                ext,
                Builtin::Leave.as_str(),
                &version,
                MemberId(*m),
                g,
                now,
                props,
            ));
        }
    }
    let changes = store_events(&mut tx, t, inputs).await?.len();
    let owner = Some(gc.owner.as_str()).filter(|o| !o.is_empty());
    repo::put_chat_version(
        &mut tx,
        t,
        chat_id,
        gc.member_version.as_deref(),
        owner,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(changes)
}

#[allow(clippy::too_many_arguments)]
fn sync_event(
    chat: &str,
    ext: &str,
    kind: &str,
    part: &str,
    m: MemberId,
    g: quanzi_domain::GroupId,
    at: i64,
    props: serde_json::Value,
) -> quanzi_domain::event::EventInput {
    let key = format!("wecom-sync:{chat}:{ext}:{kind}:{part}");
    quanzi_domain::event::EventInput {
        idempotency_key: key.chars().take(128).collect(),
        kind: kind.to_string(),
        member_id: m.0,
        group_id: Some(g.0),
        occurred_at_ms: at,
        amount_fen: None,
        product: None,
        reference: None,
        properties: props.as_object().cloned(),
    }
}

/// Pause before the first retry of a rate-limited call, in production.
pub const RETRY_BASE: Duration = Duration::from_millis(500);
