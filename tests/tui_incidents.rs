//! Incidents stay until a human has seen them: alerts, rollbacks and kills become lines of the
//! incident strip, repeats coalesce, `x` acknowledges, the bell rings and the header flashes
//! on what is critical (as the `bell` setting says), and nothing rings for history replayed
//! by a snapshot.

mod common;

use common::dashboard::fixed_app;
use cutover::client::subscription::Update;
use cutover::tui::incidents::{Incidents, Kind};
use cutover::tui::state::{Bell, State};
use cutover::tui::update::{Effect, Msg, update};
use cutover::wire::{
    Alert, AlertSource, Command, Event, EventKind, ServerMessage, Tier, Transition,
};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

fn alert(key: &str, tier: Tier, value: f64) -> Alert {
    Alert {
        key: key.into(),
        name: key.split('@').next().unwrap().into(),
        source: AlertSource::Plan,
        scope: key.split('@').nth(1).unwrap_or("global").into(),
        tier,
        since: 0,
        value: Some(value),
        threshold: Some(5.0),
        action: Some("rollback sales".into()),
        acked: false,
    }
}

fn fired(at: i64, a: Alert) -> Event {
    Event {
        at,
        kind: EventKind::AlertFired {
            alert: a,
            previous: None,
        },
    }
}

fn resolved(at: i64, key: &str) -> Event {
    Event {
        at,
        kind: EventKind::AlertResolved {
            key: key.into(),
            reason: "back under".into(),
        },
    }
}

fn transition(at: i64, actor: &str, command: Command) -> Event {
    Event {
        at,
        kind: EventKind::Transition(Transition {
            revision: 9,
            at,
            actor: actor.into(),
            command,
            reason: "errors up".into(),
            idempotency_key: None,
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
        }),
    }
}

#[test]
fn alerts_and_actions_become_lines_that_coalesce() {
    let mut strip = Incidents::default();
    let key = "response-time@sales";
    assert_eq!(
        strip.on_event(&fired(1, alert(key, Tier::Critical, 7.99))),
        Some(Kind::Alert(Tier::Critical))
    );
    let rollback = transition(
        1,
        "rule:response-time",
        Command::Rollback {
            target: "sales".into(),
        },
    );
    assert_eq!(
        strip.on_event(&rollback),
        Some(Kind::Rollback { auto: true })
    );
    let lines: Vec<String> = strip.unacked().map(|i| i.text.clone()).collect();
    assert_eq!(
        lines,
        [
            "AUTO-ROLLBACK sales ← response-time critical 7.99 vs 5.00",
            "CRIT response-time@sales 7.99 vs 5.00 → rollback sales",
        ]
    );
    // Flapping: resolved and fired again, twelve times — one line, a count, one ring.
    for n in 0..12 {
        strip.on_event(&resolved(10 + 2 * n, key));
        assert_eq!(
            strip.on_event(&fired(11 + 2 * n, alert(key, Tier::Critical, 8.0))),
            None
        );
    }
    let flapping = strip.unacked().find(|i| i.key == key).unwrap();
    assert_eq!(flapping.count, 13);
    assert_eq!(strip.unacked().count(), 2, "still two lines");
    // A person's pause is not pushed off: manual actions are their own lines.
    let kill = transition(40, "alice", Command::Kill { switch: None });
    assert_eq!(strip.on_event(&kill), Some(Kind::Kill { auto: false }));
    assert!(
        strip
            .unacked()
            .next()
            .unwrap()
            .text
            .starts_with("KILL by alice: errors up"),
        "newest first"
    );
    // Acknowledged and then firing again: it rings again.
    strip.ack(None, 100);
    assert_eq!(strip.unacked().count(), 0);
    strip.on_event(&resolved(50, key));
    assert_eq!(
        strip.on_event(&fired(51, alert(key, Tier::Critical, 9.0))),
        Some(Kind::Alert(Tier::Critical))
    );
    // Acknowledged and over: shown for `keep`, then gone.
    strip.ack(Some(key), 200);
    strip.on_event(&resolved(60, key));
    assert!(strip.shown(200 + 1000, 120_000).any(|i| i.key == key));
    assert!(strip.prune(200 + 120_000, 120_000));
    assert!(!strip.shown(200 + 120_000, 120_000).any(|i| i.key == key));
}

