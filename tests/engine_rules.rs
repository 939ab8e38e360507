//! One test (or table) per engine rule, on a small inline plan: gates and bake time, sign-offs
//! and roles, stale revisions and idempotency, the kill switch that nothing but a role stops,
//! scoped rollbacks, exclusions, alert tiers with `for`, observe versus enforce, manual
//! weights, acknowledgements, Alertmanager alerts and automatic advance.

mod common;

use std::collections::BTreeMap;

use common::{Value, Values, request, t0};
use cutover::engine::{self, EngineState, ExternalAlert, Input, Output, Refusal, Reply, Status};
use cutover::metrics::MetricWindow;
use cutover::plan::{self, Plan, Tier};
use cutover::time::{Period, Timestamp};

const PLAN: &str = r#"
[rollout]
id = "rules"
name = "Rules"

[metrics.error_rate]
unit = "ratio"
better = "lower"

[metrics.output_match]
unit = "ratio"
better = "higher"
compare = false

[[departments]]
id = "a"
cohorts = [{ id = "one" }, { id = "two" }]

[[departments]]
id = "b"
cohorts = [{ id = "one" }, { id = "late", excluded_until = "second" }]

[flags]
"x.enabled" = true
"y.enabled" = true

[[phases]]
id = "first"

[[phases.steps]]
id = "canary"
set = [{ target = "*", mode = "canary", weight = "10%" }]
bake = "1h"
gates = [{ id = "errors-low", when = "error_rate.enhanced < 2%" }]

[[phases.steps]]
id = "more"
set = [{ target = "a", mode = "enhanced" }]
auto_advance = true
bake = "30m"
gates = [{ id = "match", when = "output_match >= 95%", consecutive = 2 }]

[[phases.gates]]
id = "boss"
signoff = "boss"

[[phases]]
id = "second"

[[phases.steps]]
id = "all"
set = [{ target = "*", mode = "enhanced" }]
gates = [{ id = "quiet", when = "alerts.warning == 0" }]

[[alerts]]
id = "errors"
when = "error_rate.enhanced"
scope = "department"
for = 2
thresholds = { warning = 0.02, critical = 0.05 }
actions = { warning = "notify", critical = "rollback_scope" }

[[alerts]]
id = "watch"
when = "error_rate.enhanced"
scope = "global"
mode = "observe"
thresholds = { critical = 0.2 }
actions = { critical = "rollback_all" }

[[kill_switches]]
id = "x-off"
flags_off = ["x.*"]
rollback = ["b"]
"#;

fn plan() -> Plan {
    plan::load_str("rules.toml", PLAN).unwrap_or_else(|e| panic!("{e}"))
}

struct Harness {
    plan: Plan,
    state: EngineState,
    now: Timestamp,
}

impl Harness {
    fn new() -> Harness {
        let plan = plan();
        let state = EngineState::new(&plan, t0());
        Harness {
            plan,
            state,
            now: t0(),
        }
    }

    fn at(&mut self, p: Period) -> &mut Self {
        self.now = self.now.plus(p);
        self
    }

    fn act(&mut self, text: &str, who: &str) -> Reply {
        let out = engine::handle(
            &self.plan,
            &mut self.state,
            Input::Action(request(text, who, self.now)),
        );
        out.reply.unwrap()
    }

    fn feed(&mut self, input: Input) -> Output {
        engine::handle(&self.plan, &mut self.state, input)
    }

    /// One window ten minutes on: `err` for departments a and b (enhanced), output match.
    fn window(&mut self, err_a: f64, err_b: f64) -> Vec<String> {
        self.now = self.now.plus(Period::minutes(10));
        let defaults: Values = [("output_match".to_owned(), Value::Single(0.97))].into();
        let overrides: BTreeMap<String, Values> = [
            (
                "a".to_owned(),
                [("error_rate".to_owned(), Value::Pair([0.005, err_a]))].into(),
            ),
            (
                "b".to_owned(),
                [("error_rate".to_owned(), Value::Pair([0.005, err_b]))].into(),
            ),
        ]
        .into();
        let w = common::window(&self.plan, self.now, &defaults, &overrides, 3);
        self.feed(Input::Metrics(w))
            .events
            .iter()
            .map(common::line)
            .collect()
    }

