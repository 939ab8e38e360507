//! The client side of protocol v1, shared by the dashboard, the headless CLI and the simulator
//! process: an HTTP [`Client`] for state, events and actions (it fills every action's envelope
//! and resends only on a lost connection, with the same idempotency key), and one
//! [`subscription`] that keeps a WebSocket feed open with resume and jittered backoff. A
//! refusal comes back as [`ClientError::Refused`] with the server's body; an unreachable server
//! as [`ClientError::Unreachable`] naming the URL. Imports only `wire`.

pub mod subscription;

pub use subscription::send_message;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest, http::HeaderValue};

use crate::wire::{
    self, Action, ActionReply, ActionRequest, ErrorBody, EventsPage, Preview, ServerMessage,
    StateView,
};

/// The default control-plane address.
pub const DEFAULT_URL: &str = "http://127.0.0.1:7070";
/// How long a confirmation waits for the server's preview before saying there is none.
pub const PREVIEW_TIMEOUT: Duration = Duration::from_secs(2);
/// How many times an action is resent after the connection was lost before an answer came.
const RESENDS: usize = 2;

/// The stream's read buffer (tungstenite reads in 128 KiB chunks otherwise).
const READ_BUFFER: usize = 8 * 1024;

/// Why a call did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No answer from the server.
    #[error(
        "cannot reach the control plane at {url}: {message} ({})",
        unreachable_hint(message)
    )]
    Unreachable {
        /// The URL tried.
        url: String,
        /// What failed.
        message: String,
    },
    /// The server answered no.
    #[error("{} ({})", .body.message, .body.error)]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The server's reason.
        body: ErrorBody,
    },
    /// The server answered something this client does not understand.
    #[error("unexpected answer from {url}: {message}")]
    Protocol {
        /// The URL.
        url: String,
        /// What was wrong.
        message: String,
    },
}

/// A connection to a control plane.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

/// An open WebSocket.
pub type Stream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A fresh idempotency key: unique per process and call.
#[must_use]
pub fn fresh_key(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{nanos}-{n}", std::process::id())
}

impl Client {
    /// A client for `base` (e.g. `http://127.0.0.1:7070`) with an optional bearer token.
    #[must_use]
    pub fn new(base: &str, token: Option<String>) -> Client {
        let http = crate::tls::http_client()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("http client");
        Client {
            base: base.trim_end_matches('/').to_owned(),
            token,
            http,
        }
    }

    /// The server's base URL.
    #[must_use]
    pub fn base(&self) -> &str {
        &self.base
    }

