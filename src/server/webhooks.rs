//! Webhooks: every journaled transition is sent (HTTP `POST`) as JSON to each `--webhook` URL. Each URL
//! has its own worker and bounded queue, with retries and backoff; a full queue drops the
//! event and counts it. The core only ever `try_send`s, so a slow or dead webhook never
//! delays an action.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::stats::Stats;
use crate::wire::Event;

/// Events waiting per webhook at most.
pub const QUEUE: usize = 1024;
/// Attempts per event.
pub const ATTEMPTS: u32 = 4;
/// Time allowed for one attempt.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Fans events out to one worker per URL until cancelled.
pub async fn deliver(
    urls: Vec<String>,
    mut rx: mpsc::Receiver<Arc<Event>>,
    stats: Arc<Stats>,
    cancel: CancellationToken,
) {
    let client = crate::tls::http_client()
        .timeout(TIMEOUT)
        .build()
        .expect("http client");
    let workers: Vec<mpsc::Sender<Arc<Event>>> = urls
        .into_iter()
        .map(|url| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(worker(
                url,
                rx,
                client.clone(),
                stats.clone(),
                cancel.clone(),
            ));
            tx
        })
        .collect();
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            event = rx.recv() => {
                let Some(event) = event else { return };
                for w in &workers {
                    if w.try_send(event.clone()).is_err() {
                        Stats::bump(&stats.webhook_dropped);
                    }
                }
            }
        }
    }
}

async fn worker(
    url: String,
    mut rx: mpsc::Receiver<Arc<Event>>,
    client: reqwest::Client,
    stats: Arc<Stats>,
    cancel: CancellationToken,
) {
    while let Some(event) = tokio::select! { () = cancel.cancelled() => None, e = rx.recv() => e } {
        let mut delay = Duration::from_millis(200);
        let mut delivered = false;
        for attempt in 1..=ATTEMPTS {
            match client.post(&url).json(&*event).send().await {
                Ok(r) if r.status().is_success() => {
                    delivered = true;
                    break;
                }
                Ok(r) => {
                    tracing::warn!(%url, status = %r.status(), attempt, "webhook refused the event");
                }
                Err(e) => tracing::warn!(%url, error = %e, attempt, "webhook unreachable"),
            }
            if attempt < ATTEMPTS {
                tokio::select! { () = cancel.cancelled() => return, () = tokio::time::sleep(delay) => {} }
                delay *= 4;
            }
        }
        Stats::bump(if delivered {
            &stats.webhook_delivered
        } else {
            &stats.webhook_failed
        });
    }
}
