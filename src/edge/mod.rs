//! The edge relay (`cutover edge`): a stateless process near the apps that serves what they
//! read — `/v1/config` and its stream, `/v1/assign`, OFREP and flagd sync, with the control
//! plane's contract ([`crate::server::apps`]) — from the signed config documents the control
//! plane publishes to NATS ([`crate::server::fanout`]). It believes only documents signed by
//! the key it trusts and never goes back to an older revision ([`admit`]); it keeps serving
//! the last document when NATS or the control plane is away and says `stale` at `/healthz`;
//! and it reports what it serves to the control plane over NATS ([`follow`]), which shows the
//! edges and counts their deliveries.

pub mod admit;
pub mod follow;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use self::admit::{Admission, Rejected};
use crate::server::api::{ApiError, authorized};
use crate::server::apps::{self, Apps};
use crate::server::auth::{self, Auth, SharedAuth};
use crate::server::delivery::Deliveries;
use crate::server::fanout::{self, NatsOptions, kv};
use crate::server::stats::Stats;
use crate::server::{StartError, flagd_sync, listen, ofrep};
use crate::signing::TrustedKey;
use crate::wire;

/// Everything `cutover edge` is told.
#[derive(Debug, Clone)]
pub struct EdgeOptions {
    /// The edge's id in reports (unique among the rollout's edges).
    pub id: String,
    /// The rollout to relay; found in the bucket when it holds only one.
    pub rollout: Option<String>,
    /// Where NATS is.
    pub nats: NatsOptions,
    /// The control plane's public key (`config-signing.pub`).
    pub trust: TrustedKey,
    /// Where to listen.
    pub listen: SocketAddr,
    /// Who may read; `Auth::Open` only on loopback.
    pub auth: Auth,
    /// The tokens file `auth` came from, reloaded when it changes.
    pub tokens_file: Option<PathBuf>,
    /// The certificate and key to serve HTTPS with.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Serve plain HTTP beyond loopback anyway (a TLS proxy in front).
    pub allow_plaintext: bool,
    /// Where to serve flagd's sync service, if anywhere.
    pub flagd_sync: Option<SocketAddr>,
    /// Timeouts and the connection cap.
    pub manners: listen::Manners,
    /// How often to report to the control plane and re-read the bucket.
    pub report_every: Duration,
    /// How long without word from NATS before `/healthz` says `stale`.
    pub stale_after: Duration,
}

/// Counters only an edge has.
#[derive(Debug, Default)]
pub struct EdgeCounters {
    /// Config documents believed and served.
    pub accepted: AtomicU64,
    /// Documents whose signature did not verify (forged, tampered, or unsigned).
    pub rejected_signature: AtomicU64,
    /// Documents older than the one served.
    pub rejected_older: AtomicU64,
    /// Documents of another rollout.
    pub rejected_rollout: AtomicU64,
    /// Messages that were not signed documents.
    pub rejected_malformed: AtomicU64,
    /// Reads of the KV bucket that failed.
    pub bucket_errors: AtomicU64,
    /// Reports published to the control plane.
    pub reports: AtomicU64,
}

impl EdgeCounters {
    /// Counts a document not believed, by why.
    pub fn reject(&self, why: &Rejected) {
        Stats::bump(match why {
            Rejected::Signature => &self.rejected_signature,
            Rejected::Older { .. } | Rejected::RetiredLineage(_) => &self.rejected_older,
            Rejected::OtherRollout(_) => &self.rejected_rollout,
            Rejected::Malformed(_) => &self.rejected_malformed,
        });
    }
}

/// What an edge's tasks and handlers share.
pub struct Edge {
    /// The edge's id.
    pub id: String,
    /// What apps read.
    pub apps: Arc<Apps>,
    /// The NATS connection.
    pub client: async_nats::Client,
    /// Edge-only counters.
    pub counters: EdgeCounters,
    /// When NATS last confirmed the served document is the latest.
    confirmed: Mutex<Instant>,
    /// How often to report.
    pub report_every: Duration,
    /// How long unconfirmed before stale.
    pub stale_after: Duration,
}

