//! Layered settings: built-in defaults, then the user's config file
//! (`$XDG_CONFIG_HOME/cutover/config.toml`, or `--config FILE`), then `CUTOVER_*` environment
//! variables (`CUTOVER_TOKEN`, `CUTOVER_CONNECT`, `CUTOVER_LISTEN`, …), then command-line
//! flags, which win. Unknown keys in the file are an error naming them.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Settings from file and environment (flags are applied by the caller).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Control plane to talk to.
    pub connect: Option<String>,
    /// Bearer token for it.
    pub token: Option<String>,
    /// Profile for `serve`.
    pub profile: Option<String>,
    /// Address `serve` listens on.
    pub listen: Option<String>,
    /// Data directory of `serve`.
    pub data: Option<PathBuf>,
    /// Tokens file of `serve`.
    pub tokens: Option<PathBuf>,
    /// Metric source of `serve`.
    pub source: Option<String>,
    /// Prometheus base URL.
    pub prometheus: Option<String>,
    /// Alertmanager base URL.
    pub alertmanager: Option<String>,
    /// Where `serve` offers flagd's sync service (`--flagd-sync`).
    pub flagd_sync: Option<String>,
    /// NATS URLs `serve` publishes config revisions to (`--nats`).
    pub nats: Option<String>,
    /// NATS credentials file (`--nats-creds`).
    pub nats_creds: Option<std::path::PathBuf>,
    /// How often an edge reports to the control plane (`--report-every`, `2s`).
    pub edge_report_every: Option<String>,
    /// How long an edge goes without word from NATS before saying `stale` (`--stale-after`,
    /// `10s`).
    pub edge_stale_after: Option<String>,
    /// How long the control plane waits for an edge's report before calling it lost
    /// (`--edge-lost-after`, `6s`: three reports).
    pub edge_lost_after: Option<String>,
    /// Evaluation interval (`10s`).
    pub eval_interval: Option<String>,
    /// Webhook URLs.
    pub webhooks: Option<Vec<String>>,
    /// Time for a request's headers to arrive (`10s`).
    pub header_timeout: Option<String>,
    /// Time for a request's body to arrive (`10s`).
    pub body_timeout: Option<String>,
    /// Connections served at once.
    pub max_connections: Option<usize>,
    /// A PEM file of CA certificates to trust beside the system's.
    pub ca_cert: Option<PathBuf>,
    /// Dashboard theme.
    pub theme: Option<String>,
    /// When the dashboard rings the terminal bell: `critical` (default), `all` or `off`.
    pub bell: Option<String>,
    /// How long the dashboard's header flashes on a critical incident (`3s`).
    pub flash: Option<String>,
    /// How long an acknowledged incident that is over stays on the strip (`2m`).
    pub keep_incidents: Option<String>,
}

/// Every settings key; `CUTOVER_` plus the key in upper case sets it from the environment.
pub const KEYS: &[&str] = &[
    "connect",
    "token",
    "profile",
    "listen",
    "data",
    "tokens",
    "source",
    "prometheus",
    "alertmanager",
    "eval_interval",
    "webhooks",
    "header_timeout",
    "body_timeout",
    "max_connections",
    "ca_cert",
    "theme",
    "bell",
    "flash",
    "keep_incidents",
    "nats",
    "nats_creds",
    "edge_report_every",
    "edge_stale_after",
    "edge_lost_after",
];

/// The default config file path.
#[must_use]
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("cutover").join("config.toml"))
}

impl Settings {
    /// Loads the file (if it exists, or if named explicitly) and the environment.
    pub fn load(explicit: Option<&Path>) -> Result<Settings, String> {
        let mut builder = config::Config::builder();
        match explicit {
            Some(path) => {
                if !path.exists() {
                    return Err(format!("{}: config file not found", path.display()));
                }
                builder =
                    builder.add_source(config::File::from(path).format(config::FileFormat::Toml));
            }
            None => {
                if let Some(path) = default_path() {
                    builder = builder.add_source(
                        config::File::from(path)
                            .format(config::FileFormat::Toml)
                            .required(false),
                    );
                }
            }
        }
        // Only known keys come from the environment, so that other CUTOVER_* variables
        // (CUTOVER_LOG, say) are not mistaken for settings.
        for key in KEYS {
            let Ok(value) = std::env::var(format!("CUTOVER_{}", key.to_uppercase())) else {
                continue;
            };
            builder = if *key == "webhooks" {
                let list: Vec<String> = value
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
                    .collect();
                builder.set_override(*key, list)
            } else {
                builder.set_override(*key, value)
            }
            .map_err(|e| format!("CUTOVER_{}: {e}", key.to_uppercase()))?;
        }
        let built = builder.build().map_err(|e| format!("settings: {e}"))?;
        built
            .try_deserialize()
            .map_err(|e| format!("settings: {e} (keys: {})", KEYS.join(", ")))
    }
}
