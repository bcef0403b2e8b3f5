//! The parts of a `multipart/form-data` body, as a browser sends a form with a file: each
//! part's name, file name, type and bytes. Only what the growth pages' two upload forms need
//! (a CSRF token and one file); the server's axum is built without its multipart feature.

/// One part of a form.
#[derive(Debug, PartialEq, Eq)]
pub struct Part<'a> {
    /// The field's name.
    pub name: String,
    /// The file's name, for a file field.
    pub filename: Option<String>,
    /// The part's `Content-Type` ("" when not given).
    pub content_type: String,
    /// Its bytes.
    pub data: &'a [u8],
}

/// A form's parts, read from its `Content-Type` (which names the boundary) and body; `None`
/// when the body is not such a form.
pub fn parts<'a>(content_type: &str, body: &'a [u8]) -> Option<Vec<Part<'a>>> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let boundary = params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
    })?;
    if boundary.is_empty() || boundary.len() > 200 {
        return None;
    }
    let delimiter = format!("--{boundary}");
    let between = format!("\r\n--{boundary}");
    let mut rest = &body[find(body, delimiter.as_bytes())? + delimiter.len()..];
    let mut out = Vec::new();
    while !rest.starts_with(b"--") {
        rest = rest.strip_prefix(b"\r\n")?;
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = std::str::from_utf8(&rest[..head_end]).ok()?;
        rest = &rest[head_end + 4..];
        let end = find(rest, between.as_bytes())?;
        let (name, filename, content_type) = head_of(head)?;
        out.push(Part {
            name,
            filename,
            content_type,
            data: &rest[..end],
        });
        rest = &rest[end + between.len()..];
        if out.len() > 20 {
            return None;
        }
    }
    Some(out)
}

/// The text of the field `name` ("" when absent or not text).
pub fn text<'a>(parts: &'a [Part<'_>], name: &str) -> &'a str {
    parts
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| std::str::from_utf8(p.data).ok())
        .unwrap_or("")
}

/// The file sent in field `name`, if one was chosen.
pub fn file<'a, 'b>(parts: &'a [Part<'b>], name: &str) -> Option<&'a Part<'b>> {
    parts
        .iter()
        .find(|p| p.name == name && p.filename.as_deref().is_some_and(|f| !f.is_empty()))
}

/// A part's name, file name and type, from its header lines.
fn head_of(head: &str) -> Option<(String, Option<String>, String)> {
    let (mut name, mut filename, mut content_type) = (None, None, String::new());
    for line in head.split("\r\n") {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if key.trim().eq_ignore_ascii_case("content-type") {
            content_type = value.trim().to_string();
        } else if key.trim().eq_ignore_ascii_case("content-disposition") {
            for param in value.split(';').skip(1) {
                let Some((k, v)) = param.split_once('=') else {
                    continue;
                };
                let v = v.trim().trim_matches('"').to_string();
                match k.trim() {
                    "name" => name = Some(v),
                    "filename" => filename = Some(v),
                    _ => {}
                }
            }
        }
    }
    Some((name?, filename, content_type))
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while let Some(i) = hay.get(from..)?.iter().position(|b| *b == first) {
        let at = from + i;
        if hay.get(at..at + needle.len())? == needle {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browsers_form_gives_its_token_and_its_file_byte_for_byte() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\ntok\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"qr.png\"\r\n\
Content-Type: image/png\r\n\r\n\x89PNG\r\n--X\x00\r\n--XyZ--\r\n";
        let p = parts("multipart/form-data; boundary=XyZ", body).unwrap_or_default();
        assert_eq!(text(&p, "_csrf"), "tok");
        let f = file(&p, "image").map(|f| (f.content_type.as_str(), f.data));
        assert_eq!(f, Some(("image/png", &b"\x89PNG\r\n--X\x00"[..])));
        assert_eq!(file(&p, "_csrf"), None);
    }

    #[test]
    fn anything_else_is_not_a_form() {
        assert_eq!(parts("application/x-www-form-urlencoded", b"a=1"), None);
        assert_eq!(parts("multipart/form-data; boundary=\"\"", b"--"), None);
        assert_eq!(
            parts("multipart/form-data; boundary=b", b"--b\r\nno end"),
            None
        );
        let none = parts("multipart/form-data; boundary=b", b"--b--\r\n").unwrap_or_default();
        assert!(none.is_empty());
    }
}
