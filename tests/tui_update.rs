//! The dashboard's pure update, table-tested: every binding of the built-in keymap, pressed in
//! each mode (live, read-only, disconnected), and what it does — an effect for the loop, a
//! dialog, a view change, or a status message. Then the safety of what it sends: the revision
//! on screen when a dialog opened (sent even if the rollout moved on, so the server refuses a
//! stale decision), reasons naming the view and key, no revision on the kill switch, and the
//! message a stale refusal comes back as.

mod common;

use common::dashboard::fixed_app;
use cutover::client::subscription::Update;
use cutover::tui::dialog::{Dialog, Pick};
use cutover::tui::keymap::Keymap;
use cutover::tui::state::{Conn, State};
use cutover::tui::update::{ActionError, Effect, Msg, update};
use cutover::wire::{Action, ActionRequest, ErrorBody, ServerMessage};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn press(state: &mut State, key: &str) -> Option<Effect> {
    let code = match key {
        "Tab" => KeyCode::Tab,
        "PageDown" => KeyCode::PageDown,
        "PageUp" => KeyCode::PageUp,
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        k => KeyCode::Char(k.chars().next().unwrap()),
    };
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))).effect
}

fn sent(r: &ActionRequest) -> String {
    format!(
        "send {} @{:?} ({})",
        r.action, r.expected_revision, r.reason
    )
}

/// What one key press did, in words.
fn outcome(before: &State, after: &State, effect: Option<&Effect>) -> String {
    match effect {
        Some(Effect::Quit) => return "quit".into(),
        Some(Effect::Bell) => return "bell".into(),
        Some(Effect::Send(r)) => return sent(r),
        Some(Effect::Preview(_)) | None => {}
    }
    let asked = matches!(effect, Some(Effect::Preview(_)));
    if let Some(d) = &after.dialog {
        return match d {
            Dialog::Confirm(c) => format!(
                "confirm{} {}: {}",
                if asked { "+preview" } else { "" },
                c.title,
                sent(&c.request)
            ),
            Dialog::Picker(p) => {
                format!("pick {:?} of {} @{:?}", p.pick, p.items.len(), p.revision)
            }
            Dialog::Input(i) => format!("input {:?} `{}`", i.purpose, i.text),
            Dialog::Help(_) => "help".into(),
            Dialog::Detail(d) => format!("why {:?}", d.subject),
        };
    }
    if after.toasts.len() > before.toasts.len() {
        return format!("say: {}", after.toasts.back().unwrap().text);
    }
    if after.screen.view != before.screen.view {
        return format!("view {:?}", after.screen.view);
    }
    if after.screen.selected != before.screen.selected {
        return format!("row {}", after.screen.selected);
    }
    if after.screen.timeline.kinds != before.screen.timeline.kinds {
        return format!("kinds {}", after.screen.timeline.kinds.name());
    }
    if after.look.theme.name != before.look.theme.name {
        return format!("theme {}", after.look.theme.name);
    }
    "nothing".into()
}

fn run(mode: &str, key: &str) -> String {
    let mut state = fixed_app();
    match mode {
        "live" => {}
        "read-only" => state.look.read_only = true,
        "disconnected" => state.link.conn = Conn::Reconnecting,
        other => panic!("{other}"),
    }
    if ["k", "Up", "PageUp", "g"].contains(&key) {
        state.screen.selected = 2;
    }
    let before = state.clone();
    let effect = press(&mut state, key);
    outcome(&before, &state, effect.as_ref())
}

const READ_ONLY: &str = "say: read-only mode: actions are disabled (started with --read-only)";
const OFFLINE: &str =
    "say: not connected: the action was not sent (nothing is queued); wait for LIVE";

