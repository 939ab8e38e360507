//! `GET /metrics`: the control plane in Prometheus exposition format — rollout status and
//! revision, each cohort's weight, gate and alert states, action outcomes, stream clients and
//! resyncs, config subscribers, samples, webhook deliveries and source errors.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::api::{ApiError, caller};
use super::stats::Stats;
use crate::wire::{GateStatus, Status, Tier};

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Renders every metric.
#[must_use]
pub fn render(app: &AppState) -> String {
    let snap = app.core.snapshot.borrow().clone();
    let state = &snap.state;
    let mut out = String::with_capacity(4096);
    let o = &mut out;
    family(
        o,
        "cutover_revision",
        "gauge",
        "Journaled transitions of the rollout.",
    );
    let _ = writeln!(o, "cutover_revision {}", state.revision);
    family(
        o,
        "cutover_status",
        "gauge",
        "1 for the rollout's current status.",
    );
    for s in [
        Status::Running,
        Status::Paused,
        Status::RollingBack,
        Status::Killed,
        Status::Completed,
    ] {
        let name = serde_json::to_value(s)
            .expect("status")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let _ = writeln!(
            o,
            "cutover_status{{status=\"{name}\"}} {}",
            u8::from(state.status == s)
        );
    }
    family(
        o,
        "cutover_step",
        "gauge",
        "Current step number (1-based) across the plan.",
    );
    let _ = writeln!(
        o,
        "cutover_step{{phase=\"{}\",step=\"{}\"}} {}",
        escape(&state.phase),
        escape(&state.step),
        state.step_number
    );
    family(
        o,
        "cutover_cohort_weight_bp",
        "gauge",
        "Effective weight on enhanced per cohort, in basis points.",
    );
    for c in &state.cohorts {
        let _ = writeln!(
            o,
            "cutover_cohort_weight_bp{{cohort=\"{}\",department=\"{}\",mode=\"{}\"}} {}",
            escape(&c.id),
            escape(&c.department),
            c.mode.name(),
            c.weight_bp
        );
    }
    family(
        o,
        "cutover_gate_status",
        "gauge",
        "Exit gates of the current step: 1 pass, 0 fail, -1 inconclusive.",
    );
    for g in &snap.gates {
        let v = match g.status {
            GateStatus::Pass => 1,
            GateStatus::Fail => 0,
            GateStatus::Inconclusive => -1,
        };
        let _ = writeln!(o, "cutover_gate_status{{gate=\"{}\"}} {v}", escape(&g.id));
    }
    family(
        o,
        "cutover_alerts_firing",
        "gauge",
        "Firing alerts per tier.",
    );
    for t in Tier::ALL {
        let n = snap.alerts.iter().filter(|a| a.tier == t).count();
        let _ = writeln!(o, "cutover_alerts_firing{{tier=\"{}\"}} {n}", t.name());
    }
    counters(o, &app.stats);
    out
}

fn counters(o: &mut String, s: &Stats) {
    family(o, "cutover_actions_total", "counter", "Actions by outcome.");
    for (outcome, c) in [
        ("applied", &s.actions_applied),
        ("duplicate", &s.actions_duplicate),
        ("refused", &s.actions_refused),
        ("unchanged", &s.actions_unchanged),
    ] {
        let _ = writeln!(
            o,
            "cutover_actions_total{{outcome=\"{outcome}\"}} {}",
            Stats::get(c)
        );
    }
    for (name, kind, help, c) in singles(s) {
        family(o, name, kind, help);
        let _ = writeln!(o, "{name} {}", Stats::get(c));
    }
}

