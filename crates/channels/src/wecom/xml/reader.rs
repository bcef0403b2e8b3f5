//! The reading itself behind [`super::parse`]: one pass over the input with an explicit stack
//! (no recursion), text pieces collected on one shared vector, entity and character
//! references checked and replaced.

use std::borrow::Cow;

use super::{Element, MAX_DEPTH, MAX_ELEMENTS, XmlError};

/// One piece of an element's text: CDATA (kept whole) or character data.
struct Piece<'a> {
    text: Cow<'a, str>,
    cdata: bool,
}

/// An element still open while its content is read.
struct Frame<'a> {
    name: &'a str,
    children: Vec<Element<'a>>,
    pieces_start: usize,
}

/// What a start tag turned out to be.
enum Tag<'a> {
    Open(&'a str),
    Empty(&'a str),
}

pub(super) struct Parser<'a> {
    src: &'a str,
    pos: usize,
    elements: usize,
}

impl<'a> Parser<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        let pos = if src.starts_with('\u{feff}') { 3 } else { 0 };
        Self {
            src,
            pos,
            elements: 0,
        }
    }

    fn err<T>(&self, reason: &'static str) -> Result<T, XmlError> {
        Err(XmlError::Malformed {
            at: self.pos,
            reason,
        })
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        self.pos += rest.len() - trimmed.len();
    }

    /// Skips up to and including `end`; the content before it is returned.
    fn take_until(&mut self, end: &str, reason: &'static str) -> Result<&'a str, XmlError> {
        let rest = self.rest();
        let Some(i) = rest.find(end) else {
            return self.err(reason);
        };
        self.pos += i + end.len();
        Ok(&rest[..i])
    }

    /// Skips whitespace, comments and processing instructions (outside the root element).
    fn misc(&mut self) -> Result<(), XmlError> {
        loop {
            self.skip_ws();
            let rest = self.rest();
            if rest.starts_with("<!--") {
                self.pos += 4;
                self.take_until("-->", "unterminated comment")?;
            } else if rest.starts_with("<?") {
                self.take_until("?>", "unterminated processing instruction")?;
            } else if rest.starts_with("<!") {
                return self.err("DOCTYPE and other declarations are not accepted");
            } else {
                return Ok(());
            }
        }
    }

    pub(super) fn document(mut self) -> Result<Element<'a>, XmlError> {
        self.misc()?;
        if !self.rest().starts_with('<') {
            return self.err("expected the root element");
        }
        let root = self.root()?;
        self.misc()?;
        if !self.rest().is_empty() {
            return self.err("content after the root element");
        }
        Ok(root)
    }

    fn root(&mut self) -> Result<Element<'a>, XmlError> {
        let mut stack: Vec<Frame<'a>> = Vec::new();
        let mut pieces: Vec<Piece<'a>> = Vec::new();
        match self.start_tag()? {
            Tag::Empty(name) => return Ok(leaf(name)),
            Tag::Open(name) => stack.push(Frame {
                name,
                children: Vec::new(),
                pieces_start: 0,
            }),
        }
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                return self.err("unclosed element");
            } else if let Some(body) = rest.strip_prefix("<![CDATA[") {
                let Some(end) = body.find("]]>") else {
                    return self.err("unterminated CDATA section");
                };
                pieces.push(Piece {
                    text: Cow::Borrowed(&body[..end]),
                    cdata: true,
                });
                self.pos += "<![CDATA[".len() + end + 3;
            } else if rest.starts_with("<!--") {
                self.pos += 4;
                self.take_until("-->", "unterminated comment")?;
            } else if rest.starts_with("</") {
                self.pos += 2;
                let name = self.name()?;
                self.skip_ws();
                if !self.rest().starts_with('>') {
                    return self.err("expected `>` after the end tag name");
                }
                self.pos += 1;
                let Some(frame) = stack.pop() else {
                    return self.err("end tag without a start tag");
                };
                if frame.name != name {
                    return self.err("end tag does not match the start tag");
                }
                let element = close(frame, &mut pieces);
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Ok(element),
                }
            } else if rest.starts_with("<?") || rest.starts_with("<!") {
                return self.err("declarations and processing instructions are not accepted here");
            } else if rest.starts_with('<') {
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                let tag = self.start_tag()?;
                let Some(parent) = stack.last_mut() else {
                    return self.err("element outside the root");
                };
                match tag {
                    Tag::Empty(name) => parent.children.push(leaf(name)),
                    Tag::Open(name) => stack.push(Frame {
                        name,
                        children: Vec::new(),
                        pieces_start: pieces.len(),
                    }),
                }
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                let text = unescape(&rest[..end]).map_err(|offset| XmlError::Malformed {
                    at: self.pos + offset,
                    reason: "bad entity or character reference",
                })?;
                pieces.push(Piece { text, cdata: false });
                self.pos += end;
            }
        }
    }

    /// Reads `<name attr="v" ...>` or `<name/>`; the cursor is on `<`.
    fn start_tag(&mut self) -> Result<Tag<'a>, XmlError> {
        self.elements += 1;
        if self.elements > MAX_ELEMENTS {
            return Err(XmlError::TooManyElements);
        }
        self.pos += 1;
        let name = self.name()?;
        loop {
            let before = self.pos;
            self.skip_ws();
            let rest = self.rest();
            if rest.starts_with("/>") {
                self.pos += 2;
                return Ok(Tag::Empty(name));
            } else if rest.starts_with('>') {
                self.pos += 1;
                return Ok(Tag::Open(name));
            } else if self.pos == before {
                return self.err("expected whitespace, `>` or `/>` in a start tag");
            }
            self.attribute()?;
        }
    }

    /// Reads and discards one `name="value"` (or single-quoted) attribute.
    fn attribute(&mut self) -> Result<(), XmlError> {
        self.name()?;
        self.skip_ws();
        if !self.rest().starts_with('=') {
            return self.err("expected `=` after an attribute name");
        }
        self.pos += 1;
        self.skip_ws();
        let quote = match self.rest().as_bytes().first() {
            Some(b'"') => "\"",
            Some(b'\'') => "'",
            _ => return self.err("expected a quoted attribute value"),
        };
        self.pos += 1;
        let value = self.take_until(quote, "unterminated attribute value")?;
        if value.contains('<') {
            return self.err("`<` inside an attribute value");
        }
        unescape(value).map_err(|_| XmlError::Malformed {
            at: self.pos,
            reason: "bad entity or character reference in an attribute",
        })?;
        Ok(())
    }

    /// Reads a tag or attribute name.
    fn name(&mut self) -> Result<&'a str, XmlError> {
        let rest = self.rest();
        let end = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        let name = &rest[..end];
        match name.chars().next() {
            None => self.err("expected a name"),
            Some(c) if c.is_ascii_digit() || c == '-' || c == '.' => {
                self.err("a name cannot start with a digit, `-` or `.`")
            }
            Some(_) => {
                self.pos += end;
                Ok(name)
            }
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':') || !c.is_ascii()
}

