//! The engine: a deterministic state machine `(plan, state, input) -> (state, events)` with
//! no IO and an injected clock. Inputs are operator actions, metric windows, Alertmanager
//! alerts and clock ticks. Actions are *decided* (roles, idempotency, revision, gates, the
//! plan) into commands, which are *applied* to the durable state and returned as
//! transitions for the journal. Metric windows drive alert rules — whose enforced actions go
//! through the same decision path as a person's — and gate streaks; ticks settle full
//! rollbacks and advance steps marked `auto_advance` once every gate passes.

pub mod action;
pub mod alerts;
pub mod command;
pub mod compare;
pub mod event;
pub mod gates;
pub mod live;
pub mod report;
pub mod state;
pub mod view;

pub use action::{Action, ActionRequest, Actor, Refusal, Role, Signoffs};
pub use command::{Command, apply};
pub use event::{Event, EventKind, Transition};
pub use live::{ExternalAlert, FiringAlert, Live};
pub use report::{GateKind, GateReport, GateStatus};
pub use state::{Rollout, Status};

use crate::metrics::{MetricWindow, Readings};
use crate::plan::{AlertRule, Plan};
use crate::time::Timestamp;

/// Everything the engine holds: the durable rollout and what metrics told it.
#[derive(Debug, Clone)]
pub struct EngineState {
    /// Durable: the fold of the journal.
    pub rollout: Rollout,
    /// Volatile: rebuilt from metrics.
    pub live: Live,
}

impl EngineState {
    /// A fresh rollout at the plan's first step.
    #[must_use]
    pub fn new(plan: &Plan, at: Timestamp) -> EngineState {
        EngineState::resume(Rollout::new(plan, at))
    }

    /// A replayed rollout with nothing known from metrics yet.
    #[must_use]
    pub fn resume(rollout: Rollout) -> EngineState {
        EngineState {
            rollout,
            live: Live::default(),
        }
    }
}

/// Something that happens to the rollout.
#[derive(Debug, Clone)]
pub enum Input {
    /// Someone (or a script) asks for an action.
    Action(ActionRequest),
    /// A metric window arrived.
    Metrics(MetricWindow),
    /// The current set of firing Alertmanager alerts.
    ExternalAlerts {
        /// When they were read.
        at: Timestamp,
        /// Every alert firing now.
        alerts: Vec<ExternalAlert>,
    },
    /// Time passed.
    Tick(Timestamp),
}

/// The answer to an action.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Done; the revision after it.
    Applied {
        /// The new revision.
        revision: u64,
    },
    /// The same idempotency key was seen: nothing changed.
    Duplicate {
        /// The revision the first request produced.
        revision: u64,
    },
    /// What was asked is already so (a second kill): nothing changed, no new revision.
    Unchanged {
        /// The current revision.
        revision: u64,
        /// Why nothing changed.
        why: String,
    },
    /// Refused, and why.
    Refused(Refusal),
}

/// What one input produced.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// The answer, for action inputs.
    pub reply: Option<Reply>,
    /// Transitions to journal, in order.
    pub transitions: Vec<Transition>,
    /// Everything that happened, transitions included.
    pub events: Vec<Event>,
}

impl Output {
    fn event(&mut self, at: Timestamp, kind: EventKind) {
        if let EventKind::Transition(t) = &kind {
            self.transitions.push(t.clone());
        }
        self.events.push(Event { at, kind });
    }
}

fn validate_higher_is_worse(plan: &Plan, rule: &AlertRule) -> bool {
    let better = rule
        .when
        .metric()
        .and_then(|m| plan.profile().metrics.get(m))
        .map(|m| m.better);
    crate::plan::validate::higher_is_worse(&rule.when, better)
}

/// Feeds one input to the engine.
pub fn handle(plan: &Plan, state: &mut EngineState, input: Input) -> Output {
    let mut out = Output::default();
    match input {
        Input::Action(request) => {
            let reply = act(plan, state, &request, &mut out);
            out.reply = Some(reply);
        }
        Input::Metrics(window) => {
            let at = window.at;
            state.live.push(plan, Readings::index(plan, &window));
            let (events, actions) = alerts::evaluate(plan, &state.rollout, &mut state.live, at);
            for e in events {
                out.event(at, e);
            }
            for request in actions {
                act(plan, state, &request, &mut out);
            }
            gates::update_streaks(plan, &state.rollout, &mut state.live, at);
            housekeeping(plan, state, at, &mut out);
        }
        Input::ExternalAlerts { at, alerts } => {
            external_alerts(state, at, alerts, &mut out);
            housekeeping(plan, state, at, &mut out);
        }
        Input::Tick(now) => housekeeping(plan, state, now, &mut out),
    }
    out
}

fn external_alerts(
    state: &mut EngineState,
    at: Timestamp,
    alerts: Vec<ExternalAlert>,
    out: &mut Output,
) {
    for gone in state
        .live
        .external
        .iter()
        .filter(|old| !alerts.iter().any(|a| a.key == old.key))
    {
        out.event(
            at,
            EventKind::AlertResolved {
                key: format!("am:{}", gone.key),
                reason: "Alertmanager no longer reports it".into(),
            },
        );
    }
    for new in &alerts {
        let previous = state
            .live
            .external
            .iter()
            .find(|old| old.key == new.key)
            .map(|old| old.tier);
        if previous != Some(new.tier) {
            let alert = FiringAlert {
                key: format!("am:{}", new.key),
                name: new.name.clone(),
                source: live::AlertSource::Alertmanager,
                scope: "global".into(),
                tier: new.tier,
                since: new.since,
                value: None,
                threshold: None,
                action: None,
                acked: false,
            };
            out.event(at, EventKind::AlertFired { alert, previous });
        }
    }
    state.live.external = alerts;
}

