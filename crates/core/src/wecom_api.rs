//! The WeCom server API client the sync uses: access tokens cached per corp and refreshed
//! before expiry (and at once when WeCom says one expired), rate-limit answers retried with
//! backoff, the base URL the server's setting (never a tenant's: the corp secret goes there).
//! Errors never hold a request's URL query (`corpsecret=`, `access_token=`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The public WeCom API.
pub const DEFAULT_BASE: &str = "https://qyapi.weixin.qq.com";
/// Refresh a token this long before WeCom says it expires.
const REFRESH_MARGIN_MS: i64 = 5 * 60_000;
/// errcodes of an invalid or expired access token.
const TOKEN_ERRORS: &[i64] = &[40001, 40014, 42001];
/// errcodes worth retrying later: busy, frequency and concurrency limits.
const RATE_ERRORS: &[i64] = &[-1, 45009, 45011, 45033, 45035];

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Network, timeout or an unreadable answer: try again later.
    #[error("wecom api unreachable: {0}")]
    Transport(String),
    /// Still rate limited after the retries.
    #[error("wecom api rate limited (errcode {0})")]
    RateLimited(i64),
    /// WeCom refused the call.
    #[error("wecom api errcode {code}: {msg}")]
    Refused {
        /// errcode.
        code: i64,
        /// errmsg.
        msg: String,
    },
}

/// A transport error of a call to `url` (without its query): reqwest's text without the URL
/// it carries (the query holds `corpsecret=` or `access_token=`), then the redacted URL.
fn transport(url: &str) -> impl Fn(reqwest::Error) -> ApiError + '_ {
    move |e| {
        let url = crate::egress::redact_url(url);
        ApiError::Transport(format!("{} ({url})", e.without_url()))
    }
}

/// Access tokens by (base URL, corp id): value and expiry, unix ms.
#[derive(Debug, Default)]
pub struct TokenCache {
    tokens: Mutex<HashMap<(String, String), (String, i64)>>,
    fetched: std::sync::atomic::AtomicU64,
}

impl TokenCache {
    /// How many tokens were fetched from WeCom (for checks of the cache).
    pub fn fetched(&self) -> u64 {
        self.fetched.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn get(&self, key: &(String, String), now: i64) -> Option<String> {
        let map = self.tokens.lock().ok()?;
        map.get(key)
            .filter(|(_, exp)| now < exp - REFRESH_MARGIN_MS)
            .map(|(t, _)| t.clone())
    }

    fn put(&self, key: (String, String), token: String, expires_at: i64) {
        if let Ok(mut map) = self.tokens.lock() {
            map.insert(key, (token, expires_at));
        }
    }

    fn forget(&self, key: &(String, String)) {
        if let Ok(mut map) = self.tokens.lock() {
            map.remove(key);
        }
    }
}

/// A client for one corp.
pub struct Client<'a> {
    /// HTTP client.
    pub http: &'a reqwest::Client,
    /// Base URL without a trailing slash.
    pub base: String,
    /// 企业ID.
    pub corp_id: String,
    /// The customer-contact secret.
    pub secret: String,
    /// Shared token cache.
    pub tokens: &'a TokenCache,
    /// First pause between retries (doubles each time).
    pub retry_base: Duration,
    /// Tries of a rate-limited call.
    pub max_tries: u32,
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    expires_in: i64,
}