/// The counters and gauges with one series each: name, type, help, value.
#[expect(clippy::too_many_lines, reason = "a table: one entry per series")]
fn singles(s: &Stats) -> [(&'static str, &'static str, &'static str, &AtomicU64); 19] {
    [
        (
            "cutover_stream_clients",
            "gauge",
            "Connected stream clients.",
            &s.stream_clients,
        ),
        (
            "cutover_stream_resyncs_total",
            "counter",
            "Slow stream clients resynchronised with a snapshot (their queue overflowed).",
            &s.stream_resyncs,
        ),
        (
            "cutover_connections_open",
            "gauge",
            "HTTP connections open now.",
            &s.connections_open,
        ),
        (
            "cutover_connections_refused_total",
            "counter",
            "Connections closed at accept because the connection cap was reached.",
            &s.connections_refused,
        ),
        (
            "cutover_config_subscribers",
            "gauge",
            "Connected subscribers to config revisions: config streams, flagd sync streams and OFREP event streams.",
            &s.config_subscribers,
        ),
        (
            "cutover_nats_published_total",
            "counter",
            "Config documents published to NATS (subject and KV bucket).",
            &s.nats_published,
        ),
        (
            "cutover_nats_publish_errors_total",
            "counter",
            "Publish attempts to NATS that failed (each is retried).",
            &s.nats_publish_errors,
        ),
        (
            "cutover_nats_bucket_repairs_total",
            "counter",
            "Times the bucket was found without the latest revision (lost or replaced) and given it again.",
            &s.nats_bucket_repairs,
        ),
        (
            "cutover_nats_connected",
            "gauge",
            "1 while the control plane is connected to NATS.",
            &s.nats_connected,
        ),
        (
            "cutover_nats_not_publishing",
            "gauge",
            "1 while another control plane's lineage holds the bucket and this one publishes nothing.",
            &s.nats_not_publishing,
        ),
        (
            "cutover_flagd_sync_streams",
            "gauge",
            "Open flagd sync streams (in-process OpenFeature providers).",
            &s.flagd_sync_streams,
        ),
        (
            "cutover_ofrep_sse_clients",
            "gauge",
            "Connected OFREP event-stream clients.",
            &s.ofrep_sse_clients,
        ),
        (
            "cutover_ofrep_evaluations_total",
            "counter",
            "OFREP evaluation requests answered (single and bulk).",
            &s.ofrep_evaluations,
        ),
        (
            "cutover_samples_accepted_total",
            "counter",
            "Samples accepted by the push API.",
            &s.samples_accepted,
        ),
        (
            "cutover_samples_rejected_total",
            "counter",
            "Samples rejected by the push API.",
            &s.samples_rejected,
        ),
        (
            "cutover_webhook_delivered_total",
            "counter",
            "Webhook deliveries that succeeded.",
            &s.webhook_delivered,
        ),
        (
            "cutover_webhook_failed_total",
            "counter",
            "Webhook deliveries that failed after every retry.",
            &s.webhook_failed,
        ),
        (
            "cutover_webhook_dropped_total",
            "counter",
            "Webhook events dropped because the queue was full.",
            &s.webhook_dropped,
        ),
        (
            "cutover_source_errors_total",
            "counter",
            "Metric source reads that failed or came back empty.",
            &s.source_errors,
        ),
    ]
}

/// Renders an edge's metrics: what it serves, how fresh, what it believed and refused, and
/// the subscriber counters it shares with the control plane.
#[must_use]
pub fn render_edge(edge: &crate::edge::Edge) -> String {
    let mut out = String::with_capacity(2048);
    let o = &mut out;
    let feed = edge.apps.config.borrow().clone();
    family(
        o,
        "cutover_revision",
        "gauge",
        "The config revision served.",
    );
    let _ = writeln!(o, "cutover_revision {}", feed.doc.revision);
    family(
        o,
        "cutover_edge_stale",
        "gauge",
        "1 while the edge cannot confirm through NATS that it serves the latest revision.",
    );
    let _ = writeln!(o, "cutover_edge_stale {}", u8::from(edge.stale()));
    family(
        o,
        "cutover_edge_age_seconds",
        "gauge",
        "Since NATS last confirmed the served revision is the latest.",
    );
    let _ = writeln!(
        o,
        "cutover_edge_age_seconds {:.3}",
        edge.age().as_secs_f64()
    );
    let c = &edge.counters;
    family(
        o,
        "cutover_edge_documents_total",
        "counter",
        "Config documents from NATS by outcome: accepted, or rejected and why.",
    );
    for (outcome, n) in [
        ("accepted", &c.accepted),
        ("rejected_signature", &c.rejected_signature),
        ("rejected_older", &c.rejected_older),
        ("rejected_rollout", &c.rejected_rollout),
        ("rejected_malformed", &c.rejected_malformed),
    ] {
        let _ = writeln!(
            o,
            "cutover_edge_documents_total{{outcome=\"{outcome}\"}} {}",
            Stats::get(n)
        );
    }
    for (name, help, n) in [
        (
            "cutover_edge_bucket_errors_total",
            "Reads of the KV bucket that failed.",
            &c.bucket_errors,
        ),
        (
            "cutover_edge_reports_total",
            "Reports published to the control plane.",
            &c.reports,
        ),
    ] {
        family(o, name, "counter", help);
        let _ = writeln!(o, "{name} {}", Stats::get(n));
    }
    let shared = [
        "cutover_connections_open",
        "cutover_connections_refused_total",
        "cutover_config_subscribers",
        "cutover_flagd_sync_streams",
        "cutover_ofrep_sse_clients",
        "cutover_ofrep_evaluations_total",
    ];
    for (name, kind, help, n) in singles(&edge.apps.stats) {
        if shared.contains(&name) {
            family(o, name, kind, help);
            let _ = writeln!(o, "{name} {}", Stats::get(n));
        }
    }
    out
}

/// `GET /metrics`.
pub async fn metrics(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller(&app, &headers)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        render(&app),
    )
        .into_response())
}
