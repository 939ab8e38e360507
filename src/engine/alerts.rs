//! Alert rules over each metric window. A rule is read per scope — each exposed cohort, each
//! department with an exposed cohort, or everything exposed — and each tier counts the
//! consecutive windows it was breached; a tier fires after `for` of them. When a tier starts
//! firing (or a higher one does) in enforce mode, its action is requested on exactly the
//! breaching scope; in observe mode the event says what would have been done. No data holds
//! a tracker where it is; a scope that went back to legacy resolves its alerts.

use super::action::{Action, ActionRequest, Actor, Role};
use super::event::EventKind;
use super::gates::read_operand;
use super::live::{AlertSource, AlertTrack, FiringAlert, Live, scope_name};
use super::state::Rollout;
use super::validate_higher_is_worse;
use super::view::exposed;
use crate::plan::{AlertMode, AlertRule, Plan, Scope, Target, Tier, TierAction};
use crate::time::Timestamp;

/// Scopes a rule watches now.
fn scopes(plan: &Plan, rollout: &Rollout, rule: &AlertRule) -> Vec<Target> {
    let exposed: Vec<usize> = (0..plan.cohorts().len())
        .filter(|c| exposed(plan, rollout, *c))
        .collect();
    match rule.scope {
        Scope::Cohort => exposed.into_iter().map(Target::Cohort).collect(),
        Scope::Department => {
            let mut depts: Vec<usize> = exposed
                .iter()
                .map(|c| plan.cohorts()[*c].department)
                .collect();
            depts.dedup();
            depts.into_iter().map(Target::Department).collect()
        }
        Scope::Global => {
            if exposed.is_empty() {
                vec![]
            } else {
                vec![Target::All]
            }
        }
    }
}

/// The key of a (rule, scope) alert: `rule@scope`.
#[must_use]
pub fn alert_key(plan: &Plan, rule: &AlertRule, scope: Target) -> String {
    format!("{}@{}", rule.id, scope_name(plan, scope))
}

fn breached(rule: &AlertRule, worse_up: bool, tier: Tier, value: f64) -> bool {
    rule.thresholds
        .get(tier)
        .is_some_and(|t| if worse_up { value > *t } else { value < *t })
}

/// Evaluates every rule against the newest window; returns events and the actions to take.
pub fn evaluate(
    plan: &Plan,
    rollout: &Rollout,
    live: &mut Live,
    at: Timestamp,
) -> (Vec<EventKind>, Vec<ActionRequest>) {
    let mut events = Vec::new();
    let mut actions = Vec::new();
    for (r, rule) in plan.profile().alerts.iter().enumerate() {
        let mode = plan.table(rollout.step).alert_modes[r];
        let worse_up = validate_higher_is_worse(plan, rule);
        let watched = scopes(plan, rollout, rule);
        let prefix = format!("{}@", rule.id);
        let gone: Vec<String> = live
            .alerts
            .keys()
            .filter(|k| {
                k.starts_with(&prefix) && !watched.iter().any(|s| alert_key(plan, rule, *s) == **k)
            })
            .cloned()
            .collect();
        for key in gone {
            if live.alerts.remove(&key).is_some_and(|t| t.firing.is_some()) {
                events.push(EventKind::AlertResolved {
                    key,
                    reason: "its scope is back on legacy".into(),
                });
            }
        }
        for scope in watched {
            let key = alert_key(plan, rule, scope);
            let value = read_operand(plan, rollout, live, at, &rule.when, scope);
            let track = live.alerts.entry(key.clone()).or_insert(AlertTrack {
                rule: r,
                scope,
                streaks: [0; 3],
                firing: None,
                since: at,
                value: None,
                action: None,
            });
            let Some(value) = value else { continue };
            track.value = Some(value);
            for tier in Tier::ALL {
                let s = &mut track.streaks[tier.index()];
                *s = if breached(rule, worse_up, tier, value) {
                    *s + 1
                } else {
                    0
                };
            }
            let now_firing = Tier::ALL.iter().rev().copied().find(|t| {
                rule.thresholds.get(*t).is_some()
                    && track.streaks[t.index()] >= rule.for_evaluations
            });
            let before = track.firing;
            if now_firing == before {
                continue;
            }
            track.firing = now_firing;
            let Some(tier) = now_firing else {
                track.action = None;
                events.push(EventKind::AlertResolved {
                    key,
                    reason: format!("{} = {} is back within thresholds", rule.when, round(value)),
                });
                continue;
            };
            if before.is_none() {
                track.since = at;
            }
            if before.is_none_or(|b| tier > b) {
                let (request, said) = respond(plan, rule, mode, scope, tier, &key, value, at);
                track.action = said;
                actions.extend(request);
            }
            let alert = firing_view(plan, rollout, &key, track);
            events.push(EventKind::AlertFired {
                alert,
                previous: before,
            });
        }
    }
    (events, actions)
}