#[test]
fn every_binding_in_every_mode() {
    let revision = fixed_app().revision().unwrap();
    let r = |s: &str| s.replace("REV", &revision.to_string());
    // (key, live, writes?) — a write key is refused with a message in the other two modes.
    let table: Vec<(&str, String, bool)> = vec![
        ("q", "quit".into(), false),
        (
            "a",
            r("confirm+preview Advance?: send advance @Some(REV) (dashboard: advance (a))"),
            true,
        ),
        ("p", r("send pause @Some(REV) (dashboard: pause (p))"), true),
        ("r", r("pick Rollback of 25 @Some(REV)"), true),
        (
            "R",
            r(
                "confirm+preview Roll back everything?: send rollback all @Some(REV) (dashboard: rollback all (R))",
            ),
            true,
        ),
        ("K", "pick Kill of 3 @None".into(), true),
        (
            "A",
            "say: no sign-off is awaited at this step (`:approve GATE` approves any)".into(),
            true,
        ),
        ("w", "input Weight `pilot/internal_testing `".into(), true),
        ("x", r("pick Ack of 6 @Some(REV)"), true),
        ("n", "input Note ``".into(), true),
        ("Tab", "view Departments".into(), false),
        ("1", "nothing".into(), false),
        ("2", "view Departments".into(), false),
        ("3", "view Comparison".into(), false),
        ("4", "view Alerts".into(), false),
        ("5", "view Timeline".into(), false),
        ("/", "input Filter ``".into(), false),
        (":", "input Command ``".into(), false),
        ("?", "help".into(), false),
        ("j", "row 1".into(), false),
        ("k", "row 1".into(), false),
        ("Down", "row 1".into(), false),
        ("Up", "row 1".into(), false),
        ("PageDown", "row 10".into(), false),
        ("PageUp", "row 0".into(), false),
        ("g", "row 0".into(), false),
        ("G", "row 18".into(), false),
        (
            "Enter",
            "why Cohort(\"pilot/internal_testing\")".into(),
            false,
        ),
        ("f", "view Timeline".into(), false),
        ("t", "say: theme: prod (t for the next)".into(), false),
    ];
    let bound: Vec<String> = Keymap::builtin()
        .bindings()
        .map(|(k, _)| k.to_owned())
        .collect();
    let mut listed: Vec<String> = table.iter().map(|(k, ..)| (*k).to_owned()).collect();
    listed.sort();
    let mut bound_sorted = bound.clone();
    bound_sorted.sort();
    assert_eq!(
        listed, bound_sorted,
        "one row per binding of the built-in keymap"
    );
    for (key, live, writes) in &table {
        assert_eq!(&run("live", key), live, "`{key}` live");
        let (ro, off) = if *writes {
            (READ_ONLY.to_owned(), OFFLINE.to_owned())
        } else {
            (live.clone(), live.clone())
        };
        assert_eq!(run("read-only", key), ro, "`{key}` read-only");
        assert_eq!(run("disconnected", key), off, "`{key}` disconnected");
    }
}

/// A newer revision arriving while a dialog is open does not change the decision: Enter sends
/// the revision the operator was looking at, so the server refuses it as stale.
#[test]
fn a_dialog_sends_the_revision_it_was_opened_on() {
    let mut state = fixed_app();
    let seen = state.revision().unwrap();
    press(&mut state, "a");
    let mut moved = state.snap.as_ref().unwrap().state.clone();
    moved.revision = seen + 1;
    let event = state.snap.as_ref().unwrap().events.last().unwrap().clone();
    update(
        &mut state,
        Msg::Stream(Update::Message(ServerMessage::Event {
            seq: 50,
            event,
            state: Box::new(moved),
        })),
    );
    let screen = common::dashboard::render(&state, 100, 30);
    assert!(
        screen.contains(&format!("moved on to revision {}", seen + 1)),
        "the dialog shows the newer revision:\n{screen}"
    );
    let Some(Effect::Send(request)) = press(&mut state, "Enter") else {
        panic!("Enter sends")
    };
    assert_eq!(request.action, Action::Advance);
    assert_eq!(request.expected_revision, Some(seen));
    assert_eq!(
        request.idempotency_key, None,
        "the client fills a fresh key"
    );
}

