//! How far a kill or rollback has reached, summed over the control plane's own subscribers
//! and every edge relay it hears from: the header's `KILLED · 3/4 edges (eu-2 lost) · sent to
//! 29,870/29,870 subscribers in 61 ms`. Lost edges stay in the denominators (their last known
//! subscribers too) and are named, so a missing edge is never read as success. No IO.

use std::fmt::Write as _;

use crate::wire::{Delivery, EdgeStatus};

/// The closed loop of one revision across the fleet.
#[derive(Debug, Clone, PartialEq)]
pub struct Reach {
    /// Edges known.
    pub edges: usize,
    /// Edges that have sent the revision to every subscriber.
    pub edges_done: usize,
    /// Lost edges, by id.
    pub lost: Vec<String>,
    /// Edges serving another lineage than the control plane's (another control plane's), by id.
    pub elsewhere: Vec<String>,
    /// Subscribers on the control plane and every edge (lost ones as last reported).
    pub subscribers: usize,
    /// How many have the revision.
    pub sent: usize,
    /// From publishing to the last known delivery (ms).
    pub elapsed_ms: Option<f64>,
    /// Whether every subscriber everywhere has it.
    pub complete: bool,
}

/// Sums `delivery` (for `revision` or later, of `lineage`) over the control plane and its
/// edges. An edge on another lineage has none of it, whatever its revision number.
#[must_use]
pub fn reach(delivery: &Delivery, revision: u64, lineage: &str) -> Reach {
    let mut r = Reach {
        edges: delivery.edges.len(),
        edges_done: 0,
        lost: Vec::new(),
        elsewhere: Vec::new(),
        subscribers: delivery.subscribers,
        sent: delivery.sent,
        elapsed_ms: delivery.elapsed_ms,
        complete: delivery.complete,
    };
    for e in &delivery.edges {
        let has = e.lineage == lineage && e.revision >= revision;
        if e.lineage != lineage {
            r.elsewhere.push(e.id.clone());
        }
        r.subscribers += e.subscribers;
        if has {
            r.sent += e.sent.min(e.subscribers);
        }
        let delivered = has && e.sent >= e.subscribers;
        if delivered && let Some(ms) = e.delivered_ms {
            // A lost edge's subscribers are counted as it last reported: its time too.
            r.elapsed_ms = Some(r.elapsed_ms.map_or(ms, |m| m.max(ms)));
        }
        if e.status == EdgeStatus::Lost {
            r.lost.push(e.id.clone());
        }
        if delivered && e.status != EdgeStatus::Lost {
            r.edges_done += 1;
        } else {
            r.complete = false;
        }
    }
    r
}

/// The first two names and how many more: `eu-2, us-1 +3`.
#[must_use]
pub fn first_two(names: &[String]) -> String {
    let mut text = names
        .iter()
        .take(2)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 2 {
        let _ = write!(text, " +{}", names.len() - 2);
    }
    text
}

