//! The `cutover` binary: install the panic report, parse the command line, run it. An expected
//! failure (an unreachable server, a refused action, a bad file, a refused journal) is told in
//! a few lines for people — what, and each cause — with no source location or backtrace
//! whatever `RUST_BACKTRACE` says; only a panic, a bug, gets the full report.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Panic reports are coloured only on a terminal and never under NO_COLOR.
    let colour = std::io::stderr().is_terminal() && !cutover::lifecycle::no_color();
    let theme = if colour {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    let (panic_hook, _) = color_eyre::config::HookBuilder::default()
        .theme(theme)
        .into_hooks();
    panic_hook.install();
    match cutover::cli::run(cutover::cli::Cli::parse()) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{}", cutover::lifecycle::for_people(&report));
            ExitCode::FAILURE
        }
    }
}
