//! `cutover serve`: resolves flags over settings over defaults, sets up logging to a file in
//! the data directory, starts the control plane, and stops it on SIGINT, SIGTERM or SIGHUP.

// Doc comments here are `--help` text, where backticks would show literally.
#![allow(clippy::doc_markdown)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use color_eyre::eyre::{Result, WrapErr, eyre};

use crate::clock::Clock;
use crate::lifecycle;
use crate::plan;
use crate::server::auth::Auth;
use crate::server::{self, ServeOptions};
use crate::settings::Settings;
use crate::sources::{Source, prometheus::Prometheus};
use crate::time::Period;

/// Flags of `cutover serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Profile: a file, or a built-in name (vividwalls, aixtiv, aigentflow, react-playbook, minimal).
    #[arg(long)]
    profile: Option<String>,
    /// Address to listen on (default 127.0.0.1:7070).
    #[arg(long)]
    listen: Option<String>,
    /// Data directory for the journal and the log (default: $XDG_DATA_HOME/cutover/ROLLOUT).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Metric source: push (default), sim, or sim:SCENARIO.
    #[arg(long)]
    source: Option<String>,
    /// Read metrics from this Prometheus (its base URL) instead.
    #[arg(long, value_name = "URL")]
    prometheus: Option<String>,
    /// Poll this Alertmanager for firing alerts.
    #[arg(long, value_name = "URL")]
    alertmanager: Option<String>,
    /// Time between evaluations (default 10s).
    #[arg(long, value_name = "PERIOD")]
    eval_interval: Option<String>,
    /// POST every transition to this URL (repeatable).
    #[arg(long = "webhook", value_name = "URL")]
    webhooks: Vec<String>,
    /// Run the rollout clock this many times faster than the wall (bake times compress).
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Seed of the simulator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Time for a request's headers to arrive before the connection is closed (default 10s).
    #[arg(long, value_name = "PERIOD")]
    header_timeout: Option<String>,
    /// Time for a request's body to arrive before it is refused (default 10s).
    #[arg(long, value_name = "PERIOD")]
    body_timeout: Option<String>,
    /// Connections served at once; more are closed at accept (default 50000).
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    #[command(flatten)]
    exposure: Exposure,
    /// Also serve flagd's sync service (gRPC) here, for flagd's in-process OpenFeature
    /// providers (e.g. 127.0.0.1:8015; the same TLS and loopback rules as --listen).
    #[arg(long, value_name = "ADDR")]
    flagd_sync: Option<String>,
    /// Publish each signed config revision to NATS (JetStream KV and a subject) for
    /// `cutover edge` relays: one URL or several, comma-separated.
    #[arg(long, value_name = "URL[,URL…]")]
    nats: Option<String>,
    /// NATS credentials file (a `.creds` file: user JWT and nkey seed), if NATS wants one.
    #[arg(long, value_name = "FILE", requires = "nats")]
    nats_creds: Option<PathBuf>,
    /// Publish even though the bucket holds another lineage of this rollout signed by this
    /// key: a standby taking over from a primary that is gone for good. Without it, a control
    /// plane that finds another one publishing stops publishing (two would split the edges).
    #[arg(long, requires = "nats")]
    nats_take_over: bool,
    /// Call an edge relay lost when it has not reported for this long (default 6s: three
    /// of its reports).
    #[arg(long, value_name = "PERIOD", requires = "nats")]
    edge_lost_after: Option<String>,
    /// If the journal is damaged, keep its verified records, move the damaged files aside and
    /// start a new lineage (instead of refusing to start).
    #[arg(long)]
    recover: bool,
}

/// Who may reach a server beyond loopback, and how: the flags `serve` and `edge` share.
#[derive(Debug, Clone, Args)]
pub struct Exposure {
    /// Tokens file; required to listen on anything but loopback.
    #[arg(long)]
    tokens: Option<PathBuf>,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve plain HTTP beyond loopback anyway (only behind a TLS proxy).
    #[arg(long)]
    pub allow_plaintext: bool,
}

impl Exposure {
    /// The tokens (from the flag, then settings; open without a file) and their file.
    pub fn auth(&self, settings: &Settings) -> Result<(Auth, Option<PathBuf>)> {
        let file = self.tokens.clone().or_else(|| settings.tokens.clone());
        let auth = match &file {
            Some(path) => Auth::load(path).map_err(|e| eyre!(e))?,
            None => Auth::Open,
        };
        Ok((auth, file))
    }