/// A delivery time: `61 ms` under a second, `10.5 s` above (a revision held back by an outage).
fn took(ms: f64) -> String {
    if ms < 999.5 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

/// `29870` as `29,870`.
#[must_use]
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Reach {
    /// The header's words after what happened: `3/4 edges (eu-2 lost) · sent to 29,870/29,870
    /// subscribers in 61 ms`, or without the edges part when there are none.
    #[must_use]
    pub fn words(&self) -> String {
        self.say(false)
    }

    /// The same, shorter, for a narrow header: `3/4 edges (eu-2 lost) · 29,870/29,870 in 61 ms`.
    #[must_use]
    pub fn short(&self) -> String {
        self.say(true)
    }

    fn say(&self, short: bool) -> String {
        let mut text = String::new();
        if self.edges > 0 {
            let _ = write!(text, "{}/{} edges", self.edges_done, self.edges);
            let mut why = Vec::new();
            if !self.lost.is_empty() {
                why.push(format!("{} lost", first_two(&self.lost)));
            }
            if !self.elsewhere.is_empty() {
                why.push(format!("{} on another lineage", first_two(&self.elsewhere)));
            }
            if !why.is_empty() {
                let _ = write!(text, " ({})", why.join("; "));
            }
            text.push_str(" · ");
        }
        if self.subscribers == 0 {
            text.push_str("no app subscribed");
            return text;
        }
        let ms = self
            .elapsed_ms
            .map_or_else(String::new, |ms| format!(" in {}", took(ms)));
        let (before, after) = if short {
            ("", "")
        } else {
            ("sent to ", " subscribers")
        };
        let _ = write!(
            text,
            "{before}{}/{}{after}{ms}",
            grouped(self.sent),
            grouped(self.subscribers)
        );
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Edge;

    fn edge(id: &str, status: EdgeStatus, revision: u64, n: usize, ms: Option<f64>) -> Edge {
        Edge {
            id: id.into(),
            status,
            revision,
            lineage: "l".into(),
            subscribers: n,
            sent: n,
            delivered_ms: ms,
            last_report: 0,
        }
    }

    #[test]
    fn lost_edges_stay_in_the_denominator_and_are_named() {
        let d = Delivery {
            revision: 9,
            subscribers: 0,
            sent: 0,
            elapsed_ms: None,
            complete: true,
            edges: vec![
                edge("eu-1", EdgeStatus::Live, 9, 10_000, Some(61.2)),
                edge("eu-2", EdgeStatus::Lost, 8, 130, None),
                edge("us-1", EdgeStatus::Live, 9, 9_870, Some(40.0)),
                edge("us-2", EdgeStatus::Stale, 9, 10_000, Some(55.0)),
            ],
        };
        let r = reach(&d, 9, "l");
        assert_eq!(
            r.words(),
            "3/4 edges (eu-2 lost) · sent to 29,870/30,000 subscribers in 61 ms"
        );
        assert!(!r.complete);
        assert_eq!(r.short(), "3/4 edges (eu-2 lost) · 29,870/30,000 in 61 ms");
    }

    #[test]
    fn an_edge_lost_after_it_delivered_keeps_its_count_and_its_time() {
        let d = Delivery {
            revision: 5,
            subscribers: 0,
            sent: 0,
            elapsed_ms: None,
            complete: true,
            edges: vec![
                edge("eu-1", EdgeStatus::Live, 5, 300, Some(6.0)),
                edge("eu-2", EdgeStatus::Lost, 5, 200, Some(12.4)),
            ],
        };
        let r = reach(&d, 5, "l");
        assert_eq!(
            r.words(),
            "1/2 edges (eu-2 lost) · sent to 500/500 subscribers in 12 ms"
        );
        assert!(!r.complete);
    }

    #[test]
    fn an_edge_on_another_lineage_has_none_of_this_one() {
        let mut other = edge("eu-4", EdgeStatus::Live, 7, 20, Some(3.0));
        other.lineage = "m".into();
        let d = Delivery {
            revision: 3,
            subscribers: 0,
            sent: 0,
            elapsed_ms: None,
            complete: true,
            edges: vec![edge("eu-1", EdgeStatus::Live, 3, 10, Some(2.0)), other],
        };
        let r = reach(&d, 3, "l");
        assert_eq!(
            r.words(),
            "1/2 edges (eu-4 on another lineage) · sent to 10/30 subscribers in 2 ms"
        );
        assert!(!r.complete);
    }

    #[test]
    fn without_edges_it_is_the_control_planes_own_count() {
        let d = Delivery {
            revision: 3,
            subscribers: 1204,
            sent: 1204,
            elapsed_ms: Some(43.1),
            complete: true,
            edges: Vec::new(),
        };
        let r = reach(&d, 3, "l");
        assert_eq!(r.words(), "sent to 1,204/1,204 subscribers in 43 ms");
        assert_eq!(took(10_537.0), "10.5 s");
        assert_eq!(took(999.4), "999 ms");
        assert!(r.complete);
        assert_eq!(grouped(0), "0");
        let nobody = Delivery {
            subscribers: 0,
            sent: 0,
            edges: vec![edge("eu-1", EdgeStatus::Live, 3, 0, Some(2.0))],
            ..d
        };
        assert_eq!(
            reach(&nobody, 3, "l").words(),
            "1/1 edges · no app subscribed"
        );
        assert_eq!(grouped(1_000_000), "1,000,000");
    }
}
