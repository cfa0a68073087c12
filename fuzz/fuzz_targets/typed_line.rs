//! cargo-fuzz target: the property is in `fuzz/checks/typed_line.rs` (its comment says what it
//! guards), shared with the test suite's replay of the seeds and regressions.
#![no_main]

#[path = "../checks/typed_line.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
