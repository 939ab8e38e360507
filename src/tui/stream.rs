//! What the stream tells the dashboard, folded into its state: the link's ups and downs, each
//! server message (a snapshot replaces what was known; events, alerts, metrics and deliveries
//! update it), the incidents they raise and the kill or rollback whose delivery the header
//! follows. Pure, like the rest of `update`.

use super::incidents::Kind;
use super::state::{Bell, Conn, EVENTS_KEPT, HISTORY, State};
use super::update::{Effect, Step};
use crate::client::subscription::{Link, Update};
use crate::wire::{Event, ServerMessage};

/// Folds a stream update in.
pub fn on_stream(state: &mut State, update: Update<ServerMessage>) -> Step {
    let redraw = match update {
        Update::Link(Link::Live) => {
            state.link.last_error = None;
            set_conn(state, Conn::Live)
        }
        Update::Link(Link::Connecting) => set_conn(state, Conn::Connecting),
        Update::Link(Link::Reconnecting { error }) => {
            let said = state.link.last_error != error;
            state.link.last_error = error;
            set_conn(state, Conn::Reconnecting) || said
        }
        Update::Refused(body) => {
            state.toast(format!("server: {}", body.message), true);
            true
        }
        Update::Message(msg) => {
            state.link.last_message = state.now;
            state.link.last_error = None;
            let was = state.link.conn;
            state.link.conn = Conn::Live;
            let step = on_message(state, msg);
            return Step {
                redraw: step.redraw || was != Conn::Live,
                effect: step.effect,
            };
        }
    };
    Step {
        redraw,
        effect: None,
    }
}

/// A new or worse incident: the header flashes on a critical one, and the bell rings as the
/// `bell` setting says.
fn alarm(state: &mut State, kind: Kind) -> Option<Effect> {
    if kind.critical() {
        state.flash_until = state.now + state.look.flash_ms;
    }
    let ring = match state.look.bell {
        Bell::Off => false,
        Bell::Critical => kind.critical(),
        Bell::All => true,
    };
    ring.then_some(Effect::Bell)
}

fn set_conn(state: &mut State, conn: Conn) -> bool {
    let changed = state.link.conn != conn;
    state.link.conn = conn;
    changed
}

/// The full picture, after `hello` or a resync: it replaces what was known.
fn on_snapshot(state: &mut State, s: crate::wire::Snapshot) {
    state.link.anchor = (state.now, s.now);
    if let Some(f) = &s.freshness {
        state.history.metrics_at = state.now;
        if f.exposed == 0 || f.with_data > 0 {
            state.history.data_at = state.now;
        }
    }
    remember_gone(state, &s.judge);
    let lineage = state.snap.as_ref().map(|old| old.state.lineage.clone());
    if let Some(old) = lineage.filter(|l| !l.is_empty() && *l != s.state.lineage) {
        state.toast(
            format!(
                "The journal was recovered or restored: new lineage {} at revision {} (was {old}); see the timeline",
                s.state.lineage, s.state.revision
            ),
            true,
        );
    }
    // History seen again: incidents are rebuilt quietly, without the bell; a loop
    // followed before a reconnect cannot be followed across it.
    state.incidents.replay(&s.events);
    state.closed_loop = None;
    state.snap = Some(s);
}

