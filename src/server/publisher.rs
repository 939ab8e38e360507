//! The task that publishes each config revision to NATS (`serve --nats`) and keeps the bucket
//! holding it. It follows the core's config feed and is never waited on: an action is
//! answered once journaled, whatever NATS does. It publishes the newest document, retrying
//! with backoff while NATS is away; revisions superseded meanwhile are skipped (a relay needs
//! only the latest), and every attempt is counted in `/metrics`.
//!
//! Every few seconds it reads the bucket back: a bucket that lost the document (NATS
//! redeployed without its store) or holds an older one (replayed by someone who may publish
//! there) gets the latest again. A bucket holding *another lineage* of the rollout, signed by
//! the same key, means another control plane publishes it — a standby that took over, or a
//! primary brought back after one did. Two writers would split the edges between them, so
//! this one stops publishing and says so (in the log and the dashboard's header) unless it was
//! started with `--nats-take-over`, which claims the bucket once, at start. A lineage this
//! data directory has published before (kept in `nats-lineage`) is its own: a journal
//! recovered in place publishes over it without the flag.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::AppState;
use super::edges::Registry;
use super::fanout::{self, NatsOptions, kv};
use super::stats::Stats;
use crate::signing::{SigningKey, TrustedKey};
use crate::wire::SignedConfig;

/// The file in the data directory naming the lineage it last published.
pub const LINEAGE_FILE: &str = "nats-lineage";

/// What the bucket's document means for this control plane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bucket {
    /// It holds exactly what this control plane serves.
    Current,
    /// It holds nothing, an older or a foreign-key document, or a lineage this control plane
    /// may publish over: put the latest.
    Repair,
    /// It holds another lineage of the rollout signed by the same key: another control plane
    /// publishes it.
    Rival(String),
}

/// Judges the bucket's `held` bytes against `ours` (this control plane's signed document of
/// `lineage`). `mine` are lineages this control plane may publish over (its own earlier ones,
/// or the rival's when taking over). No IO.
#[must_use]
pub fn judge(
    held: Option<&[u8]>,
    ours: &[u8],
    lineage: &str,
    mine: &[String],
    trust: &TrustedKey,
) -> Bucket {
    let Some(held) = held else {
        return Bucket::Repair;
    };
    if held == ours {
        return Bucket::Current;
    }
    let theirs = serde_json::from_slice::<SignedConfig>(held)
        .ok()
        .filter(|s| trust.verifies(s.document.as_bytes(), &s.signature))
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s.document).ok())
        .and_then(|d| d.get("lineage")?.as_str().map(str::to_owned));
    match theirs {
        Some(other) if other != lineage && !mine.contains(&other) => Bucket::Rival(other),
        _ => Bucket::Repair,
    }
}

/// How often the bucket is read back.
fn check_every(opts: &NatsOptions) -> Duration {
    (opts.edge_lost_after / 3).clamp(Duration::from_millis(10), fanout::EDGE_REPORT_EVERY)
}

/// Publishes every config revision until the server stops, keeps the bucket holding it, and
/// follows the edges' reports into `edges`.
pub async fn publish(
    app: Arc<AppState>,
    opts: NatsOptions,
    key: Arc<SigningKey>,
    data: std::path::PathBuf,
    edges: Arc<Mutex<Registry>>,
) {
    let rollout = app.plan.profile().rollout.id.clone();
    let client = match fanout::connect(&opts).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "NATS: cannot connect; config fan-out is off");
            return;
        }
    };
    tokio::spawn(super::edges::follow(
        app.clone(),
        client.clone(),
        opts.clone(),
        edges.clone(),
    ));
    let trust = TrustedKey::parse(key.public()).expect("our own key");
    let mut mine: Vec<String> = std::fs::read_to_string(data.join(LINEAGE_FILE))
        .map(|s| s.trim().to_owned())
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    let mut take_over = opts.take_over;
    let mut config = app.core.config.clone();
    let mut check = tokio::time::interval(check_every(&opts));
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut published: Option<Vec<u8>> = None;
    let mut unreadable = false;
    loop {
        let feed = config.borrow_and_update().clone();
        let lineage = feed.doc.lineage.clone();
        let body =
            serde_json::to_vec(&fanout::sign(&key, feed.frame.as_str())).expect("serializes");
        // Unreadable now (NATS away): nothing is published blind — a rival's document could
        // be there — until the bucket can be read again, at the next check.
        let verdict = kv::get(&client, &rollout)
            .await
            .map(|held| judge(held.as_deref(), &body, &lineage, &mine, &trust));
        let fresh = published.as_ref() != Some(&body);
        let verdict_read = verdict.is_ok();
        let was_unreadable = std::mem::replace(&mut unreadable, !verdict_read);
        match verdict {
            Err(e) => {
                Stats::bump(&app.stats.nats_publish_errors);
                tracing::debug!(error = %e, "NATS: the bucket cannot be read; trying again");
                if !was_unreadable {
                    eprintln!(
                        "cutover serve: NATS: the bucket cannot be read yet ({e}{}); revisions are published once it can",
                        hint(&e)
                    );
                }
            }
            Ok(Bucket::Rival(other)) if take_over => {
                tracing::warn!(rival = %other, "NATS: taking the bucket over from lineage {other} (--nats-take-over)");
                mine.push(other);
                take_over = false;
                continue;
            }
            Ok(Bucket::Rival(other)) => {
                let said = edges.lock().expect("edges").rival(Some(other.clone()));
                if said {
                    say_rival(&other);
                }
            }
            Ok(Bucket::Current) if !fresh => {}
            Ok(Bucket::Current | Bucket::Repair) => {
                edges.lock().expect("edges").rival(None);
                if !fresh {
                    tracing::warn!(
                        revision = feed.doc.revision,
                        "NATS: the bucket lost or replaced the latest revision; putting it back"
                    );
                    Stats::bump(&app.stats.nats_bucket_repairs);
                }
                if publish_one(
                    &app,
                    &client,
                    &rollout,
                    &body,
                    feed.doc.revision,
                    &mut config,
                )
                .await
                .is_none()
                {
                    return;
                }
                if !config.has_changed().unwrap_or(false) {
                    published = Some(body);
                    remember(&data, &lineage, &mut mine);
                }
            }
        }
        // The flag claims the bucket at start only: a control plane that takes over later wins.
        if verdict_read {
            take_over = false;
        }
        tokio::select! {
            changed = config.changed() => if changed.is_err() { return },
            _ = check.tick() => {}
            () = app.cancel.cancelled() => return,
        }
    }
}

