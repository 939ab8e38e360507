//! Metrics from Prometheus: each metric of the plan with a `prometheus` template is queried
//! per exposed cohort (and per variant for compared metrics) over `/api/v1/query`, with
//! `{{cohort}}`, `{{department}}` and `{{variant}}` filled in. A query that fails, times out or
//! returns nothing is *no data* for that series (and counted), never a crash or a pass.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::Deserialize;

use super::Reading;
use crate::metrics::{Observation, Variant};
use crate::plan::Plan;
use crate::wire::ConfigDoc;

/// Time allowed for one query.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(3);
/// Queries in flight at once.
const CONCURRENCY: usize = 16;

/// A Prometheus server to read from.
#[derive(Debug, Clone)]
pub struct Prometheus {
    base: String,
    client: reqwest::Client,
    plan: Arc<Plan>,
}

#[derive(Debug, Deserialize)]
struct QueryResponse {
    status: String,
    #[serde(default)]
    data: Option<QueryData>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct QueryData {
    result: Vec<VectorSample>,
}

#[derive(Debug, Deserialize)]
struct VectorSample {
    value: (f64, String),
}

impl Prometheus {
    /// A reader for the Prometheus at `base` (e.g. `http://127.0.0.1:9090`).
    #[must_use]
    pub fn new(base: &str, plan: Arc<Plan>) -> Prometheus {
        let client = crate::tls::http_client()
            .timeout(QUERY_TIMEOUT)
            .build()
            .expect("http client");
        Prometheus {
            base: base.trim_end_matches('/').to_owned(),
            client,
            plan,
        }
    }

    /// The queries for one window: (metric, cohort, variant, `PromQL`).
    #[must_use]
    pub fn queries(&self, config: &ConfigDoc) -> Vec<(String, String, Option<Variant>, String)> {
        let mut out = Vec::new();
        for (metric, def) in &self.plan.profile().metrics {
            let Some(template) = &def.prometheus else {
                continue;
            };
            for c in config.cohorts.iter().filter(|c| c.mode.exposes_enhanced()) {
                let department = c.id.split('/').next().unwrap_or_default();
                let variants: &[Option<Variant>] = if def.compare {
                    &[Some(Variant::Legacy), Some(Variant::Enhanced)]
                } else {
                    &[None]
                };
                for v in variants {
                    let variant = match v {
                        Some(Variant::Legacy) => "legacy",
                        Some(Variant::Enhanced) => "enhanced",
                        None => "",
                    };
                    let query = crate::plan::promql::fill(template, &c.id, department, variant);
                    out.push((metric.clone(), c.id.clone(), *v, query));
                }
            }
        }
        out
    }

    /// Runs one instant query; `None` is no data.
    pub async fn query(&self, promql: &str) -> Result<Option<f64>, String> {
        let url = format!("{}/api/v1/query", self.base);
        let response = self
            .client
            .get(&url)
            .query(&[("query", promql)])
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let body: QueryResponse = response
            .json()
            .await
            .map_err(|e| format!("{url}: unreadable answer: {e}"))?;
        if body.status != "success" {
            return Err(format!("{url}: {}", body.error.unwrap_or(body.status)));
        }
        let sample = body.data.and_then(|d| d.result.into_iter().next());
        Ok(sample
            .and_then(|s| s.value.1.parse::<f64>().ok())
            .filter(|v| v.is_finite()))
    }

    /// Reads every templated metric for the exposed cohorts; a query without an answer is
    /// counted in `errors`.
    pub async fn read(&self, config: &ConfigDoc) -> Reading {
        let results: Vec<_> = futures_util::stream::iter(self.queries(config))
            .map(|(metric, cohort, variant, q)| async move {
                (metric, cohort, variant, self.query(&q).await, q)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let mut out = Reading::default();
        for (metric, cohort, variant, result, q) in results {
            match result {
                Ok(Some(value)) => out.observations.push(Observation {
                    metric,
                    cohort,
                    variant,
                    value,
                    count: 1,
                }),
                Ok(None) => {
                    out.errors += 1;
                    tracing::debug!(query = %q, "no data");
                }
                Err(e) => {
                    out.errors += 1;
                    tracing::warn!(query = %q, error = %e, "prometheus query failed");
                }
            }
        }
        out
    }
}
