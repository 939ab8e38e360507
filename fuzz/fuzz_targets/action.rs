//! Fuzz target: `cutover::fuzz::action` must never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cutover::fuzz::action(data));
