//! Fan-out of the stream. The core is the only publisher: it gives each message the next
//! `seq`, serialises it once, keeps it in a ring for clients that resume, and broadcasts it.
//! Each subscriber's backlog is bounded by the broadcast channel: a client that falls further
//! behind gets a fresh snapshot instead, so a slow client never grows the server's memory.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::broadcast;

use crate::wire::ServerMessage;

/// How many recent messages are kept for resuming clients.
pub const RING: usize = 4096;
/// How far behind a subscriber may fall before it is resynchronised.
pub const BACKLOG: usize = 1024;

/// A serialised message.
#[derive(Debug)]
pub struct Frame {
    /// Its seq.
    pub seq: u64,
    /// Its JSON text, shared by every subscriber without copying.
    pub json: Utf8Bytes,
}

/// The stream's publisher side.
#[derive(Debug)]
pub struct Hub {
    tx: broadcast::Sender<Arc<Frame>>,
    ring: Mutex<VecDeque<Arc<Frame>>>,
    seq: AtomicU64,
    epoch: u64,
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new()
    }
}

impl Hub {
    /// An empty hub at seq 0.
    #[must_use]
    pub fn new() -> Hub {
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Hub {
            tx: broadcast::channel(BACKLOG).0,
            ring: Mutex::new(VecDeque::with_capacity(RING)),
            seq: AtomicU64::new(0),
            epoch,
        }
    }

    /// Identifies this server run: seqs restart with each run, so a resume must name it.
    #[must_use]
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The seq of the newest message.
    #[must_use]
    pub fn current(&self) -> u64 {
        self.seq.load(Ordering::Acquire)
    }

    /// Publishes a message built for the next seq; returns that seq. Only the core calls it.
    pub fn publish(&self, build: impl FnOnce(u64) -> ServerMessage) -> u64 {
        let seq = self.current() + 1;
        let json = Utf8Bytes::from(serde_json::to_string(&build(seq)).expect("messages serialize"));
        let frame = Arc::new(Frame { seq, json });
        {
            let mut ring = self.ring.lock().expect("ring lock");
            if ring.len() == RING {
                ring.pop_front();
            }
            ring.push_back(frame.clone());
        }
        self.seq.store(seq, Ordering::Release);
        // No subscribers is fine.
        let _ = self.tx.send(frame);
        seq
    }

    /// Subscribes to messages published from now on.
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Frame>> {
        self.tx.subscribe()
    }

    /// Every kept message after `seq`, or `None` if some of them are no longer kept (or
    /// `seq` is in the future): then the client needs a snapshot.
    #[must_use]
    pub fn since(&self, seq: u64) -> Option<Vec<Arc<Frame>>> {
        let ring = self.ring.lock().expect("ring lock");
        let current = self.current();
        if seq > current {
            return None;
        }
        let oldest = ring.front().map_or(current + 1, |f| f.seq);
        if seq + 1 < oldest {
            return None;
        }
        Some(ring.iter().filter(|f| f.seq > seq).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ping(seq: u64) -> ServerMessage {
        ServerMessage::Ping { seq, now: 0 }
    }

    #[test]
    fn resume_returns_what_came_after_or_asks_for_a_snapshot() {
        let hub = Hub::new();
        assert_eq!(hub.since(0).unwrap().len(), 0);
        for _ in 0..5 {
            hub.publish(ping);
        }
        let after: Vec<u64> = hub.since(2).unwrap().iter().map(|f| f.seq).collect();
        assert_eq!(after, vec![3, 4, 5]);
        assert!(
            hub.since(9).is_none(),
            "a seq from the future (another server run) needs a snapshot"
        );
        for _ in 0..RING {
            hub.publish(ping);
        }
        assert!(hub.since(2).is_none(), "too old: snapshot");
        assert!(hub.since(hub.current() - 10).is_some());
    }

    #[test]
    fn a_lagging_subscriber_is_told_instead_of_buffering_forever() {
        let hub = Hub::new();
        let mut rx = hub.subscribe();
        for _ in 0..(BACKLOG + 10) {
            hub.publish(ping);
        }
        assert!(matches!(
            rx.try_recv(),
            Err(broadcast::error::TryRecvError::Lagged(_))
        ));
    }
}
