//! The header: rollout name, phase and step, state, connection with data age, who you are,
//! clock; and the view tabs on the second line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::split::truncate;
use crate::tui::freshness::{DataState, data_state};
use crate::tui::state::{State, View};
use crate::wire::format;
use crate::wire::{EdgeStatus, Status};

/// The state as shown, with its style.
fn status_span(ui: &State, status: Status) -> Span<'static> {
    let t = &ui.look.theme;
    let style = match status {
        Status::Running | Status::Completed => t.strong(t.ok),
        Status::Paused => t.strong(t.warn),
        Status::RollingBack | Status::Killed => t.strong(t.crit),
    };
    Span::styled(format!(" {} ", status.label()), style)
}

fn connection(ui: &State) -> Span<'static> {
    let t = &ui.look.theme;
    let human = |ms: i64| format::duration(u64::try_from(ms).unwrap_or(0));
    let (text, style) = match data_state(ui) {
        DataState::Waiting => (" CONNECTING ".to_owned(), t.strong(t.warn)),
        DataState::Reconnecting { age_ms } => (
            format!(" RECONNECTING · showing {} old ", human(age_ms)),
            t.strong(t.crit),
        ),
        DataState::Stale { age_ms } => (format!(" STALE {} ", human(age_ms)), t.strong(t.warn)),
        DataState::NoData { age_ms, silent } => {
            let who = if silent.is_empty() {
                String::new()
            } else {
                format!(" · {} silent", silent.join(", "))
            };
            let how_long = age_ms.map_or_else(|| "yet".to_owned(), human);
            (format!(" NO DATA {how_long}{who} "), t.strong(t.warn))
        }
        DataState::Partial { with, exposed } => (
            format!(" LIVE · data for {with}/{exposed} cohorts "),
            t.strong(t.warn),
        ),
        DataState::Live { age_ms } => (
            format!(" LIVE · data {} old ", human(age_ms)),
            t.strong(t.ok),
        ),
        DataState::NoWindow => (" LIVE · no metric window yet ".to_owned(), t.strong(t.ok)),
    };
    Span::styled(text, style)
}

/// The closed loop after a kill or rollback: in flight, or how far it got and how fast. When
/// the state badge already says what it was (`KILLED`), the loop follows it without saying it
/// again: ` KILLED · sent to 1,204/1,204 subscribers in 43 ms`.
fn closed_loop(ui: &State, narrow: bool) -> Option<Span<'static>> {
    let l = ui.closed_loop.as_ref()?;
    let said = ui
        .snap
        .as_ref()
        .is_some_and(|s| s.state.status.label() == l.what);
    let t = &ui.look.theme;
    let delivery = ui
        .snap
        .as_ref()
        .and_then(|s| s.delivery.as_ref())
        .filter(|d| d.revision >= l.revision);
    Some(match delivery {
        None => Span::styled(
            format!(" ROLLING BACK · {} · sending… ", l.what),
            t.strong(t.crit),
        ),
        Some(d) => {
            let lineage = ui.snap.as_ref().map_or("", |s| s.state.lineage.as_str());
            let reach = super::super::reach::reach(d, l.revision, lineage);
            let style = if reach.complete && reach.subscribers > 0 {
                t.strong(t.ok)
            } else {
                t.strong(t.warn)
            };
            let words = if narrow { reach.short() } else { reach.words() };
            if said {
                Span::styled(format!("· {words} "), style)
            } else {
                Span::styled(format!(" {} · {words} ", l.what), style)
            }
        }
    })
}

/// The edge relays when any is not live: `EDGES 3/4 · eu-2 lost`; nothing when all are (or
/// there are none). When the control plane has lost NATS itself, that is said instead: no edge
/// can be reached or heard, whatever their last status (without the time on a `narrow` line);
/// and when another control plane publishes the rollout, that this one does not.
fn edges(ui: &State, narrow: bool) -> Option<Span<'static>> {
    let t = &ui.look.theme;
    let state = &ui.snap.as_ref()?.state;
    let edges = &state.edges;
    if let Some(rival) = state.nats.as_ref().and_then(|l| l.rival.as_ref()) {
        let text = if narrow {
            " NOT PUBLISHING · rival ".to_owned()
        } else {
            format!(" NOT PUBLISHING: lineage {rival} of another control plane holds the bucket ")
        };
        return Some(Span::styled(text, t.strong(t.crit)));
    }
    if let Some(link) = state.nats.as_ref().filter(|l| !l.connected) {
        let since = chrono::DateTime::from_timestamp_millis(link.since)
            .filter(|_| !narrow)
            .map(|d| format!(" since {}", d.format("%H:%M:%S")))
            .unwrap_or_default();
        let unheard = match edges.len() {
            0 => String::new(),
            1 => " · 1 edge unheard".to_owned(),
            n => format!(" · {n} edges unheard"),
        };
        return Some(Span::styled(
            format!(" NATS DOWN{since}{unheard} "),
            t.strong(t.crit),
        ));
    }
    let elsewhere =
        |e: &&crate::wire::Edge| !state.lineage.is_empty() && e.lineage != state.lineage;
    let troubled: Vec<String> = edges
        .iter()
        .filter(|e| e.status != EdgeStatus::Live || elsewhere(e))
        .map(|e| {
            let how = match e.status {
                EdgeStatus::Lost => "lost",
                EdgeStatus::Stale => "stale",
                EdgeStatus::Live => "other lineage",
            };
            format!("{} {how}", e.id)
        })
        .collect();
    if troubled.is_empty() {
        return None;
    }
    Some(Span::styled(
        format!(
            " EDGES {}/{} · {} ",
            edges.len() - troubled.len(),
            edges.len(),
            crate::tui::reach::first_two(&troubled)
        ),
        t.strong(t.warn),
    ))
}