impl Edge {
    /// NATS has just confirmed the served document is the latest.
    pub fn confirm(&self) {
        *self.confirmed.lock().expect("confirmed") = Instant::now();
    }

    /// Since the served document was last confirmed.
    pub fn age(&self) -> Duration {
        self.confirmed.lock().expect("confirmed").elapsed()
    }

    /// Whether the served document may be old: NATS is away, or has not confirmed it for
    /// longer than the stale threshold.
    pub fn stale(&self) -> bool {
        !self.nats_connected() || self.age() > self.stale_after
    }

    /// Whether the NATS connection is up.
    pub fn nats_connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }
}

/// A running edge.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Where flagd sync listens, if asked.
    pub flagd_addr: Option<SocketAddr>,
    /// The rollout it relays.
    pub rollout: String,
    /// Shared state.
    pub edge: Arc<Edge>,
    /// Cancel to stop.
    pub cancel: CancellationToken,
    /// The tasks; they end after `cancel`.
    pub tasks: JoinSet<()>,
}

/// The rollout to follow: the one asked for, or the only one in the bucket.
async fn rollout(
    client: &async_nats::Client,
    asked: Option<String>,
    nats: &fanout::NatsOptions,
) -> Result<String, StartError> {
    if let Some(r) = asked {
        return Ok(r);
    }
    let keys = kv::keys(client)
        .await
        .map_err(|e| StartError::Nats(unanswered(&e, nats)))?;
    match keys.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(StartError::Nats(format!(
            "the bucket {} holds no rollout yet: pass --rollout ID (the edge then waits for its first document)",
            fanout::BUCKET
        ))),
        many => Err(StartError::Nats(format!(
            "the bucket {} holds several rollouts ({}): pass --rollout ID",
            fanout::BUCKET,
            many.join(", ")
        ))),
    }
}

/// A NATS request's error for people: a timeout says what to check, since a server that is
/// down, a refused password, an untrusted certificate and a server without JetStream all look
/// alike from here.
fn unanswered(error: &str, nats: &fanout::NatsOptions) -> String {
    if error.contains("timed out") {
        format!(
            "{} did not answer within {} s: is nats-server running there, with JetStream (`-js`)? A refused user or password is logged above; an untrusted certificate only in nats-server's log (pass --ca-cert for a private CA)",
            nats.shown(),
            fanout::REQUEST_TIMEOUT.as_secs()
        )
    } else {
        error.to_owned()
    }
}

/// Connects to NATS; `reconnected` hears of every reconnection.
async fn connect(
    opts: &EdgeOptions,
    reconnected: mpsc::Sender<()>,
) -> Result<async_nats::Client, StartError> {
    let name = format!("cutover edge {}", opts.id);
    let connect = fanout::connect_options(&opts.nats, &name, Some(reconnected))
        .await
        .map_err(StartError::Nats)?;
    connect
        .connect(opts.nats.addrs().map_err(StartError::Nats)?)
        .await
        .map_err(|e| StartError::Nats(e.to_string()))
}

