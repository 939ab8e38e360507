//! Edge relays (`cutover edge`) with a real NATS server (Debian's `nats-server`, JetStream on)
//! and a real control plane publishing to it: edges follow its revisions, a kill reaches the
//! subscribers of two edges and the control plane counts them, edges keep serving when the
//! control plane or NATS is gone (and say `stale`, then catch up), a restarted edge serves the
//! latest at once, forged and older documents published straight to NATS are never served,
//! and a silent edge is called lost. Thresholds are 100–300 ms; every wait is for a condition.

mod common;

use common::fleet::{ALICE, Fleet, VIC, WAIT};
use common::server::eventually;
use cutover::edge::{self, EdgeOptions};
use cutover::server::fanout::{self, kv};
use cutover::signing::{SigningKey, TrustedKey};
use cutover::wire::{ConfigDoc, EdgeStatus, SignedConfig, Status};
use serde_json::json;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread")]
async fn a_kill_reaches_the_subscribers_of_two_edges_and_the_control_plane_counts_them() {
    let fleet = Fleet::start().await;
    let edges = [fleet.edge("eu-1").await, fleet.edge("eu-2").await];
    let mut subscribers = Vec::new();
    for e in &edges {
        assert_eq!(
            e.running.rollout, "minimal",
            "the only rollout in the bucket"
        );
        for _ in 0..3 {
            let mut s = e.subscribe().await;
            assert_eq!(s.next().await.revision, 0);
            subscribers.push(s);
        }
    }
    let paused = fleet
        .act(json!({"action": "pause", "reason": "edge test"}))
        .await;
    for e in &edges {
        eventually("each edge follows", WAIT, || e.serves(paused)).await;
    }
    for s in &mut subscribers {
        assert_eq!(s.next().await.status, Status::Paused);
    }
    let killed = fleet
        .act(json!({"action": "kill", "reason": "edge test"}))
        .await;
    for s in &mut subscribers {
        let doc = s.next().await;
        assert_eq!((doc.revision, doc.status), (killed, Status::Killed));
        assert!(doc.cohorts.iter().all(|c| c.weight_bp == 0));
    }
    // OFREP on an edge answers the kill as the control plane would.
    let ofrep: serde_json::Value = edges[0]
        .http
        .post(format!("{}/ofrep/v1/evaluate/flags/minimal", edges[0].base))
        .bearer_auth(VIC)
        .json(&json!({"context": {"targetingKey": "u1", "cohort": "shop/staff"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ofrep["value"], "legacy", "{ofrep}");
    assert_eq!(ofrep["metadata"]["killed"], true, "{ofrep}");
    // The control plane hears both edges have it, with every subscriber.
    eventually("both edges report the kill delivered", WAIT, || async {
        let state = fleet.state().await;
        state.edges.len() == 2
            && state.edges.iter().all(|e| {
                e.status == EdgeStatus::Live
                    && e.revision == killed
                    && (e.subscribers, e.sent) == (3, 3)
                    && e.delivered_ms.is_some()
            })
    })
    .await;
    let snap = fleet.cp.running.app.core.snapshot.borrow().clone();
    let delivery = snap.delivery.clone().expect("the kill's delivery");
    assert_eq!(delivery.revision, killed);
    assert_eq!(delivery.edges.len(), 2, "the delivery names the edges");
    // Every state object names them too, not only the snapshot's: the one an action's reply
    // and the stream's event message carry.
    let (status, reply) = fleet
        .cp
        .act(
            ALICE,
            json!({"action": "note", "text": "edges?", "reason": "edge test"}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        reply["state"]["edges"].as_array().map(Vec::len),
        Some(2),
        "{reply}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn edges_keep_serving_without_the_control_plane_or_nats_and_catch_up() {
    let mut fleet = Fleet::start().await;
    let e = fleet.edge("eu-1").await;
    let paused = fleet
        .act(json!({"action": "pause", "reason": "edge test"}))
        .await;
    eventually("the edge follows", WAIT, || e.serves(paused)).await;
    assert_eq!(e.health().await.status, "ok");

    // NATS goes away: the edge keeps serving what it has, and says it may be old.
    fleet.stop_nats();
    eventually("the edge says stale", WAIT, || async {
        let h = e.health().await;
        h.status == "stale" && !h.nats_connected && h.revision == paused
    })
    .await;
    assert_eq!(e.config().await.revision, paused, "still served");
    let assign = e.get("/v1/assign?cohort=shop/staff&unit=u1").await;
    assert_eq!(assign.status(), 200);
    assert!(e.metrics().await.contains("cutover_edge_stale 1"));
    // The control plane says it has lost NATS too.
    eventually("the control plane says NATS is down", WAIT, || async {
        fleet.state().await.nats.is_some_and(|l| !l.connected)
    })
    .await;

    // A change made meanwhile reaches the edge once NATS is back.
    let resumed = fleet
        .act(json!({"action": "resume", "reason": "edge test"}))
        .await;
    fleet.start_nats().await;
    eventually("the edge catches up", WAIT, || e.serves(resumed)).await;
    eventually("the edge says ok again", WAIT, || async {
        e.health().await.status == "ok"
    })
    .await;
    eventually("the control plane says NATS is back", WAIT, || async {
        fleet.state().await.nats.is_some_and(|l| l.connected)
    })
    .await;

    // The control plane goes away: the edge answers with the last document.
    fleet.cp.running.cancel.cancel();
    let doc = e.config().await;
    assert_eq!((doc.revision, doc.status), (resumed, Status::Running));
    assert_eq!(
        e.get("/v1/assign?cohort=shop/staff&unit=u1").await.status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_edge_serves_the_latest_revision_at_once() {
    let fleet = Fleet::start().await;
    let first = fleet.edge("eu-1").await;
    fleet
        .act(json!({"action": "pause", "reason": "edge test"}))
        .await;
    let latest = fleet
        .act(json!({"action": "resume", "reason": "edge test"}))
        .await;
    eventually("the edge follows", WAIT, || first.serves(latest)).await;
    first.stop();
    let again = fleet.edge("eu-1").await;
    assert_eq!(
        again.config().await.revision,
        latest,
        "the latest, on the first answer"
    );
}

/// A document signed by `key`, as the control plane would publish it.
fn signed_by(key: &SigningKey, doc: &ConfigDoc) -> Vec<u8> {
    let document = serde_json::to_string(doc).unwrap();
    serde_json::to_vec(&fanout::sign(key, &document)).unwrap()
}

fn counter(metrics: &str, outcome: &str) -> u64 {
    let prefix = format!("cutover_edge_documents_total{{outcome=\"{outcome}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_and_older_documents_published_to_nats_are_never_served() {
    let mut fleet = Fleet::start().await;
    let client = fleet.client().await;
    let genuine_zero = kv::get(&client, "minimal").await.unwrap().unwrap();
    let e = fleet.edge("eu-1").await;
    let killed = fleet
        .act(json!({"action": "kill", "reason": "edge test"}))
        .await;
    eventually("the edge has the kill", WAIT, || e.serves(killed)).await;
    let served: SignedConfig =
        serde_json::from_slice(&kv::get(&client, "minimal").await.unwrap().unwrap()).unwrap();
    let mut unkilled: ConfigDoc = serde_json::from_str(&served.document).unwrap();
    unkilled.revision += 10;
    unkilled.status = Status::Running;
    for c in &mut unkilled.cohorts {
        c.weight_bp = 10_000;
    }

    // Someone who can publish on the subject but does not hold the control plane's key.
    let forger_dir = tempfile::tempdir().unwrap();
    let strangers_key = SigningKey::load_or_create(forger_dir.path()).unwrap();
    let forged = signed_by(&strangers_key, &unkilled);
    // The control plane's signature over another document.
    let tampered = serde_json::to_vec(&SignedConfig {
        document: serde_json::to_string(&unkilled).unwrap(),
        ..served.clone()
    })
    .unwrap();
    let subject = fanout::subject("minimal");
    for bytes in [&forged, &tampered, &genuine_zero] {
        client
            .publish(subject.clone(), bytes.clone().into())
            .await
            .unwrap();
    }
    client
        .publish(subject.clone(), b"not json".to_vec().into())
        .await
        .unwrap();
    client.flush().await.unwrap();
    eventually("each one is weighed and refused", WAIT, || async {
        let m = e.metrics().await;
        counter(&m, "rejected_signature") >= 2
            && counter(&m, "rejected_older") >= 1
            && counter(&m, "rejected_malformed") >= 1
    })
    .await;
    let doc = e.config().await;
    assert_eq!((doc.revision, doc.status), (killed, Status::Killed));

    // A genuine newer revision still goes through.
    let resumed = fleet
        .act(json!({"action": "resume", "target": "all", "reason": "edge test"}))
        .await;
    eventually("the genuine change is served", WAIT, || e.serves(resumed)).await;

    // Written into the bucket too (where a starting edge looks first): still refused. The
    // control plane is stopped first, or its read-back could put the genuine document back
    // before the edge has read the forgery.
    fleet.cp.running.cancel.cancel();
    while fleet.cp.running.tasks.join_next().await.is_some() {}
    kv::put(&client, "minimal", forged).await.unwrap();
    let before = counter(&e.metrics().await, "rejected_signature");
    eventually("the bucket's forgery is refused", WAIT, || async {
        counter(&e.metrics().await, "rejected_signature") > before
    })
    .await;
    let doc = e.config().await;
    assert_eq!((doc.revision, doc.status), (resumed, Status::Running));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_edge_is_called_lost_and_stays_listed() {
    let fleet = Fleet::start().await;
    let (a, b) = (fleet.edge("eu-1").await, fleet.edge("eu-2").await);
    eventually("both edges are live", WAIT, || async {
        let s = fleet.state().await;
        s.edges.len() == 2 && s.edges.iter().all(|e| e.status == EdgeStatus::Live)
    })
    .await;
    b.stop();
    eventually("eu-2 is lost, eu-1 live", WAIT, || async {
        let s = fleet.state().await;
        let status = |id: &str| s.edges.iter().find(|e| e.id == id).map(|e| e.status);
        status("eu-1") == Some(EdgeStatus::Live) && status("eu-2") == Some(EdgeStatus::Lost)
    })
    .await;
    drop(a);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edge_that_believes_no_document_waits_and_stops_when_told() {
    let fleet = Fleet::start().await;
    // The wrong key: every document in the bucket and on the subject fails its signature.
    let other = tempfile::tempdir().unwrap();
    let key = cutover::signing::SigningKey::load_or_create(other.path()).unwrap();
    let opts = EdgeOptions {
        trust: TrustedKey::parse(key.public()).unwrap(),
        ..fleet.edge_options("eu-1")
    };
    let cancel = CancellationToken::new();
    let waiting = tokio::spawn(edge::start(opts, cancel.clone()));
    fleet
        .act(json!({"action": "pause", "reason": "edge test"}))
        .await;
    fleet
        .act(json!({"action": "resume", "reason": "edge test"}))
        .await;
    assert!(
        !waiting.is_finished(),
        "it serves nothing it does not believe"
    );
    cancel.cancel();
    let stopped = tokio::time::timeout(WAIT, waiting)
        .await
        .expect("it stops when told")
        .unwrap()
        .unwrap();
    assert!(stopped.is_none());
}

#[test]
fn an_edge_whose_nats_does_not_answer_says_what_to_check() {
    let dir = tempfile::tempdir().unwrap();
    cutover::signing::SigningKey::load_or_create(dir.path()).unwrap();
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args([
            "edge",
            "--nats",
            &format!("nats://127.0.0.1:{port}"),
            "--trust",
        ])
        .arg(dir.path().join("config-signing.pub"))
        .args(["--listen", "127.0.0.1:0"])
        .env("XDG_CONFIG_HOME", dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did not answer"), "{stderr}");
    assert!(stderr.contains("is nats-server running there"), "{stderr}");
}

#[test]
fn an_edge_without_a_trusted_key_refuses_to_start() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["edge", "--nats", "nats://127.0.0.1:4222"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--trust"), "{stderr}");
    assert!(stderr.contains("config-signing.pub"), "{stderr}");
}
