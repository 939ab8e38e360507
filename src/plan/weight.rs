//! Traffic weights in basis points (0–10,000 = 0–100 %), written in plans as `"12.5%"` or
//! `"1250bp"` so that nobody has to guess whether `5` meant percent or basis points.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A share of a cohort's units routed to the enhanced variant, in basis points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Weight(u16);

impl Weight {
    /// Every unit on legacy.
    pub const ZERO: Weight = Weight(0);
    /// Every unit on enhanced.
    pub const FULL: Weight = Weight(10_000);

    /// A weight from basis points; `None` above 10,000.
    #[must_use]
    pub fn from_bp(bp: u32) -> Option<Weight> {
        u16::try_from(bp)
            .ok()
            .filter(|bp| *bp <= 10_000)
            .map(Weight)
    }

    /// The weight in basis points (0–10,000).
    #[must_use]
    pub fn bp(self) -> u16 {
        self.0
    }

    /// The weight as a percentage (0.0–100.0).
    #[must_use]
    pub fn percent(self) -> f64 {
        f64::from(self.0) / 100.0
    }
}

impl FromStr for Weight {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let bp = if let Some(pct) = text.strip_suffix('%') {
            percent_to_bp(pct.trim()).map_err(|e| format!("weight `{text}`: {e}"))?
        } else if let Some(bp) = text.strip_suffix("bp") {
            bp.trim()
                .parse()
                .map_err(|_| format!("`{text}` is not a weight (write \"25%\" or \"2500bp\")"))?
        } else {
            return Err(format!(
                "`{text}` is not a weight: say the unit (write \"25%\" or \"2500bp\")"
            ));
        };
        Weight::from_bp(bp).ok_or_else(|| format!("weight `{text}` is outside 0–100 %"))
    }
}

/// `12.34` (percent) as 1234 basis points, read as a decimal — no floating point, so what is
/// written is what is kept. More than two decimals is finer than a basis point: refused.
fn percent_to_bp(pct: &str) -> Result<u32, String> {
    if pct.starts_with('-') {
        return Err("outside 0–100 %".into());
    }
    let (whole, fraction) = pct.split_once('.').unwrap_or((pct, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(fraction.is_empty() || digits(fraction)) {
        return Err("not a weight (write \"25%\", \"12.5%\" or \"2500bp\")".into());
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 2 {
        return Err("finer than a basis point (0.01 %): write at most two decimals".into());
    }
    let whole: u32 = whole.parse().map_err(|_| "outside 0–100 %".to_owned())?;
    let hundredths: u32 = format!("{fraction:0<2}").parse().unwrap_or(0);
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(hundredths))
        .ok_or_else(|| "outside 0–100 %".to_owned())
}

impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::wire::format::percent(self.0))
    }
}

impl Serialize for Weight {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Weight {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(f64),
        }
        match Raw::deserialize(d)? {
            Raw::Text(text) => text.parse().map_err(serde::de::Error::custom),
            Raw::Number(n) => Err(serde::de::Error::custom(format!(
                "weight {n} has no unit (write \"{n}%\" or \"{n}bp\")"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_parse_in_percent_and_basis_points() {
        for (text, bp) in [
            ("0%", 0),
            ("5%", 500),
            ("12.5%", 1250),
            ("100%", 10_000),
            ("250bp", 250),
        ] {
            assert_eq!(text.parse::<Weight>().unwrap().bp(), bp, "{text}");
        }
    }

    #[test]
    fn out_of_range_and_unitless_weights_are_refused() {
        assert!(
            "101%"
                .parse::<Weight>()
                .unwrap_err()
                .contains("outside 0–100 %")
        );
        assert!(
            "10001bp"
                .parse::<Weight>()
                .unwrap_err()
                .contains("outside 0–100 %")
        );
        assert!(
            "-1%"
                .parse::<Weight>()
                .unwrap_err()
                .contains("outside 0–100 %")
        );
        assert!("25".parse::<Weight>().unwrap_err().contains("say the unit"));
        assert!(
            "12.345%"
                .parse::<Weight>()
                .unwrap_err()
                .contains("finer than a basis point")
        );
        assert!(
            "1e1%"
                .parse::<Weight>()
                .unwrap_err()
                .contains("not a weight")
        );
    }

    #[test]
    fn percentages_are_read_as_decimals() {
        for (text, bp) in [
            ("0.01%", 1),
            ("12.50%", 1250),
            ("33.33%", 3333),
            ("0.1%", 10),
        ] {
            assert_eq!(text.parse::<Weight>().unwrap().bp(), bp, "{text}");
        }
    }

    #[test]
    fn weights_print_as_percent() {
        assert_eq!(Weight::from_bp(1250).unwrap().to_string(), "12.5%");
        assert_eq!(Weight::FULL.to_string(), "100%");
    }
}
