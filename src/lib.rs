//! cutover: mission control for phased rollouts. The library holds the pure core — the
//! rollout [`plan`], the deterministic [`engine`], the legacy-versus-enhanced [`judge`],
//! sticky [`assign`]ment — the durable [`journal`], and around them the control plane
//! ([`server`], fed by metric [`sources`] and the [`sim`]ulator, walked by the [`demo`]'s
//! simulated people), the [`edge`] relays that carry its config beyond one machine, the typed
//! [`wire`], flags for [`openfeature`], the [`client`] used by the command line, and the
//! [`cli`] itself.

pub mod assign;
pub mod cli;
pub mod client;
pub mod clock;
pub mod demo;
pub mod edge;
pub mod engine;
pub mod fuzz;
pub mod hex;
pub mod journal;
pub mod judge;
pub mod lifecycle;
pub mod metrics;
pub mod openfeature;
pub mod plan;
pub mod server;
pub mod settings;
pub mod signing;
pub mod sim;
pub mod sources;
pub mod time;
pub mod tls;
pub mod tui;
pub mod wire;
