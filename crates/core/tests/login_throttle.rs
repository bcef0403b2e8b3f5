//! Login throttling on both stores: growing waits per account and address, never a refusal of
//! a correct password from another address, counters that outlive the process.

#![allow(missing_docs)]

use std::net::IpAddr;

use quanzi_core::login_throttle::{LoginOutcome, ThrottlePolicy, login, wait};
use quanzi_store::Db;
use quanzi_testkit::{TestDb, tenant};

const T0: i64 = 1_800_000_000_000;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn policy() -> ThrottlePolicy {
    ThrottlePolicy {
        free_failures: 3,
        address_free_failures: 6,
        ..ThrottlePolicy::default()
    }
}

/// The wait (s) a wrong password from `from` earns at `now`, or panics when it was refused.
async fn fail(db: &Db, email: &str, from: IpAddr, now: i64) -> Option<u64> {
    match login(db, &policy(), email, "wrong-password", from, now)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    {
        LoginOutcome::WrongPassword => wait(db, email, from, now)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        other => panic!("expected a counted failure, got {other:?}"),
    }
}

#[tokio::test]
async fn a_correct_password_from_another_address_is_never_refused() {
    for t in TestDb::all().await {
        let db = &t.db;
        let victim = tenant(db, "victim").await;
        let attacker = ip("203.0.113.7");
        let mut now = T0;
        for _ in 0..30 {
            if let Some(w) = wait(db, &victim.owner_email, attacker, now)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
            {
                now += w as i64 * 1_000;
            }
            fail(db, &victim.owner_email, attacker, now).await;
        }
        let refused = login(
            db,
            &policy(),
            &victim.owner_email,
            &victim.password,
            attacker,
            now,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(refused, LoginOutcome::Refused { .. }),
            "the guessing address waits: {refused:?}"
        );
        let owner = login(
            db,
            &policy(),
            &victim.owner_email,
            &victim.password,
            ip("198.51.100.20"),
            now,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(owner, LoginOutcome::LoggedIn(_)),
            "{}: the owner elsewhere logs in: {owner:?}",
            db.backend()
        );
    }
}

#[tokio::test]
async fn waits_grow_after_the_free_failures_and_refuse_until_they_pass() {
    for t in TestDb::all().await {
        let db = &t.db;
        let a = tenant(db, "grow").await;
        let from = ip("192.0.2.1");
        let mut waits = Vec::new();
        let mut now = T0;
        for _ in 0..6 {
            let w = fail(db, &a.owner_email, from, now).await;
            waits.push(w);
            now += w.unwrap_or(0) as i64 * 1_000;
        }
        assert_eq!(
            waits,
            vec![None, None, Some(1), Some(2), Some(4), Some(8)],
            "{}",
            db.backend()
        );
        let early = login(db, &policy(), &a.owner_email, &a.password, from, now - 1)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(
                early,
                LoginOutcome::Refused {
                    retry_after_secs: 1
                }
            ),
            "{early:?}"
        );
        let after = login(db, &policy(), &a.owner_email, &a.password, from, now)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(after, LoginOutcome::LoggedIn(_)), "{after:?}");
        assert_eq!(
            wait(db, &a.owner_email, from, now)
                .await
                .unwrap_or_else(|e| panic!("{e}")),
            None,
            "a correct password clears the account's counter from that address"
        );
    }
}

#[tokio::test]
async fn one_address_trying_many_accounts_is_slowed_too() {
    for t in TestDb::all().await {
        let db = &t.db;
        let from = ip("192.0.2.50");
        let mut now = T0;
        for i in 0..5 {
            assert_eq!(
                fail(db, &format!("nobody{i}@x.test"), from, now).await,
                None
            );
            now += 1;
        }
        let w = fail(db, "nobody-else@x.test", from, now).await;
        assert_eq!(
            w,
            Some(1),
            "{}: the 6th failure of one address waits",
            db.backend()
        );
    }
}

#[tokio::test]
async fn guesses_sent_at_once_get_no_more_free_tries_than_guesses_sent_one_by_one() {
    for t in TestDb::all().await {
        let db = &t.db;
        let victim = tenant(db, "rush").await;
        let from = ip("203.0.113.9");
        let tries = (0..12).map(|_| {
            let (db, email) = (db.clone(), victim.owner_email.clone());
            tokio::spawn(async move {
                login(&db, &policy(), &email, "wrong-password", from, T0)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            })
        });
        let mut counted = 0;
        for h in tries.collect::<Vec<_>>() {
            match h.await.unwrap_or_else(|e| panic!("{e}")) {
                LoginOutcome::WrongPassword => counted += 1,
                LoginOutcome::Refused { .. } => {}
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            counted,
            policy().free_failures,
            "only the free failures are checked on {}",
            db.backend()
        );
    }
}
