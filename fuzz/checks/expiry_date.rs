//! Guards the `YYYY-MM-DD` parser for `--expires` (`clock::parse_date`): it must never panic,
//! and an accepted date is midnight UTC of a day between 1970 and 9999.
//!
//! Shared by the cargo-fuzz target `fuzz_targets/expiry_date.rs` and the replay of `seeds/` and
//! `regressions/` in the test suite (`tests/e2e/fuzz_replay.rs`).

use breakglass::platform::clock::parse_date;

/// The property, run on one input: panics if it does not hold.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(seconds) = parse_date(&text) {
        assert_eq!(seconds.rem_euclid(86_400), 0, "not midnight");
        assert!((0..253_402_300_800).contains(&seconds), "outside 1970..=9999");
    }
}
