//! Alertmanager: `GET /api/v2/alerts` (active, not silenced, not inhibited). Firing alerts
//! enter the engine by their `severity` label — `critical`, `warning`, anything else `info` —
//! appear in the alert tiers and count in gates such as `alerts.critical == 0`. The server
//! polls it each interval (`server::collect`); when it cannot be reached the last known set is
//! kept and the error counted.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use crate::engine::ExternalAlert;
use crate::plan::Tier;
use crate::time::Timestamp;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AmAlert {
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    starts_at: Option<String>,
    #[serde(default)]
    fingerprint: Option<String>,
}

/// Maps Alertmanager's answer to alerts; unknown shapes are an error.
pub fn parse(body: &str) -> Result<Vec<ExternalAlert>, String> {
    let alerts: Vec<AmAlert> = serde_json::from_str(body)
        .map_err(|e| format!("not an Alertmanager v2 alert list: {e}"))?;
    Ok(alerts
        .into_iter()
        .map(|a| {
            let name = a
                .labels
                .get("alertname")
                .cloned()
                .unwrap_or_else(|| "unnamed".into());
            let tier = match a.labels.get("severity").map(String::as_str) {
                Some("critical" | "page") => Tier::Critical,
                Some("warning" | "warn") => Tier::Warning,
                _ => Tier::Info,
            };
            let since = a
                .starts_at
                .as_deref()
                .and_then(|s| Timestamp::parse_rfc3339(s).ok())
                .unwrap_or_default();
            let summary = a
                .annotations
                .get("summary")
                .or_else(|| a.annotations.get("description"))
                .cloned()
                .unwrap_or_default();
            ExternalAlert {
                key: a.fingerprint.unwrap_or_else(|| name.clone()),
                name,
                tier,
                since,
                summary,
            }
        })
        .collect())
}

/// An Alertmanager to read firing alerts from.
#[derive(Debug, Clone)]
pub struct Alertmanager {
    url: String,
    client: reqwest::Client,
}

impl Alertmanager {
    /// A reader for the Alertmanager at `base` (e.g. `http://127.0.0.1:9093`).
    #[must_use]
    pub fn new(base: &str) -> Alertmanager {
        let client = crate::tls::http_client()
            .timeout(Duration::from_secs(3))
            .build()
            .expect("http client");
        let url = format!(
            "{}/api/v2/alerts?active=true&silenced=false&inhibited=false",
            base.trim_end_matches('/')
        );
        Alertmanager { url, client }
    }

    /// The URL polled.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The alerts firing now.
    pub async fn fetch(&self) -> Result<Vec<ExternalAlert>, String> {
        let r = self
            .client
            .get(&self.url)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !r.status().is_success() {
            return Err(format!("status {}", r.status()));
        }
        parse(&r.text().await.map_err(|e| e.to_string())?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn severities_map_to_tiers() {
        use crate::plan::Tier;
        let body = r#"[
          {"labels": {"alertname": "HighErrors", "severity": "critical"}, "annotations": {"summary": "errors"}, "startsAt": "2025-02-03T09:00:00Z", "fingerprint": "abc"},
          {"labels": {"alertname": "Slow", "severity": "warning"}, "annotations": {}, "fingerprint": "def"},
          {"labels": {"alertname": "Note"}, "annotations": {}}
        ]"#;
        let alerts = super::parse(body).unwrap();
        let tiers: Vec<_> = alerts.iter().map(|a| (a.key.as_str(), a.tier)).collect();
        assert_eq!(
            tiers,
            vec![
                ("abc", Tier::Critical),
                ("def", Tier::Warning),
                ("Note", Tier::Info)
            ]
        );
        assert_eq!(alerts[0].summary, "errors");
        assert!(
            super::parse("{}")
                .unwrap_err()
                .contains("not an Alertmanager v2 alert list")
        );
    }
}