fn push(state: &mut State, event: Event, alerts: Vec<Alert>) -> Option<Effect> {
    let msg = ServerMessage::Alert {
        seq: 100,
        event,
        alerts,
    };
    update(state, Msg::Stream(Update::Message(msg))).effect
}

#[test]
fn the_bell_rings_as_the_setting_says_and_the_header_flashes() {
    let mut state = fixed_app();
    let now = state.snap.as_ref().unwrap().now + 1000;
    let crit = alert("latency@marketing", Tier::Critical, 9.0);
    assert_eq!(
        push(&mut state, fired(now, crit.clone()), vec![crit.clone()]),
        Some(Effect::Bell)
    );
    assert!(state.flash_until > state.now, "the header flashes");
    let until = state.flash_until;
    update(&mut state, Msg::Tick(until));
    assert_eq!(state.flash_until, 0, "and stops after the flash setting");

    let warn = alert("slow@analytics", Tier::Warning, 6.0);
    assert_eq!(push(&mut state, fired(now + 1, warn.clone()), vec![]), None);
    state.look.bell = Bell::All;
    let other = alert("slow@finance", Tier::Warning, 6.0);
    assert_eq!(
        push(&mut state, fired(now + 2, other), vec![]),
        Some(Effect::Bell)
    );
    state.look.bell = Bell::Off;
    let again = alert("errors@finance", Tier::Critical, 6.0);
    assert_eq!(push(&mut state, fired(now + 3, again), vec![]), None);
}

#[test]
fn x_acknowledges_and_acks_a_firing_alert_on_the_server() {
    let mut state = fixed_app();
    let waiting = state.incidents.unacked().count();
    assert!(waiting > 1, "the fixed state has incidents waiting");
    let press = |state: &mut State, code| update(state, Msg::Key(KeyEvent::from(code))).effect;
    press(&mut state, KeyCode::Char('x'));
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.incidents.unacked().count(), 0, "`all` is on top");
    let screen = common::dashboard::render(&state, 200, 50);
    assert!(screen.contains("seen ✓"), "{screen}");
    let mut state = fixed_app();
    let firing = state.snap.as_ref().unwrap().alerts[0].key.clone();
    state.incidents.ack(None, 0);
    let a = alert(&firing, Tier::Critical, 9.0);
    let at = state.snap.as_ref().unwrap().now;
    push(&mut state, resolved(at + 1, &firing), vec![]);
    push(&mut state, fired(at + 2, a.clone()), vec![a]);
    let Some(Effect::Send(request)) = press(&mut state, KeyCode::Char('x')) else {
        panic!("one incident waiting: acknowledged at once, and acked on the server")
    };
    assert_eq!(request.action.to_string(), format!("ack {firing}"));
    assert_eq!(
        request.reason,
        format!("dashboard: ack {firing} (incident strip)")
    );
    assert_eq!(
        press(&mut state, KeyCode::Char('x')),
        None,
        "nothing left to acknowledge"
    );
    assert!(
        state
            .toasts
            .back()
            .unwrap()
            .text
            .starts_with("nothing to acknowledge")
    );
}

