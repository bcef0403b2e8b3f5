//! Live codes through WeCom, against a local stub of its server API, on both stores: a staff
//! code becomes a 「联系我」 way over its staff with the state `lc-{id}`; a customer who adds
//! a staff member through it is attributed to the code, tagged, and greeted.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::routing::{get, post as route_post};
use axum::{Json, Router};
use quanzi_core::jobs::{JobContext, WorkerOptions, run_once};
use quanzi_core::read::now_ms;
use quanzi_core::wecom::{ConnectionInput, save_connection};
use quanzi_core::{live_codes, read};
use quanzi_domain::live_code::LiveCodeInput;
use quanzi_domain::live_code::staff::StaffSlot;
use quanzi_domain::query::MemberFilter;
use quanzi_testkit::{TestDb, spawn_app_with, tenant};
use serde_json::{Value, json};

mod wecom_common;
use wecom_common::*;

type Seen = Arc<Mutex<Vec<(String, Value)>>>;

const CHAT: &str = "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA";

async fn wecom_api(seen: Seen) -> String {
    async fn call(
        State(seen): State<Seen>,
        Path(rest): Path<String>,
        Json(body): Json<Value>,
    ) -> Json<Value> {
        seen.lock().unwrap().push((rest.clone(), body));
        // The group's details name who joined through which way (the last way's state).
        let state = seen
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find_map(|(p, b)| (p == "groupchat/add_join_way").then(|| b["state"].clone()));
        let joiner = json!({"userid": "wmJOINER", "type": 2, "join_time": now_ms() / 1000,
            "join_scene": 3, "state": state});
        Json(match rest.as_str() {
            "add_contact_way" => json!({"errcode": 0, "errmsg": "ok", "config_id": "cfg-1",
                "qr_code": "https://wework.qpic.cn/wwpic/c1/0"}),
            "groupchat/add_join_way" => {
                json!({"errcode": 0, "errmsg": "ok", "config_id": "cfg-join"})
            }
            "groupchat/get_join_way" => json!({"errcode": 0, "errmsg": "ok",
                "join_way": {"qr_code": "https://wework.qpic.cn/wwpic/j1/0"}}),
            "groupchat/get" => json!({"errcode": 0, "errmsg": "ok", "group_chat": {"chat_id": CHAT,
                "name": "南山店1群", "owner": "zhangsan", "member_version": "v1", "member_list": [joiner]}}),
            _ => json!({"errcode": 0, "errmsg": "ok"}),
        })
    }
    let app = Router::new()
        .route(
            "/cgi-bin/gettoken",
            get(|| async {
                Json(json!({"errcode": 0, "access_token": "tok", "expires_in": 7200}))
            }),
        )
        .route("/cgi-bin/externalcontact/{*rest}", route_post(call))
        .with_state(seen);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

fn staff_slot(userid: &str) -> StaffSlot {
    StaffSlot {
        userid: userid.into(),
        daily_limit: None,
        from_hour: None,
        to_hour: None,
    }
}

async fn drain(ctx: &JobContext) {
    while run_once(ctx, &WorkerOptions::default(), now_ms())
        .await
        .unwrap()
        > 0
    {}
}

#[tokio::test]
async fn a_staff_code_becomes_a_contact_way_and_its_contacts_are_attributed_tagged_and_greeted() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let backend = db.backend();
        let seen = Seen::default();
        let mut server = quanzi_testkit::server();
        server.wecom_api_base = wecom_api(seen.clone()).await;
        let t = tenant(db, "staffcode").await;
        save_connection(
            db,
            &server,
            t.id,
            ConnectionInput {
                corp_id: CORP.into(),
                token: TOKEN.into(),
                encoding_aes_key: KEY.into(),
                api_secret: "contact-secret".into(),
            },
        )
        .await
        .unwrap();
        let code = live_codes::create(
            db,
            t.id,
            LiveCodeInput {
                name: Some("店员名片".into()),
                slug: Some("staff".into()),
                kind: Some("staff".into()),
                staff: Some(vec![staff_slot("zhangsan"), staff_slot("lisi")]),
                backup_staff: Some("boss".into()),
                welcome: Some("欢迎加入，回复「福利」领券".into()),
                auto_tags: Some(vec!["渠道:店员名片".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let ctx = JobContext::new(db.clone(), server.clone());
        drain(&ctx).await;
        let made = live_codes::get(db, t.id, code.live_code_id).await.unwrap();
        assert_eq!(made.wecom_config_id.as_deref(), Some("cfg-1"), "{backend}");
        assert!(made.wecom_qr_url.is_some());
        let state = format!("lc-{}", code.live_code_id);
        {
            let seen = seen.lock().unwrap();
            let (_, body) = seen
                .iter()
                .find(|(p, _)| p == "add_contact_way")
                .expect("a contact way");
            assert_eq!(body["state"], json!(state));
            assert_eq!(body["user"], json!(["zhangsan", "lisi", "boss"]));
        }
        // A customer adds zhangsan through the code's QR.
        let app = spawn_app_with(db.clone(), server.clone()).await;
        let http = reqwest::Client::new();
        let xml = contact_added("wmNEWCOMER", &state, now_ms() / 1000);
        let status = post(
            &http,
            &app.url,
            &t.slug,
            &sealed(TOKEN, KEY, CORP, &xml, "n1"),
        )
        .await;
        assert_eq!(status, 200);
        drain(&ctx).await;
        let f = live_codes::funnel_of(db, t.id, code.live_code_id)
            .await
            .unwrap();
        assert_eq!((f.scans, f.seated, f.joined), (1, 1, 1), "{backend}");
        let all = MemberFilter {
            limit: 100,
            ..Default::default()
        };
        let m = read::member::list(db, t.id, &all).await.unwrap();
        let newcomer = m
            .iter()
            .find(|m| m.external_userid.as_deref() == Some("wmNEWCOMER"))
            .unwrap();
        let tags = read::tag::of_member(db, t.id, newcomer.member_id)
            .await
            .unwrap();
        assert!(
            tags.iter().any(|t| t.name == "店员名片"),
            "{backend}: {tags:?}"
        );
        let seen = seen.lock().unwrap();
        let (_, welcome) = seen
            .iter()
            .find(|(p, _)| p == "send_welcome_msg")
            .expect("a welcome");
        assert_eq!(welcome["welcome_code"], "WELCOMECODE");
        assert_eq!(welcome["text"]["content"], "欢迎加入，回复「福利」领券");
    }
}

#[tokio::test]
async fn a_join_through_a_codes_join_way_is_attributed_to_the_code_once() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let backend = db.backend();
        let seen = Seen::default();
        let mut server = quanzi_testkit::server();
        server.wecom_api_base = wecom_api(seen.clone()).await;
        let t = tenant(db, "joinway").await;
        let connection = ConnectionInput {
            corp_id: CORP.into(),
            token: TOKEN.into(),
            encoding_aes_key: KEY.into(),
            api_secret: "contact-secret".into(),
        };
        save_connection(db, &server, t.id, connection)
            .await
            .unwrap();
        let g = quanzi_core::groups::create(
            db,
            t.id,
            quanzi_domain::group::GroupInput {
                name: Some("南山店1群".into()),
                external_chat_id: Some(CHAT.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let code = live_codes::create(
            db,
            t.id,
            LiveCodeInput {
                name: Some("海报".into()),
                slug: Some("poster".into()),
                group_ids: Some(vec![g.group_id]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let ctx = JobContext::new(db.clone(), server.clone());
        drain(&ctx).await;
        let made = live_codes::get(db, t.id, code.live_code_id).await.unwrap();
        assert_eq!(
            made.wecom_config_id.as_deref(),
            Some("cfg-join"),
            "{backend}"
        );
        let app = spawn_app_with(db.clone(), server.clone()).await;
        let http = reqwest::Client::new();
        for (n, nonce) in [(1, "j1"), (2, "j2")] {
            let ts = now_ms() / 1000;
            let xml = chat_update("add_member", "wmJOINER", ts + n, "v0", "v1");
            let status = post(
                &http,
                &app.url,
                &t.slug,
                &sealed(TOKEN, KEY, CORP, &xml, nonce),
            )
            .await;
            assert_eq!(status, 200);
            drain(&ctx).await;
        }
        let f = live_codes::funnel_of(db, t.id, code.live_code_id)
            .await
            .unwrap();
        assert_eq!(
            (f.scans, f.seated, f.joined),
            (1, 1, 1),
            "{backend}: attributed once"
        );
    }
}
