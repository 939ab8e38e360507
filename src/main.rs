//! The `cutover` binary: install error reporting, parse the command line, run it.

use std::process::ExitCode;

use clap::Parser;

fn main() -> color_eyre::Result<ExitCode> {
    color_eyre::install()?;
    cutover::cli::run(cutover::cli::Cli::parse())
}
