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
