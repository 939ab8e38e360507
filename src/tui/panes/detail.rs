//! Why, drawn: the detail of a cohort (where it is and why, its weight over time, the alerts
//! on its scope, the step's gates, legacy against enhanced per metric with p-values and the
//! number of intervals compared, and every journal entry that touched it), of an event (who,
//! why, when on both clocks, the full before → after), or of an alert (rule, scope, reading
//! against threshold, what was done, its history on the strip).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::split::spark;
use super::{block, timeline, when};
use crate::tui::dialog::{Detail, Subject};
use crate::tui::state::State;
use crate::wire::{CohortView, Command, Event, EventKind, format};

fn heading(ui: &State, text: &str) -> Line<'static> {
    Line::from(Span::styled(
        text.to_owned(),
        ui.look.theme.strong(ui.look.theme.accent),
    ))
}

fn text(ui: &State, text: String) -> Line<'static> {
    Line::from(Span::styled(text, ui.look.theme.text()))
}

fn number(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format::round4(v).to_string())
}

/// Whether a journaled transition touched cohort `c`.
fn touched(e: &Event, c: &CohortView) -> bool {
    let EventKind::Transition(t) = &e.kind else {
        return false;
    };
    let named = |target: &str| target == c.id || target == c.department || target == "all";
    let in_diff = t.after["cohorts"].get(&c.id).is_some();
    in_diff
        || match &t.command {
            Command::Rollback { target }
            | Command::Resume {
                release: Some(target),
            } => named(target),
            Command::SetWeight { cohort, .. } => cohort == &c.id,
            _ => false,
        }
}

fn cohort_lines(ui: &State, id: &str, width: usize) -> Vec<Line<'static>> {
    let Some(snap) = &ui.snap else {
        return Vec::new();
    };
    let Some(c) = snap.state.cohorts.iter().find(|c| c.id == id) else {
        return vec![text(ui, format!("{id}: no such cohort in this plan"))];
    };
    let mut out = vec![
        heading(ui, &format!("{} — department {}", c.id, c.department)),
        text(
            ui,
            format!(
                "mode {} · weight {} (the plan says {} {}) · {} · risk {} · rollback within {}",
                c.mode.name(),
                format::percent(c.weight_bp),
                c.target_mode.name(),
                format::percent(c.target_weight_bp),
                format::standing(c.standing),
                format::risk(c.risk),
                c.rollback_objective
            ),
        ),
    ];
    if let Some(h) = ui.history.cohorts.get(id) {
        let values: Vec<u64> = h.iter().map(|w| u64::from(*w)).collect();
        out.push(text(
            ui,
            format!(
                "weight over time: {}",
                spark(ui, &values, width.saturating_sub(18))
            ),
        ));
    }
    out.push(Line::raw(""));
    out.push(heading(ui, "Alerts on its scope"));
    let alerts: Vec<_> = snap
        .alerts
        .iter()
        .filter(|a| a.scope == c.id || a.scope == c.department || a.scope == "global")
        .collect();
    if alerts.is_empty() {
        out.push(text(ui, "none firing".into()));
    }
    for a in alerts {
        out.push(text(
            ui,
            format!(
                "{} {} · {} vs {} · {}",
                a.tier.name(),
                a.key,
                number(a.value),
                number(a.threshold),
                a.action.as_deref().unwrap_or("—")
            ),
        ));
    }
    out.push(Line::raw(""));
    out.extend(judge_lines(ui, id));
    out.push(Line::raw(""));
    out.extend(journal_lines(ui, c, width));
    out
}

