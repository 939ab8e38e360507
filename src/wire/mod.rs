//! Wire protocol v1 (documented in `docs/protocol.md`): every message that crosses the network
//! between the control plane and its clients — the stream's frames, the HTTP action envelope and
//! its answers, the views clients read (state, gates, alerts, judge, events) and the config
//! document apps follow. These are the wire's own types: nothing here imports the rest of the
//! crate, and the server converts its domain types into them in one place
//! (`server::convert`), so a renamed engine field cannot silently change the protocol. Every
//! message has a frozen JSON file under `golden/`, tested both ways. Unknown fields are ignored
//! on read.

pub mod action;
pub mod config;
pub mod edge;
pub mod event;
pub mod format;
pub mod ofrep;
pub mod report;
pub mod samples;
pub mod state;
pub mod stream;

pub use action::{Action, ActionReply, ActionRequest, Change, ErrorBody, Preview};
pub use config::{Algorithm, AssignReply, CohortConfig, ConfigDoc, SignedConfig, Variant};
pub use edge::{Edge, EdgeHealth, EdgeReport, EdgeStatus, NatsLink};
pub use event::{Command, Event, EventKind, EventsPage, Record, Refusal, Transition};
pub use report::{
    Alert, AlertSource, Delivery, Freshness, Gate, GateKind, GateStatus, Judgement,
    MetricComparison, MetricVerdict, Rollups, SourceHealth, Tier, Verdict,
};
pub use samples::{Health, Rejected, Sample, SamplesReply};
pub use state::{Actor, CohortView, FlagValue, Mode, Risk, Role, Standing, StateView, Status};
pub use stream::{ClientMessage, ServerMessage, Snapshot};

/// The protocol version this build speaks.
pub const PROTOCOL: u32 = 1;
/// Protocol versions this build accepts.
pub const SUPPORTED: &[u32] = &[1];

/// Milliseconds since the Unix epoch, as every time on the wire is written.
pub type Millis = i64;
