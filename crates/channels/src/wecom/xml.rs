//! The small, strict XML reader (and the two tiny writers) for WeCom callbacks: the outer
//! `<xml><ToUserName/><Encrypt/><AgentID/></xml>` envelope and the decrypted event XML.
//!
//! Hand-written for the subset WeCom sends: elements, text, CDATA, comments, the XML
//! declaration, the five predefined entities and numeric character references; attributes
//! are read and ignored; DOCTYPE (and so any custom entity) is refused. Names and text borrow
//! from the input unless an entity has to be unescaped. Size, depth and element count are
//! bounded, and every failure is an [`XmlError`], never a panic.

use std::borrow::Cow;

use super::crypto::EncryptedMessage;

mod reader;

/// The largest document accepted, in bytes (a 2,000-member change list is about 100 KiB).
pub const MAX_INPUT_BYTES: usize = 512 * 1024;
/// The deepest element nesting accepted (WeCom's events nest three levels).
pub const MAX_DEPTH: usize = 16;
/// The most elements accepted in one document.
pub const MAX_ELEMENTS: usize = 20_000;

/// Why an XML document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// Larger than [`MAX_INPUT_BYTES`].
    #[error("the XML is larger than {MAX_INPUT_BYTES} bytes")]
    TooLarge,
    /// Nested deeper than [`MAX_DEPTH`].
    #[error("the XML nests deeper than {MAX_DEPTH} elements")]
    TooDeep,
    /// More than [`MAX_ELEMENTS`] elements.
    #[error("the XML has more than {MAX_ELEMENTS} elements")]
    TooManyElements,
    /// Not well-formed, or a construct this reader refuses (DOCTYPE, unknown entity).
    #[error("malformed XML at byte {at}: {reason}")]
    Malformed {
        /// The byte offset where reading stopped.
        at: usize,
        /// What was wrong there.
        reason: &'static str,
    },
    /// The root element is not `<xml>`.
    #[error("the root element is <{0}>, expected <xml>")]
    UnexpectedRoot(String),
    /// A field that must be unique appears more than once.
    #[error("<{0}> appears more than once")]
    Duplicate(String),
    /// A required field is missing or empty.
    #[error("<{0}> is missing or empty")]
    Missing(&'static str),
}

/// One element: its name, its text (CDATA and unescaped text joined) and its child elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element<'a> {
    /// The tag name as written (prefix included).
    pub name: &'a str,
    /// The text content. Whitespace-only text between child elements or around CDATA is
    /// dropped; other text is kept exactly.
    pub text: Cow<'a, str>,
    /// The child elements in document order.
    pub children: Vec<Element<'a>>,
}

impl<'a> Element<'a> {
    /// The only child named `name`, if any; an error if there are several.
    pub fn child(&self, name: &str) -> Result<Option<&Element<'a>>, XmlError> {
        let mut found = None;
        for child in self.children.iter().filter(|c| c.name == name) {
            if found.is_some() {
                return Err(XmlError::Duplicate(name.to_owned()));
            }
            found = Some(child);
        }
        Ok(found)
    }

    /// The text of the only child named `name`, if any; an error if there are several.
    pub fn child_text(&self, name: &str) -> Result<Option<&str>, XmlError> {
        Ok(self.child(name)?.map(|c| c.text.as_ref()))
    }

    /// The texts of the children named `name` (e.g. the `<Item>`s of a list), in order.
    pub fn texts_of<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.children
            .iter()
            .filter(move |c| c.name == name)
            .map(|c| c.text.as_ref())
    }
}

/// Parses a whole document and returns its root element (any name).
pub fn parse(input: &str) -> Result<Element<'_>, XmlError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(XmlError::TooLarge);
    }
    reader::Parser::new(input).document()
}

/// Parses a document whose root must be `<xml>`, as every WeCom callback's is.
pub fn parse_wecom(input: &str) -> Result<Element<'_>, XmlError> {
    let root = parse(input)?;
    if root.name != "xml" {
        let shown: String = root.name.chars().take(64).collect();
        return Err(XmlError::UnexpectedRoot(shown));
    }
    Ok(root)
}

/// The outer XML of a POSTed callback, before decryption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackEnvelope {
    /// `ToUserName`: the corp id (or suite id) the callback is for, when present.
    pub to_user_name: Option<String>,
    /// `Encrypt`: the Base64 ciphertext of the event XML.
    pub encrypt: String,
    /// `AgentID`: the app the callback came through; empty or absent for customer-contact
    /// callbacks.
    pub agent_id: Option<String>,
}

impl CallbackEnvelope {
    /// Reads the envelope; `Encrypt` is required, each field may appear at most once.
    pub fn parse(body: &str) -> Result<Self, XmlError> {
        let root = parse_wecom(body)?;
        let encrypt = root
            .child_text("Encrypt")?
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(XmlError::Missing("Encrypt"))?
            .to_owned();
        let optional = |name: &str| -> Result<Option<String>, XmlError> {
            Ok(root
                .child_text(name)?
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned))
        };
        Ok(Self {
            to_user_name: optional("ToUserName")?,
            encrypt,
            agent_id: optional("AgentID")?,
        })
    }

    /// Writes the envelope as WeCom POSTs it (for tests and local replays).
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(self.encrypt.len() + 128);
        out.push_str("<xml>");
        push_cdata_element(
            &mut out,
            "ToUserName",
            self.to_user_name.as_deref().unwrap_or(""),
        );
        push_cdata_element(&mut out, "Encrypt", &self.encrypt);
        push_cdata_element(&mut out, "AgentID", self.agent_id.as_deref().unwrap_or(""));
        out.push_str("</xml>");
        out
    }
}

/// The XML of an encrypted passive reply (`Encrypt`, `MsgSignature`, `TimeStamp`, `Nonce`).
pub fn reply_xml(sealed: &EncryptedMessage, timestamp: &str, nonce: &str) -> String {
    let mut out = String::with_capacity(sealed.encrypt.len() + 192);
    out.push_str("<xml>");
    push_cdata_element(&mut out, "Encrypt", &sealed.encrypt);
    push_cdata_element(&mut out, "MsgSignature", &sealed.msg_signature);
    push_cdata_element(&mut out, "TimeStamp", timestamp);
    push_cdata_element(&mut out, "Nonce", nonce);
    out.push_str("</xml>");
    out
}

/// Appends `<name><![CDATA[text]]></name>`, splitting any `]]>` inside `text`.
fn push_cdata_element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push_str("><![CDATA[");
    out.push_str(&text.replace("]]>", "]]]]><![CDATA[>"));
    out.push_str("]]></");
    out.push_str(name);
    out.push('>');
}

#[cfg(test)]
mod tests;
