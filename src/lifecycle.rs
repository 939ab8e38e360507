//! What every long-running command shares at its edges: waiting for SIGINT, SIGTERM or SIGHUP
//! (one way to stop, for the server and the dashboard alike), logging to a file through
//! `tracing` (never to a terminal being drawn on), and whether colour is wanted (`NO_COLOR`).

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

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

/// Logs to `dir/file` (filter from `CUTOVER_LOG`, default `info`) through a background
/// writer, for the control plane, which must never wait on its log; keep the guard alive as
/// long as logging should flush. `None` if the file cannot be opened or logging was set up.
pub fn log_to_file(dir: &Path, file: &str) -> Option<WorkerGuard> {
    // The library's default queue is 128,000 lines allocated up front (4 MB); when the queue
    // is full a line is dropped rather than the server held up.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(1024)
        .lossy(true)
        .finish(open_log(dir, file)?);
    init_logging(writer).then_some(guard)
}

/// Logs to standard error through the same bounded, lossy queue as [`log_to_file`]: for the
/// edge relay, a stateless service whose supervisor keeps its output.
pub fn log_to_stderr() -> Option<WorkerGuard> {
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(1024)
        .lossy(true)
        .finish(std::io::stderr());
    init_logging(writer).then_some(guard)
}

/// Logs to `dir/file` as `log_to_file` does, but written in place: the dashboard logs a few
/// lines a minute, not worth a thread and its memory. Whether logging was set up.
pub fn log_to_file_in_place(dir: &Path, file: &str) -> bool {
    open_log(dir, file).is_some_and(|f| init_logging(std::sync::Mutex::new(f)))
}

fn open_log(dir: &Path, file: &str) -> Option<std::fs::File> {
    std::fs::create_dir_all(dir).ok()?;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(file))
        .ok()
}

fn init_logging<W>(writer: W) -> bool
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .finish()
        .with(log_filter(std::env::var("CUTOVER_LOG").ok().as_deref()))
        .try_init()
        .is_ok()
}

/// What is logged: `CUTOVER_LOG` as `level` or `target=level` pairs separated by commas (e.g.
/// `info,cutover::server=debug`); when unset or unreadable `info`, but only warnings from the
/// NATS client (which says every reconnect attempt at `info`; cutover says the state change).
fn log_filter(spec: Option<&str>) -> tracing_subscriber::filter::Targets {
    spec.and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        tracing_subscriber::filter::Targets::new()
            .with_default(tracing::Level::INFO)
            .with_target("async_nats", tracing::Level::WARN)
    })
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

/// Installs the panic report: coloured only on a terminal and never under `NO_COLOR`.
pub fn install_panic_report(on_terminal: bool) {
    let theme = if on_terminal && !no_color() {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    let (panic_hook, _) = color_eyre::config::HookBuilder::default()
        .theme(theme)
        .into_hooks();
    panic_hook.install();
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn the_log_filter_reads_cutover_log_and_falls_back_to_info() {
        let f = log_filter(Some("warn,cutover::server=debug"));
        assert!(f.would_enable("cutover::server::api", &Level::DEBUG));
        assert!(!f.would_enable("cutover::tui", &Level::INFO));
        let default = log_filter(None);
        assert!(default.would_enable("cutover::tui", &Level::INFO));
        assert!(!default.would_enable("cutover::tui", &Level::DEBUG));
        assert!(!default.would_enable("async_nats", &Level::INFO));
        assert!(default.would_enable("async_nats", &Level::WARN));
        let unreadable = log_filter(Some("=?=not a filter"));
        assert!(unreadable.would_enable("anything", &Level::INFO));
        assert!(!unreadable.would_enable("anything", &Level::DEBUG));
    }
}
