//! The clock the control plane gives the engine: wall time, or wall time sped up (the demo
//! runs weeks of plan in minutes). The engine never reads time itself; tests inject their own.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::time::Timestamp;

/// A clock that starts at a given time and runs `speed` times faster than the wall.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    origin: Timestamp,
    started: Instant,
    speed: f64,
}

impl Clock {
    /// Wall-clock time.
    #[must_use]
    pub fn wall() -> Clock {
        Clock::sped_up(1.0)
    }

    /// Starts at the current wall time and runs `speed` times faster.
    #[must_use]
    pub fn sped_up(speed: f64) -> Clock {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Clock {
            origin: Timestamp(ms),
            started: Instant::now(),
            speed: if speed > 0.0 { speed } else { 1.0 },
        }
    }

    /// The current time.
    #[must_use]
    pub fn now(&self) -> Timestamp {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "milliseconds of a process lifetime"
        )]
        let elapsed = (self.started.elapsed().as_secs_f64() * 1000.0 * self.speed) as i64;
        Timestamp(self.origin.0 + elapsed)
    }

    /// How many times faster than the wall it runs.
    #[must_use]
    pub fn speed(&self) -> f64 {
        self.speed
    }
}