#[test]
fn pickers_name_the_choice_and_the_kill_switch_carries_no_revision() {
    let mut state = fixed_app();
    let seen = state.revision();
    press(&mut state, "r");
    let Some(Effect::Preview(asked)) = press(&mut state, "Enter") else {
        panic!("picking opens the confirmation and asks the server for its preview")
    };
    assert_eq!(asked.action.to_string(), "rollback pilot");
    assert!(!asked.dry_run && asked.idempotency_key.is_none());
    let Some(Effect::Send(request)) = press(&mut state, "Enter") else {
        panic!("Enter in the confirmation sends the rollback")
    };
    assert_eq!(
        (
            request.action.to_string(),
            request.reason.as_str(),
            request.expected_revision
        ),
        (
            "rollback pilot".to_owned(),
            "dashboard: rollback pilot (picker)",
            seen
        )
    );

    press(&mut state, "K");
    assert!(matches!(&state.dialog, Some(Dialog::Picker(p)) if p.pick == Pick::Kill));
    press(&mut state, "Enter");
    for c in "KILL".chars() {
        press(&mut state, &c.to_string());
    }
    let Some(Effect::Send(kill)) = press(&mut state, "Enter") else {
        panic!("typed KILL and Enter send the kill")
    };
    assert_eq!(kill.action, Action::Kill { target: None });
    assert_eq!(
        kill.expected_revision, None,
        "the kill switch is never stale"
    );
    assert_eq!(kill.reason, "dashboard: kill (K)");

    press(&mut state, ":");
    for c in "rollback sales".chars() {
        press(&mut state, &c.to_string());
    }
    assert!(matches!(
        press(&mut state, "Enter"),
        Some(Effect::Preview(_))
    ));
    // The reason is the operator's to edit: C-u clears it, then their words.
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    for c in "errors up in sales".chars() {
        press(&mut state, &c.to_string());
    }
    let Some(Effect::Send(typed)) = press(&mut state, "Enter") else {
        panic!(":rollback sales, confirmed, sends")
    };
    assert_eq!(typed.reason, "errors up in sales");
    assert_eq!(typed.expected_revision, seen);
}

#[test]
fn a_stale_refusal_says_the_rollout_moved_on() {
    let mut state = fixed_app();
    let mut body = ErrorBody::new("stale_revision", "stale revision: …");
    body.current_revision = Some(12);
    update(
        &mut state,
        Msg::ActionDone {
            what: "advance".into(),
            result: Err(ActionError::Refused(body)),
        },
    );
    assert_eq!(
        state.toasts.back().unwrap().text,
        "advance refused: the rollout moved on to revision 12 while you were deciding: look again"
    );
}

/// The confirmation shows the server's preview when it comes, says so when there is none, and
/// sends either way; a preview for another action is not shown.
#[test]
fn the_confirmation_shows_the_servers_preview_or_says_there_is_none() {
    use cutover::tui::dialog::PreviewState;
    use cutover::wire::{Change, Preview};
    let mut state = fixed_app();
    press(&mut state, "R");
    let Some(Dialog::Confirm(c)) = &state.dialog else {
        panic!("R confirms")
    };
    let request = c.request.clone();
    let preview = Preview {
        revision: request.expected_revision.unwrap(),
        refusal: None,
        unchanged: None,
        changes: vec![Change {
            what: "pilot/vip_customers".into(),
            from: "shadow".into(),
            to: "legacy".into(),
        }],
        gates: Vec::new(),
        state: state.snap.as_ref().unwrap().state.clone(),
    };
    let mut other = request.clone();
    other.action = Action::Pause;
    update(
        &mut state,
        Msg::Previewed {
            request: other,
            result: Ok(Box::new(preview.clone())),
        },
    );
    assert!(matches!(&state.dialog, Some(Dialog::Confirm(c)) if c.preview == PreviewState::Asking));
    update(
        &mut state,
        Msg::Previewed {
            request: request.clone(),
            result: Ok(Box::new(preview)),
        },
    );
    let screen = common::dashboard::render(&state, 100, 30);
    assert!(
        screen.contains("Would change (the server's dry run"),
        "{screen}"
    );
    assert!(screen.contains("pilot/vip_customers"), "{screen}");
    assert!(screen.contains("shadow → legacy"), "{screen}");
    update(
        &mut state,
        Msg::Previewed {
            request,
            result: Err("the control plane did not answer".into()),
        },
    );
    let screen = common::dashboard::render(&state, 100, 30);
    assert!(
        screen.contains("no preview (the control plane did not answer); Enter still sends it"),
        "{screen}"
    );
    assert!(matches!(press(&mut state, "Enter"), Some(Effect::Send(_))));
}

