//! Incidents stay until a human has seen them. Every alert that fires, escalates or resolves,
//! and every rollback or kill (automatic or by a person), becomes one line on the incident
//! strip — kept, resolved ones dimmed, until acknowledged with `x`. Repeats coalesce into one
//! line with a count (`fired ×12 in 2m`), so a flapping alert cannot push a person's action
//! off the screen. Pure: fed events, asked what to show and whether to ring the bell.

use std::collections::VecDeque;
use std::fmt::Write as _;

use crate::wire::{Command, Event, EventKind, Tier, format};

/// Incidents kept at most (the oldest acknowledged ones go first).
pub const KEPT: usize = 50;

/// What an incident is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An alert, at its latest tier.
    Alert(Tier),
    /// A rollback; `auto` when an alert rule did it.
    Rollback {
        /// Done by a rule.
        auto: bool,
    },
    /// A kill switch; `auto` when an alert rule did it.
    Kill {
        /// Done by a rule.
        auto: bool,
    },
}

impl Kind {
    /// Whether it should wake people: a critical alert, an automatic rollback, any kill.
    #[must_use]
    pub fn critical(self) -> bool {
        matches!(
            self,
            Kind::Alert(Tier::Critical) | Kind::Rollback { auto: true } | Kind::Kill { .. }
        )
    }
}

/// One line of the strip.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// What repeats coalesce on: the alert key, `rollback:TARGET`, `kill[:SWITCH]`.
    pub key: String,
    /// What it is.
    pub kind: Kind,
    /// The line, without time and count.
    pub text: String,
    /// When it first happened (plan clock, ms).
    pub first_at: i64,
    /// When it last happened (plan clock, ms).
    pub at: i64,
    /// How many times.
    pub count: u32,
    /// Whether it is over (an alert resolved); rollbacks and kills are over when they happen.
    pub resolved: bool,
    /// When a person acknowledged it (dashboard clock, ms).
    pub acked_at: Option<i64>,
    /// For an alert, its reading (`7.99 vs 5`).
    pub reading: String,
}

/// The incident strip's contents, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Incidents {
    list: VecDeque<Incident>,
    seen_upto: i64,
}

fn number(v: f64) -> String {
    let v = format::round4(v);
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v}")
    }
}

fn tier_word(t: Tier) -> &'static str {
    match t {
        Tier::Critical => "CRIT",
        Tier::Warning => "WARN",
        Tier::Info => "INFO",
    }
}

/// What an event means for the strip.
struct Seen {
    key: String,
    kind: Kind,
    text: String,
    reading: String,
    resolves: bool,
    /// For an automatic action, the rule that took it.
    rule: Option<String>,
}

/// The incident an event is, if it is one.
fn classify(event: &Event) -> Option<Seen> {
    match &event.kind {
        EventKind::AlertFired { alert, .. } => {
            let reading = match (alert.value, alert.threshold) {
                (Some(v), Some(t)) => format!("{} vs {}", number(v), number(t)),
                _ => String::new(),
            };
            // A rule in observe mode did nothing: say so first, so it does not read like
            // the alert that acts.
            let observing = alert
                .action
                .as_deref()
                .is_some_and(|a| a.starts_with("observing:"));
            let watch = if observing { " observe-only" } else { "" };
            let mut text = format!("{}{watch} {}", tier_word(alert.tier), alert.key);
            if !reading.is_empty() {
                let _ = write!(text, " {reading}");
            }
            if let Some(a) = alert.action.as_deref().filter(|_| !observing) {
                let _ = write!(text, " → {a}");
            }
            Some(Seen {
                key: alert.key.clone(),
                kind: Kind::Alert(alert.tier),
                text,
                reading,
                resolves: false,
                rule: None,
            })
        }
        EventKind::AlertResolved { key, .. } => Some(Seen {
            key: key.clone(),
            kind: Kind::Alert(Tier::Info),
            text: String::new(),
            reading: String::new(),
            resolves: true,
            rule: None,
        }),
        EventKind::Transition(t) => {
            let rule = t.actor.strip_prefix("rule:").map(str::to_owned);
            let auto = rule.is_some();
            let who = match &rule {
                Some(r) => format!("← {r}"),
                None => format!("by {}: {}", t.actor, t.reason),
            };
            let (key, kind, text) = match &t.command {
                Command::Rollback { target } => {
                    let word = if auto { "AUTO-ROLLBACK" } else { "ROLLBACK" };
                    let text = format!("{word} {target} {who}");
                    (format!("rollback:{target}"), Kind::Rollback { auto }, text)
                }
                Command::Kill { switch } => {
                    let word = if auto { "AUTO-KILL" } else { "KILL" };
                    let what = switch
                        .as_deref()
                        .map(|s| format!(" {s}"))
                        .unwrap_or_default();
                    let key = switch
                        .as_ref()
                        .map_or_else(|| "kill".to_owned(), |s| format!("kill:{s}"));
                    (key, Kind::Kill { auto }, format!("{word}{what} {who}"))
                }
                _ => return None,
            };
            Some(Seen {
                key,
                kind,
                text,
                reading: String::new(),
                resolves: false,
                rule,
            })
        }
        EventKind::Refused { .. } => None,
    }
}

