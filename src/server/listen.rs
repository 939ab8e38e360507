//! Serving connections with manners: each connection's TLS handshake (when the server has a
//! certificate) and request headers must arrive within the header timeout and its body within
//! the body timeout (a client dribbling bytes is cut off, not waited for), and at most
//! `max_connections` are served at once (more are closed at accept). HTTP/1.1 with upgrades
//! (WebSocket) on hyper, one task per connection, stopped gracefully by the cancellation token.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::time::Sleep;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::stats::Stats;

/// How connections are held to account.
#[derive(Debug, Clone, Copy)]
pub struct Manners {
    /// Time for a request's headers to arrive.
    pub header_timeout: Duration,
    /// Time for a request's whole body to arrive.
    pub body_timeout: Duration,
    /// Connections served at once; more are closed at accept.
    pub max_connections: usize,
}

impl Default for Manners {
    fn default() -> Self {
        Manners {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_connections: 50_000,
        }
    }
}

/// Serves `router` on `listener` until `cancel`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    manners: Manners,
    tls: Option<Arc<rustls::ServerConfig>>,
    stats: Arc<Stats>,
    cancel: CancellationToken,
) {
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    loop {
        let (socket, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = cancel.cancelled() => return,
        };
        let open = stats.connections_open.load(Ordering::Relaxed);
        if usize::try_from(open).unwrap_or(usize::MAX) >= manners.max_connections {
            Stats::bump(&stats.connections_refused);
            drop(socket);
            continue;
        }
        let _ = socket.set_nodelay(true);
        Stats::bump(&stats.connections_open);
        let (router, stats, cancel) = (router.clone(), stats.clone(), cancel.clone());
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            match acceptor {
                None => serve_io(socket, router, manners, cancel).await,
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(manners.header_timeout, acceptor.accept(socket));
                    if let Ok(Ok(stream)) = handshake.await {
                        serve_io(stream, router, manners, cancel).await;
                    }
                }
            }
            stats.connections_open.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

/// Serves one connection (plain TCP or TLS) until it ends or `cancel`.
async fn serve_io<I>(io: I, router: Router, manners: Manners, cancel: CancellationToken)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let body_timeout = manners.body_timeout;
    let service = TowerToHyperService::new(router.map_request(move |req: Request<_>| {
        req.map(|b: hyper::body::Incoming| Body::new(Deadline::new(b, body_timeout)))
    }));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(manners.header_timeout);
    let conn = builder
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        () = cancel.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// A request body that fails once its deadline passes before it has all arrived.
struct Deadline<B> {
    inner: B,
    sleep: Pin<Box<Sleep>>,
    timeout: Duration,
}

impl<B> Deadline<B> {
    fn new(inner: B, timeout: Duration) -> Self {
        Deadline {
            inner,
            sleep: Box::pin(tokio::time::sleep(timeout)),
            timeout,
        }
    }
}

/// The body did not arrive in time.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct BodyTimeout(Duration);

impl<B> HttpBody for Deadline<B>
where
    B: HttpBody<Data = axum::body::Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            let timeout = self.timeout;
            return Poll::Ready(Some(Err(Box::new(BodyTimeout(timeout)))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
