//! Hostile connections are shed: idle and half-sent-header connections are closed after their
//! timeouts, the connection cap makes room for new clients, `/healthz` keeps answering, a
//! trickled body is cut off, and a request in flight still finishes when shutdown begins.

#![allow(missing_docs)]

use std::time::Duration;

use quanzi_testkit::{TestDb, spawn_within};
use quanzi_web::AppState;
use quanzi_web::server::{ServerLimits, descriptor_limit};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn limits(max_connections: usize) -> ServerLimits {
    ServerLimits {
        header_read_timeout: Duration::from_secs(1),
        body_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        max_connections,
    }
}

async fn healthz(url: &str) -> bool {
    // A new client each time: a new connection, as a load balancer's probe makes.
    let c = reqwest::Client::new();
    match c.get(format!("{url}/healthz")).send().await {
        Ok(r) => r.status().is_success() && r.text().await.unwrap_or_default() == "ok",
        Err(_) => false,
    }
}

/// Reads until the server closes the connection; what it sent before closing.
async fn until_closed(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_while_idle_and_half_sent_connections_are_held_and_they_are_closed() {
    let db = TestDb::new().await;
    // Client and server sockets both count against this process's descriptors.
    let held = 2_000.min(descriptor_limit().saturating_sub(400) / 2);
    assert!(held >= 200, "too few descriptors to run this test: {held}");
    let app = spawn_within(
        AppState::new(db.db.clone(), quanzi_testkit::server()),
        limits(held / 4),
    )
    .await;
    let mut sockets = Vec::with_capacity(held);
    for i in 0..held {
        let mut s = TcpStream::connect(app.addr)
            .await
            .unwrap_or_else(|e| panic!("connect {i}: {e}"));
        if i % 2 == 1 {
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        sockets.push(s);
        if i % 250 == 0 {
            assert!(healthz(&app.url).await, "healthz answered with {i} held");
        }
    }
    for round in 0..5 {
        assert!(healthz(&app.url).await, "healthz answered in round {round}");
    }
    let closed = tokio::time::timeout(Duration::from_secs(60), async {
        for s in &mut sockets {
            let sent = until_closed(s).await;
            // A half-sent head is answered (408-like close) or simply closed; never served.
            assert!(
                !sent.starts_with(b"HTTP/1.1 200"),
                "a held connection was served"
            );
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "every held connection was closed by the server"
    );
    assert!(healthz(&app.url).await);
}

#[tokio::test]
async fn a_trickled_body_is_cut_off_after_its_timeout() {
    let db = TestDb::new().await;
    let app = spawn_within(
        AppState::new(db.db.clone(), quanzi_testkit::server()),
        limits(100),
    )
    .await;
    let mut s = TcpStream::connect(app.addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    s.write_all(
        b"POST /ui/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Content-Length: 100\r\n\r\nemail=a",
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let answer = tokio::time::timeout(Duration::from_secs(30), until_closed(&mut s))
        .await
        .unwrap_or_else(|_| panic!("the server never gave up on the body"));
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 4"),
        "a client error or a closed connection: {text}"
    );
}

#[tokio::test]
async fn a_request_in_flight_finishes_when_shutdown_begins() {
    let db = TestDb::new().await;
    let app = spawn_within(
        AppState::new(db.db.clone(), quanzi_testkit::server()),
        limits(100),
    )
    .await;
    let mut s = TcpStream::connect(app.addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let body = b"email=a%40b.test&password=x&_csrf=y";
    let head = format!(
        "POST /ui/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // "100 Continue" comes once the handler reads the body: the request is in flight.
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 100"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    drop(app);
    s.write_all(body).await.unwrap_or_else(|e| panic!("{e}"));
    let answer = tokio::time::timeout(Duration::from_secs(30), until_closed(&mut s))
        .await
        .unwrap_or_else(|_| panic!("the connection was not closed after its request"));
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.starts_with("HTTP/1.1 403"),
        "the login (without its CSRF cookie) was answered: {text}"
    );
}