/// Publishes one document on the subject and into the bucket, retrying with backoff until it
/// is done or a newer revision supersedes it; `None` when the server stops.
async fn publish_one(
    app: &AppState,
    client: &async_nats::Client,
    rollout: &str,
    body: &[u8],
    revision: u64,
    config: &mut tokio::sync::watch::Receiver<Arc<super::apps::ConfigFeed>>,
) -> Option<()> {
    let mut backoff = Duration::from_millis(50);
    let mut said = false;
    loop {
        let attempt = async {
            kv::ensure_bucket(client).await?;
            client
                .publish(fanout::subject(rollout), body.to_vec().into())
                .await
                .map_err(|e| e.to_string())?;
            kv::put(client, rollout, body.to_vec()).await.map(|_| ())
        };
        match attempt.await {
            Ok(()) => {
                Stats::bump(&app.stats.nats_published);
                return Some(());
            }
            Err(e) => {
                Stats::bump(&app.stats.nats_publish_errors);
                tracing::warn!(error = %e, revision, "NATS: publish failed; retrying");
                if !said {
                    said = true;
                    eprintln!(
                        "cutover serve: NATS: cannot publish revision {revision} yet: {e}{}; retrying in the background",
                        hint(&e)
                    );
                }
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = app.cancel.cancelled() => return None,
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
                if config.has_changed().unwrap_or(false) {
                    return Some(()); // a newer revision supersedes this one
                }
            }
        }
    }
}

/// Says once that another control plane holds the bucket.
fn say_rival(other: &str) {
    eprintln!(
        "cutover serve: NOT PUBLISHING: the NATS bucket holds lineage {other} of this rollout, signed by this key: another control plane publishes it (start this one with --nats-take-over if the other is gone for good)"
    );
    tracing::error!(
        rival = %other,
        "NATS: the bucket holds lineage {other} of this rollout, signed by this key: another control plane publishes it; not publishing (start this one with --nats-take-over if the other is gone for good)"
    );
}

/// What to check for a NATS error, if anything comes to mind.
fn hint(error: &str) -> &'static str {
    if error.contains("no responders") {
        " — is JetStream on there (`nats-server -js`)?"
    } else if error.contains("timed out") {
        " — is nats-server running and reachable?"
    } else {
        ""
    }
}

/// Notes in the data directory that it has published `lineage`.
fn remember(data: &Path, lineage: &str, mine: &mut Vec<String>) {
    if mine.iter().any(|l| l == lineage) {
        return;
    }
    mine.push(lineage.to_owned());
    if let Err(e) = std::fs::write(data.join(LINEAGE_FILE), lineage) {
        tracing::warn!(error = %e, "cannot note the published lineage in the data directory");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(key: &SigningKey, lineage: &str, revision: u64) -> Vec<u8> {
        let doc = serde_json::json!({"rollout": "r", "lineage": lineage, "revision": revision});
        serde_json::to_vec(&fanout::sign(key, &doc.to_string())).unwrap()
    }

    #[test]
    fn the_bucket_is_repaired_unless_another_control_plane_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::load_or_create(dir.path()).unwrap();
        let trust = TrustedKey::parse(key.public()).unwrap();
        let other_dir = tempfile::tempdir().unwrap();
        let forger = SigningKey::load_or_create(other_dir.path()).unwrap();
        let ours = signed(&key, "a", 7);
        let judge = |held: Option<&[u8]>, mine: &[String]| judge(held, &ours, "a", mine, &trust);
        assert_eq!(judge(Some(&ours), &[]), Bucket::Current);
        assert_eq!(judge(None, &[]), Bucket::Repair, "lost");
        assert_eq!(
            judge(Some(&signed(&key, "a", 6)), &[]),
            Bucket::Repair,
            "older"
        );
        assert_eq!(
            judge(Some(&signed(&forger, "z", 9)), &[]),
            Bucket::Repair,
            "forged"
        );
        assert_eq!(judge(Some(b"garbage"), &[]), Bucket::Repair);
        assert_eq!(
            judge(Some(&signed(&key, "b", 9)), &[]),
            Bucket::Rival("b".into()),
            "another control plane"
        );
        assert_eq!(
            judge(Some(&signed(&key, "b", 9)), &["b".into()]),
            Bucket::Repair,
            "a lineage this data directory published before (recovered in place)"
        );
    }
}
