//! The control plane (`cutover serve`): loads the plan, replays the journal, and runs the
//! core, the metric collector, the Alertmanager poller and webhook delivery as tasks under one
//! cancellation token, behind an axum router. [`start`] returns once it is listening, so the
//! binary, the demo and the tests all run the same server in-process.

pub mod api;
pub mod apps;
pub mod auth;
pub mod collect;
pub mod convert;
pub mod core;
pub mod delivery;
pub mod edges;
pub mod exposition;
pub mod fanout;
pub mod flagd_sync;
pub mod freshness;
pub mod hub;
pub mod ingest;
pub mod listen;
pub mod ofrep;
pub mod published;
pub mod publisher;
pub mod split;
pub mod stats;
pub mod stream;
pub mod webhooks;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use self::auth::{Auth, SharedAuth};
use self::core::{Core, CoreHandles};
use self::hub::Hub;
use self::ingest::Ingest;
use self::stats::Stats;
use crate::clock::Clock;
use crate::engine::{EngineState, Event, EventKind};
use crate::journal::Journal;
use crate::plan::Plan;
use crate::sources::Source;
use crate::sources::alertmanager::Alertmanager;

/// Largest request body outside `/v1/samples`.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Largest `/v1/samples` body.
pub const SAMPLES_LIMIT: usize = 64 * 1024 * 1024;
/// Samples bodies taken in at once; more wait their turn.
pub const INGESTING: usize = 4;

/// Everything `cutover serve` is told.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The plan.
    pub plan: Arc<Plan>,
    /// Where to listen.
    pub listen: SocketAddr,
    /// Where the journal lives.
    pub data: PathBuf,
    /// Who may do what; `Auth::Open` only on loopback.
    pub auth: Auth,
    /// The tokens file `auth` came from, reloaded on SIGHUP and when it changes.
    pub tokens_file: Option<PathBuf>,
    /// Where metrics come from (pushed samples are always accepted too).
    pub source: Source,
    /// Alertmanager to poll, if any.
    pub alertmanager: Option<String>,
    /// Wall time between evaluations.
    pub eval_interval: Duration,
    /// URLs to POST every transition to.
    pub webhooks: Vec<String>,
    /// The engine's clock.
    pub clock: Clock,
    /// Timeouts and the connection cap.
    pub manners: listen::Manners,
    /// The certificate and key to serve HTTPS with.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Serve plain HTTP beyond loopback anyway (a TLS proxy in front).
    pub allow_plaintext: bool,
    /// Recover a damaged journal (keep its verified prefix under a new lineage) instead of
    /// refusing to start.
    pub recover: bool,
    /// Where to serve flagd's sync service (gRPC) for in-process OpenFeature providers.
    pub flagd_sync: Option<SocketAddr>,
    /// NATS to publish signed config documents to, for relays.
    pub nats: Option<fanout::NatsOptions>,
}

/// What every handler shares.
pub struct AppState {
    /// The plan.
    pub plan: Arc<Plan>,
    /// Token checks, reloadable.
    pub auth: Arc<SharedAuth>,
    /// The core's feeds and inbox.
    pub core: CoreHandles,
    /// The stream.
    pub hub: Arc<Hub>,
    /// Counters.
    pub stats: Arc<Stats>,
    /// The engine's clock.
    pub clock: Clock,
    /// The data directory.
    pub data: PathBuf,
    /// Pushed samples waiting for the next evaluation.
    pub ingest: Arc<Ingest>,
    /// Turns to take in a samples body: a few at a time, so memory stays bounded.
    pub ingesting: tokio::sync::Semaphore,
    /// Stops everything.
    pub cancel: CancellationToken,
    /// What apps read (config, assign, OFREP, flagd sync).
    pub apps: Arc<apps::Apps>,
    /// The edge relays heard from over NATS.
    pub edges: Arc<std::sync::Mutex<edges::Registry>>,
}

/// A running control plane.
pub struct Running {
    /// The address it listens on (with the real port when asked for port 0).
    pub addr: SocketAddr,
    /// Shared state (for in-process callers such as the demo).
    pub app: Arc<AppState>,
    /// Cancel to stop every task.
    pub cancel: CancellationToken,
    /// The tasks; they end after `cancel`.
    pub tasks: JoinSet<()>,
    /// What `--recover` did at start-up, if the journal needed it.
    pub recovered: Option<crate::journal::Recovery>,
    /// Where the flagd sync service listens, if it was asked for.
    pub flagd_addr: Option<SocketAddr>,
    /// The NATS config documents are published to, if any.
    pub nats: Option<fanout::NatsOptions>,
}

