//! One subscription to a WebSocket feed of the control plane, used by everything that follows
//! it: the dashboard and `cutover events --follow` (the stream, resumed by seq and epoch) and
//! the simulator process (the config stream). It connects, reports its [`Link`] so a UI can
//! show connecting / live / reconnecting, hands over every message, and on a drop waits a
//! jittered, capped backoff and connects again. It stops when the receiver is dropped.

use std::future::Future;
use std::hash::BuildHasher;
use std::pin::Pin;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite;

use super::{Client, ClientError, Stream};
use crate::wire::{ClientMessage, ConfigDoc, ErrorBody, ServerMessage};

/// The first wait after a drop.
pub const BACKOFF_START: Duration = Duration::from_millis(250);
/// The longest wait between attempts (before jitter).
pub const BACKOFF_CAP: Duration = Duration::from_secs(10);

/// The state of the connection, for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Not connected yet.
    Connecting,
    /// Messages arrive.
    Live,
    /// Lost; trying again (with what went wrong, if anything was said).
    Reconnecting {
        /// Why the last attempt failed.
        error: Option<String>,
    },
}

/// What a subscription hands over.
#[derive(Debug, Clone, PartialEq)]
pub enum Update<T> {
    /// The connection changed.
    Link(Link),
    /// A message arrived.
    Message(T),
    /// The server refused the connection (a bad token, an unsupported protocol); the
    /// subscription keeps trying, so a fixed token file is picked up.
    Refused(ErrorBody),
}

/// Waits that double from [`BACKOFF_START`] up to [`BACKOFF_CAP`], each multiplied by a
/// random factor in [0.5, 1.5) so that many clients do not reconnect in step.
#[derive(Debug)]
pub struct Backoff {
    next: Duration,
    seed: std::hash::RandomState,
    attempt: u64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            next: BACKOFF_START,
            seed: std::hash::RandomState::new(),
            attempt: 0,
        }
    }
}

impl Backoff {
    /// Back to the first wait (after a successful connection).
    pub fn reset(&mut self) {
        self.next = BACKOFF_START;
    }

    /// The next wait.
    pub fn wait(&mut self) -> Duration {
        self.attempt += 1;
        #[expect(clippy::cast_precision_loss, reason = "a random fraction")]
        let unit = (self.seed.hash_one(self.attempt) >> 11) as f64 / (1u64 << 53) as f64;
        let wait = self.next.mul_f64(0.5 + unit);
        self.next = (self.next * 2).min(BACKOFF_CAP);
        wait
    }
}

type Opening<'a> = Pin<Box<dyn Future<Output = Result<Stream, ClientError>> + Send + 'a>>;

/// A feed: how to open it and how to read its frames.
pub trait Feed: Send + 'static {
    /// What each frame becomes.
    type Item: Send + 'static;
    /// Opens the connection, resuming where the last one left off if the feed can.
    fn open<'a>(&'a self, client: &'a Client) -> Opening<'a>;
    /// Reads one text frame, remembering what a resume needs.
    fn read(&mut self, text: &str) -> Result<Self::Item, String>;
}

/// `/v1/stream`, resumed by seq and epoch after a drop.
#[derive(Debug, Default)]
pub struct EventStream {
    resume: Option<(u64, u64)>,
    epoch: u64,
}

impl Feed for EventStream {
    type Item = ServerMessage;

    fn open<'a>(&'a self, client: &'a Client) -> Opening<'a> {
        Box::pin(client.stream(self.resume))
    }

    fn read(&mut self, text: &str) -> Result<ServerMessage, String> {
        let msg: ServerMessage =
            serde_json::from_str(text).map_err(|e| format!("unreadable message: {e}"))?;
        match &msg {
            ServerMessage::Hello { epoch, .. } => self.epoch = *epoch,
            // An error frame repeats the seq without carrying what came before it.
            ServerMessage::Error { .. } => {}
            other => self.resume = Some((other.seq(), self.epoch)),
        }
        Ok(msg)
    }
}

/// `/v1/config/stream`: the whole document each time, so nothing to resume; a document older
/// than one already seen (same lineage, lower revision: a lagging server behind a balancer)
/// is skipped.
#[derive(Debug, Default)]
pub struct ConfigStream {
    seen: Option<(String, u64)>,
}

impl Feed for ConfigStream {
    type Item = ConfigDoc;

    fn open<'a>(&'a self, client: &'a Client) -> Opening<'a> {
        Box::pin(client.config_stream())
    }

