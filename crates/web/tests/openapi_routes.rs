//! The API's routes and its OpenAPI document are one list: every operation the document
//! names is served, and no route under `/api` is registered outside `routes!(...)`, which
//! takes its path and method from the handler's `#[utoipa::path]` (a handler without one does
//! not compile there). A route added with a plain `.route("/api/…")` fails here.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use axum::http::{Method, StatusCode};
use quanzi_testkit::Routed;
use quanzi_testkit::routed::request;
use quanzi_web::api::UNDOCUMENTED;

/// Every (method, path) of the document.
fn operations() -> Vec<(Method, String)> {
    let doc = serde_json::to_value(quanzi_web::api::document()).unwrap();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if let Ok(m) = method.to_uppercase().parse::<Method>() {
                ops.push((m, path.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn every_documented_operation_is_served_and_needs_a_key() {
    let cx = Routed::new().await;
    let ops = operations();
    assert!(ops.len() > 40, "{} operations", ops.len());
    for (method, path) in ops {
        let uri = path.replace("{id}", "1").replace("{member_id}", "2");
        let a = cx.send(request(method.clone(), &uri, None, None)).await;
        assert_eq!(
            (a.status, a.json()["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("unauthorized")),
            "{method} {path} did not reach its handler: {}",
            a.text()
        );
    }
}

#[tokio::test]
async fn the_served_document_is_the_one_collected_from_the_routes() {
    let cx = Routed::new().await;
    let served = cx.get("/api/openapi.json").await.json();
    assert_eq!(
        served,
        serde_json::to_value(quanzi_web::api::document()).unwrap()
    );
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
}

#[test]
fn no_api_route_is_registered_outside_the_documented_router() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut plain_in_api = 0;
    for (path, text) in &files {
        for call in [".route(", ".route_service(", ".nest(", ".nest_service("] {
            for (at, _) in text.match_indices(call) {
                let arg = text[at + call.len()..].trim_start();
                assert!(
                    !arg.starts_with("\"/api"),
                    "{path}: an API route registered with `{call}` is not in the document; \
                     register it with `routes!(handler)` and give the handler `#[utoipa::path]`"
                );
                if path.contains("/src/api/") {
                    plain_in_api += 1;
                }
            }
        }
    }
    assert_eq!(
        plain_in_api,
        UNDOCUMENTED.len(),
        "the API's plain routes are only {UNDOCUMENTED:?}; every other one goes through `routes!`"
    );
}