/// Why the control plane could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Open to everyone on a reachable address.
    #[error(
        "refusing to listen on {0} without a tokens file: pass --tokens FILE, or listen on 127.0.0.1"
    )]
    OpenOnNetwork(SocketAddr),
    /// Plain HTTP on a reachable address: tokens would cross the network in clear text.
    #[error(
        "refusing to listen on {0} without TLS: bearer tokens would cross the network in clear text. Pass --tls-cert FILE --tls-key FILE, or --allow-plaintext if a TLS proxy sits in front"
    )]
    PlaintextOnNetwork(SocketAddr),
    /// flagd sync in plain gRPC on a reachable address: anyone on the path could rewrite what
    /// the apps evaluate.
    #[error(
        "refusing to serve flagd sync (--flagd-sync) on {0} without TLS: anyone on the path could change the flags the apps evaluate. Pass --tls-cert FILE --tls-key FILE, or --allow-plaintext if a TLS proxy sits in front"
    )]
    FlagdPlaintextOnNetwork(SocketAddr),
    /// flagd sync for a rollout whose assignment in-process providers cannot compute.
    #[error(
        "refusing --flagd-sync: this rollout buckets units with {0}, which flagd's in-process providers cannot compute (they implement fractional-v2 or fractional-v3). Apps of this rollout use OFREP or /v1/assign; a new rollout (a new data directory) starts with the profile's fractional assignment"
    )]
    FlagdNeedsFractional(crate::assign::Algorithm),
    /// The NATS options are not usable.
    #[error("NATS: {0}")]
    Nats(String),
    /// The config-signing key could not be read or made.
    #[error("the config-signing key: {0}")]
    Signing(String),
    /// The journal failed.
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
    /// The address could not be bound.
    #[error("cannot listen on {addr} ({what})")]
    Bind {
        /// Which listener: the API or flagd sync.
        what: &'static str,
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
}

/// What is refused before anything starts: beyond loopback only with tokens, and with TLS
/// unless told otherwise (security by default); NATS options that cannot work.
fn refuse_unsafe(opts: &ServeOptions) -> Result<(), StartError> {
    refuse_exposed(
        opts.listen,
        opts.auth.is_open(),
        opts.tls.is_some(),
        opts.allow_plaintext,
        opts.flagd_sync,
    )?;
    if let Some(nats) = &opts.nats {
        nats.check().map_err(StartError::Nats)?;
    }
    Ok(())
}

/// What a server that apps reach (the control plane or an edge) refuses: listening beyond
/// loopback without tokens, or in plain text (HTTP, or flagd's gRPC) without being told to.
pub fn refuse_exposed(
    listen: SocketAddr,
    open: bool,
    tls: bool,
    allow_plaintext: bool,
    flagd_sync: Option<SocketAddr>,
) -> Result<(), StartError> {
    if open && !listen.ip().is_loopback() {
        return Err(StartError::OpenOnNetwork(listen));
    }
    let plaintext = |addr: SocketAddr| !tls && !allow_plaintext && !addr.ip().is_loopback();
    if plaintext(listen) {
        return Err(StartError::PlaintextOnNetwork(listen));
    }
    if let Some(addr) = flagd_sync.filter(|a| plaintext(*a)) {
        return Err(StartError::FlagdPlaintextOnNetwork(addr));
    }
    Ok(())
}

/// Starts the control plane and returns once it is listening.
pub async fn start(opts: ServeOptions) -> Result<Running, StartError> {
    refuse_unsafe(&opts)?;
    let plan = opts.plan.clone();
    let clock = opts.clock;
    let (opened, recovered) = open_journal(&opts).await?;
    let recent: Vec<Event> = opened
        .records
        .iter()
        .map(|r| Event {
            at: r.transition.at,
            kind: EventKind::Transition(r.transition.clone()),
        })
        .collect();
    let (listener, addr) = bind(opts.listen, "API").await?;
    let cancel = CancellationToken::new();
    let hub = Arc::new(Hub::new());
    let stats = Arc::new(Stats::default());
    let mut tasks = JoinSet::new();
    let webhook_tx = start_webhooks(&opts, &stats, &cancel, &mut tasks);
    let auth = Arc::new(SharedAuth::new(opts.auth.clone(), opts.tokens_file.clone()));
    tasks.spawn(auth::keep_reloaded(auth.clone(), cancel.clone()));
    let engine = EngineState::resume(opened.rollout);
    let (core, handles, rx) = Core::new(
        plan.clone(),
        engine,
        opened.journal,
        clock,
        hub.clone(),
        stats.clone(),
        recent,
        webhook_tx,
        auth.clone(),
    );
    tasks.spawn(core.run(rx, opts.eval_interval, cancel.clone()));
    let apps = Arc::new(apps::Apps {
        config: handles.config.clone(),
        deliveries: handles.deliveries.clone(),
        auth: auth.clone(),
        stats: stats.clone(),
        cancel: cancel.clone(),
        tls: opts.tls.is_some(),
        sse_key: ofrep::SseKey::random(),
    });
    let lost_after = opts
        .nats
        .as_ref()
        .map_or(fanout::EDGE_LOST_AFTER, |n| n.edge_lost_after);
    let app = Arc::new(AppState {
        plan: plan.clone(),
        auth: auth.clone(),
        core: handles,
        hub,
        stats: stats.clone(),
        clock,
        data: opts.data.clone(),
        ingest: Arc::new(Ingest::default()),
        ingesting: tokio::sync::Semaphore::new(INGESTING),
        cancel: cancel.clone(),
        apps,
        edges: Arc::new(std::sync::Mutex::new(edges::Registry::new(lost_after))),
    });
    tasks.spawn(collect::metrics(
        app.clone(),
        opts.source.clone(),
        opts.eval_interval,
    ));
    if let Some(url) = &opts.alertmanager {
        tasks.spawn(collect::alerts(
            app.clone(),
            Alertmanager::new(url),
            opts.eval_interval,
        ));
    }
    tasks.spawn(listen::serve(
        listener,
        router(app.clone()),
        opts.manners,
        opts.tls.clone(),
        stats.clone(),
        cancel.clone(),
    ));
    let flagd_addr = start_feeds(&opts, &app, &mut tasks).await?;
    tracing::info!(%addr, rollout = %plan.profile().rollout.id, "control plane listening");
    Ok(Running {
        addr,
        app,
        cancel,
        tasks,
        recovered,
        flagd_addr,
        nats: opts.nats.clone(),
    })
}

