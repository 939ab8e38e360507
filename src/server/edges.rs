//! The control plane's view of its edge relays: each edge reports over NATS
//! (`cutover.edges.ROLLOUT`, [`crate::wire::EdgeReport`]) every few seconds and whenever it has
//! delivered a revision. The [`Registry`] keeps the latest report per edge, judges it live,
//! stale (the edge says NATS is away) or lost (not heard for [`NatsOptions::edge_lost_after`]),
//! and times each delivery from the moment this control plane published the revision. The
//! follower hands every material change to the core, which puts the edges in the snapshot and
//! in the delivery of a kill or rollback; `/v1/state` reads the registry for up-to-date ages.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::AppState;
use super::core::CoreMsg;
use super::fanout::{self, NatsOptions};
use crate::wire::{self, EdgeReport, EdgeStatus, Millis};

/// Edges remembered at most; beyond it the longest silent is forgotten (memory stays bounded
/// whatever is published on the subject).
pub const MAX_EDGES: usize = 4096;

/// A lost edge is forgotten after this many lost thresholds (10 minutes by default): an edge
/// taken away for good stops counting in the closed loop's denominators.
pub const FORGET_AFTER_LOST: u32 = 100;

#[derive(Debug, Clone)]
struct Seen {
    report: EdgeReport,
    heard: Instant,
    heard_wall: Millis,
    /// The revision last seen delivered to every one of the edge's subscribers, and how long
    /// after it was published (ms).
    delivered: Option<(u64, Option<f64>)>,
}

/// The edges heard from. No IO: times are passed in.
#[derive(Debug, Default)]
pub struct Registry {
    seen: BTreeMap<String, Seen>,
    lost_after: Duration,
    /// Another control plane's lineage in the bucket, when one publishes this rollout.
    rival: Option<String>,
}

impl Registry {
    /// An empty registry that calls an edge lost after `lost_after` without a report.
    #[must_use]
    pub fn new(lost_after: Duration) -> Registry {
        Registry {
            seen: BTreeMap::new(),
            lost_after,
            rival: None,
        }
    }

    /// Says whether another control plane holds the bucket (its lineage) or none does;
    /// returns whether that changed.
    pub fn rival(&mut self, rival: Option<String>) -> bool {
        let changed = self.rival != rival;
        self.rival = rival;
        changed
    }

    /// A report arrived at `now` (`wall` on the wall clock); `published` is the revision this
    /// control plane published last and when.
    pub fn heard(
        &mut self,
        report: EdgeReport,
        now: Instant,
        wall: Millis,
        published: Option<(u64, Instant)>,
    ) {
        if !self.seen.contains_key(&report.edge) && self.seen.len() >= MAX_EDGES {
            let oldest = self
                .seen
                .iter()
                .min_by_key(|(_, s)| s.heard)
                .map(|(id, _)| id.clone());
            if let Some(id) = oldest {
                self.seen.remove(&id);
            }
        }
        let previous = self.seen.get(&report.edge).and_then(|s| s.delivered);
        let all_sent = report.sent >= report.subscribers;
        let delivered = match previous {
            Some((revision, _)) if revision >= report.revision => previous,
            _ if all_sent => {
                let ms = published
                    .filter(|(revision, _)| *revision == report.revision)
                    .map(|(_, at)| now.saturating_duration_since(at).as_secs_f64() * 1000.0);
                Some((report.revision, ms))
            }
            _ => previous,
        };
        self.seen.insert(
            report.edge.clone(),
            Seen {
                report,
                heard: now,
                heard_wall: wall,
                delivered,
            },
        );
    }

    /// Forgets the edges silent for [`FORGET_AFTER_LOST`] lost thresholds as of `now`.
    pub fn forget(&mut self, now: Instant) {
        let gone = self.lost_after * FORGET_AFTER_LOST;
        self.seen
            .retain(|_, s| now.saturating_duration_since(s.heard) <= gone);
    }

    /// Every edge as of `now`.
    #[must_use]
    pub fn view(&self, now: Instant) -> Vec<wire::Edge> {
        self.seen
            .iter()
            .map(|(id, s)| {
                let status = if now.saturating_duration_since(s.heard) > self.lost_after {
                    EdgeStatus::Lost
                } else if s.report.stale {
                    EdgeStatus::Stale
                } else {
                    EdgeStatus::Live
                };
                wire::Edge {
                    id: id.clone(),
                    status,
                    revision: s.report.revision,
                    lineage: s.report.lineage.clone(),
                    subscribers: s.report.subscribers,
                    sent: s.report.sent,
                    delivered_ms: s
                        .delivered
                        .filter(|(revision, _)| *revision == s.report.revision)
                        .and_then(|(_, ms)| ms),
                    last_report: s.heard_wall,
                }
            })
            .collect()
    }
}

/// The edges without the time of their last report, to tell a material change from a
/// heartbeat.
fn material(edges: &[wire::Edge]) -> Vec<wire::Edge> {
    edges
        .iter()
        .map(|e| wire::Edge {
            last_report: 0,
            ..e.clone()
        })
        .collect()
}

