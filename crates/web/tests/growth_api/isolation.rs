//! Tenant isolation of the growth loop, and its OpenAPI document.

use super::*;

#[tokio::test]
async fn another_tenants_key_finds_none_of_the_growth_loop() {
    let cx = Routed::new().await;
    let (a, g, gift, code) = shop(&cx, "acme").await;
    let m = member(&cx, &a, "王芳").await;
    let p = created(
        &cx,
        &a,
        "/api/v1/referral-programs",
        json!({"name": "n", "slug": "share",
        "rules": {"share_visit": {"kind": "points", "amount": 10, "value_fen": 0}}}),
    )
    .await["program_id"]
        .as_i64()
        .unwrap();
    let b = tenant(&cx.db, "other").await;
    for path in [
        format!("/api/v1/live-codes/{code}"),
        format!("/api/v1/live-codes/{code}/qr.png"),
        format!("/api/v1/gifts/{gift}"),
        format!("/api/v1/referral-programs/{p}"),
        format!("/api/v1/referral-programs/{p}/leaderboard"),
    ] {
        let (s, v) = cx.call(&b.read_key, Method::GET, &path, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {v}");
    }
    // Writes with B's write key: each names one of A's objects.
    let writes = [
        (
            Method::POST,
            format!("/api/v1/live-codes/{code}/archive"),
            json!({"archived": true}),
        ),
        (
            Method::PUT,
            format!("/api/v1/gifts/{gift}"),
            json!({"name": "x"}),
        ),
        (Method::POST, format!("/api/v1/members/{m}/link"), json!({})),
    ];
    for (method, path, body) in writes {
        let (s, v) = cx.call(&b.write_key, method, &path, Some(body)).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {v}");
    }
    let export = format!("/api/v1/referral-programs/{p}/cash-export");
    let (s, v) = cx.call(&b.write_key, Method::GET, &export, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _) = cx
        .call(
            &b.write_key,
            Method::POST,
            &format!("/api/v1/members/{m}/link/revoke"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let png = [PNG_SIGNATURE, b"x"].concat();
    let r = raw(
        &cx,
        &b.write_key,
        Method::PUT,
        &format!("/api/v1/groups/{g}/qr"),
        Some(("image/png", png)),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        cx.get_ok(&b, "/api/v1/live-codes")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        cx.get_ok(&b, "/api/v1/rewards")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_document_describes_the_growth_loop_with_its_content_types_and_nested_schemas() {
    let doc = serde_json::to_value(quanzi_web::api::document()).unwrap();
    let op = |path: &str, method: &str| doc["paths"][path][method].clone();
    let png = op("/api/v1/live-codes/{id}/qr.png", "get");
    assert!(
        png["responses"]["200"]["content"]["image/png"].is_object(),
        "{png}"
    );
    let upload = op("/api/v1/groups/{id}/qr", "put");
    assert!(
        upload["requestBody"]["content"]["image/webp"].is_object(),
        "{upload}"
    );
    let export = op("/api/v1/referral-programs/{id}/cash-export", "get");
    assert!(
        export["responses"]["200"]["content"]["text/csv"].is_object(),
        "{export}"
    );
    let state = &op("/api/v1/rewards", "get")["parameters"][1]["schema"]["enum"];
    assert!(
        state.as_array().unwrap().contains(&json!("approved")),
        "{state}"
    );
    for s in [
        "RouteRule",
        "StaffSlot",
        "ReferralRules",
        "InviteRule",
        "Milestone",
        "FirstOrderRule",
        "RewardSpec",
        "RewardKind",
        "LiveCodeInput",
        "GiftInput",
        "ProgramInput",
    ] {
        assert!(
            doc["components"]["schemas"][s].is_object(),
            "{s} is not in the document"
        );
    }
}
