//! Fuzz target: `cutover::fuzz::condition` must never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cutover::fuzz::condition(data));
