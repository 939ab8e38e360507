//! Frame cost as a distribution: the same live-data frames as `benches/frame.rs` (a metrics
//! message, then build + diff + escape sequences into memory), timed one by one, reported as
//! percentiles — the budget is a p99, which criterion's mean cannot show. Sizes 80×24, 200×50
//! and 250×70, after a warm-up. Run with `cargo bench --bench frame_p99`.

#[path = "../tests/common/mod.rs"]
#[allow(unused_imports)]
mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use cutover::client::subscription::Update;
use cutover::tui::state::State;
use cutover::tui::update::{Msg, update};
use cutover::wire::ServerMessage;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

const WARMUP: u64 = 200;
const FRAMES: u64 = 5000;

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
    let msg = ServerMessage::Metrics {
        seq: 100 + i,
        at: snap.data_at.expect("data"),
        judge,
        gates: snap.gates.clone(),
        freshness: Box::new(snap.freshness.clone().expect("fixed state")),
    };
    app.now += 1000;
    update(app, Msg::Stream(Update::Message(msg)));
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into the samples"
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    for (w, h) in [(80u16, 24u16), (200, 50), (250, 70)] {
        let mut app = common::dashboard::fixed_app();
        let backend = CrosstermBackend::new(std::io::sink());
        let viewport = ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, w, h));
        let mut term =
            Terminal::with_options(backend, ratatui::TerminalOptions { viewport }).unwrap();
        let mut samples = Vec::with_capacity(usize::try_from(FRAMES).unwrap_or(0));
        for i in 0..WARMUP + FRAMES {
            let start = Instant::now();
            live_update(&mut app, i);
            term.draw(|f| cutover::tui::panes::draw(f, &app)).unwrap();
            term.backend_mut().flush().unwrap();
            if i >= WARMUP {
                samples.push(start.elapsed());
            }
        }
        samples.sort_unstable();
        println!(
            "frame {w}x{h}, {FRAMES} live-data frames: p50 {:?}  p90 {:?}  p99 {:?}  max {:?}",
            percentile(&samples, 0.50),
            percentile(&samples, 0.90),
            percentile(&samples, 0.99),
            samples[samples.len() - 1]
        );
    }
}