fn leaf(name: &str) -> Element<'_> {
    Element {
        name,
        text: Cow::Borrowed(""),
        children: Vec::new(),
    }
}

/// Closes a frame into an element, joining the text pieces it collected (borrowed when there
/// is one piece and no entity, as for nearly every WeCom field).
fn close<'a>(frame: Frame<'a>, pieces: &mut Vec<Piece<'a>>) -> Element<'a> {
    let start = frame.pieces_start.min(pieces.len());
    let own = &pieces[start..];
    let drop_blank = !frame.children.is_empty() || own.iter().any(|p| p.cdata);
    let keep = |p: &Piece<'_>| !drop_blank || p.cdata || !p.text.trim().is_empty();
    let text = match own.iter().filter(|p| keep(p)).count() {
        0 => Cow::Borrowed(""),
        1 => pieces
            .drain(start..)
            .find(|p| keep(p))
            .map_or(Cow::Borrowed(""), |p| p.text),
        _ => Cow::Owned(
            own.iter()
                .filter(|p| keep(p))
                .map(|p| p.text.as_ref())
                .collect(),
        ),
    };
    pieces.truncate(start);
    Element {
        name: frame.name,
        text,
        children: frame.children,
    }
}

/// Replaces entity and character references; on error, the byte offset of the bad `&`.
fn unescape(raw: &str) -> Result<Cow<'_, str>, usize> {
    let Some(first) = raw.find('&') else {
        return Ok(Cow::Borrowed(raw));
    };
    let mut out = String::with_capacity(raw.len());
    out.push_str(&raw[..first]);
    let mut at = first;
    while at < raw.len() {
        let rest = &raw[at..];
        let Some(amp) = rest.find('&') else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..amp]);
        let entity_at = at + amp;
        let after = &raw[entity_at + 1..];
        let Some(semi) = after.find(';').filter(|&i| i <= 10) else {
            return Err(entity_at);
        };
        out.push(reference(&after[..semi]).ok_or(entity_at)?);
        at = entity_at + 1 + semi + 1;
    }
    Ok(Cow::Owned(out))
}

/// The character a reference (between `&` and `;`) stands for.
fn reference(name: &str) -> Option<char> {
    let code = match name {
        "lt" => return Some('<'),
        "gt" => return Some('>'),
        "amp" => return Some('&'),
        "quot" => return Some('"'),
        "apos" => return Some('\''),
        _ => {
            let digits = name.strip_prefix('#')?;
            let (digits, radix) = match digits.strip_prefix('x') {
                Some(hex) => (hex, 16),
                None => (digits, 10),
            };
            if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
                return None;
            }
            u32::from_str_radix(digits, radix).ok()?
        }
    };
    let c = char::from_u32(code)?;
    // XML 1.0 `Char`: no NUL or other C0 controls but tab, line feed and carriage return.
    let allowed =
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}');
    allowed.then_some(c)
}