impl Incidents {
    /// Folds in history from a snapshot, quietly: only events after the last one seen (a
    /// snapshot after a reconnect repeats what was already folded in).
    pub fn replay(&mut self, events: &[Event]) {
        let seen = self.seen_upto;
        for e in events.iter().filter(|e| e.at > seen) {
            self.on_event(e);
        }
    }

    /// Folds a live event in; returns the incident's kind when it is new or got worse (for the
    /// bell). Events before the last one seen are skipped.
    pub fn on_event(&mut self, event: &Event) -> Option<Kind> {
        if event.at < self.seen_upto {
            return None;
        }
        self.seen_upto = event.at;
        let Seen {
            key,
            kind,
            mut text,
            reading,
            resolves,
            rule,
        } = classify(event)?;
        // An automatic action names the alert that caused it, with its reading.
        if let Some(cause) = rule.and_then(|r| {
            let prefix = format!("{r}@");
            self.list.iter().rev().find(|i| i.key.starts_with(&prefix))
        }) && let Kind::Alert(tier) = cause.kind
        {
            let _ = write!(text, " {} {}", tier.name(), cause.reading);
        }
        let existing = self.list.iter_mut().rev().find(|i| i.key == key);
        if resolves {
            if let Some(i) = existing {
                i.resolved = true;
            }
            return None;
        }
        let rang = match existing {
            Some(i) if !i.resolved && i.kind == kind => {
                i.text = text;
                i.reading = reading;
                None
            }
            Some(i) => {
                // Ring again only when it got worse or came back after a person looked at
                // it: a flapping alert coalesces, it does not ring every time.
                let worse = i.acked_at.is_some() || kind.critical() && !i.kind.critical();
                i.count += u32::from(i.resolved || !matches!(kind, Kind::Alert(_)));
                i.kind = kind;
                i.text = text;
                i.reading = reading;
                i.at = event.at;
                i.resolved = false;
                i.acked_at = None;
                worse.then_some(kind)
            }
            None => {
                self.list.push_back(Incident {
                    key,
                    kind,
                    text,
                    first_at: event.at,
                    at: event.at,
                    count: 1,
                    resolved: matches!(kind, Kind::Rollback { .. } | Kind::Kill { .. }),
                    acked_at: None,
                    reading,
                });
                Some(kind)
            }
        };
        while self.list.len() > KEPT {
            let oldest = self
                .list
                .iter()
                .position(|i| i.acked_at.is_some())
                .unwrap_or(0);
            self.list.remove(oldest);
        }
        rang
    }

    /// The incidents not yet acknowledged, newest first.
    pub fn unacked(&self) -> impl Iterator<Item = &Incident> {
        self.list.iter().rev().filter(|i| i.acked_at.is_none())
    }

    /// Every incident shown, newest first: unacknowledged ones, and acknowledged ones that are
    /// still going or were acknowledged less than `keep_ms` ago.
    pub fn shown(&self, now: i64, keep_ms: i64) -> impl Iterator<Item = &Incident> {
        self.list.iter().rev().filter(move |i| match i.acked_at {
            None => true,
            Some(at) => !i.resolved || now - at < keep_ms,
        })
    }

    /// Acknowledges one incident (by key), or every one.
    pub fn ack(&mut self, key: Option<&str>, now: i64) {
        for i in &mut self.list {
            if i.acked_at.is_none() && key.is_none_or(|k| k == i.key) {
                i.acked_at = Some(now);
            }
        }
    }

    /// Drops acknowledged, resolved incidents older than `keep_ms`; whether any went.
    pub fn prune(&mut self, now: i64, keep_ms: i64) -> bool {
        let before = self.list.len();
        self.list
            .retain(|i| !(i.resolved && i.acked_at.is_some_and(|at| now - at >= keep_ms)));
        self.list.len() != before
    }
}
