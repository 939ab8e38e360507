//! Fuzz target: `cutover::fuzz::client_message` must never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cutover::fuzz::client_message(data));
