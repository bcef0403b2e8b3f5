//! [`On`]: where a feature's unit of work runs its statements — an open transaction of the
//! async driver (either store), or the embedded store's writer connection inside its group
//! commit ([`crate::writer`]). A feature writes its unit once, as async code over `On`; on
//! the writer every statement is a call on that thread (the futures never wait), elsewhere
//! a round trip to the driver. Each `_on` function of the store runs the same SQL on both.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use rusqlite::types::{ToSqlOutput, Value};
use rusqlite::{Connection, ToSql};

use crate::writer::numbered;
use crate::{Arg, Db, Result, StoreError, Tx};

/// Where a unit's statements run.
pub enum On<'a> {
    /// An open transaction of the async driver.
    Tx(&'a mut Tx),
    /// The embedded store's writer connection, in its open transaction.
    Writer(&'a mut Connection),
}

impl std::fmt::Debug for On<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            On::Tx(_) => "On::Tx",
            On::Writer(_) => "On::Writer",
        })
    }
}

impl On<'_> {
    /// The async driver's transaction, when the unit runs in one.
    pub fn tx(&mut self) -> Option<&mut Tx> {
        match self {
            On::Tx(tx) => Some(tx),
            On::Writer(_) => None,
        }
    }

    /// Marks a point the unit can roll back to ([`On::rollback_to`]) or keep ([`On::release`]).
    pub async fn savepoint(&mut self) -> Result<()> {
        match self {
            On::Tx(tx) => tx.savepoint().await,
            On::Writer(c) => run(c, "savepoint unit"),
        }
    }

    /// Keeps the work since the savepoint.
    pub async fn release(&mut self) -> Result<()> {
        match self {
            On::Tx(tx) => tx.release().await,
            On::Writer(c) => run(c, "release savepoint unit"),
        }
    }

    /// Undoes the work since the savepoint (and releases it).
    pub async fn rollback_to(&mut self) -> Result<()> {
        match self {
            On::Tx(tx) => tx.rollback_to().await,
            On::Writer(c) => {
                run(c, "rollback to savepoint unit")?;
                run(c, "release savepoint unit")
            }
        }
    }
}

/// Runs one statement without parameters, prepared once.
fn run(c: &Connection, sql: &str) -> Result<()> {
    c.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// Runs `work` on the embedded store's writer thread with [`On::Writer`], in a transaction
/// shared with what is queued there, and answers once committed (an answered `Ok` is on
/// disk; an `Err` undid only this unit). `work` may run more than once, so it must read
/// everything it decides on inside. `None` on PostgreSQL, where the caller runs the same
/// unit in a transaction of its own or a shared one ([`On::Tx`]).
pub async fn on_writer<T, E>(
    db: &Db,
    work: impl FnMut(&mut On<'_>) -> std::result::Result<T, E> + Send + 'static,
) -> Option<std::result::Result<T, E>>
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    let Db::Sqlite(_, lane) = db else {
        return None;
    };
    let mut work = work;
    Some(lane.unit(move |c| work(&mut On::Writer(c))).await)
}

/// The output of a unit's future on the writer, which never waits: every statement there is
/// a call on the thread. A future that does wait is a unit awaiting something that is not
/// the store, a bug: it is refused (and its statements rolled back) instead of blocking the
/// writer.
pub fn ready<T, E: From<StoreError>>(
    f: impl Future<Output = std::result::Result<T, E>>,
) -> std::result::Result<T, E> {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => {
            Err(StoreError::Commit("a writer unit waited for something".into()).into())
        }
    }
}

impl ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(match self {
            Arg::I64(v) => Value::Integer(*v),
            Arg::OptI64(v) => v.map_or(Value::Null, Value::Integer),
            Arg::Str(v) => Value::Text(v.clone()),
            Arg::OptStr(v) => v.clone().map_or(Value::Null, Value::Text),
            Arg::F64(v) => Value::Real(*v),
        }))
    }
}

thread_local! {
    /// The statements' texts with SQLite's placeholders, by their texts with the store's: the
    /// writer thread's (its statements are a few dozen).
    static NUMBERED: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// Prepares `sql` (with the store's `$N` placeholders) on the writer's connection, from its
/// statement cache.
pub(crate) fn prepare<'c>(c: &'c Connection, sql: &str) -> Result<rusqlite::CachedStatement<'c>> {
    NUMBERED.with_borrow_mut(|texts| {
        if texts.len() > 1_000 {
            texts.clear(); // statements made per call (a list of ids) must not grow it
        }
        if let Some(text) = texts.get(sql) {
            return Ok(c.prepare_cached(text)?);
        }
        let text = numbered(sql);
        let st = c.prepare_cached(&text)?;
        texts.insert(sql.to_string(), text);
        Ok(st)
    })
}
