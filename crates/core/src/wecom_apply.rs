//! Applying a stored WeCom event: members (with `State` as their channel), groups, joins and
//! leaves through the events path settled against history, churn on `del_follow_user`, a
//! removed contact on `del_external_contact`, a failed handover on `transfer_fail`,
//! resyncs after member-version gaps, outbox rows — in the job's one transaction.

use quanzi_channels::wecom::event::{
    ChatChange, ChatUpdate, ContactChange, ExternalChatEvent, ExternalContactEvent, JoinScene,
    QuitScene, UpdateDetail,
};
use quanzi_channels::wecom::{EventKind, WecomEvent};
use quanzi_domain::event::{BatchContext, Builtin, EventInput, NewEvent, parse_batch};
use quanzi_domain::group::GroupInput;
use quanzi_domain::member::MemberInput;
use quanzi_domain::{GroupId, Invalid, MemberId, TenantId};
use quanzi_store::jobs::{self, NewJob};
use quanzi_store::wecom as repo;
use quanzi_store::{Tx, group, inbound, member, now_ms, tenant};

use crate::Result;
use crate::jobs::{Claimed, JobContext, JobError};
use crate::wecom::{
    CHURN_KIND, CONTACT_REMOVED_KIND, RECORDED_KINDS, RESYNC_JOB, SYNC_JOB, TRANSFER_FAILED_KIND,
};

/// The job: applies one stored callback in one transaction with its outbox rows, and
/// finishes the job in that same transaction.
pub async fn run_event_job(ctx: &JobContext, c: &Claimed) -> std::result::Result<(), JobError> {
    let t = c.tenant();
    let id = c.payload()?["inbound_event_id"]
        .as_i64()
        .ok_or_else(|| JobError::Fatal("payload has no inbound_event_id".into()))?;
    let mut tx = ctx.db.begin().await?;
    let Some(row) = inbound::get_tx(&mut tx, t, id).await? else {
        return Err(JobError::Fatal(format!("no inbound event {id}")));
    };
    let ev = WecomEvent::parse(&row.body)
        .map_err(|e| JobError::Fatal(format!("unreadable event: {e}")))?;
    apply(&mut tx, t, &ev).await?;
    inbound::mark_processed(&mut tx, t, id, now_ms()).await?;
    if c.finish_in(&mut tx).await? {
        tx.commit().await?;
    }
    Ok(())
}

/// Applies one event in `tx`.
pub async fn apply(tx: &mut Tx, t: TenantId, ev: &WecomEvent) -> Result<()> {
    let at_ms = ev.create_time.saturating_mul(1000);
    match &ev.kind {
        EventKind::ExternalContact(c) => contact(tx, t, ev, c, at_ms).await,
        EventKind::ExternalChat(c) => chat(tx, t, ev, c, at_ms).await,
        EventKind::ExternalTag(_) => {
            // Tag callbacks carry ids only: the names come from the API, in a sync.
            let mut job = NewJob::new(SYNC_JOB, serde_json::json!({ "scope": "tags" }), now_ms());
            job.singleton_key = Some("wecom.sync_tags".into());
            jobs::enqueue(tx, t, &job, now_ms()).await?;
            Ok(())
        }
        EventKind::Other { .. } => Ok(()),
    }
}

async fn contact(
    tx: &mut Tx,
    t: TenantId,
    ev: &WecomEvent,
    c: &ExternalContactEvent,
    at_ms: i64,
) -> Result<()> {
    let state = c.state.as_deref();
    match c.change {
        ContactChange::AddExternalContact
        | ContactChange::AddHalfExternalContact
        | ContactChange::EditExternalContact => {
            let m = ensure_member(tx, t, &c.external_user_id, state).await?;
            let code = state.and_then(crate::live_codes::wecom::code_of_state);
            if let (Some(code), ContactChange::AddExternalContact) = (code, &c.change) {
                use crate::live_codes::wecom::{Through, attribute};
                let through = Through::Staff(&c.user_id, c.welcome_code.as_deref());
                attribute(tx, t, code, m, through).await?;
            }
        }
        ContactChange::DelFollowUser => {
            let props =
                serde_json::json!({ "source": "wecom.del_follow_user", "user_id": c.user_id });
            record(tx, t, ev, c, CHURN_KIND, props, at_ms).await?;
        }
        ContactChange::DelExternalContact => {
            // The staff member removed the customer; a handover removes them too.
            let props = serde_json::json!({
                "source": "wecom.del_external_contact",
                "user_id": c.user_id,
                "by_transfer": c.source.as_deref() == Some("DELETE_BY_TRANSFER"),
            });
            record(tx, t, ev, c, CONTACT_REMOVED_KIND, props, at_ms).await?;
        }
        ContactChange::TransferFail => {
            let props = serde_json::json!({
                "source": "wecom.transfer_fail",
                "user_id": c.user_id,
                "fail_reason": c.fail_reason,
            });
            record(tx, t, ev, c, TRANSFER_FAILED_KIND, props, at_ms).await?;
        }
    }
    Ok(())
}