/// Starts the edge: connects, waits for the rollout's first document, then listens. Returns
/// `Ok(None)` if cancelled before a document came.
pub async fn start(
    opts: EdgeOptions,
    cancel: CancellationToken,
) -> Result<Option<Running>, StartError> {
    crate::server::refuse_exposed(
        opts.listen,
        opts.auth.is_open(),
        opts.tls.is_some(),
        opts.allow_plaintext,
        opts.flagd_sync,
    )?;
    opts.nats.check().map_err(StartError::Nats)?;
    let (reconnected_tx, reconnected) = mpsc::channel(1);
    let client = connect(&opts, reconnected_tx).await?;
    let rollout = rollout(&client, opts.rollout.clone(), &opts.nats).await?;
    let mut subscription = client
        .subscribe(fanout::subject(&rollout))
        .await
        .map_err(|e| StartError::Nats(e.to_string()))?;
    let mut admission = Admission::new(opts.trust.clone(), rollout.clone());
    let stats = Arc::new(Stats::default());
    let auth = Arc::new(SharedAuth::new(opts.auth.clone(), opts.tokens_file.clone()));
    let (rounds_tx, rounds) = mpsc::channel(16);
    let deliveries = Deliveries::new(Box::new(move |d| {
        let _ = rounds_tx.try_send(d);
    }));
    // A placeholder feed until the first document: nothing is served before it.
    let (config_tx, config_rx) = watch::channel(Arc::new(apps::ConfigFeed::new(wire::ConfigDoc {
        rollout: rollout.clone(),
        revision: 0,
        lineage: String::new(),
        salt: String::new(),
        buckets: 0,
        assignment: wire::Algorithm::default(),
        bucketing: None,
        status: wire::Status::Paused,
        kill_switches: std::collections::BTreeMap::new(),
        cohorts: Vec::new(),
    })));
    let edge = Arc::new(Edge {
        id: opts.id.clone(),
        apps: Arc::new(Apps {
            config: config_rx,
            deliveries,
            auth: auth.clone(),
            stats: stats.clone(),
            cancel: cancel.clone(),
            tls: opts.tls.is_some(),
            sse_key: ofrep::SseKey::random(),
        }),
        client,
        counters: EdgeCounters::default(),
        confirmed: Mutex::new(Instant::now()),
        report_every: opts.report_every,
        stale_after: opts.stale_after,
    });
    let Some(first) = follow::first_document(&edge, &mut admission, &mut subscription).await else {
        return Ok(None);
    };
    config_tx.send_replace(Arc::new(first));
    let mut tasks = JoinSet::new();
    tasks.spawn(auth::keep_reloaded(auth, cancel.clone()));
    tasks.spawn(follow::follow(
        edge.clone(),
        admission,
        subscription,
        config_tx,
        rounds,
        reconnected,
    ));
    let (listener, addr) = crate::server::bind(opts.listen, "edge").await?;
    tasks.spawn(listen::serve(
        listener,
        router(edge.clone()),
        opts.manners,
        opts.tls.clone(),
        stats,
        cancel.clone(),
    ));
    let flagd_addr = match opts.flagd_sync {
        None => None,
        Some(want) => {
            Some(flagd_sync::start(want, &edge.apps, opts.tls.clone(), &mut tasks).await?)
        }
    };
    tracing::info!(%addr, %rollout, id = %opts.id, "edge listening");
    Ok(Some(Running {
        addr,
        flagd_addr,
        rollout,
        edge,
        cancel,
        tasks,
    }))
}

/// The edge's routes: what apps read, `/healthz` and `/metrics`.
pub fn router(edge: Arc<Edge>) -> axum::Router {
    use axum::routing::get;
    let apps = edge.apps.clone();
    axum::Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(edge)
        .merge(apps::routes(apps))
        .fallback(crate::server::api::not_found)
        .method_not_allowed_fallback(crate::server::api::wrong_method)
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::server::BODY_LIMIT,
        ))
}

/// What `/healthz` says.
#[must_use]
pub fn health(edge: &Edge) -> wire::EdgeHealth {
    let feed = edge.apps.config.borrow().clone();
    wire::EdgeHealth {
        status: if edge.stale() { "stale" } else { "ok" }.to_owned(),
        edge: edge.id.clone(),
        rollout: feed.doc.rollout.clone(),
        revision: feed.doc.revision,
        age_ms: u64::try_from(edge.age().as_millis()).unwrap_or(u64::MAX),
        nats_connected: edge.nats_connected(),
    }
}

/// `GET /healthz`: 200 while the edge serves, `ok` or `stale`.
async fn healthz(State(edge): State<Arc<Edge>>) -> Json<wire::EdgeHealth> {
    Json(health(&edge))
}

/// `GET /metrics`.
async fn metrics(State(edge): State<Arc<Edge>>, headers: HeaderMap) -> Result<Response, ApiError> {
    authorized(&edge.apps.auth, &headers)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        crate::server::exposition::render_edge(&edge),
    )
        .into_response())
}
