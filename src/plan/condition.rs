//! The small condition language of gates and alert rules: `error_rate.enhanced < 1%`,
//! `output_match >= 0.95`, `revenue.drop < 0.01`, `alerts.critical == 0`, `judge.score >= 90`.
//! An [`Operand`] names what is measured; a [`Condition`] compares it with a number.
//! Parse errors say at which column of the text the problem is.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which reading of a compared metric an operand takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selector {
    /// The enhanced variant's value (the default when no selector is written).
    Enhanced,
    /// The legacy variant's value.
    Legacy,
    /// Enhanced minus legacy.
    Delta,
    /// Enhanced divided by legacy.
    Ratio,
    /// Relative worsening of enhanced against legacy, whichever way is better for the metric.
    Degradation,
    /// Relative drop of enhanced below legacy: `(legacy - enhanced) / legacy`.
    Drop,
}

impl Selector {
    const ALL: [(&'static str, Selector); 6] = [
        ("enhanced", Selector::Enhanced),
        ("legacy", Selector::Legacy),
        ("delta", Selector::Delta),
        ("ratio", Selector::Ratio),
        ("degradation", Selector::Degradation),
        ("drop", Selector::Drop),
    ];

    fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("?", |(n, _)| n)
    }
}

/// Alert severity tiers, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Worth a look.
    Info,
    /// Someone should assess.
    Warning,
    /// Act now.
    Critical,
}

impl Tier {
    /// Every tier, lowest first.
    pub const ALL: [Tier; 3] = [Tier::Info, Tier::Warning, Tier::Critical];

    /// The tier's name as written in plans and on screen.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Tier::Info => "info",
            Tier::Warning => "warning",
            Tier::Critical => "critical",
        }
    }

    /// Position in [`Tier::ALL`].
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }

    /// Parses a tier name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.name() == text)
    }
}

/// What a condition or alert rule measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Operand {
    /// A metric declared in the plan, read through a selector.
    Metric {
        /// The metric's id in `[metrics]`.
        metric: String,
        /// Which reading of it.
        selector: Selector,
    },
    /// How many alerts are firing at this tier (plan rules and Alertmanager).
    Alerts(Tier),
    /// The judge's 0–100 score over the scope.
    JudgeScore,
}

impl Operand {
    /// Parses an operand such as `error_rate.enhanced`, `alerts.critical` or `judge.score`.
    pub fn parse(text: &str) -> Result<Operand, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("expected a metric name (e.g. `error_rate.enhanced`)".into());
        }
        if let Some(bad) = text
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '.'))
        {
            return Err(format!(
                "`{text}` contains `{bad}`: a metric name uses letters, digits, `_` and `.`"
            ));
        }
        if let Some(tier) = text.strip_prefix("alerts.") {
            return Tier::parse(tier)
                .map(Operand::Alerts)
                .ok_or_else(|| format!("`{text}`: alerts are counted by tier: alerts.info, alerts.warning or alerts.critical"));
        }
        if text == "judge.score" {
            return Ok(Operand::JudgeScore);
        }
        let (metric, selector) = match text.rsplit_once('.') {
            None => (text, Selector::Enhanced),
            Some((metric, suffix)) => {
                let selector = Selector::ALL
                    .iter()
                    .find(|(n, _)| *n == suffix)
                    .map(|(_, s)| *s)
                    .ok_or_else(|| {
                        let names: Vec<_> = Selector::ALL.iter().map(|(n, _)| *n).collect();
                        format!(
                            "`{text}`: unknown reading `.{suffix}` (one of: {})",
                            names.join(", ")
                        )
                    })?;
                (metric, selector)
            }
        };
        if metric.contains('.') || metric.is_empty() {
            return Err(format!("`{text}` is not `metric` or `metric.reading`"));
        }
        Ok(Operand::Metric {
            metric: metric.to_owned(),
            selector,
        })
    }

    /// The metric this operand reads, if any.
    #[must_use]
    pub fn metric(&self) -> Option<&str> {
        match self {
            Operand::Metric { metric, .. } => Some(metric),
            _ => None,
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Metric {
                metric,
                selector: Selector::Enhanced,
            } => f.write_str(metric),
            Operand::Metric { metric, selector } => write!(f, "{metric}.{}", selector.name()),
            Operand::Alerts(tier) => write!(f, "alerts.{}", tier.name()),
            Operand::JudgeScore => f.write_str("judge.score"),
        }
    }
}

