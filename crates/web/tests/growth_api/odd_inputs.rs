//! Odd input on every writing endpoint of the growth loop: each is refused with a 4xx that
//! names the field, never a 5xx.

use super::*;

#[tokio::test]
async fn odd_input_is_refused_naming_its_field_never_with_a_server_error() {
    let cx = Routed::new().await;
    let (t, g, gift, code) = shop(&cx, "acme").await;
    let m = member(&cx, &t, "王芳").await;
    let big = i64::MAX;
    let cases: Vec<(Method, String, Value, &str)> = vec![
        (
            Method::POST,
            "/api/v1/live-codes".into(),
            json!({"name": "x", "slug": "dup", "group_ids": [g, g], "template_group_id": -1}),
            "group_ids",
        ),
        (
            Method::POST,
            "/api/v1/live-codes".into(),
            json!({"name": "x", "slug": "st", "kind": "staff", "staff": [{"userid": "a", "from_hour": 300}]}),
            "staff[0].from_hour",
        ),
        (
            Method::POST,
            "/api/v1/live-codes".into(),
            json!({"name": "x", "slug": "st", "kind": "staff", "staff": [{"userid": "a", "from_hour": 9}]}),
            "staff[0].from_hour",
        ),
        (
            Method::POST,
            "/api/v1/live-codes".into(),
            json!({"name": "x", "slug": "rr", "rules": [{"tier": "gold", "group_ids": [g]}]}),
            "rules[0].tier",
        ),
        (
            Method::POST,
            "/api/v1/live-codes".into(),
            json!({"name": "x", "slug": "ok", "group_ids": [g], "gift_id": big}),
            "gift_id",
        ),
        (
            Method::POST,
            "/api/v1/live-codes".into(),
            json!({"name": "x", "slug": "ok", "colour": 1}),
            "colour",
        ),
        (
            Method::PUT,
            format!("/api/v1/live-codes/{code}"),
            json!({"name": "", "slug": "poster", "group_ids": [g]}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/gifts".into(),
            json!({"name": "x", "cost_fen": big, "stock": -1}),
            "cost_fen",
        ),
        (
            Method::PUT,
            format!("/api/v1/gifts/{gift}"),
            json!({"name": "x", "valid_days": 1e30}),
            "valid_days",
        ),
        (
            Method::POST,
            "/api/v1/gifts/redeem".into(),
            json!({"code": "ABCD2345", "by": "x".repeat(65)}),
            "by",
        ),
        (
            Method::POST,
            "/api/v1/referral-programs".into(),
            json!({"name": "x", "slug": "p1", "live_code_id": big, "rules": {"share_visit": {"kind": "cash", "amount": 1, "value_fen": 1}}}),
            "live_code_id",
        ),
        (
            Method::POST,
            "/api/v1/referral-programs".into(),
            json!({"name": "x", "slug": "p2", "rules": {"share_visit": {"kind": "gold", "amount": 1, "value_fen": 1}}}),
            "rules.share_visit.kind",
        ),
        (
            Method::POST,
            "/api/v1/referral-programs".into(),
            json!({"name": "x", "slug": "p3", "budget_fen": big, "rules": {"invite": {"stay_days": big, "reward": {"kind": "points", "amount": 1, "value_fen": 0}}}}),
            "rules.invite.stay_days",
        ),
        (
            Method::POST,
            "/api/v1/referral-programs".into(),
            json!({"name": "x", "slug": "p4", "rules": {}}),
            "rules",
        ),
        (
            Method::POST,
            format!("/api/v1/members/{m}/link"),
            json!({"days": big}),
            "days",
        ),
        (
            Method::POST,
            format!("/api/v1/members/{m}/link"),
            json!({"days": "7"}),
            "days",
        ),
    ];
    for (method, path, body, field) in cases {
        let (s, v) = cx
            .call(&t.write_key, method, &path, Some(body.clone()))
            .await;
        assert!(s.is_client_error(), "{path} {body}: {s} {v}");
        assert!(
            fields(&v).iter().any(|f| f == field),
            "{path} {body}: {field} not named in {v}"
        );
    }
}
