//! What one connection is doing, as the server's watchdog needs it: idle (between requests),
//! reading a request head, or busy with a request; the socket wrapper that notices bytes, and
//! the request body that gives up after its timeout.

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;

const IDLE: u8 = 0;
const HEAD: u8 = 1;
const BUSY: u8 = 2;

/// One open connection's state, shared by its socket, its requests and the accept loop.
#[derive(Debug)]
pub(crate) struct Conn {
    epoch: Instant,
    phase: AtomicU8,
    since_ms: AtomicU64,
    in_flight: AtomicUsize,
    /// Wakes the connection's watchdog when the phase changes.
    pub(crate) changed: Notify,
    /// Tells the connection to close now (the server is at its cap and this one is idle).
    pub(crate) evict: Notify,
}

impl Conn {
    /// A connection opened now, idle until its first byte.
    pub(crate) fn new(epoch: Instant) -> Conn {
        let c = Conn {
            epoch,
            phase: AtomicU8::new(IDLE),
            since_ms: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            changed: Notify::new(),
            evict: Notify::new(),
        };
        c.since_ms.store(c.now_ms(), Ordering::Relaxed);
        c
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// When the connection is to be closed unless something happens: idle or reading a head
    /// for too long. `None` while a request is being served.
    pub(crate) fn deadline(&self, header_read: Duration, idle: Duration) -> Option<Instant> {
        let since = self.epoch + Duration::from_millis(self.since_ms.load(Ordering::Relaxed));
        match self.phase.load(Ordering::Relaxed) {
            IDLE => Some(since + idle),
            HEAD => Some(since + header_read),
            _ => None,
        }
    }

    /// Since when the connection has been idle or reading a head, for eviction (`None` when busy).
    pub(crate) fn idle_since(&self) -> Option<u64> {
        (self.phase.load(Ordering::Relaxed) != BUSY).then(|| self.since_ms.load(Ordering::Relaxed))
    }

    fn on_read(&self) {
        if self
            .phase
            .compare_exchange(IDLE, HEAD, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            self.since_ms.store(self.now_ms(), Ordering::Relaxed);
            self.changed.notify_one();
        }
    }

    fn on_write(&self) {
        // Still writing the last response: that is activity, not idleness.
        if self.phase.load(Ordering::Relaxed) == IDLE {
            self.since_ms.store(self.now_ms(), Ordering::Relaxed);
        }
    }

    /// A request's head was read; it is being served.
    pub(crate) fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.phase.store(BUSY, Ordering::Relaxed);
        self.changed.notify_one();
    }

    /// A request's response is ready; with none left the connection is idle from now.
    pub(crate) fn request_done(&self) {
        if self.in_flight.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.since_ms.store(self.now_ms(), Ordering::Relaxed);
            self.phase.store(IDLE, Ordering::Relaxed);
            self.changed.notify_one();
        }
    }
}

/// A TCP stream that tells its [`Conn`] when bytes come and go.
pub(crate) struct Watched {
    pub(crate) io: TcpStream,
    pub(crate) conn: Arc<Conn>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.conn.on_read();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.conn.on_write();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.conn.on_write();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// A request body that fails once `timeout` has passed since the head was read and the body
/// is still not all there (a client trickling its body holds no connection for long).
pub(crate) struct TimedBody {
    inner: hyper::body::Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl TimedBody {
    /// `inner`, to be read within `timeout` from now.
    pub(crate) fn new(inner: hyper::body::Incoming, timeout: Duration) -> TimedBody {
        TimedBody {
            inner,
            deadline: Box::pin(tokio::time::sleep(timeout)),
        }
    }
}

/// The error of a body that took too long.
#[derive(Debug, thiserror::Error)]
#[error("the request body was not received in time")]
pub(crate) struct BodyTimeout;

impl Body for TimedBody {
    type Data = Bytes;
    type Error = Box<dyn StdError + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending if this.deadline.as_mut().poll(cx).is_ready() => {
                Poll::Ready(Some(Err(Box::new(BodyTimeout))))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