impl TryFrom<String> for Operand {
    type Error = String;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Operand::parse(&text)
    }
}

impl From<Operand> for String {
    fn from(o: Operand) -> String {
        o.to_string()
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
    /// `==`
    Equal,
    /// `!=`
    NotEqual,
}

impl Comparison {
    const ALL: [(&'static str, Comparison); 6] = [
        ("<=", Comparison::LessOrEqual),
        (">=", Comparison::GreaterOrEqual),
        ("==", Comparison::Equal),
        ("!=", Comparison::NotEqual),
        ("<", Comparison::Less),
        (">", Comparison::Greater),
    ];

    /// Whether `left <op> right` holds.
    #[must_use]
    #[expect(
        clippy::float_cmp,
        reason = "thresholds are exact decimals, compared exactly"
    )]
    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Comparison::Less => left < right,
            Comparison::LessOrEqual => left <= right,
            Comparison::Greater => left > right,
            Comparison::GreaterOrEqual => left >= right,
            // Thresholds are exact decimals: a value at the threshold is equal to it.
            Comparison::Equal => left == right,
            Comparison::NotEqual => left != right,
        }
    }

    /// The operator as written (`<=`).
    #[must_use]
    pub fn symbol(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, c)| *c == self)
            .map_or("?", |(s, _)| s)
    }
}

/// `operand <comparison> threshold`, e.g. `error_rate.enhanced < 1%`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Condition {
    /// What is measured.
    pub operand: Operand,
    /// How it is compared.
    pub comparison: Comparison,
    /// The number it is compared with: the `f64` nearest to the decimal as written (`99.9%`
    /// is 0.999 exactly as `0.999` is, never 99.9 × 0.01).
    pub threshold: f64,
    /// The threshold as written (`99.9%`), for showing the plan back as its author wrote it.
    pub written: String,
}

impl Condition {
    /// Parses `operand op number`; a number may end in `%`.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let Some((at, symbol, comparison)) = text.char_indices().find_map(|(i, _)| {
            Comparison::ALL
                .iter()
                .find(|(s, _)| text[i..].starts_with(s))
                .map(|(s, c)| (i, *s, *c))
        }) else {
            return Err(format!(
                "`{text}` has no comparison: write e.g. `error_rate.enhanced < 1%` (one of <, <=, >, >=, ==, !=)"
            ));
        };
        let operand = Operand::parse(&text[..at])
            .map_err(|e| format!("{e} (character 1 of the condition)"))?;
        let number_at = at + symbol.len();
        let number = text[number_at..].trim();
        let threshold = parse_number(number)
            .map_err(|e| format!("{e} (character {} of the condition)", number_at + 2))?;
        Ok(Condition {
            operand,
            comparison,
            threshold,
            written: number.to_owned(),
        })
    }

    /// Whether a measured value satisfies the condition.
    #[must_use]
    pub fn holds(&self, value: f64) -> bool {
        self.comparison.holds(value, self.threshold)
    }
}

/// Parses `0.95`, `95%` (0.95) or `5` as a number: the `f64` nearest to the decimal written.
/// A percentage moves the decimal point (the exponent), it is not divided, so `99.9%` and
/// `0.999` are the same number.
pub fn parse_number(text: &str) -> Result<f64, String> {
    let shifted;
    let digits = match text.strip_suffix('%') {
        Some(d) => {
            let d = d.trim();
            shifted = match d.split_once(['e', 'E']) {
                Some((mantissa, exponent)) => exponent
                    .parse::<i32>()
                    .map(|e| format!("{mantissa}e{}", e - 2))
                    .unwrap_or_default(),
                None => format!("{d}e-2"),
            };
            if d.is_empty() { d } else { shifted.as_str() }
        }
        None => text,
    };
    match digits.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(n),
        _ if text.is_empty() => Err("expected a number after the comparison".into()),
        _ => Err(format!("`{text}` is not a number (write 0.95 or 95%)")),
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.operand,
            self.comparison.symbol(),
            self.written
        )
    }
}

