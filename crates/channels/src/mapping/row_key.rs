//! The idempotency key of an events row that has none: `import-<line>-<hash>`, the hash an
//! FNV-1a of the row's columns and values, and [`RowHasher`], the same hash for the bulk path.
//! The load stores it in its sorted form ([`quanzi_domain::event::row_key`]).

use quanzi_domain::event::row_key::RowKey;

use crate::convert::trim_cell;
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

/// Appends [`derived_key`] of the row on `line` with these `(header, value)` pairs to `out`,
/// without a buffer per row (the bulk import's hot path): the 64-bit FNV-1a
/// ([`crate::convert::fnv1a64`]) of every `header 0x1f trimmed-value 0x1e` but the `error` column's.
pub fn write_derived_key<'a>(
    out: &mut String,
    line: usize,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    RowKey {
        line: line as u64,
        hash: derived_hash(pairs),
    }
    .write_file_form(out);
}

/// The row hash in [`derived_key`]: FNV-1a over each `(header, trimmed value)` pair but the
/// error column's.
pub fn derived_hash<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> u64 {
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

/// The FNV-1a steps of a fixed byte string, made one step: for any state `h`, hashing the
/// string on from `h` gives `mul·h + add[h mod 256]`. A step xors a byte into the low eight
/// bits alone, which is adding a difference that depends on those bits alone, and the low
/// eight bits of a product depend on the factors' low eight bits alone; so the string's
/// steps are a multiply by `prime^len` plus a term that depends on the low byte only.
#[derive(Debug, Clone)]
struct Leap {
    mul: u64,
    add: Box<[u64; 256]>,
}

impl Leap {
    fn over(bytes: &[u8]) -> Leap {
        let mul = bytes.iter().fold(1u64, |m, _| m.wrapping_mul(FNV_PRIME));
        let mut add = Box::new([0u64; 256]);
        for (low, slot) in add.iter_mut().enumerate() {
            let h = bytes.iter().fold(low as u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
            });
            *slot = h.wrapping_sub(mul.wrapping_mul(low as u64));
        }
        Leap { mul, add }
    }

    fn apply(&self, h: u64) -> u64 {
        self.mul
            .wrapping_mul(h)
            .wrapping_add(self.add[(h & 0xff) as usize])
    }
}

/// [`derived_hash`] for the rows of one header, with the header's bytes hashed once: each
/// run of fixed bytes between two values (`0x1e`, the next name, `0x1f`) is one `Leap`, so
/// a row costs its values' bytes. Equal to [`derived_hash`] of the same pairs.
#[derive(Debug, Clone)]
pub struct RowHasher {
    /// Per header column: the leap before its value, `None` for the error column.
    before: Vec<Option<Leap>>,
}

impl RowHasher {
    /// The hasher of rows under `headers`.
    pub fn new(headers: &[String]) -> RowHasher {
        let mut first = true;
        let before = headers
            .iter()
            .map(|name| {
                if name.eq_ignore_ascii_case(ERROR_COLUMN) {
                    return None;
                }
                let mut fixed = Vec::with_capacity(name.len() + 2);
                if !first {
                    fixed.push(0x1e);
                }
                first = false;
                fixed.extend_from_slice(name.as_bytes());
                fixed.push(0x1f);
                Some(Leap::over(&fixed))
            })
            .collect();
        RowHasher { before }
    }

    /// [`derived_hash`] of the pairs of the header and `values`, zipped (as many as the
    /// shorter has).
    pub fn hash<'a>(&self, values: impl IntoIterator<Item = &'a str>) -> u64 {
        let mut n = 0;
        let h = self
            .before
            .iter()
            .zip(values)
            .fold(ROW_HASH_START, |h, (_, v)| {
                n += 1;
                self.step(h, n - 1, v)
            });
        self.end(h, n)
    }

    /// Hashes the value of column `i` into `h` (from [`ROW_HASH_START`], columns in order);
    /// the error column, or one past the header, leaves `h` as it is.
    pub fn step(&self, h: u64, i: usize, value: &str) -> u64 {
        let Some(Some(leap)) = self.before.get(i) else {
            return h;
        };
        trim_cell(value).bytes().fold(leap.apply(h), |h, b| {
            (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
        })
    }

    /// The row hash once its first `n` columns were stepped.
    pub fn end(&self, h: u64, n: usize) -> u64 {
        let any = self.before.iter().take(n).any(Option::is_some);
        if any {
            (h ^ 0x1e).wrapping_mul(FNV_PRIME)
        } else {
            h
        }
    }
}

/// The state of [`RowHasher::step`] before the first column.
pub const ROW_HASH_START: u64 = FNV_OFFSET;

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

    #[test]
    fn the_row_hasher_is_the_derived_hash_of_a_known_row() {
        let h: Vec<String> = ["tenant_id", "member_id", "Error", "kind"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let values = ["2", " 919839 ", "bad", "join"];
        let pairs = h.iter().map(String::as_str).zip(values);
        assert_eq!(RowHasher::new(&h).hash(values), derived_hash(pairs));
        // No column at all, or only the error column: the offset basis.
        assert_eq!(RowHasher::new(&[]).hash([]), derived_hash([]));
        let only_error = vec!["error".to_string()];
        assert_eq!(
            RowHasher::new(&only_error).hash(["x"]),
            0xcbf2_9ce4_8422_2325
        );
    }

    proptest::proptest! {
        #[test]
        fn the_row_hasher_equals_the_derived_hash_of_any_row(
            names in proptest::collection::vec("[a-zA-Z_\\x1e\\x1f é]{0,12}|error|ERROR", 0..8),
            values in proptest::collection::vec("[ -~\\u{3000}\\u{a0}\\x1e\\x1f茶]{0,16}", 0..10),
        ) {
            let pairs = names.iter().map(String::as_str).zip(values.iter().map(String::as_str));
            let expected = derived_hash(pairs);
            proptest::prop_assert_eq!(
                RowHasher::new(&names).hash(values.iter().map(String::as_str)),
                expected
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn a_cell_trims_as_str_trim(s in "[ \\t\\x0b\\x0c\\r\\n\\u{a0}\\u{3000}a-z0-9é]{0,8}") {
            proptest::prop_assert_eq!(trim_cell(&s), s.trim());
        }
    }
}
