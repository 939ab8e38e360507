//! `cutover` / `cutover tui` (the dashboard attached to a control plane) and `cutover demo`
//! (a control plane and the simulator in-process on loopback, with a temporary data
//! directory, and the dashboard on top).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use color_eyre::eyre::{Result, eyre};

use super::RemoteArgs;
use crate::clock::Clock;
use crate::plan;
use crate::server::auth::Auth;
use crate::server::{self, ServeOptions};
use crate::settings::Settings;
use crate::sim::{Fleet, Scenario};
use crate::sources::Source;
use crate::time::Period;
use crate::tui::keymap::Keymap;
use crate::tui::state::{Bell, Look, State};
use crate::tui::theme::Theme;
use crate::tui::{self, TuiOptions};

/// `cutover demo --help` on `--scenario`: the profile's story by default, then every script.
fn demo_scenario_help() -> String {
    format!(
        "{}\n\nWithout --scenario the demo tells the profile's own story, its [sim.demo]:\n  \
         vividwalls      latency-regression in sales, after six weeks (sales' own steps done)\n  \
         aixtiv          latency-regression in the americas clusters\n  \
         react-playbook  error-spike (guardrail compensations)\n  \
         aigentflow      error-spike (the MVP's internal alpha)\n  \
         minimal         error-spike\n\
         A profile without one plays error-spike.",
        crate::sim::scenario::HELP
    )
}

/// How the dashboard looks.
#[derive(Debug, Clone, Default, Args)]
pub struct LookArgs {
    /// Theme: dark, light, high-contrast, mono, prod (NO_COLOR forces mono).
    #[arg(long)]
    theme: Option<String>,
    /// Avoid box-drawing and block characters.
    #[arg(long)]
    ascii: bool,
    /// Refuse action keys.
    #[arg(long)]
    read_only: bool,
}

/// Flags of `cutover tui`.
#[derive(Debug, Clone, Default, Args)]
pub struct TuiArgs {
    #[command(flatten)]
    look: LookArgs,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// Flags of `cutover demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Profile: a built-in name or a file.
    #[arg(long, default_value = "vividwalls")]
    profile: String,
    /// Fault script; by default the profile's own story (its `[sim.demo]`, else error-spike).
    #[arg(long, long_help = demo_scenario_help())]
    scenario: Option<String>,
    /// Rollout clock speed: plan seconds per wall second (21600: six plan hours a second, so
    /// VividWalls' twelve weeks take about five minutes).
    #[arg(long, default_value_t = 21_600.0)]
    speed: f64,
    #[command(flatten)]
    look: LookArgs,
}

fn dashboard(look: &LookArgs, settings: &Settings, url: &str) -> Result<State> {
    let theme = Theme::choose(
        look.theme.as_deref().or(settings.theme.as_deref()),
        crate::lifecycle::no_color(),
    )
    .map_err(|e| eyre!(e))?;
    let user_keys = crate::settings::default_path()
        .map(|p| p.with_file_name("keymap.toml"))
        .and_then(|p| std::fs::read_to_string(p).ok());
    let keymap = Keymap::load(user_keys.as_deref()).map_err(|e| eyre!(e))?;
    let mut manners = Look::new(theme, keymap);
    manners.truecolor = crate::lifecycle::truecolor();
    let chosen = manners.theme.clone();
    manners.set_theme(chosen);
    manners.ascii = look.ascii;
    manners.read_only = look.read_only;
    if let Some(bell) = &settings.bell {
        manners.bell = Bell::parse(bell).map_err(|e| eyre!(e))?;
    }
    let ms = |key: &str, text: &Option<String>, default: i64| -> Result<i64> {
        text.as_deref().map_or(Ok(default), |t| {
            t.parse::<Period>()
                .map(|p| i64::try_from(p.0).unwrap_or(i64::MAX))
                .map_err(|e| eyre!("{key}: {e}"))
        })
    };
    manners.flash_ms = ms("flash", &settings.flash, manners.flash_ms)?;
    manners.keep_ms = ms("keep_incidents", &settings.keep_incidents, manners.keep_ms)?;
    Ok(State::new(manners, url))
}

/// Logs to `$XDG_STATE_HOME/cutover/dashboard.log` (never to the terminal being drawn on).
fn log_to_file() {
    if let Some(dir) = crate::lifecycle::state_dir() {
        crate::lifecycle::log_to_file_in_place(&dir, "dashboard.log");
    }
}

/// `cutover` and `cutover tui`.
pub async fn run_tui(args: TuiArgs, settings: Settings) -> Result<ExitCode> {
    log_to_file();
    let client = super::remote::client(&args.remote, &settings);
    let state = dashboard(&args.look, &settings, client.base())?;
    let opts = TuiOptions {
        connect: client.base().to_owned(),
        token: args.remote.token.or(settings.token.clone()),
    };
    tui::run(opts, state).await?;
    Ok(ExitCode::SUCCESS)
}

/// `cutover demo`.
pub async fn run_demo(args: DemoArgs, settings: Settings) -> Result<ExitCode> {
    log_to_file();
    let interval = Duration::from_secs(1);
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a duration in ms"
    )]
    let fresh = Period((1000.0 * args.speed.max(1.0) * 3.0) as u64);
    let plan = Arc::new(
        plan::builtin::load(&args.profile)
            .map_err(|e| eyre!("{e}"))?
            .with_min_data_age(fresh),
    );
    let fleet = match &args.scenario {
        Some(name) => Fleet::new(
            plan.clone(),
            Scenario::parse(name).map_err(|e| eyre!(e))?,
            1,
        ),
        None => Fleet::demo(plan.clone(), 1),
    };
    let dir = tempfile_dir()?;
    let opts = ServeOptions {
        recover: false,
        flagd_sync: None,
        nats: None,
        tokens_file: None,
        tls: None,
        allow_plaintext: false,
        manners: server::listen::Manners::default(),
        plan: plan.clone(),
        listen: "127.0.0.1:0".parse().expect("address"),
        data: dir.clone(),
        auth: Auth::Open,
        source: Source::Sim(Box::new(fleet)),
        alertmanager: None,
        eval_interval: interval,
        webhooks: Vec::new(),
        clock: Clock::sped_up(args.speed),
    };
    let mut running = server::start(opts).await?;
    // The simulated people who sign off and advance, so the demo walks the whole plan.
    running
        .tasks
        .spawn(crate::demo::live::run(running.app.clone()));
    let connect = format!("http://{}", running.addr);
    let state = dashboard(&args.look, &settings, &connect)?;
    let tui = TuiOptions {
        connect,
        token: None,
    };
    let result = tui::run(tui, state).await;
    running.cancel.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while running.tasks.join_next().await.is_some() {}
    })
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    result?;
    Ok(ExitCode::SUCCESS)
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("cutover-demo-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
