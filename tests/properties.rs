//! Property tests over random sequences of actions, metric windows and ticks on the largest
//! seed plans. After every input: weights stay in range; a kill leaves every cohort (and
//! every unit) on legacy; excluded and rolled-back cohorts are on legacy; a partial rollback
//! changes only cohorts in its scope; the revision counts the transitions. At the end,
//! replaying the transitions gives the identical durable state.

mod common;

use std::collections::BTreeMap;

use common::{Value, Values};
use cutover::assign::CohortAssigner;
use cutover::engine::{self, Command, EngineState, Input, Status};
use cutover::metrics::Variant;
use cutover::plan::{Mode, Plan, Weight};
use cutover::time::{Period, Timestamp};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Act(usize, usize),
    Window(Vec<u8>),
    Tick(u64),
}

fn actions(plan: &Plan) -> Vec<String> {
    let mut out: Vec<String> = [
        "advance",
        "pause",
        "resume",
        "resume all",
        "rollback all",
        "kill",
        "note checking",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for d in &plan.profile().departments {
        out.push(format!("rollback {}", d.id));
        out.push(format!("resume {}", d.id));
    }
    for c in plan.cohorts().iter().step_by(3) {
        out.push(format!("rollback {}", c.id));
        out.push(format!("set-weight {} 40", c.id));
    }
    for k in &plan.profile().kill_switches {
        out.push(format!("kill {}", k.id));
        out.push(format!("resume {}", k.id));
    }
    for (_, g) in plan.all_gates().filter(|(_, g)| g.signoff.is_some()) {
        out.push(format!("approve {}", g.id));
    }
    out
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        3 => (0usize..1000, 0usize..3).prop_map(|(a, r)| Op::Act(a, r)),
        4 => proptest::collection::vec(0u8..4, 8).prop_map(Op::Window),
        2 => (1u64..48).prop_map(Op::Tick),
    ];
    proptest::collection::vec(op, 1..60)
}

fn check_invariants(
    plan: &Plan,
    state: &EngineState,
    transitions: &[engine::Transition],
) -> Result<(), TestCaseError> {
    let rollout = &state.rollout;
    let view = engine::view::state_view(plan, rollout);
    prop_assert_eq!(rollout.revision, transitions.len() as u64);
    let phase = plan.steps()[rollout.step].phase;
    for (i, c) in view.cohorts.iter().enumerate() {
        prop_assert!(c.weight_bp <= 10_000);
        let legacy = c.mode == Mode::Legacy && c.weight_bp == 0;
        if rollout.status == Status::Killed
            || rollout.held[i]
            || plan.cohorts()[i].excluded_until.is_some_and(|p| phase < p)
        {
            prop_assert!(legacy, "{} should be on legacy: {:?}", c.id, c);
        }
        if rollout.status == Status::Killed {
            let assigner = CohortAssigner::new(
                plan.assignment(),
                plan.salt(),
                &c.id,
                Weight::from_bp(u32::from(c.weight_bp)).unwrap(),
            );
            for unit in ["u1", "user-42", "agent-000001", ""] {
                prop_assert_eq!(assigner.variant(unit), Variant::Legacy);
            }
        }
    }
    Ok(())
}

fn check_scoped(plan: &Plan, t: &engine::Transition) -> Result<(), TestCaseError> {
    let Command::Rollback { target } = &t.command else {
        return Ok(());
    };
    let scope = plan.resolve(target).unwrap();
    if let Some(changed) = t.after.get("cohorts").and_then(|c| c.as_object()) {
        for id in changed.keys() {
            let i = plan.cohort_index(id).unwrap();
            prop_assert!(
                plan.contains(scope, i),
                "rollback {} changed {}",
                target,
                id
            );
        }
    }
    Ok(())
}

fn play(plan: &Plan, ops: &[Op]) -> Result<(), TestCaseError> {
    let texts = actions(plan);
    let roles = ["alice:operator", "ada:admin", "vic:viewer"];
    let start = Timestamp(1_700_000_000_000);
    let mut now = start;
    let mut state = EngineState::new(plan, start);
    let mut transitions = Vec::new();
    let error_levels = [0.004, 0.015, 0.03, 0.09];
    for op in ops {
        let input = match op {
            Op::Act(a, r) => {
                Input::Action(common::request(&texts[a % texts.len()], roles[*r], now))
            }
            Op::Window(levels) => {
                now = now.plus(Period::minutes(10));
                let defaults: Values = [
                    ("output_match".to_owned(), Value::Single(0.97)),
                    ("response_time".to_owned(), Value::Pair([1.2, 1.1])),
                    ("revenue".to_owned(), Value::Pair([50.0, 50.1])),
                ]
                .into();
                let overrides: BTreeMap<String, Values> = plan
                    .profile()
                    .departments
                    .iter()
                    .zip(levels.iter().cycle())
                    .map(|(d, l)| {
                        (
                            d.id.clone(),
                            [(
                                "error_rate".to_owned(),
                                Value::Pair([0.004, error_levels[usize::from(*l)]]),
                            )]
                            .into(),
                        )
                    })
                    .collect();
                Input::Metrics(common::window(
                    plan,
                    now,
                    &defaults,
                    &overrides,
                    now.0.unsigned_abs(),
                ))
            }
            Op::Tick(hours) => {
                now = now.plus(Period::hours(*hours));
                Input::Tick(now)
            }
        };
        let out = engine::handle(plan, &mut state, input);
        for t in &out.transitions {
            check_scoped(plan, t)?;
        }
        transitions.extend(out.transitions);
        check_invariants(plan, &state, &transitions)?;
    }
    let replayed = engine::replay(plan, start, &transitions).map_err(TestCaseError::fail)?;
    prop_assert_eq!(
        &replayed,
        &state.rollout,
        "replay(journal) must equal the live state"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn vividwalls_invariants_hold(ops in ops()) {
        play(&common::profile("vividwalls"), &ops)?;
    }

    #[test]
    fn aixtiv_invariants_hold(ops in ops()) {
        play(&common::profile("aixtiv"), &ops)?;
    }

    #[test]
    fn aigentflow_invariants_hold(ops in ops()) {
        play(&common::profile("aigentflow"), &ops)?;
    }
}
