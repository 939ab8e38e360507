//! What a plan says should happen when things go wrong, and what it can switch off: alert
//! rules with their tiers, modes, scopes and actions; named kill switches; flag values and the
//! patterns kill switches match them with. Part of the profile's schema (`model`).

use serde::{Deserialize, Serialize};

use super::condition::{Operand, Tier};

/// Whether a rule only reports or also acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertMode {
    /// Fire and report; take no action.
    Observe,
    /// Fire and take the tier's action.
    Enforce,
}

/// Where a rule is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Each exposed cohort on its own.
    Cohort,
    /// Each department's exposed cohorts together.
    Department,
    /// Every exposed cohort together.
    Global,
}

/// What a tier does when it fires in enforce mode; written `notify`, `pause`,
/// `rollback_scope`, `rollback_all`, `kill`, or `kill:SWITCH` for a named kill switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum TierAction {
    /// Report only.
    Notify,
    /// Pause the rollout.
    Pause,
    /// Send the breaching scope back to legacy.
    RollbackScope,
    /// Send every cohort back to legacy.
    RollbackAll,
    /// Pull the global kill switch, or a named one.
    Kill(Option<String>),
}

impl std::fmt::Display for TierAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TierAction::Notify => f.write_str("notify"),
            TierAction::Pause => f.write_str("pause"),
            TierAction::RollbackScope => f.write_str("rollback_scope"),
            TierAction::RollbackAll => f.write_str("rollback_all"),
            TierAction::Kill(None) => f.write_str("kill"),
            TierAction::Kill(Some(switch)) => write!(f, "kill:{switch}"),
        }
    }
}

impl TryFrom<String> for TierAction {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Ok(match text.as_str() {
            "notify" => TierAction::Notify,
            "pause" => TierAction::Pause,
            "rollback_scope" => TierAction::RollbackScope,
            "rollback_all" => TierAction::RollbackAll,
            "kill" => TierAction::Kill(None),
            other => match other.strip_prefix("kill:") {
                Some(switch) if !switch.is_empty() => TierAction::Kill(Some(switch.to_owned())),
                _ => {
                    return Err(format!(
                        "unknown action `{other}` (one of notify, pause, rollback_scope, rollback_all, kill, kill:SWITCH)"
                    ));
                }
            },
        })
    }
}

impl From<TierAction> for String {
    fn from(a: TierAction) -> String {
        a.to_string()
    }
}

/// One value per tier; tiers left out are not used.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tiers<T> {
    /// The info tier.
    pub info: Option<T>,
    /// The warning tier.
    pub warning: Option<T>,
    /// The critical tier.
    pub critical: Option<T>,
}

impl<T> Default for Tiers<T> {
    fn default() -> Self {
        Tiers {
            info: None,
            warning: None,
            critical: None,
        }
    }
}

impl<T> Tiers<T> {
    /// The value for a tier.
    pub fn get(&self, tier: Tier) -> Option<&T> {
        match tier {
            Tier::Info => self.info.as_ref(),
            Tier::Warning => self.warning.as_ref(),
            Tier::Critical => self.critical.as_ref(),
        }
    }
}

/// An alert rule with up to three thresholds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    /// Id, unique in the plan.
    pub id: String,
    /// For humans.
    #[serde(default)]
    pub description: String,
    /// What is measured (`error_rate.enhanced`).
    pub when: Operand,
    /// Where it is evaluated.
    pub scope: Scope,
    /// Consecutive breaching evaluations before a tier fires.
    #[serde(default = "super::model::one", rename = "for")]
    pub for_evaluations: u32,
    /// Observe (report) or enforce (act) — steps may change it.
    #[serde(default = "default_alert_mode")]
    pub mode: AlertMode,
    /// Breach thresholds per tier.
    pub thresholds: Tiers<f64>,
    /// Action per tier (default: notify).
    #[serde(default)]
    pub actions: Tiers<TierAction>,
}

fn default_alert_mode() -> AlertMode {
    AlertMode::Enforce
}

/// A named kill switch: flags it turns off, scopes it sends to legacy, whether it pauses.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KillSwitch {
    /// Id (`disable-evolution`).
    pub id: String,
    /// For humans.
    #[serde(default)]
    pub description: String,
    /// Flags forced off while engaged; a trailing `*` matches a prefix (`evolution.*`).
    #[serde(default)]
    pub flags_off: Vec<String>,
    /// Targets sent to legacy while engaged.
    #[serde(default)]
    pub rollback: Vec<String>,
    /// Whether engaging it pauses the rollout.
    #[serde(default)]
    pub pause: bool,
}

/// A flag's value: most are booleans, some are numbers or strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FlagValue {
    /// On or off.
    Bool(bool),
    /// A count or limit.
    Int(i64),
    /// A fraction or rate.
    Float(f64),
    /// Anything else.
    Text(String),
}

impl FlagValue {
    /// The value a kill switch forces: off, zero or empty.
    #[must_use]
    pub fn off(&self) -> FlagValue {
        match self {
            FlagValue::Bool(_) => FlagValue::Bool(false),
            FlagValue::Int(_) => FlagValue::Int(0),
            FlagValue::Float(_) => FlagValue::Float(0.0),
            FlagValue::Text(_) => FlagValue::Text(String::new()),
        }
    }
}

impl std::fmt::Display for FlagValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FlagValue::Bool(b) => write!(f, "{}", if *b { "on" } else { "off" }),
            FlagValue::Int(i) => write!(f, "{i}"),
            FlagValue::Float(x) => write!(f, "{x}"),
            FlagValue::Text(s) => write!(f, "{s:?}"),
        }
    }
}

/// Whether a kill-switch pattern (`evolution.*` or an exact name) covers a flag.
#[must_use]
pub fn flag_matches(pattern: &str, flag: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => flag.starts_with(prefix),
        None => pattern == flag,
    }
}
