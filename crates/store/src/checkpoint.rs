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
//! connections' `journal_size_limit` trims a WAL that grew under a burst). A long read (an
//! analytics scan) holds a `RESTART` off; the next few rounds then only copy.
//!
//! Each round first catches the member and group timelines up ([`crate::timeline`]), many
//! commits' events at once.

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
/// Page cache of the thread's connection, KiB: the timelines' leaves a round writes.
const INDEX_CACHE_KIB: i64 = 65_536;
/// Frames the WAL may hold before it is made to start over (4,096 frames: about 16 MiB).
const RESTART_FRAMES: i64 = 4_096;
/// Rounds without a `RESTART` after one that readers held off: a long scan is under way, and
/// each try holds the writes up to [`READER_WAIT`].
const BACKOFF_ROUNDS: u32 = 4;

/// Starts the checkpoint thread for the database file at `path`; `lock` is the process's
/// write lock. It stops when the answered sender is dropped.
pub(crate) fn start(path: &str, lock: Arc<Mutex<()>>) -> std::io::Result<mpsc::Sender<()>> {
    let (stop, stopped) = mpsc::channel::<()>();
    let path = path.to_string();
    std::thread::Builder::new()
        .name("quanzi-checkpoint".into())
        .spawn(move || {
            let conn = match crate::sqlite::open(&path, INDEX_CACHE_KIB)
                .and_then(|c| c.busy_timeout(READER_WAIT).map(|()| c))
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "the checkpoint thread could not open the store");
                    return;
                }
            };
            let mut wait = 0;
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                wait = round(&conn, &lock, wait);
            }
            // A last one, so a closed store leaves little WAL behind.
            checkpoint(&conn, "passive");
        })?;
    Ok(stop)
}

/// One round: a passive checkpoint, and a `RESTART` one under the write `lock` when the WAL
/// holds more than [`RESTART_FRAMES`] and `wait` rounds have passed since readers held one
/// off. Answers the rounds to wait before the next `RESTART`.
fn round(conn: &Connection, lock: &Mutex<()>, wait: u32) -> u32 {
    index(conn, lock);
    let frames = checkpoint(conn, "passive").map_or(0, |(_, frames)| frames);
    if wait > 0 {
        return wait - 1;
    }
    if frames > RESTART_FRAMES {
        let _held = lock.blocking_lock();
        if checkpoint(conn, "restart").is_some_and(|(busy, _)| busy) {
            return BACKOFF_ROUNDS;
        }
    }
    0
}

/// Catches the member and group timelines up ([`crate::timeline`]) under the write `lock`
/// when events were written since the last round.
fn index(conn: &Connection, lock: &Mutex<()>) {
    if !crate::timeline::pending(conn) {
        return;
    }
    let _held = lock.blocking_lock();
    let done = conn
        .execute_batch("begin immediate")
        .and_then(|()| crate::timeline::catch_up(conn))
        .and_then(|()| conn.execute_batch("commit"));
    if let Err(e) = done {
        // Another process's write (a bulk load) held the database: the next round tries again.
        let _ = conn.execute_batch("rollback");
        tracing::debug!(error = %e, "the timelines were not caught up this round");
    }
}

/// One checkpoint in `mode` (`passive` or `restart`): whether readers or a writer held it
/// off, and the frames the WAL holds; `None` when it could not run.
fn checkpoint(conn: &Connection, mode: &str) -> Option<(bool, i64)> {
    let done = conn.query_row(&format!("pragma wal_checkpoint({mode})"), [], |r| {
        Ok((r.get::<_, i64>(0)? != 0, r.get::<_, i64>(1)?))
    });
    match done {
        Ok(outcome) => Some(outcome),
        Err(e) => {
            tracing::debug!(error = %e, "a WAL checkpoint was skipped");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Frames in the WAL now.
    fn frames(conn: &Connection) -> i64 {
        checkpoint(conn, "passive").unwrap().1
    }

    /// A database at `path` whose WAL holds more than [`RESTART_FRAMES`]; its writer.
    fn grown_wal(path: &str) -> Connection {
        let writer = crate::sqlite::open(path, 2_048).unwrap();
        writer
            .execute_batch("pragma wal_autocheckpoint = 0; create table t (b blob not null);")
            .unwrap();
        writer.execute_batch("begin").unwrap();
        for _ in 0..RESTART_FRAMES + 500 {
            writer
                .execute("insert into t values (zeroblob(4000))", [])
                .unwrap();
        }
        writer.execute_batch("commit").unwrap();
        writer
    }

    /// A reader inside the WAL at `path`, in a read transaction until it is committed.
    fn reader_inside(path: &str) -> Connection {
        let reader = crate::sqlite::open(path, 2_048).unwrap();
        reader.execute_batch("begin").unwrap();
        let _: i64 = reader
            .query_row("select count(*) from t", [], |r| r.get(0))
            .unwrap();
        reader
    }

    #[test]
    fn a_wal_past_the_limit_starts_over_even_when_a_reader_was_inside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.db").to_string_lossy().into_owned();
        let writer = grown_wal(&path);
        let grown = std::fs::metadata(format!("{path}-wal")).unwrap().len();

        // A reader inside the WAL: it began before the checkpoint and ends a moment later.
        let reader = reader_inside(&path);
        let closer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            reader.execute_batch("commit").unwrap();
        });
        let conn = crate::sqlite::open(&path, 2_048).unwrap();
        conn.busy_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(round(&conn, &Mutex::new(()), 0), 0);

        // The next write starts the WAL over: it holds only that write's frames, and the
        // file did not grow.
        writer.execute("insert into t values (x'00')", []).unwrap();
        closer.join().unwrap();
        assert!(
            frames(&writer) < 10,
            "the WAL holds {} frames",
            frames(&writer)
        );
        let after = std::fs::metadata(format!("{path}-wal")).unwrap().len();
        assert!(after <= grown, "the WAL grew from {grown} to {after} bytes");
    }

    #[test]
    fn a_restart_held_off_by_a_long_read_is_not_tried_again_for_a_few_rounds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.db").to_string_lossy().into_owned();
        let _writer = grown_wal(&path);
        let reader = reader_inside(&path);
        let conn = crate::sqlite::open(&path, 2_048).unwrap();
        conn.busy_timeout(Duration::from_millis(20)).unwrap();
        let lock = Mutex::new(());
        assert_eq!(round(&conn, &lock, 0), BACKOFF_ROUNDS);
        // Meanwhile the rounds only copy: they never wait for the write lock.
        let held = lock.try_lock().unwrap();
        for left in (0..BACKOFF_ROUNDS).rev() {
            assert_eq!(round(&conn, &lock, left + 1), left);
        }
        drop(held);
        reader.execute_batch("commit").unwrap();
        assert_eq!(round(&conn, &lock, 0), 0);
    }
}
