//! `cutover sim`: the fleet simulator as its own process. It reads the plan from the control
//! plane, follows the config stream so that its fleets are routed by the live weights, and
//! each interval either pushes its samples (`POST /v1/samples`) or, with `--expose ADDR`,
//! serves them as gauges on `/metrics` for Prometheus to scrape.

// Doc comments here are `--help` text, where backticks would show literally.
#![allow(clippy::doc_markdown)]

use std::fmt::Write as _;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use clap::Args;
use color_eyre::eyre::{Result, WrapErr, eyre};
use tokio::sync::mpsc;

use super::RemoteArgs;
use crate::client::subscription::{self, ConfigStream, Update};
use crate::metrics::{Observation, Variant};
use crate::plan::{Plan, Profile};
use crate::settings::Settings;
use crate::sim::{Fleet, Scenario};
use crate::time::Period;
use crate::wire::{self, ConfigDoc};

/// Flags of `cutover sim`.
#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Fault script: healthy, error-spike, latency-regression, revenue-drop, flapping, metrics-outage.
    #[arg(long, default_value = "healthy", long_help = crate::sim::scenario::HELP)]
    scenario: String,
    /// Random seed (same seed and weights: same samples).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Requests per second per cohort.
    #[arg(long, default_value_t = 40.0)]
    rate: f64,
    /// Time between windows.
    #[arg(long, default_value = "10s")]
    interval: String,
    /// Serve `/metrics` here for Prometheus instead of pushing.
    #[arg(long, value_name = "ADDR")]
    expose: Option<String>,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// The gauges exposed for Prometheus, one per metric, cohort and variant.
#[must_use]
pub fn exposition(observations: &[Observation]) -> String {
    let mut out = String::from(
        "# HELP cutover_sim_value Simulated metric value per cohort and variant.\n# TYPE cutover_sim_value gauge\n",
    );
    for o in observations {
        let variant = match o.variant {
            Some(Variant::Legacy) => "legacy",
            Some(Variant::Enhanced) => "enhanced",
            None => "",
        };
        let department = o.cohort.split('/').next().unwrap_or_default();
        let _ = writeln!(
            out,
            "cutover_sim_value{{metric=\"{}\",cohort=\"{}\",department=\"{department}\",variant=\"{variant}\"}} {}",
            o.metric, o.cohort, o.value
        );
    }
    out
}

/// Runs until interrupted.
/// Observations as the push API takes them.
fn samples(observations: &[Observation]) -> Vec<wire::Sample<'_>> {
    observations
        .iter()
        .map(|o| wire::Sample {
            metric: o.metric.as_str().into(),
            cohort: o.cohort.as_str().into(),
            variant: o.variant.map(crate::server::convert::variant),
            value: o.value,
            count: Some(o.count),
        })
        .collect()
}

pub async fn run(args: SimArgs, settings: Settings) -> Result<ExitCode> {
    let client = super::remote::client(&args.remote, &settings);
    let token = args.remote.token.clone().or_else(|| settings.token.clone());
    let scenario = Scenario::parse(&args.scenario).map_err(|e| eyre!(e))?;
    let interval: Period = args
        .interval
        .parse()
        .map_err(|e| eyre!("--interval: {e}"))?;
    let http = crate::tls::http_client()
        .build()
        .map_err(|e| eyre!("http client: {e}"))?;
    let with_token = |r: reqwest::RequestBuilder| match &token {
        Some(t) => r.bearer_auth(t),
        None => r,
    };
    let profile: Profile = with_token(http.get(format!("{}/v1/plan", client.base())))
        .send()
        .await
        .wrap_err("reading the plan from the control plane")?
        .error_for_status()?
        .json()
        .await?;
    let plan = Arc::new(
        Plan::from_profile(profile)
            .map_err(|p| eyre!("the server's plan does not validate here: {p:?}"))?,
    );
    let mut fleet = Fleet::new(plan, scenario, args.seed);
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a request count"
    )]
    let requests = (args.rate * interval.0 as f64 / 1000.0).round().max(1.0) as u32;
    fleet.requests = requests;
    let (config_tx, mut config_rx) = mpsc::channel(16);
    tokio::spawn(subscription::follow(
        client.clone(),
        ConfigStream::default(),
        config_tx,
    ));
    let mut config: Option<ConfigDoc> = None;
    let exposed = Arc::new(Mutex::new(String::new()));
    if let Some(addr) = &args.expose {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .wrap_err_with(|| format!("listening on {addr}"))?;
        eprintln!(
            "cutover sim: serving /metrics on http://{}",
            listener.local_addr()?
        );
        let page = exposed.clone();
        let router = Router::new().route(
            "/metrics",
            get(move || async move { page.lock().expect("page").clone() }),
        );
        tokio::spawn(async move { axum::serve(listener, router).await });
    }
    eprintln!(
        "cutover sim: scenario {} · {requests} requests per cohort per window · every {interval}",
        scenario.name()
    );
    let mut ticker = tokio::time::interval(Duration::from_millis(interval.0));
    loop {
        tokio::select! {
            () = crate::lifecycle::wait_for_signal() => return Ok(ExitCode::SUCCESS),
            update = config_rx.recv() => {
                if let Some(Update::Message(doc)) = update {
                    config = Some(doc);
                }
                continue;
            }
            _ = ticker.tick() => {}
        }
        let Some(doc) = &config else {
            continue;
        };
        let observations = fleet.window(doc, crate::clock::Clock::wall().now());
        if args.expose.is_some() {
            *exposed.lock().expect("page") = exposition(&observations);
        } else if let Err(e) = with_token(
            http.post(format!("{}/v1/samples", client.base()))
                .json(&samples(&observations)),
        )
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        {
            eprintln!("cutover sim: push failed: {e}");
        }
    }
}
