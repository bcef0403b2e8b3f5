//! The byte format of an event block: a bulk load's events kept column by column, integers
//! as LEB128 varints (signed ones zigzagged, times as the difference to the row before),
//! kinds and products through a dictionary, each key as its file line and 64-bit row hash.
//!
//! A block is two blobs: `who` (member, group, kind and time: what a listing filters and
//! orders by, read alone) and `data` (amount, product, key), and a Bloom filter of its
//! members that tells a member's listing which blocks to open. Decoding checks every length,
//! so a damaged blob is an error, never a panic.

use crate::{Result, StoreError};

/// The first byte of both blobs: the format's version.
const VERSION: u8 = 1;

/// A block's events, column by column; row `i` is event `first_event_id + i`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    /// Member ids.
    pub members: Vec<i64>,
    /// Group ids, 0 for none.
    pub groups: Vec<i64>,
    /// Indexes into `kind_names`.
    pub kinds: Vec<u32>,
    /// The block's kind names.
    pub kind_names: Vec<String>,
    /// Unix ms.
    pub at_ms: Vec<i64>,
    /// Money in fen.
    pub amounts: Vec<Option<i64>>,
    /// 1 + an index into `product_names`, 0 for none.
    pub products: Vec<u32>,
    /// The block's products.
    pub product_names: Vec<String>,
    /// The file line in each row's key.
    pub lines: Vec<u64>,
    /// The row hash in each row's key.
    pub hashes: Vec<u64>,
}

impl Columns {
    /// Rows.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The idempotency key of row `i`.
    pub fn key(&self, i: usize) -> String {
        key(self.lines[i], self.hashes[i])
    }

    /// The product of row `i`.
    pub fn product(&self, i: usize) -> Option<&str> {
        let p = self.products[i] as usize;
        (p > 0).then(|| self.product_names.get(p - 1).map(String::as_str))?
    }

    /// The kind of row `i`.
    pub fn kind(&self, i: usize) -> &str {
        kind_of(&self.kind_names, &self.kinds, i)
    }
}

/// The name of row `i`'s kind.
fn kind_of<'a>(names: &'a [String], kinds: &[u32], i: usize) -> &'a str {
    names
        .get(kinds[i] as usize)
        .map(String::as_str)
        .unwrap_or_default()
}

/// A file-derived idempotency key as `import-{line}-{hash as 16 hex digits}`.
pub fn key(line: u64, hash: u64) -> String {
    format!("import-{line}-{hash:016x}")
}

