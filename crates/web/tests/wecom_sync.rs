//! The WeCom sync against a local stub of the WeCom server API, on SQLite and (when
//! configured) PostgreSQL: tags, customers (linked by unionid, never duplicated), groups with
//! members and versions; the token cached and refreshed when expired; rate limits retried.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use quanzi_core::Db;
use quanzi_core::jobs::{JobContext, WorkerOptions, run_once};
use quanzi_core::read::{event, group, member, now_ms, tag};
use quanzi_core::wecom::{ConnectionInput, request_sync, save_connection};
use quanzi_domain::TenantId;
use quanzi_domain::member::MemberInput;
use quanzi_testkit::{TestDb, tenant};
use serde_json::{Value, json};

#[derive(Default)]
struct Wecom {
    calls: Vec<String>,
    rate_limit_next_chat_get: bool,
    expire_next_follow_list: bool,
    members: Vec<Value>,
    version: String,
}

type S = Arc<Mutex<Wecom>>;

fn ok(mut v: Value) -> Json<Value> {
    v["errcode"] = json!(0);
    v["errmsg"] = json!("ok");
    Json(v)
}

async fn stub(state: S) -> String {
    let app = Router::new()
        .route(
            "/cgi-bin/gettoken",
            get(|State(s): State<S>, Query(q): Query<Vec<(String, String)>>| async move {
                s.lock().unwrap().calls.push("gettoken".into());
                let secret_ok = q.iter().any(|(k, v)| k == "corpsecret" && v == "contact-secret");
                if !secret_ok {
                    return Json(json!({"errcode": 40001, "errmsg": "invalid credential"}));
                }
                ok(json!({"access_token": format!("tok{}", now_ms()), "expires_in": 7200}))
            }),
        )
        .route(
            "/cgi-bin/externalcontact/get_corp_tag_list",
            post(|| async { ok(json!({"tag_group": [{"group_id": "etg1", "group_name": "客户等级", "tag": [{"id": "et1", "name": "VIP"}]}]})) }),
        )
        .route(
            "/cgi-bin/externalcontact/get_follow_user_list",
            get(|State(s): State<S>| async move {
                let mut w = s.lock().unwrap();
                w.calls.push("follow".into());
                if std::mem::take(&mut w.expire_next_follow_list) {
                    return Json(json!({"errcode": 42001, "errmsg": "access_token expired"}));
                }
                ok(json!({"follow_user": ["zhangsan"]}))
            }),
        )
        .route(
            "/cgi-bin/externalcontact/batch/get_by_user",
            post(|Json(b): Json<Value>| async move {
                if b["cursor"] == "" {
                    ok(json!({"external_contact_list": [{
                        "external_contact": {"external_userid": "wmAAAA", "name": "李雷", "unionid": "u-A"},
                        "follow_info": {"userid": "zhangsan", "tag_id": ["et1"], "state": "poster_1"}}],
                        "next_cursor": "p2"}))
                } else {
                    ok(json!({"external_contact_list": [{
                        "external_contact": {"external_userid": "wmBBBB", "name": "韩梅梅"},
                        "follow_info": {"userid": "zhangsan", "tag_id": []}}],
                        "next_cursor": ""}))
                }
            }),
        )
        .route(
            "/cgi-bin/externalcontact/groupchat/list",
            post(|| async { ok(json!({"group_chat_list": [{"chat_id": "wrG1", "status": 0}], "next_cursor": ""})) }),
        )
        .route(
            "/cgi-bin/externalcontact/groupchat/get",
            post(|State(s): State<S>| async move {
                let mut w = s.lock().unwrap();
                w.calls.push("chat".into());
                if std::mem::take(&mut w.rate_limit_next_chat_get) {
                    return Json(json!({"errcode": 45009, "errmsg": "api freq out of limit"}));
                }
                ok(json!({"group_chat": {"chat_id": "wrG1", "name": "南山宝妈群", "owner": "zhangsan",
                    "member_list": w.members, "member_version": w.version}}))
            }),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

fn customer(id: &str, join_time: i64) -> Value {
    json!({"userid": id, "type": 2, "join_time": join_time, "join_scene": 3})
}

async fn drain(ctx: &JobContext) {
    while run_once(ctx, &WorkerOptions::default(), now_ms())
        .await
        .unwrap()
        > 0
    {}
}

async fn counts(db: &Db, t: TenantId) -> (usize, usize, i64) {
    let members = member::list(
        db,
        t,
        &member::MemberFilter {
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .len();
    let events = quanzi_core::events::list(
        db,
        t,
        event::EventFilter {
            limit: 100,
            ..Default::default()
        },
        None,
    )
    .await
    .unwrap()
    .items
    .len();
    let size = group::list(db, t, None, None, 10)
        .await
        .unwrap()
        .first()
        .map_or(0, |g| g.size);
    (members, events, size)
}

#[tokio::test]
async fn a_sync_pulls_customers_groups_and_tags_once_however_often_it_runs() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let state = S::default();
        {
            let mut w = state.lock().unwrap();
            w.members = vec![
                json!({"userid": "zhangsan", "type": 1, "join_time": 1_763_600_000}),
                customer("wmAAAA", 1_763_600_100),
                customer("wmBBBB", 1_763_600_200),
            ];
            w.version = "mv1".into();
            w.rate_limit_next_chat_get = true;
            w.expire_next_follow_list = true;
        }
        let base = stub(state.clone()).await;
        let t = tenant(db, "acme").await.id;
        let other = tenant(db, "other").await.id;
        save_connection(
            db,
            &quanzi_testkit::server(),
            t,
            ConnectionInput {
                corp_id: "wwCORP".into(),
                token: "Token123".into(),
                encoding_aes_key: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C".into(),
                api_secret: "contact-secret".into(),
            },
        )
        .await
        .unwrap();
        // Known already by unionid (an earlier import): linked, not duplicated.
        let known = quanzi_core::members::create(
            db,
            t,
            MemberInput {
                name: Some("李雷".into()),
                unionid: Some("u-A".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let mut server = quanzi_testkit::server();
        server.wecom_api_base = base;
        let mut ctx = JobContext::new(db.clone(), server);
        ctx.api_retry_base = Duration::from_millis(1);

        request_sync(db, t).await.unwrap();
        drain(&ctx).await;
        assert_eq!(counts(db, t).await, (2, 2, 2));
        let linked = member::get(db, t, known.member_id).await.unwrap().unwrap();
        assert_eq!(linked.external_userid.as_deref(), Some("wmAAAA"));
        assert_eq!(linked.source_channel.as_deref(), Some("poster_1"));
        let tags = tag::of_member(db, t, known.member_id).await.unwrap();
        assert_eq!(
            tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            vec!["VIP"]
        );
        let g = &group::list(db, t, None, None, 10).await.unwrap()[0];
        assert_eq!(
            (g.name.as_str(), g.external_chat_id.as_deref()),
            ("南山宝妈群", Some("wrG1"))
        );

        // Again (the nightly run): nothing new, and the cached token is reused.
        request_sync(db, t).await.unwrap();
        drain(&ctx).await;
        assert_eq!(counts(db, t).await, (2, 2, 2));
        let calls = state.lock().unwrap().calls.clone();
        let tokens = calls.iter().filter(|c| *c == "gettoken").count();
        // One token, and one more after WeCom said it expired; none per call.
        assert_eq!(tokens, 2, "{calls:?}");
        assert_eq!(ctx.tokens.fetched(), 2);
        // The rate-limited groupchat/get was retried, not given up.
        assert!(calls.iter().filter(|c| *c == "chat").count() >= 3);

        // 韩梅梅 left the group; a version gap asks for a resync of it.
        {
            let mut w = state.lock().unwrap();
            w.members.pop();
            w.version = "mv2".into();
        }
        let mut job = quanzi_core::jobs::NewJob::new(
            quanzi_core::wecom::RESYNC_JOB,
            json!({"chat_id": "wrG1"}),
            now_ms(),
        );
        job.singleton_key = Some("resync:wrG1".into());
        quanzi_core::jobs::enqueue(db, t, &job).await.unwrap();
        drain(&ctx).await;
        assert_eq!(counts(db, t).await, (2, 3, 1));
        // The other tenant saw none of it.
        assert_eq!(counts(db, other).await, (0, 0, 0));
        let dead = quanzi_testkit::rows::jobs(db, t, Some("dead"), 10).await;
        assert!(dead.is_empty(), "{dead:?}");
    }
}
