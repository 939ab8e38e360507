//! Config fan-out beyond one machine (`cutover serve --nats URL`): after each journaled
//! revision the config document, signed ([`crate::signing`]), is put into the JetStream KV
//! bucket [`BUCKET`] under the rollout's id (where a relay starting up finds the latest) and
//! published on `cutover.config.ROLLOUT` (the lowest latency to relays already following).
//!
//! The options, the connection, signing and the bucket's request API live here; the task that
//! publishes each revision and keeps the bucket holding it is [`super::publisher`].

use std::path::PathBuf;
use std::time::Duration;

use crate::signing::SigningKey;
use crate::wire::SignedConfig;

/// The KV bucket holding each rollout's latest signed document.
pub const BUCKET: &str = "cutover-config";
/// Revisions kept per rollout in the bucket (older ones are dropped by NATS).
pub const HISTORY: i64 = 5;

/// How long a request to NATS (a KV read or write) may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// The subject a rollout's edges report on.
#[must_use]
pub fn edges_subject(rollout: &str) -> String {
    format!("cutover.edges.{rollout}")
}

/// The core subject a rollout's documents are published on.
#[must_use]
pub fn subject(rollout: &str) -> String {
    format!("cutover.config.{rollout}")
}

/// Where NATS is and how to log in.
#[derive(Debug, Clone)]
pub struct NatsOptions {
    /// Server URLs (`nats://host:4222`, `tls://…`, with `user:password@` if it uses them).
    pub urls: Vec<String>,
    /// An nkeys credentials file, if NATS wants one.
    pub creds: Option<PathBuf>,
    /// The control plane calls an edge lost when it has not reported for this long.
    pub edge_lost_after: Duration,
    /// Publish over a bucket that holds another lineage of this rollout, signed by the same
    /// key: a standby taking over from a primary that is gone (`--nats-take-over`).
    pub take_over: bool,
}

impl Default for NatsOptions {
    fn default() -> Self {
        NatsOptions {
            urls: Vec::new(),
            creds: None,
            edge_lost_after: EDGE_LOST_AFTER,
            take_over: false,
        }
    }
}

/// How often an edge reports, by default.
pub const EDGE_REPORT_EVERY: Duration = Duration::from_secs(2);
/// An edge is lost after three reports missed, by default.
pub const EDGE_LOST_AFTER: Duration = Duration::from_secs(6);

impl NatsOptions {
    /// The server addresses, or which one is not an address.
    pub fn addrs(&self) -> Result<Vec<async_nats::ServerAddr>, String> {
        self.urls
            .iter()
            .map(|u| {
                u.parse::<async_nats::ServerAddr>()
                    .map_err(|e| format!("--nats `{u}` is not a NATS URL (nats://host:4222): {e}"))
            })
            .collect()
    }

