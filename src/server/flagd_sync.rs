//! flagd's sync service (`flagd.sync.v1.FlagSyncService`, gRPC) on `--flagd-sync ADDR`, for
//! flagd's in-process OpenFeature providers: `SyncFlags` streams the flag configuration
//! ([`crate::openfeature::flagd`]) now and at every config revision, `FetchAllFlags` answers it
//! once, and the deprecated `GetMetadata` (still called by some providers first) answers the
//! rollout's id. A sync stream counts as a config subscriber in the closed loop, reached when
//! a revision is handed to its connection.
//!
//! The service carries no tokens (flagd providers send none): like the API it listens on
//! loopback unless told otherwise, and beyond loopback only with TLS or `--allow-plaintext`.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::Stream;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::AppState;
use super::core::ConfigFeed;
use super::stats::{Gauge, Held};
use crate::openfeature::flagd;

/// The generated protocol types and service traits.
#[allow(clippy::pedantic, missing_docs)]
pub mod proto {
    tonic::include_proto!("flagd.sync.v1");
}

use proto::flag_sync_service_server::{FlagSyncService, FlagSyncServiceServer};
use proto::{
    FetchAllFlagsRequest, FetchAllFlagsResponse, GetMetadataRequest, GetMetadataResponse,
    SyncFlagsRequest, SyncFlagsResponse,
};

/// How long a TLS handshake may take.
const HANDSHAKE: std::time::Duration = std::time::Duration::from_secs(10);

/// The flag configuration of a config document, as flagd providers read it.
fn configuration(feed: &ConfigFeed) -> String {
    flagd::configuration(&feed.doc).to_string()
}

struct Sync {
    app: Arc<AppState>,
}

/// The gauges a sync stream counts in while it is open.
const OPEN: &[Gauge] = &[|s| &s.config_subscribers, |s| &s.flagd_sync_streams];

type SyncStream = Pin<Box<dyn Stream<Item = Result<SyncFlagsResponse, Status>> + Send>>;

#[tonic::async_trait]
impl FlagSyncService for Sync {
    type SyncFlagsStream = SyncStream;

    async fn sync_flags(
        &self,
        request: Request<SyncFlagsRequest>,
    ) -> Result<Response<SyncStream>, Status> {
        tracing::debug!(provider = %request.get_ref().provider_id, "flagd sync stream opened");
        let app = self.app.clone();
        let mut config = app.core.config.clone();
        let cancel = app.cancel.clone();
        let (tx, mut rx) = tokio::sync::mpsc::channel(2);
        let held = Held::new(app.stats.clone(), OPEN);
        tokio::spawn(async move {
            let _held = held;
            let mut first = true;
            loop {
                if !first {
                    tokio::select! {
                        changed = config.changed() => if changed.is_err() { return },
                        // The provider went away: stop counting it now.
                        () = tx.closed() => return,
                        () = cancel.cancelled() => return,
                    }
                }
                first = false;
                let feed = config.borrow_and_update().clone();
                let message = SyncFlagsResponse {
                    flag_configuration: configuration(&feed),
                    sync_context: None,
                };
                if tx.send(Ok(message)).await.is_err() {
                    return;
                }
                app.core.deliveries.sent(feed.doc.revision);
            }
        });
        let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
        Ok(Response::new(Box::pin(stream)))
    }

    async fn fetch_all_flags(
        &self,
        _: Request<FetchAllFlagsRequest>,
    ) -> Result<Response<FetchAllFlagsResponse>, Status> {
        let feed = self.app.core.config.borrow().clone();
        Ok(Response::new(FetchAllFlagsResponse {
            flag_configuration: configuration(&feed),
        }))
    }

    async fn get_metadata(
        &self,
        _: Request<GetMetadataRequest>,
    ) -> Result<Response<GetMetadataResponse>, Status> {
        let rollout = self.app.plan.profile().rollout.id.clone();
        let fields = std::collections::BTreeMap::from([(
            "rollout".to_owned(),
            prost_types::Value {
                kind: Some(prost_types::value::Kind::StringValue(rollout)),
            },
        )]);
        Ok(Response::new(GetMetadataResponse {
            metadata: Some(prost_types::Struct { fields }),
        }))
    }
}

/// Serves the sync service on `listener` until `cancel`; over TLS with `tls` (which gets the
/// `h2` protocol gRPC clients ask for).
pub async fn serve(
    listener: TcpListener,
    app: Arc<AppState>,
    tls: Option<Arc<rustls::ServerConfig>>,
    cancel: CancellationToken,
) {
    let service = FlagSyncServiceServer::new(Sync { app });
    let router = tonic::transport::Server::builder().add_service(service);
    let result = match tls {
        None => {
            let incoming = futures_util::stream::unfold(listener, |l| async move {
                let accepted = l.accept().await.map(|(s, _)| s);
                Some((accepted, l))
            });
            router
                .serve_with_incoming_shutdown(incoming, cancel.cancelled())
                .await
        }
        Some(config) => {
            let mut config = (*config).clone();
            config.alpn_protocols = vec![b"h2".to_vec()];
            let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
            let (tx, mut rx) = tokio::sync::mpsc::channel(64);
            let stop = cancel.clone();
            // Each handshake on its own task, so a slow client holds up nobody else.
            tokio::spawn(async move {
                loop {
                    let socket = tokio::select! {
                        accepted = listener.accept() => match accepted {
                            Ok((socket, _)) => socket,
                            Err(_) => continue,
                        },
                        () = stop.cancelled() => return,
                    };
                    let (acceptor, tx) = (acceptor.clone(), tx.clone());
                    tokio::spawn(async move {
                        let handshake = tokio::time::timeout(HANDSHAKE, acceptor.accept(socket));
                        if let Ok(Ok(tls)) = handshake.await {
                            let _ = tx.send(Ok::<_, std::io::Error>(tls)).await;
                        }
                    });
                }
            });
            let incoming = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
            router
                .serve_with_incoming_shutdown(incoming, cancel.cancelled())
                .await
        }
    };
    if let Err(e) = result {
        tracing::error!(error = %e, "the flagd sync service stopped");
    }
}

/// Binds the sync service's address.
pub async fn bind(addr: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}