    fn read(&mut self, text: &str) -> Result<ConfigDoc, String> {
        let doc: ConfigDoc =
            serde_json::from_str(text).map_err(|e| format!("unreadable config document: {e}"))?;
        if let Some((lineage, revision)) = &self.seen
            && !crate::wire::config::supersedes((&doc.lineage, doc.revision), (lineage, *revision))
        {
            return Err(format!(
                "config revision {} is older than {revision} of lineage {lineage}: skipped",
                doc.revision
            ));
        }
        self.seen = Some((doc.lineage.clone(), doc.revision));
        Ok(doc)
    }
}

/// Keeps `feed` open until `tx` is dropped, handing over every update.
pub async fn follow<F: Feed>(client: Client, mut feed: F, tx: mpsc::Sender<Update<F::Item>>) {
    let mut backoff = Backoff::default();
    if tx.send(Update::Link(Link::Connecting)).await.is_err() {
        return;
    }
    loop {
        let error = match feed.open(&client).await {
            Ok(mut stream) => {
                backoff.reset();
                match pump(&mut stream, &mut feed, &tx).await {
                    Pumped::ReceiverGone => return,
                    Pumped::Closed(error) => error,
                }
            }
            Err(ClientError::Refused { body, .. }) => {
                let message = body.message.clone();
                if tx.send(Update::Refused(body)).await.is_err() {
                    return;
                }
                Some(message)
            }
            Err(e) => Some(e.to_string()),
        };
        if tx
            .send(Update::Link(Link::Reconnecting { error }))
            .await
            .is_err()
        {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(backoff.wait()) => {}
            () = tx.closed() => return,
        }
    }
}

enum Pumped {
    ReceiverGone,
    Closed(Option<String>),
}

async fn pump<F: Feed>(
    stream: &mut Stream,
    feed: &mut F,
    tx: &mpsc::Sender<Update<F::Item>>,
) -> Pumped {
    let mut live = false;
    loop {
        let text = tokio::select! {
            text = next_text(stream) => text,
            () = tx.closed() => return Pumped::ReceiverGone,
        };
        let text = match text {
            None => return Pumped::Closed(None),
            Some(Err(e)) => return Pumped::Closed(Some(e)),
            Some(Ok(t)) => t,
        };
        let item = match feed.read(&text) {
            Ok(item) => item,
            Err(e) => {
                tracing::warn!(error = %e, "skipped a message");
                continue;
            }
        };
        if !live {
            live = true;
            if tx.send(Update::Link(Link::Live)).await.is_err() {
                return Pumped::ReceiverGone;
            }
        }
        if tx.send(Update::Message(item)).await.is_err() {
            return Pumped::ReceiverGone;
        }
    }
}

/// The next text frame, skipping control frames; `None` when closed.
pub async fn next_text(stream: &mut Stream) -> Option<Result<String, String>> {
    loop {
        match stream.next().await? {
            Ok(tungstenite::Message::Text(text)) => return Some(Ok(text.as_str().to_owned())),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_its_cap_with_jitter() {
        let mut b = Backoff::default();
        let waits: Vec<Duration> = (0..10).map(|_| b.wait()).collect();
        assert!(waits[0] >= BACKOFF_START / 2 && waits[0] < BACKOFF_START * 3 / 2);
        for w in &waits {
            assert!(*w < BACKOFF_CAP * 3 / 2, "{w:?}");
        }
        assert!(waits[9] >= BACKOFF_CAP / 2, "capped, not reset: {waits:?}");
        b.reset();
        assert!(b.wait() < BACKOFF_START * 3 / 2);
    }

    #[test]
    fn the_event_stream_resumes_from_the_last_seq_of_the_last_epoch() {
        let mut feed = EventStream::default();
        feed.read(r#"{"type":"hello","seq":4,"epoch":7,"protocol":1,"server":"x","rollout":"r"}"#)
            .unwrap();
        assert_eq!(feed.resume, None, "hello alone is nothing to resume from");
        feed.read(r#"{"type":"ping","seq":9,"now":0}"#).unwrap();
        assert_eq!(feed.resume, Some((9, 7)));
        feed.read(r#"{"type":"error","seq":12,"code":"c","message":"m"}"#)
            .unwrap();
        assert_eq!(
            feed.resume,
            Some((9, 7)),
            "error frames do not move the resume point"
        );
        assert!(feed.read("{").is_err());
    }
}
