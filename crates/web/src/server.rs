//! The HTTP/1 server: our own accept loop over hyper, so hostile connections are shed.
//!
//! A connection that sends nothing for `idle_timeout` (before its first request or between
//! requests), takes longer than `header_read_timeout` to send a request head, or longer than
//! `body_read_timeout` to send a body, is closed. At most `max_connections` are open, below the
//! process's descriptor limit; at the cap the oldest idle connection is closed to make room, or,
//! when every connection is busy with a request, the next one waits in the kernel's backlog.
//! On shutdown no new connection is accepted, idle ones close, and requests in flight finish.

mod watch;

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch as signal};
use tokio::time::Instant;
use tower::ServiceExt;

use watch::{Conn, TimedBody, Watched};

/// Descriptors kept free for the store's pool, files, logs and outbound requests.
pub const FD_MARGIN: usize = 256;

/// How long a connection may take and how many may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// From a request's first byte to the end of its head.
    pub header_read_timeout: Duration,
    /// From the end of a request's head to the end of its body.
    pub body_read_timeout: Duration,
    /// With no request in flight and no byte sent either way (keep-alive, or never a request).
    pub idle_timeout: Duration,
    /// Open connections at most.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    /// 10 s for a head, 30 s for a body, 60 s idle; the descriptor limit minus [`FD_MARGIN`].
    fn default() -> Self {
        ServerLimits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: default_max_connections(),
        }
    }
}

/// The process's open-file limit (soft), or 1024 when it cannot be read.
pub fn descriptor_limit() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l["Max open files".len()..].split_whitespace().next())
                .and_then(|v| v.parse::<usize>().ok())
        })
        .unwrap_or(1024)
}

/// The default cap: the descriptor limit minus [`FD_MARGIN`], at least 64.
pub fn default_max_connections() -> usize {
    descriptor_limit().saturating_sub(FD_MARGIN).max(64)
}

/// The open connections, so the accept loop can count them and close the oldest idle one.
/// A connection's place in the registry, given back when dropped.
struct Entry(Arc<Registry>, u64);

impl Drop for Entry {
    fn drop(&mut self) {
        self.0.remove(self.1);
    }
}

struct Registry {
    epoch: Instant,
    next_id: AtomicU64,
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
    closed: Notify,
}

impl Registry {
    fn len(&self) -> usize {
        self.conns.lock().map(|c| c.len()).unwrap_or(0)
    }

    fn add(&self) -> (u64, Arc<Conn>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn::new(self.epoch));
        if let Ok(mut c) = self.conns.lock() {
            c.insert(id, conn.clone());
        }
        (id, conn)
    }

    fn remove(&self, id: u64) {
        if let Ok(mut c) = self.conns.lock() {
            c.remove(&id);
        }
        self.closed.notify_waiters();
    }

    /// Tells the connection idle the longest to close; false when every one is busy.
    fn evict_oldest_idle(&self) -> bool {
        let Ok(c) = self.conns.lock() else {
            return false;
        };
        let oldest = c
            .values()
            .filter_map(|conn| conn.idle_since().map(|s| (s, conn)))
            .min_by_key(|(s, _)| *s);
        match oldest {
            Some((_, conn)) => {
                conn.evict.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then lets requests in
/// flight finish. Handlers see the peer as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let registry = Arc::new(Registry {
        epoch: Instant::now(),
        next_id: AtomicU64::new(0),
        conns: Mutex::new(HashMap::new()),
        closed: Notify::new(),
    });
    let (stop_tx, stop) = signal::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let max = limits.max_connections.max(1);
    'accept: loop {
        let mut stop_accept = stop.clone();
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of descriptors, or the peer gave up before we accepted: wait a little.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopped(&mut stop_accept) => break 'accept,
        };
        while registry.len() >= max {
            let closed = registry.closed.notified();
            tokio::pin!(closed);
            closed.as_mut().enable();
            if !registry.evict_oldest_idle() {
                tracing::warn!(max, "connection cap reached with every connection busy");
            }
            tokio::select! {
                _ = &mut closed => {}
                _ = stopped(&mut stop_accept) => break 'accept,
            }
        }
        let _ = stream.set_nodelay(true);
        let (id, conn) = registry.add();
        let registry = registry.clone();
        let app = app.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            // Removed however the task ends, a panic in a handler included, so a dead
            // connection never holds a place under the cap.
            let _entry = Entry(registry, id);
            serve_connection(stream, peer, conn, app, limits, stop).await;
        });
    }
    drop(listener);
    loop {
        let closed = registry.closed.notified();
        tokio::pin!(closed);
        closed.as_mut().enable();
        if registry.len() == 0 {
            return Ok(());
        }
        closed.await;
    }
}

/// Completes once shutdown was asked for (the guard of the value is not held across awaits).
async fn stopped(stop: &mut signal::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    conn: Arc<Conn>,
    app: Router,
    limits: ServerLimits,
    mut stop: signal::Receiver<bool>,
) {
    let requests = conn.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let app = app.clone();
        let conn = requests.clone();
        conn.request_started();
        let mut req = req.map(|b| {
            if http_body::Body::is_end_stream(&b) {
                Body::new(b)
            } else {
                Body::new(TimedBody::new(b, limits.body_read_timeout))
            }
        });
        req.extensions_mut().insert(ConnectInfo(peer));
        async move {
            let resp = app.oneshot(req).await;
            conn.request_done();
            resp.map_err(|e: Infallible| match e {})
        }
    });
    let io = TokioIo::new(Watched {
        io: stream,
        conn: conn.clone(),
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.header_read_timeout(None);
    let served = http.serve_connection(io, service);
    tokio::pin!(served);
    let mut draining = *stop.borrow();
    if draining {
        served.as_mut().graceful_shutdown();
    }
    loop {
        let deadline = conn.deadline(limits.header_read_timeout, limits.idle_timeout);
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = served.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!(error = %e, %peer, "connection ended with an error");
                }
                return;
            }
            _ = sleep => {
                let still = conn.deadline(limits.header_read_timeout, limits.idle_timeout);
                if still.is_some_and(|d| d <= Instant::now()) {
                    tracing::debug!(%peer, "connection timed out");
                    return;
                }
            }
            _ = conn.changed.notified() => {}
            _ = conn.evict.notified() => {
                tracing::debug!(%peer, "idle connection closed to make room");
                return;
            }
            _ = stopped(&mut stop), if !draining => {
                draining = true;
                served.as_mut().graceful_shutdown();
            }
        }
    }
}
