//! Config fan-out through a real NATS server (Debian's `nats-server`, JetStream on): every
//! journaled revision is put, signed, into the KV bucket and published on the rollout's
//! subject; the signature verifies against `config-signing.pub` in the data directory, and a
//! kill arrives as a signed, killed document.

mod common;

use std::time::Duration;

use common::external;
use common::server::{TestServer, eventually};
use cutover::server::fanout::{NatsOptions, kv, subject};
use cutover::signing::TrustedKey;
use cutover::wire::{ConfigDoc, SignedConfig, Status};
use futures_util::StreamExt;
use serde_json::json;

const ALICE: &str = "alice-operator-token";

fn open(bytes: &[u8], trusted: &TrustedKey) -> ConfigDoc {
    let signed: SignedConfig = serde_json::from_slice(bytes).unwrap();
    assert!(
        trusted.verifies(signed.document.as_bytes(), &signed.signature),
        "signed by the control plane's key"
    );
    serde_json::from_str(&signed.document).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn revisions_are_published_signed_to_the_bucket_and_the_subject() {
    let dir = tempfile::tempdir().unwrap();
    let nats = external::nats(dir.path()).await;
    let url = nats.base.clone();
    let s = TestServer::with("minimal", |o| {
        o.nats = Some(NatsOptions {
            urls: vec![url],
            creds: None,
            ..NatsOptions::default()
        });
    })
    .await;
    let trusted = TrustedKey::load(&s.dir.path().join("data/config-signing.pub")).unwrap();
    let client = async_nats::connect(&nats.base).await.unwrap();
    let mut follow = client.subscribe(subject("minimal")).await.unwrap();
    // The bucket is made and holds revision 0 once the server has started.
    eventually(
        "the bucket holds the first revision",
        Duration::from_secs(30),
        || {
            let client = client.clone();
            async move { kv::get(&client, "minimal").await.ok().flatten().is_some() }
        },
    )
    .await;
    let first = open(
        &kv::get(&client, "minimal").await.unwrap().unwrap(),
        &trusted,
    );
    assert_eq!((first.rollout.as_str(), first.revision), ("minimal", 0));

    let (status, _) = s
        .act(ALICE, json!({"action": "kill", "reason": "fan-out test"}))
        .await;
    assert_eq!(status, 200);
    let killed = loop {
        let message = tokio::time::timeout(Duration::from_secs(30), follow.next())
            .await
            .expect("published in time")
            .unwrap();
        let doc = open(&message.payload, &trusted);
        if doc.status == Status::Killed {
            break doc;
        }
    };
    assert_eq!(killed.revision, 1);
    assert!(killed.cohorts.iter().all(|c| c.weight_bp == 0));
    eventually(
        "the bucket's latest is the kill",
        Duration::from_secs(30),
        || {
            let (client, trusted) = (client.clone(), trusted.clone());
            async move {
                let latest = kv::get(&client, "minimal").await.ok().flatten();
                latest.is_some_and(|b| open(&b, &trusted).revision == 1)
            }
        },
    )
    .await;
    // A document signed by anyone else does not verify.
    let mut forged: SignedConfig =
        serde_json::from_slice(&kv::get(&client, "minimal").await.unwrap().unwrap()).unwrap();
    forged.document = forged.document.replace("\"killed\"", "\"running\"");
    assert!(!trusted.verifies(forged.document.as_bytes(), &forged.signature));
    let metrics = s.metrics(ALICE).await;
    assert!(
        metrics.contains("cutover_nats_published_total 2"),
        "{metrics}"
    );
}