/// The line and hash of a file-derived key; `None` for any other key.
pub fn parse_key(k: &str) -> Option<(u64, u64)> {
    let rest = k.strip_prefix("import-")?;
    let (line, hash) = rest.split_once('-')?;
    if hash.len() != 16 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let l: u64 = line.parse().ok()?;
    (l.to_string() == line).then_some((l, u64::from_str_radix(hash, 16).ok()?))
}

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zig(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzig(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Appends one column as its byte length and bytes.
fn section(out: &mut Vec<u8>, body: &[u8]) {
    put(out, body.len() as u64);
    out.extend_from_slice(body);
}

/// The `who` blob of these columns.
fn who_blob(
    members: &[i64],
    groups: &[i64],
    kind_names: &[String],
    kinds: &[u32],
    at_ms: &[i64],
) -> Vec<u8> {
    let mut who = vec![VERSION];
    put(&mut who, members.len() as u64);
    let mut col = Vec::with_capacity(members.len() * 4);
    members.iter().for_each(|m| put(&mut col, zig(*m)));
    section(&mut who, &col);
    col.clear();
    groups.iter().for_each(|g| put(&mut col, zig(*g)));
    section(&mut who, &col);
    put(&mut who, kind_names.len() as u64);
    kind_names.iter().for_each(|s| put_str(&mut who, s));
    col.clear();
    kinds.iter().for_each(|k| put(&mut col, u64::from(*k)));
    section(&mut who, &col);
    col.clear();
    let mut prev = 0i64;
    for t in at_ms {
        put(&mut col, zig(t.wrapping_sub(prev)));
        prev = *t;
    }
    section(&mut who, &col);
    who
}

/// The two blobs of `c`: `(who, data)`.
pub fn encode(c: &Columns) -> (Vec<u8>, Vec<u8>) {
    let n = c.len();
    let who = who_blob(&c.members, &c.groups, &c.kind_names, &c.kinds, &c.at_ms);
    let mut col = Vec::with_capacity(n * 4);
    let mut data = vec![VERSION];
    put(&mut data, n as u64);
    put(&mut data, c.product_names.len() as u64);
    c.product_names.iter().for_each(|s| put_str(&mut data, s));
    col.clear();
    for a in &c.amounts {
        put(&mut col, a.map_or(0, |a| zig(a).wrapping_add(1)));
    }
    section(&mut data, &col);
    col.clear();
    c.products.iter().for_each(|p| put(&mut col, u64::from(*p)));
    section(&mut data, &col);
    col.clear();
    let mut prev = 0u64;
    for l in &c.lines {
        put(&mut col, zig(l.wrapping_sub(prev) as i64));
        prev = *l;
    }
    section(&mut data, &col);
    col.clear();
    c.hashes
        .iter()
        .for_each(|h| col.extend_from_slice(&h.to_le_bytes()));
    section(&mut data, &col);
    (who, data)
}

fn damaged(what: &str) -> StoreError {
    StoreError::Commit(format!("a stored event block is damaged ({what})"))
}

/// A cursor over a blob.
struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    fn var(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self
                .b
                .split_first()
                .ok_or_else(|| damaged("short varint"))?;
            self.b = rest;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(damaged("long varint"))
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.b.len() {
            return Err(damaged("short section"));
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(head)
    }

    fn section(&mut self) -> Result<Reader<'a>> {
        let n = self.var()? as usize;
        Ok(Reader { b: self.bytes(n)? })
    }

    fn string(&mut self) -> Result<String> {
        let n = self.var()? as usize;
        String::from_utf8(self.bytes(n)?.to_vec()).map_err(|_| damaged("text"))
    }

    /// `n` varints, each mapped by `f`; the section must hold exactly those.
    fn column<T>(mut self, n: usize, mut f: impl FnMut(u64) -> Result<T>) -> Result<Vec<T>> {
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(f(self.var()?)?);
        }
        if !self.b.is_empty() {
            return Err(damaged("long section"));
        }
        Ok(v)
    }
}

/// Opens a blob: checks the version and answers the row count and the rest.
fn open(blob: &[u8]) -> Result<(usize, Reader<'_>)> {
    let (&v, rest) = blob.split_first().ok_or_else(|| damaged("empty"))?;
    if v != VERSION {
        return Err(damaged("unknown version"));
    }
    let mut r = Reader { b: rest };
    let n = r.var()? as usize;
    // Every row takes at least a byte of each column: a count beyond that is damage.
    if n > blob.len() {
        return Err(damaged("row count"));
    }
    Ok((n, r))
}

/// The columns of a `who` blob.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Who {
    /// Member ids.
    pub members: Vec<i64>,
    /// Group ids, 0 for none.
    pub groups: Vec<i64>,
    /// Indexes into `kind_names`.
    pub kinds: Vec<u32>,
    /// The block's kind names.
    pub kind_names: Vec<String>,
    /// Unix ms.
    pub at_ms: Vec<i64>,
}

impl Who {
    /// The kind of row `i`.
    pub fn kind(&self, i: usize) -> &str {
        kind_of(&self.kind_names, &self.kinds, i)
    }

    /// The `who` blob of these columns.
    pub fn encode(&self) -> Vec<u8> {
        who_blob(
            &self.members,
            &self.groups,
            &self.kind_names,
            &self.kinds,
            &self.at_ms,
        )
    }
}

/// A dictionary of at most as many names as the blob has bytes.
fn names(r: &mut Reader<'_>, blob: &[u8]) -> Result<Vec<String>> {
    let k = r.var()? as usize;
    if k > blob.len() {
        return Err(damaged("dictionary"));
    }
    (0..k).map(|_| r.string()).collect()
}

