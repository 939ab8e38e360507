//! The real OpenFeature SDKs, as `scripts/install-test-deps` installs them: Python's in
//! `target/sdk/venv`, JavaScript's in `tests/sdk/node/node_modules`. A missing one fails the
//! test with what to run; it is never skipped.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

fn must_exist(path: PathBuf) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run scripts/install-test-deps (README's test command does)",
        path.display()
    );
    path
}

/// `python` of the test venv, running `tests/sdk/python/SCRIPT`.
pub fn python(script: &str) -> Command {
    let root = super::root();
    let mut c = Command::new(must_exist(root.join("target/sdk/venv/bin/python")));
    c.arg(must_exist(root.join("tests/sdk/python").join(script)));
    c
}

/// `node` running `tests/sdk/node/SCRIPT` with the installed packages.
pub fn node(script: &str) -> Command {
    let dir = super::root().join("tests/sdk/node");
    must_exist(dir.join("node_modules/@openfeature"));
    let mut c = Command::new("node");
    c.arg(dir.join(script)).current_dir(dir);
    c
}

/// A script running, read line by line.
pub struct Script {
    pub child: Child,
    pub lines: Lines<BufReader<ChildStdout>>,
}

impl Script {
    pub fn spawn(mut command: Command, args: &[&str]) -> Script {
        let mut child = command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("the SDK script starts");
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Script { child, lines }
    }

    /// Writes `line` to the script's stdin.
    pub async fn say(&mut self, line: &str) {
        use tokio::io::AsyncWriteExt;
        let stdin = self.child.stdin.as_mut().expect("stdin is piped");
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
        stdin.flush().await.unwrap();
    }

    /// The next `n` lines as JSON.
    pub async fn take(&mut self, n: usize, secs: u64) -> Vec<serde_json::Value> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.next(secs).await);
        }
        out
    }

    /// The next line as JSON; panics if the script ends first or takes over `secs`.
    pub async fn next(&mut self, secs: u64) -> serde_json::Value {
        let line =
            tokio::time::timeout(std::time::Duration::from_secs(secs), self.lines.next_line())
                .await
                .expect("the SDK script answers in time")
                .unwrap()
                .expect("the SDK script printed a line before it ended");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// Every line until the script ends; panics if it fails.
    pub async fn all(mut self, secs: u64) -> Vec<serde_json::Value> {
        drop(self.child.stdin.take());
        let mut out = Vec::new();
        let read = async {
            while let Some(line) = self.lines.next_line().await.unwrap() {
                out.push(
                    serde_json::from_str(&line)
                        .unwrap_or_else(|e| panic!("not JSON ({e}): {line}")),
                );
            }
            self.child.wait().await.unwrap()
        };
        let status = tokio::time::timeout(std::time::Duration::from_secs(secs), read)
            .await
            .expect("the SDK script ends in time");
        assert!(status.success(), "the SDK script failed: {status}");
        out
    }
}
