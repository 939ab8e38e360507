//! What every long-running command shares at its edges: waiting for SIGINT, SIGTERM or SIGHUP
//! (one way to stop, for the server and the dashboard alike), logging to a file through
//! `tracing` (never to a terminal being drawn on), and whether colour is wanted (`NO_COLOR`).

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;

/// Returns on SIGINT, SIGTERM or SIGHUP.
pub async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut hup = signal(SignalKind::hangup()).expect("SIGHUP handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
        _ = hup.recv() => {}
    }
}

/// Whether `NO_COLOR` asks for no colour (set and not empty, as no-color.org says).
#[must_use]
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Whether the terminal says it shows 24-bit colour (`COLORTERM=truecolor` or `24bit`).
#[must_use]
pub fn truecolor() -> bool {
    std::env::var("COLORTERM").is_ok_and(|v| v == "truecolor" || v == "24bit")
}

/// Logs to `dir/file` (filter from `CUTOVER_LOG`, default `info`); keep the guard alive as
/// long as logging should flush. `None` if the directory cannot be made or logging was set up.
pub fn log_to_file(dir: &Path, file: &str) -> Option<WorkerGuard> {
    std::fs::create_dir_all(dir).ok()?;
    // The library's default queue is 128,000 lines allocated up front (4 MB, most of the
    // dashboard's heap); a screen's log is a few lines a minute, and when the queue is full a
    // line is dropped rather than the screen held up.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(1024)
        .lossy(true)
        .finish(tracing_appender::rolling::never(dir, file));
    let filter = tracing_subscriber::EnvFilter::try_from_env("CUTOVER_LOG")
        .unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

/// Where the dashboard logs: `$XDG_STATE_HOME/cutover` (or `~/.local/state/cutover`).
#[must_use]
pub fn state_dir() -> Option<std::path::PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/state"))
        })?;
    Some(base.join("cutover"))
}

/// An expected failure told for people: `error: what`, then one `because:` line per cause —
/// no source location, no backtrace (those are for panics).
#[must_use]
pub fn for_people(report: &color_eyre::eyre::Report) -> String {
    let mut text = format!("error: {report}");
    for cause in report.chain().skip(1) {
        let _ = std::fmt::Write::write_fmt(&mut text, format_args!("\n  because: {cause}"));
    }
    text
}
