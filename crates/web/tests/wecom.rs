//! The WeCom callback endpoint against a live server, on SQLite and (when configured)
//! PostgreSQL: the official URL-verification vector, callbacks applied once whatever the
//! redeliveries and their order, and every forged or foreign callback refused with nothing
//! stored.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use quanzi_channels::wecom::crypto::signature;
use quanzi_channels::wecom::{AesKey, encrypt_message};
use quanzi_core::Db;
use quanzi_core::jobs::{JobContext, WorkerOptions, run_once};
use quanzi_core::read::now_ms;
use quanzi_domain::TenantId;
use quanzi_testkit::rows;

mod wecom_common;
use quanzi_testkit::{TestDb, drain_jobs, spawn_app};
use reqwest::{Client, StatusCode};
use wecom_common::*;

const OTHER_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// The tenant's events (up to 100), newest first.
async fn events_of(db: &Db, t: TenantId) -> Vec<quanzi_core::read::event::Event> {
    let all = quanzi_core::read::event::EventFilter {
        limit: 100,
        ..Default::default()
    };
    quanzi_core::events::list(db, t, all, None)
        .await
        .unwrap()
        .items
}

async fn stored(db: &Db, t: TenantId) -> (i64, usize) {
    let callbacks = rows::inbound_count(db, t, "wecom").await;
    let jobs = rows::jobs(db, t, None, 1000).await.len();
    (callbacks, jobs)
}

