//! The open dialog over the panes: a confirmation (with the word to type for the kill switch,
//! and a warning when the rollout moved on since it opened), a picker, an input line, or the
//! key help.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::block;
use crate::tui::dialog::help::COMMANDS;
use crate::tui::dialog::{Confirm, Dialog, Focus, Input, Picker, PreviewState, Purpose};
use crate::tui::keymap::{Group, UiAction};
use crate::tui::state::State;

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    let [_, v, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(h),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, c, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(w),
        Constraint::Fill(1),
    ])
    .areas(v);
    c
}

/// A warning when the rollout moved on since the dialog opened on revision `decided`.
fn moved_on(ui: &State, decided: Option<u64>) -> Option<Line<'static>> {
    let (decided, now) = (decided?, ui.revision()?);
    let t = &ui.look.theme;
    (decided != now).then(|| {
        Line::from(Span::styled(
            format!(
                "The rollout moved on to revision {now} since this opened (you are deciding on {decided}): the server will refuse it. Esc and look again."
            ),
            t.strong(t.warn),
        ))
    })
}

/// What the server's preview says, as lines.
fn preview_lines(ui: &State, c: &Confirm) -> Vec<Line<'static>> {
    let t = &ui.look.theme;
    let arrow = if ui.look.ascii { "->" } else { "→" };
    match &c.preview {
        PreviewState::Asking => vec![Line::from(Span::styled(
            "asking the server what this would change…",
            t.muted(),
        ))],
        PreviewState::Unavailable(why) => vec![Line::from(Span::styled(
            format!("no preview ({why}); Enter still sends it"),
            t.strong(t.warn),
        ))],
        PreviewState::Ready(p) => {
            if let Some(refusal) = &p.refusal {
                return vec![Line::from(Span::styled(
                    format!("The server would refuse: {}", refusal.message),
                    t.strong(t.crit),
                ))];
            }
            if let Some(why) = &p.unchanged {
                return vec![Line::from(Span::styled(
                    format!("Nothing would change: {why}"),
                    t.strong(t.warn),
                ))];
            }
            let mut out = vec![Line::from(Span::styled(
                format!(
                    "Would change (the server's dry run at revision {}):",
                    p.revision
                ),
                t.strong(t.fg),
            ))];
            out.extend(p.changes.iter().map(|ch| {
                Line::from(vec![
                    Span::styled(
                        format!("  {:<32} ", super::split::truncate(&ch.what, 32)),
                        t.text(),
                    ),
                    Span::styled(format!("{} {arrow} ", ch.from), t.muted()),
                    Span::styled(ch.to.clone(), t.strong(t.fg)),
                ])
            }));
            out
        }
    }
}

fn confirm<'a>(ui: &State, area: Rect, c: &'a Confirm) -> (String, Vec<Line<'a>>) {
    let t = &ui.look.theme;
    let mut out: Vec<Line> = c
        .lines
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| Line::from(Span::styled(l.clone(), t.text())))
        .collect();
    out.extend(moved_on(ui, c.request.expected_revision));
    // The prompt below must always show: the preview gets what room is left.
    let prompt = if c.typed.is_some() { 4 } else { 3 };
    let room = usize::from(area.height)
        .saturating_sub(2 + out.len() + prompt + 1)
        .max(2);
    let mut preview = preview_lines(ui, c);
    if preview.len() > room {
        let more = preview.len() - (room - 1);
        preview.truncate(room - 1);
        preview.push(Line::from(Span::styled(
            format!("  … and {more} more"),
            t.muted(),
        )));
    }
    out.extend(preview);
    out.push(Line::raw(""));
    let cursor = |focused: bool| if focused { "_" } else { "" };
    out.push(Line::from(vec![
        Span::styled("reason: ", t.strong(t.accent)),
        Span::styled(
            format!("{}{}", c.reason, cursor(c.focus == Focus::Reason)),
            t.strong(t.fg),
        ),
    ]));
    match &c.typed {
        Some(typed) => {
            out.push(Line::from(vec![
                Span::styled(format!("type {}: ", typed.word), t.strong(t.crit)),
                Span::styled(
                    format!("{}{}", typed.input, cursor(c.focus == Focus::Word)),
                    t.strong(t.fg),
                ),
            ]));
            out.push(Line::from(Span::styled(
                "Enter sends · Tab edits the reason · Esc cancels",
                t.muted(),
            )));
        }
        None => out.push(Line::from(Span::styled(
            "Enter sends · type to edit the reason · Esc cancels",
            t.muted(),
        ))),
    }
    (format!(" {} ", c.title), out)
}

