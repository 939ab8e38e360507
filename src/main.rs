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
        .exec();
    tracing::debug!(%error, binary = %lean.display(), "the dashboard runs in-process");
}

#[cfg(not(unix))]
fn hand_over(_: &std::path::Path) {}
