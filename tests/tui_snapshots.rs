//! Every view of the dashboard at 80×24, 200×50 and 250×70, rendered with ratatui's `TestBackend` from
//! a fixed state (VividWalls in shadow, just after its error-rate rule rolled sales back, with
//! alerts and a timeline), compared with `insta` snapshots; plus the kill confirmation and `--ascii`.

mod common;

use common::dashboard::{fixed_app, render};

use cutover::tui::keymap::UiAction;
use cutover::tui::state::{Conn, View};
use cutover::tui::update::{Effect, Msg, command, on_action, update};
use cutover::wire::Action;

#[test]
fn every_view_at_both_sizes() {
    let mut app = fixed_app();
    for (view, name) in [
        (View::Overview, "overview"),
        (View::Departments, "departments"),
        (View::Comparison, "comparison"),
        (View::Alerts, "alerts"),
        (View::Timeline, "timeline"),
    ] {
        app.screen.view = view;
        for (w, h) in [(80, 24), (200, 50), (250, 70)] {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(&app, w, h));
        }
    }
}

#[test]
fn the_kill_confirmation_and_ascii_mode() {
    let mut app = fixed_app();
    on_action(&mut app, UiAction::Kill);
    update(
        &mut app,
        Msg::Key(ratatui::crossterm::event::KeyEvent::from(
            ratatui::crossterm::event::KeyCode::Enter,
        )),
    );
    insta::assert_snapshot!("kill_confirmation_80x24", render(&app, 80, 24));
    let mut app = fixed_app();
    app.look.ascii = true;
    let screen = render(&app, 80, 24);
    // Box drawing is U+2500–U+257F, block elements (bars, sparklines) U+2580–U+259F.
    assert!(
        !screen
            .chars()
            .any(|c| ('\u{2500}'..='\u{259f}').contains(&c)),
        "no box drawing or blocks with --ascii:\n{screen}"
    );
    insta::assert_snapshot!("overview_ascii_80x24", screen);
}

#[test]
fn read_only_and_disconnected_refuse_actions_with_a_message() {
    let mut app = fixed_app();
    app.look.read_only = true;
    assert_eq!(on_action(&mut app, UiAction::PauseResume), None);
    assert!(
        app.toasts
            .back()
            .unwrap()
            .text
            .starts_with("read-only mode")
    );
    let mut app = fixed_app();
    app.link.conn = Conn::Reconnecting;
    assert_eq!(on_action(&mut app, UiAction::PauseResume), None);
    assert!(
        app.toasts
            .back()
            .unwrap()
            .text
            .contains("not connected: the action was not sent")
    );
    let mut app = fixed_app();
    assert!(
        matches!(on_action(&mut app, UiAction::PauseResume), Some(Effect::Send(b)) if b.action == Action::Pause)
    );
    assert!(
        matches!(command(&mut app, "rollback sales", None), Some(Effect::Preview(b)) if b.action.to_string() == "rollback sales"),
        "a typed rollback is confirmed, with the server's preview"
    );
    let sent = update(
        &mut app,
        Msg::Key(ratatui::crossterm::event::KeyEvent::from(
            ratatui::crossterm::event::KeyCode::Enter,
        )),
    )
    .effect;
    assert!(
        matches!(sent, Some(Effect::Send(b)) if b.action.to_string() == "rollback sales"),
        "Enter sends it"
    );
    assert_eq!(command(&mut app, "theme light", None), None);
    assert_eq!(app.look.theme.name, "light");
    assert_eq!(command(&mut app, "launch rockets", None), None);
    assert!(
        app.toasts
            .back()
            .unwrap()
            .text
            .contains("unknown action `launch`")
    );
}

#[test]
fn gauges_mark_the_plans_target() {
    let app = fixed_app();
    let text = |spans: Vec<ratatui::text::Span<'static>>| {
        spans
            .iter()
            .map(|s| s.content.to_string())
            .collect::<String>()
    };
    let gauge = text(cutover::tui::panes::split::bar_with_target(
        &app, 1000, 5000, 10,
    ));
    assert_eq!(gauge.chars().count(), 10, "{gauge}");
    assert_eq!(gauge.chars().position(|c| c == '┃'), Some(5), "{gauge}");
    assert_eq!(gauge.chars().next(), Some('█'), "{gauge}");
    assert!(
        !text(cutover::tui::panes::split::bar_with_target(
            &app, 5000, 5000, 10
        ))
        .contains('┃'),
        "no tick when on target"
    );
}