#[tokio::test]
async fn the_official_url_verification_vector_answers_its_plaintext() {
    for tdb in TestDb::all().await {
        // The official vector is signed with a 2014 timestamp: a server whose window reaches it.
        let mut server = quanzi_testkit::server();
        server.wecom_callback_window_secs = i64::MAX;
        let app = quanzi_testkit::spawn_app_with(tdb.db.clone(), server).await;
        connect(&tdb.db, "acme", CORP, TOKEN, KEY).await;
        let echostr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
        let signed = "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780";
        let c = Client::new();
        // As WeCom sends it (URL-encoded), and with a raw `+` as a hand-typed URL has it.
        let encoded = echostr
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D");
        for e in [encoded.as_str(), echostr] {
            let r = c
                .get(format!("{}/hooks/wecom/acme?{signed}&echostr={e}", app.url))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            assert_eq!(r.text().await.unwrap(), "1616140317555161061");
        }
        // A wrong signature is refused.
        let r = c
            .get(format!(
                "{}/hooks/wecom/acme?msg_signature=0000ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr={encoded}",
                app.url
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn a_callback_delivered_three_times_and_out_of_order_changes_the_data_once() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let app = spawn_app(db.clone()).await;
        let t = connect(db, "acme", CORP, TOKEN, KEY).await;
        // A subscriber: each change reaches the outbox once too.
        quanzi_core::webhooks::subscribe(
            db,
            &quanzi_testkit::server(),
            t,
            "http://127.0.0.1:9/hook",
            "*",
        )
        .await
        .unwrap();
        let c = Client::new();
        let base = 1_763_600_000;
        let added = sealed(
            TOKEN,
            KEY,
            CORP,
            &contact_added("wmCUSTOMER01", "poster_nanshan", base),
            "n1",
        );
        let join = sealed(
            TOKEN,
            KEY,
            CORP,
            &chat_update("add_member", "wmCUSTOMER01", base + 10, "v0", "v1"),
            "n2",
        );
        let leave = sealed(
            TOKEN,
            KEY,
            CORP,
            &chat_update("del_member", "wmCUSTOMER01", base + 20, "v1", "v2"),
            "n3",
        );
        // The leave arrives first, the join three times (WeCom's retries), the add last.
        for cb in [&leave, &join, &join, &join, &added, &leave] {
            assert_eq!(post(&c, &app.url, "acme", cb).await, StatusCode::OK);
        }
        assert_eq!(rows::inbound_count(db, t, "wecom").await, 3);
        drain_jobs(db).await;
        // Drained again after a redelivery: nothing changes.
        assert_eq!(post(&c, &app.url, "acme", &join).await, StatusCode::OK);
        drain_jobs(db).await;

        let members = quanzi_core::read::member::list(
            db,
            t,
            &quanzi_core::read::member::MemberFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(members.len(), 1, "one member however often it was told");
        let m = &members[0];
        assert_eq!(m.external_userid.as_deref(), Some("wmCUSTOMER01"));
        assert_eq!(m.source_channel.as_deref(), Some("poster_nanshan"));
        let groups = quanzi_core::read::group::list(db, t, None, None, 100)
            .await
            .unwrap();
        assert_eq!(groups.len(), 1);
        // Joined at base+10, left at base+20: not in the group, whatever the arrival order.
        assert_eq!(groups[0].size, 0);
        let events = events_of(db, t).await;
        let mut kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        kinds.sort_unstable();
        assert_eq!(kinds, vec!["join", "leave"]);
        let mut outbox: Vec<String> = quanzi_core::webhooks::deliveries(db, t, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.event_type)
            .collect();
        outbox.sort_unstable();
        assert_eq!(outbox, vec!["member.joined", "member.left"]);
        // The event jobs are done; none is pending or dead.
        let event_jobs = rows::jobs(db, t, None, 100).await;
        assert!(
            event_jobs
                .iter()
                .filter(|j| j.kind == "wecom.event")
                .all(|j| j.state == "done")
        );
    }
}

#[tokio::test]
async fn forged_and_foreign_callbacks_are_refused_and_nothing_is_stored() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let app = spawn_app(db.clone()).await;
        let t = connect(db, "acme", CORP, TOKEN, KEY).await;
        let other = connect(db, "other", "wwOTHERCORP0001", "OtherToken", OTHER_KEY).await;
        let c = Client::new();
        let xml = contact_added("wmCUSTOMER01", "poster", 1_763_600_000);
        let ts = now_ts();

        let wrong_token = sealed("WrongTok", KEY, CORP, &xml, "n");
        let wrong_key = sealed(TOKEN, OTHER_KEY, CORP, &xml, "n");
        let other_corp = sealed(TOKEN, KEY, "wwOTHERCORP0001", &xml, "n");
        // Tampered: one ciphertext byte changed after signing.
        let good = encrypt_message(
            TOKEN,
            &AesKey::from_encoding_aes_key(KEY).unwrap(),
            CORP,
            [7; 16],
            &xml,
            &ts,
            "n",
        )
        .unwrap();
        let mut bytes = STANDARD.decode(&good.encrypt).unwrap();
        bytes[20] ^= 1;
        let tampered = (
            format!(
                "msg_signature={}&timestamp={ts}&nonce=n",
                good.msg_signature
            ),
            envelope(CORP, &STANDARD.encode(&bytes)),
        );
        // Bad padding, correctly signed: flipping the last byte of the second-to-last block
        // flips the last plaintext byte (the pad length) to 0.
        let mut bytes = STANDARD.decode(&good.encrypt).unwrap();
        let content = 20 + xml.len() + CORP.len();
        let pad = (32 - content % 32) as u8;
        let n = bytes.len();
        bytes[n - 17] ^= pad;
        let padded = STANDARD.encode(&bytes);
        let bad_padding = (
            format!(
                "msg_signature={}&timestamp={ts}&nonce=n",
                signature(TOKEN, &ts, "n", &padded)
            ),
            envelope(CORP, &padded),
        );
        let garbage = (
            format!("msg_signature=x&timestamp={ts}&nonce=n"),
            "not xml".to_string(),
        );
        for (name, cb) in [
            ("wrong token", &wrong_token),
            ("wrong key", &wrong_key),
            ("another corp's ReceiveId", &other_corp),
            ("tampered ciphertext", &tampered),
            ("bad padding", &bad_padding),
            ("not an envelope", &garbage),
        ] {
            let status = post(&c, &app.url, "acme", cb).await;
            assert!(status.is_client_error(), "{name}: {status}");
        }
        // A good callback of acme sent to the other tenant's URL: refused there.
        let good = sealed(TOKEN, KEY, CORP, &xml, "n");
        assert!(post(&c, &app.url, "other", &good).await.is_client_error());
        // Unknown tenant.
        assert_eq!(
            post(&c, &app.url, "nobody", &good).await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(stored(db, t).await, (0, 0));
        assert_eq!(stored(db, other).await, (0, 0));
        // Missing parameters name the field.
        let r = c
            .post(format!("{}/hooks/wecom/acme?timestamp=1", app.url))
            .body("x")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // And the real one is taken.
        assert_eq!(post(&c, &app.url, "acme", &good).await, StatusCode::OK);
        assert_eq!(stored(db, t).await, (1, 1));
        assert_eq!(stored(db, other).await, (0, 0));
    }
}

#[tokio::test]
async fn a_killed_worker_leaves_the_callback_to_the_next_one_which_applies_it_once() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = connect(db, "acme", CORP, TOKEN, KEY).await;
        let app = spawn_app(db.clone()).await;
        let join = sealed(
            TOKEN,
            KEY,
            CORP,
            &chat_update("add_member", "wmCUSTOMER01", 1_763_600_010, "v0", "v1"),
            "n2",
        );
        assert_eq!(
            post(&Client::new(), &app.url, "acme", &join).await,
            StatusCode::OK
        );
        // A worker claims the job and dies without finishing it.
        let now = now_ms();
        let claimed = rows::claim(db, "dead-worker", now, 1_000, 10).await;
        assert_eq!(claimed.len(), 1);
        drop(claimed);
        // Another worker, after the lease, runs it once.
        let ctx = JobContext::new(db.clone(), quanzi_testkit::server());
        let ran = run_once(&ctx, &WorkerOptions::default(), now + 2_000)
            .await
            .unwrap();
        assert_eq!(ran, 1);
        while run_once(&ctx, &WorkerOptions::default(), now + 4_000)
            .await
            .unwrap()
            > 0
        {}
        let events = events_of(db, t).await;
        assert_eq!(events.len(), 1);
        let groups = quanzi_core::read::group::list(db, t, None, None, 100)
            .await
            .unwrap();
        assert_eq!(groups[0].size, 1);
    }
}

