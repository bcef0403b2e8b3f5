//! The idempotency key of an events row that has none: `import-<line>-<hash>`, the hash an
//! FNV-1a of the row's columns and values.
//! The load stores it in its sorted form ([`quanzi_domain::event::row_key`]).

use quanzi_domain::event::row_key::RowKey;

use crate::import::{ERROR_COLUMN, Row};

/// The idempotency key of a row without one: `import-<line>-<16 hex digits>`, a hash of the
/// row's columns and values. The same file imported again yields the same keys.
pub fn derived_key(row: &Row) -> String {
    derived_row_key(row).file_form()
}

/// The derived key of a row without one, before it is written out ([`derived_key`]).
pub fn derived_row_key(row: &Row) -> RowKey {
    RowKey {
        line: row.line as u64,
        hash: derived_hash(row.pairs()),
    }
}

/// The row hash in [`derived_key`]: FNV-1a over each `(header, trimmed value)` pair but the
/// error column's.
fn derived_hash<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> u64 {
    let mut h = FNV_OFFSET;
    for (name, v) in pairs {
        if name.eq_ignore_ascii_case(ERROR_COLUMN) {
            continue;
        }
        for part in [name.as_bytes(), b"\x1f", v.trim().as_bytes(), b"\x1e"] {
            for &b in part {
                h ^= u64::from(b);
                h = h.wrapping_mul(FNV_PRIME);
            }
        }
    }
    h
}

/// FNV-1a's offset basis and prime, as [`derived_hash`] uses them.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn row(line: usize, h: &[&str], v: &[&str]) -> Row {
        let headers: Arc<[String]> = h.iter().map(|s| s.to_string()).collect::<Vec<_>>().into();
        Row::new(line, headers, v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn a_derived_key_is_the_fnv_hash_of_the_rows_pairs_without_the_error_column() {
        let r = row(5, &["kind", "error", "member_id"], &["join", "x", " 7 "]);
        let parts: [&[u8]; 8] = [
            b"kind",
            b"\x1f",
            b"join",
            b"\x1e",
            b"member_id",
            b"\x1f",
            b"7",
            b"\x1e",
        ];
        assert_eq!(
            derived_key(&r),
            format!("import-5-{:016x}", crate::convert::fnv1a64(&parts))
        );
    }
}
