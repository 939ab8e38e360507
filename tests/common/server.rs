//! A control plane for tests: in-process on an ephemeral loopback port, with a tokens file
//! for alice (operator), ada (admin, who may give the `qa-lead` sign-off), vic (viewer) and
//! bob (operator), a temporary data directory, and a small HTTP helper.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use cutover::clock::Clock;
use cutover::server::auth::Auth;
use cutover::server::{self, Running, ServeOptions};
use cutover::sources::Source;

pub const TOKENS: &str = r#"
[[token]]
name = "alice"
role = "operator"
token = "alice-operator-token"

[[token]]
name = "bob"
role = "operator"
token = "bob-operator-token"

[[token]]
name = "ada"
role = "admin"
token = "ada-admin-token"
signoffs = ["qa-lead"]

[[token]]
name = "vic"
role = "viewer"
token = "vic-viewer-token"
"#;

pub struct TestServer {
    pub running: Running,
    pub base: String,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

pub fn tokens_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("tokens.toml");
    std::fs::write(&path, TOKENS).unwrap();
    path
}

pub fn options(profile: &str, dir: &std::path::Path) -> ServeOptions {
    let plan = Arc::new(super::profile(profile));
    ServeOptions {
        recover: false,
        flagd_sync: None,
        nats: None,
        tokens_file: None,
        tls: None,
        allow_plaintext: false,
        manners: cutover::server::listen::Manners::default(),
        plan,
        listen: "127.0.0.1:0".parse().unwrap(),
        data: dir.join("data"),
        auth: Auth::load(&tokens_file(dir)).unwrap(),
        source: Source::Push,
        alertmanager: None,
        eval_interval: Duration::from_hours(1),
        webhooks: Vec::new(),
        clock: Clock::wall(),
    }
}

impl TestServer {
    pub async fn start(profile: &str) -> TestServer {
        TestServer::with(profile, |_| {}).await
    }

    pub async fn with(profile: &str, tweak: impl FnOnce(&mut ServeOptions)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = options(profile, dir.path());
        tweak(&mut opts);
        let running = server::start(opts).await.unwrap();
        let base = format!("http://{}", running.addr);
        TestServer {
            running,
            base,
            dir,
            http: cutover::tls::http_client().build().unwrap(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET /metrics`, as text.
    pub async fn metrics(&self, token: &str) -> String {
        super::get_text(&self.http, &self.url("/metrics"), token).await
    }

    /// One series' value in `/metrics` (0 when absent).
    pub async fn metric(&self, token: &str, series: &str) -> u64 {
        let text = self.metrics(token).await;
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
        let mut r = self.http.get(self.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn post(
        &self,
        path: &str,
        token: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let resp = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn act(&self, token: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        self.post("/v1/actions", token, body).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.running.cancel.cancel();
    }
}

/// Polls `check` until it holds, for at most `limit`; panics with `what` otherwise.
pub async fn eventually<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for: {what}");
}
