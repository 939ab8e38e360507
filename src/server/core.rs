//! The core: the one task that owns the engine state and the journal. Every input — an
//! action, a metric window, Alertmanager's alerts, a tick — is handled here in order; its
//! transitions are written to the journal (and synced) before anyone is answered, and only
//! then are its events published to the stream, the snapshot and config feeds refreshed and
//! webhooks queued. If the journal cannot be written, the state is put back as it was and the
//! caller is told, so nothing is acknowledged that a restart would not remember.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;

use super::apps::ConfigFeed;
use super::auth::SharedAuth;
use super::convert;
use super::delivery::Deliveries;
use super::freshness::{SourceReport, Tracker};
use super::hub::Hub;
use super::published::{build_config, build_snapshot, state_object};
use super::stats::Stats;
use crate::clock::Clock;
use crate::engine::{
    self, ActionRequest, EngineState, Event, EventKind, ExternalAlert, Input, Reply,
};
use crate::journal::Journal;
use crate::metrics::MetricWindow;
use crate::plan::Plan;
use crate::wire::{ServerMessage, Snapshot, StateView};

/// How many recent events a snapshot carries.
const RECENT_EVENTS: usize = 200;

/// A request to the core.
#[derive(Debug)]
pub enum CoreMsg {
    /// Decide on an action; the reply comes after the journal is synced.
    Action(
        ActionRequest,
        oneshot::Sender<Result<ActionOutcome, String>>,
    ),
    /// Say what an action would do, on a copy of the state: nothing is journaled or
    /// published, and its idempotency key is ignored.
    Preview(ActionRequest, oneshot::Sender<PreviewOutcome>),
    /// A metric window, with what each source gave for it and the wall time between windows.
    Metrics {
        /// The window.
        window: MetricWindow,
        /// What each source gave.
        reports: Vec<SourceReport>,
        /// Wall time between windows (ms).
        interval_ms: u64,
    },
    /// How far a config revision got (from the delivery tracker).
    Delivered(crate::wire::Delivery),
    /// The edge relays changed (a new revision delivered, a status, a new edge).
    Edges(Vec<crate::wire::Edge>, crate::wire::NatsLink),
    /// The alerts Alertmanager reports firing now, or why it could not be read (the last
    /// known set is kept).
    ExternalAlerts(Result<Vec<ExternalAlert>, String>),
}

/// The answer to an action.
#[derive(Debug, Clone)]
pub struct ActionOutcome {
    /// The engine's reply.
    pub reply: Reply,
    /// The state after it.
    pub state: StateView,
}

/// What an action would do.
#[derive(Debug, Clone)]
pub struct PreviewOutcome {
    /// The engine's reply on the copy.
    pub reply: Reply,
    /// The state now.
    pub before: StateView,
    /// The state it would leave.
    pub after: StateView,
    /// The exit gates now.
    pub gates: Vec<crate::wire::Gate>,
}

/// Where a transition goes after it is journaled (webhooks).
pub type TransitionSink = mpsc::Sender<Arc<crate::wire::Event>>;

/// The core task's state.
pub struct Core {
    plan: Arc<Plan>,
    state: EngineState,
    journal: Journal,
    clock: Clock,
    hub: Arc<Hub>,
    stats: Arc<Stats>,
    recent: VecDeque<Event>,
    snapshot: watch::Sender<Arc<Snapshot>>,
    config: watch::Sender<Arc<ConfigFeed>>,
    webhooks: Option<TransitionSink>,
    freshness: Tracker,
    deliveries: Arc<Deliveries>,
    delivery: Option<crate::wire::Delivery>,
    /// The edge relays, as last told by the edge follower.
    edges: Vec<crate::wire::Edge>,
    /// The link to NATS, once the edges' follower has said (never without NATS).
    nats: Option<crate::wire::NatsLink>,
    /// The next config revision comes from a kill or a rollback: its delivery is announced
    /// even with no subscriber (people follow it).
    announce: bool,
    /// The tokens in force: who may give each sign-off.
    auth: Arc<SharedAuth>,
}

/// The read side of the core for handlers: no message round trip needed.
#[derive(Clone)]
pub struct CoreHandles {
    /// Sends inputs to the core.
    pub tx: mpsc::Sender<CoreMsg>,
    /// The latest snapshot.
    pub snapshot: watch::Receiver<Arc<Snapshot>>,
    /// The latest config document.
    pub config: watch::Receiver<Arc<ConfigFeed>>,
    /// Counts each config revision's deliveries.
    pub deliveries: Arc<Deliveries>,
}

