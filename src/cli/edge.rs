//! `cutover edge`: resolves flags over settings over defaults, starts the edge relay
//! ([`crate::edge`]), logs to standard error, and stops on SIGINT, SIGTERM or SIGHUP.

// Doc comments here are `--help` text, where backticks would show literally.
#![allow(clippy::doc_markdown)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use color_eyre::eyre::{Result, eyre};
use tokio_util::sync::CancellationToken;

use super::serve::{Exposure, positive_period};
use crate::edge::{self, EdgeOptions};
use crate::lifecycle;
use crate::server::fanout::{EDGE_REPORT_EVERY, NatsOptions};
use crate::server::listen::Manners;
use crate::settings::Settings;
use crate::signing::TrustedKey;

/// Flags of `cutover edge`.
#[derive(Debug, Clone, Args)]
pub struct EdgeArgs {
    /// NATS to follow: one URL or several, comma-separated.
    #[arg(long, value_name = "URL[,URL…]")]
    nats: Option<String>,
    /// NATS credentials file (a `.creds` file: user JWT and nkey seed), if NATS wants one.
    #[arg(long, value_name = "FILE")]
    nats_creds: Option<PathBuf>,
    /// The control plane's public key (DATA_DIR/config-signing.pub of `cutover serve`):
    /// documents not signed by it are never served. Required.
    #[arg(long, value_name = "FILE")]
    trust: Option<PathBuf>,
    /// The rollout to relay (default: the only one NATS holds).
    #[arg(long, value_name = "ID")]
    rollout: Option<String>,
    /// This edge's name in reports to the control plane (default: HOST:PORT).
    #[arg(long, value_name = "NAME")]
    id: Option<String>,
    /// Address to listen on (default 127.0.0.1:7080).
    #[arg(long)]
    listen: Option<String>,
    #[command(flatten)]
    exposure: Exposure,
    /// Also serve flagd's sync service (gRPC) here, for in-process OpenFeature providers.
    #[arg(long, value_name = "ADDR")]
    flagd_sync: Option<String>,
    /// How often to report to the control plane and re-read the bucket (default 2s).
    #[arg(long, value_name = "PERIOD")]
    report_every: Option<String>,
    /// Say `stale` at /healthz after this long without word from NATS (default 10s).
    #[arg(long, value_name = "PERIOD")]
    stale_after: Option<String>,
    /// Connections served at once; more are closed at accept (default 50000).
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
}

fn address(flag: &str, text: &str, example: &str) -> Result<SocketAddr> {
    text.parse()
        .map_err(|_| eyre!("--{flag} `{text}` is not an address like {example}"))
}

/// Resolves flags and settings into the edge's options.
pub fn options(args: EdgeArgs, settings: &Settings) -> Result<EdgeOptions> {
    let urls = args.nats.or_else(|| settings.nats.clone()).ok_or_else(|| {
        eyre!("no NATS: pass --nats URL (where `cutover serve --nats URL` publishes)")
    })?;
    let trust = args.trust.ok_or_else(|| {
        eyre!(
            "no --trust FILE: an edge serves only documents signed by the control plane; pass the control plane's DATA_DIR/config-signing.pub"
        )
    })?;
    let trust = TrustedKey::load(&trust).map_err(|e| eyre!("--trust {e}"))?;
    let listen = address(
        "listen",
        args.listen.as_deref().unwrap_or("127.0.0.1:7080"),
        "127.0.0.1:7080",
    )?;
    let flagd_sync = args
        .flagd_sync
        .as_deref()
        .map(|a| address("flagd-sync", a, "127.0.0.1:8016"))
        .transpose()?;
    let (auth, tokens_file) = args.exposure.auth(settings)?;
    let report_every = positive_period(
        "report-every",
        args.report_every.as_ref(),
        settings.edge_report_every.as_ref(),
    )?
    .unwrap_or(EDGE_REPORT_EVERY);
    let stale_after = positive_period(
        "stale-after",
        args.stale_after.as_ref(),
        settings.edge_stale_after.as_ref(),
    )?
    .unwrap_or(Duration::from_secs(10));
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "edge".to_owned());
    let defaults = Manners::default();
    Ok(EdgeOptions {
        id: args
            .id
            .unwrap_or_else(|| format!("{host}:{}", listen.port())),
        rollout: args.rollout,
        nats: NatsOptions {
            urls: urls.split(',').map(|u| u.trim().to_owned()).collect(),
            creds: args.nats_creds.or_else(|| settings.nats_creds.clone()),
            ..NatsOptions::default()
        },
        trust,
        listen,
        auth,
        tokens_file,
        tls: args.exposure.tls()?,
        allow_plaintext: args.exposure.allow_plaintext,
        flagd_sync,
        manners: Manners {
            max_connections: args
                .max_connections
                .or(settings.max_connections)
                .unwrap_or(defaults.max_connections)
                .max(1),
            ..defaults
        },
        report_every,
        stale_after,
    })
}

/// Runs until a signal.
pub async fn run(args: EdgeArgs, settings: Settings) -> Result<ExitCode> {
    let opts = options(args, &settings)?;
    let _log = lifecycle::log_to_stderr();
    let scheme = if opts.tls.is_some() { "https" } else { "http" };
    let nats = opts.nats.shown();
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        lifecycle::wait_for_signal().await;
        stop.cancel();
    });
    let Some(mut running) = edge::start(opts, cancel.clone()).await? else {
        eprintln!("cutover edge: stopped before the first config document arrived");
        return Ok(ExitCode::SUCCESS);
    };
    let revision = running.edge.apps.config.borrow().doc.revision;
    eprintln!(
        "cutover edge {}: relaying {} from NATS {nats} · serving revision {revision} on {scheme}://{}",
        running.edge.id, running.rollout, running.addr
    );
    if let Some(flagd) = running.flagd_addr {
        eprintln!("cutover edge: flagd sync (gRPC) on {flagd}");
    }
    cancel.cancelled().await;
    eprintln!("cutover edge: stopping");
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while running.tasks.join_next().await.is_some() {}
    })
    .await;
    Ok(ExitCode::SUCCESS)
}
