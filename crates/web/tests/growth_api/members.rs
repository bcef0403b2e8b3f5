//! Who opens a member page: signed member links and the WeChat OAuth account.

use super::*;

#[tokio::test]
async fn a_member_link_opens_the_members_page_until_it_is_revoked() {
    let cx = Routed::new().await;
    let t = tenant(&cx.db, "acme").await;
    let m = member(&cx, &t, "王芳").await;
    let path = format!("/api/v1/members/{m}/link");
    let a = raw(
        &cx,
        &t.write_key,
        Method::POST,
        &path,
        Some(("application/json", b"{\"days\": 7}".to_vec())),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let token = a.json()["token"].as_str().unwrap().to_string();
    assert_eq!(
        a.json()["url"],
        format!("http://shop.example/h/acme/m/{token}")
    );
    let server = quanzi_testkit::server();
    assert_eq!(
        visitors::open_link(&cx.db, &server, t.id, &token)
            .await
            .unwrap(),
        Ok(MemberId(m))
    );

    for days in [0, 366] {
        let (s, v) = cx.post(&t, &path, json!({"days": days})).await;
        assert_eq!(
            (s, fields(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["days".to_string()]),
            "{days}"
        );
    }
    // A link made in the same millisecond as the revocation would outlive it.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (s, _) = cx
        .call(&t.write_key, Method::POST, &format!("{path}/revoke"), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        visitors::open_link(&cx.db, &server, t.id, &token)
            .await
            .unwrap(),
        Err(Refusal::Revoked)
    );
}

#[tokio::test]
async fn the_wechat_oauth_account_is_set_and_cleared_by_admins_only() {
    let cx = Routed::new().await;
    let t = tenant(&cx.db, "acme").await;
    let path = "/api/v1/settings/wechat-oauth";
    let account = json!({"appid": "wx0123456789", "secret": "s3cret", "scope": "snsapi_base"});
    let (s, _) = cx
        .call(&t.write_key, Method::PUT, path, Some(account.clone()))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "an API key is not an admin");

    let login = quanzi_core::access::login(&cx.db, &t.owner_email, &t.password)
        .await
        .unwrap();
    let owner = |method: Method, body: Option<Value>| {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, format!("qz_session={}", login.token))
            .header("x-csrf-token", &login.session.csrf_token);
        if body.is_some() {
            b = b.header(header::CONTENT_TYPE, "application/json");
        }
        b.body(body.map_or_else(Body::empty, |v| Body::from(v.to_string())))
            .unwrap()
    };
    let a = cx
        .send(owner(
            Method::PUT,
            Some(json!({"appid": "wx1", "secret": "s", "scope": "snsapi_all"})),
        ))
        .await;
    assert_eq!(
        (a.status, fields(&a.json())),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["scope".to_string()]),
        "{}",
        a.text()
    );
    let a = cx.send(owner(Method::PUT, Some(account))).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.text());
    let server = quanzi_testkit::server();
    let set = visitors::oauth_config(&cx.db, &server, t.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (set.appid.as_str(), set.secret.as_str()),
        ("wx0123456789", "s3cret")
    );
    let a = cx.send(owner(Method::DELETE, None)).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert!(
        visitors::oauth_config(&cx.db, &server, t.id)
            .await
            .unwrap()
            .is_none()
    );
}
