//! Data-driven scenario tests: each `tests/scenarios/*.toml` names a profile, default metric
//! values, and a script of windows, waits, actions and expectations. The runner feeds the
//! engine, checks the events each entry produced (substrings, in order) and the state after
//! it, and at the end checks that the journal — written to a real SQLite file and reopened —
//! replays to the identical durable state.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use cutover::engine::{self, EngineState, Input, Reply};
use cutover::journal::Journal;
use cutover::metrics::MetricWindow;
use cutover::plan::Plan;
use cutover::time::{Period, Timestamp};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    description: String,
    profile: String,
    #[serde(default = "ten_minutes")]
    interval: Period,
    #[serde(default)]
    defaults: common::Values,
    #[serde(rename = "do")]
    steps: Vec<Entry>,
}

fn ten_minutes() -> Period {
    Period::minutes(10)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    /// Emit this many windows, one per interval.
    windows: Option<u64>,
    /// Values replacing the defaults for departments, cohorts or `*`, in `windows` entries.
    #[serde(default)]
    with: BTreeMap<String, common::Values>,
    /// Emit this many empty windows (a metrics outage).
    outage: Option<u64>,
    /// Let this much time pass with default windows each interval.
    wait: Option<Period>,
    /// An action in its text form.
    act: Option<String>,
    /// Who acts (`name:role`, default `alice:operator`).
    #[serde(rename = "as")]
    actor: Option<String>,
    /// `ok` or `refused: <substring of the reason>`.
    expect: Option<String>,
    /// Substrings of events this entry must produce, in order.
    #[serde(default)]
    expect_events: Vec<String>,
    /// Substrings no event of this entry may contain.
    #[serde(default)]
    expect_no_events: Vec<String>,
    /// Checks on the state after this entry.
    expect_state: Option<StateCheck>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateCheck {
    status: Option<String>,
    step: Option<String>,
    /// Cohort or department (all its cohorts) → `legacy`, `shadow`, `canary 25%`, `enhanced`…
    #[serde(default)]
    cohorts: BTreeMap<String, String>,
    /// Flag → expected value as shown (`on`, `off`, `5`).
    #[serde(default)]
    flags: BTreeMap<String, String>,
    /// Alert keys that must be firing.
    #[serde(default)]
    firing: Vec<String>,
}

struct Run<'p> {
    plan: &'p Plan,
    scenario: &'p Scenario,
    state: EngineState,
    now: Timestamp,
    tick: u64,
    transitions: Vec<engine::Transition>,
}

