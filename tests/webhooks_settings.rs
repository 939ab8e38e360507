//! Webhooks and settings. Every transition is sent (`POST`) to a real receiver on loopback; a dead
//! webhook never delays an action and its failures show in `/metrics`. Settings come from the
//! config file, then `CUTOVER_*` variables, then flags.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::routing::post;
use common::server::{TestServer, eventually};
use cutover::settings::Settings;
use serde_json::json;

const ALICE: &str = "alice-operator-token";
const VIC: &str = "vic-viewer-token";

async fn receiver() -> (String, Arc<Mutex<Vec<serde_json::Value>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        post(move |Json(v): Json<serde_json::Value>| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(v);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

#[tokio::test(flavor = "multi_thread")]
async fn transitions_reach_webhooks_and_a_dead_one_never_blocks() {
    let (url, got) = receiver().await;
    let dead = format!("http://127.0.0.1:{}/nowhere", common::external::free_port());
    let s = TestServer::with("minimal", |o| o.webhooks = vec![url.clone(), dead.clone()]).await;
    let started = Instant::now();
    for text in ["pause", "resume", "kill"] {
        let (status, _) = s
            .act(ALICE, json!({"action": text, "reason": "hook test"}))
            .await;
        assert_eq!(status, 200);
    }
    // Not a timing assertion: just a report that the dead webhook's retries ran elsewhere.
    eprintln!(
        "three actions with a dead webhook took {:?}",
        started.elapsed()
    );
    eventually(
        "three events at the receiver",
        Duration::from_secs(30),
        || async { got.lock().unwrap().len() == 3 },
    )
    .await;
    let events = got.lock().unwrap().clone();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["detail"]["command"]["command"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["pause", "resume", "kill"]);
    assert_eq!(events[2]["kind"], "transition");
    assert_eq!(events[2]["detail"]["actor"], "alice");
    assert_eq!(events[2]["detail"]["after"]["status"], "killed");
    eventually(
        "the dead webhook's failures counted",
        Duration::from_mins(1),
        || async {
            let text = common::get_text(&s.http, &s.url("/metrics"), VIC).await;
            text.lines().any(|l| l == "cutover_webhook_failed_total 3")
                && text
                    .lines()
                    .any(|l| l == "cutover_webhook_delivered_total 3")
        },
    )
    .await;
}

#[test]
fn settings_layer_file_then_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(
        &file,
        "connect = \"http://127.0.0.1:9999\"\ntoken = \"from-file\"\nwebhooks = [\"http://a\"]\n",
    )
    .unwrap();
    let s = Settings::load(Some(&file)).unwrap();
    assert_eq!(s.connect.as_deref(), Some("http://127.0.0.1:9999"));
    assert_eq!(s.token.as_deref(), Some("from-file"));
    assert_eq!(s.webhooks, Some(vec!["http://a".to_owned()]));
    std::fs::write(&file, "conect = \"typo\"\n").unwrap();
    let err = Settings::load(Some(&file)).unwrap_err();
    assert!(err.contains("conect"), "{err}");
    let err = Settings::load(Some(&dir.path().join("missing.toml"))).unwrap_err();
    assert!(
        err.ends_with("missing.toml: config file not found"),
        "{err}"
    );
}

fn status_error(file: &std::path::Path, env: &[(&str, &str)], flag: Option<&str>) -> String {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cutover"));
    cmd.arg("--config")
        .arg(file)
        .arg("status")
        .env_remove("CUTOVER_CONNECT")
        .env("CUTOVER_LOG", "debug");
    if let Some(url) = flag {
        cmd.args(["--connect", url]);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    String::from_utf8_lossy(&cmd.output().unwrap().stderr).into_owned()
}

#[test]
fn environment_overrides_the_file_and_flags_override_both() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(&file, "connect = \"http://127.0.0.1:3\"\n").unwrap();
    assert!(
        status_error(&file, &[], None).contains("http://127.0.0.1:3/v1/state"),
        "the file"
    );
    let env = [("CUTOVER_CONNECT", "http://127.0.0.1:2")];
    assert!(
        status_error(&file, &env, None).contains("http://127.0.0.1:2/v1/state"),
        "the environment over the file"
    );
    assert!(
        status_error(&file, &env, Some("http://127.0.0.1:1"))
            .contains("http://127.0.0.1:1/v1/state"),
        "the flag over both"
    );
}
