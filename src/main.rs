//! The `cutover` binary: install error reporting, parse the command line, run it.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> color_eyre::Result<ExitCode> {
    // Error reports are coloured only on a terminal and never under NO_COLOR.
    let colour = std::io::stderr().is_terminal() && !cutover::lifecycle::no_color();
    let theme = if colour {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    color_eyre::config::HookBuilder::default()
        .theme(theme)
        .install()?;
    cutover::cli::run(cutover::cli::Cli::parse())
}
