//! The edge relay tier (`cutover edge`): what each edge reports over NATS to the control plane
//! (the revision it serves and how many of its subscribers have it), how the control plane
//! shows the edges it has heard from and its own link to NATS, and an edge's `GET /healthz`.

use serde::{Deserialize, Serialize};

use super::Millis;

/// What an edge publishes on `cutover.edges.ROLLOUT` every few seconds and whenever it has
/// delivered a revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeReport {
    /// The edge's id (`--id`, unique among the rollout's edges).
    pub edge: String,
    /// The rollout it relays.
    pub rollout: String,
    /// The config revision it serves.
    pub revision: u64,
    /// That revision's lineage.
    pub lineage: String,
    /// Config subscribers connected to it now (config streams, flagd sync, OFREP event streams).
    pub subscribers: usize,
    /// How many of them have `revision` flushed to their socket.
    pub sent: usize,
    /// From receiving `revision` to the last flush, on the edge (ms), if any was sent.
    pub elapsed_ms: Option<f64>,
    /// Whether the edge has lost touch with NATS for longer than its stale threshold (it keeps
    /// serving what it has).
    pub stale: bool,
    /// The edge's wall clock when it sent this.
    pub at: Millis,
}

/// How the control plane judges an edge by its reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeStatus {
    /// Reporting, and in touch with NATS.
    Live,
    /// Reporting, but out of touch with NATS: it may be serving an old revision.
    Stale,
    /// Not heard from for longer than the lost threshold (three reports by default).
    Lost,
}

/// One edge as the control plane knows it (in `/v1/state` and in a delivery).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    /// The edge's id.
    pub id: String,
    /// Live, stale or lost.
    pub status: EdgeStatus,
    /// The revision it last said it serves.
    pub revision: u64,
    /// That revision's lineage: another one than the control plane's means the edge follows
    /// another control plane (or one it cannot leave), and has none of this one's revisions.
    pub lineage: String,
    /// Its config subscribers.
    pub subscribers: usize,
    /// How many of them have `revision`.
    pub sent: usize,
    /// From the control plane publishing `revision` to hearing that the edge had sent it to
    /// every subscriber (ms), when it has and the control plane saw it published.
    pub delivered_ms: Option<f64>,
    /// The control plane's wall clock when it last heard from the edge.
    pub last_report: Millis,
}

/// The control plane's own link to NATS, which carries its revisions to the edges and their
/// reports back: while it is down, no edge can be reached or heard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NatsLink {
    /// Whether the control plane is connected to NATS now.
    pub connected: bool,
    /// The control plane's wall clock when it last connected or lost the connection.
    pub since: Millis,
    /// When another control plane publishes this rollout (the bucket holds its lineage,
    /// signed by the same key): that lineage. This one then publishes nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rival: Option<String>,
}

/// An edge's `GET /healthz`: always 200 while it can serve; `stale` says the document may be
/// old.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeHealth {
    /// `ok`, or `stale` when the edge has not confirmed it holds the latest revision for longer
    /// than its stale threshold (NATS unreachable).
    pub status: String,
    /// The edge's id.
    pub edge: String,
    /// The rollout it relays.
    pub rollout: String,
    /// The revision it serves.
    pub revision: u64,
    /// Since the edge last confirmed through NATS that this is the latest revision (ms).
    pub age_ms: u64,
    /// Whether the NATS connection is up now.
    pub nats_connected: bool,
}