fn picker<'a>(ui: &State, area: Rect, p: &'a Picker) -> (String, Vec<Line<'a>>) {
    let t = &ui.look.theme;
    // Keep the highlighted choice in view when the list is taller than the screen.
    let room = usize::from(area.height.saturating_sub(4)).max(1);
    let start = p.selected.saturating_sub(room - 1);
    let mut out: Vec<Line> = moved_on(ui, p.revision).into_iter().collect();
    let room = room.saturating_sub(out.len()).max(1);
    out.extend(
        p.items
            .iter()
            .enumerate()
            .skip(start)
            .take(room)
            .map(|(i, item)| {
                let style = if i == p.selected {
                    t.selected()
                } else {
                    t.text()
                };
                Line::from(Span::styled(format!(" {} ", item.label), style))
            }),
    );
    let title = format!(" {} ({}/{}) ", p.title, p.selected + 1, p.items.len());
    (title, out)
}

fn input<'a>(ui: &State, i: &'a Input) -> (String, Vec<Line<'a>>) {
    let t = &ui.look.theme;
    let decided = (!matches!(i.purpose, Purpose::Filter | Purpose::EventFilter))
        .then_some(i.revision)
        .flatten();
    let mut lines: Vec<Line> = moved_on(ui, decided).into_iter().collect();
    let hint = match i.purpose {
        Purpose::Command => "Enter runs · Tab completes · Esc cancels · e.g. rollback sales, :help",
        Purpose::Note => "the note goes into the journal · Enter writes it · Esc cancels",
        Purpose::Filter => "cohorts whose id contains this · empty shows all · Enter applies",
        Purpose::EventFilter => "events whose line contains this · empty shows all · Enter applies",
        Purpose::Weight => "COHORT PERCENT (0–100), e.g. sales/designers 25 · Enter sets it",
    };
    lines.extend([
        Line::from(Span::styled(format!("{}_", i.text), t.strong(t.fg))),
        Line::from(Span::styled(hint, t.muted())),
    ]);
    (format!(" {} ", i.prompt), lines)
}

/// The help, generated from the keymap: each action's keys and what it does, by group;
/// then the `:` commands and the line-editing keys.
fn help(ui: &State) -> (String, Vec<Line<'static>>) {
    let t = &ui.look.theme;
    let mut out: Vec<Line> = Vec::new();
    for group in [Group::Act, Group::Look, Group::Move, Group::Other] {
        out.push(Line::from(Span::styled(
            group.heading(),
            t.strong(t.accent),
        )));
        let mut actions: Vec<UiAction> = ui
            .look
            .keymap
            .bindings()
            .map(|(_, a)| a)
            .filter(|a| a.group() == group)
            .collect();
        actions.sort();
        actions.dedup();
        for a in actions {
            if ui.look.read_only && a.writes() {
                continue;
            }
            let keys: Vec<&str> = ui
                .look
                .keymap
                .bindings()
                .filter(|(_, b)| *b == a)
                .map(|(k, _)| k)
                .collect();
            out.push(Line::from(vec![
                Span::styled(format!("  {:>10}  ", keys.join(", ")), t.strong(t.fg)),
                Span::styled(a.describe(), t.text()),
            ]));
        }
    }
    let mine: Vec<Line> = ui
        .look
        .keymap
        .commands()
        .map(|(k, c)| {
            Line::from(vec![
                Span::styled(format!("  {k:>10}  "), t.strong(t.fg)),
                Span::styled(format!(":{c}"), t.text()),
            ])
        })
        .collect();
    if !mine.is_empty() {
        out.push(Line::from(Span::styled(
            "Keys that type a command",
            t.strong(t.accent),
        )));
        out.extend(mine);
    }
    out.push(Line::from(Span::styled(
        "Commands (: then Tab completes; C-u clears, C-w deletes a word)",
        t.strong(t.accent),
    )));
    for (cmd, what) in COMMANDS {
        out.push(Line::from(vec![
            Span::styled(format!("  :{cmd:<22} "), t.strong(t.fg)),
            Span::styled(*what, t.text()),
        ]));
    }
    out.push(Line::from(Span::styled(
        "Your keys: $XDG_CONFIG_HOME/cutover/keymap.toml (merged over assets/keymap.toml)",
        t.muted(),
    )));
    (" Keys · j/k scroll · Esc closes ".into(), out)
}

/// Draws the open dialog, if any.
pub fn render(f: &mut Frame, area: Rect, ui: &State) {
    let Some(dialog) = &ui.dialog else { return };
    if let Dialog::Detail(d) = dialog {
        return super::detail::render(f, area, ui, d);
    }
    let (title, lines) = match dialog {
        Dialog::Confirm(c) => confirm(ui, area, c),
        Dialog::Picker(p) => picker(ui, area, p),
        Dialog::Input(i) => input(ui, i),
        Dialog::Help(h) => {
            let (title, lines) = help(ui);
            let rect = centered(area, 84, area.height.saturating_sub(2));
            f.render_widget(Clear, rect);
            f.render_widget(
                Paragraph::new(lines)
                    .block(block(ui, &title))
                    .scroll((h.scroll, 0)),
                rect,
            );
            return;
        }
        Dialog::Detail(_) => return,
    };
    let height = u16::try_from(lines.len()).unwrap_or(20).saturating_add(2);
    let rect = centered(area, 76, height);
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines)
            .block(block(ui, &title))
            .wrap(Wrap { trim: false }),
        rect,
    );
}
