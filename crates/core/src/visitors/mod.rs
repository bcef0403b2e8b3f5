//! Who is on a member page: a member by a signed link, by their page session, by WeChat web
//! OAuth, or a new visitor recorded as a prospect. Tokens are signed with the tenant's link
//! secret (made at first use, sealed at rest); a link can be revoked.

use quanzi_channels::signed;
use quanzi_domain::member::MemberInput;
use quanzi_domain::{MemberId, TenantId};
use quanzi_store::{Db, identity, member, now_ms};

use crate::server::ServerSettings;
use crate::{CoreError, Result};

mod oauth;
pub use oauth::{OAuthConfig, begin_oauth, finish_oauth, oauth_config, set_oauth};

/// How long a member link stays valid by default, days.
pub const LINK_DAYS: i64 = 30;
/// How long a page session lasts, ms.
pub const SESSION_MS: i64 = 30 * 24 * 3600 * 1000;

const LINK: &str = "member-link";
const SESSION: &str = "member-session";
const REFERRAL: &str = "referral";

/// Why a visitor was not let in: each is a page of its own, nothing is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The token is not one Quanzi made.
    #[error("the link is not valid")]
    Forged,
    /// The link's time has passed.
    #[error("the link has expired")]
    Expired,
    /// The member's links were revoked after this one was made.
    #[error("the link was revoked")]
    Revoked,
    /// The link belongs to another merchant.
    #[error("the link belongs to another merchant")]
    OtherTenant,
    /// The OAuth `state` is unknown, used already or expired (a replay or a forgery).
    #[error("the sign-in was not started here, or was used already")]
    BadState,
    /// WeChat refused the sign-in.
    #[error("WeChat refused the sign-in: {0}")]
    WeChat(String),
}

/// The tenant's link secret, made and sealed at first use.
pub async fn secret(db: &Db, server: &ServerSettings, t: TenantId) -> Result<Vec<u8>> {
    let sealed = match identity::settings(db, t).await? {
        Some(s) => s.link_secret,
        None => {
            let mut raw = [0u8; 32];
            getrandom::fill(&mut raw).map_err(|e| CoreError::ServerKey(e.to_string()))?;
            let sealed = server
                .sealer
                .seal(&hex::encode(raw))
                .map_err(|e| CoreError::ServerKey(e.to_string()))?;
            let mut tx = db.begin().await?;
            let kept = identity::ensure_link_secret(&mut tx, t, &sealed, now_ms()).await?;
            tx.commit().await?;
            kept
        }
    };
    let hex_secret = server
        .sealer
        .open(&sealed)
        .map_err(|e| CoreError::ServerKey(e.to_string()))?;
    Ok(hex_secret.into_bytes())
}

fn parts<const N: usize>(payload: &str) -> Option<[&str; N]> {
    let v: Vec<&str> = payload.splitn(N, ':').collect();
    v.try_into().ok()
}

/// A signed link for `member`, valid `days` days.
pub async fn link(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
    member: MemberId,
    days: i64,
) -> Result<String> {
    member::get(db, t, member)
        .await?
        .ok_or(CoreError::NotFound("member"))?;
    let key = secret(db, server, t).await?;
    let now = now_ms();
    let payload = format!("{}:{}:{now}:{}", t.0, member.0, now + days * 86_400_000);
    Ok(signed::sign(&key, LINK, &payload))
}

/// Checks a member token (`purpose` link or session): its signature, tenant, expiry and the
/// member's revocation.
async fn open_member_token(
    db: &Db,
    key: &[u8],
    t: TenantId,
    purpose: &str,
    token: &str,
    now: i64,
) -> Result<std::result::Result<MemberId, Refusal>> {
    let Ok(payload) = signed::open(key, purpose, token) else {
        return Ok(Err(Refusal::Forged));
    };
    let Some([tenant, m, issued, expires]) = parts::<4>(&payload) else {
        return Ok(Err(Refusal::Forged));
    };
    let (Ok(tenant), Ok(m), Ok(issued), Ok(expires)) = (
        tenant.parse::<i64>(),
        m.parse::<i64>(),
        issued.parse::<i64>(),
        expires.parse::<i64>(),
    ) else {
        return Ok(Err(Refusal::Forged));
    };
    if tenant != t.0 {
        return Ok(Err(Refusal::OtherTenant));
    }
    if expires <= now {
        return Ok(Err(Refusal::Expired));
    }
    let member = MemberId(m);
    if identity::revoked_at(db, t, member)
        .await?
        .is_some_and(|r| issued < r)
    {
        return Ok(Err(Refusal::Revoked));
    }
    // A merged member's links open the member they were merged into.
    match member::get(db, t, member).await? {
        None => Ok(Err(Refusal::Revoked)),
        Some(row) => Ok(Ok(row.merged_into.map_or(member, MemberId))),
    }
}

/// The member a signed link names, or why it is refused. A link signed with another
/// tenant's secret fails its signature here, so it reads as forged unless it names this
/// tenant.
pub async fn open_link(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
    token: &str,
) -> Result<std::result::Result<MemberId, Refusal>> {
    let key = secret(db, server, t).await?;
    let r = open_member_token(db, &key, t, LINK, token, now_ms()).await?;
    if r == Err(Refusal::Forged) && other_tenant(db, server, t, token).await? {
        return Ok(Err(Refusal::OtherTenant));
    }
    Ok(r)
}

