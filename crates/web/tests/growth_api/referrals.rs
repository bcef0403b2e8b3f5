//! Referral programmes: checked rules, a friend's join rewarded, the review, the cash export
//! and the paid file, the leaderboard and the ledger's filters.

use super::*;

#[tokio::test]
async fn a_referral_reward_goes_through_review_the_export_and_the_paid_file_once() {
    let cx = Routed::new().await;
    let (t, _, _, code) = shop(&cx, "acme").await;
    let cash = json!({"kind": "cash", "amount": 500, "value_fen": 500});
    let bad = json!({"name": "老带新", "slug": "invite", "rules": {"invite": {"stay_days": 0, "reward": cash},
        "milestones": [{"friends": 5, "reward": cash}, {"friends": 3, "reward": cash}]}});
    let (s, v) = cx.post(&t, "/api/v1/referral-programs", bad).await;
    assert_eq!(
        (s, fields(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["rules.milestones[1].friends".to_string()]
        ),
        "{v}"
    );
    let p = created(
        &cx,
        &t,
        "/api/v1/referral-programs",
        json!({"name": "老带新", "slug": "invite", "live_code_id": code,
        "budget_fen": 10_000, "rules": {"invite": {"stay_days": 0, "reward": cash}}}),
    )
    .await["program_id"]
        .as_i64()
        .unwrap();

    let (inviter, friend) = (
        MemberId(member(&cx, &t, "甲").await),
        MemberId(member(&cx, &t, "乙").await),
    );
    let input = ScanInput {
        member: Some(friend),
        referral: Some((p, inviter)),
        ..Default::default()
    };
    scan(&cx.db, t.id, code, input).await.unwrap();
    confirm_join(&cx.db, t.id, code, friend).await.unwrap();

    let rewards = cx
        .get_ok(&t, &format!("/api/v1/rewards?program_id={p}&state=pending"))
        .await;
    assert_eq!(
        (
            rewards.as_array().unwrap().len(),
            rewards[0]["member_id"].as_i64()
        ),
        (1, Some(inviter.0)),
        "{rewards}"
    );
    let r = rewards[0]["reward_id"].as_i64().unwrap();
    let decide = |action: &str| json!({"action": action, "note": "checked"});
    let (s, v) = cx
        .post(
            &t,
            &format!("/api/v1/rewards/{r}/decision"),
            decide("approve"),
        )
        .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{v}"
    );

    let export = format!("/api/v1/referral-programs/{p}/cash-export");
    let (s, _) = cx.call(&t.read_key, Method::GET, &export, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the export holds phone numbers");
    let csv = raw(&cx, &t.write_key, Method::GET, &export, None).await;
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.text()
            .lines()
            .nth(1)
            .unwrap()
            .starts_with(&format!("{r},{},甲,", inviter.0)),
        "{}",
        csv.text()
    );
    let paid = format!("/api/v1/referral-programs/{p}/paid");
    for want in [
        json!({"paid": 1, "skipped": 0}),
        json!({"paid": 0, "skipped": 1}),
    ] {
        let a = raw(
            &cx,
            &t.write_key,
            Method::POST,
            &paid,
            Some(("text/csv", csv.body.to_vec())),
        )
        .await;
        assert_eq!(a.json(), want);
    }
    let a = raw(
        &cx,
        &t.write_key,
        Method::POST,
        &paid,
        Some(("application/json", b"{}".to_vec())),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let (s, v) = cx
        .post(
            &t,
            &format!("/api/v1/rewards/{r}/decision"),
            decide("approve"),
        )
        .await;
    assert_eq!(
        (s, fields(&v)),
        (StatusCode::CONFLICT, vec!["state".to_string()]),
        "a paid reward: {v}"
    );
    let (s, v) = cx
        .post(&t, &format!("/api/v1/rewards/{r}/decision"), decide("hold"))
        .await;
    assert_eq!(
        (s, fields(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["action".to_string()]),
        "{v}"
    );
    let one = cx.get_ok(&t, &format!("/api/v1/rewards/{r}")).await;
    let moves: Vec<(&str, &str)> = one["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["to_state"].as_str().unwrap(),
                d["actor"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(moves.len(), 2, "{one}");
    assert!(
        moves.iter().all(|(_, a)| a.starts_with("api_key:")),
        "{moves:?}"
    );
    assert_eq!((moves[0].0, moves[1].0), ("approved", "paid"));
    let board = cx
        .get_ok(&t, &format!("/api/v1/referral-programs/{p}/leaderboard"))
        .await;
    assert_eq!(
        (board[0]["name"].as_str(), board[0]["friends"].as_i64()),
        (Some("甲"), Some(1)),
        "{board}"
    );

    for (q, field) in [
        ("state=lost", "state"),
        ("limit=0", "limit"),
        ("program_id=x", "program_id"),
    ] {
        let (s, v) = cx
            .call(
                &t.read_key,
                Method::GET,
                &format!("/api/v1/rewards?{q}"),
                None,
            )
            .await;
        assert_eq!(
            (s, fields(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]),
            "{q}"
        );
    }
}
