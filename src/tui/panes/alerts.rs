//! Alert tiers: counts of critical / warning / info, then the firing list — tier, key, since
//! when, what was done, acknowledged, from the plan or from Alertmanager.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::block;
use crate::tui::state::State;
use crate::wire::{AlertSource, Tier};

/// Draws the alerts.
pub fn render(f: &mut Frame, area: Rect, ui: &State) {
    let b = block(ui, " Alerts ");
    let Some(snap) = &ui.snap else {
        f.render_widget(b, area);
        return;
    };
    let t = &ui.look.theme;
    let count = |tier| snap.alerts.iter().filter(|a| a.tier == tier).count();
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("CRIT {}", count(Tier::Critical)), t.strong(t.crit)),
        Span::raw("  "),
        Span::styled(format!("WARN {}", count(Tier::Warning)), t.strong(t.warn)),
        Span::raw("  "),
        Span::styled(format!("INFO {}", count(Tier::Info)), t.text()),
    ])];
    if snap.alerts.is_empty() {
        lines.push(Line::from(Span::styled("nothing firing", t.muted())));
    }
    let detailed = area.width >= 60;
    for a in &snap.alerts {
        let color = match a.tier {
            Tier::Critical => t.crit,
            Tier::Warning => t.warn,
            Tier::Info => t.fg,
        };
        let mut spans = vec![
            Span::styled(
                format!("{:<4} ", &a.tier.name()[..4].to_uppercase()),
                t.strong(color),
            ),
            Span::styled(a.key.clone(), t.text()),
        ];
        if a.acked {
            spans.push(Span::styled(" ack", t.muted()));
        }
        lines.push(Line::from(spans));
        let source = if a.source == AlertSource::Alertmanager {
            "alertmanager"
        } else {
            "plan"
        };
        let since = chrono::DateTime::from_timestamp_millis(a.since)
            .map(|d| d.format("%m-%d %H:%M").to_string())
            .unwrap_or_default();
        let mut detail = format!("  since {since} · {source}");
        if let Some(action) = &a.action {
            let _ = write!(detail, " · {action}");
        }
        if detailed && let (Some(v), Some(th)) = (a.value, a.threshold) {
            let _ = write!(detail, " · {v:.4} vs {th}");
        }
        lines.push(Line::from(Span::styled(detail, t.muted())));
    }
    f.render_widget(
        Paragraph::new(lines).block(b).wrap(Wrap { trim: true }),
        area,
    );
}
