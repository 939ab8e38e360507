//! The loops that feed the core from the metric sources, each evaluation interval: the
//! source's window plus the pushed samples waiting in ingest, and, when configured,
//! Alertmanager's firing alerts. Sources only read and parse; counting their failures and
//! stopping on cancellation happen here.

use std::sync::Arc;
use std::time::Duration;

use super::AppState;
use super::core::CoreMsg;
use super::freshness::SourceReport;
use super::stats::Stats;
use crate::metrics::MetricWindow;
use crate::sources::Source;
use crate::sources::alertmanager::Alertmanager;

fn ticker(interval: Duration) -> tokio::time::Interval {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker
}

/// Each interval: the source's window plus pushed samples, to the core.
pub async fn metrics(app: Arc<AppState>, mut source: Source, interval: Duration) {
    let mut ticker = ticker(interval);
    ticker.tick().await;
    loop {
        tokio::select! {
            () = app.cancel.cancelled() => return,
            _ = ticker.tick() => {}
        }
        let at = app.clock.now();
        let config = app.core.config.borrow().clone();
        let reading = source.read(&config.doc, at).await;
        Stats::add(&app.stats.source_errors, reading.errors);
        let mut reports = vec![SourceReport {
            name: source.name(),
            values: reading.observations.len(),
            errors: reading.errors,
        }];
        let mut observations = reading.observations;
        let pushed = app.ingest.drain(&app.plan);
        if matches!(source, Source::Push) {
            reports[0].values = pushed.len();
        } else {
            reports.push(SourceReport {
                name: "push",
                values: pushed.len(),
                errors: 0,
            });
        }
        observations.extend(pushed);
        let window = MetricWindow { at, observations };
        let interval_ms = u64::try_from(interval.as_millis()).unwrap_or(u64::MAX);
        let msg = CoreMsg::Metrics {
            window,
            reports,
            interval_ms,
        };
        if app.core.tx.send(msg).await.is_err() {
            return;
        }
    }
}

/// Each interval: Alertmanager's firing alerts, to the core; a failed poll keeps the last set.
pub async fn alerts(app: Arc<AppState>, alertmanager: Alertmanager, interval: Duration) {
    let mut ticker = ticker(interval);
    loop {
        tokio::select! {
            () = app.cancel.cancelled() => return,
            _ = ticker.tick() => {}
        }
        let result = alertmanager.fetch().await;
        if let Err(e) = &result {
            Stats::bump(&app.stats.source_errors);
            tracing::warn!(url = alertmanager.url(), error = %e, "alertmanager poll failed");
        }
        if app
            .core
            .tx
            .send(CoreMsg::ExternalAlerts(result))
            .await
            .is_err()
        {
            return;
        }
    }
}