/// Legacy against enhanced for one cohort, now or as last seen.
fn judge_lines(ui: &State, id: &str) -> Vec<Line<'static>> {
    let Some(snap) = &ui.snap else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let judged = snap
        .judge
        .cohorts
        .get(id)
        .map(|j| (j, None))
        .or_else(|| ui.history.judged.get(id).map(|(at, j)| (j, Some(*at))));
    match judged {
        None => {
            out.push(heading(ui, "Legacy vs enhanced"));
            out.push(text(ui, "no enhanced traffic seen for this cohort".into()));
        }
        Some((j, seen)) => {
            let when_seen = seen.map_or_else(String::new, |at| {
                chrono::DateTime::from_timestamp_millis(at)
                    .map(|d| {
                        format!(
                            " — last seen {}, no enhanced traffic since",
                            d.format("%H:%M:%S")
                        )
                    })
                    .unwrap_or_default()
            });
            out.push(heading(ui, &format!("Legacy vs enhanced{when_seen}")));
            out.push(text(
                ui,
                format!(
                    "{:<24} {:>9} {:>9} {:>8} {:>8} {:>9}  verdict",
                    "metric", "legacy", "enhanced", "delta", "p-value", "intervals"
                ),
            ));
            for m in &j.metrics {
                out.push(text(
                    ui,
                    format!(
                        "{:<24} {:>9} {:>9} {:>8} {:>8} {:>4} / {:<3}  {:?}",
                        super::split::truncate(&m.metric, 24),
                        number(m.legacy),
                        number(m.enhanced),
                        m.relative
                            .map_or("—".into(), |r| format!("{:+.1}%", r * 100.0)),
                        m.p_value.map_or("—".into(), |p| format!("{p:.3}")),
                        m.legacy_history.len(),
                        m.enhanced_history.len(),
                        m.verdict
                    ),
                ));
            }
        }
    }
    out
}

/// The recent journal entries that touched cohort `c`, with its before → after.
fn journal_lines(ui: &State, c: &CohortView, width: usize) -> Vec<Line<'static>> {
    let Some(snap) = &ui.snap else {
        return Vec::new();
    };
    let mut out = vec![heading(ui, "Journal entries that touched it")];
    let entries: Vec<&Event> = snap.events.iter().rev().filter(|e| touched(e, c)).collect();
    if entries.is_empty() {
        out.push(text(ui, "none among the recent events".into()));
    }
    for e in entries {
        let mut line = timeline::line(ui, e, width);
        if let EventKind::Transition(t) = &e.kind {
            let (b, a) = (&t.before["cohorts"][&c.id], &t.after["cohorts"][&c.id]);
            if !a.is_null() {
                line.spans.push(Span::styled(
                    format!(
                        " · {} → {}",
                        b.as_str().unwrap_or("?"),
                        a.as_str().unwrap_or("?")
                    ),
                    ui.look.theme.muted(),
                ));
            }
        }
        out.push(line);
    }
    out
}

fn event_lines(ui: &State, e: &Event) -> Vec<Line<'static>> {
    let number = e
        .journal_seq()
        .map_or_else(String::new, |n| format!("#{n} "));
    let mut out = vec![
        heading(ui, &format!("{number}{}", e.summary())),
        text(
            ui,
            format!(
                "at {} UTC (wall) · rollout clock {}",
                when(ui, e.at),
                format::rfc3339(e.at)
            ),
        ),
    ];
    match &e.kind {
        EventKind::Transition(t) => {
            out.push(text(
                ui,
                format!("actor: {} · reason: {}", t.actor, t.reason),
            ));
            out.push(text(
                ui,
                format!(
                    "idempotency key: {} · revision after it: {}",
                    t.idempotency_key.as_deref().unwrap_or("—"),
                    t.revision
                ),
            ));
            out.push(Line::raw(""));
            out.push(heading(ui, "Before → after"));
            let pretty =
                |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
            out.push(heading(ui, "before"));
            out.extend(pretty(&t.before).lines().map(|l| text(ui, l.to_owned())));
            out.push(heading(ui, "after"));
            out.extend(pretty(&t.after).lines().map(|l| text(ui, l.to_owned())));
        }
        EventKind::Refused {
            actor,
            action,
            message,
            ..
        } => {
            out.push(text(ui, format!("{actor} asked for `{action}`; refused:")));
            out.push(text(ui, message.clone()));
        }
        EventKind::AlertFired { alert, previous } => {
            out.push(text(
                ui,
                format!(
                    "{} {} (before: {}) · {} vs threshold {} · {}",
                    alert.key,
                    alert.tier.name(),
                    previous.map_or("not firing", |p| p.name()),
                    self::number(alert.value),
                    self::number(alert.threshold),
                    alert.action.as_deref().unwrap_or("no action")
                ),
            ));
        }
        EventKind::AlertResolved { key, reason } => {
            out.push(text(ui, format!("{key} resolved: {reason}")));
        }
    }
    out
}