    fn cohort(&self, id: &str) -> String {
        engine::view::summary(&self.plan, &self.state.rollout)["cohorts"][id]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn step(&self) -> String {
        let v = engine::view::state_view(&self.plan, &self.state.rollout);
        format!("{}/{}", v.phase, v.step)
    }
}

fn refused(reply: &Reply) -> String {
    match reply {
        Reply::Refused(r) => r.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn advance_needs_bake_time_and_data_and_passing_gates() {
    let mut h = Harness::new();
    let why = refused(&h.act("advance", "op:operator"));
    assert!(why.contains("bake Fail: 0s of 1h baked"), "{why}");
    assert!(
        why.contains("errors-low Inconclusive: no data for error_rate"),
        "no data must be inconclusive: {why}"
    );
    h.at(Period::hours(1));
    h.window(0.03, 0.004);
    let why = refused(&h.act("advance", "op:operator"));
    assert!(why.contains("errors-low Fail: error_rate = 0.0"), "{why}");
    assert!(!why.contains("bake Fail"), "{why}");
    h.window(0.01, 0.01);
    assert!(matches!(
        h.act("advance", "op:operator"),
        Reply::Applied { revision: 1 }
    ));
    assert_eq!(h.step(), "first/more");
}

#[test]
fn stale_data_is_no_data() {
    let mut h = Harness::new();
    h.window(0.001, 0.001);
    h.at(Period::hours(1));
    let why = refused(&h.act("advance", "op:operator"));
    assert!(
        why.contains("errors-low Inconclusive: no data"),
        "a window older than max_data_age must not count: {why}"
    );
}

#[test]
fn sign_offs_belong_to_their_holders_and_are_named_when_missing() {
    let mut h = Harness::new();
    h.at(Period::hours(1));
    h.window(0.001, 0.001);
    h.act("advance", "op:operator");
    h.at(Period::minutes(30));
    h.window(0.001, 0.001);
    h.window(0.001, 0.001);
    assert_eq!(
        h.step(),
        "first/more",
        "auto advance must wait for the sign-off"
    );
    let why = refused(&h.act("advance", "op:operator"));
    assert!(
        why.contains("boss Fail: awaiting sign-off by boss"),
        "{why}"
    );
    // The role alone does not suffice: an admin whose token does not list `boss` is refused.
    assert_eq!(
        refused(&h.act("approve boss", "ad:admin[]")),
        "forbidden: the `boss` sign-off (boss) may be given only by a token that lists it"
    );
    assert!(
        refused(&h.act("approve match", "ad:admin")).contains("is a metric gate, not a sign-off")
    );
    assert!(refused(&h.act("approve nope", "ad:admin")).contains("no gate `nope`"));
    // A viewer whose token lists it may give it (the boss needs no operator rights).
    assert!(matches!(
        h.act("approve boss", "bo:viewer[boss]"),
        Reply::Applied { .. }
    ));
    assert!(refused(&h.act("approve boss", "ad:admin")).contains("already signed off by bo"));
    h.window(0.001, 0.001);
    assert_eq!(
        h.step(),
        "second/all",
        "with every gate passing, the auto-advance step moves on"
    );
}

#[test]
fn consecutive_gates_need_a_streak() {
    let mut h = Harness::new();
    h.at(Period::hours(1));
    h.window(0.001, 0.001);
    h.act("advance", "op:operator");
    h.act("approve boss", "ad:admin");
    h.at(Period::minutes(30));
    h.window(0.001, 0.001);
    let gates = &h.state.live.gates;
    let m = gates.iter().find(|g| g.id == "match").unwrap();
    assert!(m.detail.contains("held 1 of 2"), "{m}");
    assert_eq!(h.step(), "first/more");
    h.window(0.001, 0.001);
    assert_eq!(h.step(), "second/all");
}

#[test]
fn roles_decide_who_may_act() {
    let table = [
        ("pause", "v:viewer", false),
        ("kill", "v:viewer", false),
        ("note hello", "v:viewer", false),
        ("pause", "o:operator", true),
        ("set-weight a/one 20", "o:operator", false),
        ("set-weight a/one 20", "ad:admin", true),
    ];
    for (text, who, allowed) in table {
        let mut h = Harness::new();
        let reply = h.act(text, who);
        match (allowed, &reply) {
            (true, Reply::Applied { .. }) | (false, Reply::Refused(Refusal::Forbidden { .. })) => {}
            _ => panic!("{text} as {who}: {reply:?}"),
        }
    }
}

#[test]
fn stale_revisions_are_refused_except_for_kill() {
    let mut h = Harness::new();
    h.act("note first", "o:operator");
    let mut stale = request("pause", "o:operator", h.now);
    stale.expected_revision = Some(0);
    let reply = h.feed(Input::Action(stale)).reply.unwrap();
    assert_eq!(
        reply,
        Reply::Refused(Refusal::StaleRevision {
            expected: 0,
            current: 1
        })
    );
    let mut kill = request("kill", "o:operator", h.now);
    kill.expected_revision = Some(0);
    assert!(matches!(
        h.feed(Input::Action(kill)).reply.unwrap(),
        Reply::Applied { revision: 2 }
    ));
}

#[test]
fn a_repeated_idempotency_key_changes_nothing() {
    let mut h = Harness::new();
    let mut req = request("pause", "o:operator", h.now);
    req.idempotency_key = Some("k-1".into());
    let first = h.feed(Input::Action(req.clone()));
    assert_eq!(first.reply, Some(Reply::Applied { revision: 1 }));
    let again = h.feed(Input::Action(req.clone()));
    assert_eq!(again.reply, Some(Reply::Duplicate { revision: 1 }));
    assert!(again.transitions.is_empty());
    assert_eq!(h.state.rollout.revision, 1);
    // A resend with an edited reason is the same request.
    req.reason = "pausing: the dashboard lost its connection".into();
    let edited = h.feed(Input::Action(req.clone()));
    assert_eq!(edited.reply, Some(Reply::Duplicate { revision: 1 }));
}

#[test]
fn an_idempotency_key_reused_for_another_request_is_refused_naming_the_first() {
    let mut h = Harness::new();
    let mut note = request("note checking the pilot", "o:operator", h.now);
    note.idempotency_key = Some("k-7".into());
    h.feed(Input::Action(note));
    let mut pause = request("pause", "o:operator", h.now);
    pause.idempotency_key = Some("k-7".into());
    let why = refused(&h.feed(Input::Action(pause.clone())).reply.unwrap());
    assert_eq!(
        why,
        "idempotency key `k-7` was already used for `note checking the pilot` (revision 1); use a new key for a new request"
    );
    assert_eq!(
        h.state.rollout.status,
        Status::Running,
        "the pause did not happen"
    );
    // The expected revision is part of the request.
    let mut resume = request("pause", "o:operator", h.now);
    resume.idempotency_key = Some("k-8".into());
    resume.expected_revision = Some(1);
    h.feed(Input::Action(resume.clone()));
    resume.expected_revision = Some(2);
    let why = refused(&h.feed(Input::Action(resume)).reply.unwrap());
    assert!(why.contains("already used for `pause@1`"), "{why}");
}

#[test]
fn the_global_kill_switch_sends_everything_to_legacy_whatever_the_gates_or_data() {
    let mut h = Harness::new();
    h.window(0.9, 0.9); // terrible data, gates failing
    h.feed(Input::Metrics(MetricWindow {
        at: h.now.plus(Period::minutes(10)),
        observations: vec![],
    })); // outage
    assert!(matches!(h.act("kill", "o:operator"), Reply::Applied { .. }));
    let view = engine::view::state_view(&h.plan, &h.state.rollout);
    assert_eq!(view.status, Status::Killed);
    assert!(
        view.cohorts
            .iter()
            .all(|c| c.weight_bp == 0 && c.mode == plan::Mode::Legacy)
    );
    assert_eq!(view.kill_switches, vec!["x-off".to_owned()]);
    assert_eq!(view.flags["x.enabled"], plan::FlagValue::Bool(false));
    assert!(
        matches!(h.act("kill", "o:operator"), Reply::Unchanged { .. }),
        "pulling it again is never refused: it answers that nothing changed"
    );
    assert!(
        refused(&h.act("set-weight a/one 50", "ad:admin"))
            .contains("held on legacy by a kill switch")
    );
}

#[test]
fn a_named_kill_switch_touches_only_its_flags_and_scopes() {
    let mut h = Harness::new();
    h.act("kill x-off", "o:operator");
    assert_eq!(h.cohort("b/one"), "legacy");
    assert_eq!(h.cohort("a/one"), "canary 10%");
    let flags = engine::view::flags(&h.plan, &h.state.rollout);
    assert_eq!(flags["x.enabled"], plan::FlagValue::Bool(false));
    assert_eq!(flags["y.enabled"], plan::FlagValue::Bool(true));
    assert!(refused(&h.act("kill nope", "o:operator")).contains("no kill switch `nope`"));
    h.act("resume x-off", "o:operator");
    assert_eq!(h.cohort("b/one"), "canary 10%");
}

#[test]
fn partial_rollback_touches_only_its_scope_and_resume_releases_it() {
    let mut h = Harness::new();
    h.act("rollback a", "o:operator");
    assert_eq!(
        (h.cohort("a/one"), h.cohort("a/two"), h.cohort("b/one")),
        ("legacy".into(), "legacy".into(), "canary 10%".into())
    );
    assert_eq!(h.state.rollout.status, Status::Running);
    assert!(refused(&h.act("rollback a", "o:operator")).contains("already rolled back"));
    assert!(refused(&h.act("resume b", "o:operator")).contains("nothing in b is rolled back"));
    h.act("resume a/one", "o:operator");
    assert_eq!(
        (h.cohort("a/one"), h.cohort("a/two")),
        ("canary 10%".into(), "legacy".into())
    );
}

#[test]
fn full_rollback_rolls_back_then_pauses_at_the_next_evaluation() {
    let mut h = Harness::new();
    h.act("rollback all", "o:operator");
    assert_eq!(h.state.rollout.status, Status::RollingBack);
    h.at(Period::seconds(10));
    let events: Vec<String> = h
        .feed(Input::Tick(h.now))
        .events
        .iter()
        .map(common::line)
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("rollback settled by engine")),
        "{events:?}"
    );
    assert_eq!(h.state.rollout.status, Status::Paused);
    assert!(refused(&h.act("advance", "o:operator")).contains("paused"));
    h.act("resume all", "o:operator");
    assert_eq!(h.state.rollout.status, Status::Running);
    assert_eq!(h.cohort("b/one"), "canary 10%");
}

#[test]
fn excluded_cohorts_stay_legacy_until_their_phase() {
    let mut h = Harness::new();
    assert_eq!(
        h.cohort("b/late"),
        "legacy",
        "`*` must not reach an excluded cohort"
    );
    assert!(
        refused(&h.act("set-weight b/late 50", "ad:admin")).contains("excluded until phase second")
    );
    h.at(Period::hours(1));
    h.window(0.001, 0.001);
    h.act("advance", "o:operator");
    h.act("approve boss", "ad:admin");
    h.at(Period::hours(1));
    h.window(0.001, 0.001);
    h.window(0.001, 0.001);
    assert_eq!(h.step(), "second/all");
    assert_eq!(h.cohort("b/late"), "enhanced");
}

#[test]
fn an_enforced_alert_rolls_back_exactly_the_breaching_department_after_for_evaluations() {
    let mut h = Harness::new();
    let first = h.window(0.09, 0.004);
    assert!(
        !first.iter().any(|e| e.contains("errors@a")),
        "for = 2: nothing after one window: {first:?}"
    );
    let second = h.window(0.09, 0.004);
    let fired = second
        .iter()
        .position(|e| e.starts_with("alert errors@a fired critical (0.09 vs 0.05): rollback a"))
        .unwrap_or_else(|| panic!("{second:?}"));
    let rolled = second
        .iter()
        .position(|e| e.starts_with("rollback a by rule:errors"))
        .unwrap_or_else(|| panic!("{second:?}"));
    assert!(fired < rolled);
    assert!(!second.iter().any(|e| e.contains("errors@b")));
    assert_eq!(
        (h.cohort("a/one"), h.cohort("b/one")),
        ("legacy".into(), "canary 10%".into())
    );
    let journal_entry = &h.state.rollout;
    assert_eq!(journal_entry.revision, 1);
}

#[test]
fn warning_tiers_notify_and_escalate() {
    let mut h = Harness::new();
    h.window(0.03, 0.004);
    let events = h.window(0.03, 0.004);
    assert!(
        events
            .iter()
            .any(|e| e == "alert errors@a fired warning (0.03 vs 0.02)"),
        "{events:?}"
    );
    assert_eq!(h.cohort("a/one"), "canary 10%", "notify changes nothing");
    h.window(0.07, 0.004);
    let events = h.window(0.07, 0.004);
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("alert errors@a escalated critical")),
        "{events:?}"
    );
    assert_eq!(h.cohort("a/one"), "legacy");
}