fn contact_change(change: &str, extra: &str, t: i64) -> String {
    format!(
        "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>\
         <CreateTime>{t}</CreateTime><MsgType><![CDATA[event]]></MsgType>\
         <Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[{change}]]></ChangeType>\
         <UserID><![CDATA[lisi]]></UserID><ExternalUserID><![CDATA[wmCUSTOMER09]]></ExternalUserID>{extra}</xml>"
    )
}

#[tokio::test]
async fn a_removed_contact_and_a_failed_handover_are_recorded_once_and_sent_out() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = connect(db, "shop", CORP, TOKEN, KEY).await;
        quanzi_core::webhooks::subscribe(
            db,
            &quanzi_testkit::server(),
            t,
            "http://127.0.0.1:9/hook",
            "contact.removed, transfer.failed",
        )
        .await
        .unwrap();
        let app = spawn_app(db.clone()).await;
        let c = Client::new();
        let removed = sealed(
            TOKEN,
            KEY,
            CORP,
            &contact_change(
                "del_external_contact",
                "<Source><![CDATA[DELETE_BY_TRANSFER]]></Source>",
                1_763_600_100,
            ),
            "r1",
        );
        let failed = sealed(
            TOKEN,
            KEY,
            CORP,
            &contact_change(
                "transfer_fail",
                "<FailReason><![CDATA[customer_refused]]></FailReason>",
                1_763_600_200,
            ),
            "r2",
        );
        for call in [&removed, &failed, &removed] {
            assert_eq!(post(&c, &app.url, "shop", call).await, StatusCode::OK);
        }
        drain_jobs(db).await;
        let events = events_of(db, t).await;
        let mut kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        kinds.sort_unstable();
        assert_eq!(kinds, ["contact_removed", "transfer_failed"]);
        let failed = events.iter().find(|e| e.kind == "transfer_failed").unwrap();
        assert!(failed.properties.to_string().contains("customer_refused"));
        let removed = events.iter().find(|e| e.kind == "contact_removed").unwrap();
        assert!(
            removed
                .properties
                .to_string()
                .contains("\"by_transfer\":true")
        );
        let mut sent: Vec<String> = quanzi_core::webhooks::deliveries(db, t, 50)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.event_type)
            .collect();
        sent.sort_unstable();
        assert_eq!(sent, ["contact.removed", "transfer.failed"]);
    }
}

#[tokio::test]
async fn a_callback_signed_with_a_2001_timestamp_is_not_applied() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let app = spawn_app(db.clone()).await;
        let t = connect(db, "acme", CORP, TOKEN, KEY).await;
        let c = Client::new();
        let xml = contact_added("wmCUSTOMER01", "poster", 1_763_600_000);
        let now = now_ms() / 1000;
        // Correctly signed, but stamped 2001-01-01 or 11 minutes away: refused, nothing stored.
        for ts in [978_307_200, now - 660, now + 660] {
            let cb = sealed_at(TOKEN, KEY, CORP, &xml, "n", &ts.to_string());
            let r = c
                .post(format!("{}/hooks/wecom/acme?{}", app.url, cb.0))
                .body(cb.1.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{ts}");
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["error"]["fields"][0]["field"], "timestamp", "{body}");
        }
        // Also the URL verification.
        let r = c
            .get(format!(
                "{}/hooks/wecom/acme?msg_signature=x&timestamp=978307200&nonce=n&echostr=e",
                app.url
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        drain_jobs(db).await;
        assert_eq!(stored(db, t).await, (0, 0));
        assert!(events_of(db, t).await.is_empty());
        // Nine minutes old is within the window: applied.
        let cb = sealed_at(TOKEN, KEY, CORP, &xml, "n", &(now - 540).to_string());
        assert_eq!(post(&c, &app.url, "acme", &cb).await, StatusCode::OK);
        assert_eq!(stored(db, t).await.0, 1);
    }
}
