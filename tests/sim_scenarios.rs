//! Scenarios strike where a profile actually goes. With the demo's simulated people walking
//! each shipped profile at the demo's pace, every scenario's fault shows within a few windows
//! of its target first seeing enhanced traffic, early in the plan; and each profile's own demo
//! story reaches its moment — an enforced rule acting — within a minute of demo time, with
//! live values for every metric the profile declares.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::walk::Walk;
use cutover::metrics::{Observation, Variant};
use cutover::plan::Plan;
use cutover::sim::scenario::ONSET;
use cutover::sim::{Fleet, Scenario};

/// A window of the demo is a wall second at the default speed.
const MINUTE: u64 = 60;
/// Where the latest first exposure of a struck department lies (aigentflow's beta program,
/// four plan weeks in).
const REACHED_BY: u64 = 150;

/// Whether `o` is the fault: a touched metric of a struck cohort off its healthy band.
fn bent(plan: &Plan, fleet: &Fleet, o: &Observation) -> bool {
    let scenario = fleet.scenario();
    let def = &plan.profile().metrics[&o.metric];
    let department = plan
        .cohort_index(&o.cohort)
        .map(|c| plan.cohorts()[c].department);
    let h = fleet.healthy(&o.metric).unwrap();
    o.variant == Some(Variant::Enhanced)
        && scenario.touches(plan, &o.metric, def)
        && scenario
            .department(plan)
            .is_none_or(|d| department == Some(d))
        && (o.value - h.value).abs() > h.value.abs() * h.noise + 1e-9
}

/// Whether a cohort the scenario strikes sees enhanced traffic in this window.
fn target_exposed(plan: &Plan, scenario: Scenario, observations: &[Observation]) -> bool {
    observations.iter().any(|o| {
        o.variant == Some(Variant::Enhanced)
            && plan.cohort_index(&o.cohort).is_some_and(|c| {
                scenario
                    .department(plan)
                    .is_none_or(|d| plan.cohorts()[c].department == d)
            })
    })
}

#[test]
fn every_fault_starts_soon_after_its_target_sees_enhanced_traffic_on_every_profile() {
    for (name, _) in cutover::plan::builtin::PROFILES {
        let plan = Arc::new(common::profile(name));
        for (scenario_name, scenario) in Scenario::ALL {
            if scenario == Scenario::Healthy {
                continue;
            }
            let touched = plan
                .profile()
                .metrics
                .iter()
                .any(|(id, def)| scenario.touches(&plan, id, def));
            if scenario != Scenario::MetricsOutage && !touched {
                // Only `minimal` × revenue-drop: it has no higher-is-better metric to drop.
                assert_eq!((*name, scenario), ("minimal", Scenario::RevenueDrop));
                continue;
            }
            let mut walk = Walk::new(plan.clone(), Fleet::new(plan.clone(), scenario, 5));
            let (mut exposed, mut struck) = (None, None);
            while walk.windows < REACHED_BY && struck.is_none() {
                let seen = walk.step();
                if exposed.is_none() && target_exposed(&plan, scenario, &seen) {
                    exposed = Some(walk.windows);
                }
                let fault = match scenario {
                    Scenario::MetricsOutage => seen.is_empty(),
                    _ => seen.iter().any(|o| bent(&plan, &walk.fleet, o)),
                };
                if fault {
                    struck = Some(walk.windows);
                }
            }
            let at = format!("{name} {scenario_name}");
            eprintln!("{at}: exposed {exposed:?}, struck {struck:?}");
            let (Some(exposed), Some(struck)) = (exposed, struck) else {
                panic!("{at}: exposed {exposed:?}, struck {struck:?} by window {REACHED_BY}");
            };
            // Flapping may open with a short good run; everything else strikes at once.
            let slack = if scenario == Scenario::Flapping { 8 } else { 1 };
            assert!(
                struck >= exposed + ONSET && struck <= exposed + ONSET + slack,
                "{at}: target exposed at window {exposed}, fault at {struck}"
            );
        }
    }
}

#[test]
fn each_profiles_demo_story_reaches_its_moment_within_a_minute() {
    let expected = [
        (
            "aixtiv",
            "rule:performance-degradation",
            "rollback americas",
        ),
        (
            "react-playbook",
            "rule:guardrail-compensations",
            "rollback all",
        ),
        ("aigentflow", "rule:mvp-error-rate", "rollback all"),
        ("minimal", "rule:errors", "rollback shop/staff"),
    ];
    for (name, actor, what) in expected {
        let mut walk = Walk::demo(name);
        let mut observed = BTreeSet::new();
        while walk.windows < MINUTE && !walk.transitions.iter().any(|t| t.actor == actor) {
            observed.extend(walk.step().into_iter().map(|o| o.metric));
        }
        let lines: Vec<_> = walk
            .lines
            .iter()
            .map(|(n, l)| format!("{n}: {l}"))
            .collect();
        assert!(
            lines
                .iter()
                .any(|l| l.contains(&format!("{what} by {actor}"))),
            "{name}: no `{what} by {actor}` within a minute:\n{lines:#?}"
        );
        eprintln!("{name}: {what} by {actor} at window {}", walk.windows);
        let declared: BTreeSet<String> = walk.plan.profile().metrics.keys().cloned().collect();
        assert_eq!(observed, declared, "{name}: metrics without values");
    }
}