#[test]
fn an_observed_alert_reports_what_it_would_do() {
    let mut h = Harness::new();
    let events = h.window(0.5, 0.5);
    assert!(
        events.iter().any(|e| e
            == "alert watch@global fired critical (0.5 vs 0.2): observing: would rollback all"),
        "{events:?}"
    );
    assert_eq!(h.state.rollout.status, Status::Running);
}

#[test]
fn no_data_holds_an_alert_where_it_is() {
    let mut h = Harness::new();
    h.window(0.03, 0.004);
    h.window(0.03, 0.004);
    let at = h.now.plus(Period::minutes(10));
    let out = h.feed(Input::Metrics(MetricWindow {
        at,
        observations: vec![],
    }));
    assert!(out.events.is_empty(), "{:?}", out.events);
    let firing = engine::alerts::firing(&h.plan, &h.state.rollout, &h.state.live);
    assert_eq!(firing[0].key, "errors@a");
}

#[test]
fn acknowledging_an_alert_lasts_until_it_fires_again() {
    let mut h = Harness::new();
    assert!(refused(&h.act("ack errors@a", "o:operator")).contains("no firing alert `errors@a`"));
    h.window(0.03, 0.004);
    h.window(0.03, 0.004);
    assert!(matches!(
        h.act("ack errors@a", "o:operator"),
        Reply::Applied { .. }
    ));
    assert!(engine::alerts::firing(&h.plan, &h.state.rollout, &h.state.live)[0].acked);
    assert!(refused(&h.act("ack errors@a", "o:operator")).contains("already acknowledged"));
    h.window(0.004, 0.004);
    h.window(0.03, 0.004);
    h.window(0.03, 0.004);
    assert!(
        !engine::alerts::firing(&h.plan, &h.state.rollout, &h.state.live)[0].acked,
        "a new firing is unacknowledged"
    );
}

