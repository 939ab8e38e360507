//! `cutover plan show`: a readable outline of a plan — departments and cohorts, then each
//! phase with its steps (what they set, bake time, gates), alert rules and kill switches.

use std::fmt::Write as _;

use super::model::{Gate, Setting};
use super::{Plan, Tier};

/// Renders the outline as plain text.
#[must_use]
pub fn outline(plan: &Plan) -> String {
    let p = plan.profile();
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "{} ({})", p.rollout.name, p.rollout.id);
    if !p.rollout.description.is_empty() {
        let _ = writeln!(w, "  {}", p.rollout.description);
    }
    let _ = writeln!(
        w,
        "\nDepartments and cohorts ({} cohorts)",
        plan.cohorts().len()
    );
    for (i, entry) in plan.cohorts().iter().enumerate() {
        if entry.index == 0 {
            let dept = plan.department_of(i);
            let _ = writeln!(w, "  {} {}", dept.id, paren(&dept.name));
        }
        let c = plan.cohort_def(i);
        let units = c.units.map(|u| format!(", {u} units")).unwrap_or_default();
        let excluded = c
            .excluded_until
            .as_ref()
            .map(|x| format!(", excluded until {x}"))
            .unwrap_or_default();
        let objective = if c.rollback_objective.0 == 0 {
            "immediate".to_owned()
        } else {
            c.rollback_objective.to_string()
        };
        let _ = writeln!(
            w,
            "    {:<34} risk {}, rollback {objective}{units}{excluded}",
            entry.id,
            c.risk.name()
        );
    }
    let _ = writeln!(w, "\nPhases ({} steps)", plan.steps().len());
    for (n, phase) in p.phases.iter().enumerate() {
        let _ = writeln!(w, "  {}. {} {}", n + 1, phase.id, paren(&phase.name));
        for step in &phase.steps {
            let auto = if step.auto_advance {
                ", advances by itself"
            } else {
                ""
            };
            let _ = writeln!(
                w,
                "     - {} {}; bake {}{auto}",
                step.id,
                paren(&step.name),
                step.bake
            );
            for s in &step.set {
                let _ = writeln!(w, "         set {}", setting(s));
            }
            if !step.flags.is_empty() {
                let flags: Vec<_> = step.flags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let _ = writeln!(w, "         flags {}", flags.join(", "));
            }
            for (rule, mode) in &step.alert_modes {
                let _ = writeln!(
                    w,
                    "         alert {rule} → {}",
                    format!("{mode:?}").to_lowercase()
                );
            }
            for g in &step.gates {
                let _ = writeln!(w, "         gate {}", gate(g));
            }
        }
        for g in &phase.gates {
            let _ = writeln!(w, "     phase gate {}", gate(g));
        }
    }
    rules_and_switches(plan, w);
    out
}

fn rules_and_switches(plan: &Plan, w: &mut String) {
    let p = plan.profile();
    if !p.alerts.is_empty() {
        let _ = writeln!(w, "\nAlert rules");
    }
    for rule in &p.alerts {
        let tiers: Vec<_> = Tier::ALL
            .iter()
            .filter_map(|t| {
                let v = rule.thresholds.get(*t)?;
                let action = rule
                    .actions
                    .get(*t)
                    .map_or("notify".to_owned(), ToString::to_string);
                Some(format!("{} {v} → {action}", t.name()))
            })
            .collect();
        let _ = writeln!(
            w,
            "  {:<24} {} per {}, for {}, {}: {}",
            rule.id,
            rule.when,
            format!("{:?}", rule.scope).to_lowercase(),
            rule.for_evaluations,
            format!("{:?}", rule.mode).to_lowercase(),
            tiers.join("; ")
        );
    }
    if !p.kill_switches.is_empty() {
        let _ = writeln!(
            w,
            "\nKill switches (plus the global one: every cohort to legacy, every switch on, paused)"
        );
    }
    for k in &p.kill_switches {
        let mut what = Vec::new();
        if !k.flags_off.is_empty() {
            what.push(format!("off: {}", k.flags_off.join(", ")));
        }
        if !k.rollback.is_empty() {
            what.push(format!("legacy: {}", k.rollback.join(", ")));
        }
        if k.pause {
            what.push("pauses".into());
        }
        let _ = writeln!(w, "  {:<24} {}", k.id, what.join("; "));
    }
}

fn paren(name: &str) -> String {
    if name.is_empty() {
        String::new()
    } else {
        format!("— {name}")
    }
}

fn setting(s: &Setting) -> String {
    let weight = s.weight.map(|w| format!(" {w}")).unwrap_or_default();
    let flags: Vec<_> = s.flags.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", flags.join(", "))
    };
    format!("{} → {}{weight}{flags}", s.target, s.mode.name())
}

fn gate(g: &Gate) -> String {
    let what = match (&g.when, &g.signoff) {
        (Some(c), _) => c.to_string(),
        (None, Some(role)) => format!("sign-off by {role}"),
        (None, None) => String::new(),
    };
    let times = if g.consecutive > 1 {
        format!(", {} times in a row", g.consecutive)
    } else {
        String::new()
    };
    let scope = g
        .scope
        .as_ref()
        .map(|s| format!(" in {s}"))
        .unwrap_or_default();
    format!("{}: {what}{scope}{times}", g.id)
}
