//! A fleet for edge tests: a real `nats-server` (JetStream on), a control plane publishing to
//! it, and edges, config-stream subscribers and HTTP calls against them.

use std::time::Duration;

use super::external::{self, Process};
use super::server::{TestServer, eventually, tokens_file};
use cutover::edge::{self, EdgeOptions};
use cutover::server::auth::Auth;
use cutover::server::fanout::{NatsOptions, kv};
use cutover::signing::TrustedKey;
use cutover::wire::{ConfigDoc, StateView};
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_util::sync::CancellationToken;

pub const ALICE: &str = "alice-operator-token";
pub const VIC: &str = "vic-viewer-token";
pub const WAIT: Duration = Duration::from_secs(30);

/// NATS, and a control plane publishing to it.
pub struct Fleet {
    pub nats: Option<Process>,
    pub port: u16,
    pub store: tempfile::TempDir,
    pub cp: TestServer,
    pub http: reqwest::Client,
}

impl Fleet {
    pub async fn start() -> Fleet {
        let store = tempfile::tempdir().unwrap();
        let nats = external::nats(store.path()).await;
        let url = nats.base.clone();
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        let cp = TestServer::with("minimal", |o| {
            o.nats = Some(NatsOptions {
                urls: vec![url],
                edge_lost_after: Duration::from_millis(300),
                ..NatsOptions::default()
            });
        })
        .await;
        let fleet = Fleet {
            nats: Some(nats),
            port,
            store,
            cp,
            http: cutover::tls::http_client().build().unwrap(),
        };
        let client = fleet.client().await;
        eventually("the bucket holds revision 0", WAIT, || {
            let client = client.clone();
            async move { kv::get(&client, "minimal").await.ok().flatten().is_some() }
        })
        .await;
        fleet
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub async fn client(&self) -> async_nats::Client {
        async_nats::connect(self.url()).await.unwrap()
    }

    pub fn trust(&self) -> TrustedKey {
        TrustedKey::load(&self.cp.dir.path().join("data/config-signing.pub")).unwrap()
    }

    pub async fn edge(&self, id: &str) -> Edge {
        let running = edge::start(self.edge_options(id), CancellationToken::new())
            .await
            .unwrap()
            .expect("a first document");
        Edge {
            base: format!("http://{}", running.addr),
            running,
            http: self.http.clone(),
        }
    }

    pub fn edge_options(&self, id: &str) -> EdgeOptions {
        EdgeOptions {
            id: id.into(),
            rollout: None,
            nats: NatsOptions {
                urls: vec![self.url()],
                ..NatsOptions::default()
            },
            trust: self.trust(),
            listen: "127.0.0.1:0".parse().unwrap(),
            auth: Auth::load(&tokens_file(self.cp.dir.path())).unwrap(),
            tokens_file: None,
            tls: None,
            allow_plaintext: false,
            flagd_sync: None,
            manners: cutover::server::listen::Manners::default(),
            report_every: Duration::from_millis(100),
            stale_after: Duration::from_millis(300),
        }
    }

    pub async fn act(&self, body: serde_json::Value) -> u64 {
        let (status, reply) = self.cp.act(ALICE, body).await;
        assert_eq!(status, 200, "{reply}");
        reply["revision"].as_u64().unwrap()
    }

    pub async fn state(&self) -> StateView {
        let (_, state) = self.cp.get("/v1/state", Some(VIC)).await;
        serde_json::from_value(state).unwrap()
    }

    pub fn stop_nats(&mut self) {
        self.nats.take().unwrap().stop();
    }

    pub async fn start_nats(&mut self) {
        self.nats = Some(external::nats_at(self.store.path(), Some(self.port)).await);
    }
}

pub struct Edge {
    pub running: edge::Running,
    pub base: String,
    pub http: reqwest::Client,
}

impl Edge {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(VIC)
            .send()
            .await
            .unwrap()
    }

    pub async fn config(&self) -> ConfigDoc {
        let response = self.get("/v1/config").await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub async fn health(&self) -> cutover::wire::EdgeHealth {
        self.get("/healthz").await.json().await.unwrap()
    }

    pub async fn metrics(&self) -> String {
        self.get("/metrics").await.text().await.unwrap()
    }

    pub async fn serves(&self, revision: u64) -> bool {
        self.config().await.revision == revision
    }

    pub async fn subscribe(&self) -> Subscriber {
        let url = self.base.replace("http://", "ws://") + "/v1/config/stream";
        let mut req = url.as_str().into_client_request().unwrap();
        req.headers_mut()
            .insert("authorization", format!("Bearer {VIC}").parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
        Subscriber(ws)
    }

    pub fn stop(self) {
        self.running.cancel.cancel();
    }
}

pub struct Subscriber(
    pub tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
);

impl Subscriber {
    pub async fn next(&mut self) -> ConfigDoc {
        loop {
            let frame = tokio::time::timeout(WAIT, self.0.next())
                .await
                .expect("a document in time");
            if let Some(Ok(Message::Text(text))) = frame {
                return serde_json::from_str(&text).unwrap();
            }
        }
    }
}
