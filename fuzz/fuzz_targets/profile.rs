//! Fuzz target: `cutover::fuzz::profile` must never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cutover::fuzz::profile(data));
