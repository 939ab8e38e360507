//! Kill propagation beyond one machine: `nats-server` (JetStream), the release `cutover serve
//! --nats`, four `cutover edge` relays and 10,000 config-stream subscribers spread over them,
//! each its own process on this machine's loopback. Five kills; for each it times the whole
//! path (the kill's HTTP request sent → every subscriber has the killed document) and its
//! hops: control plane (journal, sign, publish) + NATS to a plain subscriber on the subject,
//! and each edge's own fan-out (document received → flushed to its last subscriber, from the
//! edge's report); and the CPU each process spent per kill. Every process shares the same two
//! cores, so this measures contention, not scale-out: the hops predict the multi-machine
//! figure (docs/scale.md). Run `cargo bench --bench edges [-- EDGES SUBSCRIBERS]` (default
//! 4 and 10,000); it raises its children's open-file limit and checks its own.

#![allow(clippy::cast_precision_loss, reason = "counts and rates for printing")]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{cpu_seconds, killed_subscriber, percentile};
use futures_util::{FutureExt, StreamExt};

const PROFILE: &str = "vividwalls";
const KILLS: usize = 5;

/// A child process, killed when dropped.
struct Proc {
    child: Child,
    name: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `cutover ARGS` with a raised open-file limit; returns it and the first stderr line
/// containing `ready`.
fn cutover(name: &str, args: &[&str], ready: &str) -> (Proc, String) {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 65536 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_cutover"))
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("{name} exited before it was ready"))
            .unwrap();
        if line.contains(ready) {
            break line;
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (
        Proc {
            child,
            name: name.to_owned(),
        },
        line,
    )
}

/// `nats-server` with JetStream on a port it picks; returns it and its URL.
fn nats(dir: &std::path::Path) -> (Proc, String) {
    let log = dir.join("nats.log");
    let child = Command::new("nats-server")
        .args(["-js", "-a", "127.0.0.1", "-p", "-1", "-sd"])
        .arg(dir.join("js"))
        .arg("-l")
        .arg(&log)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server (scripts/install-test-deps installs it)");
    let proc = Proc {
        child,
        name: "nats-server".into(),
    };
    for _ in 0..1500 {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("Server is ready") {
            let port = text
                .split("Listening for client connections on 127.0.0.1:")
                .nth(1)
                .and_then(|r| r.lines().next())
                .unwrap()
                .trim()
                .to_owned();
            return (proc, format!("nats://127.0.0.1:{port}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nats-server never became ready");
}

/// This process's soft open-file limit.
fn open_file_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[expect(clippy::too_many_lines, reason = "one measured scenario, start to end")]
async fn run(edges: usize, subscribers: usize) {
    let dir = tempfile::tempdir().unwrap();
    let (nats_proc, url) = nats(dir.path());
    let data = dir.path().join("cp");
    let data_arg = data.to_string_lossy().into_owned();
    let (cp, line) = cutover(
        "cutover serve",
        &[
            "serve",
            "--profile",
            PROFILE,
            "--listen",
            "127.0.0.1:0",
            "--eval-interval",
            "10s",
            "--data",
            &data_arg,
            "--nats",
            &url,
        ],
        "listening on ",
    );
    let base = line
        .split("listening on ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let trust = data
        .join("config-signing.pub")
        .to_string_lossy()
        .into_owned();
    let mut relays = Vec::new();
    let mut urls = Vec::new();
    let mut rollout = String::new();
    for i in 0..edges {
        let id = format!("edge-{i}");
        let (p, line) = cutover(
            &id,
            &[
                "edge",
                "--nats",
                &url,
                "--trust",
                &trust,
                "--id",
                &id,
                "--listen",
                "127.0.0.1:0",
            ],
            "serving revision",
        );
        let addr = line.rsplit("on http://").next().unwrap().trim().to_owned();
        urls.push(format!("ws://{addr}/v1/config/stream"));
        relays.push(p);
        line.split("relaying ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap()
            .clone_into(&mut rollout);
    }
    let client = async_nats::connect(&url).await.unwrap();
    let mut docs = client
        .subscribe(cutover::server::fanout::subject(&rollout))
        .await
        .unwrap();
    let mut reports = client
        .subscribe(cutover::server::fanout::edges_subject(&rollout))
        .await
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let mut readers = Vec::new();
    for i in 0..subscribers {
        readers.push(killed_subscriber(&urls[i % edges], tx.clone()).await);
        if i % 2500 == 2499 {
            eprintln!("edges: {} subscribers connected", i + 1);
        }
    }
    let http = cutover::tls::http_client().build().unwrap();
    let act = |body: serde_json::Value| {
        let req = http.post(format!("{base}/v1/actions")).json(&body);
        async move {
            let reply: serde_json::Value = req.send().await.unwrap().json().await.unwrap();
            reply["revision"].as_u64().unwrap()
        }
    };
    let mut procs: Vec<&Proc> = vec![&cp, &nats_proc];
    procs.extend(relays.iter());
    let mut cpu_ms = vec![0.0; procs.len()];
    let (mut whole, mut to_nats, mut edge_fanout) = (Vec::new(), Vec::new(), Vec::new());
    for n in 0..KILLS {
        while docs.next().now_or_never().is_some() {}
        let cpu0: Vec<f64> = procs.iter().map(|p| cpu_seconds(p.child.id())).collect();
        let t0 = Instant::now();
        let revision = act(serde_json::json!({"action": "kill", "reason": "bench"})).await;
        loop {
            let m = docs.next().await.unwrap();
            if String::from_utf8_lossy(&m.payload).contains("\\\"status\\\":\\\"killed\\\"") {
                to_nats.push(t0.elapsed());
                break;
            }
        }
        for _ in 0..subscribers {
            whole.push(rx.recv().await.unwrap() - t0);
        }
        let slowest = t0.elapsed();
        let mut heard = std::collections::BTreeSet::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while heard.len() < edges {
            let Ok(Some(m)) = tokio::time::timeout_at(deadline, reports.next()).await else {
                eprintln!("  only {} edges reported kill {n}", heard.len());
                break;
            };
            let r: cutover::wire::EdgeReport = serde_json::from_slice(&m.payload).unwrap();
            let done = r.revision == revision && r.sent >= r.subscribers;
            if done
                && heard.insert(r.edge.clone())
                && let Some(e) = r.elapsed_ms
            {
                edge_fanout.push(Duration::from_secs_f64(e / 1000.0));
            }
        }
        for (i, p) in procs.iter().enumerate() {
            cpu_ms[i] += 1000.0 * (cpu_seconds(p.child.id()) - cpu0[i]);
        }
        eprintln!("edges: kill {n}: last subscriber after {}", ms(slowest));
        act(serde_json::json!({"action": "resume", "target": "all"})).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    for v in [&mut whole, &mut to_nats, &mut edge_fanout] {
        v.sort();
    }
    println!(
        "edges: {subscribers} config-stream subscribers over {edges} edges, {KILLS} kills: kill-to-subscriber p50 {}, p99 {}, max {}",
        ms(percentile(&whole, 0.5)),
        ms(percentile(&whole, 0.99)),
        ms(*whole.last().unwrap())
    );
    println!(
        "  hop 1, control plane (HTTP, journal fsync, sign) + NATS → a subscriber on the subject: p50 {}, max {}",
        ms(percentile(&to_nats, 0.5)),
        ms(*to_nats.last().unwrap())
    );
    if !edge_fanout.is_empty() {
        println!(
            "  hop 3, each edge: document received → flushed to its {} subscribers: p50 {}, p99 {}, max {}",
            subscribers / edges,
            ms(percentile(&edge_fanout, 0.5)),
            ms(percentile(&edge_fanout, 0.99)),
            ms(*edge_fanout.last().unwrap())
        );
    }
    for (p, total) in procs.iter().zip(&cpu_ms) {
        println!("  CPU per kill, {}: {:.0} ms", p.name, total / KILLS as f64);
    }
    for r in readers {
        r.abort();
    }
}

fn main() {
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let edges = numbers.first().copied().unwrap_or(4).max(1);
    let subscribers = numbers.get(1).copied().unwrap_or(10_000);
    let limit = open_file_limit();
    if limit < subscribers as u64 + 2_000 {
        eprintln!(
            "edges: this harness holds {subscribers} sockets but may open only {limit} files: run `ulimit -n 65536` first"
        );
        std::process::exit(2);
    }
    println!(
        "machine: {} cores, shared by nats-server, the control plane, {edges} edges and the subscribers",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(edges, subscribers));
}
