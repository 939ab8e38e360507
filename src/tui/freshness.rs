//! What the header says about the data, decided in one place: waiting for a control plane
//! that never answered, reconnecting (and how old what is on screen is), stale (no metric
//! window for a while), no data (windows come but the exposed cohorts had none — naming the
//! silent source), partial, or live with the data's age.

use super::state::{Conn, State};

/// How many evaluation intervals without a window make the data stale.
pub const STALE_INTERVALS: i64 = 3;

/// The data's state, for the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataState {
    /// Never connected.
    Waiting,
    /// Connection lost; what is on screen was current `age_ms` ago.
    Reconnecting {
        /// Age of what is on screen.
        age_ms: i64,
    },
    /// Connected but no metric window for `age_ms`.
    Stale {
        /// Time since the last window.
        age_ms: i64,
    },
    /// Windows come, but the exposed cohorts had no values for `age_ms`.
    NoData {
        /// Time since data last came; none when none ever did (since the dashboard started).
        age_ms: Option<i64>,
        /// The sources that said nothing or failed.
        silent: Vec<String>,
    },
    /// Some exposed cohorts had data.
    Partial {
        /// Cohorts with data.
        with: usize,
        /// Cohorts exposed.
        exposed: usize,
    },
    /// The exposed cohorts had data `age_ms` ago (or nothing is exposed).
    Live {
        /// Age of the last window.
        age_ms: i64,
    },
    /// Connected, no window yet.
    NoWindow,
}

/// Decides what the header says about the data.
#[must_use]
pub fn data_state(ui: &State) -> DataState {
    let age = |since: i64| (ui.now - since).max(0);
    match ui.link.conn {
        // Nothing ever arrived: there is no data whose age could be told, however many
        // attempts have failed.
        Conn::Connecting | Conn::Reconnecting if ui.snap.is_none() => return DataState::Waiting,
        Conn::Reconnecting | Conn::Connecting => {
            return DataState::Reconnecting {
                age_ms: age(ui.link.last_message),
            };
        }
        Conn::Stale => {
            return DataState::Stale {
                age_ms: age(ui.link.last_message),
            };
        }
        Conn::Live => {}
    }
    let Some(f) = ui.snap.as_ref().and_then(|s| s.freshness.as_ref()) else {
        return DataState::NoWindow;
    };
    let interval = i64::try_from(f.interval_ms).unwrap_or(i64::MAX / 4);
    if ui.history.metrics_at > 0 && age(ui.history.metrics_at) > STALE_INTERVALS * interval {
        return DataState::Stale {
            age_ms: age(ui.history.metrics_at),
        };
    }
    if f.exposed > 0 && f.with_data == 0 {
        return DataState::NoData {
            age_ms: (ui.history.data_at > 0).then(|| age(ui.history.data_at)),
            silent: f.silent().into_iter().map(str::to_owned).collect(),
        };
    }
    if f.with_data < f.exposed {
        return DataState::Partial {
            with: f.with_data,
            exposed: f.exposed,
        };
    }
    DataState::Live {
        age_ms: age(ui.history.metrics_at),
    }
}