impl Run<'_> {
    fn feed(&mut self, input: Input, lines: &mut Vec<String>) -> Option<Reply> {
        let out = engine::handle(self.plan, &mut self.state, input);
        lines.extend(
            out.events
                .iter()
                .map(|e| cutover::server::convert::event(e).to_string()),
        );
        self.transitions.extend(out.transitions);
        out.reply
    }

    fn window(&mut self, with: &BTreeMap<String, common::Values>, lines: &mut Vec<String>) {
        self.now = self.now.plus(self.scenario.interval);
        self.tick += 1;
        let w = common::window(
            self.plan,
            self.now,
            &self.scenario.defaults,
            with,
            self.tick,
        );
        self.feed(Input::Metrics(w), lines);
    }

    fn entry(&mut self, n: usize, entry: &Entry) -> Vec<String> {
        let mut lines = Vec::new();
        for _ in 0..entry.windows.unwrap_or(0) {
            self.window(&entry.with, &mut lines);
        }
        for _ in 0..entry.outage.unwrap_or(0) {
            self.now = self.now.plus(self.scenario.interval);
            self.feed(
                Input::Metrics(MetricWindow {
                    at: self.now,
                    observations: vec![],
                }),
                &mut lines,
            );
        }
        if let Some(wait) = entry.wait {
            let until = self.now.plus(wait);
            while self.now.plus(self.scenario.interval) <= until {
                self.window(&BTreeMap::new(), &mut lines);
            }
            self.now = until;
            self.feed(Input::Tick(until), &mut lines);
        }
        if let Some(text) = &entry.act {
            let who = entry.actor.as_deref().unwrap_or("alice:operator");
            let reply = self
                .feed(
                    Input::Action(common::request(text, who, self.now)),
                    &mut lines,
                )
                .expect("actions are answered");
            let expect = entry.expect.as_deref().unwrap_or("ok");
            match (&reply, expect.strip_prefix("refused:")) {
                (Reply::Applied { .. }, None) => {}
                (Reply::Refused(r), Some(why)) => assert!(
                    r.to_string().contains(why.trim()),
                    "entry {n} `{text}`: refused with `{r}`, expected `{why}`"
                ),
                (other, _) => panic!(
                    "entry {n} `{text}`: got {other:?}, expected {expect}\nevents: {lines:#?}"
                ),
            }
        }
        lines
    }

    fn check_state(&self, n: usize, check: &StateCheck) {
        let view = engine::view::state_view(self.plan, &self.state.rollout);
        let summary = engine::view::summary(self.plan, &self.state.rollout);
        if let Some(status) = &check.status {
            assert_eq!(
                &serde_json::to_value(view.status).unwrap(),
                status.as_str(),
                "entry {n}: status"
            );
        }
        if let Some(step) = &check.step {
            assert_eq!(
                &format!("{}/{}", view.phase, view.step),
                step,
                "entry {n}: step"
            );
        }
        for (target, expected) in &check.cohorts {
            let t = self
                .plan
                .resolve(target)
                .unwrap_or_else(|e| panic!("entry {n}: {e}"));
            for (i, c) in self
                .plan
                .cohorts()
                .iter()
                .enumerate()
                .filter(|(i, _)| self.plan.contains(t, *i))
            {
                let _ = i;
                assert_eq!(
                    summary["cohorts"][&c.id],
                    expected.as_str(),
                    "entry {n}: cohort {}",
                    c.id
                );
            }
        }
        for (flag, expected) in &check.flags {
            let value = view
                .flags
                .get(flag)
                .unwrap_or_else(|| panic!("entry {n}: no flag {flag}"));
            assert_eq!(&value.to_string(), expected, "entry {n}: flag {flag}");
        }
        let firing: Vec<_> =
            engine::alerts::firing(self.plan, &self.state.rollout, &self.state.live)
                .into_iter()
                .map(|a| a.key)
                .collect();
        for key in &check.firing {
            assert!(
                firing.contains(key),
                "entry {n}: {key} not firing (firing: {firing:?})"
            );
        }
    }
}

fn expect_in_order(n: usize, lines: &[String], expected: &[String]) {
    let mut from = 0;
    for want in expected {
        match lines[from..].iter().position(|l| l.contains(want.as_str())) {
            Some(p) => from += p + 1,
            None => panic!(
                "entry {n}: no event containing `{want}` (in order) among:\n{}",
                lines.join("\n")
            ),
        }
    }
}

fn run(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let scenario: Scenario =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(!scenario.description.is_empty());
    let plan = common::profile(&scenario.profile);
    let start = common::t0();
    let mut run = Run {
        plan: &plan,
        scenario: &scenario,
        state: EngineState::new(&plan, start),
        now: start,
        tick: 0,
        transitions: Vec::new(),
    };
    for (n, entry) in scenario.steps.iter().enumerate() {
        let lines = run.entry(n, entry);
        expect_in_order(n, &lines, &entry.expect_events);
        for banned in &entry.expect_no_events {
            assert!(
                !lines.iter().any(|l| l.contains(banned.as_str())),
                "entry {n}: unexpected event containing `{banned}`:\n{}",
                lines.join("\n")
            );
        }
        if let Some(check) = &entry.expect_state {
            run.check_state(n, check);
        }
    }
    let replayed = engine::replay(&plan, start, &run.transitions).unwrap();
    assert_eq!(
        replayed, run.state.rollout,
        "replay of the transitions differs"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut opened = Journal::open(dir.path(), &plan, start).unwrap();
    opened.journal.append(&run.transitions).unwrap();
    drop(opened);
    let reopened = Journal::open(dir.path(), &plan, start.plus(Period::hours(1))).unwrap();
    assert_eq!(
        reopened.rollout, run.state.rollout,
        "the journal does not replay to the same state"
    );
}

#[test]
fn every_scenario_fixture_plays_out() {
    let dir = common::root().join("tests/scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 4,
        "expected a scenario per seed system in {}",
        dir.display()
    );
    // `SCENARIO=name cargo test --test scenarios` plays just one while writing it.
    let only = std::env::var("SCENARIO").ok();
    for path in paths.into_iter().filter(|p| {
        only.as_deref()
            .is_none_or(|o| p.to_string_lossy().contains(o))
    }) {
        eprintln!("scenario {}", path.display());
        run(&path);
    }
}