/// An index into a dictionary of `len` entries.
fn index(v: u64, len: usize) -> Result<u32> {
    u32::try_from(v)
        .ok()
        .filter(|i| (*i as usize) < len)
        .ok_or_else(|| damaged("dictionary index"))
}

/// The columns of a `who` blob.
pub fn decode_who(who: &[u8]) -> Result<Who> {
    let (n, mut r) = open(who)?;
    let members = r.section()?.column(n, |v| Ok(unzig(v)))?;
    let groups = r.section()?.column(n, |v| Ok(unzig(v)))?;
    let kind_names = names(&mut r, who)?;
    let kinds = r.section()?.column(n, |v| index(v, kind_names.len()))?;
    let mut prev = 0i64;
    let at_ms = r.section()?.column(n, |v| {
        prev = prev.wrapping_add(unzig(v));
        Ok(prev)
    })?;
    Ok(Who {
        members,
        groups,
        kinds,
        kind_names,
        at_ms,
    })
}

/// The key columns (file lines, row hashes) of `n` rows, the last two sections of `data`.
fn keys_at(r: &mut Reader<'_>, n: usize) -> Result<(Vec<u64>, Vec<u64>)> {
    let mut prev = 0u64;
    let lines = r.section()?.column(n, |v| {
        prev = prev.wrapping_add(unzig(v) as u64);
        Ok(prev)
    })?;
    let raw = r.section()?.bytes(n * 8)?;
    let hashes = raw
        .chunks_exact(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            u64::from_le_bytes(b)
        })
        .collect();
    Ok((lines, hashes))
}

/// The keys of a `data` blob as (file line, row hash), without its other columns.
pub fn decode_keys(data: &[u8]) -> Result<Vec<(u64, u64)>> {
    let (n, mut r) = open(data)?;
    names(&mut r, data)?;
    r.section()?; // amounts
    r.section()?; // products
    let (lines, hashes) = keys_at(&mut r, n)?;
    Ok(lines.into_iter().zip(hashes).collect())
}

/// Both blobs as columns.
pub fn decode(who: &[u8], data: &[u8]) -> Result<Columns> {
    let Who {
        members,
        groups,
        kinds,
        kind_names,
        at_ms,
    } = decode_who(who)?;
    let (n, mut r) = open(data)?;
    if n != members.len() {
        return Err(damaged("row counts differ"));
    }
    let product_names = names(&mut r, data)?;
    let amounts = r
        .section()?
        .column(n, |v| Ok((v > 0).then(|| unzig(v - 1))))?;
    let products = r
        .section()?
        .column(n, |v| index(v, product_names.len() + 1))?;
    let (lines, hashes) = keys_at(&mut r, n)?;
    Ok(Columns {
        members,
        groups,
        kinds,
        kind_names,
        at_ms,
        amounts,
        products,
        product_names,
        lines,
        hashes,
    })
}

/// Bits of the member filter per distinct member: about 1% false positives with three
/// probes.
const FILTER_BITS: usize = 10;

/// The three bit positions of `member` in a filter of `bits` bits.
fn probes(member: i64, bits: u64) -> [u64; 3] {
    let h = (member as u64 ^ 0x9e37_79b9_7f4a_7c15).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let (a, b) = (h ^ (h >> 31), (h >> 17) | 1);
    [0, 1, 2].map(|i: u64| a.wrapping_add(i.wrapping_mul(b)) % bits)
}

/// A Bloom filter of `members`: [`may_hold`] is true for each of them. Sized by rows, not
/// distinct members (a member seen twice sets the same bits; counting them would cost a
/// sort), so a block of repeat members gets fewer false positives.
pub fn member_filter(members: &[i64]) -> Vec<u8> {
    let bytes = (members.len() * FILTER_BITS).div_ceil(8).max(8);
    let mut f = vec![0u8; bytes];
    let bits = bytes as u64 * 8;
    for &m in members {
        for p in probes(m, bits) {
            f[(p / 8) as usize] |= 1 << (p % 8);
        }
    }
    f
}

