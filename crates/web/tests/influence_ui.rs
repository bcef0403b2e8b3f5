//! Influence pages as an operator sees them: the KOL list before and after a scores run, the
//! recompute button and its refusal for a viewer, seed choice with its errors in the UI
//! language, a run followed to its result and simulated, the member's influence section, and
//! other tenants' runs and members not found. Runs on SQLite, or PostgreSQL when configured.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use quanzi_domain::access::OperatorRole;
use quanzi_testkit::http::{hidden, logged_in};
use quanzi_testkit::{TestApp, TestDb, TestTenant, drain_jobs, http, spawn_app, tenant};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

struct Ctx {
    app: TestApp,
    _db: TestDb,
}

async fn ctx() -> Ctx {
    let db = TestDb::new().await;
    let app = spawn_app(db.db.clone()).await;
    Ctx { app, _db: db }
}

impl Ctx {
    async fn api(&self, t: &TestTenant, method: Method, path: &str, body: Option<Value>) -> Value {
        let key = if method == Method::GET {
            &t.read_key
        } else {
            &t.write_key
        };
        let (s, v) = http::call(&Client::new(), &self.app.url, key, method, path, body).await;
        assert!(s.is_success(), "{path}: {s} {v}");
        v
    }

    async fn community(&self, t: &TestTenant) -> (i64, i64) {
        common::book_club(&self.app.url, t).await
    }

    async fn work(&self) {
        drain_jobs(&self.app.db).await;
    }

    async fn owner(&self, t: &TestTenant) -> Client {
        let (c, s) = logged_in(&self.app.url, &t.owner_email, &t.password).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        c
    }

