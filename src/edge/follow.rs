//! An edge's link to NATS: the subject for each new revision as it is published, the KV
//! bucket at start, on every reconnect and every report interval (so a revision published
//! while the edge was away is caught up), and the edge's reports to the control plane — on
//! every revision it has delivered and every interval. Every document goes through
//! [`Admission`]; what is believed replaces the config feed, which wakes every subscriber.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};

use super::Edge;
use super::admit::{Admission, Rejected};
use crate::server::apps::ConfigFeed;
use crate::server::fanout::{self, kv};
use crate::server::stats::Stats;
use crate::wire;

/// Weighs one message: the document to serve if it is newer and believed; counts and logs
/// what is not.
fn weigh(edge: &Edge, admission: &mut Admission, bytes: &[u8]) -> Option<ConfigFeed> {
    match admission.weigh(bytes) {
        Ok(Some(feed)) => {
            Stats::bump(&edge.counters.accepted);
            tracing::info!(
                revision = feed.doc.revision,
                "serving a new config revision"
            );
            Some(feed)
        }
        Ok(None) => None,
        Err(rejected) => {
            edge.counters.reject(&rejected);
            tracing::warn!(reason = %rejected, "a config document was not believed");
            None
        }
    }
}

/// Weighs one message and serves it if believed, starting its delivery round.
fn take(
    edge: &Edge,
    admission: &mut Admission,
    config: &watch::Sender<Arc<ConfigFeed>>,
    bytes: &[u8],
) {
    if let Some(feed) = weigh(edge, admission, bytes) {
        let subscribers = Stats::get(&edge.apps.stats.config_subscribers);
        edge.apps.deliveries.start(
            feed.doc.revision,
            usize::try_from(subscribers).unwrap_or(usize::MAX),
            true,
        );
        config.send_replace(Arc::new(feed));
    }
}

/// Reads the bucket's latest document for the rollout; a successful read confirms the edge is
/// current.
async fn read_bucket(
    edge: &Edge,
    admission: &mut Admission,
    config: &watch::Sender<Arc<ConfigFeed>>,
) -> bool {
    match kv::get(&edge.client, admission.rollout()).await {
        Ok(latest) => {
            if let Some(bytes) = latest {
                take(edge, admission, config, &bytes);
            }
            edge.confirm();
            true
        }
        Err(e) => {
            Stats::bump(&edge.counters.bucket_errors);
            tracing::debug!(error = %e, "NATS: the bucket could not be read");
            false
        }
    }
}

/// Waits for the rollout's first document (from the bucket or the subject) and returns it,
/// `None` once cancelled. Backs off between tries whatever went wrong — nothing in the bucket
/// yet, or a document that is not believed (the wrong `--trust`, say, or a forgery) — and says
/// each different reason once.
pub async fn first_document(
    edge: &Edge,
    admission: &mut Admission,
    subscription: &mut async_nats::Subscriber,
) -> Option<ConfigFeed> {
    let mut backoff = Duration::from_millis(50);
    let mut said = std::collections::HashSet::new();
    loop {
        let candidate = kv::get(&edge.client, admission.rollout())
            .await
            .ok()
            .flatten();
        if candidate.is_none() && said.insert("empty".to_owned()) {
            let held = kv::keys(&edge.client).await.unwrap_or_default();
            let held = if held.is_empty() {
                "none yet".to_owned()
            } else {
                held.join(", ")
            };
            eprintln!(
                "cutover edge: waiting for the first config document of `{}` on NATS (is `cutover serve --nats` running with that rollout? the bucket holds: {held})",
                admission.rollout()
            );
        }
        if let Some(bytes) = candidate {
            match admission.weigh(&bytes) {
                Ok(Some(feed)) => {
                    Stats::bump(&edge.counters.accepted);
                    edge.confirm();
                    return Some(feed);
                }
                Ok(None) => {}
                Err(rejected) => {
                    edge.counters.reject(&rejected);
                    if said.insert(rejected.label().to_owned()) {
                        eprintln!(
                            "cutover edge: the latest config document of `{}` in the bucket is not believed: {rejected}{}; waiting for one that is",
                            admission.rollout(),
                            hint(&rejected)
                        );
                    }
                }
            }
        }
        // A document published meanwhile on the subject is weighed at once.
        tokio::select! {
            message = subscription.next() => {
                if let Some(feed) = message.and_then(|m| weigh(edge, admission, &m.payload)) {
                    edge.confirm();
                    return Some(feed);
                }
            }
            () = tokio::time::sleep(backoff) => {}
            () = edge.apps.cancel.cancelled() => return None,
        }
        if edge.apps.cancel.is_cancelled() {
            return None;
        }
        backoff = (backoff * 2).min(Duration::from_secs(1));
    }
}

