//! The real binary: `cutover serve` killed with SIGKILL while actions are acknowledged, then
//! restarted on the same data directory with identical state and no acknowledged action
//! lost; SIGTERM stops it cleanly; the headless CLI's output and exit codes (0 done, 2
//! refused, 1 error); `cutover sim` feeding a server over HTTP until an enforced rule rolls a
//! cohort back.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use common::server::{TOKENS, eventually};
use serde_json::json;

const ALICE: &str = "alice-operator-token";
const ADA: &str = "ada-admin-token";
const VIC: &str = "vic-viewer-token";

struct Serve {
    child: Child,
    base: String,
}

impl Serve {
    /// Starts `cutover serve` on an ephemeral port and waits until it listens.
    fn start(dir: &Path, extra: &[&str]) -> Serve {
        std::fs::write(dir.join("tokens.toml"), TOKENS).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args([
                "serve",
                "--profile",
                "minimal",
                "--listen",
                "127.0.0.1:0",
                "--tokens",
            ])
            .arg(dir.join("tokens.toml"))
            .arg("--data")
            .arg(dir.join("data"))
            .args(extra)
            .env("XDG_CONFIG_HOME", dir)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let base = loop {
            let line = lines.next().expect("serve printed its address").unwrap();
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        // Keep draining stderr so the server never blocks on it.
        std::thread::spawn(move || for _ in lines {});
        Serve { child, base }
    }

    fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cli(base: &str, token: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cutover"));
    cmd.args(args)
        .arg("--connect")
        .arg(base)
        .env_remove("CUTOVER_TOKEN")
        .env("XDG_CONFIG_HOME", "/nonexistent");
    if let Some(t) = token {
        cmd.env("CUTOVER_TOKEN", t);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Sends acknowledged actions one after another until the server dies; returns their keys
/// and revisions.
async fn write_until_refused(http: reqwest::Client, base: String) -> Vec<(String, u64)> {
    let mut acknowledged = Vec::new();
    for i in 0.. {
        let key = format!("k-{i}");
        let body = json!({"action": "note", "text": format!("n{i}"), "idempotency_key": key});
        match http
            .post(format!("{base}/v1/actions"))
            .bearer_auth(ALICE)
            .json(&body)
            .send()
            .await
        {
            Ok(r) if r.status() == 200 => {
                let v: serde_json::Value = r.json().await.unwrap();
                acknowledged.push((key, v["revision"].as_u64().unwrap()));
            }
            _ => break,
        }
    }
    acknowledged
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_then_restart_loses_no_acknowledged_action() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(dir.path(), &[]);
    let http = cutover::tls::http_client().build().unwrap();
    let base = serve.base.clone();
    let writer = tokio::spawn(write_until_refused(http.clone(), base.clone()));
    eventually(
        "some actions acknowledged",
        Duration::from_secs(20),
        || async {
            let s: serde_json::Value =
                common::get_json(&http, &format!("{base}/v1/state"), VIC).await;
            s["revision"].as_u64().unwrap() >= 30
        },
    )
    .await;
    let before: serde_json::Value = common::get_json(&http, &format!("{base}/v1/state"), VIC).await;
    serve.kill9();
    let acknowledged = writer.await.unwrap();
    assert!(acknowledged.len() >= 30);
    let restarted = Serve::start(dir.path(), &[]);
    let after: serde_json::Value = http
        .get(format!("{}/v1/state", restarted.base))
        .bearer_auth(VIC)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(after["revision"].as_u64() >= before["revision"].as_u64());
    assert_eq!(after["cohorts"], before["cohorts"]);
    let page: serde_json::Value = http
        .get(format!("{}/v1/events?since=0&limit=1000", restarted.base))
        .bearer_auth(VIC)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let journal: Vec<(String, u64)> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["idempotency_key"].as_str().unwrap().to_owned(),
                e["revision"].as_u64().unwrap(),
            )
        })
        .collect();
    for ack in &acknowledged {
        assert!(
            journal.contains(ack),
            "acknowledged {ack:?} is missing after kill -9"
        );
    }
    // A retry of an acknowledged action after the restart (its reason edited) is recognised
    // as a duplicate; the key for another request is refused.
    let (key, revision) = acknowledged.last().unwrap().clone();
    let text = format!("n{}", key.trim_start_matches("k-"));
    let reused: serde_json::Value = http
        .post(format!("{}/v1/actions", restarted.base))
        .bearer_auth(ALICE)
        .json(&json!({"action": "note", "text": "again", "idempotency_key": key}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reused["error"], "idempotency_key_reused", "{reused}");
    let r: serde_json::Value = http
        .post(format!("{}/v1/actions", restarted.base))
        .bearer_auth(ALICE)
        .json(&json!({"action": "note", "text": text, "reason": "retry", "idempotency_key": key}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (r["duplicate"].as_bool(), r["revision"].as_u64()),
        (Some(true), Some(revision))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut serve = Serve::start(dir.path(), &[]);
    assert!(cli(&serve.base, Some(ALICE), &["pause"]).status.success());
    let pid = serve.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = serve.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let records = cutover::journal::read_records(&dir.path().join("data")).unwrap();
    assert_eq!(records.len(), 1);
    let log = std::fs::read_to_string(dir.path().join("data/cutover.log")).unwrap();
    assert!(
        log.contains("control plane listening"),
        "logs go to the data directory"
    );
    assert!(
        !log.contains("operator-token"),
        "tokens never appear in logs"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_headless_cli_reports_and_exits_by_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(dir.path(), &[]);
    let b = serve.base.as_str();
    let o = cli(b, Some(VIC), &["status", "--json"]);
    assert!(o.status.success());
    let state: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!(
        (state["revision"].as_u64(), state["status"].as_str()),
        (Some(0), Some("running"))
    );
    let o = cli(b, Some(VIC), &["status"]);
    let (out, _) = text(&o);
    assert!(
        out.starts_with("minimal · revision 0 · RUNNING\nphase 1/2 canary · step 1/3 staff-10"),
        "{out}"
    );
    assert!(
        out.contains("shop/customers") && out.contains("excluded"),
        "{out}"
    );
    let o = cli(b, Some(ALICE), &["pause", "--reason", "coffee"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert_eq!(text(&o).0, "pause done: revision 1\n");
    let o = cli(b, Some(ALICE), &["advance"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o).1,
        "refused: the rollout is paused: resume it first\n"
    );
    let o = cli(b, Some(VIC), &["resume"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o)
            .1
            .starts_with("refused: forbidden: a viewer may not do this"),
        "{:?}",
        text(&o)
    );
    let o = cli(b, Some(ALICE), &["set-weight", "shop/staff", "30"]);
    assert_eq!(o.status.code(), Some(2), "operators may not set weights");
    let o = cli(b, Some(ADA), &["set-weight", "shop/staff", "30"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let o = cli(b, Some(ALICE), &["resume", "--expect-revision", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o)
            .1
            .contains("stale revision: decided on revision 1, but the rollout is at 2"),
        "{:?}",
        text(&o)
    );
    let o = cli(
        b,
        Some(ALICE),
        &["kill", "--expect-revision", "1", "--reason", "drill"],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "kill ignores staleness: {:?}",
        text(&o)
    );
    let o = cli(b, Some(ALICE), &["note", "all", "on", "legacy"]);
    assert!(o.status.success());
    let o = cli(b, Some(VIC), &["events", "--since", "1"]);
    let (out, _) = text(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].contains("set-weight shop/staff 30% by ada"),
        "{out}"
    );
    assert!(lines[1].contains("kill by alice (drill)"), "{out}");
    assert!(
        lines[2].contains("note \"all on legacy\" by alice"),
        "{out}"
    );
    let o = cli(b, None, &["status"]);
    assert_eq!(o.status.code(), Some(2), "no token: refused");
    assert!(text(&o).1.contains("missing bearer token"));
    let o = cli("http://127.0.0.1:1", Some(VIC), &["status"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o)
            .1
            .contains("cannot reach the control plane at http://127.0.0.1:1/v1/state"),
        "{:?}",
        text(&o)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_simulator_process_drives_an_automatic_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(dir.path(), &["--eval-interval", "100ms"]);
    let b = serve.base.clone();
    assert!(
        cli(&b, Some(ADA), &["set-weight", "shop/staff", "50"])
            .status
            .success()
    );
    let mut sim = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args([
            "sim",
            "--connect",
            &b,
            "--token",
            ALICE,
            "--scenario",
            "error-spike",
            "--interval",
            "100ms",
            "--seed",
            "7",
        ])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let http = cutover::tls::http_client().build().unwrap();
    eventually(
        "the enforced rule to roll shop/staff back",
        Duration::from_mins(1),
        || async {
            let page: serde_json::Value =
                common::get_json(&http, &format!("{b}/v1/events?since=0"), VIC).await;
            page["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["actor"] == "rule:errors" && e["command"]["command"] == "rollback")
        },
    )
    .await;
    let _ = sim.kill();
    let _ = sim.wait();
    let state: serde_json::Value = common::get_json(&http, &format!("{b}/v1/state"), VIC).await;
    let staff = state["cohorts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "shop/staff")
        .unwrap()
        .clone();
    assert_eq!(
        (staff["mode"].as_str(), staff["standing"].as_str()),
        (Some("legacy"), Some("rolled_back"))
    );
    let metrics = common::get_text(&http, &format!("{b}/metrics"), VIC).await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("cutover_samples_accepted_total ")
                && l != "cutover_samples_accepted_total 0"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn events_follow_streams_what_happens_as_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(dir.path(), &[]);
    assert!(
        cli(&serve.base, Some(ALICE), &["note", "before"])
            .status
            .success()
    );
    let mut follow = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args([
            "events",
            "--follow",
            "--json",
            "--connect",
            &serve.base,
            "--token",
            VIC,
        ])
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(follow.stdout.take().unwrap()).lines();
    let first: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(
        first["event"]["detail"]["command"]["text"], "before",
        "the journal first"
    );
    // Everything after it arrives over the stream, in order.
    assert!(cli(&serve.base, Some(ALICE), &["pause"]).status.success());
    assert!(cli(&serve.base, Some(ALICE), &["advance"]).status.code() == Some(2));
    let next: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(next["event"]["detail"]["command"]["command"], "pause");
    assert_eq!(
        (first["seq"].as_u64(), next["seq"].as_u64()),
        (Some(1), Some(2)),
        "numbered by the journal's seq, as the dashboard and `events` number them"
    );
    let refused: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(refused["event"]["kind"], "refused");
    assert!(
        refused["seq"].is_null(),
        "a refusal is not journaled: no number"
    );
    let _ = follow.kill();
    let _ = follow.wait();
}

/// The dashboard's own settings are checked before the terminal is touched: a bad `bell` or
/// `flash` says which setting and what it takes. `cutover events` on an empty journal says
/// so instead of printing nothing.
#[test]
fn dashboard_settings_are_checked_and_an_empty_journal_is_said() {
    for (var, value, expected) in [
        (
            "CUTOVER_BELL",
            "loud",
            "bell: `loud` is not critical, all or off",
        ),
        ("CUTOVER_FLASH", "soon", "flash: `soon` is not a duration"),
        (
            "CUTOVER_KEEP_INCIDENTS",
            "3 weeks",
            "keep_incidents: `3 weeks` has an unknown unit",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(["--connect", "http://127.0.0.1:1"])
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .env(var, value)
            .output()
            .unwrap();
        let (_, err) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{var}: {err}");
        assert!(err.contains(expected), "{var}: {err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(dir.path(), &[]);
    let out = cli(&serve.base, Some(VIC), &["events"]);
    let (stdout, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(err.contains("no journaled events after #0 yet"), "{err}");
}

#[test]
fn expected_failures_are_told_in_a_few_lines_without_backtraces() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "[rollout]\nid = 3\n").unwrap();
    let cases: [(&[&str], &str); 2] = [
        (
            &["status", "--connect", "http://127.0.0.1:1"],
            "cannot reach the control plane at http://127.0.0.1:1",
        ),
        (
            &["serve", "--listen", "127.0.0.1:0", "--profile"],
            "broken.toml",
        ),
    ];
    for (args, expected) in cases {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cutover"));
        command
            .args(args)
            .env("RUST_BACKTRACE", "full")
            .env("RUST_LIB_BACKTRACE", "1")
            .env("XDG_CONFIG_HOME", "/nonexistent");
        if args[0] == "serve" {
            command
                .arg(&broken)
                .arg("--data")
                .arg(dir.path().join("data"));
        }
        let out = command.output().unwrap();
        let (_, err) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.starts_with("error: ") && err.contains(expected),
            "{err}"
        );
        assert!(err.lines().count() <= 4, "a few lines: {err}");
        for noise in ["Location", "BACKTRACE", "src/", "backtrace"] {
            assert!(!err.contains(noise), "{noise} in: {err}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_refuses_a_shortened_journal_and_recovers_it_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(dir.path(), &[]);
    let http = cutover::tls::http_client().build().unwrap();
    let written = write_until_n(&http, &serve.base, 12).await;
    serve.kill9();
    let data = dir.path().join("data");
    // The database emptied beside its WAL: the records are gone from what SQLite would read.
    std::fs::File::create(data.join("journal.db")).unwrap();
    let wal = std::fs::read(data.join("journal.db-wal")).ok();
    let refused = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args([
            "serve",
            "--profile",
            "minimal",
            "--listen",
            "127.0.0.1:0",
            "--tokens",
        ])
        .arg(dir.path().join("tokens.toml"))
        .arg("--data")
        .arg(&data)
        .env("XDG_CONFIG_HOME", dir.path())
        .output()
        .unwrap();
    let (_, err) = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("its head says {written} were written")) && err.contains("--recover"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(data.join("journal.db-wal")).ok(),
        wal,
        "the WAL is untouched"
    );
    assert_eq!(std::fs::metadata(data.join("journal.db")).unwrap().len(), 0);

    let recovered = Serve::start(dir.path(), &["--recover"]);
    let state: serde_json::Value =
        common::get_json(&http, &format!("{}/v1/state", recovered.base), VIC).await;
    assert_eq!(state["revision"], 1, "only the recovered record: {state}");
    let page: serde_json::Value =
        common::get_json(&http, &format!("{}/v1/events?since=0", recovered.base), VIC).await;
    let first = &page["events"][0];
    assert_eq!(first["command"]["command"], "recovered", "{page}");
    assert_eq!(first["command"]["lost_from"], 1);
    assert_eq!(first["command"]["lost_to"], written);
}

/// Writes notes until the rollout is at `n`; returns `n`.
async fn write_until_n(http: &reqwest::Client, base: &str, n: u64) -> u64 {
    for i in 0..n {
        let body =
            json!({"action": "note", "text": format!("n{i}"), "idempotency_key": format!("w-{i}")});
        let r = http
            .post(format!("{base}/v1/actions"))
            .bearer_auth(ALICE)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    n
}

/// `serve`'s first lines up to and including the one containing `until`; the server is killed.
fn serve_lines(args: &[&str], dir: &Path, until: &str) -> Vec<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .arg("serve")
        .args(args)
        .arg("--data")
        .arg(dir.join("data"))
        .env("XDG_CONFIG_HOME", dir)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.contains(until);
        lines.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    lines
}

#[test]
fn serve_says_what_it_serves_and_refuses_what_cannot_work() {
    let dir = tempfile::tempdir().unwrap();
    let base = ["--profile", "minimal", "--listen", "127.0.0.1:0"];
    let lines = serve_lines(
        &[&base[..], &["--flagd-sync", "127.0.0.1:0"]].concat(),
        dir.path(),
        "flagd sync",
    );
    let said = lines.join("\n");
    assert!(
        said.contains("journal at revision 0 · assignment fractional-v3"),
        "{said}"
    );
    assert!(
        said.contains("flagd sync (gRPC) for in-process OpenFeature providers on 127.0.0.1:"),
        "{said}"
    );
    // The same rollout with a profile that now asks for fractional-v2: kept, and said so.
    let profile = dir.path().join("minimal-v2.toml");
    let original = std::fs::read_to_string(common::root().join("profiles/minimal.toml")).unwrap();
    std::fs::write(
        &profile,
        original.replacen(
            "[rollout]\n",
            "[rollout]\nassignment = \"fractional-v2\"\n",
            1,
        ),
    )
    .unwrap();
    let lines = serve_lines(
        &[
            "--profile",
            profile.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
        dir.path(),
        "warning",
    );
    let said = lines.join("\n");
    assert!(said.contains("assignment fractional-v3"), "{said}");
    assert!(
        said.contains("the profile asks for assignment fractional-v2, but this rollout started with fractional-v3 and keeps it"),
        "{said}"
    );
    // NATS options that cannot work are refused before anything starts.
    for (extra, says) in [
        (
            &["--nats", "not a url"][..],
            "--nats `not a url` is not a NATS URL",
        ),
        (
            &[
                "--nats",
                "nats://127.0.0.1:1",
                "--nats-creds",
                "/nonexistent/creds",
            ][..],
            "--nats-creds /nonexistent/creds",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_cutover"))
            .arg("serve")
            .args(base)
            .args(extra)
            .arg("--data")
            .arg(dir.path().join("other"))
            .env("XDG_CONFIG_HOME", dir.path())
            .output()
            .unwrap();
        let (_, err) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.starts_with("error: NATS: ") && err.contains(says),
            "{err}"
        );
    }
}
