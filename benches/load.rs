//! Load harness for the control plane's budgets (DESIGN.md), against the release binary run
//! as its own process on loopback: stream fan-out (1,000 subscribers, 10 updates/s, server
//! CPU), kill propagation to 10,000 config-stream subscribers (p50/p99/max), sample ingest
//! (samples/s accepted), `/v1/assign` and OFREP single evaluation (requests/s, latency), kill
//! propagation to 1,000 flagd `SyncFlags` streams and to the OFREP web provider, and restart time on a journal of 10,000
//! records. Client and server share this machine's cores, so every number is a floor. Run
//! with `cargo bench --bench load -- [fanout|kill|ingest|assign|ofrep|flagd|web|restart]...`
//! (default: all). `SERVER_CPUS=0 taskset -c 1 cargo bench …` keeps server and client off each
//! other's cores (the server runs under `taskset -c $SERVER_CPUS`).

#![allow(clippy::cast_precision_loss, reason = "counts and rates for printing")]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{cpu_seconds, killed_subscriber, percentile, ws};
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

struct Server {
    child: Child,
    base: String,
    dir: tempfile::TempDir,
    /// Where the flagd sync service listens.
    flagd: String,
}

impl Server {
    /// Stops the server and keeps its data directory.
    fn into_dir(mut self) -> tempfile::TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(profile: &str, interval: &str) -> Server {
    serve_at(profile, interval, tempfile::tempdir().unwrap())
}

/// Starts the server on `dir`; it is killed when the returned value is dropped (even on panic).
fn serve_at(profile: &str, interval: &str, dir: tempfile::TempDir) -> Server {
    let mut command = match std::env::var("SERVER_CPUS") {
        Ok(cpus) => {
            let mut c = Command::new("taskset");
            c.args(["-c", &cpus, env!("CARGO_BIN_EXE_cutover")]);
            c
        }
        Err(_) => Command::new(env!("CARGO_BIN_EXE_cutover")),
    };
    let mut child = command
        .args([
            "serve",
            "--profile",
            profile,
            "--listen",
            "127.0.0.1:0",
            "--eval-interval",
            interval,
            "--flagd-sync",
            "127.0.0.1:0",
            "--data",
        ])
        .arg(dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    let flagd = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.split("OpenFeature providers on ").nth(1) {
            break format!("http://{}", rest.trim());
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        base,
        dir,
        flagd,
    }
}

async fn fanout() {
    let server = serve("vividwalls", "100ms");
    let url = server.base.replace("http://", "ws://") + "/v1/stream";
    let received = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for _ in 0..1000 {
        let mut s = ws(&url).await;
        let received = received.clone();
        clients.push(tokio::spawn(async move {
            while let Some(Ok(m)) = s.next().await {
                if matches!(m, Message::Text(_)) {
                    received.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let http = cutover::tls::http_client().build().unwrap();
    let samples: Vec<serde_json::Value> = ["legacy", "enhanced"].iter().map(|v| serde_json::json!({"metric": "error_rate", "cohort": "sales/individual_collectors", "variant": v, "value": 0.004, "count": 100})).collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (cpu0, msgs0, t0) = (
        cpu_seconds(server.child.id()),
        received.load(Ordering::Relaxed),
        Instant::now(),
    );
    while t0.elapsed() < Duration::from_secs(20) {
        http.post(format!("{}/v1/samples", server.base))
            .json(&samples)
            .send()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds(server.child.id()) - cpu0;
    let msgs = received.load(Ordering::Relaxed) - msgs0;
    let metrics = http
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let resyncs = metrics
        .lines()
        .find(|l| l.starts_with("cutover_stream_resyncs_total"))
        .unwrap_or("?")
        .to_owned();
    println!(
        "fanout: 1000 subscribers, {elapsed:.1}s: server CPU {:.1}% of one core; {:.0} messages/s delivered ({:.1} per subscriber per second); {resyncs}",
        100.0 * cpu / elapsed,
        msgs as f64 / elapsed,
        msgs as f64 / elapsed / 1000.0
    );
    for c in clients {
        c.abort();
    }
}

async fn kill(subscribers: usize) {
    let server = serve("vividwalls", "10s");
    let url = server.base.replace("http://", "ws://") + "/v1/config/stream";
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let mut ready = Vec::new();
    for i in 0..subscribers {
        ready.push(killed_subscriber(&url, tx.clone()).await);
        if i % 2000 == 1999 {
            eprintln!("kill: {} subscribers connected", i + 1);
        }
    }
    let mut latencies = kill_rounds(&server, subscribers, &mut rx, |round, last| {
        eprintln!("kill: round {round}: last subscriber after {last:?}");
    })
    .await;
    latencies.sort();
    println!(
        "kill: {subscribers} config-stream subscribers, 5 kills: kill-to-subscriber p50 {:?}, p99 {:?}, max {:?} (HTTP request sent → legacy config received)",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().unwrap()
    );
    for r in ready {
        r.abort();
    }
}

async fn ingest() {
    let server = serve("vividwalls", "1s");
    let batch: Vec<serde_json::Value> = (0..50_000)
        .map(|i| serde_json::json!({"metric": "error_rate", "cohort": "sales/individual_collectors", "variant": if i % 2 == 0 { "legacy" } else { "enhanced" }, "value": 0.004, "count": 1}))
        .collect();
    let body = Arc::new(serde_json::to_vec(&batch).unwrap());
    let http = cutover::tls::http_client().build().unwrap();
    let accepted = Arc::new(AtomicU64::new(0));
    let (cpu0, t0) = (cpu_seconds(server.child.id()), Instant::now());
    let mut senders = Vec::new();
    for _ in 0..2 {
        let (http, body, accepted, url) = (
            http.clone(),
            body.clone(),
            accepted.clone(),
            format!("{}/v1/samples", server.base),
        );
        senders.push(tokio::spawn(async move {
            while t0.elapsed() < Duration::from_secs(10) {
                let r: serde_json::Value = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body((*body).clone())
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                accepted.fetch_add(r["accepted"].as_u64().unwrap(), Ordering::Relaxed);
            }
        }));
    }
    for s in senders {
        s.await.unwrap();
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds(server.child.id()) - cpu0;
    println!(
        "ingest: {:.0} samples/s accepted ({} in {elapsed:.1}s, JSON arrays of 50,000, 2 senders); server CPU {:.0}% of one core",
        accepted.load(Ordering::Relaxed) as f64 / elapsed,
        accepted.load(Ordering::Relaxed),
        100.0 * cpu / elapsed
    );
}

/// `requests` from 32 keep-alive clients for ten seconds: requests/s, p50, p99.
async fn hammer<F, Fut>(request: F) -> (f64, Duration, Duration)
where
    F: Fn(reqwest::Client, u64, u64) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let http = cutover::tls::http_client()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let t0 = Instant::now();
    let mut workers = Vec::new();
    for w in 0..32 {
        let (http, request) = (http.clone(), request.clone());
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = 0u64;
            while t0.elapsed() < Duration::from_secs(10) {
                let start = Instant::now();
                request(http.clone(), w, i).await;
                lat.push(start.elapsed());
                i += 1;
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let elapsed = t0.elapsed().as_secs_f64();
    all.sort();
    (
        all.len() as f64 / elapsed,
        percentile(&all, 0.5),
        percentile(&all, 0.99),
    )
}

/// OFREP single evaluation of the rollout flag over HTTP.
async fn ofrep() {
    let server = serve("vividwalls", "10s");
    let url = format!("{}/ofrep/v1/evaluate/flags/vividwalls-mas", server.base);
    let (rate, p50, p99) = hammer(move |http: reqwest::Client, w, i| {
        let url = url.clone();
        async move {
            // As an app's provider sends it: a small JSON body, written once.
            let body = format!(
                r#"{{"context":{{"targetingKey":"user-{w}-{i}","cohort":"sales/individual_collectors"}}}}"#
            );
            let r = http
                .post(&url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
            let _ = r.bytes().await.unwrap();
        }
    })
    .await;
    println!(
        "ofrep: {rate:.0} single evaluations/s over HTTP (32 keep-alive clients), latency p50 {p50:?}, p99 {p99:?}"
    );
}

/// Five kills, each resumed after: for each, how long after the kill was sent each of
/// `receivers` reported (on `rx`) having the killed configuration; `round` hears each round's
/// number and its slowest. The server's CPU per kill is printed to stderr.
async fn kill_rounds(
    server: &Server,
    receivers: usize,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Instant>,
    mut round: impl FnMut(usize, Duration),
) -> Vec<Duration> {
    let http = cutover::tls::http_client().build().unwrap();
    let act = |body: serde_json::Value| {
        let req = http.post(format!("{}/v1/actions", server.base)).json(&body);
        async move { assert!(req.send().await.unwrap().status().is_success()) }
    };
    let mut latencies = Vec::new();
    for n in 0..5 {
        let cpu0 = cpu_seconds(server.child.id());
        let t0 = Instant::now();
        act(serde_json::json!({"action": "kill", "reason": "bench"})).await;
        for _ in 0..receivers {
            latencies.push(rx.recv().await.unwrap() - t0);
        }
        round(n, t0.elapsed());
        eprintln!(
            "  server CPU for kill {n}: {:.0} ms",
            1000.0 * (cpu_seconds(server.child.id()) - cpu0)
        );
        act(serde_json::json!({"action": "resume", "target": "all"})).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    latencies
}

/// Kill → 1,000 flagd `SyncFlags` streams (20 connections of 50 streams, as 20 app processes
/// with 50 providers each would not be; 1,000 connections cost the client more than the server).
async fn flagd(streams: usize) {
    use cutover::server::flagd_sync::proto::SyncFlagsRequest;
    use cutover::server::flagd_sync::proto::flag_sync_service_client::FlagSyncServiceClient;
    let server = serve("vividwalls", "10s");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let mut tasks = Vec::new();
    let mut channel = None;
    for i in 0..streams {
        if i % 50 == 0 {
            channel = Some(
                tonic::transport::Endpoint::from_shared(server.flagd.clone())
                    .unwrap()
                    .connect()
                    .await
                    .unwrap(),
            );
        }
        let mut client = FlagSyncServiceClient::new(channel.clone().unwrap());
        let mut stream = client
            .sync_flags(SyncFlagsRequest::default())
            .await
            .unwrap()
            .into_inner();
        stream.message().await.unwrap().unwrap();
        let tx = tx.clone();
        tasks.push(tokio::spawn(async move {
            while let Ok(Some(m)) = stream.message().await {
                if m.flag_configuration.contains("\"killed\":true") {
                    let _ = tx.send(Instant::now());
                }
            }
        }));
    }
    let mut latencies = kill_rounds(&server, streams, &mut rx, |_, _| {}).await;
    latencies.sort();
    println!(
        "flagd: {streams} SyncFlags streams, 5 kills: kill-to-stream p50 {:?}, p99 {:?}, max {:?} (HTTP request sent → killed configuration received)",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().unwrap()
    );
    for t in tasks {
        t.abort();
    }
}

/// Kill → a browser app's answer: the OFREP web provider (the real one, under Node with an
/// `EventSource` polyfill, `tests/sdk/node`) hears `refetchEvaluation` on its event stream,
/// fetches the flags again and reports the change. Needs `scripts/install-test-deps`.
async fn web() {
    use tokio::io::AsyncBufReadExt;
    let server = serve("vividwalls", "10s");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/node");
    assert!(
        dir.join("node_modules/@openfeature").exists(),
        "run scripts/install-test-deps first"
    );
    let http = cutover::tls::http_client().build().unwrap();
    let act = |body: serde_json::Value| {
        let (http, url) = (http.clone(), format!("{}/v1/actions", server.base));
        async move {
            let r = http.post(url).json(&body).send().await.unwrap();
            assert!(r.status().is_success());
        }
    };
    // Sales in canary, so a unit can be on enhanced.
    act(serde_json::json!({"action": "set-weight", "target": "sales/individual_collectors", "value": 50.0})).await;
    let mut child = tokio::process::Command::new("node")
        .arg("ofrep_web_follow.mjs")
        .args([
            server.base.as_str(),
            "t",
            "vividwalls-mas",
            "sales/individual_collectors",
            "0",
            "20",
        ])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = async || {
        serde_json::from_str::<serde_json::Value>(&lines.next_line().await.unwrap().unwrap())
            .unwrap()
    };
    while next().await.get("ready").is_none() {}
    let mut latencies = Vec::new();
    for _ in 0..10 {
        let t0 = Instant::now();
        act(serde_json::json!({"action": "kill", "reason": "bench"})).await;
        while next().await["changed"] != "legacy" {}
        latencies.push(t0.elapsed());
        act(serde_json::json!({"action": "resume", "target": "all"})).await;
        while next().await["changed"] != "enhanced" {}
    }
    latencies.sort();
    println!(
        "web: OFREP web provider, 10 kills: kill-to-legacy p50 {:?}, max {:?} (HTTP request sent → event → bulk refetch → the SDK's change event)",
        percentile(&latencies, 0.5),
        latencies.last().unwrap()
    );
}

async fn assign() {
    let server = serve("vividwalls", "10s");
    let url = format!("{}/v1/assign", server.base);
    let (rate, p50, p99) = hammer(move |http: reqwest::Client, w, i| {
        let url = url.clone();
        async move {
            let unit = format!("user-{w}-{i}");
            let r = http
                .get(&url)
                .query(&[
                    ("cohort", "sales/individual_collectors"),
                    ("unit", unit.as_str()),
                ])
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
            let _ = r.bytes().await.unwrap();
        }
    })
    .await;
    println!(
        "assign: {rate:.0} requests/s over HTTP (32 keep-alive clients), latency p50 {p50:?}, p99 {p99:?}"
    );
}

/// Time from starting `cutover serve` on a journal of 10,000 records to its first answer.
async fn restart() {
    let dir = tempfile::tempdir().unwrap();
    let plan = cutover::plan::builtin::load("vividwalls").unwrap();
    let t0 = cutover::time::Timestamp(1_700_000_000_000);
    let mut opened = cutover::journal::Journal::open(dir.path(), &plan, t0).unwrap();
    let mut state = cutover::engine::EngineState::resume(opened.rollout.clone());
    for chunk in 0..100 {
        let mut batch = Vec::new();
        for i in 0..100 {
            let action = if (chunk * 100 + i) % 2 == 0 {
                cutover::engine::Action::Pause
            } else {
                cutover::engine::Action::Resume { target: None }
            };
            let request = cutover::engine::ActionRequest {
                action,
                actor: cutover::engine::Actor::new("bench", cutover::engine::Role::Operator),
                reason: "restart bench".into(),
                idempotency_key: Some(format!("k{chunk}-{i}")),
                expected_revision: None,
                at: t0,
            };
            batch.extend(
                cutover::engine::handle(&plan, &mut state, cutover::engine::Input::Action(request))
                    .transitions,
            );
        }
        opened.journal.append(&batch).unwrap();
    }
    drop(opened);
    let http = cutover::tls::http_client().build().unwrap();
    let mut dir = dir;
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let server = serve_at("vividwalls", "10s", dir);
        let state: serde_json::Value = http
            .get(format!("{}/v1/state", server.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        times.push(started.elapsed());
        // The first tick may add a transition (a long-baked step advancing by itself).
        assert!(state["revision"].as_u64().unwrap() >= 10_000, "{state}");
        dir = server.into_dir();
    }
    times.sort();
    println!(
        "restart: journal of 10,000 records replayed and answering in {:?} (median of 5), {:?} at worst (process start → first /v1/state)",
        times[2], times[4]
    );
}

fn main() {
    let which: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let run = |name: &str| which.is_empty() || which.iter().any(|w| w == name);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // `available_parallelism` honours this process's affinity (`taskset`).
    match std::env::var("SERVER_CPUS") {
        Ok(cpus) => println!(
            "machine: server on CPU {cpus}, client on {} other core(s)",
            std::thread::available_parallelism().map_or(0, usize::from)
        ),
        Err(_) => println!(
            "machine: {} cores; client and server share them",
            std::thread::available_parallelism().map_or(0, usize::from)
        ),
    }
    if run("fanout") {
        rt.block_on(fanout());
    }
    if run("kill") {
        rt.block_on(kill(1_000));
        rt.block_on(kill(10_000));
    }
    if run("ingest") {
        rt.block_on(ingest());
    }
    if run("assign") {
        rt.block_on(assign());
    }
    if run("ofrep") {
        rt.block_on(ofrep());
    }
    if run("flagd") {
        rt.block_on(flagd(1_000));
    }
    if run("web") {
        rt.block_on(web());
    }
    if run("restart") {
        rt.block_on(restart());
    }
}
