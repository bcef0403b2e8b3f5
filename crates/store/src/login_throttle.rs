//! Failed-login counters (`login_throttle`): how many failures a key has had, when the last
//! one was, and until when it is refused. The policy (how long a delay grows) is the core's.

use crate::{Db, Result, on_pool, on_tx};

/// A key's counter.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ThrottleRow {
    /// `account:<email>@<address>` or `address:<address>`.
    pub throttle_key: String,
    /// Failures counted since the counter last started over.
    pub failures: i64,
    /// Time of the last failure, unix ms.
    pub last_failure_at_ms: i64,
    /// The key is refused until this time, unix ms.
    pub blocked_until_ms: i64,
}

/// The counters of `keys` that exist.
pub async fn get(db: &Db, keys: &[&str]) -> Result<Vec<ThrottleRow>> {
    let mut rows = Vec::with_capacity(keys.len());
    for key in keys {
        let row = on_pool!(db, p => sqlx::query_as::<_, ThrottleRow>(
            "select throttle_key, failures, last_failure_at_ms, blocked_until_ms
             from login_throttle where throttle_key = $1")
            .bind(*key).fetch_optional(p).await)?;
        rows.extend(row);
    }
    Ok(rows)
}

/// Counts one failure of `key` at `now_ms` (starting over when the last failure is older than
/// `forget_before_ms`), then blocks the key until `block_until(failures)` unless it already is
/// for longer. Returns the counter after the failure.
pub async fn record_failure(
    db: &Db,
    key: &str,
    now_ms: i64,
    forget_before_ms: i64,
    block_until: impl Fn(i64) -> i64,
) -> Result<ThrottleRow> {
    let mut tx = db.begin().await?;
    let failures: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(
        "insert into login_throttle (throttle_key, failures, last_failure_at_ms, blocked_until_ms)
         values ($1, 1, $2, 0)
         on conflict (throttle_key) do update set
           failures = case when login_throttle.last_failure_at_ms < $3 then 1
                           else login_throttle.failures + 1 end,
           last_failure_at_ms = $2
         returning failures")
        .bind(key).bind(now_ms).bind(forget_before_ms).fetch_one(c).await)?;
    let until = block_until(failures);
    let row = on_tx!(&mut tx, c => sqlx::query_as::<_, ThrottleRow>(
        "update login_throttle set blocked_until_ms = case when blocked_until_ms < $2 then $2
                                                         else blocked_until_ms end
         where throttle_key = $1
         returning throttle_key, failures, last_failure_at_ms, blocked_until_ms")
        .bind(key).bind(until).fetch_one(c).await)?;
    tx.commit().await?;
    Ok(row)
}

/// Forgets `key`'s failures (after a correct password).
pub async fn clear(db: &Db, key: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, c => sqlx::query("delete from login_throttle where throttle_key = $1")
        .bind(key).execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await
}

/// Removes the counters whose last failure is older than `before_ms`; returns how many.
pub async fn sweep(db: &Db, before_ms: i64) -> Result<u64> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, c => sqlx::query("delete from login_throttle where last_failure_at_ms < $1")
        .bind(before_ms).execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(n)
}
