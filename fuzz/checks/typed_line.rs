//! Guards the reader of a line a person typed into a file (`platform::input::typed_line`: an
//! imported passphrase, PIN, client secret or TOTP seed, a custodian's passphrase, a .pfx
//! password): it must never panic; an accepted line holds no control character, invisible mark
//! or line break; a byte-order mark before it and CR LF after it read as the same line; and a
//! refusal is one short line that quotes nothing of the input but a position and code point.
//!
//! Shared by the cargo-fuzz target `fuzz_targets/typed_line.rs` and the replay of `seeds/` and
//! `regressions/` in the test suite (`tests/e2e/fuzz_replay.rs`).

use breakglass::platform::input::{BOM, typed_line};
use breakglass::platform::terminal::is_invisible;

/// The property, run on one input: panics if it does not hold.
pub fn check(data: &[u8]) {
    match typed_line(data) {
        Ok(line) => {
            assert!(!line.chars().any(is_invisible), "accepted {line:?}");
            let windows = [BOM, line.as_bytes(), b"\r\n"].concat();
            assert_eq!(typed_line(&windows), Ok(line), "a BOM and CR LF change nothing");
        }
        Err(error) => {
            let message = error.to_string();
            assert!(!message.contains('\n'), "one line: {message}");
            // The messages are fixed sentences with a position and a code point: one that quoted
            // the input would grow with it.
            assert!(message.len() < 200, "the input is never echoed: {message}");
        }
    }
}
