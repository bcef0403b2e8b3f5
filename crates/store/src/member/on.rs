//! A member created and its source set on [`On`] (the async driver's transaction or the
//! embedded store's writer): what a scan writes for a new visitor.

use quanzi_domain::member::NewMember;
use quanzi_domain::{MemberId, TenantId};

use super::{insert_args, insert_one};
use crate::on::{On, prepare};
use crate::{Result, bind_args, on_tx};

const SET_SOURCE: &str = "update member set source_channel = $3, updated_at_ms = $4
    where tenant_id = $1 and member_id = $2 and source_channel is null";

/// Creates a member in a unit's transaction; answers its id.
pub async fn create_on(
    on: &mut On<'_>,
    tenant: TenantId,
    m: &NewMember,
    created_at_ms: i64,
) -> Result<MemberId> {
    let sql = insert_one("member_id");
    let args = insert_args(tenant, m, created_at_ms);
    let id: i64 = match on {
        On::Tx(tx) => {
            on_tx!(&mut **tx, c => bind_args!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)), args).fetch_one(c).await)?
        }
        On::Writer(c) => {
            prepare(c, &sql)?.query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?
        }
    };
    Ok(MemberId(id))
}

/// Records where the member came from, unless a source is recorded already.
pub async fn set_source_on(
    on: &mut On<'_>,
    tenant: TenantId,
    member: MemberId,
    source: &str,
    now: i64,
) -> Result<()> {
    match on {
        On::Tx(tx) => on_tx!(&mut **tx, c => sqlx::query(SET_SOURCE)
            .bind(tenant.0).bind(member.0).bind(source).bind(now).execute(c).await.map(|_| ()))?,
        On::Writer(c) => {
            prepare(c, SET_SOURCE)?.execute(rusqlite::params![tenant.0, member.0, source, now])?;
        }
    }
    Ok(())
}