fn on_message(state: &mut State, msg: ServerMessage) -> Step {
    let mut effect = None;
    match msg {
        ServerMessage::Hello {
            you, clock_speed, ..
        } => {
            state.link.you = you;
            state.link.speed = clock_speed;
        }
        ServerMessage::Snapshot(s) => on_snapshot(state, *s),
        ServerMessage::Event {
            event, state: s, ..
        } => {
            state.link.anchor = (state.now, event.at);
            effect = state
                .incidents
                .on_event(&event)
                .and_then(|k| alarm(state, k));
            follow_loop(state, &event);
            if let Some(snap) = &mut state.snap {
                snap.state = *s;
                keep(&mut snap.events, event);
            }
        }
        ServerMessage::Alert { event, alerts, .. } => {
            state.link.anchor = (state.now, event.at);
            effect = state
                .incidents
                .on_event(&event)
                .and_then(|k| alarm(state, k));
            if let Some(snap) = &mut state.snap {
                snap.alerts = alerts;
                keep(&mut snap.events, event);
            }
        }
        ServerMessage::Metrics {
            at,
            judge,
            gates,
            freshness,
            ..
        } => {
            remember_gone(state, &judge);
            state.history.metrics_at = state.now;
            if freshness.exposed == 0 || freshness.with_data > 0 {
                state.history.data_at = state.now;
            }
            if let Some(snap) = &mut state.snap {
                snap.judge = judge;
                snap.gates = gates;
                snap.data_at = Some(at);
                snap.freshness = Some(*freshness);
            }
            remember_split(state);
        }
        ServerMessage::Ping { now, .. } => {
            state.link.anchor = (state.now, now);
            if let Some(snap) = &mut state.snap {
                snap.now = now;
            }
            return Step::default();
        }
        ServerMessage::Error { message, .. } => state.toast(format!("server: {message}"), true),
        ServerMessage::Delivery { delivery, .. } => {
            if let Some(snap) = &mut state.snap {
                snap.delivery = Some(delivery);
            }
        }
        ServerMessage::Edges { edges, nats, .. } => {
            if let Some(snap) = &mut state.snap {
                if let Some(d) = &mut snap.delivery {
                    d.edges.clone_from(&edges);
                }
                snap.state.edges = edges;
                snap.state.nats = nats;
            }
        }
    }
    Step {
        redraw: true,
        effect,
    }
}

/// Scopes the new judgement no longer has (no enhanced traffic any more, a rollback say) keep
/// their last judgement, and when it was last seen, for the comparison; scopes back in it drop
/// theirs. Only what changes is copied, not every judgement of every window.
fn remember_gone(state: &mut State, new: &crate::wire::Rollups) {
    let seen = state.history.metrics_at;
    let judged = &mut state.history.judged;
    judged.retain(|scope, _| {
        !new.cohorts.contains_key(scope) && !new.departments.contains_key(scope)
    });
    let Some(old) = state.snap.as_ref().map(|s| &s.judge) else {
        return;
    };
    for (scope, j) in old.cohorts.iter().chain(&old.departments) {
        if !new.cohorts.contains_key(scope) && !new.departments.contains_key(scope) {
            judged.insert(scope.clone(), (seen, j.clone()));
        }
    }
}

/// A kill or a rollback: the header follows its revision until the subscribers have it.
fn follow_loop(state: &mut State, event: &Event) {
    let crate::wire::EventKind::Transition(t) = &event.kind else {
        return;
    };
    let what = match &t.command {
        crate::wire::Command::Kill { switch: None } => "KILLED".to_owned(),
        crate::wire::Command::Kill { switch: Some(s) } => format!("KILL SWITCH {s}"),
        crate::wire::Command::Rollback { target } => format!("ROLLED BACK {target}"),
        _ => return,
    };
    state.closed_loop = Some(super::state::ClosedLoop {
        revision: t.revision,
        what,
        at: state.now,
    });
}

/// One point of split history, overall and per department.
fn remember_split(state: &mut State) {
    let Some(snap) = &state.snap else { return };
    let push = |series: &mut std::collections::VecDeque<u64>, share: u64| {
        series.push_back(share);
        if series.len() > HISTORY {
            series.pop_front();
        }
    };
    if let Some(share) = snap.state.enhanced_share(None) {
        push(&mut state.history.split, share);
    }
    for c in &snap.state.cohorts {
        let series = state.history.cohorts.entry(c.id.clone()).or_default();
        series.push_back(c.weight_bp);
        if series.len() > HISTORY {
            series.pop_front();
        }
    }
    for d in snap.state.departments() {
        let share = snap.state.enhanced_share(Some(d)).unwrap_or(0);
        let series = state.history.departments.entry(d.to_owned()).or_default();
        push(series, share);
    }
}

fn keep(events: &mut Vec<Event>, event: Event) {
    events.push(event);
    if events.len() > EVENTS_KEPT {
        events.drain(..events.len() - EVENTS_KEPT);
    }
}