fn round(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// The action an enforced tier takes, and the words for what was (or would be) done.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site; a struct would only rename them"
)]
fn respond(
    plan: &Plan,
    rule: &AlertRule,
    mode: AlertMode,
    scope: Target,
    tier: Tier,
    key: &str,
    value: f64,
    at: Timestamp,
) -> (Option<ActionRequest>, Option<String>) {
    let action = match rule
        .actions
        .get(tier)
        .cloned()
        .unwrap_or(TierAction::Notify)
    {
        TierAction::Notify => return (None, None),
        TierAction::Pause => Action::Pause,
        TierAction::RollbackScope => Action::Rollback {
            target: plan.target_name(scope),
        },
        TierAction::RollbackAll => Action::Rollback {
            target: "all".into(),
        },
        TierAction::Kill(switch) => Action::Kill { switch },
    };
    if mode == AlertMode::Observe {
        return (None, Some(format!("observing: would {action}")));
    }
    let threshold = rule.thresholds.get(tier).copied().unwrap_or_default();
    let request = ActionRequest {
        reason: format!(
            "{key} {}: {} = {} breaches {threshold} for {} evaluation(s)",
            tier.name(),
            rule.when,
            round(value),
            rule.for_evaluations
        ),
        actor: Actor::new(&format!("rule:{}", rule.id), Role::System),
        idempotency_key: Some(format!("{key}/{}/{}", tier.name(), at.0)),
        expected_revision: None,
        at,
        action: action.clone(),
    };
    (Some(request), Some(action.to_string()))
}

fn firing_view(plan: &Plan, rollout: &Rollout, key: &str, t: &AlertTrack) -> FiringAlert {
    let rule = &plan.profile().alerts[t.rule];
    let tier = t.firing.unwrap_or(Tier::Info);
    FiringAlert {
        key: key.to_owned(),
        name: rule.id.clone(),
        source: AlertSource::Plan,
        scope: scope_name(plan, t.scope),
        tier,
        since: t.since,
        value: t.value,
        threshold: rule.thresholds.get(tier).copied(),
        action: t.action.clone(),
        acked: rollout.acks.get(key).is_some_and(|at| *at >= t.since),
    }
}

/// Every firing alert, plan rules first (most severe first), then Alertmanager's.
#[must_use]
pub fn firing(plan: &Plan, rollout: &Rollout, live: &Live) -> Vec<FiringAlert> {
    let mut out: Vec<FiringAlert> = live
        .alerts
        .iter()
        .filter(|(_, t)| t.firing.is_some())
        .map(|(k, t)| firing_view(plan, rollout, k, t))
        .collect();
    out.sort_by(|a, b| b.tier.cmp(&a.tier).then(a.since.cmp(&b.since)));
    out.extend(live.external.iter().map(|e| {
        let key = format!("am:{}", e.key);
        FiringAlert {
            acked: rollout.acks.get(&key).is_some_and(|at| *at >= e.since),
            key,
            name: e.name.clone(),
            source: AlertSource::Alertmanager,
            scope: "global".into(),
            tier: e.tier,
            since: e.since,
            value: None,
            threshold: None,
            action: None,
        }
    }));
    out
}
