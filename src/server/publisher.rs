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
#[expect(
    clippy::too_many_lines,
    reason = "one loop: sign, read back, judge, publish, wait"
)]
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
    let mut mine = published_lineages(&data);
    let mut take_over = opts.take_over;
    let mut config = app.core.config.clone();
    let mut check = tokio::time::interval(check_every(&opts));
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut signed: Option<(u64, String, Vec<u8>)> = None;
    let mut published: Option<Vec<u8>> = None;
    let mut bucket_ready = false;
    let mut unreadable = false;
    // Read back at start and every check, never before a new revision: a kill goes at once.
    let mut rival: Option<String> = None;
    let mut read_back = true;
    let to = Target {
        client: &client,
        rollout: &rollout,
    };
    loop {
        let feed = config.borrow_and_update().clone();
        let (_, lineage, body) = sign_once(&mut signed, &key, &feed);
        let fresh = published.as_ref() != Some(body);
        let verdict = if read_back {
            let verdict = judge_bucket(&app, &client, &rollout, &mut unreadable, |held| {
                judge(held, body, lineage, &mine, &trust)
            })
            .await;
            // The flag claims the bucket at start only: a control plane that takes over
            // later wins.
            if verdict
                .as_ref()
                .is_some_and(|v| !matches!(v, Bucket::Rival(_)))
            {
                take_over = false;
            }
            verdict
        } else if rival.is_some() {
            None
        } else {
            Some(Bucket::Repair)
        };
        match verdict {
            None => {}
            Some(Bucket::Rival(other)) if take_over => {
                tracing::warn!(rival = %other, "NATS: taking the bucket over from lineage {other} (--nats-take-over)");
                mine.push(other);
                take_over = false;
                continue;
            }
            Some(Bucket::Rival(other)) => {
                if edges.lock().expect("edges").rival(Some(other.clone())) {
                    say_rival(&other);
                }
                rival = Some(other);
            }
            Some(Bucket::Current) if !fresh => {}
            Some(Bucket::Current | Bucket::Repair) => {
                rival = None;
                edges.lock().expect("edges").rival(None);
                if read_back && !fresh {
                    tracing::warn!(
                        revision = feed.doc.revision,
                        "NATS: the bucket lost or replaced the latest revision; putting it back"
                    );
                    Stats::bump(&app.stats.nats_bucket_repairs);
                    bucket_ready = false; // its stream may be gone with NATS' store
                }
                let revision = feed.doc.revision;
                if publish_one(&app, &to, (revision, body), &mut bucket_ready, &mut config)
                    .await
                    .is_none()
                {
                    return;
                }
                if !config.has_changed().unwrap_or(false) {
                    published = Some(body.clone());
                    remember(&data, lineage, &mut mine);
                }
            }
        }
        tokio::select! {
            changed = config.changed() => {
                if changed.is_err() { return }
                read_back = false;
            }
            _ = check.tick() => read_back = true,
            () = app.cancel.cancelled() => return,
        }
    }
}

/// Reads the bucket back and judges it; `None` when it cannot be read (NATS away): then
/// nothing is published blind — a rival's document could be there — until the next check.
/// Says once per spell that the bucket cannot be read.
async fn judge_bucket(
    app: &AppState,
    client: &async_nats::Client,
    rollout: &str,
    unreadable: &mut bool,
    judge: impl FnOnce(Option<&[u8]>) -> Bucket,
) -> Option<Bucket> {
    let held = kv::get(client, rollout).await;
    let was_unreadable = std::mem::replace(unreadable, held.is_err());
    match held {
        Ok(held) => Some(judge(held.as_deref())),
        Err(e) => {
            Stats::bump(&app.stats.nats_publish_errors);
            tracing::debug!(error = %e, "NATS: the bucket cannot be read; trying again");
            if !was_unreadable {
                eprintln!(
                    "cutover serve: NATS: the bucket cannot be read yet ({e}{}); revisions are published once it can",
                    hint(&e)
                );
            }
            None
        }
    }
}

/// Where a document goes: the rollout's subject and key on this connection.
struct Target<'a> {
    client: &'a async_nats::Client,
    rollout: &'a str,
}

/// Publishes one document on the subject and into the bucket, retrying with backoff until it
/// is done or a newer revision supersedes it; `None` when the server stops.
async fn publish_one(
    app: &AppState,
    to: &Target<'_>,
    (revision, body): (u64, &[u8]),
    bucket_ready: &mut bool,
    config: &mut tokio::sync::watch::Receiver<Arc<super::apps::ConfigFeed>>,
) -> Option<()> {
    let (client, rollout) = (to.client, to.rollout);
    let mut backoff = Duration::from_millis(50);
    let mut said = false;
    loop {
        let attempt = async {
            // Made (or checked) once, and again after a failure: not on every revision.
            if !*bucket_ready {
                kv::ensure_bucket(client).await?;
                *bucket_ready = true;
            }
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

/// The lineages this data directory has published (its `nats-lineage` file).
fn published_lineages(data: &Path) -> Vec<String> {
    std::fs::read_to_string(data.join(LINEAGE_FILE))
        .map(|s| s.trim().to_owned())
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect()
}

/// The signed document of `feed`, signed once per revision (not at every check).
fn sign_once<'s>(
    signed: &'s mut Option<(u64, String, Vec<u8>)>,
    key: &SigningKey,
    feed: &super::apps::ConfigFeed,
) -> &'s (u64, String, Vec<u8>) {
    let current = |(r, l, _): &(u64, String, Vec<u8>)| {
        (*r, l.as_str()) == (feed.doc.revision, feed.doc.lineage.as_str())
    };
    if !signed.as_ref().is_some_and(current) {
        let body = serde_json::to_vec(&fanout::sign(key, feed.frame.as_str())).expect("serializes");
        *signed = Some((feed.doc.revision, feed.doc.lineage.clone(), body));
    }
    signed.as_ref().expect("signed above")
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
