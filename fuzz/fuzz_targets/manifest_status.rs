//! cargo-fuzz target: the property is in `fuzz/checks/manifest_status.rs` (its comment says what
//! it guards), shared with the test suite's replay of the seeds and regressions.
#![no_main]

#[path = "../checks/manifest_status.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