/// Pickers show each entry's state and mark the entries that would change nothing.
#[test]
fn pickers_show_state_and_mark_what_would_change_nothing() {
    let mut state = fixed_app();
    press(&mut state, "r");
    let Some(Dialog::Picker(p)) = &state.dialog else {
        panic!("r picks")
    };
    let sales = p
        .items
        .iter()
        .find(|i| i.value.as_deref() == Some("sales"))
        .unwrap();
    assert!(
        sales
            .label
            .contains("rolled back already: nothing to change"),
        "{}",
        sales.label
    );
    let pilot = p
        .items
        .iter()
        .find(|i| i.value.as_deref() == Some("pilot"))
        .unwrap();
    assert!(pilot.label.contains("3 shadow"), "{}", pilot.label);
    assert!(!pilot.label.contains("nothing to change"));
}

/// A long preview never pushes the prompt off a small screen: the kill switch's `type KILL`
/// and the reason stay visible at 80×24, the rest of the preview is counted.
#[test]
fn a_long_preview_keeps_the_prompt_on_screen_at_80x24() {
    use cutover::wire::{Change, Preview};
    let mut state = fixed_app();
    press(&mut state, "K");
    press(&mut state, "Enter");
    let Some(Dialog::Confirm(c)) = &state.dialog else {
        panic!("the kill confirmation")
    };
    let request = c.request.clone();
    let changes = (0..30)
        .map(|i| Change {
            what: format!("cohort-{i}"),
            from: "shadow".into(),
            to: "legacy".into(),
        })
        .collect();
    let preview = Preview {
        revision: 5,
        refusal: None,
        unchanged: None,
        changes,
        gates: Vec::new(),
        state: state.snap.as_ref().unwrap().state.clone(),
    };
    update(
        &mut state,
        Msg::Previewed {
            request,
            result: Ok(Box::new(preview)),
        },
    );
    let screen = common::dashboard::render(&state, 80, 24);
    assert!(screen.contains("type KILL: _"), "{screen}");
    assert!(screen.contains("reason: dashboard: kill (K)"), "{screen}");
    assert!(screen.contains("more"), "{screen}");
}

/// A key bound in the keymap's `[commands]` types its command line, so any action the command
/// line knows gets a key with one line of TOML.
#[test]
fn a_command_key_types_its_command_line() {
    let mut state = fixed_app();
    state.look.keymap =
        cutover::tui::keymap::Keymap::load(Some("[commands]\nN = \"rollback sales\"")).unwrap();
    assert_eq!(press(&mut state, "N"), None);
    let Some(Dialog::Input(input)) = &state.dialog else {
        panic!("the command line opens")
    };
    assert_eq!(input.text, "rollback sales");
    assert!(
        matches!(press(&mut state, "Enter"), Some(Effect::Preview(r)) if r.action.to_string() == "rollback sales")
    );
}

#[test]
fn a_new_lineage_is_told() {
    let mut state = fixed_app();
    let mut snap = state.snap.clone().unwrap();
    snap.state.lineage = "aaaaaaaaaaaa".into();
    snap.state.revision = 40;
    let arrive = |state: &mut State, snap: &cutover::wire::Snapshot| {
        update(
            state,
            Msg::Stream(Update::Message(ServerMessage::Snapshot(Box::new(
                snap.clone(),
            )))),
        );
    };
    arrive(&mut state, &snap);
    let told = state.toasts.len();
    arrive(&mut state, &snap);
    assert_eq!(state.toasts.len(), told, "the same lineage says nothing");
    snap.state.lineage = "bbbbbbbbbbbb".into();
    snap.state.revision = 12;
    arrive(&mut state, &snap);
    assert_eq!(
        state.toasts.back().unwrap().text,
        "The journal was recovered or restored: new lineage bbbbbbbbbbbb at revision 12 (was aaaaaaaaaaaa); see the timeline"
    );
}

#[test]
fn a_failed_attempt_is_kept_until_the_link_is_back() {
    use cutover::client::subscription::Link;
    let mut state = fixed_app();
    let failed = |error: &str| {
        Msg::Stream(Update::Link(Link::Reconnecting {
            error: Some(error.into()),
        }))
    };
    let step = update(&mut state, failed("connection refused"));
    assert!(step.redraw);
    assert_eq!(state.link.last_error.as_deref(), Some("connection refused"));
    assert!(
        !update(&mut state, failed("connection refused")).redraw,
        "the same words again change nothing on screen"
    );
    assert!(update(&mut state, failed("timed out")).redraw);
    update(&mut state, Msg::Stream(Update::Link(Link::Live)));
    assert_eq!(state.link.last_error, None);
}
