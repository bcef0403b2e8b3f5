//! The embedded store's WAL checkpoints, off the commit path: the event writer's connection
//! never checkpoints (`wal_autocheckpoint = 0`), and this thread copies the WAL back into the
//! database with a `PASSIVE` checkpoint every half second on a connection of its own.
//! Checkpointing inside the writer's commits cost about a quarter of its time under a spread
//! ingest (bench/README.md); a passive checkpoint never waits for a writer or a reader.

use std::sync::mpsc;
use std::time::Duration;

/// How often the WAL is checkpointed.
const EVERY: Duration = Duration::from_millis(500);

/// Starts the checkpoint thread for the database file at `path`; it stops when the answered
/// sender is dropped.
pub(crate) fn start(path: &str) -> std::io::Result<mpsc::Sender<()>> {
    let (stop, stopped) = mpsc::channel::<()>();
    let path = path.to_string();
    std::thread::Builder::new()
        .name("quanzi-checkpoint".into())
        .spawn(move || {
            let conn = match crate::sqlite::open(&path, 2_048) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "the checkpoint thread could not open the store");
                    return;
                }
            };
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                if let Err(e) = conn.execute_batch("pragma wal_checkpoint(passive)") {
                    tracing::debug!(error = %e, "a WAL checkpoint was skipped");
                }
            }
            // A last one, so a closed store leaves little WAL behind.
            let _ = conn.execute_batch("pragma wal_checkpoint(passive)");
        })?;
    Ok(stop)
}
