//! The stream (`GET /v1/stream`): one JSON message per WebSocket text frame, each with `type`
//! and `seq`. The server sends `hello`, then a `snapshot` (or, resuming, what came after the
//! client's seq), then events, alerts and metrics in seq order, with pings between. Clients may
//! send `resume` and `ping`.

use serde::{Deserialize, Serialize};

use super::Millis;
use super::event::Event;
use super::report::{Alert, Delivery, Freshness, Gate, Rollups};
use super::state::{Actor, StateView};

/// Everything a client needs to draw the rollout from scratch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The seq this snapshot is current at; later messages have a larger seq.
    pub seq: u64,
    /// The server's clock when it was taken.
    pub now: Millis,
    /// The rollout's human name.
    pub name: String,
    /// The state object (as `GET /v1/state`).
    pub state: StateView,
    /// The exit gates of the current step.
    pub gates: Vec<Gate>,
    /// Firing alerts, most severe first.
    pub alerts: Vec<Alert>,
    /// Legacy versus enhanced: overall, per department and per cohort.
    pub judge: Rollups,
    /// End of the newest metric window, if any.
    pub data_at: Option<Millis>,
    /// Recent events, oldest first.
    pub events: Vec<Event>,
    /// The plan's named kill switches.
    #[serde(default)]
    pub switches: Vec<String>,
    /// What the last metric window covered, and each source's last word.
    #[serde(default)]
    pub freshness: Option<Freshness>,
    /// How far the latest config revision got to its subscribers.
    #[serde(default)]
    pub delivery: Option<Delivery>,
}

/// A message from the server on `/v1/stream`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// First message on every connection.
    Hello {
        /// The current seq.
        seq: u64,
        /// This server run; seqs restart with each run, so resuming names it.
        epoch: u64,
        /// Protocol version.
        protocol: u32,
        /// Server version.
        server: String,
        /// Rollout id.
        rollout: String,
        /// Who the connection's token belongs to.
        #[serde(default)]
        you: Option<Actor>,
        /// How many times faster than the wall the rollout's clock runs (1 but in demos),
        /// so that clients can tell plan time from wall time.
        #[serde(default = "one")]
        clock_speed: f64,
    },
    /// The full picture; sent after `hello` unless resuming, and whenever a client fell behind.
    Snapshot(Box<Snapshot>),
    /// A transition or a refusal, with the state after it.
    Event {
        /// Stream position.
        seq: u64,
        /// What happened.
        event: Event,
        /// The state after it.
        state: Box<StateView>,
    },
    /// An alert fired, changed tier or resolved.
    Alert {
        /// Stream position.
        seq: u64,
        /// What happened.
        event: Event,
        /// Every alert firing now.
        alerts: Vec<Alert>,
    },
    /// A metric window was evaluated.
    Metrics {
        /// Stream position.
        seq: u64,
        /// End of the window.
        at: Millis,
        /// Legacy versus enhanced now.
        judge: Rollups,
        /// The exit gates now.
        gates: Vec<Gate>,
        /// What the window covered, and each source's last word.
        freshness: Box<Freshness>,
    },
    /// How far a config revision got to the config subscribers.
    Delivery {
        /// Stream position.
        seq: u64,
        /// The round.
        delivery: Delivery,
    },
    /// The edge relays or the control plane's link to NATS changed: an edge went live, stale
    /// or lost, reported new figures, or NATS went away or came back.
    Edges {
        /// Stream position.
        seq: u64,
        /// The edges now, as in the state object.
        edges: Vec<super::Edge>,
        /// The control plane's link to NATS now.
        nats: Option<super::NatsLink>,
    },
    /// Keep-alive; carries the current seq and does not advance it.
    Ping {
        /// The current seq.
        seq: u64,
        /// The server's clock.
        now: Millis,
    },
    /// The client sent something the server could not use; the connection stays up.
    Error {
        /// The current seq.
        seq: u64,
        /// A short code.
        code: String,
        /// What was wrong.
        message: String,
    },
}

fn one() -> f64 {
    1.0
}

impl ServerMessage {
    /// The message's seq.
    #[must_use]
    pub fn seq(&self) -> u64 {
        match self {
            ServerMessage::Snapshot(s) => s.seq,
            ServerMessage::Hello { seq, .. }
            | ServerMessage::Event { seq, .. }
            | ServerMessage::Alert { seq, .. }
            | ServerMessage::Metrics { seq, .. }
            | ServerMessage::Delivery { seq, .. }
            | ServerMessage::Edges { seq, .. }
            | ServerMessage::Ping { seq, .. }
            | ServerMessage::Error { seq, .. } => *seq,
        }
    }
}

/// A message from a client on `/v1/stream`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Send everything after `seq` (or a snapshot if that is too old).
    Resume {
        /// The last seq the client has.
        seq: u64,
        /// The epoch of the server run that seq came from.
        epoch: u64,
    },
    /// Ask for a `ping` back.
    Ping,
}
