//! Reads the shared benchmark's event CSV (`tenant_id,member_id,group_id,kind,ts,amount,
//! product_id`) straight into an index: for the equality test against DuckDB and for the
//! kernel benchmark, which compare Quanzi's kernels with DuckDB on exactly the same rows.

use std::io::BufRead;

use crate::index::{EventIndex, IndexRow};

/// A line of the file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: u64,
    /// What was wrong.
    pub reason: String,
}

impl std::fmt::Display for BadLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for BadLine {}

/// Parses `"12.34"` yuan into fen without going through floating point.
pub fn yuan_to_fen(s: &str) -> Option<i64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 2 || int.is_empty() {
        return None;
    }
    let i: i64 = int.parse().ok()?;
    let f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let f = if frac.len() == 1 { f * 10 } else { f };
    Some(i * 100 + f)
}

/// Loads every row of the file into `ix` (event ids are line numbers; `product_id` 0 and
/// `group_id` 0 mean none). Returns the rows read.
pub fn load(reader: impl BufRead, ix: &mut EventIndex) -> Result<u64, BadLine> {
    let mut n = 0u64;
    for (i, line) in reader.lines().enumerate() {
        let lineno = i as u64 + 1;
        let bad = |reason: &str| BadLine {
            line: lineno,
            reason: reason.to_string(),
        };
        let line = line.map_err(|e| bad(&e.to_string()))?;
        if i == 0 {
            if !line.contains("member_id") {
                return Err(bad(
                    "expected the header tenant_id,member_id,group_id,kind,ts,amount,product_id",
                ));
            }
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 7 {
            return Err(bad("expected 7 columns"));
        }
        let int = |s: &str, what: &str| s.parse::<i64>().map_err(|_| bad(what));
        let member = int(f[1], "member_id is not a number")?;
        let group = int(f[2], "group_id is not a number")?;
        let ts = int(f[4], "ts is not a number")?;
        let amount = yuan_to_fen(f[5]).ok_or_else(|| bad("amount is not yuan with 2 decimals"))?;
        let product = (f[6] != "0").then_some(f[6]);
        ix.push(&IndexRow {
            event_id: lineno as i64,
            member_id: member,
            group_id: (group != 0).then_some(group),
            kind: f[3],
            occurred_at_ms: ts * 1000,
            amount_fen: amount,
            product,
        });
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::yuan_to_fen;

    #[test]
    fn yuan_amounts_become_exact_fen() {
        assert_eq!(yuan_to_fen("30.07"), Some(3007));
        assert_eq!(yuan_to_fen("5.5"), Some(550));
        assert_eq!(yuan_to_fen("0"), Some(0));
        assert_eq!(yuan_to_fen("1.234"), None);
        assert_eq!(yuan_to_fen("x"), None);
    }
}
