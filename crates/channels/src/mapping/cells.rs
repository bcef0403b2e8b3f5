//! Cell parsers: one cell's text to the value a field wants (interests lists, genders, custom
//! fields by kind, event properties).

use quanzi_domain::member::CustomFieldKind;

/// Separators accepted between interests inside one cell.
pub const INTEREST_SEPARATORS: &[char] = &['|', '、', ',', '，', ';', '；'];

/// Splits an interests cell on `|`, `、`, `,` (and full-width `，`, `;`, `；`).
pub fn split_interests(cell: &str) -> Vec<String> {
    cell.split(INTEREST_SEPARATORS)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A gender cell in the domain's words: `男`/`M` → `male`, `女`/`F` → `female`, `未知` →
/// `unknown`, anything else lowercased for the domain to judge.
pub(super) fn gender_value(v: &str) -> String {
    match v {
        "男" | "M" | "m" => "male".into(),
        "女" | "F" | "f" => "female".into(),
        "未知" => "unknown".into(),
        other => other.to_lowercase(),
    }
}

/// A custom field's cell as the JSON value its kind wants.
pub(super) fn custom_value(kind: CustomFieldKind, v: &str) -> Result<serde_json::Value, String> {
    match kind {
        CustomFieldKind::Text => Ok(serde_json::Value::String(v.to_string())),
        CustomFieldKind::Number => {
            if let Ok(i) = v.parse::<i64>() {
                return Ok(i.into());
            }
            v.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map(serde_json::Value::Number)
                .ok_or_else(|| "must be a number".to_string())
        }
        CustomFieldKind::Bool => match v.to_lowercase().as_str() {
            "true" | "1" | "yes" | "y" | "是" => Ok(true.into()),
            "false" | "0" | "no" | "n" | "否" => Ok(false.into()),
            _ => Err("must be true or false (also 1/0, yes/no, 是/否)".into()),
        },
        CustomFieldKind::Date => {
            // Spreadsheet dates arrive as `YYYY-MM-DD 00:00:00`.
            let d = v.strip_suffix(" 00:00:00").unwrap_or(v).replace('/', "-");
            if quanzi_domain::member::is_iso_date(&d) {
                Ok(serde_json::Value::String(d))
            } else {
                Err("must be a date like 2024-05-20".into())
            }
        }
    }
}

/// A property cell as JSON: canonical integers and `true`/`false` keep their type.
pub(super) fn property_value(v: &str) -> serde_json::Value {
    if let Ok(i) = v.parse::<i64>()
        && i.to_string() == v
    {
        return i.into();
    }
    match v {
        "true" => true.into(),
        "false" => false.into(),
        _ => serde_json::Value::String(v.to_string()),
    }
}