/// What to check when a document is not believed.
fn hint(rejected: &Rejected) -> &'static str {
    if matches!(rejected, Rejected::Signature) {
        " (is --trust the config-signing.pub of this rollout's control plane? each data directory has its own key)"
    } else {
        ""
    }
}

/// The report of what the edge serves now.
fn report(
    edge: &Edge,
    config: &watch::Sender<Arc<ConfigFeed>>,
    round: Option<&wire::Delivery>,
) -> wire::EdgeReport {
    let feed = config.borrow().clone();
    let connected =
        usize::try_from(Stats::get(&edge.apps.stats.config_subscribers)).unwrap_or(usize::MAX);
    let (subscribers, sent, elapsed_ms) = match round
        .cloned()
        .or_else(|| edge.apps.deliveries.tally().map(|(d, _)| d))
    {
        // A round just reported: its own figures.
        Some(d) if round.is_some() => (d.subscribers, d.sent, d.elapsed_ms),
        // Later: everyone connected now has the revision once its round completed (newcomers
        // get it when they connect).
        Some(d) if d.revision == feed.doc.revision => {
            let sent = if d.complete {
                connected
            } else {
                d.sent.min(connected)
            };
            (connected, sent, d.elapsed_ms)
        }
        _ => (connected, connected, None),
    };
    wire::EdgeReport {
        edge: edge.id.clone(),
        rollout: feed.doc.rollout.clone(),
        revision: feed.doc.revision,
        lineage: feed.doc.lineage.clone(),
        subscribers,
        sent,
        elapsed_ms,
        stale: edge.stale(),
        at: crate::clock::Clock::wall().now().0,
    }
}

/// Publishes a report; never waits long on a NATS that is away.
async fn send_report(edge: &Edge, report: &wire::EdgeReport) {
    let body = serde_json::to_vec(report).expect("serializes");
    let subject = fanout::edges_subject(&report.rollout);
    let sent = tokio::time::timeout(
        Duration::from_millis(200),
        edge.client.publish(subject, body.into()),
    )
    .await;
    if matches!(sent, Ok(Ok(()))) {
        Stats::bump(&edge.counters.reports);
    }
}

/// Follows the rollout until the edge stops.
pub async fn follow(
    edge: Arc<Edge>,
    mut admission: Admission,
    mut subscription: async_nats::Subscriber,
    config: watch::Sender<Arc<ConfigFeed>>,
    mut rounds: mpsc::Receiver<wire::Delivery>,
    mut reconnected: mpsc::Receiver<()>,
) {
    let mut every = tokio::time::interval(edge.report_every);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_read = Instant::now();
    let mut was_stale = false;
    loop {
        tokio::select! {
            message = subscription.next() => match message {
                Some(m) => {
                    take(&edge, &mut admission, &config, &m.payload);
                    edge.confirm();
                }
                None => return,
            },
            Some(()) = reconnected.recv() => {
                read_bucket(&edge, &mut admission, &config).await;
                last_read = Instant::now();
                send_report(&edge, &report(&edge, &config, None)).await;
            }
            Some(round) = rounds.recv() => {
                send_report(&edge, &report(&edge, &config, Some(&round))).await;
            }
            _ = every.tick() => {
                if last_read.elapsed() >= edge.report_every / 2 {
                    read_bucket(&edge, &mut admission, &config).await;
                    last_read = Instant::now();
                }
                send_report(&edge, &report(&edge, &config, None)).await;
            }
            () = edge.apps.cancel.cancelled() => return,
        }
        was_stale = say_staleness(&edge, &config, was_stale);
    }
}

/// Logs once when the edge goes stale and once when it is current again; returns whether it
/// is stale now.
fn say_staleness(edge: &Edge, config: &watch::Sender<Arc<ConfigFeed>>, was_stale: bool) -> bool {
    let stale = edge.stale();
    let revision = config.borrow().doc.revision;
    match (was_stale, stale) {
        (false, true) if edge.nats_connected() => tracing::warn!(
            revision,
            unconfirmed_s = edge.age().as_secs(),
            "stale: NATS has not confirmed the served revision lately; serving it until it does"
        ),
        (false, true) => tracing::warn!(
            revision,
            "stale: NATS is away; serving the last revision until it is back"
        ),
        (true, false) => tracing::info!(revision, "current again: NATS confirmed the revision"),
        _ => {}
    }
    stale
}