/// Records a contact change as an event of the custom `kind` on the customer (created if
/// new), once per callback.
async fn record(
    tx: &mut Tx,
    t: TenantId,
    ev: &WecomEvent,
    c: &ExternalContactEvent,
    kind: &str,
    props: serde_json::Value,
    at_ms: i64,
) -> Result<()> {
    let m = ensure_member(tx, t, &c.external_user_id, c.state.as_deref()).await?;
    tenant::add_custom_kind(tx, t, kind).await?;
    let input = event_input(&ev.dedupe_key, "", kind, m, None, at_ms, props);
    store_events(tx, t, vec![input]).await?;
    Ok(())
}

async fn chat(
    tx: &mut Tx,
    t: TenantId,
    ev: &WecomEvent,
    c: &ExternalChatEvent,
    at_ms: i64,
) -> Result<()> {
    let g = ensure_group(tx, t, &c.chat_id).await?;
    match &c.change {
        ChatChange::Create => {
            repo::put_chat_version(tx, t, &c.chat_id, None, None, now_ms()).await?
        }
        ChatChange::Dismiss => {
            let mut inputs = Vec::new();
            for (m, _) in repo::current_members(tx, t, g.0).await? {
                let props = serde_json::json!({ "source": "wecom", "quit_scene": "dismissed" });
                let key_part = m.to_string();
                inputs.push(event_input(
                    &ev.dedupe_key,
                    &key_part,
                    Builtin::Leave.as_str(),
                    MemberId(m),
                    Some(g),
                    at_ms,
                    props,
                ));
            }
            store_events(tx, t, inputs).await?;
        }
        ChatChange::Update(u) => update(tx, t, ev, &c.chat_id, g, u, at_ms).await?,
    }
    Ok(())
}

async fn update(
    tx: &mut Tx,
    t: TenantId,
    ev: &WecomEvent,
    chat_id: &str,
    g: GroupId,
    u: &ChatUpdate,
    at_ms: i64,
) -> Result<()> {
    let held = repo::chat_version(tx, t, chat_id).await?;
    let gap = u.needs_resync(held.as_deref());
    let mut inputs = Vec::new();
    match u.detail {
        UpdateDetail::AddMember | UpdateDetail::DelMember => {
            let join = u.detail == UpdateDetail::AddMember;
            for ext in u.mem_change_list.iter().filter(|id| is_customer(id)) {
                let m = ensure_member(tx, t, ext, None).await?;
                let props = if join {
                    serde_json::json!({ "source": "wecom", "join_scene": u.join_scene.map(join_scene) })
                } else {
                    serde_json::json!({ "source": "wecom", "quit_scene": u.quit_scene.map(quit_scene) })
                };
                let kind = if join { Builtin::Join } else { Builtin::Leave }.as_str();
                inputs.push(event_input(
                    &ev.dedupe_key,
                    ext,
                    kind,
                    m,
                    Some(g),
                    at_ms,
                    props,
                ));
            }
        }
        // Name, owner and notice are read from the API by the resync.
        _ => {}
    }
    store_events(tx, t, inputs).await?;
    let changed_meta = !matches!(u.detail, UpdateDetail::AddMember | UpdateDetail::DelMember);
    // Who joined through a live code's join way is told only by the group's details.
    let through_way = u.detail == UpdateDetail::AddMember
        && quanzi_store::live_code::has_join_way(tx, t, g).await?;
    if gap || changed_meta || through_way {
        let mut job = NewJob::new(
            RESYNC_JOB,
            serde_json::json!({ "chat_id": chat_id }),
            now_ms(),
        );
        job.singleton_key = Some(format!("resync:{chat_id}"));
        jobs::enqueue(tx, t, &job, now_ms()).await?;
    }
    repo::put_chat_version(tx, t, chat_id, u.cur_mem_ver.as_deref(), None, now_ms()).await?;
    Ok(())
}

