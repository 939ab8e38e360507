//! Protocol v1 frozen: one JSON file per message under `golden/`, tested both ways — what the
//! server writes (built from a real engine run through `server::convert`, as the server does)
//! equals the file byte for byte, and the file parses back into the same value. A change to v1
//! therefore shows up as a failing test and a diff. To change v1 on purpose, run the tests with
//! `GOLDEN_UPDATE=1`, read the diff, and update docs/protocol.md (`.ci/run` refuses to run
//! with `GOLDEN_UPDATE` set).

mod common;

use std::collections::BTreeMap;
use std::fmt::Debug;

use common::{Value, Values, request, t0};
use cutover::engine::{self, EngineState, ExternalAlert, Input, Refusal, Role};
use cutover::journal::Record;
use cutover::server::api::ApiError;
use cutover::server::convert;
use cutover::time::Period;
use cutover::wire::{
    self, Action, ActionReply, ActionRequest, AssignReply, ClientMessage, ConfigDoc, ErrorBody,
    EventsPage, ServerMessage, Snapshot,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Compares what is written with the frozen file (or, with `GOLDEN_UPDATE=1`, freezes it);
/// returns the frozen text.
fn freeze(name: &str, value: &impl Serialize) -> String {
    let path = common::root().join("golden").join(format!("{name}.json"));
    let written = serde_json::to_string_pretty(value).unwrap() + "\n";
    if std::env::var_os("GOLDEN_UPDATE").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &written).unwrap();
        return written;
    }
    let frozen = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (a new v1 message? run with GOLDEN_UPDATE=1)",
            path.display()
        )
    });
    assert_eq!(
        written, frozen,
        "protocol v1 changed for `{name}`; if on purpose, GOLDEN_UPDATE=1 and update docs/protocol.md"
    );
    frozen
}

/// Both ways: written equals the file, and the file parses into the value.
fn check<T: Serialize + DeserializeOwned + PartialEq + Debug>(name: &str, value: &T) {
    let frozen = freeze(name, value);
    let parsed: T = serde_json::from_str(&frozen)
        .unwrap_or_else(|e| panic!("golden/{name}.json does not parse: {e}"));
    assert_eq!(
        &parsed, value,
        "golden/{name}.json parses into something else"
    );
}

/// A short, deterministic run of the minimal plan: a note, a refused advance, healthy
/// windows, then an Alertmanager alert.
struct Run {
    plan: cutover::plan::Plan,
    state: EngineState,
    events: Vec<engine::Event>,
    now: cutover::time::Timestamp,
}

