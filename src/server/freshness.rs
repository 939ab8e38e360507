//! The truth about freshness: after each metric window, which of the cohorts the enhanced
//! variant saw had data, and each source's last word (values, missing series, last success,
//! last error) — Alertmanager's too. The dashboard shows LIVE only when the exposed cohorts had
//! data, and names the source that went silent.

use std::collections::BTreeMap;

use crate::engine::Rollout;
use crate::engine::view::exposed;
use crate::metrics::MetricWindow;
use crate::plan::Plan;
use crate::time::Timestamp;
use crate::wire;

/// What one source gave for one window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceReport {
    /// `simulator`, `prometheus` or `push`.
    pub name: &'static str,
    /// Values it gave.
    pub values: usize,
    /// Series it should have answered and did not.
    pub errors: u64,
}

#[derive(Debug, Clone, Default)]
struct Seen {
    values: usize,
    errors: u64,
    last_ok: Option<Timestamp>,
    error: Option<String>,
}

impl Seen {
    fn health(&self, name: &str) -> wire::SourceHealth {
        wire::SourceHealth {
            name: name.to_owned(),
            values: self.values,
            errors: self.errors,
            last_ok: self.last_ok.map(|t| t.0),
            error: self.error.clone(),
        }
    }
}

/// Each source's last word, and the last window's coverage.
#[derive(Debug, Default)]
pub struct Tracker {
    sources: BTreeMap<&'static str, Seen>,
    alertmanager: Option<Seen>,
    latest: Option<wire::Freshness>,
}

impl Tracker {
    /// Records a window about to be evaluated (coverage is of the cohorts exposed while it
    /// was collected, so call this before the engine sees it).
    pub fn window(
        &mut self,
        plan: &Plan,
        rollout: &Rollout,
        window: &MetricWindow,
        reports: &[SourceReport],
        interval_ms: u64,
    ) -> wire::Freshness {
        for r in reports {
            let seen = self.sources.entry(r.name).or_default();
            seen.values = r.values;
            seen.errors = r.errors;
            seen.error = (r.values == 0 && r.errors > 0)
                .then(|| format!("{} series without an answer", r.errors));
            if r.values > 0 {
                seen.last_ok = Some(window.at);
            }
        }
        let exposed: Vec<&str> = (0..plan.cohorts().len())
            .filter(|c| exposed(plan, rollout, *c))
            .map(|c| plan.cohorts()[c].id.as_str())
            .collect();
        let with_data = exposed
            .iter()
            .filter(|id| window.observations.iter().any(|o| o.cohort == **id))
            .count();
        let mut sources: Vec<wire::SourceHealth> =
            self.sources.iter().map(|(n, s)| s.health(n)).collect();
        sources.extend(self.alertmanager.as_ref().map(|s| s.health("alertmanager")));
        let freshness = wire::Freshness {
            at: window.at.0,
            interval_ms,
            exposed: exposed.len(),
            with_data,
            sources,
        };
        self.latest = Some(freshness.clone());
        freshness
    }

    /// Records a poll of Alertmanager: how many alerts, or why it failed.
    pub fn alertmanager(&mut self, at: Timestamp, result: Result<usize, String>) {
        let seen = self.alertmanager.get_or_insert_with(Seen::default);
        match result {
            Ok(n) => {
                seen.values = n;
                seen.last_ok = Some(at);
                seen.error = None;
            }
            Err(e) => seen.error = Some(e),
        }
    }

    /// The last window's freshness, if a window came.
    #[must_use]
    pub fn latest(&self) -> Option<wire::Freshness> {
        self.latest.clone()
    }
}
