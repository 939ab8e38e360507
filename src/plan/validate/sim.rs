//! Checks of the `[sim]` table: every metric it overrides is declared, a healthy value is a
//! number its unit allows and breaches no gate or alert threshold of the plan (a healthy fleet
//! that trips the plan's own rules is a contradiction, and would kill a demo in a second), and
//! noise is a relative spread between 0 and 1.

use super::{Checker, Problem};
use crate::plan::limits::Limits;
use crate::plan::path::FieldPath;

impl Checker<'_> {
    pub(super) fn sim(&mut self) {
        let path = FieldPath::root().key("sim").key("metrics");
        for (id, o) in &self.profile.sim.metrics {
            let mpath = path.key(id);
            let Some(limits) = Limits::of(self.profile, id) else {
                let known: Vec<_> = self.profile.metrics.keys().map(String::as_str).collect();
                self.push(
                    Problem::new(mpath, format!("`{id}` is not a declared metric")).hint(format!(
                        "declare [metrics.{id}] or use one of: {}",
                        known.join(", ")
                    )),
                );
                continue;
            };
            if let Some(v) = o.healthy {
                let (low, high) = limits.domain;
                if !(v.is_finite() && v >= low && v <= high) {
                    let range = if high.is_finite() {
                        format!("between {low} and {high}")
                    } else {
                        format!("at least {low}")
                    };
                    self.push(Problem::new(
                        mpath.key("healthy"),
                        format!("healthy = {v} is outside what its unit allows ({range})"),
                    ));
                } else if let Some(limit) = limits.breached_by(v) {
                    self.push(
                        Problem::new(
                            mpath.key("healthy"),
                            format!(
                                "healthy = {v} breaches {}, which needs {id} {} {}",
                                limit.origin(),
                                limit.comparison.symbol(),
                                limit.threshold
                            ),
                        )
                        .hint("a healthy fleet passes every gate and alert threshold of the plan"),
                    );
                }
            }
            if let Some(n) = o.noise
                && !(n.is_finite() && (0.0..1.0).contains(&n))
            {
                self.push(
                    Problem::new(
                        mpath.key("noise"),
                        format!("noise = {n} is not a relative spread"),
                    )
                    .hint("write e.g. 0.01 for ±1 %, 0 for none"),
                );
            }
        }
    }
}
