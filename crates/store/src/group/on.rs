//! A group read and created on [`On`] (the async driver's transaction or the embedded
//! store's writer): what a scan needs when it opens the next group from a template.

use quanzi_domain::group::NewGroup;
use quanzi_domain::{GroupId, TenantId};
use rusqlite::{OptionalExtension, params};

use super::{Group, SELECT};
use crate::on::{On, prepare};
use crate::{Result, StoreError, on_tx};

const INSERT: &str = "insert into chat_group (tenant_id, name, dimension, theme, rules, capacity_hard, capacity_advised, external_chat_id, created_at_ms, updated_at_ms)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) returning group_id";

fn group_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Group> {
    Ok(Group {
        group_id: r.get(0)?,
        tenant_id: r.get(1)?,
        name: r.get(2)?,
        dimension: r.get(3)?,
        theme: r.get(4)?,
        rules: r.get(5)?,
        capacity_hard: r.get(6)?,
        capacity_advised: r.get(7)?,
        external_chat_id: r.get(8)?,
        size: r.get(9)?,
        created_at_ms: r.get(10)?,
        updated_at_ms: r.get(11)?,
        archived_at_ms: r.get(12)?,
    })
}

/// A group of the tenant, read in the unit's transaction.
pub async fn get_on(on: &mut On<'_>, tenant: TenantId, id: GroupId) -> Result<Option<Group>> {
    let sql = format!("{SELECT} where g.tenant_id = $1 and g.group_id = $2");
    match on {
        On::Tx(tx) => on_tx!(&mut **tx, c => sqlx::query_as::<_, Group>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0).bind(id.0).fetch_optional(c).await.map_err(Into::into)),
        On::Writer(c) => Ok(prepare(c, &sql)?
            .query_row(params![tenant.0, id.0], group_row)
            .optional()?),
    }
}

/// Creates a group in the unit's transaction.
pub async fn create_on(
    on: &mut On<'_>,
    tenant: TenantId,
    g: &NewGroup,
    created_at_ms: i64,
) -> Result<Group> {
    let id: i64 = match on {
        On::Tx(tx) => on_tx!(&mut **tx, c => sqlx::query_scalar(INSERT)
            .bind(tenant.0).bind(&g.name).bind(g.dimension.as_str()).bind(&g.theme).bind(&g.rules)
            .bind(g.capacity_hard).bind(g.capacity_advised).bind(&g.external_chat_id).bind(created_at_ms)
            .fetch_one(c).await)?,
        On::Writer(c) => prepare(c, INSERT)?.query_row(
            params![
                tenant.0,
                g.name,
                g.dimension.as_str(),
                g.theme,
                g.rules,
                g.capacity_hard,
                g.capacity_advised,
                g.external_chat_id,
                created_at_ms
            ],
            |r| r.get(0),
        )?,
    };
    // A row inserted by this transaction is visible to it.
    get_on(on, tenant, GroupId(id))
        .await?
        .ok_or(StoreError::Db(sqlx::Error::RowNotFound))
}
