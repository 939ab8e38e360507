//! Real metric sources. A real Prometheus (Debian's package, started here on a loopback port)
//! scrapes `cutover sim --expose`; cutover's gates and alert rules read it through `PromQL`
//! templates; an error spike drives an automatic rollback; with Prometheus stopped mid-run the
//! gates go inconclusive, nothing advances by itself, and the kill switch still works. A real
//! Alertmanager receives a posted alert that then shows in cutover's alert tiers.

mod common;

use std::time::Duration;

use common::external;
use common::server::{TestServer, eventually};
use cutover::sources::alertmanager::Alertmanager;
use cutover::sources::{Source, prometheus::Prometheus};
use serde_json::json;

const ALICE: &str = "alice-operator-token";
const VIC: &str = "vic-viewer-token";

async fn events(s: &TestServer) -> Vec<serde_json::Value> {
    s.get("/v1/events?since=0&limit=1000", Some(VIC)).await.1["events"]
        .as_array()
        .unwrap()
        .clone()
}

async fn gate(s: &TestServer, id: &str) -> Option<String> {
    let text = common::get_text(&s.http, &s.url("/metrics"), VIC).await;
    let prefix = format!("cutover_gate_status{{gate=\"{id}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
}

async fn step(s: &TestServer) -> String {
    s.get("/v1/state", Some(VIC)).await.1["step"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A control plane reading Prometheus, Prometheus scraping the simulator, the simulator
/// following the control plane.
async fn stack(
    dir: &std::path::Path,
    scenario: &str,
) -> (TestServer, external::Process, external::Process) {
    let sim_port = external::free_port();
    let prometheus = external::prometheus(dir, &[format!("127.0.0.1:{sim_port}")]).await;
    let url = prometheus.base.clone();
    let server = TestServer::with("tests/fixtures/prometheus.toml", |o| {
        o.source = Source::Prometheus(Prometheus::new(&url, o.plan.clone()));
        o.eval_interval = Duration::from_millis(200);
    })
    .await;
    let sim = external::sim(&server.base, ALICE, scenario, sim_port).await;
    (server, prometheus, sim)
}

#[tokio::test(flavor = "multi_thread")]
async fn prometheus_readings_drive_an_automatic_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _prometheus, _sim) = stack(dir.path(), "error-spike").await;
    eventually(
        "the errors rule to roll shop/staff back from Prometheus data",
        Duration::from_mins(1),
        || async {
            events(&s)
                .await
                .iter()
                .any(|e| e["actor"] == "rule:errors" && e["command"]["target"] == "shop/staff")
        },
    )
    .await;
    let rollback = events(&s)
        .await
        .into_iter()
        .find(|e| e["actor"] == "rule:errors")
        .unwrap();
    assert!(
        rollback["reason"]
            .as_str()
            .unwrap()
            .contains("errors@shop/staff critical: error_rate = "),
        "{rollback}"
    );
    let (_, state) = s.get("/v1/state", Some(VIC)).await;
    assert_eq!(state["cohorts"][0]["standing"], "rolled_back");
    assert_eq!(
        state["cohorts"][1]["mode"], "legacy",
        "the other cohort was never touched"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_prometheus_down_gates_are_inconclusive_nothing_advances_and_kill_works() {
    let dir = tempfile::tempdir().unwrap();
    let (s, prometheus, _sim) = stack(dir.path(), "healthy").await;
    // Healthy data from Prometheus passes the first step's gate: it advances by itself.
    eventually(
        "auto-advance on Prometheus data",
        Duration::from_mins(1),
        || async { step(&s).await == "more" },
    )
    .await;
    prometheus.stop();
    eventually(
        "the data gate inconclusive while bake time is over",
        Duration::from_mins(1),
        || async {
            gate(&s, "more-errors").await.as_deref() == Some("-1")
                && gate(&s, "bake").await.as_deref() == Some("1")
        },
    )
    .await;
    let source_errors = |text: String| {
        text.lines()
            .find_map(|l| {
                l.strip_prefix("cutover_source_errors_total ")
                    .map(|v| v.parse::<u64>().unwrap())
            })
            .unwrap()
    };
    let metrics = || async { common::get_text(&s.http, &s.url("/metrics"), VIC).await };
    let errors_then = source_errors(metrics().await);
    // Several more evaluations without data: still no advance.
    eventually("more failed reads", Duration::from_mins(1), || async {
        source_errors(metrics().await) >= errors_then + 10
    })
    .await;
    assert_eq!(step(&s).await, "more", "no automatic advance without data");
    let (status, body) = s.act(ALICE, json!({"action": "advance"})).await;
    assert_eq!(status, 422);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("more-errors Inconclusive: no data for error_rate"),
        "{body}"
    );
    let (status, body) = s
        .act(
            ALICE,
            json!({"action": "kill", "reason": "metrics are down"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"]["status"], "killed");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alert_posted_to_alertmanager_shows_in_the_alert_tiers() {
    let dir = tempfile::tempdir().unwrap();
    let am = external::alertmanager(dir.path()).await;
    let url = am.base.clone();
    let s = TestServer::with("minimal", |o| {
        o.alertmanager = Some(url);
        o.eval_interval = Duration::from_millis(100);
    })
    .await;
    let alert = json!([{"labels": {"alertname": "DiskAlmostFull", "severity": "critical", "instance": "db-1"}, "annotations": {"summary": "db-1 disk at 97%"}}]);
    let r = s
        .http
        .post(format!("{}/api/v2/alerts", am.base))
        .json(&alert)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let snapshot = || async { s.running.app.core.snapshot.borrow().clone() };
    eventually(
        "the alert in cutover's tiers",
        Duration::from_mins(1),
        || async { !snapshot().await.alerts.is_empty() },
    )
    .await;
    let snap = snapshot().await;
    let a = &snap.alerts[0];
    assert_eq!(
        (a.name.as_str(), a.tier, a.scope.as_str()),
        ("DiskAlmostFull", cutover::wire::Tier::Critical, "global")
    );
    assert_eq!(a.source, cutover::wire::AlertSource::Alertmanager);
    assert!(a.key.starts_with("am:"));
    let text = common::get_text(&s.http, &s.url("/metrics"), VIC).await;
    assert!(
        text.contains("cutover_alerts_firing{tier=\"critical\"} 1"),
        "{text}"
    );
    let (status, _) = s
        .act(ALICE, json!({"action": "ack", "target": a.key}))
        .await;
    assert_eq!(status, 200);
    eventually("acknowledged", Duration::from_secs(10), || async {
        snapshot().await.alerts[0].acked
    })
    .await;
}

/// Sources read and parse with no server around them: Prometheus answers an instant query and
/// reports the series it has no data for; Alertmanager returns what was posted to it; an
/// unreachable one is an error, not a panic.
#[tokio::test(flavor = "multi_thread")]
async fn sources_read_without_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let prometheus = external::prometheus(dir.path(), &[]).await;
    let plan = std::sync::Arc::new(common::profile("tests/fixtures/prometheus.toml"));
    let p = Prometheus::new(&prometheus.base, plan.clone());
    assert_eq!(p.query("vector(0.25)").await.unwrap(), Some(0.25));
    assert_eq!(p.query("nothing_here").await.unwrap(), None);
    let doc = cutover::wire::ConfigDoc {
        rollout: "prometheus-fed".into(),
        revision: 0,
        lineage: String::new(),
        salt: "s".into(),
        buckets: 10_000,
        assignment: cutover::wire::Algorithm::FractionalV3,
        bucketing: None,
        status: cutover::wire::Status::Running,
        kill_switches: std::collections::BTreeMap::new(),
        cohorts: vec![cutover::wire::CohortConfig {
            id: "shop/staff".into(),
            mode: cutover::wire::Mode::Canary,
            weight_bp: 5000,
            flags: std::collections::BTreeMap::new(),
        }],
    };
    let reading = p.read(&doc).await;
    assert!(reading.observations.is_empty());
    assert_eq!(
        reading.errors, 4,
        "two metrics × two variants for the one exposed cohort, none scraped"
    );

    let am = external::alertmanager(dir.path()).await;
    let reader = Alertmanager::new(&am.base);
    let alert = json!([{"labels": {"alertname": "QueueBacklog", "severity": "warning"}}]);
    let http = cutover::tls::http_client().build().unwrap();
    let r = http
        .post(format!("{}/api/v2/alerts", am.base))
        .json(&alert)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    eventually(
        "the posted alert read back",
        Duration::from_secs(30),
        || async {
            reader
                .fetch()
                .await
                .is_ok_and(|a| a.iter().any(|a| a.name == "QueueBacklog"))
        },
    )
    .await;
    let gone = Alertmanager::new(&format!("http://127.0.0.1:{}", external::free_port()));
    assert!(gone.fetch().await.is_err());
}
