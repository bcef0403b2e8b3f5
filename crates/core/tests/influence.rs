//! Influence runs on both stores: scores and the KOL list from a known community, seed
//! selection with candidates and its comparison, spread beyond the circle, reproducibility,
//! failures recorded on the run, duplicate jobs, and tenants kept apart. (The checks of a
//! run's parameters are the domain's unit tests.)

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::influence::{self, RunRequest};
use quanzi_core::{CoreError, events, groups, members};
use quanzi_domain::event::EventInput;
use quanzi_domain::group::GroupInput;
use quanzi_domain::member::MemberInput;
use quanzi_domain::tag::TagInput;
use quanzi_domain::{GroupId, MemberId, TenantId};
use quanzi_store::{Db, now_ms};
use quanzi_testkit::{TestDb, drain_jobs, tenant};
use serde_json::json;

/// `hours` hours ago, unix ms.
fn ago(hours: i64) -> i64 {
    now_ms() - hours * 3_600_000
}

struct Community {
    t: TenantId,
    /// The member who talks, shares, invites and sells: 阿花.
    a: i64,
    b: i64,
    c: i64,
    d: i64,
    /// A prospect, outside the community.
    e: i64,
    group: i64,
    staff_tag: i64,
}

async fn member(db: &Db, t: TenantId, name: &str, stage: Option<&str>) -> i64 {
    members::create(
        db,
        t,
        MemberInput {
            name: Some(name.into()),
            lifecycle_stage: stage.map(Into::into),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .member_id
    .0
}

fn ev(
    key: &str,
    kind: &str,
    m: i64,
    g: Option<i64>,
    hours_ago: i64,
    props: serde_json::Value,
) -> EventInput {
    EventInput {
        idempotency_key: key.into(),
        kind: kind.into(),
        member_id: m,
        group_id: g,
        occurred_at_ms: ago(hours_ago),
        amount_fen: (kind == "order").then_some(10_000),
        product: (kind == "order").then(|| "茶".into()),
        reference: None,
        properties: props.as_object().cloned(),
    }
}

async fn community(db: &Db, slug: &str) -> Community {
    let t = tenant(db, slug).await.id;
    let a = member(db, t, "阿花", None).await;
    let b = member(db, t, "小白", None).await;
    let c = member(db, t, "小陈", None).await;
    let d = member(db, t, "大东", None).await;
    let e = member(db, t, "路人", Some("prospect")).await;
    let group = groups::create(
        db,
        t,
        GroupInput {
            name: Some("茶友群".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .group_id
    .0;
    let g = Some(group);
    let list = vec![
        ev("j1", "join", a, g, 60, json!({})),
        ev("j2", "join", b, g, 60, json!({})),
        ev("j3", "join", c, g, 60, json!({})),
        ev("1", "message", a, g, 50, json!({"message_id": "m1"})),
        ev(
            "2",
            "message",
            b,
            g,
            49,
            json!({"message_id": "m2", "reply_to_member_id": a, "reply_to_message_id": "m1"}),
        ),
        ev(
            "3",
            "reaction",
            c,
            g,
            49,
            json!({"reply_to_member_id": a, "reply_to_message_id": "m1"}),
        ),
        ev("4", "share", a, g, 48, json!({"channel": "group"})),
        ev("5", "click", b, g, 47, json!({"sharer_member_id": a})),
        ev("6", "visit", e, None, 47, json!({"sharer_member_id": a})),
        ev("7", "join", d, g, 30, json!({"inviter_member_id": a})),
        ev("8", "order", d, g, 20, json!({})),
        ev("9", "share", b, g, 10, json!({"of_member_id": a})),
        ev("10", "message", c, g, 5, json!({"message_id": "m3"})),
    ];
    events::ingest(db, t, list).await.unwrap();
    let staff_tag = members::bulk_tag(
        db,
        t,
        TagInput {
            group: "内部".into(),
            name: "员工".into(),
        },
        &[MemberId(a)],
        false,
    )
    .await
    .unwrap()
    .tag
    .tag_id;
    Community {
        t,
        a,
        b,
        c,
        d,
        e,
        group,
        staff_tag: staff_tag.0,
    }
}

fn req(v: serde_json::Value) -> RunRequest {
    serde_json::from_value(v).unwrap()
}

async fn work(db: &Db) {
    drain_jobs(db).await;
}

async fn run(db: &Db, t: TenantId, v: serde_json::Value) -> influence::Run {
    let r = influence::request(db, t, &req(v)).await.unwrap();
    assert_eq!(r.state, "pending");
    work(db).await;
    influence::get(db, t, r.run_id).await.unwrap()
}

#[tokio::test]
async fn scores_rank_the_member_who_talks_shares_and_sells() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let k = community(db, "tea").await;
        let r = run(db, k.t, json!({"kind": "scores"})).await;
        assert_eq!(r.state, "done", "{:?}", r.error);
        assert_eq!(r.progress, 1.0);
        let result = r.result.unwrap();
        assert_eq!(result["graph"]["nodes"], 5);
        assert_eq!(result["scored"], 5, "{result}");

        let sales = influence::kol(db, k.t, "salesman", None, 10).await.unwrap();
        assert_eq!(sales[0].member.member_id, k.a);
        assert_eq!(sales[0].member.brought_gmv_fen, 10_000);
        assert_eq!(sales[0].member.brought_ordered, 1);
        assert_eq!(
            sales[0].member.brought, 3,
            "b by a click, e by a visit, d invited"
        );
        assert!(
            sales[0].explanation.contains("GMV ¥100.00"),
            "{}",
            sales[0].explanation
        );

        let mavens = influence::kol(db, k.t, "maven", None, 10).await.unwrap();
        assert_eq!(mavens[0].member.member_id, k.a);
        assert_eq!(mavens[0].member.messages, 2, "m1 and the share");
        assert_eq!(mavens[0].member.messages_responded, 1, "m1 drew a reply");
        assert_eq!(
            mavens[0].member.responses, 3,
            "a reply, a reaction, a re-share"
        );
        assert!(mavens[0].member.roles.contains(&"maven".to_string()));

        let infl = influence::kol(db, k.t, "influencer", Some(GroupId(k.group)), 10)
            .await
            .unwrap();
        assert_eq!(infl[0].member.member_id, k.a);
        assert_eq!(infl[0].member.influence_rank, 1);
        assert!(
            infl.iter().all(|e| e.member.member_id != k.e),
            "e is in no group"
        );

        let a = influence::member(db, k.t, MemberId(k.a))
            .await
            .unwrap()
            .unwrap();
        let tied: Vec<i64> = a.ties.iter().map(|t| t.member_id).collect();
        for m in [k.b, k.c, k.d, k.e] {
            assert!(tied.contains(&m), "{m} missing from {tied:?}");
        }
        let n = influence::neighbourhood(db, k.t, MemberId(k.a))
            .await
            .unwrap();
        assert_eq!(n.nodes.len(), 5);
        assert!(
            n.edges
                .iter()
                .any(|e| e.from == k.a && e.to == k.d && e.weight > 9.0)
        );
        assert_eq!(
            n.nodes.iter().find(|x| x.member_id == k.a).unwrap().name,
            "阿花"
        );

        // A second run replaces the scores whole.
        let again = run(db, k.t, json!({"kind": "scores"})).await;
        let a2 = influence::member(db, k.t, MemberId(k.a))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a2.run_id, again.run_id.0);
        assert_eq!(
            influence::kol(db, k.t, "engaged", None, 200)
                .await
                .unwrap()
                .len(),
            5
        );
    }
}

#[tokio::test]
async fn seeds_respect_candidates_and_are_reproducible() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let k = community(db, "seed").await;
        let ask = json!({"kind": "seeds", "k": 2, "exclude_tag_id": k.staff_tag,
            "probability": "constant", "p": 0.5, "runs": 500, "seed": 7});
        let r = run(db, k.t, ask.clone()).await;
        assert_eq!(r.state, "done", "{:?}", r.error);
        let res = r.result.unwrap();
        let seeds: Vec<i64> = res["seeds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["member_id"].as_i64().unwrap())
            .collect();
        assert_eq!(seeds.len(), 2);
        assert!(!seeds.contains(&k.a), "staff are never seeds: {seeds:?}");
        assert_eq!(res["candidates"], 4);
        let methods: Vec<&str> = res["comparison"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["method"].as_str().unwrap())
            .collect();
        assert_eq!(methods, ["imm", "degree", "pagerank", "degree_discount"]);
        for c in res["comparison"].as_array().unwrap() {
            let s = &c["spread"];
            let mean = s["mean_reach"].as_f64().unwrap();
            assert!(mean >= 2.0, "two seeds at least reach themselves: {s}");
            assert!(s["ci95"][0].as_f64().unwrap() <= mean);
            assert!(!c["member_ids"].as_array().unwrap().contains(&json!(k.a)));
        }
        let twice = run(db, k.t, ask).await;
        assert_eq!(twice.result.unwrap()["comparison"], res["comparison"]);
        assert_eq!(twice.params, r.params);
    }
}

#[tokio::test]
async fn simulation_counts_reach_beyond_the_circle_and_repeats_with_its_seed() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let k = community(db, "sim").await;
        let ask = json!({"kind": "simulate", "member_ids": [k.a], "probability": "constant",
            "p": 1.0, "runs": 20});
        let r = run(db, k.t, ask).await;
        assert_eq!(r.state, "done", "{:?}", r.error);
        let s = &r.result.unwrap()["spread"];
        // Every edge fires: a reaches everyone tied to them, and e is outside the circle.
        assert_eq!(s["mean_reach"], 5.0, "{s}");
        assert_eq!(s["mean_outside"], 1.0, "{s}");
        assert_eq!(s["per_generation"][0], 1.0);
        let low = json!({"kind": "simulate", "member_ids": [k.b, k.c], "probability": "constant",
            "p": 0.3, "runs": 300, "seed": 11});
        let x = run(db, k.t, low.clone()).await.result.unwrap();
        let y = run(db, k.t, low).await.result.unwrap();
        assert_eq!(
            x["spread"], y["spread"],
            "the same seed gives the same estimate"
        );
        let _ = k.d;
    }
}

