//! A rollout in simulated time: the real engine fed by the simulator, routed by the config
//! document the server would publish, with the demo's simulated people making their moves
//! after each window — the demo's loop with an injected clock instead of the wall.

use std::sync::Arc;

use cutover::demo::{Driver, Situation};
use cutover::engine::{self, EngineState, Input, Output, Transition};
use cutover::metrics::{MetricWindow, Observation};
use cutover::plan::Plan;
use cutover::sim::Fleet;
use cutover::time::{Period, Timestamp};

/// Plan time per evaluation in `cutover demo` at its default speed: one wall second at
/// 21,600 plan seconds a second.
pub fn demo_window() -> Period {
    Period::hours(6)
}

/// A rollout being walked.
pub struct Walk {
    /// The plan.
    pub plan: Arc<Plan>,
    /// The engine's state.
    pub state: EngineState,
    /// The simulator.
    pub fleet: Fleet,
    /// The simulated people, if they take part.
    pub driver: Option<Driver>,
    /// The time of the latest window.
    pub now: Timestamp,
    /// Plan time per window.
    pub interval: Period,
    /// Windows so far.
    pub windows: u64,
    /// Every journaled transition, in order.
    pub transitions: Vec<Transition>,
    /// Every event as people read it, with the window it came in.
    pub lines: Vec<(u64, String)>,
}

impl Walk {
    /// `fleet` on `plan` from the test epoch, at the demo's pace, with the simulated people.
    pub fn new(plan: Arc<Plan>, fleet: Fleet) -> Walk {
        let now = super::t0();
        Walk {
            state: EngineState::new(&plan, now),
            plan,
            fleet,
            driver: Some(Driver::default()),
            now,
            interval: demo_window(),
            windows: 0,
            transitions: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// The demo's story of a shipped profile (or a path).
    pub fn demo(profile: &str) -> Walk {
        let plan = Arc::new(super::profile(profile));
        Walk::new(plan.clone(), Fleet::demo(plan, 1))
    }

    fn record(&mut self, out: Output) {
        let n = self.windows;
        self.lines.extend(
            out.events
                .iter()
                .map(|e| (n, cutover::server::convert::event(e).to_string())),
        );
        self.transitions.extend(out.transitions);
    }

    /// One window, then the simulated people's move; returns what the fleet reported.
    pub fn step(&mut self) -> Vec<Observation> {
        self.windows += 1;
        self.now = self.now.plus(self.interval);
        let doc = cutover::server::published::build_config(
            &self.plan,
            &self.state,
            "",
            self.plan.assignment(),
        )
        .doc;
        let observations = self.fleet.window(&doc, self.now);
        let window = MetricWindow {
            at: self.now,
            observations: observations.clone(),
        };
        let out = engine::handle(&self.plan, &mut self.state, Input::Metrics(window));
        self.record(out);
        if let Some(driver) = &mut self.driver {
            let seen = Situation::of_engine(&self.plan, &self.state);
            if let Some(next) = driver.next_move(&self.plan, &seen) {
                let request = next.request(self.now);
                let out = engine::handle(&self.plan, &mut self.state, Input::Action(request));
                self.record(out);
            }
        }
        observations
    }

    /// Steps until `done` holds (returning the window) or `max` windows have passed.
    pub fn until(&mut self, max: u64, mut done: impl FnMut(&Walk) -> bool) -> Option<u64> {
        while self.windows < max {
            self.step();
            if done(self) {
                return Some(self.windows);
            }
        }
        None
    }

    /// The current step, `phase/step`.
    pub fn step_id(&self) -> &str {
        &self.plan.steps()[self.state.rollout.step].id
    }
}
