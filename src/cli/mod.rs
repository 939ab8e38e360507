//! The command line: clap definitions and dispatch. Local commands (`plan`, `journal`) run
//! directly; `serve` and `sim` run the control plane and the simulator; the headless commands
//! (`status`, `events`, and the actions) talk to a control plane over HTTP. Exit codes: 0
//! done, 1 error, 2 refused (the reason printed).

// Doc comments here are `--help` text, where backticks would show literally.
#![allow(clippy::doc_markdown)]

mod dashboard;
mod edge;
mod journal;
mod remote;
pub mod serve;
mod simulate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use color_eyre::eyre::{Result, WrapErr, eyre};

use crate::plan;
use crate::settings::Settings;

/// Mission control for phased rollouts, in the terminal.
#[derive(Debug, Parser)]
#[command(name = "cutover", version, about)]
pub struct Cli {
    /// With no command: the dashboard (as `cutover tui`).
    #[command(flatten)]
    tui: dashboard::TuiArgs,
    #[command(flatten)]
    globals: GlobalArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The dashboard, attached to a control plane (the default command).
    Tui(dashboard::TuiArgs),
    /// Control plane, simulator and dashboard in one process: try cutover here.
    Demo(dashboard::DemoArgs),
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
    /// Run the control plane.
    Serve(Box<serve::ServeArgs>),
    /// Relay the control plane's config to apps from NATS (stateless; run several).
    Edge(Box<edge::EdgeArgs>),
    /// Run the fleet simulator against a control plane.
    Sim(simulate::SimArgs),
    /// Show the rollout's state.
    Status {
        /// Print the state object as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// List journaled events; with --follow, keep streaming everything that happens.
    Events {
        /// Only events after this seq.
        #[arg(long, default_value_t = 0)]
        since: u64,
        /// Keep streaming.
        #[arg(long)]
        follow: bool,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Leave the current step (its gates must pass).
    Advance(ActArgs),
    /// Stop automatic progress.
    Pause(ActArgs),
    /// Resume; with a target, release its rollback or a named kill switch (`all`: everything).
    Resume {
        /// Cohort, department, kill switch or `all`.
        target: Option<String>,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Send a cohort, a department or `all` back to legacy.
    Rollback {
        /// Cohort (`dept/cohort`), department, or `all`.
        target: String,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Pull the global kill switch, or a named one.
    Kill {
        /// A named kill switch (default: the global one).
        switch: Option<String>,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Sign off a gate (a token that lists the gate's sign-off, whatever its role).
    Approve {
        /// The sign-off gate's id.
        gate: String,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Put a cohort on canary at a percentage (admin).
    SetWeight {
        /// `department/cohort`.
        cohort: String,
        /// Percentage on enhanced, 0–100.
        percent: f64,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Acknowledge a firing alert.
    Ack {
        /// The alert key (`rule@scope`, or `am:…` for Alertmanager).
        alert: String,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Write a note in the journal.
    Note {
        /// The note.
        #[arg(required = true)]
        text: Vec<String>,
        #[command(flatten)]
        act: ActArgs,
    },
}

#[derive(Debug, Subcommand)]
enum PlanCommand {
    /// Check profiles; prints every problem as `file:line:col: field: message (hint)`, and
    /// warnings for questionable plans (exit 0 unless --strict).
    Check {
        /// Profile files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
    },
    /// Print a readable outline of a profile (a file, or a built-in name).
    Show {
        /// Profile file or built-in name.
        profile: String,
    },
}

#[derive(Debug, Subcommand)]
enum JournalCommand {
    /// Write every journal record to standard output; from a damaged journal, every record
    /// that can still be read, with a warning on standard error.
    Export {
        /// The data directory of the control plane.
        #[arg(long)]
        data: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = journal::Format::Jsonl)]
        format: journal::Format,
    },
    /// Check the journal without changing it: exit 0 if intact, 1 if damaged, with a report.
    Verify {
        /// The data directory of the control plane.
        #[arg(long)]
        data: PathBuf,
    },
    /// Copy the journal to FILE, consistently, also while `cutover serve` runs.
    Backup {
        /// The data directory of the control plane.
        #[arg(long)]
        data: PathBuf,
        /// The new backup file.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Put a backup back as the journal of DIR (stop `cutover serve` first); the current
    /// journal is moved aside and a new lineage starts.
    Restore {
        /// The backup file.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// The data directory of the control plane.
        #[arg(long)]
        data: PathBuf,
    },
}

/// Where the control plane is and who we are.
#[derive(Debug, Clone, Default, Args)]
pub struct RemoteArgs {
    /// Control plane URL (default: settings, then http://127.0.0.1:7070).
    #[arg(long, value_name = "URL")]
    connect: Option<String>,
    /// Bearer token (default: settings or CUTOVER_TOKEN).
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
}

/// What every action carries.
#[derive(Debug, Clone, Args)]
pub struct ActArgs {
    /// Why (recorded in the journal).
    #[arg(long, default_value = "")]
    reason: String,
    /// Refuse unless the rollout is still at this revision.
    #[arg(long, value_name = "REVISION")]
    expect_revision: Option<u64>,
    /// Idempotency key (default: a fresh one per invocation).
    #[arg(long, value_name = "KEY")]
    idempotency_key: Option<String>,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// The dashboard attached to a control plane does little work at a time: one thread keeps
/// its memory small (one allocator arena, no idle workers).
fn small_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .wrap_err("starting the async runtime")
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .wrap_err("starting the async runtime")
}

/// Flags of every command: where the settings are, what else to trust.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Settings file (default: $XDG_CONFIG_HOME/cutover/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Trust the CA certificates in this PEM file too, beside the system's, for every https://
    /// and wss:// connection (also the `ca_cert` setting and CUTOVER_CA_CERT).
    #[arg(long, global = true, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
}

/// The dashboard's own, smaller binary (`cutover-dashboard`): the same flags as `cutover` /
/// `cutover tui`, and nothing else. `cutover` hands the dashboard to it when it sits beside
/// it (see [`dashboard_binary`]): linking only the client side, it maps a fraction of the
/// code into memory.
#[derive(Debug, Parser)]
#[command(name = "cutover", version, about)]
pub struct DashboardCli {
    #[command(flatten)]
    tui: dashboard::TuiArgs,
    #[command(flatten)]
    globals: GlobalArgs,
    #[command(subcommand)]
    command: Option<DashboardCommand>,
}

#[derive(Debug, Subcommand)]
enum DashboardCommand {
    /// The live dashboard (the default).
    Tui(dashboard::TuiArgs),
}

/// Runs `cutover-dashboard`.
pub fn run_dashboard(cli: DashboardCli) -> Result<ExitCode> {
    trust(&cli.globals)?;
    let settings = Settings::load(cli.globals.config.as_deref()).map_err(|e| eyre!(e))?;
    let Some(DashboardCommand::Tui(args)) = cli.command else {
        return small_runtime()?.block_on(dashboard::run_tui(cli.tui, settings));
    };
    small_runtime()?.block_on(dashboard::run_tui(args, settings))
}

/// `cutover-dashboard` beside this executable, when this command line is the dashboard's
/// (`cutover` alone or `cutover tui`) and the binary exists: `main` hands over to it.
#[must_use]
pub fn dashboard_binary(cli: &Cli) -> Option<PathBuf> {
    if !matches!(cli.command, None | Some(Command::Tui(_))) {
        return None;
    }
    let beside = std::env::current_exe()
        .ok()?
        .with_file_name(format!("cutover-dashboard{}", std::env::consts::EXE_SUFFIX));
    beside.is_file().then_some(beside)
}

/// Installs the TLS provider and trusts the extra CA, from the flag or the settings.
fn trust(globals: &GlobalArgs) -> Result<()> {
    crate::tls::install();
    let ca = globals
        .ca_cert
        .clone()
        .or_else(|| Settings::load(globals.config.as_deref()).ok()?.ca_cert);
    if let Some(ca) = ca {
        crate::tls::trust_also(&ca).map_err(|e| eyre!(e))?;
    }
    Ok(())
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let settings = || Settings::load(cli.globals.config.as_deref()).map_err(|e| eyre!(e));
    trust(&cli.globals)?;
    let command = cli.command.unwrap_or(Command::Tui(cli.tui));
    match command {
        Command::Tui(args) => small_runtime()?.block_on(dashboard::run_tui(args, settings()?)),
        Command::Demo(args) => runtime()?.block_on(dashboard::run_demo(args, settings()?)),
        Command::Plan {
            command: PlanCommand::Check { files, strict },
        } => Ok(plan_check(&files, strict)),
        Command::Plan {
            command: PlanCommand::Show { profile },
        } => match plan::builtin::load(&profile) {
            Ok(p) => {
                print!("{}", plan::outline::outline(&p));
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("{e}");
                Ok(ExitCode::from(1))
            }
        },
        Command::Journal { command } => match command {
            JournalCommand::Export { data, format } => journal::export(&data, format),
            JournalCommand::Verify { data } => Ok(journal::verify(&data)),
            JournalCommand::Backup { data, to } => journal::backup(&data, &to),
            JournalCommand::Restore { from, data } => journal::restore(&from, &data),
        },
        Command::Serve(args) => runtime()?.block_on(serve::run(*args, settings()?)),
        Command::Edge(args) => runtime()?.block_on(edge::run(*args, settings()?)),
        Command::Sim(args) => runtime()?.block_on(simulate::run(args, settings()?)),
        Command::Status { json, remote } => {
            runtime()?.block_on(remote::status(&remote::client(&remote, &settings()?), json))
        }
        Command::Events {
            since,
            follow,
            json,
            remote,
        } => runtime()?.block_on(remote::events(
            &remote::client(&remote, &settings()?),
            since,
            follow,
            json,
        )),
        command => {
            let (request, act) = remote::action_request(command)?;
            runtime()?.block_on(remote::act(
                &remote::client(&act.remote, &settings()?),
                request,
            ))
        }
    }
}

fn plan_check(files: &[PathBuf], strict: bool) -> ExitCode {
    let mut ok = true;
    for file in files {
        let name = file.display().to_string();
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                ok = false;
                eprintln!("{name}: cannot read: {e}");
                continue;
            }
        };
        match plan::load_str(&name, &text) {
            Ok(p) => {
                let warnings = plan::warnings(&text, &p);
                for w in &warnings {
                    let hint = w
                        .hint
                        .as_ref()
                        .map(|h| format!(" ({h})"))
                        .unwrap_or_default();
                    eprintln!(
                        "{name}:{}:{}: {}: warning: {}{hint}",
                        w.line, w.column, w.path, w.message
                    );
                }
                if strict && !warnings.is_empty() {
                    ok = false;
                    eprintln!(
                        "{name}: {} warning(s), refused with --strict",
                        warnings.len()
                    );
                } else {
                    println!(
                        "{name}: ok ({} cohorts, {} phases, {} steps{})",
                        p.cohorts().len(),
                        p.profile().phases.len(),
                        p.steps().len(),
                        if warnings.is_empty() {
                            String::new()
                        } else {
                            format!(", {} warning(s)", warnings.len())
                        }
                    );
                }
            }
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