impl TryFrom<String> for Condition {
    type Error = String;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Condition::parse(&text)
    }
}

impl From<Condition> for String {
    fn from(c: Condition) -> String {
        c.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// At the threshold and one representable step either side of it, for every operator:
    /// a reading of exactly 0.999 meets `>= 99.9%` as it meets `>= 0.999`.
    #[test]
    #[expect(clippy::float_cmp, reason = "exactness is the point")]
    fn thresholds_are_the_decimal_written_at_the_boundary() {
        for written in ["99.9%", "0.999", "9.99e1%", "999e-3"] {
            assert_eq!(parse_number(written).unwrap(), 0.999, "{written}");
        }
        assert_eq!(parse_number("1%").unwrap(), 0.01);
        assert_eq!(parse_number("0.1%").unwrap(), 0.001);
        let at = 0.999_f64;
        let (below, above) = (at.next_down(), at.next_up());
        let table = [
            ("<", [true, false, false]),
            ("<=", [true, true, false]),
            (">", [false, false, true]),
            (">=", [false, true, true]),
            ("==", [false, true, false]),
            ("!=", [true, false, true]),
        ];
        for (op, expected) in table {
            let c = Condition::parse(&format!("output_match {op} 99.9%")).unwrap();
            let got = [c.holds(below), c.holds(at), c.holds(above)];
            assert_eq!(
                got, expected,
                "output_match {op} 99.9% at below / at / above"
            );
            assert_eq!(
                c.to_string(),
                format!("output_match {op} 99.9%"),
                "shown as written"
            );
        }
    }

    #[test]
    fn conditions_parse() {
        let cases = [
            (
                "error_rate.enhanced < 1%",
                "error_rate",
                Selector::Enhanced,
                Comparison::Less,
                0.01,
            ),
            (
                "output_match >= 0.95",
                "output_match",
                Selector::Enhanced,
                Comparison::GreaterOrEqual,
                0.95,
            ),
            (
                "revenue.drop<0.01",
                "revenue",
                Selector::Drop,
                Comparison::Less,
                0.01,
            ),
            (
                "latency.degradation <= 20%",
                "latency",
                Selector::Degradation,
                Comparison::LessOrEqual,
                0.2,
            ),
        ];
        for (text, metric, selector, comparison, threshold) in cases {
            let c = Condition::parse(text).unwrap();
            assert_eq!(
                c.operand,
                Operand::Metric {
                    metric: metric.into(),
                    selector
                },
                "{text}"
            );
            assert_eq!(c.comparison, comparison, "{text}");
            assert!((c.threshold - threshold).abs() < 1e-12, "{text}");
            assert_eq!(
                Condition::parse(&c.to_string()).unwrap(),
                c,
                "round trip of {text}"
            );
        }
        assert_eq!(
            Condition::parse("alerts.critical == 0").unwrap().operand,
            Operand::Alerts(Tier::Critical)
        );
        assert_eq!(
            Condition::parse("judge.score >= 90").unwrap().operand,
            Operand::JudgeScore
        );
    }

    #[test]
    fn condition_errors_point_at_the_problem() {
        let cases = [
            ("error_rate 0.01", "has no comparison"),
            ("error_rate.average < 1", "unknown reading `.average`"),
            (
                "error_rate < lots",
                "`lots` is not a number (write 0.95 or 95%) (character 14 of the condition)",
            ),
            ("alerts.severe == 0", "alerts are counted by tier"),
            ("< 3", "expected a metric name"),
            ("error-rate < 3", "contains `-`"),
        ];
        for (text, expected) in cases {
            let err = Condition::parse(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
