//! Alert tiers: counts of critical / warning / info, then the firing list — tier, key, since
//! when, what was done, acknowledged, from the plan or from Alertmanager.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{block, when};
use crate::tui::state::{State, View};
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
    for (i, a) in snap.alerts.iter().enumerate() {
        let chosen = ui.screen.view == View::Alerts && i == ui.screen.alert;
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
        let head = Line::from(spans);
        lines.push(if chosen {
            head.style(t.selected())
        } else {
            head
        });
        let source = if a.source == AlertSource::Alertmanager {
            "alertmanager"
        } else {
            "plan"
        };
        let since = when(ui, a.since);
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
