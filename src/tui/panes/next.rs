//! What comes next: the current step's bake time as a bar, each exit gate with its status and
//! reading against its condition, the sign-offs waiting and who may give them, and one line
//! that says what the rollout is waiting for (`auto-advance in 3h 12m`, `waiting for: cfo
//! sign-off, output_match ≥ 0.95`, `ready: a advances`).
//!
//! ```text
//! ┌ Next: pilot/tue-10 · waiting for: bake, qa-lead sign-off ─────┐
//! │bake   ██████░░░░░░░░ 2d 3h of 7d                              │
//! │✓ errors        error_rate 0.0035 < 0.01                        │
//! │? latency       no data for latency_p95                         │
//! │… qa-lead       sign-off: any admin may give it (A)             │
//! └────────────────────────────────────────────────────────────────┘
//! ```

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::block;
use super::split::{bar, truncate};
use crate::tui::state::State;
use crate::wire::{Gate, GateKind, GateStatus, Snapshot, Status, format};

fn ms(v: u64) -> String {
    format::duration(v)
}

/// What the rollout is waiting for, in one line.
#[must_use]
pub fn waiting_for(ui: &State, snap: &Snapshot) -> String {
    let st = &snap.state;
    match st.status {
        Status::Paused => return "paused: p resumes".into(),
        Status::Killed => return "killed: every cohort on legacy".into(),
        Status::Completed => return "completed: the plan is done".into(),
        Status::RollingBack => return "rolling back".into(),
        Status::Running => {}
    }
    let blockers: Vec<String> = snap
        .gates
        .iter()
        .filter(|g| !g.passed())
        .map(|g| match &g.kind {
            GateKind::Bake { .. } => "bake".to_owned(),
            GateKind::Signoff { signoff, .. } => format!("{signoff} sign-off"),
            GateKind::Legacy { held } => format!("{} back off legacy", held.join(", ")),
            GateKind::Metric { condition, .. } | GateKind::Alert { condition, .. } => {
                condition.clone()
            }
        })
        .collect();
    let bake_left = snap.gates.iter().find_map(|g| match g.kind {
        GateKind::Bake {
            elapsed_ms,
            required_ms,
        } => Some(required_ms.saturating_sub(elapsed_ms)),
        _ => None,
    });
    match (blockers.as_slice(), st.auto_advance) {
        ([], true) => "advancing at the next evaluation".into(),
        ([], false) => "ready: a advances".into(),
        ([only], true) if only == "bake" => {
            let left = bake_left.unwrap_or(0);
            let mut text = format!("auto-advance in {}", ms(left));
            if ui.sped_up() {
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    clippy::cast_precision_loss,
                    reason = "a wall-time estimate"
                )]
                let wall = (left as f64 / ui.link.speed) as u64;
                let _ = write!(text, " (~{} here)", ms(wall));
            }
            text
        }
        (list, _) => format!("waiting for: {}", list.join(", ")),
    }
}

fn gate_line(ui: &State, g: &Gate, width: u16) -> Line<'static> {
    let t = &ui.look.theme;
    let (mark, style) = match (g.status, ui.look.ascii) {
        (GateStatus::Pass, false) => ("✓", t.strong(t.ok)),
        (GateStatus::Pass, true) => ("+", t.strong(t.ok)),
        (GateStatus::Fail, false) => ("✗", t.strong(t.crit)),
        (GateStatus::Fail, true) => ("x", t.strong(t.crit)),
        (GateStatus::Inconclusive, _) => ("?", t.strong(t.warn)),
    };
    if let GateKind::Bake {
        elapsed_ms,
        required_ms,
    } = g.kind
    {
        let done = (elapsed_ms.min(required_ms) * 10_000)
            .checked_div(required_ms)
            .unwrap_or(10_000);
        let mut spans = vec![Span::styled(format!("{mark} bake     "), style)];
        spans.extend(bar(ui, done, 16));
        spans.push(Span::styled(
            format!(" {} of {}", ms(elapsed_ms), ms(required_ms)),
            t.text(),
        ));
        return Line::from(spans);
    }
    let reading = match &g.kind {
        GateKind::Metric { condition, value } | GateKind::Alert { condition, value } => match value
        {
            Some(v) => format!("{condition}  (now {})", format::round4(*v)),
            None => format!("{condition}  (no data)"),
        },
        GateKind::Signoff {
            may_give,
            given_by: Some(by),
            ..
        } => format!("signed off by {by} ({})", may_give.join(", ")),
        GateKind::Signoff { may_give, .. } => {
            format!("sign-off: {} may give it (A)", may_give.join(" or "))
        }
        GateKind::Legacy { held } if held.is_empty() => g.detail.clone(),
        GateKind::Legacy { held } => format!(
            "{} still on legacy, which the next step retires: resume first",
            held.join(", ")
        ),
        GateKind::Bake { .. } => String::new(),
    };
    let room = usize::from(width).saturating_sub(16);
    Line::from(vec![
        Span::styled(format!("{mark} {:<13} ", truncate(&g.id, 13)), style),
        Span::styled(truncate(&reading, room), t.text()),
    ])
}

/// Draws what comes next.
pub fn render(f: &mut Frame, area: Rect, ui: &State) {
    let Some(snap) = &ui.snap else {
        f.render_widget(block(ui, " Next "), area);
        return;
    };
    let next = snap
        .state
        .next_step
        .as_deref()
        .unwrap_or("the end of the plan");
    let title = format!(" Next: {next} · {} ", waiting_for(ui, snap));
    let b = block(ui, &title);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let lines: Vec<Line> = snap
        .gates
        .iter()
        .map(|g| gate_line(ui, g, inner.width))
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
