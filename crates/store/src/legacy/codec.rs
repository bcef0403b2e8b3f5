//! Reading the event blocks versions before schema v10 wrote (see [`super`]): a bulk load's
//! events kept column by column, integers as LEB128 varints (signed ones zigzagged, times as
//! the difference to the row before), kinds and products through a dictionary, each key as
//! its file line and 64-bit row hash. A block is two blobs: `who` (member, group, kind and
//! time) and `data` (amount, product, key). Decoding checks every length, so a damaged blob
//! is an error, never a panic. Nothing writes this format any more.

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

fn unzig(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
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