    /// The TLS configuration, if a certificate was given.
    pub fn tls(&self) -> Result<Option<Arc<rustls::ServerConfig>>> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Ok(Some(
                crate::tls::server_config(cert, key).map_err(|e| eyre!(e))?,
            )),
            _ => Ok(None),
        }
    }
}

fn data_dir(id: &str) -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("cutover").join(id)
}

/// Resolves settings into server options.
pub fn options(args: ServeArgs, settings: &Settings) -> Result<ServeOptions> {
    let manners = manners(&args, settings)?;
    let nats = nats(&args, settings)?;
    let spec = args
        .profile
        .or_else(|| settings.profile.clone())
        .ok_or_else(|| {
            eyre!("no profile: pass --profile FILE (or a built-in name such as vividwalls)")
        })?;
    let plan = plan::builtin::load(&spec).map_err(|e| eyre!("{e}"))?;
    let listen = args
        .listen
        .or_else(|| settings.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:7070".into());
    let listen: SocketAddr = listen
        .parse()
        .map_err(|_| eyre!("--listen `{listen}` is not an address like 127.0.0.1:7070"))?;
    let flagd_sync = args
        .flagd_sync
        .clone()
        .or_else(|| settings.flagd_sync.clone())
        .map(|a| {
            a.parse::<SocketAddr>()
                .map_err(|_| eyre!("--flagd-sync `{a}` is not an address like 127.0.0.1:8015"))
        })
        .transpose()?;
    let data = args
        .data
        .or_else(|| settings.data.clone())
        .unwrap_or_else(|| data_dir(&plan.profile().rollout.id));
    let (auth, tokens_file) = args.exposure.auth(settings)?;
    let interval = args
        .eval_interval
        .or_else(|| settings.eval_interval.clone())
        .unwrap_or_else(|| "10s".into());
    let interval: Period = interval
        .parse()
        .map_err(|e| eyre!("--eval-interval: {e}"))?;
    if interval.0 < 10 {
        return Err(eyre!("--eval-interval must be at least 10ms"));
    }
    // With a sped-up clock an evaluation interval is long in plan time: keep three of them fresh.
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a duration in ms"
    )]
    let stretched = Period((interval.0 as f64 * args.speed.max(1.0) * 3.0) as u64);
    let plan = Arc::new(plan.with_min_data_age(stretched));
    let source = match (
        args.prometheus.or_else(|| settings.prometheus.clone()),
        args.source.or_else(|| settings.source.clone()),
    ) {
        (Some(_), Some(s)) if s != "prometheus" => {
            return Err(eyre!(
                "choose one metric source: --source {s} or --prometheus"
            ));
        }
        (Some(url), _) => Source::Prometheus(Prometheus::new(&url, plan.clone())),
        (None, Some(spec)) => Source::parse(&spec, &plan, args.seed).map_err(|e| eyre!(e))?,
        (None, None) => Source::Push,
    };
    let mut webhooks = args.webhooks;
    if webhooks.is_empty() {
        webhooks = settings.webhooks.clone().unwrap_or_default();
    }
    Ok(ServeOptions {
        plan,
        listen,
        data,
        auth,
        source,
        alertmanager: args.alertmanager.or_else(|| settings.alertmanager.clone()),
        eval_interval: Duration::from_millis(interval.0),
        webhooks,
        clock: Clock::sped_up(args.speed),
        recover: args.recover,
        manners,
        tls: args.exposure.tls()?,
        allow_plaintext: args.exposure.allow_plaintext,
        tokens_file,
        flagd_sync,
        nats,
    })
}

/// Where to publish config revisions, from flags, then settings.
fn nats(args: &ServeArgs, settings: &Settings) -> Result<Option<server::fanout::NatsOptions>> {
    let Some(urls) = args.nats.clone().or_else(|| settings.nats.clone()) else {
        return Ok(None);
    };
    let lost = positive_period(
        "edge-lost-after",
        args.edge_lost_after.as_ref(),
        settings.edge_lost_after.as_ref(),
    )?;
    Ok(Some(server::fanout::NatsOptions {
        urls: urls.split(',').map(|u| u.trim().to_owned()).collect(),
        creds: args
            .nats_creds
            .clone()
            .or_else(|| settings.nats_creds.clone()),
        edge_lost_after: lost.unwrap_or(server::fanout::EDGE_LOST_AFTER),
        take_over: args.nats_take_over,
    }))
}

