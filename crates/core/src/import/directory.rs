//! The member and group importers: each row's checks against the file (unique ids repeated on
//! an earlier line) and the store (ids already stored are duplicates), and their writes.

use std::collections::HashMap;

use quanzi_channels::import::{Row, RowError};
use quanzi_channels::mapping::{GroupColumns, MemberColumns};
use quanzi_domain::TenantId;
use quanzi_domain::group::NewGroup;
use quanzi_domain::member::NewMember;
use quanzi_store::member::MemberFilter;
use quanzi_store::{Db, Tx, group, member, now_ms};

use super::{Checked, GROUP_CHUNK, MEMBER_CHUNK};
use crate::Result;

pub(super) enum Good {
    Members(Vec<NewMember>),
    Groups(Vec<NewGroup>),
}

/// Where a unique value was seen: stored already, or on an earlier line of this file.
#[derive(Debug, Clone, Copy)]
enum Seen {
    Stored(i64),
    Line(usize),
}

/// One kind's checks and writes. An enum rather than a trait so the future stays `Send`.
pub(super) enum Importer {
    Members(MemberImporter),
    Groups(GroupImporter),
}

pub(super) struct MemberImporter {
    cols: MemberColumns,
    /// phone, unionid, external_userid → where seen.
    seen: [HashMap<String, Seen>; 3],
}

pub(super) struct GroupImporter {
    cols: GroupColumns,
    chat_ids: HashMap<String, Seen>,
}

const MEMBER_IDS: [&str; 3] = ["phone", "unionid", "external_userid"];

impl Importer {
    pub(super) fn members(cols: MemberColumns) -> Self {
        Importer::Members(MemberImporter {
            cols,
            seen: Default::default(),
        })
    }

    pub(super) fn groups(cols: GroupColumns) -> Self {
        Importer::Groups(GroupImporter {
            cols,
            chat_ids: HashMap::new(),
        })
    }

    pub(super) fn chunk_size(&self) -> usize {
        match self {
            Importer::Members(_) => MEMBER_CHUNK,
            Importer::Groups(_) => GROUP_CHUNK,
        }
    }

    /// Loads what rows are checked against: the tenant's unique member and group ids, or its
    /// event kinds.
    pub(super) async fn prepare(&mut self, db: &Db, t: TenantId) -> Result<()> {
        match self {
            Importer::Members(m) => {
                let mut after = None;
                loop {
                    let filter = MemberFilter {
                        after,
                        limit: 5000,
                        ..Default::default()
                    };
                    let page = member::list(db, t, &filter).await?;
                    let Some(last) = page.last() else { break };
                    after = Some(last.member_id);
                    for mem in &page {
                        let ids = [&mem.phone, &mem.unionid, &mem.external_userid];
                        for (map, v) in m.seen.iter_mut().zip(ids) {
                            if let Some(v) = v {
                                map.insert(v.clone(), Seen::Stored(mem.member_id));
                            }
                        }
                    }
                }
            }
            Importer::Groups(g) => {
                let mut after = None;
                loop {
                    let page = group::list(db, t, None, after, 1000).await?;
                    let Some(last) = page.last() else { break };
                    after = Some(last.group_id);
                    for gr in page {
                        if let Some(c) = gr.external_chat_id {
                            g.chat_ids.insert(c, Seen::Stored(gr.group_id));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn check(&mut self, rows: Vec<Row>) -> Checked<Good> {
        match self {
            Importer::Members(m) => m.check(rows).map_good(Good::Members),
            Importer::Groups(g) => g.check(rows).map_good(Good::Groups),
        }
    }

    /// Writes checked rows; returns (new, duplicates).
    pub(super) async fn store(
        &mut self,
        tx: &mut Tx,
        t: TenantId,
        good: Good,
    ) -> Result<(u64, u64)> {
        let now = now_ms();
        Ok(match good {
            Good::Members(ms) => {
                let rows: Vec<(NewMember, i64)> = ms.into_iter().map(|m| (m, now)).collect();
                let ids = crate::members::on_member_keys(member::create_many(tx, t, &rows).await)?;
                (ids.len() as u64, 0)
            }
            Good::Groups(gs) => {
                for g in &gs {
                    crate::groups::on_group_keys(group::create(tx, t, g, now).await)?;
                }
                (gs.len() as u64, 0)
            }
        })
    }
}

/// Checks a unique value: a repeat of an earlier line is an error, a stored one a duplicate.
fn unique(
    seen: &HashMap<String, Seen>,
    value: Option<&String>,
    line: usize,
    column: &str,
    errors: &mut Vec<RowError>,
) -> Option<i64> {
    match seen.get(value?)? {
        Seen::Line(first) => {
            errors.push(RowError::new(
                line,
                column,
                format!("repeats the {column} of line {first}"),
            ));
            None
        }
        Seen::Stored(id) => Some(*id),
    }
}

impl MemberImporter {
    fn check(&mut self, rows: Vec<Row>) -> Checked<Vec<NewMember>> {
        let mut out = Checked::with_capacity(rows.len());
        for row in rows {
            let m = match self.cols.parse(&row) {
                Ok(m) => m,
                Err(e) => {
                    out.bad.push((row, e));
                    continue;
                }
            };
            let ids = [
                m.external.phone.clone(),
                m.external.unionid.clone(),
                m.external.external_userid.clone(),
            ];
            let values = ids.each_ref().map(Option::as_ref);
            let mut errors = Vec::new();
            let mut stored: Option<(i64, &str)> = None;
            for ((map, value), field) in self.seen.iter().zip(values).zip(MEMBER_IDS) {
                let column = self.cols.column_name(field);
                if let Some(id) = unique(map, value, row.line, &column, &mut errors) {
                    match stored {
                        Some((other, first)) if other != id => errors.push(RowError::new(
                            row.line,
                            column,
                            format!("belongs to member {id}, but the {first} to member {other}"),
                        )),
                        _ => stored = Some((id, field)),
                    }
                }
            }
            let line = row.line;
            if out.file(row, errors, stored.is_some(), m) {
                for (map, value) in self.seen.iter_mut().zip(ids) {
                    if let Some(v) = value {
                        map.insert(v, Seen::Line(line));
                    }
                }
            }
        }
        out
    }
}

impl GroupImporter {
    fn check(&mut self, rows: Vec<Row>) -> Checked<Vec<NewGroup>> {
        let mut out = Checked::with_capacity(rows.len());
        for row in rows {
            let g = match self.cols.parse(&row) {
                Ok(g) => g,
                Err(e) => {
                    out.bad.push((row, e));
                    continue;
                }
            };
            let mut errors = Vec::new();
            let column = self.cols.column_name("external_chat_id");
            let stored = unique(
                &self.chat_ids,
                g.external_chat_id.as_ref(),
                row.line,
                &column,
                &mut errors,
            );
            let (line, chat_id) = (row.line, g.external_chat_id.clone());
            if out.file(row, errors, stored.is_some(), g)
                && let Some(c) = chat_id
            {
                self.chat_ids.insert(c, Seen::Line(line));
            }
        }
        out
    }
}
