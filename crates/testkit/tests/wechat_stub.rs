//! The WeChat OAuth stub answers as WeChat does, read with the app's own codec: authorize
//! redirects back with a code and the state, a code exchanges once, profiles only for
//! `snsapi_userinfo`, and wrong secrets and tokens get WeChat's errcodes.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_channels::wechat_oauth::{
    OAuthError, Scope, Token, authorize_url, parse_token, parse_userinfo, token_url, userinfo_url,
};
use quanzi_testkit::wechat_stub::{WechatStub, WechatUser};
use reqwest::{StatusCode, Url, redirect};

const APPID: &str = "wx-stub-app";
const SECRET: &str = "stub-secret";
const CALLBACK: &str = "http://app.example/h5/t/acme/oauth?next=%2Fh5";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

fn lily() -> WechatUser {
    WechatUser {
        openid: "o-lily".into(),
        unionid: Some("u-lily".into()),
        nickname: "莉莉".into(),
    }
}

/// Follows authorize by hand: the code and state of the redirect back.
async fn authorize(stub: &WechatStub, scope: Scope, state: &str) -> (String, String) {
    let url = authorize_url(&stub.base(), APPID, CALLBACK, scope, state);
    let answer = client().get(url).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::FOUND);
    let location = answer.headers()["location"].to_str().unwrap();
    let back = Url::parse(location).unwrap();
    assert_eq!(
        &location[..CALLBACK.len()],
        CALLBACK,
        "back to the callback"
    );
    let get = |k: &str| {
        back.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("{k} in {location}"))
    };
    assert_eq!(get("next"), "/h5", "the callback's own query is kept");
    (get("code"), get("state"))
}

async fn fetch(url: &str) -> Vec<u8> {
    let answer = client().get(url).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    answer.bytes().await.unwrap().to_vec()
}

async fn exchange(stub: &WechatStub, secret: &str, code: &str) -> Result<Token, OAuthError> {
    parse_token(&fetch(&token_url(&stub.base(), APPID, secret, code)).await)
}

#[tokio::test]
async fn authorize_redirects_back_with_a_fresh_code_and_the_state_unchanged() {
    let stub = WechatStub::start(APPID, SECRET).await;
    let state = "eyJ0.a-b_c&x=1";
    let (code, back) = authorize(&stub, Scope::Base, state).await;
    assert_eq!(back, state);
    let (other, _) = authorize(&stub, Scope::Base, state).await;
    assert_ne!(code, other, "each redirect has its own code");
    assert_eq!(stub.exchanges(), 0, "authorize is not an exchange");
}

#[tokio::test]
async fn authorize_for_another_app_is_refused() {
    let stub = WechatStub::start(APPID, SECRET).await;
    let url = authorize_url(&stub.base(), "wx-other", CALLBACK, Scope::Base, "s");
    let answer = client().get(url).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_code_exchanges_once_for_the_user_it_was_given_to() {
    let stub = WechatStub::start(APPID, SECRET).await;
    stub.set_user(lily());
    let (code, _) = authorize(&stub, Scope::UserInfo, "s").await;
    stub.set_user(WechatUser {
        openid: "o-next".into(),
        unionid: None,
        nickname: "next".into(),
    });
    let token = exchange(&stub, SECRET, &code).await.unwrap();
    assert_eq!(
        token.openid, "o-lily",
        "the code keeps the user of its redirect"
    );
    assert_eq!(token.unionid.as_deref(), Some("u-lily"));
    assert_eq!(token.scope, "snsapi_userinfo");
    let again = exchange(&stub, SECRET, &code).await;
    assert!(
        matches!(again, Err(OAuthError::Refused { code: 40029, .. })),
        "{again:?}"
    );
    let unknown = exchange(&stub, SECRET, "code-never-given").await;
    assert!(matches!(
        unknown,
        Err(OAuthError::Refused { code: 40029, .. })
    ));
    assert_eq!(stub.exchanges(), 3);
    let (code, _) = authorize(&stub, Scope::Base, "s").await;
    let token = exchange(&stub, SECRET, &code).await.unwrap();
    assert_eq!((token.openid.as_str(), token.unionid), ("o-next", None));
}

#[tokio::test]
async fn a_wrong_secret_is_refused_and_still_counted() {
    let stub = WechatStub::start(APPID, SECRET).await;
    let (code, _) = authorize(&stub, Scope::Base, "s").await;
    let wrong = exchange(&stub, "not-the-secret", &code).await;
    assert!(
        matches!(wrong, Err(OAuthError::Refused { code: 40125, .. })),
        "{wrong:?}"
    );
    assert_eq!(stub.exchanges(), 1);
    // A refused exchange does not use the code up.
    assert!(exchange(&stub, SECRET, &code).await.is_ok());
}

#[tokio::test]
async fn the_profile_is_given_for_userinfo_scope_only() {
    let stub = WechatStub::start(APPID, SECRET).await;
    stub.set_user(lily());
    let (code, _) = authorize(&stub, Scope::UserInfo, "s").await;
    let token = exchange(&stub, SECRET, &code).await.unwrap();
    let url = userinfo_url(&stub.base(), &token.access_token, &token.openid);
    let info = parse_userinfo(&fetch(&url).await).unwrap();
    assert_eq!(
        (info.openid.as_str(), info.nickname.as_str()),
        ("o-lily", "莉莉")
    );
    assert_eq!(info.unionid.as_deref(), Some("u-lily"));
    assert_eq!(info.headimgurl, None);

    let (code, _) = authorize(&stub, Scope::Base, "s").await;
    let base = exchange(&stub, SECRET, &code).await.unwrap();
    let url = userinfo_url(&stub.base(), &base.access_token, &base.openid);
    let refused = parse_userinfo(&fetch(&url).await);
    assert!(
        matches!(refused, Err(OAuthError::Refused { code: 48001, .. })),
        "{refused:?}"
    );

    let url = userinfo_url(&stub.base(), "at-forged", &token.openid);
    let bad = parse_userinfo(&fetch(&url).await);
    assert!(matches!(bad, Err(OAuthError::Refused { code: 40001, .. })));
}