/// The closed loop: after a kill the header says ROLLING BACK while it is in flight, then how
/// many config subscribers the new revision was sent to, and how fast.
#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one story: the kill, its delivery here and at the edges, then NATS"
)]
fn after_a_kill_the_header_shows_how_far_it_got() {
    use cutover::wire::Delivery;
    let mut state = fixed_app();
    let at = state.snap.as_ref().unwrap().now + 1;
    let mut killed = state.snap.as_ref().unwrap().state.clone();
    killed.revision = 6;
    killed.status = cutover::wire::Status::Killed;
    let mut event = transition(at, "alice", Command::Kill { switch: None });
    if let EventKind::Transition(t) = &mut event.kind {
        t.revision = 6;
    }
    let msg = ServerMessage::Event {
        seq: 101,
        event,
        state: Box::new(killed),
    };
    let step = update(&mut state, Msg::Stream(Update::Message(msg)));
    assert_eq!(step.effect, Some(Effect::Bell), "a kill rings");
    let header = common::dashboard::render(&state, 200, 50);
    assert!(
        header
            .lines()
            .next()
            .unwrap()
            .contains("ROLLING BACK · KILLED · sending…"),
        "{header}"
    );
    let delivery = ServerMessage::Delivery {
        seq: 102,
        delivery: Delivery {
            revision: 6,
            subscribers: 1204,
            sent: 1204,
            elapsed_ms: Some(43.2),
            complete: true,
            edges: Vec::new(),
        },
    };
    update(&mut state, Msg::Stream(Update::Message(delivery)));
    let header = common::dashboard::render(&state, 200, 50);
    assert!(
        header
            .lines()
            .next()
            .unwrap()
            .contains("KILLED · sent to 1,204/1,204 subscribers in 43 ms"),
        "{header}"
    );
    // Then the edges report: one has it everywhere, one is lost and named.
    let lineage = state.snap.as_ref().unwrap().state.lineage.clone();
    let edge = |id: &str, status, revision, n, ms| cutover::wire::Edge {
        id: id.into(),
        status,
        revision,
        lineage: lineage.clone(),
        subscribers: n,
        sent: n,
        delivered_ms: ms,
        last_report: at,
    };
    let across = ServerMessage::Delivery {
        seq: 103,
        delivery: Delivery {
            revision: 6,
            subscribers: 1204,
            sent: 1204,
            elapsed_ms: Some(43.2),
            complete: true,
            edges: vec![
                edge(
                    "eu-1",
                    cutover::wire::EdgeStatus::Live,
                    6,
                    28_666,
                    Some(61.0),
                ),
                edge("eu-2", cutover::wire::EdgeStatus::Lost, 5, 130, None),
            ],
        },
    };
    update(&mut state, Msg::Stream(Update::Message(across)));
    for (w, h) in [(200, 50), (80, 24)] {
        let header = common::dashboard::render(&state, w, h);
        let first = header.lines().next().unwrap();
        assert!(
            first.contains("KILLED · 1/2 edges (eu-2 lost)"),
            "{w}x{h}: {header}"
        );
        if w == 200 {
            assert!(
                first.contains("sent to 29,870/30,000 subscribers in 61 ms"),
                "{header}"
            );
        }
    }
    // NATS goes down: why the rest is not arriving comes first, even at 80 columns.
    let edges = state.snap.as_ref().unwrap().state.edges.clone();
    update(
        &mut state,
        Msg::Stream(Update::Message(ServerMessage::Edges {
            seq: 104,
            edges,
            nats: Some(cutover::wire::NatsLink {
                connected: false,
                since: at,
                rival: None,
            }),
        })),
    );
    for (w, h) in [(200, 50), (80, 24)] {
        let header = common::dashboard::render(&state, w, h);
        let first = header.lines().next().unwrap();
        assert!(first.contains("NATS DOWN"), "{w}x{h}: {first}");
    }
}

/// A snapshot after a reconnect repeats history: incidents are not counted twice, and a loop
/// followed before the reconnect is not shown as still sending.
#[test]
fn a_reconnect_does_not_count_incidents_twice() {
    let mut state = fixed_app();
    let counts: Vec<u32> = state.incidents.unacked().map(|i| i.count).collect();
    let at = state.snap.as_ref().unwrap().now + 1;
    let mut killed = state.snap.as_ref().unwrap().state.clone();
    killed.revision = 6;
    let msg = ServerMessage::Event {
        seq: 101,
        event: transition(at, "alice", Command::Kill { switch: None }),
        state: Box::new(killed),
    };
    update(&mut state, Msg::Stream(Update::Message(msg.clone())));
    assert!(state.closed_loop.is_some());
    let mut snap = state.snap.clone().unwrap();
    if let ServerMessage::Event { event, .. } = msg {
        snap.events.push(event);
    }
    update(
        &mut state,
        Msg::Stream(Update::Message(ServerMessage::Snapshot(Box::new(snap)))),
    );
    assert!(
        state.closed_loop.is_none(),
        "not followed across a reconnect"
    );
    let kill = state.incidents.unacked().find(|i| i.key == "kill").unwrap();
    assert_eq!(kill.count, 1, "the kill is one incident, seen once");
    let after: Vec<u32> = state
        .incidents
        .unacked()
        .filter(|i| i.key != "kill")
        .map(|i| i.count)
        .collect();
    assert_eq!(after, counts);
}

