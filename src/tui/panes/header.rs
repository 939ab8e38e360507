//! The header: rollout name, phase and step, state, connection with data age, who you are,
//! clock; and the view tabs on the second line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::split::truncate;
use crate::engine::Status;
use crate::tui::app::{App, Conn, View};

/// The state as shown, with its style.
fn status_span(app: &App, status: Status) -> Span<'static> {
    let t = &app.theme;
    let style = match status {
        Status::Running | Status::Completed => t.strong(t.ok),
        Status::Paused => t.strong(t.warn),
        Status::RollingBack | Status::Killed => t.strong(t.crit),
    };
    Span::styled(format!(" {} ", status.label()), style)
}

fn connection(app: &App) -> Span<'static> {
    let t = &app.theme;
    let human = |ms: i64| crate::time::Period(u64::try_from(ms).unwrap_or(0)).human();
    match app.conn {
        Conn::Live if app.metrics_at > 0 => Span::styled(
            format!(" LIVE · data {} old ", human(app.now - app.metrics_at)),
            t.strong(t.ok),
        ),
        Conn::Live => Span::styled(" LIVE ".to_owned(), t.strong(t.ok)),
        Conn::Stale => Span::styled(
            format!(" STALE {} ", human(app.now - app.last_message)),
            t.strong(t.warn),
        ),
        Conn::Reconnecting => Span::styled(" RECONNECTING ".to_owned(), t.strong(t.crit)),
        Conn::Connecting => Span::styled(" CONNECTING ".to_owned(), t.strong(t.warn)),
    }
}

/// Draws the header: name, state, connection, who, clock; then phase and step, and the tabs.
pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let clock = chrono::DateTime::from_timestamp_millis(app.now)
        .map(|d| d.format("%H:%M").to_string())
        .unwrap_or_default();
    let mut right = vec![connection(app)];
    if let Some(you) = &app.you {
        right.push(Span::styled(
            format!(" {} ({})", you.name, you.role.name()),
            t.muted(),
        ));
    }
    if app.read_only {
        right.push(Span::styled(" READ-ONLY".to_owned(), t.strong(t.warn)));
    }
    right.push(Span::styled(format!(" {clock} "), t.muted()));
    let (name, status) = match &app.snap {
        Some(s) => (s.name.clone(), Some(status_span(app, s.state.status))),
        None => ("cutover · waiting for the control plane".to_owned(), None),
    };
    let used: usize = right
        .iter()
        .map(|s| s.content.chars().count())
        .sum::<usize>()
        + status.as_ref().map_or(0, |s| s.content.chars().count() + 1);
    let room = usize::from(area.width).saturating_sub(used + 3).max(8);
    let mut line1 = vec![
        Span::styled(format!(" {} ", truncate(&name, room)), t.header()),
        Span::raw(" "),
    ];
    line1.extend(status);
    line1.extend(right);
    let mut line2 = Vec::new();
    if let Some(s) = &app.snap {
        let st = &s.state;
        line2.push(Span::styled(
            format!(
                " Phase {}/{} · {} · step {}/{} {} ",
                st.phase_number, st.phase_count, st.phase, st.step_number, st.step_count, st.step
            ),
            t.text(),
        ));
    }
    let wide = area.width >= 120;
    for v in View::ALL {
        let label = if wide {
            v.label().to_owned()
        } else {
            v.label()[..1].to_owned()
        };
        line2.push(Span::styled(
            format!(" {label} "),
            if v == app.view {
                t.selected()
            } else {
                t.muted()
            },
        ));
    }
    f.render_widget(
        Paragraph::new(vec![Line::from(line1), Line::from(line2)]),
        area,
    );
}
