//! The columns of a groups file: their names (English and Chinese), and a row mapped to the
//! domain's group input and validated.

use quanzi_domain::group::{GroupInput, NewGroup};

use super::errors::{defect, field_errors};
use super::header::{Col, Header, check_required};
use crate::convert::parse_int;
use crate::import::{Row, RowError};

/// What a column of a groups file can feed.
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

/// The columns a groups file may have, for the unknown-column error.
const GROUP_COLUMNS: &str =
    "name, dimension, theme, rules, capacity_hard, capacity_advised and external_chat_id";

/// The field a lowercased header names, in English or Chinese.
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

/// The domain's name of a field.
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
