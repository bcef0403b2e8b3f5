//! The server key on both stores: plaintext secrets of an old database sealed at start, no
//! column ever holding a secret in plaintext, a rotation that keeps every secret readable,
//! and a wrong key that fails clearly.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::CoreError;
use quanzi_core::server::{SealError, Sealer, ServerSettings};
use quanzi_core::server_key;
use quanzi_store::wecom::WecomConnection;
use quanzi_store::{Db, now_ms};
use quanzi_testkit::{TestDb, tenant};

const TOKEN: &str = "QDG6eKtoken";
const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const API_SECRET: &str = "contact-secret-0123456789";
const HOOK_OLD: &str = "whsec_old0123456789";
const HOOK_NEW: &str = "whsec_new0123456789";

/// Every stored secret as the columns hold it.
async fn columns(db: &Db) -> Vec<String> {
    let sql = "select token from wecom_connection
               union all select encoding_aes_key from wecom_connection
               union all select api_secret from wecom_connection where api_secret is not null
               union all select secret from webhook_subscription
               union all select previous_secret from webhook_subscription
                 where previous_secret is not null";
    match db {
        Db::Sqlite(p, _) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
        Db::Postgres(p, _) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
    }
}

/// An old database: a connection and a rotated webhook, secrets in plaintext.
async fn old_database(db: &Db) -> quanzi_domain::TenantId {
    let t = tenant(db, "acme").await.id;
    let mut tx = db.begin().await.unwrap();
    let conn = WecomConnection {
        tenant_id: t.0,
        corp_id: "wwCORP".into(),
        token: TOKEN.into(),
        encoding_aes_key: KEY.into(),
        api_secret: Some(API_SECRET.into()),
        updated_at_ms: now_ms(),
    };
    quanzi_store::wecom::put_connection(&mut tx, &conn)
        .await
        .unwrap();
    let id = quanzi_store::webhook::create_subscription(
        &mut tx,
        t,
        "https://example.com/hook",
        "*",
        HOOK_OLD,
        now_ms(),
    )
    .await
    .unwrap();
    quanzi_store::webhook::rotate_secret(&mut tx, t, id, HOOK_NEW, now_ms() + 3_600_000)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    t
}

fn opened(sealer: &Sealer, values: &[String]) -> Vec<String> {
    let mut v: Vec<String> = values.iter().map(|s| sealer.open(s).unwrap()).collect();
    v.sort();
    v
}

fn plaintexts() -> Vec<String> {
    let mut v: Vec<String> = [TOKEN, KEY, API_SECRET, HOOK_OLD, HOOK_NEW]
        .map(String::from)
        .to_vec();
    v.sort();
    v
}

#[tokio::test]
async fn old_plaintext_secrets_are_sealed_at_start_and_no_column_holds_one() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = old_database(db).await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.key");
        let sealer = server_key::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the key file is its owner's only");
        }
        assert_eq!(server_key::prepare(db, &sealer).await.unwrap(), 2);
        assert_eq!(server_key::prepare(db, &sealer).await.unwrap(), 0, "once");
        let stored = columns(db).await;
        assert_eq!(stored.len(), 5);
        for v in &stored {
            assert!(v.starts_with("v1:"), "{v}");
            assert!(plaintexts().iter().all(|p| !v.contains(p.as_str())), "{v}");
        }
        assert_eq!(opened(&sealer, &stored), plaintexts());
        // What the settings page shows is read through the seal.
        let view = quanzi_core::wecom::connection(db, &ServerSettings::new(sealer.clone()), t)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(view.token_hint, quanzi_core::wecom::hint(TOKEN));
    }
}

#[tokio::test]
async fn a_rotation_keeps_every_secret_readable_and_the_old_key_opens_none() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        old_database(db).await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.key");
        let old = server_key::load_or_create(&path).unwrap();
        server_key::prepare(db, &old).await.unwrap();

        let r = server_key::rotate(db, &path).await.unwrap();
        assert_eq!((r.old_id.as_str(), r.rows), (old.current_id().as_str(), 2));
        assert_ne!(r.new_id, r.old_id);
        assert!(!server_key::pending_path(&path).exists());
        let new = server_key::load_or_create(&path).unwrap();
        assert_eq!(new.current_id(), r.new_id);
        let stored = columns(db).await;
        assert_eq!(opened(&new, &stored), plaintexts());
        assert!(stored.iter().all(|v| v.contains(&r.new_id)));

        // A server started with the old key fails clearly: no panic, the key ids named.
        let e = server_key::prepare(db, &old).await.unwrap_err();
        match &e {
            CoreError::ServerKey(m) => {
                assert!(m.contains(&r.new_id) && m.contains(&r.old_id), "{m}")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            old.open(&stored[0]),
            Err(SealError::UnknownKey { .. })
        ));
    }
}

#[tokio::test]
async fn a_typed_secret_that_looks_sealed_is_sealed_as_it_is() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = tenant(db, "typed").await.id;
        let srv = quanzi_testkit::server();
        let typed = "v1:0123456789abcdef:AAAA";
        quanzi_core::wecom::save_connection(
            db,
            &srv,
            t,
            quanzi_core::wecom::ConnectionInput {
                corp_id: "wwCORP".into(),
                token: TOKEN.into(),
                encoding_aes_key: KEY.into(),
                api_secret: typed.into(),
            },
        )
        .await
        .unwrap();
        let stored = columns(db).await;
        assert!(!stored.iter().any(|c| c == typed), "{stored:?}");
        let opened: Vec<String> = stored.iter().map(|c| srv.sealer.open(c).unwrap()).collect();
        assert!(opened.iter().any(|o| o == typed), "{opened:?}");
    }
}