#[test]
fn manual_weights_last_until_a_step_sets_the_cohort() {
    let mut h = Harness::new();
    h.act("set-weight a/one 35", "ad:admin");
    assert_eq!(h.cohort("a/one"), "canary 35%");
    h.at(Period::hours(1));
    h.window(0.001, 0.001);
    h.act("advance", "o:operator");
    assert_eq!(
        h.cohort("a/one"),
        "enhanced",
        "the next step sets department a"
    );
}

#[test]
fn alertmanager_alerts_fire_resolve_and_count_in_gates() {
    let mut h = Harness::new();
    let alert = ExternalAlert {
        key: "abc".into(),
        name: "HighLoad".into(),
        tier: Tier::Warning,
        since: h.now,
        summary: "load".into(),
    };
    let out = h.feed(Input::ExternalAlerts {
        at: h.now,
        alerts: vec![alert],
    });
    assert_eq!(common::line(&out.events[0]), "alert am:abc fired warning");
    assert_eq!(h.state.live.firing_at_least(Tier::Info), 1);
    assert_eq!(h.state.live.firing_at_least(Tier::Critical), 0);
    assert!(matches!(
        h.act("ack am:abc", "o:operator"),
        Reply::Applied { .. }
    ));
    let out = h.feed(Input::ExternalAlerts {
        at: h.now,
        alerts: vec![],
    });
    assert_eq!(
        common::line(&out.events[0]),
        "alert am:abc resolved: Alertmanager no longer reports it"
    );
}

