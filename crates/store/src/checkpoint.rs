//! The embedded store's WAL checkpoints, off the commit path: the event writer's connection
//! never checkpoints (`wal_autocheckpoint = 0`), and this thread copies the WAL back into the
//! database with a `PASSIVE` checkpoint every half second on a connection of its own.
//! Checkpointing inside the writer's commits cost about a quarter of its time under a spread
//! ingest (bench/README.md); a passive checkpoint never waits for a writer or a reader.
//!
//! Under a sustained write load passive checkpoints never let the WAL start over: frames are
//! appended while one copies, and a reader is nearly always inside the WAL when a write
//! begins, so SQLite keeps appending — it grew by gigabytes in a minute, every new frame
//! extending the file. So when the WAL holds more than [`RESTART_FRAMES`], the thread takes the
//! process's write lock and runs a `RESTART` checkpoint: it copies the frames written since
//! the passive one and waits for the readers still inside the WAL (a read takes
//! milliseconds), so the next write transaction starts the WAL from its beginning (the
//! writer's `journal_size_limit` trims a WAL that grew under a burst).

use std::sync::{Arc, mpsc};
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::Mutex;

/// How often the WAL is checkpointed.
const EVERY: Duration = Duration::from_millis(500);
/// How long a `RESTART` checkpoint waits for the readers still inside the WAL before it gives
/// up until the next round: it holds the write lock meanwhile, and a long scan must not stall
/// the writes.
const READER_WAIT: Duration = Duration::from_millis(100);
/// Frames the WAL may hold before it is made to start over (4,096 frames: about 16 MiB).
const RESTART_FRAMES: i64 = 4_096;

/// Starts the checkpoint thread for the database file at `path`; `lock` is the process's
/// write lock. It stops when the answered sender is dropped.
pub(crate) fn start(path: &str, lock: Arc<Mutex<()>>) -> std::io::Result<mpsc::Sender<()>> {
    let (stop, stopped) = mpsc::channel::<()>();
    let path = path.to_string();
    std::thread::Builder::new()
        .name("quanzi-checkpoint".into())
        .spawn(move || {
            let conn = match crate::sqlite::open(&path, 2_048)
                .and_then(|c| c.busy_timeout(READER_WAIT).map(|()| c))
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "the checkpoint thread could not open the store");
                    return;
                }
            };
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                if checkpoint(&conn, "passive").is_some_and(|frames| frames > RESTART_FRAMES) {
                    let _held = lock.blocking_lock();
                    checkpoint(&conn, "restart");
                }
            }
            // A last one, so a closed store leaves little WAL behind.
            checkpoint(&conn, "passive");
        })?;
    Ok(stop)
}

/// One checkpoint in `mode` (`passive` or `restart`): the frames the WAL holds, or `None` when
/// it could not run.
fn checkpoint(conn: &Connection, mode: &str) -> Option<i64> {
    let done = conn.query_row(&format!("pragma wal_checkpoint({mode})"), [], |r| {
        r.get::<_, i64>(1)
    });
    match done {
        Ok(frames) => Some(frames),
        Err(e) => {
            tracing::debug!(error = %e, "a WAL checkpoint was skipped");
            None
        }
    }
}
