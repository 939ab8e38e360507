//! The demo's simulated people, so that `cutover demo` walks a whole plan without waiting for a
//! human it does not have. Each evaluation the [`Driver`] looks at the rollout as anyone could
//! (a [`Situation`]) and makes at most one move, an ordinary action journaled under a `demo:`
//! name: on-call acknowledges a critical alert a rule acted on and notes what it rolled back;
//! once a step's metric gates pass, each awaited sign-off is given by `demo:` + the plan's
//! role; once every gate passes, `demo:release-manager` advances a step that does not advance
//! by itself. Before legacy is retired, on-call resumes what a rule rolled back once the
//! evidence is otherwise complete — the story ships the fix by then — so that nobody is left
//! on a system about to go. It never rolls back or kills, and resumes nothing else: those stay
//! the plan's rules' and the viewer's. The decision is pure; `live` runs it against a control
//! plane.

pub mod live;
mod situation;

pub use situation::{AlertSeen, GateSeen, Situation};

use crate::engine::{Action, ActionRequest, Actor, Role};
use crate::plan::Plan;
use crate::time::Timestamp;

/// One action a simulated person takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// What.
    pub action: Action,
    /// Who, e.g. `demo:qa-lead`.
    pub actor: String,
    /// Why, in their words.
    pub reason: String,
    /// Its idempotency key: a move sent twice on a stale view is applied once.
    pub key: String,
}

impl Move {
    /// `action` by `demo:who`; `once` tells this move from the same action at another time.
    fn new(action: Action, who: &str, reason: &str, once: &str) -> Move {
        Move {
            key: format!("demo/{who}/{action}/{once}"),
            actor: format!("demo:{who}"),
            action,
            reason: format!("demo: {reason}"),
        }
    }

    /// The move as an action request at `at`. Decided on the rollout as it is when it arrives
    /// (no expected revision): the engine checks gates and sign-offs again anyway.
    #[must_use]
    pub fn request(&self, at: Timestamp) -> ActionRequest {
        ActionRequest {
            action: self.action.clone(),
            // Each simulated person may give only their own sign-off (`demo:cfo` the `cfo`).
            actor: Actor::new(&self.actor, Role::Admin)
                .with_signoffs(vec![self.actor.trim_start_matches("demo:").to_owned()]),
            reason: self.reason.clone(),
            idempotency_key: Some(self.key.clone()),
            expected_revision: None,
            at,
        }
    }
}

/// The simulated people, with what they have already said.
#[derive(Debug, Clone, Default)]
pub struct Driver {
    /// What on-call will write in the journal next, after acknowledging a rollback.
    to_note: Vec<String>,
    /// Scopes a rule rolled back, with the alert that did it.
    rolled_back: Vec<(String, String)>,
}

impl Driver {
    /// The next move, if anyone has one to make.
    pub fn next_move(&mut self, plan: &Plan, now: &Situation) -> Option<Move> {
        // Only what a rule did: an observing rule's "would" is for the people running the
        // rollout to weigh, not an incident to acknowledge.
        let acted = |a: &&AlertSeen| {
            a.critical
                && !a.acked
                && a.action
                    .as_ref()
                    .is_some_and(|x| !x.starts_with("observing"))
        };
        if let Some(alert) = now.alerts.iter().find(acted) {
            let done = alert.action.as_deref().unwrap_or_default();
            if let Some(target) = done.strip_prefix("rollback ") {
                let target = if target == "all" {
                    "everything"
                } else {
                    target
                };
                self.to_note.push(format!(
                    "{target} stays on legacy until {} is understood",
                    alert.key
                ));
                self.rolled_back
                    .push((target.to_owned(), alert.key.clone()));
            }
            return Some(Move::new(
                Action::Ack {
                    alert: alert.key.clone(),
                },
                "on-call",
                &format!("seen {} ({done})", alert.key),
                &alert.since.to_string(),
            ));
        }
        if let Some(text) = self.to_note.pop() {
            return Some(Move::new(
                Action::Note { text: text.clone() },
                "on-call",
                &text,
                "",
            ));
        }
        if !now.running {
            return None;
        }
        let step = &plan.steps()[now.step];
        let evidence = now
            .gates
            .iter()
            .filter(|g| g.id != "bake" && g.signoff.is_none())
            .all(|g| g.passed);
        let held: Vec<&String> = now.gates.iter().flat_map(|g| &g.held).collect();
        if !held.is_empty() && evidence_but_legacy(now) {
            let scope = self.rolled_back.iter().find(|(scope, _)| {
                held.iter()
                    .any(|c| *c == scope || c.starts_with(&format!("{scope}/")))
            });
            if let Some((scope, alert)) = scope {
                return Some(Move::new(
                    Action::Resume {
                        target: Some(scope.clone()),
                    },
                    "on-call",
                    &format!(
                        "the fix for {alert} is out; {scope} goes forward before legacy is retired"
                    ),
                    scope,
                ));
            }
        }
        if let Some(g) = now.gates.iter().find(|g| !g.passed && g.signoff.is_some()) {
            let role = g.signoff.as_deref().unwrap_or_default();
            return evidence.then(|| {
                Move::new(
                    Action::Approve { gate: g.id.clone() },
                    role,
                    &format!("{role} signs off {} on the evidence of {}", g.id, step.id),
                    "",
                )
            });
        }
        let (_, def) = plan.step(now.step);
        (!def.auto_advance && now.gates.iter().all(|g| g.passed)).then(|| {
            Move::new(
                Action::Advance,
                "release-manager",
                &format!("every gate of {} passes", step.id),
                &step.id,
            )
        })
    }
}

