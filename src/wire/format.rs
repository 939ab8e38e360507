//! How clients write wire values for people: durations with two units (`1h 26m`), times in
//! UTC, weights in basis points as percentages, rounded readings. Kept beside the types so the
//! dashboard and the CLI say the same thing the same way; `time::Period::human` uses it too.

use super::state::{Risk, Role, Standing};

/// A duration in milliseconds for people: the two largest units, e.g. `1h 26m`, `3d 4h`, `45s`.
#[must_use]
pub fn duration(ms: u64) -> String {
    const UNITS: [(u64, &str); 5] = [
        (7 * 86_400, "w"),
        (86_400, "d"),
        (3_600, "h"),
        (60, "m"),
        (1, "s"),
    ];
    let mut rest = ms / 1000;
    let mut parts = Vec::new();
    for (scale, unit) in UNITS {
        if rest >= scale {
            parts.push(format!("{}{unit}", rest / scale));
            rest %= scale;
        }
    }
    if parts.is_empty() {
        "0s".into()
    } else {
        parts.into_iter().take(2).collect::<Vec<_>>().join(" ")
    }
}

/// A time (ms since the epoch) in RFC 3339, UTC, with milliseconds.
#[must_use]
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || format!("@{ms}ms"),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    )
}

/// A weight in basis points as a percentage: `25%`, `12.5%`, `0.05%`.
#[must_use]
pub fn percent(bp: u16) -> String {
    if bp.is_multiple_of(100) {
        format!("{}%", bp / 100)
    } else {
        let text = format!("{:.2}", f64::from(bp) / 100.0);
        format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// A reading rounded to four decimals, as events and gates show it.
#[must_use]
pub fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// Why a cohort is where it is, in the words the CLI and the dashboard share.
#[must_use]
pub fn standing(s: Standing) -> &'static str {
    match s {
        Standing::Planned => "on plan",
        Standing::Overridden => "manual weight",
        Standing::Excluded => "excluded",
        Standing::RolledBack => "rolled back",
        Standing::Switched => "kill switch",
        Standing::Killed => "killed",
    }
}

/// A risk level's name.
#[must_use]
pub fn risk(r: Risk) -> &'static str {
    match r {
        Risk::Low => "low",
        Risk::Medium => "medium",
        Risk::High => "high",
        Risk::Critical => "critical",
    }
}

/// A role's name.
#[must_use]
pub fn role(role: Role) -> &'static str {
    match role {
        Role::Viewer => "viewer",
        Role::Operator => "operator",
        Role::Admin => "admin",
        Role::System => "system",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_read_durations_weights_and_times() {
        assert_eq!(duration(5_202_385), "1h 26m");
        assert_eq!(duration(45_000), "45s");
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(3 * 7 * 86_400_000), "3w");
        assert_eq!(percent(2500), "25%");
        assert_eq!(percent(1250), "12.5%");
        assert_eq!(percent(5), "0.05%");
        assert_eq!(rfc3339(1_738_573_200_000), "2025-02-03T09:00:00.000Z");
    }
}
