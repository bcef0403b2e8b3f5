//! A job to put on the durable queue: what runs it, its input, when, and how it retries.

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// What runs it, e.g. `wecom.event`.
    pub kind: String,
    /// Its input, JSON.
    pub payload: serde_json::Value,
    /// Not before this time, unix ms.
    pub run_at_ms: i64,
    /// Tries before it is dead.
    pub max_attempts: i64,
    /// Base of the exponential backoff between tries, ms.
    pub backoff_ms: i64,
    /// At most one pending or running job per tenant holds this key (a second is dropped).
    pub singleton_key: Option<String>,
}

impl NewJob {
    /// A job of `kind` due at `now_ms`, 8 tries, backoff from 1 s.
    pub fn new(kind: &str, payload: serde_json::Value, now_ms: i64) -> Self {
        NewJob {
            kind: kind.to_string(),
            payload,
            run_at_ms: now_ms,
            max_attempts: 8,
            backoff_ms: 1_000,
            singleton_key: None,
        }
    }
}