/// Follows the edges' reports until the server stops.
pub async fn follow(
    app: Arc<AppState>,
    client: async_nats::Client,
    opts: NatsOptions,
    registry: Arc<Mutex<Registry>>,
) {
    let rollout = app.plan.profile().rollout.id.clone();
    let mut reports = match client.subscribe(fanout::edges_subject(&rollout)).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "NATS: cannot follow the edges' reports");
            return;
        }
    };
    let mut tick = tokio::time::interval((opts.edge_lost_after / 3).max(Duration::from_millis(10)));
    let mut told = Vec::new();
    let mut link: Option<wire::NatsLink> = None;
    loop {
        tokio::select! {
            message = reports.next() => {
                let Some(message) = message else { return };
                let Ok(report) = serde_json::from_slice::<EdgeReport>(&message.payload) else {
                    tracing::debug!("an edge report that is not one was ignored");
                    continue;
                };
                if report.rollout != rollout {
                    continue;
                }
                let published = app.core.deliveries.tally().map(|(d, at)| (d.revision, at));
                let wall = crate::clock::Clock::wall().now().0;
                registry.lock().expect("edges").heard(report, Instant::now(), wall, published);
            }
            _ = tick.tick() => {}
            () = app.cancel.cancelled() => return,
        }
        let (now, rival) = {
            let mut registry = registry.lock().expect("edges");
            registry.forget(Instant::now());
            (registry.view(Instant::now()), registry.rival.clone())
        };
        let connected = client.connection_state() == async_nats::connection::State::Connected;
        app.stats
            .nats_connected
            .store(u64::from(connected), std::sync::atomic::Ordering::Relaxed);
        app.stats.nats_not_publishing.store(
            u64::from(rival.is_some()),
            std::sync::atomic::Ordering::Relaxed,
        );
        let link_now = match &link {
            Some(l) if l.connected == connected && l.rival == rival => l.clone(),
            _ => wire::NatsLink {
                connected,
                since: crate::clock::Clock::wall().now().0,
                rival,
            },
        };
        if material(&now) != material(&told) || link.as_ref() != Some(&link_now) {
            told.clone_from(&now);
            link = Some(link_now.clone());
            let _ = app.core.tx.send(CoreMsg::Edges(now, link_now)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(edge: &str, revision: u64, subscribers: usize, sent: usize) -> EdgeReport {
        EdgeReport {
            edge: edge.into(),
            rollout: "r".into(),
            revision,
            lineage: "l".into(),
            subscribers,
            sent,
            elapsed_ms: None,
            stale: false,
            at: 0,
        }
    }

    #[test]
    fn a_delivery_is_timed_from_the_publish_and_an_edge_goes_lost_when_silent() {
        let t0 = Instant::now();
        let mut r = Registry::new(Duration::from_secs(6));
        let published = Some((7, t0));
        r.heard(report("eu-1", 6, 10, 10), t0, 1, published);
        r.heard(
            report("eu-1", 7, 10, 4),
            t0 + Duration::from_millis(20),
            2,
            published,
        );
        assert_eq!(r.view(t0)[0].delivered_ms, None, "not everyone has it yet");
        r.heard(
            report("eu-1", 7, 10, 10),
            t0 + Duration::from_millis(61),
            3,
            published,
        );
        let edge = &r.view(t0 + Duration::from_secs(1))[0];
        assert_eq!(edge.status, EdgeStatus::Live);
        assert_eq!(edge.delivered_ms.map(f64::round), Some(61.0));
        r.heard(
            report("eu-1", 7, 10, 10),
            t0 + Duration::from_secs(2),
            4,
            published,
        );
        assert_eq!(
            r.view(t0)[0].delivered_ms.map(f64::round),
            Some(61.0),
            "a heartbeat does not re-time it"
        );
        let later = t0 + Duration::from_secs(9);
        assert_eq!(r.view(later)[0].status, EdgeStatus::Lost);
    }

    #[test]
    fn a_stale_edge_says_so_and_the_registry_stays_bounded() {
        let t0 = Instant::now();
        let mut r = Registry::new(Duration::from_secs(6));
        let mut stale = report("us-1", 1, 0, 0);
        stale.stale = true;
        r.heard(stale, t0, 0, None);
        assert_eq!(r.view(t0)[0].status, EdgeStatus::Stale);
        for i in 0..MAX_EDGES + 10 {
            r.heard(report(&format!("e{i}"), 1, 0, 0), t0, 0, None);
        }
        assert_eq!(r.view(t0).len(), MAX_EDGES);
    }

    #[test]
    fn an_edge_lost_for_long_is_forgotten() {
        let t0 = Instant::now();
        let mut r = Registry::new(Duration::from_secs(6));
        r.heard(report("gone", 1, 10, 10), t0, 0, None);
        r.forget(t0 + Duration::from_secs(6 * 99));
        assert_eq!(
            r.view(t0 + Duration::from_secs(6 * 99))[0].status,
            EdgeStatus::Lost
        );
        r.forget(t0 + Duration::from_secs(6 * 101));
        assert!(r.view(t0 + Duration::from_secs(6 * 101)).is_empty());
    }
}
