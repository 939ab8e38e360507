//! Wire protocol v1 (documented in `docs/protocol.md`): the JSON messages of the WebSocket
//! stream, one per frame, each with `type` and `seq`; the JSON bodies of the HTTP action API;
//! and the config document pushed to apps. Shared by the server, the CLI and the dashboard so
//! both ends agree by construction. Unknown fields are ignored on read.

use serde::{Deserialize, Serialize};

use crate::engine::compare::Rollups;
use crate::engine::view::StateView;
use crate::engine::{Event, FiringAlert, GateReport};
use crate::plan::{FlagValue, Mode};
use crate::time::Timestamp;

/// The protocol version this build speaks.
pub const PROTOCOL: u32 = 1;
/// Protocol versions this build accepts.
pub const SUPPORTED: &[u32] = &[1];

/// Everything a client needs to draw the rollout from scratch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The seq this snapshot is current at; later messages have a larger seq.
    pub seq: u64,
    /// The server's clock when it was taken.
    pub now: Timestamp,
    /// The rollout's human name.
    pub name: String,
    /// The state object (as `GET /v1/state`).
    pub state: StateView,
    /// The exit gates of the current step.
    pub gates: Vec<GateReport>,
    /// Firing alerts, most severe first.
    pub alerts: Vec<FiringAlert>,
    /// Legacy versus enhanced: overall, per department and per cohort.
    pub judge: Rollups,
    /// End of the newest metric window, if any.
    pub data_at: Option<Timestamp>,
    /// Recent events, oldest first.
    pub events: Vec<Event>,
    /// The plan's named kill switches.
    #[serde(default)]
    pub switches: Vec<String>,
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
        you: Option<crate::engine::Actor>,
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
        state: StateView,
    },
    /// An alert fired, changed tier or resolved.
    Alert {
        /// Stream position.
        seq: u64,
        /// What happened.
        event: Event,
        /// Every alert firing now.
        alerts: Vec<FiringAlert>,
    },
    /// A metric window was evaluated.
    Metrics {
        /// Stream position.
        seq: u64,
        /// End of the window.
        at: Timestamp,
        /// Legacy versus enhanced now.
        judge: Rollups,
        /// The exit gates now.
        gates: Vec<GateReport>,
    },
    /// Keep-alive; carries the current seq and does not advance it.
    Ping {
        /// The current seq.
        seq: u64,
        /// The server's clock.
        now: Timestamp,
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

/// The body of `POST /v1/actions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActionBody {
    /// `advance`, `pause`, `resume`, `rollback`, `kill`, `approve`, `set-weight`, `ack`, `note`.
    pub action: String,
    /// The cohort, department, switch, gate or alert the action names.
    #[serde(default)]
    pub target: Option<String>,
    /// For `set-weight`: the percentage (0–100).
    #[serde(default)]
    pub value: Option<f64>,
    /// For `note`: the text (default: the reason).
    #[serde(default)]
    pub text: Option<String>,
    /// Why.
    #[serde(default)]
    pub reason: String,
    /// Repeats with the same key are answered with the first result.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// The revision the decision was made on.
    #[serde(default)]
    pub expected_revision: Option<u64>,
}

impl ActionBody {
    /// The action in its text form (`rollback sales`), for parsing.
    #[must_use]
    pub fn text(&self) -> String {
        let verb = self.action.trim().replace('_', "-");
        match (verb.as_str(), &self.target, self.value) {
            ("set-weight", Some(t), Some(v)) => format!("set-weight {t} {v}"),
            ("note", _, _) => format!(
                "note {}",
                self.text.clone().unwrap_or_else(|| self.reason.clone())
            ),
            (_, Some(t), _) => format!("{verb} {t}"),
            (_, None, _) => verb,
        }
    }
}

/// The success body of `POST /v1/actions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionReply {
    /// The revision after the action.
    pub revision: u64,
    /// Whether this repeated an earlier idempotency key (nothing changed).
    pub duplicate: bool,
    /// The state after the action.
    pub state: StateView,
}

/// The error body of every API refusal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A short code: `forbidden`, `stale_revision`, `gates_failing`, `not_allowed`, `bad_request`, `unauthorized`, …
    pub error: String,
    /// What happened, for people.
    pub message: String,
    /// For `stale_revision`: the current revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_revision: Option<u64>,
    /// For `gates_failing`: every exit gate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<GateReport>,
}

/// One cohort in the config document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortConfig {
    /// `department/cohort`.
    pub id: String,
    /// Effective mode.
    pub mode: Mode,
    /// Effective weight, 0–10,000: a unit is on enhanced when its bucket is below it.
    pub weight_bp: u16,
    /// Effective flags for this cohort.
    pub flags: std::collections::BTreeMap<String, FlagValue>,
}

