//! Keyset cursors: a page's `next_cursor` is the sort key of its last item — every column of
//! the listing's ORDER BY, e.g. a timeline's (time, id) — so the next page starts strictly
//! after it on the index, and equal times neither repeat nor skip a row.

use quanzi_domain::Invalid;

use crate::{MAX_PAGE, Result};

/// The opaque cursor of a sort key: its numbers joined by `.`.
pub fn keyset_cursor(key: &[i64]) -> String {
    key.iter().map(i64::to_string).collect::<Vec<_>>().join(".")
}

/// The sort key of a cursor this API returned for a listing whose key has `N` numbers; a
/// cursor of any other shape is a 422 on `cursor`.
pub fn parse_keyset<const N: usize>(cursor: Option<&str>) -> Result<Option<[i64; N]>> {
    let Some(c) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let bad = || Invalid::one("cursor", "is not a cursor this API returned");
    let parts: Vec<i64> = c
        .split('.')
        .map(|p| {
            // Only the digits (and sign) a cursor is written with: `+1` or ` 1` was not made here.
            let written = p
                .bytes()
                .enumerate()
                .all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-'));
            p.parse::<i64>().ok().filter(|_| written).ok_or_else(bad)
        })
        .collect::<std::result::Result<_, _>>()?;
    let key: [i64; N] = parts.try_into().map_err(|_| bad())?;
    Ok(Some(key))
}

/// Parses a page size: default 50, 1..=[`MAX_PAGE`].
pub fn page_limit(limit: Option<i64>) -> Result<i64> {
    let limit = limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Invalid::one("limit", format!("must be between 1 and {MAX_PAGE}")).into());
    }
    Ok(limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_the_key_it_was_made_of() {
        let c = keyset_cursor(&[1_735_689_600_000, 42]);
        assert_eq!(
            parse_keyset::<2>(Some(&c)).unwrap_or_else(|e| panic!("{e}")),
            Some([1_735_689_600_000, 42])
        );
        assert_eq!(
            parse_keyset::<1>(None).unwrap_or_else(|e| panic!("{e}")),
            None
        );
    }

    #[test]
    fn a_cursor_of_another_listing_or_garbage_is_refused_on_the_cursor_field() {
        for bad in ["12", "1.2.3", "x.1", "1.", ".", "+1.2", " 1.2"] {
            let e = parse_keyset::<2>(Some(bad)).err();
            assert!(
                matches!(&e, Some(crate::CoreError::Invalid(i)) if i.0[0].field == "cursor"),
                "{bad}: {e:?}"
            );
        }
    }
}