/// An alert of a rule in observe mode did nothing: its line says so first, so it does not read
/// like the alert that acted.
#[test]
fn observe_only_alerts_say_so() {
    let state = fixed_app();
    let lines: Vec<&str> = state.incidents.unacked().map(|i| i.text.as_str()).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("CRIT observe-only pilot-error-rate@")),
        "{lines:?}"
    );
    assert!(
        lines.iter().all(|l| !l.contains("observing:")),
        "the long 'would' text is left to the detail: {lines:?}"
    );
}

/// An edge relay that stops reporting shows in the header, named, at every size.
#[test]
fn a_lost_edge_shows_in_the_header() {
    let mut state = fixed_app();
    let at = state.snap.as_ref().unwrap().now;
    let lineage = state.snap.as_ref().unwrap().state.lineage.clone();
    let edge = |id: &str, status| cutover::wire::Edge {
        id: id.into(),
        status,
        revision: 5,
        lineage: lineage.clone(),
        subscribers: 10,
        sent: 10,
        delivered_ms: None,
        last_report: at,
    };
    let mut snap = state.snap.clone().unwrap();
    snap.state.edges = vec![
        edge("eu-1", cutover::wire::EdgeStatus::Live),
        edge("eu-2", cutover::wire::EdgeStatus::Live),
    ];
    update(
        &mut state,
        Msg::Stream(Update::Message(ServerMessage::Snapshot(Box::new(snap)))),
    );
    let first = common::dashboard::render(&state, 200, 50);
    assert!(!first.lines().next().unwrap().contains("EDGES"), "{first}");
    // The control plane tells a change of an edge's status in an `edges` message.
    let lost = vec![
        edge("eu-1", cutover::wire::EdgeStatus::Live),
        edge("eu-2", cutover::wire::EdgeStatus::Lost),
    ];
    update(
        &mut state,
        Msg::Stream(Update::Message(ServerMessage::Edges {
            seq: 99,
            edges: lost.clone(),
            nats: Some(cutover::wire::NatsLink {
                connected: true,
                since: at,
                rival: None,
            }),
        })),
    );
    for (w, h) in [(80, 24), (200, 50), (250, 70)] {
        let screen = common::dashboard::render(&state, w, h);
        let first = screen.lines().next().unwrap();
        assert!(first.contains("EDGES 1/2 · eu-2 lost"), "{w}x{h}: {first}");
    }
    // When the control plane itself has lost NATS, that is what the header says.
    update(
        &mut state,
        Msg::Stream(Update::Message(ServerMessage::Edges {
            seq: 100,
            edges: lost,
            nats: Some(cutover::wire::NatsLink {
                connected: false,
                since: 1_738_573_447_000,
                rival: None,
            }),
        })),
    );
    for (w, h) in [(80, 24), (200, 50), (250, 70)] {
        let screen = common::dashboard::render(&state, w, h);
        let first = screen.lines().next().unwrap();
        let said = if w < 120 {
            "NATS DOWN · 2 edges unheard"
        } else {
            "NATS DOWN since 09:04:07 · 2 edges unheard"
        };
        assert!(first.contains(said), "{w}x{h}: {first}");
        assert!(!first.contains("EDGES"), "{w}x{h}: {first}");
        // The clock shows whole or not at all.
        let clock = first.trim_end().rsplit("  ").next().unwrap();
        let clipped_clock = !clock.ends_with("UTC")
            && clock
                .chars()
                .all(|c| c.is_ascii_digit() || ":UTC ".contains(c));
        assert!(!clipped_clock, "{w}x{h}: {first}");
    }
    // Another control plane publishing the rollout is said before anything else.
    update(
        &mut state,
        Msg::Stream(Update::Message(ServerMessage::Edges {
            seq: 101,
            edges: Vec::new(),
            nats: Some(cutover::wire::NatsLink {
                connected: true,
                since: at,
                rival: Some("7e33fdc939bd".into()),
            }),
        })),
    );
    for (w, h) in [(80, 24), (200, 50), (250, 70)] {
        let screen = common::dashboard::render(&state, w, h);
        let first = screen.lines().next().unwrap();
        let said = if w < 120 {
            "NOT PUBLISHING · rival"
        } else {
            "NOT PUBLISHING: lineage 7e33fdc939bd of another control plane holds the bucket"
        };
        assert!(first.contains(said), "{w}x{h}: {first}");
    }
}