/// What apps need to evaluate assignments locally (`GET /v1/config`, `/v1/config/stream`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigDoc {
    /// Rollout id.
    pub rollout: String,
    /// Revision the document reflects; the `ETag` is derived from it.
    pub revision: u64,
    /// Salt of the bucket hash (see `src/assign.rs` for the hash).
    pub salt: String,
    /// Buckets per cohort (10,000).
    pub buckets: u64,
    /// Overall status; `killed` means every cohort is at weight 0.
    pub status: crate::engine::Status,
    /// Every cohort.
    pub cohorts: Vec<CohortConfig>,
}

/// The answer of `GET /v1/assign`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignReply {
    /// `department/cohort`.
    pub cohort: String,
    /// The unit asked about.
    pub unit: String,
    /// Which variant serves it.
    pub variant: crate::metrics::Variant,
    /// The cohort's mode (`shadow` means legacy answers and enhanced sees a mirror).
    pub mode: Mode,
    /// The unit's bucket, 0–9,999.
    pub bucket: u16,
    /// The cohort's weight, 0–10,000.
    pub weight_bp: u16,
    /// Effective flags for the cohort.
    pub flags: std::collections::BTreeMap<String, FlagValue>,
    /// The config revision this answer reflects.
    pub revision: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{self, EngineState, Input};
    use crate::time::Period;

    /// Every message type survives a trip through JSON, with real events and state in it.
    #[test]
    fn every_message_round_trips() {
        let plan = crate::plan::builtin::load("react-playbook").unwrap();
        let t0 = Timestamp(1_700_000_000_000);
        let mut state = EngineState::new(&plan, t0);
        let request = |text: &str| engine::ActionRequest {
            action: engine::Action::parse(text).unwrap(),
            actor: engine::Actor::new("a", engine::Role::Admin),
            reason: "r".into(),
            idempotency_key: None,
            expected_revision: None,
            at: t0.plus(Period::seconds(1)),
        };
        let mut events =
            engine::handle(&plan, &mut state, Input::Action(request("note hi"))).events;
        events.extend(engine::handle(&plan, &mut state, Input::Action(request("advance"))).events);
        let alert = engine::ExternalAlert {
            key: "k".into(),
            name: "A".into(),
            tier: crate::plan::Tier::Critical,
            since: t0,
            summary: String::new(),
        };
        events.extend(
            engine::handle(
                &plan,
                &mut state,
                Input::ExternalAlerts {
                    at: t0,
                    alerts: vec![alert],
                },
            )
            .events,
        );
        assert_eq!(events.len(), 3, "a transition, a refusal and an alert");
        let view = crate::engine::view::state_view(&plan, &state.rollout);
        let judge = crate::engine::compare::rollups(&plan, &state);
        let snapshot = Snapshot {
            seq: 3,
            now: t0,
            name: "n".into(),
            state: view.clone(),
            gates: state.live.gates.clone(),
            alerts: vec![],
            judge: judge.clone(),
            data_at: None,
            events: events.clone(),
            switches: vec!["s".into()],
        };
        let messages = vec![
            ServerMessage::Hello {
                seq: 1,
                epoch: 2,
                protocol: PROTOCOL,
                server: "x".into(),
                rollout: "r".into(),
                you: Some(engine::Actor::new("a", engine::Role::Viewer)),
            },
            ServerMessage::Snapshot(Box::new(snapshot)),
            ServerMessage::Event {
                seq: 4,
                event: events[0].clone(),
                state: view.clone(),
            },
            ServerMessage::Event {
                seq: 5,
                event: events[1].clone(),
                state: view,
            },
            ServerMessage::Alert {
                seq: 6,
                event: events[2].clone(),
                alerts: vec![],
            },
            ServerMessage::Metrics {
                seq: 7,
                at: t0,
                judge,
                gates: vec![],
            },
            ServerMessage::Ping { seq: 7, now: t0 },
            ServerMessage::Error {
                seq: 7,
                code: "bad_message".into(),
                message: "m".into(),
            },
        ];
        for m in messages {
            let json = serde_json::to_string(&m).unwrap();
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert!(
                value["type"].is_string() && value["seq"].is_u64(),
                "every message has type and seq: {json}"
            );
            let back: ServerMessage =
                serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
            assert_eq!(back, m);
        }
    }

    #[test]
    fn action_bodies_become_action_text() {
        let body = |action: &str, target: Option<&str>, value: Option<f64>| ActionBody {
            action: action.into(),
            target: target.map(Into::into),
            value,
            ..ActionBody::default()
        };
        assert_eq!(body("pause", None, None).text(), "pause");
        assert_eq!(
            body("rollback", Some("sales"), None).text(),
            "rollback sales"
        );
        assert_eq!(
            body("set_weight", Some("sales/x"), Some(25.0)).text(),
            "set-weight sales/x 25"
        );
        assert_eq!(
            ActionBody {
                action: "note".into(),
                reason: "why".into(),
                ..ActionBody::default()
            }
            .text(),
            "note why"
        );
    }
}
