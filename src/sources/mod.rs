//! Where metric windows come from: the built-in fleet simulator, Prometheus (PromQL over its
//! HTTP API), or nothing but pushed samples (`POST /v1/samples`, always accepted). Alertmanager
//! is polled separately for firing alerts. A source that fails yields *no data* for that
//! window — gates go inconclusive — never an error that stops the control plane.

pub mod alertmanager;
pub mod prometheus;

use crate::metrics::Observation;
use crate::server::AppState;
use crate::sim::{Fleet, Scenario};
use crate::time::Timestamp;
use crate::wire::ConfigDoc;

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

    /// Reads one window's observations.
    pub async fn read(
        &mut self,
        app: &AppState,
        config: &ConfigDoc,
        at: Timestamp,
    ) -> Vec<Observation> {
        match self {
            Source::Push => Vec::new(),
            Source::Sim(fleet) => fleet.window(config, at),
            Source::Prometheus(p) => p.read(app, config).await,
        }
    }
}
