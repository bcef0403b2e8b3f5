//! The operator UI's two languages: zh-CN (default) and English.

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

    /// The translation of a use-case's reason (given in English); the reason itself when the
    /// table has no `reason.*` entry for it.
    pub fn reason<'a>(&self, en: &'a str) -> &'a str {
        match TEXTS
            .iter()
            .find(|(k, _, e)| k.starts_with("reason.") && *e == en)
        {
            Some((_, zh, en)) => match self {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => en,
        }
    }

    /// The translation of `key`; the key itself when missing (visible, never a crash).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        match TEXTS.iter().find(|(k, _, _)| *k == key) {
            Some((_, zh, en)) => match self {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => key,
        }
    }
}

mod common;
mod dashboard;
mod errors;
mod influence;
mod members;
mod settings;

/// One table row: key, zh-CN, en.
type Entry = (&'static str, &'static str, &'static str);

/// The per-area tables, in lookup order (first match wins).
const TABLES: &[&[Entry]] = &[
    common::TEXTS,
    dashboard::TEXTS,
    errors::TEXTS,
    members::TEXTS,
    settings::TEXTS,
    influence::TEXTS,
];

/// Total number of rows across `TABLES`.
const LEN: usize = {
    let mut n = 0;
    let mut t = 0;
    while t < TABLES.len() {
        n += TABLES[t].len();
        t += 1;
    }
    n
};

/// The per-area tables concatenated at compile time.
static ALL: [Entry; LEN] = {
    let mut out = [("", "", ""); LEN];
    let mut i = 0;
    let mut t = 0;
    while t < TABLES.len() {
        let table = TABLES[t];
        let mut j = 0;
        while j < table.len() {
            out[i] = table[j];
            i += 1;
            j += 1;
        }
        t += 1;
    }
    out
};

/// key, zh-CN, en.
static TEXTS: &[(&str, &str, &str)] = &ALL;

/// Every key of the table, for tests.
pub fn keys() -> impl Iterator<Item = &'static str> {
    TEXTS.iter().map(|(k, _, _)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages_and_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for (k, zh, en) in TEXTS {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
        }
        assert_eq!(Lang::En.t("nav.members"), "Members");
        assert_eq!(Lang::Zh.t("nav.members"), "成员");
        assert_eq!(Lang::from_code(None), Lang::Zh);
    }
}
