//! Live codes: created, checked, listed with their funnels, archived; their QR images; and
//! groups' own QR images.

use super::*;

#[tokio::test]
async fn a_live_code_is_created_checked_listed_with_its_funnel_and_archived() {
    let cx = Routed::new().await;
    let (t, g, _, id) = shop(&cx, "acme").await;
    let (s, v) = cx
        .post(
            &t,
            "/api/v1/live-codes",
            json!({"name": "x", "slug": "Bad Slug!", "group_ids": [g]}),
        )
        .await;
    assert_eq!(
        (s, fields(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["slug".to_string()]),
        "{v}"
    );
    let (s, v) = cx
        .post(
            &t,
            "/api/v1/live-codes",
            json!({"name": "x", "slug": "poster", "group_ids": [g]}),
        )
        .await;
    assert_eq!(
        (s, fields(&v)),
        (StatusCode::CONFLICT, vec!["slug".to_string()]),
        "{v}"
    );
    let (s, v) = cx
        .post(
            &t,
            "/api/v1/live-codes",
            json!({"name": "x", "slug": "other", "group_ids": [999_999]}),
        )
        .await;
    assert_eq!(
        (s, fields(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["group_ids".to_string()]
        ),
        "{v}"
    );
    let (s, _) = cx
        .call(
            &t.read_key,
            Method::POST,
            "/api/v1/live-codes",
            Some(json!({"name": "x", "slug": "ro"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a read key does not write");

    let list = cx.get_ok(&t, "/api/v1/live-codes").await;
    assert_eq!(list[0]["slug"], "poster");
    assert_eq!(list[0]["funnel"]["scans"], 0, "{list}");
    let one = cx.get_ok(&t, &format!("/api/v1/live-codes/{id}")).await;
    assert_eq!(
        (
            one["live_code_id"].as_i64(),
            one["funnel"]["joined"].as_i64()
        ),
        (Some(id), Some(0))
    );

    let path = format!("/api/v1/live-codes/{id}");
    let (s, v) = cx
        .call(
            &t.write_key,
            Method::PUT,
            &path,
            Some(json!({"name": "新海报", "slug": "poster-2", "group_ids": [g]})),
        )
        .await;
    assert_eq!(
        (s, v["slug"].as_str(), v["gift_id"].as_i64()),
        (StatusCode::OK, Some("poster-2"), None),
        "sent whole: {v}"
    );
    let (s, v) = cx
        .post(&t, &format!("{path}/archive"), json!({"archived": true}))
        .await;
    assert!(s.is_success() && v["archived_at_ms"].is_i64(), "{v}");
    let (s, v) = cx
        .post(&t, &format!("{path}/archive"), json!({"archived": "yes"}))
        .await;
    assert_eq!(
        (s, fields(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["archived".to_string()]
        ),
        "{v}"
    );
}
