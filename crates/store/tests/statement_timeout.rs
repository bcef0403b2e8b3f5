//! PostgreSQL's `statement_timeout` on the pool's connections: a statement past it is
//! cancelled and answers [`StoreError::Timeout`] (the web answers 503), and the pool goes on.

#![allow(missing_docs)]

use std::time::Duration;

use quanzi_store::{Db, StoreError};

#[tokio::test]
async fn a_statement_past_the_time_limit_is_cancelled_with_a_timeout_error_on_postgres() {
    let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
        return;
    };
    let db = Db::connect_with(&url, Some(Duration::from_millis(100)))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let Db::Postgres(p, _) = &db else {
        panic!("TEST_DATABASE_URL is not PostgreSQL")
    };
    let slow = sqlx::query("select pg_sleep(30)")
        .execute(p)
        .await
        .map_err(StoreError::from);
    assert!(matches!(slow, Err(StoreError::Timeout)), "{slow:?}");
    assert!(
        db.ping().await,
        "the pool answers after a cancelled statement"
    );
    db.close().await;
}
