//! The WeCom contact ways against a local stub of the server API: 「联系我」 and 「加入群聊」
//! codes are asked for with the fields WeCom documents (type, scene, staff, state, groups,
//! auto-created rooms), their config ids and QR code URLs are read back, and an errcode
//! answer is a refusal.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use quanzi_core::wecom_api::{ApiError, Client, ContactWay, JoinWay, TokenCache};
use serde_json::{Value, json};

/// What the stub received: (path after `externalcontact/`, JSON body).
type Seen = Arc<Mutex<Vec<(String, Value)>>>;

/// A WeCom stub that checks the token, records each body, and answers as WeCom does; a way
/// for the staff member `ghost` is refused with 41054 (member not activated).
async fn stub(seen: Seen) -> String {
    async fn way(
        State(seen): State<Seen>,
        Path(rest): Path<String>,
        Query(q): Query<Vec<(String, String)>>,
        Json(body): Json<Value>,
    ) -> Json<Value> {
        if !q.contains(&("access_token".into(), "tok-1".into())) {
            return Json(json!({"errcode": 40014, "errmsg": "invalid access_token"}));
        }
        seen.lock().unwrap().push((rest.clone(), body.clone()));
        if body["user"]
            .as_array()
            .is_some_and(|u| u.contains(&json!("ghost")))
        {
            return Json(json!({"errcode": 41054, "errmsg": "user status invalid"}));
        }
        Json(match rest.as_str() {
            "add_contact_way" => json!({"errcode": 0, "errmsg": "ok",
                "config_id": "cfg-contact-1", "qr_code": "https://wework.qpic.cn/wwpic/c1/0"}),
            "update_contact_way" => json!({"errcode": 0, "errmsg": "ok"}),
            "groupchat/add_join_way" => {
                json!({"errcode": 0, "errmsg": "ok", "config_id": "cfg-join-1"})
            }
            "groupchat/get_join_way" => json!({"errcode": 0, "errmsg": "ok", "join_way": {
                "config_id": body["config_id"], "scene": 2, "remark": "",
                "auto_create_room": 1, "room_base_name": "", "room_base_id": 1,
                "chat_id_list": [], "qr_code": "https://wework.qpic.cn/wwpic/j1/0",
                "state": "lc_7"}}),
            _ => json!({"errcode": 60011, "errmsg": "no privilege"}),
        })
    }
    let app = Router::new()
        .route(
            "/cgi-bin/gettoken",
            get(|| async {
                Json(json!({"errcode": 0, "access_token": "tok-1", "expires_in": 7200}))
            }),
        )
        .route("/cgi-bin/externalcontact/{*rest}", post(way))
        .with_state(seen);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

/// A stub, and what a call sees of it.
struct Wecom {
    http: reqwest::Client,
    tokens: TokenCache,
    base: String,
    seen: Seen,
}

impl Wecom {
    async fn start() -> Wecom {
        let seen = Seen::default();
        Wecom {
            http: reqwest::Client::new(),
            tokens: TokenCache::default(),
            base: stub(seen.clone()).await,
            seen,
        }
    }

    fn client(&self) -> Client<'_> {
        Client {
            http: &self.http,
            base: self.base.clone(),
            corp_id: "ww-corp".into(),
            secret: "contact-secret".into(),
            tokens: &self.tokens,
            retry_base: Duration::from_millis(1),
            max_tries: 2,
        }
    }

    fn last(&self) -> (String, Value) {
        self.seen.lock().unwrap().last().cloned().expect("a call")
    }
}

fn contact_way(users: &[&str]) -> ContactWay {
    ContactWay {
        state: "lc_7".into(),
        users: users.iter().map(|u| u.to_string()).collect(),
        remark: "海报 7".into(),
    }
}

#[tokio::test]
async fn a_contact_way_is_a_shared_qr_code_with_the_state_and_reads_back_its_config() {
    let w = Wecom::start().await;
    let added = w
        .client()
        .add_contact_way(&contact_way(&["zhangsan", "lisi"]))
        .await
        .unwrap();
    assert_eq!(added.config_id, "cfg-contact-1");
    assert_eq!(added.qr_code, "https://wework.qpic.cn/wwpic/c1/0");
    let (path, body) = w.last();
    assert_eq!(path, "add_contact_way");
    assert_eq!(
        body,
        json!({"type": 2, "scene": 2, "style": 1, "remark": "海报 7", "skip_verify": true,
            "state": "lc_7", "user": ["zhangsan", "lisi"]})
    );
}

#[tokio::test]
async fn an_update_names_the_config_and_sends_the_new_staff() {
    let w = Wecom::start().await;
    w.client()
        .update_contact_way("cfg-contact-1", &contact_way(&["wangwu"]))
        .await
        .unwrap();
    let (path, body) = w.last();
    assert_eq!(path, "update_contact_way");
    assert_eq!(body["config_id"], "cfg-contact-1");
    assert_eq!(body["user"], json!(["wangwu"]));
    assert_eq!(body["state"], "lc_7");
    assert_eq!(body["skip_verify"], true);
    assert!(
        body.get("type").is_none() && body.get("scene").is_none(),
        "{body}"
    );
}

#[tokio::test]
async fn a_join_way_lists_the_groups_and_auto_creates_rooms_and_its_qr_code_reads_back() {
    let w = Wecom::start().await;
    let c = w.client();
    let way = JoinWay {
        state: "lc_8".into(),
        chat_ids: vec!["wrG1".into(), "wrG2".into()],
        auto_create_room: true,
        room_base_name: "南山宝妈群".into(),
        room_base_id: 3,
        remark: "活码 8".into(),
    };
    assert_eq!(c.add_join_way(&way).await.unwrap(), "cfg-join-1");
    let (path, body) = w.last();
    assert_eq!(path, "groupchat/add_join_way");
    assert_eq!(
        body,
        json!({"scene": 2, "remark": "活码 8", "auto_create_room": 1,
            "room_base_name": "南山宝妈群", "room_base_id": 3,
            "chat_id_list": ["wrG1", "wrG2"], "state": "lc_8"})
    );
    let fixed = JoinWay {
        auto_create_room: false,
        ..way
    };
    c.add_join_way(&fixed).await.unwrap();
    assert_eq!(w.last().1["auto_create_room"], 0);

    let qr = c.get_join_way("cfg-join-1").await.unwrap();
    assert_eq!(qr, "https://wework.qpic.cn/wwpic/j1/0");
    assert_eq!(
        w.last(),
        (
            "groupchat/get_join_way".into(),
            json!({"config_id": "cfg-join-1"})
        )
    );
}

#[tokio::test]
async fn an_errcode_answer_is_a_refusal_with_its_code() {
    let w = Wecom::start().await;
    let c = w.client();
    let refused = c.add_contact_way(&contact_way(&["ghost"])).await;
    assert!(
        matches!(refused, Err(ApiError::Refused { code: 41054, .. })),
        "{refused:?}"
    );
    let refused = c
        .update_contact_way("cfg-contact-1", &contact_way(&["ghost"]))
        .await;
    assert!(matches!(
        refused,
        Err(ApiError::Refused { code: 41054, .. })
    ));
}
