//! WeChat web OAuth for the member pages: the tenant's official account, the authorize
//! redirect with a signed single-use `state`, and the code exchange that finds or records
//! the member by unionid or openid.

use quanzi_channels::signed;
use quanzi_channels::wechat_oauth::{self, Scope};
use quanzi_domain::member::MemberInput;
use quanzi_domain::{Invalid, MemberId, TenantId, text};
use quanzi_store::{Db, identity, now_ms};

use super::{Refusal, parts, secret};
use crate::server::ServerSettings;
use crate::{CoreError, Result};

const STATE: &str = "oauth-state";
/// How long a sign-in may take, ms.
const STATE_MS: i64 = 10 * 60 * 1000;

/// A tenant's official account for web OAuth (secret opened).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthConfig {
    /// appid.
    pub appid: String,
    /// appsecret.
    pub secret: String,
    /// What members are asked for.
    pub scope: Scope,
}

/// The tenant's OAuth configuration, if set.
pub async fn oauth_config(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
) -> Result<Option<OAuthConfig>> {
    let Some(s) = identity::settings(db, t).await? else {
        return Ok(None);
    };
    let (Some(appid), Some(sealed), Some(scope)) = (s.oauth_appid, s.oauth_secret, s.oauth_scope)
    else {
        return Ok(None);
    };
    let secret = server
        .sealer
        .open(&sealed)
        .map_err(|e| CoreError::ServerKey(e.to_string()))?;
    Ok(Some(OAuthConfig {
        appid,
        secret,
        scope: Scope::parse(&scope).unwrap_or(Scope::Base),
    }))
}

