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

use futures_util::{Stream, StreamExt};
use tokio::net::TcpListener;
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream, WatchStream};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::apps::Apps;
use super::stats::{Gauge, Held};

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

struct Sync {
    app: Arc<Apps>,
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
        let mut feeds = WatchStream::new(app.config.clone());
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        let held = Held::new(app.stats.clone(), OPEN);
        tokio::spawn(async move {
            let _held = held;
            loop {
                let feed = tokio::select! {
                    feed = feeds.next() => match feed { Some(feed) => feed, None => return },
                    // The provider went away: stop counting it now.
                    () = tx.closed() => return,
                    () = app.cancel.cancelled() => return,
                };
                let message = SyncFlagsResponse {
                    flag_configuration: feed.flagd_configuration().to_owned(),
                    sync_context: None,
                };
                if tx.send(Ok(message)).await.is_err() {
                    return;
                }
                app.deliveries.sent(feed.doc.revision);
            }
        });
        let stream = ReceiverStream::new(rx);
        Ok(Response::new(Box::pin(stream)))
    }

    async fn fetch_all_flags(
        &self,
        _: Request<FetchAllFlagsRequest>,
    ) -> Result<Response<FetchAllFlagsResponse>, Status> {
        let feed = self.app.config.borrow().clone();
        Ok(Response::new(FetchAllFlagsResponse {
            flag_configuration: feed.flagd_configuration().to_owned(),
        }))
    }

    async fn get_metadata(
        &self,
        _: Request<GetMetadataRequest>,
    ) -> Result<Response<GetMetadataResponse>, Status> {
        let rollout = self.app.config.borrow().doc.rollout.clone();
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
    app: Arc<Apps>,
    tls: Option<Arc<rustls::ServerConfig>>,
    cancel: CancellationToken,
) {
    let service = FlagSyncServiceServer::new(Sync { app });
    let router = tonic::transport::Server::builder().add_service(service);
    let result = match tls {
        None => {
            router
                .serve_with_incoming_shutdown(TcpListenerStream::new(listener), cancel.cancelled())
                .await
        }
        Some(config) => {
            let mut config = (*config).clone();
            config.alpn_protocols = vec![b"h2".to_vec()];
            let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
            let (tx, rx) = tokio::sync::mpsc::channel(64);
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
            let incoming = ReceiverStream::new(rx);
            router
                .serve_with_incoming_shutdown(incoming, cancel.cancelled())
                .await
        }
    };
    if let Err(e) = result {
        tracing::error!(error = %e, "the flagd sync service stopped");
    }
}

/// Binds `want` and serves the sync service there for `apps` (with TLS when `tls`); returns
/// where it listens. Refused for a rollout whose assignment flagd's providers cannot compute.
pub async fn start(
    want: SocketAddr,
    apps: &Arc<Apps>,
    tls: Option<Arc<rustls::ServerConfig>>,
    tasks: &mut tokio::task::JoinSet<()>,
) -> Result<SocketAddr, super::StartError> {
    let assignment = apps.config.borrow().doc.assignment;
    if assignment == crate::wire::Algorithm::CutoverV1 {
        return Err(super::StartError::FlagdNeedsFractional(
            crate::openfeature::algorithm(assignment),
        ));
    }
    let (listener, local) = super::bind(want, "flagd sync").await?;
    tasks.spawn(serve(listener, apps.clone(), tls, apps.cancel.clone()));
    tracing::info!(addr = %local, "flagd sync service listening");
    Ok(local)
}
