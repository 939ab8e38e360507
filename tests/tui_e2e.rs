//! The dashboard end to end in a real terminal: `cutover demo` under tmux (its own server
//! socket), driven with `send-keys` and read with `capture-pane`. It starts and shows the
//! split, the departments and the alerts; `p` pauses; `r` and a department rolls back only
//! that department; `K` then `KILL` kills (every cohort at 0 %); `q` exits and the terminal is
//! back in cooked mode; a hang-up (SIGHUP) ends it promptly, also restoring the terminal.

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    fn start(name: &str, width: u16, height: u16, command: &str) -> Tmux {
        let t = Tmux {
            socket: format!("cutover-test-{}-{name}", std::process::id()),
            session: name.to_owned(),
        };
        let status = Command::new("tmux")
            .args([
                "-L",
                &t.socket,
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
                command,
            ])
            .env("NO_COLOR", "")
            .status()
            .expect("tmux is installed (scripts/install-test-deps)");
        assert!(status.success());
        t
    }

    fn keys(&self, keys: &[&str]) {
        assert!(
            Command::new("tmux")
                .args(["-L", &self.socket, "send-keys", "-t", &self.session])
                .args(keys)
                .status()
                .unwrap()
                .success()
        );
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "capture-pane",
                "-p",
                "-t",
                &self.session,
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen satisfies `check`, for at most a generous bound.
    fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_mins(1);
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn shell_pid(&self) -> u32 {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "display",
                "-p",
                "-t",
                &self.session,
                "#{pane_pid}",
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn demo_command() -> String {
    // After the dashboard exits, show its status and whether the terminal is back in cooked
    // mode (`icanon` rather than `-icanon`), then keep the pane open to be read.
    format!(
        "{} demo; echo EXITED $?; stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon'; sleep 600",
        env!("CARGO_BIN_EXE_cutover")
    )
}

/// The dashboard has exited and `stty` has said whether the terminal is in cooked mode (the
/// screen is read between the two otherwise).
fn exited_and_stty_said(screen: &str) -> bool {
    screen.contains("EXITED") && screen.lines().any(|l| l == "icanon" || l == "-icanon")
}

fn rows_of<'a>(screen: &'a str, prefix: &'a str) -> impl Iterator<Item = &'a str> {
    screen
        .lines()
        .filter(move |l| l.trim_start_matches(['│', '|', ' ']).starts_with(prefix))
}

#[test]
fn the_demo_answers_keys_and_restores_the_terminal() {
    let t = Tmux::start("keys", 100, 32, &demo_command());
    let screen = t.wait_for("the dashboard, live", |s| {
        s.contains("LIVE")
            && s.contains("Departments × cohorts")
            && s.contains("Incidents")
            && s.contains("Traffic")
    });
    assert!(screen.contains("VividWalls"), "{screen}");
    t.keys(&["p"]);
    t.wait_for("PAUSED", |s| {
        s.lines().next().is_some_and(|l| l.contains("PAUSED"))
    });
    // The rollback picker lists departments first: pilot, sales, marketing, …
    t.keys(&["r"]);
    t.wait_for("the rollback picker", |s| {
        s.contains("Roll back which department or cohort?")
    });
    t.keys(&["Down", "Down", "Enter"]);
    t.wait_for("the confirmation with the server's preview", |s| {
        s.contains("Roll back marketing?") && s.contains("Would change")
    });
    t.keys(&["Enter"]);
    let screen = t.wait_for("marketing rolled back", |s| {
        s.contains("rollback marketing: done")
    });
    assert!(
        rows_of(&screen, "marketing/").all(|l| l.contains("rolled back")),
        "{screen}"
    );
    assert!(
        rows_of(&screen, "pilot/").all(|l| !l.contains("rolled back")),
        "only marketing (and what rules did) went back: {screen}"
    );
    t.keys(&["K"]);
    t.wait_for("the kill switch picker", |s| {
        s.contains("Which kill switch?")
    });
    t.keys(&["Enter"]);
    t.wait_for("the typed confirmation", |s| s.contains("type KILL"));
    t.keys(&["K", "I", "L", "L", "Enter"]);
    let screen = t.wait_for("KILLED", |s| {
        s.lines().next().is_some_and(|l| l.contains("KILLED"))
    });
    assert!(screen.contains("  0.0%"), "overall 0 % enhanced: {screen}");
    let cohort_rows: Vec<&str> = ["pilot/", "sales/", "marketing/"]
        .iter()
        .flat_map(|d| rows_of(&screen, d))
        .collect();
    assert!(cohort_rows.len() >= 8, "{screen}");
    for row in cohort_rows {
        let mode = row
            .trim_start_matches(['│', '|', ' '])
            .split_whitespace()
            .nth(1);
        assert_eq!(mode, Some("legacy"), "every cohort on legacy: {row}");
    }
    t.keys(&["q"]);
    let screen = t.wait_for("the dashboard to exit", exited_and_stty_said);
    assert!(screen.contains("EXITED 0"), "{screen}");
    assert!(
        screen.lines().any(|l| l == "icanon"),
        "the terminal is back in cooked mode: {screen}"
    );
}

/// `cutover --connect` hands the dashboard to `cutover-dashboard` beside it (same process,
/// the smaller binary); a `cutover` copied alone runs the dashboard itself. Both say they are
/// waiting for a control plane that does not answer, and quit on `q`.
#[test]
fn the_dashboard_runs_as_cutover_dashboard_when_installed_and_in_process_otherwise() {
    let alone = tempfile::tempdir().unwrap();
    let copy = alone.path().join("cutover");
    std::fs::copy(env!("CARGO_BIN_EXE_cutover"), &copy).unwrap();
    for (name, binary, runs_as) in [
        ("handed", env!("CARGO_BIN_EXE_cutover"), "cutover-dashboa"),
        ("alone", copy.to_str().unwrap(), "cutover"),
    ] {
        let t = Tmux::start(
            name,
            80,
            24,
            &format!("{binary} --connect http://127.0.0.1:9; echo EXITED $?; sleep 600"),
        );
        t.wait_for("the waiting screen", |s| {
            s.contains("Waiting for the control plane at http://127.0.0.1:9")
        });
        let comm = std::fs::read_to_string(format!("/proc/{}/comm", t.shell_pid())).unwrap();
        let comm = if comm.trim() == "sh" || comm.trim() == "bash" {
            let out = Command::new("pgrep")
                .args(["-P", &t.shell_pid().to_string()])
                .output()
                .unwrap();
            let child = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            std::fs::read_to_string(format!("/proc/{child}/comm")).unwrap()
        } else {
            comm
        };
        assert_eq!(comm.trim(), runs_as, "{name}");
        t.keys(&["q"]);
        let screen = t.wait_for("the dashboard to exit", |s| s.contains("EXITED"));
        assert!(screen.contains("EXITED 0"), "{name}: {screen}");
    }
}

#[test]
fn a_hang_up_ends_the_dashboard_promptly_and_restores_the_terminal() {
    let t = Tmux::start("hup", 80, 24, &demo_command());
    t.wait_for("the dashboard, live", |s| s.contains("LIVE"));
    let shell = t.shell_pid();
    let out = Command::new("pgrep")
        .args(["-P", &shell.to_string(), "cutover"])
        .output()
        .unwrap();
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(!pid.is_empty(), "the dashboard's pid");
    assert!(
        Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success()
    );
    let screen = t.wait_for("the dashboard to exit after SIGHUP", exited_and_stty_said);
    assert!(screen.lines().any(|l| l == "icanon"), "{screen}");
}

/// Starts `cutover serve` on `port` with `data`; killed when dropped.
struct Serve(std::process::Child);

impl Serve {
    fn start(port: u16, data: &std::path::Path) -> Serve {
        let child = Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args([
                "serve",
                "--profile",
                "minimal",
                "--eval-interval",
                "1s",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data",
            ])
            .arg(data)
            .env("XDG_CONFIG_HOME", data)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        Serve(child)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_lost_connection_is_shown_refuses_actions_and_recovers() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let server = Serve::start(port, dir.path());
    let t = Tmux::start(
        "conn",
        100,
        30,
        &format!(
            "{} --connect http://127.0.0.1:{port}; sleep 600",
            env!("CARGO_BIN_EXE_cutover")
        ),
    );
    t.wait_for("the dashboard, live", |s| {
        s.contains("LIVE") && s.contains("shop/staff")
    });
    t.keys(&["p"]);
    t.wait_for("PAUSED", |s| {
        s.lines().next().is_some_and(|l| l.contains("PAUSED"))
    });
    drop(server);
    let screen = t.wait_for("RECONNECTING", |s| s.contains("RECONNECTING"));
    assert!(
        screen.contains("PAUSED") && screen.contains("shop/staff"),
        "the last known state stays on screen: {screen}"
    );
    t.keys(&["p"]);
    t.wait_for("the refusal", |s| {
        s.contains("not connected: the action was not sent")
    });
    let _server = Serve::start(port, dir.path());
    let screen = t.wait_for("LIVE again", |s| {
        s.lines().next().is_some_and(|l| l.contains("LIVE"))
    });
    assert!(
        screen.lines().next().unwrap().contains("PAUSED"),
        "the journal kept the pause: {screen}"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn cli(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(args)
        .args(["--connect", url])
        .output()
        .unwrap()
}

/// The dashboard's actions are journaled with a fresh idempotency key and a reason naming the
/// key; an advance decided on a screen the CLI has since moved on from is refused as stale,
/// and the operator is told so.
#[test]
fn a_stale_decision_from_the_dashboard_is_refused_and_said_so() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let _server = Serve::start(port, dir.path());
    let t = Tmux::start(
        "stale",
        100,
        30,
        &format!(
            "{} --connect {url}; sleep 600",
            env!("CARGO_BIN_EXE_cutover")
        ),
    );
    t.wait_for("the dashboard, live", |s| {
        s.contains("LIVE") && s.contains("shop/staff")
    });
    t.keys(&["p"]);
    t.wait_for("PAUSED", |s| s.contains("pause: done, revision 1"));
    t.keys(&["p"]);
    t.wait_for("running again", |s| s.contains("resume: done, revision 2"));
    let out = cli(&url, &["events", "--json"]);
    let records: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2, "{records:?}");
    let keys: Vec<&str> = records
        .iter()
        .map(|r| r["event"]["detail"]["idempotency_key"].as_str().unwrap())
        .collect();
    assert_ne!(keys[0], keys[1], "a fresh key per keystroke: {keys:?}");
    assert_eq!(
        records[0]["event"]["detail"]["reason"],
        "dashboard: pause (p)"
    );
    assert_eq!(
        records[1]["event"]["detail"]["reason"],
        "dashboard: resume (p)"
    );

    t.keys(&["a"]);
    t.wait_for("the advance confirmation", |s| s.contains("Advance?"));
    let out = cli(&url, &["note", "moved", "on", "--reason", "from the CLI"]);
    assert!(out.status.success(), "{out:?}");
    t.wait_for("the dialog to say the rollout moved on", |s| {
        s.contains("moved on to revision 3")
    });
    t.keys(&["Enter"]);
    t.wait_for("the stale refusal", |s| {
        s.contains("advance refused: the rollout moved on to revision 3 while you were deciding")
    });
    let out = cli(&url, &["status", "--json"]);
    let state: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(state["revision"], 3, "nothing was applied: {state}");
}

/// Rolling back from the picker asks for confirmation with the server's preview of exactly
/// what changes, and records the operator's own reason.
#[test]
fn a_rollback_is_confirmed_with_a_preview_and_a_reason() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let _server = Serve::start(port, dir.path());
    let t = Tmux::start(
        "confirm",
        120,
        40,
        &format!(
            "{} --connect {url}; sleep 600",
            env!("CARGO_BIN_EXE_cutover")
        ),
    );
    t.wait_for("the dashboard, live", |s| {
        s.contains("LIVE") && s.contains("shop/staff")
    });
    t.keys(&["r"]);
    t.wait_for("the rollback picker", |s| s.contains("Roll back which"));
    // shop, then shop/staff: pick the cohort.
    t.keys(&["Down", "Enter"]);
    let screen = t.wait_for("the preview", |s| s.contains("Would change"));
    assert!(screen.contains("Roll back shop/staff?"), "{screen}");
    assert!(screen.contains("shop/staff"), "{screen}");
    assert!(screen.contains("canary 10% → legacy"), "{screen}");
    t.keys(&["C-u"]);
    t.keys(&["-l", "errors on staff"]);
    t.wait_for("the reason typed", |s| {
        s.contains("reason: errors on staff")
    });
    t.keys(&["Enter"]);
    t.wait_for("done", |s| {
        s.contains("rollback shop/staff: done, revision 1")
    });
    let out = cli(&url, &["events", "--json"]);
    let record: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(record["event"]["detail"]["reason"], "errors on staff");
}

/// Quitting after a resize leaves the shell's screen as it was: no dashboard rows carried over.
#[test]
fn quitting_after_a_resize_leaves_the_shell_clean() {
    let t = Tmux::start(
        "resize",
        80,
        24,
        &format!(
            "clear; echo BEFORE; {} demo; echo EXITED $?; sleep 600",
            env!("CARGO_BIN_EXE_cutover")
        ),
    );
    t.wait_for("the dashboard, live", |s| s.contains("LIVE"));
    assert!(
        Command::new("tmux")
            .args([
                "-L",
                &t.socket,
                "resize-window",
                "-t",
                &t.session,
                "-x",
                "120",
                "-y",
                "40"
            ])
            .status()
            .unwrap()
            .success()
    );
    // Redrawn at the new size: rows wider than the old 80 columns (whatever the data's
    // freshness says on a loaded machine).
    t.wait_for("the dashboard redrawn at 120x40", |s| {
        s.lines().count() >= 40 && s.lines().any(|l| l.trim_end().chars().count() > 80)
    });
    t.keys(&["q"]);
    let screen = t.wait_for("the dashboard to exit", |s| s.contains("EXITED"));
    let lines: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines, ["BEFORE", "EXITED 0"], "{screen}");
}

/// A kill rings the terminal bell (BEL) by default, and not with `bell = "off"`.
#[test]
fn a_kill_rings_the_bell_unless_told_not_to() {
    for (bell, rings) in [("critical", true), ("off", false)] {
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        let dir = tempfile::tempdir().unwrap();
        let _server = Serve::start(port, dir.path());
        let raw = dir.path().join("raw.out");
        let t = Tmux::start(
            &format!("bell-{bell}"),
            100,
            30,
            &format!(
                "CUTOVER_BELL={bell} {} --connect {url}; sleep 600",
                env!("CARGO_BIN_EXE_cutover")
            ),
        );
        assert!(
            Command::new("tmux")
                .args(["-L", &t.socket, "pipe-pane", "-t", &t.session])
                .arg(format!("cat >> {}", raw.display()))
                .status()
                .unwrap()
                .success()
        );
        t.wait_for("the dashboard, live", |s| {
            s.contains("LIVE") && s.contains("shop/staff")
        });
        let out = cli(&url, &["kill", "--reason", "drill"]);
        assert!(out.status.success(), "{out:?}");
        t.wait_for("the kill on screen", |s| {
            s.lines().next().is_some_and(|l| l.contains("KILLED"))
        });
        // The bell is written before the frame that shows the kill: once the captured output
        // holds that frame, it holds the bell too (if there is one).
        let deadline = Instant::now() + Duration::from_mins(1);
        let bytes = loop {
            let bytes = std::fs::read(&raw).unwrap_or_default();
            if bytes.windows(6).any(|w| w == b"KILLED") {
                break bytes;
            }
            assert!(
                Instant::now() < deadline,
                "the captured output never showed the kill"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        assert_eq!(bytes.contains(&0x07), rings, "bell = {bell}");
    }
}
