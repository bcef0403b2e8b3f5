//! The server key: read from its file, or generated beside the data (mode 0600) on first
//! start; stored plaintext secrets sealed with it at start; rotation that re-seals every
//! stored secret in one transaction.

use std::path::{Path, PathBuf};

use quanzi_channels::seal::{self, SealError, Sealer, ServerKey};
use quanzi_domain::TenantId;
use quanzi_store::{Db, Tx, webhook, wecom};

use crate::{CoreError, Result};

/// Why the server key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file could not be read, made or written.
    #[error("server key file {path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        error: std::io::Error,
    },
    /// The file does not hold a key.
    #[error("server key file {path}: {error}")]
    Bad {
        /// The file.
        path: String,
        /// What is wrong with it.
        error: SealError,
    },
}

/// Where the key lives when the configuration names no file: `server.key` beside the SQLite
/// file, or in `./data` for PostgreSQL.
pub fn default_path(database_url: &str) -> PathBuf {
    let sqlite = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"));
    let dir = match sqlite.map(|p| p.split('?').next().unwrap_or(p)) {
        Some(p) if !p.is_empty() && p != ":memory:" => Path::new(p)
            .parent()
            .map(Path::to_path_buf)
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from(".")),
        _ => PathBuf::from("./data"),
    };
    dir.join("server.key")
}

fn io(path: &Path, error: std::io::Error) -> KeyFileError {
    KeyFileError::Io {
        path: path.display().to_string(),
        error,
    }
}

/// Reads the key at `path`.
pub fn read_key(path: &Path) -> std::result::Result<ServerKey, KeyFileError> {
    let text = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
    ServerKey::from_hex(&text).map_err(|error| KeyFileError::Bad {
        path: path.display().to_string(),
        error,
    })
}

/// Writes `key` to `path`, readable by its owner only (a new file; never over another).
pub fn write_key(path: &Path, key: &ServerKey) -> std::result::Result<(), KeyFileError> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io(path, e))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path).map_err(|e| io(path, e))?;
    f.write_all(key.to_hex().as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| io(path, e))
}

/// The file a rotation writes the new key to before it replaces the old one.
pub fn pending_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".new");
    PathBuf::from(p)
}

/// The sealer of the key at `path`, the key generated there first when there is none. A key
/// left by an interrupted rotation is held too, so what it sealed stays readable.
pub fn load_or_create(path: &Path) -> std::result::Result<Sealer, KeyFileError> {
    if !path.exists() {
        let key = ServerKey::generate().map_err(|error| KeyFileError::Bad {
            path: path.display().to_string(),
            error,
        })?;
        write_key(path, &key)?;
        tracing::info!(path = %path.display(), key = %key.id(), "server key generated");
    }
    let mut sealer = Sealer::new(read_key(path)?);
    let pending = pending_path(path);
    if pending.exists() {
        tracing::warn!(path = %pending.display(), "an interrupted key rotation left this key; run `quanzi admin rotate-server-key` again");
        sealer = sealer.with_older(read_key(&pending)?);
    }
    Ok(sealer)
}

fn sealing(e: SealError) -> CoreError {
    CoreError::ServerKey(e.to_string())
}

/// Re-seals every stored secret in `tx` with `sealer`'s current key (plaintext included);
/// returns how many values were written.
async fn reseal_all(tx: &mut Tx, sealer: &Sealer, only_plain: bool) -> Result<usize> {
    let skip = |v: &str| only_plain && seal::is_sealed(v);
    let mut n = 0;
    for mut c in wecom::all_secrets(tx).await? {
        let plain = [
            Some(&c.token),
            Some(&c.encoding_aes_key),
            c.api_secret.as_ref(),
        ];
        if plain.iter().flatten().all(|v| skip(v)) {
            continue;
        }
        c.token = sealer.reseal(&c.token).map_err(sealing)?;
        c.encoding_aes_key = sealer.reseal(&c.encoding_aes_key).map_err(sealing)?;
        c.api_secret = match &c.api_secret {
            Some(s) => Some(sealer.reseal(s).map_err(sealing)?),
            None => None,
        };
        wecom::put_secrets(tx, &c).await?;
        n += 1;
    }
    for (tenant, id, secret, previous) in webhook::all_secrets(tx).await? {
        if skip(&secret) && previous.as_deref().is_none_or(skip) {
            continue;
        }
        let secret = sealer.reseal(&secret).map_err(sealing)?;
        let previous = match previous {
            Some(p) => Some(sealer.reseal(&p).map_err(sealing)?),
            None => None,
        };
        webhook::put_secrets(tx, TenantId(tenant), id, &secret, previous.as_deref()).await?;
        n += 1;
    }
    Ok(n)
}

/// At start: seals the secrets still stored in plaintext (databases from before sealing)
/// and checks that every sealed one opens with the keys held. Returns the rows sealed now.
pub async fn prepare(db: &Db, sealer: &Sealer) -> Result<usize> {
    let mut tx = db.begin().await?;
    let n = reseal_all(&mut tx, sealer, true).await?;
    check(&mut tx, sealer).await?;
    tx.commit().await?;
    Ok(n)
}

/// Checks that every stored secret opens with the keys held.
async fn check(tx: &mut Tx, sealer: &Sealer) -> Result<()> {
    for c in wecom::all_secrets(tx).await? {
        for v in [
            Some(&c.token),
            Some(&c.encoding_aes_key),
            c.api_secret.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            sealer.open(v).map_err(sealing)?;
        }
    }
    for (_, _, secret, previous) in webhook::all_secrets(tx).await? {
        sealer.open(&secret).map_err(sealing)?;
        sealer.open_opt(previous.as_deref()).map_err(sealing)?;
    }
    Ok(())
}

/// Re-seals every stored secret from `old` to `new`'s current key in one transaction;
/// returns how many rows were re-sealed. Nothing changes when a value does not open.
pub async fn reseal(db: &Db, old: &Sealer, new: &ServerKey) -> Result<usize> {
    let both = Sealer::new(new.clone()).with_older_ring(old);
    let mut tx = db.begin().await?;
    let n = reseal_all(&mut tx, &both, false).await?;
    tx.commit().await?;
    Ok(n)
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// Id of the key replaced.
    pub old_id: String,
    /// Id of the new key.
    pub new_id: String,
    /// Rows re-sealed.
    pub rows: usize,
}

/// Rotates the server key at `path`: a new key is written beside it (`.new`, mode 0600),
/// every stored secret is re-sealed with it in one transaction, then it replaces the old file.
pub async fn rotate(db: &Db, path: &Path) -> Result<Rotation> {
    let old = load_or_create(path).map_err(|e| CoreError::ServerKey(e.to_string()))?;
    let pending = pending_path(path);
    let new = if pending.exists() {
        read_key(&pending)
    } else {
        ServerKey::generate()
            .map_err(|error| KeyFileError::Bad {
                path: pending.display().to_string(),
                error,
            })
            .and_then(|k| write_key(&pending, &k).map(|()| k))
    }
    .map_err(|e| CoreError::ServerKey(e.to_string()))?;
    let rows = reseal(db, &old, &new).await?;
    std::fs::rename(&pending, path).map_err(|e| CoreError::ServerKey(io(path, e).to_string()))?;
    Ok(Rotation {
        old_id: old.current_id(),
        new_id: new.id(),
        rows,
    })
}