/// Whether the step's evidence holds: every gate but bake time, sign-offs and the legacy guard.
fn evidence_but_legacy(now: &Situation) -> bool {
    now.gates
        .iter()
        .filter(|g| g.signoff.is_none() && g.id != "bake" && g.id != "legacy-in-use")
        .all(|g| g.passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(id: &str, passed: bool, signoff: Option<&str>) -> GateSeen {
        GateSeen {
            id: id.into(),
            passed,
            signoff: signoff.map(str::to_owned),
            held: vec![],
        }
    }

    fn said(m: Option<Move>) -> Option<String> {
        m.map(|m| format!("{} by {} ({})", m.action, m.actor, m.reason))
    }

    #[test]
    fn people_sign_off_on_evidence_then_the_release_manager_advances() {
        let plan = crate::plan::builtin::load("minimal").unwrap();
        // minimal's second step, `staff-all`, waits for the release owner's sign-off.
        let mut now = Situation {
            running: true,
            step: 1,
            gates: vec![
                gate("bake", false, None),
                gate("release-owner", false, Some("release-owner")),
            ],
            alerts: vec![],
        };
        let mut driver = Driver::default();
        assert_eq!(
            said(driver.next_move(&plan, &now)).as_deref(),
            Some(
                "approve release-owner by demo:release-owner (demo: release-owner signs off \
                 release-owner on the evidence of canary/staff-all)"
            ),
            "bake time is not evidence to wait for"
        );
        now.gates[1].passed = true;
        assert_eq!(driver.next_move(&plan, &now), None, "still baking");
        now.gates[0].passed = true;
        let advance = driver.next_move(&plan, &now).unwrap();
        assert_eq!(advance.key, "demo/release-manager/advance/canary/staff-all");
        now.running = false;
        assert_eq!(
            driver.next_move(&plan, &now),
            None,
            "paused: nobody moves on"
        );
        // A metric gate failing holds sign-offs back; an auto-advancing step is left alone.
        now.running = true;
        now.step = 0;
        now.gates = vec![gate("bake", true, None), gate("staff-errors", true, None)];
        assert_eq!(driver.next_move(&plan, &now), None);
    }

    #[test]
    fn on_call_acknowledges_what_a_rule_did_and_notes_it() {
        let plan = crate::plan::builtin::load("minimal").unwrap();
        let alert = |key: &str, action: &str| AlertSeen {
            key: key.into(),
            critical: true,
            acked: false,
            action: Some(action.into()),
            since: 7,
        };
        let mut now = Situation {
            running: false,
            step: 0,
            gates: vec![],
            alerts: vec![
                alert(
                    "errors@shop/customers",
                    "observing: would rollback shop/customers",
                ),
                alert("errors@shop/staff", "rollback shop/staff"),
            ],
        };
        let mut driver = Driver::default();
        let ack = driver.next_move(&plan, &now).unwrap();
        assert_eq!(ack.action.to_string(), "ack errors@shop/staff");
        assert_eq!(ack.actor, "demo:on-call");
        now.alerts.clear();
        assert_eq!(
            driver
                .next_move(&plan, &now)
                .map(|m| m.action.to_string())
                .as_deref(),
            Some("note shop/staff stays on legacy until errors@shop/staff is understood")
        );
        assert_eq!(driver.next_move(&plan, &now), None, "said once");
        // Before legacy is retired under it, on-call resumes what the rule rolled back — once
        // the step's evidence holds — and nothing it did not see rolled back.
        now.running = true;
        let legacy = |held: &[&str]| GateSeen {
            held: held.iter().map(|c| (*c).to_owned()).collect(),
            ..gate("legacy-in-use", held.is_empty(), None)
        };
        now.gates = vec![
            gate("bake", false, None),
            gate("staff-errors", false, None),
            legacy(&["shop/staff", "shop/other"]),
        ];
        assert_eq!(driver.next_move(&plan, &now), None, "evidence first");
        now.gates[1].passed = true;
        let resume = driver.next_move(&plan, &now).unwrap();
        assert_eq!(
            (resume.action.to_string(), resume.actor, resume.reason),
            (
                "resume shop/staff".into(),
                "demo:on-call".into(),
                "demo: the fix for errors@shop/staff is out; shop/staff goes forward before \
                 legacy is retired"
                    .into()
            )
        );
        now.gates[2] = legacy(&["shop/other"]);
        assert_eq!(
            driver.next_move(&plan, &now),
            None,
            "not rolled back by a rule"
        );
    }
}