/// Sets the official account (`appid`, `secret`, `scope`), or clears it with `None`.
pub async fn set_oauth(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
    account: Option<(&str, &str, &str)>,
) -> Result<()> {
    secret(db, server, t).await?;
    let sealed = match account {
        None => None,
        Some((appid, app_secret, scope)) => {
            let mut e = Invalid::default();
            let appid = text::key(&mut e, "oauth_appid", appid.trim(), 64);
            let app_secret = text::required(&mut e, "oauth_secret", app_secret.trim(), 128);
            if Scope::parse(scope).is_none() {
                e.push("oauth_scope", "must be snsapi_base or snsapi_userinfo");
            }
            let (appid, app_secret) = e.or_ok((appid, app_secret))?;
            let sealed = server
                .sealer
                .seal(app_secret.as_deref().unwrap_or_default())
                .map_err(|e| CoreError::ServerKey(e.to_string()))?;
            Some((appid.unwrap_or_default(), sealed, scope.to_string()))
        }
    };
    let mut tx = db.begin().await?;
    identity::set_oauth(
        &mut tx,
        t,
        sealed
            .as_ref()
            .map(|(a, s, sc)| (a.as_str(), s.as_str(), sc.as_str())),
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Starts a sign-in: records a single-use nonce and answers WeChat's authorize URL, which
/// comes back to `redirect_uri` with a code and the signed `state` naming `return_to`, and
/// the nonce, for the browser to keep (the way back must come from the same browser).
pub async fn begin_oauth(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
    config: &OAuthConfig,
    redirect_uri: &str,
    return_to: &str,
) -> Result<(String, String)> {
    let key = secret(db, server, t).await?;
    let mut raw = [0u8; 16];
    getrandom::fill(&mut raw).map_err(|e| CoreError::ServerKey(e.to_string()))?;
    let nonce = hex::encode(raw);
    let now = now_ms();
    identity::new_state(db, t, &nonce, now, now + STATE_MS).await?;
    let state = signed::sign(&key, STATE, &format!("{}:{nonce}:{return_to}", t.0));
    let url = wechat_oauth::authorize_url(
        &server.wechat_open_base,
        &config.appid,
        redirect_uri,
        config.scope,
        &state,
    );
    Ok((url, nonce))
}

async fn fetch(server: &ServerSettings, url: &str) -> std::result::Result<Vec<u8>, Refusal> {
    let answer = server
        .http_client()
        .get(url)
        .send()
        .await
        .map_err(|e| Refusal::WeChat(crate::egress::describe(e)))?;
    answer
        .bytes()
        .await
        .map(|b| b.to_vec())
        .map_err(|e| Refusal::WeChat(crate::egress::describe(e)))
}

/// Ends a sign-in: checks the `state` (signed by this tenant, started by this browser —
/// `browser_nonce` is what [`begin_oauth`] gave it —, not expired, used once),
/// exchanges the code, and finds the member by unionid, then openid, else records a
/// prospect. Answers the member and where to go back to.
pub async fn finish_oauth(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
    code: &str,
    state: &str,
    browser_nonce: Option<&str>,
) -> Result<std::result::Result<(MemberId, String), Refusal>> {
    let Some(config) = oauth_config(db, server, t).await? else {
        return Ok(Err(Refusal::BadState));
    };
    let key = secret(db, server, t).await?;
    let Some([tenant, nonce, return_to]) = signed::open(&key, STATE, state)
        .ok()
        .and_then(|p| parts::<3>(&p).map(|a| a.map(str::to_string)))
    else {
        return Ok(Err(Refusal::BadState));
    };
    if tenant != t.0.to_string() || browser_nonce != Some(nonce.as_str()) {
        return Ok(Err(Refusal::BadState));
    }
    let mut tx = db.begin().await?;
    let fresh = identity::use_state(&mut tx, t, &nonce, now_ms()).await?;
    tx.commit().await?;
    if !fresh {
        return Ok(Err(Refusal::BadState));
    }
    let url = wechat_oauth::token_url(&server.wechat_api_base, &config.appid, &config.secret, code);
    let token = match fetch(server, &url).await {
        Ok(body) => match wechat_oauth::parse_token(&body) {
            Ok(t) => t,
            Err(e) => return Ok(Err(Refusal::WeChat(e.to_string()))),
        },
        Err(r) => return Ok(Err(r)),
    };
    let mut unionid = token.unionid.clone();
    let mut nickname = None;
    if config.scope == Scope::UserInfo {
        let url =
            wechat_oauth::userinfo_url(&server.wechat_api_base, &token.access_token, &token.openid);
        match fetch(server, &url)
            .await
            .map(|b| wechat_oauth::parse_userinfo(&b))
        {
            Ok(Ok(info)) => {
                unionid = info.unionid.or(unionid);
                nickname = Some(info.nickname).filter(|n| !n.trim().is_empty());
            }
            Ok(Err(e)) => return Ok(Err(Refusal::WeChat(e.to_string()))),
            Err(r) => return Ok(Err(r)),
        }
    }
    let member = find_or_record(db, t, &token.openid, unionid, nickname).await?;
    Ok(Ok((member, return_to)))
}

/// The member known by `unionid` or `openid`, else a new prospect with them.
async fn find_or_record(
    db: &Db,
    t: TenantId,
    openid: &str,
    unionid: Option<String>,
    nickname: Option<String>,
) -> Result<MemberId> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let known = match &unionid {
        Some(u) => identity::member_by_unionid(&mut tx, t, u).await?,
        None => None,
    };
    let known = match known {
        Some(m) => Some(m),
        None => identity::member_of(&mut tx, t, "openid", openid).await?,
    };
    if let Some(m) = known {
        identity::add(&mut tx, t, "openid", openid, m, now).await?;
        tx.commit().await?;
        return Ok(m);
    }
    drop(tx);
    super::prospect(
        db,
        t,
        "openid",
        openid,
        MemberInput {
            name: Some(nickname.unwrap_or_else(|| "微信用户".into())),
            unionid,
            source_channel: Some("wechat_oauth".into()),
            ..Default::default()
        },
    )
    .await
}