    fn with_token(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    async fn answer<T: for<'de> serde::Deserialize<'de>>(
        url: &str,
        r: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<T, ClientError> {
        let unreachable = |e: reqwest::Error| ClientError::Unreachable {
            url: url.to_owned(),
            message: innermost(&e),
        };
        let r = r.map_err(unreachable)?;
        let status = r.status();
        let text = r.text().await.map_err(unreachable)?;
        if status == StatusCode::OK {
            return serde_json::from_str(&text).map_err(|e| ClientError::Protocol {
                url: url.to_owned(),
                message: e.to_string(),
            });
        }
        let body = serde_json::from_str::<ErrorBody>(&text)
            .unwrap_or_else(|_| ErrorBody::new(status.as_str(), text));
        Err(ClientError::Refused {
            status: status.as_u16(),
            body,
        })
    }

    /// `GET /v1/state`.
    pub async fn state(&self) -> Result<StateView, ClientError> {
        let url = format!("{}/v1/state", self.base);
        let r = self.with_token(self.http.get(&url)).send().await;
        Self::answer(&url, r).await
    }

    /// `GET /v1/events?since=&limit=`: journal records and the seq to continue from.
    pub async fn events(&self, since: u64, limit: usize) -> Result<EventsPage, ClientError> {
        let url = format!("{}/v1/events", self.base);
        let query = [("since", since), ("limit", limit as u64)];
        let r = self
            .with_token(self.http.get(&url).query(&query))
            .send()
            .await;
        Self::answer(&url, r).await
    }

    /// `POST /v1/actions`. A request without an idempotency key gets a fresh one; if the
    /// connection is lost before an answer, the same request (same key) is sent again, so
    /// the server applies it at most once.
    pub async fn act(&self, mut request: ActionRequest) -> Result<ActionReply, ClientError> {
        if request.idempotency_key.is_none() {
            request.idempotency_key = Some(fresh_key("act"));
        }
        let url = format!("{}/v1/actions", self.base);
        let mut tries = 0;
        loop {
            let r = self
                .with_token(self.http.post(&url).json(&request))
                .send()
                .await;
            match Self::answer(&url, r).await {
                Err(ClientError::Unreachable { .. }) if tries < RESENDS => tries += 1,
                other => return other,
            }
        }
    }

    /// `POST /v1/actions` as a dry run: what the action would do. Not resent, and given at
    /// most `PREVIEW_TIMEOUT`: a confirmation must never wait long for it.
    pub async fn preview(&self, mut request: ActionRequest) -> Result<Preview, ClientError> {
        request.dry_run = true;
        request.idempotency_key = None;
        let url = format!("{}/v1/actions", self.base);
        let r = self
            .with_token(self.http.post(&url).json(&request))
            .timeout(PREVIEW_TIMEOUT)
            .send()
            .await;
        Self::answer(&url, r).await
    }

    /// Opens `/v1/stream`, resuming after `(seq, epoch)` if given.
    pub async fn stream(&self, resume: Option<(u64, u64)>) -> Result<Stream, ClientError> {
        let mut path = format!("/v1/stream?protocol={}", wire::PROTOCOL);
        if let Some((seq, epoch)) = resume {
            path = format!("{path}&since={seq}&epoch={epoch}");
        }
        self.websocket(&path).await
    }

    /// Opens `/v1/config/stream`.
    pub async fn config_stream(&self) -> Result<Stream, ClientError> {
        self.websocket("/v1/config/stream").await
    }

    async fn websocket(&self, path: &str) -> Result<Stream, ClientError> {
        let ws_base = self
            .base
            .replacen("http://", "ws://", 1)
            .replacen("https://", "wss://", 1);
        let url = format!("{ws_base}{path}");
        let protocol = |message: String| ClientError::Protocol {
            url: url.clone(),
            message,
        };
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| protocol(e.to_string()))?;
        if let Some(t) = &self.token {
            let value = HeaderValue::from_str(&format!("Bearer {t}"))
                .map_err(|_| protocol("the token has characters a header cannot carry".into()))?;
            request.headers_mut().insert("authorization", value);
        }
        let connector = if url.starts_with("wss://") {
            let config = crate::tls::client_config().map_err(protocol)?;
            Some(tokio_tungstenite::Connector::Rustls(config))
        } else {
            None
        };
        // tungstenite reads in 128 KiB chunks by default, and its buffer keeps whatever it
        // grew to; the stream's frames are small but for the snapshot.
        let config =
            tungstenite::protocol::WebSocketConfig::default().read_buffer_size(READ_BUFFER);
        match tokio_tungstenite::connect_async_tls_with_config(
            request,
            Some(config),
            false,
            connector,
        )
        .await
        {
            Ok((stream, _)) => Ok(stream),
            Err(tungstenite::Error::Http(response)) => {
                let status = response.status().as_u16();
                let text = response
                    .body()
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                let body = serde_json::from_str(&text)
                    .unwrap_or_else(|_| ErrorBody::new(&status.to_string(), text));
                Err(ClientError::Refused { status, body })
            }
            Err(e) => Err(ClientError::Unreachable {
                url,
                message: innermost(&e),
            }),
        }
    }
}

/// An action's envelope: the action, why, and the revision it was decided on. The key is
/// filled by [`Client::act`].
#[must_use]
pub fn envelope(action: Action, reason: &str, expected_revision: Option<u64>) -> ActionRequest {
    ActionRequest {
        action,
        reason: reason.to_owned(),
        idempotency_key: None,
        expected_revision,
        dry_run: false,
    }
}

/// Reads the next protocol message, skipping WebSocket control frames; `None` when closed.
pub async fn next_message(stream: &mut Stream) -> Option<Result<ServerMessage, String>> {
    let text = subscription::next_text(stream).await?;
    Some(
        text.and_then(|t| serde_json::from_str(&t).map_err(|e| format!("unreadable message: {e}"))),
    )
}

/// The deepest cause of a network error (`Connection refused (os error 111)`), which says
/// more to people than the library's outer "error sending request for url".
fn innermost(e: &dyn std::error::Error) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// What to do about a connection that failed, from how it failed.
fn unreachable_hint(message: &str) -> &'static str {
    let m = message.to_ascii_lowercase();
    if m.contains("certificate") || m.contains("unknownissuer") || m.contains("not valid for") {
        "the server's certificate is not trusted for this address: pass --ca-cert FILE (or set CUTOVER_CA_CERT), and connect by a name the certificate holds"
    } else if m.contains("invalid http version") {
        "the server seems to speak HTTPS: connect with https://"
    } else if m.contains("corrupt message") || m.contains("invalidcontenttype") {
        "the server seems to speak plain HTTP: connect with http://"
    } else if m.contains("relative url") || m.contains("scheme") || m.contains("builder error") {
        "write the URL with its scheme: --connect http://HOST:PORT or https://HOST:PORT"
    } else {
        "is `cutover serve` running? pass --connect URL"
    }
}
