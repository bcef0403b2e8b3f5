//! The idempotency key of an imported file row that has none, in its two forms: the reader's
//! `import-{line}-{hash}` (line and a hash of the row's cells, so the same file loaded again
//! yields the same keys), which follows the file's order, and the sorted
//! `import.{run}.{member}.{line}.{hash}`, which puts the line's run and the event's member in
//! front so that a load that writes each run of about a million lines by member puts its keys
//! into the unique key index in that order, not at random. A store keeps the form that
//! follows its write order and looks up the other too (`store::bulk`).

use crate::MemberId;

/// Lines per run of a load (2^20): the load writes each run's events sorted by member.
pub const RUN_LINES: u64 = 1 << 20;

/// The reader's derived key of a row: its line in the file and the hash of its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowKey {
    /// 1-based line of the row in its file.
    pub line: u64,
    /// The hash of the row's columns and values.
    pub hash: u64,
}

impl RowKey {
    /// The reader's form, `import-{line}-{hash as 16 hex digits}`, if `key` is one.
    pub fn parse(key: &str) -> Option<RowKey> {
        let rest = key.strip_prefix("import-")?;
        let (line, hash) = rest.split_once('-')?;
        if line.is_empty() || !line.bytes().all(|b| b.is_ascii_digit()) || hash.len() != 16 {
            return None;
        }
        if !hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        Some(RowKey {
            line: line.parse().ok()?,
            hash: u64::from_str_radix(hash, 16).ok()?,
        })
    }

    /// The reader's form, `import-{line}-{hash}`.
    pub fn file_form(&self) -> String {
        let mut out = String::with_capacity(40);
        self.write_file_form(&mut out);
        out
    }

    /// Appends [`RowKey::file_form`] to `out`.
    pub fn write_file_form(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "import-{}-{:016x}", self.line, self.hash);
    }

    /// The run of the row's line (see [`RUN_LINES`]).
    pub fn run(&self) -> u64 {
        self.line / RUN_LINES
    }

    /// The sorted form once the row's member is known: `import.{run}.{member}.{line}.{hash}`,
    /// run and member as fixed-width hex so that the keys sort by run, then member.
    pub fn stored(&self, member: MemberId) -> String {
        format!(
            "import.{:03x}.{:012x}.{}.{:016x}",
            self.run(),
            member.0,
            self.line,
            self.hash
        )
    }
}

/// Where keys in the reader's form sort: at or after the first, before the second.
pub const FILE_FORM_RANGE: (&str, &str) = ("import-", "import.");

/// Where keys in the stored form ([`RowKey::stored`]) sort.
pub const SORTED_FORM_RANGE: (&str, &str) = ("import.", "import/");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_form_parses_back_and_nothing_else_does() {
        let k = RowKey {
            line: 1_048_577,
            hash: 0x00ab_cdef_0123_4567,
        };
        assert_eq!(k.file_form(), "import-1048577-00abcdef01234567");
        assert_eq!(RowKey::parse(&k.file_form()), Some(k));
        for bad in [
            "import--00abcdef01234567",
            "import-12-00abcdef0123456",
            "import-12-00abcdef01234567x",
            "import-1x-00abcdef01234567",
            "import-12-00ABCDEF01234567",
            "api-12-00abcdef01234567",
            "import.001.00000000002a.12.00abcdef01234567",
        ] {
            assert_eq!(RowKey::parse(bad), None, "{bad}");
        }
        let within = |k: &str, (lo, hi): (&str, &str)| lo <= k && k < hi;
        let s = k.stored(MemberId(42));
        assert!(within(&k.file_form(), FILE_FORM_RANGE));
        assert!(!within(&k.file_form(), SORTED_FORM_RANGE));
        assert!(within(&s, SORTED_FORM_RANGE), "{s}");
        assert!(!within(&s, FILE_FORM_RANGE), "{s}");
    }

    #[test]
    fn a_stored_key_is_a_valid_api_key() {
        let s = RowKey {
            line: u64::from(u32::MAX),
            hash: u64::MAX,
        }
        .stored(MemberId(i64::MAX));
        let mut errors = crate::Invalid::default();
        assert_eq!(crate::text::key(&mut errors, "k", &s, 128), Some(s.clone()));
    }

    #[test]
    fn stored_keys_sort_by_run_then_member() {
        let at = |line, member| {
            RowKey {
                line,
                hash: u64::MAX - line,
            }
            .stored(MemberId(member))
        };
        assert_eq!(
            at(1_048_577, 42),
            "import.001.00000000002a.1048577.ffffffffffeffffe"
        );
        assert!(at(5, 9) < at(3, 10));
        assert!(at(3, 10) < at(RUN_LINES, 1));
        assert!(at(RUN_LINES - 1, 1 << 40) < at(RUN_LINES + 7, 2));
    }
}
