//! The locale files agree with each other and with the code: the same keys in both, every
//! text non-empty with the same `{placeholders}`, and every key a template or handler asks
//! for present.

#![allow(clippy::expect_used)]

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use super::*;

/// File endings of names that look like keys but are assets and templates (`kpi.html`).
const FILE_ENDINGS: &[&str] = &["html", "js", "css", "csv", "xlsx", "json", "svg", "png"];

fn key_set(m: &HashMap<String, String>) -> BTreeSet<&str> {
    m.keys().map(String::as_str).collect()
}

/// The `{name}` placeholders of a text.
fn placeholders(text: &str) -> BTreeSet<&str> {
    text.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(p, _)| p))
        .collect()
}

/// Every `.rs` file under `src/` (the tables' own tests aside) and template, with its text.
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<(String, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs" || x == "html") {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                out.push((p.display().to_string(), text));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    walk(&root.join("src"), &mut out);
    walk(&root.join("templates"), &mut out);
    out.retain(|(p, _)| !p.ends_with("i18n/tests.rs"));
    assert!(out.len() > 20, "found the sources");
    out
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
}

/// The text after `at` while it is made of key characters.
fn key_run(text: &str, at: usize) -> &str {
    let rest = &text[at..];
    &rest[..rest.find(|c| !is_key_char(c)).unwrap_or(rest.len())]
}

/// Keys passed as literals: `t("key")` (a method or a closure named `t`), then any
/// `"dotted.literal"` (keys kept in arrays and passed on later).
fn literal_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for (at, _) in text.match_indices("t(") {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let args = text[at + 2..].trim_start();
        if let Some(rest) = args.strip_prefix('"')
            && let Some((key, _)) = rest.split_once('"')
        {
            keys.push(key.to_string());
        }
    }
    for (at, _) in text.match_indices('"') {
        let run = key_run(text, at + 1);
        let closed = text[at + 1 + run.len()..].starts_with('"');
        let dotted = run.contains('.') && !run.ends_with('.') && !run.starts_with('.');
        if closed && dotted && run.starts_with(|c: char| c.is_ascii_lowercase()) {
            keys.push(run.to_string());
        }
    }
    keys
}

/// Families of keys made at run time, `format!("kpi.tab.{p}")` → `kpi.tab.`.
fn key_families(text: &str) -> Vec<String> {
    text.match_indices("format!(\"")
        .filter_map(|(at, m)| {
            let run = key_run(text, at + m.len());
            let next = text[at + m.len() + run.len()..].starts_with('{');
            (next && run.ends_with('.') && run.len() > 1).then(|| run.to_string())
        })
        .collect()
}

#[test]
fn both_locale_files_parse_and_hold_the_same_keys() {
    let (zh, en) = (parse("zh-CN", ZH_TOML), parse("en", EN_TOML));
    assert!(zh.len() > 300, "zh-CN parsed: {}", zh.len());
    let (zk, ek) = (key_set(&zh), key_set(&en));
    let only_zh: Vec<_> = zk.difference(&ek).collect();
    let only_en: Vec<_> = ek.difference(&zk).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "only in zh-CN: {only_zh:?}; only in en: {only_en:?}"
    );
    for (k, z) in &zh {
        let e = &en[k];
        assert!(!z.trim().is_empty() && !e.trim().is_empty(), "{k} is empty");
        assert_eq!(placeholders(z), placeholders(e), "{k}: placeholders differ");
    }
}

#[test]
fn every_key_a_template_or_handler_asks_for_is_in_both_files() {
    let (zh, en) = (key_set(&ZH), key_set(&EN));
    let namespaces: BTreeSet<&str> = zh.iter().filter_map(|k| k.split('.').next()).collect();
    let mut missing = Vec::new();
    let mut checked = 0;
    for (path, text) in sources() {
        for key in literal_keys(&text) {
            let first = key.split('.').next().unwrap_or("");
            let last = key.rsplit('.').next().unwrap_or("");
            if !namespaces.contains(first) || FILE_ENDINGS.contains(&last) {
                continue;
            }
            checked += 1;
            if !zh.contains(key.as_str()) || !en.contains(key.as_str()) {
                missing.push(format!("{path}: {key}"));
            }
        }
        for family in key_families(&text) {
            let first = family.split('.').next().unwrap_or("");
            if namespaces.contains(first) && !zh.iter().any(|k| k.starts_with(&family)) {
                missing.push(format!("{path}: {family}*"));
            }
        }
    }
    assert!(checked > 300, "found the lookups: {checked}");
    assert!(missing.is_empty(), "keys missing: {missing:#?}");
}

#[test]
fn every_gender_tier_and_stage_has_a_label() {
    use quanzi_domain::member::{Gender, LifecycleStage, SpendingTier};
    for (family, names) in [
        ("gender", Gender::expected()),
        ("tier", SpendingTier::expected()),
        ("stage", LifecycleStage::expected()),
    ] {
        for name in names.split(", ") {
            let key = format!("{family}.{name}");
            assert_ne!(Lang::Zh.t(&key), key, "zh-CN");
            assert_ne!(Lang::En.t(&key), key, "en");
        }
    }
}

#[test]
fn lookups_answer_in_the_language_and_fall_back_to_the_key() {
    assert_eq!(Lang::En.t("nav.members"), "Members");
    assert_eq!(Lang::Zh.t("nav.members"), "成员");
    assert_eq!(Lang::Zh.t("no.such.key"), "no.such.key");
    assert_eq!(Lang::from_code(None), Lang::Zh);
    assert_eq!(Lang::from_code(Some("en-US")), Lang::En);
    let (key, en) = EN
        .iter()
        .find(|(k, _)| k.starts_with("reason."))
        .expect("a reason");
    assert_eq!(&Lang::Zh.reason(en), &ZH[key]);
    assert_eq!(
        Lang::Zh.reason("must be at most 64 characters"),
        "最多 64 个字符"
    );
    assert_eq!(
        Lang::Zh.reason("must be between 1 and capacity_hard"),
        "须在 1 到人数上限之间"
    );
    assert_eq!(&Lang::En.reason(en), en);
    assert_eq!(Lang::Zh.reason("an unknown reason"), "an unknown reason");
    assert_eq!(keys().count(), ZH.len());
}
