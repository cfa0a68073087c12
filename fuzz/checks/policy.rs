//! Guards the ceremony policy parser (`policy::parse`), which reads a TOML file from a git
//! repository that anyone with commit access may have edited: it must never panic, every
//! problem must be one line pointing inside the file (the CLI prints them as `FILE:LINE: ...`),
//! and an accepted policy must describe a ceremony `seal` can run (2 to 255 custodians with
//! unique non-empty names, a threshold between 2 and their number).
//!
//! Shared by the cargo-fuzz target `fuzz_targets/policy.rs` and the replay of `seeds/` and
//! `regressions/` in the test suite (`tests/e2e/fuzz_replay.rs`).

use breakglass::ceremony::policy;

/// A fixed "now" (2025-06-15) so expiry checks are reproducible.
const NOW: i64 = 1_750_000_000;

/// The property, run on one input: panics if it does not hold.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines = text.lines().count() + 1;
    match policy::parse(text, NOW) {
        Ok(parsed) => {
            let shares = parsed.custodians.len();
            assert!((2..=255).contains(&shares), "{shares} custodians accepted");
            assert!(
                parsed.threshold >= 2 && usize::from(parsed.threshold) <= shares,
                "threshold {} of {shares} accepted",
                parsed.threshold
            );
            let mut names: Vec<String> = parsed.custodians.iter().map(|c| c.name.to_lowercase()).collect();
            assert!(
                names.iter().all(|name| !name.is_empty()),
                "an empty custodian name was accepted"
            );
            names.sort();
            names.dedup();
            assert_eq!(names.len(), shares, "duplicate custodian names were accepted");
            assert!(!parsed.label.is_empty(), "an empty label was accepted");
            for warning in &parsed.warnings {
                assert!(warning.line <= lines, "warning on line {} of {lines}", warning.line);
                assert!(!warning.message.contains('\n'), "warning spans lines: {warning}");
            }
        }
        Err(error) => {
            assert!(!error.problems.is_empty(), "refused without a problem");
            for problem in &error.problems {
                assert!(problem.line <= lines, "problem on line {} of {lines}", problem.line);
                assert!(!problem.message.contains('\n'), "problem spans lines: {problem}");
            }
            assert!(!error.to_string().contains('\n'));
        }
    }
}
