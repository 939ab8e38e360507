//! The views that explain: the detail of a cohort, an event and an alert (Enter), the help
//! generated from the keymap and scrolled at 80×24, the timeline scrolled, filtered by text and
//! by kind, the command line's completion, and read-only mode showing only the keys that work.

mod common;

use common::dashboard::{fixed_app, render};
use cutover::tui::keymap::UiAction;
use cutover::tui::state::{EventKinds, State};
use cutover::tui::update::{Msg, on_action, update};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

fn key(state: &mut State, code: KeyCode) {
    update(state, Msg::Key(KeyEvent::from(code)));
}

fn typed(state: &mut State, text: &str) {
    for c in text.chars() {
        key(state, KeyCode::Char(c));
    }
}

#[test]
fn enter_explains_a_cohort_an_event_and_an_alert() {
    let mut app = fixed_app();
    let sales = app
        .rows()
        .iter()
        .position(|id| id == "sales/interior_designers")
        .unwrap();
    app.screen.selected = sales;
    on_action(&mut app, UiAction::Details);
    let screen = render(&app, 200, 50);
    for expected in [
        "Why · sales/interior_designers",
        "mode legacy · weight 0%",
        "rolled back",
        "Alerts on its scope",
        "Journal entries that touched it",
        "rollback sales by rule:error-rate · shadow → legacy",
    ] {
        assert!(screen.contains(expected), "{expected}:\n{screen}");
    }
    insta::assert_snapshot!("detail_cohort_200x50", screen);
    key(&mut app, KeyCode::Esc);
    assert!(app.dialog.is_none());

    on_action(&mut app, UiAction::ViewTimeline);
    on_action(&mut app, UiAction::Down);
    on_action(&mut app, UiAction::Details);
    let screen = render(&app, 120, 40);
    for expected in [
        "Why · event",
        "#4 rollback sales by rule:error-rate",
        "before",
        "after",
        "\"sales/interior_designers\": \"legacy\"",
    ] {
        assert!(screen.contains(expected), "{expected}:\n{screen}");
    }
    insta::assert_snapshot!("detail_event_120x40", screen);
    key(&mut app, KeyCode::Esc);

    on_action(&mut app, UiAction::ViewAlerts);
    on_action(&mut app, UiAction::Details);
    let first = app.snap.as_ref().unwrap().alerts[0].key.clone();
    let screen = render(&app, 120, 40);
    assert!(screen.contains(&format!("Why · {first}")), "{screen}");
    assert!(screen.contains("on the strip: fired 1 time(s)"), "{screen}");
    assert!(screen.contains("Its events"), "{screen}");
}

#[test]
fn help_is_generated_grouped_and_scrolls_at_80x24() {
    let mut app = fixed_app();
    on_action(&mut app, UiAction::Help);
    let top = render(&app, 80, 24);
    assert!(top.contains("Act on the rollout"), "{top}");
    assert!(
        top.contains("the kill switch (type KILL to confirm)"),
        "{top}"
    );
    assert!(!top.contains("RollbackAll"), "no code names: {top}");
    insta::assert_snapshot!("help_80x24", top);
    for _ in 0..18 {
        key(&mut app, KeyCode::Char('j'));
    }
    let scrolled = render(&app, 80, 24);
    assert!(
        scrolled.contains(":rollback TARGET"),
        "the commands: {scrolled}"
    );
    assert!(scrolled.contains("quit the dashboard"), "{scrolled}");
    insta::assert_snapshot!("help_scrolled_80x24", scrolled);
    key(&mut app, KeyCode::Esc);
    assert!(app.dialog.is_none());
}

#[test]
fn the_timeline_scrolls_and_filters() {
    let mut app = fixed_app();
    on_action(&mut app, UiAction::ViewTimeline);
    let all = app.timeline().len();
    assert!(all > 5);
    on_action(&mut app, UiAction::Bottom);
    assert_eq!(app.screen.timeline.cursor, all - 1);
    on_action(&mut app, UiAction::Top);
    on_action(&mut app, UiAction::KindFilter);
    assert_eq!(app.screen.timeline.kinds, EventKinds::Alerts);
    assert!(
        app.timeline()
            .iter()
            .all(|e| e.summary().starts_with("alert "))
    );
    on_action(&mut app, UiAction::KindFilter);
    assert!(
        app.timeline()
            .iter()
            .all(|e| !e.summary().contains("rule:")),
        "people's actions only"
    );
    on_action(&mut app, UiAction::KindFilter);
    on_action(&mut app, UiAction::KindFilter);
    on_action(&mut app, UiAction::Filter);
    typed(&mut app, "note");
    key(&mut app, KeyCode::Enter);
    let shown = app.timeline();
    assert_eq!(shown.len(), 1, "{shown:?}");
    let screen = render(&app, 100, 30);
    assert!(screen.contains("Timeline · all · “note” · 1/1"), "{screen}");
}

