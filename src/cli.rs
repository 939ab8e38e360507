//! The command line: parses arguments with clap and dispatches to the library. Commands
//! here print for people (or JSON for scripts) and map outcomes to exit codes: 0 done,
//! 1 error, 2 refused or invalid input.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use color_eyre::eyre::{Result, WrapErr};

use crate::journal;
use crate::plan;

/// Mission control for phased rollouts, in the terminal.
#[derive(Debug, Parser)]
#[command(name = "cutover", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check or show rollout plans (profiles).
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// Read a rollout's journal.
    Journal {
        #[command(subcommand)]
        command: JournalCommand,
    },
}

#[derive(Debug, Subcommand)]
enum PlanCommand {
    /// Check profiles; prints every problem as `file:line:col: field: message (hint)`.
    Check {
        /// Profile files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print a readable outline of a profile.
    Show {
        /// Profile file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum JournalCommand {
    /// Write every journal record to standard output.
    Export {
        /// The data directory of the control plane.
        #[arg(long)]
        data: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Jsonl)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Jsonl,
    Csv,
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Plan {
            command: PlanCommand::Check { files },
        } => Ok(plan_check(&files)),
        Command::Plan {
            command: PlanCommand::Show { file },
        } => match plan::load_file(&file) {
            Ok(p) => {
                print!("{}", plan::outline::outline(&p));
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("{e}");
                Ok(ExitCode::from(1))
            }
        },
        Command::Journal {
            command: JournalCommand::Export { data, format },
        } => {
            let records = journal::read_records(&data)
                .wrap_err_with(|| format!("reading the journal in {}", data.display()))?;
            let stdout = std::io::stdout().lock();
            match format {
                Format::Jsonl => journal::export::jsonl(&records, stdout)?,
                Format::Csv => journal::export::csv(&records, stdout)?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn plan_check(files: &[PathBuf]) -> ExitCode {
    let mut ok = true;
    for file in files {
        match plan::load_file(file) {
            Ok(p) => println!(
                "{}: ok ({} cohorts, {} phases, {} steps)",
                file.display(),
                p.cohorts().len(),
                p.profile().phases.len(),
                p.steps().len()
            ),
            Err(e) => {
                ok = false;
                eprintln!("{e}");
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
