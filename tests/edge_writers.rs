//! One writer per rollout on NATS, with a real `nats-server`: the control plane puts the latest
//! revision back when the bucket lost it or holds an older one (replayed, or NATS redeployed
//! without its store), and a second control plane signing with the same key — a standby, or a
//! primary brought back after one took over — publishes nothing while another one's lineage is
//! in the bucket, says so, and takes over only when told (`--nats-take-over`).

mod common;

use std::time::Duration;

use common::fleet::{ALICE, Fleet, WAIT};
use common::server::{TestServer, eventually};
use cutover::server::fanout::{NatsOptions, kv};
use cutover::wire::{ConfigDoc, SignedConfig};
use serde_json::json;

/// The bucket's document for the rollout, read.
async fn held(fleet: &Fleet) -> Option<ConfigDoc> {
    let bytes = kv::get(&fleet.client().await, "minimal").await.ok()??;
    let signed: SignedConfig = serde_json::from_slice(&bytes).ok()?;
    serde_json::from_str(&signed.document).ok()
}

/// A control plane on the fleet's NATS signing with the fleet's key, in a data directory of
/// its own (so a journal of its own: another lineage).
async fn another_control_plane(fleet: &Fleet, take_over: bool) -> TestServer {
    let url = fleet.url();
    let key_dir = fleet.cp.dir.path().join("data");
    TestServer::with("minimal", |o| {
        std::fs::create_dir_all(&o.data).unwrap();
        for f in ["config-signing.key", "config-signing.pub"] {
            std::fs::copy(key_dir.join(f), o.data.join(f)).unwrap();
        }
        o.nats = Some(NatsOptions {
            urls: vec![url],
            edge_lost_after: Duration::from_millis(300),
            take_over,
            ..NatsOptions::default()
        });
    })
    .await
}

async fn rival_of(cp: &TestServer) -> Option<String> {
    let (_, state) = cp.get("/v1/state", Some(ALICE)).await;
    state["nats"]["rival"].as_str().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bucket_gets_the_latest_revision_back_when_it_lost_or_replaced_it() {
    let fleet = Fleet::start().await;
    let first = kv::get(&fleet.client().await, "minimal")
        .await
        .unwrap()
        .unwrap();
    let (_, reply) = fleet
        .cp
        .act(ALICE, json!({"action": "kill", "reason": "drill"}))
        .await;
    let killed = reply["revision"].as_u64().unwrap();
    eventually("the bucket holds the kill", WAIT, || async {
        held(&fleet).await.is_some_and(|d| d.revision == killed)
    })
    .await;

    // Someone who may write to the bucket replays the genuine revision 0: un-killed.
    kv::put(&fleet.client().await, "minimal", first)
        .await
        .unwrap();
    eventually("the kill is put back", WAIT, || async {
        held(&fleet).await.is_some_and(|d| d.revision == killed)
    })
    .await;

    // NATS loses its store (the bucket's stream is gone): the bucket is made again.
    let client = fleet.client().await;
    let gone = client
        .request(format!("$JS.API.STREAM.DELETE.{}", kv::stream()), "".into())
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&gone.payload).contains("\"success\":true"));
    eventually("the bucket is made again with the kill", WAIT, || async {
        held(&fleet).await.is_some_and(|d| d.revision == killed)
    })
    .await;
    let repairs = fleet
        .cp
        .metric(ALICE, "cutover_nats_bucket_repairs_total")
        .await;
    assert!(repairs >= 2, "repaired {repairs} times");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_control_plane_publishes_nothing_until_it_takes_over() {
    let fleet = Fleet::start().await;
    let edge = fleet.edge("eu-1").await;
    let first = held(&fleet).await.unwrap().lineage;

    // A primary brought back, or a standby started without the flag: it sees the other one's
    // lineage in the bucket and leaves it there.
    let second = another_control_plane(&fleet, false).await;
    eventually(
        "the second says another control plane publishes",
        WAIT,
        || async { rival_of(&second).await.as_deref() == Some(first.as_str()) },
    )
    .await;
    // The CLI says so: in the status, and after an action, which reaches no edge.
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(args)
            .args(["--connect", &second.base, "--token", ALICE])
            .env("XDG_CONFIG_HOME", second.dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    let status = cli(&["status"]);
    assert!(
        status.contains(&format!("NOT PUBLISHING: lineage {first}")),
        "{status}"
    );
    let killed = cli(&["kill", "--reason", "from the wrong one"]);
    assert!(killed.contains("kill done"), "{killed}");
    assert!(
        killed.contains("warning: this control plane is NOT PUBLISHING"),
        "{killed}"
    );
    assert_eq!(
        held(&fleet).await.unwrap().lineage,
        first,
        "not overwritten"
    );
    assert_eq!(
        edge.config().await.lineage,
        first,
        "the edge keeps following the first"
    );
    assert_eq!(rival_of(&fleet.cp).await, None);
    // The second hears the edge, and that it serves the first's lineage, not its own: its
    // kill reached nobody.
    eventually(
        "the second lists the edge on the first's lineage",
        WAIT,
        || async {
            let (_, state) = second.get("/v1/state", Some(ALICE)).await;
            state["edges"][0]["lineage"].as_str() == Some(first.as_str())
                && state["lineage"].as_str() != Some(first.as_str())
        },
    )
    .await;

    // A standby told to take over does; the first one then stands down.
    let third = another_control_plane(&fleet, true).await;
    let (_, state) = third.get("/v1/state", Some(ALICE)).await;
    let taken = state["lineage"].as_str().unwrap().to_owned();
    eventually("the bucket holds the standby's lineage", WAIT, || async {
        held(&fleet).await.is_some_and(|d| d.lineage == taken)
    })
    .await;
    eventually("the edge follows the standby", WAIT, || async {
        edge.config().await.lineage == taken
    })
    .await;
    eventually(
        "the first says another control plane publishes",
        WAIT,
        || async { rival_of(&fleet.cp).await.as_deref() == Some(taken.as_str()) },
    )
    .await;
    fleet
        .act(json!({"action": "pause", "reason": "from the old one"}))
        .await;
    assert_eq!(
        held(&fleet).await.unwrap().lineage,
        taken,
        "the old one stood down"
    );
    assert_eq!(rival_of(&third).await, None);
}
