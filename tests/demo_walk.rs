//! The demo's story in simulated time: `cutover demo` on VividWalls walks shadow → pilot →
//! progressive → full → shutdown in about five minutes of its windows, sales' latency
//! regression rolls sales back on the way and sales stays back until its fix is out and legacy
//! is about to be retired, and every sign-off and advance is journaled under a simulated
//! person's name.

mod common;

use common::walk::Walk;
use cutover::engine::{Command, Status};
use cutover::journal::Journal;
use cutover::time::Period;

/// VividWalls' demo walked to completion, and the window it completed at.
fn walked() -> (Walk, u64) {
    let mut walk = Walk::demo("vividwalls");
    let done = walk.until(360, |w| w.state.rollout.status == Status::Completed);
    let done = done.unwrap_or_else(|| panic!("stuck at {}:\n{:#?}", walk.step_id(), lines(&walk)));
    (walk, done)
}

fn lines(walk: &Walk) -> Vec<String> {
    walk.lines
        .iter()
        .map(|(n, l)| format!("{n}: {l}"))
        .collect()
}

/// Steps entered, with who entered them.
fn entered(walk: &Walk) -> Vec<(String, String)> {
    walk.transitions
        .iter()
        .filter_map(|t| match &t.command {
            Command::Advance { to } => Some((to.clone(), t.actor.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn the_demo_walks_every_phase_in_about_five_minutes_signed_off_by_simulated_people() {
    let (walk, windows) = walked();
    // At the demo's default speed a window is a wall second.
    assert!(
        (270..=340).contains(&windows),
        "about five minutes: {windows} windows"
    );
    let entered = entered(&walk);
    let mut phases: Vec<&str> = entered
        .iter()
        .map(|(to, _)| to.split('/').next().unwrap())
        .collect();
    phases.dedup();
    assert_eq!(
        phases,
        ["shadow", "pilot", "progressive", "full", "shutdown"]
    );
    assert!(
        entered
            .iter()
            .all(|(_, by)| by == "engine" || by == "demo:release-manager")
    );
    for (_, gate) in walk.plan.all_gates().filter(|(_, g)| g.signoff.is_some()) {
        let approval = &walk.state.rollout.approvals[&gate.id];
        assert_eq!(
            approval.by,
            format!("demo:{}", gate.signoff.as_ref().unwrap())
        );
    }
    let undone: Vec<(&str, &Command)> = walk
        .transitions
        .iter()
        .filter(|t| matches!(t.command, Command::Resume { .. } | Command::Kill { .. }))
        .map(|t| (t.actor.as_str(), &t.command))
        .collect();
    assert_eq!(
        undone,
        [(
            "demo:on-call",
            &Command::Resume {
                release: Some("sales".into())
            }
        )],
        "the people never kill, and resume only sales, once"
    );
}

#[test]
fn sales_regresses_after_its_own_steps_is_rolled_back_by_the_rule_and_stays_back_until_the_wind_down()
 {
    let (walk, _) = walked();
    let lines = lines(&walk);
    let rollback = walk
        .transitions
        .iter()
        .position(|t| {
            t.actor == "rule:response-time"
                && t.command
                    == Command::Rollback {
                        target: "sales".into(),
                    }
        })
        .unwrap_or_else(|| panic!("no sales rollback:\n{lines:#?}"));
    let advances_before = walk.transitions[..rollback]
        .iter()
        .filter(|t| matches!(t.command, Command::Advance { .. }))
        .count();
    let sales_done = entered(&walk)
        .iter()
        .position(|(to, _)| to == "progressive/marketing-analytics")
        .unwrap();
    assert!(
        advances_before > sales_done,
        "after sales' own steps:\n{lines:#?}"
    );
    // On screen for a while: info, then warning, then critical and the rollback.
    let first = |prefix: &str| {
        walk.lines
            .iter()
            .find(|(_, l)| l.starts_with(prefix))
            .map(|(n, _)| *n)
    };
    let fired = first("alert response-time@sales fired info").unwrap();
    let warned = first("alert response-time@sales escalated warning").unwrap();
    let rolled_back = first("rollback sales by rule:response-time").unwrap();
    assert!(
        fired < warned && warned < rolled_back && rolled_back - fired >= 6,
        "{lines:#?}"
    );
    // Sales stays back through full migration, while the other departments go on; it is
    // resumed only in the wind-down, where the legacy guard holds the plan for it.
    let resumed = walk
        .transitions
        .iter()
        .position(|t| matches!(t.command, Command::Resume { .. }))
        .unwrap_or_else(|| panic!("sales never resumed:\n{lines:#?}"));
    let step_entered = |i: usize| {
        walk.transitions[..i]
            .iter()
            .rev()
            .find_map(|t| match &t.command {
                Command::Advance { to } => Some(to.clone()),
                _ => None,
            })
    };
    assert_eq!(
        step_entered(resumed).as_deref(),
        Some("shutdown/wind-down"),
        "{lines:#?}"
    );
    assert!(
        walk.transitions[rollback..resumed]
            .iter()
            .filter(|t| matches!(t.command, Command::Advance { .. }))
            .count()
            >= 3,
        "the others go on meanwhile:\n{lines:#?}"
    );
    let blocked = walk
        .lines
        .iter()
        .any(|(_, l)| l.contains("sales") && l.contains("legacy"));
    assert!(blocked, "{lines:#?}");
    // Nothing left on legacy, which the plan retired.
    let view = cutover::engine::view::summary(&walk.plan, &walk.state.rollout);
    for c in walk.plan.cohorts() {
        let mode = view["cohorts"][&c.id].as_str().unwrap();
        assert!(mode.starts_with("retired"), "{}: {mode}", c.id);
    }
}

#[test]
fn every_move_is_in_the_journal_under_a_demo_name() {
    let (walk, _) = walked();
    let dir = tempfile::tempdir().unwrap();
    let mut opened = Journal::open(dir.path(), &walk.plan, common::t0()).unwrap();
    opened.journal.append(&walk.transitions).unwrap();
    drop(opened);
    let reopened = Journal::open(dir.path(), &walk.plan, walk.now.plus(Period::hours(1))).unwrap();
    assert_eq!(reopened.rollout, walk.state.rollout);
    let by = |who: &str| {
        reopened
            .records
            .iter()
            .filter(|r| r.transition.actor == who)
            .count()
    };
    assert_eq!(
        by("demo:on-call"),
        3,
        "an acknowledgement, a note and the resume"
    );
    assert!(by("demo:release-manager") >= 5);
    let demo: Vec<_> = reopened
        .records
        .iter()
        .filter(|r| r.transition.actor.starts_with("demo:"))
        .collect();
    assert!(
        demo.iter()
            .all(|r| r.transition.reason.starts_with("demo: "))
    );
    assert!(demo.iter().any(|r| r.transition.actor == "demo:cfo"));
}
