//! Member and group ids known to exist in their tenant, remembered per store from the answers
//! of [`existing`]: an ingest names the same members batch after batch, and looking them up
//! again cost each batch two statements of thousands of ids on the read pool, which a
//! concurrent read load keeps busy (bench/README.md).
//!
//! Only ids seen to exist are remembered, and such an answer cannot go stale: member and group
//! ids are never reused (`autoincrement`, `bigserial`), and their rows are deleted only with
//! their tenant, whose keys and sessions go with it. An id not found is looked up every time.

use std::collections::HashSet;
use std::sync::Mutex;

use quanzi_domain::TenantId;

use crate::{Db, Result, on_pool};

/// At most this many ids of each kind are remembered; past it the set starts over.
const MAX_IDS: usize = 1 << 20;
/// Ids looked up per statement.
const CHUNK: usize = 5_000;

/// What a store knows to exist.
#[derive(Debug, Default)]
pub struct Known {
    members: Mutex<HashSet<(i64, i64)>>,
    groups: Mutex<HashSet<(i64, i64)>>,
}

/// Which ids.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// Members (`member`).
    Member,
    /// Groups (`chat_group`).
    Group,
}

impl Known {
    fn set(&self, kind: Kind) -> &Mutex<HashSet<(i64, i64)>> {
        match kind {
            Kind::Member => &self.members,
            Kind::Group => &self.groups,
        }
    }

    /// Of `ids`, those known to exist in `tenant`, and the others.
    fn split(&self, kind: Kind, tenant: i64, ids: &[i64]) -> (HashSet<i64>, Vec<i64>) {
        let mut known = HashSet::with_capacity(ids.len());
        let mut unknown = Vec::new();
        match self.set(kind).lock() {
            Ok(set) => {
                for &id in ids {
                    if set.contains(&(tenant, id)) {
                        known.insert(id);
                    } else {
                        unknown.push(id);
                    }
                }
            }
            Err(_) => unknown.extend_from_slice(ids),
        }
        (known, unknown)
    }

    /// Remembers that `ids` exist in `tenant`.
    fn remember(&self, kind: Kind, tenant: i64, ids: &[i64]) {
        if let Ok(mut set) = self.set(kind).lock() {
            if set.len() + ids.len() > MAX_IDS {
                set.clear();
            }
            set.extend(ids.iter().map(|&id| (tenant, id)));
        }
    }
}

/// Of `ids`, those that are members or groups (`kind`) of the tenant: the ones remembered,
/// and the others looked up and remembered when found.
pub(crate) async fn existing(
    db: &Db,
    kind: Kind,
    tenant: TenantId,
    ids: &[i64],
) -> Result<HashSet<i64>> {
    let (mut out, unknown) = db.known().split(kind, tenant.0, ids);
    let (table, column) = match kind {
        Kind::Member => ("member", "member_id"),
        Kind::Group => ("chat_group", "group_id"),
    };
    for chunk in unknown.chunks(CHUNK) {
        let sql = format!(
            "select {column} from {table} where tenant_id = $1 and {column} in ({})",
            crate::id_list(chunk)
        );
        let got: Vec<i64> = on_pool!(db, p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(tenant.0).fetch_all(p).await)?;
        db.known().remember(kind, tenant.0, &got);
        out.extend(got);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ids_remembered_in_their_tenant_are_known() {
        let k = Known::default();
        k.remember(Kind::Member, 1, &[10, 11]);
        let (known, unknown) = k.split(Kind::Member, 1, &[10, 12, 11]);
        assert_eq!(known, HashSet::from([10, 11]));
        assert_eq!(unknown, vec![12]);
        // Another tenant, or groups, know nothing of them.
        assert_eq!(k.split(Kind::Member, 2, &[10]).1, vec![10]);
        assert_eq!(k.split(Kind::Group, 1, &[10]).1, vec![10]);
    }

    #[test]
    fn a_full_set_starts_over() {
        let k = Known::default();
        let many: Vec<i64> = (0..MAX_IDS as i64).collect();
        k.remember(Kind::Group, 1, &many);
        k.remember(Kind::Group, 1, &[-1]);
        assert_eq!(k.split(Kind::Group, 1, &[0, -1]).0, HashSet::from([-1]));
    }
}