impl Core {
    /// A core over a replayed journal; returns it with the handles to reach it.
    #[expect(
        clippy::too_many_arguments,
        reason = "everything the core owns, passed once at start-up"
    )]
    pub fn new(
        plan: Arc<Plan>,
        engine: EngineState,
        journal: Journal,
        clock: Clock,
        hub: Arc<Hub>,
        stats: Arc<Stats>,
        recent: Vec<Event>,
        webhooks: Option<TransitionSink>,
        auth: Arc<SharedAuth>,
    ) -> (Core, CoreHandles, mpsc::Receiver<CoreMsg>) {
        let (tx, rx) = mpsc::channel(1024);
        // The gates are known from the start, not only after the first tick.
        let mut engine = engine;
        engine.live.gates =
            engine::gates::exit_gates(&plan, &engine.rollout, &engine.live, clock.now());
        let recent: VecDeque<Event> = recent.into_iter().rev().take(RECENT_EVENTS).rev().collect();
        let lineage = journal.lineage().to_owned();
        let (snapshot, snapshot_rx) = watch::channel(Arc::new(Snapshot {
            seq: hub.current(),
            now: clock.now().0,
            ..build_snapshot(
                &plan,
                &engine,
                state_object(&plan, &engine.rollout, &lineage, &[], None),
                &recent,
                &auth.get(),
            )
        }));
        let inbox = tx.clone();
        // A full inbox drops the report rather than block a subscriber's task.
        let deliveries = Deliveries::new(Box::new(move |d| {
            let _ = inbox.try_send(CoreMsg::Delivered(d));
        }));
        let (config, config_rx) = watch::channel(Arc::new(build_config(
            &plan,
            &engine,
            &lineage,
            journal.assignment(),
        )));
        let core = Core {
            plan,
            state: engine,
            journal,
            clock,
            hub,
            stats,
            recent,
            snapshot,
            config,
            webhooks,
            freshness: Tracker::default(),
            deliveries: deliveries.clone(),
            delivery: None,
            edges: Vec::new(),
            nats: None,
            announce: false,
            auth,
        };
        (
            core,
            CoreHandles {
                tx,
                snapshot: snapshot_rx,
                config: config_rx,
                deliveries,
            },
            rx,
        )
    }

    /// Runs until cancelled: inputs as they come, and a tick every `interval` of wall time.
    pub async fn run(
        mut self,
        mut rx: mpsc::Receiver<CoreMsg>,
        interval: std::time::Duration,
        cancel: CancellationToken,
    ) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                msg = rx.recv() => match msg {
                    Some(msg) => self.handle(msg),
                    None => break,
                },
                _ = ticker.tick() => {
                    let now = self.clock.now();
                    let _ = self.input(Input::Tick(now));
                }
            }
        }
    }

    /// The state object of `rollout`, with the journal's lineage.
    fn state_object(&self, rollout: &engine::Rollout) -> crate::wire::StateView {
        state_object(
            &self.plan,
            rollout,
            self.journal.lineage(),
            &self.edges,
            self.nats.clone(),
        )
    }

    fn handle(&mut self, msg: CoreMsg) {
        match msg {
            CoreMsg::Action(request, reply) => {
                let result = self.input(Input::Action(request)).map(|out| ActionOutcome {
                    reply: out.reply.expect("actions are answered"),
                    state: self.state_object(&self.state.rollout),
                });
                match &result {
                    Ok(ActionOutcome {
                        reply: Reply::Applied { .. },
                        ..
                    }) => Stats::bump(&self.stats.actions_applied),
                    Ok(ActionOutcome {
                        reply: Reply::Duplicate { .. },
                        ..
                    }) => Stats::bump(&self.stats.actions_duplicate),
                    Ok(ActionOutcome {
                        reply: Reply::Unchanged { .. },
                        ..
                    }) => Stats::bump(&self.stats.actions_unchanged),
                    _ => Stats::bump(&self.stats.actions_refused),
                }
                let _ = reply.send(result);
            }
            CoreMsg::Preview(mut request, reply) => {
                request.idempotency_key = None;
                let mut copy = self.state.clone();
                let out = engine::handle(&self.plan, &mut copy, Input::Action(request));
                let _ = reply.send(PreviewOutcome {
                    reply: out.reply.expect("actions are answered"),
                    before: self.state_object(&self.state.rollout),
                    after: self.state_object(&copy.rollout),
                    gates: convert::gates(&self.state.live.gates, &self.auth.get()),
                });
            }
            CoreMsg::Metrics {
                window,
                reports,
                interval_ms,
            } => {
                let at = window.at;
                let freshness = self.freshness.window(
                    &self.plan,
                    &self.state.rollout,
                    &window,
                    &reports,
                    interval_ms,
                );
                if self.input(Input::Metrics(window)).is_ok() {
                    let judge =
                        convert::rollups(&engine::compare::rollups(&self.plan, &self.state));
                    let gates = convert::gates(&self.state.live.gates, &self.auth.get());
                    self.hub.publish(|seq| ServerMessage::Metrics {
                        seq,
                        at: at.0,
                        judge,
                        gates,
                        freshness: Box::new(freshness),
                    });
                    self.refresh();
                }
            }
            CoreMsg::Delivered(mut delivery) => {
                // The snapshot first, then the message: a client that reads the message and
                // then asks for the state finds the same delivery there.
                delivery.edges.clone_from(&self.edges);
                self.delivery = Some(delivery.clone());
                self.refresh();
                self.hub
                    .publish(|seq| ServerMessage::Delivery { seq, delivery });
            }
            CoreMsg::Edges(edges, nats) => {
                self.edges = edges;
                self.nats = Some(nats.clone());
                if let Some(d) = &mut self.delivery {
                    d.edges.clone_from(&self.edges);
                }
                self.refresh();
                let edges = self.edges.clone();
                self.hub.publish(|seq| ServerMessage::Edges {
                    seq,
                    edges,
                    nats: Some(nats),
                });
            }
            CoreMsg::ExternalAlerts(result) => {
                let now = self.clock.now();
                self.freshness
                    .alertmanager(now, result.as_ref().map(Vec::len).map_err(Clone::clone));
                if let Ok(alerts) = result {
                    let _ = self.input(Input::ExternalAlerts { at: now, alerts });
                }
            }
        }
    }

    /// Feeds the engine, journals, publishes. On a journal failure the state is restored.
    fn input(&mut self, input: Input) -> Result<engine::Output, String> {
        let before = self.state.clone();
        let out = engine::handle(&self.plan, &mut self.state, input);
        if !out.transitions.is_empty() {
            let written = tokio::task::block_in_place(|| self.journal.append(&out.transitions));
            if let Err(e) = written {
                tracing::error!(error = %e, "journal write failed; the input is not applied");
                self.state = before;
                return Err(format!(
                    "the journal could not be written, so nothing was changed: {e}"
                ));
            }
        }
        self.announce |= out.transitions.iter().any(|t| {
            matches!(
                t.command,
                engine::Command::Kill { .. } | engine::Command::Rollback { .. }
            )
        });
        let changed = !out.events.is_empty();
        for event in &out.events {
            self.publish(event);
        }
        if changed {
            self.refresh();
        }
        Ok(out)
    }

    fn publish(&mut self, event: &Event) {
        match &event.kind {
            EventKind::AlertFired { .. } | EventKind::AlertResolved { .. } => {
                let alerts = convert::alerts(&engine::alerts::firing(
                    &self.plan,
                    &self.state.rollout,
                    &self.state.live,
                ));
                self.hub.publish(|seq| ServerMessage::Alert {
                    seq,
                    event: convert::event(event),
                    alerts,
                });
            }
            EventKind::Transition(_) | EventKind::Refused { .. } => {
                let state = Box::new(self.state_object(&self.state.rollout));
                self.hub.publish(|seq| ServerMessage::Event {
                    seq,
                    event: convert::event(event),
                    state,
                });
            }
        }
        if let (EventKind::Transition(t), Some(sink)) = (&event.kind, &self.webhooks) {
            tracing::info!(revision = t.revision, actor = %t.actor, "{}", convert::transition(t));
            // A full webhook queue drops the event (counted) rather than delay the rollout.
            if sink.try_send(Arc::new(convert::event(event))).is_err() {
                Stats::bump(&self.stats.webhook_dropped);
            }
        }
        if self.recent.len() == RECENT_EVENTS {
            self.recent.pop_front();
        }
        self.recent.push_back(event.clone());
    }

    /// Refreshes the snapshot, and the config document when it changed.
    fn refresh(&mut self) {
        let snapshot = Snapshot {
            seq: self.hub.current(),
            now: self.clock.now().0,
            freshness: self.freshness.latest(),
            delivery: self.delivery.clone(),
            ..build_snapshot(
                &self.plan,
                &self.state,
                self.state_object(&self.state.rollout),
                &self.recent,
                &self.auth.get(),
            )
        };
        self.snapshot.send_replace(Arc::new(snapshot));
        let config = build_config(
            &self.plan,
            &self.state,
            self.journal.lineage(),
            self.journal.assignment(),
        );
        if config.doc != self.config.borrow().doc {
            // The round starts before the document goes out: subscribers woken by it count
            // themselves at once.
            let revision = config.doc.revision;
            let subscribers = self.stats.config_subscribers.load(Ordering::Relaxed);
            let subscribers = usize::try_from(subscribers).unwrap_or(usize::MAX);
            self.deliveries.start(revision, subscribers, self.announce);
            self.announce = false;
            self.config.send_replace(Arc::new(config));
        }
    }
}