/// What must show on the first line, in order: the state, the data and the loop always fit
/// (the control plane's address and who you are give way first when the line is short).
fn essential(ui: &State, narrow: bool) -> Vec<Span<'static>> {
    let t = &ui.look.theme;
    // NATS down or another control plane publishing is why a kill does not arrive: it comes
    // first on a short line, before the loop it explains; lost edges come after the loop,
    // which names them too.
    let nats_trouble = ui
        .snap
        .as_ref()
        .and_then(|s| s.state.nats.as_ref())
        .is_some_and(|l| l.rival.is_some() || !l.connected);
    let (first, after) = if nats_trouble {
        (edges(ui, narrow), None)
    } else {
        (None, edges(ui, narrow))
    };
    first
        .into_iter()
        .chain(closed_loop(ui, narrow))
        .chain(after)
        .chain([connection(ui)])
        .chain(
            ui.look
                .read_only
                .then(|| Span::styled(" READ-ONLY", t.strong(t.warn))),
        )
        .collect()
}

/// The control plane's address without the scheme, for the header.
fn host(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

/// Draws the header: name, state, connection, who, clock; then phase and step, and the tabs.
pub fn render(f: &mut Frame, area: Rect, ui: &State) {
    let t = &ui.look.theme;
    let clock = chrono::DateTime::from_timestamp_millis(ui.now)
        .map(|d| d.format("%H:%M UTC").to_string())
        .unwrap_or_default();
    let (name, status) = match &ui.snap {
        Some(s) => (s.name.clone(), Some(status_span(ui, s.state.status))),
        None => (
            format!("cutover · waiting for {}", host(&ui.link.url)),
            None,
        ),
    };
    let narrow = area.width < 120;
    let essential = essential(ui, narrow);
    let host_span = ui
        .snap
        .as_ref()
        .map(|_| Span::styled(format!(" @{}", host(&ui.link.url)), t.muted()));
    let you_span = ui.link.you.as_ref().map(|you| {
        Span::styled(
            format!(" {} ({})", you.name, format::role(you.role)),
            t.muted(),
        )
    });
    let clock_span = Span::styled(format!(" {clock} "), t.muted());
    let width = |spans: &[Span]| {
        spans
            .iter()
            .map(|s| s.content.chars().count())
            .sum::<usize>()
    };
    let status_w = status.as_ref().map_or(0, |s| s.content.chars().count() + 1);
    let mut right = essential;
    for optional in [you_span, host_span].into_iter().flatten() {
        let needed = width(&right) + optional.content.chars().count() + clock_span.content.len();
        if needed + status_w + 24 <= usize::from(area.width) {
            right.push(optional);
        }
    }
    // The clock goes last, and only whole: a clipped `1` is no time.
    if width(&right) + clock_span.content.chars().count() + status_w + 3 + 8
        <= usize::from(area.width)
    {
        right.push(clock_span);
    }
    let used: usize = width(&right) + status_w;
    let room = usize::from(area.width).saturating_sub(used + 3).max(8);
    // A critical incident flashes the name for a moment, beside the bell.
    let name_style = if ui.flash_until > ui.now {
        t.strong(t.crit)
            .add_modifier(ratatui::style::Modifier::REVERSED)
    } else {
        t.header()
    };
    let mut line1 = vec![
        Span::styled(format!(" {} ", truncate(&name, room)), name_style),
        Span::raw(" "),
    ];
    line1.extend(status);
    line1.extend(right);
    let mut line2 = Vec::new();
    if let Some(s) = &ui.snap {
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
        let label = match (wide, area.width >= 100, v == ui.screen.view) {
            (true, _, _) => v.label(),
            (false, true, _) | (false, false, true) => v.short_label(),
            (false, false, false) => &v.label()[..1],
        };
        line2.push(Span::styled(
            format!(" {label} "),
            if v == ui.screen.view {
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
