//! Time as the domain sees it: an injected clock reading ([`Timestamp`], milliseconds since the
//! Unix epoch) and plan durations ([`Period`], written `90s`, `10m`, `48h`, `3d`, `3w` or
//! `immediate`). The engine never reads the system clock; callers pass `now` in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time: milliseconds since the Unix epoch, as read from an injected clock.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The time `period` after this one.
    #[must_use]
    pub fn plus(self, period: Period) -> Timestamp {
        Timestamp(
            self.0
                .saturating_add(i64::try_from(period.0).unwrap_or(i64::MAX)),
        )
    }

    /// How long ago `earlier` was, zero if it is in the future.
    #[must_use]
    pub fn since(self, earlier: Timestamp) -> Period {
        Period(u64::try_from(self.0.saturating_sub(earlier.0)).unwrap_or(0))
    }

    /// RFC 3339 rendering in UTC, for journals and humans.
    #[must_use]
    pub fn to_rfc3339(self) -> String {
        crate::wire::format::rfc3339(self.0)
    }

    /// Parses an RFC 3339 time such as `2025-02-03T09:00:00Z`.
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, String> {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| Timestamp(t.timestamp_millis()))
            .map_err(|e| format!("`{text}` is not an RFC 3339 time ({e})"))
    }
}

/// A length of time in milliseconds, written in plans as `30s`, `5m`, `48h`, `3d`, `3w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Period(pub u64);

const SECOND: u64 = 1000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const WEEK: u64 = 7 * DAY;

impl Period {
    /// No time at all; also what `immediate` means.
    pub const ZERO: Period = Period(0);

    /// A period of whole seconds.
    #[must_use]
    pub const fn seconds(s: u64) -> Period {
        Period(s * SECOND)
    }

    /// A period of whole minutes.
    #[must_use]
    pub const fn minutes(m: u64) -> Period {
        Period(m * MINUTE)
    }

    /// A period of whole hours.
    #[must_use]
    pub const fn hours(h: u64) -> Period {
        Period(h * HOUR)
    }
}

impl Period {
    /// For people: the two largest units, e.g. `1h 26m`, `3d 4h`, `45s`.
    #[must_use]
    pub fn human(self) -> String {
        crate::wire::format::duration(self.0)
    }
}

impl FromStr for Period {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text == "immediate" || text == "0" {
            return Ok(Period::ZERO);
        }
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let unit = unit.trim_start();
        let hint = "write a whole number and a unit: 500ms, 30s, 10m, 48h, 3d, 2w, or `immediate`";
        let n: u64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a duration ({hint})"))?;
        let scale = match unit {
            "ms" => 1,
            "s" => SECOND,
            "m" | "min" => MINUTE,
            "h" => HOUR,
            "d" => DAY,
            "w" => WEEK,
            _ => return Err(format!("`{text}` has an unknown unit `{unit}` ({hint})")),
        };
        n.checked_mul(scale)
            .map(Period)
            .ok_or_else(|| format!("`{text}` is too long"))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        if ms == 0 {
            return f.write_str("0s");
        }
        for (scale, unit) in [
            (WEEK, "w"),
            (DAY, "d"),
            (HOUR, "h"),
            (MINUTE, "m"),
            (SECOND, "s"),
        ] {
            if ms.is_multiple_of(scale) {
                return write!(f, "{}{unit}", ms / scale);
            }
        }
        write!(f, "{ms}ms")
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_print_round_trip() {
        for (text, ms) in [
            ("immediate", 0),
            ("500ms", 500),
            ("30s", 30_000),
            ("10m", 600_000),
            ("48h", 172_800_000),
            ("3d", 259_200_000),
            ("3w", 1_814_400_000),
        ] {
            let p: Period = text.parse().unwrap();
            assert_eq!(p.0, ms, "{text}");
            let again: Period = p.to_string().parse().unwrap();
            assert_eq!(again, p);
        }
    }

    #[test]
    fn human_periods_show_two_units() {
        assert_eq!(Period(5_202_385).human(), "1h 26m");
        assert_eq!(Period::seconds(45).human(), "45s");
        assert_eq!(Period::ZERO.human(), "0s");
        assert_eq!("3w".parse::<Period>().unwrap().human(), "3w");
    }

    #[test]
    fn bad_periods_say_what_to_write() {
        let err = "3 weeks".parse::<Period>().unwrap_err();
        assert!(err.contains("unknown unit"), "{err}");
        let err = "soon".parse::<Period>().unwrap_err();
        assert!(err.contains("not a duration"), "{err}");
    }

    #[test]
    fn timestamps_render_in_utc() {
        let t = Timestamp::parse_rfc3339("2025-02-03T09:00:00Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2025-02-03T09:00:00.000Z");
        assert_eq!(t.plus(Period::minutes(1)).since(t), Period::minutes(1));
        assert_eq!(t.since(t.plus(Period::minutes(1))), Period::ZERO);
    }
}
