//! The one SQLite connection set-up: every connection to the embedded store — the async
//! pool's, the event writer's, a bulk load's, an analytics scan's — opens with the same
//! pragmas (WAL, `synchronous = full`, foreign keys on, a 30 s busy wait, temporary tables in
//! memory); only the page cache differs by use.

use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

/// How long a connection waits for another's write lock.
const BUSY: Duration = Duration::from_secs(30);
/// The pool's page cache, KiB.
pub(crate) const POOL_CACHE_KIB: i64 = 65_536;
/// The WAL a writing connection keeps when the WAL starts over: one that grew under a burst
/// (or a bulk load's one transaction) is cut back to this, bytes.
const WAL_KEEP_BYTES: i64 = 64 << 20;

/// How much of the database file a reading connection maps into memory, bytes: its reads
/// then copy from the mapping instead of making a `pread` per page, which matters while an
/// ingest commits every few milliseconds and each new read transaction must look again at
/// the pages it uses.
const READ_MMAP_BYTES: i64 = 1 << 30;

/// The read pool's connections: as many as the machine has cores (at least 2, at most 8).
/// Each pooled connection is a thread of the driver's; more threads than cores do not read
/// faster, they take turns on the cores with the one writer thread, whose commits every
/// write waits for — with 8 of them a closed loop of reads took the writer's time and a
/// concurrent ingest fell to half (bench/README.md). No read holds one connection while it
/// acquires another (no read transactions, no streamed results), so a small pool cannot
/// deadlock; a read beyond the pool waits its turn.
pub(crate) fn read_connections() -> u32 {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8) as u32)
}

/// The read pool's options for the database file at `path`: [`pool_options`], with the
/// file mapped into memory ([`READ_MMAP_BYTES`]).
pub(crate) fn read_pool_options(path: &str) -> SqliteConnectOptions {
    pool_options(path).pragma("mmap_size", READ_MMAP_BYTES.to_string())
}

/// The write pool's options for the database file at `path`.
pub(crate) fn pool_options(path: &str) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(BUSY)
        .pragma("cache_size", format!("-{POOL_CACHE_KIB}"))
        .pragma("temp_store", "memory")
        .pragma("journal_size_limit", WAL_KEEP_BYTES.to_string())
}

/// A read-write connection of its own to the database file at `path`, with a page cache of
/// `cache_kib` KiB.
pub(crate) fn open(path: &str, cache_kib: i64) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    set_up(&conn, cache_kib)?;
    conn.execute_batch(&format!(
        "pragma journal_mode = wal; pragma journal_size_limit = {WAL_KEEP_BYTES};"
    ))?;
    // The writer's statements: events, membership, outbox and the features' units.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// A read-only connection of its own (a scan: readers never wait for the writer in WAL mode),
/// its file mapped into memory up to 1 GiB.
pub(crate) fn open_read_only(path: &str, cache_kib: i64) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    set_up(&conn, cache_kib)?;
    conn.execute_batch(&format!("pragma mmap_size = {READ_MMAP_BYTES};"))?;
    Ok(conn)
}

fn set_up(conn: &Connection, cache_kib: i64) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY)?;
    conn.execute_batch(&format!(
        "pragma synchronous = full; pragma foreign_keys = on; pragma temp_store = memory;
         pragma cache_size = -{cache_kib};"
    ))
}