/// Whether the token's payload names another tenant whose secret signed it.
async fn other_tenant(db: &Db, server: &ServerSettings, t: TenantId, token: &str) -> Result<bool> {
    let Some(claimed) = token
        .split('.')
        .next()
        .and_then(peek)
        .and_then(|p| p.split(':').next().and_then(|s| s.parse::<i64>().ok()))
    else {
        return Ok(false);
    };
    if claimed == t.0
        || quanzi_store::tenant::get(db, TenantId(claimed))
            .await?
            .is_none()
    {
        return Ok(false);
    }
    let key = secret(db, server, TenantId(claimed)).await?;
    Ok(signed::open(&key, LINK, token).is_ok())
}

/// The payload part of a token, unverified: only to find which tenant it claims.
fn peek(part: &str) -> Option<String> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .ok()?;
    String::from_utf8(raw).ok()
}

/// Revokes every link and page session of the member made until now.
pub async fn revoke(db: &Db, t: TenantId, m: MemberId) -> Result<()> {
    member::get(db, t, m)
        .await?
        .ok_or(CoreError::NotFound("member"))?;
    let mut tx = db.begin().await?;
    identity::revoke(&mut tx, t, m, now_ms()).await?;
    tx.commit().await?;
    Ok(())
}

/// A page session for the member (the cookie the pages keep).
pub fn session(key: &[u8], t: TenantId, m: MemberId) -> String {
    let now = now_ms();
    signed::sign(
        key,
        SESSION,
        &format!("{}:{}:{now}:{}", t.0, m.0, now + SESSION_MS),
    )
}

/// The member of a page session, if it is valid.
pub async fn open_session(
    db: &Db,
    key: &[u8],
    t: TenantId,
    token: &str,
) -> Result<Option<MemberId>> {
    Ok(open_member_token(db, key, t, SESSION, token, now_ms())
        .await?
        .ok())
}

/// The member of a visitor key in an open transaction, recording a new prospect (with the
/// source channel given) the first time; answers whether it was new.
pub(crate) async fn visitor_in(
    on: &mut quanzi_store::on::On<'_>,
    t: TenantId,
    key: &str,
    source: &str,
    now: i64,
) -> Result<(MemberId, bool)> {
    if let Some(m) = identity::member_of_on(on, t, "visitor", key).await? {
        return Ok((m, false));
    }
    let short: String = key.chars().take(4).collect();
    let new = MemberInput {
        name: Some(format!("访客 {short}")),
        source_channel: Some(source.to_string()),
        lifecycle_stage: Some("prospect".into()),
        ..Default::default()
    }
    .into_new(&[])?;
    let m = crate::members::on_member_keys(member::create_on(on, t, &new, now).await)?;
    identity::add_on(on, t, "visitor", key, m, now).await?;
    Ok((m, true))
}

/// The member of a visitor key, recording a prospect (with `source` as its channel) the first
/// time it takes part in something (a flash sale's buy, a lottery's draw).
pub async fn visitor(db: &Db, t: TenantId, key: &str, source: &str) -> Result<MemberId> {
    let short: String = key.chars().take(4).collect();
    let input = MemberInput {
        name: Some(format!("访客 {short}")),
        source_channel: Some(source.to_string()),
        ..Default::default()
    };
    prospect(db, t, "visitor", key, input).await
}

/// The member a visitor key belongs to, if it was recorded.
pub async fn known_visitor(db: &Db, t: TenantId, key: &str) -> Result<Option<MemberId>> {
    Ok(identity::member_of_db(db, t, "visitor", key).await?)
}

/// Finds the member of identity (`kind`, `value`), else creates `input` as a prospect with it.
/// A race with another request for the same identity ends with one member, theirs or ours.
pub(crate) async fn prospect(
    db: &Db,
    t: TenantId,
    kind: &str,
    value: &str,
    mut input: MemberInput,
) -> Result<MemberId> {
    input.lifecycle_stage = Some("prospect".into());
    let defs = quanzi_store::tenant::custom_fields(db, t).await?;
    let new = input.into_new(&defs)?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    if let Some(m) = identity::member_of(&mut tx, t, kind, value).await? {
        return Ok(m);
    }
    let m = crate::members::on_member_keys(member::create(&mut tx, t, &new).await)?;
    identity::add(&mut tx, t, kind, value, MemberId(m.member_id), now).await?;
    tx.commit().await?;
    Ok(MemberId(m.member_id))
}

/// A referral share token: `inviter` shares `program`.
pub fn referral_token(key: &[u8], t: TenantId, program: i64, inviter: MemberId) -> String {
    signed::sign(key, REFERRAL, &format!("{}:{program}:{}", t.0, inviter.0))
}

/// The (programme, inviter) of a referral token of this tenant.
pub fn open_referral(key: &[u8], t: TenantId, token: &str) -> Option<(i64, MemberId)> {
    let payload = signed::open(key, REFERRAL, token).ok()?;
    let [tenant, program, inviter] = parts::<3>(&payload)?;
    (tenant.parse::<i64>().ok()? == t.0).then_some(())?;
    Some((program.parse().ok()?, MemberId(inviter.parse().ok()?)))
}
