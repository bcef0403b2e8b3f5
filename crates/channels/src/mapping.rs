//! From a file's columns and rows to the domain's inputs: the header is resolved once (unknown,
//! repeated or missing columns are reported on the header's line), then each row is mapped
//! and validated with errors naming the line and the column as the file spells it.

pub use crate::convert::trim_cell;
use std::collections::BTreeMap;

use quanzi_domain::FieldError;
use quanzi_domain::event::{BatchContext, EventInput, NewEvent};
use quanzi_domain::group::{GroupInput, NewGroup};
use quanzi_domain::member::{CustomFieldDef, CustomFieldKind, MemberInput, NewMember};

use crate::convert::{parse_int, parse_occurred_at, parse_unix_seconds, yuan_to_fen};
use crate::import::{ERROR_COLUMN, Row, RowError};

/// Separators accepted between interests inside one cell.
pub const INTEREST_SEPARATORS: &[char] = &['|', '、', ',', '，', ';', '；'];

/// What one column of the file feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Col<F> {
    /// A known field.
    Field(F),
    /// `custom.<key>` (members) or `properties.<key>` (events).
    Keyed(String, Option<CustomFieldKind>),
    /// A column without a name: must stay empty.
    Unnamed,
    /// The reject file's `error` column: ignored.
    Ignored,
}

/// The resolved header of one file.
#[derive(Debug, Clone)]
struct Header<F> {
    cols: Vec<Col<F>>,
    names: Vec<String>,
}

impl<F: Copy + PartialEq> Header<F> {
    /// Resolves `headers` with `known(lowercased name) -> field`, `keyed(name) -> key` for
    /// prefixed columns (`Err` = reason), reporting unknown and repeated columns on `line`.
    fn resolve(
        headers: &[String],
        line: usize,
        known: impl Fn(&str) -> Option<F>,
        keyed: impl Fn(&str) -> Option<Result<(String, Option<CustomFieldKind>), String>>,
        expected: &str,
    ) -> Result<Self, Vec<RowError>> {
        let mut errors = Vec::new();
        let mut cols: Vec<Col<F>> = Vec::with_capacity(headers.len());
        for (i, raw) in headers.iter().enumerate() {
            let h = raw.trim();
            let lower = h.to_lowercase();
            let col = if h.is_empty() {
                Col::Unnamed
            } else if lower == ERROR_COLUMN {
                Col::Ignored
            } else if let Some(f) = known(&lower) {
                Col::Field(f)
            } else if let Some(k) = keyed(h) {
                match k {
                    Ok((key, kind)) => Col::Keyed(key, kind),
                    Err(reason) => {
                        errors.push(RowError::new(line, h, reason));
                        Col::Ignored
                    }
                }
            } else {
                errors.push(RowError::new(
                    line,
                    h,
                    format!("unknown column; the columns are {expected}"),
                ));
                Col::Ignored
            };
            let repeated = match &col {
                Col::Field(_) | Col::Keyed(..) => cols.iter().position(|c| *c == col),
                _ => None,
            };
            if let Some(first) = repeated {
                errors.push(RowError::new(
                    line,
                    h,
                    format!("appears twice (columns {} and {})", first + 1, i + 1),
                ));
            }
            cols.push(col);
        }
        if errors.is_empty() {
            Ok(Self {
                cols,
                names: headers.iter().map(|h| h.trim().to_string()).collect(),
            })
        } else {
            Err(errors)
        }
    }

    fn has(&self, f: F) -> bool {
        self.cols.contains(&Col::Field(f))
    }

    /// The header text of field `f`, if the file has it.
    fn name_of(&self, f: F) -> Option<&str> {
        self.cols
            .iter()
            .position(|c| *c == Col::Field(f))
            .map(|i| self.names[i].as_str())
    }

    /// Non-empty cells with their column, reporting values under unnamed columns.
    fn cells<'r>(
        &'r self,
        row: &'r Row,
        errors: &mut Vec<RowError>,
    ) -> Vec<(&'r Col<F>, &'r str, &'r str)> {
        let mut out = Vec::with_capacity(self.cols.len());
        for (i, v) in row.values.iter().enumerate() {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match self.cols.get(i) {
                Some(Col::Ignored) => {}
                Some(Col::Unnamed) | None => errors.push(RowError::new(
                    row.line,
                    format!("column {}", i + 1),
                    "has a value but no header",
                )),
                Some(c) => out.push((c, self.names[i].as_str(), v)),
            }
        }
        out
    }
}

fn check_required<F: Copy + PartialEq>(
    h: &Header<F>,
    line: usize,
    required: &[(&[F], &str)],
) -> Result<(), Vec<RowError>> {
    let missing: Vec<RowError> = required
        .iter()
        .filter(|(any_of, _)| !any_of.iter().any(|f| h.has(*f)))
        .map(|(_, name)| RowError::new(line, *name, "is a required column and is missing"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing)
    }
}

fn defect(row: &Row) -> Result<(), Vec<RowError>> {
    match &row.defect {
        Some(d) => Err(vec![d.clone()]),
        None => Ok(()),
    }
}

