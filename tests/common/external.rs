//! Real external programs for tests: Prometheus, Alertmanager and NATS from Debian's packages, and
//! `cutover` itself, started on free loopback ports and stopped when dropped. A missing binary
//! fails the test with what to run — tests never skip silently.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A free loopback port (the listener is closed before the port is used).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed on drop.
pub struct Process {
    pub child: Child,
    pub base: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary(names: &[&str]) -> String {
    for name in names {
        if Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return (*name).to_owned();
        }
    }
    panic!(
        "{} is not installed: run scripts/install-test-deps (the README's test command does)",
        names[0]
    );
}

async fn wait_ready(url: &str) {
    let client = cutover::tls::http_client().build().unwrap();
    for _ in 0..500 {
        if client
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{url} never became ready");
}

/// Prometheus scraping `targets` every 200 ms.
pub async fn prometheus(dir: &Path, targets: &[String]) -> Process {
    let port = free_port();
    let config = dir.join("prometheus.yml");
    let list: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
    std::fs::write(&config, format!("global:\n  scrape_interval: 200ms\n  scrape_timeout: 150ms\nscrape_configs:\n  - job_name: sim\n    static_configs:\n      - targets: [{}]\n", list.join(", "))).unwrap();
    let child = Command::new(binary(&["prometheus"]))
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("tsdb").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--query.lookback-delta=2s")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&format!("{base}/-/ready")).await;
    Process { child, base }
}

/// Alertmanager with a route to nowhere (it only needs to hold alerts).
pub async fn alertmanager(dir: &Path) -> Process {
    let port = free_port();
    let config = dir.join("alertmanager.yml");
    std::fs::write(
        &config,
        "route:\n  receiver: nowhere\nreceivers:\n  - name: nowhere\n",
    )
    .unwrap();
    let child = Command::new(binary(&["prometheus-alertmanager", "alertmanager"]))
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.path={}", dir.join("am").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&format!("{base}/-/ready")).await;
    Process { child, base }
}

/// `cutover sim` exposing its gauges on `port` for Prometheus.
pub async fn sim(server: &str, token: &str, scenario: &str, port: u16) -> Process {
    let child = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args([
            "sim",
            "--connect",
            server,
            "--token",
            token,
            "--scenario",
            scenario,
            "--interval",
            "100ms",
            "--expose",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("127.0.0.1:{port}");
    wait_ready(&format!("http://{base}/metrics")).await;
    Process { child, base }
}

/// A NATS server with JetStream, its store in `dir`, on a port it picks itself (so no other
/// test can take the port between choosing and binding it).
pub async fn nats(dir: &Path) -> Process {
    nats_at(dir, None).await
}

/// A NATS server with JetStream on `port` (or one it picks), its store in `dir`: started again
/// on the same port and store, it is the same server back. Ready once its log says so; its
/// log is `dir/nats.log`.
pub async fn nats_at(dir: &Path, port: Option<u16>) -> Process {
    nats_with(dir, port, &[]).await
}

/// A NATS server as [`nats_at`] starts it, with `extra` arguments (TLS, a user), reached at
/// `nats://127.0.0.1:PORT`.
pub async fn nats_with(dir: &Path, port: Option<u16>, extra: &[&str]) -> Process {
    let log = dir.join("nats.log");
    let _ = std::fs::remove_file(&log);
    let port_arg = port.map_or_else(|| "-1".to_owned(), |p| p.to_string());
    let mut child = Command::new(binary(&["nats-server"]))
        .args(["-js", "-a", "127.0.0.1", "-p", &port_arg, "-sd"])
        .arg(dir.join("jetstream"))
        .arg("-l")
        .arg(&log)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("nats.err")).unwrap())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("Server is ready") {
            let port = text
                .split("Listening for client connections on ")
                .nth(1)
                .and_then(|rest| rest.lines().next())
                .and_then(|addr| addr.rsplit(':').next())
                .expect("nats-server says where it listens")
                .trim()
                .to_owned();
            return Process {
                child,
                base: format!("nats://127.0.0.1:{port}"),
            };
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("nats-server exited ({status}):\n{text}");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "nats-server never became ready:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
