//! COPY text: the fields of `COPY … FROM STDIN` in text format, and sending it in messages.

use sqlx::postgres::PgConnection;

use crate::Result;

/// Bytes of COPY data per message.
pub(super) const COPY_CHUNK: usize = 1 << 20;

/// One row of COPY text being appended to a buffer: each field after the first is preceded
/// by a tab, and [`CopyRow::end`] closes the row with a newline.
pub(super) struct CopyRow<'a> {
    buf: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> CopyRow<'a> {
    /// Starts a row at the end of `buf`.
    pub(super) fn start(buf: &'a mut Vec<u8>) -> Self {
        CopyRow { buf, first: true }
    }

    fn next(&mut self) -> &mut Vec<u8> {
        if !std::mem::take(&mut self.first) {
            self.buf.push(b'\t');
        }
        self.buf
    }

    /// A text field, escaped.
    pub(super) fn field(mut self, s: &str) -> Self {
        escape(self.next(), s);
        self
    }

    /// An optional text field (`\N` for none).
    pub(super) fn text(mut self, s: Option<&str>) -> Self {
        match s {
            Some(s) => escape(self.next(), s),
            None => self.next().extend_from_slice(b"\\N"),
        }
        self
    }

    /// An optional number field (`\N` for none), written without an allocation.
    pub(super) fn number(mut self, n: Option<i64>) -> Self {
        match n {
            Some(n) => {
                let mut digits = itoa::Buffer::new();
                self.next().extend_from_slice(digits.format(n).as_bytes());
            }
            None => self.next().extend_from_slice(b"\\N"),
        }
        self
    }

    /// A number field.
    pub(super) fn int(self, n: i64) -> Self {
        self.number(Some(n))
    }

    /// Closes the row.
    pub(super) fn end(self) {
        self.buf.push(b'\n');
    }
}

/// Appends `s` escaped for COPY text.
fn escape(buf: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
}

/// Sends `data` with `COPY … FROM STDIN` (`statement`), in messages of [`COPY_CHUNK`] bytes.
pub(super) async fn copy(c: &mut PgConnection, statement: &str, data: &[u8]) -> Result<()> {
    let mut chunks = data.chunks(COPY_CHUNK);
    copy_filled(c, statement, |piece| {
        if let Some(chunk) = chunks.next() {
            piece.extend_from_slice(chunk);
        }
    })
    .await
}

/// Sends with `COPY … FROM STDIN` (`statement`) the pieces `fill` writes, one message each,
/// until it leaves the (emptied) buffer empty; nothing when the first piece is empty. One
/// buffer serves every piece. A failed send aborts the COPY.
pub(super) async fn copy_filled(
    c: &mut PgConnection,
    statement: &str,
    mut fill: impl FnMut(&mut Vec<u8>),
) -> Result<()> {
    let mut piece = Vec::with_capacity(COPY_CHUNK + (64 << 10));
    fill(&mut piece);
    if piece.is_empty() {
        return Ok(());
    }
    let mut w = c.copy_in_raw(statement).await?;
    while !piece.is_empty() {
        if let Err(e) = w.send(piece.as_slice()).await {
            let _ = w.abort("the bulk load stopped").await;
            return Err(e.into());
        }
        piece.clear();
        fill(&mut piece);
    }
    w.finish().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_separates_fields_by_tabs_escapes_text_and_writes_nulls() {
        let mut buf = b"before\n".to_vec();
        CopyRow::start(&mut buf)
            .int(-42)
            .field("a\tb\\c\nd\re")
            .text(None)
            .number(None)
            .text(Some("x"))
            .end();
        assert_eq!(buf, b"before\n-42\ta\\tb\\\\c\\nd\\re\t\\N\t\\N\tx\n");
    }
}
