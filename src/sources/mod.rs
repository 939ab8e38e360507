//! Where metric windows come from: the built-in fleet simulator, Prometheus (PromQL over its
//! HTTP API), or nothing but pushed samples (`POST /v1/samples`, always accepted); and
//! Alertmanager's firing alerts. Sources read and parse only: each takes what it needs (a URL,
//! the plan, the config document) and returns what it observed, so it can be tested with no
//! server. The loops that call them each interval live with the server (`server::collect`). A
//! source that fails yields *no data* for that window — gates go inconclusive — never an error
//! that stops the control plane.

pub mod alertmanager;
pub mod prometheus;

use crate::metrics::Observation;
use crate::sim::{Fleet, Scenario};
use crate::time::Timestamp;
use crate::wire::ConfigDoc;

/// What one read of a source gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    /// The values read.
    pub observations: Vec<Observation>,
    /// Series that should have had a value and did not (failed or empty queries).
    pub errors: u64,
}

/// A metric source.
#[derive(Debug, Clone)]
pub enum Source {
    /// Only pushed samples.
    Push,
    /// The in-process fleet simulator.
    Sim(Box<Fleet>),
    /// A Prometheus server.
    Prometheus(prometheus::Prometheus),
}

impl Source {
    /// Parses `push`, `sim` or `sim:SCENARIO`.
    pub fn parse(
        spec: &str,
        plan: &std::sync::Arc<crate::plan::Plan>,
        seed: u64,
    ) -> Result<Source, String> {
        match spec.split_once(':') {
            None if spec == "push" => Ok(Source::Push),
            None if spec == "sim" => Ok(Source::Sim(Box::new(Fleet::new(
                plan.clone(),
                Scenario::Healthy,
                seed,
            )))),
            Some(("sim", scenario)) => Ok(Source::Sim(Box::new(Fleet::new(
                plan.clone(),
                Scenario::parse(scenario)?,
                seed,
            )))),
            _ => Err(format!(
                "unknown source `{spec}` (push, sim, sim:SCENARIO; or --prometheus URL)"
            )),
        }
    }

    /// The source's name, as people see it.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Source::Push => "push",
            Source::Sim(_) => "simulator",
            Source::Prometheus(_) => "prometheus",
        }
    }

    /// Reads one window's observations.
    pub async fn read(&mut self, config: &ConfigDoc, at: Timestamp) -> Reading {
        match self {
            Source::Push => Reading::default(),
            Source::Sim(fleet) => Reading {
                observations: fleet.window(config, at),
                errors: 0,
            },
            Source::Prometheus(p) => p.read(config).await,
        }
    }
}
