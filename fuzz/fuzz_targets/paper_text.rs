//! cargo-fuzz target: the property is in `fuzz/checks/paper_text.rs` (its comment says what it
//! guards), shared with the test suite's replay of the seeds and regressions.
#![no_main]

#[path = "../checks/paper_text.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
