//! The operator UI's two languages: zh-CN (default) and English, their strings read from
//! `locales/zh-CN.toml` and `locales/en.toml` (embedded at build time, parsed once).

use std::collections::HashMap;
use std::sync::LazyLock;

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文 (default).
    Zh,
    /// English.
    En,
}

impl Lang {
    /// From a `lang` cookie or query value; anything unknown is zh-CN.
    pub fn from_code(code: Option<&str>) -> Lang {
        match code {
            Some(c) if c.starts_with("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    /// The HTML `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The translation of a use-case's reason (given in English): the `reason.*` entry that
    /// says it, or one whose `{…}` placeholder stands for the part that varies ("must be at
    /// most {n} characters"); the reason itself when the locale files have neither.
    pub fn reason(&self, en: &str) -> String {
        if *self == Lang::En {
            return en.to_string();
        }
        if let Some(zh) = REASONS.get(en) {
            return zh.to_string();
        }
        TEMPLATES
            .iter()
            .find_map(|t| t.fill(en))
            .unwrap_or_else(|| en.to_string())
    }

    /// The display name of an event kind: a built-in one's (`kind.<kind>`) in this language,
    /// a tenant's own as it was defined.
    pub fn kind(&self, kind: &str) -> String {
        if quanzi_domain::event::BUILTIN_KINDS.contains(&kind) {
            self.t(&format!("kind.{kind}")).to_string()
        } else {
            kind.to_string()
        }
    }

    /// A field's label and what is wrong with it, as a sentence of this language.
    pub fn labelled(&self, label: &str, reason: &str) -> String {
        match self {
            Lang::Zh => format!("{label}：{reason}"),
            Lang::En => format!("{label}: {reason}"),
        }
    }

    /// The translation of `key`; the key itself when missing (visible, never a crash).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        match self.texts().get(key) {
            Some(text) => text,
            None => key,
        }
    }

    /// This language's strings, key → text.
    fn texts(self) -> &'static HashMap<String, String> {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

/// The zh-CN locale file, as built in.
const ZH_TOML: &str = include_str!("../../../locales/zh-CN.toml");
/// The English locale file, as built in.
const EN_TOML: &str = include_str!("../../../locales/en.toml");

static ZH: LazyLock<HashMap<String, String>> = LazyLock::new(|| parse("zh-CN", ZH_TOML));
static EN: LazyLock<HashMap<String, String>> = LazyLock::new(|| parse("en", EN_TOML));

/// English reason → zh-CN, from the `reason.*` keys.
static REASONS: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    EN.iter()
        .filter(|(k, _)| k.starts_with("reason."))
        .filter_map(|(k, en)| Some((en.as_str(), ZH.get(k)?.as_str())))
        .collect()
});

/// A `reason.*` entry with one `{…}` placeholder: the English text around it, and the
/// zh-CN text with its own placeholder.
struct Template {
    prefix: &'static str,
    suffix: &'static str,
    placeholder: String,
    zh: &'static str,
}

impl Template {
    /// The zh-CN text of `en` when `en` is this template with something in the placeholder.
    fn fill(&self, en: &str) -> Option<String> {
        let middle = en.strip_prefix(self.prefix)?.strip_suffix(self.suffix)?;
        (!middle.is_empty()).then(|| self.zh.replace(&self.placeholder, middle))
    }
}

/// The `reason.*` entries with a placeholder, longest fixed text first (the most specific
/// template wins).
static TEMPLATES: LazyLock<Vec<Template>> = LazyLock::new(|| {
    let mut out: Vec<Template> = EN
        .iter()
        .filter(|(k, _)| k.starts_with("reason."))
        .filter_map(|(k, en)| {
            let open = en.find('{')?;
            let close = open + en[open..].find('}')?;
            Some(Template {
                prefix: &en[..open],
                suffix: &en[close + 1..],
                placeholder: en[open..=close].to_string(),
                zh: ZH.get(k)?.as_str(),
            })
        })
        .collect();
    out.sort_by_key(|t| std::cmp::Reverse(t.prefix.len() + t.suffix.len()));
    out
});

/// A flat `"key" = "text"` table. The files are built in and a test parses them, so a
/// broken one never ships; should it, every key shows as itself rather than a crash.
fn parse(lang: &str, text: &str) -> HashMap<String, String> {
    toml::from_str(text).unwrap_or_else(|e| {
        tracing::error!(lang, error = %e, "locale file does not parse");
        HashMap::new()
    })
}

/// Every key of the locale files, for tests.
pub fn keys() -> impl Iterator<Item = &'static str> {
    ZH.keys().map(String::as_str)
}

#[cfg(test)]
mod tests;