fn alert_lines(ui: &State, key: &str, width: usize) -> Vec<Line<'static>> {
    let Some(snap) = &ui.snap else {
        return Vec::new();
    };
    let mut out = Vec::new();
    match snap.alerts.iter().find(|a| a.key == key) {
        Some(a) => {
            out.push(heading(
                ui,
                &format!("{} — {} since {}", a.key, a.tier.name(), when(ui, a.since)),
            ));
            out.push(text(
                ui,
                format!(
                    "rule {} · scope {} · from {:?} · {} vs threshold {} · {} · acknowledged: {}",
                    a.name,
                    a.scope,
                    a.source,
                    number(a.value),
                    number(a.threshold),
                    a.action.as_deref().unwrap_or("no action"),
                    if a.acked { "yes" } else { "no" }
                ),
            ));
        }
        None => out.push(heading(ui, &format!("{key} — not firing now"))),
    }
    if let Some(i) = ui.incidents.shown(ui.now, i64::MAX).find(|i| i.key == key) {
        out.push(text(
            ui,
            format!(
                "on the strip: fired {} time(s), first {}, last {}",
                i.count,
                when(ui, i.first_at),
                when(ui, i.at)
            ),
        ));
    }
    out.push(Line::raw(""));
    out.push(heading(ui, "Its events"));
    for e in snap
        .events
        .iter()
        .rev()
        .filter(|e| e.summary().contains(key))
    {
        out.push(timeline::line(ui, e, width));
    }
    out
}

fn messages(ui: &State) -> Vec<Line<'static>> {
    let t = &ui.look.theme;
    if ui.messages.is_empty() {
        return vec![text(ui, "no messages yet".into())];
    }
    ui.messages
        .iter()
        .map(|(at, m)| {
            let time = chrono::DateTime::from_timestamp_millis(*at)
                .map(|d| d.format("%H:%M:%S").to_string())
                .unwrap_or_default();
            let style = if m.error { t.strong(t.crit) } else { t.text() };
            Line::from(vec![
                Span::styled(format!("{time} "), t.muted()),
                Span::styled(m.text.clone(), style),
            ])
        })
        .collect()
}

/// Draws the open detail over most of the screen.
pub fn render(f: &mut Frame, area: Rect, ui: &State, d: &Detail) {
    let rect = Rect {
        x: area.x + area.width / 20,
        y: area.y + 1,
        width: area.width - area.width / 10,
        height: area.height.saturating_sub(2),
    };
    let width = usize::from(rect.width.saturating_sub(2));
    let (title, lines) = match &d.subject {
        Subject::Cohort(id) => (format!(" Why · {id} "), cohort_lines(ui, id, width)),
        Subject::Event(e) => (" Why · event ".to_owned(), event_lines(ui, e)),
        Subject::Alert(key) => (format!(" Why · {key} "), alert_lines(ui, key, width)),
        Subject::Messages => (" Messages · newest last ".to_owned(), messages(ui)),
    };
    let b = block(ui, &title).title_bottom(Line::from(Span::styled(
        " j/k scroll · Esc closes ",
        ui.look.theme.muted(),
    )));
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines)
            .block(b)
            .wrap(Wrap { trim: false })
            .scroll((d.scroll, 0)),
        rect,
    );
}