    /// The server URLs as they may be shown (printed, logged): passwords replaced by `***`.
    #[must_use]
    pub fn shown(&self) -> String {
        self.urls
            .iter()
            .map(|u| match u.split_once("://") {
                Some((scheme, rest)) => match rest.split_once('@') {
                    Some((userinfo, host)) => {
                        let user = userinfo.split(':').next().unwrap_or_default();
                        format!("{scheme}://{user}:***@{host}")
                    }
                    None => u.clone(),
                },
                None => u.clone(),
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// What is wrong with these options, found before the server starts: a URL that is not
    /// one, a credentials file that cannot be read.
    pub fn check(&self) -> Result<(), String> {
        self.addrs()?;
        if let Some(creds) = &self.creds {
            std::fs::read(creds).map_err(|e| format!("--nats-creds {}: {e}", creds.display()))?;
        }
        Ok(())
    }
}

/// Signs a config document's exact bytes.
#[must_use]
pub fn sign(key: &SigningKey, document: &str) -> SignedConfig {
    SignedConfig {
        document: document.to_owned(),
        signature: key.sign(document.as_bytes()),
        key: key.public().to_owned(),
    }
}

/// How to connect as `name`: with the credentials file if any, over TLS for `tls://` URLs
/// (trusting what every other client of this process trusts: the system's roots and
/// `--ca-cert`), retrying a server that is not up yet, reconnecting within a second once it is
/// back, and giving up on a request after [`REQUEST_TIMEOUT`]. Logs each disconnection and
/// connection once; `connected` (if any) hears of every connection.
pub async fn connect_options(
    opts: &NatsOptions,
    name: &str,
    connected: Option<tokio::sync::mpsc::Sender<()>>,
) -> Result<async_nats::ConnectOptions, String> {
    let tls = crate::tls::client_config()?;
    let mut connect = async_nats::ConnectOptions::new()
        .name(name)
        .tls_client_config((*tls).clone())
        .retry_on_initial_connect()
        .request_timeout(Some(REQUEST_TIMEOUT))
        .reconnect_delay_callback(|attempts| {
            let doubled = 25u64 << attempts.min(6);
            Duration::from_millis(doubled.min(1_000))
        })
        // Said once per change, not per reconnect attempt as the client's own log does.
        .event_callback(move |event| {
            let connected = connected.clone();
            async move {
                match event {
                    async_nats::Event::Disconnected => {
                        tracing::warn!("NATS: disconnected; reconnecting");
                    }
                    async_nats::Event::Connected => {
                        tracing::info!("NATS: connected");
                        if let Some(connected) = connected {
                            let _ = connected.try_send(());
                        }
                    }
                    _ => {}
                }
            }
        });
    // The client takes a user and password from options, not from the URL.
    if let Some(addr) = opts.addrs()?.iter().find(|a| a.has_user_pass()) {
        connect = connect.user_and_password(
            addr.username().unwrap_or_default().to_owned(),
            addr.password().unwrap_or_default().to_owned(),
        );
    }
    if let Some(creds) = &opts.creds {
        connect = connect
            .credentials_file(creds)
            .await
            .map_err(|e| format!("{}: {e}", creds.display()))?;
    }
    Ok(connect)
}

pub(super) async fn connect(opts: &NatsOptions) -> Result<async_nats::Client, String> {
    connect_options(opts, "cutover serve", None)
        .await?
        .connect(opts.addrs()?)
        .await
        .map_err(|e| e.to_string())
}

/// JetStream through its plain request API, which `nats-server` 2.9 and later all answer
/// alike: the bucket is the stream `KV_cutover-config` over `$KV.cutover-config.>`, one subject
/// per rollout, as NATS' own key-value clients lay it out.
pub mod kv {
    use async_nats::Client;

    use super::{BUCKET, HISTORY};

    /// The stream behind the bucket.
    #[must_use]
    pub fn stream() -> String {
        format!("KV_{BUCKET}")
    }

    /// The subject holding `key`.
    #[must_use]
    pub fn key_subject(key: &str) -> String {
        format!("$KV.{BUCKET}.{key}")
    }

    async fn request(
        client: &Client,
        subject: String,
        body: Vec<u8>,
    ) -> Result<serde_json::Value, String> {
        let reply = client
            .request(subject, body.into())
            .await
            .map_err(|e| e.to_string())?;
        let answer: serde_json::Value = serde_json::from_slice(&reply.payload)
            .map_err(|e| format!("JetStream answered: {e}"))?;
        match answer.get("error") {
            Some(e) => Err(format!("JetStream: {e}")),
            None => Ok(answer),
        }
    }

    /// Makes the bucket if it is missing (an existing one is kept as it is).
    pub async fn ensure_bucket(client: &Client) -> Result<(), String> {
        let config = serde_json::json!({
            "name": stream(),
            "subjects": [format!("$KV.{BUCKET}.>")],
            "retention": "limits",
            "max_msgs_per_subject": HISTORY,
            "discard": "new",
            "storage": "file",
            "num_replicas": 1,
            "allow_rollup_hdrs": true,
            "deny_delete": true,
            "allow_direct": true,
            "max_age": 0,
        });
        let body = serde_json::to_vec(&config).expect("serializes");
        match request(client, format!("$JS.API.STREAM.CREATE.{}", stream()), body).await {
            Ok(_) => Ok(()),
            // 10058: a stream of that name exists already.
            Err(e) if e.contains("10058") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Stores `value` under `key`; returns its sequence in the bucket once JetStream has it.
    pub async fn put(client: &Client, key: &str, value: Vec<u8>) -> Result<u64, String> {
        let ack = request(client, key_subject(key), value).await?;
        ack.get("seq")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| format!("JetStream did not acknowledge: {ack}"))
    }

    /// The keys (rollouts) the bucket holds; none when it does not exist yet.
    pub async fn keys(client: &Client) -> Result<Vec<String>, String> {
        let prefix = key_subject("");
        let body =
            serde_json::to_vec(&serde_json::json!({"subjects_filter": format!("{prefix}>")}))
                .expect("serializes");
        let info = match request(client, format!("$JS.API.STREAM.INFO.{}", stream()), body).await {
            Ok(info) => info,
            // 10059: no such stream — nothing was ever published.
            Err(e) if e.contains("10059") => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        Ok(info
            .pointer("/state/subjects")
            .and_then(serde_json::Value::as_object)
            .map(|subjects| {
                subjects
                    .keys()
                    .filter_map(|s| s.strip_prefix(&prefix).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The latest value under `key`, if any. The bucket's stream is asked whether it exists
    /// first: a direct get of a stream that does not exist goes unanswered until the request
    /// times out, and the API's own message get (`STREAM.MSG.GET`) crashes `nats-server` 2.9
    /// when it arrives while the stream is being created (a nil store; seen in tests).
    pub async fn get(client: &Client, key: &str) -> Result<Option<Vec<u8>>, String> {
        match request(
            client,
            format!("$JS.API.STREAM.INFO.{}", stream()),
            Vec::new(),
        )
        .await
        {
            Ok(_) => {}
            // 10059: no such stream — nothing was ever published.
            Err(e) if e.contains("10059") => return Ok(None),
            Err(e) => return Err(e),
        }
        let body = serde_json::to_vec(&serde_json::json!({"last_by_subj": key_subject(key)}))
            .expect("serializes");
        let reply = client
            .request(format!("$JS.API.DIRECT.GET.{}", stream()), body.into())
            .await
            .map_err(|e| e.to_string())?;
        let missing = reply
            .status
            .is_some_and(|s| s == async_nats::StatusCode::NOT_FOUND);
        Ok((!missing && !reply.payload.is_empty()).then(|| reply.payload.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::NatsOptions;

    #[test]
    fn passwords_in_urls_are_never_shown() {
        let opts = NatsOptions {
            urls: vec![
                "tls://cp:s3cret@nats-1:4222".into(),
                "nats://nats-2:4222".into(),
            ],
            ..NatsOptions::default()
        };
        assert_eq!(opts.shown(), "tls://cp:***@nats-1:4222,nats://nats-2:4222");
        let addrs = opts.addrs().unwrap();
        assert_eq!(addrs[0].username(), Some("cp"));
        assert_eq!(addrs[0].password(), Some("s3cret"));
    }
}
