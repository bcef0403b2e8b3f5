//! [`Recent`]: values read a moment ago, kept for pages that are asked often and can show
//! what was true a moment ago (a tenant's name, a live code's settings). Never a store of
//! record: a value older than the time to live is read again.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Values by key, each kept for a time to live from when it was read.
#[derive(Debug)]
pub struct Recent<K, V> {
    ttl: Duration,
    map: Mutex<HashMap<K, (V, Instant)>>,
}

/// Entries at most before the expired ones are dropped.
const SWEEP_AT: usize = 10_000;

impl<K: Eq + Hash, V: Clone> Recent<K, V> {
    /// An empty map whose values live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Recent {
            ttl,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// The value of `key` if it was read less than the time to live ago.
    pub fn get(&self, key: &K) -> Option<V> {
        let map = self.map.lock().ok()?;
        map.get(key)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(v, _)| v.clone())
    }

    /// Keeps `v`, read now, for `key`.
    pub fn put(&self, key: K, v: V) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= SWEEP_AT {
                let ttl = self.ttl;
                map.retain(|_, (_, at)| at.elapsed() < ttl);
            }
            map.insert(key, (v, Instant::now()));
        }
    }

    /// Forgets `key` (its value is known to have changed).
    pub fn forget(&self, key: &K) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(key);
        }
    }

    /// Forgets every key `changed` says may have changed.
    pub fn forget_where(&self, changed: impl Fn(&K) -> bool) {
        if let Ok(mut map) = self.map.lock() {
            map.retain(|k, _| !changed(k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_kept_for_its_time_to_live_and_no_longer() {
        let r = Recent::new(Duration::from_millis(50));
        r.put("a", 1);
        assert_eq!(r.get(&"a"), Some(1));
        assert_eq!(r.get(&"b"), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(
            r.get(&"a"),
            None,
            "read again once older than its time to live"
        );
        r.put("a", 2);
        r.forget(&"a");
        assert_eq!(r.get(&"a"), None);
        r.put("a", 3);
        r.put("b", 4);
        r.forget_where(|k| *k == "b");
        assert_eq!((r.get(&"a"), r.get(&"b")), (Some(3), None));
    }
}