/// False when the block of `filter` holds no event of `member`; true when it may.
pub fn may_hold(filter: &[u8], member: i64) -> bool {
    let bits = filter.len() as u64 * 8;
    bits == 0
        || probes(member, bits)
            .iter()
            .all(|p| filter[(p / 8) as usize] & (1 << (p % 8)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Columns {
        Columns {
            members: vec![1, 982_000, i64::MAX],
            groups: vec![0, 7, i64::MIN],
            kinds: vec![0, 1, 0],
            kind_names: vec!["message".into(), "order".into()],
            at_ms: vec![1_700_000_000_000, 1_600_000_000_000, i64::MIN],
            amounts: vec![None, Some(-5), Some(i64::MAX)],
            products: vec![0, 1, 2],
            product_names: vec!["p1".into(), "茶".into()],
            lines: vec![2, 3, u64::MAX],
            hashes: vec![0, u64::MAX, 0x0123_4567_89ab_cdef],
        }
    }

    #[test]
    fn columns_round_trip_through_the_two_blobs() -> Result<()> {
        let c = sample();
        let (who, data) = encode(&c);
        assert_eq!(decode(&who, &data)?, c);
        let w = decode_who(&who)?;
        assert_eq!(
            (&w.members, &w.groups, &w.at_ms),
            (&c.members, &c.groups, &c.at_ms)
        );
        assert_eq!((w.kind(0), w.kind(1)), ("message", "order"));
        assert_eq!(w.encode(), who);
        let keys: Vec<(u64, u64)> = c.lines.iter().copied().zip(c.hashes.clone()).collect();
        assert_eq!(decode_keys(&data)?, keys);
        assert_eq!(c.key(2), "import-18446744073709551615-0123456789abcdef");
        assert_eq!((c.product(0), c.product(2)), (None, Some("茶")));
        Ok(())
    }

    #[test]
    fn a_damaged_blob_is_an_error_not_a_panic() {
        let (who, data) = encode(&sample());
        for cut in 0..data.len() {
            assert!(decode(&who, &data[..cut]).is_err(), "cut at {cut}");
        }
        for cut in 0..who.len() {
            assert!(decode_who(&who[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = data.clone();
        bad[0] = 9;
        assert!(decode(&who, &bad).is_err());
    }

    #[test]
    fn the_member_filter_holds_every_member_and_few_others() {
        let members: Vec<i64> = (0..60_000).map(|i| i * 17 + 3).collect();
        let f = member_filter(&members);
        assert!(members.iter().all(|m| may_hold(&f, *m)));
        let strangers = (0..100_000).filter(|i| may_hold(&f, 2_000_000 + i)).count();
        assert!(strangers < 3_000, "{strangers} false positives in 100,000");
        assert!(may_hold(&[], 5));
    }

    #[test]
    fn only_file_derived_keys_parse() {
        assert_eq!(parse_key("import-12-00000000000000ff"), Some((12, 255)));
        for k in [
            "import-012-00000000000000ff",
            "import-12-ff",
            "import-12-00000000000000FF",
            "import--00000000000000ff",
            "wm-12",
        ] {
            assert_eq!(parse_key(k), None, "{k}");
        }
        assert_eq!(parse_key(&key(7, 42)), Some((7, 42)));
    }

    proptest! {
        #[test]
        fn any_columns_round_trip(rows in proptest::collection::vec(
            (any::<i64>(), any::<i64>(), 0u32..3, any::<i64>(), any::<Option<i64>>(), 0u32..3, any::<u64>(), any::<u64>()),
            0..200,
        )) {
            let mut c = Columns {
                kind_names: vec!["a".into(), "b".into(), "c".into()],
                product_names: vec!["x".into(), "y".into()],
                ..Columns::default()
            };
            for (m, g, k, t, a, p, l, h) in rows {
                c.members.push(m);
                c.groups.push(g);
                c.kinds.push(k);
                c.at_ms.push(t);
                c.amounts.push(a);
                c.products.push(p);
                c.lines.push(l);
                c.hashes.push(h);
            }
            let (who, data) = encode(&c);
            prop_assert_eq!(decode(&who, &data).ok(), Some(c));
        }
    }
}