/// Binds `addr` for `what`; returns the listener and where it listens (the real port when
/// asked for port 0).
pub async fn bind(
    addr: SocketAddr,
    what: &'static str,
) -> Result<(TcpListener, SocketAddr), StartError> {
    let bind_error = |source| StartError::Bind { what, addr, source };
    let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
    let local = listener.local_addr().map_err(bind_error)?;
    Ok((listener, local))
}

/// Delivers transitions to `--webhook` URLs, when there are any; returns where to queue them.
fn start_webhooks(
    opts: &ServeOptions,
    stats: &Arc<Stats>,
    cancel: &CancellationToken,
    tasks: &mut JoinSet<()>,
) -> Option<core::TransitionSink> {
    (!opts.webhooks.is_empty()).then(|| {
        let (tx, rx) = mpsc::channel(webhooks::QUEUE);
        tasks.spawn(webhooks::deliver(
            opts.webhooks.clone(),
            rx,
            stats.clone(),
            cancel.clone(),
        ));
        tx
    })
}

/// Binds and serves flagd's sync service when `--flagd-sync` asks for it; returns where.
async fn start_flagd_sync(
    opts: &ServeOptions,
    app: &Arc<AppState>,
    tasks: &mut JoinSet<()>,
) -> Result<Option<SocketAddr>, StartError> {
    let Some(want) = opts.flagd_sync else {
        return Ok(None);
    };
    flagd_sync::start(want, &app.apps, opts.tls.clone(), tasks)
        .await
        .map(Some)
}

/// What feeds apps beyond the API: flagd sync and the NATS fan-out, when asked for; returns
/// where flagd sync listens.
async fn start_feeds(
    opts: &ServeOptions,
    app: &Arc<AppState>,
    tasks: &mut JoinSet<()>,
) -> Result<Option<SocketAddr>, StartError> {
    let flagd_addr = start_flagd_sync(opts, app, tasks).await?;
    start_fanout(opts, app, tasks)?;
    Ok(flagd_addr)
}

/// Publishes signed config revisions to NATS when `--nats` asks for it.
fn start_fanout(
    opts: &ServeOptions,
    app: &Arc<AppState>,
    tasks: &mut JoinSet<()>,
) -> Result<(), StartError> {
    if let Some(nats) = &opts.nats {
        let key =
            crate::signing::SigningKey::load_or_create(&opts.data).map_err(StartError::Signing)?;
        tasks.spawn(publisher::publish(
            app.clone(),
            nats.clone(),
            Arc::new(key),
            opts.data.clone(),
            app.edges.clone(),
        ));
    }
    Ok(())
}

/// Opens the journal; with `recover`, a damaged one is recovered first.
async fn open_journal(
    opts: &ServeOptions,
) -> Result<(crate::journal::Opened, Option<crate::journal::Recovery>), StartError> {
    let (plan, data, now) = (opts.plan.clone(), opts.data.clone(), opts.clock.now());
    let recover = opts.recover;
    let opened = tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&data).map_err(|source| crate::journal::JournalError::Io {
            path: data.clone(),
            source,
        })?;
        let recovered = if recover {
            crate::journal::recover(&data, now)?
        } else {
            None
        };
        if let Some(r) = &recovered {
            tracing::warn!(kept = r.kept, lost = r.lost, lineage = %r.lineage, "journal recovered");
        }
        Journal::open(&data, &plan, now).map(|opened| (opened, recovered))
    })
    .await
    .expect("journal task")?;
    Ok(opened)
}

/// The HTTP and WebSocket routes.
pub fn router(app: Arc<AppState>) -> Router {
    let apps = app.apps.clone();
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/v1/state", get(api::state))
        .route("/v1/plan", get(api::plan))
        .route("/v1/events", get(api::events))
        .route("/v1/actions", post(api::action))
        .route("/v1/samples", post(api::samples))
        .route("/v1/stream", get(stream::stream))
        .route("/metrics", get(exposition::metrics))
        .with_state(app)
        .merge(apps::routes(apps))
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::wrong_method)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}
