//! WeCom (企业微信) in: the tenant's connection settings, the callback accepted (verified,
//! decrypted, stored raw with a job in one transaction), and the job that maps each event
//! onto members, groups, membership, events and the outbox — once, in any order.

use quanzi_channels::wecom::event::{
    ChatChange, ChatUpdate, ContactChange, ExternalChatEvent, ExternalContactEvent, JoinScene,
    QuitScene, UpdateDetail,
};
use quanzi_channels::wecom::{self, AesKey, CallbackError, EventKind, WecomEvent};
use quanzi_domain::event::{BatchContext, EventInput, NewEvent, parse_batch};
use quanzi_domain::group::GroupInput;
use quanzi_domain::member::MemberInput;
use quanzi_domain::{GroupId, Invalid, MemberId, TenantId};
use quanzi_store::jobs::{self, NewJob};
use quanzi_store::wecom::{self as repo, WecomConnection};
use quanzi_store::{Db, StoreError, Tx, event, group, inbound, member, now_ms, tenant};
use sha2::{Digest, Sha256};

use crate::jobs::{Claimed, JobContext, JobError};
use crate::{CoreError, Result};

/// Source name of WeCom callbacks in `inbound_event`.
pub const SOURCE: &str = "wecom";
/// Job that applies one stored callback.
pub const EVENT_JOB: &str = "wecom.event";
/// Job that pulls one customer group again (after a member-version gap).
pub const RESYNC_JOB: &str = "wecom.resync_group";
/// Job that pulls every customer, group and tag.
pub const SYNC_JOB: &str = "wecom.sync";
/// Name of the nightly sync schedule.
pub const NIGHTLY: &str = "wecom.nightly_sync";
/// When the nightly sync runs (Asia/Shanghai).
pub const NIGHTLY_CRON: &str = "0 3 * * *";
/// Event kind recorded when a customer deletes their WeCom contact (`del_follow_user`).
pub const CHURN_KIND: &str = "churn";

/// Why a callback was refused or could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum WecomError {
    /// The tenant has no WeCom connection (or no such tenant).
    #[error("no WeCom connection for this tenant")]
    NotConfigured,
    /// Signature, key, padding, ReceiveId or envelope wrong: nothing stored.
    #[error(transparent)]
    Callback(#[from] CallbackError),
    /// The URL verification's echostr did not verify.
    #[error("url verification: {0}")]
    Verify(#[from] wecom::CryptoError),
    /// The store failed: the callback is not acknowledged, WeCom retries it.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Query parameters WeCom signs a callback with.
#[derive(Debug, Clone, Default)]
pub struct CallbackParams {
    /// `msg_signature`.
    pub msg_signature: String,
    /// `timestamp`.
    pub timestamp: String,
    /// `nonce`.
    pub nonce: String,
    /// `echostr` (URL verification only).
    pub echostr: String,
}

/// What the settings page shows of a connection: never the secrets in full.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConnectionView {
    /// 企业ID.
    pub corp_id: String,
    /// The token's first and last characters.
    pub token_hint: String,
    /// The key's first and last characters.
    pub key_hint: String,
    /// An API secret is stored (for the sync).
    pub has_api_secret: bool,
    /// API base URL, when not the public one.
    pub api_base: Option<String>,
}

/// `abc…xyz`, or `…` for short values.
pub fn hint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 10 {
        return "…".into();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}…{tail}")
}

/// The connection as the settings page may show it.
pub async fn connection(db: &Db, t: TenantId) -> Result<Option<ConnectionView>> {
    Ok(repo::connection(db, t).await?.map(|c| ConnectionView {
        token_hint: hint(&c.token),
        key_hint: hint(&c.encoding_aes_key),
        has_api_secret: c.api_secret.is_some(),
        corp_id: c.corp_id,
        api_base: c.api_base,
    }))
}

/// The settings form. Blank secret fields keep the stored values, so they never need to be
/// shown again.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ConnectionInput {
    /// 企业ID.
    pub corp_id: String,
    /// Callback Token (3–32 letters and digits).
    #[serde(default)]
    pub token: String,
    /// Callback EncodingAESKey (43 characters).
    #[serde(default)]
    pub encoding_aes_key: String,
    /// Customer-contact API secret (for the sync), optional.
    #[serde(default)]
    pub api_secret: String,
    /// API base URL, optional (default the public WeCom API).
    #[serde(default)]
    pub api_base: String,
}

