//! Fuzz target: `cutover::fuzz::samples` must never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cutover::fuzz::samples(data));
