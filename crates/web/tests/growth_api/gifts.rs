//! Lead gifts: checked, replaced, a member's code redeemed once, and what they cost.

use super::*;

#[tokio::test]
async fn a_gift_code_is_redeemed_once_and_a_second_try_says_when_and_by_whom() {
    let cx = Routed::new().await;
    let (t, _, gift, code) = shop(&cx, "acme").await;
    let (s, v) = cx
        .post(&t, "/api/v1/gifts", json!({"name": "x", "valid_days": 0}))
        .await;
    assert_eq!(
        (s, fields(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["valid_days".to_string()]
        ),
        "{v}"
    );
    let (s, v) = cx
        .call(
            &t.write_key,
            Method::PUT,
            &format!("/api/v1/gifts/{gift}"),
            Some(json!({"name": "纸巾", "cost_fen": 100})),
        )
        .await;
    assert_eq!(
        (s, v["cost_fen"].as_i64()),
        (StatusCode::OK, Some(100)),
        "{v}"
    );

    let m = MemberId(member(&cx, &t, "王芳").await);
    let landing = scan(
        &cx.db,
        t.id,
        code,
        ScanInput {
            member: Some(m),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let text = landing.redemption.unwrap().0.code;
    let redeem = |by: &str| json!({"code": text.to_lowercase(), "by": by});
    let (s, v) = cx.post(&t, "/api/v1/gifts/redeem", redeem("店员甲")).await;
    assert_eq!(
        (
            s,
            v["gift"]["gift_id"].as_i64(),
            v["redemption"]["redeemed_by"].as_str()
        ),
        (StatusCode::OK, Some(gift), Some("店员甲")),
        "{v}"
    );
    let (s, v) = cx.post(&t, "/api/v1/gifts/redeem", redeem("店员乙")).await;
    assert_eq!(
        (s, fields(&v)),
        (StatusCode::CONFLICT, vec!["code".to_string()]),
        "{v}"
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("by 店员甲"),
        "{v}"
    );

    let (s, _) = cx
        .post(
            &t,
            "/api/v1/gifts/redeem",
            json!({"code": "ABCD2345", "by": "店员甲"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "not a code of this merchant");
    let (s, v) = cx
        .post(&t, "/api/v1/gifts/redeem", json!({"code": "?", "by": ""}))
        .await;
    assert_eq!(
        (s, fields(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["code".to_string()]),
        "{v}"
    );
    let costs = cx.get_ok(&t, "/api/v1/gifts/costs").await;
    assert_eq!(
        (
            costs[0]["issued"].as_i64(),
            costs[0]["redeemed"].as_i64(),
            costs[0]["live_code_id"].as_i64()
        ),
        (Some(1), Some(1), Some(code)),
        "{costs}"
    );
}