#[test]
fn notes_are_journaled_and_need_text() {
    let mut h = Harness::new();
    assert!(matches!(
        h.act("note all good", "o:operator"),
        Reply::Applied { revision: 1 }
    ));
    assert_eq!(
        cutover::wire::Action::parse("note   ").unwrap_err(),
        "`note` needs some text"
    );
    let mut blank = request("note x", "o:operator", h.now);
    blank.action = engine::Action::Note { text: "  ".into() };
    let reply = h.feed(Input::Action(blank)).reply.unwrap();
    assert!(refused(&reply).contains("a note needs some text"));
}

#[test]
fn pause_and_resume_toggle() {
    let mut h = Harness::new();
    assert!(refused(&h.act("resume", "o:operator")).contains("already running"));
    h.act("pause", "o:operator");
    assert!(refused(&h.act("pause", "o:operator")).contains("already paused"));
    h.act("resume", "o:operator");
    assert_eq!(h.state.rollout.status, Status::Running);
}

/// A second kill of a killed rollout changes nothing and says so: no new revision, no event.
#[test]
fn a_second_kill_changes_nothing_and_says_so() {
    let mut h = Harness::new();
    assert!(matches!(
        h.act("kill", "o:operator"),
        Reply::Applied { revision: 1 }
    ));
    let out = h.feed(Input::Action(request("kill", "p:operator", h.now)));
    match out.reply {
        Some(Reply::Unchanged { revision: 1, why }) => {
            assert!(why.contains("already pulled"), "{why}");
        }
        other => panic!("expected Unchanged at revision 1, got {other:?}"),
    }
    assert!(out.transitions.is_empty() && out.events.is_empty());
    assert!(matches!(
        h.act("kill all", "p:operator"),
        Reply::Unchanged { revision: 1, .. }
    ));
    assert_eq!(h.state.rollout.revision, 1);
}