/// WeCom customers' ids start with `wm` (customers) or `wo` (WeChat users); the staff in a
/// group are the corp's own users and are not members.
fn is_customer(id: &str) -> bool {
    id.starts_with("wm") || id.starts_with("wo")
}

fn join_scene(s: JoinScene) -> String {
    match s {
        JoinScene::DirectInvite => "wecom_invite".into(),
        JoinScene::InviteLink => "wecom_invite_link".into(),
        JoinScene::QrCode => "wecom_qr".into(),
        JoinScene::Other(n) => format!("wecom_scene_{n}"),
    }
}

fn quit_scene(s: QuitScene) -> String {
    match s {
        QuitScene::Left => "left".into(),
        QuitScene::Removed => "removed".into(),
        QuitScene::Other(n) => format!("scene_{n}"),
    }
}

fn event_input(
    dedupe: &str,
    part: &str,
    kind: &str,
    m: MemberId,
    g: Option<GroupId>,
    at_ms: i64,
    props: serde_json::Value,
) -> EventInput {
    let key = format!("wecom:{}:{kind}:{part}", &dedupe[..dedupe.len().min(32)]);
    EventInput {
        idempotency_key: key.chars().take(128).collect(),
        kind: kind.to_string(),
        member_id: m.0,
        group_id: g.map(|g| g.0),
        occurred_at_ms: at_ms,
        amount_fen: None,
        product: None,
        reference: None,
        properties: props.as_object().cloned(),
    }
}

/// Stores events through the API's path (validation, idempotency keys, membership), settles
/// membership against the history, and writes the outbox for the new ones.
pub(crate) async fn store_events(
    tx: &mut Tx,
    t: TenantId,
    inputs: Vec<EventInput>,
) -> Result<Vec<NewEvent>> {
    if inputs.is_empty() {
        return Ok(Vec::new());
    }
    let kinds = RECORDED_KINDS.map(String::from);
    let ctx = BatchContext {
        custom_kinds: &kinds,
        now_ms: now_ms(),
    };
    let events = parse_batch(inputs, &ctx).map_err(Invalid)?;
    let new = crate::events::store(tx, t, &events).await?;
    for &i in &new {
        if let Some(e) = events.get(i)
            && let Some(g) = e.group_id
            && (e.kind.is_join() || e.kind.is_leave())
        {
            repo::settle_membership(tx, t, g.0, e.member_id.0).await?;
        }
    }
    Ok(new
        .into_iter()
        .filter_map(|i| events.get(i).cloned())
        .collect())
}

/// The member with this external_userid, created when new (its `State` kept as the
/// acquisition channel when it has none).
pub(crate) async fn ensure_member(
    tx: &mut Tx,
    t: TenantId,
    external: &str,
    state: Option<&str>,
) -> Result<MemberId> {
    if let Some(id) = repo::member_by_external(tx, t, external).await? {
        if let Some(s) = state.filter(|s| !s.trim().is_empty()) {
            repo::set_source_if_empty(tx, t, id, s.trim()).await?;
        }
        return Ok(MemberId(id));
    }
    let tail: String = external
        .chars()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let input = MemberInput {
        name: Some(format!("客户 {tail}")),
        external_userid: Some(external.to_string()),
        source_channel: state
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        ..Default::default()
    };
    let new = input.into_new(&[])?;
    Ok(MemberId(member::create(tx, t, &new).await?.member_id))
}

/// The group with this chat_id, created when new.
pub(crate) async fn ensure_group(tx: &mut Tx, t: TenantId, chat_id: &str) -> Result<GroupId> {
    if let Some(id) = repo::group_by_chat(tx, t, chat_id).await? {
        return Ok(GroupId(id));
    }
    let tail: String = chat_id
        .chars()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let input = GroupInput {
        name: Some(format!("客户群 {tail}")),
        dimension: Some("other".into()),
        external_chat_id: Some(chat_id.to_string()),
        ..Default::default()
    };
    let new = input.into_new()?;
    Ok(GroupId(
        group::create(tx, t, &new, now_ms()).await?.group_id,
    ))
}
