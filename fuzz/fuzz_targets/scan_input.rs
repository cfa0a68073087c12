//! cargo-fuzz target: the property is in `fuzz/checks/scan_input.rs` (its comment says what it
//! guards), shared with the test suite's replay of the seeds and regressions.
#![no_main]

#[path = "../checks/scan_input.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
