//! KPI endpoints against a real server: the figures of a small known community, catching up
//! after new events, group filters, tenant isolation, validation and the index rebuild.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_testkit::{Served, TestTenant, http, tenant};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

struct Ctx(Served);

impl std::ops::Deref for Ctx {
    type Target = Served;
    fn deref(&self) -> &Served {
        &self.0
    }
}

async fn ctx() -> Ctx {
    Ctx(Served::new().await)
}

impl Ctx {
    async fn create(&self, t: &TestTenant, path: &str, body: Value) -> i64 {
        let (s, v) = self
            .call(&t.write_key, Method::POST, path, Some(body))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let key = if path.contains("groups") {
            "group_id"
        } else {
            "member_id"
        };
        v[key].as_i64().unwrap()
    }

    async fn events(&self, t: &TestTenant, events: Vec<Value>) {
        let (s, v) = self
            .call(
                &t.write_key,
                Method::POST,
                "/api/v1/events",
                Some(json!({ "events": events })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
}

/// 10:00 in Shanghai on 2026-11-02 plus `day` days.
fn at(day: i64) -> i64 {
    let d0 = 20_759; // 2026-11-02
    ((d0 + day) * 86_400 + 2 * 3600) * 1000
}

fn ev(
    key: &str,
    kind: &str,
    m: i64,
    g: i64,
    day: i64,
    amount: Option<i64>,
    product: Option<&str>,
) -> Value {
    let mut e = json!({"idempotency_key": key, "kind": kind, "member_id": m, "group_id": g, "occurred_at_ms": at(day)});
    if let Some(a) = amount {
        e["amount_fen"] = json!(a);
    }
    if let Some(p) = product {
        e["product"] = json!(p);
    }
    e
}

fn card(v: &Value, key: &str) -> f64 {
    v["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key)
        .unwrap_or_else(|| panic!("card {key}"))["value"]
        .as_f64()
        .unwrap()
}

const RANGE: &str = "from=2026-11-02&to=2026-11-03";

#[tokio::test]
async fn kpis_of_a_known_community_follow_new_events_and_stay_in_the_tenant() {
    let cx = ctx().await;
    let a = tenant(&cx.app.db, "ta").await;
    let b = tenant(&cx.app.db, "tb").await;
    let m1 = cx
        .create(&a, "/api/v1/members", json!({"name": "甲"}))
        .await;
    let m2 = cx
        .create(&a, "/api/v1/members", json!({"name": "乙"}))
        .await;
    let m3 = cx
        .create(&a, "/api/v1/members", json!({"name": "丙"}))
        .await;
    let g1 = cx
        .create(
            &a,
            "/api/v1/groups",
            json!({"name": "宝妈群", "dimension": "interest"}),
        )
        .await;
    let g2 = cx
        .create(
            &a,
            "/api/v1/groups",
            json!({"name": "茶友群", "dimension": "interest"}),
        )
        .await;
    let bm = cx
        .create(&b, "/api/v1/members", json!({"name": "丁"}))
        .await;
    let bg = cx
        .create(
            &b,
            "/api/v1/groups",
            json!({"name": "B群", "dimension": "interest"}),
        )
        .await;
    cx.events(
        &a,
        vec![
            ev("1", "join", m1, g1, 0, None, None),
            ev("2", "join", m2, g1, 0, None, None),
            ev("3", "join", m3, g2, 0, None, None),
            ev("4", "message", m1, g1, 0, None, None),
            ev("5", "order", m2, g1, 0, Some(1000), Some("tea")),
            ev("6", "message", m1, g1, 1, None, None),
            ev("7", "order", m1, g1, 1, Some(500), Some("tea")),
            ev("8", "order", m2, g1, 1, Some(2000), Some("cake")),
        ],
    )
    .await;
    cx.events(
        &b,
        vec![
            ev("1", "join", bm, bg, 0, None, None),
            ev("2", "order", bm, bg, 0, Some(99_999), Some("tea")),
        ],
    )
    .await;

    let v = cx
        .get_ok(&a, &format!("/api/v1/kpi/overview?{RANGE}"))
        .await;
    assert_eq!(card(&v, "joins"), 3.0);
    assert_eq!(card(&v, "members"), 3.0);
    assert_eq!(card(&v, "orders"), 3.0);
    assert_eq!(card(&v, "gmv_fen"), 3500.0);
    assert_eq!(card(&v, "buyers"), 2.0);
    assert_eq!(card(&v, "repurchase_rate"), 0.5);
    assert_eq!(v["series"]["days"], json!(["2026-11-02", "2026-11-03"]));
    assert_eq!(v["series"]["dau"], json!([2, 2]));
    assert_eq!(v["series"]["gmv_fen"], json!([1000, 2500]));

    // New events are in the next answer; a retried batch changes nothing.
    let more = vec![
        ev("9", "message", m3, g2, 1, None, None),
        ev("10", "order", m3, g2, 1, Some(700), Some("cake")),
    ];
    cx.events(&a, more.clone()).await;
    cx.events(&a, more).await;
    let v = cx
        .get_ok(&a, &format!("/api/v1/kpi/overview?{RANGE}"))
        .await;
    assert_eq!(card(&v, "gmv_fen"), 4200.0);
    assert_eq!(card(&v, "orders"), 4.0);
    assert_eq!(v["series"]["dau"], json!([2, 3]));

    // One group only.
    let v = cx
        .get_ok(&a, &format!("/api/v1/kpi/overview?{RANGE}&groups={g2}"))
        .await;
    assert_eq!(card(&v, "gmv_fen"), 700.0);
    let v = cx.get_ok(&a, &format!("/api/v1/kpi/groups?{RANGE}")).await;
    let rows = v["groups"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{v}");
    let g1row = rows.iter().find(|r| r["group_id"] == g1).unwrap();
    assert_eq!(g1row["gmv_fen"], 3500);
    assert_eq!(g1row["members"], 2);
    assert_eq!(g1row["messages"], 2);
    assert_eq!(g1row["name"], "宝妈群");

    // Products, funnel and retention.
    let v = cx
        .get_ok(&a, &format!("/api/v1/kpi/products?{RANGE}"))
        .await;
    assert_eq!(v["products"], 2);
    assert_eq!(v["rows"][0]["product"], "cake");
    assert_eq!(v["rows"][0]["revenue_fen"], 2700);
    assert_eq!(v["rows"][1]["buyers"], 2);
    let v = cx.get_ok(&a, &format!("/api/v1/kpi/funnel?{RANGE}")).await;
    let counts: Vec<i64> = v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["members"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, vec![3, 3, 3, 3, 1, 0], "{v}");
    let v = cx
        .get_ok(&a, &format!("/api/v1/kpi/retention?{RANGE}"))
        .await;
    assert_eq!(v["cohorts"][0]["start"], "2026-11-02");
    assert_eq!(v["cohorts"][0]["size"], 3);
    assert_eq!(v["cohorts"][0]["rates"][0], 1.0);

    // Tenant B sees only its own; A asking for B's group is told there is no such group.
    let v = cx
        .get_ok(&b, &format!("/api/v1/kpi/overview?{RANGE}"))
        .await;
    assert_eq!(card(&v, "gmv_fen"), 99_999.0);
    assert_eq!(card(&v, "joins"), 1.0);
    for report in ["overview", "groups"] {
        let (s, v) = cx
            .call(
                &a.read_key,
                Method::GET,
                &format!("/api/v1/kpi/{report}?{RANGE}&groups={bg}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(!v.to_string().contains("99999"), "{v}");
    }
    let v = cx
        .get_ok(&a, &format!("/api/v1/kpi/products?{RANGE}"))
        .await;
    assert_eq!(v["revenue_fen"], 4200);

    // The index is a cache: rebuilding it gives the same answers; only writers may.
    let (s, _) = cx
        .call(&a.read_key, Method::POST, "/api/v1/kpi/index/rebuild", None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = cx
        .call(
            &a.write_key,
            Method::POST,
            "/api/v1/kpi/index/rebuild",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["events"], 10);
    let v = cx
        .get_ok(&a, &format!("/api/v1/kpi/overview?{RANGE}"))
        .await;
    assert_eq!(card(&v, "gmv_fen"), 4200.0);
}

#[tokio::test]
async fn kpi_parameters_are_validated_naming_the_field() {
    let cx = ctx().await;
    let a = tenant(&cx.app.db, "ta").await;
    for (query, field) in [
        ("from=2026-02-30", "from"),
        ("to=yesterday", "to"),
        ("from=2026-11-05&to=2026-11-01", "from"),
        ("from=2020-01-01&to=2026-11-01", "from"),
        ("groups=1,x", "groups"),
        ("groups=-3", "groups"),
        ("dead_days=0", "dead_days"),
        ("lurker_days=abc", "lurker_days"),
        ("tag_id=0", "tag_id"),
        ("spending_tier=gold", "spending_tier"),
        ("lifecycle_stage=zombie", "lifecycle_stage"),
        ("period=year", "period"),
        ("limit=-1", "limit"),
        ("dead_days=%09", "dead_days"),
    ] {
        let (s, v) = cx
            .call(
                &a.read_key,
                Method::GET,
                &format!("/api/v1/kpi/overview?{query}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {v}");
        let fields: Vec<&str> = v["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{query}: {v}");
    }
    let (s, v) = cx
        .call(
            &a.read_key,
            Method::GET,
            "/api/v1/kpi/retention?period=year",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"][0]["field"], "period");
    let (s, v) = cx
        .call(
            &a.read_key,
            Method::GET,
            "/api/v1/kpi/products?limit=0",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"][0]["field"], "limit");
    // Ids the tenant does not have are refused, as influence refuses them; another tenant's
    // group is as unknown as a made-up one.
    let b = tenant(&cx.app.db, "tb").await;
    let theirs = cx
        .create(&b, "/api/v1/groups", json!({"name": "别家的群"}))
        .await;
    let ours = cx
        .create(&a, "/api/v1/groups", json!({"name": "我们的群"}))
        .await;
    for (query, field) in [
        (format!("groups={ours},{theirs}"), "groups"),
        ("groups=999999".to_string(), "groups"),
        ("tag_id=999999".to_string(), "tag_id"),
    ] {
        for report in [
            "overview",
            "groups",
            "retention",
            "funnel",
            "products",
            "visits",
        ] {
            let (s, v) = cx
                .call(
                    &a.read_key,
                    Method::GET,
                    &format!("/api/v1/kpi/{report}?{query}"),
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{report}?{query}: {v}");
            assert_eq!(v["error"]["fields"][0]["field"], field, "{report}?{query}");
        }
    }
    cx.get_ok(&a, &format!("/api/v1/kpi/overview?groups={ours}"))
        .await;
    // An empty tenant answers zeros, not errors.
    for p in [
        "overview",
        "groups",
        "retention",
        "funnel",
        "products",
        "visits",
        "index",
    ] {
        cx.get_ok(&a, &format!("/api/v1/kpi/{p}")).await;
    }
}

/// A logged-in browser (cookie session) of tenant `t`.
async fn browser(url: &str, t: &TestTenant) -> Client {
    let (c, status) = http::logged_in(url, &t.owner_email, &t.password).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    c
}

async fn page(c: &Client, url: &str) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn the_analytics_pages_show_charts_tables_and_export_them() {
    let cx = ctx().await;
    let a = tenant(&cx.app.db, "ta").await;
    let b = tenant(&cx.app.db, "tb").await;
    let m1 = cx
        .create(&a, "/api/v1/members", json!({"name": "甲"}))
        .await;
    let g1 = cx
        .create(
            &a,
            "/api/v1/groups",
            json!({"name": "=宝妈群", "dimension": "interest"}),
        )
        .await;
    cx.events(
        &a,
        vec![
            ev("1", "join", m1, g1, 0, None, None),
            ev("2", "message", m1, g1, 0, None, None),
            ev("3", "order", m1, g1, 1, Some(1234), Some("tea")),
        ],
    )
    .await;
    let url = &cx.app.url;
    let c = browser(url, &a).await;
    for p in ["overview", "groups", "retention", "funnel", "products"] {
        let (s, html) = page(&c, &format!("{url}/ui/kpi/{p}?{RANGE}")).await;
        assert_eq!(s, StatusCode::OK, "{p}");
        assert!(
            html.contains(&format!("hx-get=\"/ui/kpi/{p}/body?")),
            "{p} loads its body with a progress indicator"
        );
        assert!(html.contains("数据分析"), "zh-CN by default");
        let (s, body) = page(&c, &format!("{url}/ui/kpi/{p}/body?{RANGE}")).await;
        assert_eq!(s, StatusCode::OK, "{p}: {body}");
        assert!(body.contains("format=xlsx"), "{p} offers exports");
    }
    let (_, body) = page(&c, &format!("{url}/ui/kpi/groups/body?{RANGE}")).await;
    assert!(
        body.contains("=宝妈群") && body.contains("¥12.34"),
        "{body}"
    );
    let (_, body) = page(&c, &format!("{url}/ui/kpi/overview/body?{RANGE}")).await;
    assert!(
        body.contains("class=\"chart\"") && body.contains("复购率") && body.contains("周活变日活"),
        "{body}"
    );

    // Exports: CSV with a BOM and inert formulas, XLSX as a zip; bad parameters name the field.
    let r = c
        .get(format!("{url}/ui/kpi/groups/export?format=csv&{RANGE}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv")
    );
    let csv = r.text().await.unwrap();
    assert!(
        csv.starts_with('\u{feff}') && csv.contains("'=宝妈群") && csv.contains("12.34"),
        "{csv}"
    );
    let r = c
        .get(format!("{url}/ui/kpi/products/export?format=xlsx&{RANGE}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    for (q, field) in [
        ("format=pdf", "format"),
        ("table=9", "table"),
        ("table=x", "table"),
        ("from=2026-13-01", "from"),
    ] {
        let r = c
            .get(format!("{url}/ui/kpi/groups/export?{q}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        // A download link's error is a page in the operator's language naming the field.
        let html = r.text().await.unwrap();
        assert!(
            html.contains("输入有误") && html.contains(&format!("{field}: ")),
            "{q}: {html}"
        );
    }
    let (s, html) = page(&c, &format!("{url}/ui/kpi/overview?from=2026-13-01")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("kpi-errors"),
        "a bad filter is explained on the page"
    );
    assert_eq!(
        page(&c, &format!("{url}/ui/kpi/nope")).await.0,
        StatusCode::NOT_FOUND
    );

    // Another tenant's operator sees nothing of A's community.
    let cb = browser(url, &b).await;
    let (_, body) = page(&cb, &format!("{url}/ui/kpi/groups/body?{RANGE}")).await;
    assert!(!body.contains("宝妈群"), "{body}");
    let (_, csv) = page(
        &cb,
        &format!("{url}/ui/kpi/groups/export?format=csv&{RANGE}&groups={g1}"),
    )
    .await;
    assert!(!csv.contains("宝妈群"));
    // Not logged in: sent to the login page.
    let anon = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    assert_eq!(
        page(&anon, &format!("{url}/ui/kpi/groups/export")).await.0,
        StatusCode::SEE_OTHER
    );
}