fn healthy() -> Values {
    [
        ("error_rate", Value::Pair([0.004, 0.0035])),
        ("latency_p95", Value::Pair([0.8, 0.75])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn run() -> Run {
    let plan = common::profile("minimal");
    let mut state = EngineState::new(&plan, t0());
    let mut events = Vec::new();
    let mut now = t0();
    let mut feed = |state: &mut EngineState, input: Input| {
        events.extend(engine::handle(&plan, state, input).events);
    };
    feed(
        &mut state,
        Input::Action(request("note watching staff", "alice:operator", now)),
    );
    feed(
        &mut state,
        Input::Action(request("advance", "alice:operator", now)),
    );
    let healthy = healthy();
    for i in 0..4 {
        now = now.plus(Period::minutes(1));
        let w = common::window(&plan, now, &healthy, &BTreeMap::new(), i);
        feed(&mut state, Input::Metrics(w));
    }
    let alert = ExternalAlert {
        key: "f00d".into(),
        name: "DiskAlmostFull".into(),
        tier: cutover::plan::Tier::Critical,
        since: now,
        summary: "db-1 disk at 97%".into(),
    };
    feed(
        &mut state,
        Input::ExternalAlerts {
            at: now,
            alerts: vec![alert],
        },
    );
    Run {
        plan,
        state,
        events,
        now,
    }
}

fn snapshot(r: &Run) -> Snapshot {
    Snapshot {
        seq: 7,
        now: r.now.0,
        name: r.plan.profile().rollout.name.clone(),
        state: state_object(r),
        gates: convert::gates(&r.state.live.gates, &cutover::server::auth::Auth::Open),
        alerts: convert::alerts(&engine::alerts::firing(
            &r.plan,
            &r.state.rollout,
            &r.state.live,
        )),
        judge: convert::rollups(&engine::compare::rollups(&r.plan, &r.state)),
        data_at: r.state.live.windows.last().map(|w| w.at.0),
        events: r.events.iter().map(convert::event).collect(),
        switches: vec!["old-pricing".into()],
        freshness: Some(freshness(r)),
        delivery: Some(wire::Delivery {
            revision: 1,
            subscribers: 3,
            sent: 3,
            elapsed_ms: Some(4.2),
            complete: true,
            edges: Vec::new(),
        }),
    }
}

/// Two edges: one has the revision everywhere, one was lost.
fn edges(r: &Run) -> Vec<wire::Edge> {
    vec![
        wire::Edge {
            id: "eu-1".into(),
            status: wire::EdgeStatus::Live,
            revision: 2,
            lineage: "4f1c2a9e7b30".into(),
            subscribers: 2500,
            sent: 2500,
            delivered_ms: Some(61.4),
            last_report: r.now.0,
        },
        wire::Edge {
            id: "eu-2".into(),
            status: wire::EdgeStatus::Lost,
            revision: 1,
            lineage: "4f1c2a9e7b30".into(),
            subscribers: 130,
            sent: 130,
            delivered_ms: None,
            last_report: r.now.0 - 9_000,
        },
    ]
}

fn freshness(r: &Run) -> wire::Freshness {
    let mut tracker = cutover::server::freshness::Tracker::default();
    tracker.alertmanager(r.now, Ok(1));
    let window = common::window(&r.plan, r.now, &healthy(), &BTreeMap::new(), 3);
    let reports = [cutover::server::freshness::SourceReport {
        name: "simulator",
        values: 8,
        errors: 0,
    }];
    tracker.window(&r.plan, &r.state.rollout, &window, &reports, 1000)
}

#[test]
fn stream_messages() {
    let r = run();
    let snap = snapshot(&r);
    let find = |pred: &dyn Fn(&engine::EventKind) -> bool| {
        convert::event(r.events.iter().find(|e| pred(&e.kind)).expect("event"))
    };
    let alice = engine::Actor::new("alice", Role::Operator);
    check(
        "stream/hello",
        &ServerMessage::Hello {
            seq: 6,
            epoch: 1_738_573_200,
            protocol: wire::PROTOCOL,
            server: "0.1.0".into(),
            rollout: "minimal".into(),
            you: Some(convert::actor(&alice)),
            clock_speed: 1.0,
        },
    );
    check(
        "stream/event-transition",
        &ServerMessage::Event {
            seq: 8,
            event: find(&|k| matches!(k, engine::EventKind::Transition(_))),
            state: Box::new(snap.state.clone()),
        },
    );
    check(
        "stream/event-refused",
        &ServerMessage::Event {
            seq: 9,
            event: find(&|k| matches!(k, engine::EventKind::Refused { .. })),
            state: Box::new(snap.state.clone()),
        },
    );
    check(
        "stream/alert",
        &ServerMessage::Alert {
            seq: 10,
            event: find(&|k| matches!(k, engine::EventKind::AlertFired { .. })),
            alerts: snap.alerts.clone(),
        },
    );
    check(
        "stream/metrics",
        &ServerMessage::Metrics {
            seq: 11,
            at: r.now.0,
            judge: snap.judge.clone(),
            gates: snap.gates.clone(),
            freshness: Box::new(freshness(&r)),
        },
    );
    check(
        "stream/delivery",
        &ServerMessage::Delivery {
            seq: 11,
            delivery: wire::Delivery {
                revision: 2,
                subscribers: 1204,
                sent: 1204,
                elapsed_ms: Some(43.1),
                complete: true,
                edges: edges(&r),
            },
        },
    );
    check(
        "stream/ping",
        &ServerMessage::Ping {
            seq: 11,
            now: r.now.0,
        },
    );
    check(
        "stream/error",
        &ServerMessage::Error {
            seq: 11,
            code: "bad_message".into(),
            message: "could not read that message".into(),
        },
    );
    check("stream/snapshot", &ServerMessage::Snapshot(Box::new(snap)));
    check(
        "stream/client-resume",
        &ClientMessage::Resume {
            seq: 11,
            epoch: 1_738_573_200,
        },
    );
    check("stream/client-ping", &ClientMessage::Ping);
}

#[test]
fn reads_and_documents() {
    let r = run();
    let state = state_object(&r);
    check("state", &state);
    let gates = {
        // The next step's gates, for a sign-off among them.
        let mut later = r.state.rollout.clone();
        later.step = 1;
        engine::gates::exit_gates(&r.plan, &later, &r.state.live, r.now)
    };
    check(
        "gates",
        &convert::gates(&gates, &cutover::server::auth::Auth::Open),
    );
    let config = cutover::server::published::build_config(
        &r.plan,
        &r.state,
        "4f1c2a9e7b30",
        r.plan.assignment(),
    );
    check::<ConfigDoc>("config", &config.doc);
    let c = &config.doc.cohorts[0];
    check(
        "assign",
        &AssignReply {
            cohort: c.id.clone(),
            unit: "user-42".into(),
            variant: wire::Variant::Legacy,
            mode: c.mode,
            bucket: 6120,
            weight_bp: c.weight_bp,
            flags: c.flags.clone(),
            revision: config.doc.revision,
        },
    );
    let records: Vec<Record> = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            engine::EventKind::Transition(t) => Some(Record {
                seq: t.revision,
                transition: t.clone(),
            }),
            _ => None,
        })
        .collect();
    check(
        "events-page",
        &EventsPage {
            events: records.iter().map(convert::record).collect(),
            next: records.last().map_or(0, |r| r.seq),
        },
    );
    check(
        "health",
        &wire::Health {
            status: "ok".into(),
            rollout: "minimal".into(),
            revision: 1,
        },
    );
    let sample = |variant, value| wire::Sample {
        metric: "error_rate".into(),
        cohort: "shop/staff".into(),
        variant,
        value,
        count: Some(1500),
    };
    let samples = vec![
        sample(Some(wire::Variant::Legacy), 0.004),
        sample(Some(wire::Variant::Enhanced), 0.012),
    ];
    let frozen = freeze("samples", &samples);
    let parsed: Vec<wire::Sample<'_>> = serde_json::from_str(&frozen).unwrap();
    assert_eq!(
        parsed, samples,
        "golden/samples.json parses into something else"
    );
    check(
        "samples-reply",
        &wire::SamplesReply {
            accepted: 1,
            rejected: vec![wire::Rejected {
                index: 1,
                reason: "unknown metric `eror_rate`".into(),
            }],
            rejected_total: 1,
        },
    );
    check(
        "action-reply",
        &ActionReply {
            revision: 1,
            duplicate: false,
            unchanged: None,
            state: state.clone(),
        },
    );
}

#[test]
fn what_edges_carry_and_say() {
    let r = run();
    check(
        "stream/edges",
        &ServerMessage::Edges {
            seq: 12,
            edges: edges(&r),
            nats: Some(wire::NatsLink {
                connected: true,
                since: r.now.0 - 3_600_000,
                rival: None,
            }),
        },
    );
    check(
        "signed-config",
        &wire::SignedConfig {
            document: r#"{"rollout":"minimal","revision":2}"#.into(),
            signature: "9c".repeat(64),
            key: "3f".repeat(32),
        },
    );
    check(
        "edge-report",
        &wire::EdgeReport {
            edge: "eu-1".into(),
            rollout: "minimal".into(),
            revision: 2,
            lineage: "4f1c2a9e7b30".into(),
            subscribers: 2500,
            sent: 2500,
            elapsed_ms: Some(18.5),
            stale: false,
            at: r.now.0,
        },
    );
    check(
        "edge-health",
        &wire::EdgeHealth {
            status: "stale".into(),
            edge: "eu-1".into(),
            rollout: "minimal".into(),
            revision: 2,
            age_ms: 12_400,
            nats_connected: false,
        },
    );
}

#[test]
fn a_dry_runs_preview() {
    let r = run();
    let state = state_object(&r);
    let mut after = state.clone();
    after.status = wire::Status::Paused;
    after.revision += 1;
    check(
        "preview",
        &wire::Preview {
            revision: state.revision,
            refusal: None,
            unchanged: None,
            changes: wire::action::changes(&state, &after),
            gates: convert::gates(&r.state.live.gates, &cutover::server::auth::Auth::Open),
            state: after,
        },
    );
}

#[test]
fn every_action_body() {
    let with = |action: Action, expected: Option<u64>| ActionRequest {
        action,
        reason: "why, in the operator's words".into(),
        idempotency_key: Some("7f1c2a9e".into()),
        expected_revision: expected,
        dry_run: false,
    };
    let target = |t: &str| t.to_owned();
    for (name, body) in [
        ("advance", with(Action::Advance, Some(41))),
        ("pause", with(Action::Pause, Some(41))),
        ("resume", with(Action::Resume { target: None }, Some(41))),
        (
            "resume-target",
            with(
                Action::Resume {
                    target: Some(target("sales")),
                },
                Some(41),
            ),
        ),
        (
            "rollback",
            with(
                Action::Rollback {
                    target: target("sales"),
                },
                Some(41),
            ),
        ),
        ("kill", with(Action::Kill { target: None }, None)),
        (
            "kill-switch",
            with(
                Action::Kill {
                    target: Some(target("old-pricing")),
                },
                None,
            ),
        ),
        (
            "approve",
            with(
                Action::Approve {
                    target: target("release-owner"),
                },
                Some(41),
            ),
        ),
        (
            "set-weight",
            with(
                Action::SetWeight {
                    target: target("shop/staff"),
                    value: 25.0,
                },
                Some(41),
            ),
        ),
        (
            "ack",
            with(
                Action::Ack {
                    target: target("errors@shop/staff"),
                },
                Some(41),
            ),
        ),
        (
            "note",
            with(
                Action::Note {
                    text: target("watching revenue"),
                },
                None,
            ),
        ),
    ] {
        check(&format!("actions/{name}"), &body);
    }
    let mut dry = with(
        Action::Rollback {
            target: "shop".into(),
        },
        Some(41),
    );
    dry.dry_run = true;
    check("actions/dry-run", &dry);
}

#[test]
fn every_error_body() {
    let r = run();
    let gates = r.state.live.gates.clone();
    let refusals = [
        (
            "forbidden",
            Refusal::Forbidden {
                role: Role::Viewer,
                needs: Role::Operator,
            },
        ),
        (
            "stale-revision",
            Refusal::StaleRevision {
                expected: 41,
                current: 42,
            },
        ),
        ("gates-failing", Refusal::GatesFailing { gates }),
        (
            "not-allowed",
            Refusal::NotAllowed {
                message: "`sales` is already rolled back".into(),
            },
        ),
    ];
    for (name, refusal) in refusals {
        let e = ApiError::refusal(refusal, &cutover::server::auth::Auth::Open);
        check::<ErrorBody>(&format!("errors/{name}"), e.body());
    }
    let plain = ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "bad_request",
        "malformed JSON body: expected value at line 1 column 1",
    );
    check::<ErrorBody>("errors/bad-request", plain.body());
}

/// The state object as the server sends it, with a journal lineage.
fn state_object(r: &Run) -> cutover::wire::StateView {
    let mut state = convert::state(&engine::view::state_view(&r.plan, &r.state.rollout));
    state.lineage = "4f1c2a9e7b30".into();
    state
}