#[test]
fn legacy_is_not_retired_under_a_cohort_held_on_it() {
    const RETIRE: &str = r#"
[rollout]
id = "retire"
name = "Retire"

[[departments]]
id = "a"
cohorts = [{ id = "one" }, { id = "two" }]

[[phases]]
id = "only"

[[phases.steps]]
id = "full"
set = [{ target = "*", mode = "enhanced" }]

[[phases.steps]]
id = "shutdown"
set = [{ target = "*", mode = "retired" }]
"#;
    let plan = plan::load_str("retire.toml", RETIRE).unwrap_or_else(|e| panic!("{e}"));
    let mut state = EngineState::new(&plan, t0());
    let guard = |state: &EngineState| {
        engine::gates::exit_gates(&plan, &state.rollout, &state.live, t0())
            .into_iter()
            .find(|g| g.id == "legacy-in-use")
            .map(|g| g.to_string())
    };
    assert_eq!(
        guard(&state).as_deref(),
        Some("legacy-in-use Pass: no cohort is held on legacy, which only/shutdown retires")
    );
    let act = |state: &mut EngineState, text: &str| {
        engine::handle(
            &plan,
            state,
            Input::Action(request(text, "o:operator", t0())),
        )
        .reply
        .unwrap()
    };
    act(&mut state, "rollback a/two");
    let why = refused(&act(&mut state, "advance"));
    assert!(
        why.contains("legacy-in-use Fail: a/two still on legacy, which only/shutdown retires"),
        "{why}"
    );
    act(&mut state, "resume a/two");
    assert!(matches!(act(&mut state, "advance"), Reply::Applied { .. }));
    // In the last step there is no next one to guard.
    assert_eq!(guard(&state), None);
}

#[test]
fn four_eyes_one_person_gives_one_sign_off_name_per_phase() {
    const TWO: &str = r#"
[rollout]
id = "two"
name = "Two sign-offs"

[[departments]]
id = "a"
cohorts = [{ id = "one" }]

[[phases]]
id = "money"
gates = [{ id = "risk-ok", signoff = "risk" }, { id = "cfo-ok", signoff = "cfo" }, { id = "cfo-again", signoff = "cfo" }]

[[phases.steps]]
id = "only"
set = [{ target = "*", mode = "enhanced" }]

[[phases]]
id = "relaxed"
distinct_signoffs = false
gates = [{ id = "risk-2", signoff = "risk" }, { id = "cfo-2", signoff = "cfo" }]

[[phases.steps]]
id = "end"
"#;
    let plan = plan::load_str("two.toml", TWO).unwrap_or_else(|e| panic!("{e}"));
    let mut state = EngineState::new(&plan, t0());
    let mut act = |text: &str, who: &str| {
        engine::handle(&plan, &mut state, Input::Action(request(text, who, t0())))
            .reply
            .unwrap()
    };
    let both = "carol:admin[risk,cfo]";
    assert!(matches!(
        act("approve risk-ok", both),
        Reply::Applied { .. }
    ));
    assert_eq!(
        refused(&act("approve cfo-ok", both)),
        "four eyes: carol already gave the `risk` sign-off (risk-ok) in phase money; `cfo` must come from someone else"
    );
    assert!(matches!(
        act("approve cfo-ok", "dan:viewer[cfo]"),
        Reply::Applied { .. }
    ));
    // Two gates of one sign-off name are one role's word.
    assert!(matches!(
        act("approve cfo-again", "dan:viewer[cfo]"),
        Reply::Applied { .. }
    ));
    // A phase may relax it, and an open server's local user is not held to it.
    assert!(matches!(act("approve risk-2", both), Reply::Applied { .. }));
    assert!(matches!(act("approve cfo-2", both), Reply::Applied { .. }));
}
