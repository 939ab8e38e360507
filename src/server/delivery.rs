//! The closed loop: how many config subscribers each new config revision has reached, and how
//! fast. When the core publishes a new config document it starts a round with the number of
//! subscribers connected; each config stream counts itself once the document is flushed to its
//! socket. The round is reported to the stream (and kept in the snapshot) when every
//! subscriber has it, or after [`REPORT_AFTER`] with what it has — "sent", not "on legacy":
//! the server sees the socket, not the app.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::wire;

/// A round not complete by then is reported with what it has.
pub const REPORT_AFTER: Duration = Duration::from_secs(1);

#[derive(Debug)]
struct Round {
    revision: u64,
    started: Instant,
    subscribers: usize,
    sent: usize,
    last_sent: Option<Duration>,
    reported: bool,
}

/// Where a round's report goes: the control plane's core, or an edge's reporter. It must not
/// block (it runs on a subscriber's task).
pub type ReportSink = Box<dyn Fn(wire::Delivery) + Send + Sync>;

impl Round {
    fn delivery(&self) -> wire::Delivery {
        wire::Delivery {
            revision: self.revision,
            subscribers: self.subscribers.max(self.sent),
            sent: self.sent,
            elapsed_ms: self.last_sent.map(|d| d.as_secs_f64() * 1000.0),
            complete: self.sent >= self.subscribers,
            edges: Vec::new(),
        }
    }
}

/// Delivery rounds, shared by whoever publishes revisions and every config stream.
pub struct Deliveries {
    round: Mutex<Option<Round>>,
    report: ReportSink,
}

impl std::fmt::Debug for Deliveries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deliveries")
            .field("round", &self.round)
            .finish_non_exhaustive()
    }
}

impl Deliveries {
    /// A tracker that hands each round's report to `report`.
    #[must_use]
    pub fn new(report: ReportSink) -> Arc<Deliveries> {
        Arc::new(Deliveries {
            round: Mutex::new(None),
            report,
        })
    }

    /// A new config revision is out to `subscribers` subscribers. A round with none is
    /// reported only when `announce` (a kill or a rollback, which people follow).
    pub fn start(self: &Arc<Self>, revision: u64, subscribers: usize, announce: bool) {
        *self.round.lock().expect("round") = Some(Round {
            revision,
            started: Instant::now(),
            subscribers,
            sent: 0,
            last_sent: None,
            reported: false,
        });
        if subscribers == 0 {
            if announce {
                self.report(revision);
            }
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(REPORT_AFTER).await;
            me.report(revision);
        });
    }

    /// A subscriber has revision `revision` flushed to its socket.
    pub fn sent(&self, revision: u64) {
        let complete = {
            let mut round = self.round.lock().expect("round");
            let Some(r) = round.as_mut().filter(|r| r.revision == revision) else {
                return;
            };
            r.sent += 1;
            r.last_sent = Some(r.started.elapsed());
            r.sent >= r.subscribers
        };
        if complete {
            self.report(revision);
        }
    }

    /// The latest round as it stands (reported or not), and when it started.
    pub fn tally(&self) -> Option<(wire::Delivery, Instant)> {
        let round = self.round.lock().expect("round");
        round.as_ref().map(|r| (r.delivery(), r.started))
    }

    /// Hands the round's report on, once.
    fn report(&self, revision: u64) {
        let delivery = {
            let mut round = self.round.lock().expect("round");
            let Some(r) = round
                .as_mut()
                .filter(|r| r.revision == revision && !r.reported)
            else {
                return;
            };
            r.reported = true;
            r.delivery()
        };
        (self.report)(delivery);
    }
}