/// Validates and saves the connection, and schedules the nightly sync.
pub async fn save_connection(db: &Db, t: TenantId, input: ConnectionInput) -> Result<()> {
    let old = repo::connection(db, t).await?;
    let mut inv = Invalid(Vec::new());
    let corp_id = input.corp_id.trim().to_string();
    if corp_id.is_empty()
        || corp_id.len() > 64
        || !corp_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        inv.push("corp_id", "must be 1–64 letters, digits, - or _ (企业ID)");
    }
    let token = match (input.token.trim(), &old) {
        ("", Some(o)) => o.token.clone(),
        (tk, _) => {
            if !(3..=32).contains(&tk.len()) || !tk.chars().all(|c| c.is_ascii_alphanumeric()) {
                inv.push("token", "must be 3–32 letters or digits");
            }
            tk.to_string()
        }
    };
    let key = match (input.encoding_aes_key.trim(), &old) {
        ("", Some(o)) => o.encoding_aes_key.clone(),
        (k, _) => {
            if AesKey::from_encoding_aes_key(k).is_err() {
                inv.push(
                    "encoding_aes_key",
                    "must be the 43-character EncodingAESKey",
                );
            }
            k.to_string()
        }
    };
    let api_secret = match (input.api_secret.trim(), &old) {
        ("", Some(o)) => o.api_secret.clone(),
        ("", None) => None,
        (s, _) if s.len() > 128 || s.chars().any(char::is_whitespace) => {
            inv.push(
                "api_secret",
                "must be at most 128 characters without spaces",
            );
            None
        }
        (s, _) => Some(s.to_string()),
    };
    let api_base = match input.api_base.trim() {
        "" => None,
        b => match crate::webhooks::parse_url(b) {
            Ok(u) => Some(u.trim_end_matches('/').to_string()),
            Err(_) => {
                inv.push("api_base", "must be an http:// or https:// URL");
                None
            }
        },
    };
    if !inv.is_empty() {
        return Err(inv.into());
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    repo::put_connection(
        &mut tx,
        &WecomConnection {
            tenant_id: t.0,
            corp_id,
            token,
            encoding_aes_key: key,
            api_secret,
            api_base,
            updated_at_ms: now,
        },
    )
    .await?;
    let next = crate::schedule::next_after(NIGHTLY_CRON, now).unwrap_or(now + 86_400_000);
    let payload = serde_json::json!({});
    jobs::put_schedule(&mut tx, t, NIGHTLY, NIGHTLY_CRON, SYNC_JOB, &payload, next).await?;
    tx.commit().await?;
    Ok(())
}

/// Asks for a full sync now (the Settings button).
pub async fn request_sync(db: &Db, t: TenantId) -> Result<Option<i64>> {
    if repo::connection(db, t).await?.is_none() {
        return Err(CoreError::NotFound("wecom connection"));
    }
    let mut job = NewJob::new(SYNC_JOB, serde_json::json!({}), now_ms());
    job.singleton_key = Some(SYNC_JOB.into());
    crate::jobs::enqueue(db, t, &job).await
}

async fn key_of(
    db: &Db,
    t: TenantId,
) -> std::result::Result<(WecomConnection, AesKey), WecomError> {
    let c = repo::connection(db, t)
        .await?
        .ok_or(WecomError::NotConfigured)?;
    let key = AesKey::from_encoding_aes_key(&c.encoding_aes_key).map_err(WecomError::Verify)?;
    Ok((c, key))
}

/// GET URL verification: checks the signature over the echostr, decrypts it (checking the
/// ReceiveId) and returns the plaintext to answer.
pub async fn verify_url(
    db: &Db,
    t: TenantId,
    p: &CallbackParams,
) -> std::result::Result<String, WecomError> {
    let (c, key) = key_of(db, t).await?;
    Ok(wecom::verify_url(
        &c.token,
        &key,
        &c.corp_id,
        &p.msg_signature,
        &p.timestamp,
        &p.nonce,
        &p.echostr,
    )?)
}

/// POSTed callback: verified and decrypted, then stored with its job in one transaction.
/// Returns true when it was new, false for a redelivery (acknowledged, not enqueued again).
pub async fn receive(
    db: &Db,
    t: TenantId,
    p: &CallbackParams,
    body: &str,
) -> std::result::Result<bool, WecomError> {
    let (c, key) = key_of(db, t).await?;
    let xml = wecom::open_callback(
        &c.token,
        &key,
        &c.corp_id,
        &p.msg_signature,
        &p.timestamp,
        &p.nonce,
        body,
    )?;
    // An authentic event that does not parse is kept too; its job records why it failed.
    let dedupe = match WecomEvent::parse(&xml) {
        Ok(e) => e.dedupe_key,
        Err(_) => hex::encode(Sha256::digest(xml.as_bytes())),
    };
    let now = now_ms();
    let mut tx = db.begin().await?;
    let Some(id) = inbound::insert(&mut tx, t, SOURCE, &dedupe, &xml, now).await? else {
        return Ok(false);
    };
    let mut job = NewJob::new(
        EVENT_JOB,
        serde_json::json!({ "inbound_event_id": id }),
        now,
    );
    job.max_attempts = 10;
    jobs::enqueue(&mut tx, t, &job, now).await?;
    tx.commit().await?;
    Ok(true)
}

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
            ensure_member(tx, t, &c.external_user_id, state).await?;
        }
        ContactChange::DelFollowUser => {
            let m = ensure_member(tx, t, &c.external_user_id, state).await?;
            tenant::add_custom_kind(tx, t, CHURN_KIND).await?;
            let props =
                serde_json::json!({ "source": "wecom.del_follow_user", "user_id": c.user_id });
            let input = event_input(&ev.dedupe_key, "", CHURN_KIND, m, None, at_ms, props);
            store_events(tx, t, vec![input]).await?;
        }
        ContactChange::DelExternalContact | ContactChange::TransferFail => {}
    }
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
                    "leave",
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
                let kind = if join { "join" } else { "leave" };
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
    if gap || changed_meta {
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
    let kinds = vec![CHURN_KIND.to_string()];
    let ctx = BatchContext {
        custom_kinds: &kinds,
        now_ms: now_ms(),
    };
    let events = parse_batch(inputs, &ctx).map_err(Invalid)?;
    let new = event::insert_batch(tx, t, &events).await?;
    for &i in &new {
        if let Some(e) = events.get(i)
            && let Some(g) = e.group_id
            && (e.kind.is_join() || e.kind.is_leave())
        {
            repo::settle_membership(tx, t, g.0, e.member_id.0).await?;
        }
    }
    crate::webhooks::emit_events(tx, t, &events, &new).await?;
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
