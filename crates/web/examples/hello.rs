//! Axum hello-world: the HTTP ceiling of this machine, for `bench/http.sh` to compare against.
//!
//! `cargo run --release -p quanzi-web --example hello -- 127.0.0.1:9000` serves `GET /` with
//! `Hello, World!` on a multi-threaded tokio runtime, the same stack `quanzi serve` runs on.

use axum::Router;
use axum::routing::get;

async fn hello() -> &'static str {
    "Hello, World!"
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".to_string());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("hello listening on http://{}/", listener.local_addr()?);
    axum::serve(listener, Router::new().route("/", get(hello))).await
}
