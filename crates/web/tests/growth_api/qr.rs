//! QR images: a live code's QR of its public page, and a group's own WeChat QR upload.

use super::*;

#[tokio::test]
async fn a_live_codes_qr_encodes_its_public_page_as_png_and_svg() {
    let cx = Routed::new().await;
    let (t, _, _, id) = shop(&cx, "acme").await;
    let url = "http://shop.example/h/acme/c/poster";
    let a = raw(
        &cx,
        &t.read_key,
        Method::GET,
        &format!("/api/v1/live-codes/{id}/qr.png?scale=4"),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert_eq!(a.headers[header::CONTENT_TYPE], "image/png");
    assert!(a.body.starts_with(PNG_SIGNATURE));
    let want = quanzi_channels::qr::Qr::new(url)
        .unwrap()
        .png(4, None)
        .unwrap();
    assert_eq!(
        a.body.as_ref(),
        want.as_slice(),
        "the image is the QR of {url}"
    );

    let a = raw(
        &cx,
        &t.read_key,
        Method::GET,
        &format!("/api/v1/live-codes/{id}/qr.svg"),
        None,
    )
    .await;
    assert_eq!(a.headers[header::CONTENT_TYPE], "image/svg+xml");
    assert_eq!(
        a.text(),
        quanzi_channels::qr::Qr::new(url).unwrap().svg(512)
    );

    for (q, field) in [
        ("qr.png?scale=0", "scale"),
        ("qr.png?scale=x", "scale"),
        ("qr.svg?px=5000", "px"),
    ] {
        let a = raw(
            &cx,
            &t.read_key,
            Method::GET,
            &format!("/api/v1/live-codes/{id}/{q}"),
            None,
        )
        .await;
        assert_eq!(
            (a.status, fields(&a.json())),
            (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]),
            "{q}"
        );
    }
}

#[tokio::test]
async fn a_groups_own_qr_is_stored_for_seven_days_when_it_is_an_image() {
    let cx = Routed::new().await;
    let (t, g, _, _) = shop(&cx, "acme").await;
    let path = format!("/api/v1/groups/{g}/qr");
    let png = [PNG_SIGNATURE, b"rest of the image"].concat();
    let a = raw(
        &cx,
        &t.write_key,
        Method::PUT,
        &path,
        Some(("image/png", png.clone())),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let week = 7 * 24 * 3600 * 1000;
    let left = a.json()["expires_at_ms"].as_i64().unwrap() - quanzi_core::read::now_ms();
    assert!((week - 60_000..=week).contains(&left), "{left}");
    assert_eq!(a.json()["group_id"], g);

    for (ct, body) in [
        ("text/plain", png.clone()),
        ("image/jpeg", png.clone()),
        ("image/png", b"GIF89a".to_vec()),
    ] {
        let a = raw(&cx, &t.write_key, Method::PUT, &path, Some((ct, body))).await;
        assert_eq!(
            (a.status, fields(&a.json())),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["image".to_string()]),
            "{ct}"
        );
    }
    let a = raw(
        &cx,
        &t.write_key,
        Method::PUT,
        &format!("{path}?uploaded_at_ms=1000"),
        Some(("application/octet-stream", png)),
    )
    .await;
    assert_eq!(
        (a.status, fields(&a.json())),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["uploaded_at_ms".to_string()]
        ),
        "an image from 1970 expired long ago"
    );
    let big = [PNG_SIGNATURE, &vec![0u8; 2 << 20]].concat();
    let a = raw(
        &cx,
        &t.write_key,
        Method::PUT,
        &path,
        Some(("image/png", big)),
    )
    .await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", a.text());
}