/// The header tells the truth about the data: waiting for a control plane that never answered,
/// reconnecting with the age of what is shown (and the panes dimmed), no data from the exposed
/// cohorts (naming the silent source), a partial window, stale, live.
#[test]
fn the_header_tells_the_truth_about_freshness() {
    use common::dashboard::freshness;
    use cutover::tui::freshness::{DataState, data_state};
    let live = fixed_app();
    assert_eq!(data_state(&live), DataState::Live { age_ms: 3000 });

    let mut outage = fixed_app();
    let snap = outage.snap.as_mut().unwrap();
    let mut silent = freshness(snap.now, 12, 0);
    silent.sources[0].error = Some("4 series without an answer".into());
    snap.freshness = Some(silent);
    outage.history.data_at = outage.now - 12_000;
    assert_eq!(
        data_state(&outage),
        DataState::NoData {
            age_ms: Some(12_000),
            silent: vec!["simulator".into()]
        }
    );
    let screen = render(&outage, 200, 50);
    assert!(
        screen
            .lines()
            .next()
            .unwrap()
            .contains("NO DATA 12s · simulator silent"),
        "{screen}"
    );
    insta::assert_snapshot!("metrics_outage_200x50", screen);
    // No data since the dashboard started: there is no age to tell.
    outage.history.data_at = 0;
    let first = render(&outage, 200, 50);
    let first = first.lines().next().unwrap();
    assert!(first.contains("NO DATA yet · simulator silent"), "{first}");

    let mut partial = fixed_app();
    partial.snap.as_mut().unwrap().freshness = Some(freshness(0, 12, 9));
    assert_eq!(
        data_state(&partial),
        DataState::Partial {
            with: 9,
            exposed: 12
        }
    );

    let mut stale = fixed_app();
    stale.now += 5000;
    assert_eq!(
        data_state(&stale),
        DataState::Stale { age_ms: 8000 },
        "3 intervals of 1 s without a window"
    );

    let mut lost = fixed_app();
    lost.link.conn = Conn::Reconnecting;
    lost.now += 42_000;
    assert_eq!(
        data_state(&lost),
        DataState::Reconnecting { age_ms: 42_000 }
    );
    let screen = render(&lost, 80, 24);
    assert!(
        screen.contains("RECONNECTING · showing 42s old"),
        "{screen}"
    );
    insta::assert_snapshot!("reconnecting_80x24", screen);

    let mut never = fixed_app();
    never.snap = None;
    never.link.conn = Conn::Connecting;
    assert_eq!(data_state(&never), DataState::Waiting);
    let screen = render(&never, 80, 24);
    assert!(
        screen.contains("Waiting for the control plane at http://127.0.0.1:7070"),
        "{screen}"
    );
    insta::assert_snapshot!("never_connected_80x24", screen);
    // The first attempt failed: still waiting, not "showing 2968w old" (the age of nothing).
    never.link.conn = Conn::Reconnecting;
    assert_eq!(data_state(&never), DataState::Waiting);
    assert!(!render(&never, 80, 24).contains("RECONNECTING"));
    // And says why, in the words the connection failed with.
    never.link.last_error = Some("cannot reach http://127.0.0.1:7070: connection refused".into());
    let screen = render(&never, 80, 24);
    assert!(
        screen.contains("Last attempt: cannot reach http://127.0.0.1:7070: connection"),
        "{screen}"
    );
    insta::assert_snapshot!("never_connected_with_its_error_80x24", screen);
}

/// The comparison follows the selection: a cohort that sends no enhanced traffic any more
/// (sales, rolled back) shows its last values and since when, not the overall PASS.
#[test]
fn the_comparison_follows_a_rolled_back_selection() {
    use cutover::client::subscription::Update;
    use cutover::wire::ServerMessage;
    let mut app = fixed_app();
    let snap = app.snap.clone().unwrap();
    let mut before = snap.judge.clone();
    let mut sales = snap.judge.overall.clone();
    sales.verdict = cutover::wire::Verdict::Fail;
    before
        .cohorts
        .insert("sales/interior_designers".into(), sales);
    let metrics = |judge| ServerMessage::Metrics {
        seq: 60,
        at: snap.now,
        judge,
        gates: snap.gates.clone(),
        freshness: Box::new(snap.freshness.clone().unwrap()),
    };
    update(&mut app, Msg::Stream(Update::Message(metrics(before))));
    app.now += 60_000;
    update(
        &mut app,
        Msg::Stream(Update::Message(metrics(snap.judge.clone()))),
    );
    let row = app
        .rows()
        .iter()
        .position(|id| id == "sales/interior_designers")
        .unwrap();
    app.screen.selected = row;
    on_action(&mut app, UiAction::ViewComparison);
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains("sales/interior_designers · no enhanced traffic since 10:20:00"),
        "{screen}"
    );
    assert!(
        screen.contains("FAIL"),
        "the last verdict, not overall PASS: {screen}"
    );
}
