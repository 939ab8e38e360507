//! Entry points for fuzzing: each takes arbitrary bytes and must return, never panic, whatever
//! they are — the profile parser and its checks, the condition language, action bodies (JSON
//! and the command line's text), sample bodies (whole and in small chunks) and the stream's
//! client messages. `fuzz/` drives them with cargo-fuzz (nightly); `tests/fuzz_corpus.rs`
//! replays the committed corpus with the stable toolchain, so every input once found stays a
//! regression test.

use std::sync::OnceLock;

use crate::plan::Plan;
use crate::server::ingest::{Ingest, Intake};
use crate::wire;

/// A profile file (TOML) through loading and every check.
pub fn profile(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(plan) = crate::plan::load_str("fuzz.toml", text)
    {
        let _ = crate::plan::outline::outline(&plan);
    }
}

/// A gate or alert condition.
pub fn condition(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(c) = crate::plan::condition::Condition::parse(text)
    {
        let _ = c.to_string();
        let _ = c.holds(0.5);
    }
}

/// An action: as a `POST /v1/actions` body, and as the command line's text.
pub fn action(data: &[u8]) {
    if let Ok(req) = serde_json::from_slice::<wire::ActionRequest>(data) {
        let _ = crate::server::convert::action(&req.action, &req.reason);
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(a) = wire::Action::parse(text)
    {
        let _ = crate::server::convert::action(&a, "fuzz");
    }
}

fn plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| crate::plan::builtin::load("minimal").expect("the built-in profile"))
}

/// A `POST /v1/samples` body, whole and as it might arrive in 7-byte chunks.
pub fn samples(data: &[u8]) {
    let ingest = Ingest::default();
    let _ = ingest.accept(plan(), data);
    let mut intake = Intake::new(plan());
    for chunk in data.chunks(7) {
        if intake.push(chunk).is_err() {
            return;
        }
    }
    let _ = intake.finish(&ingest);
    let _ = ingest.drain(plan());
}

/// A message a stream client sends.
pub fn client_message(data: &[u8]) {
    let _ = serde_json::from_slice::<wire::ClientMessage>(data);
}

/// A fuzz target: arbitrary bytes in, nothing out, never a panic.
pub type Target = fn(&[u8]);

/// Every target by name, for the corpus replay and the fuzz harness.
pub const TARGETS: [(&str, Target); 5] = [
    ("profile", profile),
    ("condition", condition),
    ("action", action),
    ("samples", samples),
    ("client_message", client_message),
];