/// A period given as a flag or a setting (the flag wins), which must be more than 0.
pub fn positive_period(
    flag: &str,
    given: Option<&String>,
    set: Option<&String>,
) -> Result<Option<Duration>> {
    given
        .or(set)
        .map(|text| -> Result<Duration> {
            let p: Period = text.parse().map_err(|e| eyre!("--{flag}: {e}"))?;
            if p.0 == 0 {
                return Err(eyre!("--{flag} must be more than 0"));
            }
            Ok(Duration::from_millis(p.0))
        })
        .transpose()
}

/// Timeouts and the connection cap, from flags, then settings, then defaults.
fn manners(args: &ServeArgs, settings: &Settings) -> Result<server::listen::Manners> {
    let period = positive_period;
    let defaults = server::listen::Manners::default();
    let header = period(
        "header-timeout",
        args.header_timeout.as_ref(),
        settings.header_timeout.as_ref(),
    )?;
    let body = period(
        "body-timeout",
        args.body_timeout.as_ref(),
        settings.body_timeout.as_ref(),
    )?;
    Ok(server::listen::Manners {
        header_timeout: header.unwrap_or(defaults.header_timeout),
        body_timeout: body.unwrap_or(defaults.body_timeout),
        max_connections: args
            .max_connections
            .or(settings.max_connections)
            .unwrap_or(defaults.max_connections)
            .max(1),
    })
}

/// Runs until a signal.
pub async fn run(args: ServeArgs, settings: Settings) -> Result<ExitCode> {
    let opts = options(args, &settings)?;
    std::fs::create_dir_all(&opts.data)
        .wrap_err_with(|| format!("creating {}", opts.data.display()))?;
    let _log = lifecycle::log_to_file(&opts.data, "cutover.log");
    let data = opts.data.clone();
    let scheme = if opts.tls.is_some() { "https" } else { "http" };
    let mut running = server::start(opts).await?;
    let revision = running.app.core.snapshot.borrow().state.revision;
    let assignment = crate::openfeature::algorithm(running.app.core.config.borrow().doc.assignment);
    eprintln!(
        "cutover serve: listening on {scheme}://{} · data {} · journal at revision {revision} · assignment {assignment}",
        running.addr,
        data.display()
    );
    if let Some(asked) = running
        .app
        .plan
        .profile()
        .rollout
        .assignment
        .filter(|a| *a != assignment)
    {
        eprintln!(
            "warning: the profile asks for assignment {asked}, but this rollout started with {assignment} and keeps it (changing it would move units on enhanced back to legacy); a new rollout (a new data directory) starts with {asked}"
        );
    }
    if let Some(nats) = &running.nats {
        eprintln!(
            "cutover serve: publishing signed config revisions to NATS {} (bucket {}, subject {}); relays trust {}",
            nats.shown(),
            server::fanout::BUCKET,
            server::fanout::subject(&running.app.plan.profile().rollout.id),
            data.join(crate::signing::PUBLIC_FILE).display()
        );
    }
    if let Some(flagd) = running.flagd_addr {
        eprintln!(
            "cutover serve: flagd sync (gRPC) for in-process OpenFeature providers on {flagd}"
        );
    }
    if running.app.auth.get().is_open() {
        eprintln!(
            "cutover serve: open server (no --tokens): every caller is `local`, an admin who may give every sign-off, with four eyes off"
        );
    }
    if let Some(r) = &running.recovered {
        eprintln!(
            "warning: {}\nrecovered: kept {} record(s), {} lost; the damaged files are in {}; new lineage {}; the rollout is paused until someone resumes it",
            r.report.to_string().lines().next().unwrap_or_default(),
            r.kept,
            r.lost,
            r.aside.display(),
            r.lineage
        );
    }
    lifecycle::wait_for_signal().await;
    eprintln!("cutover serve: stopping");
    running.cancel.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while running.tasks.join_next().await.is_some() {}
    })
    .await;
    Ok(ExitCode::SUCCESS)
}
