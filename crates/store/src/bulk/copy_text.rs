//! COPY text: the fields of `COPY … FROM STDIN` in text format, and sending it in messages.

use sqlx::postgres::PgConnection;

use crate::Result;

/// Bytes of COPY data per message.
pub(super) const COPY_CHUNK: usize = 1 << 20;

/// Appends `s` as a COPY text field.
pub(super) fn field(buf: &mut Vec<u8>, s: &str) {
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

/// Appends an optional text as a COPY text field (`\N` for none).
pub(super) fn text(buf: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => field(buf, s),
        None => buf.extend_from_slice(b"\\N"),
    }
}

/// Appends an optional number as a COPY text field.
pub(super) fn number(buf: &mut Vec<u8>, n: Option<i64>) {
    match n {
        Some(n) => buf.extend_from_slice(n.to_string().as_bytes()),
        None => buf.extend_from_slice(b"\\N"),
    }
}

/// Sends `data` with `COPY … FROM STDIN` (`statement`), in messages of [`COPY_CHUNK`] bytes.
pub(super) async fn copy(c: &mut PgConnection, statement: &str, data: &[u8]) -> Result<()> {
    copy_pieces(c, statement, data.chunks(COPY_CHUNK)).await
}

/// Sends `pieces`, one message each, with `COPY … FROM STDIN` (`statement`); nothing when
/// there are none. A failed send aborts the COPY.
pub(super) async fn copy_pieces<P: std::ops::Deref<Target = [u8]>>(
    c: &mut PgConnection,
    statement: &str,
    mut pieces: impl Iterator<Item = P>,
) -> Result<()> {
    let Some(first) = pieces.next() else {
        return Ok(());
    };
    let mut w = c.copy_in_raw(statement).await?;
    for p in std::iter::once(first).chain(pieces) {
        if let Err(e) = w.send(p).await {
            let _ = w.abort("the bulk load stopped").await;
            return Err(e.into());
        }
    }
    w.finish().await?;
    Ok(())
}