/// Settles a full rollback and advances `auto_advance` steps whose gates all pass.
fn housekeeping(plan: &Plan, state: &mut EngineState, now: Timestamp, out: &mut Output) {
    if state.rollout.status == Status::RollingBack {
        commit(
            plan,
            state,
            &Command::Settle,
            now,
            &Actor::engine(),
            "every cohort is back on legacy",
            None,
            out,
        );
    }
    state.live.gates = gates::exit_gates(plan, &state.rollout, &state.live, now);
    let (_, step) = plan.step(state.rollout.step);
    if state.rollout.status == Status::Running
        && step.auto_advance
        && state.live.gates.iter().all(GateReport::passed)
    {
        let request = ActionRequest {
            action: Action::Advance,
            actor: Actor::engine(),
            reason: "every gate passes".into(),
            idempotency_key: None,
            expected_revision: None,
            at: now,
        };
        act(plan, state, &request, out);
        state.live.gates = gates::exit_gates(plan, &state.rollout, &state.live, now);
    }
}

/// Decides on an action and, if accepted, applies and records it.
fn act(plan: &Plan, state: &mut EngineState, request: &ActionRequest, out: &mut Output) -> Reply {
    let refuse = |out: &mut Output, refusal: Refusal| {
        out.event(
            request.at,
            EventKind::Refused {
                actor: request.actor.name.clone(),
                action: request.action.to_string(),
                refusal: refusal.clone(),
            },
        );
        Reply::Refused(refusal)
    };
    let needs = request.action.required_role();
    if request.actor.role < needs {
        return refuse(
            out,
            Refusal::Forbidden {
                role: request.actor.role,
                needs,
            },
        );
    }
    if let Some(seen) = request
        .idempotency_key
        .as_deref()
        .and_then(|k| state.rollout.remembered(k))
    {
        let fingerprint = request.fingerprint();
        return match &seen.fingerprint {
            Some(first) if *first != fingerprint => {
                let refusal = Refusal::KeyReused {
                    key: seen.key.clone(),
                    first: first.clone(),
                    revision: seen.revision,
                };
                refuse(out, refusal)
            }
            _ => Reply::Duplicate {
                revision: seen.revision,
            },
        };
    }
    if let Some(why) = decide::already_so(plan, &state.rollout, &request.action) {
        return Reply::Unchanged {
            revision: state.rollout.revision,
            why,
        };
    }
    let is_kill = matches!(request.action, Action::Kill { .. });
    if let Some(expected) = request.expected_revision
        && expected != state.rollout.revision
        && !is_kill
    {
        return refuse(
            out,
            Refusal::StaleRevision {
                expected,
                current: state.rollout.revision,
            },
        );
    }
    let command = match decide::decide(plan, state, request) {
        Ok(c) => c,
        Err(refusal) => return refuse(out, refusal),
    };
    commit(
        plan,
        state,
        &command,
        request.at,
        &request.actor,
        &request.reason,
        request
            .idempotency_key
            .as_deref()
            .map(|k| (k, request.fingerprint())),
        out,
    );
    Reply::Applied {
        revision: state.rollout.revision,
    }
}

#[expect(clippy::too_many_arguments, reason = "the fields of one transition")]
fn commit(
    plan: &Plan,
    state: &mut EngineState,
    command: &Command,
    at: Timestamp,
    actor: &Actor,
    reason: &str,
    key: Option<(&str, String)>,
    out: &mut Output,
) {
    let before = view::summary(plan, &state.rollout);
    let transition = Transition {
        revision: state.rollout.revision + 1,
        at,
        actor: actor.name.clone(),
        command: command.clone(),
        reason: reason.to_owned(),
        idempotency_key: key.as_ref().map(|(k, _)| (*k).to_owned()),
        fingerprint: key.map(|(_, f)| f),
        before: serde_json::Value::Null,
        after: serde_json::Value::Null,
    };
    apply_transition(plan, &mut state.rollout, &transition).expect("decided commands always apply");
    let (before, after) = view::diff(&before, &view::summary(plan, &state.rollout));
    out.event(
        at,
        EventKind::Transition(Transition {
            before,
            after,
            ..transition
        }),
    );
}

/// Applies a journaled transition: the command, then its idempotency key. Replay uses this.
pub fn apply_transition(plan: &Plan, rollout: &mut Rollout, t: &Transition) -> Result<(), String> {
    apply(plan, rollout, &t.command, t.at, &t.actor)?;
    if let Some(key) = &t.idempotency_key {
        rollout.remember_key(key, rollout.revision, t.fingerprint.as_deref());
    }
    Ok(())
}

/// Folds journaled transitions into a rollout started at `started`.
pub fn replay<'a>(
    plan: &Plan,
    started: Timestamp,
    transitions: impl IntoIterator<Item = &'a Transition>,
) -> Result<Rollout, String> {
    let mut rollout = Rollout::new(plan, started);
    for t in transitions {
        apply_transition(plan, &mut rollout, t)
            .map_err(|e| format!("revision {}: {e}", t.revision))?;
    }
    Ok(rollout)
}

mod decide;