impl Client<'_> {
    fn key(&self) -> (String, String) {
        (self.base.clone(), self.corp_id.clone())
    }

    async fn token(&self) -> Result<String, ApiError> {
        let now = quanzi_store::now_ms();
        if let Some(t) = self.tokens.get(&self.key(), now) {
            return Ok(t);
        }
        let url = format!("{}/cgi-bin/gettoken", self.base);
        let answer: TokenAnswer = self
            .http
            .get(&url)
            .query(&[("corpid", &self.corp_id), ("corpsecret", &self.secret)])
            .send()
            .await
            .map_err(transport(&url))?
            .json()
            .await
            .map_err(transport(&url))?;
        self.tokens
            .fetched
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if answer.errcode != 0 || answer.access_token.is_empty() {
            return Err(ApiError::Refused {
                code: answer.errcode,
                msg: answer.errmsg,
            });
        }
        let expires = now + answer.expires_in.clamp(60, 7_200) * 1000;
        self.tokens
            .put(self.key(), answer.access_token.clone(), expires);
        Ok(answer.access_token)
    }

    /// Calls `path` (GET with `query`, or POST with `body`) and reads the answer as `T`,
    /// refreshing the token once when WeCom says it expired and retrying rate limits.
    pub async fn call<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Result<T, ApiError> {
        let mut pause = self.retry_base;
        let mut refreshed = false;
        let mut tries = 0;
        loop {
            tries += 1;
            let token = self.token().await?;
            let url = format!("{}{path}", self.base);
            let rq = match &body {
                Some(b) => self.http.post(&url).json(b),
                None => self.http.get(&url),
            };
            let answer: Value = rq
                .query(&[("access_token", token.as_str())])
                .query(query)
                .send()
                .await
                .map_err(transport(&url))?
                .json()
                .await
                .map_err(transport(&url))?;
            let code = answer["errcode"].as_i64().unwrap_or(0);
            if code == 0 {
                return serde_json::from_value(answer)
                    .map_err(|e| ApiError::Transport(format!("unexpected answer: {e}")));
            }
            if TOKEN_ERRORS.contains(&code) && !refreshed {
                self.tokens.forget(&self.key());
                refreshed = true;
                continue;
            }
            if RATE_ERRORS.contains(&code) {
                if tries >= self.max_tries {
                    return Err(ApiError::RateLimited(code));
                }
                tokio::time::sleep(pause).await;
                pause *= 2;
                continue;
            }
            return Err(ApiError::Refused {
                code,
                msg: answer["errmsg"].as_str().unwrap_or_default().to_string(),
            });
        }
    }

    /// `externalcontact/get_follow_user_list`: the staff who have customers.
    pub async fn follow_users(&self) -> Result<Vec<String>, ApiError> {
        #[derive(Deserialize)]
        struct A {
            #[serde(default)]
            follow_user: Vec<String>,
        }
        let a: A = self
            .call("/cgi-bin/externalcontact/get_follow_user_list", &[], None)
            .await?;
        Ok(a.follow_user)
    }

    /// `externalcontact/batch/get_by_user`: one page of the customers of `users`.
    pub async fn contacts_page(
        &self,
        users: &[String],
        cursor: &str,
    ) -> Result<ContactPage, ApiError> {
        let body = json!({ "userid_list": users, "cursor": cursor, "limit": 100 });
        self.call(
            "/cgi-bin/externalcontact/batch/get_by_user",
            &[],
            Some(body),
        )
        .await
    }

    /// `externalcontact/groupchat/list`: one page of customer group ids.
    pub async fn chats_page(&self, cursor: &str) -> Result<ChatPage, ApiError> {
        let body = json!({ "status_filter": 0, "cursor": cursor, "limit": 100 });
        self.call("/cgi-bin/externalcontact/groupchat/list", &[], Some(body))
            .await
    }

    /// `externalcontact/groupchat/get`: a group with its members and member version.
    pub async fn chat(&self, chat_id: &str) -> Result<GroupChat, ApiError> {
        #[derive(Deserialize)]
        struct A {
            group_chat: GroupChat,
        }
        let body = json!({ "chat_id": chat_id, "need_name": 1 });
        let a: A = self
            .call("/cgi-bin/externalcontact/groupchat/get", &[], Some(body))
            .await?;
        Ok(a.group_chat)
    }

    /// `externalcontact/get_corp_tag_list`: every tag group and tag.
    pub async fn tags(&self) -> Result<Vec<TagGroup>, ApiError> {
        #[derive(Deserialize)]
        struct A {
            #[serde(default)]
            tag_group: Vec<TagGroup>,
        }
        let a: A = self
            .call(
                "/cgi-bin/externalcontact/get_corp_tag_list",
                &[],
                Some(json!({})),
            )
            .await?;
        Ok(a.tag_group)
    }
}

/// A page of customers with the follow info of one staff member each.
#[derive(Debug, Deserialize)]
pub struct ContactPage {
    /// Customers.
    #[serde(default)]
    pub external_contact_list: Vec<ContactEntry>,
    /// Empty on the last page.
    #[serde(default)]
    pub next_cursor: String,
}

/// One customer as one staff member follows them.
#[derive(Debug, Deserialize)]
pub struct ContactEntry {
    /// The customer.
    pub external_contact: ExternalContact,
    /// The staff member's view: tags and `state`.
    #[serde(default)]
    pub follow_info: FollowInfo,
}

/// A customer.
#[derive(Debug, Deserialize)]
pub struct ExternalContact {
    /// external_userid.
    pub external_userid: String,
    /// Nickname.
    #[serde(default)]
    pub name: String,
    /// WeChat unionid, when the corp may see it.
    #[serde(default)]
    pub unionid: Option<String>,
}

/// How a staff member follows a customer.
#[derive(Debug, Default, Deserialize)]
pub struct FollowInfo {
    /// The staff member.
    #[serde(default)]
    pub userid: String,
    /// Tag ids on the customer.
    #[serde(default)]
    pub tag_id: Vec<String>,
    /// The `State` of the contact way they came through.
    #[serde(default)]
    pub state: Option<String>,
}

/// A page of customer group ids.
#[derive(Debug, Deserialize)]
pub struct ChatPage {
    /// Groups.
    #[serde(default)]
    pub group_chat_list: Vec<ChatRef>,
    /// Empty on the last page.
    #[serde(default)]
    pub next_cursor: String,
}

/// A group id in a list.
#[derive(Debug, Deserialize)]
pub struct ChatRef {
    /// chat_id.
    pub chat_id: String,
}

/// A customer group.
#[derive(Debug, Deserialize)]
pub struct GroupChat {
    /// chat_id.
    pub chat_id: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Owner's userid.
    #[serde(default)]
    pub owner: String,
    /// Members now.
    #[serde(default)]
    pub member_list: Vec<ChatMember>,
    /// The member version of this list.
    #[serde(default)]
    pub member_version: Option<String>,
}

/// A member of a customer group.
#[derive(Debug, Deserialize)]
pub struct ChatMember {
    /// userid (staff) or external_userid (customer).
    pub userid: String,
    /// 1 staff, 2 customer.
    #[serde(default)]
    pub r#type: i64,
    /// Join time, unix seconds.
    #[serde(default)]
    pub join_time: i64,
    /// 1 direct invite, 2 invite link, 3 QR code.
    #[serde(default)]
    pub join_scene: i64,
    /// `State` of the join way, when it had one.
    #[serde(default)]
    pub state: Option<String>,
}

/// A tag group.
#[derive(Debug, Deserialize)]
pub struct TagGroup {
    /// Name.
    pub group_name: String,
    /// Tags.
    #[serde(default)]
    pub tag: Vec<CorpTag>,
}

/// A tag.
#[derive(Debug, Deserialize)]
pub struct CorpTag {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
}

mod ways;

pub use ways::{AddedWay, ContactWay, JoinWay};
