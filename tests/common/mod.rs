//! Helpers shared by the integration tests: loading shipped profiles, building actions from
//! their text form, and synthesising metric windows with per-department or per-cohort
//! overrides.

#![allow(dead_code)]

pub mod dashboard;
pub mod external;
pub mod fleet;
pub mod sdk;
pub mod server;
pub mod walk;

use std::collections::BTreeMap;
use std::path::PathBuf;

use cutover::engine::{ActionRequest, Actor, Role};
use cutover::metrics::{MetricWindow, Observation, Variant};
use cutover::plan::{self, Plan};
use cutover::time::Timestamp;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A shipped profile by name (`vividwalls`) or a path relative to the repository root.
pub fn profile(name: &str) -> Plan {
    let path = if std::path::Path::new(name)
        .extension()
        .is_some_and(|e| e == "toml")
    {
        root().join(name)
    } else {
        root().join("profiles").join(format!("{name}.toml"))
    };
    plan::load_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// A shipped profile with its `[rollout]` table given `line` too (e.g. another assignment).
pub fn profile_with(name: &str, line: &str) -> Plan {
    let path = root().join("profiles").join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen("[rollout]\n", &format!("[rollout]\n{line}\n"), 1);
    plan::load_str(&path.display().to_string(), &text).unwrap_or_else(|e| panic!("{e}"))
}

/// The time every test starts at.
pub fn t0() -> Timestamp {
    Timestamp::parse_rfc3339("2025-02-03T09:00:00Z").unwrap()
}

/// `name:role` → an actor (`alice:operator`, `rule:x:system`).
/// `name:role`, or `name:role[cfo,risk]` for a token holder who may give only those sign-offs
/// (without brackets: every sign-off, four eyes off, as an open server's local user).
pub fn actor(spec: &str) -> Actor {
    let (spec, listed) = match spec.split_once('[') {
        Some((s, rest)) => {
            let list = rest.trim_end_matches(']');
            let listed: Vec<String> = list
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            (s, Some(listed))
        }
        None => (spec, None),
    };
    let (name, role) = spec.rsplit_once(':').unwrap_or((spec, "operator"));
    let role = match role {
        "viewer" => Role::Viewer,
        "operator" => Role::Operator,
        "admin" => Role::Admin,
        "system" => Role::System,
        other => panic!("unknown role {other}"),
    };
    match listed {
        Some(l) => Actor::new(name, role).with_signoffs(l),
        None => Actor::new(name, role),
    }
}

/// An action request from its text form.
pub fn request(text: &str, who: &str, at: Timestamp) -> ActionRequest {
    let reason = format!("test: {text}");
    let action = cutover::wire::Action::parse(text)
        .and_then(|a| cutover::server::convert::action(&a, &reason))
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    ActionRequest {
        action,
        actor: actor(who),
        reason,
        idempotency_key: None,
        expected_revision: None,
        at,
    }
}

/// An engine event as people read it (the wire's rendering).
pub fn line(event: &cutover::engine::Event) -> String {
    cutover::server::convert::event(event).to_string()
}

/// A metric value: one number for single-valued metrics, or `[legacy, enhanced]`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A single value.
    Single(f64),
    /// Legacy and enhanced.
    Pair([f64; 2]),
}

/// Metric values by metric id.
pub type Values = BTreeMap<String, Value>;

/// A window at `at` where every cohort reports `defaults`, except where `overrides` (keyed
/// by department id, cohort id or `*` for rollout-wide values) says otherwise. `wobble`
/// varies values by a fraction of a percent so that windows are not all identical.
pub fn window(
    plan: &Plan,
    at: Timestamp,
    defaults: &Values,
    overrides: &BTreeMap<String, Values>,
    wobble: u64,
) -> MetricWindow {
    #[allow(clippy::cast_precision_loss)]
    let factor = 1.0 + ((wobble % 7) as f64 - 3.0) * 0.001;
    let mut observations = Vec::new();
    let mut push = |metric: &str, cohort: &str, value: Value| match value {
        Value::Single(v) => observations.push(Observation {
            metric: metric.into(),
            cohort: cohort.into(),
            variant: None,
            value: v,
            count: 1000,
        }),
        Value::Pair([l, e]) => {
            for (variant, v) in [(Variant::Legacy, l), (Variant::Enhanced, e)] {
                observations.push(Observation {
                    metric: metric.into(),
                    cohort: cohort.into(),
                    variant: Some(variant),
                    value: v * factor,
                    count: 1000,
                });
            }
        }
    };
    for (i, c) in plan.cohorts().iter().enumerate() {
        let dept = &plan.department_of(i).id;
        let mut values = defaults.clone();
        for key in [dept.as_str(), c.id.as_str()] {
            if let Some(o) = overrides.get(key) {
                values.extend(o.clone());
            }
        }
        for (metric, value) in values {
            if plan
                .profile()
                .metrics
                .get(&metric)
                .is_some_and(|m| m.compare)
                == matches!(value, Value::Pair(_))
            {
                push(&metric, &c.id, value);
            }
        }
    }
    if let Some(wide) = overrides.get("*") {
        for (metric, value) in wide {
            push(metric, "*", *value);
        }
    }
    MetricWindow { at, observations }
}

/// `GET url` with a bearer token, decoded as JSON.
pub async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> serde_json::Value {
    http.get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// `GET url` with a bearer token, as text.
pub async fn get_text(http: &reqwest::Client, url: &str, token: &str) -> String {
    http.get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// `n` transitions of alternating pause / resume on `plan`, each with an idempotency key
/// (`key-0`, `key-1`, …), and the state they lead to: journal tests' material.
pub fn pause_resume_transitions(
    plan: &cutover::plan::Plan,
    n: usize,
) -> (
    Vec<cutover::engine::Transition>,
    cutover::engine::EngineState,
) {
    use cutover::engine::{self, EngineState, Input};
    let mut state = EngineState::new(plan, t0());
    let mut out = Vec::new();
    for i in 0..n {
        let text = if i % 2 == 0 { "pause" } else { "resume" };
        let mut req = request(
            text,
            "alice:operator",
            t0().plus(cutover::time::Period::seconds(i as u64)),
        );
        req.idempotency_key = Some(format!("key-{i}"));
        out.extend(engine::handle(plan, &mut state, Input::Action(req)).transitions);
    }
    (out, state)
}
