//! Counters and gauges for `GET /metrics`, updated lock-free by the tasks that do the work.

use std::sync::atomic::{AtomicU64, Ordering};

/// Process-wide counters.
#[derive(Debug, Default)]
pub struct Stats {
    /// Actions applied.
    pub actions_applied: AtomicU64,
    /// Actions answered as duplicates.
    pub actions_duplicate: AtomicU64,
    /// Actions refused.
    pub actions_refused: AtomicU64,
    /// Actions that changed nothing because what they asked was already so.
    pub actions_unchanged: AtomicU64,
    /// Stream clients connected now.
    pub stream_clients: AtomicU64,
    /// Times a slow stream client fell behind and was resynchronised with a snapshot.
    pub stream_resyncs: AtomicU64,
    /// Subscribers to config revisions connected now: config streams, flagd sync streams and
    /// OFREP event streams.
    pub config_subscribers: AtomicU64,
    /// Config documents published to NATS (subject and KV).
    pub nats_published: AtomicU64,
    /// Publish attempts to NATS that failed (each retried).
    pub nats_publish_errors: AtomicU64,
    /// Times the bucket was found without the latest revision (lost or replaced) and given it
    /// again.
    pub nats_bucket_repairs: AtomicU64,
    /// 1 while the control plane is connected to NATS (with `--nats`).
    pub nats_connected: AtomicU64,
    /// 1 while another control plane's lineage holds the bucket and this one publishes nothing.
    pub nats_not_publishing: AtomicU64,
    /// flagd sync streams open now.
    pub flagd_sync_streams: AtomicU64,
    /// OFREP event-stream clients connected now.
    pub ofrep_sse_clients: AtomicU64,
    /// OFREP evaluation requests answered (single and bulk).
    pub ofrep_evaluations: AtomicU64,
    /// Samples accepted by the push API.
    pub samples_accepted: AtomicU64,
    /// Samples rejected by the push API.
    pub samples_rejected: AtomicU64,
    /// Webhook deliveries that succeeded.
    pub webhook_delivered: AtomicU64,
    /// Webhook deliveries that failed after every retry.
    pub webhook_failed: AtomicU64,
    /// Webhook events dropped because the queue was full.
    pub webhook_dropped: AtomicU64,
    /// Metric source reads that failed or came back empty.
    pub source_errors: AtomicU64,
    /// Connections open now.
    pub connections_open: AtomicU64,
    /// Connections closed at accept because `max_connections` were open.
    pub connections_refused: AtomicU64,
}

/// Which gauge of [`Stats`].
pub type Gauge = fn(&Stats) -> &AtomicU64;

/// Holds gauges up by one while it lives: a connection counted while it is open.
pub struct Held {
    stats: std::sync::Arc<Stats>,
    gauges: &'static [Gauge],
}

impl Held {
    /// Adds one to each of `gauges` until dropped.
    #[must_use]
    pub fn new(stats: std::sync::Arc<Stats>, gauges: &'static [Gauge]) -> Held {
        for g in gauges {
            Stats::bump(g(&stats));
        }
        Held { stats, gauges }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        for g in self.gauges {
            Stats::drop_one(g(&self.stats));
        }
    }
}

impl Stats {
    /// Adds one to a counter.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds `n` to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Subtracts one from a gauge.
    pub fn drop_one(gauge: &AtomicU64) {
        gauge.fetch_sub(1, Ordering::Relaxed);
    }

    /// Reads a counter.
    #[must_use]
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}