    async fn page(&self, c: &Client, path: &str) -> (StatusCode, String) {
        let r = c
            .get(format!("{}{path}", self.app.url))
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    async fn ok(&self, c: &Client, path: &str) -> String {
        let (s, html) = self.page(c, path).await;
        assert_eq!(s, StatusCode::OK, "{path}: {html}");
        html
    }

    async fn post(&self, c: &Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        c.post(format!("{}{path}", self.app.url))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    async fn english(&self, c: &Client) {
        self.page(c, "/ui/lang/en?next=/ui").await;
    }
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

fn run_id_of(location: &str) -> i64 {
    location.rsplit('/').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_kol_list_starts_empty_follows_a_recompute_and_reads_in_both_languages() {
    let x = ctx().await;
    let t = tenant(&x.app.db, "books").await;
    let (a, _) = x.community(&t).await;
    let c = x.owner(&t).await;
    let before = x.ok(&c, "/ui/influence").await;
    assert!(before.contains("还没有完成过影响力计算"), "empty state");
    assert!(
        before.contains("id=\"inf-recompute\""),
        "an owner may compute"
    );
    assert!(!before.contains("kol-body"), "no list before a run");
    let none = x.ok(&c, &format!("/ui/members/{a}/influence")).await;
    assert!(none.contains("该成员还没有影响力得分"), "{none}");

    let csrf = hidden(&before, "_csrf");
    let r = x
        .post(&c, "/ui/influence/recompute", &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/ui/influence");
    let running = x.ok(&c, "/ui/influence").await;
    assert!(running.contains("id=\"run-progress\""), "a progress bar");
    assert!(!running.contains("id=\"inf-recompute\""), "no second run");
    let runs = x.api(&t, Method::GET, "/api/v1/influence/runs", None).await;
    let id = runs[0]["run_id"].as_i64().unwrap();
    let progress = x.ok(&c, &format!("/ui/influence/runs/{id}/progress")).await;
    let p: Value = serde_json::from_str(&progress).unwrap();
    assert_eq!(p["state"], "pending");
    assert!(p["label"].as_str().unwrap().contains("排队中"), "{p}");

    x.work().await;
    let zh = x.ok(&c, "/ui/influence?role=salesman").await;
    assert!(zh.contains("最近一次计算") && zh.contains("推销员"));
    assert!(!zh.contains("id=\"run-progress\""));
    assert!(
        zh.contains("/ui/influence/kol?role=salesman"),
        "rows by htmx"
    );
    let rows = x.ok(&c, "/ui/influence/kol?role=salesman").await;
    assert!(
        rows.contains(&format!("href=\"/ui/members/{a}\"")),
        "{rows}"
    );
    assert!(
        rows.contains("书友甲") && rows.contains("带来 1 人：1 人入群，1 人下单，成交 ¥50.00。")
    );
    assert!(!rows.contains("Brought"), "no English line in zh-CN");
    let by_group = x.ok(&c, "/ui/influence/kol?role=maven&group_id=abc").await;
    assert!(by_group.contains("没有这个社群"), "a bad filter is shown");

    x.english(&c).await;
    let en = x.ok(&c, "/ui/influence?role=salesman").await;
    assert!(en.contains("Latest computation") && en.contains("Salesman"));
    let rows = x.ok(&c, "/ui/influence/kol?role=salesman").await;
    assert!(rows.contains("Brought 1 people: 1 joined, 1 ordered, GMV ¥50.00."));
    assert!(!rows.contains("带来"));
}

#[tokio::test]
async fn the_member_page_shows_scores_explanations_and_the_neighbourhood_graph() {
    let x = ctx().await;
    let t = tenant(&x.app.db, "circle").await;
    let (a, b) = x.community(&t).await;
    x.api(
        &t,
        Method::POST,
        "/api/v1/influence/runs",
        Some(json!({"kind": "scores"})),
    )
    .await;
    x.work().await;
    let c = x.owner(&t).await;
    let page = x.ok(&c, &format!("/ui/members/{a}")).await;
    assert!(page.contains(&format!("hx-get=\"/ui/members/{a}/influence\"")));
    let zh = x.ok(&c, &format!("/ui/members/{a}/influence")).await;
    for text in ["影响力排名", "活跃等级", "k-壳层", "内行人", "带来 1 人"] {
        assert!(zh.contains(text), "{text} in {zh}");
    }
    assert!(zh.contains("id=\"inf-graph\""), "a neighbourhood graph");
    assert!(
        zh.contains(&format!("/ui/members/{b}")),
        "the neighbour is a node"
    );
    x.english(&c).await;
    let en = x.ok(&c, &format!("/ui/members/{a}/influence")).await;
    assert!(en.contains("Influence rank") && en.contains("Engagement level"));
    assert!(en.contains("1 of 1 messages (100%) drew replies or re-shares"));
}

#[tokio::test]
async fn seeds_are_chosen_followed_to_their_comparison_and_simulated() {
    let x = ctx().await;
    let t = tenant(&x.app.db, "seeds").await;
    let (a, _) = x.community(&t).await;
    let c = x.owner(&t).await;
    let form = x.ok(&c, "/ui/influence/seeds").await;
    assert!(form.contains("选择种子用户") && form.contains("id=\"seeds-submit\""));
    let csrf = hidden(&form, "_csrf");
    let r = x
        .post(
            &c,
            "/ui/influence/seeds",
            &[
                ("_csrf", csrf.as_str()),
                ("k", "1"),
                ("model", "ic"),
                ("probability", "constant"),
                ("p", "0.5"),
                ("runs", "50"),
                ("seed", "7"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let path = location(&r);
    assert!(path.starts_with("/ui/influence/runs/"), "{path}");
    let pending = x.ok(&c, &path).await;
    assert!(pending.contains("id=\"run-progress\"") && pending.contains("排队中"));
    x.work().await;
    let done = x.ok(&c, &path).await;
    assert!(done.contains("选出的种子用户") && done.contains("id=\"seed-table\""));
    assert!(
        done.contains(&format!("href=\"/ui/members/{a}\"")),
        "{done}"
    );
    assert!(done.contains("PageRank") && done.contains("度折扣"));
    assert!(
        done.contains("renderItem"),
        "a comparison chart with error bars"
    );
    let list = x.ok(&c, "/ui/influence/seeds").await;
    assert!(
        list.contains(&format!("href=\"{path}\"")),
        "listed as recent"
    );

    let r = x
        .post(&c, &format!("{path}/simulate"), &[("_csrf", csrf.as_str())])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let sim = location(&r);
    assert_ne!(run_id_of(&sim), run_id_of(&path));
    x.work().await;
    x.english(&c).await;
    let en = x.ok(&c, &sim).await;
    assert!(en.contains("Spread simulation") && en.contains("Seeded members"));
    assert!(en.contains("书友甲"));
}

#[tokio::test]
async fn invalid_seed_forms_come_back_with_each_fields_error_in_the_ui_language() {
    let x = ctx().await;
    let t = tenant(&x.app.db, "strict").await;
    x.community(&t).await;
    let c = x.owner(&t).await;
    let csrf = hidden(&x.ok(&c, "/ui/influence/seeds").await, "_csrf");
    let bad = [
        ("_csrf", csrf.as_str()),
        ("k", "0"),
        ("runs", "many"),
        ("probability", "constant"),
        ("p", "2"),
        ("seed", "-1"),
        ("epsilon", "0.9"),
    ];
    let r = x.post(&c, "/ui/influence/seeds", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let zh = r.text().await.unwrap();
    for msg in [
        "种子数须为 1 到 200 之间的整数",
        "模拟次数须为 1 到 100000 之间的整数",
        "p 须大于 0 且不超过 1",
        "随机种子须为 0 或更大的整数",
        "ε 须在 0.05 到 0.5 之间",
    ] {
        assert!(zh.contains(msg), "{msg}");
    }
    assert!(zh.contains("value=\"many\""), "the values are kept");
    let r = x
        .post(
            &c,
            "/ui/influence/seeds",
            &[("_csrf", csrf.as_str()), ("group_id", "987654")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("没有这个社群"));
    x.english(&c).await;
    let r = x.post(&c, "/ui/influence/seeds", &bad).await;
    let en = r.text().await.unwrap();
    assert!(en.contains("Seeds must be a whole number from 1 to 200"));
    assert!(en.contains("The random seed must be a whole number, 0 or more"));
    assert!(!en.contains("种子数须为"));
    let runs = x.api(&t, Method::GET, "/api/v1/influence/runs", None).await;
    assert_eq!(runs, json!([]), "nothing was started");
}

#[tokio::test]
async fn a_viewer_sees_no_recompute_button_and_is_refused() {
    let x = ctx().await;
    let t = tenant(&x.app.db, "look").await;
    quanzi_core::access::create_operator(
        &x.app.db,
        t.id,
        "viewer@look.test",
        "Viewer",
        OperatorRole::Viewer,
        "password123",
    )
    .await
    .unwrap();
    let (c, _) = logged_in(&x.app.url, "viewer@look.test", "password123").await;
    let page = x.ok(&c, "/ui/influence").await;
    assert!(!page.contains("inf-recompute"), "no button for a viewer");
    assert!(page.contains("只读账号不能发起计算"));
    let seeds = x.ok(&c, "/ui/influence/seeds").await;
    assert!(!seeds.contains("seeds-submit"));
    let csrf = hidden(&page, "_csrf");
    let r = x
        .post(&c, "/ui/influence/recompute", &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = x
        .post(
            &c,
            "/ui/influence/seeds",
            &[("_csrf", csrf.as_str()), ("k", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let owner = x.owner(&t).await;
    let r = x
        .post(&owner, "/ui/influence/recompute", &[("_csrf", "forged")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a forged token");
    let runs = x.api(&t, Method::GET, "/api/v1/influence/runs", None).await;
    assert_eq!(runs, json!([]));
}

#[tokio::test]
async fn another_tenants_runs_and_members_are_not_found() {
    let x = ctx().await;
    let one = tenant(&x.app.db, "one").await;
    let two = tenant(&x.app.db, "two").await;
    let (a, _) = x.community(&one).await;
    let run = x
        .api(
            &one,
            Method::POST,
            "/api/v1/influence/runs",
            Some(json!({"kind": "seeds", "k": 1, "runs": 10})),
        )
        .await;
    x.work().await;
    let id = run["run_id"].as_i64().unwrap();
    let c = x.owner(&two).await;
    for path in [
        format!("/ui/influence/runs/{id}"),
        format!("/ui/influence/runs/{id}/progress"),
        format!("/ui/members/{a}/influence"),
        "/ui/influence/runs/abc".into(),
        "/ui/influence/runs/-3".into(),
        "/ui/influence/runs/99999999999999999999".into(),
    ] {
        let (s, body) = x.page(&c, &path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (_, body) = x.page(&c, &format!("/ui/influence/runs/{id}")).await;
    assert!(body.contains("找不到"), "a 404 page, in the UI language");
    let csrf = hidden(&x.ok(&c, "/ui/influence").await, "_csrf");
    let r = x
        .post(
            &c,
            &format!("/ui/influence/runs/{id}/simulate"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let mine = x.owner(&one).await;
    x.ok(&mine, &format!("/ui/influence/runs/{id}")).await;
}
