//! Checks of what a plan does when things go wrong and what it can switch off: alert rules
//! (metrics, thresholds ordered by `better`, actions naming real kill switches), kill switches
//! (their flags and targets), and flags set with one type everywhere.

use std::collections::{BTreeMap, BTreeSet};

use super::{Checker, Problem, higher_is_worse};
use crate::plan::condition::Tier;
use crate::plan::model::{FlagValue, TierAction, flag_matches};
use crate::plan::path::FieldPath;

impl Checker<'_> {
    pub(super) fn alerts(&mut self) {
        let mut seen = BTreeSet::new();
        for (a, rule) in self.profile.alerts.iter().enumerate() {
            let path = FieldPath::root().key("alerts").index(a);
            self.id(path.key("id"), &rule.id, &mut seen, "alert rule");
            self.operand(path.key("when"), &rule.when);
            if rule.for_evaluations == 0 {
                self.push(Problem::new(
                    path.key("for"),
                    "`for` must be at least 1 evaluation",
                ));
            }
            let better = rule
                .when
                .metric()
                .and_then(|m| self.profile.metrics.get(m))
                .map(|m| m.better);
            let worse_up = higher_is_worse(&rule.when, better);
            let set: Vec<(Tier, f64)> = Tier::ALL
                .iter()
                .filter_map(|t| rule.thresholds.get(*t).map(|v| (*t, *v)))
                .collect();
            if set.is_empty() {
                self.push(
                    Problem::new(
                        path.key("thresholds"),
                        format!("alert rule `{}` has no thresholds", rule.id),
                    )
                    .hint("set at least one of info, warning, critical"),
                );
            }
            for pair in set.windows(2) {
                let ((lo_t, lo), (hi_t, hi)) = (pair[0], pair[1]);
                let ordered = if worse_up { lo < hi } else { lo > hi };
                if !ordered {
                    let (word, why) = if worse_up {
                        ("above", "higher is worse")
                    } else {
                        ("below", "lower is worse")
                    };
                    self.push(
                        Problem::new(
                            path.key("thresholds").key(hi_t.name()),
                            format!(
                                "{} threshold {hi} must be {word} the {} threshold {lo}",
                                hi_t.name(),
                                lo_t.name()
                            ),
                        )
                        .hint(format!("for `{}` {why}", rule.when)),
                    );
                }
            }
            for tier in Tier::ALL {
                let Some(action) = rule.actions.get(tier) else {
                    continue;
                };
                let apath = path.key("actions").key(tier.name());
                if rule.thresholds.get(tier).is_none() {
                    self.push(Problem::new(
                        apath.clone(),
                        format!(
                            "an action for {} but no {} threshold",
                            tier.name(),
                            tier.name()
                        ),
                    ));
                }
                if let TierAction::Kill(Some(switch)) = action
                    && self.plan.kill_switch(switch).is_none()
                {
                    self.push(
                        Problem::new(apath, format!("kill switch `{switch}` is never defined"))
                            .hint(self.switch_names()),
                    );
                }
            }
        }
    }

    pub(super) fn switch_names(&self) -> String {
        let names: Vec<_> = self
            .profile
            .kill_switches
            .iter()
            .map(|k| k.id.as_str())
            .collect();
        if names.is_empty() {
            "define it under [[kill_switches]]".into()
        } else {
            format!("kill switches: {}", names.join(", "))
        }
    }

    pub(super) fn kill_switches(&mut self) {
        let flags = self.all_flags();
        let mut seen = BTreeSet::new();
        for (k, switch) in self.profile.kill_switches.iter().enumerate() {
            let path = FieldPath::root().key("kill_switches").index(k);
            self.id(path.key("id"), &switch.id, &mut seen, "kill switch");
            if switch.id == "all" {
                self.push(Problem::new(
                    path.key("id"),
                    "`all` is reserved for the global kill switch",
                ));
            }
            for (i, pattern) in switch.flags_off.iter().enumerate() {
                if !flags.keys().any(|f| flag_matches(pattern, f)) {
                    self.push(
                        Problem::new(
                            path.key("flags_off").index(i),
                            format!("`{pattern}` matches no flag of the plan"),
                        )
                        .hint("declare the flag under [flags] or in a step"),
                    );
                }
            }
            for (i, target) in switch.rollback.iter().enumerate() {
                if let Err(e) = self.plan.resolve(target) {
                    self.push(Problem::new(path.key("rollback").index(i), e));
                }
            }
        }
    }

    pub(super) fn all_flags(&self) -> BTreeMap<String, (FieldPath, FlagValue)> {
        let mut flags = BTreeMap::new();
        for (name, v) in &self.profile.flags {
            flags
                .entry(name.clone())
                .or_insert((FieldPath::root().key("flags").key(name), v.clone()));
        }
        for (p, phase) in self.profile.phases.iter().enumerate() {
            for (s, step) in phase.steps.iter().enumerate() {
                let spath = FieldPath::root()
                    .key("phases")
                    .index(p)
                    .key("steps")
                    .index(s);
                for (name, v) in &step.flags {
                    flags
                        .entry(name.clone())
                        .or_insert((spath.key("flags").key(name), v.clone()));
                }
                for (i, setting) in step.set.iter().enumerate() {
                    for (name, v) in &setting.flags {
                        flags.entry(name.clone()).or_insert((
                            spath.key("set").index(i).key("flags").key(name),
                            v.clone(),
                        ));
                    }
                }
            }
        }
        flags
    }

    pub(super) fn flag_types(&mut self) {
        let first = self.all_flags();
        let kind = |v: &FlagValue| std::mem::discriminant(v);
        let check = |path: FieldPath, name: &String, v: &FlagValue, problems: &mut Vec<Problem>| {
            if let Some((first_path, first_v)) = first.get(name)
                && kind(first_v) != kind(v)
            {
                problems.push(
                    Problem::new(
                        path,
                        format!("flag `{name}` is {v} here but {first_v} at {first_path}"),
                    )
                    .hint("a flag keeps one type"),
                );
            }
        };
        let mut problems = Vec::new();
        for (p, phase) in self.profile.phases.iter().enumerate() {
            for (s, step) in phase.steps.iter().enumerate() {
                let spath = FieldPath::root()
                    .key("phases")
                    .index(p)
                    .key("steps")
                    .index(s);
                for (name, v) in &step.flags {
                    check(spath.key("flags").key(name), name, v, &mut problems);
                }
            }
        }
        self.problems.extend(problems);
    }
}