/// Converts domain field errors to row errors, naming the file's column.
fn field_errors(
    line: usize,
    errs: Vec<FieldError>,
    name: impl Fn(&str) -> String,
) -> Vec<RowError> {
    errs.into_iter()
        .map(|e| {
            // `interests[3]` → column `interests`, reason prefixed with the item.
            let (field, reason) = match e.field.split_once('[') {
                Some((base, rest)) => {
                    let item = rest
                        .trim_end_matches(']')
                        .parse::<usize>()
                        .map_or(0, |i| i + 1);
                    (base.to_string(), format!("item {item}: {}", e.reason))
                }
                None => (e.field, e.reason),
            };
            RowError::new(line, name(&field), reason)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Members

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MemberField {
    Name,
    Gender,
    District,
    Interests,
    SpendingTier,
    LifecycleStage,
    SourceChannel,
    ExternalUserid,
    Unionid,
    Phone,
}

const MEMBER_COLUMNS: &str = "name, gender, district, interests, spending_tier, lifecycle_stage, \
     source_channel, external_userid, unionid, phone and custom.<key>";

fn member_field(h: &str) -> Option<MemberField> {
    use MemberField::*;
    Some(match h {
        "name" | "姓名" | "昵称" => Name,
        "gender" | "性别" => Gender,
        "district" | "区" | "区域" | "地区" => District,
        "interests" | "兴趣" => Interests,
        "spending_tier" | "消费等级" => SpendingTier,
        "lifecycle_stage" | "生命周期" => LifecycleStage,
        "source_channel" | "来源" | "来源渠道" => SourceChannel,
        "external_userid" => ExternalUserid,
        "unionid" => Unionid,
        "phone" | "手机" | "手机号" => Phone,
        _ => return None,
    })
}

fn member_canonical(f: MemberField) -> &'static str {
    use MemberField::*;
    match f {
        Name => "name",
        Gender => "gender",
        District => "district",
        Interests => "interests",
        SpendingTier => "spending_tier",
        LifecycleStage => "lifecycle_stage",
        SourceChannel => "source_channel",
        ExternalUserid => "external_userid",
        Unionid => "unionid",
        Phone => "phone",
    }
}

/// Splits an interests cell on `|`, `、`, `,` (and full-width `，`, `;`, `；`).
pub fn split_interests(cell: &str) -> Vec<String> {
    cell.split(INTEREST_SEPARATORS)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn gender_value(v: &str) -> String {
    match v {
        "男" | "M" | "m" => "male".into(),
        "女" | "F" | "f" => "female".into(),
        "未知" => "unknown".into(),
        other => other.to_lowercase(),
    }
}

/// A custom field's cell as the JSON value its kind wants.
fn custom_value(kind: CustomFieldKind, v: &str) -> Result<serde_json::Value, String> {
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

/// The columns of a members file.
#[derive(Debug, Clone)]
pub struct MemberColumns {
    h: Header<MemberField>,
    defs: Vec<CustomFieldDef>,
}

impl MemberColumns {
    /// Resolves the header against the tenant's custom fields; `header_line` is where errors
    /// about columns are reported. A `name` (or `姓名`) column is required.
    pub fn new(
        headers: &[String],
        header_line: usize,
        defs: &[CustomFieldDef],
    ) -> Result<Self, Vec<RowError>> {
        let keyed = |h: &str| {
            let key = h.strip_prefix("custom.")?;
            Some(match defs.iter().find(|d| d.key == key) {
                Some(d) => Ok((d.key.clone(), Some(d.kind))),
                None => Err(format!("`{key}` is not a custom field of this tenant")),
            })
        };
        let h = Header::resolve(headers, header_line, member_field, keyed, MEMBER_COLUMNS)?;
        check_required(&h, header_line, &[(&[MemberField::Name], "name")])?;
        Ok(Self {
            h,
            defs: defs.to_vec(),
        })
    }

    /// Maps a row to the API's member input (values are not validated beyond their type).
    pub fn map(&self, row: &Row) -> Result<MemberInput, Vec<RowError>> {
        defect(row)?;
        let mut errors = Vec::new();
        let mut m = MemberInput::default();
        let mut custom = BTreeMap::new();
        for (col, header, v) in self.h.cells(row, &mut errors) {
            use MemberField::*;
            let s = Some(v.to_string());
            match col {
                Col::Field(Name) => m.name = s,
                Col::Field(Gender) => m.gender = Some(gender_value(v)),
                Col::Field(District) => m.district = s,
                Col::Field(Interests) => m.interests = Some(split_interests(v)),
                Col::Field(SpendingTier) => m.spending_tier = Some(v.to_lowercase()),
                Col::Field(LifecycleStage) => m.lifecycle_stage = Some(v.to_lowercase()),
                Col::Field(SourceChannel) => m.source_channel = s,
                Col::Field(ExternalUserid) => m.external_userid = s,
                Col::Field(Unionid) => m.unionid = s,
                Col::Field(Phone) => m.phone = s,
                Col::Keyed(key, kind) => {
                    match custom_value(kind.unwrap_or(CustomFieldKind::Text), v) {
                        Ok(j) => {
                            custom.insert(key.clone(), j);
                        }
                        Err(reason) => errors.push(RowError::new(row.line, header, reason)),
                    }
                }
                Col::Unnamed | Col::Ignored => {}
            }
        }
        if !custom.is_empty() {
            m.custom = Some(custom);
        }
        if errors.is_empty() {
            Ok(m)
        } else {
            Err(errors)
        }
    }

    /// Maps and validates a row into a new member.
    pub fn parse(&self, row: &Row) -> Result<NewMember, Vec<RowError>> {
        let input = self.map(row)?;
        input
            .into_new(&self.defs)
            .map_err(|e| field_errors(row.line, e.0, |f| self.column_name(f)))
    }

    /// The file's name for a field the domain names (e.g. `phone` may be `手机号`).
    pub fn column_name(&self, canonical: &str) -> String {
        let known = [
            MemberField::Name,
            MemberField::Gender,
            MemberField::District,
            MemberField::Interests,
            MemberField::SpendingTier,
            MemberField::LifecycleStage,
            MemberField::SourceChannel,
            MemberField::ExternalUserid,
            MemberField::Unionid,
            MemberField::Phone,
        ];
        known
            .iter()
            .find(|f| member_canonical(**f) == canonical)
            .and_then(|f| self.h.name_of(*f))
            .unwrap_or(canonical)
            .to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Groups

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GroupField {
    Name,
    Dimension,
    Theme,
    Rules,
    CapacityHard,
    CapacityAdvised,
    ExternalChatId,
}

const GROUP_COLUMNS: &str =
    "name, dimension, theme, rules, capacity_hard, capacity_advised and external_chat_id";

fn group_field(h: &str) -> Option<GroupField> {
    use GroupField::*;
    Some(match h {
        "name" | "群名" | "群名称" => Name,
        "dimension" | "维度" => Dimension,
        "theme" | "主题" | "群主题" => Theme,
        "rules" | "群规" => Rules,
        "capacity_hard" | "容量上限" => CapacityHard,
        "capacity_advised" | "建议容量" => CapacityAdvised,
        "external_chat_id" | "chat_id" => ExternalChatId,
        _ => return None,
    })
}

fn group_canonical(f: GroupField) -> &'static str {
    use GroupField::*;
    match f {
        Name => "name",
        Dimension => "dimension",
        Theme => "theme",
        Rules => "rules",
        CapacityHard => "capacity_hard",
        CapacityAdvised => "capacity_advised",
        ExternalChatId => "external_chat_id",
    }
}

/// The columns of a groups file.
#[derive(Debug, Clone)]
pub struct GroupColumns {
    h: Header<GroupField>,
}

impl GroupColumns {
    /// Resolves the header; a `name` column is required.
    pub fn new(headers: &[String], header_line: usize) -> Result<Self, Vec<RowError>> {
        let h = Header::resolve(headers, header_line, group_field, |_| None, GROUP_COLUMNS)?;
        check_required(&h, header_line, &[(&[GroupField::Name], "name")])?;
        Ok(Self { h })
    }

    /// Maps a row to the API's group input.
    pub fn map(&self, row: &Row) -> Result<GroupInput, Vec<RowError>> {
        defect(row)?;
        let mut errors = Vec::new();
        let mut g = GroupInput::default();
        for (col, header, v) in self.h.cells(row, &mut errors) {
            use GroupField::*;
            let s = Some(v.to_string());
            let mut int = |v: &str| match parse_int(v) {
                Ok(n) => Some(n),
                Err(reason) => {
                    errors.push(RowError::new(row.line, header, reason));
                    None
                }
            };
            match col {
                Col::Field(Name) => g.name = s,
                Col::Field(Dimension) => g.dimension = Some(v.to_lowercase()),
                Col::Field(Theme) => g.theme = s,
                Col::Field(Rules) => g.rules = s,
                Col::Field(CapacityHard) => g.capacity_hard = int(v),
                Col::Field(CapacityAdvised) => g.capacity_advised = int(v),
                Col::Field(ExternalChatId) => g.external_chat_id = s,
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(g)
        } else {
            Err(errors)
        }
    }

    /// Maps and validates a row into a new group.
    pub fn parse(&self, row: &Row) -> Result<NewGroup, Vec<RowError>> {
        let input = self.map(row)?;
        input
            .into_new()
            .map_err(|e| field_errors(row.line, e.0, |f| self.column_name(f)))
    }

    /// The file's name for a field the domain names (e.g. `name` may be `群名`).
    pub fn column_name(&self, canonical: &str) -> String {
        [
            GroupField::Name,
            GroupField::Dimension,
            GroupField::Theme,
            GroupField::Rules,
            GroupField::CapacityHard,
            GroupField::CapacityAdvised,
            GroupField::ExternalChatId,
        ]
        .iter()
        .find(|g| group_canonical(**g) == canonical)
        .and_then(|g| self.h.name_of(*g))
        .unwrap_or(canonical)
        .to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Events

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventField {
    IdempotencyKey,
    Kind,
    MemberId,
    GroupId,
    /// `occurred_at` / `occurred_at_ms`: unix ms or a date-time.
    OccurredAt,
    /// The benchmark's `ts`: unix seconds (or a date-time).
    Ts,
    AmountFen,
    AmountYuan,
    /// The benchmark's `amount`: yuan, 0 meaning none.
    Amount,
    Product,
    /// The benchmark's `product_id`: 0 meaning none.
    ProductId,
    Reference,
    /// A JSON object of properties.
    Properties,
    TenantId,
}

const EVENT_COLUMNS: &str = "idempotency_key, kind, member_id, group_id, occurred_at (or \
     occurred_at_ms, or ts in unix seconds), amount_fen (or amount_yuan, or amount), product \
     (or product_id), reference, properties, properties.<key> and tenant_id";

fn event_field(h: &str) -> Option<EventField> {
    use EventField::*;
    Some(match h {
        "idempotency_key" => IdempotencyKey,
        "kind" => Kind,
        "member_id" => MemberId,
        "group_id" => GroupId,
        "occurred_at" | "occurred_at_ms" => OccurredAt,
        "ts" => Ts,
        "amount_fen" => AmountFen,
        "amount_yuan" => AmountYuan,
        "amount" => Amount,
        "product" => Product,
        "product_id" => ProductId,
        "reference" => Reference,
        "properties" => Properties,
        "tenant_id" => TenantId,
        _ => return None,
    })
}

/// One events row, mapped.
#[derive(Debug, Clone)]
pub struct EventRow {
    /// The event as the API takes it (with a derived idempotency key when the file has none).
    pub input: EventInput,
    /// The row's `tenant_id` cell (benchmark files), for the caller to check or filter.
    pub tenant_id: Option<i64>,
    /// True when the idempotency key came from the file rather than being derived.
    pub explicit_key: bool,
}

/// One events row, validated.
#[derive(Debug, Clone)]
pub struct ParsedEvent {
    /// The event, ready to store.
    pub event: NewEvent,
    /// The row's `tenant_id` cell, if any.
    pub tenant_id: Option<i64>,
    /// True when the idempotency key came from the file.
    pub explicit_key: bool,
}

/// The columns of an events file.
#[derive(Debug, Clone)]
pub struct EventColumns {
    h: Header<EventField>,
}

/// The idempotency key of a row without one: `import-<line>-<16 hex digits>`, a hash of the
/// row's columns and values. The same file imported again yields the same keys.
pub fn derived_key(row: &Row) -> String {
    let mut key = String::new();
    write_derived_key(&mut key, row.line, row.pairs());
    key
}

/// Appends [`derived_key`] of the row on `line` with these `(header, value)` pairs to `out`,
/// without a buffer per row (the bulk import's hot path): the 64-bit FNV-1a
/// ([`crate::convert::fnv1a64`]) of every `header 0x1f trimmed-value 0x1e` but the `error` column's.
pub fn write_derived_key<'a>(
    out: &mut String,
    line: usize,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    let h = derived_hash(pairs);
    use std::fmt::Write;
    let _ = write!(out, "import-{line}-{h:016x}");
}

/// The row hash in [`derived_key`]: FNV-1a over each `(header, trimmed value)` pair but the
/// error column's.
pub fn derived_hash<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> u64 {
    let mut h = FNV_OFFSET;
    for (name, v) in pairs {
        if name.eq_ignore_ascii_case(ERROR_COLUMN) {
            continue;
        }
        for part in [name.as_bytes(), b"\x1f", v.trim().as_bytes(), b"\x1e"] {
            for &b in part {
                h ^= u64::from(b);
                h = h.wrapping_mul(FNV_PRIME);
            }
        }
    }
    h
}

/// FNV-1a's offset basis and prime, as [`derived_hash`] uses them.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The FNV-1a steps of a fixed byte string, made one step: for any state `h`, hashing the
/// string on from `h` gives `mul·h + add[h mod 256]`. A step xors a byte into the low eight
/// bits alone, which is adding a difference that depends on those bits alone, and the low
/// eight bits of a product depend on the factors' low eight bits alone; so the string's
/// steps are a multiply by `prime^len` plus a term that depends on the low byte only.
#[derive(Debug, Clone)]
struct Leap {
    mul: u64,
    add: Box<[u64; 256]>,
}

impl Leap {
    fn over(bytes: &[u8]) -> Leap {
        let mul = bytes.iter().fold(1u64, |m, _| m.wrapping_mul(FNV_PRIME));
        let mut add = Box::new([0u64; 256]);
        for (low, slot) in add.iter_mut().enumerate() {
            let h = bytes.iter().fold(low as u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
            });
            *slot = h.wrapping_sub(mul.wrapping_mul(low as u64));
        }
        Leap { mul, add }
    }

    fn apply(&self, h: u64) -> u64 {
        self.mul
            .wrapping_mul(h)
            .wrapping_add(self.add[(h & 0xff) as usize])
    }
}

/// [`derived_hash`] for the rows of one header, with the header's bytes hashed once: each
/// run of fixed bytes between two values (`0x1e`, the next name, `0x1f`) is one [`Leap`], so
/// a row costs its values' bytes. Equal to [`derived_hash`] of the same pairs.
#[derive(Debug, Clone)]
pub struct RowHasher {
    /// Per header column: the leap before its value, `None` for the error column.
    before: Vec<Option<Leap>>,
}

impl RowHasher {
    /// The hasher of rows under `headers`.
    pub fn new(headers: &[String]) -> RowHasher {
        let mut first = true;
        let before = headers
            .iter()
            .map(|name| {
                if name.eq_ignore_ascii_case(ERROR_COLUMN) {
                    return None;
                }
                let mut fixed = Vec::with_capacity(name.len() + 2);
                if !first {
                    fixed.push(0x1e);
                }
                first = false;
                fixed.extend_from_slice(name.as_bytes());
                fixed.push(0x1f);
                Some(Leap::over(&fixed))
            })
            .collect();
        RowHasher { before }
    }

    /// [`derived_hash`] of the pairs of the header and `values`, zipped (as many as the
    /// shorter has).
    pub fn hash<'a>(&self, values: impl IntoIterator<Item = &'a str>) -> u64 {
        let mut n = 0;
        let h = self
            .before
            .iter()
            .zip(values)
            .fold(ROW_HASH_START, |h, (_, v)| {
                n += 1;
                self.step(h, n - 1, v)
            });
        self.end(h, n)
    }

    /// Hashes the value of column `i` into `h` (from [`ROW_HASH_START`], columns in order);
    /// the error column, or one past the header, leaves `h` as it is.
    pub fn step(&self, h: u64, i: usize, value: &str) -> u64 {
        let Some(Some(leap)) = self.before.get(i) else {
            return h;
        };
        trim_cell(value).bytes().fold(leap.apply(h), |h, b| {
            (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
        })
    }

    /// The row hash once its first `n` columns were stepped.
    pub fn end(&self, h: u64, n: usize) -> u64 {
        let any = self.before.iter().take(n).any(Option::is_some);
        if any {
            (h ^ 0x1e).wrapping_mul(FNV_PRIME)
        } else {
            h
        }
    }
}

/// The state of [`RowHasher::step`] before the first column.
pub const ROW_HASH_START: u64 = FNV_OFFSET;

/// A property cell as JSON: canonical integers and `true`/`false` keep their type.
fn property_value(v: &str) -> serde_json::Value {
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

impl EventColumns {
    /// Resolves the header: `kind`, `member_id` and one of `occurred_at`/`occurred_at_ms`/`ts`
    /// are required; of the alternatives for time, amount and product at most one may appear.
    pub fn new(headers: &[String], header_line: usize) -> Result<Self, Vec<RowError>> {
        let keyed = |h: &str| {
            let key = h.strip_prefix("properties.")?;
            Some(if key.is_empty() {
                Err("names no property".to_string())
            } else {
                Ok((key.to_string(), None))
            })
        };
        let h = Header::resolve(headers, header_line, event_field, keyed, EVENT_COLUMNS)?;
        use EventField::*;
        check_required(
            &h,
            header_line,
            &[
                (&[Kind], "kind"),
                (&[MemberId], "member_id"),
                (&[OccurredAt, Ts], "occurred_at"),
            ],
        )?;
        let mut errors = Vec::new();
        for group in [
            &[OccurredAt, Ts][..],
            &[AmountFen, AmountYuan, Amount][..],
            &[Product, ProductId][..],
        ] {
            let present: Vec<&str> = h
                .cols
                .iter()
                .zip(&h.names)
                .filter(|(c, _)| group.iter().any(|f| **c == Col::Field(*f)))
                .map(|(_, n)| n.as_str())
                .collect();
            if present.len() > 1 {
                errors.push(RowError::new(
                    header_line,
                    present[1],
                    format!("give only one of {}", present.join(", ")),
                ));
            }
        }
        if errors.is_empty() {
            Ok(Self { h })
        } else {
            Err(errors)
        }
    }

    /// True when the file carries its own idempotency keys.
    pub fn has_keys(&self) -> bool {
        self.h.has(EventField::IdempotencyKey)
    }

    /// Maps a row to the API's event input.
    pub fn map(&self, row: &Row) -> Result<EventRow, Vec<RowError>> {
        use EventField::*;
        defect(row)?;
        let line = row.line;
        let mut errors = Vec::new();
        let (mut key, mut kind, mut member, mut group, mut at) = (None, None, None, None, None);
        let (mut amount, mut product, mut reference, mut tenant) = (None, None, None, None);
        let mut props = serde_json::Map::new();
        let mut json_props: Option<serde_json::Map<String, serde_json::Value>> = None;
        let id = |v: &str, what: &str| {
            parse_int(v).map_err(|_| format!("must be a {what} id (a whole number)"))
        };
        for (col, header, v) in self.h.cells(row, &mut errors) {
            let done: Result<(), String> = match col {
                Col::Field(IdempotencyKey) => {
                    key = Some(v.to_string());
                    Ok(())
                }
                Col::Field(Kind) => {
                    kind = Some(v.to_string());
                    Ok(())
                }
                Col::Field(MemberId) => id(v, "member").map(|n| member = Some(n)),
                Col::Field(GroupId) => id(v, "group").map(|n| group = Some(n)),
                Col::Field(TenantId) => id(v, "tenant").map(|n| tenant = Some(n)),
                Col::Field(OccurredAt) => parse_occurred_at(v).map(|ms| at = Some(ms)),
                Col::Field(Ts) => parse_unix_seconds(v).map(|ms| at = Some(ms)),
                Col::Field(AmountFen) => parse_int(v)
                    .map(|n| amount = Some(n))
                    .map_err(|_| "must be a whole number of fen".to_string()),
                Col::Field(AmountYuan) => yuan_to_fen(v).map(|n| amount = Some(n)),
                // The benchmark writes 0 for "no amount".
                Col::Field(Amount) => yuan_to_fen(v).map(|n| amount = (n != 0).then_some(n)),
                Col::Field(Product) => {
                    product = Some(v.to_string());
                    Ok(())
                }
                // The benchmark writes 0 for "no product".
                Col::Field(ProductId) => {
                    product = (v != "0").then(|| v.to_string());
                    Ok(())
                }
                Col::Field(Reference) => {
                    reference = Some(v.to_string());
                    Ok(())
                }
                Col::Field(Properties) => match serde_json::from_str(v) {
                    Ok(serde_json::Value::Object(m)) => {
                        json_props = Some(m);
                        Ok(())
                    }
                    _ => Err("must be a JSON object, e.g. {\"join_scene\":\"poster\"}".into()),
                },
                Col::Keyed(k, _) => {
                    props.insert(k.clone(), property_value(v));
                    Ok(())
                }
                Col::Unnamed | Col::Ignored => Ok(()),
            };
            if let Err(reason) = done {
                errors.push(RowError::new(line, header, reason));
            }
        }
        let mut required = |v: bool, f: &[EventField], fallback: &str| {
            if !v {
                let name = f
                    .iter()
                    .find_map(|f| self.h.name_of(*f))
                    .unwrap_or(fallback);
                if !errors.iter().any(|e| e.field == name) {
                    errors.push(RowError::new(line, name, "is required"));
                }
            }
        };
        required(kind.is_some(), &[Kind], "kind");
        required(member.is_some(), &[MemberId], "member_id");
        required(at.is_some(), &[OccurredAt, Ts], "occurred_at");
        let (Some(kind), Some(member_id), Some(occurred_at_ms), true) =
            (kind, member, at, errors.is_empty())
        else {
            return Err(errors);
        };
        let explicit_key = key.is_some();
        let properties = match (json_props, props.is_empty()) {
            (None, true) => None,
            (None, false) => Some(props),
            (Some(mut j), _) => {
                j.extend(props);
                Some(j)
            }
        };
        Ok(EventRow {
            input: EventInput {
                idempotency_key: key.unwrap_or_else(|| derived_key(row)),
                kind,
                member_id,
                group_id: group,
                occurred_at_ms,
                amount_fen: amount,
                product,
                reference,
                properties,
            },
            tenant_id: tenant,
            explicit_key,
        })
    }

    /// Maps and validates a row against the tenant's kinds and the clock.
    pub fn parse(&self, row: &Row, ctx: &BatchContext<'_>) -> Result<ParsedEvent, Vec<RowError>> {
        let mapped = self.map(row)?;
        let event = mapped
            .input
            .parse(0, ctx)
            .map_err(|errs| field_errors(row.line, errs, |f| self.column_name(f)))?;
        Ok(ParsedEvent {
            event,
            tenant_id: mapped.tenant_id,
            explicit_key: mapped.explicit_key,
        })
    }

    /// The file's name for a field the domain names.
    pub fn column_name(&self, canonical: &str) -> String {
        use EventField::*;
        let candidates: &[EventField] = match canonical {
            "idempotency_key" => &[IdempotencyKey],
            "kind" => &[Kind],
            "member_id" => &[MemberId],
            "group_id" => &[GroupId],
            "occurred_at_ms" => &[OccurredAt, Ts],
            "amount_fen" => &[AmountFen, AmountYuan, Amount],
            "product" => &[Product, ProductId],
            "reference" => &[Reference],
            "tenant_id" => &[TenantId],
            _ => &[],
        };
        candidates
            .iter()
            .find_map(|f| self.h.name_of(*f))
            .unwrap_or(canonical)
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn headers(h: &[&str]) -> Arc<[String]> {
        h.iter().map(|s| s.to_string()).collect::<Vec<_>>().into()
    }

    fn row(line: usize, h: &Arc<[String]>, v: &[&str]) -> Row {
        Row::new(line, h.clone(), v.iter().map(|s| s.to_string()).collect())
    }

    fn fields(errs: &[RowError]) -> Vec<(usize, &str)> {
        errs.iter().map(|e| (e.line, e.field.as_str())).collect()
    }

    const CTX: BatchContext<'static> = BatchContext {
        custom_kinds: &[],
        now_ms: 1_800_000_000_000,
    };

    fn birthday() -> Vec<CustomFieldDef> {
        vec![
            CustomFieldDef {
                key: "birthday".into(),
                label: "生日".into(),
                kind: CustomFieldKind::Date,
            },
            CustomFieldDef {
                key: "kids".into(),
                label: "孩子数".into(),
                kind: CustomFieldKind::Number,
            },
        ]
    }

    #[test]
    fn a_member_row_maps_every_column() -> Result<(), Vec<RowError>> {
        let h = headers(&[
            "name",
            "gender",
            "district",
            "interests",
            "spending_tier",
            "lifecycle_stage",
            "source_channel",
            "external_userid",
            "unionid",
            "phone",
            "custom.birthday",
            "custom.kids",
            "error",
        ]);
        let cols = MemberColumns::new(&h, 1, &birthday())?;
        let m = cols.parse(&row(
            2,
            &h,
            &[
                "王芳",
                "女",
                "南山区",
                "宝妈|养生、健身,宝妈",
                "VIP",
                "active",
                "poster",
                "wm1",
                "u1",
                "+86 138-0013-8000",
                "1990/05/20",
                "2",
                "old reason",
            ],
        ))?;
        assert_eq!(m.name, "王芳");
        assert_eq!(m.gender.as_str(), "female");
        assert_eq!(m.interests, vec!["宝妈", "养生", "健身"]);
        assert_eq!(m.spending_tier.as_str(), "vip");
        assert_eq!(m.external.phone.as_deref(), Some("13800138000"));
        assert_eq!(
            m.custom.get("birthday"),
            Some(&serde_json::json!("1990-05-20"))
        );
        assert_eq!(m.custom.get("kids"), Some(&serde_json::json!(2)));
        Ok(())
    }

    #[test]
    fn bad_member_cells_are_reported_by_line_and_column() -> Result<(), Vec<RowError>> {
        let h = headers(&["姓名", "gender", "phone", "custom.kids"]);
        let cols = MemberColumns::new(&h, 1, &birthday())?;
        let errs = cols
            .parse(&row(7, &h, &["", "robot", "12345", "many"]))
            .err()
            .unwrap_or_default();
        assert_eq!(
            fields(&errs),
            vec![(7, "custom.kids")],
            "type errors come first, then the domain's"
        );
        let errs = cols
            .parse(&row(8, &h, &["", "robot", "12345", "3"]))
            .err()
            .unwrap_or_default();
        assert_eq!(
            fields(&errs),
            vec![(8, "姓名"), (8, "gender"), (8, "phone")]
        );
        assert!(errs[0].reason.contains("required"));
        Ok(())
    }

    #[test]
    fn too_long_interests_name_the_item() -> Result<(), Vec<RowError>> {
        let h = headers(&["name", "interests"]);
        let cols = MemberColumns::new(&h, 1, &[])?;
        let long = "长".repeat(40);
        let errs = cols
            .parse(&row(3, &h, &["a", &format!("x|{long}")]))
            .err()
            .unwrap_or_default();
        assert_eq!(fields(&errs), vec![(3, "interests")]);
        assert!(errs[0].reason.starts_with("item 2:"), "{}", errs[0].reason);
        Ok(())
    }

    #[test]
    fn member_headers_unknown_repeated_or_missing_are_line_one_errors() {
        let errs = MemberColumns::new(
            &headers(&["name", "nickname", "phone", "phone", "custom.shoe"]),
            1,
            &birthday(),
        )
        .err()
        .unwrap_or_default();
        assert_eq!(
            fields(&errs),
            vec![(1, "nickname"), (1, "phone"), (1, "custom.shoe")]
        );
        assert!(errs[0].reason.contains("unknown column"));
        assert!(errs[1].reason.contains("twice"));
        let errs = MemberColumns::new(&headers(&["phone"]), 1, &[])
            .err()
            .unwrap_or_default();
        assert_eq!(fields(&errs), vec![(1, "name")]);
    }

    #[test]
    fn values_under_a_nameless_column_are_refused() -> Result<(), Vec<RowError>> {
        let h = headers(&["name", ""]);
        let cols = MemberColumns::new(&h, 1, &[])?;
        assert!(cols.parse(&row(2, &h, &["a", ""])).is_ok());
        let errs = cols
            .parse(&row(3, &h, &["a", "x"]))
            .err()
            .unwrap_or_default();
        assert_eq!(fields(&errs), vec![(3, "column 2")]);
        Ok(())
    }

    #[test]
    fn a_group_row_maps_and_validates() -> Result<(), Vec<RowError>> {
        let h = headers(&[
            "name",
            "dimension",
            "theme",
            "rules",
            "capacity_hard",
            "capacity_advised",
            "external_chat_id",
        ]);
        let cols = GroupColumns::new(&h, 1)?;
        let g = cols.parse(&row(
            2,
            &h,
            &[
                "南山宝妈1群",
                "Interest",
                "育儿",
                "不发广告",
                "500",
                "200.0",
                "wr1",
            ],
        ))?;
        assert_eq!(g.name, "南山宝妈1群");
        assert_eq!(g.dimension.as_str(), "interest");
        assert_eq!((g.capacity_hard, g.capacity_advised), (500, 200));
        let errs = cols
            .parse(&row(3, &h, &["x", "space", "", "", "600", "big", ""]))
            .err()
            .unwrap_or_default();
        assert_eq!(fields(&errs), vec![(3, "capacity_advised")]);
        let errs = cols
            .parse(&row(4, &h, &["x", "space", "", "", "600", "", ""]))
            .err()
            .unwrap_or_default();
        assert_eq!(fields(&errs), vec![(4, "dimension"), (4, "capacity_hard")]);
        Ok(())
    }

    #[test]
    fn an_event_row_maps_dates_money_and_properties() -> Result<(), Vec<RowError>> {
        let h = headers(&[
            "kind",
            "member_id",
            "group_id",
            "occurred_at",
            "amount_yuan",
            "product",
            "reference",
            "properties.join_scene",
            "properties.inviter_member_id",
        ]);
        let cols = EventColumns::new(&h, 1)?;
        assert!(!cols.has_keys());
        let r = row(
            2,
            &h,
            &[
                "order",
                "12",
                "3",
                "2025-01-01 08:00:00",
                "19.99",
                "sku-1",
                "camp",
                "poster",
                "7",
            ],
        );
        let p = cols.parse(&r, &CTX)?;
        let e = &p.event;
        assert_eq!(e.occurred_at_ms, 1_735_689_600_000);
        assert_eq!(e.amount_fen, Some(1999));
        assert_eq!(e.member_id.0, 12);
        assert_eq!(e.group_id.map(|g| g.0), Some(3));
        assert_eq!(e.inviter().map(|m| m.0), Some(7));
        assert_eq!(e.join_scene().as_deref(), Some("poster"));
        assert!(!p.explicit_key);
        assert!(e.idempotency_key.starts_with("import-2-"));
        assert_eq!(
            e.idempotency_key,
            derived_key(&r),
            "derived keys are deterministic"
        );
        let moved = row(
            3,
            &h,
            &r.values.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        assert_ne!(
            derived_key(&moved),
            e.idempotency_key,
            "the line is part of the key"
        );
        Ok(())
    }

    #[test]
    fn a_derived_key_is_the_fnv_hash_of_the_rows_pairs_without_the_error_column() {
        let r = row(
            5,
            &headers(&["kind", "error", "member_id"]),
            &["join", "x", " 7 "],
        );
        let parts: [&[u8]; 8] = [
            b"kind",
            b"\x1f",
            b"join",
            b"\x1e",
            b"member_id",
            b"\x1f",
            b"7",
            b"\x1e",
        ];
        assert_eq!(
            derived_key(&r),
            format!("import-5-{:016x}", crate::convert::fnv1a64(&parts))
        );
    }

    #[test]
    fn bad_event_rows_name_the_files_columns() -> Result<(), Vec<RowError>> {
        let h = headers(&[
            "idempotency_key",
            "kind",
            "member_id",
            "occurred_at",
            "amount_fen",
        ]);
        let cols = EventColumns::new(&h, 1)?;
        assert!(cols.has_keys());
        let errs = cols
            .parse(&row(5, &h, &["k1", "order", "x", "soon", "1.5"]), &CTX)
            .err()
            .unwrap_or_default();
        assert_eq!(
            fields(&errs),
            vec![(5, "member_id"), (5, "occurred_at"), (5, "amount_fen")]
        );
        let errs = cols
            .parse(&row(6, &h, &["k 2", "dance", "1", "1700000000", ""]), &CTX)
            .err()
            .unwrap_or_default();
        assert_eq!(
            fields(&errs),
            vec![(6, "idempotency_key"), (6, "kind"), (6, "occurred_at")]
        );
        let errs = cols
            .parse(&row(7, &h, &["k3", "", "", "", ""]), &CTX)
            .err()
            .unwrap_or_default();
        assert_eq!(
            fields(&errs),
            vec![(7, "kind"), (7, "member_id"), (7, "occurred_at")]
        );
        Ok(())
    }

    #[test]
    fn the_benchmark_format_is_understood() -> Result<(), Vec<RowError>> {
        let h = headers(&[
            "tenant_id",
            "member_id",
            "group_id",
            "kind",
            "ts",
            "amount",
            "product_id",
        ]);
        let cols = EventColumns::new(&h, 1)?;
        let order = cols.parse(
            &row(
                2,
                &h,
                &["3", "17", "5", "order", "1735689600", "30.5", "42"],
            ),
            &CTX,
        )?;
        assert_eq!(order.tenant_id, Some(3));
        assert_eq!(order.event.occurred_at_ms, 1_735_689_600_000);
        assert_eq!(order.event.amount_fen, Some(3050));
        assert_eq!(order.event.product.as_deref(), Some("42"));
        let msg = cols.parse(
            &row(3, &h, &["3", "17", "5", "message", "1735689601", "0", "0"]),
            &CTX,
        )?;
        assert_eq!((msg.event.amount_fen, msg.event.product), (None, None));
        let errs = cols
            .parse(
                &row(4, &h, &["3", "17", "5", "order", "1735689601", "0", "0"]),
                &CTX,
            )
            .err()
            .unwrap_or_default();
        assert_eq!(fields(&errs), vec![(4, "amount")]);
        Ok(())
    }

    #[test]
    fn event_headers_refuse_unknown_missing_and_conflicting_columns() {
        let errs = EventColumns::new(&headers(&["kind", "member", "when"]), 1)
            .err()
            .unwrap_or_default();
        assert_eq!(fields(&errs), vec![(1, "member"), (1, "when")]);
        let errs = EventColumns::new(&headers(&["kind", "member_id"]), 1)
            .err()
            .unwrap_or_default();
        assert_eq!(fields(&errs), vec![(1, "occurred_at")]);
        let errs = EventColumns::new(
            &headers(&[
                "kind",
                "member_id",
                "ts",
                "occurred_at",
                "amount",
                "amount_fen",
            ]),
            1,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(fields(&errs), vec![(1, "occurred_at"), (1, "amount_fen")]);
    }

    #[test]
    fn a_row_defect_is_the_only_error_reported() -> Result<(), Vec<RowError>> {
        let h = headers(&["name"]);
        let cols = MemberColumns::new(&h, 1, &[])?;
        let mut r = row(9, &h, &["a"]);
        r.defect = Some(RowError::new(9, "", "has 3 cells"));
        assert_eq!(cols.parse(&r).err().map(|e| e.len()), Some(1));
        Ok(())
    }

    #[test]
    fn the_row_hasher_is_the_derived_hash_of_a_known_row() {
        let h: Vec<String> = ["tenant_id", "member_id", "Error", "kind"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let values = ["2", " 919839 ", "bad", "join"];
        let pairs = h.iter().map(String::as_str).zip(values);
        assert_eq!(RowHasher::new(&h).hash(values), derived_hash(pairs));
        // No column at all, or only the error column: the offset basis.
        assert_eq!(RowHasher::new(&[]).hash([]), derived_hash([]));
        let only_error = vec!["error".to_string()];
        assert_eq!(
            RowHasher::new(&only_error).hash(["x"]),
            0xcbf2_9ce4_8422_2325
        );
    }

    proptest::proptest! {
        #[test]
        fn the_row_hasher_equals_the_derived_hash_of_any_row(
            names in proptest::collection::vec("[a-zA-Z_\\x1e\\x1f é]{0,12}|error|ERROR", 0..8),
            values in proptest::collection::vec("[ -~\\u{3000}\\u{a0}\\x1e\\x1f茶]{0,16}", 0..10),
        ) {
            let pairs = names.iter().map(String::as_str).zip(values.iter().map(String::as_str));
            let expected = derived_hash(pairs);
            proptest::prop_assert_eq!(
                RowHasher::new(&names).hash(values.iter().map(String::as_str)),
                expected
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn a_cell_trims_as_str_trim(s in "[ \\t\\x0b\\x0c\\r\\n\\u{a0}\\u{3000}a-z0-9é]{0,8}") {
            proptest::prop_assert_eq!(trim_cell(&s), s.trim());
        }
    }
}