#[tokio::test]
async fn failures_stay_on_the_run_and_duplicates_run_once() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let k = community(db, "fail").await;
        // Four members are in the group (e is not): 5 seeds cannot be chosen from it.
        let r = run(
            db,
            k.t,
            json!({"kind": "seeds", "k": 5, "group_id": k.group}),
        )
        .await;
        assert_eq!(r.state, "failed");
        let error = r.error.unwrap();
        assert!(error.contains("only 4 members may be seeds"), "{error}");
        let counts = quanzi_store::jobs::counts(db, k.t).await.unwrap();
        assert!(
            counts.iter().any(|(s, n)| s == "dead" && *n == 1),
            "{counts:?}"
        );

        // A job delivered twice for a run that is done changes nothing.
        let done = run(db, k.t, json!({"kind": "scores"})).await;
        let job = quanzi_store::jobs::NewJob::new(
            influence::RUN_JOB,
            json!({"run_id": done.run_id}),
            now_ms(),
        );
        quanzi_core::jobs::enqueue(db, k.t, &job).await.unwrap();
        work(db).await;
        let after = influence::get(db, k.t, done.run_id).await.unwrap();
        assert_eq!(after.finished_at_ms, done.finished_at_ms);
        assert_eq!(after.state, "done");
        let _ = (k.b, k.c, k.e);
    }
}