#[test]
fn the_command_line_completes_commands_and_targets() {
    let mut app = fixed_app();
    on_action(&mut app, UiAction::Command);
    typed(&mut app, "rol");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "mar");
    key(&mut app, KeyCode::Tab);
    let Some(cutover::tui::dialog::Dialog::Input(input)) = &app.dialog else {
        panic!("the command line is open")
    };
    assert_eq!(input.text, "rollback marketing");
    assert!(
        app.toasts
            .back()
            .unwrap()
            .text
            .contains("marketing/email_campaigns"),
        "several matches are listed"
    );
}

#[test]
fn read_only_shows_a_badge_and_only_the_keys_that_work() {
    let mut app = fixed_app();
    app.look.read_only = true;
    let screen = render(&app, 80, 24);
    let footer = screen.lines().last().unwrap();
    assert!(footer.contains("READ-ONLY"), "{footer}");
    for gone in ["KILL", "pause", "rollback", "advance"] {
        assert!(
            !footer.contains(gone),
            "{gone} does not work read-only: {footer}"
        );
    }
    assert!(footer.contains("q  quit"), "{footer}");
    insta::assert_snapshot!("read_only_80x24", screen);
    on_action(&mut app, UiAction::Help);
    let help = render(&app, 80, 24);
    assert!(!help.contains("the kill switch"), "{help}");
}

/// `--ascii` means ASCII everywhere: every view, the help, a confirmation and a detail.
#[test]
fn ascii_mode_prints_only_ascii_everywhere() {
    let mut app = fixed_app();
    app.look.ascii = true;
    let mut screens = Vec::new();
    for view in [
        UiAction::ViewOverview,
        UiAction::ViewDepartments,
        UiAction::ViewComparison,
        UiAction::ViewAlerts,
        UiAction::ViewTimeline,
    ] {
        on_action(&mut app, view);
        screens.push(render(&app, 200, 50));
        screens.push(render(&app, 80, 24));
    }
    on_action(&mut app, UiAction::Help);
    screens.push(render(&app, 80, 24));
    key(&mut app, KeyCode::Esc);
    on_action(&mut app, UiAction::ViewOverview);
    on_action(&mut app, UiAction::Details);
    screens.push(render(&app, 120, 40));
    key(&mut app, KeyCode::Esc);
    on_action(&mut app, UiAction::Kill);
    key(&mut app, KeyCode::Enter);
    screens.push(render(&app, 80, 24));
    for screen in &screens {
        let odd: String = screen.chars().filter(|c| !c.is_ascii()).collect();
        assert!(odd.is_empty(), "not ASCII: {odd:?} in\n{screen}");
    }
}

/// The light theme paints its background, so dark text stays readable on a dark terminal;
/// without truecolor, themes fall back to the 256 indexed colours.
#[test]
fn the_light_theme_paints_its_background_and_themes_fit_256_colours() {
    use ratatui::style::Color;
    let mut app = fixed_app();
    app.look
        .set_theme(cutover::tui::theme::Theme::named("light").unwrap());
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    term.draw(|f| cutover::tui::panes::draw(f, &app)).unwrap();
    let buffer = term.backend().buffer();
    let reset = buffer
        .content()
        .iter()
        .filter(|c| c.bg == Color::Reset)
        .count();
    assert_eq!(reset, 0, "every cell has the theme's background");
    let fitted = cutover::tui::theme::Theme::named("dark")
        .unwrap()
        .fitted(false);
    for c in [
        fitted.fg,
        fitted.accent,
        fitted.crit,
        fitted.ok,
        fitted.header_bg,
    ] {
        assert!(!matches!(c, Color::Rgb(..)), "{c:?}");
    }
}

/// `:messages` shows the status messages so far, errors included, after they left the footer.
#[test]
fn messages_keeps_the_status_messages() {
    let mut app = fixed_app();
    cutover::tui::update::command(&mut app, "launch rockets", None);
    cutover::tui::update::command(&mut app, "theme light", None);
    cutover::tui::update::command(&mut app, "messages", None);
    let screen = render(&app, 120, 40);
    assert!(screen.contains("Messages · newest last"), "{screen}");
    assert!(screen.contains("unknown action `launch`"), "{screen}");
}
