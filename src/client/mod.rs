//! The client side of the protocol, for the command line and the dashboard: HTTP calls for
//! state, events and actions, and a WebSocket connection to the stream. A refusal comes back
//! as [`ClientError::Refused`] with the server's code and message; an unreachable server as
//! [`ClientError::Unreachable`] naming the URL.

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest, http::HeaderValue};

use crate::engine::view::StateView;
use crate::journal::Record;
use crate::protocol::{ActionBody, ActionReply, ClientMessage, ErrorBody, ServerMessage};

/// The default control-plane address.
pub const DEFAULT_URL: &str = "http://127.0.0.1:7070";

/// Why a call did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No answer from the server.
    #[error(
        "cannot reach the control plane at {url}: {message} (is `cutover serve` running? pass --connect URL)"
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

/// An open stream.
pub type Stream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl Client {
    /// A client for `base` (e.g. `http://127.0.0.1:7070`) with an optional bearer token.
    #[must_use]
    pub fn new(base: &str, token: Option<String>) -> Client {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
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
        &self,
        url: &str,
        r: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<T, ClientError> {
        let r = r.map_err(|e| ClientError::Unreachable {
            url: url.to_owned(),
            message: e.to_string(),
        })?;
        let status = r.status();
        let text = r.text().await.map_err(|e| ClientError::Unreachable {
            url: url.to_owned(),
            message: e.to_string(),
        })?;
        if status == StatusCode::OK {
            return serde_json::from_str(&text).map_err(|e| ClientError::Protocol {
                url: url.to_owned(),
                message: e.to_string(),
            });
        }
        let body = serde_json::from_str::<ErrorBody>(&text).unwrap_or_else(|_| ErrorBody {
            error: status.as_u16().to_string(),
            message: text,
            current_revision: None,
            gates: Vec::new(),
        });
        Err(ClientError::Refused {
            status: status.as_u16(),
            body,
        })
    }

    /// `GET /v1/state`.
    pub async fn state(&self) -> Result<StateView, ClientError> {
        let url = format!("{}/v1/state", self.base);
        let r = self.with_token(self.http.get(&url)).send().await;
        self.answer(&url, r).await
    }

    /// `GET /v1/events?since=&limit=`: journal records and the seq to continue from.
    pub async fn events(
        &self,
        since: u64,
        limit: usize,
    ) -> Result<(Vec<Record>, u64), ClientError> {
        #[derive(serde::Deserialize)]
        struct Page {
            events: Vec<Record>,
            next: u64,
        }
        let url = format!("{}/v1/events", self.base);
        let r = self
            .with_token(
                self.http
                    .get(&url)
                    .query(&[("since", since), ("limit", limit as u64)]),
            )
            .send()
            .await;
        let page: Page = self.answer(&url, r).await?;
        Ok((page.events, page.next))
    }

    /// `POST /v1/actions`.
    pub async fn act(&self, body: &ActionBody) -> Result<ActionReply, ClientError> {
        let url = format!("{}/v1/actions", self.base);
        let r = self
            .with_token(self.http.post(&url).json(body))
            .send()
            .await;
        self.answer(&url, r).await
    }

    /// Opens `/v1/stream`, resuming after `(seq, epoch)` if given.
    pub async fn stream(&self, resume: Option<(u64, u64)>) -> Result<Stream, ClientError> {
        let ws_base = self
            .base
            .replacen("http://", "ws://", 1)
            .replacen("https://", "wss://", 1);
        let mut url = format!("{ws_base}/v1/stream?protocol={}", crate::protocol::PROTOCOL);
        if let Some((seq, epoch)) = resume {
            url = format!("{url}&since={seq}&epoch={epoch}");
        }
        let mut request =
            url.as_str()
                .into_client_request()
                .map_err(|e| ClientError::Protocol {
                    url: url.clone(),
                    message: e.to_string(),
                })?;
        if let Some(t) = &self.token {
            let value = HeaderValue::from_str(&format!("Bearer {t}")).map_err(|_| {
                ClientError::Protocol {
                    url: url.clone(),
                    message: "the token has characters a header cannot carry".into(),
                }
            })?;
            request.headers_mut().insert("authorization", value);
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((stream, _)) => Ok(stream),
            Err(tungstenite::Error::Http(response)) => {
                let status = response.status().as_u16();
                let text = response
                    .body()
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                let body = serde_json::from_str(&text).unwrap_or(ErrorBody {
                    error: status.to_string(),
                    message: text,
                    current_revision: None,
                    gates: Vec::new(),
                });
                Err(ClientError::Refused { status, body })
            }
            Err(e) => Err(ClientError::Unreachable {
                url,
                message: e.to_string(),
            }),
        }
    }
}

/// Reads the next protocol message, skipping WebSocket control frames; `None` when closed.
pub async fn next_message(stream: &mut Stream) -> Option<Result<ServerMessage, String>> {
    loop {
        match stream.next().await? {
            Ok(tungstenite::Message::Text(text)) => {
                return Some(
                    serde_json::from_str(&text).map_err(|e| format!("unreadable message: {e}")),
                );
            }
            Ok(tungstenite::Message::Close(_)) => return None,
            Ok(_) => {}
            Err(e) => return Some(Err(e.to_string())),
        }
    }
}

/// Sends a client message on the stream.
pub async fn send_message(stream: &mut Stream, msg: &ClientMessage) -> Result<(), String> {
    let text = serde_json::to_string(msg).expect("messages serialize");
    stream
        .send(tungstenite::Message::Text(text.into()))
        .await
        .map_err(|e| e.to_string())
}