#[tokio::test]
async fn tenants_never_see_each_others_runs_or_scores() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let one = community(db, "one").await;
        let two = community(db, "two").await;
        let r = run(db, one.t, json!({"kind": "scores"})).await;
        assert!(matches!(
            influence::get(db, two.t, r.run_id).await,
            Err(CoreError::NotFound(_))
        ));
        assert!(
            influence::member(db, two.t, MemberId(one.a))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            influence::kol(db, two.t, "influencer", None, 50)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            influence::list(db, two.t, None, 50)
                .await
                .unwrap()
                .is_empty()
        );
        // Another tenant's group, tag and members are refused by name.
        let err = influence::request(
            db,
            two.t,
            &req(json!({"kind": "seeds", "group_id": one.group, "tag_id": one.staff_tag})),
        )
        .await
        .unwrap_err();
        let CoreError::Invalid(inv) = err else {
            panic!("{err:?}")
        };
        let fields: Vec<&str> = inv.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["group_id", "tag_id"]);
        let err = influence::request(
            db,
            two.t,
            &req(json!({"kind": "simulate", "member_ids": [one.a]})),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, CoreError::Invalid(_)));
        assert!(
            influence::list(db, two.t, None, 50)
                .await
                .unwrap()
                .is_empty(),
            "nothing stored"
        );
    }
}

#[tokio::test]
async fn an_empty_community_gets_empty_scores_and_a_clear_refusal_of_seeds() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = tenant(db, "empty").await.id;
        let r = run(db, t, json!({"kind": "scores"})).await;
        assert_eq!(r.state, "done", "{:?}", r.error);
        assert_eq!(r.result.unwrap()["scored"], 0);
        assert!(
            influence::kol(db, t, "influencer", None, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let s = run(db, t, json!({"kind": "seeds", "k": 1})).await;
        assert_eq!(s.state, "failed");
        assert!(s.error.unwrap().contains("only 0 members may be seeds"));
    }
}
