//! A local stand-in for WeChat web authorization on `127.0.0.1:0`, serving both
//! `open.weixin.qq.com` (`/connect/oauth2/authorize`) and `api.weixin.qq.com`
//! (`/sns/oauth2/access_token`, `/sns/userinfo`) with WeChat's answers and errcodes: codes are
//! single use, profiles only for `snsapi_userinfo` tokens.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

/// A WeChat account the stub signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WechatUser {
    /// The openid in the stub's official account.
    pub openid: String,
    /// The unionid, when the account is bound to an open-platform account.
    pub unionid: Option<String>,
    /// The nickname `/sns/userinfo` answers.
    pub nickname: String,
}

/// What a code or an access token was granted for.
#[derive(Debug, Clone)]
struct Grant {
    user: WechatUser,
    appid: String,
    scope: String,
}

/// The stub's state, shared with its handlers.
#[derive(Debug)]
struct Stub {
    appid: String,
    secret: String,
    user: Mutex<WechatUser>,
    codes: Mutex<HashMap<String, Grant>>,
    tokens: Mutex<HashMap<String, Grant>>,
    exchanges: AtomicUsize,
}

/// A running stub; it stops when dropped.
pub struct WechatStub {
    stub: Arc<Stub>,
    base: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

type Params = Query<HashMap<String, String>>;

fn fresh(prefix: &str) -> String {
    let mut b = [0u8; 12];
    getrandom::fill(&mut b).expect("os rng");
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{prefix}{hex}")
}

fn refused(code: i64, msg: &str) -> Json<Value> {
    Json(json!({ "errcode": code, "errmsg": msg }))
}

fn bad_request(msg: &str) -> Response {
    (StatusCode::BAD_REQUEST, msg.to_string()).into_response()
}

impl WechatStub {
    /// Starts the stub for app `appid` with `secret`. Until [`WechatStub::set_user`], it signs
    /// in `o-stub-1` (no unionid, nickname `微信用户`).
    pub async fn start(appid: &str, secret: &str) -> WechatStub {
        let stub = Arc::new(Stub {
            appid: appid.to_string(),
            secret: secret.to_string(),
            user: Mutex::new(WechatUser {
                openid: "o-stub-1".into(),
                unionid: None,
                nickname: "微信用户".into(),
            }),
            codes: Mutex::default(),
            tokens: Mutex::default(),
            exchanges: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/connect/oauth2/authorize", get(authorize))
            .route("/sns/oauth2/access_token", get(access_token))
            .route("/sns/userinfo", get(userinfo))
            .with_state(stub.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        WechatStub {
            stub,
            base,
            shutdown: Some(tx),
        }
    }

    /// Base URL (`http://127.0.0.1:port`), serving both the open and the api paths.
    pub fn base(&self) -> String {
        self.base.clone()
    }

    /// Whom the next authorize redirect logs in (codes already given keep their user).
    pub fn set_user(&self, user: WechatUser) {
        *self.stub.user.lock().unwrap() = user;
    }

    /// How many code exchanges were made (successful or not).
    pub fn exchanges(&self) -> usize {
        self.stub.exchanges.load(Ordering::SeqCst)
    }
}

impl Drop for WechatStub {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// `GET /connect/oauth2/authorize`: 302 to `redirect_uri?code=…&state=…` for the current
/// user. A request WeChat would show an error page for is a 400 here.
async fn authorize(State(s): State<Arc<Stub>>, Query(q): Params) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    if get("appid") != s.appid {
        return bad_request("invalid appid");
    }
    if get("response_type") != "code" {
        return bad_request("invalid response_type");
    }
    let scope = get("scope");
    if !["snsapi_base", "snsapi_userinfo"].contains(&scope) {
        return bad_request("invalid scope");
    }
    let Ok(mut target) = reqwest::Url::parse(get("redirect_uri")) else {
        return bad_request("invalid redirect_uri");
    };
    let code = fresh("code-");
    let grant = Grant {
        user: s.user.lock().unwrap().clone(),
        appid: s.appid.clone(),
        scope: scope.to_string(),
    };
    s.codes.lock().unwrap().insert(code.clone(), grant);
    target
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", get("state"));
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

/// `GET /sns/oauth2/access_token`: a code (once) for a token, WeChat's errcodes otherwise.
async fn access_token(State(s): State<Arc<Stub>>, Query(q): Params) -> Json<Value> {
    s.exchanges.fetch_add(1, Ordering::SeqCst);
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    if get("appid") != s.appid || get("secret") != s.secret {
        return refused(40125, "invalid appsecret");
    }
    if get("grant_type") != "authorization_code" {
        return refused(40002, "invalid grant_type");
    }
    let grant = s.codes.lock().unwrap().remove(get("code"));
    let Some(grant) = grant.filter(|g| g.appid == s.appid) else {
        return refused(40029, "invalid code");
    };
    let token = fresh("at-");
    let mut answer = json!({
        "access_token": token,
        "expires_in": 7200,
        "refresh_token": fresh("rt-"),
        "openid": grant.user.openid,
        "scope": grant.scope,
        "is_snapshotuser": 0,
    });
    if let Some(u) = &grant.user.unionid {
        answer["unionid"] = json!(u);
    }
    s.tokens.lock().unwrap().insert(token, grant);
    Json(answer)
}

/// `GET /sns/userinfo`: the profile for a `snsapi_userinfo` token of that openid.
async fn userinfo(State(s): State<Arc<Stub>>, Query(q): Params) -> Json<Value> {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    let grant = s.tokens.lock().unwrap().get(get("access_token")).cloned();
    let Some(grant) = grant.filter(|g| g.user.openid == get("openid")) else {
        return refused(
            40001,
            "invalid credential, access_token is invalid or not latest",
        );
    };
    if grant.scope != "snsapi_userinfo" {
        return refused(48001, "api unauthorized");
    }
    let mut answer = json!({
        "openid": grant.user.openid,
        "nickname": grant.user.nickname,
        "sex": 0,
        "province": "",
        "city": "",
        "country": "",
        "headimgurl": "",
        "privilege": [],
    });
    if let Some(u) = &grant.user.unionid {
        answer["unionid"] = json!(u);
    }
    Json(answer)
}
