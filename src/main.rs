//! The `cutover` binary: install the panic report, parse the command line, run it. An expected
//! failure (an unreachable server, a refused action, a bad file, a refused journal) is told in
//! a few lines for people — what, and each cause — with no source location or backtrace
//! whatever `RUST_BACKTRACE` says; only a panic, a bug, gets the full report. The dashboard
//! attached to a control plane is handed to `cutover-dashboard` when it is installed beside
//! this binary (the same flags, a fraction of the memory); otherwise it runs here.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    cutover::lifecycle::install_panic_report(std::io::stderr().is_terminal());
    let cli = cutover::cli::Cli::parse();
    if let Some(lean) = cutover::cli::dashboard_binary(&cli) {
        hand_over(&lean);
    }
    match cutover::cli::run(cli) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{}", cutover::lifecycle::for_people(&report));
            ExitCode::FAILURE
        }
    }
}

/// Replaces this process with `cutover-dashboard` and the same arguments; returns only if
/// that fails, and then the dashboard runs in this process.
#[cfg(unix)]
fn hand_over(lean: &std::path::Path) {
    use std::os::unix::process::CommandExt;
    let error = std::process::Command::new(lean)
        .args(std::env::args_os().skip(1))
        .env(
            "GLIBC_TUNABLES",
            lean_heap(std::env::var("GLIBC_TUNABLES").ok()),
        )
        .exec();
    tracing::debug!(%error, binary = %lean.display(), "the dashboard runs in-process");
}

#[cfg(not(unix))]
fn hand_over(_: &std::path::Path) {}

/// glibc's tunables for the dashboard: buffers of 64 KiB and more (a snapshot's text, a
/// screen's cells) are mapped on their own and given back when freed. By default glibc raises
/// that threshold after the first such free and carves later big buffers from the heap, which
/// never shrinks past the holes they leave: about 170 KB of the dashboard's memory. Tunables
/// the user set come after ours, so theirs win; other C libraries ignore the variable.
fn lean_heap(set: Option<String>) -> String {
    const OURS: &str = "glibc.malloc.mmap_threshold=65536";
    match set {
        Some(theirs) if !theirs.is_empty() => format!("{OURS}:{theirs}"),
        _ => OURS.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::lean_heap;

    #[test]
    fn the_users_tunables_come_last_and_win() {
        assert_eq!(lean_heap(None), "glibc.malloc.mmap_threshold=65536");
        assert_eq!(
            lean_heap(Some(String::new())),
            "glibc.malloc.mmap_threshold=65536"
        );
        assert_eq!(
            lean_heap(Some("glibc.malloc.mmap_threshold=1048576".into())),
            "glibc.malloc.mmap_threshold=65536:glibc.malloc.mmap_threshold=1048576"
        );
    }
}
