//! Crash safety: the server is killed with SIGKILL while clients stream event batches; after
//! a restart every batch that got a 2xx is in the store, exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_quanzi");

fn quanzi(db: &str, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .env("QUANZI_DATABASE_URL", db)
        .env_remove("QUANZI_LISTEN")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "quanzi {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(db: &str, port: u16) -> Child {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("QUANZI_DATABASE_URL", db)
        // Not ./data of the crate: the server key of this run lives with its files.
        .env("QUANZI_SERVER_KEY_FILE", scratch().join("server.key"))
        .env("QUANZI_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let c = reqwest::Client::new();
    for _ in 0..200 {
        if c.get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not become ready");
}

/// This run's scratch directory.
fn scratch() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("quanzi-crash-{}", std::process::id()))
}

fn backends() -> Vec<String> {
    let dir = scratch();
    std::fs::create_dir_all(&dir).unwrap();
    let mut v = vec![format!("sqlite://{}", dir.join("crash.db").display())];
    if let Ok(pg) = std::env::var("TEST_DATABASE_URL")
        && !pg.is_empty()
    {
        v.push(pg);
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_batch_survives_a_sigkill_exactly_once() {
    for db in backends() {
        let slug = format!("crash-{}", std::process::id());
        quanzi(&db, &["migrate"]);
        quanzi(&db, &["admin", "create-tenant", &slug, "Crash test"]);
        let key = quanzi(
            &db,
            &[
                "admin",
                "create-api-key",
                "--tenant",
                &slug,
                "--name",
                "crash",
                "--scope",
                "write",
            ],
        );
        let port = free_port();
        let mut server = start(&db, port).await;
        let base = format!("http://127.0.0.1:{port}");
        let c = reqwest::Client::new();
        let m: Value = c
            .post(format!("{base}/api/v1/members"))
            .bearer_auth(&key)
            .json(&json!({"name": "压力测试"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let member = m["member_id"].as_i64().unwrap();

        let stop = Arc::new(AtomicBool::new(false));
        let mut clients = Vec::new();
        for client in 0..4 {
            let (c, key, base, stop) = (c.clone(), key.clone(), base.clone(), stop.clone());
            clients.push(tokio::spawn(async move {
                let mut acked = Vec::new();
                let mut batch = 0;
                while !stop.load(Ordering::Relaxed) {
                    let events: Vec<Value> = (0..200)
                        .map(|i| json!({"idempotency_key": format!("c{client}-b{batch}-e{i}"), "kind": "message", "member_id": member, "occurred_at_ms": 1_763_000_000_000i64 + i}))
                        .collect();
                    match c.post(format!("{base}/api/v1/events")).bearer_auth(&key).json(&json!({"events": events})).send().await {
                        Ok(r) if r.status().is_success() => acked.push(batch),
                        _ => break,
                    }
                    batch += 1;
                }
                (client, acked)
            }));
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        let mut acked = Vec::new();
        for h in clients {
            acked.push(h.await.unwrap());
        }
        let total_acked: usize = acked.iter().map(|(_, b)| b.len()).sum();
        assert!(
            total_acked > 0,
            "{db}: some batches must have been acknowledged before the kill"
        );

        let mut server = start(&db, port).await;
        // Count what is stored per acknowledged batch through the API's event list.
        let mut stored = std::collections::HashMap::<String, usize>::new();
        let mut cursor = String::new();
        loop {
            let v: Value = c
                .get(format!("{base}/api/v1/events?limit=200&cursor={cursor}"))
                .bearer_auth(&key)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            for e in v["items"].as_array().unwrap() {
                *stored
                    .entry(e["idempotency_key"].as_str().unwrap().to_string())
                    .or_default() += 1;
            }
            match v["next_cursor"].as_str() {
                Some(n) => cursor = n.to_string(),
                None => break,
            }
        }
        for (client, batches) in &acked {
            for b in batches {
                for i in 0..200 {
                    let k = format!("c{client}-b{b}-e{i}");
                    assert_eq!(
                        stored.get(&k).copied(),
                        Some(1),
                        "{db}: acknowledged event {k} must be stored exactly once"
                    );
                }
            }
        }
        assert!(
            stored.values().all(|n| *n == 1),
            "{db}: no event is stored twice"
        );
        server.kill().unwrap();
        server.wait().unwrap();
    }
}
