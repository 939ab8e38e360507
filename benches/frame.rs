//! Dashboard frame cost with live data: each frame follows a metrics message (new judge values,
//! a new split-history point, a new data age), then ratatui builds the frame, diffs it against
//! the last one and writes the escape sequences through crossterm into memory — the real write
//! path, minus the terminal. Reports time per frame (criterion) and bytes per frame, which at
//! one data update per second is the steady-state terminal bytes per second.
//! Run with `cargo bench --bench frame`.

#[path = "../tests/common/mod.rs"]
#[allow(unused_imports)]
mod common;

use std::hint::black_box;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use cutover::client::subscription::Update;
use cutover::tui::state::State;
use cutover::tui::update::{Msg, update};
use cutover::wire::ServerMessage;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The next metrics message: the judge's values move a little, as live data does.
fn live_update(app: &mut State, i: u64) {
    let snap = app.snap.as_ref().expect("fixed state");
    let mut judge = snap.judge.clone();
    #[expect(clippy::cast_precision_loss, reason = "a small counter")]
    let wobble = 1.0 + ((i % 7) as f64 - 3.0) * 0.001;
    for m in &mut judge.overall.metrics {
        m.enhanced = m.enhanced.map(|v| v * wobble);
        m.relative = m.relative.map(|v| v * wobble);
    }
    let at = snap.data_at.expect("data");
    app.now += 1000;
    let gates = snap.gates.clone();
    let freshness = Box::new(snap.freshness.clone().expect("fixed state"));
    update(
        app,
        Msg::Stream(Update::Message(ServerMessage::Metrics {
            seq: 100 + i,
            at,
            judge,
            gates,
            freshness,
        })),
    );
}

/// Discards what it is given and counts the bytes, like a terminal that costs nothing.
#[derive(Clone, Default)]
struct Counting(Arc<AtomicUsize>);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn frames(c: &mut Criterion) {
    let mut group = c.benchmark_group("frame");
    for (w, h) in [(80u16, 24u16), (200, 50)] {
        let mut app = common::dashboard::fixed_app();
        let counter = Counting::default();
        let backend = CrosstermBackend::new(counter.clone());
        let mut term = Terminal::with_options(
            backend,
            ratatui::TerminalOptions {
                viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, w, h)),
            },
        )
        .unwrap();
        term.draw(|f| cutover::tui::panes::draw(f, &app)).unwrap();
        counter.0.store(0, Ordering::Relaxed);
        // Bytes per frame in steady state, measured over 100 updates.
        for i in 0..100 {
            live_update(&mut app, i);
            term.draw(|f| cutover::tui::panes::draw(f, &app)).unwrap();
            term.backend_mut().flush().unwrap();
        }
        let bytes = counter.0.load(Ordering::Relaxed);
        println!(
            "frame {w}x{h}: {} bytes per live-data frame on average (= bytes/s at 1 Hz data)",
            bytes / 100
        );
        let mut i = 100;
        group.bench_function(
            format!("{w}x{h} live data: update + build + diff + write"),
            |b| {
                b.iter(|| {
                    i += 1;
                    live_update(&mut app, i);
                    term.draw(|f| cutover::tui::panes::draw(black_box(f), &app))
                        .unwrap();
                    term.backend_mut().flush().unwrap();
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, frames);
criterion_main!(benches);
