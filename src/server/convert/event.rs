//! Events, transitions, refusals and journal records, from the engine's to the wire's.

use super::{role, tier};
use crate::engine::{Command, Event, EventKind, Refusal, Transition};
use crate::journal::Record;
use crate::wire;

use super::report::{alert, gates};

fn command(c: &Command) -> wire::Command {
    match c {
        Command::Advance { to } => wire::Command::Advance { to: to.clone() },
        Command::Complete => wire::Command::Complete,
        Command::Pause => wire::Command::Pause,
        Command::Resume { release } => wire::Command::Resume {
            release: release.clone(),
        },
        Command::Rollback { target } => wire::Command::Rollback {
            target: target.clone(),
        },
        Command::Kill { switch } => wire::Command::Kill {
            switch: switch.clone(),
        },
        Command::Approve { gate } => wire::Command::Approve { gate: gate.clone() },
        Command::SetWeight { cohort, weight } => wire::Command::SetWeight {
            cohort: cohort.clone(),
            weight: weight.to_string(),
        },
        Command::Ack { alert } => wire::Command::Ack {
            alert: alert.clone(),
        },
        Command::Note { text } => wire::Command::Note { text: text.clone() },
        Command::Settle => wire::Command::Settle,
        Command::Recovered {
            lost_from,
            lost_to,
            lineage,
            aside,
        } => wire::Command::Recovered {
            lost_from: *lost_from,
            lost_to: *lost_to,
            lineage: lineage.clone(),
            aside: aside.clone(),
        },
        Command::Restored { from, lineage } => wire::Command::Restored {
            from: from.clone(),
            lineage: lineage.clone(),
        },
    }
}

/// The wire's transition.
#[must_use]
pub fn transition(t: &Transition) -> wire::Transition {
    wire::Transition {
        revision: t.revision,
        at: t.at.0,
        actor: t.actor.clone(),
        command: command(&t.command),
        reason: t.reason.clone(),
        idempotency_key: t.idempotency_key.clone(),
        before: t.before.clone(),
        after: t.after.clone(),
    }
}

/// The wire's refusal.
#[must_use]
pub fn refusal(r: &Refusal) -> wire::Refusal {
    match r {
        Refusal::Forbidden { role: r, needs } => wire::Refusal::Forbidden {
            role: role(*r),
            needs: role(*needs),
        },
        Refusal::StaleRevision { expected, current } => wire::Refusal::StaleRevision {
            expected: *expected,
            current: *current,
        },
        // History: who may give a sign-off is told by the live gates, not by old refusals.
        Refusal::GatesFailing { gates: g } => wire::Refusal::GatesFailing {
            gates: gates(g, &crate::server::auth::Auth::Tokens(Vec::new())),
        },
        Refusal::NotYourSignoff { signoff, gate } => wire::Refusal::SignoffNotYours {
            signoff: signoff.clone(),
            gate: gate.clone(),
        },
        Refusal::KeyReused {
            key,
            first,
            revision,
        } => wire::Refusal::IdempotencyKeyReused {
            key: key.clone(),
            first: first.clone(),
            revision: *revision,
        },
        Refusal::NotAllowed { message } => wire::Refusal::NotAllowed {
            message: message.clone(),
        },
    }
}

/// The wire's event.
#[must_use]
pub fn event(e: &Event) -> wire::Event {
    let kind = match &e.kind {
        EventKind::Transition(t) => wire::EventKind::Transition(transition(t)),
        EventKind::Refused {
            actor,
            action,
            refusal: r,
        } => wire::EventKind::Refused {
            actor: actor.clone(),
            action: action.clone(),
            refusal: refusal(r),
            message: r.to_string(),
        },
        EventKind::AlertFired { alert: a, previous } => wire::EventKind::AlertFired {
            alert: alert(a),
            previous: previous.map(tier),
        },
        EventKind::AlertResolved { key, reason } => wire::EventKind::AlertResolved {
            key: key.clone(),
            reason: reason.clone(),
        },
    };
    wire::Event { at: e.at.0, kind }
}

/// The wire's journal record.
#[must_use]
pub fn record(r: &Record) -> wire::Record {
    wire::Record {
        seq: r.seq,
        transition: transition(&r.transition),
    }
}
