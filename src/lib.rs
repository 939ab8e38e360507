//! cutover: mission control for phased rollouts. The library holds the pure core — the
//! rollout [`plan`], the deterministic [`engine`], the legacy-versus-enhanced [`judge`],
//! sticky [`assign`]ment — and the durable [`journal`]; the binary adds the command line.

pub mod assign;
pub mod cli;
pub mod engine;
pub mod journal;
pub mod judge;
pub mod metrics;
pub mod plan;
pub mod time;
