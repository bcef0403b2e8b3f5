//! What the WeCom callback tests share: a tenant connected with the official test vector's
//! corp, token and key, and callbacks sealed as WeCom seals them.

#![allow(dead_code, clippy::unwrap_used)]

use quanzi_channels::wecom::{AesKey, encrypt_message};
use quanzi_core::Db;
use quanzi_core::read::now_ms;
use quanzi_core::wecom::{ConnectionInput, save_connection};
use quanzi_domain::TenantId;
use quanzi_testkit::tenant;
use reqwest::{Client, StatusCode};

pub const CORP: &str = "wx5823bf96d3bd56c7";
pub const TOKEN: &str = "QDG6eK";
pub const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

pub async fn connect(db: &Db, slug: &str, corp: &str, token: &str, key: &str) -> TenantId {
    let t = tenant(db, slug).await.id;
    save_connection(
        db,
        &quanzi_testkit::server(),
        t,
        ConnectionInput {
            corp_id: corp.into(),
            token: token.into(),
            encoding_aes_key: key.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    t
}

/// Now in unix seconds, as WeCom stamps a callback.
pub fn now_ts() -> String {
    (now_ms() / 1000).to_string()
}

/// A POST as WeCom would send it: query string and envelope body.
pub fn sealed(token: &str, key: &str, corp: &str, xml: &str, nonce: &str) -> (String, String) {
    sealed_at(token, key, corp, xml, nonce, &now_ts())
}

/// A POST signed with timestamp `ts` (unix seconds).
pub fn sealed_at(
    token: &str,
    key: &str,
    corp: &str,
    xml: &str,
    nonce: &str,
    ts: &str,
) -> (String, String) {
    let key = AesKey::from_encoding_aes_key(key).unwrap();
    let m = encrypt_message(token, &key, corp, [7u8; 16], xml, ts, nonce).unwrap();
    (
        format!(
            "msg_signature={}&timestamp={ts}&nonce={nonce}",
            m.msg_signature
        ),
        envelope(corp, &m.encrypt),
    )
}

pub fn envelope(corp: &str, encrypt: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[{corp}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>"
    )
}

pub fn contact_added(who: &str, state: &str, t: i64) -> String {
    format!(
        "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>\
         <CreateTime>{t}</CreateTime><MsgType><![CDATA[event]]></MsgType>\
         <Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType>\
         <UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[{who}]]></ExternalUserID>\
         <State><![CDATA[{state}]]></State><WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode></xml>"
    )
}

pub async fn post(c: &Client, url: &str, slug: &str, (q, body): &(String, String)) -> StatusCode {
    c.post(format!("{url}/hooks/wecom/{slug}?{q}"))
        .body(body.clone())
        .send()
        .await
        .unwrap()
        .status()
}

/// A group's member change, as WeCom sends it (`add_member` or `del_member`).
pub fn chat_update(detail: &str, who: &str, t: i64, last: &str, cur: &str) -> String {
    let scene = if detail == "add_member" {
        "<JoinScene>1</JoinScene>"
    } else {
        "<QuitScene>0</QuitScene>"
    };
    format!(
        "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>\
         <CreateTime>{t}</CreateTime><MsgType><![CDATA[event]]></MsgType>\
         <Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA]]></ChatId>\
         <ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[{detail}]]></UpdateDetail>{scene}\
         <MemChangeCnt>1</MemChangeCnt><MemChangeList><Item>{who}</Item></MemChangeList>\
         <LastMemVer>{last}</LastMemVer><CurMemVer>{cur}</CurMemVer></xml>"
    )
}
