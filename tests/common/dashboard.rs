//! A fixed dashboard state for snapshot tests and the frame benchmark: VividWalls in shadow,
//! just after its error-rate rule rolled sales back, with alerts and a timeline.

#![allow(dead_code)]

use std::collections::BTreeMap;

use super::{Value, Values, request, t0};
use cutover::client::subscription::Update;
use cutover::engine::{self, EngineState, Input};
use cutover::server::convert;
use cutover::time::Period;
use cutover::tui::keymap::Keymap;
use cutover::tui::state::{Conn, Look, State};
use cutover::tui::theme::Theme;
use cutover::tui::update::{Msg, update};
use cutover::wire::{Actor, Freshness, Role, ServerMessage, Snapshot, SourceHealth};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub fn fixed_app() -> State {
    let plan = super::profile("vividwalls");
    let mut state = EngineState::new(&plan, t0());
    let mut events = Vec::new();
    let mut now = t0();
    let defaults: Values = [
        ("error_rate", Value::Pair([0.004, 0.0038])),
        ("response_time", Value::Pair([1.2, 1.1])),
        ("revenue", Value::Pair([50.0, 50.4])),
        ("order_completion", Value::Pair([0.97, 0.972])),
        ("satisfaction", Value::Pair([4.3, 4.4])),
        ("output_match", Value::Single(0.97)),
        ("reconciliation_match", Value::Single(1.0)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let feed = |state: &mut EngineState, input: Input, events: &mut Vec<engine::Event>| {
        events.extend(engine::handle(&plan, state, input).events);
    };
    for gate in ["persona-validation", "team-confidence"] {
        feed(
            &mut state,
            Input::Action(request(&format!("approve {gate}"), "carol:admin", now)),
            &mut events,
        );
    }
    now = now.plus(Period::hours(24 * 21));
    for i in 0..6 {
        now = now.plus(Period::minutes(10));
        feed(
            &mut state,
            Input::Metrics(super::window(&plan, now, &defaults, &BTreeMap::new(), i)),
            &mut events,
        );
    }
    feed(
        &mut state,
        Input::Action(request("advance", "alice:operator", now)),
        &mut events,
    );
    let spike: BTreeMap<String, Values> = [(
        "sales".to_owned(),
        [("error_rate".to_owned(), Value::Pair([0.004, 0.09]))].into(),
    )]
    .into();
    for i in 0..2 {
        now = now.plus(Period::minutes(10));
        feed(
            &mut state,
            Input::Metrics(super::window(&plan, now, &defaults, &spike, 10 + i)),
            &mut events,
        );
    }
    feed(
        &mut state,
        Input::Action(request("note watching the pilot", "alice:operator", now)),
        &mut events,
    );
    let snapshot = Snapshot {
        seq: 42,
        now: now.0,
        data_at: Some(now.0),
        freshness: Some(freshness(now.0, 12, 12)),
        ..cutover::server::published::build_snapshot(
            &plan,
            &state,
            convert::state(&engine::view::state_view(&plan, &state.rollout)),
            &events,
            &cutover::server::auth::Auth::Open,
        )
    };
    let look = Look::new(Theme::named("mono").unwrap(), Keymap::builtin());
    let mut app = State::new(look, "http://127.0.0.1:7070");
    app.now = now.0;
    update(
        &mut app,
        Msg::Stream(Update::Message(ServerMessage::Snapshot(Box::new(snapshot)))),
    );
    app.link.conn = Conn::Live;
    app.link.last_message = now.0;
    app.history.metrics_at = now.0 - 3000;
    app.link.you = Some(Actor {
        name: "alice".into(),
        role: Role::Operator,
    });
    app.history.split = (0..40).map(|i| 500 + i * 10).collect();
    app
}

/// A window at `at` in which `with_data` of `exposed` cohorts had values, from the simulator.
pub fn freshness(at: i64, exposed: usize, with_data: usize) -> Freshness {
    Freshness {
        at,
        interval_ms: 1000,
        exposed,
        with_data,
        sources: vec![SourceHealth {
            name: "simulator".into(),
            values: with_data * 10,
            errors: 0,
            last_ok: (with_data > 0).then_some(at),
            error: None,
        }],
    }
}

/// The screen as text, trailing spaces trimmed.
pub fn render(app: &State, width: u16, height: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(width, height)).unwrap();
    term.draw(|f| cutover::tui::panes::draw(f, app)).unwrap();
    let buffer = term.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let line: String = (0..width)
            .map(|x| buffer[(x, y)].symbol().to_owned())
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
